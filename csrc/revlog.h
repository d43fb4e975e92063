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
	REVLOG_ERR_PATCH_TRUNCATED = 10,
	REVLOG_ERR_PATCH_BAD_RANGE = 11,
	REVLOG_ERR_PATCH_PAST_END = 12,
	REVLOG_ERR_PATCH_OUT_OF_ORDER = 13,
	REVLOG_ERR_PATCH_OVERFLOW = 14
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

#endif
