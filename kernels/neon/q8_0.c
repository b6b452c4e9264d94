/*
 * q8_0.c: NEON dotprod twin of the Q8_0 matrix-vector product.  Signed
 * weights meet signed activations directly in sdot (s8 x s8 into s32
 * lanes, no saturation, -128 weights included), two sdots a row and a
 * 32-block.  Four rows go together so each activation load feeds four
 * rows; a tree of three pairwise adds turns their four int32x4 partial
 * sums into one vector whose lane j is row j's exact block sum, so one
 * convert and one FMA with the four rows' scale products (fp16 scales
 * widened by fcvtl, exact for subnormals, times the activation scale)
 * serve four rows, and lane j of a single f32x4 accumulator is row j's
 * result: the reference's arithmetic, with a fused multiply-add.  Blocks
 * sit at any address (34 bytes apart), so weights are loaded as bytes.
 * A row alone goes through the same lane arithmetic, so results do not
 * depend on how rows are split.
 */
#include "config.h"

#include "blocks.h"

#include <arm_neon.h>
#include <assert.h>
#include <string.h>

#include "kern-impl.h"
#include "rows.h"

#define Q8_0_ROWS	4

/* Rows r .. r+nr-1, nr 4 or 1 (a constant after inlining). */
static inline __attribute__((always_inline)) void
q8_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int64_t r, int nr)
{
	float32x4_t	acc = vdupq_n_f32(0.0f);
	int64_t		b;
	int		j;

	for (b = 0; b < nb; b++) {
		const int8_t	*q = a->q + b * QK_Q8_0;
		const uint8_t	*p = w + (size_t)r * rb +
		    (size_t)b * sizeof(block_q8_0);
		int8x16_t	 a0 = vld1q_s8(q), a1 = vld1q_s8(q + 16);
		uint16x4_t	 hv = vdup_n_u16(0);
		int32x4_t	 s[Q8_0_ROWS];
		uint16_t	 h;

#pragma GCC unroll 8
		for (j = 0; j < nr; j++) {
			const uint8_t	*pj = p + (size_t)j * rb;

			s[j] = vdotq_s32(vdupq_n_s32(0),
			    vld1q_s8((const int8_t *)pj + 2), a0);
			s[j] = vdotq_s32(s[j],
			    vld1q_s8((const int8_t *)pj + 18), a1);
			memcpy(&h, pj, sizeof h);
			hv = neon_set_lane(hv, h, j);
		}
		acc = vfmaq_f32(acc, vcvtq_f32_s32(neon_reduce4(s, nr)),
		    vmulq_n_f32(vcvt_f32_f16(vreinterpret_f16_u16(hv)),
		    a->d[b]));
	}
	if (nr == 1)
		y[r] = vgetq_lane_f32(acc, 0);
	else
		vst1q_f32(y + r, acc);
}

void
q8_0_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t	nb = cols / QK_Q8_0, r;
	size_t	rb = (size_t)nb * sizeof(block_q8_0);

	assert(cols % QK_Q8_0 == 0 && cols <= a->n);
	for (r = r0; r + Q8_0_ROWS <= r1; r += Q8_0_ROWS)
		q8_0_rows(w, rb, nb, a, y, r, Q8_0_ROWS);
	for (; r < r1; r++)
		q8_0_rows(w, rb, nb, a, y, r, 1);
}
