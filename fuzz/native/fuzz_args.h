/*
 * fuzz_args.h - what the native harnesses share: a cursor over the
 * argument bytes of an input (see fuzz/inputs.py, ArgReader) and the
 * checks every harness applies to a status.
 */
#ifndef REVLOG_FUZZ_ARGS_H
#define REVLOG_FUZZ_ARGS_H

#include <stdint.h>
#include <stdlib.h>

#include "revlog.h"

/* Argument bytes, read cyclically; with none, a counter stands in. */
struct fuzz_args {
	const uint8_t *bytes;
	size_t count, pos;
	uint32_t counter;
};

static inline uint32_t fuzz_byte(struct fuzz_args *a)
{
	if (a->count == 0) {
		return a->counter++ & 0xff;
	}
	return a->bytes[a->pos++ % a->count];
}

static inline uint32_t fuzz_u16(struct fuzz_args *a)
{
	uint32_t hi = fuzz_byte(a);
	return (hi << 8) | fuzz_byte(a);
}

/* A revision in [-2, length]: one out of range on either side. */
static inline int64_t fuzz_rev(struct fuzz_args *a, int64_t length)
{
	return (int64_t)(fuzz_u16(a) % (uint64_t)(length + 3)) - 2;
}

/* A status is one of the enum's, and never an internal error. */
static inline int fuzz_status(int status)
{
	switch (status) {
	case REVLOG_OK:
	case REVLOG_ERR_NOMEM:
	case REVLOG_ERR_RANGE:
	case REVLOG_ERR_CALLBACK:
	case REVLOG_ERR_PATCH_TRUNCATED:
	case REVLOG_ERR_PATCH_BAD_RANGE:
	case REVLOG_ERR_PATCH_PAST_END:
	case REVLOG_ERR_PATCH_OUT_OF_ORDER:
	case REVLOG_ERR_PATCH_OVERFLOW:
	case REVLOG_ERR_INDEX_BAD_SIZE:
	case REVLOG_ERR_INDEX_INLINE_TRUNCATED:
	case REVLOG_ERR_INDEX_BAD_PARENT:
	case REVLOG_ERR_INDEX_BAD_BASE:
	case REVLOG_ERR_INDEX_BAD_LENGTH:
	case REVLOG_ERR_INDEX_BAD_OFFSET:
	case REVLOG_ERR_INDEX_TOO_LARGE:
	case REVLOG_ERR_DIFF_TOO_LARGE:
		return status;
	default:
		abort(); /* REVLOG_ERR_INTERNAL or a code nobody declared */
	}
}

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
