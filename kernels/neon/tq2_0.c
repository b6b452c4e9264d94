/*
 * tq2_0.c: NEON dotprod twin of the TQ2_0 matrix-vector product.  Each
 * 32-byte half of a 256-weight block, shifted by 2l and masked, gives the
 * 2-bit codes of the 32 weights of activation block l of that half, in
 * order; sdot takes the codes (0..3) as signed bytes against the
 * activations, and the offset of 1 comes off the exact integer block sum
 * as the activation block's sum, so code 3 counts +2 as in the reference.
 * Four rows go together so each activation load feeds four rows; a tree
 * of three pairwise adds turns their four int32x4 partial sums into one
 * vector whose lane j is row j's sum for that activation block, so one
 * convert and one FMA with the four rows' scale products (fp16 scales
 * widened by fcvtl once per 256 weights, exact for subnormals, times the
 * activation block's scale) serve four rows, and lane j of a single f32x4
 * accumulator is row j's result: the reference's arithmetic, with a fused
 * multiply-add.  Blocks sit at any address (66 bytes apart), so weights
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

#define TQ2_0_ROWS	4

/* Codes at bits 2l..2l+1 of every byte of v. */
static inline __attribute__((always_inline)) int8x16_t
tq2_0_codes(uint8x16_t v, int l)
{
	uint8x16_t	m3 = vdupq_n_u8(3);

	switch (l) {
	case 0:
		return (vreinterpretq_s8_u8(vandq_u8(v, m3)));
	case 1:
		return (vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 2), m3)));
	case 2:
		return (vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 4), m3)));
	default:
		return (vreinterpretq_s8_u8(vshrq_n_u8(v, 6)));
	}
}

/* Rows r .. r+nr-1, nr 4 or 1 (a constant after inlining). */
static inline __attribute__((always_inline)) void
tq2_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int64_t r, int nr)
{
	float32x4_t	acc = vdupq_n_f32(0.0f);
	int64_t		b;
	int		j, hf, l;

	for (b = 0; b < nb; b++) {
		const uint8_t	*p = w + (size_t)r * rb +
		    (size_t)b * sizeof(block_tq2_0);
		uint16x4_t	 hv = vdup_n_u16(0);
		float32x4_t	 dw;
		uint16_t	 h;

#pragma GCC unroll 8
		for (j = 0; j < nr; j++) {
			memcpy(&h, p + (size_t)j * rb +
			    offsetof(block_tq2_0, d), sizeof h);
			hv = neon_set_lane(hv, h, j);
		}
		dw = vcvt_f32_f16(vreinterpret_f16_u16(hv));
		for (hf = 0; hf < 2; hf++) {
			uint8x16_t	v0[TQ2_0_ROWS], v1[TQ2_0_ROWS];

#pragma GCC unroll 8
			for (j = 0; j < nr; j++) {
				v0[j] = vld1q_u8(p + (size_t)j * rb + hf * 32);
				v1[j] = vld1q_u8(p + (size_t)j * rb + hf * 32 +
				    16);
			}
#pragma GCC unroll 8
			for (l = 0; l < 4; l++) {
				int64_t		 ab = b * 8 + hf * 4 + l;
				const int8_t	*q = a->q + ab * 32;
				int8x16_t	 a0 = vld1q_s8(q);
				int8x16_t	 a1 = vld1q_s8(q + 16);
				int32x4_t	 s[TQ2_0_ROWS], t;

#pragma GCC unroll 8
				for (j = 0; j < nr; j++) {
					s[j] = vdotq_s32(vdupq_n_s32(0),
					    tq2_0_codes(v0[j], l), a0);
					s[j] = vdotq_s32(s[j],
					    tq2_0_codes(v1[j], l), a1);
				}
				t = vsubq_s32(neon_reduce4(s, nr),
				    vdupq_n_s32(a->sum[ab]));
				acc = vfmaq_f32(acc, vcvtq_f32_s32(t),
				    vmulq_n_f32(dw, a->d[ab]));
			}
		}
	}
	if (nr == 1)
		y[r] = vgetq_lane_f32(acc, 0);
	else
		vst1q_f32(y + r, acc);
}

void
tq2_0_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t	nb = cols / QK_TQ2_0, r;
	size_t	rb = (size_t)nb * sizeof(block_tq2_0);

	assert(cols % QK_TQ2_0 == 0 && cols <= a->n);
	for (r = r0; r + TQ2_0_ROWS <= r1; r += TQ2_0_ROWS)
		tq2_0_rows(w, rb, nb, a, y, r, TQ2_0_ROWS);
	for (; r < r1; r++)
		tq2_0_rows(w, rb, nb, a, y, r, 1);
}
