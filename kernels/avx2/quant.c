/*
 * quant.c: AVX2 + F16C twins of the weight quantizers (f16, bf16, q8_0,
 * q4_0, tq1_0, tq2_0, t2, t2m), writing exactly the bytes kernels/ref/
 * writes, for any input.  Exactness comes from doing the reference's own
 * float operations, only eight lanes at a time: the absolute maximum is
 * exact in any order once NaNs are dropped as fmaxf drops them (vmaxps
 * returns its second operand on NaN), the scale and its inverse are the
 * same scalar divisions, x * id is one rounded multiply per lane (kept
 * apart from a following add, see quant_nofuse), and each rounding is
 * rebuilt from exact steps: half away from zero as truncation plus the
 * exact remainder against +-0.5, the ternary codes as the reference's two
 * compares.  vcvtps2ph rounding to nearest even gives kern_f32_to_f16's
 * bits for every one of the 2^32 floats (checked exhaustively), so scales
 * and f16 rows convert in one instruction.  Codes are computed as int32
 * lanes and narrowed with the saturating packs, whose lane interleave one
 * vpermd undoes.  t2m's row mean is a sequential double sum in the
 * reference; when the row's magnitudes span few enough binades that every
 * partial sum is exact, any order gives that sum (t2m_abssum).
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "blocks.h"

/* Keeps the rounding of the multiply that made v: the compiler may not
 * fuse it with the add that follows into one FMA. */
#define quant_nofuse(v)	__asm__("" : "+x"(v))

/* kern_f32_to_f16(d), in one instruction. */
static inline kern_half
quant_half(float d)
{
	return ((kern_half)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(d),
	    _MM_FROUND_TO_NEAREST_INT), 0));
}

/* Lane-wise max(m, |x|) that keeps m where x is NaN, as fmaxf does. */
static inline __m256
quant_absmax(__m256 m, __m256 x)
{
	return (_mm256_max_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x),
	    m));
}

/* The largest of 8 lanes (none NaN). */
static inline float
quant_hmax(__m256 m)
{
	__m128	h;

	h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
	h = _mm_max_ps(h, _mm_movehl_ps(h, h));
	h = _mm_max_ss(h, _mm_movehdup_ps(h));
	return (_mm_cvtss_f32(h));
}

/* The smallest of 8 lanes (none NaN). */
static inline float
quant_hmin(__m256 m)
{
	__m128	h;

	h = _mm_min_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
	h = _mm_min_ps(h, _mm_movehl_ps(h, h));
	h = _mm_min_ss(h, _mm_movehdup_ps(h));
	return (_mm_cvtss_f32(h));
}

/* max(0, |x[0..32)|) skipping NaNs: the references' fmaxf loop. */
static inline float
quant_absmax32(const float *x)
{
	__m256	m = _mm256_setzero_ps();

	for (int k = 0; k < 32; k += 8)
		m = quant_absmax(m, _mm256_loadu_ps(x + k));
	return (quant_hmax(m));
}

/* 32 int32 lanes, each within int8 (or int16) range, as 32 bytes in
 * order: the packs interleave the 128-bit lanes, vpermd restores them. */
static inline __m256i
quant_bytes(__m256i c0, __m256i c1, __m256i c2, __m256i c3)
{
	__m256i	b;

	b = _mm256_packs_epi16(_mm256_packs_epi32(c0, c1),
	    _mm256_packs_epi32(c2, c3));
	return (_mm256_permutevar8x32_epi32(b,
	    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

void
f16_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 i;
	kern_half	 h;

	assert(n >= 0);
	for (i = 0; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(y + 2 * i), _mm256_cvtps_ph(
		    _mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++) {
		h = quant_half(x[i]);
		memcpy(y + 2 * i, &h, sizeof h);
	}
}

/* kern_f32_to_bf16 on 8 lanes: round to nearest even on the bit pattern,
 * a NaN kept quiet.  Results are 16-bit values in int32 lanes. */
static inline __m256i
quant_bf16(__m256 x)
{
	__m256i	u = _mm256_castps_si256(x), r, nan;

	nan = _mm256_cmpgt_epi32(_mm256_and_si256(u,
	    _mm256_set1_epi32(0x7fffffff)), _mm256_set1_epi32(0x7f800000));
	r = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff),
	    _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1))));
	r = _mm256_blendv_epi8(_mm256_srli_epi32(r, 16),
	    _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40)),
	    nan);
	return (r);
}

void
bf16_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 i;
	uint16_t	 h;

	assert(n >= 0);
	for (i = 0; i + 16 <= n; i += 16) {
		__m256i	w;

		w = _mm256_packus_epi32(quant_bf16(_mm256_loadu_ps(x + i)),
		    quant_bf16(_mm256_loadu_ps(x + i + 8)));
		_mm256_storeu_si256((__m256i *)(y + 2 * i),
		    _mm256_permute4x64_epi64(w, 0xd8));
	}
	for (; i < n; i++) {
		h = kern_f32_to_bf16(x[i]);
		memcpy(y + 2 * i, &h, sizeof h);
	}
}

/* Q8_0 codes of 8 weights: round_away(x * id).  For a finite product the
 * truncation and the remainder are exact; +-inf and NaN (a block whose
 * 1 / d overflowed) truncate to INT_MIN, which the remainder's compares
 * turn into INT_MIN + 1, INT_MAX and INT_MIN: the reference's int8 is
 * their low byte (1, -1, 0), sign-extended here so the packs keep it. */
static inline __m256i
q8_0_codes(__m256 x, __m256 id)
{
	__m256	v, f;
	__m256i	i;

	v = _mm256_mul_ps(x, id);
	i = _mm256_cvttps_epi32(v);
	f = _mm256_sub_ps(v, _mm256_cvtepi32_ps(i));
	i = _mm256_sub_epi32(i, _mm256_castps_si256(_mm256_cmp_ps(f,
	    _mm256_set1_ps(0.5f), _CMP_GE_OQ)));
	i = _mm256_add_epi32(i, _mm256_castps_si256(_mm256_cmp_ps(f,
	    _mm256_set1_ps(-0.5f), _CMP_LE_OQ)));
	return (_mm256_srai_epi32(_mm256_slli_epi32(i, 24), 24));
}

void
q8_0_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_Q8_0 == 0);
	for (b = 0; b < n / QK_Q8_0; b++, x += QK_Q8_0,
	    y += sizeof(block_q8_0)) {
		__m256		vid;
		float		d, id;
		kern_half	h;

		d = quant_absmax32(x) / 127.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		h = quant_half(d);
		memcpy(y, &h, sizeof h);
		vid = _mm256_set1_ps(id);
		_mm256_storeu_si256((__m256i *)(y + 2), quant_bytes(
		    q8_0_codes(_mm256_loadu_ps(x), vid),
		    q8_0_codes(_mm256_loadu_ps(x + 8), vid),
		    q8_0_codes(_mm256_loadu_ps(x + 16), vid),
		    q8_0_codes(_mm256_loadu_ps(x + 24), vid)));
	}
}

/* Q4_0 nibbles of 8 weights: trunc(x * id + 8.5) clamped to 15.  +-inf
 * and NaN truncate to INT_MIN, whose low byte is the reference's 0. */
static inline __m256i
q4_0_nibbles(const float *x, __m256 id)
{
	__m256	v;

	v = _mm256_mul_ps(_mm256_loadu_ps(x), id);
	quant_nofuse(v);
	v = _mm256_add_ps(v, _mm256_set1_ps(8.5f));
	return (_mm256_min_epi32(_mm256_cvttps_epi32(v),
	    _mm256_set1_epi32(15)));
}

/* Bytes lo | hi << 4 of 8 weights and the 8 sixteen further on, masked
 * to the byte the reference's uint8_t keeps. */
static inline __m256i
q4_0_pair(const float *x, __m256 id)
{
	return (_mm256_and_si256(_mm256_or_si256(q4_0_nibbles(x, id),
	    _mm256_slli_epi32(q4_0_nibbles(x + 16, id), 4)),
	    _mm256_set1_epi32(0xff)));
}

void
q4_0_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_Q4_0 == 0);
	for (b = 0; b < n / QK_Q4_0; b++, x += QK_Q4_0,
	    y += sizeof(block_q4_0)) {
		__m256		vid, va, m;
		__m256i		w;
		__m128i		r;
		uint32_t	at;
		float		amax, max, d, id;
		kern_half	h;

		amax = quant_absmax32(x);
		/* the reference keeps the first weight of greatest
		 * magnitude, sign and all, and +0 when there is none */
		max = 0.0f;
		if (amax != 0.0f) {
			va = _mm256_set1_ps(amax);
			at = 0;
			for (int k = 0; k < 4; k++) {
				m = _mm256_andnot_ps(_mm256_set1_ps(-0.0f),
				    _mm256_loadu_ps(x + 8 * k));
				at |= (uint32_t)_mm256_movemask_ps(
				    _mm256_cmp_ps(m, va, _CMP_EQ_OQ)) << 8 * k;
			}
			max = x[__builtin_ctz(at)];
		}
		d = max / -8.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		h = quant_half(d);
		memcpy(y, &h, sizeof h);
		vid = _mm256_set1_ps(id);
		/* bytes 0-3, 8-11 | 4-7, 12-15: dwords 0 2 1 3 */
		w = _mm256_packus_epi32(q4_0_pair(x, vid),
		    q4_0_pair(x + 8, vid));
		r = _mm_packus_epi16(_mm256_castsi256_si128(w),
		    _mm256_extracti128_si256(w, 1));
		_mm_storeu_si128((__m128i *)(y + 2),
		    _mm_shuffle_epi32(r, _MM_SHUFFLE(3, 1, 2, 0)));
	}
}

/* Ternary codes (value + 1: 0, 1, 2) of 8 weights as int32: v = x * id
 * against +-0.5, strictly for t2's ties to even, inclusively for the
 * TQ formats' ties away from zero.  v = +-inf keeps the sign and NaN
 * gives 1, as in the references. */
static inline __m256i
quant_trits(const float *x, __m256 id, int ge)
{
	__m256	v, up, dn;

	v = _mm256_mul_ps(_mm256_loadu_ps(x), id);
	if (ge) {
		up = _mm256_cmp_ps(v, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
		dn = _mm256_cmp_ps(v, _mm256_set1_ps(-0.5f), _CMP_LE_OQ);
	} else {
		up = _mm256_cmp_ps(v, _mm256_set1_ps(0.5f), _CMP_GT_OQ);
		dn = _mm256_cmp_ps(v, _mm256_set1_ps(-0.5f), _CMP_LT_OQ);
	}
	return (_mm256_add_epi32(_mm256_sub_epi32(_mm256_set1_epi32(1),
	    _mm256_castps_si256(up)), _mm256_castps_si256(dn)));
}

/* The 32 ternary codes of x[0..32) as bytes in order. */
static inline __m256i
quant_trits32(const float *x, __m256 id, int ge)
{
	return (quant_bytes(quant_trits(x, id, ge),
	    quant_trits(x + 8, id, ge), quant_trits(x + 16, id, ge),
	    quant_trits(x + 24, id, ge)));
}

/* Stores the T2 codes of the 32 weights at x: byte m gathers weights m,
 * m + 8, m + 16, m + 24, so each 8-byte lane l of the codes moves up by
 * 2l bits and the four lanes are or-ed together. */
static inline void
t2_store(const float *x, __m256 id, uint8_t *qs)
{
	__m256i	c;
	__m128i	o;

	c = _mm256_sllv_epi64(quant_trits32(x, id, 0),
	    _mm256_setr_epi64x(0, 2, 4, 6));
	o = _mm_or_si128(_mm256_castsi256_si128(c),
	    _mm256_extracti128_si256(c, 1));
	o = _mm_or_si128(o, _mm_unpackhi_epi64(o, o));
	_mm_storel_epi64((__m128i *)qs, o);
}

void
t2_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_T2 == 0);
	for (b = 0; b < n / QK_T2; b++, x += QK_T2, y += sizeof(block_t2)) {
		float		amax;
		kern_half	h;

		amax = quant_absmax32(x);
		h = quant_half(amax);
		memcpy(y, &h, sizeof h);
		t2_store(x, _mm256_set1_ps(amax != 0.0f ? 1.0f / amax : 0.0f),
		    y + 2);
	}
}

/* The reference's sum of |x[i]| over the row (kern_abssum_seq) and the
 * count of non-zero x[i]: eight lanes wide when kern_abssum_exact says
 * any order gives that sum, else (or with inf or NaN about) again in
 * order. */
static double
t2m_abssum(const float *x, int64_t n, int64_t *nz)
{
	const __m256	sign = _mm256_set1_ps(-0.0f);
	const __m256	big = _mm256_set1_ps(3.40282347e38f);
	__m256		mx = _mm256_setzero_ps();
	__m256		mn = _mm256_set1_ps(INFINITY);
	__m256		bad = _mm256_setzero_ps();
	__m256d		s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
	int64_t		i, cnt = 0;
	float		lo, hi;
	__m128d		t;

	for (i = 0; i < n; i += 8) {
		__m256	a = _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i));
		__m256	k;

		k = _mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_NEQ_UQ);
		cnt += __builtin_popcount((unsigned)_mm256_movemask_ps(k));
		bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, big, _CMP_NLE_UQ));
		mx = _mm256_max_ps(mx, a);
		mn = _mm256_blendv_ps(mn, _mm256_min_ps(a, mn), k);
		s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(
		    _mm256_castps256_ps128(a)));
		s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(
		    _mm256_extractf128_ps(a, 1)));
	}
	*nz = cnt;
	if (cnt == 0)
		return (0.0);
	if (_mm256_movemask_ps(bad) == 0) {
		hi = quant_hmax(mx);
		lo = quant_hmin(mn);
		if (kern_abssum_exact(n, lo, hi)) {
			s0 = _mm256_add_pd(s0, s1);
			t = _mm_add_pd(_mm256_castpd256_pd128(s0),
			    _mm256_extractf128_pd(s0, 1));
			return (_mm_cvtsd_f64(_mm_add_sd(t,
			    _mm_unpackhi_pd(t, t))));
		}
	}
	return (kern_abssum_seq(x, n));
}

void
t2m_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b, nz;
	double		 sum;
	float		 s;
	kern_half	 h;
	__m256		 vid;

	assert(n % QK_T2 == 0);
	sum = t2m_abssum(x, n, &nz);
	s = nz > 0 ? (float)(sum / nz) : 0.0f;
	h = quant_half(s);
	vid = _mm256_set1_ps(s != 0.0f ? 1.0f / s : 0.0f);
	for (b = 0; b < n / QK_T2; b++, x += QK_T2, y += sizeof(block_t2)) {
		memcpy(y, &h, sizeof h);
		t2_store(x, vid, y + 2);
	}
}

/* max(0, |x[0..256)|) skipping NaNs, and 1 / it (0 for 0). */
static inline float
quant_absmax256(const float *x, float *id)
{
	__m256	m = _mm256_setzero_ps();
	float	amax;

	for (int k = 0; k < 256; k += 8)
		m = quant_absmax(m, _mm256_loadu_ps(x + k));
	amax = quant_hmax(m);
	*id = amax != 0.0f ? 1.0f / amax : 0.0f;
	return (amax);
}

void
tq2_0_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	int64_t		 b;

	assert(n % QK_TQ2_0 == 0);
	for (b = 0; b < n / QK_TQ2_0; b++, x += QK_TQ2_0,
	    y += sizeof(block_tq2_0)) {
		__m256		vid;
		float		amax, id;
		kern_half	h;

		amax = quant_absmax256(x, &id);
		vid = _mm256_set1_ps(id);
		/* byte hh*32 + m takes weight hh*128 + l*32 + m at bits
		 * 2l; a code (<= 2) shifted by 6 stays inside its byte */
		for (int hh = 0; hh < 2; hh++) {
			__m256i	o = _mm256_setzero_si256();

			for (int l = 0; l < 4; l++)
				o = _mm256_or_si256(o, _mm256_slli_epi16(
				    quant_trits32(x + hh * 128 + l * 32, vid,
				    1), 2 * l));
			_mm256_storeu_si256((__m256i *)(y + hh * 32), o);
		}
		h = quant_half(amax);
		memcpy(y + QK_TQ2_0 / 4, &h, sizeof h);
	}
}

/* ceil(v * 256 / 243) of 16 packed trit groups v <= 242 in u16 lanes:
 * v + floor((13 v + 242) / 243), the division as a multiply by
 * 2^20 / 243 rounded up (exact for all 243 values of v). */
static inline __m256i
tq1_0_frac(__m256i v)
{
	__m256i	t;

	t = _mm256_add_epi16(_mm256_mullo_epi16(v, _mm256_set1_epi16(13)),
	    _mm256_set1_epi16(242));
	return (_mm256_add_epi16(v, _mm256_srli_epi16(
	    _mm256_mulhi_epu16(t, _mm256_set1_epi16(4316)), 4)));
}

/* t * 3 + u on bytes (no byte exceeds 242). */
static inline __m128i
tq1_0_horner(__m128i t, __m128i u)
{
	return (_mm_add_epi8(_mm_add_epi8(t, _mm_add_epi8(t, t)), u));
}

/* The packed byte of five trit codes c[0], c[s], .., c[4s] for 16
 * consecutive starting points. */
static inline __m128i
tq1_0_pack16(const uint8_t *c, int s)
{
	__m128i	t;
	__m256i	w;

	t = _mm_loadu_si128((const __m128i *)c);
	for (int k = 1; k < 5; k++)
		t = tq1_0_horner(t, _mm_loadu_si128((const __m128i *)(c +
		    k * s)));
	w = tq1_0_frac(_mm256_cvtepu8_epi16(t));
	return (_mm_packus_epi16(_mm256_castsi256_si128(w),
	    _mm256_extracti128_si256(w, 1)));
}

void
tq1_0_quantize_avx2(const float *restrict x, void *restrict vy, int64_t n)
{
	uint8_t		*y = vy;
	uint8_t		 c[QK_TQ1_0];
	int64_t		 b;

	assert(n % QK_TQ1_0 == 0);
	for (b = 0; b < n / QK_TQ1_0; b++, x += QK_TQ1_0,
	    y += sizeof(block_tq1_0)) {
		__m256		vid;
		float		amax, id;
		kern_half	h;
		int		v;

		amax = quant_absmax256(x, &id);
		vid = _mm256_set1_ps(id);
		for (int k = 0; k < QK_TQ1_0; k += 32)
			_mm256_storeu_si256((__m256i *)(c + k),
			    quant_trits32(x + k, vid, 1));
		/* qs[m] holds weights m + 32k (k < 5), qs[32 + m] weights
		 * 160 + m + 16k, qh[j] weights 240 + j + 4k (k < 4) and a
		 * fifth trit 0 */
		_mm_storeu_si128((__m128i *)y, tq1_0_pack16(c, 32));
		_mm_storeu_si128((__m128i *)(y + 16), tq1_0_pack16(c + 16, 32));
		_mm_storeu_si128((__m128i *)(y + 32), tq1_0_pack16(c + 160, 16));
		for (int j = 0; j < 4; j++) {
			v = 0;
			for (int k = 0; k < 4; k++)
				v = v * 3 + c[240 + j + 4 * k];
			v *= 3;
			y[48 + j] = (uint8_t)((v * 256 + 242) / 243);
		}
		h = quant_half(amax);
		memcpy(y + 52, &h, sizeof h);
	}
}
