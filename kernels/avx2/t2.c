/*
 * t2.c: AVX2 twin of the T2 (and T2M, same layout) matrix-vector
 * product, without VNNI.  Four rows go together, sharing each activation
 * load.  A block's 8 code bytes are broadcast to the four 64-bit lanes
 * and shifted by 0, 2, 4, 6 (vpsrlvq): after a mask, byte m of lane l is
 * the code of weight l * 8 + m, weight order.  vpmaddubsw takes the codes
 * (0..3, including the 3 a file may hold) as the unsigned operand against
 * the activations, far from saturating.  The offset of the codes (value
 * = code - 1) comes off each int16 pair as vpmaddubsw(1, q), made once
 * per activation block for the four rows: every lane then sums true
 * products, so the float error stays within that of the reference (an
 * offset taken off one lane would leave lanes that cancel).  vpmaddwd
 * with ones widens to int32, exact; the lanes are converted to float and
 * multiplied by the block's dw * da into one accumulator per row.  Scale
 * products are made eight blocks at a time: two loads and byte shuffles
 * gather the eight halves, vcvtph2ps widens them, and the products wait
 * on the stack for broadcasts.  A call whose row count is not a multiple
 * of four repeats its last row in the missing slots and drops their
 * results, so a row's arithmetic, and its result bit for bit, never
 * depends on which rows share its call.  Up to seven trailing blocks take
 * the same steps one at a time.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"

#define T2_BS	((int64_t)sizeof(block_t2))

/* The fp16 scales of the 8 blocks from p (10 bytes apart), as floats:
 * each 32-byte load holds four of them, two per 128-bit lane. */
static inline __m256
t2_scales8(const uint8_t *p)
{
	const __m256i	 clo = _mm256_setr_epi8(0, 1, 10, 11, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 14, 15, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1);
	const __m256i	 chi = _mm256_setr_epi8(-1, -1, -1, -1, 0, 1, 10, 11,
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 14, 15,
	    -1, -1, -1, -1, -1, -1, -1, -1);
	__m256i		 v;

	v = _mm256_or_si256(_mm256_shuffle_epi8(_mm256_loadu_si256(
	    (const __m256i *)(const void *)p), clo), _mm256_shuffle_epi8(
	    _mm256_loadu_si256((const __m256i *)(const void *)(p + 4 * T2_BS)),
	    chi));
	/* lanes hold halves 0 1 4 5 and 2 3 6 7 */
	return (_mm256_cvtph_ps(_mm_unpacklo_epi32(_mm256_castsi256_si128(v),
	    _mm256_extracti128_si256(v, 1))));
}

/* The block's 32 codes (0..3) in weight order. */
static inline __m256i
t2_codes(const uint8_t *blk)
{
	return (_mm256_and_si256(_mm256_srlv_epi64(_mm256_broadcastq_epi64(
	    _mm_loadl_epi64((const __m128i *)(const void *)(blk + 2))),
	    _mm256_setr_epi64x(0, 2, 4, 6)), _mm256_set1_epi8(3)));
}

/* Row k's block at byte offset off into its accumulator, s its scale. */
#define T2_ROW(k, off, s) do {						\
	__m256i	p_ = _mm256_sub_epi16(_mm256_maddubs_epi16(		\
	    t2_codes(row##k + (off)), qv), p1);				\
									\
	acc##k = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(	\
	    p_, ones)), (s), acc##k);					\
} while (0)

/* Activation block b + j for the four rows. */
#define T2_STEP(j) do {							\
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)	\
	    (a->q + (b + (j)) * QK_T2));				\
	__m256i	p1 = _mm256_maddubs_epi16(ones8, qv);			\
	int64_t	o_ = (b + (j)) * T2_BS;					\
									\
	T2_ROW(0, o_, _mm256_broadcast_ss(&sc[0][j]));			\
	T2_ROW(1, o_, _mm256_broadcast_ss(&sc[1][j]));			\
	T2_ROW(2, o_, _mm256_broadcast_ss(&sc[2][j]));			\
	T2_ROW(3, o_, _mm256_broadcast_ss(&sc[3][j]));			\
} while (0)

static inline float
t2_hsum(__m256 v)
{
	__m128	s = _mm_add_ps(_mm256_castps256_ps128(v),
	    _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return (_mm_cvtss_f32(s));
}

/* The scale product of the block at p with activation block b. */
static inline __m256
t2_scale1(const uint8_t *p, const struct kact *a, int64_t b)
{
	uint16_t	h;

	memcpy(&h, p, sizeof h);
	return (_mm256_set1_ps(_cvtsh_ss(h) * a->d[b]));
}

void
t2_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	const int64_t	 nb = cols / QK_T2, rb = nb * T2_BS;
	const __m256i	 ones = _mm256_set1_epi16(1);
	const __m256i	 ones8 = _mm256_set1_epi8(1);
	float		 sc[4][8] __attribute__((aligned(32)));
	int64_t		 b, r;

	assert(cols % QK_T2 == 0 && cols <= a->n);
	for (r = r0; r < r1; r += 4) {
		const uint8_t	*row0 = w + r * rb;
		const uint8_t	*row1 = w + (r + 1 < r1 ? r + 1 : r1 - 1) * rb;
		const uint8_t	*row2 = w + (r + 2 < r1 ? r + 2 : r1 - 1) * rb;
		const uint8_t	*row3 = w + (r + 3 < r1 ? r + 3 : r1 - 1) * rb;
		__m256		 acc0 = _mm256_setzero_ps(), acc1 = acc0;
		__m256		 acc2 = acc0, acc3 = acc0;

		for (b = 0; b + 8 <= nb; b += 8) {
			__m256	da = _mm256_loadu_ps(a->d + b);

			_mm256_store_ps(sc[0], _mm256_mul_ps(t2_scales8(row0 +
			    b * T2_BS), da));
			_mm256_store_ps(sc[1], _mm256_mul_ps(t2_scales8(row1 +
			    b * T2_BS), da));
			_mm256_store_ps(sc[2], _mm256_mul_ps(t2_scales8(row2 +
			    b * T2_BS), da));
			_mm256_store_ps(sc[3], _mm256_mul_ps(t2_scales8(row3 +
			    b * T2_BS), da));
			T2_STEP(0);
			T2_STEP(1);
			T2_STEP(2);
			T2_STEP(3);
			T2_STEP(4);
			T2_STEP(5);
			T2_STEP(6);
			T2_STEP(7);
		}
		for (; b < nb; b++) {
			__m256i	qv = _mm256_load_si256((const __m256i *)
			    (const void *)(a->q + b * QK_T2));
			__m256i	p1 = _mm256_maddubs_epi16(ones8, qv);
			int64_t	o = b * T2_BS;

			T2_ROW(0, o, t2_scale1(row0 + o, a, b));
			T2_ROW(1, o, t2_scale1(row1 + o, a, b));
			T2_ROW(2, o, t2_scale1(row2 + o, a, b));
			T2_ROW(3, o, t2_scale1(row3 + o, a, b));
		}
		y[r] = t2_hsum(acc0);
		if (r + 1 < r1)
			y[r + 1] = t2_hsum(acc1);
		if (r + 2 < r1)
			y[r + 2] = t2_hsum(acc2);
		if (r + 3 < r1)
			y[r + 3] = t2_hsum(acc3);
	}
}
