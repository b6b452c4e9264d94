/*
 * float.c: scalar reference matrix-vector products for the 32- and 16-bit
 * weight formats, which read the f32 activations: one f32 accumulator per
 * row, summed in column order.
 */
#include "config.h"

#include "kern-impl.h"

#include <string.h>

void
f32_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;

	/* read through memcpy: an f32 row may sit at any address */
	for (int64_t r = r0; r < r1; r++) {
		const uint8_t	*row = w + r * cols * 4;
		float		 sum = 0.0f, v;

		for (int64_t i = 0; i < cols; i++) {
			memcpy(&v, row + 4 * i, 4);
			sum += v * a->f[i];
		}
		y[r] = sum;
	}
}

/* One accumulator per row of 16-bit floats widened by conv. */
static void
float_matvec16(const uint8_t *w, int64_t cols, const struct kact *a,
    float *y, int64_t r0, int64_t r1, float (*conv)(uint16_t))
{
	for (int64_t r = r0; r < r1; r++) {
		const uint8_t	*row = w + r * cols * 2;
		float		 sum = 0.0f;
		uint16_t	 h;

		for (int64_t i = 0; i < cols; i++) {
			memcpy(&h, row + 2 * i, 2);
			sum += conv(h) * a->f[i];
		}
		y[r] = sum;
	}
}

void
f16_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec16(vw, cols, a, y, r0, r1, kern_f16_to_f32);
}

void
bf16_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec16(vw, cols, a, y, r0, r1, kern_bf16_to_f32);
}
