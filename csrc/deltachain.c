/*
 * deltachain.c - walks along delta bases: delta chains, snapshots, where
 * the chunks of a list of revisions lie and how to read them in slices.
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
 * through) and is itself a snapshot.  Parents must lie in [-1, rev), as
 * everywhere else.  With `known` (a byte per revision: 0 not asked yet, 1
 * a snapshot, 2 not one), answers are looked up there and every revision
 * walked is recorded: they all share the answer of the last one.
 */
static int walk_snapshot(const struct revlog_index *index, int64_t rev,
                         uint8_t *known, int32_t *out,
                         struct revlog_error_info *err)
{
	int64_t first = rev;
	int32_t base = -1;
	int answer = -1;

	while (rev >= 0 && answer < 0) {
		int32_t ps[2];
		int status;

		if (known && known[rev]) {
			answer = known[rev] == 1;
			break;
		}
		status = index_base(index, rev, &base, err);
		if (status != REVLOG_OK) {
			return status;
		}
		if (base == rev || base == -1) {
			answer = 1;
			break;
		}
		status = index_parents(index, rev, rev - 1, ps, err);
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
			answer = 0;
			break;
		}
		rev = base;
	}
	*out = answer < 0 ? rev == -1 : answer;
	/* the bases were checked on the way down: follow them again */
	while (known && first >= 0) {
		known[first] = *out ? 1 : 2;
		if (first == rev || index_base(index, first, &base, err)) {
			break;
		}
		first = base;
	}
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
	return walk_snapshot(index, rev, NULL, out, err);
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

int revlog_index_findsnapshots(struct revlog_index *index, int64_t start,
                               int64_t end, struct revlog_revs *out,
                               struct revlog_error_info *err)
{
	int64_t count = 0, rev;
	uint8_t *known = NULL;
	int status;

	out->revs = NULL;
	out->count = 0;
	err->rev = err->value = -1;
	if (start < 0 || end > revlog_index_length(index)) {
		return REVLOG_ERR_RANGE;
	}
	status = index_prepare(index, err);
	if (status == REVLOG_OK && !index->delta_info && start < end) {
		/* the walks below rev only meet lower revisions */
		known = calloc((size_t)end, 1);
		status = known ? REVLOG_OK : REVLOG_ERR_NOMEM;
	}
	for (rev = start; status == REVLOG_OK && rev < end; rev++) {
		int32_t snapshot, base;

		if (index->delta_info) {
			snapshot = (index_flags(index, rev) & DELTA_IS_SNAPSHOT) != 0;
		} else {
			status = walk_snapshot(index, rev, known, &snapshot, err);
		}
		if (status != REVLOG_OK || !snapshot) {
			continue;
		}
		status = index_base(index, rev, &base, err);
		if (status == REVLOG_OK) {
			status = push(index, &count, (int32_t)rev);
		}
		if (status == REVLOG_OK) {
			status = push(index, &count, base == rev ? -1 : base);
		}
	}
	free(known);
	out->revs = index->scratch;
	out->count = count - count % 2;
	return status;
}

/* A gap between two chunks: its size and the position in revs after it. */
struct gap {
	int64_t size;
	int64_t at;
};

/* By size, then position. */
static int gap_order(const void *left, const void *right)
{
	const struct gap *l = left, *r = right;

	if (l->size != r->size) {
		return l->size < r->size ? -1 : 1;
	}
	return l->at < r->at ? -1 : l->at > r->at;
}

static int position_order(const void *left, const void *right)
{
	int64_t l = *(const int64_t *)left, r = *(const int64_t *)right;

	return l < r ? -1 : l > r;
}

/* a - b, held within int64 (revs may repeat: the sum of gaps is not
   bounded by the file). */
static int64_t minus(int64_t a, int64_t b)
{
	if (b < 0 && a > INT64_MAX + b) {
		return INT64_MAX;
	}
	if (b > 0 && a < INT64_MIN + b) {
		return INT64_MIN;
	}
	return a - b;
}

static double density_of(int64_t payload, int64_t read)
{
	return read > 0 ? (double)payload / (double)read : 1.0;
}

/* Cut revs into slices at the positions in cuts (ascending, then n). */
static int push_slices(struct revlog_index *index, const int64_t *lengths,
                       const int64_t *cuts, size_t ncuts, int64_t *count)
{
	int64_t previous = 0;
	size_t i;
	int status = REVLOG_OK;

	for (i = 0; i < ncuts && status == REVLOG_OK; i++) {
		int64_t end = cuts[i];

		/* empty revisions at the end of a slice are not read */
		while (end > 1 && end > previous && lengths[end - 1] == 0) {
			end--;
		}
		if (previous < end) {
			status = push(index, count, (int32_t)previous);
			if (status == REVLOG_OK) {
				status = push(index, count, (int32_t)end);
			}
		}
		previous = cuts[i];
	}
	return status;
}

/* Where the chunks of the n revisions lie, as revlog_index_chunk_spans
   says (the index is prepared, the revisions checked). */
static int slice_spans(const struct revlog_index *index, const int64_t *revs,
                       size_t n, int64_t *starts, int64_t *lengths,
                       struct revlog_error_info *err)
{
	int64_t shift = index->inline_data ? (int64_t)index->layout->size : 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t rev = revs[i];
		int32_t comp_len;

		if (rev < 0) {
			starts[i] = lengths[i] = 0;
			continue;
		}
		comp_len = index_comp_len_raw(index, rev);
		if (comp_len < 0) {
			err->rev = rev;
			err->value = comp_len;
			return REVLOG_ERR_INDEX_BAD_LENGTH;
		}
		/* at most 2**48 + 2**31 * 96: far from overflowing */
		starts[i] = (int64_t)index_start(index, rev) + (rev + 1) * shift;
		lengths[i] = comp_len;
	}
	return REVLOG_OK;
}

int revlog_index_slicechunk(struct revlog_index *index, const int64_t *revs,
                            size_t n, double targetdensity,
                            int64_t mingapsize, struct revlog_revs *out,
                            struct revlog_error_info *err)
{
	int64_t *starts = NULL, *lengths, *cuts, length;
	int64_t count = 0, span, payload = 0, read, previous_end = -1;
	struct gap *gaps;
	size_t i, ngaps = 0, ncuts = 0;
	int status = REVLOG_OK;

	out->revs = NULL;
	out->count = 0;
	err->rev = err->value = -1;
	length = revlog_index_length(index);
	for (i = 0; i < n; i++) {
		if (revs[i] < -1 || revs[i] >= length) {
			err->rev = revs[i];
			return REVLOG_ERR_RANGE;
		}
	}
	if (n >= (size_t)INT32_MAX) {
		return REVLOG_ERR_RANGE; /* positions are int32 */
	}
	if (n <= 1) {
		goto whole;
	}
	status = index_prepare(index, err);
	if (status != REVLOG_OK) {
		return status;
	}
	/* starts, lengths and gaps in one block (n < 2**31 may still not
	   fit in a 32-bit size_t) */
	if (n > SIZE_MAX / (2 * sizeof(int64_t) + sizeof(struct gap))) {
		return REVLOG_ERR_NOMEM;
	}
	starts = malloc(n * (2 * sizeof(int64_t) + sizeof(struct gap)));
	if (!starts) {
		return REVLOG_ERR_NOMEM;
	}
	lengths = starts + n;
	gaps = (struct gap *)(lengths + n);
	status = slice_spans(index, revs, n, starts, lengths, err);
	if (status != REVLOG_OK) {
		goto done;
	}
	if (starts[n - 1] < starts[0]) {
		err->rev = revs[n - 1];
		err->value = starts[0];
		status = REVLOG_ERR_INDEX_BAD_OFFSET;
		goto done;
	}
	span = starts[n - 1] - starts[0] + lengths[n - 1];
	for (i = 0; i < n; i++) {
		payload += lengths[i];
	}
	if (span <= mingapsize || density_of(payload, span) >= targetdensity) {
		goto whole;
	}
	for (i = 0; i < n; i++) {
		if (!lengths[i]) {
			continue;
		}
		if (previous_end >= 0 && starts[i] - previous_end > mingapsize) {
			gaps[ngaps].size = starts[i] - previous_end;
			gaps[ngaps++].at = (int64_t)i;
		}
		previous_end = starts[i] + lengths[i];
	}
	if (!ngaps) {
		goto whole;
	}
	/* skip the largest gaps first, they improve the density the most */
	qsort(gaps, ngaps, sizeof(*gaps), gap_order);
	cuts = starts; /* no longer needed: at most ngaps + 1 <= n cuts */
	read = span;
	while (ngaps) {
		struct gap gap = gaps[--ngaps];

		cuts[ncuts++] = gap.at;
		read = minus(read, gap.size);
		if (density_of(payload, read) >= targetdensity) {
			break;
		}
	}
	qsort(cuts, ncuts, sizeof(*cuts), position_order);
	cuts[ncuts++] = (int64_t)n;
	status = push_slices(index, lengths, cuts, ncuts, &count);
	goto done;
whole:
	status = push(index, &count, 0);
	if (status == REVLOG_OK) {
		status = push(index, &count, (int32_t)n);
	}
done:
	free(starts);
	if (status == REVLOG_OK) {
		out->revs = index->scratch;
		out->count = count;
	}
	return status;
}
