/*
 * table.c: the neon kernels dispatch.c can install; a format without one
 * here falls back to the next weaker ISA.  T2M shares T2's layout and so
 * its kernel.
 */
#include "config.h"

#include "kern-impl.h"

const struct kern_isa_kernels kern_neon_kernels = {
	.act_quantize = kact_quantize_neon,
	.matvec = {
		[KFMT_F32] = f32_matvec_neon,
		[KFMT_F16] = f16_matvec_neon,
		[KFMT_BF16] = bf16_matvec_neon,
		[KFMT_Q8_0] = q8_0_matvec_neon,
		[KFMT_Q4_0] = q4_0_matvec_neon,
		[KFMT_TQ1_0] = tq1_0_matvec_neon,
		[KFMT_TQ2_0] = tq2_0_matvec_neon,
		[KFMT_T2] = t2_matvec_neon,
		[KFMT_T2M] = t2_matvec_neon,
		[KFMT_Q8_0R16] = q8_0r16_matvec_neon,
		[KFMT_T2R16] = t2r16_matvec_neon,
		[KFMT_T2MR16] = t2r16_matvec_neon,
	},
	.to_float = {
		[KFMT_F16] = f16_dequantize_neon,
		[KFMT_BF16] = bf16_dequantize_neon,
	},
};
