/*
 * r16.h: the AVX-512 VNNI kernels of the 16-row interleaved layouts, as a
 * template r16.c (plain AVX-512) and r16-gfni.c (with GFNI, R16_GFNI 1)
 * both instantiate; blocks.h has the layouts.  A group's 16 rows live in
 * the 16 int32 lanes of one register: each 64-byte chunk of a block (4
 * weights of every row as unsigned bytes) meets one broadcast activation
 * dword in vpdpbusd, and after a block's 8 chunks every lane holds its
 * row's exact block sum, the chain having started from minus the offset
 * times the activation block sum: q8_0r16 stores w + 128 (-128 included),
 * one aligned load a chunk; t2r16 stores the codes c = t + 1 four to a
 * byte, so one load gives four chunks, each a mask (codes 0) or a shift
 * and a mask, or with GFNI one vgf2p8affineqb (measured ~15% faster:
 * t2r16 L2 79-85 -> 93-95 G MAC/s).  The 8 chunks run as two chains of 4
 * so consecutive blocks overlap in the pipeline, and groups go together
 * so each broadcast activation serves several: two for q8_0r16 (memory
 * bound: one, three or four measured slower), four for t2r16 (more
 * arithmetic per byte: ~100-107 vs ~90-98 G MAC/s with two); software
 * prefetch measured slower, in L2 and in DRAM alike.  Then one convert,
 * the 16 fp16 scales widened and multiplied by the activation scale, one
 * multiply and one add: the row format's reference arithmetic in its
 * order, so every row's result is the reference's bit for bit, whatever
 * rows share the call.  No horizontal reductions and no cache-line
 * splits (chunks sit at multiples of 64 from the group's start); a last
 * partial group is computed whole and stored under a mask.
 */
#ifndef QCMP_AVX512_R16_H
#define QCMP_AVX512_R16_H

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

#include "kern-impl.h"
#include "rows.h"

#define R16_GROUPS	4	/* at most, groups sharing each activation */

/* Codes l (bits 2l, 2l + 1) of each byte of v, as bytes 0..3. */
AVX512_INLINE __m512i
r16_codes(__m512i v, int l, __m512i m3)
{
	if (l == 0)
		return (_mm512_and_si512(v, m3));
#if R16_GFNI
	/* row i of the bit matrix (byte 7 - i) picks input bit 2l + i */
	return (_mm512_gf2p8affine_epi64_epi8(v, _mm512_set1_epi64(
	    (long long)((uint64_t)(1u << 2 * l) << 56 |
	    (uint64_t)(2u << 2 * l) << 48)), 0));
#else
	return (_mm512_and_si512(_mm512_srli_epi16(v, 2 * l), m3));
#endif
}

/* A block's 8 chunks at q as unsigned bytes: loaded (q8_0r16), or two
 * loads decoded four chunks each (t2r16). */
AVX512_INLINE void
r16_chunks(const uint8_t *q, __m512i *u, __m512i m3, int t2)
{
	__m512i	v[2];

	if (t2) {
		v[0] = _mm512_loadu_si512(q);
		v[1] = _mm512_loadu_si512(q + 64);
	}
	#pragma GCC unroll 8
	for (int j = 0; j < 8; j++)
		u[j] = !t2 ? _mm512_loadu_si512(q + j * Q8R16_CHUNK) :
		    r16_codes(v[j / 4], j % 4, m3);
}

/* The 16 rows of each of ng groups (gb bytes apart, nb blocks a row)
 * against the activations into acc[0..ng); t2 picks the layout. */
AVX512_INLINE void
r16_dot_groups(const uint8_t *g, size_t gb, size_t qb, int64_t nb,
    const struct kact *a, __m512 *acc, int ng, int t2)
{
	const uint8_t	*sc = g + (size_t)nb * qb;
	const __m512i	 m3 = _mm512_set1_epi8(3);

	#pragma GCC unroll 4
	for (int k = 0; k < ng; k++)
		acc[k] = _mm512_setzero_ps();
	for (int64_t b = 0; b < nb; b++) {
		const uint8_t	*q = g + (size_t)b * qb;
		__m512i		 x[8], c0[R16_GROUPS], c1[R16_GROUPS];
		__m512		 da = _mm512_set1_ps(a->d[b]);
		int32_t		 xi[8];

		memcpy(xi, a->q + b * QK_Q8_0, sizeof xi);
		#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			x[j] = _mm512_set1_epi32(xi[j]);
		#pragma GCC unroll 4
		for (int k = 0; k < ng; k++) {
			__m512i		 u[8];

			r16_chunks(q + k * gb, u, m3, t2);
			c0[k] = _mm512_set1_epi32((t2 ? -1 : -128) * a->sum[b]);
			c1[k] = _mm512_setzero_si512();
			#pragma GCC unroll 8
			for (int j = 0; j < 8; j += 2) {
				c0[k] = _mm512_dpbusd_epi32(c0[k], u[j], x[j]);
				c1[k] = _mm512_dpbusd_epi32(c1[k], u[j + 1],
				    x[j + 1]);
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

/* Rows [r0, r1) of a matrix in either layout (bb its row format's block
 * bytes, qb a block's code bytes). */
AVX512_INLINE void
r16_matvec(const void *restrict w, int64_t cols, const struct kact *a,
    float *restrict y, int64_t r0, int64_t r1, size_t bb, size_t qb, int t2)
{
	int64_t	nb = cols / QK_Q8_0;
	size_t	gb = r16_group_bytes(nb, bb);
	int	ng = 1, gmax = t2 ? 4 : 2;	/* measured best for each */

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += ng * Q8R16_ROWS) {
		const uint8_t	*g = r16_group(w, r, nb, bb);
		__m512		 acc[R16_GROUPS];

		ng = r1 - r >= gmax * Q8R16_ROWS ? gmax : 1;
		if (ng == 4)
			r16_dot_groups(g, gb, qb, nb, a, acc, 4, t2);
		else if (ng == 2)
			r16_dot_groups(g, gb, qb, nb, a, acc, 2, t2);
		else
			r16_dot_groups(g, gb, qb, nb, a, acc, 1, t2);
		for (int k = 0; k < ng; k++) {
			int64_t	rk = r + k * Q8R16_ROWS;

			if (r1 - rk >= Q8R16_ROWS)
				_mm512_storeu_ps(y + rk, acc[k]);
			else
				_mm512_mask_storeu_ps(y + rk,
				    (__mmask16)((1u << (r1 - rk)) - 1), acc[k]);
		}
	}
}

/* Several vectors (a prompt's tokens) against the same rows: each block's
 * chunks are loaded (and for t2r16 decoded) once and meet up to R16_VECS
 * vectors' broadcast activations, each vector in a chain pair of its own,
 * so the weights' cost is shared.  Every vector's arithmetic is
 * r16_dot_groups' in its order: bit for bit kern_matvec's result. */
#define R16_VECS	4

/* One group's 16 rows against vectors a[0..nv) into acc[0..nv). */
AVX512_INLINE void
r16_dot_vecs(const uint8_t *g, size_t qb, int64_t nb, const struct kact *a,
    __m512 *acc, int nv, int t2)
{
	const uint8_t	*sc = g + (size_t)nb * qb;
	const __m512i	 m3 = _mm512_set1_epi8(3);

	#pragma GCC unroll 4
	for (int k = 0; k < nv; k++)
		acc[k] = _mm512_setzero_ps();
	for (int64_t b = 0; b < nb; b++) {
		const uint8_t	*q = g + (size_t)b * qb;
		__m512i		 u[8], c0[R16_VECS], c1[R16_VECS];
		__m512		 sw = _mm512_cvtph_ps(_mm256_loadu_si256(
				    (const __m256i *)(sc + (size_t)b * 32)));

		r16_chunks(q, u, m3, t2);
		#pragma GCC unroll 4
		for (int k = 0; k < nv; k++) {
			int32_t		 xk[8];

			memcpy(xk, a[k].q + b * QK_Q8_0, sizeof xk);
			c0[k] = _mm512_set1_epi32((t2 ? -1 : -128) *
			    a[k].sum[b]);
			c1[k] = _mm512_setzero_si512();
			#pragma GCC unroll 8
			for (int j = 0; j < 8; j += 2) {
				c0[k] = _mm512_dpbusd_epi32(c0[k], u[j],
				    _mm512_set1_epi32(xk[j]));
				c1[k] = _mm512_dpbusd_epi32(c1[k], u[j + 1],
				    _mm512_set1_epi32(xk[j + 1]));
			}
		}
		#pragma GCC unroll 4
		for (int k = 0; k < nv; k++)
			acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(
			    _mm512_cvtepi32_ps(_mm512_add_epi32(c0[k], c1[k])),
			    _mm512_mul_ps(sw, _mm512_set1_ps(a[k].d[b]))));
	}
}

/* Rows [r0, r1) against vectors a[0..n_vec), vector k's into y + k * ldy:
 * a group at a time, its weights read by every vector while in cache. */
AVX512_INLINE void
r16_matmat(const void *restrict w, int64_t cols, const struct kact *a,
    int n_vec, float *restrict y, int64_t ldy, int64_t r0, int64_t r1,
    size_t bb, size_t qb, int t2)
{
	int64_t	nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += Q8R16_ROWS) {
		const uint8_t	*g = r16_group(w, r, nb, bb);
		__mmask16	 m = r1 - r >= Q8R16_ROWS ? 0xffff :
				    (__mmask16)((1u << (r1 - r)) - 1);

		for (int v0 = 0; v0 < n_vec; v0 += R16_VECS) {
			__m512	acc[R16_VECS];
			int	nv = n_vec - v0 < R16_VECS ? n_vec - v0 :
				    R16_VECS;

			if (nv == 4)
				r16_dot_vecs(g, qb, nb, a + v0, acc, 4, t2);
			else if (nv == 3)
				r16_dot_vecs(g, qb, nb, a + v0, acc, 3, t2);
			else if (nv == 2)
				r16_dot_vecs(g, qb, nb, a + v0, acc, 2, t2);
			else
				r16_dot_vecs(g, qb, nb, a + v0, acc, 1, t2);
			for (int k = 0; k < nv; k++)
				_mm512_mask_storeu_ps(y + (v0 + k) * ldy + r,
				    m, acc[k]);
		}
	}
}

#endif
