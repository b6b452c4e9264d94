/*
 * q4_0.c: AVX2 twin of the Q4_0 matrix-vector product, without VNNI, on
 * the four-row driver of rows4.h.  A block's 16 bytes are broadcast to
 * both 128-bit lanes and shifted by 0 or 4 per lane (vpsrlvd), so one
 * mask leaves the 32 nibbles in weight order.  Scales: four loads and
 * byte shuffles gather eight blocks' halves for vcvtph2ps.
 */
#include "config.h"

#include "kern-impl.h"

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "rows4.h"

#define Q4_0_BS	((int64_t)sizeof(block_q4_0))

/* Halves 2i and 2i + 1 of a 32-byte load at block 2i's scale go to
 * word i of the low and high 128-bit lane. */
#define Q4_0_SEL(i) _mm256_setr_epi8(					\
	(i) == 0 ? 0 : -1, (i) == 0 ? 1 : -1, (i) == 1 ? 0 : -1,	\
	(i) == 1 ? 1 : -1, (i) == 2 ? 0 : -1, (i) == 2 ? 1 : -1,	\
	(i) == 3 ? 0 : -1, (i) == 3 ? 1 : -1, -1, -1, -1, -1, -1, -1,	\
	-1, -1, (i) == 0 ? 2 : -1, (i) == 0 ? 3 : -1,			\
	(i) == 1 ? 2 : -1, (i) == 1 ? 3 : -1, (i) == 2 ? 2 : -1,	\
	(i) == 2 ? 3 : -1, (i) == 3 ? 2 : -1, (i) == 3 ? 3 : -1,	\
	-1, -1, -1, -1, -1, -1, -1, -1)

static inline __m256i
q4_0_sel(const uint8_t *p, int i, __m256i sel)
{
	return (_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)
	    (const void *)(p + 2 * i * Q4_0_BS)), sel));
}

/* The fp16 scales of the 8 blocks from p (18 bytes apart), as floats:
 * each 32-byte load holds two of them, one per 128-bit lane. */
static inline __m256
q4_0_scales8(const uint8_t *p)
{
	__m256i	v;

	v = _mm256_or_si256(_mm256_or_si256(q4_0_sel(p, 0, Q4_0_SEL(0)),
	    q4_0_sel(p, 1, Q4_0_SEL(1))), _mm256_or_si256(q4_0_sel(p, 2,
	    Q4_0_SEL(2)), q4_0_sel(p, 3, Q4_0_SEL(3))));
	/* lanes hold halves 0 2 4 6 and 1 3 5 7 */
	return (_mm256_cvtph_ps(_mm_unpacklo_epi16(_mm256_castsi256_si128(v),
	    _mm256_extracti128_si256(v, 1))));
}

/* The block's 32 nibbles (0..15) in weight order. */
static inline __m256i
q4_0_nibbles(const uint8_t *blk)
{
	__m256i	v = _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)(blk + 2)));

	return (_mm256_and_si256(_mm256_srlv_epi32(v, _mm256_setr_epi32(0, 0,
	    0, 0, 4, 4, 4, 4)), _mm256_set1_epi8(0x0f)));
}

/* The nibbles' offset of 8 comes off each int16 pair as vpmaddubsw(8, q),
 * once per activation block for the four rows. */
ROWS4_INLINE __m256i
q4_0_prep(__m256i qv)
{
	return (_mm256_maddubs_epi16(_mm256_set1_epi8(8), qv));
}

/* vpmaddubsw takes the nibbles (0..15) as the unsigned operand: a pair of
 * products is at most 2 * 15 * 127, far from saturating. */
ROWS4_INLINE __m256i
q4_0_pairs(const uint8_t *blk, __m256i qv, __m256i eight_q)
{
	return (_mm256_sub_epi16(_mm256_maddubs_epi16(q4_0_nibbles(blk), qv),
	    eight_q));
}

void
q4_0_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	rows4_matvec(vw, cols, a, y, r0, r1, Q4_0_BS, q4_0_scales8, q4_0_prep,
	    q4_0_pairs);
}
