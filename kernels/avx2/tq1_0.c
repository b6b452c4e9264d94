/*
 * tq1_0.c: AVX2 twin of the TQ1_0 matrix-vector product, without VNNI.
 * Four rows go together, sharing each activation load.  Trit n of a
 * code byte is the top trit of v = byte * 3^n (mod 256); vpmaddubsw with
 * weights (9, 0) and (0, 9) makes 9v of the even and the odd bytes as
 * exact words, whose high bytes, merged, are floor(9v / 256) = 3 t(n) +
 * t(n + 1), split by two vpshufb, and whose low bytes are the next v for
 * the next step (weights (9, 0) or, for the fifth trit, (3, 0)): the
 * reference's wrapping multiply and shift, for any byte, in 7 operations
 * per two trit vectors where byte additions and saturating compares took
 * 14.  The first 32 bytes give activation blocks 0..4 one
 * trit each; the next 16, broadcast to both lanes, give blocks 5 and 6 a
 * pair each, split by one vpshufb whose low lane takes the first trit and
 * high lane the second, and their fifth trit with the 4 bytes of qh
 * (each multiplied by 1, 3, 9, 27 in its own dword, its top trit read by
 * two saturating subtractions) block 7.  A block's eight trit vectors of
 * the four rows are decoded first (the compiler keeps them on the stack),
 * then meet the activation blocks one by one.  vpmaddubsw takes
 * the trits (0..2) as the unsigned operand against the activations, far
 * from saturating.  The offset (value = trit - 1) comes off each int16
 * pair as vpmaddubsw(1, q), made once per activation block for the four
 * rows: every lane then sums true products, so the float error stays
 * within that of the reference.  vpmaddwd with ones widens to int32,
 * exact; the lanes are converted to float and multiplied by dw * da into
 * one accumulator per row, the eight products of a block's scale with
 * the activation scales made in one multiply and kept on the stack for
 * broadcasts.  A call whose row count is not a multiple of four repeats
 * its last row in the missing slots and drops their results, so a row's
 * arithmetic, and its result bit for bit, never depends on which rows
 * share its call.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "rows4.h"

#define TQ1_0_BS	((int64_t)sizeof(block_tq1_0))

/* Every byte times 3, modulo 256: the next trit moves to the top. */
static inline __m128i
tq1_0_x3_128(__m128i p)
{
	return (_mm_add_epi8(_mm_add_epi8(p, p), p));
}

/* The top trit of every byte: floor(3p / 256). */
static inline __m128i
tq1_0_trit_128(__m128i p)
{
	const __m128i	one = _mm_set1_epi8(1);

	return (_mm_add_epi8(
	    _mm_min_epu8(_mm_subs_epu8(p, _mm_set1_epi8(85)), one),
	    _mm_min_epu8(_mm_subs_epu8(p, _mm_set1_epi8((char)170)), one)));
}

/* Weights 240..255 as bytes whose top trit is theirs: trit n of qh[j]
 * is weight 240 + 4n + j, so dword n holds qh times 3^n. */
static inline __m128i
tq1_0_qh(const uint8_t *blk)
{
	__m128i	y1, y3, y9, y27;
	int32_t	hq;

	memcpy(&hq, blk + offsetof(block_tq1_0, qh), sizeof hq);
	y1 = _mm_set1_epi32(hq);
	y3 = tq1_0_x3_128(y1);
	y9 = tq1_0_x3_128(y3);
	y27 = tq1_0_x3_128(y9);
	return (_mm_blend_epi32(_mm_blend_epi32(y1, y3, 0x2),
	    _mm_blend_epi32(y9, y27, 0x8), 0xc));
}

/* One decode step.  The low byte of each 16-bit word of *e (*o) is v of
 * the even (odd) code byte (at the first step, the code bytes themselves,
 * which the weights (m, 0) and (0, m) pick apart).  vpmaddubsw makes m * v
 * exact (m is 9 or 3: no saturation, the weight 0 drops the high byte),
 * whose low byte is the next v and whose high byte, floor(m * v / 256),
 * is the next two trits (or one) as a base-3 number, returned as bytes in
 * place. */
static inline __m256i
tq1_0_top(__m256i *e, __m256i *o, int m, int first)
{
	*e = _mm256_maddubs_epi16(*e, _mm256_set1_epi16((short)m));
	*o = _mm256_maddubs_epi16(*o, _mm256_set1_epi16((short)(first ?
	    m << 8 : m)));
	return (_mm256_or_si256(_mm256_srli_epi16(*e, 8), _mm256_and_si256(
	    *o, _mm256_set1_epi16((short)0xff00))));
}

/* The trits (0..2) of one block in activation block order: t[j] meets
 * weights 32j.. .  qs[0..31] give blocks 0..4 a trit each, two at a time
 * as a pair 3 t(n) + t(n + 1) that two vpshufb split; qs[32..47], in both
 * lanes, give blocks 5 and 6 a pair each, split in one vpshufb whose low
 * lane takes the first trit and high lane the second, and block 7 the
 * fifth trit below qh's four (the reference's multiply and shift, for
 * any byte). */
static inline __attribute__((always_inline)) void
tq1_0_decode(const uint8_t *blk, __m256i t[8])
{
	const __m256i	div3 = _mm256_setr_epi8(0, 0, 0, 1, 1, 1, 2, 2, 2, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0);
	const __m256i	mod3 = _mm256_setr_epi8(0, 1, 2, 0, 1, 2, 0, 1, 2, 0,
	    0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0);
	/* low lane: first of the pair; high lane: second */
	const __m256i	both = _mm256_blend_epi32(div3, mod3, 0xf0);
	__m256i		e, o, pr;

	e = o = _mm256_loadu_si256((const __m256i *)(const void *)blk);
	pr = tq1_0_top(&e, &o, 9, 1);
	t[0] = _mm256_shuffle_epi8(div3, pr);
	t[1] = _mm256_shuffle_epi8(mod3, pr);
	pr = tq1_0_top(&e, &o, 9, 0);
	t[2] = _mm256_shuffle_epi8(div3, pr);
	t[3] = _mm256_shuffle_epi8(mod3, pr);
	t[4] = tq1_0_top(&e, &o, 3, 0);
	e = o = _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)(blk + 32)));
	t[5] = _mm256_shuffle_epi8(both, tq1_0_top(&e, &o, 9, 1));
	t[6] = _mm256_shuffle_epi8(both, tq1_0_top(&e, &o, 9, 0));
	t[7] = _mm256_inserti128_si256(tq1_0_top(&e, &o, 3, 0),
	    tq1_0_trit_128(tq1_0_qh(blk)), 1);
}

/* Row k's trits of activation block j into its accumulator. */
#define TQ1_0_ROW(k, j) do {						\
	__m256i	x_ = _mm256_sub_epi16(_mm256_maddubs_epi16(		\
	    t##k[j], qv), qo);						\
									\
	acc##k = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(	\
	    x_, ones)), _mm256_broadcast_ss(&sc[k][j]), acc##k);	\
} while (0)

/* Activation block j of the 256-weight block b for the four rows. */
#define TQ1_0_STEP(j) do {						\
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)	\
	    (a->q + (8 * b + (j)) * 32));				\
	__m256i	qo = _mm256_maddubs_epi16(ones8, qv);			\
									\
	TQ1_0_ROW(0, j);						\
	TQ1_0_ROW(1, j);						\
	TQ1_0_ROW(2, j);						\
	TQ1_0_ROW(3, j);						\
} while (0)

/* The products of row's block b scale with the activation scales da. */
static inline __m256
tq1_0_scales(const uint8_t *row, int64_t b, __m256 da)
{
	uint16_t	h;

	memcpy(&h, row + b * TQ1_0_BS + offsetof(block_tq1_0, d), sizeof h);
	return (_mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(h)), da));
}

void
tq1_0_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	const int64_t	 nb = cols / QK_TQ1_0, rb = nb * TQ1_0_BS;
	const __m256i	 ones = _mm256_set1_epi16(1);
	const __m256i	 ones8 = _mm256_set1_epi8(1);
	float		 sc[4][8] __attribute__((aligned(32)));
	int64_t		 b, r;

	assert(cols % QK_TQ1_0 == 0 && cols <= a->n);
	for (r = r0; r < r1; r += 4) {
		const uint8_t	*row0 = w + r * rb;
		const uint8_t	*row1 = w + (r + 1 < r1 ? r + 1 : r1 - 1) * rb;
		const uint8_t	*row2 = w + (r + 2 < r1 ? r + 2 : r1 - 1) * rb;
		const uint8_t	*row3 = w + (r + 3 < r1 ? r + 3 : r1 - 1) * rb;
		__m256		 acc0 = _mm256_setzero_ps(), acc1 = acc0;
		__m256		 acc2 = acc0, acc3 = acc0;

		for (b = 0; b < nb; b++) {
			__m256	da = _mm256_loadu_ps(a->d + 8 * b);
			__m256i	t0[8], t1[8], t2[8], t3[8];

			_mm256_store_ps(sc[0], tq1_0_scales(row0, b, da));
			_mm256_store_ps(sc[1], tq1_0_scales(row1, b, da));
			_mm256_store_ps(sc[2], tq1_0_scales(row2, b, da));
			_mm256_store_ps(sc[3], tq1_0_scales(row3, b, da));
			tq1_0_decode(row0 + b * TQ1_0_BS, t0);
			tq1_0_decode(row1 + b * TQ1_0_BS, t1);
			tq1_0_decode(row2 + b * TQ1_0_BS, t2);
			tq1_0_decode(row3 + b * TQ1_0_BS, t3);
			TQ1_0_STEP(0);
			TQ1_0_STEP(1);
			TQ1_0_STEP(2);
			TQ1_0_STEP(3);
			TQ1_0_STEP(4);
			TQ1_0_STEP(5);
			TQ1_0_STEP(6);
			TQ1_0_STEP(7);
		}
		y[r] = rows4_hsum(acc0);
		if (r + 1 < r1)
			y[r + 1] = rows4_hsum(acc1);
		if (r + 2 < r1)
			y[r + 2] = rows4_hsum(acc2);
		if (r + 3 < r1)
			y[r + 3] = rows4_hsum(acc3);
	}
}
