/*
 * q8_0r16.c: the AVX-512 VNNI twin of q8_0r16_matvec_ref.  A group's 16
 * rows live in the 16 int32 lanes of one register: each 64-byte chunk of
 * a block (4 weights of every row, stored as w + 128) meets one broadcast
 * activation dword in vpdpbusd, and after a block's 8 chunks every lane
 * holds its row's exact block sum once the chain that started from -128
 * times the activation block sum is added (the unsigned offset undone,
 * -128 weights included).  The 8 chunks run as two chains of 4 so
 * consecutive blocks overlap in the pipeline.  Then one convert, the 16
 * fp16 scales widened and multiplied by the activation scale, one
 * multiply and one add: q8_0_matvec_ref's arithmetic in its order, so
 * every row's result is the reference's bit for bit, whatever rows share
 * the call.  No horizontal reductions and no cache-line splits (a chunk
 * is 64 bytes at a multiple of 64 from the group's start); a last
 * partial group is computed whole and stored under a mask.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

#include "kern-impl.h"
#include "rows.h"

/* The 16 rows of group g (nb blocks) against the activations. */
AVX512_INLINE __m512
q8r16_dot_group(const uint8_t *g, int64_t nb, const struct kact *a)
{
	const uint8_t	*sc = g + (size_t)nb * Q8R16_QBYTES;
	__m512		 acc = _mm512_setzero_ps();

	#pragma GCC unroll 2
	for (int64_t b = 0; b < nb; b++) {
		const uint8_t	*q = g + (size_t)b * Q8R16_QBYTES;
		int32_t		 x[8];
		__m512i		 c0, c1;
		__m512		 s;

		memcpy(x, a->q + b * QK_Q8_0, sizeof x);
		c0 = _mm512_set1_epi32(-128 * a->sum[b]);
		c1 = _mm512_setzero_si512();
		#pragma GCC unroll 8
		for (int j = 0; j < 8; j += 2) {
			c0 = _mm512_dpbusd_epi32(c0, _mm512_loadu_si512(q +
			    j * Q8R16_CHUNK), _mm512_set1_epi32(x[j]));
			c1 = _mm512_dpbusd_epi32(c1, _mm512_loadu_si512(q +
			    (j + 1) * Q8R16_CHUNK), _mm512_set1_epi32(x[j + 1]));
		}
		s = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256(
		    (const __m256i *)(sc + (size_t)b * 32))),
		    _mm512_set1_ps(a->d[b]));
		acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_cvtepi32_ps(
		    _mm512_add_epi32(c0, c1)), s));
	}
	return (acc);
}

void
q8_0r16_matvec_avx512(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t		 nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += Q8R16_ROWS) {
		__m512	acc = q8r16_dot_group(q8r16_group(w, r, nb), nb, a);

		if (r1 - r >= Q8R16_ROWS)
			_mm512_storeu_ps(y + r, acc);
		else
			_mm512_mask_storeu_ps(y + r,
			    (__mmask16)((1u << (r1 - r)) - 1), acc);
	}
}
