/*
 * t2.c: the AVX-512 VNNI twin of t2_matvec_ref, for T2 and T2M alike
 * (they share the layout).  A row is read eight blocks (80 bytes) at a
 * time with one zmm and one xmm load; vpermt2w (every block starts at an
 * even offset) gathers the eight 8-byte code fields into one register and
 * spreads each block's fp16 scale over that block's two int32 lanes.  The
 * four 2-bit fields of each byte become four code vectors by shifts and
 * masks; in all four, qword k belongs to block k, so all their vpdpbusd
 * products land in the same lanes and one int32 vector carries the
 * group.  The codes are unsigned (c = t + 1, and 3 is kept as +2, as the
 * reference reads it), so each lane starts from minus the sum of its
 * activations, and holds the exact sum of (c - 1) * q over its weights.
 * The activations are rearranged to match once per group, shared by
 * twelve rows.  Lanes become floats times their block's dw * da, one FMA
 * per group and row into a per-row accumulator, reduced at the end in a
 * fixed order: each row runs the same instructions whatever its
 * neighbours, so its result does not depend on the row split.  A partial
 * last group uses masked loads, which read nothing past the row or the
 * activations.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>

#include "kern-impl.h"
#include "rows.h"

#define T2_ROWS		12
#define T2_GROUP	8			/* blocks per step */
#define T2_BB		((int)sizeof(block_t2))	/* 10 */

/* Word indices into a group (words 0..39): the code fields of blocks
 * 0..7 in order, and each block's scale twice (its two lanes). */
static const uint16_t t2_iq[32] __attribute__((aligned(64))) = {
	1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19,
	21, 22, 23, 24, 26, 27, 28, 29, 31, 32, 33, 34, 36, 37, 38, 39
};
static const uint16_t t2_id[32] __attribute__((aligned(64))) = {
	0, 0, 5, 5, 10, 10, 15, 15, 20, 20, 25, 25, 30, 30, 35, 35
};

/* One group's activations, rearranged: x[l] holds, in qword k, the
 * activations of weights 8l..8l+7 of block k; nc the lanes' corrections;
 * da each lane's activation scale. */
struct t2_act {
	__m512i	x[4], nc;
	__m512	da;
};

/* The activations of blocks [b, b + n), n <= 8. */
static inline __attribute__((always_inline)) void
t2_prepare(struct t2_act *s, const struct kact *a, int64_t b, int n)
{
	const int8_t	*q = a->q + b * QK_T2;
	const __m512i	 ones = _mm512_set1_epi8(1);
	__m512i		 z[4], u, v, t;
	int		 i, l;

	if (n == T2_GROUP) {
		#pragma GCC unroll 16
		for (i = 0; i < 4; i++)
			z[i] = _mm512_load_si512(q + 64 * i);
	} else {
		#pragma GCC unroll 16
		for (i = 0; i < 4; i++)
			z[i] = _mm512_maskz_loadu_epi8(avx512_mask((int64_t)n *
			    QK_T2 - 64 * i), q + 64 * i);
	}
	/* qword l of block k sits at qword 4k + l: a stride-4 gather */
	#pragma GCC unroll 16
	for (l = 0; l < 4; l++) {
		const __m512i	sel = _mm512_add_epi64(
		    _mm512_set_epi64(12, 8, 4, 0, 12, 8, 4, 0),
		    _mm512_set1_epi64(l));

		u = _mm512_permutex2var_epi64(z[0], sel, z[1]);
		v = _mm512_permutex2var_epi64(z[2], sel, z[3]);
		s->x[l] = _mm512_mask_blend_epi64(0xf0, u, v);
	}
	t = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, s->x[0]);
	t = _mm512_dpbusd_epi32(t, ones, s->x[1]);
	t = _mm512_dpbusd_epi32(t, ones, s->x[2]);
	t = _mm512_dpbusd_epi32(t, ones, s->x[3]);
	s->nc = _mm512_sub_epi32(_mm512_setzero_si512(), t);
	s->da = _mm512_permutexvar_ps(
	    _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0),
	    _mm512_castps256_ps512(_mm256_maskz_loadu_ps(
	    (__mmask8)((1u << n) - 1), a->d + b)));
}

/* One group of one row from its 80 bytes (l0: 0..63, l1: 64..79). */
static inline __attribute__((always_inline)) __m512
t2_step(const struct t2_act *s, __m512i l0, __m512i l1, __m512 acc)
{
	const __m512i	three = _mm512_set1_epi8(3);
	__m512i		x, h, d0, d1;
	__m512		sc;

	x = _mm512_permutex2var_epi16(l0, _mm512_load_si512(t2_iq), l1);
	h = _mm512_permutex2var_epi16(l0, _mm512_load_si512(t2_id), l1);
	sc = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(h)), s->da);
	/* two chains, so the four vpdpbusd need not wait on each other */
	d0 = _mm512_dpbusd_epi32(s->nc, _mm512_and_si512(x, three), s->x[0]);
	d1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(),
	    _mm512_and_si512(_mm512_srli_epi16(x, 2), three), s->x[1]);
	d0 = _mm512_dpbusd_epi32(d0,
	    _mm512_and_si512(_mm512_srli_epi16(x, 4), three), s->x[2]);
	d1 = _mm512_dpbusd_epi32(d1,
	    _mm512_and_si512(_mm512_srli_epi16(x, 6), three), s->x[3]);
	return (_mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(d0, d1)),
	    sc, acc));
}

/* Rows [0, R) of w (rb bytes apart) into y[0..R); nb blocks a row. */
static inline __attribute__((always_inline)) void
t2_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int R)
{
	struct t2_act	 s;
	__m512		 acc[T2_ROWS];
	int64_t		 b;
	int		 r, n;

	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc[r] = _mm512_setzero_ps();
	for (b = 0; b + T2_GROUP <= nb; b += T2_GROUP) {
		const uint8_t	*p = w + b * T2_BB;

		t2_prepare(&s, a, b, T2_GROUP);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++)
			acc[r] = t2_step(&s, _mm512_loadu_si512(p + r * rb),
			    _mm512_castsi128_si512(_mm_loadu_si128(
			    (const __m128i *)(p + r * rb + 64))), acc[r]);
	}
	if (b < nb) {	/* a partial group: nothing read past the row */
		const uint8_t	*p = w + b * T2_BB;
		__mmask64	 k0, k1;

		n = (int)(nb - b);
		k0 = avx512_mask((int64_t)n * T2_BB);
		k1 = avx512_mask((int64_t)n * T2_BB - 64);
		t2_prepare(&s, a, b, n);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++)
			acc[r] = t2_step(&s, _mm512_maskz_loadu_epi8(k0,
			    p + r * rb), _mm512_maskz_loadu_epi8(k1,
			    p + r * rb + 64), acc[r]);
	}
	avx512_sum8(acc, y, R > 8 ? 8 : R);
	if (R > 8)
		avx512_sum8(acc + 8, y + 8, R - 8);
}

void
t2_matvec_avx512(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_T2, r = r0;
	size_t		 rb = (size_t)nb * sizeof(block_t2);

	assert(cols % QK_T2 == 0 && cols <= a->n);
	for (; r + T2_ROWS <= r1; r += T2_ROWS)
		t2_rows(w + r * rb, rb, nb, a, y + r, T2_ROWS);
	if (T2_ROWS > 8 && r + 8 <= r1) {
		t2_rows(w + r * rb, rb, nb, a, y + r, 8);
		r += 8;
	}
	if (r + 4 <= r1) {
		t2_rows(w + r * rb, rb, nb, a, y + r, 4);
		r += 4;
	}
	for (; r < r1; r++)
		t2_rows(w + r * rb, rb, nb, a, y + r, 1);
}
