/*
 * t2.c: AVX2 twin of the T2 (and T2M, same layout) matrix-vector
 * product, without VNNI, on the four-row driver of rows4.h.  A block's 8
 * code bytes are broadcast to the four 64-bit lanes and shifted by 0, 2,
 * 4, 6 (vpsrlvq): after a mask, byte m of lane l is the code of weight
 * l * 8 + m, weight order.  Scales: two loads and byte shuffles gather
 * eight blocks' halves for vcvtph2ps.
 */
#include "config.h"

#include "kern-impl.h"

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "rows4.h"

#define T2_BS	((int64_t)sizeof(block_t2))

/* The fp16 scales of the 8 blocks from p (10 bytes apart), as floats:
 * each 32-byte load holds four of them, two per 128-bit lane. */
static inline __m256
t2_scales8(const uint8_t *p)
{
	const __m256i	 clo = _mm256_setr_epi8(0, 1, 10, 11, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 14, 15, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1);
	const __m256i	 chi = _mm256_setr_epi8(-1, -1, -1, -1, 0, 1, 10, 11,
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 14, 15,
	    -1, -1, -1, -1, -1, -1, -1, -1);
	__m256i		 v;

	v = _mm256_or_si256(_mm256_shuffle_epi8(_mm256_loadu_si256(
	    (const __m256i *)(const void *)p), clo), _mm256_shuffle_epi8(
	    _mm256_loadu_si256((const __m256i *)(const void *)(p + 4 * T2_BS)),
	    chi));
	/* lanes hold halves 0 1 4 5 and 2 3 6 7 */
	return (_mm256_cvtph_ps(_mm_unpacklo_epi32(_mm256_castsi256_si128(v),
	    _mm256_extracti128_si256(v, 1))));
}

/* The block's 32 codes (0..3) in weight order. */
static inline __m256i
t2_codes(const uint8_t *blk)
{
	return (_mm256_and_si256(_mm256_srlv_epi64(_mm256_broadcastq_epi64(
	    _mm_loadl_epi64((const __m128i *)(const void *)(blk + 2))),
	    _mm256_setr_epi64x(0, 2, 4, 6)), _mm256_set1_epi8(3)));
}

/* The codes' offset of 1 comes off each int16 pair as vpmaddubsw(1, q),
 * once per activation block for the four rows. */
ROWS4_INLINE __m256i
t2_prep(__m256i qv)
{
	return (_mm256_maddubs_epi16(_mm256_set1_epi8(1), qv));
}

/* vpmaddubsw takes the codes (0..3, including the 3 a file may hold) as
 * the unsigned operand, far from saturating. */
ROWS4_INLINE __m256i
t2_pairs(const uint8_t *blk, __m256i qv, __m256i one_q)
{
	return (_mm256_sub_epi16(_mm256_maddubs_epi16(t2_codes(blk), qv),
	    one_q));
}

void
t2_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	rows4_matvec(vw, cols, a, y, r0, r1, T2_BS, t2_scales8, t2_prep,
	    t2_pairs);
}
