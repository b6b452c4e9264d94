/*
 * q4_0.c: NEON dotprod twin of the Q4_0 matrix-vector product.  A block's
 * 16 bytes split by a mask and a shift into the nibbles of weights 0..15
 * and 16..31, which (0..15) sdot takes as signed bytes against the
 * activations; the offset of 8 is removed exactly by starting the int32
 * accumulator at -8 * the per-lane sums of the activations (two sdots
 * shared by the four rows), so each lane holds exactly its share of the
 * reference's signed sum (a single offset in one lane would be cancelled
 * by the others in f32, losing precision).  Four rows go together so each
 * activation load feeds four rows; their fp16 scales convert at once
 * (fcvtl, exact for subnormals) and times the activation scale give one
 * scale vector, whose lane j multiplies row j's int32 lanes (converted to
 * f32, exact below 2^24) into that row's f32x4 accumulator by one FMA: no
 * horizontal sum per block, one at the end of the row.  Blocks sit at any
 * address (18 bytes apart), so weights are loaded as bytes.  A row's
 * arithmetic is the same in a group of four or alone, so results do not
 * depend on how rows are split.
 */
#include "config.h"

#include "blocks.h"

#include <arm_neon.h>
#include <assert.h>
#include <string.h>

#include "kern-impl.h"

#define Q4_0_ROWS	4

/* acc + x * s[j]; j is a constant once inlined, as the lane must be. */
static inline __attribute__((always_inline)) float32x4_t
q4_0_fma_lane(float32x4_t acc, float32x4_t x, float32x4_t s, int j)
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

/* Lane k: -8 * the sum of activation bytes 4k..4k+3 of both halves,
 * so that sdot of the unsigned codes on top of it leaves in each lane
 * exactly that lane's share of the signed sum.  Kept per lane, not in one
 * lane, so no lane holds a large offset that others cancel in f32. */
static inline __attribute__((always_inline)) int32x4_t
q4_0_offset(int8x16_t a0, int8x16_t a1)
{
	int8x16_t	m = vdupq_n_s8(-8);

	return (vdotq_s32(vdotq_s32(vdupq_n_s32(0), m, a0), m, a1));
}

/* Rows r .. r+nr-1 (nr <= Q4_0_ROWS, a constant after inlining). */
static inline __attribute__((always_inline)) void
q4_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int64_t r, int nr)
{
	float32x4_t	acc[Q4_0_ROWS];
	int64_t		b;
	int		j;

	for (j = 0; j < nr; j++)
		acc[j] = vdupq_n_f32(0.0f);
	for (b = 0; b < nb; b++) {
		const int8_t	*q = a->q + b * QK_Q4_0;
		const uint8_t	*p[Q4_0_ROWS];
		int8x16_t	 a0 = vld1q_s8(q), a1 = vld1q_s8(q + 16);
		int32x4_t	 off = q4_0_offset(a0, a1);
		uint16_t	 h[4] = { 0, 0, 0, 0 };
		float32x4_t	 sv;

		for (j = 0; j < nr; j++) {
			p[j] = w + (size_t)(r + j) * rb +
			    (size_t)b * sizeof(block_q4_0);
			memcpy(&h[j], p[j], sizeof h[j]);
		}
		sv = vmulq_n_f32(vcvt_f32_f16(vreinterpret_f16_u16(
		    vld1_u16(h))), a->d[b]);
		for (j = 0; j < nr; j++) {
			uint8x16_t	v = vld1q_u8(p[j] + 2);
			int32x4_t	s = off;

			s = vdotq_s32(s, vreinterpretq_s8_u8(vandq_u8(v,
			    vdupq_n_u8(0x0f))), a0);
			s = vdotq_s32(s, vreinterpretq_s8_u8(vshrq_n_u8(v, 4)),
			    a1);
			acc[j] = q4_0_fma_lane(acc[j], vcvtq_f32_s32(s), sv, j);
		}
	}
	for (j = 0; j < nr; j++)
		y[r + j] = vaddvq_f32(acc[j]);
}

void
q4_0_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t	nb = cols / QK_Q4_0, r;
	size_t	rb = (size_t)nb * sizeof(block_q4_0);

	assert(cols % QK_Q4_0 == 0 && cols <= a->n);
	for (r = r0; r + Q4_0_ROWS <= r1; r += Q4_0_ROWS)
		q4_0_rows(w, rb, nb, a, y, r, Q4_0_ROWS);
	for (; r < r1; r++)
		q4_0_rows(w, rb, nb, a, y, r, 1);
}
