/*
 * tq1_0.c: AVX2 twin of the TQ1_0 matrix-vector product, without VNNI.
 * Four rows go together, sharing each activation load.  Trits come out
 * of the base-3 fraction bytes without any multiply: times 3 modulo 256
 * is two byte additions, and the top trit of a byte p is [p >= 86] +
 * [p >= 171] (that is, floor(3p / 256)), two saturating subtractions
 * clamped to 1.  The first 32 bytes give activation blocks 0..4 one trit
 * at a time; the next 16, broadcast to both lanes with the upper lane one
 * trit ahead, give blocks 5 and 6, and with the 4 bytes of qh (each
 * multiplied by 1, 3, 9, 27 in its own dword) block 7.  vpmaddubsw takes
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
static inline __m256i
tq1_0_x3(__m256i p)
{
	return (_mm256_add_epi8(_mm256_add_epi8(p, p), p));
}

static inline __m128i
tq1_0_x3_128(__m128i p)
{
	return (_mm_add_epi8(_mm_add_epi8(p, p), p));
}

/* The top trit of every byte: floor(3p / 256). */
static inline __m256i
tq1_0_trit(__m256i p)
{
	const __m256i	one = _mm256_set1_epi8(1);

	return (_mm256_add_epi8(
	    _mm256_min_epu8(_mm256_subs_epu8(p, _mm256_set1_epi8(85)), one),
	    _mm256_min_epu8(_mm256_subs_epu8(p, _mm256_set1_epi8((char)170)),
	    one)));
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

/* Row k's bytes in t##k, trit on top, for activation block j into its
 * accumulator. */
#define TQ1_0_ROW(k, j) do {						\
	__m256i	x_ = _mm256_sub_epi16(_mm256_maddubs_epi16(		\
	    tq1_0_trit(t##k), qv), qo);					\
									\
	acc##k = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(	\
	    x_, ones)), _mm256_broadcast_ss(&sc[k][j]), acc##k);	\
} while (0)

/* Activation block j of the 256-weight block b for the four rows, once
 * NEXT has brought each row's bytes to the trit that block needs. */
#define TQ1_0_STEP(j, NEXT) do {					\
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)	\
	    (a->q + (8 * b + (j)) * 32));				\
	__m256i	qo = _mm256_maddubs_epi16(ones8, qv);			\
									\
	NEXT(0);							\
	TQ1_0_ROW(0, j);						\
	NEXT(1);							\
	TQ1_0_ROW(1, j);						\
	NEXT(2);							\
	TQ1_0_ROW(2, j);						\
	NEXT(3);							\
	TQ1_0_ROW(3, j);						\
} while (0)

/* Weights 0..159: trit j of qs[0..31]. */
#define TQ1_0_FIRST(k)							\
	t##k = _mm256_loadu_si256((const __m256i *)(const void *)	\
	    (row##k + b * TQ1_0_BS))
#define TQ1_0_X3(k)							\
	t##k = tq1_0_x3(t##k)
/* Weights 160..239: trits 0..4 of qs[32..47], two per block. */
#define TQ1_0_MID(k)							\
	t##k = _mm256_broadcastsi128_si256(_mm_loadu_si128(		\
	    (const __m128i *)(const void *)(row##k + b * TQ1_0_BS +	\
	    32)));							\
	t##k = _mm256_blend_epi32(t##k, tq1_0_x3(t##k), 0xf0)
#define TQ1_0_X9(k)							\
	t##k = tq1_0_x3(tq1_0_x3(t##k))
/* Weights 224..239 and, from qh, 240..255. */
#define TQ1_0_LAST(k)							\
	t##k = _mm256_inserti128_si256(tq1_0_x3(tq1_0_x3(t##k)),	\
	    tq1_0_qh(row##k + b * TQ1_0_BS), 1)

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
			__m256i	t0, t1, t2, t3;

			_mm256_store_ps(sc[0], tq1_0_scales(row0, b, da));
			_mm256_store_ps(sc[1], tq1_0_scales(row1, b, da));
			_mm256_store_ps(sc[2], tq1_0_scales(row2, b, da));
			_mm256_store_ps(sc[3], tq1_0_scales(row3, b, da));
			TQ1_0_STEP(0, TQ1_0_FIRST);
			TQ1_0_STEP(1, TQ1_0_X3);
			TQ1_0_STEP(2, TQ1_0_X3);
			TQ1_0_STEP(3, TQ1_0_X3);
			TQ1_0_STEP(4, TQ1_0_X3);
			TQ1_0_STEP(5, TQ1_0_MID);
			TQ1_0_STEP(6, TQ1_0_X9);
			TQ1_0_STEP(7, TQ1_0_LAST);
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
