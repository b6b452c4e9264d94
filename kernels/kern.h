/*
 * kern.h: the one table from weight format to its facts and kernels.  The
 * rest of qcmp talks to weight formats only through kern_get(); no other
 * module knows a block layout or an instruction set.
 */
#ifndef QCMP_KERN_H
#define QCMP_KERN_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

enum kfmt {
	KFMT_F32 = 0,
	KFMT_F16,
	KFMT_BF16,
	KFMT_Q8_0,
	KFMT_Q4_0,
	KFMT_TQ1_0,
	KFMT_TQ2_0,
	KFMT_T2,	/* ternary, 32-weight groups, absmax scale per group */
	KFMT_T2M,	/* same layout, absmean scale per row (BitNet b1.58) */
	KFMT_Q8_0R16,	/* q8_0's values, 16 rows interleaved (blocks.h) */
	KFMT_T2R16,	/* t2's values, 16 rows interleaved */
	KFMT_T2MR16,	/* t2m's values, the same layout */
	KFMT_Q4_0R16,	/* q4_0's values, 16 rows interleaved */
	KFMT_TQ2_0R16,	/* tq2_0's values in t2r16's layout */
	KFMT_COUNT
};

/* Instruction sets a kernel can be written for, weakest first. */
enum kern_isa {
	KISA_SCALAR = 0,
	KISA_AVX2,	/* AVX2 + FMA + F16C */
	KISA_AVX512,	/* AVX-512 F/BW/VL, with VNNI */
	KISA_NEON,	/* AArch64 Advanced SIMD with dotprod */
	KISA_COUNT
};

/* Activations quantized once per input vector and shared by every integer
 * matrix that reads it: blocks of KACT_BLOCK values, each an fp32 scale
 * and int8 values in [-127, 127] (never -128), with the block's sum for
 * the offset tricks of unsigned weight codes.  f keeps the f32 vector for
 * the 16- and 32-bit formats. */
#define KACT_BLOCK	32
struct kact {
	int64_t		 n;	/* values, padded with zeros to whole blocks */
	int64_t		 cap;	/* capacity of q (a multiple of KACT_BLOCK) */
	int8_t		*q;	/* (cap) 64-byte aligned */
	float		*d;	/* (cap / KACT_BLOCK) scales */
	int32_t		*sum;	/* (cap / KACT_BLOCK) sums of q */
	float		*f;	/* (cap) the f32 input, zero-padded */
};

/* y[r] = dot(row r of w, activations) for r in [r0, r1); w points at row
 * 0, rows are kern_row_bytes(fmt, cols) apart, cols is a whole number of
 * blocks and <= a->n.  A format whose rows are interleaved in groups
 * (row_group > 1) takes w at its first group, r0 a multiple of row_group
 * and r1 a multiple of it or the matrix's row count: a last partial group
 * is computed whole (its missing rows are zeros) and only rows below r1
 * are stored. */
typedef void (*kern_matvec_fn)(const void *restrict w, int64_t cols,
	    const struct kact *restrict a, float *restrict y, int64_t r0,
	    int64_t r1);

/* kern_matvec_fn for n_vec vectors a[0..n_vec): vector v's products go to
 * y[v * ldy + r] for r in [r0, r1), each bit-identical to matvec's. */
typedef void (*kern_matmat_fn)(const void *restrict w, int64_t cols,
	    const struct kact *restrict a, int n_vec, float *restrict y,
	    int64_t ldy, int64_t r0, int64_t r1);

struct kern_traits {
	const char	*name;		/* "q8_0", as users type it */
	int		 block_len;	/* weights per block */
	size_t		 block_bytes;	/* bytes per block */
	double		 bits_per_weight;
	/* Rows stored interleaved in groups of row_group (1: row by row).
	 * For row_group > 1, to_float, from_float_ref and from_float
	 * convert one whole group: row_group rows of n floats one after
	 * another (zeros for rows past a matrix's end) to or from the
	 * group's kern_mat_bytes(fmt, row_group, n) bytes. */
	int		 row_group;
	/* The format whose values these are (itself, or the row format an
	 * interleaved layout repacks): users see base's name. */
	enum kfmt	 base;
	/* The layout whole-matrix products of this format's values run on
	 * (itself, or an interleaved layout of it where the active ISA has
	 * a kernel of its own for that layout); matrices read row by row
	 * (token embeddings) keep the format itself. */
	enum kfmt	 matrix_fmt;
	/* n weights (a whole number of blocks) from x to y */
	void		(*to_float)(const void *restrict x, float *restrict y,
			    int64_t n);
	/* for row_group > 1: row r of the group at g, n weights, to y */
	void		(*group_row_to_float)(const void *restrict g, int r,
			    float *restrict y, int64_t n);
	/* for row_group > 1: nrows (<= row_group) rows of base's blocks,
	 * n weights each, into the group at g, the rest zero rows */
	void		(*group_pack)(const void *restrict rows, int nrows,
			    void *restrict g, int64_t n);
	/* scalar reference quantizer of one row: n floats into blocks */
	void		(*from_float_ref)(const float *restrict x,
			    void *restrict y, int64_t n);
	/* the active ISA's quantizer: from_float_ref's bytes, faster */
	void		(*from_float)(const float *restrict x,
			    void *restrict y, int64_t n);
	int		 int_act;	/* matvec reads a->q (else a->f) */
	kern_matvec_fn	 matvec;	/* the active ISA's kernel */
	kern_matvec_fn	 matvec_ref;	/* the scalar reference */
	/* the active ISA's kernel for several vectors sharing the weights'
	 * loads, or NULL: then callers run matvec once per vector */
	kern_matmat_fn	 matmat;
	enum kern_isa	 matvec_isa;	/* which ISA matvec is */
};

/* Traits of fmt (asserts fmt < KFMT_COUNT). */
const struct kern_traits *kern_get(enum kfmt fmt);
/* The format named name ("q8_0"), or -1. */
int	kern_find(const char *name);
/* Row row of the matrix of fmt at w whose rows have n weights (whole
 * blocks), as n floats into y; interleaved layouts too. */
void	kern_row_to_float(enum kfmt fmt, const void *w, int64_t row, int64_t n,
	    float *y);
/* The rows x rows of n weights of layout's base format at src, repacked
 * into layout at dst (kern_mat_bytes(layout, rows, n) bytes): the values
 * and bytes layout's quantizer would write for them. */
void	kern_interleave(enum kfmt layout, const void *src, int64_t rows,
	    int64_t n, void *dst);
/* Bytes taken by n weights of fmt; n must be a whole number of blocks.
 * For an interleaved format, a row's share (bits_per_weight * n / 8). */
size_t	kern_row_bytes(enum kfmt fmt, int64_t n);
/* Bytes a matrix of rows rows of n weights takes in fmt: rows times
 * kern_row_bytes, or for an interleaved format whole groups (rows padded
 * with zero rows) including any alignment padding. */
size_t	kern_mat_bytes(enum kfmt fmt, int64_t rows, int64_t n);

/* Detects the CPU, honours $QCMP_ISA (scalar, avx2, avx512, neon) and
 * fills every format's active kernel; Q_EUSAGE naming the variable when
 * it asks for an ISA this CPU or build lacks.  Safe to call again. */
int	kern_init(struct qerr *err);
/* Forces isa for every format (tests, benchmarks); Q_EUSAGE if absent. */
int	kern_set_isa(enum kern_isa isa, struct qerr *err);
/* The ISA kern_init chose (or kern_set_isa forced). */
enum kern_isa kern_isa(void);
/* 1 when this build has kernels for isa and the CPU can run them. */
int	kern_isa_available(enum kern_isa isa);
const char *kern_isa_name(enum kern_isa isa);
/* "avx2 fma f16c avx512f ..." : the CPU features qcmp looks at. */
const char *kern_cpu_features(void);

/* Allocates activation buffers for vectors of up to n values. */
int	kact_init(struct kact *a, int64_t n);
void	kact_free(struct kact *a);
/* Quantizes x[0..n) into a (n <= capacity): pads to whole blocks with
 * zeros; the result is identical whatever the ISA. */
void	kact_quantize(struct kact *a, const float *x, int64_t n);
/* The scalar reference of kact_quantize. */
void	kact_quantize_ref(struct kact *a, const float *x, int64_t n);
/* Index of the first of n weights of fmt at x (a whole number of blocks)
 * that is an infinity or a NaN, or -1 when all are finite. */
int64_t	kern_first_nonfinite(enum kfmt fmt, const void *x, int64_t n);
/* n rounded up to a whole number of fmt's blocks. */
int64_t	kern_pad(enum kfmt fmt, int64_t n);

/* IEEE half / bfloat16 conversions (round to nearest even). */
float		kern_f16_to_f32(uint16_t h);
uint16_t	kern_f32_to_f16(float f);
float		kern_bf16_to_f32(uint16_t h);
uint16_t	kern_f32_to_bf16(float f);

#endif
