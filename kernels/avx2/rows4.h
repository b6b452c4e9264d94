/*
 * rows4.h: the driver the AVX2 kernels of 32-weight block formats (q8_0,
 * q4_0, t2) share, and the horizontal sum every AVX2 kernel ends a row
 * with.  Four rows go together, sharing each activation load.
 * A format supplies three inline pieces: its eight blocks' fp16 scales as
 * floats, what an activation block is prepared into once for the four
 * rows (the offset of unsigned codes, say), and a block's int16 pairs of
 * products with that offset already removed, so every lane sums true
 * products and the float error stays within the reference's.  vpmaddwd
 * with ones widens the pairs to int32, exact; the lanes are converted to
 * float and multiplied by the block's dw * da into one accumulator per
 * row.  Scale products are made eight blocks at a time and wait on the
 * stack for broadcasts.  A call whose row count is not a multiple of four
 * repeats its last row in the missing slots and drops their results, so a
 * row's arithmetic, and its result bit for bit, never depends on which
 * rows share its call.  Up to seven trailing blocks take the same steps
 * one at a time.  The driver is always inlined, so each format's pieces
 * are inlined into its own copy of the loop.
 */
#ifndef QCMP_AVX2_ROWS4_H
#define QCMP_AVX2_ROWS4_H

#include <assert.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kern-impl.h"

#define ROWS4_INLINE	static inline __attribute__((always_inline))

typedef __m256	(*rows4_scales8_fn)(const uint8_t *p);
typedef __m256i	(*rows4_prep_fn)(__m256i qv);
typedef __m256i	(*rows4_pairs_fn)(const uint8_t *blk, __m256i qv,
		    __m256i prep);

/* The sum of v's lanes, in the same order for every kernel. */
ROWS4_INLINE float
rows4_hsum(__m256 v)
{
	__m128	s = _mm_add_ps(_mm256_castps256_ps128(v),
	    _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return (_mm_cvtss_f32(s));
}

/* The scale product of the block at p (fp16 scale first) with activation
 * block b. */
ROWS4_INLINE __m256
rows4_scale1(const uint8_t *p, const struct kact *a, int64_t b)
{
	uint16_t	h;

	memcpy(&h, p, sizeof h);
	return (_mm256_set1_ps(_cvtsh_ss(h) * a->d[b]));
}

/* Row k's block at byte offset off into its accumulator, s its scale. */
#define ROWS4_ROW(k, off, s) do {					\
	__m256i	p_ = pairs(row##k + (off), qv, pre);			\
									\
	acc##k = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(	\
	    p_, ones)), (s), acc##k);					\
} while (0)

/* Activation block b + j for the four rows. */
#define ROWS4_STEP(j) do {						\
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)	\
	    (a->q + (b + (j)) * 32));					\
	__m256i	pre = prep(qv);						\
	int64_t	o_ = (b + (j)) * bs;					\
									\
	ROWS4_ROW(0, o_, _mm256_broadcast_ss(&sc[0][j]));		\
	ROWS4_ROW(1, o_, _mm256_broadcast_ss(&sc[1][j]));		\
	ROWS4_ROW(2, o_, _mm256_broadcast_ss(&sc[2][j]));		\
	ROWS4_ROW(3, o_, _mm256_broadcast_ss(&sc[3][j]));		\
} while (0)

/* Rows [r0, r1) of a matrix of bs-byte blocks of 32 weights. */
ROWS4_INLINE void
rows4_matvec(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1,
    int64_t bs, rows4_scales8_fn scales8, rows4_prep_fn prep,
    rows4_pairs_fn pairs)
{
	const uint8_t	*w = vw;
	const int64_t	 nb = cols / 32, rb = nb * bs;
	const __m256i	 ones = _mm256_set1_epi16(1);
	float		 sc[4][8] __attribute__((aligned(32)));
	int64_t		 b, r;

	assert(cols % 32 == 0 && cols <= a->n);
	for (r = r0; r < r1; r += 4) {
		const uint8_t	*row0 = w + r * rb;
		const uint8_t	*row1 = w + (r + 1 < r1 ? r + 1 : r1 - 1) * rb;
		const uint8_t	*row2 = w + (r + 2 < r1 ? r + 2 : r1 - 1) * rb;
		const uint8_t	*row3 = w + (r + 3 < r1 ? r + 3 : r1 - 1) * rb;
		__m256		 acc0 = _mm256_setzero_ps(), acc1 = acc0;
		__m256		 acc2 = acc0, acc3 = acc0;

		for (b = 0; b + 8 <= nb; b += 8) {
			__m256	da = _mm256_loadu_ps(a->d + b);

			_mm256_store_ps(sc[0], _mm256_mul_ps(scales8(row0 +
			    b * bs), da));
			_mm256_store_ps(sc[1], _mm256_mul_ps(scales8(row1 +
			    b * bs), da));
			_mm256_store_ps(sc[2], _mm256_mul_ps(scales8(row2 +
			    b * bs), da));
			_mm256_store_ps(sc[3], _mm256_mul_ps(scales8(row3 +
			    b * bs), da));
			ROWS4_STEP(0);
			ROWS4_STEP(1);
			ROWS4_STEP(2);
			ROWS4_STEP(3);
			ROWS4_STEP(4);
			ROWS4_STEP(5);
			ROWS4_STEP(6);
			ROWS4_STEP(7);
		}
		for (; b < nb; b++) {
			__m256i	qv = _mm256_load_si256((const __m256i *)
			    (const void *)(a->q + b * 32));
			__m256i	pre = prep(qv);
			int64_t	o = b * bs;

			ROWS4_ROW(0, o, rows4_scale1(row0 + o, a, b));
			ROWS4_ROW(1, o, rows4_scale1(row1 + o, a, b));
			ROWS4_ROW(2, o, rows4_scale1(row2 + o, a, b));
			ROWS4_ROW(3, o, rows4_scale1(row3 + o, a, b));
		}
		y[r] = rows4_hsum(acc0);
		if (r + 1 < r1)
			y[r + 1] = rows4_hsum(acc1);
		if (r + 2 < r1)
			y[r + 2] = rows4_hsum(acc2);
		if (r + 3 < r1)
			y[r + 3] = rows4_hsum(acc3);
	}
}

#undef ROWS4_ROW
#undef ROWS4_STEP

#endif
