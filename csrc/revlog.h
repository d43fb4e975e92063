/*
 * revlog.h - the public C API of the revlog core.
 *
 * Portable C99, no Python: any C program (the fuzzers, other bindings) can
 * link csrc/ directly.  This file is also cffi's cdef: csrc/build_cffi.py
 * drops the preprocessor lines (those starting with '#') and hands the rest
 * to cffi verbatim, so the binding cannot drift from the implementation.
 * Keep it to plain prototypes, enums and structs with fixed-width types.
 *
 * Every function that can fail returns an int from enum revlog_status and
 * writes its results through pointers.  Nothing here aborts, asserts or reads
 * outside the buffers it is given, whatever their content.
 */
#ifndef REVLOG_H
#define REVLOG_H

#include <stddef.h>
#include <stdint.h>

/* Status codes.  revlog/status.py mirrors these values for the pure backend
   and maps each one to the exception and message both backends raise. */
enum revlog_status {
	REVLOG_OK = 0,
	REVLOG_ERR_NOMEM = 1,
	REVLOG_ERR_INTERNAL = 2,
	REVLOG_ERR_RANGE = 3,
	REVLOG_ERR_CALLBACK = 4,
	REVLOG_ERR_GCA_CAPACITY = 5,
	REVLOG_ERR_PATCH_TRUNCATED = 10,
	REVLOG_ERR_PATCH_BAD_RANGE = 11,
	REVLOG_ERR_PATCH_PAST_END = 12,
	REVLOG_ERR_PATCH_OUT_OF_ORDER = 13,
	REVLOG_ERR_PATCH_OVERFLOW = 14,
	REVLOG_ERR_INDEX_BAD_SIZE = 20,
	REVLOG_ERR_INDEX_INLINE_TRUNCATED = 21,
	REVLOG_ERR_INDEX_BAD_PARENT = 22,
	REVLOG_ERR_INDEX_BAD_BASE = 23,
	REVLOG_ERR_INDEX_BAD_LENGTH = 24,
	REVLOG_ERR_INDEX_BAD_OFFSET = 25,
	REVLOG_ERR_INDEX_TOO_LARGE = 26,
	REVLOG_ERR_DIFF_TOO_LARGE = 30
};

/* Version of this API; the Python side refuses a module whose number differs. */
int32_t revlog_abi_version(void);

/* ---- mpatch: binary deltas (csrc/mpatch.c) ----
 *
 * A delta is a sequence of hunks, each a 12-byte header of three big-endian
 * signed 32-bit integers (start, end, length) followed by `length` bytes: the
 * bytes [start, end) of the text it applies to are replaced by those bytes.
 * Hunks are sorted and do not overlap, and every position lies inside the
 * text.  A list of deltas is applied in order, each to the result of the
 * previous one; it is folded into one hunk list first, then applied once.
 */

/* Where a malformed delta was found: its index in the list and the byte
   offset of the offending hunk header inside it. */
struct revlog_patch_error {
	int64_t delta;
	int64_t offset;
};

/* A folded, validated list of deltas, ready to be applied (opaque). */
struct revlog_patch_plan;

/* Size of the text that `delta` makes of a text of `orig_len` bytes.  The
   delta is validated exactly as revlog_mpatch_fold validates it. */
int revlog_mpatch_patchedsize(int64_t orig_len, const uint8_t *delta,
                              size_t delta_len, int64_t *out_len,
                              struct revlog_patch_error *where);

/* Validate `ndeltas` deltas against a text of `text_len` bytes and fold them
   into one plan.  On success *out_plan must be released with
   revlog_mpatch_free and *out_len is the size of the patched text.  The
   plan points into the delta buffers: keep them alive until it is applied. */
int revlog_mpatch_fold(size_t text_len, const uint8_t *const *deltas,
                       const size_t *delta_lens, size_t ndeltas,
                       struct revlog_patch_plan **out_plan, size_t *out_len,
                       struct revlog_patch_error *where);

/* Write the patched text (out_len bytes, as returned by the fold) to `out`.
   `text` is the text_len bytes the plan was folded for. */
void revlog_mpatch_apply(const struct revlog_patch_plan *plan,
                         const uint8_t *text, uint8_t *out);

/* Release a plan (NULL is allowed). */
void revlog_mpatch_free(struct revlog_patch_plan *plan);

/* ---- bdiff: line-based deltas (csrc/bdiff.c) ----
 *
 * The delta that turns text a into text b, in the format above: hunks of
 * whole lines (each with its '\n'; Mercurial reads manifest deltas as
 * lines) replacing the lines the texts do not share, as few as the line
 * matching finds.  revlog/_pure/bdiff.py computes the same delta byte for
 * byte.  Time and memory stay linear in the number of lines, whatever the
 * texts (work past a budget leaves coarser hunks).
 */

/* Scratch memory kept from one diff to the next (the line tables, the last
   delta), so that diffing many small texts allocates nothing; one per
   thread.  Release with revlog_differ_free. */
struct revlog_differ;

/* A new differ in *out (holding no memory yet). */
int revlog_differ_new(struct revlog_differ **out);

/* Release a differ (NULL is allowed). */
void revlog_differ_free(struct revlog_differ *differ);

/* Diff a (a_len bytes) against b.  On success *out points to the delta,
   *out_len bytes owned by the differ and valid until its next call (equal
   texts: *out_len is 0).  Texts are `char` so that cffi hands Python bytes
   over without a copy.  A text over 0x7fffffff bytes (more than a hunk
   can address) is REVLOG_ERR_DIFF_TOO_LARGE, unless the texts are equal. */
int revlog_differ_diff(struct revlog_differ *differ, const char *a,
                       size_t a_len, const char *b, size_t b_len,
                       const char **out, size_t *out_len);

/* The same in one call: *out is a new buffer of *out_len bytes that the
   caller releases with revlog_bdiff_free (NULL when the texts are equal). */
int revlog_bdiff(const char *a, size_t a_len, const char *b, size_t b_len,
                 char **out, size_t *out_len);

/* Release a delta made by revlog_bdiff (NULL is allowed). */
void revlog_bdiff_free(char *delta);

/* ---- index: Mercurial's revlog index (csrc/index.c, nodetree.c,
 *      deltachain.c) ----
 *
 * An index reads a caller-owned buffer in place: keep it alive (and its
 * size unchanged) until revlog_index_free.  Entries appended later are kept
 * in memory owned by the index, packed in the same binary layout.  Revisions
 * are numbered from 0; -1 is the null revision.  Node lookups go through a
 * 16-way radix tree built lazily and kept up to date by append/truncate.
 *
 * The functions below are not thread-safe: lookups fill lazy caches, so
 * callers serialise every call on one index.
 */

/* The `format` argument: the version number of the revlog. */
enum revlog_index_format {
	REVLOG_FORMAT_V1 = 1,
	REVLOG_FORMAT_V2 = 0xDEAD,
	REVLOG_FORMAT_CHANGELOG_V2 = 0xD34D
};

/* Special revision numbers in lookup results. */
enum revlog_rev {
	REVLOG_NULLREV = -1,
	REVLOG_REV_NOT_FOUND = -2,
	REVLOG_REV_AMBIGUOUS = -3
};

enum revlog_index_limits {
	REVLOG_NODE_SIZE = 20,
	REVLOG_MAX_REVS = 0x7ffffffe, /* revisions are signed 32-bit */
	/* revlog_index_gca picks among at most this many candidates, as
	   Mercurial's index does (REVLOG_ERR_GCA_CAPACITY otherwise) */
	REVLOG_GCA_CAPACITY = 24
};

/* Where an index is corrupted: the revision and the offending value (see
   revlog/status.py INDEX_MESSAGES for what each status reports).  Every
   index function that can fail takes one last and fills it on failure:
   inline data is walked again when first used, and a buffer changed since
   the parse is reported there. */
struct revlog_error_info {
	int64_t rev;
	int64_t value;
};

/* One entry, as Mercurial's index protocol returns it. */
struct revlog_entry {
	uint64_t offset_flags; /* data offset << 16 | revision flags */
	int32_t comp_len;
	int32_t raw_len;
	int32_t base;
	int32_t link;
	int32_t p1;
	int32_t p2;
	uint8_t node[20];
	uint64_t sidedata_offset;
	int32_t sidedata_len;
	uint8_t data_comp_mode;
	uint8_t sidedata_comp_mode;
	int32_t rank;
};

struct revlog_index;

/* Parse `len` bytes of index data.  Inline data interleaves each entry with
   its compressed chunk (not for changelog-v2).  Size errors are reported
   with their position in *err.  Release *out with revlog_index_free. */
int revlog_index_new(const uint8_t *data, size_t len, int32_t format,
                     int32_t inline_data, int32_t generaldelta,
                     int32_t delta_info, struct revlog_index **out,
                     struct revlog_error_info *err);

/* Release an index (NULL is allowed). */
void revlog_index_free(struct revlog_index *index);

/* Number of revisions (on-disk and appended). */
int64_t revlog_index_length(const struct revlog_index *index);

/* Size in bytes of one packed entry of this index's format. */
int64_t revlog_index_entry_size(const struct revlog_index *index);

/* Entry of rev (-1: the null entry). */
int revlog_index_entry(struct revlog_index *index, int64_t rev,
                       struct revlog_entry *out, struct revlog_error_info *err);

/* The packed bytes of rev (0 <= rev < length): *out points at
   revlog_index_entry_size bytes, valid until the index changes. */
int revlog_index_entry_bytes(struct revlog_index *index, int64_t rev,
                             const uint8_t **out,
                             struct revlog_error_info *err);

/* Append an entry as revision `length`.  Fields the format does not store
   are ignored (v1: sidedata, modes, rank; changelog-v2: base, link). */
int revlog_index_append(struct revlog_index *index,
                        const struct revlog_entry *entry,
                        struct revlog_error_info *err);

/* Remove revisions start .. length-1 (0 <= start <= length). */
int revlog_index_truncate(struct revlog_index *index, int64_t start,
                          struct revlog_error_info *err);

/* Drop the lazily built caches (inline offsets, node tree). */
void revlog_index_clearcaches(struct revlog_index *index);

/* Revision of a 20-byte node: -1 for the null node, or
   REVLOG_REV_NOT_FOUND. */
int revlog_index_find_node(struct revlog_index *index, const uint8_t *node,
                           int64_t *rev, struct revlog_error_info *err);

/* Revision whose hex node starts with the `len` hex digits at `hex`
   (1 <= len <= 40, either case): a revision, -1 (the null node),
   REVLOG_REV_NOT_FOUND (also for non-hex input) or REVLOG_REV_AMBIGUOUS.
   When found, the full node is copied to node_out (20 bytes). */
int revlog_index_partialmatch(struct revlog_index *index, const char *hex,
                              size_t len, int64_t *rev, uint8_t *node_out,
                              struct revlog_error_info *err);

/* Length of the shortest hex prefix that identifies node alone (the null
   node included), or REVLOG_REV_NOT_FOUND if node is not in the index. */
int revlog_index_shortest(struct revlog_index *index, const uint8_t *node,
                          int32_t *length, struct revlog_error_info *err);

/* A delta chain: `count` revisions at `revs`, oldest first, in memory
   owned by the index (valid until the next call on it); `stopped` is 1
   when the walk met the stop revision. */
struct revlog_chain {
	const int32_t *revs;
	int64_t count;
	int32_t stopped;
};

/* The revisions whose deltas rebuild rev (0 <= rev < length).  The walk
   stops before stoprev if it meets it; a stoprev below -1 (as Mercurial's
   -2) never stops it. */
int revlog_index_deltachain(struct revlog_index *index, int64_t rev,
                            int64_t stoprev, struct revlog_chain *out,
                            struct revlog_error_info *err);

/* Whether rev (-1 <= rev < length) is stored as a snapshot. */
int revlog_index_issnapshot(struct revlog_index *index, int64_t rev,
                            int32_t *out, struct revlog_error_info *err);

/* For each of the n revisions (-1 <= rev < length), the absolute offset of
   its chunk in the file holding the data (inline: counting the interleaved
   entries) and its compressed length. */
int revlog_index_chunk_spans(struct revlog_index *index, const int64_t *revs,
                             size_t n, int64_t *starts, int64_t *lengths,
                             struct revlog_error_info *err);

/* ---- revision graph: heads, common ancestors, reachability, phases,
 *      ancestors and descendants (csrc/dagops.c, bitmap.c) ----
 *
 * The graph functions read parents from the entries, and the first of them
 * to run on an index checks every one (appended entries are checked by the
 * next; truncate and clearcaches forget what was checked past them): a
 * parent outside [-1, rev) anywhere is REVLOG_ERR_INDEX_BAD_PARENT naming
 * the lowest such revision (p1 before p2), whatever the question.  Revisions given as
 * arguments must lie in the ranges stated (REVLOG_ERR_RANGE otherwise).
 * Lists of revisions are written to memory owned by the index, valid until
 * the next call on it.  No function recurses; each runs in time and memory
 * bounded by the index's length and its arguments.
 */

/* `count` revisions at `revs`. */
struct revlog_revs {
	const int32_t *revs;
	int64_t count;
};

/* Whether rev is filtered: 1 (yes), 0 (no), or -1 to stop the walk, which
   then fails with REVLOG_ERR_CALLBACK. */
typedef int32_t (*revlog_filter_fn)(void *context, int64_t rev);

/* Heads of revisions [0, stop) (0 <= stop <= length), ascending; [-1] when
   stop is 0.  A revision is filtered when it is one of the `nfiltered`
   revisions at `filtered` (others are ignored) or when filter (if not NULL)
   says so; as in Mercurial, only revisions without an unfiltered child are
   asked about, highest first, and a filtered one with an unfiltered child
   is not filtered. */
int revlog_index_headrevs(struct revlog_index *index, int64_t stop,
                          const int64_t *filtered, size_t nfiltered,
                          revlog_filter_fn filter, void *context,
                          struct revlog_revs *out,
                          struct revlog_error_info *err);

/* Heads of [0, start) that are not heads of [0, stop) (`removed`) and the
   reverse (`added`), each descending; -1 is removed when start is 0 <
   stop.  0 <= start, stop <= length. */
int revlog_index_headrevsdiff(struct revlog_index *index, int64_t start,
                              int64_t stop, struct revlog_revs *removed,
                              struct revlog_revs *added,
                              struct revlog_error_info *err);

/* Heads of the common ancestors of the n revisions (0 <= rev < length; any
   number, repeats allowed), descending: heads(::revs[0] and ::revs[1] ...).
   No revision: none. */
int revlog_index_commonancestorsheads(struct revlog_index *index,
                                      const int64_t *revs, size_t n,
                                      struct revlog_revs *out,
                                      struct revlog_error_info *err);

/* Greatest common ancestors (Mercurial's index.ancestors): of the common
   ancestors heads, those furthest from a root as Mercurial picks them,
   ascending.  More than REVLOG_GCA_CAPACITY heads to pick from is
   REVLOG_ERR_GCA_CAPACITY, their number in err->value (the pick keeps a
   set of candidates per revision: this bounds its memory). */
int revlog_index_gca(struct revlog_index *index, const int64_t *revs,
                     size_t n, struct revlog_revs *out,
                     struct revlog_error_info *err);

/* Mercurial's reachableroots2: the roots (those outside [-1, length) are
   ignored) that are ancestors of heads (-1 <= head < length) through
   revisions >= minroot, in the order a breadth-first walk from the heads
   meets them; with includepath, then every revision on a path from them to
   the heads, ascending. */
int revlog_index_reachableroots(struct revlog_index *index, int64_t minroot,
                                const int64_t *heads, size_t nheads,
                                const int64_t *roots, size_t nroots,
                                int32_t includepath, struct revlog_revs *out,
                                struct revlog_error_info *err);

/* The phases computephasesmapsets tracks, in the order their roots apply. */
enum revlog_phase {
	REVLOG_PHASE_DRAFT = 1,
	REVLOG_PHASE_SECRET = 2,
	REVLOG_PHASE_ARCHIVED = 32,
	REVLOG_PHASE_INTERNAL = 96
};

enum revlog_phase_count {
	REVLOG_TRACKED_PHASES = 4
};

/* Phases from roots: roots[i] (0 <= root < length) is a root of phases[i]
   (a tracked phase), applied in order; a revision takes the highest phase
   of its own root and its parents.  out lists the revisions of each
   tracked phase in turn (draft, secret, archived, internal), ascending,
   counts[k] of them for the k-th. */
int revlog_index_phases(struct revlog_index *index, const int64_t *roots,
                        const int32_t *phases, size_t n, int64_t *counts,
                        struct revlog_revs *out,
                        struct revlog_error_info *err);

/* Descendants of the n revisions (-1 <= rev < length), ascending; with
   inclusive, the revisions themselves too (-1 first when given).  Without,
   one of them counts only if it descends from another.  Every revision
   descends from -1. */
int revlog_index_descendants(struct revlog_index *index, const int64_t *revs,
                             size_t n, int32_t inclusive,
                             struct revlog_revs *out,
                             struct revlog_error_info *err);

/* Whether a is an ancestor of b (-1 <= a, b < length): a revision is its
   own ancestor and -1 is everyone's. */
int revlog_index_isancestor(struct revlog_index *index, int64_t a, int64_t b,
                            int32_t *out, struct revlog_error_info *err);

/* A walk down the ancestors of some revisions, newest first, each once,
   never below `floor` (Mercurial's lazyancestors).  `marks` has a bit per
   revision of [0, length): the ancestors met so far; every marked revision
   at or above `below` was yielded.  `top` is the highest revision marked at
   the start (the walk yields nothing when it is below floor).  `buffer`
   receives what revlog_ancestors_next yields. */
struct revlog_ancestors {
	int64_t length;
	int64_t floor;
	int64_t below;
	int64_t top;
	uint64_t *marks;
	int32_t *buffer;
	int64_t capacity;
};

/* A walk from the n revisions (0 <= rev < length); stoprev any value.
   With inclusive they are yielded too, else only their ancestors.
   Release *out with revlog_ancestors_free. */
int revlog_ancestors_new(struct revlog_index *index, const int64_t *revs,
                         size_t n, int64_t stoprev, int32_t inclusive,
                         struct revlog_ancestors **out,
                         struct revlog_error_info *err);

/* Yield up to `want` more revisions (at most walk->capacity) into
   walk->buffer; *count of them, 0 when the walk is over.  The index must
   still hold walk->length revisions (REVLOG_ERR_RANGE otherwise). */
int revlog_ancestors_next(struct revlog_index *index,
                          struct revlog_ancestors *walk, int64_t want,
                          int64_t *count, struct revlog_error_info *err);

/* Whether rev (floor <= rev < walk->length) is yielded by the walk:
   advances it only as far down as rev. */
int revlog_ancestors_contains(struct revlog_index *index,
                              struct revlog_ancestors *walk, int64_t rev,
                              int32_t *out, struct revlog_error_info *err);

/* Release a walk (NULL is allowed). */
void revlog_ancestors_free(struct revlog_ancestors *walk);

/* A set of revisions in [0, nbits): bit r of words[r / 64] is revision r.
   Bits from nbits on are always 0. */
struct revlog_bitmap {
	uint64_t *words;
	int64_t nwords;
	int64_t nbits;
};

/* The ancestors of the n revisions (-1 <= rev < length), them included if
   inclusive, as a new bitmap of `length` bits (-1 adds nothing). */
int revlog_index_ancestors_bitmap(struct revlog_index *index,
                                  const int64_t *revs, size_t n,
                                  int32_t inclusive,
                                  struct revlog_bitmap **out,
                                  struct revlog_error_info *err);

/* The descendants of the n revisions as revlog_index_descendants lists
   them (without -1), as a new bitmap of `length` bits. */
int revlog_index_descendants_bitmap(struct revlog_index *index,
                                    const int64_t *revs, size_t n,
                                    int32_t inclusive,
                                    struct revlog_bitmap **out,
                                    struct revlog_error_info *err);

/* An empty bitmap of nbits bits (0 <= nbits <= REVLOG_MAX_REVS + 1). */
int revlog_bitmap_new(int64_t nbits, struct revlog_bitmap **out);

/* Release a bitmap (NULL is allowed). */
void revlog_bitmap_free(struct revlog_bitmap *bitmap);

/* Add revision bit (0 <= bit < nbits). */
void revlog_bitmap_add(struct revlog_bitmap *bitmap, int64_t bit);

/* New bitmaps: a & b (min of the sizes), a | b (max), a - b (a's). */
int revlog_bitmap_and(const struct revlog_bitmap *a,
                      const struct revlog_bitmap *b,
                      struct revlog_bitmap **out);
int revlog_bitmap_or(const struct revlog_bitmap *a,
                     const struct revlog_bitmap *b,
                     struct revlog_bitmap **out);
int revlog_bitmap_andnot(const struct revlog_bitmap *a,
                         const struct revlog_bitmap *b,
                         struct revlog_bitmap **out);

/* Whether a and b hold the same revisions (whatever their sizes). */
int32_t revlog_bitmap_equal(const struct revlog_bitmap *a,
                            const struct revlog_bitmap *b);

/* Number of revisions in the bitmap. */
int64_t revlog_bitmap_count(const struct revlog_bitmap *bitmap);

/* Whether bit is set (any bit: outside [0, nbits) it is not). */
int32_t revlog_bitmap_test(const struct revlog_bitmap *bitmap, int64_t bit);

/* Write the revisions >= from, ascending, to out (at most cap of them);
   return how many were written. */
int64_t revlog_bitmap_list(const struct revlog_bitmap *bitmap, int64_t from,
                           int32_t *out, int64_t cap);

/* ---- snapshots and sparse reads (csrc/deltachain.c) ---- */

/* The snapshots among revisions [start, end) (0 <= start, end <= length),
   ascending, as (rev, delta base) pairs in out (count: pairs * 2); a
   snapshot stored in full has base -1.  On failure out holds the pairs
   found before the failing revision. */
int revlog_index_findsnapshots(struct revlog_index *index, int64_t start,
                               int64_t end, struct revlog_revs *out,
                               struct revlog_error_info *err);

/* Cut the n revisions (-1 <= rev < length, ascending as in a delta chain)
   into slices worth reading at once: the largest gaps between their chunks
   are skipped, largest first (ties: the later gap first), until the data
   read is at least targetdensity useful; gaps up to mingapsize bytes are
   never skipped, and empty revisions ending a slice are left out.  out
   lists each slice as a (first, end) pair of positions in revs. */
int revlog_index_slicechunk(struct revlog_index *index, const int64_t *revs,
                            size_t n, double targetdensity,
                            int64_t mingapsize, struct revlog_revs *out,
                            struct revlog_error_info *err);

#endif
