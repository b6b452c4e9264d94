/*
 * tq1_0.c: the AVX-512 VNNI twin of tq1_0_matvec_ref.  A block's 52 code
 * bytes (qs, then qh) are read with one masked zmm load.  Trit n of a
 * byte is the top trit of v = byte * 3^n (mod 256).  vpmaddubsw with
 * weights (9, 0) and (0, 9) makes 9v of the even and the odd bytes as
 * exact 16-bit words: their high bytes, merged by a shift and a
 * vpternlogd, are floor(9v / 256) = 3 t(n) + t(n + 1), which two vpshufb
 * split, and their low bytes are the next v, which the next vpmaddubsw
 * (weights (m, 0)) reads straight from the words, so the even and the odd
 * bytes stay apart and are never merged back; trit 4 comes the same way
 * with m = 3.  This is exactly the reference's wrapping multiply and
 * shift, for any byte.  The five trit vectors keep the byte order of the
 * block (qs[0..31], qs[32..47], qh[0..3]), so the activations are gathered
 * to match (masked loads, once per block, shared by sixteen rows): trit n
 * of qs[m] meets weight 32n + m, of qs[32 + m] weight 160 + 16n + m, of
 * qh[j] weight 240 + 4n + j (n < 4; qh's fifth trit meets zeros, as the
 * reference ignores it).  Trits are unsigned (t = w + 1), so each lane
 * starts from minus the sum of its activations and ends as the exact sum
 * of (t - 1) * a; no lane mixes activation blocks, so each is converted to
 * float times its own da, and the block's dw scales their sum into a
 * per-row accumulator reduced at the end in a fixed order: each row runs
 * the same instructions whatever its neighbours, so its result does not
 * depend on the row split.  Sixteen rows read side by side are sixteen
 * strided streams that the hardware prefetchers follow poorly from DRAM,
 * so each row step also prefetches one line of the next group of rows
 * (the next 16 * row bytes), in address order.  The activations' scales
 * for each trit vector's lanes come from one vpermps of the block's
 * eight (and sixteen rows rather than twelve share that preparation,
 * which costs about a tenth of the time at twelve).
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <immintrin.h>
#include <stddef.h>
#include <string.h>

#include "kern-impl.h"
#include "rows.h"

#define TQ1_ROWS	16
#define TQ1_CODES	52	/* qs and qh bytes at the start of a block */

/* One block's activations: x[n] meets trit vector n, nc its lanes'
 * corrections, da its lanes' activation scales. */
struct tq1_0_act {
	__m512i	x[5], nc[5];
	__m512	da[5];
};

static inline __attribute__((always_inline)) void
tq1_0_prepare(struct tq1_0_act *s, const struct kact *a, int64_t b)
{
	const int8_t	*q = a->q + b * QK_TQ1_0;
	const float	*d = a->d + b * 8;
	const __m512i	 ones = _mm512_set1_epi8(1);
	const __m512	 dv = _mm512_castps256_ps512(_mm256_loadu_ps(d));
	__m512i		 x;
	int		 n;

	#pragma GCC unroll 16
	for (n = 0; n < 5; n++) {
		/* bytes 0..31: weights 32n..; 32..47: 160 + 16n..; 48..51:
		 * 240 + 4n.. (none for n = 4); the masked loads touch only
		 * the bytes they keep */
		x = _mm512_maskz_loadu_epi8(0xffffffffULL, q + 32 * n);
		x = _mm512_mask_loadu_epi8(x, 0xffffULL << 32,
		    q + 160 + 16 * n - 32);
		if (n < 4)
			x = _mm512_mask_loadu_epi8(x, 0xfULL << 48,
			    q + 240 + 4 * n - 48);
		s->x[n] = x;
		s->nc[n] = _mm512_sub_epi32(_mm512_setzero_si512(),
		    _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, x));
		/* lanes 0-7: block n; 8-11: block 5 + n / 2; 12: block 7 */
		s->da[n] = _mm512_maskz_permutexvar_ps(n < 4 ? 0x1fff : 0x0fff,
		    _mm512_set_epi32(7, 7, 7, 7, 5 + n / 2, 5 + n / 2,
		    5 + n / 2, 5 + n / 2, n, n, n, n, n, n, n, n), dv);
	}
}

/* One decode step.  The low byte of each 16-bit word of *e (*o) is v of
 * the even (odd) code byte; at the first step both are the code bytes
 * themselves, and the weights (m, 0) and (0, m) pick the even and the odd
 * ones.  vpmaddubsw makes them m * v as exact words (m is 9 or 3, so
 * no saturation; the weight 0 drops the high byte), whose low bytes are
 * the next v and whose high bytes, floor(m * v / 256), are the next two
 * trits (or one) as a base-3 number, returned as bytes in place. */
static inline __attribute__((always_inline)) __m512i
tq1_0_top(__m512i *e, __m512i *o, int m, int first)
{
	*e = _mm512_maddubs_epi16(*e, _mm512_set1_epi16((short)m));
	*o = _mm512_maddubs_epi16(*o, _mm512_set1_epi16((short)(first ?
	    m << 8 : m)));
	/* (e >> 8) | (o & 0xff00) */
	return (_mm512_ternarylogic_epi32(_mm512_srli_epi16(*e, 8), *o,
	    _mm512_set1_epi16((short)0xff00), 0xf8));
}

/* One block of one row into acc. */
static inline __attribute__((always_inline)) __m512
tq1_0_step(const struct tq1_0_act *s, const uint8_t *p, __m512 acc)
{
	/* a pair of trits p = 3 * first + second, 0..8: first, second */
	const __m512i	div3 = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, 0,
	    1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0));
	const __m512i	mod3 = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2,
	    0, 1, 2, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0));
	__m512i		e, o, t[5], pr, d;
	__m512		u;
	uint16_t	h;
	int		n;

	e = o = _mm512_maskz_loadu_epi8(((__mmask64)1 << TQ1_CODES) - 1, p);
	/* trits 0-1 and 2-3 a pair at a time, then trit 4 */
	#pragma GCC unroll 2
	for (n = 0; n < 4; n += 2) {
		pr = tq1_0_top(&e, &o, 9, n == 0);
		t[n] = _mm512_shuffle_epi8(div3, pr);
		t[n + 1] = _mm512_shuffle_epi8(mod3, pr);
	}
	t[4] = tq1_0_top(&e, &o, 3, 0);
	u = _mm512_setzero_ps();
	#pragma GCC unroll 16
	for (n = 0; n < 5; n++) {
		d = _mm512_dpbusd_epi32(s->nc[n], t[n], s->x[n]);
		u = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), s->da[n], u);
	}
	memcpy(&h, p + offsetof(block_tq1_0, d), 2);
	return (_mm512_fmadd_ps(u, _mm512_cvtph_ps(_mm256_set1_epi16(
	    (short)h)), acc));
}

/* Rows [0, R) of w (rb bytes apart) into y[0..R); nb blocks a row.  The
 * R * rb bytes at pf (the next group of rows, or these rows again when
 * there is none) are prefetched a line per row and block, in address
 * order. */
static inline __attribute__((always_inline)) void
tq1_0_rows(const uint8_t *w, size_t rb, int64_t nb, const struct kact *a,
    float *y, int R, const uint8_t *pf)
{
	struct tq1_0_act	 s;
	__m512			 acc[TQ1_ROWS];
	int64_t			 b;
	int			 r;

	#pragma GCC unroll 16
	for (r = 0; r < R; r++)
		acc[r] = _mm512_setzero_ps();
	for (b = 0; b < nb; b++) {
		tq1_0_prepare(&s, a, b);
		#pragma GCC unroll 16
		for (r = 0; r < R; r++) {
			_mm_prefetch((const char *)pf + (b * R + r) *
			    (int64_t)sizeof(block_tq1_0), _MM_HINT_T0);
			acc[r] = tq1_0_step(&s, w + r * rb + b *
			    sizeof(block_tq1_0), acc[r]);
		}
	}
	avx512_sum8(acc, y, R > 8 ? 8 : R);
	if (R > 8)
		avx512_sum8(acc + 8, y + 8, R - 8);
}

void
tq1_0_matvec_avx512(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_TQ1_0, r = r0;
	size_t		 rb = (size_t)nb * sizeof(block_tq1_0);

	assert(cols % QK_TQ1_0 == 0 && cols <= a->n);
	for (; r + TQ1_ROWS <= r1; r += TQ1_ROWS)
		tq1_0_rows(w + r * rb, rb, nb, a, y + r, TQ1_ROWS,
		    w + (r + (r + 2 * TQ1_ROWS <= r1 ? TQ1_ROWS : 0)) * rb);
	if (TQ1_ROWS > 8 && r + 8 <= r1) {
		tq1_0_rows(w + r * rb, rb, nb, a, y + r, 8, w + r * rb);
		r += 8;
	}
	if (r + 4 <= r1) {
		tq1_0_rows(w + r * rb, rb, nb, a, y + r, 4, w + r * rb);
		r += 4;
	}
	for (; r < r1; r++)
		tq1_0_rows(w + r * rb, rb, nb, a, y + r, 1, w + r * rb);
}
