/*
 * tq2_0.c: scalar reference for TQ2_0, 256 ternary weights as 2-bit codes
 * with one fp16 scale (the block's absmax).  These define the format;
 * faster twins must agree.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <math.h>

#include "kern-impl.h"

/* The 2-bit code of v = x / amax, rounded half away from zero: |v| <= 1
 * (to an ulp or two) whenever 1 / amax is finite, so two compares do it.
 * In a block too small for that, v = +-inf keeps the sign and NaN (0 *
 * inf) gives 0: what the format has always stored there. */
static inline int
tq2_0_code(float v)
{
	return (1 + (v >= 0.5f) - (v <= -0.5f));
}

void
tq2_0_quantize_ref(const float *restrict x, void *restrict vy, int64_t n)
{
	block_tq2_0	*y = vy;
	int64_t		 nb, i;
	float		 amax, id;
	int		 h, l, m, q;
	uint8_t		 b;

	assert(n % QK_TQ2_0 == 0);
	nb = n / QK_TQ2_0;
	for (i = 0; i < nb; i++, x += QK_TQ2_0) {
		amax = 0.0f;
		for (m = 0; m < QK_TQ2_0; m++)	/* fmaxf, inline */
			amax = fabsf(x[m]) > amax ? fabsf(x[m]) : amax;
		id = amax != 0.0f ? 1.0f / amax : 0.0f;
		y[i].d = kern_f32_to_f16(amax);
		/* Byte h+m gathers weights 32 apart, so one 32-byte load and
		 * four shifts unpack 128 consecutive weights. */
		for (h = 0; h < QK_TQ2_0 / 4; h += 32) {
			for (m = 0; m < 32; m++) {
				b = 0;
				for (l = 0; l < 4; l++) {
					q = tq2_0_code(x[h * 4 + l * 32 + m] *
					    id);
					b |= (uint8_t)(q << (2 * l));
				}
				y[i].qs[h + m] = b;
			}
		}
	}
}

void
tq2_0_dequantize_ref(const void *restrict vx, float *restrict y, int64_t n)
{
	const block_tq2_0	*x = vx;
	int64_t			 nb, i;
	float			 d;
	int			 h, l, m, q;

	assert(n % QK_TQ2_0 == 0);
	nb = n / QK_TQ2_0;
	for (i = 0; i < nb; i++, y += QK_TQ2_0) {
		d = kern_f16_to_f32(x[i].d);
		for (h = 0; h < QK_TQ2_0 / 4; h += 32) {
			for (l = 0; l < 4; l++) {
				for (m = 0; m < 32; m++) {
					q = (x[i].qs[h + m] >> (2 * l)) & 3;
					y[h * 4 + l * 32 + m] = (q - 1) * d;
				}
			}
		}
	}
}

/* Each 256-weight block spans 8 activation blocks; every one of them
 * contributes its integer sum times its own scale and the block's. */
void
tq2_0_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const block_tq2_0	*w = vw;
	int64_t			 nb = cols / QK_TQ2_0;

	assert(cols % QK_TQ2_0 == 0 && cols <= a->n);
	for (int64_t r = r0; r < r1; r++) {
		const block_tq2_0	*row = w + r * nb;
		float			 sumf = 0.0f;

		for (int64_t b = 0; b < nb; b++) {
			float	dw = kern_f16_to_f32(row[b].d);

			for (int h = 0; h < 2; h++)
				for (int l = 0; l < 4; l++) {
					/* activation block: weights
					 * h*128 + l*32 .. +31 */
					int64_t		 ab = b * 8 + h * 4 + l;
					const int8_t	*q = a->q + ab * 32;
					int32_t		 isum = 0;

					for (int m = 0; m < 32; m++)
						isum += (((row[b].qs[h * 32 + m]
						    >> (2 * l)) & 3) - 1) * q[m];
					sumf += (float)isum * (dw * a->d[ab]);
				}
		}
		y[r] = sumf;
	}
}
