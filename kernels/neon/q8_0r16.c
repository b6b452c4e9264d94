/*
 * q8_0r16.c: the NEON dotprod twin of q8_0r16_matvec_ref.  A group's 16
 * rows are four int32x4 accumulators, one per 16-byte quarter of each
 * 64-byte chunk (4 weights of 4 rows).  sdot is s8 x s8, so the stored
 * w + 128 is flipped back to w (an eor) and meets the chunk's activation
 * dword picked by lane (sdot's by-element form): exact, -128 included,
 * with no offset to undo.  The float steps are q8_0_matvec_ref's in its
 * order (multiply, then add: no fused multiply-add), so results equal it
 * bit for bit.
 */
#include "config.h"

#include "blocks.h"

#include <arm_neon.h>
#include <assert.h>
#include <string.h>

#include "kern-impl.h"

/* Quarter k of chunk j of block q against activation dword lane l of x. */
#define Q8R16_DOT(s, q, j, k, x, l)					\
	((s) = vdotq_laneq_s32((s), vreinterpretq_s8_u8(veorq_u8(	\
	    vld1q_u8((q) + (j) * Q8R16_CHUNK + 16 * (k)),		\
	    vdupq_n_u8(0x80))), (x), (l)))
#define Q8R16_CHUNK4(s, q, j, x, l) do {				\
	Q8R16_DOT(s[0], q, j, 0, x, l);					\
	Q8R16_DOT(s[1], q, j, 1, x, l);					\
	Q8R16_DOT(s[2], q, j, 2, x, l);					\
	Q8R16_DOT(s[3], q, j, 3, x, l);					\
} while (0)

void
q8_0r16_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t		 nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += Q8R16_ROWS) {
		const uint8_t	*g = q8r16_group(w, r, nb);
		const uint8_t	*sc = g + (size_t)nb * Q8R16_QBYTES;
		float32x4_t	 acc[4];
		float		 out[Q8R16_ROWS];

		for (int k = 0; k < 4; k++)
			acc[k] = vdupq_n_f32(0.0f);
		for (int64_t b = 0; b < nb; b++) {
			const uint8_t	*q = g + (size_t)b * Q8R16_QBYTES;
			int8x16_t	 x0 = vld1q_s8(a->q + b * QK_Q8_0);
			int8x16_t	 x1 = vld1q_s8(a->q + b * QK_Q8_0 + 16);
			int32x4_t	 s[4];

			for (int k = 0; k < 4; k++)
				s[k] = vdupq_n_s32(0);
			Q8R16_CHUNK4(s, q, 0, x0, 0);
			Q8R16_CHUNK4(s, q, 1, x0, 1);
			Q8R16_CHUNK4(s, q, 2, x0, 2);
			Q8R16_CHUNK4(s, q, 3, x0, 3);
			Q8R16_CHUNK4(s, q, 4, x1, 0);
			Q8R16_CHUNK4(s, q, 5, x1, 1);
			Q8R16_CHUNK4(s, q, 6, x1, 2);
			Q8R16_CHUNK4(s, q, 7, x1, 3);
			for (int k = 0; k < 4; k++) {
				uint16x4_t h = vld1_u16((const uint16_t *)(const
				    void *)(sc + (size_t)b * 32 + 8 * k));

				acc[k] = vaddq_f32(acc[k], vmulq_f32(
				    vcvtq_f32_s32(s[k]), vmulq_n_f32(
				    vcvt_f32_f16(vreinterpret_f16_u16(h)),
				    a->d[b])));
			}
		}
		for (int k = 0; k < 4; k++)
			vst1q_f32(out + 4 * k, acc[k]);
		memcpy(y + r, out, (size_t)(r1 - r < Q8R16_ROWS ? r1 - r :
		    Q8R16_ROWS) * sizeof(float));
	}
}
