/*
 * q8_0.c: the AVX-512 VNNI twin of q8_0_matvec_ref.  A row is read a pair
 * of blocks (68 bytes) at a time with one zmm and one 4-byte load, so the
 * fp16 scales come with the weights and need no loads of their own (34
 * bytes apart, no two share a small load): vpermt2w (every block starts
 * at an even offset) gathers the two 32-byte weight fields into one
 * register; both loads stay in registers for the scale gather too (an
 * empty asm keeps the compiler from loading them again: they straddle
 * cache lines and cost more than the shuffle).  vpdpbusd wants one
 * unsigned operand: the weights are flipped to w + 128 (an xor) and each
 * int32 lane starts from -128 times the sum of its four activations,
 * which makes every lane the exact dot product of its four weights, -128
 * included.  Two pairs go together: in-lane 64-bit unpacks and an add
 * fold their lanes to four per block (exact, and cheaper here than
 * cross-lane shuffles), each 128-bit lane holding two of block 0 (1) and
 * two of block 2 (3) in its low (high) half of the register; another
 * vpermt2w spreads the four scales to match, and one
 * vcvtph2ps, one multiply by da and one FMA put the four blocks into a
 * per-row float accumulator, reduced at the end by a fixed tree.  Twelve
 * rows share each activation load and its correction (measured faster
 * than eight or sixteen; DRAM needs no prefetch); each row runs the
 * same instructions whatever its neighbours, so its result does not
 * depend on the row split.  A last pair goes alone, and a last lone block
 * uses masked loads, which read nothing past the row or the activations.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

#include "kern-impl.h"
#include "rows.h"

#define Q8_ROWS		12
#define Q8_BB		((int)sizeof(block_q8_0))	/* 34 */

/* Word indices into a pair of blocks (words 0..33): the weight fields,
 * and each block's scale eight times (its eight lanes). */
static const uint16_t q8_0_iq[32] __attribute__((aligned(64))) = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33
};
static const uint16_t q8_0_id[32] __attribute__((aligned(64))) = {
	0, 0, 0, 0, 0, 0, 0, 0, 17, 17, 17, 17, 17, 17, 17, 17
};

/* Word indices into two pairs (words 0..31 of the first pair's zmm,
 * 32..63 of the second's): each block's scale where the unpack fold of
 * q8_0_step4 leaves its four lanes (blocks 0 2 0 2 1 3 1 3, two each). */
static const uint16_t q8_0_id4[32] __attribute__((aligned(64))) = {
	0, 0, 32, 32, 0, 0, 32, 32, 17, 17, 49, 49, 17, 17, 49, 49
};

/* A pair's activations, their lanes' corrections (-128 times the sum of
 * each lane's four activations) and their lanes' da. */
struct q8_0_act {
	__m512i	x, nc;
	__m512	da;
};

static inline __attribute__((always_inline)) void
q8_0_prepare(struct q8_0_act *s, const struct kact *a, int64_t b, int n)
{
	const int8_t	*q = a->q + b * QK_Q8_0;

	if (n == 2)
		s->x = _mm512_load_si512(q);
	else	/* a lone last block: nothing read past the activations */
		s->x = _mm512_zextsi256_si512(
		    _mm256_load_si256((const __m256i *)q));
	s->nc = _mm512_sub_epi32(_mm512_setzero_si512(),
	    _mm512_dpbusd_epi32(_mm512_setzero_si512(),
	    _mm512_set1_epi8((char)0x80), s->x));
	s->da = _mm512_mask_blend_ps(0xff00, _mm512_set1_ps(a->d[b]),
	    _mm512_set1_ps(n == 2 ? a->d[b + 1] : 0.0f));
}

/* A lone pair of blocks of one row from its 68 bytes (l0: 0..63, l1:
 * the rest in its low 4 bytes). */
static inline __attribute__((always_inline)) __m512
q8_0_step(const struct q8_0_act *s, __m512i l0, __m512i l1, __m512 acc)
{
	__m512i	x, h, d;
	__m512	sc;

	x = _mm512_permutex2var_epi16(l0, _mm512_load_si512(q8_0_iq), l1);
	h = _mm512_permutexvar_epi16(_mm512_load_si512(q8_0_id), l0);
	sc = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(h)), s->da);
	d = _mm512_dpbusd_epi32(s->nc, _mm512_xor_si512(x,
	    _mm512_set1_epi8((char)0x80)), s->x);
	return (_mm512_fmadd_ps(_mm512_cvtepi32_ps(d), sc, acc));
}

/* Two pairs of blocks of one row, from p; da4 the four blocks' da. */
static inline __attribute__((always_inline)) __m512
q8_0_step4(const struct q8_0_act *s0, const struct q8_0_act *s1,
    __m128 da4, const uint8_t *p, __m512 acc)
{
	const __m512i	flip = _mm512_set1_epi8((char)0x80);
	__m512i		l0, l1, x0, x1, d0, d1, h;
	int32_t		t0, t1;
	__m512		sc;

	memcpy(&t0, p + 64, 4);
	memcpy(&t1, p + 2 * Q8_BB + 64, 4);
	l0 = _mm512_loadu_si512(p);
	l1 = _mm512_loadu_si512(p + 2 * Q8_BB);
	__asm__("" : "+v"(l0), "+v"(l1));	/* no second, split load */
	x0 = _mm512_permutex2var_epi16(l0, _mm512_load_si512(q8_0_iq),
	    _mm512_castsi128_si512(_mm_cvtsi32_si128(t0)));
	x1 = _mm512_permutex2var_epi16(l1, _mm512_load_si512(q8_0_iq),
	    _mm512_castsi128_si512(_mm_cvtsi32_si128(t1)));
	h = _mm512_permutex2var_epi16(l0, _mm512_load_si512(q8_0_id4), l1);
	sc = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(h)),
	    _mm512_permutexvar_ps(_mm512_set_epi32(3, 3, 1, 1, 3, 3, 1, 1, 2,
	    2, 0, 0, 2, 2, 0, 0), _mm512_castps128_ps512(da4)));
	d0 = _mm512_dpbusd_epi32(s0->nc, _mm512_xor_si512(x0, flip), s0->x);
	d1 = _mm512_dpbusd_epi32(s1->nc, _mm512_xor_si512(x1, flip), s1->x);
	/* lanes 0-7 and 8-15 of a pair: fold each block to four lanes */
	d0 = _mm512_add_epi32(_mm512_unpacklo_epi64(d0, d1),
	    _mm512_unpackhi_epi64(d0, d1));
	return (_mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), sc, acc));
}

/* Rows [0, R) of w (rb bytes apart) into y[0..R); nb blocks a row. */
static inline __attribute__((always_inline)) void
q8_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int R)
{
	struct q8_0_act	 s;
	__m512		 acc[Q8_ROWS];
	int64_t		 b;
	int		 r;

	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc[r] = _mm512_setzero_ps();
	for (b = 0; b + 4 <= nb; b += 4) {
		struct q8_0_act	s1;
		__m128		da4 = _mm_loadu_ps(a->d + b);

		q8_0_prepare(&s, a, b, 2);
		q8_0_prepare(&s1, a, b + 2, 2);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++)
			acc[r] = q8_0_step4(&s, &s1, da4, w + r * rb + b * Q8_BB,
			    acc[r]);
	}
	for (; b + 2 <= nb; b += 2) {
		const uint8_t	*p = w + b * Q8_BB;

		q8_0_prepare(&s, a, b, 2);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++) {
			int32_t	tail;

			memcpy(&tail, p + r * rb + 64, 4);
			acc[r] = q8_0_step(&s, _mm512_loadu_si512(p + r * rb),
			    _mm512_castsi128_si512(_mm_cvtsi32_si128(tail)),
			    acc[r]);
		}
	}
	if (b < nb) {
		const uint8_t	*p = w + b * Q8_BB;

		q8_0_prepare(&s, a, b, 1);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++)
			acc[r] = q8_0_step(&s, _mm512_maskz_loadu_epi8(
			    ((__mmask64)1 << Q8_BB) - 1, p + r * rb),
			    _mm512_setzero_si512(), acc[r]);
	}
	avx512_sum8(acc, y, R > 8 ? 8 : R);
	if (R > 8)
		avx512_sum8(acc + 8, y + 8, R - 8);
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
	if (Q8_ROWS > 8 && r + 8 <= r1) {
		q8_0_rows(w + r * rb, rb, nb, a, y + r, 8);
		r += 8;
	}
	if (r + 4 <= r1) {
		q8_0_rows(w + r * rb, rb, nb, a, y + r, 4);
		r += 4;
	}
	for (; r < r1; r++)
		q8_0_rows(w + r * rb, rb, nb, a, y + r, 1);
}
