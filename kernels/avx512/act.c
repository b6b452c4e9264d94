/*
 * act.c: the AVX-512 twin of kact_quantize_ref, bit for bit: one 32-value
 * block per step in two zmm registers.  The absolute maximum is exact in
 * any order once NaNs are mapped to 0 (fmaxf ignores them), the scale and
 * its inverse are the same scalar divisions, and x * id rounded by
 * vrndscaleps to nearest-even then clamped in float is what nearbyintf and
 * the reference's clamp give; the block sum is taken from the stored bytes.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

/* Rounds, clamps to [-127, 127] keeping NaN (as the reference's compares
 * do) and converts 16 scaled values; the caller truncates to bytes. */
static inline __m512i
act_round(__m512 v)
{
	v = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT |
	    _MM_FROUND_NO_EXC);
	/* min/max return their second operand on NaN: keep v there */
	v = _mm512_min_ps(_mm512_set1_ps(127.0f), v);
	v = _mm512_max_ps(_mm512_set1_ps(-127.0f), v);
	return (_mm512_cvtps_epi32(v));
}

void
kact_quantize_avx512(struct kact *a, const float *x, int64_t n)
{
	int64_t	nb, b;

	assert(n >= 0 && n <= a->cap);
	nb = (n + KACT_BLOCK - 1) / KACT_BLOCK;
	memcpy(a->f, x, (size_t)n * sizeof(float));
	memset(a->f + n, 0, (size_t)(nb * KACT_BLOCK - n) * sizeof(float));
	a->n = nb * KACT_BLOCK;
	for (b = 0; b < nb; b++) {
		const float	*xb = a->f + b * KACT_BLOCK;
		__m512		 x0, x1, m;
		__m512i		 i0, i1, s;
		float		 amax, d, id;

		x0 = _mm512_load_ps(xb);
		x1 = _mm512_load_ps(xb + 16);
		/* max(|x|, 0) turns NaN into 0, which fmaxf would skip */
		m = _mm512_max_ps(
		    _mm512_max_ps(_mm512_abs_ps(x0), _mm512_setzero_ps()),
		    _mm512_max_ps(_mm512_abs_ps(x1), _mm512_setzero_ps()));
		amax = _mm512_reduce_max_ps(m);
		d = amax / 127.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		i0 = act_round(_mm512_mul_ps(x0, _mm512_set1_ps(id)));
		i1 = act_round(_mm512_mul_ps(x1, _mm512_set1_ps(id)));
		_mm_store_si128((__m128i *)(a->q + b * KACT_BLOCK),
		    _mm512_cvtepi32_epi8(i0));
		_mm_store_si128((__m128i *)(a->q + b * KACT_BLOCK + 16),
		    _mm512_cvtepi32_epi8(i1));
		/* sign-extend the stored byte back, so a NaN's 0x80000000
		 * counts as the 0 it became */
		s = _mm512_add_epi32(
		    _mm512_srai_epi32(_mm512_slli_epi32(i0, 24), 24),
		    _mm512_srai_epi32(_mm512_slli_epi32(i1, 24), 24));
		a->d[b] = d;
		a->sum[b] = _mm512_reduce_add_epi32(s);
	}
}
