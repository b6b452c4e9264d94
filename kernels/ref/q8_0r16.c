/*
 * q8_0r16.c: scalar reference for Q8_0R16, q8_0's values with 16 rows
 * interleaved (blocks.h has the layout).  Its quantizers are q8_0's, row
 * by row, repacked; its product is q8_0's arithmetic, block by block in
 * row order, so each row's result equals q8_0_matvec_ref's bit for bit.
 */
#include "config.h"

#include "blocks.h"

#include <assert.h>
#include <string.h>

#include "kern-impl.h"

/* Block b of row r, as q8_0 holds it, into group g of nb blocks. */
static void
q8_0r16_put(uint8_t *g, int64_t nb, int64_t b, int r, const block_q8_0 *q)
{
	uint8_t	*qs = g + (size_t)b * Q8R16_QBYTES;

	for (int j = 0; j < QK_Q8_0 / 4; j++)
		for (int i = 0; i < 4; i++)
			qs[j * Q8R16_CHUNK + 4 * r + i] =
			    (uint8_t)q->qs[4 * j + i] ^ 0x80;
	memcpy(g + (size_t)nb * Q8R16_QBYTES + (size_t)b * 32 + 2 * r, &q->d,
	    2);
}

/* Block b of row r of group g, back in q8_0's form. */
static void
q8_0r16_get(const uint8_t *g, int64_t nb, int64_t b, int r, block_q8_0 *q)
{
	const uint8_t	*qs = g + (size_t)b * Q8R16_QBYTES;

	for (int j = 0; j < QK_Q8_0 / 4; j++)
		for (int i = 0; i < 4; i++)
			q->qs[4 * j + i] = (int8_t)(qs[j * Q8R16_CHUNK + 4 * r +
			    i] ^ 0x80);
	memcpy(&q->d, g + (size_t)nb * Q8R16_QBYTES + (size_t)b * 32 + 2 * r,
	    2);
}

/* 16 rows of n floats into one group, each block through quant (a q8_0
 * row quantizer), so the values are exactly q8_0's. */
static void
q8_0r16_quantize_with(const float *restrict x, void *restrict vy, int64_t n,
    kern_quant_fn quant)
{
	uint8_t		*g = vy;
	int64_t		 nb = n / QK_Q8_0;
	block_q8_0	 q;

	assert(n % QK_Q8_0 == 0);
	for (int r = 0; r < Q8R16_ROWS; r++)
		for (int64_t b = 0; b < nb; b++) {
			quant(x + r * n + b * QK_Q8_0, &q, QK_Q8_0);
			q8_0r16_put(g, nb, b, r, &q);
		}
	memset(g + (size_t)nb * (Q8R16_QBYTES + 32), 0,
	    q8r16_group_bytes(nb) - (size_t)nb * (Q8R16_QBYTES + 32));
}

void
q8_0r16_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	q8_0r16_quantize_with(x, y, n, q8_0_quantize_ref);
}

/* The active ISA's q8_0 quantizer (the reference's bytes, faster). */
void
q8_0r16_quantize(const float *restrict x, void *restrict y, int64_t n)
{
	q8_0r16_quantize_with(x, y, n, kern_get(KFMT_Q8_0)->from_float);
}

void
q8_0r16_dequantize_ref(const void *restrict vx, float *restrict y, int64_t n)
{
	const uint8_t	*g = vx;
	int64_t		 nb = n / QK_Q8_0;
	block_q8_0	 q;

	assert(n % QK_Q8_0 == 0);
	for (int r = 0; r < Q8R16_ROWS; r++)
		for (int64_t b = 0; b < nb; b++) {
			q8_0r16_get(g, nb, b, r, &q);
			q8_0_dequantize_ref(&q, y + r * n + b * QK_Q8_0,
			    QK_Q8_0);
		}
}

void
q8_0r16_matvec_ref(const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const uint8_t	*w = vw;
	int64_t		 nb = cols / QK_Q8_0;
	size_t		 gb = q8r16_group_bytes(nb);

	assert(cols % QK_Q8_0 == 0 && cols <= a->n && r0 % Q8R16_ROWS == 0);
	for (int64_t r = r0; r < r1; r++) {
		const uint8_t	*g = w + (size_t)(r / Q8R16_ROWS) * gb;
		int		 rr = (int)(r % Q8R16_ROWS);
		float		 sumf = 0.0f;

		for (int64_t b = 0; b < nb; b++) {
			const int8_t	*q = a->q + b * QK_Q8_0;
			const uint8_t	*qs = g + (size_t)b * Q8R16_QBYTES +
			    4 * rr;
			uint16_t	 d;
			int32_t		 isum = 0;

			for (int i = 0; i < QK_Q8_0; i++)
				isum += ((int)(qs[(i / 4) * Q8R16_CHUNK +
				    i % 4]) - 128) * q[i];
			memcpy(&d, g + (size_t)nb * Q8R16_QBYTES +
			    (size_t)b * 32 + 2 * rr, 2);
			sumf += (float)isum * (kern_f16_to_f32(d) * a->d[b]);
		}
		y[r] = sumf;
	}
}
