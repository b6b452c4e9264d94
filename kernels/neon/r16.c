/*
 * r16.c: the NEON dotprod twins of the 16-row interleaved layouts,
 * q8_0r16_matvec_ref and t2r16_matvec_ref (blocks.h has both layouts).  A
 * group's 16 rows are four int32x4 accumulators, one per 16-byte quarter
 * of each 64-byte chunk (4 weights of 4 rows), and sdot's by-element form
 * multiplies a quarter by the chunk's activation dword.  sdot is s8 x s8:
 * q8_0r16's stored w + 128 is flipped back to w (an eor), exact with
 * -128, nothing to undo; t2r16's codes c = t + 1 (a shift and a mask from
 * their byte) go in as they are and the activation block sum is
 * subtracted.  The float steps are the row format's reference's in its
 * order (multiply, then add: no fused multiply-add), so results equal it
 * bit for bit.
 */
#include "config.h"

#include "blocks.h"

#include <arm_neon.h>
#include <assert.h>
#include <string.h>

#include "kern-impl.h"

#define NEON_INLINE	static inline __attribute__((always_inline))

/* Quarter k of chunk j of a block at q (bytes 16k.. of the chunk). */
NEON_INLINE int8x16_t
r16_quarter(const uint8_t *q, int j, int k, int t2)
{
	if (!t2)
		return (vreinterpretq_s8_u8(veorq_u8(vld1q_u8(q + j *
		    Q8R16_CHUNK + 16 * k), vdupq_n_u8(0x80))));
	return (vreinterpretq_s8_u8(vandq_u8(vshlq_u8(vld1q_u8(q + 64 *
	    (j / 4) + 16 * k), vdupq_n_s8((int8_t)(-2 * (j % 4)))),
	    vdupq_n_u8(3))));
}

/* Chunk j (activation dword l of x) into the four accumulators. */
#define R16_CHUNK(s, q, j, x, l, t2) do {				\
	for (int k_ = 0; k_ < 4; k_++)					\
		(s)[k_] = vdotq_laneq_s32((s)[k_],			\
		    r16_quarter((q), (j), k_, (t2)), (x), (l));		\
} while (0)

/* Rows [r0, r1) of a matrix in either layout (bb its row format's block
 * bytes, qb a block's quant bytes). */
NEON_INLINE void
r16_matvec(const void *restrict w, int64_t cols, const struct kact *a,
    float *restrict y, int64_t r0, int64_t r1, size_t bb, size_t qb, int t2)
{
	int64_t	nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r += Q8R16_ROWS) {
		const uint8_t	*g = r16_group(w, r, nb, bb);
		const uint8_t	*sc = g + (size_t)nb * qb;
		float32x4_t	 acc[4];
		float		 out[Q8R16_ROWS];

		for (int k = 0; k < 4; k++)
			acc[k] = vdupq_n_f32(0.0f);
		for (int64_t b = 0; b < nb; b++) {
			const uint8_t	*q = g + (size_t)b * qb;
			int8x16_t	 x0 = vld1q_s8(a->q + b * QK_Q8_0);
			int8x16_t	 x1 = vld1q_s8(a->q + b * QK_Q8_0 + 16);
			int32x4_t	 s[4];

			for (int k = 0; k < 4; k++)
				s[k] = vdupq_n_s32(t2 ? -a->sum[b] : 0);
			R16_CHUNK(s, q, 0, x0, 0, t2);
			R16_CHUNK(s, q, 1, x0, 1, t2);
			R16_CHUNK(s, q, 2, x0, 2, t2);
			R16_CHUNK(s, q, 3, x0, 3, t2);
			R16_CHUNK(s, q, 4, x1, 0, t2);
			R16_CHUNK(s, q, 5, x1, 1, t2);
			R16_CHUNK(s, q, 6, x1, 2, t2);
			R16_CHUNK(s, q, 7, x1, 3, t2);
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

KERN_R16_MATVECS(neon)
