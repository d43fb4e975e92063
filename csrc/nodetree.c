/*
 * nodetree.c - node -> revision lookups through a 16-way radix tree.
 *
 * Level i of the tree branches on the i-th hex digit of the node.  A node
 * sits in a leaf as high as its prefix is unique among the nodes stored, so
 * an inner node exists exactly where two or more nodes share a prefix:
 * inserting splits a leaf, removing merges a lone leaf back up.  The shape
 * therefore depends only on the set of nodes stored, and a prefix that ends
 * on an inner node is ambiguous.
 *
 * The tree is filled lazily: a lookup that misses inserts revisions from the
 * tip down until it meets the node (nt.scanned remembers how far it went);
 * partialmatch and shortest need every node and fill it completely.  When
 * two revisions have the same node, the higher one wins (the first one met
 * scanning down from the tip).
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

#define LEVELS (2 * REVLOG_NODE_SIZE)
#define LEAF(rev) ((int32_t)(-(rev)-2))
#define LEAF_REV(child) ((int64_t)(-(child)-2))

static const int8_t hex_values[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Hex digit `level` of a binary node. */
static int nybble(const uint8_t *node, int level)
{
	uint8_t byte = node[level >> 1];
	return (level & 1) ? byte & 0xf : byte >> 4;
}

void nodetree_free(struct nodetree *nt)
{
	free(nt->nodes);
	memset(nt, 0, sizeof(*nt));
}

/* A zeroed node (from the free list or the end); its position in *out. */
static int new_node(struct nodetree *nt, int32_t *out)
{
	if (nt->free_list) {
		*out = nt->free_list;
		nt->free_list = nt->nodes[*out].children[0];
		nt->nodes[*out].children[0] = 0;
		return REVLOG_OK;
	}
	if (nt->count == nt->capacity) {
		int32_t capacity;
		struct nt_node *grown;

		if (nt->capacity > INT32_MAX / 2) {
			return REVLOG_ERR_NOMEM;
		}
		capacity = nt->capacity ? nt->capacity * 2 : 64;
		if ((size_t)capacity > SIZE_MAX / sizeof(struct nt_node)) {
			return REVLOG_ERR_NOMEM;
		}
		grown = realloc(nt->nodes, (size_t)capacity * sizeof(*grown));
		if (!grown) {
			return REVLOG_ERR_NOMEM;
		}
		nt->nodes = grown;
		nt->capacity = capacity;
	}
	memset(&nt->nodes[nt->count], 0, sizeof(struct nt_node));
	*out = nt->count++;
	return REVLOG_OK;
}

static void release_node(struct nodetree *nt, int32_t pos)
{
	memset(&nt->nodes[pos], 0, sizeof(struct nt_node));
	nt->nodes[pos].children[0] = nt->free_list;
	nt->free_list = pos;
}

/* Store rev's node (the index must be prepared). */
static int insert(struct revlog_index *index, int64_t rev)
{
	struct nodetree *nt = &index->nt;
	const uint8_t *node = index_node_at(index, rev);
	int32_t pos = 0;
	int level;

	for (level = 0; level < LEVELS; level++) {
		int k = nybble(node, level);
		int32_t child = nt->nodes[pos].children[k], inner;
		const uint8_t *other;
		int status;

		if (child == 0) {
			nt->nodes[pos].children[k] = LEAF(rev);
			return REVLOG_OK;
		}
		if (child > 0) {
			pos = child;
			continue;
		}
		other = index_node_at(index, LEAF_REV(child));
		if (memcmp(other, node, REVLOG_NODE_SIZE) == 0) {
			if (LEAF_REV(child) != rev) {
				nt->duplicates = 1;
			}
			if (rev > LEAF_REV(child)) {
				nt->nodes[pos].children[k] = LEAF(rev);
			}
			return REVLOG_OK;
		}
		/* split: the leaf moves one level down; go on from there */
		if (level + 1 == LEVELS) {
			break; /* equal digits, different nodes: data changed */
		}
		status = new_node(nt, &inner);
		if (status != REVLOG_OK) {
			return status;
		}
		nt->nodes[inner].children[nybble(other, level + 1)] = child;
		nt->nodes[pos].children[k] = inner;
		pos = inner;
	}
	return REVLOG_ERR_INTERNAL;
}

/* Remove rev's node if its leaf holds rev, merging lone leaves upwards. */
static void remove_rev(struct revlog_index *index, int64_t rev)
{
	struct nodetree *nt = &index->nt;
	const uint8_t *node = index_node_at(index, rev);
	int32_t path[LEVELS];
	int32_t pos = 0, child = 0;
	int level;

	for (level = 0; level < LEVELS; level++) {
		path[level] = pos;
		child = nt->nodes[pos].children[nybble(node, level)];
		if (child <= 0) {
			break;
		}
		pos = child;
	}
	if (level == LEVELS || child != LEAF(rev)) {
		return;
	}
	nt->nodes[pos].children[nybble(node, level)] = 0;
	/* an inner node left with one leaf (or nothing) folds into its parent */
	while (level > 0) {
		int32_t only = 0;
		int k, used = 0;

		pos = path[level];
		for (k = 0; k < 16; k++) {
			if (nt->nodes[pos].children[k]) {
				only = nt->nodes[pos].children[k];
				used++;
			}
		}
		if (used > 1 || only > 0) {
			return;
		}
		level--;
		nt->nodes[path[level]].children[nybble(node, level)] = only;
		release_node(nt, pos);
	}
}

/* The root, holding the null node; every revision still to be scanned. */
static int init_tree(struct revlog_index *index, struct revlog_error_info *err)
{
	struct nodetree *nt = &index->nt;
	int32_t root;
	int status;

	if (nt->ready) {
		return REVLOG_OK;
	}
	status = index_prepare(index, err);
	if (status == REVLOG_OK) {
		status = new_node(nt, &root);
	}
	if (status != REVLOG_OK) {
		nodetree_free(nt);
		return status;
	}
	nt->nodes[root].children[0] = LEAF(REVLOG_NULLREV);
	nt->ready = 1;
	nt->scanned = revlog_index_length(index);
	return REVLOG_OK;
}

/* Insert the next revision below nt.scanned. */
static int scan_one(struct revlog_index *index)
{
	int64_t rev = index->nt.scanned - 1;
	int status = REVLOG_OK;

	/* a revision with the null node could only hide the null revision */
	if (memcmp(index_node_at(index, rev), index_nullid, REVLOG_NODE_SIZE)) {
		status = insert(index, rev);
	}
	if (status == REVLOG_OK) {
		index->nt.scanned = rev;
	} else {
		nodetree_free(&index->nt); /* a failed split may leave it uneven */
	}
	return status;
}

/* Fill the tree with every revision. */
static int populate(struct revlog_index *index, struct revlog_error_info *err)
{
	int status = init_tree(index, err);

	while (status == REVLOG_OK && index->nt.scanned > 0) {
		status = scan_one(index);
	}
	return status;
}

/* Follow node's hex digits (binary node, or `len` hex digits) from the
   root; *child is the last child met (0, or a leaf) at depth *level,
   or an inner node when the digits run out. */
static void descend(const struct nodetree *nt, const uint8_t *node,
                    const char *hex, int len, int32_t *child, int *level)
{
	int32_t pos = 0;
	int i;

	for (i = 0; i < len; i++) {
		int k = hex ? hex_values[(uint8_t)hex[i]] - 1 : nybble(node, i);

		*child = nt->nodes[pos].children[k];
		if (*child <= 0) {
			break;
		}
		pos = *child;
	}
	*level = i;
}

static int64_t leaf_if_same(struct revlog_index *index, int32_t child,
                            const uint8_t *node)
{
	if (child < 0 &&
	    memcmp(index_node_at(index, LEAF_REV(child)), node,
	           REVLOG_NODE_SIZE) == 0) {
		return LEAF_REV(child);
	}
	return REVLOG_REV_NOT_FOUND;
}

/* The revision the tree holds for a binary node, and the leaf's depth. */
static int64_t lookup(struct revlog_index *index, const uint8_t *node,
                      int *level)
{
	int32_t child = 0;

	descend(&index->nt, node, NULL, LEVELS, &child, level);
	return leaf_if_same(index, child, node);
}

int revlog_index_find_node(struct revlog_index *index, const uint8_t *node,
                           int64_t *rev, struct revlog_error_info *err)
{
	int level, status = init_tree(index, err);

	*rev = REVLOG_REV_NOT_FOUND;
	if (status != REVLOG_OK) {
		return status;
	}
	*rev = lookup(index, node, &level);
	while (*rev == REVLOG_REV_NOT_FOUND && index->nt.scanned > 0) {
		int64_t next = index->nt.scanned - 1;

		status = scan_one(index);
		if (status != REVLOG_OK) {
			return status;
		}
		if (memcmp(index_node_at(index, next), node,
		           REVLOG_NODE_SIZE) == 0) {
			/* the higher twin, if node appears twice */
			*rev = lookup(index, node, &level);
		}
	}
	return REVLOG_OK;
}

int revlog_index_partialmatch(struct revlog_index *index, const char *hex,
                              size_t len, int64_t *rev, uint8_t *node_out,
                              struct revlog_error_info *err)
{
	const uint8_t *node;
	int32_t child = 0;
	int level, i, status;

	*rev = REVLOG_REV_NOT_FOUND;
	if (len < 1 || len > LEVELS) {
		return REVLOG_ERR_RANGE;
	}
	for (i = 0; i < (int)len; i++) {
		if (!hex_values[(uint8_t)hex[i]]) {
			return REVLOG_OK;
		}
	}
	status = populate(index, err);
	if (status != REVLOG_OK) {
		return status;
	}
	descend(&index->nt, NULL, hex, (int)len, &child, &level);
	if (child > 0) {
		*rev = REVLOG_REV_AMBIGUOUS;
		return REVLOG_OK;
	}
	if (child == 0) {
		return REVLOG_OK;
	}
	node = index_node_at(index, LEAF_REV(child));
	for (i = level; i < (int)len; i++) {
		if (hex_values[(uint8_t)hex[i]] - 1 != nybble(node, i)) {
			return REVLOG_OK;
		}
	}
	*rev = LEAF_REV(child);
	memcpy(node_out, node, REVLOG_NODE_SIZE);
	return REVLOG_OK;
}

int revlog_index_shortest(struct revlog_index *index, const uint8_t *node,
                          int32_t *length, struct revlog_error_info *err)
{
	int level, status = populate(index, err);

	*length = REVLOG_REV_NOT_FOUND;
	if (status != REVLOG_OK) {
		return status;
	}
	if (lookup(index, node, &level) != REVLOG_REV_NOT_FOUND) {
		*length = level + 1;
	}
	return REVLOG_OK;
}

void nodetree_added(struct revlog_index *index, int64_t rev)
{
	if (index->nt.ready &&
	    memcmp(index_node_at(index, rev), index_nullid, REVLOG_NODE_SIZE) &&
	    insert(index, rev) != REVLOG_OK) {
		/* out of memory: drop the tree, the next lookup rebuilds it */
		nodetree_free(&index->nt);
	}
}

void nodetree_truncating(struct revlog_index *index, int64_t start)
{
	struct nodetree *nt = &index->nt;
	int64_t rev = revlog_index_length(index);

	/* a ready tree implies a prepared index: both go in clearcaches */
	if (!nt->ready) {
		return;
	}
	if (nt->duplicates) {
		/* a removed leaf may hide a lower twin: rebuild from scratch */
		nodetree_free(nt);
		return;
	}
	while (rev > start && rev > nt->scanned) {
		remove_rev(index, --rev);
	}
	if (nt->scanned > start) {
		nt->scanned = start;
	}
}
