/*
 * q8_0r16.c: the AVX2 twin of q8_0r16_matvec_ref.  A group's 16 rows are
 * two registers of 8 int32 lanes (the low and high 32 bytes of each
 * 64-byte chunk).  maddubs multiplies u8 by s8 into saturating int16
 * pairs, so the stored w + 128 (up to 255) cannot go in as it is: the
 * weight is flipped back to w, its magnitude |w| (128 for -128, which is
 * right read as u8) is the unsigned operand and the activation takes w's
 * sign (activations are never -128, so that cannot overflow): a pair is
 * at most 2 * 128 * 127 = 32512, exact in int16.  madd with ones widens
 * each dword's two pairs to its row's int32 partial sum.  The float steps
 * are q8_0_matvec_ref's in its order, so results equal it bit for bit.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

#include "kern-impl.h"

#define AVX2_INLINE	static inline __attribute__((always_inline))

/* One 32-byte half chunk (8 rows' 4 weights) against 4 activations. */
AVX2_INLINE __m256i
q8r16_dot(__m256i acc, const uint8_t *p, __m256i x)
{
	__m256i	w = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p),
		    _mm256_set1_epi8((char)0x80));

	return (_mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(
	    _mm256_abs_epi8(w), _mm256_sign_epi8(x, w)),
	    _mm256_set1_epi16(1))));
}

void
q8_0r16_matvec_avx2(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t		 nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += Q8R16_ROWS) {
		const uint8_t	*g = q8r16_group(w, r, nb);
		const uint8_t	*sc = g + (size_t)nb * Q8R16_QBYTES;
		__m256		 acc0 = _mm256_setzero_ps();
		__m256		 acc1 = _mm256_setzero_ps();
		float		 out[Q8R16_ROWS];

		for (int64_t b = 0; b < nb; b++) {
			const uint8_t	*q = g + (size_t)b * Q8R16_QBYTES;
			__m256i		 s0 = _mm256_setzero_si256();
			__m256i		 s1 = _mm256_setzero_si256();
			__m256		 da = _mm256_set1_ps(a->d[b]);
			int32_t		 x[8];

			memcpy(x, a->q + b * QK_Q8_0, sizeof x);
			#pragma GCC unroll 8
			for (int j = 0; j < 8; j++) {
				__m256i	xj = _mm256_set1_epi32(x[j]);

				s0 = q8r16_dot(s0, q + j * Q8R16_CHUNK, xj);
				s1 = q8r16_dot(s1, q + j * Q8R16_CHUNK + 32, xj);
			}
			acc0 = _mm256_add_ps(acc0, _mm256_mul_ps(
			    _mm256_cvtepi32_ps(s0), _mm256_mul_ps(
			    _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(
			    sc + (size_t)b * 32))), da)));
			acc1 = _mm256_add_ps(acc1, _mm256_mul_ps(
			    _mm256_cvtepi32_ps(s1), _mm256_mul_ps(
			    _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(
			    sc + (size_t)b * 32 + 16))), da)));
		}
		if (r1 - r >= Q8R16_ROWS) {
			_mm256_storeu_ps(y + r, acc0);
			_mm256_storeu_ps(y + r + 8, acc1);
		} else {
			_mm256_storeu_ps(out, acc0);
			_mm256_storeu_ps(out + 8, acc1);
			memcpy(y + r, out, (size_t)(r1 - r) * sizeof(float));
		}
	}
}
