/*
 * mpatch.c - validate, fold and apply lists of binary deltas.
 *
 * Every delta is checked against the length of the text it applies to
 * before anything is folded, so the folding and the final copy work on
 * hunk lists that are known to be sorted and inside their texts.
 *
 * Folding combines neighbouring hunk lists pairwise, level by level
 * (no recursion), so n deltas with h hunks in all cost O(h log n) and the
 * text itself is copied exactly once.  A hunk list is always expressed
 * against the original text: when list B (made for the text that list A
 * produces) is combined with A, the parts of A that B keeps are carried
 * over, the parts B replaces are dropped, and B's positions are moved back
 * into the coordinates of the original text.
 */
#include <stdlib.h>
#include <string.h>

#include "revlog.h"

#define HUNK_HEADER 12
#define HUNK_FIELD_MAX 0x7fffffffu /* the fields are signed 32-bit */
#define MAX_TEXT_SIZE (((uint64_t)1 << 62) - 1) /* as revlog/status.py */

/* Replace bytes [start, end) of the base text by data[0:len]. */
struct hunk {
	int64_t start;
	int64_t end;
	const uint8_t *data;
	int64_t len;
};

struct hunk_list {
	struct hunk *items;
	size_t count;
};

struct revlog_patch_plan {
	struct hunk_list hunks;
	int64_t text_len;
};

static uint32_t read_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/*
 * Check one delta against a text of text_len bytes.  Stores its hunks in
 * `out` (room for delta_len / 12 hunks; NULL to only check), skipping
 * hunks that change nothing, and the patched length in *new_len.  On error
 * *err_offset is the offset of the bad hunk's header.  The order of the
 * checks is part of the contract: revlog/_pure/mpatch.py makes the same.
 */
static int scan_delta(const uint8_t *delta, size_t delta_len, int64_t text_len,
                      struct hunk_list *out, int64_t *new_len,
                      int64_t *err_offset)
{
	size_t pos = 0;
	int64_t last = 0, size = text_len;

	while (pos < delta_len) {
		uint32_t start, end, len;

		*err_offset = (int64_t)pos;
		if (delta_len - pos < HUNK_HEADER) {
			return REVLOG_ERR_PATCH_TRUNCATED;
		}
		start = read_be32(delta + pos);
		end = read_be32(delta + pos + 4);
		len = read_be32(delta + pos + 8);
		if (start > HUNK_FIELD_MAX || end > HUNK_FIELD_MAX ||
		    len > HUNK_FIELD_MAX) {
			return REVLOG_ERR_PATCH_OVERFLOW;
		}
		if (start > end) {
			return REVLOG_ERR_PATCH_BAD_RANGE;
		}
		if ((int64_t)start < last) {
			return REVLOG_ERR_PATCH_OUT_OF_ORDER;
		}
		if ((int64_t)end > text_len) {
			return REVLOG_ERR_PATCH_PAST_END;
		}
		if (len > delta_len - pos - HUNK_HEADER) {
			return REVLOG_ERR_PATCH_TRUNCATED;
		}
		if (out && (start != end || len != 0)) {
			struct hunk *h = &out->items[out->count++];
			h->start = start;
			h->end = end;
			h->data = delta + pos + HUNK_HEADER;
			h->len = len;
		}
		size += (int64_t)len - ((int64_t)end - (int64_t)start);
		last = end;
		pos += HUNK_HEADER + (size_t)len;
	}
	*new_len = size;
	return REVLOG_OK;
}

int revlog_mpatch_patchedsize(int64_t orig_len, const uint8_t *delta,
                              size_t delta_len, int64_t *out_len,
                              struct revlog_patch_error *where)
{
	where->delta = 0;
	where->offset = 0;
	if (orig_len < 0 || (uint64_t)orig_len > MAX_TEXT_SIZE) {
		return REVLOG_ERR_PATCH_OVERFLOW;
	}
	return scan_delta(delta, delta_len, orig_len, NULL, out_len,
	                  &where->offset);
}

/*
 * Combine `a` (base text -> T1) with `b` (T1 -> T2) into `c` (base -> T2).
 * `off` is always (T1 position) - (base position) at the current point of A.
 * A hunk of A that straddles a cut is split: the part before the cut keeps
 * the whole deleted range, the rest becomes a pure insertion at its end.
 * `a` is modified (split hunks); `c` has room for a.count + 2 * b.count.
 */
static void combine(struct hunk_list *a, const struct hunk_list *b,
                    struct hunk_list *c)
{
	size_t ai = 0, bi;
	int64_t off = 0;

	c->count = 0;
	for (bi = 0; bi < b->count; bi++) {
		const struct hunk *bh = &b->items[bi];
		struct hunk *ch;
		int64_t cstart;

		/* keep what A did before B's hunk starts */
		while (ai < a->count) {
			struct hunk *ah = &a->items[ai];
			int64_t t1 = ah->start + off, keep;

			if (t1 >= bh->start) {
				break;
			}
			keep = bh->start - t1;
			ch = &c->items[c->count++];
			*ch = *ah;
			off += (keep < ah->len ? keep : ah->len) -
			       (ah->end - ah->start);
			if (keep >= ah->len) {
				ai++;
				continue;
			}
			ch->len = keep;
			ah->start = ah->end;
			ah->data += keep;
			ah->len -= keep;
			break;
		}
		cstart = bh->start - off;

		/* drop what A did inside the range B replaces */
		while (ai < a->count) {
			struct hunk *ah = &a->items[ai];
			int64_t t1 = ah->start + off, drop;

			if (t1 >= bh->end) {
				break;
			}
			drop = bh->end - t1;
			off += (drop < ah->len ? drop : ah->len) -
			       (ah->end - ah->start);
			if (drop >= ah->len) {
				ai++;
				continue;
			}
			ah->start = ah->end;
			ah->data += drop;
			ah->len -= drop;
			break;
		}

		ch = &c->items[c->count++];
		ch->start = cstart;
		ch->end = bh->end - off;
		ch->data = bh->data;
		ch->len = bh->len;
	}
	while (ai < a->count) {
		c->items[c->count++] = a->items[ai++];
	}
}

static void free_lists(struct hunk_list *lists, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(lists[i].items);
	}
	free(lists);
}

/* Fold lists[0..n) into lists[0], pairwise, freeing what it consumes. */
static int fold_lists(struct hunk_list *lists, size_t n)
{
	while (n > 1) {
		size_t i, kept = 0;

		for (i = 0; i + 1 < n; i += 2) {
			struct hunk_list merged;
			size_t room = lists[i].count + 2 * lists[i + 1].count;

			/* counts are at most a delta's length / 12: room
			   cannot wrap, its size in bytes could (32-bit) */
			merged.items = room > SIZE_MAX / sizeof(struct hunk) ? NULL :
			               malloc((room ? room : 1) * sizeof(struct hunk));
			if (!merged.items) {
				/* free what is not yet folded; the caller
				   frees lists[0..kept) */
				size_t j;
				for (j = i; j < n; j++) {
					free(lists[j].items);
					lists[j].items = NULL;
				}
				return REVLOG_ERR_NOMEM;
			}
			combine(&lists[i], &lists[i + 1], &merged);
			free(lists[i].items);
			free(lists[i + 1].items);
			lists[i].items = lists[i + 1].items = NULL;
			lists[kept++] = merged;
		}
		if (n % 2) {
			lists[kept++] = lists[n - 1];
		}
		for (i = kept; i < n; i++) {
			lists[i].items = NULL;
		}
		n = kept;
	}
	return REVLOG_OK;
}

/* The folded list must describe exactly a text of out_len bytes made from
   the base text; this guards the copy in revlog_mpatch_apply. */
static int check_folded(const struct hunk_list *l, int64_t text_len,
                        int64_t out_len)
{
	int64_t last = 0, size = text_len;
	size_t i;

	for (i = 0; i < l->count; i++) {
		const struct hunk *h = &l->items[i];
		if (h->start < last || h->end < h->start ||
		    h->end > text_len || h->len < 0) {
			return REVLOG_ERR_INTERNAL;
		}
		size += h->len - (h->end - h->start);
		last = h->end;
	}
	return size == out_len ? REVLOG_OK : REVLOG_ERR_INTERNAL;
}

int revlog_mpatch_fold(size_t text_len, const uint8_t *const *deltas,
                       const size_t *delta_lens, size_t ndeltas,
                       struct revlog_patch_plan **out_plan, size_t *out_len,
                       struct revlog_patch_error *where)
{
	struct hunk_list *lists;
	struct revlog_patch_plan *plan;
	int64_t size;
	size_t i;
	int status;

	*out_plan = NULL;
	*out_len = 0;
	where->delta = -1;
	where->offset = -1;
	if ((uint64_t)text_len > MAX_TEXT_SIZE) {
		/* keeps every length below in int64 range */
		where->delta = 0;
		where->offset = 0;
		return REVLOG_ERR_PATCH_OVERFLOW;
	}
	size = (int64_t)text_len;

	lists = calloc(ndeltas ? ndeltas : 1, sizeof(struct hunk_list));
	if (!lists) {
		return REVLOG_ERR_NOMEM;
	}
	for (i = 0; i < ndeltas; i++) {
		size_t room = delta_lens[i] / HUNK_HEADER;

		lists[i].items = room > SIZE_MAX / sizeof(struct hunk) ? NULL :
		                 malloc((room ? room : 1) * sizeof(struct hunk));
		if (!lists[i].items) {
			free_lists(lists, i);
			return REVLOG_ERR_NOMEM;
		}
		status = scan_delta(deltas[i], delta_lens[i], size, &lists[i],
		                    &size, &where->offset);
		if (status != REVLOG_OK) {
			where->delta = (int64_t)i;
			free_lists(lists, i + 1);
			return status;
		}
	}

	if ((uint64_t)size > (uint64_t)SIZE_MAX) {
		where->delta = (int64_t)ndeltas - 1;
		where->offset = 0;
		free_lists(lists, ndeltas);
		return REVLOG_ERR_PATCH_OVERFLOW;
	}
	status = fold_lists(lists, ndeltas);
	if (status == REVLOG_OK) {
		status = check_folded(&lists[0], (int64_t)text_len, size);
	}
	plan = status == REVLOG_OK ? malloc(sizeof(*plan)) : NULL;
	if (!plan) {
		free_lists(lists, ndeltas ? ndeltas : 1);
		return status == REVLOG_OK ? REVLOG_ERR_NOMEM : status;
	}
	plan->hunks = lists[0];
	plan->text_len = (int64_t)text_len;
	free(lists);
	*out_plan = plan;
	*out_len = (size_t)size;
	return REVLOG_OK;
}

void revlog_mpatch_apply(const struct revlog_patch_plan *plan,
                         const uint8_t *text, uint8_t *out)
{
	int64_t last = 0;
	size_t i;

	for (i = 0; i < plan->hunks.count; i++) {
		const struct hunk *h = &plan->hunks.items[i];

		if (h->start > last) {
			memcpy(out, text + last, (size_t)(h->start - last));
			out += h->start - last;
		}
		if (h->len > 0) {
			memcpy(out, h->data, (size_t)h->len);
			out += h->len;
		}
		last = h->end;
	}
	if (plan->text_len > last) {
		memcpy(out, text + last, (size_t)(plan->text_len - last));
	}
}

void revlog_mpatch_free(struct revlog_patch_plan *plan)
{
	if (plan) {
		free(plan->hunks.items);
		free(plan);
	}
}
