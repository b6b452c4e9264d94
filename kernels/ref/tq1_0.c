/*
 * tq1_0.c: scalar reference for TQ1_0, 256 ternary weights packed five
 * trits to a byte as base-3 fractions, with one fp16 scale (the block's
 * absmax).  These define the format; faster twins must agree.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <math.h>

#include "kern-impl.h"

/* 3^n as multipliers that move trit n of a packed byte to the top. */
static const uint8_t tq1_0_pow3[5] = { 1, 3, 9, 27, 81 };

/* Packs trits t[0], t[stride], ... (nt of them, most significant first,
 * padded with zero trits to five) into one byte.  Storing ceil(T * 256 /
 * 243) rather than T makes every trit readable by a multiply and a shift:
 * the rounding error stays below one unit of the last trit. */
static uint8_t
tq1_0_pack(const float *x, int stride, int nt, float id)
{
	float	v;
	int	k, t, p;

	p = 0;
	for (k = 0; k < 5; k++) {
		/* round half away from zero: |v| <= 1 to an ulp or two
		 * while 1 / amax is finite; past that v = +-inf keeps the
		 * sign and NaN (0 * inf) gives 0, as the format always
		 * stored */
		if (k < nt) {
			v = x[k * stride] * id;
			t = 1 + (v >= 0.5f) - (v <= -0.5f);
		} else
			t = 0;
		p = p * 3 + t;
	}
	return ((uint8_t)((p * 256 + 242) / 243));
}

/* Trit n of byte b: the wrapping uint8 multiply drops the n leading trits,
 * then the top trit of the fraction is floor(frac * 3). */
static int
tq1_0_trit(uint8_t b, int n)
{
	uint8_t	q;

	q = (uint8_t)(b * tq1_0_pow3[n]);
	return ((q * 3) >> 8);
}

void
tq1_0_quantize_ref(const float *restrict x, void *restrict vy, int64_t n)
{
	block_tq1_0	*y = vy;
	int64_t		 nb, i;
	float		 amax, id;
	int		 m, j;

	assert(n % QK_TQ1_0 == 0);
	nb = n / QK_TQ1_0;
	for (i = 0; i < nb; i++, x += QK_TQ1_0) {
		amax = 0.0f;
		for (m = 0; m < QK_TQ1_0; m++)	/* fmaxf, inline */
			amax = fabsf(x[m]) > amax ? fabsf(x[m]) : amax;
		id = amax != 0.0f ? 1.0f / amax : 0.0f;
		y[i].d = kern_f32_to_f16(amax);
		for (m = 0; m < 32; m++)	/* weights 0..159 */
			y[i].qs[m] = tq1_0_pack(x + m, 32, 5, id);
		for (m = 0; m < 16; m++)	/* weights 160..239 */
			y[i].qs[32 + m] = tq1_0_pack(x + 160 + m, 16, 5, id);
		for (j = 0; j < 4; j++)		/* weights 240..255 */
			y[i].qh[j] = tq1_0_pack(x + 240 + j, 4, 4, id);
	}
}

void
tq1_0_dequantize_ref(const void *restrict vx, float *restrict y, int64_t n)
{
	const block_tq1_0	*x = vx;
	int64_t			 nb, i;
	float			 d;
	int			 nt, m, j;

	assert(n % QK_TQ1_0 == 0);
	nb = n / QK_TQ1_0;
	for (i = 0; i < nb; i++, y += QK_TQ1_0) {
		d = kern_f16_to_f32(x[i].d);
		for (nt = 0; nt < 5; nt++)
			for (m = 0; m < 32; m++)
				y[nt * 32 + m] =
				    (tq1_0_trit(x[i].qs[m], nt) - 1) * d;
		for (nt = 0; nt < 5; nt++)
			for (m = 0; m < 16; m++)
				y[160 + nt * 16 + m] =
				    (tq1_0_trit(x[i].qs[32 + m], nt) - 1) * d;
		for (nt = 0; nt < 4; nt++)
			for (j = 0; j < 4; j++)
				y[240 + nt * 4 + j] =
				    (tq1_0_trit(x[i].qh[j], nt) - 1) * d;
	}
}

/* Ternary values (-1, 0, 1) of the block's 256 weights, in weight order. */
static void
tq1_0_values(const block_tq1_0 *x, int8_t v[QK_TQ1_0])
{
	int	nt, m, j;

	for (nt = 0; nt < 5; nt++)
		for (m = 0; m < 32; m++)
			v[nt * 32 + m] = (int8_t)(tq1_0_trit(x->qs[m], nt) - 1);
	for (nt = 0; nt < 5; nt++)
		for (m = 0; m < 16; m++)
			v[160 + nt * 16 + m] =
			    (int8_t)(tq1_0_trit(x->qs[32 + m], nt) - 1);
	for (nt = 0; nt < 4; nt++)
		for (j = 0; j < 4; j++)
			v[240 + nt * 4 + j] =
			    (int8_t)(tq1_0_trit(x->qh[j], nt) - 1);
}

void
tq1_0_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const block_tq1_0	*w = vw;
	int64_t			 nb = cols / QK_TQ1_0;
	int8_t			 v[QK_TQ1_0];

	assert(cols % QK_TQ1_0 == 0 && cols <= a->n);
	for (int64_t r = r0; r < r1; r++) {
		const block_tq1_0	*row = w + r * nb;
		float			 sumf = 0.0f;

		for (int64_t b = 0; b < nb; b++) {
			float	dw = kern_f16_to_f32(row[b].d);

			tq1_0_values(&row[b], v);
			for (int j = 0; j < 8; j++) {
				const int8_t	*q = a->q + (b * 8 + j) * 32;
				int32_t		 isum = 0;

				for (int m = 0; m < 32; m++)
					isum += v[j * 32 + m] * q[m];
				sumf += (float)isum * (dw * a->d[b * 8 + j]);
			}
		}
		y[r] = sumf;
	}
}
