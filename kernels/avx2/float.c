/*
 * float.c: AVX2/FMA/F16C twins of the f32, f16 and bf16 matrix-vector
 * products, which read the f32 activations a->f.  Four rows go together
 * so each activation load feeds four FMAs, with two accumulators per row
 * to cover the FMA latency; halves widen with vcvtph2ps, bfloat16 by a
 * 16-bit shift.  A call whose row count is not a multiple of four repeats
 * its last row in the missing slots and drops their results, so a row's
 * arithmetic (and its result, bit for bit) never depends on which rows
 * share its call.  Columns past the last multiple of 8 are summed in
 * scalar code after the vector part, in the same order for every row.
 */
#include "config.h"

#include "kern-impl.h"

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "rows4.h"

enum float_kind { FLOAT_F32, FLOAT_F16, FLOAT_BF16 };

#define FLOAT_NR	4

/* Eight weights from p as floats. */
static inline __m256
float_load8(const uint8_t *p, enum float_kind kind)
{
	switch (kind) {
	case FLOAT_F32:
		return (_mm256_loadu_ps((const float *)(const void *)p));
	case FLOAT_F16:
		return (_mm256_cvtph_ps(_mm_loadu_si128(
		    (const __m128i *)(const void *)p)));
	default:
		return (_mm256_castsi256_ps(_mm256_slli_epi32(
		    _mm256_cvtepu16_epi32(_mm_loadu_si128(
		    (const __m128i *)(const void *)p)), 16)));
	}
}

/* One weight at p as a float (the scalar column tail). */
static inline float
float_load1(const uint8_t *p, enum float_kind kind)
{
	float		f;
	uint16_t	h;

	switch (kind) {
	case FLOAT_F32:
		memcpy(&f, p, sizeof f);
		return (f);
	case FLOAT_F16:
		memcpy(&h, p, sizeof h);
		return (kern_f16_to_f32(h));
	default:
		memcpy(&h, p, sizeof h);
		return (kern_bf16_to_f32(h));
	}
}

/* Always inlined: each caller's kind folds away the switches. */
static inline __attribute__((always_inline)) void
float_matvec(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1,
    enum float_kind kind)
{
	const uint8_t	*w = vw;
	const float	*x = a->f;
	size_t		 es = kind == FLOAT_F32 ? 4 : 2;
	size_t		 rb = (size_t)cols * es;
	int64_t		 r, i, k, last;

	for (r = r0; r < r1; r += FLOAT_NR) {
		const uint8_t	*row[FLOAT_NR];
		__m256		 acc0[FLOAT_NR], acc1[FLOAT_NR], xv;
		float		 out[FLOAT_NR];

#pragma GCC unroll 4
		for (k = 0; k < FLOAT_NR; k++) {
			last = r + k < r1 ? r + k : r1 - 1;
			row[k] = w + (size_t)last * rb;
			acc0[k] = _mm256_setzero_ps();
			acc1[k] = _mm256_setzero_ps();
		}
		for (i = 0; i + 16 <= cols; i += 16) {
			xv = _mm256_loadu_ps(x + i);
#pragma GCC unroll 4
			for (k = 0; k < FLOAT_NR; k++)
				acc0[k] = _mm256_fmadd_ps(float_load8(row[k] +
				    i * es, kind), xv, acc0[k]);
			xv = _mm256_loadu_ps(x + i + 8);
#pragma GCC unroll 4
			for (k = 0; k < FLOAT_NR; k++)
				acc1[k] = _mm256_fmadd_ps(float_load8(row[k] +
				    (i + 8) * es, kind), xv, acc1[k]);
		}
		if (i + 8 <= cols) {
			xv = _mm256_loadu_ps(x + i);
#pragma GCC unroll 4
			for (k = 0; k < FLOAT_NR; k++)
				acc0[k] = _mm256_fmadd_ps(float_load8(row[k] +
				    i * es, kind), xv, acc0[k]);
			i += 8;
		}
#pragma GCC unroll 4
		for (k = 0; k < FLOAT_NR; k++) {
			out[k] = rows4_hsum(_mm256_add_ps(acc0[k], acc1[k]));
			for (int64_t j = i; j < cols; j++)
				out[k] += float_load1(row[k] + j * es, kind) *
				    x[j];
		}
		for (k = 0; k < FLOAT_NR && r + k < r1; k++)
			y[r + k] = out[k];
	}
}

void
f32_matvec_avx2(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(w, cols, a, y, r0, r1, FLOAT_F32);
}

void
f16_matvec_avx2(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(w, cols, a, y, r0, r1, FLOAT_F16);
}

void
bf16_matvec_avx2(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(w, cols, a, y, r0, r1, FLOAT_BF16);
}
