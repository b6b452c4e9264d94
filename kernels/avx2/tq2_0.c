/*
 * tq2_0.c: AVX2 twin of the TQ2_0 matrix-vector product, without VNNI.
 * Four rows go together, sharing each activation load.  Each 32-byte half
 * of a block's codes, shifted by 0, 2, 4, 6 and masked, gives the codes
 * of four activation blocks in weight order.  vpmaddubsw takes the codes
 * (0..3, including the 3 a file may hold) as the unsigned operand against
 * the activations, far from saturating.  The offset of the codes (value
 * = code - 1) comes off each int16 pair as vpmaddubsw(1, q), made once
 * per activation block for the four rows: every lane then sums true
 * products, so the float error stays within that of the reference (an
 * offset taken off one lane would leave lanes that cancel).  vpmaddwd
 * with ones widens to int32, exact; the lanes are converted to float and
 * multiplied by dw * da into one accumulator per row, the eight products
 * of a block's scale with the activation scales made in one multiply and
 * kept on the stack for broadcasts.  A call whose row count is not a
 * multiple of four repeats its last row in the missing slots and drops
 * their results, so a row's arithmetic, and its result bit for bit,
 * never depends on which rows share its call.
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

#define TQ2_0_BS	((int64_t)sizeof(block_tq2_0))

/* Row k's codes for activation block j into its accumulator. */
#define TQ2_0_ROW(k, j) do {						\
	__m256i	x_ = _mm256_loadu_si256((const __m256i *)(const void *)	\
	    (row##k + b * TQ2_0_BS + ((j) >> 2) * 32));			\
									\
	if ((j) & 3)							\
		x_ = _mm256_srli_epi16(x_, 2 * ((j) & 3));		\
	x_ = _mm256_sub_epi16(_mm256_maddubs_epi16(_mm256_and_si256(x_,	\
	    m3), qv), p1);						\
	acc##k = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(	\
	    x_, ones)), _mm256_broadcast_ss(&sc[k][j]), acc##k);	\
} while (0)

/* Activation block j of the 256-weight block b for the four rows: the
 * codes at bits 2 (j % 4) of the 32 bytes of half j / 4. */
#define TQ2_0_STEP(j) do {						\
	__m256i	qv = _mm256_load_si256((const __m256i *)(const void *)	\
	    (a->q + (8 * b + (j)) * 32));				\
	__m256i	p1 = _mm256_maddubs_epi16(ones8, qv);			\
									\
	TQ2_0_ROW(0, j);						\
	TQ2_0_ROW(1, j);						\
	TQ2_0_ROW(2, j);						\
	TQ2_0_ROW(3, j);						\
} while (0)

/* The products of row's block b scale with the activation scales da. */
static inline __m256
tq2_0_scales(const uint8_t *row, int64_t b, __m256 da)
{
	uint16_t	h;

	memcpy(&h, row + b * TQ2_0_BS + offsetof(block_tq2_0, d), sizeof h);
	return (_mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(h)), da));
}

void
tq2_0_matvec_avx2(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	const int64_t	 nb = cols / QK_TQ2_0, rb = nb * TQ2_0_BS;
	const __m256i	 ones = _mm256_set1_epi16(1);
	const __m256i	 ones8 = _mm256_set1_epi8(1);
	const __m256i	 m3 = _mm256_set1_epi8(3);
	float		 sc[4][8] __attribute__((aligned(32)));
	int64_t		 b, r;

	assert(cols % QK_TQ2_0 == 0 && cols <= a->n);
	for (r = r0; r < r1; r += 4) {
		const uint8_t	*row0 = w + r * rb;
		const uint8_t	*row1 = w + (r + 1 < r1 ? r + 1 : r1 - 1) * rb;
		const uint8_t	*row2 = w + (r + 2 < r1 ? r + 2 : r1 - 1) * rb;
		const uint8_t	*row3 = w + (r + 3 < r1 ? r + 3 : r1 - 1) * rb;
		__m256		 acc0 = _mm256_setzero_ps(), acc1 = acc0;
		__m256		 acc2 = acc0, acc3 = acc0;

		for (b = 0; b < nb; b++) {
			__m256	da = _mm256_loadu_ps(a->d + 8 * b);

			_mm256_store_ps(sc[0], tq2_0_scales(row0, b, da));
			_mm256_store_ps(sc[1], tq2_0_scales(row1, b, da));
			_mm256_store_ps(sc[2], tq2_0_scales(row2, b, da));
			_mm256_store_ps(sc[3], tq2_0_scales(row3, b, da));
			TQ2_0_STEP(0);
			TQ2_0_STEP(1);
			TQ2_0_STEP(2);
			TQ2_0_STEP(3);
			TQ2_0_STEP(4);
			TQ2_0_STEP(5);
			TQ2_0_STEP(6);
			TQ2_0_STEP(7);
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
