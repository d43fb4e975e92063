/*
 * bdiff.c - line-based binary diff: the mpatch delta turning text a into b.
 *
 * The algorithm is the one revlog/_pure/bdiff.py describes, step for step,
 * so that both backends write the same delta byte for byte:
 *
 *   - the whole lines both texts start and end with are set aside;
 *   - the rest of each text is cut into lines (each with its '\n'), and
 *     every line gets the id of its content (ids in order of first
 *     appearance, a's lines before b's) through a hash table, or by
 *     sorting the lines when crafted ones collide in it;
 *   - regions of line ids are matched from a stack, without recursion:
 *     equal lines at both ends match; a line alone on its side matches
 *     where it first occurs on the other; else the lines found exactly
 *     once on each side are paired and the longest chain of pairs in the
 *     same order on both sides (patience sorting) splits the region; else
 *     the longest run of equal lines seeded by a rarer line splits it;
 *     else the region is one hunk.  All the matching work is counted and,
 *     past a budget linear in the number of lines, what is left becomes
 *     whole hunks;
 *   - each hunk replaces whole lines by whole lines, never less: Mercurial
 *     reads the stored delta of a manifest as manifest lines.
 *
 * Memory is linear in the number of lines (under 100 bytes per line), and
 * texts are at most 0x7fffffff bytes (the hunk fields are signed 32-bit),
 * so line numbers, offsets and ids all fit in 32 bits.
 */
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "revlog.h"

#define HUNK_HEADER 12
#define TEXT_MAX 0x7fffffffu
/* as POPULAR_LIMIT, WORK_PER_LINE and WORK_BASE in revlog/_pure/bdiff.py */
#define POPULAR_LIMIT 32
#define WORK_PER_LINE 16
#define WORK_BASE 10000
#define NO_LINE (-1)
/* Hash table probes allowed per line (plus a base) before numbering the
   lines by sorting them instead: crafted lines whose hashes collide cannot
   make the numbering quadratic.  Overridable to test the sorting path. */
#ifndef REVLOG_BDIFF_PROBES_PER_LINE
#define REVLOG_BDIFF_PROBES_PER_LINE 16
#endif
#ifndef REVLOG_BDIFF_PROBES_BASE
#define REVLOG_BDIFF_PROBES_BASE 1024
#endif
/* A differ keeps its scratch memory and last delta up to this size. */
#define KEEP_LIMIT ((size_t)4 << 20)

struct revlog_differ {
	uint8_t *scratch;
	size_t scratch_size;
	uint8_t *delta;
	size_t delta_size;
};

/* The middle of one text, in lines: line k is text[starts[k], starts[k+1]). */
struct side {
	const uint8_t *text;
	int32_t nlines;
	uint32_t *starts; /* nlines + 1 offsets into text */
	uint32_t *ids;    /* nlines line ids */
};

/* Lines [a1, a2) of a and [b1, b2) of b. */
struct region {
	int32_t a1, a2, b1, b2;
};

/* Numbers lines by content: an open-addressing hash table of line classes. */
struct line_table {
	uint32_t *slots;  /* mask + 1 of them: id + 1 of the class held, or 0 */
	uint64_t mask;
	uint64_t *hashes; /* per id: its hash */
	uint32_t *reps;   /* per id: its first line, side << 31 | line */
	int64_t probes_left;
};

/* Everything one diff works with; its arrays are carved from the scratch
   memory of a revlog_differ. */
struct matcher {
	struct side a, b;
	uint32_t nids;
	/* per line id, all zero / NO_LINE between two regions */
	uint32_t *count_a, *count_b;
	int32_t *pos_b, *first_a;
	/* per line of a (the chain of equal lines, patience piles) */
	int32_t *next_a, *pair_a, *pair_b, *tails, *tops, *previous;
	struct region *regions; /* hunks, then room, then the stack */
	int64_t nstack, nhunks, capacity;
	int64_t work, budget;
};

static size_t common_prefix(const uint8_t *a, const uint8_t *b, size_t limit)
{
	size_t n = 0;

	while (limit - n >= 8) {
		uint64_t x, y;

		memcpy(&x, a + n, 8);
		memcpy(&y, b + n, 8);
		if (x != y) {
			break;
		}
		n += 8;
	}
	while (n < limit && a[n] == b[n]) {
		n++;
	}
	return n;
}

/* Common length of the `limit` bytes before a_end and b_end, from the end. */
static size_t common_suffix(const uint8_t *a_end, const uint8_t *b_end,
                            size_t limit)
{
	size_t n = 0;

	while (limit - n >= 8) {
		uint64_t x, y;

		memcpy(&x, a_end - n - 8, 8);
		memcpy(&y, b_end - n - 8, 8);
		if (x != y) {
			break;
		}
		n += 8;
	}
	while (n < limit && a_end[-1 - (ptrdiff_t)n] == b_end[-1 - (ptrdiff_t)n]) {
		n++;
	}
	return n;
}

/* Bytes in the whole lines a and b (which differ) both start with. */
static size_t common_line_prefix(const uint8_t *a, size_t la,
                                 const uint8_t *b, size_t lb)
{
	size_t same = common_prefix(a, b, la < lb ? la : lb);

	while (same > 0 && a[same - 1] != '\n') {
		same--;
	}
	return same;
}

/* Bytes in the whole lines a[head:] and b[head:] both end with. */
static size_t common_line_suffix(const uint8_t *a, size_t la,
                                 const uint8_t *b, size_t lb, size_t head)
{
	size_t same = common_suffix(a + la, b + lb, (la < lb ? la : lb) - head);
	int a_at_line = la - same == head || a[la - same - 1] == '\n';
	int b_at_line = lb - same == head || b[lb - same - 1] == '\n';
	const uint8_t *newline;

	if (a_at_line && b_at_line) {
		return same;
	}
	newline = same ? memchr(a + la - same, '\n', same) : NULL;
	return newline ? (size_t)(a + la - newline) - 1 : 0;
}

/* Bytes of w equal to '\n' have their top bit set in the result, others
   none (exact: no carry crosses a byte). */
static uint64_t newline_bits(uint64_t w)
{
	uint64_t x = w ^ 0x0a0a0a0a0a0a0a0au;
	uint64_t t = ((x & 0x7f7f7f7f7f7f7f7fu) + 0x7f7f7f7f7f7f7f7fu) | x;

	return ~t & 0x8080808080808080u;
}

static int little_endian(void)
{
	const uint32_t one = 1;
	uint8_t first;

	memcpy(&first, &one, 1);
	return first == 1;
}

/* Number of lines in p[0:len]: its newlines, and a last unterminated one. */
static int64_t count_lines(const uint8_t *p, size_t len)
{
	size_t i = 0;
	int64_t n = 0;

	for (; len - i >= 8; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		/* one bit per newline byte: their sum lands in the top byte */
		n += (int64_t)(((newline_bits(w) >> 7) * 0x0101010101010101u) >> 56);
	}
	for (; i < len; i++) {
		n += p[i] == '\n';
	}
	return n + (len && p[len - 1] != '\n');
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xbf58476d1ce4e5b9u;
	return h ^ (h >> 31);
}

/*
 * Length of the line at p (up to its '\n', or all `avail` bytes), and its
 * hash in *hash.  The hash mixes the line's bytes 8 at a time, the i-th
 * byte of each group at bits 8i: read as words on little-endian machines,
 * byte by byte elsewhere and at the end of the text, with the same result.
 */
static size_t next_line(const uint8_t *p, size_t avail, int words,
                        uint64_t *hash)
{
	uint64_t h = 0x9e3779b97f4a7c15u, w = 0;
	size_t len = 0;
	int shift = 0;

	while (words && avail - len >= 8) {
		uint64_t nl;

		memcpy(&w, p + len, 8);
		nl = newline_bits(w);
		if (nl) {
			int bits = bits_lowest(nl) + 1; /* through the newline */

			len += (size_t)bits / 8;
			*hash = mix(mix(h, w & bits_below(bits)), len);
			return len;
		}
		h = mix(h, w);
		len += 8;
	}
	w = 0;
	while (len < avail) {
		uint8_t c = p[len++];

		w |= (uint64_t)c << shift;
		shift += 8;
		if (shift == 64) {
			h = mix(h, w);
			w = 0;
			shift = 0;
		}
		if (c == '\n') {
			break;
		}
	}
	if (shift) {
		h = mix(h, w);
	}
	*hash = mix(h, len);
	return len;
}

/*
 * Cut text[from:to] into the side's lines and give each the id of its
 * content: ids in order of first appearance, over a's lines then b's.
 * Returns 0, or 1 when the table's probes ran out (then the ids are not
 * all given: see number_by_sorting).
 */
static int number_lines(struct matcher *d, int which, size_t from, size_t to,
                        struct line_table *t)
{
	struct side *side = which ? &d->b : &d->a;
	const uint8_t *text = side->text;
	int words = little_endian();
	size_t pos = from;
	int32_t k = 0;

	while (pos < to) {
		uint64_t h, slot;
		size_t len = next_line(text + pos, to - pos, words, &h);

		side->starts[k] = (uint32_t)pos;
		for (slot = h & t->mask;; slot = (slot + 1) & t->mask) {
			uint32_t held = t->slots[slot], rep, rk;
			const struct side *rs;

			if (--t->probes_left < 0) {
				return 1;
			}
			if (held == 0) {
				t->hashes[d->nids] = h;
				t->reps[d->nids] = (uint32_t)which << 31 | (uint32_t)k;
				t->slots[slot] = ++d->nids;
				side->ids[k] = d->nids - 1;
				break;
			}
			if (t->hashes[held - 1] != h) {
				continue;
			}
			rep = t->reps[held - 1];
			rs = rep >> 31 ? &d->b : &d->a;
			rk = rep & 0x7fffffffu;
			if ((size_t)(rs->starts[rk + 1] - rs->starts[rk]) == len &&
			    memcmp(rs->text + rs->starts[rk], text + pos, len) == 0) {
				side->ids[k] = held - 1;
				break;
			}
		}
		pos += len;
		k++;
		/* the next start ends this line (for its comparisons above) */
		side->starts[k] = (uint32_t)pos;
	}
	return 0;
}

/* Cut text[from:to] into the side's lines (starts only). */
static void split_lines(struct side *side, size_t from, size_t to)
{
	size_t pos = from;
	int32_t k = 0;

	while (pos < to) {
		const uint8_t *nl = memchr(side->text + pos, '\n', to - pos);

		side->starts[k++] = (uint32_t)pos;
		pos = nl ? (size_t)(nl - side->text) + 1 : to;
	}
	side->starts[k] = (uint32_t)to;
}

/* Line g of the two sides in a row (a's lines, then b's). */
static const uint8_t *line_at(const struct matcher *d, uint32_t g,
                              size_t *len)
{
	const struct side *s = &d->a;

	if (g >= (uint32_t)d->a.nlines) {
		s = &d->b;
		g -= (uint32_t)d->a.nlines;
	}
	*len = s->starts[g + 1] - s->starts[g];
	return s->text + s->starts[g];
}

/* Order of lines x and y: by content, then by position. */
static int compare_lines(const struct matcher *d, uint32_t x, uint32_t y,
                         int *same)
{
	size_t lx, ly;
	const uint8_t *px = line_at(d, x, &lx), *py = line_at(d, y, &ly);
	int c = memcmp(px, py, lx < ly ? lx : ly);

	if (!c && lx != ly) {
		c = lx < ly ? -1 : 1;
	}
	*same = !c;
	return c ? c : (x > y) - (x < y);
}

static void sift_down(const struct matcher *d, uint32_t *heap, uint64_t root,
                      uint64_t count)
{
	int same;

	for (;;) {
		uint64_t child = 2 * root + 1;
		uint32_t top;

		if (child >= count) {
			return;
		}
		if (child + 1 < count &&
		    compare_lines(d, heap[child], heap[child + 1], &same) < 0) {
			child++;
		}
		if (compare_lines(d, heap[root], heap[child], &same) >= 0) {
			return;
		}
		top = heap[root];
		heap[root] = heap[child];
		heap[child] = top;
		root = child;
	}
}

/*
 * Give the lines the ids number_lines gives them, without hashing: sort
 * them (heapsort: no recursion, O(n log n) comparisons, each bounded by
 * the shorter line) so that equal lines sit together, first appearance
 * first; then number the classes in order of first appearance.  `order`
 * and `rep` have room for every line of both sides.
 */
static void number_by_sorting(struct matcher *d, uint32_t *order,
                              uint32_t *rep)
{
	uint64_t total = (uint64_t)d->a.nlines + (uint64_t)d->b.nlines, i;
	uint32_t g;

	for (i = 0; i < total; i++) {
		order[i] = (uint32_t)i;
	}
	for (i = total / 2; i-- > 0;) {
		sift_down(d, order, i, total);
	}
	for (i = total; i-- > 1;) {
		uint32_t top = order[0];

		order[0] = order[i];
		order[i] = top;
		sift_down(d, order, 0, i);
	}
	/* rep[g]: the first line equal to line g */
	for (i = 0; i < total; i++) {
		int same = 0;

		if (i) {
			compare_lines(d, order[i - 1], order[i], &same);
		}
		rep[order[i]] = same ? rep[order[i - 1]] : order[i];
	}
	/* a class's id replaces rep[] of its first line when that line comes */
	d->nids = 0;
	for (g = 0; g < total; g++) {
		uint32_t id = rep[g] == g ? (rep[g] = d->nids++) : rep[rep[g]];

		if (g < (uint32_t)d->a.nlines) {
			d->a.ids[g] = id;
		} else {
			d->b.ids[g - (uint32_t)d->a.nlines] = id;
		}
	}
}

/*
 * The regions share one array: the hunks found so far from its start, the
 * stack of regions still to match from its end.  All of them are separated
 * by matched lines of a, so there are never more than a's lines + 1.
 */
static int add_region(struct matcher *d, int hunk, int32_t a1, int32_t a2,
                      int32_t b1, int32_t b2)
{
	struct region *r;

	if (d->nhunks + d->nstack >= d->capacity) {
		return REVLOG_ERR_INTERNAL;
	}
	if (hunk) {
		r = &d->regions[d->nhunks++];
	} else {
		r = &d->regions[d->capacity - ++d->nstack];
	}
	r->a1 = a1;
	r->a2 = a2;
	r->b1 = b1;
	r->b2 = b2;
	return REVLOG_OK;
}

/* First pile whose top is >= j (bisect_left). */
static int32_t find_pile(const int32_t *tails, int32_t npiles, int32_t j)
{
	int32_t lo = 0, hi = npiles;

	while (lo < hi) {
		int32_t mid = lo + (hi - lo) / 2;

		if (tails[mid] < j) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/*
 * The longest chain of lines found once in a[a1:a2] and once in b[b1:b2],
 * increasing on both sides: its length, the pairs in tails (a) and tops (b).
 */
static int32_t unique_anchors(struct matcher *d, const struct region *r)
{
	const uint32_t *a = d->a.ids, *b = d->b.ids;
	int32_t i, j, k, t, npairs = 0, npiles = 0;

	for (j = r->b1; j < r->b2; j++) {
		if (d->count_b[b[j]] < 2) {
			d->count_b[b[j]]++;
		}
		d->pos_b[b[j]] = j;
	}
	for (i = r->a1; i < r->a2; i++) {
		if (d->count_a[a[i]] < 2) {
			d->count_a[a[i]]++;
		}
	}
	for (i = r->a1; i < r->a2; i++) {
		if (d->count_a[a[i]] == 1 && d->count_b[a[i]] == 1) {
			d->pair_a[npairs] = i;
			d->pair_b[npairs] = d->pos_b[a[i]];
			npairs++;
		}
	}
	for (j = r->b1; j < r->b2; j++) {
		d->count_b[b[j]] = 0;
	}
	for (i = r->a1; i < r->a2; i++) {
		d->count_a[a[i]] = 0;
	}
	for (t = 0; t < npairs; t++) {
		/* the pairs mostly come in order: try the last pile first */
		int32_t pile = npiles && d->tails[npiles - 1] < d->pair_b[t]
		                       ? npiles
		                       : find_pile(d->tails, npiles, d->pair_b[t]);

		d->previous[t] = pile ? d->tops[pile - 1] : NO_LINE;
		d->tails[pile] = d->pair_b[t];
		d->tops[pile] = t;
		if (pile == npiles) {
			npiles++;
		}
	}
	if (!npiles) {
		return 0;
	}
	t = d->tops[npiles - 1];
	for (k = npiles - 1; k >= 0; k--) {
		d->tails[k] = d->pair_a[t];
		d->tops[k] = d->pair_b[t];
		t = d->previous[t];
	}
	return npiles;
}

/*
 * The first longest run a[i:i+n] == b[j:j+n] in the region seeded by a
 * line found at most `limit` times in a[a1:a2] (see _longest_run in
 * revlog/_pure/bdiff.py), counting the work.  Returns its length, or 0
 * when there is none or the budget ran out.
 */
static int32_t longest_run(struct matcher *d, const struct region *r,
                           int32_t *run_a, int32_t *run_b)
{
	const uint32_t *a = d->a.ids, *b = d->b.ids;
	uint32_t rarest = 0, limit;
	int32_t i, j, best = 0;

	for (i = r->a2 - 1; i >= r->a1; i--) {
		d->next_a[i] = d->first_a[a[i]];
		d->first_a[a[i]] = i;
		d->count_a[a[i]]++;
	}
	for (j = r->b1; j < r->b2; j++) {
		uint32_t c = d->count_a[b[j]];

		if (c && (!rarest || c < rarest)) {
			rarest = c;
		}
	}
	limit = rarest > POPULAR_LIMIT ? rarest : POPULAR_LIMIT;
	for (j = r->b1; j < r->b2 && best >= 0; j++) {
		uint32_t c = d->count_a[b[j]];

		if (!c || c > limit) {
			continue;
		}
		for (i = d->first_a[b[j]]; i != NO_LINE; i = d->next_a[i]) {
			int32_t back = 0, ahead = 0;
			int seen = 0;

			while (i - back > r->a1 && j - back > r->b1 &&
			       a[i - back - 1] == b[j - back - 1]) {
				if (d->count_a[a[i - back - 1]] <= limit) {
					seen = 1;
					break;
				}
				back++;
			}
			if (!seen) {
				ahead = 1;
				while (i + ahead < r->a2 && j + ahead < r->b2 &&
				       a[i + ahead] == b[j + ahead]) {
					ahead++;
				}
				if (back + ahead > best) {
					best = back + ahead;
					*run_a = i - back;
					*run_b = j - back;
				}
			}
			d->work += 1 + (int64_t)back + ahead;
			if (d->work > d->budget) {
				best = -1;
				break;
			}
		}
	}
	for (i = r->a1; i < r->a2; i++) {
		d->count_a[a[i]] = 0;
		d->first_a[a[i]] = NO_LINE;
	}
	return best > 0 ? best : 0;
}

/*
 * Push the regions of r before, between and after the runs (run_a[t],
 * run_b[t], `length` lines each, ascending), the last first so that they
 * pop in order; those empty on both sides are left out.
 */
static int push_around(struct matcher *d, const struct region *r,
                       const int32_t *run_a, const int32_t *run_b,
                       int32_t nruns, int32_t length)
{
	int32_t a2 = r->a2, b2 = r->b2, t;
	int status = REVLOG_OK;

	for (t = nruns - 1; t >= -1 && status == REVLOG_OK; t--) {
		int32_t a1 = t >= 0 ? run_a[t] + length : r->a1;
		int32_t b1 = t >= 0 ? run_b[t] + length : r->b1;

		if (a2 > a1 || b2 > b1) {
			status = add_region(d, 0, a1, a2, b1, b2);
		}
		if (t >= 0) {
			a2 = run_a[t];
			b2 = run_b[t];
		}
	}
	return status;
}

/* For a region with one line on a side (a's first): where that line first
   occurs on the other side, if it does. */
static int single_line(const struct matcher *d, const struct region *r,
                       int32_t *run_a, int32_t *run_b)
{
	const uint32_t *a = d->a.ids, *b = d->b.ids;
	int32_t k;

	if (r->a2 - r->a1 == 1) {
		for (k = r->b1; k < r->b2; k++) {
			if (b[k] == a[r->a1]) {
				*run_a = r->a1;
				*run_b = k;
				return 1;
			}
		}
		return 0;
	}
	for (k = r->a1; k < r->a2; k++) {
		if (a[k] == b[r->b1]) {
			*run_a = k;
			*run_b = r->b1;
			return 1;
		}
	}
	return 0;
}

/* Find the differing regions (d->nhunks at d->regions), in order. */
static int match(struct matcher *d)
{
	const uint32_t *a = d->a.ids, *b = d->b.ids;
	int status;

	d->work = 0;
	d->budget = WORK_PER_LINE * ((int64_t)d->a.nlines + d->b.nlines) +
	            WORK_BASE;
	d->nstack = d->nhunks = 0;
	status = add_region(d, 0, 0, d->a.nlines, 0, d->b.nlines);
	while (status == REVLOG_OK && d->nstack) {
		struct region r = d->regions[d->capacity - d->nstack--];
		int32_t k, run_a = 0, run_b = 0, run;

		while (r.a1 < r.a2 && r.b1 < r.b2 && a[r.a1] == b[r.b1]) {
			r.a1++;
			r.b1++;
		}
		while (r.a1 < r.a2 && r.b1 < r.b2 &&
		       a[r.a2 - 1] == b[r.b2 - 1]) {
			r.a2--;
			r.b2--;
		}
		if (r.a1 == r.a2 || r.b1 == r.b2 || d->work >= d->budget) {
			if (r.a1 < r.a2 || r.b1 < r.b2) {
				status = add_region(d, 1, r.a1, r.a2, r.b1,
				                    r.b2);
			}
			continue;
		}
		if (r.a2 - r.a1 == 1 || r.b2 - r.b1 == 1) {
			/* one line on a side: no work counted */
			run = single_line(d, &r, &run_a, &run_b);
		} else {
			d->work += ((int64_t)r.a2 - r.a1) +
			           ((int64_t)r.b2 - r.b1);
			k = unique_anchors(d, &r);
			if (k) {
				status = push_around(d, &r, d->tails, d->tops,
				                     k, 1);
				continue;
			}
			run = longest_run(d, &r, &run_a, &run_b);
		}
		if (run) {
			status = push_around(d, &r, &run_a, &run_b, 1, run);
		} else {
			status = add_region(d, 1, r.a1, r.a2, r.b1, r.b2);
		}
	}
	return status;
}

/* Make sure the buffer at *buf (of *size bytes) holds `want` bytes. */
static int reserve(uint8_t **buf, size_t *size, uint64_t want)
{
	if (want > SIZE_MAX) {
		return REVLOG_ERR_NOMEM;
	}
	if (*size < want) {
		free(*buf);
		*size = 0;
		*buf = malloc((size_t)want);
		if (!*buf) {
			return REVLOG_ERR_NOMEM;
		}
		*size = (size_t)want;
	}
	return REVLOG_OK;
}

/* Carve the matcher's arrays for its line counts and the line table out
   of the differ's scratch memory. */
static int carve(struct revlog_differ *differ, struct matcher *d,
                 struct line_table *t)
{
	uint64_t n = (uint64_t)d->a.nlines, m = (uint64_t)d->b.nlines;
	uint64_t lines = n + m, table = 4;
	uint8_t *p;
	int status;

	while (table < 2 * lines) {
		table <<= 1;
	}
	/* 8-byte items first, then 4-byte ones: everything stays aligned */
	status = reserve(&differ->scratch, &differ->scratch_size,
	                 lines * 8                              /* hashes */
	                         + (n + 2) * sizeof(struct region)
	                         + table * 4                    /* slots */
	                         + (n + 1 + m + 1) * 4          /* starts */
	                         + lines * 4 * 6 /* ids, reps, per-id arrays */
	                         + n * 4 * 6);   /* per-line-of-a arrays */
	if (status != REVLOG_OK) {
		return status;
	}
	p = differ->scratch;
#define CARVE(var, type, count)                                                \
	do {                                                                   \
		var = (type *)(void *)p;                                       \
		p += (count) * sizeof(type);                                   \
	} while (0)
	CARVE(t->hashes, uint64_t, lines);
	CARVE(d->regions, struct region, n + 2);
	CARVE(t->slots, uint32_t, table);
	CARVE(d->a.starts, uint32_t, n + 1);
	CARVE(d->b.starts, uint32_t, m + 1);
	CARVE(d->a.ids, uint32_t, n);
	CARVE(d->b.ids, uint32_t, m);
	CARVE(t->reps, uint32_t, lines);
	CARVE(d->count_a, uint32_t, lines);
	CARVE(d->count_b, uint32_t, lines);
	CARVE(d->pos_b, int32_t, lines);
	CARVE(d->first_a, int32_t, lines);
	CARVE(d->next_a, int32_t, n);
	CARVE(d->pair_a, int32_t, n);
	CARVE(d->pair_b, int32_t, n);
	CARVE(d->tails, int32_t, n);
	CARVE(d->tops, int32_t, n);
	CARVE(d->previous, int32_t, n);
#undef CARVE
	memset(t->slots, 0, (size_t)table * 4);
	memset(d->count_a, 0, (size_t)lines * 4);
	memset(d->count_b, 0, (size_t)lines * 4);
	memset(d->first_a, 0xff, (size_t)lines * 4); /* NO_LINE */
	d->capacity = (int64_t)n + 2;
	t->mask = table - 1;
	t->probes_left = REVLOG_BDIFF_PROBES_PER_LINE * (int64_t)lines +
	                 REVLOG_BDIFF_PROBES_BASE;
	return REVLOG_OK;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Write the hunks (byte ranges: [a1, a2) of a replaced by [b1, b2) of b)
 * as a delta into the differ's delta buffer.
 */
static int write_delta(struct revlog_differ *differ,
                       const struct region *hunks, int64_t nhunks,
                       const uint8_t *b, size_t *out_len)
{
	uint64_t size = 0;
	int64_t h;
	uint8_t *p;
	int status;

	for (h = 0; h < nhunks; h++) {
		size += HUNK_HEADER + (uint64_t)(hunks[h].b2 - hunks[h].b1);
	}
	status = reserve(&differ->delta, &differ->delta_size, size);
	if (status != REVLOG_OK) {
		return status;
	}
	p = differ->delta;
	for (h = 0; h < nhunks; h++) {
		const struct region *r = &hunks[h];
		uint32_t len = (uint32_t)(r->b2 - r->b1);

		put_be32(p, (uint32_t)r->a1);
		put_be32(p + 4, (uint32_t)r->a2);
		put_be32(p + 8, len);
		memcpy(p + HUNK_HEADER, b + r->b1, len);
		p += HUNK_HEADER + len;
	}
	*out_len = (size_t)size;
	return REVLOG_OK;
}

/* Turn the line hunks into byte ranges of whole lines (see the top). */
static void hunks_to_bytes(struct matcher *d)
{
	int64_t h;

	for (h = 0; h < d->nhunks; h++) {
		struct region *r = &d->regions[h];

		r->a1 = (int32_t)d->a.starts[r->a1];
		r->a2 = (int32_t)d->a.starts[r->a2];
		r->b1 = (int32_t)d->b.starts[r->b1];
		r->b2 = (int32_t)d->b.starts[r->b2];
	}
}

/* Diff the middles a[head:a_len - tail] and b[head:b_len - tail], both
   non-empty, into the differ's delta buffer. */
static int diff_lines(struct revlog_differ *differ, const uint8_t *a,
                      size_t a_len, const uint8_t *b, size_t b_len,
                      size_t head, size_t tail, size_t *out_len)
{
	struct matcher d;
	struct line_table table;
	int status;

	memset(&d, 0, sizeof(d));
	d.a.text = a;
	d.b.text = b;
	/* at most 0x7fffffff bytes each, so as many lines at most */
	d.a.nlines = (int32_t)count_lines(a + head, a_len - tail - head);
	d.b.nlines = (int32_t)count_lines(b + head, b_len - tail - head);
	status = carve(differ, &d, &table);
	if (status != REVLOG_OK) {
		return status;
	}
	if (number_lines(&d, 0, head, a_len - tail, &table) ||
	    number_lines(&d, 1, head, b_len - tail, &table)) {
		/* the hashes collide too much: sort the lines instead, in the
		   table's memory (two words per line in `hashes`) */
		split_lines(&d.a, head, a_len - tail);
		split_lines(&d.b, head, b_len - tail);
		number_by_sorting(&d, (uint32_t *)(void *)table.hashes,
		                  (uint32_t *)(void *)table.hashes +
		                          d.a.nlines + d.b.nlines);
	}
	status = match(&d);
	if (status == REVLOG_OK) {
		hunks_to_bytes(&d);
		status = write_delta(differ, d.regions, d.nhunks, b, out_len);
	}
	return status;
}

int revlog_differ_new(struct revlog_differ **out)
{
	*out = calloc(1, sizeof(struct revlog_differ));
	return *out ? REVLOG_OK : REVLOG_ERR_NOMEM;
}

void revlog_differ_free(struct revlog_differ *differ)
{
	if (differ) {
		free(differ->scratch);
		free(differ->delta);
		free(differ);
	}
}

/* Release the buffer at *buf if it is larger than KEEP_LIMIT. */
static void trim(uint8_t **buf, size_t *size)
{
	if (*size > KEEP_LIMIT) {
		free(*buf);
		*buf = NULL;
		*size = 0;
	}
}

int revlog_differ_diff(struct revlog_differ *differ, const char *a_chars,
                       size_t a_len, const char *b_chars, size_t b_len,
                       const char **out, size_t *out_len)
{
	const uint8_t *a = (const uint8_t *)a_chars;
	const uint8_t *b = (const uint8_t *)b_chars;
	struct region whole;
	size_t head, tail;
	int status;

	*out = NULL;
	*out_len = 0;
	trim(&differ->delta, &differ->delta_size);
	if (a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0)) {
		return REVLOG_OK;
	}
	if (a_len > TEXT_MAX || b_len > TEXT_MAX) {
		return REVLOG_ERR_DIFF_TOO_LARGE;
	}
	head = a_len ? common_line_prefix(a, a_len, b, b_len) : 0;
	tail = a_len ? common_line_suffix(a, a_len, b, b_len, head) : 0;
	if (head == a_len - tail || head == b_len - tail) {
		/* a pure insertion or deletion: nothing to match */
		whole.a1 = (int32_t)head;
		whole.a2 = (int32_t)(a_len - tail);
		whole.b1 = (int32_t)head;
		whole.b2 = (int32_t)(b_len - tail);
		status = write_delta(differ, &whole, 1, b, out_len);
	} else {
		status = diff_lines(differ, a, a_len, b, b_len, head, tail,
		                    out_len);
		trim(&differ->scratch, &differ->scratch_size);
	}
	if (status == REVLOG_OK) {
		*out = (const char *)differ->delta;
	} else {
		*out_len = 0;
	}
	return status;
}

int revlog_bdiff(const char *a, size_t a_len, const char *b, size_t b_len,
                 char **out, size_t *out_len)
{
	struct revlog_differ differ = {NULL, 0, NULL, 0};
	const char *delta;
	int status = revlog_differ_diff(&differ, a, a_len, b, b_len, &delta,
	                                out_len);

	free(differ.scratch);
	*out = NULL;
	if (status == REVLOG_OK && *out_len) {
		*out = (char *)differ.delta;
	} else {
		free(differ.delta);
	}
	return status;
}

void revlog_bdiff_free(char *delta)
{
	free(delta);
}
