/*
 * r16.c: scalar references for the 16-row interleaved layouts, Q8_0R16
 * (q8_0's values), T2R16 (t2's or t2m's) and Q4_0R16 (q4_0's), as
 * blocks.h lays them out.  All store each weight as an unsigned code, the
 * value plus an offset (128 for q8_0, 1 for t2, 8 for q4_0), in chunks of
 * 4 weights of all 16 rows, row r at byte 4r of a chunk: q8_0 a chunk a
 * 64 bytes, t2 four chunks to 64 bytes at bits 0, 2, 4, 6, q4_0 two at
 * bits 0 and 4.  The quantizers are the row format's, row by
 * row (t2m's scale needs the whole row), repacked; the product is the row
 * format's reference arithmetic, block by block in row order, so each
 * row's result equals it bit for bit.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "kern-impl.h"

/* One layout: its row format's block bytes, a block's code bytes, bits
 * a code and the offset added to each value. */
struct r16_layout {
	size_t	bb, qb;
	int	bits, offset;
};

static const struct r16_layout r16_q8_0 = {
	sizeof(block_q8_0), Q8R16_QBYTES, 8, 128
};
static const struct r16_layout r16_t2 = {
	sizeof(block_t2), T2R16_QBYTES, 2, 1
};
static const struct r16_layout r16_q4_0 = {
	sizeof(block_q4_0), Q4R16_QBYTES, 4, 8
};

/* The byte of a block's codes holding weight k of row r, and its shift. */
static inline size_t
r16_pos(const struct r16_layout *l, int r, int k, int *shift)
{
	int	per = 8 / l->bits, j = k / 4;

	*shift = l->bits * (j % per);
	return ((size_t)(64 * (j / per) + 4 * r + k % 4));
}

/* Weight k of row r of block b of group g: its code and its scale. */
static inline int
r16_code(const struct r16_layout *l, const uint8_t *g, int64_t nb,
    int64_t b, int r, int k, uint16_t *d)
{
	int	sh;
	size_t	p = r16_pos(l, r, k, &sh);

	memcpy(d, g + (size_t)nb * l->qb + (size_t)b * 32 + 2 * r, 2);
	return ((g[(size_t)b * l->qb + p] >> sh) & ((1 << l->bits) - 1));
}

/* Row r's codes of one plain block into its block of codes at dst: q8_0
 * a dword per chunk, flipped; t2 byte i of half h gathering the codes of
 * weights 16h + 4l + i (l = 0..3) at bits 2l; q4_0 byte i of chunk c
 * those of weights 8c + i and 8c + 4 + i (q4_0 keeps weight k < 16 in
 * the low nibble of byte k, k + 16 in its high one).  The same placement
 * as r16_pos, written out so that building a variant stays fast.  Every
 * row format keeps its codes after the 2-byte scale. */
static inline void
r16_put(const struct r16_layout *l, uint8_t *dst, int r, const uint8_t *blk)
{
	if (l->bits == 4) {
		const uint8_t	*qs = blk + 2;

		for (int c = 0; c < 4; c++)
			for (int i = 0; i < 4; i++) {
				int	k0 = 8 * c + i, k1 = k0 + 4;
				int	lo = k0 < 16 ? qs[k0] & 15 : qs[k0 - 16] >> 4;
				int	hi = k1 < 16 ? qs[k1] & 15 : qs[k1 - 16] >> 4;

				dst[64 * c + 4 * r + i] = (uint8_t)(lo | hi << 4);
			}
		return;
	}
	if (l->bits == 8) {
		for (int j = 0; j < QK_Q8_0 / 4; j++) {
			uint32_t	w;

			memcpy(&w, blk + 2 + 4 * j, 4);
			w ^= 0x80808080u;
			memcpy(dst + 64 * j + 4 * r, &w, 4);
		}
		return;
	}
	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 4; i++) {
			unsigned	c = 0;

			for (int j = 0; j < 4; j++) {
				int k = 16 * h + 4 * j + i;

				c |= (unsigned)((blk[2 + k % 8] >> (2 * (k / 8))) &
				    3) << (2 * j);
			}
			dst[64 * h + 4 * r + i] = (uint8_t)c;
		}
}

/* nrows (<= 16) rows of the row format's blocks at rows (n weights each)
 * into one group at vg; the rows past them are zero, as quant (the row
 * format's quantizer) writes zeros. */
static void
r16_pack(const struct r16_layout *l, const void *restrict rows, int nrows,
    void *restrict vg, int64_t n, kern_quant_fn quant)
{
	uint8_t		*g = vg, *zero = NULL;
	int64_t		 nb = n / QK_Q8_0;
	size_t		 rb = (size_t)nb * l->bb;

	assert(n % QK_Q8_0 == 0 && nrows >= 0 && nrows <= Q8R16_ROWS);
	if (nrows < Q8R16_ROWS) {
		float	*x = calloc((size_t)n, sizeof(float));

		zero = malloc(rb);
		assert(x != NULL && zero != NULL);
		quant(x, zero, n);
		free(x);
	}
	/* the padding past the scales is zeros */
	memset(g + (size_t)nb * (l->qb + 32), 0, r16_group_bytes(nb, l->bb) -
	    (size_t)nb * (l->qb + 32));
	for (int r = 0; r < Q8R16_ROWS; r++) {
		const uint8_t	*row = r < nrows ? (const uint8_t *)rows +
				    (size_t)r * rb : zero;

		for (int64_t b = 0; b < nb; b++) {
			const uint8_t	*blk = row + (size_t)b * l->bb;

			r16_put(l, g + (size_t)b * l->qb, r, blk);
			/* every row format puts the fp16 scale first */
			memcpy(g + (size_t)nb * l->qb + (size_t)b * 32 + 2 * r,
			    blk, 2);
		}
	}
	free(zero);
}

/* 16 rows of n floats into one group through quant (the row format's
 * quantizer), so the values are exactly that quantizer's. */
static inline __attribute__((always_inline)) void
r16_quantize_with(const struct r16_layout *l, const float *restrict x,
    void *restrict vy, int64_t n, kern_quant_fn quant)
{
	size_t	 rb = (size_t)(n / QK_Q8_0) * l->bb;
	uint8_t	*rows = malloc(Q8R16_ROWS * rb);

	assert(n % QK_Q8_0 == 0 && rows != NULL);
	for (int r = 0; r < Q8R16_ROWS; r++)
		quant(x + r * n, rows + (size_t)r * rb, n);
	r16_pack(l, rows, Q8R16_ROWS, vy, n, quant);
	free(rows);
}

static void
r16_dequantize(const struct r16_layout *l, const void *restrict vx,
    float *restrict y, int64_t n)
{
	const uint8_t	*g = vx;
	int64_t		 nb = n / QK_Q8_0;
	uint16_t	 h;

	assert(n % QK_Q8_0 == 0);
	for (int r = 0; r < Q8R16_ROWS; r++)
		for (int64_t b = 0; b < nb; b++)
			for (int k = 0; k < QK_Q8_0; k++) {
				int c = r16_code(l, g, nb, b, r, k, &h);

				y[r * n + b * QK_Q8_0 + k] = (float)(c -
				    l->offset) * kern_f16_to_f32(h);
			}
}

/* Row r (< 16) of the group at vg, n floats. */
static void
r16_row_dequantize(const struct r16_layout *l, const void *restrict vg,
    int r, float *restrict y, int64_t n)
{
	const uint8_t	*g = vg;
	int64_t		 nb = n / QK_Q8_0;
	uint16_t	 h;

	assert(n % QK_Q8_0 == 0 && r >= 0 && r < Q8R16_ROWS);
	for (int64_t b = 0; b < nb; b++)
		for (int k = 0; k < QK_Q8_0; k++) {
			int c = r16_code(l, g, nb, b, r, k, &h);

			y[b * QK_Q8_0 + k] = (float)(c - l->offset) *
			    kern_f16_to_f32(h);
		}
}

static void
r16_matvec(const struct r16_layout *l, const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	int64_t	nb = cols / QK_Q8_0;

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r++) {
		const uint8_t	*g = r16_group(w, r / Q8R16_ROWS * Q8R16_ROWS,
		    nb, l->bb);
		int		 rr = (int)(r % Q8R16_ROWS);
		float		 sumf = 0.0f;

		for (int64_t b = 0; b < nb; b++) {
			const int8_t	*q = a->q + b * QK_Q8_0;
			uint16_t	 h = 0;
			int32_t		 isum = 0;

			for (int k = 0; k < QK_Q8_0; k++)
				isum += (r16_code(l, g, nb, b, rr, k, &h) -
				    l->offset) * q[k];
			sumf += (float)isum * (kern_f16_to_f32(h) * a->d[b]);
		}
		y[r] = sumf;
	}
}

/* A layout's entry points: name##_quantize_ref through rowq's reference
 * quantizer, name##_quantize through the active one (of row format fmt),
 * and the dequantizers, the packer and the product. */
#define R16_QUANTIZERS(name, l, rowq, fmt)				\
	void								\
	name##_quantize_ref(const float *restrict x, void *restrict y,	\
	    int64_t n)							\
	{								\
		r16_quantize_with(&(l), x, y, n, rowq##_quantize_ref);	\
	}								\
	void								\
	name##_quantize(const float *restrict x, void *restrict y,	\
	    int64_t n)							\
	{								\
		r16_quantize_with(&(l), x, y, n, kern_get(fmt)->from_float); \
	}
#define R16_ENTRY_POINTS(name, l, rowq, fmt)				\
	R16_QUANTIZERS(name, l, rowq, fmt)				\
	void								\
	name##_dequantize_ref(const void *restrict x, float *restrict y, \
	    int64_t n)							\
	{								\
		r16_dequantize(&(l), x, y, n);				\
	}								\
	void								\
	name##_row_dequantize_ref(const void *restrict g, int r,	\
	    float *restrict y, int64_t n)				\
	{								\
		r16_row_dequantize(&(l), g, r, y, n);			\
	}								\
	void								\
	name##_pack_ref(const void *restrict rows, int nrows,		\
	    void *restrict g, int64_t n)				\
	{								\
		r16_pack(&(l), rows, nrows, g, n, rowq##_quantize_ref);	\
	}								\
	void								\
	name##_matvec_ref(const void *restrict w, int64_t cols,	\
	    const struct kact *restrict a, float *restrict y, int64_t r0, \
	    int64_t r1)							\
	{								\
		r16_matvec(&(l), w, cols, a, y, r0, r1);		\
	}

R16_ENTRY_POINTS(q8_0r16, r16_q8_0, q8_0, KFMT_Q8_0)
R16_ENTRY_POINTS(t2r16, r16_t2, t2, KFMT_T2)
R16_ENTRY_POINTS(q4_0r16, r16_q4_0, q4_0, KFMT_Q4_0)
/* t2mr16 is t2r16 but for the quantizer */
R16_QUANTIZERS(t2mr16, r16_t2, t2m, KFMT_T2M)

/* n weights of tq2_0 rows at src as t2 blocks at dst: every 32 weights
 * their codes and their 256-weight block's scale. */
static void
r16_tq2_0_as_t2(const void *restrict src, block_t2 *restrict dst, int64_t n)
{
	const block_tq2_0	*x = src;

	assert(n % QK_TQ2_0 == 0);
	for (int64_t b = 0; b < n / QK_TQ2_0; b++)
		for (int j = 0; j < QK_TQ2_0 / QK_T2; j++) {
			block_t2	*t = &dst[b * (QK_TQ2_0 / QK_T2) + j];

			t->d = x[b].d;
			memset(t->qs, 0, sizeof t->qs);
			/* weight 32 j + m is at bits 2 (j % 4) of byte
			 * 32 (j / 4) + m */
			for (int m = 0; m < QK_T2; m++)
				t->qs[m % 8] |= (uint8_t)(((x[b].qs[32 * (j / 4) +
				    m] >> (2 * (j % 4))) & 3) << (2 * (m / 8)));
		}
}

void
tq2_0r16_pack_ref(const void *restrict rows, int nrows, void *restrict g,
    int64_t n)
{
	size_t		 rb = (size_t)(n / QK_TQ2_0) * sizeof(block_tq2_0);
	block_t2	*t = malloc((size_t)(nrows > 0 ? nrows : 1) *
			    (size_t)(n / QK_T2) * sizeof *t);

	assert(t != NULL);
	for (int r = 0; r < nrows; r++)
		r16_tq2_0_as_t2((const uint8_t *)rows + (size_t)r * rb,
		    t + (size_t)r * (size_t)(n / QK_T2), n);
	r16_pack(&r16_t2, t, nrows, g, n, t2_quantize_ref);
	free(t);
}

/* 16 rows of floats through quant (tq2_0's), repacked */
static void
r16_tq2_0_quantize_with(const float *restrict x, void *restrict y, int64_t n,
    kern_quant_fn quant)
{
	size_t	 rb = (size_t)(n / QK_TQ2_0) * sizeof(block_tq2_0);
	uint8_t	*rows = malloc(Q8R16_ROWS * rb);

	assert(n % QK_TQ2_0 == 0 && rows != NULL);
	for (int r = 0; r < Q8R16_ROWS; r++)
		quant(x + r * n, rows + (size_t)r * rb, n);
	tq2_0r16_pack_ref(rows, Q8R16_ROWS, y, n);
	free(rows);
}

void
tq2_0r16_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	r16_tq2_0_quantize_with(x, y, n, tq2_0_quantize_ref);
}

void
tq2_0r16_quantize(const float *restrict x, void *restrict y, int64_t n)
{
	r16_tq2_0_quantize_with(x, y, n, kern_get(KFMT_TQ2_0)->from_float);
}
