/*
 * index_fuzzer.c - libFuzzer harness for the index and graph functions of
 * csrc/ (index.c, nodetree.c, deltachain.c, dagops.c, bitmap.c), no Python.
 *
 * Input format: see fuzz/inputs.py (decode_index_input): a config byte, the
 * argument bytes, then the index data.  Every function of the index API
 * runs on what parses, with arguments drawn from the argument bytes (some
 * out of range on purpose); each must return a declared status, never an
 * internal error, and its outputs must lie where revlog.h says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_args.h"
#include "revlog.h"

#define MAX_WALKED 256 /* per-revision calls cover at most this many */
#define MAX_PICKED 128 /* a few revisions, or now and then 64 or more */

static const int32_t FORMATS[4] = {REVLOG_FORMAT_V1, REVLOG_FORMAT_V2,
                                   REVLOG_FORMAT_CHANGELOG_V2,
                                   REVLOG_FORMAT_V1};
/* the tracked phases, and one that is not (REVLOG_ERR_RANGE) */
static const int32_t PHASES[REVLOG_TRACKED_PHASES + 1] = {
    REVLOG_PHASE_DRAFT, REVLOG_PHASE_SECRET, REVLOG_PHASE_ARCHIVED,
    REVLOG_PHASE_INTERNAL, 3};

static void check_revs(const struct revlog_revs *revs, int64_t low,
                       int64_t length)
{
	int64_t i;

	FUZZ_CHECK(revs->count >= 0);
	for (i = 0; i < revs->count; i++) {
		FUZZ_CHECK(revs->revs[i] >= low && revs->revs[i] < length);
	}
}

static int32_t filter_by_args(void *context, int64_t rev)
{
	struct fuzz_args *args = context;
	uint32_t b = fuzz_byte(args);

	(void)rev;
	if (b == 0xff) {
		return -1; /* stop the walk: REVLOG_ERR_CALLBACK */
	}
	return (int32_t)(b & 1);
}

/* As fuzz/fuzz_index.py picks them: up to 8, or 64 to 127 (common
   ancestors then take several passes). */
static size_t pick_revs(struct fuzz_args *args, int64_t length, int64_t *revs)
{
	uint32_t b = fuzz_byte(args);
	size_t n = b < 0xf8 ? b % 9 : 64 + fuzz_byte(args) % 64, i;

	for (i = 0; i < n; i++) {
		revs[i] = fuzz_rev(args, length);
	}
	return n;
}

static void lookups(struct revlog_index *index, struct fuzz_args *args)
{
	struct revlog_error_info err;
	struct revlog_entry entry;
	int64_t length = revlog_index_length(index), rev, found;
	static const char hex[] = "0123456789abcdef";

	for (rev = -1; rev < length && rev < MAX_WALKED; rev++) {
		char text[2 * REVLOG_NODE_SIZE];
		uint8_t node[REVLOG_NODE_SIZE];
		int32_t shortest = 0;
		const uint8_t *packed;
		int i;

		if (fuzz_status(revlog_index_entry(index, rev, &entry, &err))) {
			continue;
		}
		if (rev >= 0 && !fuzz_status(revlog_index_entry_bytes(
		                    index, rev, &packed, &err))) {
			FUZZ_CHECK(packed != NULL);
		}
		if (fuzz_status(revlog_index_find_node(index, entry.node,
		                                       &found, &err))) {
			continue;
		}
		FUZZ_CHECK(found >= -1 && found < length);
		for (i = 0; i < REVLOG_NODE_SIZE; i++) {
			text[2 * i] = hex[entry.node[i] >> 4];
			text[2 * i + 1] = hex[entry.node[i] & 15];
		}
		if (!fuzz_status(revlog_index_shortest(index, entry.node,
		                                       &shortest, &err))) {
			FUZZ_CHECK(shortest >= 1 && shortest <= 40);
		}
		if (!fuzz_status(revlog_index_partialmatch(
		        index, text, 1 + fuzz_byte(args) % 40, &found, node,
		        &err))) {
			FUZZ_CHECK(found >= REVLOG_REV_AMBIGUOUS &&
			           found < length);
		}
	}
	/* a prefix that is not all hex digits */
	{
		char junk[3] = {(char)fuzz_byte(args), (char)fuzz_byte(args),
		                (char)fuzz_byte(args)};
		uint8_t node[REVLOG_NODE_SIZE];
		fuzz_status(revlog_index_partialmatch(index, junk, 3, &found,
		                                      node, &err));
	}
}

static void chains(struct revlog_index *index, struct fuzz_args *args)
{
	struct revlog_error_info err;
	int64_t length = revlog_index_length(index), rev, i;
	int64_t *revs, *starts, *lengths;
	int32_t flag;

	for (rev = -2; rev <= length && rev < MAX_WALKED; rev++) {
		struct revlog_chain chain;
		struct revlog_revs slices;
		int64_t stop = fuzz_rev(args, length);

		if (!fuzz_status(revlog_index_issnapshot(index, rev, &flag,
		                                         &err))) {
			FUZZ_CHECK(flag == 0 || flag == 1);
		}
		if (fuzz_status(revlog_index_deltachain(index, rev, stop,
		                                        &chain, &err))) {
			continue;
		}
		FUZZ_CHECK(chain.count >= 0 && chain.count <= length + 1);
		revs = malloc(((size_t)chain.count + 1) * sizeof(int64_t));
		starts = malloc(((size_t)chain.count + 1) * sizeof(int64_t));
		lengths = malloc(((size_t)chain.count + 1) * sizeof(int64_t));
		FUZZ_CHECK(revs && starts && lengths);
		for (i = 0; i < chain.count; i++) {
			/* -1 ends the chain of a base-less revision 0 */
			FUZZ_CHECK(chain.revs[i] >= -1 && chain.revs[i] < length);
			revs[i] = chain.revs[i];
		}
		fuzz_status(revlog_index_chunk_spans(index, revs,
		                                     (size_t)chain.count,
		                                     starts, lengths, &err));
		if (!fuzz_status(revlog_index_slicechunk(
		        index, revs, (size_t)chain.count,
		        (double)fuzz_byte(args) / 200.0,
		        (int64_t)fuzz_u16(args) - 256, &slices, &err))) {
			FUZZ_CHECK(slices.count % 2 == 0);
			for (i = 0; i < slices.count; i++) {
				FUZZ_CHECK(slices.revs[i] >= 0 &&
				           slices.revs[i] <= chain.count);
			}
		}
		free(revs);
		free(starts);
		free(lengths);
	}
	{
		struct revlog_revs snaps;
		int64_t start = fuzz_rev(args, length), end = fuzz_rev(args, length);
		if (!fuzz_status(revlog_index_findsnapshots(index, start, end,
		                                            &snaps, &err))) {
			FUZZ_CHECK(snaps.count % 2 == 0);
		}
	}
}

static void ancestors_walk(struct revlog_index *index, struct fuzz_args *args)
{
	struct revlog_error_info err;
	struct revlog_ancestors *walk = NULL;
	int64_t length = revlog_index_length(index), revs[MAX_PICKED], count;
	size_t n = pick_revs(args, length, revs);
	int64_t stoprev = fuzz_rev(args, length), target, yielded = 0;
	int32_t inclusive = (int32_t)(fuzz_byte(args) & 1), flag;

	if (fuzz_status(revlog_ancestors_new(index, revs, n, stoprev, inclusive,
	                                     &walk, &err))) {
		return;
	}
	target = fuzz_rev(args, length);
	if (!fuzz_status(revlog_ancestors_contains(index, walk, target, &flag,
	                                           &err))) {
		FUZZ_CHECK(flag == 0 || flag == 1);
	}
	for (;;) {
		int64_t want = 1 + fuzz_byte(args) % 64, i;
		if (fuzz_status(revlog_ancestors_next(index, walk, want, &count,
		                                      &err)) ||
		    count == 0) {
			break;
		}
		FUZZ_CHECK(count > 0 && count <= want);
		for (i = 0; i < count; i++) {
			FUZZ_CHECK(walk->buffer[i] >= 0 &&
			           walk->buffer[i] < length);
		}
		yielded += count;
		FUZZ_CHECK(yielded <= length);
	}
	revlog_ancestors_free(walk);
}

static void bitmaps(struct revlog_index *index, struct fuzz_args *args)
{
	struct revlog_error_info err;
	struct revlog_bitmap *a = NULL, *d = NULL, *x = NULL;
	int64_t length = revlog_index_length(index), revs[MAX_PICKED];
	size_t n = pick_revs(args, length, revs);
	int32_t inclusive = (int32_t)(fuzz_byte(args) & 1);
	int32_t listed[64];

	if (fuzz_status(revlog_index_ancestors_bitmap(index, revs, n, inclusive,
	                                              &a, &err))) {
		return;
	}
	if (!fuzz_status(revlog_index_descendants_bitmap(index, revs, n,
	                                                 inclusive, &d, &err))) {
		int64_t total = revlog_bitmap_count(a);
		FUZZ_CHECK(total >= 0 && total <= length);
		FUZZ_CHECK(revlog_bitmap_list(a, 0, listed, 64) ==
		           (total < 64 ? total : 64));
		if (!fuzz_status(revlog_bitmap_and(a, d, &x))) {
			FUZZ_CHECK(revlog_bitmap_count(x) <= total);
			revlog_bitmap_free(x);
		}
		if (!fuzz_status(revlog_bitmap_or(a, d, &x))) {
			FUZZ_CHECK(revlog_bitmap_count(x) >= total);
			revlog_bitmap_free(x);
		}
		if (!fuzz_status(revlog_bitmap_andnot(a, d, &x))) {
			FUZZ_CHECK(revlog_bitmap_count(x) <= total);
			FUZZ_CHECK(revlog_bitmap_equal(x, x));
			revlog_bitmap_free(x);
		}
		revlog_bitmap_test(d, fuzz_rev(args, length));
		revlog_bitmap_free(d);
	}
	revlog_bitmap_free(a);
}

static void graph(struct revlog_index *index, struct fuzz_args *args)
{
	struct revlog_error_info err;
	struct revlog_revs out, added;
	int64_t length = revlog_index_length(index), revs[MAX_PICKED];
	int64_t roots[MAX_PICKED], counts[REVLOG_TRACKED_PHASES];
	int32_t phases[MAX_PICKED], flag;
	size_t n, m, i;

	n = pick_revs(args, length, revs);
	if (!fuzz_status(revlog_index_headrevs(index, fuzz_rev(args, length),
	                                       revs, n, NULL, NULL, &out,
	                                       &err))) {
		check_revs(&out, -1, length);
	}
	if (!fuzz_status(revlog_index_headrevs(index, length, revs, n,
	                                       filter_by_args, args, &out,
	                                       &err))) {
		check_revs(&out, -1, length);
	}
	if (!fuzz_status(revlog_index_headrevsdiff(
	        index, fuzz_rev(args, length), fuzz_rev(args, length), &out,
	        &added, &err))) {
		check_revs(&out, -1, length);
		check_revs(&added, -1, length);
	}
	n = pick_revs(args, length, revs);
	if (!fuzz_status(revlog_index_commonancestorsheads(index, revs, n,
	                                                   &out, &err))) {
		check_revs(&out, 0, length);
	}
	if (!fuzz_status(revlog_index_gca(index, revs, n, &out, &err))) {
		check_revs(&out, 0, length);
	}
	m = pick_revs(args, length, roots);
	if (!fuzz_status(revlog_index_reachableroots(
	        index, fuzz_rev(args, length), revs, n, roots, m,
	        (int32_t)(fuzz_byte(args) & 1), &out, &err))) {
		check_revs(&out, -1, length);
	}
	for (i = 0; i < m; i++) {
		phases[i] = PHASES[fuzz_byte(args) % (REVLOG_TRACKED_PHASES + 1)];
	}
	if (!fuzz_status(revlog_index_phases(index, roots, phases, m, counts,
	                                     &out, &err))) {
		int64_t total = 0;
		for (i = 0; i < REVLOG_TRACKED_PHASES; i++) {
			FUZZ_CHECK(counts[i] >= 0);
			total += counts[i];
		}
		FUZZ_CHECK(total == out.count);
		check_revs(&out, 0, length);
	}
	if (!fuzz_status(revlog_index_descendants(index, revs, n,
	                                          (int32_t)(fuzz_byte(args) & 1),
	                                          &out, &err))) {
		check_revs(&out, -1, length);
	}
	if (!fuzz_status(revlog_index_isancestor(index, fuzz_rev(args, length),
	                                         fuzz_rev(args, length), &flag,
	                                         &err))) {
		FUZZ_CHECK(flag == 0 || flag == 1);
	}
	ancestors_walk(index, args);
	bitmaps(index, args);
}

/* Append an entry made of argument bytes, truncate, forget the caches. */
static void mutate(struct revlog_index *index, struct fuzz_args *args)
{
	struct revlog_error_info err;
	struct revlog_entry entry;
	struct revlog_ancestors *walk;
	int64_t length = revlog_index_length(index), top;
	int i;

	memset(&entry, 0, sizeof(entry));
	entry.offset_flags = (uint64_t)fuzz_u16(args) << 16;
	entry.comp_len = (int32_t)fuzz_u16(args) - 2;
	entry.raw_len = (int32_t)fuzz_u16(args);
	entry.base = (int32_t)fuzz_rev(args, length + 1);
	entry.link = (int32_t)fuzz_u16(args);
	entry.p1 = (int32_t)fuzz_rev(args, length + 1);
	entry.p2 = (int32_t)fuzz_rev(args, length + 1);
	for (i = 0; i < REVLOG_NODE_SIZE; i++) {
		entry.node[i] = (uint8_t)fuzz_byte(args);
	}
	entry.data_comp_mode = (uint8_t)(fuzz_byte(args) & 3);
	entry.sidedata_comp_mode = (uint8_t)(fuzz_byte(args) & 3);
	entry.rank = (int32_t)fuzz_u16(args) - 1;
	if (fuzz_status(revlog_index_append(index, &entry, &err)) == REVLOG_OK) {
		FUZZ_CHECK(revlog_index_length(index) == length + 1);
	}
	if (fuzz_byte(args) & 1) {
		revlog_index_clearcaches(index);
	}
	lookups(index, args);
	graph(index, args);
	length = revlog_index_length(index);
	top = length - 1;
	if (length == 0 || fuzz_status(revlog_ancestors_new(
	                       index, &top, 1, 0, 1, &walk, &err))) {
		walk = NULL;
	}
	if (fuzz_status(revlog_index_truncate(index, fuzz_rev(args, length),
	                                      &err)) == REVLOG_OK) {
		FUZZ_CHECK(revlog_index_length(index) <= length);
	}
	if (walk) { /* refused once the index lost revisions it covers */
		int64_t count;
		int status = fuzz_status(
		    revlog_ancestors_next(index, walk, 8, &count, &err));
		FUZZ_CHECK(revlog_index_length(index) < length
		               ? status == REVLOG_ERR_RANGE
		               : status == REVLOG_OK || status == REVLOG_ERR_INDEX_BAD_PARENT);
		revlog_ancestors_free(walk);
	}
	chains(index, args);
	graph(index, args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct revlog_error_info err;
	struct revlog_index *index = NULL;
	struct fuzz_args args = {NULL, 0, 0, 0};
	size_t nargs;
	uint8_t config;
	uint8_t *copy;

	if (size < 2) {
		return 0;
	}
	config = data[0];
	nargs = data[1];
	if (nargs > size - 2) {
		nargs = size - 2;
	}
	args.bytes = data + 2;
	args.count = nargs;
	/* a copy of exactly the index bytes, so ASan sees any overread */
	copy = malloc(size - 2 - nargs ? size - 2 - nargs : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data + 2 + nargs, size - 2 - nargs);
	if (fuzz_status(revlog_index_new(copy, size - 2 - nargs,
	                                 FORMATS[config & 3],
	                                 (config >> 2) & 1, (config >> 3) & 1,
	                                 (config >> 4) & 1, &index, &err)) ==
	    REVLOG_OK) {
		FUZZ_CHECK(revlog_index_length(index) >= 0);
		lookups(index, &args);
		chains(index, &args);
		graph(index, &args);
		mutate(index, &args);
		revlog_index_free(index);
	}
	free(copy);
	return 0;
}
