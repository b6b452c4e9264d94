/*
 * convert.c: AVX2/F16C twins of the 16-bit float row converters, used when
 * F16 and BF16 weights are widened to f32 (loading, reference variants).
 * Both conversions are exact, so the twins equal the references bit for
 * bit.
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

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(
		    (const __m128i *)(x + 2 * i))));
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
