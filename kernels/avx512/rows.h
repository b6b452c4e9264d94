/*
 * rows.h: what the AVX-512 kernels share: load masks for partial groups
 * and the transposing tree that turns up to eight rows' accumulators into
 * their sums, the same bit for bit whichever rows share the tree.
 */
#ifndef QCMP_AVX512_ROWS_H
#define QCMP_AVX512_ROWS_H

#include <immintrin.h>
#include <stdint.h>

#define AVX512_INLINE	static inline __attribute__((always_inline))

/* A mask of the first n bytes of a 64-byte load (n clipped to 0..64). */
AVX512_INLINE __mmask64
avx512_mask(int64_t n)
{
	return (n >= 64 ? ~(__mmask64)0 : n <= 0 ? 0 :
	    ((__mmask64)1 << n) - 1);
}

/* y[0..R) = the lane sums of acc[0..R), R <= 8, as a transposing tree
 * (24 instructions for eight rows rather than 64).  Each row's lanes are
 * paired as in a reduction of its own (i with i + 8, then + 4, + 2, + 1),
 * whichever rows share the tree, so its sum is the same bit for bit. */
AVX512_INLINE void
avx512_sum8(const __m512 *acc, float *y, int R)
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

#endif
