/*
 * act.c: the NEON twin of kact_quantize_ref, bit for bit: the f32 copy
 * and zero padding first, then per 32-value block the absmax with
 * fmaxnm (which, like fmaxf, ignores a NaN), the same scalar
 * d = amax / 127 and id = 1 / d, and q = x * id rounded to nearest with
 * ties to even by fcvtns, saturated to int8 and clamped to -127 so the
 * clamp of the reference is reproduced.  Block sums come from the int8
 * lanes, exact in int32.
 */
#include "config.h"

#include "kern-impl.h"

#include <arm_neon.h>
#include <assert.h>
#include <string.h>

/* Eight f32 lanes times id, rounded to nearest-even int32, saturated
 * down to int8 (the values already lie within [-127.5, 127.5] for finite
 * input, so saturation only matters for the clamp's corner cases). */
static inline int8x8_t
act_round8(float32x4_t lo, float32x4_t hi, float id)
{
	int32x4_t	a = vcvtnq_s32_f32(vmulq_n_f32(lo, id));
	int32x4_t	b = vcvtnq_s32_f32(vmulq_n_f32(hi, id));
	int16x8_t	h = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));

	return (vqmovn_s16(h));
}

void
kact_quantize_neon(struct kact *a, const float *x, int64_t n)
{
	int64_t	nb, b;

	assert(n >= 0 && n <= a->cap);
	nb = (n + KACT_BLOCK - 1) / KACT_BLOCK;
	memcpy(a->f, x, (size_t)n * sizeof(float));
	memset(a->f + n, 0, (size_t)(nb * KACT_BLOCK - n) * sizeof(float));
	a->n = nb * KACT_BLOCK;
	for (b = 0; b < nb; b++) {
		const float	*xb = a->f + b * KACT_BLOCK;
		int8_t		*qb = a->q + b * KACT_BLOCK;
		float32x4_t	 v[8], m;
		int8x16_t	 q0, q1, lim = vdupq_n_s8(-127);
		float		 amax, d, id;
		int		 i;

#pragma GCC unroll 8
		for (i = 0; i < 8; i++)
			v[i] = vld1q_f32(xb + 4 * i);
		m = vmaxnmq_f32(vmaxnmq_f32(vabsq_f32(v[0]), vabsq_f32(v[1])),
		    vmaxnmq_f32(vabsq_f32(v[2]), vabsq_f32(v[3])));
		m = vmaxnmq_f32(m, vmaxnmq_f32(
		    vmaxnmq_f32(vabsq_f32(v[4]), vabsq_f32(v[5])),
		    vmaxnmq_f32(vabsq_f32(v[6]), vabsq_f32(v[7]))));
		/* the reference starts from 0, so an all-NaN block gives 0 */
		amax = vmaxnmvq_f32(vmaxnmq_f32(m, vdupq_n_f32(0.0f)));
		d = amax / 127.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		q0 = vcombine_s8(act_round8(v[0], v[1], id),
		    act_round8(v[2], v[3], id));
		q1 = vcombine_s8(act_round8(v[4], v[5], id),
		    act_round8(v[6], v[7], id));
		q0 = vmaxq_s8(q0, lim);
		q1 = vmaxq_s8(q1, lim);
		vst1q_s8(qb, q0);
		vst1q_s8(qb + 16, q1);
		a->d[b] = d;
		a->sum[b] = vaddlvq_s16(vaddq_s16(vpaddlq_s8(q0),
		    vpaddlq_s8(q1)));
	}
}
