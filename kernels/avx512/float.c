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

/* y[0..R) = the lane sums of acc[0..R), R <= 8, as a transposing tree
 * (24 instructions for eight rows rather than 64).  Each row's lanes are
 * paired as in a reduction of its own (i with i + 8, then + 4, + 2, + 1),
 * whichever rows share the tree, so its sum is the same bit for bit. */
static inline __attribute__((always_inline)) void
float_sum(const __m512 *acc, float *y, int R)
{
	__m512	a[8], t[4], u, v, w0, w1;
	int	i;

	#pragma GCC unroll 8
	for (i = 0; i < 8; i++)
		a[i] = i < R ? acc[i] : _mm512_setzero_ps();
	#pragma GCC unroll 4
	for (i = 0; i < 4; i++)		/* i with i + 8 */
		t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i],
		    a[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
		    _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1],
		    _MM_SHUFFLE(3, 2, 3, 2)));
	/* i with i + 4: 128-bit lane r of w0 (w1) holds row r (r + 4) */
	w0 = _mm512_add_ps(_mm512_shuffle_f32x4(t[0], t[1],
	    _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_f32x4(t[0], t[1],
	    _MM_SHUFFLE(3, 1, 3, 1)));
	w1 = _mm512_add_ps(_mm512_shuffle_f32x4(t[2], t[3],
	    _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_f32x4(t[2], t[3],
	    _MM_SHUFFLE(3, 1, 3, 1)));
	/* i with i + 2: lane r holds row r in 0, 1 and row r + 4 in 2, 3 */
	u = _mm512_add_ps(_mm512_shuffle_ps(w0, w1, _MM_SHUFFLE(1, 0, 1, 0)),
	    _mm512_shuffle_ps(w0, w1, _MM_SHUFFLE(3, 2, 3, 2)));
	/* i with i + 1 */
	v = _mm512_add_ps(u, _mm512_permute_ps(u, _MM_SHUFFLE(2, 3, 0, 1)));
	_mm256_mask_storeu_ps(y, (__mmask8)((1u << R) - 1),
	    _mm512_castps512_ps256(_mm512_permutexvar_ps(_mm512_set_epi32(0,
	    0, 0, 0, 0, 0, 0, 0, 14, 10, 6, 2, 12, 8, 4, 0), v)));
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
	float_sum(acc0, y, R);
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
