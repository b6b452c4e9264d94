/*
 * q8_0.c: the AVX-512 VNNI twin of q8_0_matvec_ref.  vpdpbusd wants one
 * unsigned operand, so the weights are flipped to w + 128 (an xor) and
 * each int32 lane starts from -128 times the sum of its four activations,
 * which makes every lane the exact dot product of its four weights, -128
 * included.  One zmm covers a pair of blocks (lanes 0-7 and 8-15), and
 * its lanes are converted to float and multiplied by their block's
 * dw * da with one FMA, the per-lane scales coming from a 16-block vector
 * built once per row and group (the fp16 scales gathered with scalar
 * loads, converted by vcvtph2ps, times a->d) and spread by vpermps.
 * Eight rows share each activation load and its correction; every row
 * runs the same instruction sequence whatever its neighbours, so a
 * result never depends on the row split.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

#include "kern-impl.h"

#define Q8_ROWS		8
#define Q8_GROUP	16	/* blocks per scale vector */

/* The fp16 scales of n <= 16 blocks from p on (stride bytes apart, the
 * scale at offset 0 of each) as floats, zeros past n.  Scalar loads keep
 * this off the vector ports the dot products need: each 8-byte load of a
 * block (the scale in its low bytes) is shifted in from the top, so four
 * make one register (shrd). */
static inline __attribute__((always_inline)) __m512
q8_0_scales(const uint8_t *p, size_t stride, int n)
{
	uint64_t	u[4] = { 0, 0, 0, 0 }, v;
	int		k;

	/* a constant trip count keeps u[] in registers */
	#pragma GCC unroll 16
	for (k = 0; k < Q8_GROUP; k++) {
		v = 0;
		if (k < n)
			memcpy(&v, p + k * stride, 8);
		u[k >> 2] = u[k >> 2] >> 16 | v << 48;
	}
	return (_mm512_cvtph_ps(_mm256_setr_epi64x((long long)u[0],
	    (long long)u[1], (long long)u[2], (long long)u[3])));
}

/* Adds blocks [b0, b0 + n) (n <= 16) of rows [0, R) to acc; n and R are
 * constants after inlining, so the full groups unroll completely. */
static inline __attribute__((always_inline)) void
q8_0_group(const uint8_t *w, size_t rb, int64_t b0, int n,
    const struct kact *a, __m512 *acc, int R)
{
	const __m512i	 flip = _mm512_set1_epi8((char)0x80);
	__m512		 s[Q8_ROWS], da;
	__m512i		 idx;
	int		 r, j;

	da = _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), a->d + b0);
	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		s[r] = _mm512_mul_ps(q8_0_scales(w + r * rb + b0 *
		    sizeof(block_q8_0), sizeof(block_q8_0), n), da);
	idx = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
	#pragma GCC unroll 16
	for (j = 0; j < n; j += 2) {
		const int8_t	*q = a->q + (b0 + j) * QK_Q8_0;
		__m512i		 x, nc;

		if (j + 1 < n)
			x = _mm512_load_si512(q);
		else	/* a lone last block: the upper half stays 0 */
			x = _mm512_zextsi256_si512(
			    _mm256_load_si256((const __m256i *)q));
		nc = _mm512_sub_epi32(_mm512_setzero_si512(),
		    _mm512_dpbusd_epi32(_mm512_setzero_si512(), flip, x));
		#pragma GCC unroll 16
		for (r = 0; r < R; r++) {
			const uint8_t	*p = w + r * rb + (b0 + j) *
			    sizeof(block_q8_0) + 2;
			__m256i		 lo;
			__m512i		 v;

			lo = _mm256_loadu_si256((const __m256i *)p);
			if (j + 1 < n)
				v = _mm512_inserti64x4(_mm512_castsi256_si512(
				    lo), _mm256_loadu_si256((const __m256i *)
				    (p + sizeof(block_q8_0))), 1);
			else
				v = _mm512_zextsi256_si512(lo);
			v = _mm512_dpbusd_epi32(nc, _mm512_xor_si512(v, flip),
			    x);
			acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(v),
			    _mm512_permutexvar_ps(idx, s[r]), acc[r]);
		}
		idx = _mm512_add_epi32(idx, _mm512_set1_epi32(2));
	}
}

/* Rows [0, R) of w (rb bytes apart) into y[0..R); nb blocks a row. */
static inline __attribute__((always_inline)) void
q8_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int R)
{
	__m512	acc[Q8_ROWS];
	int64_t	b0;
	int	r;

	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc[r] = _mm512_setzero_ps();
	for (b0 = 0; b0 + Q8_GROUP <= nb; b0 += Q8_GROUP)
		q8_0_group(w, rb, b0, Q8_GROUP, a, acc, R);
	if (b0 < nb)
		q8_0_group(w, rb, b0, (int)(nb - b0), a, acc, R);
	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		y[r] = _mm512_reduce_add_ps(acc[r]);
}

void
q8_0_matvec_avx512(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_Q8_0, r = r0;
	size_t		 rb = (size_t)nb * sizeof(block_q8_0);

	assert(cols % QK_Q8_0 == 0 && cols <= a->n);
	for (; r + Q8_ROWS <= r1; r += Q8_ROWS)
		q8_0_rows(w + r * rb, rb, nb, a, y + r, Q8_ROWS);
	if (r + 4 <= r1) {
		q8_0_rows(w + r * rb, rb, nb, a, y + r, 4);
		r += 4;
	}
	for (; r < r1; r++)
		q8_0_rows(w + r * rb, rb, nb, a, y + r, 1);
}
