/*
 * q4_0.c: scalar reference for Q4_0, 32 weights sharing one fp16 scale with
 * 4-bit values offset by 8.  These define the format; faster twins must
 * agree.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <math.h>

#include "kern-impl.h"

/* The nibble of p = x * id: v = p + 8.5, rounded once more (the add is a
 * statement of its own, so no compiler fuses it with the multiply).  v
 * lies in [0.5, 16.5] whenever 1 / d is finite; truncation rounds half
 * up, and only the extreme's opposite can reach 16, hence the clamp.  A
 * block too small for a finite 1 / d (max below about 2^-125, its scale
 * fp16 zero anyway) gives v = +-inf or NaN, stored as nibble 0: what the
 * format has always stored there, now without casting inf to int. */
static inline int
q4_0_code(float p)
{
	float	v;
	int	q;

	v = p + 8.5f;
	q = (int)(v >= 0.0f && v <= 16.5f ? v : 0.0f);
	return (q < 15 ? q : 15);
}

void
q4_0_quantize_ref(const float *restrict x, void *restrict vy, int64_t n)
{
	block_q4_0	*y = vy;
	int64_t		 nb, i;
	float		 a, amax, max, d, id;
	int		 j, lo, hi;

	assert(n % QK_Q4_0 == 0);
	nb = n / QK_Q4_0;
	for (i = 0; i < nb; i++, x += QK_Q4_0) {
		/* Signed extreme: it maps to nibble 0 (-8) exactly, using the
		 * asymmetric side of the range for the larger magnitude.  It
		 * is the first x[j] of greatest |x[j]| (NaNs skipped), or +0
		 * when all are zero; found in two passes, without a branch
		 * per weight to mispredict. */
		amax = 0.0f;
		for (j = 0; j < QK_Q4_0; j++) {
			a = fabsf(x[j]);
			amax = a > amax ? a : amax;
		}
		max = 0.0f;
		if (amax != 0.0f) {
			for (j = 0; fabsf(x[j]) != amax; j++)
				continue;
			max = x[j];
		}
		d = max / -8.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		y[i].d = kern_f32_to_f16(d);
		for (j = 0; j < QK_Q4_0 / 2; j++) {
			lo = q4_0_code(x[j] * id);
			hi = q4_0_code(x[j + QK_Q4_0 / 2] * id);
			y[i].qs[j] = (uint8_t)(lo | hi << 4);
		}
	}
}

void
q4_0_dequantize_ref(const void *restrict vx, float *restrict y, int64_t n)
{
	const block_q4_0	*x = vx;
	int64_t			 nb, i;
	float			 d;
	int			 j;

	assert(n % QK_Q4_0 == 0);
	nb = n / QK_Q4_0;
	for (i = 0; i < nb; i++, y += QK_Q4_0) {
		d = kern_f16_to_f32(x[i].d);
		for (j = 0; j < QK_Q4_0 / 2; j++) {
			y[j] = ((x[i].qs[j] & 0x0f) - 8) * d;
			y[j + QK_Q4_0 / 2] = ((x[i].qs[j] >> 4) - 8) * d;
		}
	}
}

void
q4_0_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const block_q4_0	*w = vw;
	int64_t			 nb = cols / QK_Q4_0;

	assert(cols % QK_Q4_0 == 0 && cols <= a->n);
	for (int64_t r = r0; r < r1; r++) {
		const block_q4_0	*row = w + r * nb;
		float			 sumf = 0.0f;

		for (int64_t b = 0; b < nb; b++) {
			const int8_t	*q = a->q + b * QK_Q4_0;
			int32_t		 isum = 0;

			for (int i = 0; i < QK_Q4_0 / 2; i++) {
				isum += ((row[b].qs[i] & 0x0f) - 8) * q[i];
				isum += ((row[b].qs[i] >> 4) - 8) *
				    q[i + QK_Q4_0 / 2];
			}
			sumf += (float)isum *
			    (kern_f16_to_f32(row[b].d) * a->d[b]);
		}
		y[r] = sumf;
	}
}
