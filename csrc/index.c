/*
 * index.c - Mercurial's revlog index: parse, entries, append, truncate.
 *
 * The index reads its entries in place from the caller's buffer.  Inline
 * data (each entry followed by its chunk) is scanned once at parse to count
 * and check the entries; where each one starts is only recorded on first
 * use.  Appended entries live in one growing array, packed as on disk, so
 * every entry of every revision is read by the same accessors.
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

#define COMP_MODE_INLINE 2
#define RANK_UNKNOWN (-1)
#define HEADER_SIZE 4

static const struct entry_layout layout_v1 = {
	64, 8, 12, 16, 20, 24, 28, 32,
	FIELD_NONE, FIELD_NONE, FIELD_NONE, FIELD_NONE, 1,
};
static const struct entry_layout layout_v2 = {
	96, 8, 12, 16, 20, 24, 28, 32, 64, 72, 76, FIELD_NONE, 1,
};
static const struct entry_layout layout_cl2 = {
	96, 8, 12, FIELD_NONE, FIELD_NONE, 16, 20, 24, 56, 64, 68, 69, 0,
};

static void write_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void write_be64(uint8_t *p, uint64_t v)
{
	write_be32(p, (uint32_t)(v >> 32));
	write_be32(p + 4, (uint32_t)v);
}

static const struct entry_layout *layout_for(int32_t format)
{
	switch (format) {
	case REVLOG_FORMAT_V1:
		return &layout_v1;
	case REVLOG_FORMAT_V2:
		return &layout_v2;
	case REVLOG_FORMAT_CHANGELOG_V2:
		return &layout_cl2;
	default:
		return NULL;
	}
}

static void set_error(struct revlog_error_info *err, int64_t rev, int64_t value)
{
	err->rev = rev;
	err->value = value;
}

/*
 * Walk inline data: an entry, then comp_len bytes of chunk, repeatedly,
 * for at most `limit` entries (or to the end).  Records where each entry
 * starts in `offsets` (NULL: only count) and the number of entries in
 * *count.  Without a limit the walk must end exactly at the end of data.
 */
static int inline_scan(const uint8_t *data, size_t len,
                       const struct entry_layout *layout, int64_t limit,
                       size_t *offsets, int64_t *count,
                       struct revlog_error_info *err)
{
	size_t pos = 0, size = layout->size;
	int64_t n = 0;

	while (pos < len && (limit < 0 || n < limit)) {
		int32_t comp_len;

		if (len - pos < size) {
			set_error(err, n, 0); /* a partial entry */
			return REVLOG_ERR_INDEX_INLINE_TRUNCATED;
		}
		if (n >= REVLOG_MAX_REVS) {
			set_error(err, -1, n + 1);
			return REVLOG_ERR_INDEX_TOO_LARGE;
		}
		comp_len = index_read_int32(data + pos + layout->comp_len);
		if (comp_len < 0) {
			set_error(err, n, comp_len);
			return REVLOG_ERR_INDEX_BAD_LENGTH;
		}
		if ((size_t)comp_len > len - pos - size) {
			set_error(err, n, 0); /* its chunk runs past the end */
			return REVLOG_ERR_INDEX_INLINE_TRUNCATED;
		}
		if (offsets) {
			offsets[n] = pos;
		}
		pos += size + (size_t)comp_len;
		n++;
	}
	if (limit >= 0 && n < limit) {
		set_error(err, n, 0); /* the data changed since the parse */
		return REVLOG_ERR_INDEX_INLINE_TRUNCATED;
	}
	*count = n;
	return REVLOG_OK;
}

int revlog_index_new(const uint8_t *data, size_t len, int32_t format,
                     int32_t inline_data, int32_t generaldelta,
                     int32_t delta_info, struct revlog_index **out,
                     struct revlog_error_info *err)
{
	const struct entry_layout *layout = layout_for(format);
	struct revlog_index *index;
	int64_t count = 0;
	int status;

	*out = NULL;
	set_error(err, -1, 0);
	if (!layout || (inline_data && !layout->has_header)) {
		return REVLOG_ERR_RANGE; /* changelog-v2 is never inline */
	}
	if (inline_data) {
		status = inline_scan(data, len, layout, -1, NULL, &count, err);
		if (status != REVLOG_OK) {
			return status;
		}
	} else {
		if (len % layout->size) {
			set_error(err, -1, (int64_t)(len % layout->size));
			return REVLOG_ERR_INDEX_BAD_SIZE;
		}
		if (len / layout->size > (size_t)REVLOG_MAX_REVS) {
			set_error(err, -1, (int64_t)(len / layout->size));
			return REVLOG_ERR_INDEX_TOO_LARGE;
		}
		count = (int64_t)(len / layout->size);
	}

	index = calloc(1, sizeof(*index));
	if (!index) {
		return REVLOG_ERR_NOMEM;
	}
	index->data = data;
	index->data_len = len;
	index->layout = layout;
	index->format = format;
	index->inline_data = inline_data != 0;
	index->generaldelta = generaldelta != 0;
	index->delta_info = delta_info != 0;
	index->ondisk = count;
	*out = index;
	return REVLOG_OK;
}

void revlog_index_clearcaches(struct revlog_index *index)
{
	free(index->offsets);
	index->offsets = NULL;
	nodetree_free(&index->nt);
	dag_free(index);
	free(index->scratch);
	index->scratch = NULL;
	index->scratch_capacity = 0;
}

void revlog_index_free(struct revlog_index *index)
{
	if (index) {
		revlog_index_clearcaches(index);
		free(index->added);
		free(index);
	}
}

int64_t revlog_index_length(const struct revlog_index *index)
{
	return index->ondisk + index->added_count;
}

int64_t revlog_index_entry_size(const struct revlog_index *index)
{
	return (int64_t)index->layout->size;
}

int index_prepare(struct revlog_index *index, struct revlog_error_info *err)
{
	int64_t count;
	int status;

	if (!index->inline_data || index->offsets || index->ondisk == 0) {
		return REVLOG_OK;
	}
	/* ondisk <= data_len / entry size: bounded by the input */
	index->offsets = malloc((size_t)index->ondisk * sizeof(size_t));
	if (!index->offsets) {
		return REVLOG_ERR_NOMEM;
	}
	status = inline_scan(index->data, index->data_len, index->layout,
	                     index->ondisk, index->offsets, &count, err);
	if (status != REVLOG_OK) {
		free(index->offsets);
		index->offsets = NULL;
	}
	return status;
}

const uint8_t index_nullid[REVLOG_NODE_SIZE] = {0};

const uint8_t *index_node_at(const struct revlog_index *index, int64_t rev)
{
	if (rev == REVLOG_NULLREV) {
		return index_nullid;
	}
	return index_entry_at(index, rev) + index->layout->node;
}

int index_comp_len(const struct revlog_index *index, int64_t rev,
                   int32_t *out, struct revlog_error_info *err)
{
	*out = rev == REVLOG_NULLREV ? 0 : index_comp_len_raw(index, rev);
	if (*out < 0) {
		set_error(err, rev, *out);
		return REVLOG_ERR_INDEX_BAD_LENGTH;
	}
	return REVLOG_OK;
}

int index_base(const struct revlog_index *index, int64_t rev, int32_t *out,
               struct revlog_error_info *err)
{
	size_t at = index->layout->base;

	if (at == FIELD_NONE) {
		*out = (int32_t)rev;
		return REVLOG_OK;
	}
	*out = index_read_int32(index_entry_at(index, rev) + at);
	if (*out < -1 || *out > rev) {
		set_error(err, rev, *out);
		return REVLOG_ERR_INDEX_BAD_BASE;
	}
	return REVLOG_OK;
}

int index_parents(const struct revlog_index *index, int64_t rev,
                  int64_t maxrev, int32_t *ps, struct revlog_error_info *err)
{
	const uint8_t *entry = index_entry_at(index, rev);
	int i;

	ps[0] = index_read_int32(entry + index->layout->p1);
	ps[1] = index_read_int32(entry + index->layout->p2);
	for (i = 0; i < 2; i++) {
		if (ps[i] < -1 || ps[i] > maxrev) {
			set_error(err, rev, ps[i]);
			return REVLOG_ERR_INDEX_BAD_PARENT;
		}
	}
	return REVLOG_OK;
}

uint16_t index_flags(const struct revlog_index *index, int64_t rev)
{
	return (uint16_t)(index_read_be32(index_entry_at(index, rev) + 4) &
	                  0xffffu);
}

int revlog_index_entry(struct revlog_index *index, int64_t rev,
                       struct revlog_entry *out, struct revlog_error_info *err)
{
	const struct entry_layout *l = index->layout;
	const uint8_t *e;
	int status;

	memset(out, 0, sizeof(*out));
	out->data_comp_mode = COMP_MODE_INLINE;
	out->sidedata_comp_mode = COMP_MODE_INLINE;
	out->rank = RANK_UNKNOWN;
	if (rev == REVLOG_NULLREV) {
		out->base = out->link = out->p1 = out->p2 = -1;
		return REVLOG_OK;
	}
	if (rev < 0 || rev >= revlog_index_length(index)) {
		set_error(err, rev, 0);
		return REVLOG_ERR_RANGE;
	}
	status = index_prepare(index, err);
	if (status != REVLOG_OK) {
		return status;
	}
	e = index_entry_at(index, rev);
	out->offset_flags = index_read_be64(e);
	if (rev == 0 && l->has_header && index->ondisk > 0) {
		out->offset_flags &= 0xffffu; /* only the flags: the header */
	}
	out->comp_len = index_read_int32(e + l->comp_len);
	out->raw_len = index_read_int32(e + l->raw_len);
	out->base = l->base == FIELD_NONE ? (int32_t)rev
	                                  : index_read_int32(e + l->base);
	out->link = l->link == FIELD_NONE ? (int32_t)rev
	                                  : index_read_int32(e + l->link);
	out->p1 = index_read_int32(e + l->p1);
	out->p2 = index_read_int32(e + l->p2);
	memcpy(out->node, e + l->node, REVLOG_NODE_SIZE);
	if (l->sidedata_offset != FIELD_NONE) {
		out->sidedata_offset = index_read_be64(e + l->sidedata_offset);
		out->sidedata_len = index_read_int32(e + l->sidedata_len);
		out->data_comp_mode = e[l->comp_modes] & 3;
		out->sidedata_comp_mode = (e[l->comp_modes] >> 2) & 3;
	}
	if (l->rank != FIELD_NONE) {
		out->rank = index_read_int32(e + l->rank);
	}
	return REVLOG_OK;
}

int revlog_index_entry_bytes(struct revlog_index *index, int64_t rev,
                             const uint8_t **out,
                             struct revlog_error_info *err)
{
	int status;

	*out = NULL;
	if (rev < 0 || rev >= revlog_index_length(index)) {
		set_error(err, rev, 0);
		return REVLOG_ERR_RANGE;
	}
	status = index_prepare(index, err);
	if (status == REVLOG_OK) {
		*out = index_entry_at(index, rev);
	}
	return status;
}

static int grow_added(struct revlog_index *index)
{
	size_t size = index->layout->size;
	int64_t capacity;
	uint8_t *grown;

	if (index->added_count < index->added_capacity) {
		return REVLOG_OK;
	}
	capacity = index->added_capacity ? index->added_capacity * 2 : 16;
	if (capacity > REVLOG_MAX_REVS) {
		capacity = REVLOG_MAX_REVS;
	}
	if ((uint64_t)capacity > SIZE_MAX / size) {
		return REVLOG_ERR_NOMEM;
	}
	grown = realloc(index->added, (size_t)capacity * size);
	if (!grown) {
		return REVLOG_ERR_NOMEM;
	}
	index->added = grown;
	index->added_capacity = capacity;
	return REVLOG_OK;
}

static void pack_entry(const struct entry_layout *l,
                       const struct revlog_entry *entry, uint8_t *e)
{
	memset(e, 0, l->size);
	write_be64(e, entry->offset_flags);
	write_be32(e + l->comp_len, (uint32_t)entry->comp_len);
	write_be32(e + l->raw_len, (uint32_t)entry->raw_len);
	if (l->base != FIELD_NONE) {
		write_be32(e + l->base, (uint32_t)entry->base);
		write_be32(e + l->link, (uint32_t)entry->link);
	}
	write_be32(e + l->p1, (uint32_t)entry->p1);
	write_be32(e + l->p2, (uint32_t)entry->p2);
	memcpy(e + l->node, entry->node, REVLOG_NODE_SIZE);
	if (l->sidedata_offset != FIELD_NONE) {
		write_be64(e + l->sidedata_offset, entry->sidedata_offset);
		write_be32(e + l->sidedata_len, (uint32_t)entry->sidedata_len);
		e[l->comp_modes] = (uint8_t)((entry->data_comp_mode & 3) |
		                             ((entry->sidedata_comp_mode & 3) << 2));
	}
	if (l->rank != FIELD_NONE) {
		write_be32(e + l->rank, (uint32_t)entry->rank);
	}
}

int revlog_index_append(struct revlog_index *index,
                        const struct revlog_entry *entry,
                        struct revlog_error_info *err)
{
	int64_t rev = revlog_index_length(index);
	int status;

	if (rev >= REVLOG_MAX_REVS) {
		set_error(err, -1, rev + 1);
		return REVLOG_ERR_INDEX_TOO_LARGE;
	}
	status = grow_added(index);
	if (status != REVLOG_OK) {
		return status;
	}
	pack_entry(index->layout, entry,
	           index->added + (size_t)index->added_count * index->layout->size);
	index->added_count++;
	nodetree_added(index, rev);
	return REVLOG_OK;
}

int revlog_index_truncate(struct revlog_index *index, int64_t start,
                          struct revlog_error_info *err)
{
	if (start < 0 || start > revlog_index_length(index)) {
		set_error(err, start, 0);
		return REVLOG_ERR_RANGE;
	}
	nodetree_truncating(index, start);
	dag_truncating(index, start);
	if (start < index->ondisk) {
		index->ondisk = start;
		index->added_count = 0;
	} else {
		index->added_count = start - index->ondisk;
	}
	return REVLOG_OK;
}
