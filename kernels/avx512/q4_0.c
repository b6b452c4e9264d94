/*
 * q4_0.c: the AVX-512 VNNI twin of q4_0_matvec_ref.  A row is read four
 * blocks (72 bytes) at a time with one zmm and one 8-byte load; vpermt2w
 * (every block starts at an even offset) gathers the four 16-byte nibble
 * fields into one register, one block per 128-bit lane, and vpermw
 * spreads each block's fp16 scale over that block's four int32 lanes.
 * Low and high nibbles (weights i and i + 16) come out by a shift and
 * masks and meet activations rearranged to match (the first and second
 * halves of each block, once per group, shared by eight rows), so both
 * vpdpbusd products land in the block's own lanes.  Nibbles are
 * unsigned, so each lane starts from -8 times the sum of its activations
 * and ends as the exact sum of (nibble - 8) * q over its weights.  Lanes
 * become floats times their block's dw * da, one FMA per group and row
 * into a per-row accumulator reduced at the end in a fixed order: each
 * row runs the same instructions whatever its neighbours, so its result
 * does not depend on the row split.  A partial last group uses masked
 * loads, which read nothing past the row or the activations.  Eight rows
 * at once are too many streams for the hardware prefetchers once the
 * matrix is in DRAM (12.7 GB/s against AVX2's 17 with four), so each row
 * prefetches 1 KiB ahead of its reads (17+ GB/s; no cost in L2; a
 * prefetch past the matrix is only a hint and never faults).
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>

#include "kern-impl.h"
#include "rows.h"

#define Q4_ROWS		8
#define Q4_GROUP	4			/* blocks per step */
#define Q4_BB		((int)sizeof(block_q4_0))	/* 18 */
#define Q4_PREFETCH	1024			/* bytes ahead in each row */

/* Word indices into a group (words 0..35): the nibble fields of blocks
 * 0..3 in order, and each block's scale four times (its four lanes). */
static const uint16_t q4_0_iq[32] __attribute__((aligned(64))) = {
	1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17,
	19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31, 32, 33, 34, 35
};
static const uint16_t q4_0_id[32] __attribute__((aligned(64))) = {
	0, 0, 0, 0, 9, 9, 9, 9, 18, 18, 18, 18, 27, 27, 27, 27
};

/* One group's activations: lo (hi) holds in 128-bit lane k the first
 * (second) 16 activations of block k; nc the lanes' corrections; da each
 * lane's activation scale. */
struct q4_0_act {
	__m512i	lo, hi, nc;
	__m512	da;
};

/* The activations of blocks [b, b + n), n <= 4. */
static inline __attribute__((always_inline)) void
q4_0_prepare(struct q4_0_act *s, const struct kact *a, int64_t b, int n)
{
	const int8_t	*q = a->q + b * QK_Q4_0;
	const __m512i	 eights = _mm512_set1_epi8(8);
	__m512i		 z0, z1, t;

	if (n == Q4_GROUP) {
		z0 = _mm512_load_si512(q);
		z1 = _mm512_load_si512(q + 64);
	} else {
		z0 = _mm512_maskz_loadu_epi8(avx512_mask((int64_t)n * QK_Q4_0),
		    q);
		z1 = _mm512_maskz_loadu_epi8(avx512_mask((int64_t)n * QK_Q4_0 -
		    64), q + 64);
	}
	/* 128-bit lanes of z0: 0L 0H 1L 1H; of z1: 2L 2H 3L 3H */
	s->lo = _mm512_shuffle_i64x2(z0, z1, _MM_SHUFFLE(2, 0, 2, 0));
	s->hi = _mm512_shuffle_i64x2(z0, z1, _MM_SHUFFLE(3, 1, 3, 1));
	t = _mm512_dpbusd_epi32(_mm512_setzero_si512(), eights, s->lo);
	t = _mm512_dpbusd_epi32(t, eights, s->hi);
	s->nc = _mm512_sub_epi32(_mm512_setzero_si512(), t);
	s->da = _mm512_permutexvar_ps(
	    _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0),
	    _mm512_castps128_ps512(_mm_maskz_loadu_ps(
	    (__mmask8)((1u << n) - 1), a->d + b)));
}

/* One group of one row unpacked: its low and high nibbles, each block's
 * in its own 128-bit lane, and each lane's block scale. */
struct q4_0_wgt {
	__m512i	lo, hi;
	__m512	dw;
};

/* The group in a row's 72 bytes (l0: 0..63, l1: 64..71). */
static inline __attribute__((always_inline)) struct q4_0_wgt
q4_0_unpack(__m512i l0, __m512i l1)
{
	const __m512i	m4 = _mm512_set1_epi8(0x0f);
	struct q4_0_wgt	g;
	__m512i		x, h;

	x = _mm512_permutex2var_epi16(l0, _mm512_load_si512(q4_0_iq), l1);
	h = _mm512_permutexvar_epi16(_mm512_load_si512(q4_0_id), l0);
	g.dw = _mm512_cvtph_ps(_mm512_castsi512_si256(h));
	g.lo = _mm512_and_si512(x, m4);
	g.hi = _mm512_and_si512(_mm512_srli_epi16(x, 4), m4);
	return (g);
}

/* acc plus an unpacked group times one vector's prepared group. */
static inline __attribute__((always_inline)) __m512
q4_0_meet(const struct q4_0_act *s, const struct q4_0_wgt *g, __m512 acc)
{
	__m512i	d = _mm512_dpbusd_epi32(s->nc, g->lo, s->lo);

	d = _mm512_dpbusd_epi32(d, g->hi, s->hi);
	return (_mm512_fmadd_ps(_mm512_cvtepi32_ps(d),
	    _mm512_mul_ps(g->dw, s->da), acc));
}

/* One group of one row from its 72 bytes (l0: 0..63, l1: 64..71). */
static inline __attribute__((always_inline)) __m512
q4_0_step(const struct q4_0_act *s, __m512i l0, __m512i l1, __m512 acc)
{
	struct q4_0_wgt	g = q4_0_unpack(l0, l1);

	return (q4_0_meet(s, &g, acc));
}

/* Rows [0, R) of w (rb bytes apart) into y[0..R); nb blocks a row. */
static inline __attribute__((always_inline)) void
q4_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int R)
{
	struct q4_0_act	 s;
	__m512		 acc[Q4_ROWS];
	int64_t		 b;
	int		 r, n;

	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc[r] = _mm512_setzero_ps();
	for (b = 0; b + Q4_GROUP <= nb; b += Q4_GROUP) {
		const uint8_t	*p = w + b * Q4_BB;

		q4_0_prepare(&s, a, b, Q4_GROUP);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++) {
			_mm_prefetch((const char *)(p + r * rb) + Q4_PREFETCH,
			    _MM_HINT_T0);
			acc[r] = q4_0_step(&s, _mm512_loadu_si512(p + r * rb),
			    _mm512_castsi128_si512(_mm_loadl_epi64(
			    (const __m128i *)(p + r * rb + 64))), acc[r]);
		}
	}
	if (b < nb) {	/* a partial group: nothing read past the row */
		const uint8_t	*p = w + b * Q4_BB;
		__mmask64	 k0;

		n = (int)(nb - b);
		k0 = avx512_mask((int64_t)n * Q4_BB);
		q4_0_prepare(&s, a, b, n);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++)
			acc[r] = q4_0_step(&s, _mm512_maskz_loadu_epi8(k0,
			    p + r * rb), _mm512_setzero_si512(), acc[r]);
	}
	avx512_sum8(acc, y, R > 8 ? 8 : R);
	if (R > 8)
		avx512_sum8(acc + 8, y + 8, R - 8);
}

void
q4_0_matvec_avx512(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_Q4_0, r = r0;
	size_t		 rb = (size_t)nb * sizeof(block_q4_0);

	assert(cols % QK_Q4_0 == 0 && cols <= a->n);
	for (; r + Q4_ROWS <= r1; r += Q4_ROWS)
		q4_0_rows(w + r * rb, rb, nb, a, y + r, Q4_ROWS);
	if (Q4_ROWS > 8 && r + 8 <= r1) {
		q4_0_rows(w + r * rb, rb, nb, a, y + r, 8);
		r += 8;
	}
	if (r + 4 <= r1) {
		q4_0_rows(w + r * rb, rb, nb, a, y + r, 4);
		r += 4;
	}
	for (; r < r1; r++)
		q4_0_rows(w + r * rb, rb, nb, a, y + r, 1);
}

/* Several vectors: their activations are prepared once per call (up to
 * Q4_VECS at a time, for every group of the row), then each group of
 * each row is unpacked once and meets every vector's prepared group
 * through q4_0_step's own pieces, so each result is the one-vector
 * kernel's bit for bit. */
#define Q4_VECS		4
#define Q4_MROWS	4
#define Q4_MAX_GROUPS	64	/* prepared on the stack: 64 KiB */

/* Rows [0, R) against nv vectors whose groups are s[v * ng + g]. */
static inline __attribute__((always_inline)) void
q4_0_rows_prepared(const uint8_t *w, size_t rb, int64_t nb,
    const struct q4_0_act *s, int64_t ng, int nv, float *y, int64_t ldy,
    int R)
{
	__m512		 acc[Q4_VECS][Q4_MROWS];

	#pragma GCC unroll 8
	for (int v = 0; v < nv; v++)
		for (int r = 0; r < R; r++)
			acc[v][r] = _mm512_setzero_ps();
	for (int64_t g = 0; g < ng; g++) {
		int64_t		 b = g * Q4_GROUP;
		int		 n = nb - b < Q4_GROUP ? (int)(nb - b) : Q4_GROUP;
		const uint8_t	*p = w + b * Q4_BB;

		#pragma GCC unroll 4
		for (int r = 0; r < R; r++) {
			__m512i		l0, l1;
			struct q4_0_wgt	gw;

			if (n == Q4_GROUP) {
				l0 = _mm512_loadu_si512(p + r * rb);
				l1 = _mm512_castsi128_si512(_mm_loadl_epi64(
				    (const __m128i *)(p + r * rb + 64)));
			} else {
				l0 = _mm512_maskz_loadu_epi8(avx512_mask(
				    (int64_t)n * Q4_BB), p + r * rb);
				l1 = _mm512_setzero_si512();
			}
			gw = q4_0_unpack(l0, l1);
			#pragma GCC unroll 4
			for (int v = 0; v < nv; v++)
				acc[v][r] = q4_0_meet(&s[v * ng + g], &gw,
				    acc[v][r]);
		}
	}
	for (int v = 0; v < nv; v++)
		avx512_sum8(acc[v], y + v * ldy, R);
}

/* Rows [r0, r1) against nv (constant where inlined) prepared vectors. */
static inline __attribute__((always_inline)) void
q4_0_prepared(const uint8_t *w, size_t rb, int64_t nb,
    const struct q4_0_act *s, int64_t ng, int nv, float *y, int64_t ldy,
    int64_t r0, int64_t r1)
{
	int64_t	r = r0;

	for (; r + Q4_MROWS <= r1; r += Q4_MROWS)
		q4_0_rows_prepared(w + r * rb, rb, nb, s, ng, nv, y + r, ldy,
		    Q4_MROWS);
	for (; r < r1; r++)
		q4_0_rows_prepared(w + r * rb, rb, nb, s, ng, nv, y + r, ldy,
		    1);
}

void
q4_0_matmat_avx512(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, int n_vec, float *restrict y, int64_t ldy,
    int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_Q4_0, ng = (nb + Q4_GROUP - 1) / Q4_GROUP;
	size_t		 rb = (size_t)nb * sizeof(block_q4_0);
	struct q4_0_act	 s[Q4_VECS * Q4_MAX_GROUPS];

	assert(cols % QK_Q4_0 == 0);
	for (int v0 = 0; v0 < n_vec; v0 += Q4_VECS) {
		int	nv = n_vec - v0 < Q4_VECS ? n_vec - v0 : Q4_VECS;

		if (ng > Q4_MAX_GROUPS) {	/* too wide to prepare */
			for (int v = v0; v < v0 + nv; v++)
				q4_0_matvec_avx512(vw, cols, &a[v], y + v * ldy,
				    r0, r1);
			continue;
		}
		for (int v = 0; v < nv; v++)
			for (int64_t g = 0; g < ng; g++)
				q4_0_prepare(&s[v * ng + g], &a[v0 + v],
				    g * Q4_GROUP, nb - g * Q4_GROUP < Q4_GROUP ?
				    (int)(nb - g * Q4_GROUP) : Q4_GROUP);
		/* constant vector counts, so the loops unroll */
		if (nv == 4)
			q4_0_prepared(w, rb, nb, s, ng, 4, y + v0 * ldy, ldy,
			    r0, r1);
		else if (nv == 3)
			q4_0_prepared(w, rb, nb, s, ng, 3, y + v0 * ldy, ldy,
			    r0, r1);
		else if (nv == 2)
			q4_0_prepared(w, rb, nb, s, ng, 2, y + v0 * ldy, ldy,
			    r0, r1);
		else
			q4_0_prepared(w, rb, nb, s, ng, 1, y + v0 * ldy, ldy,
			    r0, r1);
	}
}
