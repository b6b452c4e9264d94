/*
 * float.c: AVX-512 matrix-vector products for the f32, f16 and bf16 weight
 * formats, reading the f32 activations.  Four rows share each activation
 * load; each row keeps two 16-lane FMA accumulators (so the FMA latency is
 * covered) that are summed, then reduced, in a fixed order, so a row's
 * result never depends on which rows share its call.  f16 widens with
 * vcvtph2ps (exact, subnormals included), bf16 by a 16-bit shift.  A tail
 * of fewer than 16 columns uses masked loads.
 */
#include "config.h"

#include "kern-impl.h"
#include "rows.h"

#include <immintrin.h>

#define FLOAT_ROWS	4

enum float_kind { FLOAT_F32, FLOAT_F16, FLOAT_BF16 };

/* 16 weights from p (any alignment) as floats; the first n when n < 16. */
static inline __attribute__((always_inline)) __m512
float_load(const uint8_t *p, enum float_kind kind, __mmask16 k)
{
	switch (kind) {
	case FLOAT_F32:
		return (_mm512_maskz_loadu_ps(k, p));
	case FLOAT_F16:
		return (_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, p)));
	default:
		return (_mm512_castsi512_ps(_mm512_slli_epi32(
		    _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(k, p)),
		    16)));
	}
}

/* Rows [r, r + R) of the matrix at w; R is a constant after inlining. */
static inline __attribute__((always_inline)) void
float_rows(const uint8_t *w, size_t rb, int64_t cols,
    const struct kact *a, float *y, int R, enum float_kind kind)
{
	const int	 es = kind == FLOAT_F32 ? 4 : 2;
	__m512		 acc0[FLOAT_ROWS], acc1[FLOAT_ROWS], x0, x1;
	int64_t		 i;
	int		 r;

	#pragma GCC unroll 16
	for (r = 0; r < R; r++) {
		acc0[r] = _mm512_setzero_ps();
		acc1[r] = _mm512_setzero_ps();
	}
	for (i = 0; i + 32 <= cols; i += 32) {
		x0 = _mm512_load_ps(a->f + i);
		x1 = _mm512_load_ps(a->f + i + 16);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++) {
			const uint8_t *p = w + r * rb + i * es;

			acc0[r] = _mm512_fmadd_ps(float_load(p, kind, 0xffff),
			    x0, acc0[r]);
			acc1[r] = _mm512_fmadd_ps(float_load(p + 16 * es, kind,
			    0xffff), x1, acc1[r]);
		}
	}
	for (; i < cols; i += 16) {
		__mmask16	k = cols - i >= 16 ? 0xffff :
		    (__mmask16)((1u << (cols - i)) - 1);

		/* a->f is zero-padded to whole blocks only: mask it too */
		x0 = _mm512_maskz_loadu_ps(k, a->f + i);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++)
			acc0[r] = _mm512_fmadd_ps(float_load(w + r * rb +
			    i * es, kind, k), x0, acc0[r]);
	}
	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc0[r] = _mm512_add_ps(acc0[r], acc1[r]);
	avx512_sum8(acc0, y, R);
}

static inline __attribute__((always_inline)) void
float_matvec(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0,
    int64_t r1, enum float_kind kind)
{
	const uint8_t	*w = vw;
	size_t		 rb = (size_t)cols * (kind == FLOAT_F32 ? 4 : 2);
	int64_t		 r = r0;

	for (; r + FLOAT_ROWS <= r1; r += FLOAT_ROWS)
		float_rows(w + r * rb, rb, cols, a, y + r, FLOAT_ROWS, kind);
	for (; r < r1; r++)
		float_rows(w + r * rb, rb, cols, a, y + r, 1, kind);
}

void
f32_matvec_avx512(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(w, cols, a, y, r0, r1, FLOAT_F32);
}

void
f16_matvec_avx512(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(w, cols, a, y, r0, r1, FLOAT_F16);
}

void
bf16_matvec_avx512(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(w, cols, a, y, r0, r1, FLOAT_BF16);
}
