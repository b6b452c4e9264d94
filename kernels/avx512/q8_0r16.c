/*
 * q8_0r16.c: the AVX-512 VNNI twin of q8_0r16_matvec_ref.  A group's 16
 * rows live in the 16 int32 lanes of one register: each 64-byte chunk of
 * a block (4 weights of every row, stored as w + 128) meets one broadcast
 * activation dword in vpdpbusd, and after a block's 8 chunks every lane
 * holds its row's exact block sum once the chain that started from -128
 * times the activation block sum is added (the unsigned offset undone,
 * -128 weights included).  The 8 chunks run as two chains of 4 so
 * consecutive blocks overlap in the pipeline, and two groups go together
 * so each broadcast activation serves 32 rows (measured faster than one
 * group or three or four; software prefetch measured slower, in L2 and
 * in DRAM alike).  Then one convert, the 16
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

#define Q8R16_GROUPS	2	/* groups sharing each activation load */
#ifndef Q8R16_PF
#define Q8R16_PF	4096
#endif

/* The 16 rows of each of ng groups (gb bytes apart, nb blocks a row)
 * against the activations into acc[0..ng): the groups share each
 * broadcast activation dword. */
AVX512_INLINE void
q8r16_dot_groups(const uint8_t *g, size_t gb, int64_t nb,
    const struct kact *a, __m512 *acc, int ng)
{
	const uint8_t	*sc = g + (size_t)nb * Q8R16_QBYTES;

	#pragma GCC unroll 4
	for (int k = 0; k < ng; k++)
		acc[k] = _mm512_setzero_ps();
	for (int64_t b = 0; b < nb; b++) {
		const uint8_t	*q = g + (size_t)b * Q8R16_QBYTES;
		__m512i		 x[8], c0[4], c1[4];
		__m512		 da = _mm512_set1_ps(a->d[b]);
		int32_t		 xi[8];

		memcpy(xi, a->q + b * QK_Q8_0, sizeof xi);
		#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			x[j] = _mm512_set1_epi32(xi[j]);
		#pragma GCC unroll 4
		for (int k = 0; k < ng; k++) {
			const uint8_t *qk = q + k * gb;

			c0[k] = _mm512_set1_epi32(-128 * a->sum[b]);
			c1[k] = _mm512_setzero_si512();
			#pragma GCC unroll 8
			for (int j = 0; j < 8; j += 2) {
				c0[k] = _mm512_dpbusd_epi32(c0[k],
				    _mm512_loadu_si512(qk + j * Q8R16_CHUNK),
				    x[j]);
				c1[k] = _mm512_dpbusd_epi32(c1[k],
				    _mm512_loadu_si512(qk + (j + 1) *
				    Q8R16_CHUNK), x[j + 1]);
			}
		}
		#pragma GCC unroll 4
		for (int k = 0; k < ng; k++) {
			__m512	s = _mm512_mul_ps(_mm512_cvtph_ps(
			    _mm256_loadu_si256((const __m256i *)(sc + k * gb +
			    (size_t)b * 32))), da);

			acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(
			    _mm512_cvtepi32_ps(_mm512_add_epi32(c0[k], c1[k])),
			    s));
		}
	}
}

void
q8_0r16_matvec_avx512(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t		 nb = cols / QK_Q8_0;
	size_t		 gb = q8r16_group_bytes(nb);
	int		 ng = 1;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += ng * Q8R16_ROWS) {
		__m512	acc[Q8R16_GROUPS];
		int	k;

		ng = r1 - r >= Q8R16_GROUPS * Q8R16_ROWS ? Q8R16_GROUPS : 1;
		if (ng == Q8R16_GROUPS)
			q8r16_dot_groups(q8r16_group(w, r, nb), gb, nb, a, acc,
			    Q8R16_GROUPS);
		else
			q8r16_dot_groups(q8r16_group(w, r, nb), gb, nb, a, acc,
			    1);
		for (k = 0; k < ng; k++) {
			int64_t	r16 = r + k * Q8R16_ROWS;

			if (r1 - r16 >= Q8R16_ROWS)
				_mm512_storeu_ps(y + r16, acc[k]);
			else
				_mm512_mask_storeu_ps(y + r16,
				    (__mmask16)((1u << (r1 - r16)) - 1), acc[k]);
		}
	}
}
