/*
 * bits.h - bit tricks on 64-bit words, shared by dagops.c and bitmap.c.
 *
 * The builtins where the compiler has them, portable loops elsewhere.
 */
#ifndef REVLOG_BITS_H
#define REVLOG_BITS_H

#include <stdint.h>

#define BIT(n) ((uint64_t)1 << ((n) & 63))
#define WORDS_FOR(nbits) (((nbits) + 63) / 64)

/* Position of the highest set bit of x != 0. */
static inline int bits_highest(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	return 63 - __builtin_clzll(x);
#else
	int n = 0;
	int shift;

	for (shift = 32; shift; shift >>= 1) {
		if (x >> shift) {
			x >>= shift;
			n += shift;
		}
	}
	return n;
#endif
}

/* Position of the lowest set bit of x != 0. */
static inline int bits_lowest(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	return __builtin_ctzll(x);
#else
	return bits_highest(x & (~x + 1));
#endif
}

/* Number of set bits of x. */
static inline int bits_count(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	return __builtin_popcountll(x);
#else
	x = x - ((x >> 1) & 0x5555555555555555u);
	x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
	return (int)((x * 0x0101010101010101u) >> 56);
#endif
}

/* The bits below position n (0 <= n <= 64). */
static inline uint64_t bits_below(int n)
{
	return n >= 64 ? ~(uint64_t)0 : BIT(n) - 1;
}

#endif
