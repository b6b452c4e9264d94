/*
 * quant.c: AVX-512 twins of the weight quantizers of q8_0, q4_0, tq2_0, t2
 * and t2m, writing exactly the bytes kernels/ref/ writes, for any input.
 * Exactness comes from doing the reference's own float operations, only
 * sixteen lanes at a time: the absolute maximum is exact in any order once
 * NaNs are dropped as fmaxf drops them (vmaxps returns its second operand
 * on NaN), the scale and its inverse are the same scalar divisions, x * id
 * is one rounded multiply per lane, and each rounding is rebuilt from
 * exact steps: half away from zero as truncation plus the exact remainder
 * against +-0.5, the ternary codes as the reference's two compares.
 * vcvtps2ph rounding to nearest even gives kern_f32_to_f16's bits for
 * every one of the 2^32 floats (checked exhaustively), so scales convert
 * in one instruction.  t2m's row mean is a sequential double sum in the
 * reference; when the row's magnitudes span few enough binades that every
 * partial sum is exact, any order gives that sum, so it is summed
 * sixteen lanes wide (t2m_abssum).  TQ1_0, f16 and bf16 have no twins
 * here: the AVX2 ones serve.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "blocks.h"

/* kern_f32_to_f16(d), in one instruction. */
static inline kern_half
quant_half(float d)
{
	return ((kern_half)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(d),
	    _MM_FROUND_TO_NEAREST_INT), 0));
}

/* Lane-wise max(m, |x|) that keeps m where x is NaN, as fmaxf does. */
static inline __m512
quant_absmax(__m512 m, __m512 x)
{
	return (_mm512_max_ps(_mm512_abs_ps(x), m));
}

/* Q8_0 codes of 16 weights: round_away(x * id) as int8.  For a finite
 * product the truncation and the remainder are exact; for +-inf and NaN
 * (a block whose 1 / d overflowed) vcvttps2dq gives INT_MIN, and the
 * remainder's compares turn that into bytes 1, -1 and 0: the reference's
 * sign codes. */
static inline __m128i
q8_0_codes(__m512 x, __m512 id)
{
	const __m512i	m1 = _mm512_set1_epi32(-1);
	__m512		v, f;
	__m512i		i;
	__mmask16	up, dn;

	v = _mm512_mul_ps(x, id);
	i = _mm512_cvttps_epi32(v);
	f = _mm512_sub_ps(v, _mm512_cvtepi32_ps(i));
	up = _mm512_cmp_ps_mask(f, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
	dn = _mm512_cmp_ps_mask(f, _mm512_set1_ps(-0.5f), _CMP_LE_OQ);
	i = _mm512_mask_sub_epi32(i, up, i, m1);
	i = _mm512_mask_add_epi32(i, dn, i, m1);
	return (_mm512_cvtepi32_epi8(i));
}

void
q8_0_quantize_avx512(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_Q8_0 == 0);
	for (b = 0; b < n / QK_Q8_0; b++, x += QK_Q8_0,
	    y += sizeof(block_q8_0)) {
		__m512		x0, x1, vid;
		float		amax, d, id;
		kern_half	h;

		x0 = _mm512_loadu_ps(x);
		x1 = _mm512_loadu_ps(x + 16);
		amax = _mm512_reduce_max_ps(quant_absmax(quant_absmax(
		    _mm512_setzero_ps(), x0), x1));
		d = amax / 127.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		h = quant_half(d);
		memcpy(y, &h, sizeof h);
		vid = _mm512_set1_ps(id);
		_mm_storeu_si128((__m128i *)(y + 2), q8_0_codes(x0, vid));
		_mm_storeu_si128((__m128i *)(y + 18), q8_0_codes(x1, vid));
	}
}

/* Q4_0 nibbles of 16 weights: trunc(x * id + 8.5) clamped to 15.  The add
 * is a separate instruction, never fused with the multiply (the _round
 * form is opaque to the compiler).  +-inf and NaN truncate to INT_MIN,
 * whose low nibble is the reference's 0. */
static inline __m512i
q4_0_nibbles(__m512 x, __m512 id)
{
	__m512	v;

	v = _mm512_add_round_ps(_mm512_mul_ps(x, id), _mm512_set1_ps(8.5f),
	    _MM_FROUND_CUR_DIRECTION);
	return (_mm512_min_epi32(_mm512_cvttps_epi32(v),
	    _mm512_set1_epi32(15)));
}

void
q4_0_quantize_avx512(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_Q4_0 == 0);
	for (b = 0; b < n / QK_Q4_0; b++, x += QK_Q4_0,
	    y += sizeof(block_q4_0)) {
		__m512		x0, x1, vid, va;
		__m512i		lo, hi;
		uint32_t	at;
		float		amax, max, d, id;
		kern_half	h;

		x0 = _mm512_loadu_ps(x);
		x1 = _mm512_loadu_ps(x + 16);
		amax = _mm512_reduce_max_ps(quant_absmax(quant_absmax(
		    _mm512_setzero_ps(), x0), x1));
		/* the reference keeps the first weight of greatest
		 * magnitude, sign and all, and +0 when there is none */
		max = 0.0f;
		if (amax != 0.0f) {
			va = _mm512_set1_ps(amax);
			at = _mm512_cmp_ps_mask(_mm512_abs_ps(x0), va,
			    _CMP_EQ_OQ) | (uint32_t)_mm512_cmp_ps_mask(
			    _mm512_abs_ps(x1), va, _CMP_EQ_OQ) << 16;
			max = x[__builtin_ctz(at)];
		}
		d = max / -8.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		h = quant_half(d);
		memcpy(y, &h, sizeof h);
		vid = _mm512_set1_ps(id);
		lo = q4_0_nibbles(x0, vid);
		hi = q4_0_nibbles(x1, vid);
		_mm_storeu_si128((__m128i *)(y + 2), _mm512_cvtepi32_epi8(
		    _mm512_or_si512(lo, _mm512_slli_epi32(hi, 4))));
	}
}

/* Masks of the 32 weights at x whose ternary value is +1 (*up) and -1
 * (*dn): v = x * id against +-0.5, strictly for t2's ties to even, or
 * inclusively (ge) for TQ2_0's ties away from zero. */
static inline void
quant_trits(const float *x, __m512 id, int ge, __mmask32 *up,
    __mmask32 *dn)
{
	__m512	v0, v1;

	v0 = _mm512_mul_ps(_mm512_loadu_ps(x), id);
	v1 = _mm512_mul_ps(_mm512_loadu_ps(x + 16), id);
	if (ge) {
		*up = _mm512_cmp_ps_mask(v0, _mm512_set1_ps(0.5f),
		    _CMP_GE_OQ) | (uint32_t)_mm512_cmp_ps_mask(v1,
		    _mm512_set1_ps(0.5f), _CMP_GE_OQ) << 16;
		*dn = _mm512_cmp_ps_mask(v0, _mm512_set1_ps(-0.5f),
		    _CMP_LE_OQ) | (uint32_t)_mm512_cmp_ps_mask(v1,
		    _mm512_set1_ps(-0.5f), _CMP_LE_OQ) << 16;
	} else {
		*up = _mm512_cmp_ps_mask(v0, _mm512_set1_ps(0.5f),
		    _CMP_GT_OQ) | (uint32_t)_mm512_cmp_ps_mask(v1,
		    _mm512_set1_ps(0.5f), _CMP_GT_OQ) << 16;
		*dn = _mm512_cmp_ps_mask(v0, _mm512_set1_ps(-0.5f),
		    _CMP_LT_OQ) | (uint32_t)_mm512_cmp_ps_mask(v1,
		    _mm512_set1_ps(-0.5f), _CMP_LT_OQ) << 16;
	}
}

/* Codes 0, 1, 2 (value + 1) of 32 weights as bytes, shifted left by s. */
static inline __m256i
quant_codes(__mmask32 up, __mmask32 dn, int s)
{
	return (_mm256_mask_blend_epi8(up, _mm256_maskz_mov_epi8(~dn,
	    _mm256_set1_epi8((char)(1 << s))),
	    _mm256_set1_epi8((char)(2 << s))));
}

/* Stores the T2 codes of the 32 weights at x: byte m gathers weights m,
 * m + 8, m + 16, m + 24, so each 8-byte lane l of the codes moves up by
 * 2l bits and the four lanes are or-ed together. */
static inline void
t2_store(const float *x, __m512 id, uint8_t *qs)
{
	__m256i		c;
	__m128i		o;
	__mmask32	up, dn;

	quant_trits(x, id, 0, &up, &dn);
	c = _mm256_sllv_epi64(quant_codes(up, dn, 0),
	    _mm256_setr_epi64x(0, 2, 4, 6));
	o = _mm_or_si128(_mm256_castsi256_si128(c),
	    _mm256_extracti128_si256(c, 1));
	o = _mm_or_si128(o, _mm_unpackhi_epi64(o, o));
	_mm_storel_epi64((__m128i *)qs, o);
}

void
t2_quantize_avx512(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_T2 == 0);
	for (b = 0; b < n / QK_T2; b++, x += QK_T2, y += sizeof(block_t2)) {
		float		amax;
		kern_half	h;

		amax = _mm512_reduce_max_ps(quant_absmax(quant_absmax(
		    _mm512_setzero_ps(), _mm512_loadu_ps(x)),
		    _mm512_loadu_ps(x + 16)));
		h = quant_half(amax);
		memcpy(y, &h, sizeof h);
		t2_store(x, _mm512_set1_ps(amax != 0.0f ? 1.0f / amax : 0.0f),
		    y + 2);
	}
}

/* The reference's sum of |x[i]| over the row (kern_abssum_seq) and the
 * count of non-zero x[i]: sixteen lanes wide when kern_abssum_exact says
 * any order gives that sum, else (or with inf or NaN about) again in
 * order. */
static double
t2m_abssum(const float *x, int64_t n, int64_t *nz)
{
	const __m512	big = _mm512_set1_ps(3.40282347e38f);
	__m512		mx = _mm512_setzero_ps();
	__m512		mn = _mm512_set1_ps(INFINITY);
	__m512d		s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
	__mmask16	bad = 0;
	int64_t		i, cnt = 0;
	float		lo, hi;

	for (i = 0; i < n; i += 16) {
		__m512		a = _mm512_abs_ps(_mm512_loadu_ps(x + i));
		__mmask16	k;

		k = _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_NEQ_UQ);
		cnt += __builtin_popcount(k);
		bad |= _mm512_cmp_ps_mask(a, big, _CMP_NLE_UQ);
		mx = _mm512_max_ps(mx, a);
		mn = _mm512_mask_min_ps(mn, k, mn, a);
		s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(
		    _mm512_castps512_ps256(a)));
		s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(
		    _mm512_extractf64x4_pd(_mm512_castps_pd(a), 1))));
	}
	*nz = cnt;
	if (cnt == 0)
		return (0.0);
	if (bad == 0) {
		hi = _mm512_reduce_max_ps(mx);
		lo = _mm512_reduce_min_ps(mn);
		if (kern_abssum_exact(n, lo, hi))
			return (_mm512_reduce_add_pd(_mm512_add_pd(s0, s1)));
	}
	return (kern_abssum_seq(x, n));
}

void
t2m_quantize_avx512(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b, nz;
	double		 sum;
	float		 s;
	kern_half	 h;
	__m512		 vid;

	assert(n % QK_T2 == 0);
	sum = t2m_abssum(x, n, &nz);
	s = nz > 0 ? (float)(sum / nz) : 0.0f;
	h = quant_half(s);
	vid = _mm512_set1_ps(s != 0.0f ? 1.0f / s : 0.0f);
	for (b = 0; b < n / QK_T2; b++, x += QK_T2, y += sizeof(block_t2)) {
		memcpy(y, &h, sizeof h);
		t2_store(x, vid, y + 2);
	}
}

void
tq2_0_quantize_avx512(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_TQ2_0 == 0);
	for (b = 0; b < n / QK_TQ2_0; b++, x += QK_TQ2_0,
	    y += sizeof(block_tq2_0)) {
		__m512		m = _mm512_setzero_ps(), vid;
		float		amax;
		kern_half	h;

		for (int k = 0; k < QK_TQ2_0; k += 16)
			m = quant_absmax(m, _mm512_loadu_ps(x + k));
		amax = _mm512_reduce_max_ps(m);
		vid = _mm512_set1_ps(amax != 0.0f ? 1.0f / amax : 0.0f);
		/* byte hh*32 + m takes weight hh*128 + l*32 + m at bits 2l */
		for (int hh = 0; hh < 2; hh++) {
			__m256i		o = _mm256_setzero_si256();
			__mmask32	up, dn;

			for (int l = 0; l < 4; l++) {
				quant_trits(x + hh * 128 + l * 32, vid, 1,
				    &up, &dn);
				o = _mm256_or_si256(o,
				    quant_codes(up, dn, 2 * l));
			}
			_mm256_storeu_si256((__m256i *)(y + hh * 32), o);
		}
		h = quant_half(amax);
		memcpy(y + QK_TQ2_0 / 4, &h, sizeof h);
	}
}
