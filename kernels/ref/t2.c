/*
 * t2.c: scalar reference for qcmp's own ternary layout T2, which serves
 * rows of any multiple of 32 (GGUF's TQ1_0/TQ2_0 need multiples of 256):
 * 32 weights as 2-bit codes c = t + 1 with one fp16 scale, 2.5 bits per
 * weight.  Two quantizers fill it: absmax per 32-weight group (t2, as
 * TQ2_0 does per 256) and BitNet b1.58's absmean over the row (t2m:
 * t = clip(round(w / mean|w|), -1, 1), the row's scale in every group).
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <math.h>

#include "kern-impl.h"

/* Packs 32 ternary values (scaled by id, rounded, clipped) into codes:
 * byte m holds weights m, m+8, m+16, m+24 at bits 0, 2, 4, 6, so one
 * 8-byte load broadcast four times and shifted unpacks all 32. */
static void
t2_pack(const float *x, float id, uint8_t qs[QK_T2 / 4])
{
	for (int m = 0; m < QK_T2 / 4; m++) {
		uint8_t	b = 0;

		for (int l = 0; l < 4; l++) {
			float	v = x[l * 8 + m] * id;
			/* round half to even, clipped to [-1, 1]: two
			 * compares, whatever v is (huge under absmean, inf
			 * when 1 / amax overflows, NaN as 0 * inf -> 0) */
			int	t = (v > 0.5f) - (v < -0.5f);

			b |= (uint8_t)((t + 1) << (2 * l));
		}
		qs[m] = b;
	}
}

void
t2_quantize_ref(const float *restrict x, void *restrict vy, int64_t n)
{
	block_t2	*y = vy;

	assert(n % QK_T2 == 0);
	for (int64_t i = 0; i < n / QK_T2; i++, x += QK_T2) {
		float	amax = 0.0f;

		/* fmaxf inline: a NaN fails the compare, as fmaxf skips it */
		for (int m = 0; m < QK_T2; m++)
			amax = fabsf(x[m]) > amax ? fabsf(x[m]) : amax;
		y[i].d = kern_f32_to_f16(amax);
		t2_pack(x, amax != 0.0f ? 1.0f / amax : 0.0f, y[i].qs);
	}
}

/* The mean is over the row's non-zero weights: trained weights are never
 * exactly zero, so this is BitNet's mean|w| while the zeros that pad a row
 * to whole groups leave it unchanged. */
void
t2m_quantize_ref(const float *restrict x, void *restrict vy, int64_t n)
{
	block_t2	*y = vy;
	double		 sum = 0.0;
	int64_t		 nz = 0;
	float		 s;
	kern_half	 sh;

	assert(n % QK_T2 == 0);
	/* Adding a zero leaves sum (never -0) as it is, so only the count
	 * needs the test.  The sum runs in index order: double rounding
	 * makes the order part of the format. */
	for (int64_t i = 0; i < n; i++) {
		sum += fabsf(x[i]);
		nz += x[i] != 0.0f;
	}
	s = nz > 0 ? (float)(sum / nz) : 0.0f;
	sh = kern_f32_to_f16(s);
	for (int64_t i = 0; i < n / QK_T2; i++) {
		y[i].d = sh;
		t2_pack(x + i * QK_T2, s != 0.0f ? 1.0f / s : 0.0f, y[i].qs);
	}
}

void
t2_dequantize_ref(const void *restrict vx, float *restrict y, int64_t n)
{
	const block_t2	*x = vx;

	assert(n % QK_T2 == 0);
	for (int64_t i = 0; i < n / QK_T2; i++, y += QK_T2) {
		float	d = kern_f16_to_f32(x[i].d);

		for (int l = 0; l < 4; l++)
			for (int m = 0; m < QK_T2 / 4; m++)
				y[l * 8 + m] = (((x[i].qs[m] >> (2 * l)) & 3) -
				    1) * d;
	}
}

void
t2_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const block_t2	*w = vw;
	int64_t		 nb = cols / QK_T2;

	assert(cols % QK_T2 == 0 && cols <= a->n);
	for (int64_t r = r0; r < r1; r++) {
		const block_t2	*row = w + r * nb;
		float		 sumf = 0.0f;

		for (int64_t b = 0; b < nb; b++) {
			const int8_t	*q = a->q + b * QK_T2;
			int32_t		 isum = 0;

			for (int l = 0; l < 4; l++)
				for (int m = 0; m < QK_T2 / 4; m++)
					isum += (((row[b].qs[m] >> (2 * l)) &
					    3) - 1) * q[l * 8 + m];
			sumf += (float)isum *
			    (kern_f16_to_f32(row[b].d) * a->d[b]);
		}
		y[r] = sumf;
	}
}
