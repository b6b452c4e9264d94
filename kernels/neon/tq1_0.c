/*
 * tq1_0.c: NEON dotprod twin of the TQ1_0 matrix-vector product.  Trits
 * come out of the base-3 bytes as in the reference: a wrapping u8
 * multiply by 3^n brings trit n to the top, and (q * 3) >> 8, the high
 * bytes of a widening multiply, reads it.  Activation block n < 5 takes
 * trit n of qs[0..31]; blocks 5 and 6 take trits 0,1 and 2,3 of
 * qs[32..47]; block 7 takes trit 4 of qs[32..47] and the 16 trits of
 * qh[0..3] (the 4 bytes repeated four times, lane 4n + j multiplied by
 * 3^n, so lane order is weight order).  sdot takes the trits (0..2) as
 * signed bytes against the activations, and the offset of 1 is removed
 * exactly by starting the int32 accumulator at minus the per-lane sums of
 * the activations (two sdots shared by the four rows), so each lane holds
 * exactly its share of the signed sum.  Four rows go together so each
 * activation load feeds four rows; their fp16 scales convert once per 256
 * weights (fcvtl, exact for subnormals), and times each activation
 * block's scale give a scale vector whose lane j multiplies row j's int32
 * lanes (as f32, exact) into row j's f32x4 accumulator by one FMA, with
 * one horizontal sum per row at the end.  Blocks sit at any address (54
 * bytes apart), so weights are loaded as bytes.  A row's arithmetic is
 * the same in a group of four or alone, so results do not depend on how
 * rows are split.
 */
#include "config.h"

#include "blocks.h"

#include <arm_neon.h>
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "kern-impl.h"

#define TQ1_0_ROWS	4

/* acc + x * s[j]; j is a constant once inlined, as the lane must be. */
static inline __attribute__((always_inline)) float32x4_t
tq1_0_fma_lane(float32x4_t acc, float32x4_t x, float32x4_t s, int j)
{
	switch (j) {
	case 0:
		return (vfmaq_laneq_f32(acc, x, s, 0));
	case 1:
		return (vfmaq_laneq_f32(acc, x, s, 1));
	case 2:
		return (vfmaq_laneq_f32(acc, x, s, 2));
	default:
		return (vfmaq_laneq_f32(acc, x, s, 3));
	}
}

/* The top trit of every byte of q: (q * 3) >> 8. */
static inline __attribute__((always_inline)) int8x16_t
tq1_0_top(uint8x16_t q)
{
	uint8x16_t	three = vdupq_n_u8(3);
	uint16x8_t	lo = vmull_u8(vget_low_u8(q), vget_low_u8(three));
	uint16x8_t	hi = vmull_high_u8(q, three);

	return (vreinterpretq_s8_u8(vuzp2q_u8(vreinterpretq_u8_u16(lo),
	    vreinterpretq_u8_u16(hi))));
}

/* Trit n of every byte of v. */
static inline __attribute__((always_inline)) int8x16_t
tq1_0_trit(uint8x16_t v, int n)
{
	static const uint8_t	pow3[5] = { 1, 3, 9, 27, 81 };

	return (tq1_0_top(n == 0 ? v : vmulq_u8(v, vdupq_n_u8(pow3[n]))));
}

/* Trits of activation block k (0..7) of the block at p, weights 0..15 in
 * c[0] and 16..31 in c[1]. */
static inline __attribute__((always_inline)) void
tq1_0_codes(const uint8_t *p, int k, int8x16_t c[2])
{
	static const uint8_t	qhmul[16] = {
		1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 9, 9, 27, 27, 27, 27
	};
	uint8x16_t		u;
	uint32_t		qh;

	if (k < 5) {
		c[0] = tq1_0_trit(vld1q_u8(p), k);
		c[1] = tq1_0_trit(vld1q_u8(p + 16), k);
	} else if (k < 7) {
		u = vld1q_u8(p + 32);
		c[0] = tq1_0_trit(u, 2 * (k - 5));
		c[1] = tq1_0_trit(u, 2 * (k - 5) + 1);
	} else {
		c[0] = tq1_0_trit(vld1q_u8(p + 32), 4);
		memcpy(&qh, p + offsetof(block_tq1_0, qh), sizeof qh);
		c[1] = tq1_0_top(vmulq_u8(vreinterpretq_u8_u32(
		    vdupq_n_u32(qh)), vld1q_u8(qhmul)));
	}
}

/* Lane k: minus the sum of activation bytes 4k..4k+3 of both halves,
 * so that sdot of the unsigned codes on top of it leaves in each lane
 * exactly that lane's share of the signed sum.  Kept per lane, not in one
 * lane, so no lane holds a large offset that others cancel in f32. */
static inline __attribute__((always_inline)) int32x4_t
tq1_0_offset(int8x16_t a0, int8x16_t a1)
{
	int8x16_t	m = vdupq_n_s8(-1);

	return (vdotq_s32(vdotq_s32(vdupq_n_s32(0), m, a0), m, a1));
}

/* Rows r .. r+nr-1 (nr <= TQ1_0_ROWS, a constant after inlining). */
static inline __attribute__((always_inline)) void
tq1_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int64_t r, int nr)
{
	float32x4_t	acc[TQ1_0_ROWS];
	int64_t		b;
	int		j, k;

	for (j = 0; j < nr; j++)
		acc[j] = vdupq_n_f32(0.0f);
	for (b = 0; b < nb; b++) {
		const uint8_t	*p[TQ1_0_ROWS];
		uint16_t	 h[4] = { 0, 0, 0, 0 };
		float32x4_t	 dw;

		for (j = 0; j < nr; j++) {
			p[j] = w + (size_t)(r + j) * rb +
			    (size_t)b * sizeof(block_tq1_0);
			memcpy(&h[j], p[j] + offsetof(block_tq1_0, d),
			    sizeof h[j]);
		}
		dw = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(h)));
		for (k = 0; k < 8; k++) {
			int64_t		 ab = b * 8 + k;
			const int8_t	*q = a->q + ab * 32;
			int8x16_t	 a0 = vld1q_s8(q), a1 = vld1q_s8(q + 16);
			int32x4_t	 off = tq1_0_offset(a0, a1);
			float32x4_t	 sv = vmulq_n_f32(dw, a->d[ab]);

			for (j = 0; j < nr; j++) {
				int8x16_t	c[2];
				int32x4_t	s = off;

				tq1_0_codes(p[j], k, c);
				s = vdotq_s32(s, c[0], a0);
				s = vdotq_s32(s, c[1], a1);
				acc[j] = tq1_0_fma_lane(acc[j],
				    vcvtq_f32_s32(s), sv, j);
			}
		}
	}
	for (j = 0; j < nr; j++)
		y[r + j] = vaddvq_f32(acc[j]);
}

void
tq1_0_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t	nb = cols / QK_TQ1_0, r;
	size_t	rb = (size_t)nb * sizeof(block_tq1_0);

	assert(cols % QK_TQ1_0 == 0 && cols <= a->n);
	for (r = r0; r + TQ1_0_ROWS <= r1; r += TQ1_0_ROWS)
		tq1_0_rows(w, rb, nb, a, y, r, TQ1_0_ROWS);
	for (; r < r1; r++)
		tq1_0_rows(w, rb, nb, a, y, r, 1);
}
