/*
 * q8_0.c: AVX2 twin of the Q8_0 matrix-vector product, without VNNI.
 * Four rows go together, sharing each activation load.  vpmaddubsw
 * multiplies unsigned by signed bytes, so each block feeds it |w| (as
 * min(w, -w) unsigned, which keeps the work off the two multiply pipes)
 * and q carrying w's sign: a weight of -128 gives 128 as unsigned, and
 * activations are never -128, so no pair of products (at most 2 * 128 *
 * 127 = 32512) saturates its int16.  Every lane sums true products (no
 * offset), so the float error stays within that of the reference.
 * vpmaddwd with ones widens to int32, exact; the lanes are converted to
 * float and multiplied by the block's dw * da into one accumulator per
 * row.  Scale products are made eight blocks at a time (the halves, 34
 * bytes apart, inserted one by one, then vcvtph2ps) and wait on the
 * stack for broadcasts.  A call whose row count is not a multiple of four
 * repeats its last row in the missing slots and drops their results, so
 * a row's arithmetic, and its result bit for bit, never depends on which
 * rows share its call.  Up to seven trailing blocks take the same steps
 * one at a time.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"

#define Q8_0_BS	((int64_t)sizeof(block_q8_0))

/* The fp16 scales of the 8 blocks from p (34 bytes apart), as floats:
 * no 32-byte load holds two of them. */
static inline __m256
q8_0_scales8(const uint8_t *p)
{
	__m128i	v;
	int16_t	h;

	memcpy(&h, p, sizeof h);
	v = _mm_cvtsi32_si128((uint16_t)h);
#define Q8_0_INS(j)							\
	memcpy(&h, p + (j) * Q8_0_BS, sizeof h);			\
	v = _mm_insert_epi16(v, h, (j))
	Q8_0_INS(1);
	Q8_0_INS(2);
	Q8_0_INS(3);
	Q8_0_INS(4);
	Q8_0_INS(5);
	Q8_0_INS(6);
	Q8_0_INS(7);
#undef Q8_0_INS
	return (_mm256_cvtph_ps(v));
}

/* The int16 pairs of products of the block at blk with activations qv. */
static inline __m256i
q8_0_pairs(const uint8_t *blk, __m256i qv)
{
	__m256i	wv = _mm256_loadu_si256((const __m256i *)(const void *)
	    (blk + 2));
	__m256i	aw = _mm256_min_epu8(wv, _mm256_sub_epi8(_mm256_setzero_si256(),
	    wv));

	return (_mm256_maddubs_epi16(aw, _mm256_sign_epi8(qv, wv)));
}

/* Row k's block at byte offset off into its accumulator, s its scale. */
#define Q8_0_ROW(k, off, s) do {					\
	__m256i	p_ = q8_0_pairs(row##k + (off), qv);			\
									\
	acc##k = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(	\
	    p_, ones)), (s), acc##k);					\
} while (0)

/* Activation block b + j for the four rows. */
#define Q8_0_STEP(j) do {						\
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)	\
	    (a->q + (b + (j)) * QK_Q8_0));				\
	int64_t	o_ = (b + (j)) * Q8_0_BS;				\
									\
	Q8_0_ROW(0, o_, _mm256_broadcast_ss(&sc[0][j]));		\
	Q8_0_ROW(1, o_, _mm256_broadcast_ss(&sc[1][j]));		\
	Q8_0_ROW(2, o_, _mm256_broadcast_ss(&sc[2][j]));		\
	Q8_0_ROW(3, o_, _mm256_broadcast_ss(&sc[3][j]));		\
} while (0)

static inline float
q8_0_hsum(__m256 v)
{
	__m128	s = _mm_add_ps(_mm256_castps256_ps128(v),
	    _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return (_mm_cvtss_f32(s));
}

/* The scale product of the block at p with activation block b. */
static inline __m256
q8_0_scale1(const uint8_t *p, const struct kact *a, int64_t b)
{
	uint16_t	h;

	memcpy(&h, p, sizeof h);
	return (_mm256_set1_ps(_cvtsh_ss(h) * a->d[b]));
}

void
q8_0_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	const int64_t	 nb = cols / QK_Q8_0, rb = nb * Q8_0_BS;
	const __m256i	 ones = _mm256_set1_epi16(1);
	float		 sc[4][8] __attribute__((aligned(32)));
	int64_t		 b, r;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n);
	for (r = r0; r < r1; r += 4) {
		const uint8_t	*row0 = w + r * rb;
		const uint8_t	*row1 = w + (r + 1 < r1 ? r + 1 : r1 - 1) * rb;
		const uint8_t	*row2 = w + (r + 2 < r1 ? r + 2 : r1 - 1) * rb;
		const uint8_t	*row3 = w + (r + 3 < r1 ? r + 3 : r1 - 1) * rb;
		__m256		 acc0 = _mm256_setzero_ps(), acc1 = acc0;
		__m256		 acc2 = acc0, acc3 = acc0;

		for (b = 0; b + 8 <= nb; b += 8) {
			__m256	da = _mm256_loadu_ps(a->d + b);

			_mm256_store_ps(sc[0], _mm256_mul_ps(q8_0_scales8(row0 +
			    b * Q8_0_BS), da));
			_mm256_store_ps(sc[1], _mm256_mul_ps(q8_0_scales8(row1 +
			    b * Q8_0_BS), da));
			_mm256_store_ps(sc[2], _mm256_mul_ps(q8_0_scales8(row2 +
			    b * Q8_0_BS), da));
			_mm256_store_ps(sc[3], _mm256_mul_ps(q8_0_scales8(row3 +
			    b * Q8_0_BS), da));
			Q8_0_STEP(0);
			Q8_0_STEP(1);
			Q8_0_STEP(2);
			Q8_0_STEP(3);
			Q8_0_STEP(4);
			Q8_0_STEP(5);
			Q8_0_STEP(6);
			Q8_0_STEP(7);
		}
		for (; b < nb; b++) {
			__m256i	qv = _mm256_load_si256((const __m256i *)
			    (const void *)(a->q + b * QK_Q8_0));
			int64_t	o = b * Q8_0_BS;

			Q8_0_ROW(0, o, q8_0_scale1(row0 + o, a, b));
			Q8_0_ROW(1, o, q8_0_scale1(row1 + o, a, b));
			Q8_0_ROW(2, o, q8_0_scale1(row2 + o, a, b));
			Q8_0_ROW(3, o, q8_0_scale1(row3 + o, a, b));
		}
		y[r] = q8_0_hsum(acc0);
		if (r + 1 < r1)
			y[r + 1] = q8_0_hsum(acc1);
		if (r + 2 < r1)
			y[r + 2] = q8_0_hsum(acc2);
		if (r + 3 < r1)
			y[r + 3] = q8_0_hsum(acc3);
	}
}
