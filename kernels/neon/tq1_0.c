/*
 * tq1_0.c: NEON dotprod twin of the TQ1_0 matrix-vector product.  Trits
 * come out of the base-3 bytes as in the reference: a wrapping u8
 * multiply by 3^n brings trit n to the top, and (q * 3) >> 8, the high
 * bytes of a widening multiply, reads it.  Activation block n < 5 takes
 * trit n of qs[0..31]; blocks 5 and 6 take trits 0,1 and 2,3 of
 * qs[32..47]; block 7 takes trit 4 of qs[32..47] and the 16 trits of
 * qh[0..3] (the 4 bytes repeated four times, lane 4n + j multiplied by
 * 3^n, so lane order is weight order).  sdot takes the trits (0..2) as
 * signed bytes against the activations, and the offset of 1 comes off the
 * exact integer block sum as the activation block's sum.  Four rows go
 * together so each activation load feeds four rows; a tree of three
 * pairwise adds turns their four int32x4 partial sums into one vector
 * whose lane j is row j's sum for that activation block, so one convert
 * and one FMA with the four rows' scale products (fp16 scales widened by
 * fcvtl once per 256 weights, exact for subnormals, times the activation
 * block's scale) serve four rows, and lane j of a single f32x4
 * accumulator is row j's result: the reference's arithmetic, with a fused
 * multiply-add.  Blocks sit at any address (54 bytes apart), so weights
 * are loaded as bytes.  A row alone goes through the same lane
 * arithmetic, so results do not depend on how rows are split.
 */
#include "config.h"

#include "blocks.h"

#include <arm_neon.h>
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "kern-impl.h"
#include "rows.h"

#define TQ1_0_ROWS	4

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

/* acc plus activation block k (0..7) of the 256-weight blocks at p,
 * p + rb, ... (nr rows), activation block ab of a. */
static inline __attribute__((always_inline)) float32x4_t
tq1_0_step(float32x4_t acc, const uint8_t *p, size_t rb, int nr, int k,
    const struct kact *a, int64_t ab, float32x4_t dw)
{
	const int8_t	*q = a->q + ab * 32;
	int8x16_t	 a0 = vld1q_s8(q), a1 = vld1q_s8(q + 16), c[2];
	int32x4_t	 s[TQ1_0_ROWS], t;
	int		 j;

#pragma GCC unroll 8
	for (j = 0; j < nr; j++) {
		tq1_0_codes(p + (size_t)j * rb, k, c);
		s[j] = vdotq_s32(vdupq_n_s32(0), c[0], a0);
		s[j] = vdotq_s32(s[j], c[1], a1);
	}
	t = vsubq_s32(neon_reduce4(s, nr), vdupq_n_s32(a->sum[ab]));
	return (vfmaq_f32(acc, vcvtq_f32_s32(t), vmulq_n_f32(dw, a->d[ab])));
}

/* Rows r .. r+nr-1, nr 4 or 1 (a constant after inlining). */
static inline __attribute__((always_inline)) void
tq1_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int64_t r, int nr)
{
	float32x4_t	acc = vdupq_n_f32(0.0f);
	int64_t		b;
	int		j, k;

	for (b = 0; b < nb; b++) {
		const uint8_t	*p = w + (size_t)r * rb +
		    (size_t)b * sizeof(block_tq1_0);
		uint16x4_t	 hv = vdup_n_u16(0);
		float32x4_t	 dw;
		uint16_t	 h;

#pragma GCC unroll 8
		for (j = 0; j < nr; j++) {
			memcpy(&h, p + (size_t)j * rb +
			    offsetof(block_tq1_0, d), sizeof h);
			hv = neon_set_lane(hv, h, j);
		}
		dw = vcvt_f32_f16(vreinterpret_f16_u16(hv));
		/* not unrolled: five copies of four rows' unpacking would
		 * spill registers */
		for (k = 0; k < 5; k++)
			acc = tq1_0_step(acc, p, rb, nr, k, a, b * 8 + k, dw);
		acc = tq1_0_step(acc, p, rb, nr, 5, a, b * 8 + 5, dw);
		acc = tq1_0_step(acc, p, rb, nr, 6, a, b * 8 + 6, dw);
		acc = tq1_0_step(acc, p, rb, nr, 7, a, b * 8 + 7, dw);
	}
	if (nr == 1)
		y[r] = vgetq_lane_f32(acc, 0);
	else
		vst1q_f32(y + r, acc);
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
