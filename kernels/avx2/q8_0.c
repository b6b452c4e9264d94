/*
 * q8_0.c: AVX2 twin of the Q8_0 matrix-vector product, without VNNI, on
 * the four-row driver of rows4.h.  vpmaddubsw multiplies unsigned by
 * signed bytes, so each block feeds it |w| (as min(w, -w) unsigned, which
 * keeps the work off the two multiply pipes) and q carrying w's sign: a
 * weight of -128 gives 128 as unsigned, and activations are never -128,
 * so no pair of products (at most 2 * 128 * 127 = 32512) saturates its
 * int16.  Scales: the halves, 34 bytes apart, are inserted one by one for
 * vcvtph2ps.
 */
#include "config.h"

#include "kern-impl.h"

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "rows4.h"

#define Q8_0_BS	((int64_t)sizeof(block_q8_0))

/* The fp16 scales of the 8 blocks from p (34 bytes apart), as floats:
 * no 32-byte load holds two of them. */
static inline __m256
q8_0_scales8(const uint8_t *p)
{
	__m128i	v;
	int16_t	h;

	memcpy(&h, p, sizeof h);
	v = _mm_cvtsi32_si128((uint16_t)h);
#define Q8_0_INS(j)							\
	memcpy(&h, p + (j) * Q8_0_BS, sizeof h);			\
	v = _mm_insert_epi16(v, h, (j))
	Q8_0_INS(1);
	Q8_0_INS(2);
	Q8_0_INS(3);
	Q8_0_INS(4);
	Q8_0_INS(5);
	Q8_0_INS(6);
	Q8_0_INS(7);
#undef Q8_0_INS
	return (_mm256_cvtph_ps(v));
}

/* The int16 pairs of products of the block at blk with activations qv;
 * signed weights need no offset, so nothing was prepared. */
ROWS4_INLINE __m256i
q8_0_pairs(const uint8_t *blk, __m256i qv, __m256i unused)
{
	__m256i	wv = _mm256_loadu_si256((const __m256i *)(const void *)
	    (blk + 2));
	__m256i	aw = _mm256_min_epu8(wv, _mm256_sub_epi8(_mm256_setzero_si256(),
	    wv));

	return (_mm256_maddubs_epi16(aw, _mm256_sign_epi8(qv, wv)));
}

/* Signed weights need no offset. */
ROWS4_INLINE __m256i
q8_0_prep(__m256i qv)
{
	return (qv);
}

void
q8_0_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	rows4_matvec(vw, cols, a, y, r0, r1, Q8_0_BS, q8_0_scales8, q8_0_prep,
	    q8_0_pairs);
}
