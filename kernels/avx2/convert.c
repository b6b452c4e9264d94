/*
 * convert.c: AVX2/F16C twins of the 16-bit float row converters, used when
 * F16 and BF16 weights are widened to f32 (loading, reference variants).
 * Both conversions are exact, so the twins equal the references bit for
 * bit, but for one thing: vcvtph2ps quiets a signalling NaN (sets
 * mantissa bit 22) where the reference keeps the payload as it is, so
 * that bit is flipped back in those lanes.
 */
#include "config.h"

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "kern-impl.h"

void
f16_dequantize_avx2(const void *restrict vx, float *restrict y, int64_t n)
{
	const uint8_t	*x = vx;
	int64_t		 i = 0;

	for (; i + 8 <= n; i += 8) {
		__m128i	h = _mm_loadu_si128((const __m128i *)(x + 2 * i));
		/* 0x7c00 < |h| < 0x7e00: all-ones exponent, quiet bit 0,
		 * payload not 0 */
		__m128i	a = _mm_and_si128(h, _mm_set1_epi16(0x7fff));
		__m128i	s = _mm_and_si128(_mm_cmpgt_epi16(a,
		    _mm_set1_epi16(0x7c00)), _mm_cmplt_epi16(a,
		    _mm_set1_epi16(0x7e00)));
		__m256i	q = _mm256_slli_epi32(_mm256_cvtepu16_epi32(
		    _mm_and_si128(s, _mm_set1_epi16(0x40))), 16);

		_mm256_storeu_ps(y + i, _mm256_xor_ps(_mm256_cvtph_ps(h),
		    _mm256_castsi256_ps(q)));
	}
	if (i < n)
		f16_dequantize_ref(x + 2 * i, y + i, n - i);
}

void
bf16_dequantize_avx2(const void *restrict vx, float *restrict y, int64_t n)
{
	const uint8_t	*x = vx;
	int64_t		 i = 0;

	/* a bfloat16 is the top half of the f32 with the same bits */
	for (; i + 8 <= n; i += 8) {
		__m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(
		    (const __m128i *)(x + 2 * i)));

		_mm256_storeu_ps(y + i, _mm256_castsi256_ps(
		    _mm256_slli_epi32(h, 16)));
	}
	if (i < n)
		bf16_dequantize_ref(x + 2 * i, y + i, n - i);
}
