/*
 * act.c: AVX2 twin of the activation quantizer, bit for bit the scalar
 * reference: the same fmaxf-style absmax (a NaN input never wins), the
 * same scalar d = amax / 127 and id = 1 / d, one plain multiply x * id
 * per value (never fused) rounded ties-to-even by vroundps, so every q, d
 * and sum equals kact_quantize_ref's.  A block is four ymm registers;
 * the int32 results are packed to bytes in two saturating steps and put
 * back in order by one cross-lane permute.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <string.h>

/* Quantizes one 32-value block of a->f into q and returns its sum. */
static inline int32_t
act_block(const float *xb, int8_t *qb, float *dp)
{
	const __m256	 absmask = _mm256_castsi256_ps(
	    _mm256_set1_epi32(0x7fffffff));
	const __m256	 hi = _mm256_set1_ps(127.0f);
	const __m256	 lo = _mm256_set1_ps(-127.0f);
	__m256		 x[4], m, vid;
	__m128		 m4;
	__m256i		 qi[4], s, p;
	__m128i		 s4;
	float		 amax, d, id;
	int		 i;

	m = _mm256_setzero_ps();
	for (i = 0; i < 4; i++) {
		x[i] = _mm256_loadu_ps(xb + 8 * i);
		/* maxps returns its second operand when either is NaN, so a
		 * NaN in x is skipped as fmaxf skips it */
		m = _mm256_max_ps(_mm256_and_ps(x[i], absmask), m);
	}
	m4 = _mm_max_ps(_mm256_castps256_ps128(m),
	    _mm256_extractf128_ps(m, 1));
	m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
	m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
	amax = _mm_cvtss_f32(m4);
	d = amax / 127.0f;
	id = d != 0.0f ? 1.0f / d : 0.0f;
	vid = _mm256_set1_ps(id);
	s = _mm256_setzero_si256();
	for (i = 0; i < 4; i++) {
		__m256	v = _mm256_round_ps(_mm256_mul_ps(x[i], vid),
		    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);

		/* a NaN product (inf or NaN input) becomes 0, as the
		 * reference's float-to-int8 conversion leaves it on x86;
		 * then clamp so that nothing packs to -128 */
		v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
		v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
		qi[i] = _mm256_cvttps_epi32(v);
		s = _mm256_add_epi32(s, qi[i]);
	}
	/* packs interleave 128-bit lanes: dwords come out as
	 * q0 q8 q16 q24 q4 q12 q20 q28 (in units of 4 values) */
	p = _mm256_packs_epi16(_mm256_packs_epi32(qi[0], qi[1]),
	    _mm256_packs_epi32(qi[2], qi[3]));
	p = _mm256_permutevar8x32_epi32(p,
	    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
	_mm256_storeu_si256((__m256i *)qb, p);
	s4 = _mm_add_epi32(_mm256_castsi256_si128(s),
	    _mm256_extracti128_si256(s, 1));
	s4 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
	s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 1));
	*dp = d;
	return (_mm_cvtsi128_si32(s4));
}

void
kact_quantize_avx2(struct kact *a, const float *x, int64_t n)
{
	int64_t	nb, b;

	assert(n >= 0 && n <= a->cap);
	nb = (n + KACT_BLOCK - 1) / KACT_BLOCK;
	memcpy(a->f, x, (size_t)n * sizeof(float));
	memset(a->f + n, 0, (size_t)(nb * KACT_BLOCK - n) * sizeof(float));
	a->n = nb * KACT_BLOCK;
	for (b = 0; b < nb; b++)
		a->sum[b] = act_block(a->f + b * KACT_BLOCK,
		    a->q + b * KACT_BLOCK, &a->d[b]);
}
