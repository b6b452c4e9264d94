/*
 * q4_0.c: AVX2 twin of the Q4_0 matrix-vector product, without VNNI.
 * Four rows go together, sharing each activation load.  A block's 16
 * bytes are broadcast to both 128-bit lanes and shifted by 0 or 4 per
 * lane (vpsrlvd), so one mask leaves the 32 nibbles in weight order.
 * vpmaddubsw takes the nibbles (0..15) as the unsigned operand against
 * the activations: a pair of products is at most 2 * 15 * 127, far from
 * saturating.  The offset of 8 comes off each int16 pair as
 * vpmaddubsw(8, q), made once per activation block for the four rows:
 * every lane then sums true products, so the float error stays within
 * that of the reference (an offset taken off one lane would leave lanes
 * that cancel).  vpmaddwd with ones widens to int32, exact; the lanes
 * are converted to float and multiplied by the block's dw * da into one
 * accumulator per row.  Scale products are made eight blocks at a time:
 * four loads and byte shuffles gather the eight halves, vcvtph2ps
 * widens them, and the products wait on the stack for broadcasts.  A
 * call whose row count is not a multiple of four repeats its last row in
 * the missing slots and drops their results, so a row's arithmetic, and
 * its result bit for bit, never depends on which rows share its call.
 * Up to seven trailing blocks take the same steps one at a time.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"

#define Q4_0_BS	((int64_t)sizeof(block_q4_0))

/* Halves 2i and 2i + 1 of a 32-byte load at block 2i's scale go to
 * word i of the low and high 128-bit lane. */
#define Q4_0_SEL(i) _mm256_setr_epi8(					\
	(i) == 0 ? 0 : -1, (i) == 0 ? 1 : -1, (i) == 1 ? 0 : -1,	\
	(i) == 1 ? 1 : -1, (i) == 2 ? 0 : -1, (i) == 2 ? 1 : -1,	\
	(i) == 3 ? 0 : -1, (i) == 3 ? 1 : -1, -1, -1, -1, -1, -1, -1,	\
	-1, -1, (i) == 0 ? 2 : -1, (i) == 0 ? 3 : -1,			\
	(i) == 1 ? 2 : -1, (i) == 1 ? 3 : -1, (i) == 2 ? 2 : -1,	\
	(i) == 2 ? 3 : -1, (i) == 3 ? 2 : -1, (i) == 3 ? 3 : -1,	\
	-1, -1, -1, -1, -1, -1, -1, -1)

static inline __m256i
q4_0_sel(const uint8_t *p, int i, __m256i sel)
{
	return (_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)
	    (const void *)(p + 2 * i * Q4_0_BS)), sel));
}

/* The fp16 scales of the 8 blocks from p (18 bytes apart), as floats:
 * each 32-byte load holds two of them, one per 128-bit lane. */
static inline __m256
q4_0_scales8(const uint8_t *p)
{
	__m256i	v;

	v = _mm256_or_si256(_mm256_or_si256(q4_0_sel(p, 0, Q4_0_SEL(0)),
	    q4_0_sel(p, 1, Q4_0_SEL(1))), _mm256_or_si256(q4_0_sel(p, 2,
	    Q4_0_SEL(2)), q4_0_sel(p, 3, Q4_0_SEL(3))));
	/* lanes hold halves 0 2 4 6 and 1 3 5 7 */
	return (_mm256_cvtph_ps(_mm_unpacklo_epi16(_mm256_castsi256_si128(v),
	    _mm256_extracti128_si256(v, 1))));
}

/* The block's 32 nibbles (0..15) in weight order. */
static inline __m256i
q4_0_nibbles(const uint8_t *blk)
{
	__m256i	v = _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)(blk + 2)));

	return (_mm256_and_si256(_mm256_srlv_epi32(v, _mm256_setr_epi32(0, 0,
	    0, 0, 4, 4, 4, 4)), _mm256_set1_epi8(0x0f)));
}

/* Row k's block at byte offset off into its accumulator, s its scale. */
#define Q4_0_ROW(k, off, s) do {					\
	__m256i	p_ = _mm256_sub_epi16(_mm256_maddubs_epi16(		\
	    q4_0_nibbles(row##k + (off)), qv), p1);			\
									\
	acc##k = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(	\
	    p_, ones)), (s), acc##k);					\
} while (0)

/* Activation block b + j for the four rows. */
#define Q4_0_STEP(j) do {						\
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)	\
	    (a->q + (b + (j)) * QK_Q4_0));				\
	__m256i	p1 = _mm256_maddubs_epi16(eight, qv);			\
	int64_t	o_ = (b + (j)) * Q4_0_BS;				\
									\
	Q4_0_ROW(0, o_, _mm256_broadcast_ss(&sc[0][j]));		\
	Q4_0_ROW(1, o_, _mm256_broadcast_ss(&sc[1][j]));		\
	Q4_0_ROW(2, o_, _mm256_broadcast_ss(&sc[2][j]));		\
	Q4_0_ROW(3, o_, _mm256_broadcast_ss(&sc[3][j]));		\
} while (0)

static inline float
q4_0_hsum(__m256 v)
{
	__m128	s = _mm_add_ps(_mm256_castps256_ps128(v),
	    _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return (_mm_cvtss_f32(s));
}

/* The scale product of the block at p with activation block b. */
static inline __m256
q4_0_scale1(const uint8_t *p, const struct kact *a, int64_t b)
{
	uint16_t	h;

	memcpy(&h, p, sizeof h);
	return (_mm256_set1_ps(_cvtsh_ss(h) * a->d[b]));
}

void
q4_0_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	const int64_t	 nb = cols / QK_Q4_0, rb = nb * Q4_0_BS;
	const __m256i	 ones = _mm256_set1_epi16(1);
	const __m256i	 eight = _mm256_set1_epi8(8);
	float		 sc[4][8] __attribute__((aligned(32)));
	int64_t		 b, r;

	assert(cols % QK_Q4_0 == 0 && cols <= a->n);
	for (r = r0; r < r1; r += 4) {
		const uint8_t	*row0 = w + r * rb;
		const uint8_t	*row1 = w + (r + 1 < r1 ? r + 1 : r1 - 1) * rb;
		const uint8_t	*row2 = w + (r + 2 < r1 ? r + 2 : r1 - 1) * rb;
		const uint8_t	*row3 = w + (r + 3 < r1 ? r + 3 : r1 - 1) * rb;
		__m256		 acc0 = _mm256_setzero_ps(), acc1 = acc0;
		__m256		 acc2 = acc0, acc3 = acc0;

		for (b = 0; b + 8 <= nb; b += 8) {
			__m256	da = _mm256_loadu_ps(a->d + b);

			_mm256_store_ps(sc[0], _mm256_mul_ps(q4_0_scales8(row0 +
			    b * Q4_0_BS), da));
			_mm256_store_ps(sc[1], _mm256_mul_ps(q4_0_scales8(row1 +
			    b * Q4_0_BS), da));
			_mm256_store_ps(sc[2], _mm256_mul_ps(q4_0_scales8(row2 +
			    b * Q4_0_BS), da));
			_mm256_store_ps(sc[3], _mm256_mul_ps(q4_0_scales8(row3 +
			    b * Q4_0_BS), da));
			Q4_0_STEP(0);
			Q4_0_STEP(1);
			Q4_0_STEP(2);
			Q4_0_STEP(3);
			Q4_0_STEP(4);
			Q4_0_STEP(5);
			Q4_0_STEP(6);
			Q4_0_STEP(7);
		}
		for (; b < nb; b++) {
			__m256i	qv = _mm256_load_si256((const __m256i *)
			    (const void *)(a->q + b * QK_Q4_0));
			__m256i	p1 = _mm256_maddubs_epi16(eight, qv);
			int64_t	o = b * Q4_0_BS;

			Q4_0_ROW(0, o, q4_0_scale1(row0 + o, a, b));
			Q4_0_ROW(1, o, q4_0_scale1(row1 + o, a, b));
			Q4_0_ROW(2, o, q4_0_scale1(row2 + o, a, b));
			Q4_0_ROW(3, o, q4_0_scale1(row3 + o, a, b));
		}
		y[r] = q4_0_hsum(acc0);
		if (r + 1 < r1)
			y[r + 1] = q4_0_hsum(acc1);
		if (r + 2 < r1)
			y[r + 2] = q4_0_hsum(acc2);
		if (r + 3 < r1)
			y[r + 3] = q4_0_hsum(acc3);
	}
}
