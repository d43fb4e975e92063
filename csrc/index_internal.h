/*
 * index_internal.h - what index.c, nodetree.c and deltachain.c share.
 *
 * Not part of the public API (revlog.h): the layout of struct revlog_index
 * and the entry accessors the walks use once the index is prepared.
 */
#ifndef REVLOG_INDEX_INTERNAL_H
#define REVLOG_INDEX_INTERNAL_H

#include "revlog.h"

/* Byte positions of the fields inside one packed entry; NONE when the
   format does not store the field. */
#define FIELD_NONE ((size_t)-1)

struct entry_layout {
	size_t size;
	size_t comp_len, raw_len, base, link, p1, p2, node;
	size_t sidedata_offset, sidedata_len, comp_modes, rank;
	int has_header; /* rev 0's first 4 bytes hold the revlog header */
};

/* One radix tree node: 16 children, one per hex digit.  A child is 0
   (empty), > 0 (the position of an inner node) or < 0 (a leaf holding
   revision -(child + 2), so -1 is the null revision). */
struct nt_node {
	int32_t children[16];
};

struct nodetree {
	struct nt_node *nodes; /* nodes[0] is the root */
	int32_t count;         /* nodes used, free ones included */
	int32_t capacity;
	int32_t free_list; /* first free node (chained by children[0]), 0: none */
	int32_t ready;     /* the root exists and holds the null node */
	int32_t duplicates; /* two revisions with one node were seen */
	int64_t scanned;   /* every rev in [scanned, length) is in the tree */
};

struct dag_state; /* dagops.c */

struct revlog_index {
	const uint8_t *data;
	size_t data_len;
	const struct entry_layout *layout;
	int32_t format;
	int32_t inline_data, generaldelta, delta_info;
	int64_t ondisk;   /* on-disk revisions still in the index */
	size_t *offsets;  /* inline: where each on-disk entry starts (lazy) */
	uint8_t *added;   /* appended entries, packed */
	int64_t added_count, added_capacity;
	struct nodetree nt;
	int32_t *scratch; /* deltachain results */
	int64_t scratch_capacity;
	struct dag_state *dag; /* the parents array and graph walks' memory */
};

/* Make every entry addressable (builds the inline offsets). */
int index_prepare(struct revlog_index *index, struct revlog_error_info *err);

/* Big-endian fields of packed entries. */
static inline uint32_t index_read_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint64_t index_read_be64(const uint8_t *p)
{
	return ((uint64_t)index_read_be32(p) << 32) | index_read_be32(p + 4);
}

static inline int32_t index_read_int32(const uint8_t *p)
{
	uint32_t u = index_read_be32(p);
	/* two's complement without implementation-defined conversion */
	return u <= 0x7fffffffu ? (int32_t)u : -(int32_t)(~u) - 1;
}

/* Packed entry of 0 <= rev < length; the index must be prepared.  Inline:
   the walks call it for every revision. */
static inline const uint8_t *index_entry_at(const struct revlog_index *index,
                                            int64_t rev)
{
	size_t size = index->layout->size;

	if (rev >= index->ondisk) {
		return index->added + (size_t)(rev - index->ondisk) * size;
	}
	if (index->inline_data) {
		return index->data + index->offsets[rev];
	}
	return index->data + (size_t)rev * size;
}

/* Node of -1 <= rev < length; the index must be prepared. */
const uint8_t *index_node_at(const struct revlog_index *index, int64_t rev);

/* Fields of a prepared index's rev (0 <= rev < length).  The checked
   ones fill err and return a status when the value is out of range. */
static inline int32_t index_comp_len_raw(const struct revlog_index *index,
                                         int64_t rev)
{
	return index_read_int32(index_entry_at(index, rev) +
	                        index->layout->comp_len);
}

/* The rev's data offset: rev 0's high bytes hold the header in v1/v2. */
static inline uint64_t index_start(const struct revlog_index *index,
                                   int64_t rev)
{
	if (rev == 0 && index->layout->has_header) {
		return 0;
	}
	return index_read_be64(index_entry_at(index, rev)) >> 16;
}

int index_comp_len(const struct revlog_index *index, int64_t rev,
                   int32_t *out, struct revlog_error_info *err);
int index_base(const struct revlog_index *index, int64_t rev, int32_t *out,
               struct revlog_error_info *err);
int index_parents(const struct revlog_index *index, int64_t rev,
                  int64_t maxrev, int32_t *ps, struct revlog_error_info *err);
uint16_t index_flags(const struct revlog_index *index, int64_t rev);

/* Node tree upkeep, called by index.c. */
void nodetree_added(struct revlog_index *index, int64_t rev);
void nodetree_truncating(struct revlog_index *index, int64_t start);
void nodetree_free(struct nodetree *nt);

/* Graph upkeep (dagops.c), called by index.c. */
void dag_truncating(struct revlog_index *index, int64_t start);
void dag_free(struct revlog_index *index);

extern const uint8_t index_nullid[REVLOG_NODE_SIZE];

#endif
