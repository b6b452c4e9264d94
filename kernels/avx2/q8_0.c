/*
 * q8_0.c: AVX2 twin of the Q8_0 matrix-vector product, without VNNI.
 * vpmaddubsw multiplies unsigned by signed bytes, so each block feeds it
 * |w| (as min(w, -w) unsigned, which keeps the work off the two multiply
 * pipes) and q carrying w's sign: a weight of -128 gives 128 as unsigned,
 * and activations are never -128, so no pair of products (at most
 * 2 * 128 * 127 = 32512) saturates its int16; vpmaddwd with ones widens
 * to eight int32 lanes, exact, converted to float and multiplied by the
 * block's dw * da into one of four float accumulators (four, to cover the
 * FMA latency).  The scale products are made eight blocks at a time: the
 * halves gathered through general registers, widened by vcvtph2ps,
 * multiplied by eight activation scales and kept on the stack for
 * broadcasts.  Trees of horizontal adds to save FMAs measured slower on
 * this machine.  A row's arithmetic never depends on the other rows of
 * the call.
 */
#include "config.h"

#include "kern-impl.h"

#include <assert.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"

#define Q8_0_BS	((int64_t)sizeof(block_q8_0))

static inline uint64_t
q8_0_half(const uint8_t *p)
{
	uint16_t	h;

	memcpy(&h, p, sizeof h);
	return (h);
}

/* The fp16 scales of 8 blocks from p, as floats. */
static inline __m256
q8_0_scales8(const uint8_t *p)
{
	uint64_t	lo, hi;

	lo = q8_0_half(p) | q8_0_half(p + Q8_0_BS) << 16 |
	    q8_0_half(p + 2 * Q8_0_BS) << 32 | q8_0_half(p + 3 * Q8_0_BS) << 48;
	p += 4 * Q8_0_BS;
	hi = q8_0_half(p) | q8_0_half(p + Q8_0_BS) << 16 |
	    q8_0_half(p + 2 * Q8_0_BS) << 32 | q8_0_half(p + 3 * Q8_0_BS) << 48;
	return (_mm256_cvtph_ps(_mm_set_epi64x((long long)hi,
	    (long long)lo)));
}

/* The same for n < 8 blocks, zero past n. */
static inline __m256
q8_0_scales(const uint8_t *p, int n)
{
	uint64_t	lo = 0, hi = 0;
	int		j;

	for (j = 0; j < n && j < 4; j++)
		lo |= q8_0_half(p + j * Q8_0_BS) << (16 * j);
	for (j = 4; j < n; j++)
		hi |= q8_0_half(p + j * Q8_0_BS) << (16 * (j - 4));
	return (_mm256_cvtph_ps(_mm_set_epi64x((long long)hi,
	    (long long)lo)));
}

/* Eight int32 lanes summing to the block's integer dot product. */
static inline __m256i
q8_0_dot(const uint8_t *blk, const int8_t *q)
{
	__m256i	wv = _mm256_loadu_si256((const __m256i *)(const void *)
	    (blk + 2));
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)q);

	__m256i	aw = _mm256_min_epu8(wv, _mm256_sub_epi8(_mm256_setzero_si256(),
	    wv));

	return (_mm256_madd_epi16(_mm256_maddubs_epi16(aw,
	    _mm256_sign_epi8(qv, wv)), _mm256_set1_epi16(1)));
}

static inline float
q8_0_hsum(__m256 v)
{
	__m128	s = _mm_add_ps(_mm256_castps256_ps128(v),
	    _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return (_mm_cvtss_f32(s));
}

/* Block j's contribution to acc. */
#define Q8_0_STEP(acc, j)						\
	acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q8_0_dot(row +		\
	    (b + (j)) * Q8_0_BS, a->q + (b + (j)) * QK_Q8_0)),		\
	    _mm256_broadcast_ss(sc + (j)), acc)

void
q8_0_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_Q8_0, b, r;
	float		 sc[8] __attribute__((aligned(32)));

	assert(cols % QK_Q8_0 == 0 && cols <= a->n);
	for (r = r0; r < r1; r++) {
		const uint8_t	*row = w + r * nb * Q8_0_BS;
		__m256		 acc0 = _mm256_setzero_ps(), acc1 = acc0;
		__m256		 acc2 = acc0, acc3 = acc0;

		for (b = 0; b + 8 <= nb; b += 8) {
			_mm256_store_ps(sc, _mm256_mul_ps(q8_0_scales8(row +
			    b * Q8_0_BS), _mm256_loadu_ps(a->d + b)));
			Q8_0_STEP(acc0, 0);
			Q8_0_STEP(acc1, 1);
			Q8_0_STEP(acc2, 2);
			Q8_0_STEP(acc3, 3);
			Q8_0_STEP(acc0, 4);
			Q8_0_STEP(acc1, 5);
			Q8_0_STEP(acc2, 6);
			Q8_0_STEP(acc3, 7);
		}
		if (b < nb) {
			int	n = (int)(nb - b);
			__m256i	mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n),
			    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));

			_mm256_store_ps(sc, _mm256_mul_ps(q8_0_scales(row +
			    b * Q8_0_BS, n), _mm256_maskload_ps(a->d + b,
			    mask)));
			for (int j = 0; j < n; j += 2) {
				Q8_0_STEP(acc0, j);
				if (j + 1 < n)
					Q8_0_STEP(acc1, j + 1);
			}
		}
		y[r] = q8_0_hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1),
		    _mm256_add_ps(acc2, acc3)));
	}
}
