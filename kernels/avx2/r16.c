/*
 * r16.c: the AVX2 twins of the 16-row interleaved layouts,
 * q8_0r16_matvec_ref and t2r16_matvec_ref (blocks.h has both layouts).
 * A group's 16 rows are two registers of 8 int32 lanes (the low and high
 * 32 bytes of each 64-byte chunk), each chunk multiplied by a broadcast
 * activation dword with maddubs (u8 x s8 into saturating int16 pairs).
 * q8_0r16's stored w + 128 (up to 255) cannot go in as it is: the weight
 * is flipped back to w, its magnitude |w| (128 for -128, right read as
 * u8) is the unsigned operand and the activation takes w's sign
 * (activations are never -128, so that cannot overflow): a pair is at
 * most 2 * 128 * 127 = 32512, exact in int16, and madd with ones widens
 * each chunk to int32.  t2r16's codes c = t + 1 (0..3, a shift and a mask
 * from their byte) go in as they are: a pair is at most 2 * 3 * 127 = 762,
 * so a block's 8 chunks add up in int16 (6096 at most) before one madd,
 * and subtracting the activation block sum undoes the + 1.  The float
 * steps are the row format's reference's in its order, so results equal
 * it bit for bit.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

#include "kern-impl.h"

#define AVX2_INLINE	static inline __attribute__((always_inline))

/* One 32-byte half chunk of q8_0r16 (8 rows' 4 weights) against 4
 * activations, added to acc's int32 lanes. */
AVX2_INLINE __m256i
r16_q8_dot(__m256i acc, const uint8_t *p, __m256i x)
{
	__m256i	w = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p),
		    _mm256_set1_epi8((char)0x80));

	return (_mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(
	    _mm256_abs_epi8(w), _mm256_sign_epi8(x, w)),
	    _mm256_set1_epi16(1))));
}

/* Half hi (rows 8..15 when 1) of a block's exact sums, int32 lanes. */
AVX2_INLINE __m256i
r16_block(const uint8_t *q, const int32_t *x, const struct kact *a,
    int64_t b, int hi, int t2)
{
	const __m256i	m3 = _mm256_set1_epi8(3);
	__m256i		s = _mm256_setzero_si256();

	if (!t2) {
		#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			s = r16_q8_dot(s, q + j * Q8R16_CHUNK + 32 * hi,
			    _mm256_set1_epi32(x[j]));
		return (s);
	}
	#pragma GCC unroll 2
	for (int h = 0; h < 2; h++) {
		__m256i	v = _mm256_loadu_si256((const __m256i *)(q + 64 * h +
			    32 * hi));

		#pragma GCC unroll 4
		for (int l = 0; l < 4; l++)
			s = _mm256_add_epi16(s, _mm256_maddubs_epi16(
			    _mm256_and_si256(_mm256_srli_epi16(v, 2 * l), m3),
			    _mm256_set1_epi32(x[4 * h + l])));
	}
	return (_mm256_sub_epi32(_mm256_madd_epi16(s, _mm256_set1_epi16(1)),
	    _mm256_set1_epi32(a->sum[b])));
}

/* Rows [r0, r1) of a matrix in either layout (bb its row format's block
 * bytes, qb a block's quant bytes). */
AVX2_INLINE void
r16_matvec(const void *restrict w, int64_t cols, const struct kact *a,
    float *restrict y, int64_t r0, int64_t r1, size_t bb, size_t qb, int t2)
{
	int64_t	nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += Q8R16_ROWS) {
		const uint8_t	*g = r16_group(w, r, nb, bb);
		const uint8_t	*sc = g + (size_t)nb * qb;
		__m256		 acc0 = _mm256_setzero_ps();
		__m256		 acc1 = _mm256_setzero_ps();
		float		 out[Q8R16_ROWS];

		for (int64_t b = 0; b < nb; b++) {
			const uint8_t	*q = g + (size_t)b * qb;
			__m256		 da = _mm256_set1_ps(a->d[b]);
			int32_t		 x[8];

			memcpy(x, a->q + b * QK_Q8_0, sizeof x);
			acc0 = _mm256_add_ps(acc0, _mm256_mul_ps(
			    _mm256_cvtepi32_ps(r16_block(q, x, a, b, 0, t2)),
			    _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128(
			    (const __m128i *)(sc + (size_t)b * 32))), da)));
			acc1 = _mm256_add_ps(acc1, _mm256_mul_ps(
			    _mm256_cvtepi32_ps(r16_block(q, x, a, b, 1, t2)),
			    _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128(
			    (const __m128i *)(sc + (size_t)b * 32 + 16))), da)));
		}
		_mm256_storeu_ps(out, acc0);
		_mm256_storeu_ps(out + 8, acc1);
		memcpy(y + r, out, (size_t)(r1 - r < Q8R16_ROWS ? r1 - r :
		    Q8R16_ROWS) * sizeof(float));
	}
}

KERN_R16_MATVECS(avx2)
