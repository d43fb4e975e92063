/*
 * bdiff_fuzzer.c - libFuzzer harness for csrc/bdiff.c, no Python.
 *
 * Input format: see fuzz/inputs.py (decode_bdiff_input): two texts a, b.
 * The delta from a to b must be valid for mpatch and rebuild b exactly;
 * the one-call API and a reused differ must give the same bytes; diffing
 * a text with itself gives an empty delta.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_args.h"
#include "revlog.h"

static struct revlog_differ *differ;

/* patches(a, [delta]) through the fold and apply of csrc/mpatch.c. */
static void check_rebuilds(const char *a, size_t a_len, const char *b,
                           size_t b_len, const char *delta, size_t delta_len)
{
	const uint8_t *deltas[1] = {(const uint8_t *)delta};
	size_t lens[1] = {delta_len}, out_len;
	struct revlog_patch_plan *plan;
	struct revlog_patch_error where;
	int64_t size;
	uint8_t *out;

	FUZZ_CHECK(revlog_mpatch_fold(a_len, deltas, lens, 1, &plan, &out_len,
	                              &where) == REVLOG_OK);
	FUZZ_CHECK(revlog_mpatch_patchedsize((int64_t)a_len, deltas[0],
	                                     delta_len, &size,
	                                     &where) == REVLOG_OK);
	FUZZ_CHECK(out_len == b_len && (size_t)size == b_len);
	out = malloc(out_len ? out_len : 1);
	FUZZ_CHECK(out != NULL);
	revlog_mpatch_apply(plan, (const uint8_t *)a, out);
	revlog_mpatch_free(plan);
	FUZZ_CHECK(memcmp(out, b, b_len) == 0);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t a_len = 0, b_len, delta_len, again_len, self_len;
	const char *again, *self;
	char *a, *b, *delta;

	if (!differ) {
		FUZZ_CHECK(revlog_differ_new(&differ) == REVLOG_OK);
	}
	if (size >= 2) {
		a_len = ((size_t)data[0] << 8) | data[1];
		if (a_len > size - 2) {
			a_len = size - 2;
		}
	}
	b_len = size - (size >= 2 ? 2 : size) - a_len;
	/* exact-size copies, so ASan sees any overread */
	a = malloc(a_len ? a_len : 1);
	b = malloc(b_len ? b_len : 1);
	FUZZ_CHECK(a && b);
	memcpy(a, data + (size >= 2 ? 2 : size), a_len);
	memcpy(b, data + size - b_len, b_len);

	FUZZ_CHECK(fuzz_status(revlog_bdiff(a, a_len, b, b_len, &delta,
	                                    &delta_len)) == REVLOG_OK);
	check_rebuilds(a, a_len, b, b_len, delta, delta_len);
	FUZZ_CHECK(revlog_differ_diff(differ, a, a_len, b, b_len, &again,
	                              &again_len) == REVLOG_OK);
	FUZZ_CHECK(again_len == delta_len &&
	           (delta_len == 0 || memcmp(again, delta, delta_len) == 0));
	FUZZ_CHECK(revlog_differ_diff(differ, b, b_len, b, b_len, &self,
	                              &self_len) == REVLOG_OK);
	FUZZ_CHECK(self_len == 0);
	revlog_bdiff_free(delta);
	free(a);
	free(b);
	return 0;
}
