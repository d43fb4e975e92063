/*
 * bitmap.c - sets of revisions as bit arrays: bit r of words[r / 64] is
 * revision r.  The struct and its words are one allocation; bits from nbits
 * on are always 0, so two bitmaps of different sizes combine as the sets
 * they hold.
 */
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "revlog.h"

int revlog_bitmap_new(int64_t nbits, struct revlog_bitmap **out)
{
	struct revlog_bitmap *bitmap;
	int64_t nwords;

	*out = NULL;
	if (nbits < 0 || nbits > (int64_t)REVLOG_MAX_REVS + 1) {
		return REVLOG_ERR_RANGE;
	}
	nwords = WORDS_FOR(nbits);
	/* at most 2**25 words: no overflow, even with a 32-bit size_t */
	bitmap = calloc(1, sizeof(*bitmap) + (size_t)nwords * sizeof(uint64_t));
	if (!bitmap) {
		return REVLOG_ERR_NOMEM;
	}
	bitmap->words = (uint64_t *)(bitmap + 1);
	bitmap->nwords = nwords;
	bitmap->nbits = nbits;
	*out = bitmap;
	return REVLOG_OK;
}

void revlog_bitmap_free(struct revlog_bitmap *bitmap)
{
	free(bitmap);
}

void revlog_bitmap_add(struct revlog_bitmap *bitmap, int64_t bit)
{
	if (bit >= 0 && bit < bitmap->nbits) {
		bitmap->words[bit >> 6] |= BIT(bit);
	}
}

/* Word i of a bitmap, 0 past its end. */
static uint64_t word_at(const struct revlog_bitmap *bitmap, int64_t i)
{
	return i < bitmap->nwords ? bitmap->words[i] : 0;
}

enum combine { AND, OR, ANDNOT };

static int combine(const struct revlog_bitmap *a,
                   const struct revlog_bitmap *b, enum combine how,
                   struct revlog_bitmap **out)
{
	int64_t nbits, i;
	int status;

	switch (how) {
	case AND:
		nbits = a->nbits < b->nbits ? a->nbits : b->nbits;
		break;
	case OR:
		nbits = a->nbits > b->nbits ? a->nbits : b->nbits;
		break;
	default:
		nbits = a->nbits;
	}
	status = revlog_bitmap_new(nbits, out);
	if (status != REVLOG_OK) {
		return status;
	}
	for (i = 0; i < (*out)->nwords; i++) {
		uint64_t x = word_at(a, i), y = word_at(b, i);

		(*out)->words[i] = how == AND ? x & y : how == OR ? x | y : x & ~y;
	}
	return REVLOG_OK;
}

int revlog_bitmap_and(const struct revlog_bitmap *a,
                      const struct revlog_bitmap *b,
                      struct revlog_bitmap **out)
{
	return combine(a, b, AND, out);
}

int revlog_bitmap_or(const struct revlog_bitmap *a,
                     const struct revlog_bitmap *b,
                     struct revlog_bitmap **out)
{
	return combine(a, b, OR, out);
}

int revlog_bitmap_andnot(const struct revlog_bitmap *a,
                         const struct revlog_bitmap *b,
                         struct revlog_bitmap **out)
{
	return combine(a, b, ANDNOT, out);
}

int32_t revlog_bitmap_equal(const struct revlog_bitmap *a,
                            const struct revlog_bitmap *b)
{
	int64_t nwords = a->nwords > b->nwords ? a->nwords : b->nwords, i;

	for (i = 0; i < nwords; i++) {
		if (word_at(a, i) != word_at(b, i)) {
			return 0;
		}
	}
	return 1;
}

int64_t revlog_bitmap_count(const struct revlog_bitmap *bitmap)
{
	int64_t count = 0, i;

	for (i = 0; i < bitmap->nwords; i++) {
		count += bits_count(bitmap->words[i]);
	}
	return count;
}

int32_t revlog_bitmap_test(const struct revlog_bitmap *bitmap, int64_t bit)
{
	return bit >= 0 && bit < bitmap->nbits &&
	       (bitmap->words[bit >> 6] & BIT(bit)) != 0;
}

int64_t revlog_bitmap_list(const struct revlog_bitmap *bitmap, int64_t from,
                           int32_t *out, int64_t cap)
{
	int64_t count = 0, i;
	uint64_t word;

	if (from < 0) {
		from = 0;
	}
	if (from >= bitmap->nbits || cap <= 0) {
		return 0;
	}
	i = from >> 6;
	word = bitmap->words[i] & ~bits_below((int)(from & 63));
	for (;;) {
		while (word) {
			out[count++] = (int32_t)(i * 64 + bits_lowest(word));
			if (count == cap) {
				return count;
			}
			word &= word - 1;
		}
		if (++i >= bitmap->nwords) {
			return count;
		}
		word = bitmap->words[i];
	}
}
