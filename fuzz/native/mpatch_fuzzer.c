/*
 * mpatch_fuzzer.c - libFuzzer harness for csrc/mpatch.c, no Python.
 *
 * Input format: see fuzz/inputs.py.  When the fold accepts the deltas, the
 * result must equal applying them one by one with the naive code below,
 * and revlog_mpatch_patchedsize must agree with the first delta's length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revlog.h"

#define MAX_DELTAS 16

struct cursor {
	const uint8_t *data;
	size_t size, pos;
};

static void take(struct cursor *c, const uint8_t **chunk, size_t *len)
{
	size_t n;

	if (c->size - c->pos < 2) {
		c->pos = c->size;
		*chunk = c->data + c->pos;
		*len = 0;
		return;
	}
	n = ((size_t)c->data[c->pos] << 8) | c->data[c->pos + 1];
	c->pos += 2;
	if (n > c->size - c->pos) {
		n = c->size - c->pos;
	}
	*chunk = c->data + c->pos;
	*len = n;
	c->pos += n;
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Apply one delta already known to be valid; returns a malloc'd text. */
static uint8_t *apply_one(const uint8_t *text, size_t text_len,
                          const uint8_t *d, size_t d_len, size_t *out_len)
{
	size_t pos = 0, last = 0, n = 0, cap = text_len + d_len + 1;
	uint8_t *out = malloc(cap);

	if (!out) {
		abort();
	}
	while (pos < d_len) {
		size_t start = be32(d + pos), end = be32(d + pos + 4),
		       len = be32(d + pos + 8);
		memcpy(out + n, text + last, start - last);
		n += start - last;
		memcpy(out + n, d + pos + 12, len);
		n += len;
		last = end;
		pos += 12 + len;
	}
	memcpy(out + n, text + last, text_len - last);
	*out_len = n + text_len - last;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = {data, size, 0};
	const uint8_t *text, *deltas[MAX_DELTAS] = {0};
	size_t text_len, lens[MAX_DELTAS] = {0}, count, i, out_len, naive_len;
	struct revlog_patch_plan *plan;
	struct revlog_patch_error where;
	uint8_t *out, *naive;
	int64_t size0 = 0;
	int status;

	if (size == 0) {
		return 0;
	}
	count = data[0] % MAX_DELTAS;
	c.pos = 1;
	take(&c, &text, &text_len);
	for (i = 0; i < count; i++) {
		take(&c, &deltas[i], &lens[i]);
	}

	status = revlog_mpatch_fold(text_len, deltas, lens, count, &plan,
	                            &out_len, &where);
	if (count > 0) {
		int first = revlog_mpatch_patchedsize((int64_t)text_len,
		                                      deltas[0], lens[0],
		                                      &size0, &where);
		if (status == REVLOG_OK &&
		    (first != REVLOG_OK ||
		     (count == 1 && (size_t)size0 != out_len))) {
			abort(); /* patchedsize disagrees with the fold */
		}
	}
	if (status != REVLOG_OK) {
		if (status == REVLOG_ERR_INTERNAL) {
			abort(); /* the fold broke its own invariant */
		}
		return 0;
	}
	out = malloc(out_len ? out_len : 1);
	if (!out) {
		abort();
	}
	revlog_mpatch_apply(plan, text, out);
	revlog_mpatch_free(plan);

	naive = malloc(text_len ? text_len : 1);
	if (!naive) {
		abort();
	}
	memcpy(naive, text, text_len);
	naive_len = text_len;
	for (i = 0; i < count; i++) {
		size_t next_len;
		uint8_t *next = apply_one(naive, naive_len, deltas[i], lens[i],
		                          &next_len);
		free(naive);
		naive = next;
		naive_len = next_len;
	}
	if (naive_len != out_len || memcmp(naive, out, out_len) != 0) {
		abort(); /* folding changed the result */
	}
	free(naive);
	free(out);
	return 0;
}
