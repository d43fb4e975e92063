/*
 * revlog_fuzzer.c - libFuzzer harness for reading a whole revlog with
 * csrc/ alone (no Python): what revlog/revlog.py does for every revision.
 *
 * Input format: see fuzz/inputs.py (decode_revlog_input): an index file
 * and a data file.  The header of the index says the version and flags (v1
 * only: v0 is converted and v2 read through a docket in Python).  For each
 * revision: its delta chain, the spans of the chain's chunks, the slices a
 * sparse read would make, the chunks themselves (stored, or zlib with the
 * output capped) and the text they rebuild through mpatch, which must be
 * the size the fold announced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_args.h"
#include "revlog.h"

#define MAX_WALKED 64
#define MAX_CHUNK (1 << 18) /* inflated bytes kept per chunk */

static uint8_t inflated[MAX_CHUNK];

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* A chunk as the revlog layer decompresses it, in a new buffer (NULL with
   *len 0 for an engine this harness does not read). */
static uint8_t *decompress(const uint8_t *chunk, size_t size, size_t *len)
{
	uint8_t *out;
	z_stream z;

	*len = 0;
	if (size == 0 || chunk[0] == '\0' || chunk[0] == 'u') {
		size_t skip = size && chunk[0] == 'u' ? 1 : 0;
		out = malloc(size - skip + 1);
		FUZZ_CHECK(out != NULL);
		memcpy(out, chunk + skip, size - skip);
		*len = size - skip;
		return out;
	}
	if (chunk[0] != 'x') {
		return NULL;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)chunk;
	z.avail_in = (uInt)(size > UINT32_MAX ? UINT32_MAX : size);
	z.next_out = inflated;
	z.avail_out = MAX_CHUNK;
	if (inflate(&z, Z_FINISH) != Z_STREAM_END) {
		inflateEnd(&z);
		return NULL;
	}
	*len = MAX_CHUNK - z.avail_out;
	inflateEnd(&z);
	out = malloc(*len + 1);
	FUZZ_CHECK(out != NULL);
	memcpy(out, inflated, *len);
	return out;
}

/* Rebuild rev from its chain's chunks in `file` (file_len bytes). */
static void rebuild(struct revlog_index *index, int64_t rev,
                    const uint8_t *file, size_t file_len,
                    struct fuzz_args *args)
{
	struct revlog_error_info err;
	struct revlog_chain chain;
	struct revlog_revs slices;
	struct revlog_patch_plan *plan;
	struct revlog_patch_error where;
	int64_t *revs, *starts, *lengths, i, n;
	uint8_t **texts, *out;
	size_t *lens, out_len;
	int ok = 1;

	if (fuzz_status(revlog_index_deltachain(index, rev, -2, &chain, &err))) {
		return;
	}
	n = chain.count;
	FUZZ_CHECK(n >= 1 && n <= revlog_index_length(index) + 1);
	revs = calloc((size_t)n, sizeof(int64_t));
	starts = calloc((size_t)n, sizeof(int64_t));
	lengths = calloc((size_t)n, sizeof(int64_t));
	texts = calloc((size_t)n, sizeof(uint8_t *));
	lens = calloc((size_t)n, sizeof(size_t));
	FUZZ_CHECK(revs && starts && lengths && texts && lens);
	for (i = 0; i < n; i++) {
		revs[i] = chain.revs[i];
	}
	if (fuzz_status(revlog_index_chunk_spans(index, revs, (size_t)n, starts,
	                                         lengths, &err))) {
		goto done;
	}
	if (!fuzz_status(revlog_index_slicechunk(index, revs, (size_t)n,
	                                         (double)fuzz_byte(args) / 255.0,
	                                         fuzz_u16(args), &slices,
	                                         &err))) {
		FUZZ_CHECK(slices.count % 2 == 0 && slices.count <= 2 * n);
	}
	for (i = 0; i < n && ok; i++) {
		FUZZ_CHECK(starts[i] >= 0 && lengths[i] >= 0);
		if ((uint64_t)starts[i] > file_len ||
		    (uint64_t)lengths[i] > file_len - (uint64_t)starts[i]) {
			ok = 0; /* the revlog layer reports a truncated file */
			break;
		}
		texts[i] = decompress(file + starts[i], (size_t)lengths[i],
		                      &lens[i]);
		ok = texts[i] != NULL;
	}
	if (ok &&
	    fuzz_status(revlog_mpatch_fold(lens[0], (const uint8_t *const *)texts + 1,
	                                   lens + 1, (size_t)n - 1, &plan,
	                                   &out_len, &where)) == REVLOG_OK) {
		out = malloc(out_len ? out_len : 1);
		FUZZ_CHECK(out != NULL);
		revlog_mpatch_apply(plan, texts[0], out);
		revlog_mpatch_free(plan);
		free(out);
	}
done:
	for (i = 0; i < n; i++) {
		free(texts[i]);
	}
	free(revs);
	free(starts);
	free(lengths);
	free(texts);
	free(lens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct revlog_error_info err;
	struct revlog_index *index = NULL;
	struct fuzz_args args = {NULL, 0, 0, 0};
	size_t index_len, data_len;
	uint8_t *index_file, *data_file;
	uint32_t header = 0;
	int64_t rev, length;
	int inline_data;

	if (size < 5) {
		return 0;
	}
	index_len = be32(data + 1);
	if (index_len > size - 5) {
		index_len = size - 5;
	}
	data_len = size - 5 - index_len;
	/* exact-size copies, so ASan sees any overread */
	index_file = malloc(index_len ? index_len : 1);
	data_file = malloc(data_len ? data_len : 1);
	FUZZ_CHECK(index_file && data_file);
	memcpy(index_file, data + 5, index_len);
	memcpy(data_file, data + 5 + index_len, data_len);
	args.bytes = data_file;
	args.count = data_len < 16 ? data_len : 16;
	if (index_len >= 4) {
		header = be32(index_file);
	}
	inline_data = index_len < 4 || (header >> 16) & 1;
	if ((index_len < 4 || (header & 0xffff) == REVLOG_FORMAT_V1) &&
	    fuzz_status(revlog_index_new(index_file, index_len,
	                                 REVLOG_FORMAT_V1, inline_data,
	                                 (header >> 17) & 1, (header >> 18) & 1,
	                                 &index, &err)) == REVLOG_OK) {
		length = revlog_index_length(index);
		for (rev = 0; rev < length && rev < MAX_WALKED; rev++) {
			if (inline_data) {
				rebuild(index, rev, index_file, index_len, &args);
			} else {
				rebuild(index, rev, data_file, data_len, &args);
			}
		}
		revlog_index_free(index);
	}
	free(index_file);
	free(data_file);
	return 0;
}
