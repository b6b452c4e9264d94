/*
 * kern-impl.h: every kernel of every ISA, for kern.c's dispatch table and
 * the tests that hold each twin against its scalar reference.  Only
 * kernels/ and the kernel tests include this.
 */
#ifndef QCMP_KERN_IMPL_H
#define QCMP_KERN_IMPL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kern.h"

/* roundf() and nearbyintf() for |v| < 2^23, inline: without SSE4.1 the
 * library calls dominate quantizing a model.  v - (int)v is exact there,
 * so these round exactly as the library functions do. */
static inline int
kern_round_away(float v)
{
	int	i = (int)v;
	float	f = v - (float)i;

	return (i + (f >= 0.5f) - (f <= -0.5f));
}

static inline int
kern_round_even(float v)
{
	int	i = (int)v;
	float	f = v - (float)i;

	if (f > 0.5f || (f == 0.5f && (i & 1)))
		return (i + 1);
	if (f < -0.5f || (f == -0.5f && (i & 1)))
		return (i - 1);
	return (i);
}

/* t2m's row sum as the reference adds it: |x[i]| in index order, in
 * double (double rounding makes the order part of the format). */
static inline double
kern_abssum_seq(const float *x, int64_t n)
{
	double	sum = 0.0;

	for (int64_t i = 0; i < n; i++)
		sum += fabsf(x[i]);
	return (sum);
}

/* Whether n finite magnitudes up to hi, whose smallest non-zero one is lo,
 * add up exactly in double in any order: each is a multiple of the unit
 * u of lo's last place, so every partial sum stays below 2^53 u.  Then a
 * lane-wise sum equals kern_abssum_seq. */
static inline int
kern_abssum_exact(int64_t n, float lo, float hi)
{
	uint32_t	bits;
	int		u;

	memcpy(&bits, &lo, sizeof bits);
	u = bits >> 23 == 0 ? -149 : (int)(bits >> 23) - 150;
	return ((double)n * hi < ldexp(1.0, u + 53));
}

/* Declares fmt's matrix-vector kernel for one ISA suffix. */
#define KERN_MATVEC_DECL(fn)						\
	void fn(const void *restrict w, int64_t cols,			\
	    const struct kact *restrict a, float *restrict y, int64_t r0, \
	    int64_t r1)

/* Declares a several-vector kernel (kern_matmat_fn). */
#define KERN_MATMAT_DECL(fn)						\
	void fn(const void *restrict w, int64_t cols,			\
	    const struct kact *restrict a, int n_vec, float *restrict y, \
	    int64_t ldy, int64_t r0, int64_t r1)

/* Entry points of an ISA's r16.c (the 16-row interleaved layouts) over
 * its r16_matvec(w, cols, a, y, r0, r1, ...) and r16_matmat(w, cols, a,
 * n_vec, y, ldy, r0, r1, ...), whose last arguments name the layout:
 * its row format's block bytes, a block's code bytes and the layout's
 * kind, one of these. */
#define KERN_R16_Q8	0	/* q8_0r16 */
#define KERN_R16_T2	1	/* t2r16 (t2mr16) */
#define KERN_R16_Q4	2	/* q4_0r16 */
#define KERN_R16_LAYOUT(kind)						\
	(kind) == KERN_R16_T2 ? sizeof(block_t2) : (kind) ==		\
	KERN_R16_Q4 ? sizeof(block_q4_0) : sizeof(block_q8_0),		\
	(kind) == KERN_R16_T2 ? T2R16_QBYTES : (kind) == KERN_R16_Q4 ?	\
	Q4R16_QBYTES : Q8R16_QBYTES, (kind)
#define KERN_R16_MATVEC(fn, kind)					\
	KERN_MATVEC_DECL(fn)						\
	{								\
		r16_matvec(w, cols, a, y, r0, r1, KERN_R16_LAYOUT(kind)); \
	}
#define KERN_R16_MATMAT(fn, kind)					\
	KERN_MATMAT_DECL(fn)						\
	{								\
		r16_matmat(w, cols, a, n_vec, y, ldy, r0, r1,		\
		    KERN_R16_LAYOUT(kind));				\
	}
/* Both layouts' one-vector entry points, named for isa. */
#define KERN_R16_MATVECS(isa)						\
	KERN_R16_MATVEC(q8_0r16_matvec_##isa, KERN_R16_Q8)		\
	KERN_R16_MATVEC(t2r16_matvec_##isa, KERN_R16_T2)

/* Scalar references (kernels/ref/): the truth. */
KERN_MATVEC_DECL(f32_matvec_ref);
KERN_MATVEC_DECL(f16_matvec_ref);
KERN_MATVEC_DECL(bf16_matvec_ref);
KERN_MATVEC_DECL(q8_0_matvec_ref);
KERN_MATVEC_DECL(q4_0_matvec_ref);
KERN_MATVEC_DECL(tq1_0_matvec_ref);
KERN_MATVEC_DECL(tq2_0_matvec_ref);
KERN_MATVEC_DECL(t2_matvec_ref);
KERN_MATVEC_DECL(q8_0r16_matvec_ref);
KERN_MATVEC_DECL(t2r16_matvec_ref);
KERN_MATVEC_DECL(q4_0r16_matvec_ref);

void	t2_quantize_ref(const float *restrict x, void *restrict y, int64_t n);
void	t2m_quantize_ref(const float *restrict x, void *restrict y, int64_t n);
void	t2_dequantize_ref(const void *restrict x, float *restrict y,
	    int64_t n);

/* A row quantizer: n floats (whole blocks) into blocks at any address. */
typedef void (*kern_quant_fn)(const float *restrict x, void *restrict y,
	    int64_t n);
/* q8_0r16's group quantizer through the active ISA's q8_0 one (the SIMD
 * tables list it; the reference is blocks.h's q8_0r16_quantize_ref). */
void	q8_0r16_quantize(const float *restrict x, void *restrict y,
	    int64_t n);
/* t2r16's and t2mr16's, through the active t2 and t2m quantizers */
void	t2r16_quantize(const float *restrict x, void *restrict y,
	    int64_t n);
void	t2mr16_quantize(const float *restrict x, void *restrict y,
	    int64_t n);
/* q4_0r16's and tq2_0r16's, through the active q4_0 and tq2_0 ones */
void	q4_0r16_quantize(const float *restrict x, void *restrict y,
	    int64_t n);
void	tq2_0r16_quantize(const float *restrict x, void *restrict y,
	    int64_t n);

/* AVX2 + FMA + F16C twins (kernels/avx2/). */
void	f16_dequantize_avx2(const void *restrict x, float *restrict y,
	    int64_t n);
void	bf16_dequantize_avx2(const void *restrict x, float *restrict y,
	    int64_t n);
void	kact_quantize_avx2(struct kact *a, const float *x, int64_t n);
KERN_MATVEC_DECL(f32_matvec_avx2);
KERN_MATVEC_DECL(f16_matvec_avx2);
KERN_MATVEC_DECL(bf16_matvec_avx2);
KERN_MATVEC_DECL(q8_0_matvec_avx2);
KERN_MATVEC_DECL(q4_0_matvec_avx2);
KERN_MATVEC_DECL(tq1_0_matvec_avx2);
KERN_MATVEC_DECL(tq2_0_matvec_avx2);
KERN_MATVEC_DECL(t2_matvec_avx2);
KERN_MATVEC_DECL(q8_0r16_matvec_avx2);
KERN_MATVEC_DECL(t2r16_matvec_avx2);
KERN_MATMAT_DECL(q8_0r16_matmat_avx2);
KERN_MATMAT_DECL(t2r16_matmat_avx2);
KERN_MATVEC_DECL(q4_0r16_matvec_avx2);
KERN_MATMAT_DECL(q4_0r16_matmat_avx2);
/* Quantizers writing from_float_ref's bytes exactly (kernels/avx2/quant.c) */
void	f16_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);
void	bf16_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);
void	q8_0_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);
void	q4_0_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);
void	tq1_0_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);
void	tq2_0_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);
void	t2_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);
void	t2m_quantize_avx2(const float *restrict x, void *restrict y,
	    int64_t n);

/* AVX-512 F/BW/VL/VNNI twins (kernels/avx512/). */
void	kact_quantize_avx512(struct kact *a, const float *x, int64_t n);
KERN_MATVEC_DECL(f32_matvec_avx512);
KERN_MATVEC_DECL(f16_matvec_avx512);
KERN_MATVEC_DECL(bf16_matvec_avx512);
KERN_MATVEC_DECL(q8_0_matvec_avx512);
KERN_MATVEC_DECL(q4_0_matvec_avx512);
KERN_MATVEC_DECL(tq1_0_matvec_avx512);
KERN_MATVEC_DECL(tq2_0_matvec_avx512);
KERN_MATVEC_DECL(t2_matvec_avx512);
KERN_MATVEC_DECL(q8_0r16_matvec_avx512);
KERN_MATVEC_DECL(t2r16_matvec_avx512);
/* t2r16_matvec_avx512 is one of these: shifts and masks, or GFNI */
KERN_MATVEC_DECL(t2r16_matvec_avx512_shift);
KERN_MATVEC_DECL(t2r16_matvec_avx512_gfni);
/* Several vectors at once, the same pair for t2r16 */
KERN_MATMAT_DECL(q4_0_matmat_avx512);
KERN_MATMAT_DECL(q8_0r16_matmat_avx512);
KERN_MATMAT_DECL(t2r16_matmat_avx512);
KERN_MATMAT_DECL(t2r16_matmat_avx512_shift);
KERN_MATMAT_DECL(t2r16_matmat_avx512_gfni);
/* The CPU has GFNI (with AVX-512 state enabled); set by kern_init. */
extern int kern_cpu_gfni;
/* Quantizers writing from_float_ref's bytes exactly (avx512/quant.c) */
void	q8_0_quantize_avx512(const float *restrict x, void *restrict y,
	    int64_t n);
void	q4_0_quantize_avx512(const float *restrict x, void *restrict y,
	    int64_t n);
void	tq2_0_quantize_avx512(const float *restrict x, void *restrict y,
	    int64_t n);
void	t2_quantize_avx512(const float *restrict x, void *restrict y,
	    int64_t n);
void	t2m_quantize_avx512(const float *restrict x, void *restrict y,
	    int64_t n);

/* NEON dotprod twins (kernels/neon/). */
void	kact_quantize_neon(struct kact *a, const float *x, int64_t n);
void	f16_dequantize_neon(const void *restrict x, float *restrict y,
	    int64_t n);
void	bf16_dequantize_neon(const void *restrict x, float *restrict y,
	    int64_t n);
KERN_MATVEC_DECL(f32_matvec_neon);
KERN_MATVEC_DECL(f16_matvec_neon);
KERN_MATVEC_DECL(bf16_matvec_neon);
KERN_MATVEC_DECL(q8_0_matvec_neon);
KERN_MATVEC_DECL(q4_0_matvec_neon);
KERN_MATVEC_DECL(tq1_0_matvec_neon);
KERN_MATVEC_DECL(tq2_0_matvec_neon);
KERN_MATVEC_DECL(t2_matvec_neon);
KERN_MATVEC_DECL(q8_0r16_matvec_neon);
KERN_MATVEC_DECL(t2r16_matvec_neon);

/* One ISA's kernels in enum kfmt order; NULL entries fall back to the
 * next weaker ISA.  Each ISA directory defines its table. */
struct kern_isa_kernels {
	void		(*act_quantize)(struct kact *, const float *, int64_t);
	kern_matvec_fn	 matvec[KFMT_COUNT];
	/* several-vector kernels, where the ISA has one */
	kern_matmat_fn	 matmat[KFMT_COUNT];
	/* row converters to f32, bit-identical to the references */
	void		(*to_float[KFMT_COUNT])(const void *restrict,
			    float *restrict, int64_t);
	/* row quantizers, byte-identical to the references */
	kern_quant_fn	 from_float[KFMT_COUNT];
};
extern const struct kern_isa_kernels kern_avx2_kernels;
extern const struct kern_isa_kernels kern_avx512_kernels;
extern const struct kern_isa_kernels kern_neon_kernels;

/* Makes fn (of isa) fmt's active matvec, mm its matmat (NULL: none) and
 * to_float (when not NULL) its row converter; dispatch.c calls it. */
void	kern_install(enum kfmt fmt, kern_matvec_fn fn, enum kern_isa isa,
	    kern_matmat_fn mm,
	    void (*to_float)(const void *restrict, float *restrict, int64_t));
/* Makes layout the one fmt's matrices are multiplied in; dispatch.c
 * calls it. */
void	kern_set_matrix_fmt(enum kfmt fmt, enum kfmt layout);
/* Makes fn fmt's active quantizer; dispatch.c calls it. */
void	kern_install_quant(enum kfmt fmt, kern_quant_fn fn);

#endif
