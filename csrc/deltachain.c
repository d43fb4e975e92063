/*
 * deltachain.c - walks along delta bases: delta chains, snapshots, and
 * where the chunks of a list of revisions lie.
 *
 * Every base and parent is checked before it is followed: a base lies in
 * [-1, rev] and the walks only ever move to lower revisions, so each one
 * ends after at most rev + 2 steps, whatever the index holds.
 */
#include <stdlib.h>

#include "index_internal.h"

#define DELTA_IS_SNAPSHOT (1u << 10) /* revision flag */

/* Append rev to the index's scratch list (grown by doubling). */
static int push(struct revlog_index *index, int64_t *count, int32_t rev)
{
	if (*count == index->scratch_capacity) {
		int64_t capacity = index->scratch_capacity ?
		                       index->scratch_capacity * 2 : 16;
		int32_t *grown;

		if ((uint64_t)capacity > SIZE_MAX / sizeof(int32_t)) {
			return REVLOG_ERR_NOMEM;
		}
		grown = realloc(index->scratch, (size_t)capacity * sizeof(int32_t));
		if (!grown) {
			return REVLOG_ERR_NOMEM;
		}
		index->scratch = grown;
		index->scratch_capacity = capacity;
	}
	index->scratch[(*count)++] = rev;
	return REVLOG_OK;
}

static void reverse(int32_t *revs, int64_t count)
{
	int64_t i;

	for (i = 0; i < count / 2; i++) {
		int32_t t = revs[i];
		revs[i] = revs[count - 1 - i];
		revs[count - 1 - i] = t;
	}
}

int revlog_index_deltachain(struct revlog_index *index, int64_t rev,
                            int64_t stoprev, struct revlog_chain *out,
                            struct revlog_error_info *err)
{
	int64_t *count = &out->count;
	int32_t base, comp_len;
	int64_t current = rev;
	int status;

	out->revs = NULL;
	out->count = 0;
	out->stopped = 0;
	err->rev = err->value = -1;
	if (rev < 0 || rev >= revlog_index_length(index)) {
		return REVLOG_ERR_RANGE;
	}
	status = index_prepare(index, err);
	if (status == REVLOG_OK) {
		status = index_base(index, rev, &base, err);
	}
	while (status == REVLOG_OK && current != base && current != stoprev) {
		status = index_comp_len(index, current, &comp_len, err);
		if (status == REVLOG_OK && comp_len > 0) {
			/* revisions with an empty delta change nothing */
			status = push(index, count, (int32_t)current);
		}
		current = index->generaldelta ? base : current - 1;
		if (current < 0) {
			break;
		}
		if (status == REVLOG_OK) {
			status = index_base(index, current, &base, err);
		}
	}
	if (status != REVLOG_OK) {
		*count = 0;
		return status;
	}
	if (current == stoprev) {
		out->stopped = 1;
	} else {
		status = push(index, count, (int32_t)current);
		if (status != REVLOG_OK) {
			*count = 0;
			return status;
		}
	}
	reverse(index->scratch, *count);
	out->revs = index->scratch;
	return REVLOG_OK;
}

/* Follow the bases of empty revisions from *rev down to one with data. */
static int skip_empty(const struct revlog_index *index, int32_t *rev,
                      struct revlog_error_info *err)
{
	int32_t comp_len, base;
	int status;

	while (*rev >= 0) {
		status = index_comp_len(index, *rev, &comp_len, err);
		if (status != REVLOG_OK || comp_len != 0) {
			return status;
		}
		status = index_base(index, *rev, &base, err);
		if (status != REVLOG_OK || base == *rev) {
			return status;
		}
		*rev = base;
	}
	return REVLOG_OK;
}

/*
 * A revision is a snapshot when its delta base is none (or itself), or
 * when the base is neither parent (once empty revisions are looked
 * through) and is itself a snapshot.
 */
static int walk_snapshot(const struct revlog_index *index, int64_t rev,
                         int32_t *out, struct revlog_error_info *err)
{
	while (rev >= 0) {
		int32_t base, ps[2];
		int status = index_base(index, rev, &base, err);

		if (status != REVLOG_OK) {
			return status;
		}
		if (base == rev || base == -1) {
			*out = 1;
			return REVLOG_OK;
		}
		status = index_parents(index, rev, rev, ps, err);
		if (status == REVLOG_OK) {
			status = skip_empty(index, &ps[0], err);
		}
		if (status == REVLOG_OK) {
			status = skip_empty(index, &ps[1], err);
		}
		if (status != REVLOG_OK) {
			return status;
		}
		if (base == ps[0] || base == ps[1]) {
			*out = 0;
			return REVLOG_OK;
		}
		rev = base;
	}
	*out = rev == -1;
	return REVLOG_OK;
}

int revlog_index_issnapshot(struct revlog_index *index, int64_t rev,
                            int32_t *out, struct revlog_error_info *err)
{
	int status;

	*out = 0;
	err->rev = err->value = -1;
	if (rev < -1 || rev >= revlog_index_length(index)) {
		return REVLOG_ERR_RANGE;
	}
	status = index_prepare(index, err);
	if (status != REVLOG_OK) {
		return status;
	}
	if (index->delta_info && rev >= 0) {
		*out = (index_flags(index, rev) & DELTA_IS_SNAPSHOT) != 0;
		return REVLOG_OK;
	}
	return walk_snapshot(index, rev, out, err);
}

int revlog_index_chunk_spans(struct revlog_index *index, const int64_t *revs,
                             size_t n, int64_t *starts, int64_t *lengths,
                             struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index);
	uint64_t size = (uint64_t)revlog_index_entry_size(index);
	size_t i;
	int status;

	err->rev = err->value = -1;
	for (i = 0; i < n; i++) {
		if (revs[i] < -1 || revs[i] >= length) {
			err->rev = revs[i];
			return REVLOG_ERR_RANGE;
		}
	}
	status = index_prepare(index, err);
	for (i = 0; i < n && status == REVLOG_OK; i++) {
		int64_t rev = revs[i];
		int32_t comp_len;
		/* at most 2**48 + 2**31 * 96: far from overflowing */
		uint64_t start = rev < 0 ? 0 : index_start(index, rev);

		status = index_comp_len(index, rev, &comp_len, err);
		if (index->inline_data) {
			start += (uint64_t)(rev + 1) * size;
		}
		starts[i] = (int64_t)start;
		lengths[i] = comp_len;
	}
	return status;
}
