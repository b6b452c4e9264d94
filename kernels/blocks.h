/*
 * blocks.h: the packed block layout of every quantized weight format, byte
 * for byte as GGUF files store them, and the scalar reference converters
 * that define each format's meaning.  Only kernels/ includes this; the rest
 * of qcmp reaches formats through kern_get() (kern.h).
 */
#ifndef QCMP_BLOCKS_H
#define QCMP_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

/* An IEEE 754 binary16 value kept as its bit pattern (kern_f16_to_f32). */
/* Blocks are packed (alignment 1): rows of 10-, 18-, 34-, 54- or 66-byte
 * blocks put scales at odd addresses, and GGUF's general.alignment may be
 * 1, so the compiler must never assume an aligned field. */
typedef uint16_t kern_half;

/*
 * Q8_0: 32 weights, w = qs[i] * d.
 * 8.5 bits per weight.
 */
#define QK_Q8_0 32
typedef struct {
	kern_half	d;		/* scale */
	int8_t		qs[QK_Q8_0];	/* signed weights, -127..127 */
} __attribute__((packed)) block_q8_0;
_Static_assert(sizeof(block_q8_0) == sizeof(kern_half) + QK_Q8_0,
    "wrong q8_0 block size/padding");

/*
 * Q4_0: 32 weights, w = (nibble - 8) * d.  Byte i holds weight i in its low
 * nibble and weight i + 16 in its high nibble.
 * 4.5 bits per weight.
 */
#define QK_Q4_0 32
typedef struct {
	kern_half	d;		/* scale, negative: the largest |w| is -8d */
	uint8_t		qs[QK_Q4_0 / 2]; /* nibbles, see above */
} __attribute__((packed)) block_q4_0;
_Static_assert(sizeof(block_q4_0) == sizeof(kern_half) + QK_Q4_0 / 2,
    "wrong q4_0 block size/padding");

/*
 * TQ1_0: 256 ternary weights, w = (t - 1) * d with trit t in {0, 1, 2}.
 * A byte holds trits as a base-3 fraction: byte = ceil(T * 256 / 243) where
 * T = t0*81 + t1*27 + t2*9 + t3*3 + t4, so multiplying the byte by 3^n
 * (mod 256) brings trit n to the top, and (byte * 3) >> 8 reads it.
 * Weights: qs[0..31] hold w[n*32 + m] as trit n of qs[m] (w 0..159);
 * qs[32..47] hold w[160 + n*16 + m] as trit n of qs[32 + m] (w 160..239);
 * qh[0..3] hold w[240 + n*4 + j] as trit n of qh[j], n < 4, with the 5th
 * trit always 0 (w 240..255).
 * 1.6875 bits per weight.
 */
#define QK_TQ1_0 256
typedef struct {
	uint8_t		qs[(QK_TQ1_0 - 4 * QK_TQ1_0 / 64) / 5]; /* 5 trits/byte */
	uint8_t		qh[QK_TQ1_0 / 64];	/* 4 trits/byte */
	kern_half	d;			/* scale */
} __attribute__((packed)) block_tq1_0;
_Static_assert(sizeof(block_tq1_0) == 48 + 4 + sizeof(kern_half),
    "wrong tq1_0 block size/padding");

/*
 * TQ2_0: 256 ternary weights, w = (q - 1) * d with 2-bit code q in
 * {0, 1, 2}.  Each 32-byte half h in {0, 32} covers 128 weights: the code
 * at bits 2l..2l+1 of qs[h + m] is w[h*4 + l*32 + m] (l < 4, m < 32).
 * 2.0625 bits per weight.
 */
#define QK_TQ2_0 256
typedef struct {
	uint8_t		qs[QK_TQ2_0 / 4];	/* 4 codes/byte, see above */
	kern_half	d;			/* scale */
} __attribute__((packed)) block_tq2_0;
_Static_assert(sizeof(block_tq2_0) == QK_TQ2_0 / 4 + sizeof(kern_half),
    "wrong tq2_0 block size/padding");

/*
 * T2: qcmp's ternary layout for rows that are multiples of 32: 32 weights,
 * w = (c - 1) * d with 2-bit code c in {0, 1, 2}; byte m holds weights m,
 * m + 8, m + 16, m + 24 at bits 0, 2, 4, 6.  Filled by absmax per group
 * (t2) or BitNet's absmean per row (t2m).
 * 2.5 bits per weight.
 */
#define QK_T2 32
typedef struct {
	kern_half	d;		/* scale */
	uint8_t		qs[QK_T2 / 4];	/* 4 codes/byte, see above */
} __attribute__((packed)) block_t2;
_Static_assert(sizeof(block_t2) == sizeof(kern_half) + QK_T2 / 4,
    "wrong t2 block size/padding");

/*
 * Q8_0R16: q8_0's blocks of 16 rows interleaved, the in-memory layout whole
 * matrices of q8_0 values are multiplied in (never a file format).  Rows
 * are padded with zero rows to a multiple of 16.  A group of 16 rows with
 * nb blocks a row is
 *	quants: nb x 512 bytes, block b at 512 b: 8 chunks of 64 bytes, chunk
 *		j holding weights [4j, 4j + 4) of rows 0..15, row r at 4r,
 *		each stored as w ^ 0x80 (= w + 128 as u8, so -128 is 0);
 *	scales: nb x 16 fp16, block b's at nb * 512 + 32 b, row r at 2r;
 *	padding to a multiple of 64 bytes (32 bytes when nb is odd).
 * A 64-byte chunk is one aligned zmm: vpdpbusd of it with one broadcast
 * activation dword gives the 16 rows' partial sums in 16 lanes, and a
 * block's 8 chunks its 16 exact sums plus 128 times the activation block
 * sum (subtracted), with no horizontal work.  Values and scales are
 * q8_0's, so a row's product is q8_0's bit for bit.
 * 8.5 bits per weight as q8_0 (the table's figure), plus the zero rows
 * that pad a matrix to 16 and, for an odd nb, 2 bytes a row.
 */
#define Q8R16_ROWS	16
#define Q8R16_CHUNK	64			/* bytes of one 4-weight chunk */
#define Q8R16_QBYTES	(Q8R16_ROWS * QK_Q8_0)	/* 512 quant bytes a block */

/* Bytes of one group of 16 rows of nb blocks of block_bytes each (an
 * interleaved layout keeps its row format's bytes), padded to 64. */
static inline size_t
r16_group_bytes(int64_t nb, size_t block_bytes)
{
	return (((size_t)nb * Q8R16_ROWS * block_bytes + 63) & ~(size_t)63);
}

/* The group holding row r (a multiple of 16) of w. */
static inline const uint8_t *
r16_group(const void *w, int64_t r, int64_t nb, size_t block_bytes)
{
	return ((const uint8_t *)w + (size_t)(r / Q8R16_ROWS) *
	    r16_group_bytes(nb, block_bytes));
}

/*
 * T2R16: T2's values (t2 or t2m quantized) with 16 rows interleaved, the
 * layout ternary variants multiply in.  Rows padded with zero rows to a
 * multiple of 16; a group of nb blocks is
 *	codes:	nb x 128 bytes, block b at 128 b: two halves h of 64 bytes,
 *		byte 4r + i of half h holding at bits 2l the code c = t + 1
 *		of weight 4 (4h + l) + i of row r (l, i < 4);
 *	scales: nb x 16 fp16, block b's at nb * 128 + 32 b, row r at 2r;
 *	padding to a multiple of 64 bytes (32 bytes when nb is odd).
 * One 64-byte load, shifted by 2l and masked with 3, is the code chunk of
 * weights [4(4h + l), 4(4h + l) + 4) of all 16 rows, one dword a row: what
 * vpdpbusd multiplies by a broadcast activation dword; subtracting the
 * activation block sum undoes the + 1.  A row's product is T2's bit for
 * bit.  2.5 bits per weight as T2, plus the padding rows and, for an odd
 * nb, 2 bytes a row.
 */
#define T2R16_QBYTES	(Q8R16_ROWS * QK_T2 / 4)	/* 128 code bytes */

/*
 * Q4_0R16: q4_0's values with 16 rows interleaved, the layout q4_0's
 * matrices are multiplied in where the ISA has a kernel for it.  Rows
 * padded with zero rows to a multiple of 16; a group of nb blocks is
 *	codes:	nb x 256 bytes, block b at 256 b: four chunks c of 64 bytes,
 *		byte 4r + i of chunk c holding q4_0's code (value + 8) of
 *		weight 4 (2c) + i of row r in its low nibble and of weight
 *		4 (2c + 1) + i in its high one;
 *	scales: nb x 16 fp16, block b's at nb * 256 + 32 b, row r at 2r;
 *	padding to a multiple of 64 bytes (32 bytes when nb is odd).
 * A chunk's nibbles, masked or shifted and masked, are the code chunks of
 * two runs of 4 weights of all 16 rows, one dword a row; against a
 * broadcast activation dword a pair of products is at most 2 * 15 * 127,
 * so a block's 8 chunks add up in int16 (30480 at most) and subtracting
 * 8 times the activation block sum undoes the offset.  A row's product is
 * q4_0's reference bit for bit.  4.5 bits per weight as q4_0, plus the
 * padding rows and, for an odd nb, 2 bytes a row.
 */
#define Q4R16_QBYTES	(Q8R16_ROWS * QK_Q4_0 / 2)	/* 256 code bytes */

/*
 * TQ2_0R16: tq2_0's values in T2R16's bytes, for T2R16's kernels where
 * an ISA has no faster tq2_0 one: each 256-weight block becomes 8 t2
 * blocks with the same codes and the block's scale in each, so a row's
 * product is tq2_0's reference bit for bit (which adds 32-weight sums
 * times dw * da in the same order).  2.5 bits per weight, not tq2_0's
 * 2.0625: a block of this format is those 8 t2 blocks, 80 bytes.
 */
#define TQ2R16_BLOCK	(8 * sizeof(block_t2))

/*
 * Scalar references: the truth every faster kernel must reproduce.  n is a
 * weight count and must be a whole number of blocks (asserted).  Whatever
 * qcmp writes to disk comes from the *_quantize_ref functions.  Each
 * format has a quantizer (floats into blocks) and a dequantizer (blocks
 * into floats): the from_float_ref and to_float of its kern_traits.
 */
#define KERN_QUANT_DECL(fn)						\
	void fn(const float *restrict x, void *restrict y, int64_t n)
#define KERN_DEQUANT_DECL(fn)						\
	void fn(const void *restrict x, float *restrict y, int64_t n)

KERN_QUANT_DECL(f32_quantize_ref);
KERN_DEQUANT_DECL(f32_dequantize_ref);
KERN_QUANT_DECL(f16_quantize_ref);
KERN_DEQUANT_DECL(f16_dequantize_ref);
KERN_QUANT_DECL(bf16_quantize_ref);
KERN_DEQUANT_DECL(bf16_dequantize_ref);
KERN_QUANT_DECL(q8_0_quantize_ref);
KERN_DEQUANT_DECL(q8_0_dequantize_ref);
KERN_QUANT_DECL(q4_0_quantize_ref);
KERN_DEQUANT_DECL(q4_0_dequantize_ref);
KERN_QUANT_DECL(tq1_0_quantize_ref);
KERN_DEQUANT_DECL(tq1_0_dequantize_ref);
KERN_QUANT_DECL(tq2_0_quantize_ref);
KERN_DEQUANT_DECL(tq2_0_dequantize_ref);
/* q8_0r16, t2r16, t2mr16 and q4_0r16: one group of 16 rows
 * (kern_traits.row_group) */
KERN_QUANT_DECL(q8_0r16_quantize_ref);
KERN_QUANT_DECL(t2r16_quantize_ref);
KERN_QUANT_DECL(t2mr16_quantize_ref);
KERN_QUANT_DECL(q4_0r16_quantize_ref);
KERN_DEQUANT_DECL(q4_0r16_dequantize_ref);
KERN_QUANT_DECL(tq2_0r16_quantize_ref);
KERN_DEQUANT_DECL(t2r16_dequantize_ref);
KERN_DEQUANT_DECL(q8_0r16_dequantize_ref);
/* Row r (< 16) of one group of q8_0r16 or t2r16: n floats into y, each
 * equal to that row's value in the group's *_dequantize_ref. */
void	q8_0r16_row_dequantize_ref(const void *restrict g, int r,
	    float *restrict y, int64_t n);
void	t2r16_row_dequantize_ref(const void *restrict g, int r,
	    float *restrict y, int64_t n);
void	q4_0r16_row_dequantize_ref(const void *restrict g, int r,
	    float *restrict y, int64_t n);
/* nrows (<= 16) rows of the row format's blocks (n weights each) into one
 * group g of q8_0r16, t2r16 (t2mr16 too) or q4_0r16, the bytes the
 * layout's quantizer writes for the rows' values; the rest zero rows. */
void	q8_0r16_pack_ref(const void *restrict rows, int nrows,
	    void *restrict g, int64_t n);
void	t2r16_pack_ref(const void *restrict rows, int nrows,
	    void *restrict g, int64_t n);
void	q4_0r16_pack_ref(const void *restrict rows, int nrows,
	    void *restrict g, int64_t n);
void	tq2_0r16_pack_ref(const void *restrict rows, int nrows,
	    void *restrict g, int64_t n);

#endif
