/*
 * table.c: the avx2 kernels dispatch.c can install; a format without one
 * here falls back to the next weaker ISA.  T2M shares T2's layout, so
 * shares its kernel.
 */
#include "config.h"

#include "kern-impl.h"

const struct kern_isa_kernels kern_avx2_kernels = {
	.act_quantize = kact_quantize_avx2,
	.matvec = {
		[KFMT_F32] = f32_matvec_avx2,
		[KFMT_F16] = f16_matvec_avx2,
		[KFMT_BF16] = bf16_matvec_avx2,
		[KFMT_Q8_0] = q8_0_matvec_avx2,
		[KFMT_Q4_0] = q4_0_matvec_avx2,
		[KFMT_TQ1_0] = tq1_0_matvec_avx2,
		[KFMT_TQ2_0] = tq2_0_matvec_avx2,
		[KFMT_T2] = t2_matvec_avx2,
		[KFMT_T2M] = t2_matvec_avx2,
		[KFMT_Q8_0R16] = q8_0r16_matvec_avx2,
		[KFMT_T2R16] = t2r16_matvec_avx2,
		[KFMT_T2MR16] = t2r16_matvec_avx2,
		[KFMT_Q4_0R16] = q4_0r16_matvec_avx2,
		/* tq2_0r16 is t2r16's bytes; not in AVX-512's table, whose
		 * tq2_0 kernel is the faster there */
		[KFMT_TQ2_0R16] = t2r16_matvec_avx2,
	},
	.matmat = {
		[KFMT_Q8_0R16] = q8_0r16_matmat_avx2,
		[KFMT_T2R16] = t2r16_matmat_avx2,
		[KFMT_T2MR16] = t2r16_matmat_avx2,
		[KFMT_Q4_0R16] = q4_0r16_matmat_avx2,
		[KFMT_TQ2_0R16] = t2r16_matmat_avx2,
	},
	.to_float = {
		[KFMT_F16] = f16_dequantize_avx2,
		[KFMT_BF16] = bf16_dequantize_avx2,
	},
	.from_float = {
		[KFMT_F16] = f16_quantize_avx2,
		[KFMT_BF16] = bf16_quantize_avx2,
		[KFMT_Q8_0] = q8_0_quantize_avx2,
		[KFMT_Q4_0] = q4_0_quantize_avx2,
		[KFMT_TQ1_0] = tq1_0_quantize_avx2,
		[KFMT_TQ2_0] = tq2_0_quantize_avx2,
		[KFMT_T2] = t2_quantize_avx2,
		[KFMT_T2M] = t2m_quantize_avx2,
		/* q8_0's active quantizer (avx512's under avx512), repacked */
		[KFMT_Q8_0R16] = q8_0r16_quantize,
		[KFMT_T2R16] = t2r16_quantize,
		[KFMT_T2MR16] = t2mr16_quantize,
		[KFMT_Q4_0R16] = q4_0r16_quantize,
		[KFMT_TQ2_0R16] = tq2_0r16_quantize,
	},
};
