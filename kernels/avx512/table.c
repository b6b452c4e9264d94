/*
 * table.c: the avx512 kernels dispatch.c can install; a format without one
 * here falls back to the next weaker ISA.
 */
#include "config.h"

#include "kern-impl.h"

const struct kern_isa_kernels kern_avx512_kernels = {
	.act_quantize = kact_quantize_avx512,
	.matvec = {
		[KFMT_F32] = f32_matvec_avx512,
		[KFMT_F16] = f16_matvec_avx512,
		[KFMT_BF16] = bf16_matvec_avx512,
		[KFMT_Q8_0] = q8_0_matvec_avx512,
		[KFMT_Q4_0] = q4_0_matvec_avx512,
		[KFMT_TQ1_0] = tq1_0_matvec_avx512,
		[KFMT_TQ2_0] = tq2_0_matvec_avx512,
		[KFMT_T2] = t2_matvec_avx512,
		[KFMT_T2M] = t2_matvec_avx512,	/* same layout */
		[KFMT_Q8_0R16] = q8_0r16_matvec_avx512,
		[KFMT_T2R16] = t2r16_matvec_avx512,
		[KFMT_T2MR16] = t2r16_matvec_avx512,
	},
	.matmat = {
		[KFMT_Q4_0] = q4_0_matmat_avx512,
		[KFMT_Q8_0R16] = q8_0r16_matmat_avx512,
		[KFMT_T2R16] = t2r16_matmat_avx512,
		[KFMT_T2MR16] = t2r16_matmat_avx512,
	},
	/* f16, bf16 and tq1_0 take the AVX2 quantizers */
	.from_float = {
		[KFMT_Q8_0] = q8_0_quantize_avx512,
		[KFMT_Q4_0] = q4_0_quantize_avx512,
		[KFMT_TQ2_0] = tq2_0_quantize_avx512,
		[KFMT_T2] = t2_quantize_avx512,
		[KFMT_T2M] = t2m_quantize_avx512,
	},
};
