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

void
q4_0_quantize_ref(const float *restrict x, void *restrict vy, int64_t n)
{
	block_q4_0	*y = vy;
	int64_t		 nb, i;
	float		 amax, max, d, id;
	int		 j, lo, hi;

	assert(n % QK_Q4_0 == 0);
	nb = n / QK_Q4_0;
	for (i = 0; i < nb; i++, x += QK_Q4_0) {
		/* Signed extreme: it maps to nibble 0 (-8) exactly, using the
		 * asymmetric side of the range for the larger magnitude. */
		amax = max = 0.0f;
		for (j = 0; j < QK_Q4_0; j++) {
			if (amax < fabsf(x[j])) {
				amax = fabsf(x[j]);
				max = x[j];
			}
		}
		d = max / -8.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		y[i].d = kern_f32_to_f16(d);
		for (j = 0; j < QK_Q4_0 / 2; j++) {
			/* x*id + 8.5 lies in [0.5, 16.5]; truncation rounds
			 * half up, and only the extreme's opposite can
			 * reach 16, hence the clamp. */
			lo = (int8_t)(x[j] * id + 8.5f);
			hi = (int8_t)(x[j + QK_Q4_0 / 2] * id + 8.5f);
			lo = lo < 15 ? lo : 15;
			hi = hi < 15 ? hi : 15;
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
