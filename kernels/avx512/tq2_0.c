/*
 * tq2_0.c: the AVX-512 VNNI twin of tq2_0_matvec_ref.  Each 16-byte
 * quarter of a block's codes is broadcast to all four 128-bit lanes
 * (vbroadcasti32x4 from memory, a plain load) and masked with 3 << 2l in
 * lane l, so lane l holds the codes of activation block 4h + l (h the half
 * of the block) times 4^l, with no shift; the two quarters of a half meet
 * activations rearranged to match (the first and second 16 values of each
 * activation block, once per block, shared by sixteen rows): all four
 * vpdpbusd products of a half land in the same lanes.  Codes are unsigned
 * (q = t + 1, and 3 is kept as +2, as the reference reads it), so each
 * lane starts from minus 4^l times the sum of its activations and ends as
 * 4^l times the exact sum of (q - 1) * a.  The two int32 vectors become
 * floats times their lanes' da, and the block's dw scales their sum into
 * a per-row accumulator; lanes keep their 4^l to the end, where one
 * multiply by 4^-l per row removes it (a power of two commutes with every
 * rounding on the way, short of overflow), before a reduction in a fixed
 * order: each row runs the same instructions whatever its neighbours, so
 * its result does not depend on the row split.  Sixteen rows read side by
 * side are sixteen strided streams that the hardware prefetchers follow
 * poorly from DRAM, so each row step also prefetches one line of the next
 * group of rows (the next 16 * row bytes), in address order.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <stddef.h>
#include <string.h>

#include "kern-impl.h"
#include "rows.h"

#define TQ2_ROWS	16

/* One block's activations: x[c] meets code quarter c (in 128-bit lane l,
 * values (c & 1) * 16.. of activation block (c >> 1) * 4 + l); nc the two
 * halves' corrections; da their lanes' activation scales. */
struct tq2_0_act {
	__m512i	x[4], nc[2];
	__m512	da[2];
};

static inline __attribute__((always_inline)) void
tq2_0_prepare(struct tq2_0_act *s, const struct kact *a, int64_t b)
{
	const int8_t	*q = a->q + b * QK_TQ2_0;
	/* 4^l, the weight of lane l's codes left in place */
	const __m512i	 pw = _mm512_set_epi32(0x40404040, 0x40404040,
	    0x40404040, 0x40404040, 0x10101010, 0x10101010, 0x10101010,
	    0x10101010, 0x04040404, 0x04040404, 0x04040404, 0x04040404,
	    0x01010101, 0x01010101, 0x01010101, 0x01010101);
	const __m512i	 four = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2,
	    1, 1, 1, 1, 0, 0, 0, 0);
	__m512i		 z[4], t;
	__m512		 d;
	int		 h;

	#pragma GCC unroll 16
	for (h = 0; h < 4; h++)
		z[h] = _mm512_load_si512(q + 64 * h);
	d = _mm512_castps256_ps512(_mm256_loadu_ps(a->d + b * 8));
	#pragma GCC unroll 16
	for (h = 0; h < 2; h++) {
		/* 128-bit lanes of z[2h]: 0L 0H 1L 1H; of z[2h+1]: 2L .. */
		s->x[2 * h] = _mm512_shuffle_i64x2(z[2 * h], z[2 * h + 1],
		    _MM_SHUFFLE(2, 0, 2, 0));
		s->x[2 * h + 1] = _mm512_shuffle_i64x2(z[2 * h],
		    z[2 * h + 1], _MM_SHUFFLE(3, 1, 3, 1));
		t = _mm512_dpbusd_epi32(_mm512_setzero_si512(), pw,
		    s->x[2 * h]);
		t = _mm512_dpbusd_epi32(t, pw, s->x[2 * h + 1]);
		s->nc[h] = _mm512_sub_epi32(_mm512_setzero_si512(), t);
		s->da[h] = _mm512_permutexvar_ps(_mm512_add_epi32(four,
		    _mm512_set1_epi32(4 * h)), d);
	}
}

/* One block of one row into acc. */
static inline __attribute__((always_inline)) __m512
tq2_0_step(const struct tq2_0_act *s, const uint8_t *p, __m512 acc)
{
	const __m512i	mask = _mm512_set_epi32(0xc0c0c0c0, 0xc0c0c0c0,
	    0xc0c0c0c0, 0xc0c0c0c0, 0x30303030, 0x30303030, 0x30303030,
	    0x30303030, 0x0c0c0c0c, 0x0c0c0c0c, 0x0c0c0c0c, 0x0c0c0c0c,
	    0x03030303, 0x03030303, 0x03030303, 0x03030303);
	__m512i		d[2], c;
	__m512		u;
	uint16_t	h;
	int		i;

	#pragma GCC unroll 16
	for (i = 0; i < 4; i++) {
		c = _mm512_broadcast_i32x4(_mm_loadu_si128(
		    (const __m128i *)(p + 16 * i)));
		c = _mm512_and_si512(c, mask);
		d[i >> 1] = _mm512_dpbusd_epi32(i & 1 ? d[i >> 1] :
		    s->nc[i >> 1], c, s->x[i]);
	}
	memcpy(&h, p + offsetof(block_tq2_0, d), 2);
	u = _mm512_mul_ps(_mm512_cvtepi32_ps(d[0]), s->da[0]);
	u = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d[1]), s->da[1], u);
	return (_mm512_fmadd_ps(u, _mm512_cvtph_ps(_mm256_set1_epi16(
	    (short)h)), acc));
}

/* Rows [0, R) of w (rb bytes apart) into y[0..R); nb blocks a row.  The
 * R * rb bytes at pf (the next group of rows, or these rows again when
 * there is none) are prefetched a line per row and block, in address
 * order. */
static inline __attribute__((always_inline)) void
tq2_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int R, const uint8_t *pf)
{
	/* 4^-l: lane l's codes were left 2l bits up */
	const __m512		 ipw = _mm512_set_ps(0x1p-6f, 0x1p-6f, 0x1p-6f,
	    0x1p-6f, 0x1p-4f, 0x1p-4f, 0x1p-4f, 0x1p-4f, 0x1p-2f, 0x1p-2f,
	    0x1p-2f, 0x1p-2f, 1.0f, 1.0f, 1.0f, 1.0f);
	struct tq2_0_act	 s;
	__m512			 acc[TQ2_ROWS];
	int64_t			 b;
	int			 r;

	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc[r] = _mm512_setzero_ps();
	for (b = 0; b < nb; b++) {
		tq2_0_prepare(&s, a, b);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++) {
			_mm_prefetch((const char *)pf + (b * R + r) *
			    (int64_t)sizeof(block_tq2_0), _MM_HINT_T0);
			acc[r] = tq2_0_step(&s, w + r * rb + b *
			    sizeof(block_tq2_0), acc[r]);
		}
	}
	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc[r] = _mm512_mul_ps(acc[r], ipw);
	avx512_sum8(acc, y, R > 8 ? 8 : R);
	if (R > 8)
		avx512_sum8(acc + 8, y + 8, R - 8);
}

void
tq2_0_matvec_avx512(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_TQ2_0, r = r0;
	size_t		 rb = (size_t)nb * sizeof(block_tq2_0);

	assert(cols % QK_TQ2_0 == 0 && cols <= a->n);
	for (; r + TQ2_ROWS <= r1; r += TQ2_ROWS)
		tq2_0_rows(w + r * rb, rb, nb, a, y + r, TQ2_ROWS,
		    w + (r + (r + 2 * TQ2_ROWS <= r1 ? TQ2_ROWS : 0)) * rb);
	if (TQ2_ROWS > 8 && r + 8 <= r1) {
		tq2_0_rows(w + r * rb, rb, nb, a, y + r, 8, w + r * rb);
		r += 8;
	}
	if (r + 4 <= r1) {
		tq2_0_rows(w + r * rb, rb, nb, a, y + r, 4, w + r * rb);
		r += 4;
	}
	for (; r < r1; r++)
		tq2_0_rows(w + r * rb, rb, nb, a, y + r, 1, w + r * rb);
}
