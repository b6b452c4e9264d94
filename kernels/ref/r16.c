/*
 * r16.c: scalar references for the 16-row interleaved layouts, Q8_0R16
 * (q8_0's values) and T2R16 (t2's or t2m's), as blocks.h lays them out.
 * Both store each weight as an unsigned code, the value plus an offset
 * (128 for q8_0, 1 for t2), in chunks of 4 weights of all 16 rows, row r
 * at byte 4r of a chunk: q8_0 a chunk a 64 bytes, t2 four chunks to 64
 * bytes at bits 0, 2, 4, 6.  The quantizers are the row format's, row by
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
 * weights 16h + 4l + i (l = 0..3) at bits 2l.  The same placement as
 * r16_pos, written out so that building a variant stays fast.  Both row
 * formats keep their codes after the 2-byte scale. */
static inline void
r16_put(const struct r16_layout *l, uint8_t *dst, int r, const uint8_t *blk)
{
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

/* 16 rows of n floats into one group through quant (the row format's
 * quantizer), so the values are exactly that quantizer's. */
static inline __attribute__((always_inline)) void
r16_quantize_with(const struct r16_layout *l, const float *restrict x,
    void *restrict vy, int64_t n, kern_quant_fn quant)
{
	uint8_t	*g = vy, *row;
	int64_t	 nb = n / QK_Q8_0;

	assert(n % QK_Q8_0 == 0);
	row = malloc((size_t)nb * l->bb);
	assert(row != NULL);
	/* the padding past the scales is zeros */
	memset(g + (size_t)nb * (l->qb + 32), 0, r16_group_bytes(nb, l->bb) -
	    (size_t)nb * (l->qb + 32));
	for (int r = 0; r < Q8R16_ROWS; r++) {
		quant(x + r * n, row, n);
		for (int64_t b = 0; b < nb; b++) {
			const uint8_t	*blk = row + (size_t)b * l->bb;

			r16_put(l, g + (size_t)b * l->qb, r, blk);
			/* both row formats put the fp16 scale first */
			memcpy(g + (size_t)nb * l->qb + (size_t)b * 32 + 2 * r,
			    blk, 2);
		}
	}
	free(row);
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

void
q8_0r16_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	r16_quantize_with(&r16_q8_0, x, y, n, q8_0_quantize_ref);
}

void
t2r16_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	r16_quantize_with(&r16_t2, x, y, n, t2_quantize_ref);
}

void
t2mr16_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	r16_quantize_with(&r16_t2, x, y, n, t2m_quantize_ref);
}

/* Through the active ISA's row quantizers (their references' bytes). */
void
q8_0r16_quantize(const float *restrict x, void *restrict y, int64_t n)
{
	r16_quantize_with(&r16_q8_0, x, y, n, kern_get(KFMT_Q8_0)->from_float);
}

void
t2r16_quantize(const float *restrict x, void *restrict y, int64_t n)
{
	r16_quantize_with(&r16_t2, x, y, n, kern_get(KFMT_T2)->from_float);
}

void
t2mr16_quantize(const float *restrict x, void *restrict y, int64_t n)
{
	r16_quantize_with(&r16_t2, x, y, n, kern_get(KFMT_T2M)->from_float);
}

void
q8_0r16_dequantize_ref(const void *restrict x, float *restrict y, int64_t n)
{
	r16_dequantize(&r16_q8_0, x, y, n);
}

void
t2r16_dequantize_ref(const void *restrict x, float *restrict y, int64_t n)
{
	r16_dequantize(&r16_t2, x, y, n);
}

void
q8_0r16_row_dequantize_ref(const void *restrict g, int r, float *restrict y,
    int64_t n)
{
	r16_row_dequantize(&r16_q8_0, g, r, y, n);
}

void
t2r16_row_dequantize_ref(const void *restrict g, int r, float *restrict y,
    int64_t n)
{
	r16_row_dequantize(&r16_t2, g, r, y, n);
}

void
q8_0r16_matvec_ref(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	r16_matvec(&r16_q8_0, w, cols, a, y, r0, r1);
}

void
t2r16_matvec_ref(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	r16_matvec(&r16_t2, w, cols, a, y, r0, r1);
}
