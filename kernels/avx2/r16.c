/*
 * r16.c: the AVX2 twins of the 16-row interleaved layouts,
 * q8_0r16_matvec_ref, t2r16_matvec_ref and q4_0r16_matvec_ref (blocks.h
 * has the layouts), for one vector and for several.  A group's 16 rows
 * are two registers of 8 int32 lanes (the low and high 32 bytes of each
 * 64-byte chunk), each chunk multiplied by a broadcast activation dword
 * with maddubs (u8 x s8 into saturating int16 pairs).  q8_0r16's stored
 * w + 128 (up to 255) cannot go in as it is: the weight is flipped back
 * to w, its magnitude |w| (128 for -128, right read as u8) is the
 * unsigned operand and the activation takes w's sign (activations are
 * never -128, so that cannot overflow): a pair is at most 2 * 128 * 127 =
 * 32512, exact in int16, and madd with ones widens each chunk to int32.
 * t2r16's codes c = t + 1 (0..3, a shift and a mask from their byte) and
 * q4_0r16's c = w + 8 (0..15, a mask or a shift and a mask) go in as they
 * are: a pair is at most 2 * 3 * 127 = 762 or 2 * 15 * 127 = 3810, so a
 * block's 8 chunks add up in int16 (6096 or 30480 at most) before one
 * madd, and subtracting once or 8 times the activation block sum undoes
 * the offset.  The float steps are the row format's reference's in its
 * order, so results equal it bit for bit.
 * Several vectors (a prompt's tokens) take a group one half at a time:
 * each chunk is loaded and unpacked once and meets up to R16_VECS
 * vectors, whose lanes hold the same exact integers as one vector's would
 * and go through the same float steps, so each vector's result is the
 * one-vector kernel's bit for bit.  A group (16 rows, 13 KiB at 768
 * columns) stays in L1 while every vector passes over it.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

#include "kern-impl.h"

#define AVX2_INLINE	static inline __attribute__((always_inline))
#define R16_VECS	4	/* vectors sharing each unpacked chunk */

/* Half hi (rows 8..15 when 1) of block b's exact sums, int32 lanes, for
 * the nv vectors a[0..nv) into s[0..nv). */
AVX2_INLINE void
r16_sums(const uint8_t *q, const struct kact *a, int nv, int64_t b, int hi,
    int kind, __m256i *s)
{
	const __m256i	ones = _mm256_set1_epi16(1);
	const int8_t	*x[R16_VECS];

	#pragma GCC unroll 4
	for (int v = 0; v < nv; v++) {
		x[v] = a[v].q + b * QK_Q8_0;
		s[v] = _mm256_setzero_si256();
	}
	if (kind == KERN_R16_Q8) {
		#pragma GCC unroll 8
		for (int j = 0; j < 8; j++) {
			__m256i	w = _mm256_xor_si256(_mm256_loadu_si256(
				    (const __m256i *)(q + j * Q8R16_CHUNK +
				    32 * hi)), _mm256_set1_epi8((char)0x80));
			__m256i	aw = _mm256_abs_epi8(w);

			#pragma GCC unroll 4
			for (int v = 0; v < nv; v++) {
				int32_t	xj;

				memcpy(&xj, x[v] + 4 * j, sizeof xj);
				s[v] = _mm256_add_epi32(s[v], _mm256_madd_epi16(
				    _mm256_maddubs_epi16(aw, _mm256_sign_epi8(
				    _mm256_set1_epi32(xj), w)), ones));
			}
		}
		return;
	}
	if (kind == KERN_R16_Q4) {
		#pragma GCC unroll 4
		for (int c = 0; c < 4; c++) {
			__m256i	cv = _mm256_loadu_si256((const __m256i *)(q + 64 *
				    c + 32 * hi));
			__m256i	lo = _mm256_and_si256(cv, _mm256_set1_epi8(15));
			__m256i	hn = _mm256_and_si256(_mm256_srli_epi16(cv, 4),
				    _mm256_set1_epi8(15));

			#pragma GCC unroll 4
			for (int v = 0; v < nv; v++) {
				int32_t	x0, x1;

				memcpy(&x0, x[v] + 8 * c, sizeof x0);
				memcpy(&x1, x[v] + 8 * c + 4, sizeof x1);
				s[v] = _mm256_add_epi16(s[v], _mm256_add_epi16(
				    _mm256_maddubs_epi16(lo,
				    _mm256_set1_epi32(x0)),
				    _mm256_maddubs_epi16(hn,
				    _mm256_set1_epi32(x1))));
			}
		}
		#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
			s[v] = _mm256_sub_epi32(_mm256_madd_epi16(s[v], ones),
			    _mm256_set1_epi32(8 * a[v].sum[b]));
		return;
	}
	#pragma GCC unroll 2
	for (int h = 0; h < 2; h++) {
		__m256i	c = _mm256_loadu_si256((const __m256i *)(q + 64 * h +
			    32 * hi));

		#pragma GCC unroll 4
		for (int l = 0; l < 4; l++) {
			__m256i	u = _mm256_and_si256(_mm256_srli_epi16(c, 2 * l),
				    _mm256_set1_epi8(3));

			#pragma GCC unroll 4
			for (int v = 0; v < nv; v++) {
				int32_t	xj;

				memcpy(&xj, x[v] + 4 * (4 * h + l), sizeof xj);
				s[v] = _mm256_add_epi16(s[v],
				    _mm256_maddubs_epi16(u, _mm256_set1_epi32(xj)));
			}
		}
	}
	#pragma GCC unroll 4
	for (int v = 0; v < nv; v++)
		s[v] = _mm256_sub_epi32(_mm256_madd_epi16(s[v], ones),
		    _mm256_set1_epi32(a[v].sum[b]));
}

/* Half hi of the 16 rows of group g (nb blocks of qb code bytes, scales
 * after them) against vectors a[0..nv): out[v * ld + 8 hi ..] */
AVX2_INLINE void
r16_half(const uint8_t *g, int64_t nb, size_t qb, const struct kact *a,
    int nv, int hi, int kind, float *out, int64_t ld)
{
	const uint8_t	*sc = g + (size_t)nb * qb;
	__m256		 acc[R16_VECS];

	#pragma GCC unroll 4
	for (int v = 0; v < nv; v++)
		acc[v] = _mm256_setzero_ps();
	for (int64_t b = 0; b < nb; b++) {
		__m256i	s[R16_VECS];
		__m256	ws = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)
			    (sc + (size_t)b * 32 + 16 * hi)));

		r16_sums(g + (size_t)b * qb, a, nv, b, hi, kind, s);
		#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
			acc[v] = _mm256_add_ps(acc[v], _mm256_mul_ps(
			    _mm256_cvtepi32_ps(s[v]), _mm256_mul_ps(ws,
			    _mm256_set1_ps(a[v].d[b]))));
	}
	#pragma GCC unroll 4
	for (int v = 0; v < nv; v++)
		_mm256_storeu_ps(out + v * ld + 8 * hi, acc[v]);
}

/* Rows [r0, r1) of a matrix in either layout (bb its row format's block
 * bytes, qb a block's code bytes) against n_vec vectors, vector v's at
 * y + v * ldy. */
AVX2_INLINE void
r16_matmat(const void *restrict w, int64_t cols, const struct kact *a,
    int n_vec, float *restrict y, int64_t ldy, int64_t r0, int64_t r1,
    size_t bb, size_t qb, int kind)
{
	int64_t	nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += Q8R16_ROWS) {
		const uint8_t	*g = r16_group(w, r, nb, bb);
		size_t		 n = (size_t)(r1 - r < Q8R16_ROWS ? r1 - r :
				    Q8R16_ROWS);

		for (int v0 = 0; v0 < n_vec; v0 += R16_VECS) {
			float	 tmp[R16_VECS * Q8R16_ROWS];
			int	 nv = n_vec - v0 < R16_VECS ? n_vec - v0 :
				    R16_VECS;
			/* a whole group straight into y, a last partial
			 * one through tmp */
			float	*out = n == Q8R16_ROWS ? y + v0 * ldy + r : tmp;
			int64_t	 ld = n == Q8R16_ROWS ? ldy : Q8R16_ROWS;

			for (int hi = 0; hi < 2; hi++)
				switch (nv) {
				case 4:
					r16_half(g, nb, qb, a + v0, 4, hi, kind,
					    out, ld);
					break;
				case 3:
					r16_half(g, nb, qb, a + v0, 3, hi, kind,
					    out, ld);
					break;
				case 2:
					r16_half(g, nb, qb, a + v0, 2, hi, kind,
					    out, ld);
					break;
				default:
					r16_half(g, nb, qb, a + v0, 1, hi, kind,
					    out, ld);
				}
			for (int v = 0; out == tmp && v < nv; v++)
				for (size_t i = 0; i < n; i++)
					y[(v0 + v) * ldy + r + (int64_t)i] =
					    tmp[v * Q8R16_ROWS + i];
		}
	}
}

/* One vector: the several-vector kernel's arithmetic for n_vec = 1. */
AVX2_INLINE void
r16_matvec(const void *restrict w, int64_t cols, const struct kact *a,
    float *restrict y, int64_t r0, int64_t r1, size_t bb, size_t qb, int kind)
{
	r16_matmat(w, cols, a, 1, y, 0, r0, r1, bb, qb, kind);
}

KERN_R16_MATVECS(avx2)
KERN_R16_MATMAT(q8_0r16_matmat_avx2, KERN_R16_Q8)
KERN_R16_MATMAT(t2r16_matmat_avx2, KERN_R16_T2)
KERN_R16_MATVEC(q4_0r16_matvec_avx2, KERN_R16_Q4)
KERN_R16_MATMAT(q4_0r16_matmat_avx2, KERN_R16_Q4)
