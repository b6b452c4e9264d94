/*
 * tq2_0.c: NEON dotprod twin of the TQ2_0 matrix-vector product.  Each
 * 32-byte half of a 256-weight block, shifted by 2l and masked, gives the
 * 2-bit codes of the 32 weights of activation block l of that half, in
 * order; sdot takes the codes (0..3) as signed bytes against the
 * activations, and the offset of 1 is removed exactly by starting the
 * int32 accumulator at minus the per-lane sums of the activations (two
 * sdots shared by the four rows), so each lane holds exactly its share of
 * the signed sum and code 3 counts +2 as in the reference.  Four rows go
 * together so each activation load feeds four rows; their fp16 scales
 * convert once per 256 weights (fcvtl, exact for subnormals), and times
 * each activation block's scale give a scale vector whose lane j
 * multiplies row j's int32 lanes (as f32, exact) into row j's f32x4
 * accumulator by one FMA, with one horizontal sum per row at the end.
 * Blocks sit at any address (66 bytes apart), so weights are loaded as
 * bytes.  A row's arithmetic is the same in a group of four or alone, so
 * results do not depend on how rows are split.
 */
#include "config.h"

#include "blocks.h"

#include <arm_neon.h>
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "kern-impl.h"

#define TQ2_0_ROWS	4

/* acc + x * s[j]; j is a constant once inlined, as the lane must be. */
static inline __attribute__((always_inline)) float32x4_t
tq2_0_fma_lane(float32x4_t acc, float32x4_t x, float32x4_t s, int j)
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

/* Lane k: minus the sum of activation bytes 4k..4k+3 of both halves,
 * so that sdot of the unsigned codes on top of it leaves in each lane
 * exactly that lane's share of the signed sum.  Kept per lane, not in one
 * lane, so no lane holds a large offset that others cancel in f32. */
static inline __attribute__((always_inline)) int32x4_t
tq2_0_offset(int8x16_t a0, int8x16_t a1)
{
	int8x16_t	m = vdupq_n_s8(-1);

	return (vdotq_s32(vdotq_s32(vdupq_n_s32(0), m, a0), m, a1));
}

/* Rows r .. r+nr-1 (nr <= TQ2_0_ROWS, a constant after inlining). */
static inline __attribute__((always_inline)) void
tq2_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int64_t r, int nr)
{
	float32x4_t	acc[TQ2_0_ROWS];
	int64_t		b;
	int		j, hf, l;

	for (j = 0; j < nr; j++)
		acc[j] = vdupq_n_f32(0.0f);
	for (b = 0; b < nb; b++) {
		const uint8_t	*p[TQ2_0_ROWS];
		uint16_t	 h[4] = { 0, 0, 0, 0 };
		float32x4_t	 dw;

		for (j = 0; j < nr; j++) {
			p[j] = w + (size_t)(r + j) * rb +
			    (size_t)b * sizeof(block_tq2_0);
			memcpy(&h[j], p[j] + offsetof(block_tq2_0, d),
			    sizeof h[j]);
		}
		dw = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(h)));
		for (hf = 0; hf < 2; hf++) {
			uint8x16_t	v0[TQ2_0_ROWS], v1[TQ2_0_ROWS];

			for (j = 0; j < nr; j++) {
				v0[j] = vld1q_u8(p[j] + hf * 32);
				v1[j] = vld1q_u8(p[j] + hf * 32 + 16);
			}
			for (l = 0; l < 4; l++) {
				int64_t		 ab = b * 8 + hf * 4 + l;
				const int8_t	*q = a->q + ab * 32;
				int8x16_t	 a0 = vld1q_s8(q);
				int8x16_t	 a1 = vld1q_s8(q + 16);
				int32x4_t	 off = tq2_0_offset(a0, a1);
				float32x4_t	 sv = vmulq_n_f32(dw, a->d[ab]);

				for (j = 0; j < nr; j++) {
					int32x4_t	s = off;

					s = vdotq_s32(s, tq2_0_codes(v0[j], l),
					    a0);
					s = vdotq_s32(s, tq2_0_codes(v1[j], l),
					    a1);
					acc[j] = tq2_0_fma_lane(acc[j],
					    vcvtq_f32_s32(s), sv, j);
				}
			}
		}
	}
	for (j = 0; j < nr; j++)
		y[r + j] = vaddvq_f32(acc[j]);
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
