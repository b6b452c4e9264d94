/*
 * kern.h: the one table from weight format to its facts and kernels.  The
 * rest of qcmp talks to weight formats only through kern_get(); no other
 * module knows a block layout or an instruction set.
 */
#ifndef QCMP_KERN_H
#define QCMP_KERN_H

#include <stddef.h>
#include <stdint.h>

enum kfmt {
	KFMT_F32 = 0,
	KFMT_F16,
	KFMT_BF16,
	KFMT_Q8_0,
	KFMT_Q4_0,
	KFMT_TQ1_0,
	KFMT_TQ2_0,
	KFMT_COUNT
};

struct kern_traits {
	const char	*name;		/* "q8_0", as users type it */
	int		 block_len;	/* weights per block */
	size_t		 block_bytes;	/* bytes per block */
	double		 bits_per_weight;
	/* n weights (a whole number of blocks) from x to y */
	void		(*to_float)(const void *restrict x, float *restrict y,
			    int64_t n);
	/* scalar reference quantizer: n floats into blocks; NULL for none */
	void		(*from_float_ref)(const float *restrict x,
			    void *restrict y, int64_t n);
};

/* Traits of fmt (asserts fmt < KFMT_COUNT). */
const struct kern_traits *kern_get(enum kfmt fmt);
/* The format named name ("q8_0"), or -1. */
int	kern_find(const char *name);
/* Bytes taken by n weights of fmt; n must be a whole number of blocks. */
size_t	kern_row_bytes(enum kfmt fmt, int64_t n);

/* IEEE half / bfloat16 conversions (round to nearest even). */
float		kern_f16_to_f32(uint16_t h);
uint16_t	kern_f32_to_f16(float f);
float		kern_bf16_to_f32(uint16_t h);
uint16_t	kern_f32_to_bf16(float f);

#endif
