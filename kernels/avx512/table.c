/*
 * table.c: the avx512 kernels dispatch.c can install; a format without one
 * here falls back to the next weaker ISA.
 */
#include "config.h"

#include "kern-impl.h"

const struct kern_isa_kernels kern_avx512_kernels = {
	.act_quantize = NULL,
	.matvec = {
		[KFMT_F32] = NULL,
	},
};
