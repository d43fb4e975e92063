/*
 * dagops.c - questions about the revision graph: heads, common ancestors,
 * reachability, phases, ancestors and descendants.
 *
 * Parents are read from the entries, as Mercurial reads them, and each must
 * lie in [-1, rev): the first question checks them all (dag->checked
 * remembers how far; the walks that read most entries anyway check them on
 * their way), so the walks index arrays with them unchecked and only ever
 * move to lower revisions: none recurses, each ends after O(length) steps.
 * Their working memory is kept with the index, sized to it and left zeroed
 * after every call, so that a walk pays for what it touches, not for the
 * length of the index.
 *
 * The answers are Mercurial 7.2.4's (cext/revlog.c, ancestor.py), lists in
 * the same order, without its limit of 24 revisions for common ancestors.
 */
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "index_internal.h"

/* flags[] bits */
#define NOT_HEAD 1
#define FILTERED 2
#define SEEN 1
#define ROOT 2
#define REACHABLE 4

/* Common ancestors take 63 revisions (bits) per pass; bit 63 is poison. */
#define GCA_BITS 63

struct dag_state {
	int64_t checked; /* the parents of revisions [0, checked) are valid */
	/* working memory; the zeroed ones are zero between calls */
	uint8_t *flags;  /* zeroed, a byte per revision + 1 (null first) */
	uint64_t *masks; /* zeroed, a word per revision */
	uint64_t *marks; /* zeroed, a bit per revision */
	int32_t *queue;
	int32_t *out; /* results */
	int64_t flags_room, masks_room, marks_room, queue_room, out_room;
};

/* ---- parents ------------------------------------------------------------ */

/*
 * Where the walks read the parents of a revision: in its entry, found as
 * index_entry_at finds it (copied here so that the loops keep it in
 * registers).  p2 follows p1 in every format.
 */
struct graph {
	const uint8_t *data;
	const size_t *offsets; /* inline data: where each entry starts */
	const uint8_t *added;
	int64_t ondisk;
	size_t size, at; /* entry size, position of p1 in an entry */
};

static int32_t as_int32(uint32_t u)
{
	return u <= 0x7fffffffu ? (int32_t)u : -(int32_t)(~u) - 1;
}

/* p1 and p2 of 0 <= rev < length, as stored. */
static inline const uint8_t *parents_at(const struct graph *g, int64_t rev)
{
	if (rev >= g->ondisk) {
		return g->added + (size_t)(rev - g->ondisk) * g->size + g->at;
	}
	if (g->offsets) {
		return g->data + g->offsets[rev] + g->at;
	}
	return g->data + (size_t)rev * g->size + g->at;
}

/* A parent as stored (defined for any value; callers check the range). */
static inline int32_t parent(const uint8_t *parents, int which)
{
	return index_read_int32(parents + 4 * which);
}

/* Whether a stored parent of rev lies outside [-1, rev): with -1 wrapped
   to 0, one comparison. */
static inline int bad_parent(uint32_t stored, int64_t rev)
{
	return stored + 1u > (uint32_t)rev;
}

void dag_truncating(struct revlog_index *index, int64_t start)
{
	if (index->dag && index->dag->checked > start) {
		index->dag->checked = start;
	}
}

void dag_free(struct revlog_index *index)
{
	struct dag_state *dag = index->dag;

	if (dag) {
		free(dag->flags);
		free(dag->masks);
		free(dag->marks);
		free(dag->queue);
		free(dag->out);
		free(dag);
		index->dag = NULL;
	}
}

/* Report the parent of rev that lies outside [-1, rev) (p1 first). */
static int parent_error(struct dag_state *dag, int64_t rev, uint32_t p1,
                        uint32_t p2, struct revlog_error_info *err)
{
	dag->checked = rev;
	err->rev = rev;
	err->value = as_int32(bad_parent(p1, rev) ? p1 : p2);
	return REVLOG_ERR_INDEX_BAD_PARENT;
}

/* Check the parents of revisions [from, to) (those below dag->checked
   are known to be fine). */
static int check_range(struct dag_state *dag, const struct graph *g,
                       int64_t from, int64_t to, struct revlog_error_info *err)
{
	const struct graph local = *g; /* not aliased by the stores */
	int64_t rev;

	for (rev = from > dag->checked ? from : dag->checked; rev < to; rev++) {
		const uint8_t *ps = parents_at(&local, rev);
		uint32_t p1 = index_read_be32(ps), p2 = index_read_be32(ps + 4);

		if (bad_parent(p1, rev) || bad_parent(p2, rev)) {
			return parent_error(dag, rev, p1, p2, err);
		}
	}
	return REVLOG_OK;
}

/* Check the parents of revisions [dag->checked, length). */
static int check_parents(struct dag_state *dag, const struct graph *g,
                         int64_t length, struct revlog_error_info *err)
{
	int status = check_range(dag, g, dag->checked, length, err);

	if (status == REVLOG_OK) {
		dag->checked = length;
	}
	return status;
}

/*
 * Walks that read the parents of most revisions anyway check them on the
 * way (a revision at or above `checked` is checked before its parents are
 * used), then check the revisions they did not read.  When one finds a bad
 * parent, the lowest one in the index is reported, as check_parents would.
 */
static inline int unchecked_bad(const uint8_t *ps, int64_t rev, int64_t checked)
{
	return rev >= checked &&
	       (bad_parent(index_read_be32(ps), rev) ||
	        bad_parent(index_read_be32(ps + 4), rev));
}

/* The index's graph state and where its parents lie, unchecked. */
static int graph_unchecked(struct revlog_index *index, struct dag_state **out,
                           struct graph *g, struct revlog_error_info *err)
{
	const struct entry_layout *layout = index->layout;
	struct dag_state *dag = index->dag;
	int status;

	err->rev = err->value = -1;
	*out = NULL;
	if (layout->p2 != layout->p1 + 4) {
		return REVLOG_ERR_INTERNAL;
	}
	status = index_prepare(index, err);
	if (status != REVLOG_OK) {
		return status;
	}
	if (!dag) {
		dag = calloc(1, sizeof(*dag));
		if (!dag) {
			return REVLOG_ERR_NOMEM;
		}
		index->dag = dag;
	}
	*out = dag;
	g->data = index->data;
	g->offsets = index->inline_data ? index->offsets : NULL;
	g->added = index->added;
	g->ondisk = index->ondisk;
	g->size = layout->size;
	g->at = layout->p1;
	return REVLOG_OK;
}

/* The index's graph state and where its parents lie, every one of them
   checked to lie in [-1, rev). */
static int graph(struct revlog_index *index, struct dag_state **out,
                 struct graph *g, struct revlog_error_info *err)
{
	int status = graph_unchecked(index, out, g, err);

	if (status != REVLOG_OK) {
		return status;
	}
	return check_parents(*out, g, revlog_index_length(index), err);
}

/* ---- working memory ----------------------------------------------------- */

/* `old` if it has room for `need` items of `size` bytes, else a zeroed
   replacement (old is freed), at least doubling; NULL if out of memory
   (old is kept then). */
static void *reserve(void *old, int64_t *room, int64_t need, size_t size)
{
	void *fresh;

	if (*room >= need) {
		return old;
	}
	if (need < *room * 2 && *room <= 2 * (int64_t)REVLOG_MAX_REVS) {
		need = *room * 2;
	}
	if ((uint64_t)need > SIZE_MAX / size) {
		return NULL;
	}
	fresh = calloc((size_t)need, size);
	if (!fresh) {
		return NULL;
	}
	free(old);
	*room = need;
	return fresh;
}

/* Zeroed flags for revisions [-1, length): flags[-1] is the null's. */
static uint8_t *flags_for(struct dag_state *dag, int64_t length)
{
	uint8_t *flags = reserve(dag->flags, &dag->flags_room, length + 1, 1);

	if (!flags) {
		return NULL;
	}
	dag->flags = flags;
	return flags + 1;
}

static uint64_t *masks_for(struct dag_state *dag, int64_t length)
{
	uint64_t *masks = reserve(dag->masks, &dag->masks_room, length,
	                          sizeof(uint64_t));

	if (masks) {
		dag->masks = masks;
	}
	return masks;
}

static uint64_t *marks_for(struct dag_state *dag, int64_t length)
{
	uint64_t *marks = reserve(dag->marks, &dag->marks_room,
	                          WORDS_FOR(length) + 1, sizeof(uint64_t));

	if (marks) {
		dag->marks = marks;
	}
	return marks;
}

static int32_t *queue_for(struct dag_state *dag, int64_t need)
{
	int32_t *queue = reserve(dag->queue, &dag->queue_room, need,
	                         sizeof(int32_t));

	if (queue) {
		dag->queue = queue;
	}
	return queue;
}

/* dag->out with room for need results, the ones it holds kept. */
static int32_t *out_for(struct dag_state *dag, int64_t need)
{
	int32_t *grown;

	if (dag->out_room >= need) {
		return dag->out;
	}
	if (need < dag->out_room * 2) {
		need = dag->out_room * 2;
	}
	if ((uint64_t)need > SIZE_MAX / sizeof(int32_t)) {
		return NULL;
	}
	grown = realloc(dag->out, (size_t)need * sizeof(int32_t));
	if (!grown) {
		return NULL;
	}
	dag->out = grown;
	dag->out_room = need;
	return grown;
}

/* Append rev to the results at dag->out. */
static int out_push(struct dag_state *dag, int64_t *count, int32_t rev)
{
	if (*count == dag->out_room && !out_for(dag, *count < 32 ? 64 : *count + 1)) {
		return REVLOG_ERR_NOMEM;
	}
	dag->out[(*count)++] = rev;
	return REVLOG_OK;
}

static void set_revs(struct revlog_revs *out, const int32_t *revs,
                     int64_t count)
{
	out->revs = revs;
	out->count = count;
}

/* Whether each of the n revisions lies in [low, length). */
static int check_revs(const int64_t *revs, size_t n, int64_t low,
                      int64_t length, struct revlog_error_info *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (revs[i] < low || revs[i] >= length) {
			err->rev = revs[i];
			return REVLOG_ERR_RANGE;
		}
	}
	return REVLOG_OK;
}

/* The graph (as graph()), then whether each of the n revisions lies in
   [low, length). */
static int graph_for(struct revlog_index *index, const int64_t *revs,
                     size_t n, int64_t low, struct dag_state **out,
                     struct graph *g, struct revlog_error_info *err)
{
	int status = graph(index, out, g, err);

	if (status != REVLOG_OK) {
		return status;
	}
	return check_revs(revs, n, low, revlog_index_length(index), err);
}

/* ---- heads -------------------------------------------------------------- */

/* Unfiltered: a revision is a head unless it is a parent.  Parents not
   checked yet are checked on the way, in one pass over the entries. */
static int mark_parents_checking(struct dag_state *dag, const struct graph *g,
                                 int64_t stop, uint8_t *flags,
                                 struct revlog_error_info *err)
{
	const struct graph local = *g; /* not aliased by the stores */
	int64_t rev, checked = dag->checked;

	for (rev = 0; rev < stop; rev++) {
		const uint8_t *ps = parents_at(&local, rev);
		uint32_t p1 = index_read_be32(ps), p2 = index_read_be32(ps + 4);

		if (rev >= checked && (bad_parent(p1, rev) || bad_parent(p2, rev))) {
			return parent_error(dag, rev, p1, p2, err);
		}
		flags[(int32_t)(p1 + 1u) - 1] = NOT_HEAD;
		flags[(int32_t)(p2 + 1u) - 1] = NOT_HEAD;
	}
	if (stop > checked) {
		dag->checked = stop;
	}
	return REVLOG_OK;
}

/* Filtered: walking down, a revision without an unfiltered child is asked
   about (a filtered one marks nothing).  Without filter (the filtered
   revisions are flagged), parents are checked on the way. */
static int mark_parents_filtered(struct dag_state *dag, const struct graph *g,
                                 int64_t stop, uint8_t *flags,
                                 revlog_filter_fn filter, void *context,
                                 struct revlog_error_info *err)
{
	const struct graph local = *g; /* not aliased by the stores */
	int64_t rev, checked = dag->checked;

	for (rev = stop - 1; rev >= 0; rev--) {
		const uint8_t *ps = parents_at(&local, rev);

		if (!filter && unchecked_bad(ps, rev, checked)) {
			int status = check_parents(dag, g, stop, err);

			return status != REVLOG_OK ? status : REVLOG_ERR_INTERNAL;
		}
		if (!(flags[rev] & NOT_HEAD)) {
			int32_t hidden = flags[rev] & FILTERED;

			if (!hidden && filter) {
				hidden = filter(context, rev);
				if (hidden < 0) {
					return REVLOG_ERR_CALLBACK;
				}
			}
			if (hidden) {
				flags[rev] = NOT_HEAD;
				continue;
			}
		}
		flags[parent(ps, 0)] |= NOT_HEAD;
		flags[parent(ps, 1)] |= NOT_HEAD;
	}
	return REVLOG_OK;
}

int revlog_index_headrevs(struct revlog_index *index, int64_t stop,
                          const int64_t *filtered, size_t nfiltered,
                          revlog_filter_fn filter, void *context,
                          struct revlog_revs *out,
                          struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), rev, count = 0;
	struct dag_state *dag;
	struct graph g;
	uint8_t *flags;
	size_t i;
	/* a filter is asked only once every parent is known to be fine */
	int status = filter ? graph(index, &dag, &g, err) :
	                      graph_unchecked(index, &dag, &g, err);

	set_revs(out, NULL, 0);
	if (status != REVLOG_OK) {
		return status;
	}
	if (stop < 0 || stop > length) {
		return REVLOG_ERR_RANGE;
	}
	flags = flags_for(dag, length);
	if (!flags) {
		return REVLOG_ERR_NOMEM;
	}
	for (i = 0; i < nfiltered; i++) {
		if (filtered[i] >= 0 && filtered[i] < stop) {
			flags[filtered[i]] = FILTERED;
		}
	}
	if (!filter && !nfiltered) {
		status = mark_parents_checking(dag, &g, stop, flags, err);
	} else {
		status = mark_parents_filtered(dag, &g, stop, flags, filter,
		                               context, err);
		if (status == REVLOG_OK && !filter && stop > dag->checked) {
			dag->checked = stop;
		}
	}
	if (status == REVLOG_OK) {
		status = check_parents(dag, &g, length, err);
	}
	for (rev = 0; rev < stop && status == REVLOG_OK; rev++) {
		if (!(flags[rev] & NOT_HEAD)) {
			status = out_push(dag, &count, (int32_t)rev);
		}
	}
	if (stop == 0 && status == REVLOG_OK) {
		status = out_push(dag, &count, REVLOG_NULLREV);
	}
	memset(flags - 1, 0, (size_t)stop + 1);
	if (status == REVLOG_OK) {
		set_revs(out, dag->out, count);
	}
	return status;
}

int revlog_index_headrevsdiff(struct revlog_index *index, int64_t start,
                              int64_t stop, struct revlog_revs *removed,
                              struct revlog_revs *added,
                              struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), rev, pending = 0;
	int64_t nadded = 0, nremoved = 0;
	struct dag_state *dag;
	struct graph g;
	int32_t *gone, *fresh;
	uint8_t *flags;
	int j, status = graph(index, &dag, &g, err);

	set_revs(removed, NULL, 0);
	set_revs(added, NULL, 0);
	if (status != REVLOG_OK) {
		return status;
	}
	if (start < 0 || start > length || stop < 0 || stop > length) {
		return REVLOG_ERR_RANGE;
	}
	if (start >= stop) {
		return REVLOG_OK;
	}
	/* added: at most stop - start; removed: at most start + 1 */
	fresh = out_for(dag, stop + 1);
	flags = flags_for(dag, length);
	if (!fresh || !flags) {
		return REVLOG_ERR_NOMEM;
	}
	gone = fresh + (stop - start);
	/* flags: revisions with a child walked over and not yet reached */
	for (rev = stop - 1; rev >= start; rev--) {
		const uint8_t *ps = parents_at(&g, rev);

		if (flags[rev]) {
			flags[rev] = 0;
			pending--;
		} else {
			fresh[nadded++] = (int32_t)rev;
		}
		for (j = 0; j < 2; j++) {
			int32_t p = parent(ps, j);

			if (p >= 0 && !flags[p]) {
				flags[p] = 1;
				pending++;
			}
		}
	}
	/* those below start were heads unless a child below start has them */
	for (rev = start - 1; pending; rev--) {
		const uint8_t *ps = parents_at(&g, rev);

		if (flags[rev]) {
			flags[rev] = 0;
			pending--;
			gone[nremoved++] = (int32_t)rev;
		}
		for (j = 0; j < 2; j++) {
			int32_t p = parent(ps, j);

			if (p >= 0 && flags[p]) {
				flags[p] = 0;
				pending--;
			}
		}
	}
	if (start == 0) {
		gone[nremoved++] = REVLOG_NULLREV;
	}
	set_revs(added, fresh, nadded);
	set_revs(removed, gone, nremoved);
	return REVLOG_OK;
}

/* ---- common ancestors --------------------------------------------------- */

/* Whether v is the only revision a bit was seeded with. */
static int sole_seed(int64_t v, int64_t nset, int32_t set0,
                     const int32_t *singles, int nsingles)
{
	int i;

	if (nset == 1 && set0 == v) {
		return 1;
	}
	for (i = 0; i < nsingles; i++) {
		if (singles[i] == v) {
			return 1;
		}
	}
	return 0;
}

/*
 * One pass of Mercurial's find_gca_candidates: bit 0 is seeded at the nset
 * revisions of `set` (if any), each next bit at one revision of `singles`.
 * Walking down from the highest, a revision carries the bits of the seeds
 * it is an ancestor of; one carrying them all is a head of their common
 * ancestors, and poisons its own ancestors.  `interesting` counts the
 * revisions below with bits but no poison: when none is left, neither is a
 * head.  Appends the heads, descending, to dag->out from *count on (`set`
 * must not lie there).  Parents of revisions at or above `checked` are
 * checked on the way: the walk read [*walked, *top] (REVLOG_ERR_INDEX_BAD_
 * PARENT if one is bad: nothing else is reported then).
 */
static int gca_pass(struct dag_state *dag, const struct graph *g,
                    uint64_t *seen, const int32_t *set, int64_t nset,
                    const int32_t *singles, int nsingles, int64_t checked,
                    int64_t *count, int64_t *walked, int64_t *top)
{
	int first = nset > 0 ? 1 : 0;
	uint64_t allseen = BIT(first + nsingles) - 1;
	uint64_t poison = BIT(first + nsingles);
	int64_t maxrev = -1, low = REVLOG_MAX_REVS, interesting = 0, i, v;
	int64_t lowest;
	int32_t set0 = nset > 0 ? set[0] : -1;
	const struct graph local = *g; /* which the stores below cannot alias */
	int status = REVLOG_OK;

	for (i = 0; i < nset + nsingles; i++) {
		int32_t rev = i < nset ? set[i] : singles[i - nset];
		uint64_t bit = i < nset ? 1 : BIT(first + (i - nset));

		if (!seen[rev]) {
			interesting++;
		}
		seen[rev] |= bit;
		maxrev = rev > maxrev ? rev : maxrev;
		low = rev < low ? rev : low;
	}
	lowest = maxrev + 1;
	for (v = maxrev; v >= 0 && interesting; v--) {
		uint64_t sv = seen[v];
		const uint8_t *ps = parents_at(&local, v);
		int32_t p1;
		int j;

		if (unchecked_bad(ps, v, checked)) {
			status = REVLOG_ERR_INDEX_BAD_PARENT;
			break;
		}
		p1 = parent(ps, 0); /* only once checked: it may not fit */
		lowest = v;
		if (!sv) {
			continue;
		}
		if (sv < poison) {
			interesting--;
			if (sv == allseen) {
				status = out_push(dag, count, (int32_t)v);
				if (status != REVLOG_OK ||
				    sole_seed(v, nset, set0, singles, nsingles)) {
					break; /* v: the ancestor of all the others */
				}
				sv |= poison;
			}
		}
		for (j = 0; j < 2; j++) {
			int32_t p = j ? parent(ps, 1) : p1;
			uint64_t sp;

			if (p < 0 || (j && p == p1)) {
				continue; /* a second time changes nothing */
			}
			low = p < low ? p : low;
			sp = seen[p];
			if (sv < poison) {
				if (!sp) {
					interesting++;
				}
				seen[p] = sp | sv;
			} else {
				if (sp && sp < poison) {
					interesting--;
				}
				seen[p] = sv;
			}
		}
	}
	if (maxrev >= 0) {
		memset(seen + low, 0, (size_t)(maxrev - low + 1) * sizeof(*seen));
	}
	*walked = lowest;
	*top = maxrev;
	return status;
}

/*
 * Heads of the common ancestors of revs, at the start of dag->out.  The
 * intersection of the ancestors of a group of revisions is the ancestors
 * of its heads, so more than 63 revisions are taken a group at a time: the
 * heads of the groups so far are seeded as one bit of the next pass.  A
 * single pass (63 revisions or fewer) is Mercurial's algorithm, and lists
 * what it lists.
 */
static int common_heads(struct revlog_index *index, const int64_t *revs,
                        size_t n, struct dag_state **dagp, struct graph *g,
                        struct revlog_revs *out,
                        struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), distinct = 0, next = 0;
	int64_t nset = 0, count;
	struct dag_state *dag;
	int32_t *queue;
	uint64_t *masks;
	uint8_t *flags;
	size_t i;
	int status = graph_unchecked(index, dagp, g, err);

	dag = *dagp;
	set_revs(out, NULL, 0);
	if (status == REVLOG_OK) {
		status = check_revs(revs, n, 0, length, err);
	}
	if (status != REVLOG_OK) {
		return status;
	}
	flags = flags_for(dag, length);
	queue = queue_for(dag, (int64_t)n);
	if (!flags || (n && !queue)) {
		return REVLOG_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!flags[revs[i]]) {
			flags[revs[i]] = 1;
			queue[distinct++] = (int32_t)revs[i];
		}
	}
	for (i = 0; i < (size_t)distinct; i++) {
		flags[queue[i]] = 0;
	}
	if (distinct <= 1) {
		count = 0;
		status = check_parents(dag, g, length, err);
		for (i = 0; status == REVLOG_OK && i < (size_t)distinct; i++) {
			status = out_push(dag, &count, queue[i]);
		}
		set_revs(out, dag->out, status == REVLOG_OK ? distinct : 0);
		return status;
	}
	while (next < distinct) {
		int64_t take = GCA_BITS - (next > 0 ? 1 : 0), walked, top;

		if (take > distinct - next) {
			take = distinct - next;
		}
		/* the heads so far at the start of out, the new ones after */
		count = nset;
		masks = masks_for(dag, length);
		if (!masks) {
			return REVLOG_ERR_NOMEM;
		}
		status = gca_pass(dag, g, masks, dag->out, nset, queue + next,
		                  (int)take, dag->checked, &count, &walked, &top);
		if (status == REVLOG_ERR_INDEX_BAD_PARENT) {
			status = check_parents(dag, g, length, err);
			return status != REVLOG_OK ? status : REVLOG_ERR_INTERNAL;
		}
		if (status == REVLOG_OK && dag->checked < length) {
			/* what the walk did not read */
			status = check_range(dag, g, dag->checked, walked, err);
			if (status == REVLOG_OK) {
				status = check_range(dag, g, top + 1, length, err);
			}
			if (status == REVLOG_OK) {
				dag->checked = length;
			}
		}
		if (status != REVLOG_OK) {
			return status;
		}
		if (count > nset) { /* dag->out may still be NULL otherwise */
			memmove(dag->out, dag->out + nset,
			        (size_t)(count - nset) * sizeof(int32_t));
		}
		nset = count - nset;
		next += take;
		if (!nset) {
			break;
		}
	}
	set_revs(out, dag->out, nset);
	return REVLOG_OK;
}

int revlog_index_commonancestorsheads(struct revlog_index *index,
                                      const int64_t *revs, size_t n,
                                      struct revlog_revs *out,
                                      struct revlog_error_info *err)
{
	struct dag_state *dag;
	struct graph g;

	return common_heads(index, revs, n, &dag, &g, out, err);
}

/*
 * Sets of revisions (as bits) interned by value, with a count each, for
 * deepest(): equal sets share one id, so counting the distinct sets is
 * counting the ids in use.  An id whose count falls to 0 is released and
 * reused.  Open addressing with linear probing; deletion shifts back.
 */
struct maskset {
	int64_t words;    /* words per set */
	uint64_t *bits;   /* set of id at bits + id * words */
	int64_t *counts;  /* by id */
	int32_t *unused;  /* released ids, a stack */
	int64_t nunused, used, capacity;
	int32_t *table; /* id + 1, 0: empty */
	int64_t slots;  /* a power of two */
	int64_t live;   /* ids in the table */
	int64_t distinct; /* ids whose count is not 0 */
};

static uint64_t maskset_hash(const struct maskset *ms, const uint64_t *bits)
{
	uint64_t h = 0x9e3779b97f4a7c15u;
	int64_t i;

	for (i = 0; i < ms->words; i++) {
		h = (h ^ bits[i]) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	return h;
}

static const uint64_t *maskset_bits(const struct maskset *ms, int32_t id)
{
	return ms->bits + (size_t)id * (size_t)ms->words;
}

static int64_t maskset_home(const struct maskset *ms, const uint64_t *bits)
{
	return (int64_t)(maskset_hash(ms, bits) & (uint64_t)(ms->slots - 1));
}

/* The slot holding bits, or the empty slot where they would go. */
static int64_t maskset_find(const struct maskset *ms, const uint64_t *bits)
{
	int64_t slot = maskset_home(ms, bits);
	size_t size = (size_t)ms->words * sizeof(uint64_t);

	while (ms->table[slot] &&
	       memcmp(maskset_bits(ms, ms->table[slot] - 1), bits, size)) {
		slot = (slot + 1) & (ms->slots - 1);
	}
	return slot;
}

static int maskset_rehash(struct maskset *ms, int64_t slots)
{
	int32_t *old = ms->table;
	int64_t i, old_slots = ms->slots;

	if ((uint64_t)slots > SIZE_MAX / sizeof(int32_t)) {
		return REVLOG_ERR_NOMEM;
	}
	ms->table = calloc((size_t)slots, sizeof(int32_t));
	if (!ms->table) {
		ms->table = old;
		return REVLOG_ERR_NOMEM;
	}
	ms->slots = slots;
	for (i = 0; i < old_slots; i++) {
		if (old[i]) {
			ms->table[maskset_find(ms, maskset_bits(ms, old[i] - 1))] =
			    old[i];
		}
	}
	free(old);
	return REVLOG_OK;
}

static int maskset_grow(struct maskset *ms)
{
	int64_t capacity = ms->capacity ? ms->capacity * 2 : 64;
	uint64_t *bits;
	int64_t *counts;
	int32_t *unused;

	if (capacity > INT32_MAX ||
	    (uint64_t)capacity > SIZE_MAX / sizeof(uint64_t) / (uint64_t)ms->words) {
		return REVLOG_ERR_NOMEM;
	}
	bits = realloc(ms->bits, (size_t)capacity * (size_t)ms->words *
	                             sizeof(uint64_t));
	if (bits) {
		ms->bits = bits;
	}
	counts = realloc(ms->counts, (size_t)capacity * sizeof(int64_t));
	if (counts) {
		ms->counts = counts;
	}
	unused = realloc(ms->unused, (size_t)capacity * sizeof(int32_t));
	if (unused) {
		ms->unused = unused;
	}
	if (!bits || !counts || !unused) {
		return REVLOG_ERR_NOMEM;
	}
	ms->capacity = capacity;
	return REVLOG_OK;
}

/* The id of the set `bits` (a new one with count 0 if it is not known). */
static int maskset_intern(struct maskset *ms, const uint64_t *bits,
                          int32_t *id)
{
	int64_t slot;
	int status;

	if ((ms->live + 1) * 2 > ms->slots) {
		status = maskset_rehash(ms, ms->slots ? ms->slots * 2 : 128);
		if (status != REVLOG_OK) {
			return status;
		}
	}
	slot = maskset_find(ms, bits);
	if (ms->table[slot]) {
		*id = ms->table[slot] - 1;
		return REVLOG_OK;
	}
	if (ms->nunused) {
		*id = ms->unused[--ms->nunused];
	} else {
		if (ms->used == ms->capacity) {
			status = maskset_grow(ms);
			if (status != REVLOG_OK) {
				return status;
			}
		}
		*id = (int32_t)ms->used++;
	}
	memcpy(ms->bits + (size_t)*id * (size_t)ms->words, bits,
	       (size_t)ms->words * sizeof(uint64_t));
	ms->counts[*id] = 0;
	ms->table[slot] = *id + 1;
	ms->live++;
	return REVLOG_OK;
}

static void maskset_release(struct maskset *ms, int32_t id)
{
	int64_t mask = ms->slots - 1;
	int64_t hole = maskset_find(ms, maskset_bits(ms, id));
	int64_t slot = hole;

	/* shift back the entries that probed past the hole */
	for (;;) {
		int64_t home;

		slot = (slot + 1) & mask;
		if (!ms->table[slot]) {
			break;
		}
		home = maskset_home(ms, maskset_bits(ms, ms->table[slot] - 1));
		if (((slot - home) & mask) >= ((slot - hole) & mask)) {
			ms->table[hole] = ms->table[slot];
			hole = slot;
		}
	}
	ms->table[hole] = 0;
	ms->live--;
	ms->unused[ms->nunused++] = id;
}

static void maskset_add(struct maskset *ms, int32_t id)
{
	if (ms->counts[id]++ == 0) {
		ms->distinct++;
	}
}

static void maskset_remove(struct maskset *ms, int32_t id)
{
	if (--ms->counts[id] == 0) {
		ms->distinct--;
		maskset_release(ms, id);
	}
}

static void maskset_free(struct maskset *ms)
{
	free(ms->bits);
	free(ms->counts);
	free(ms->unused);
	free(ms->table);
}

/* Sort a few revisions in place. */
static void sort_revs(int32_t *revs, int64_t k)
{
	int64_t i;

	for (i = 1; i < k; i++) {
		int32_t rev = revs[i];
		int64_t j = i;

		while (j > 0 && revs[j - 1] > rev) {
			revs[j] = revs[j - 1];
			j--;
		}
		revs[j] = rev;
	}
}

/*
 * Mercurial's find_deepest: of revs (k distinct heads, sorted here, at
 * most REVLOG_GCA_CAPACITY of them), those with the longest path down to a root
 * as it picks them.  Walking down from the highest, each revision keeps its
 * greatest distance below one of revs and the set of revs at that distance
 * (an interned id); when the revisions still to walk carry a single set,
 * its revs are the answer (none if no set is left).  Writes them ascending
 * to out; returns how many through *count.
 */
static int deepest(const struct graph *g, int32_t *revs, int64_t k,
                   int32_t *out, int64_t *count)
{
	struct maskset ms;
	int32_t *depth = NULL, *seen = NULL;
	uint64_t *scratch = NULL;
	int64_t i, v, maxrev;
	int status = REVLOG_ERR_NOMEM;

	*count = 0;
	memset(&ms, 0, sizeof(ms));
	ms.words = WORDS_FOR(k);
	sort_revs(revs, k);
	maxrev = revs[k - 1];
	depth = calloc((size_t)maxrev + 1, sizeof(int32_t));
	seen = calloc((size_t)maxrev + 1, sizeof(int32_t));
	scratch = calloc((size_t)ms.words, sizeof(uint64_t));
	if (!depth || !seen || !scratch) {
		goto done;
	}
	for (i = 0; i < k; i++) {
		int32_t id;

		memset(scratch, 0, (size_t)ms.words * sizeof(uint64_t));
		scratch[i / 64] = BIT(i);
		status = maskset_intern(&ms, scratch, &id);
		if (status != REVLOG_OK) {
			goto done;
		}
		maskset_add(&ms, id);
		depth[revs[i]] = 1;
		seen[revs[i]] = id;
	}
	for (v = maxrev; v >= 0 && ms.distinct > 1; v--) {
		int32_t dv = depth[v], sv = seen[v];
		const uint8_t *ps;
		int j;

		if (!dv) {
			continue;
		}
		ps = parents_at(g, v);
		for (j = 0; j < 2; j++) {
			int32_t p = parent(ps, j), sp, merged;
			int64_t w;

			if (p < 0) {
				continue;
			}
			sp = seen[p];
			if (depth[p] <= dv) {
				int32_t had = depth[p];

				depth[p] = dv + 1;
				if (!had || sp != sv) {
					maskset_add(&ms, sv);
					seen[p] = sv;
					if (had) {
						maskset_remove(&ms, sp);
					}
				}
			} else if (dv == depth[p] - 1) {
				const uint64_t *a = maskset_bits(&ms, sp);
				const uint64_t *b = maskset_bits(&ms, sv);

				for (w = 0; w < ms.words; w++) {
					scratch[w] = a[w] | b[w];
				}
				status = maskset_intern(&ms, scratch, &merged);
				if (status != REVLOG_OK) {
					goto done;
				}
				if (merged == sp) {
					continue;
				}
				seen[p] = merged;
				maskset_remove(&ms, sp);
				maskset_add(&ms, merged);
			}
		}
		maskset_remove(&ms, sv);
	}
	status = REVLOG_OK;
	if (ms.distinct == 1) {
		const uint64_t *final = NULL;

		for (i = 0; i < ms.slots && !final; i++) {
			int32_t id = ms.table[i] - 1;

			if (id >= 0 && ms.counts[id] > 0) {
				final = maskset_bits(&ms, id);
			}
		}
		for (i = 0; final && i < k; i++) {
			if (final[i / 64] & BIT(i)) {
				out[(*count)++] = revs[i];
			}
		}
	}
done:
	free(depth);
	free(seen);
	free(scratch);
	maskset_free(&ms);
	return status;
}

int revlog_index_gca(struct revlog_index *index, const int64_t *revs,
                     size_t n, struct revlog_revs *out,
                     struct revlog_error_info *err)
{
	struct dag_state *dag;
	struct graph g;
	int32_t *heads;
	int64_t count, k;
	int status = common_heads(index, revs, n, &dag, &g, out, err);

	if (status != REVLOG_OK || out->count <= 1) {
		return status;
	}
	/* the heads are at the start of dag->out: the answer goes after */
	k = out->count;
	if (k > REVLOG_GCA_CAPACITY) {
		set_revs(out, NULL, 0);
		err->rev = -1;
		err->value = k;
		return REVLOG_ERR_GCA_CAPACITY;
	}
	heads = out_for(dag, 2 * k);
	set_revs(out, NULL, 0);
	if (!heads) {
		return REVLOG_ERR_NOMEM;
	}
	status = deepest(&g, heads, k, heads + k, &count);
	if (status == REVLOG_OK) {
		set_revs(out, heads + k, count);
	}
	return status;
}

/* ---- reachability ------------------------------------------------------- */

int revlog_index_reachableroots(struct revlog_index *index, int64_t minroot,
                                const int64_t *heads, size_t nheads,
                                const int64_t *roots, size_t nroots,
                                int32_t includepath, struct revlog_revs *out,
                                struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), queued = 0, at = 0;
	int64_t count = 0, rev;
	struct dag_state *dag;
	struct graph g;
	int32_t *queue, *found;
	uint8_t *flags;
	size_t i;
	int j, status = graph_for(index, heads, nheads, REVLOG_NULLREV, &dag,
	                          &g, err);

	set_revs(out, NULL, 0);
	if (status != REVLOG_OK) {
		return status;
	}
	flags = flags_for(dag, length);
	queue = queue_for(dag, length + 1);
	found = out_for(dag, length + 1);
	if (!flags || !queue || !found) {
		return REVLOG_ERR_NOMEM;
	}
	/* minroot only ever compares with revisions in [-1, length) */
	minroot = minroot < REVLOG_NULLREV ? REVLOG_NULLREV : minroot;
	minroot = minroot > length ? length : minroot;
	for (i = 0; i < nroots; i++) {
		if (roots[i] >= REVLOG_NULLREV && roots[i] < length) {
			flags[roots[i]] |= ROOT;
		}
	}
	for (i = 0; i < nheads; i++) {
		if (!(flags[heads[i]] & SEEN)) {
			flags[heads[i]] |= SEEN;
			queue[queued++] = (int32_t)heads[i];
		}
	}
	while (at < queued) {
		const uint8_t *ps;

		rev = queue[at++];
		if (flags[rev] & ROOT) {
			flags[rev] |= REACHABLE;
			found[count++] = (int32_t)rev;
			if (!includepath) {
				continue;
			}
		}
		if (rev == REVLOG_NULLREV) {
			continue;
		}
		ps = parents_at(&g, rev);
		for (j = 0; j < 2; j++) {
			int32_t p = parent(ps, j);

			if (p >= minroot && !(flags[p] & SEEN)) {
				flags[p] |= SEEN;
				queue[queued++] = p;
			}
		}
	}
	for (rev = minroot < 0 ? 0 : minroot; includepath && rev < length; rev++) {
		const uint8_t *ps;

		if ((flags[rev] & (SEEN | REACHABLE)) != SEEN) {
			continue;
		}
		ps = parents_at(&g, rev);
		if ((flags[parent(ps, 0)] | flags[parent(ps, 1)]) & REACHABLE) {
			flags[rev] |= REACHABLE;
			found[count++] = (int32_t)rev;
		}
	}
	for (at = 0; at < queued; at++) {
		flags[queue[at]] = 0;
	}
	for (i = 0; i < nroots; i++) {
		if (roots[i] >= REVLOG_NULLREV && roots[i] < length) {
			flags[roots[i]] = 0;
		}
	}
	set_revs(out, found, count);
	return REVLOG_OK;
}

/* ---- phases ------------------------------------------------------------- */

static int phase_slot(int32_t phase)
{
	switch (phase) {
	case REVLOG_PHASE_DRAFT:
		return 0;
	case REVLOG_PHASE_SECRET:
		return 1;
	case REVLOG_PHASE_ARCHIVED:
		return 2;
	case REVLOG_PHASE_INTERNAL:
		return 3;
	default:
		return -1;
	}
}

int revlog_index_phases(struct revlog_index *index, const int64_t *roots,
                        const int32_t *phases, size_t n, int64_t *counts,
                        struct revlog_revs *out,
                        struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), low = length, rev;
	int64_t starts[REVLOG_TRACKED_PHASES];
	struct dag_state *dag;
	struct graph g;
	int32_t *found;
	uint8_t *flags;
	size_t i;
	int k, status = graph_unchecked(index, &dag, &g, err);

	set_revs(out, NULL, 0);
	if (status == REVLOG_OK) {
		status = check_revs(roots, n, 0, length, err);
	}
	for (k = 0; k < REVLOG_TRACKED_PHASES; k++) {
		counts[k] = 0;
	}
	for (i = 0; status == REVLOG_OK && i < n; i++) {
		if (phase_slot(phases[i]) < 0) {
			err->value = phases[i];
			status = REVLOG_ERR_RANGE;
		}
	}
	if (status != REVLOG_OK) {
		return status;
	}
	flags = flags_for(dag, length);
	found = out_for(dag, length + 1);
	if (!flags || !found) {
		return REVLOG_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		low = roots[i] < low ? roots[i] : low;
	}
	/* the walk below checks the revisions from low on */
	status = check_range(dag, &g, dag->checked, low, err);
	if (status != REVLOG_OK) {
		return status;
	}
	for (i = 0; i < n; i++) {
		flags[roots[i]] = (uint8_t)phases[i];
	}
	/* a revision takes the highest phase of its own and its parents' */
	for (rev = low; rev < length; rev++) {
		const uint8_t *ps = parents_at(&g, rev);
		uint8_t phase = flags[rev], a, b;

		if (unchecked_bad(ps, rev, dag->checked)) {
			memset(flags + low, 0, (size_t)(length - low));
			return parent_error(dag, rev, index_read_be32(ps),
			                    index_read_be32(ps + 4), err);
		}
		a = flags[parent(ps, 0)];
		b = flags[parent(ps, 1)];

		phase = a > phase ? a : phase;
		phase = b > phase ? b : phase;
		flags[rev] = phase;
		if (phase) {
			counts[phase_slot(phase)]++;
		}
	}
	starts[0] = 0;
	for (k = 1; k < REVLOG_TRACKED_PHASES; k++) {
		starts[k] = starts[k - 1] + counts[k - 1];
	}
	dag->checked = length;
	for (rev = low; rev < length; rev++) {
		if (flags[rev]) {
			found[starts[phase_slot(flags[rev])]++] = (int32_t)rev;
			flags[rev] = 0;
		}
	}
	set_revs(out, found, starts[REVLOG_TRACKED_PHASES - 1]);
	return REVLOG_OK;
}

/* ---- ancestors and descendants ------------------------------------------ */

static int marked(const uint64_t *marks, int64_t rev)
{
	return (marks[rev >> 6] & BIT(rev)) != 0;
}

static void mark(uint64_t *marks, int64_t rev)
{
	marks[rev >> 6] |= BIT(rev);
}

/* Mark the parents of rev (the null revision is never marked). */
static void mark_parents(const struct graph *g, uint64_t *marks, int64_t rev)
{
	const uint8_t *ps = parents_at(g, rev);
	int32_t a = parent(ps, 0), b = parent(ps, 1);

	if (a >= 0) {
		mark(marks, a);
	}
	if (b >= 0) {
		mark(marks, b);
	}
}

/* The highest marked revision in [floor, below), or -1. */
static int64_t highest_marked(const uint64_t *marks, int64_t floor,
                              int64_t below)
{
	int64_t w, rev;
	uint64_t word;

	if (below <= floor) {
		return -1;
	}
	w = (below - 1) >> 6;
	word = marks[w] & bits_below((int)((below - 1) & 63) + 1);
	while (!word) {
		if (w <= floor >> 6) {
			return -1;
		}
		word = marks[--w];
	}
	rev = w * 64 + bits_highest(word);
	return rev >= floor ? rev : -1;
}

/* Mark every ancestor of the revisions marked at or below top. */
static void mark_ancestors(const struct graph *g, uint64_t *marks,
                           int64_t top)
{
	const struct graph local = *g; /* not aliased by the stores */
	int64_t w = top >> 6;
	uint64_t limit = bits_below((int)(top & 63) + 1);

	while (w >= 0) {
		uint64_t word = marks[w] & limit;
		int bit;

		if (!word) {
			w--;
			limit = ~(uint64_t)0;
			continue;
		}
		bit = bits_highest(word);
		mark_parents(&local, marks, w * 64 + bit);
		limit = bits_below(bit);
	}
}

/* Whether a parent of rev is marked. */
static int parent_marked(const struct graph *g, const uint64_t *marks,
                         int64_t rev)
{
	const uint8_t *ps = parents_at(g, rev);
	int32_t a = parent(ps, 0), b = parent(ps, 1);

	return (a >= 0 && marked(marks, a)) || (b >= 0 && marked(marks, b));
}

/*
 * Mark the descendants of the n revisions (0 <= rev < length) in marks:
 * walking up from the lowest, a revision with a marked parent is marked.
 * Without inclusive, one of the revisions stays marked only if it has a
 * marked parent; `spare` has room for n revisions.
 */
static void mark_descendants(const struct graph *g, int64_t length,
                             const int64_t *revs, size_t n, int inclusive,
                             uint64_t *marks, int32_t *spare)
{
	const struct graph local = *g; /* not aliased by the stores */
	int64_t first = length, rev, unmark = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		mark(marks, revs[i]);
		first = revs[i] < first ? revs[i] : first;
	}
	for (rev = first + 1; rev < length; rev++) {
		if (parent_marked(&local, marks, rev)) {
			mark(marks, rev);
		}
	}
	if (inclusive) {
		return;
	}
	for (i = 0; i < n; i++) {
		if (!parent_marked(&local, marks, revs[i])) {
			spare[unmark++] = (int32_t)revs[i];
		}
	}
	while (unmark) {
		rev = spare[--unmark];
		marks[rev >> 6] &= ~BIT(rev);
	}
}

/* Whether -1 is one of the n revisions. */
static int has_null(const int64_t *revs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (revs[i] == REVLOG_NULLREV) {
			return 1;
		}
	}
	return 0;
}

/* Mark every revision of [0, length). */
static void mark_all(uint64_t *marks, int64_t length)
{
	int64_t whole = length >> 6;

	memset(marks, 0xff, (size_t)whole * sizeof(*marks));
	if (length & 63) {
		marks[whole] = bits_below((int)(length & 63));
	}
}

int revlog_index_descendants(struct revlog_index *index, const int64_t *revs,
                             size_t n, int32_t inclusive,
                             struct revlog_revs *out,
                             struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), count = 0, w;
	struct dag_state *dag;
	struct graph g;
	uint64_t *marks;
	int32_t *found, *spare;
	int status = graph_for(index, revs, n, REVLOG_NULLREV, &dag, &g, err);

	set_revs(out, NULL, 0);
	if (status != REVLOG_OK) {
		return status;
	}
	marks = marks_for(dag, length);
	found = out_for(dag, length + 1);
	spare = queue_for(dag, (int64_t)n);
	if (!marks || !found || (n && !spare)) {
		return REVLOG_ERR_NOMEM;
	}
	if (has_null(revs, n)) {
		if (inclusive) {
			found[count++] = REVLOG_NULLREV;
		}
		mark_all(marks, length);
	} else {
		mark_descendants(&g, length, revs, n, inclusive, marks, spare);
	}
	for (w = 0; w < WORDS_FOR(length); w++) {
		uint64_t word = marks[w];

		while (word) {
			found[count++] = (int32_t)(w * 64 + bits_lowest(word));
			word &= word - 1;
		}
		marks[w] = 0;
	}
	set_revs(out, found, count);
	return REVLOG_OK;
}

int revlog_index_isancestor(struct revlog_index *index, int64_t a, int64_t b,
                            int32_t *out, struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), low = b, rev = b;
	struct dag_state *dag;
	struct graph g;
	uint64_t *marks;
	int status = graph(index, &dag, &g, err);

	*out = 0;
	if (status != REVLOG_OK) {
		return status;
	}
	if (a < REVLOG_NULLREV || a >= length || b < REVLOG_NULLREV ||
	    b >= length) {
		return REVLOG_ERR_RANGE;
	}
	if (a == REVLOG_NULLREV || a == b) {
		*out = 1;
		return REVLOG_OK;
	}
	if (a > b) {
		return REVLOG_OK;
	}
	marks = marks_for(dag, length);
	if (!marks) {
		return REVLOG_ERR_NOMEM;
	}
	mark(marks, b);
	/* walk down the marked revisions until a or below it */
	while (rev > a) {
		const uint8_t *ps = parents_at(&g, rev);
		int32_t p1 = parent(ps, 0), p2 = parent(ps, 1);

		mark_parents(&g, marks, rev);
		low = p1 >= 0 && p1 < low ? p1 : low;
		low = p2 >= 0 && p2 < low ? p2 : low;
		rev = highest_marked(marks, a, rev);
	}
	*out = rev == a;
	memset(marks + (low >> 6), 0,
	       (size_t)((b >> 6) - (low >> 6) + 1) * sizeof(*marks));
	return REVLOG_OK;
}

int revlog_index_ancestors_bitmap(struct revlog_index *index,
                                  const int64_t *revs, size_t n,
                                  int32_t inclusive,
                                  struct revlog_bitmap **out,
                                  struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), top = -1;
	struct dag_state *dag;
	struct graph g;
	size_t i;
	int status = graph_for(index, revs, n, REVLOG_NULLREV, &dag, &g, err);

	*out = NULL;
	if (status == REVLOG_OK) {
		status = revlog_bitmap_new(length, out);
	}
	if (status != REVLOG_OK) {
		return status;
	}
	for (i = 0; i < n; i++) {
		int64_t rev = revs[i];

		if (rev < 0) {
			continue;
		}
		if (inclusive) {
			mark((*out)->words, rev);
		} else {
			mark_parents(&g, (*out)->words, rev);
		}
		top = rev > top ? rev : top;
	}
	if (top >= 0) {
		mark_ancestors(&g, (*out)->words, top);
	}
	return REVLOG_OK;
}

int revlog_index_descendants_bitmap(struct revlog_index *index,
                                    const int64_t *revs, size_t n,
                                    int32_t inclusive,
                                    struct revlog_bitmap **out,
                                    struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index);
	struct dag_state *dag;
	struct graph g;
	int32_t *spare = NULL;
	int status = graph_for(index, revs, n, REVLOG_NULLREV, &dag, &g, err);

	*out = NULL;
	if (status == REVLOG_OK && n) {
		spare = queue_for(dag, (int64_t)n);
		status = spare ? REVLOG_OK : REVLOG_ERR_NOMEM;
	}
	if (status == REVLOG_OK) {
		status = revlog_bitmap_new(length, out);
	}
	if (status != REVLOG_OK) {
		return status;
	}
	if (has_null(revs, n)) {
		mark_all((*out)->words, length);
	} else {
		mark_descendants(&g, length, revs, n, inclusive, (*out)->words,
		                 spare);
	}
	return REVLOG_OK;
}

/* ---- lazy ancestors ----------------------------------------------------- */

int revlog_ancestors_new(struct revlog_index *index, const int64_t *revs,
                         size_t n, int64_t stoprev, int32_t inclusive,
                         struct revlog_ancestors **out,
                         struct revlog_error_info *err)
{
	int64_t length = revlog_index_length(index), words = WORDS_FOR(length);
	int64_t capacity = length < 1024 ? length + 1 : 1024, top = -1;
	struct revlog_ancestors *walk;
	struct dag_state *dag;
	struct graph g;
	size_t i;
	int status = graph_for(index, revs, n, 0, &dag, &g, err);

	*out = NULL;
	if (status != REVLOG_OK) {
		return status;
	}
	walk = calloc(1, sizeof(*walk));
	if (!walk) {
		return REVLOG_ERR_NOMEM;
	}
	walk->marks = calloc((size_t)words + 1, sizeof(uint64_t));
	walk->buffer = malloc((size_t)capacity * sizeof(int32_t));
	if (!walk->marks || !walk->buffer) {
		revlog_ancestors_free(walk);
		return REVLOG_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		int64_t rev = revs[i];

		if (inclusive) {
			mark(walk->marks, rev);
			top = rev > top ? rev : top;
		} else {
			const uint8_t *ps = parents_at(&g, rev);
			int32_t a = parent(ps, 0), b = parent(ps, 1);

			mark_parents(&g, walk->marks, rev);
			top = a > top ? a : top;
			top = b > top ? b : top;
		}
	}
	walk->length = length;
	walk->floor = stoprev < 0 ? 0 : stoprev > length ? length : stoprev;
	walk->top = top;
	walk->below = top + 1;
	walk->capacity = capacity;
	*out = walk;
	return REVLOG_OK;
}

void revlog_ancestors_free(struct revlog_ancestors *walk)
{
	if (walk) {
		free(walk->marks);
		free(walk->buffer);
		free(walk);
	}
}

/* Where the walk's parents lie, if the index still holds its revisions. */
static int walk_graph(struct revlog_index *index,
                      const struct revlog_ancestors *walk, struct graph *g,
                      struct revlog_error_info *err)
{
	struct dag_state *dag;

	if (revlog_index_length(index) < walk->length) {
		err->rev = walk->length;
		err->value = -1;
		return REVLOG_ERR_RANGE;
	}
	return graph(index, &dag, g, err);
}

/* The next revision of the walk (its parents marked), or -1 at its end. */
static int64_t walk_step(const struct graph *g, struct revlog_ancestors *walk)
{
	int64_t rev = highest_marked(walk->marks, walk->floor, walk->below);

	if (rev < 0) {
		walk->below = walk->floor;
		return -1;
	}
	mark_parents(g, walk->marks, rev);
	walk->below = rev;
	return rev;
}

int revlog_ancestors_next(struct revlog_index *index,
                          struct revlog_ancestors *walk, int64_t want,
                          int64_t *count, struct revlog_error_info *err)
{
	struct graph g;
	int status = walk_graph(index, walk, &g, err);

	*count = 0;
	if (status != REVLOG_OK) {
		return status;
	}
	want = want > walk->capacity ? walk->capacity : want;
	while (*count < want) {
		int64_t rev = walk_step(&g, walk);

		if (rev < 0) {
			break;
		}
		walk->buffer[(*count)++] = (int32_t)rev;
	}
	return REVLOG_OK;
}

int revlog_ancestors_contains(struct revlog_index *index,
                              struct revlog_ancestors *walk, int64_t rev,
                              int32_t *out, struct revlog_error_info *err)
{
	struct graph g;
	int status;

	*out = 0;
	if (rev < walk->floor || rev >= walk->length) {
		return REVLOG_OK;
	}
	if (marked(walk->marks, rev)) {
		*out = 1;
		return REVLOG_OK;
	}
	status = walk_graph(index, walk, &g, err);
	if (status != REVLOG_OK) {
		return status;
	}
	/* only the revisions above rev can mark it */
	while (!marked(walk->marks, rev) && walk->below > rev) {
		if (walk_step(&g, walk) < 0) {
			break;
		}
	}
	*out = marked(walk->marks, rev);
	return REVLOG_OK;
}
