/*
 * q8_0.c: scalar reference for Q8_0, 32 weights sharing one fp16 scale with
 * 8-bit signed values.  These define the format; faster twins must agree.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <math.h>

#include "kern-impl.h"

/* The code of v = x / d, halves away from zero.  |v| stays within 127.0002
 * whenever 1 / d is finite; a block too small for that (absmax below about
 * 2^-121, its scale fp16 zero anyway) gives v = +-inf, or NaN for x = 0,
 * and those keep the weight's sign as +-1 (0 for zero and NaN): what the
 * format has always stored there, now without casting inf to int. */
static inline int
q8_0_code(float v)
{
	if (isfinite(v))
		return (kern_round_away(v));
	return ((v > 0.0f) - (v < 0.0f));
}

void
q8_0_quantize_ref(const float *restrict x, void *restrict vy, int64_t n)
{
	block_q8_0	*y = vy;
	int64_t		 nb, i;
	float		 amax, a, d, id;
	int		 j;

	assert(n % QK_Q8_0 == 0);
	nb = n / QK_Q8_0;
	for (i = 0; i < nb; i++, x += QK_Q8_0) {
		/* fmaxf(amax, |x|), inline: a NaN fails the compare and is
		 * skipped just as fmaxf skips it */
		amax = 0.0f;
		for (j = 0; j < QK_Q8_0; j++) {
			a = fabsf(x[j]);
			amax = a > amax ? a : amax;
		}
		/* -127..127, never -128: SIMD sign tricks break on -128. */
		d = amax / 127.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		y[i].d = kern_f32_to_f16(d);
		for (j = 0; j < QK_Q8_0; j++)
			y[i].qs[j] = (int8_t)q8_0_code(x[j] * id);
	}
}

void
q8_0_dequantize_ref(const void *restrict vx, float *restrict y, int64_t n)
{
	const block_q8_0	*x = vx;
	int64_t			 nb, i;
	float			 d;
	int			 j;

	assert(n % QK_Q8_0 == 0);
	nb = n / QK_Q8_0;
	for (i = 0; i < nb; i++, y += QK_Q8_0) {
		d = kern_f16_to_f32(x[i].d);
		for (j = 0; j < QK_Q8_0; j++)
			y[j] = x[i].qs[j] * d;
	}
}

void
q8_0_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const block_q8_0	*w = vw;
	int64_t			 nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n);
	for (int64_t r = r0; r < r1; r++) {
		const block_q8_0	*row = w + r * nb;
		float			 sumf = 0.0f;

		for (int64_t b = 0; b < nb; b++) {
			const int8_t	*q = a->q + b * QK_Q8_0;
			int32_t		 isum = 0;

			for (int i = 0; i < QK_Q8_0; i++)
				isum += row[b].qs[i] * q[i];
			sumf += (float)isum *
			    (kern_f16_to_f32(row[b].d) * a->d[b]);
		}
		y[r] = sumf;
	}
}
