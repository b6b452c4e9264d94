/*
 * act.c: activation vectors for the integer kernels: buffers, and the
 * scalar reference quantizer (per 32-value block: scale = absmax / 127,
 * q = nearest integer of x / scale with ties to even, so q never leaves
 * [-127, 127] and SIMD rounding instructions can reproduce it exactly).
 */
#include "config.h"

#include "kern.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
kact_init(struct kact *a, int64_t n)
{
	int64_t	cap = (n + KACT_BLOCK - 1) / KACT_BLOCK * KACT_BLOCK;

	memset(a, 0, sizeof *a);
	if (cap <= 0)
		cap = KACT_BLOCK;
	a->cap = cap;
	/* C11 wants aligned_alloc sizes in whole multiples of the alignment */
	a->q = aligned_alloc(64, ((size_t)cap + 63) / 64 * 64);
	a->f = aligned_alloc(64, ((size_t)cap * sizeof(float) + 63) / 64 * 64);
	a->d = calloc((size_t)(cap / KACT_BLOCK), sizeof(float));
	a->sum = calloc((size_t)(cap / KACT_BLOCK), sizeof(int32_t));
	if (a->q == NULL || a->f == NULL || a->d == NULL || a->sum == NULL) {
		kact_free(a);
		return (Q_ENOMEM);
	}
	memset(a->q, 0, (size_t)cap);
	memset(a->f, 0, (size_t)cap * sizeof(float));
	return (Q_OK);
}

void
kact_free(struct kact *a)
{
	free(a->q);
	free(a->f);
	free(a->d);
	free(a->sum);
	memset(a, 0, sizeof *a);
}

void
kact_quantize_ref(struct kact *a, const float *x, int64_t n)
{
	int64_t	nb, b, i;

	assert(n >= 0 && n <= a->cap);
	nb = (n + KACT_BLOCK - 1) / KACT_BLOCK;
	memcpy(a->f, x, (size_t)n * sizeof(float));
	memset(a->f + n, 0, (size_t)(nb * KACT_BLOCK - n) * sizeof(float));
	a->n = nb * KACT_BLOCK;
	for (b = 0; b < nb; b++) {
		const float	*xb = a->f + b * KACT_BLOCK;
		int8_t		*qb = a->q + b * KACT_BLOCK;
		float		 amax = 0.0f, d, id;
		int32_t		 sum = 0;

		for (i = 0; i < KACT_BLOCK; i++)
			amax = fmaxf(amax, fabsf(xb[i]));
		d = amax / 127.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		for (i = 0; i < KACT_BLOCK; i++) {
			/* nearbyintf: ties to even, like vroundps/vcvtps2dq */
			float	v = nearbyintf(xb[i] * id);

			qb[i] = (int8_t)(v > 127.0f ? 127 : v < -127.0f ? -127 :
			    v);
			sum += qb[i];
		}
		a->d[b] = d;
		a->sum[b] = sum;
	}
}
