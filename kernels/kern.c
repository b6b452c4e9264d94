/*
 * kern.c: the table of weight formats.  Everything qcmp knows about a
 * format (its name, block geometry, bits per weight, converters) is one
 * entry here, indexed by enum kfmt, so callers never switch on a format.
 */
#include "config.h"

#include "kern.h"

#include <assert.h>
#include <string.h>

#include "blocks.h"
#include "kern-impl.h"

#define KERN_BPW(bytes, len)	((double)(bytes) * 8.0 / (double)(len))

/* Not const: kern_install() points matvec at the chosen ISA's kernel,
 * kern_install_quant() from_float at its quantizer. */
static struct kern_traits kern_traits[KFMT_COUNT] = {
	[KFMT_F32] = {
		.name = "f32",
		.block_len = 1,
		.block_bytes = sizeof(float),
		.bits_per_weight = KERN_BPW(sizeof(float), 1),
		.row_group = 1,
		.base = KFMT_F32,
		.matrix_fmt = KFMT_F32,
		.to_float = f32_dequantize_ref,
		.from_float_ref = f32_quantize_ref,
		.from_float = f32_quantize_ref,
		.int_act = 0,
		.matvec = f32_matvec_ref,
		.matvec_ref = f32_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_F16] = {
		.name = "f16",
		.block_len = 1,
		.block_bytes = sizeof(kern_half),
		.bits_per_weight = KERN_BPW(sizeof(kern_half), 1),
		.row_group = 1,
		.base = KFMT_F16,
		.matrix_fmt = KFMT_F16,
		.to_float = f16_dequantize_ref,
		.from_float_ref = f16_quantize_ref,
		.from_float = f16_quantize_ref,
		.int_act = 0,
		.matvec = f16_matvec_ref,
		.matvec_ref = f16_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_BF16] = {
		.name = "bf16",
		.block_len = 1,
		.block_bytes = sizeof(uint16_t),
		.bits_per_weight = KERN_BPW(sizeof(uint16_t), 1),
		.row_group = 1,
		.base = KFMT_BF16,
		.matrix_fmt = KFMT_BF16,
		.to_float = bf16_dequantize_ref,
		.from_float_ref = bf16_quantize_ref,
		.from_float = bf16_quantize_ref,
		.int_act = 0,
		.matvec = bf16_matvec_ref,
		.matvec_ref = bf16_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_Q8_0] = {
		.name = "q8_0",
		.block_len = QK_Q8_0,
		.block_bytes = sizeof(block_q8_0),
		.bits_per_weight = KERN_BPW(sizeof(block_q8_0), QK_Q8_0),
		.row_group = 1,
		.base = KFMT_Q8_0,
		.matrix_fmt = KFMT_Q8_0R16,
		.to_float = q8_0_dequantize_ref,
		.from_float_ref = q8_0_quantize_ref,
		.from_float = q8_0_quantize_ref,
		.int_act = 1,
		.matvec = q8_0_matvec_ref,
		.matvec_ref = q8_0_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_Q4_0] = {
		.name = "q4_0",
		.block_len = QK_Q4_0,
		.block_bytes = sizeof(block_q4_0),
		.bits_per_weight = KERN_BPW(sizeof(block_q4_0), QK_Q4_0),
		.row_group = 1,
		.base = KFMT_Q4_0,
		.matrix_fmt = KFMT_Q4_0,
		.to_float = q4_0_dequantize_ref,
		.from_float_ref = q4_0_quantize_ref,
		.from_float = q4_0_quantize_ref,
		.int_act = 1,
		.matvec = q4_0_matvec_ref,
		.matvec_ref = q4_0_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_TQ1_0] = {
		.name = "tq1_0",
		.block_len = QK_TQ1_0,
		.block_bytes = sizeof(block_tq1_0),
		.bits_per_weight = KERN_BPW(sizeof(block_tq1_0), QK_TQ1_0),
		.row_group = 1,
		.base = KFMT_TQ1_0,
		.matrix_fmt = KFMT_TQ1_0,
		.to_float = tq1_0_dequantize_ref,
		.from_float_ref = tq1_0_quantize_ref,
		.from_float = tq1_0_quantize_ref,
		.int_act = 1,
		.matvec = tq1_0_matvec_ref,
		.matvec_ref = tq1_0_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_TQ2_0] = {
		.name = "tq2_0",
		.block_len = QK_TQ2_0,
		.block_bytes = sizeof(block_tq2_0),
		.bits_per_weight = KERN_BPW(sizeof(block_tq2_0), QK_TQ2_0),
		.row_group = 1,
		.base = KFMT_TQ2_0,
		.matrix_fmt = KFMT_TQ2_0,
		.to_float = tq2_0_dequantize_ref,
		.from_float_ref = tq2_0_quantize_ref,
		.from_float = tq2_0_quantize_ref,
		.int_act = 1,
		.matvec = tq2_0_matvec_ref,
		.matvec_ref = tq2_0_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_T2] = {
		.name = "t2",
		.block_len = QK_T2,
		.block_bytes = sizeof(block_t2),
		.bits_per_weight = KERN_BPW(sizeof(block_t2), QK_T2),
		.row_group = 1,
		.base = KFMT_T2,
		.matrix_fmt = KFMT_T2R16,
		.to_float = t2_dequantize_ref,
		.from_float_ref = t2_quantize_ref,
		.from_float = t2_quantize_ref,
		.int_act = 1,
		.matvec = t2_matvec_ref,
		.matvec_ref = t2_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_T2M] = {
		.name = "t2m",
		.block_len = QK_T2,
		.block_bytes = sizeof(block_t2),
		.bits_per_weight = KERN_BPW(sizeof(block_t2), QK_T2),
		.row_group = 1,
		.base = KFMT_T2M,
		.matrix_fmt = KFMT_T2MR16,
		.to_float = t2_dequantize_ref,
		.from_float_ref = t2m_quantize_ref,
		.from_float = t2m_quantize_ref,
		.int_act = 1,
		.matvec = t2_matvec_ref,
		.matvec_ref = t2_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_Q8_0R16] = {
		.name = "q8_0r16",
		.block_len = QK_Q8_0,
		.block_bytes = sizeof(block_q8_0),
		.bits_per_weight = KERN_BPW(sizeof(block_q8_0), QK_Q8_0),
		.row_group = Q8R16_ROWS,
		.base = KFMT_Q8_0,
		.matrix_fmt = KFMT_Q8_0R16,
		.to_float = q8_0r16_dequantize_ref,
		.group_row_to_float = q8_0r16_row_dequantize_ref,
		.group_pack = q8_0r16_pack_ref,
		.from_float_ref = q8_0r16_quantize_ref,
		.from_float = q8_0r16_quantize_ref,
		.int_act = 1,
		.matvec = q8_0r16_matvec_ref,
		.matvec_ref = q8_0r16_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_T2R16] = {
		.name = "t2r16",
		.block_len = QK_T2,
		.block_bytes = sizeof(block_t2),
		.bits_per_weight = KERN_BPW(sizeof(block_t2), QK_T2),
		.row_group = Q8R16_ROWS,
		.base = KFMT_T2,
		.matrix_fmt = KFMT_T2R16,
		.to_float = t2r16_dequantize_ref,
		.group_row_to_float = t2r16_row_dequantize_ref,
		.group_pack = t2r16_pack_ref,
		.from_float_ref = t2r16_quantize_ref,
		.from_float = t2r16_quantize_ref,
		.int_act = 1,
		.matvec = t2r16_matvec_ref,
		.matvec_ref = t2r16_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_T2MR16] = {
		.name = "t2mr16",
		.block_len = QK_T2,
		.block_bytes = sizeof(block_t2),
		.bits_per_weight = KERN_BPW(sizeof(block_t2), QK_T2),
		.row_group = Q8R16_ROWS,
		.base = KFMT_T2M,
		.matrix_fmt = KFMT_T2MR16,
		.to_float = t2r16_dequantize_ref,
		.group_row_to_float = t2r16_row_dequantize_ref,
		.group_pack = t2r16_pack_ref,
		.from_float_ref = t2mr16_quantize_ref,
		.from_float = t2mr16_quantize_ref,
		.int_act = 1,
		.matvec = t2r16_matvec_ref,
		.matvec_ref = t2r16_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_Q4_0R16] = {
		.name = "q4_0r16",
		.block_len = QK_Q4_0,
		.block_bytes = sizeof(block_q4_0),
		.bits_per_weight = KERN_BPW(sizeof(block_q4_0), QK_Q4_0),
		.row_group = Q8R16_ROWS,
		.base = KFMT_Q4_0,
		.matrix_fmt = KFMT_Q4_0R16,
		.to_float = q4_0r16_dequantize_ref,
		.group_row_to_float = q4_0r16_row_dequantize_ref,
		.group_pack = q4_0r16_pack_ref,
		.from_float_ref = q4_0r16_quantize_ref,
		.from_float = q4_0r16_quantize_ref,
		.int_act = 1,
		.matvec = q4_0r16_matvec_ref,
		.matvec_ref = q4_0r16_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
	[KFMT_TQ2_0R16] = {
		.name = "tq2_0r16",
		.block_len = QK_TQ2_0,
		.block_bytes = TQ2R16_BLOCK,
		.bits_per_weight = KERN_BPW(TQ2R16_BLOCK, QK_TQ2_0),
		.row_group = Q8R16_ROWS,
		.base = KFMT_TQ2_0,
		.matrix_fmt = KFMT_TQ2_0R16,
		.to_float = t2r16_dequantize_ref,
		.group_row_to_float = t2r16_row_dequantize_ref,
		.group_pack = tq2_0r16_pack_ref,
		.from_float_ref = tq2_0r16_quantize_ref,
		.from_float = tq2_0r16_quantize_ref,
		.int_act = 1,
		.matvec = t2r16_matvec_ref,
		.matvec_ref = t2r16_matvec_ref,
		.matvec_isa = KISA_SCALAR,
	},
};

const struct kern_traits *
kern_get(enum kfmt fmt)
{
	assert((unsigned)fmt < KFMT_COUNT);
	return (&kern_traits[fmt]);
}

void
kern_install(enum kfmt fmt, kern_matvec_fn fn, enum kern_isa isa,
    kern_matmat_fn mm,
    void (*to_float)(const void *restrict, float *restrict, int64_t))
{
	assert((unsigned)fmt < KFMT_COUNT && fn != NULL);
	kern_traits[fmt].matvec = fn;
	kern_traits[fmt].matvec_isa = isa;
	kern_traits[fmt].matmat = mm;
	if (to_float != NULL)
		kern_traits[fmt].to_float = to_float;
}

void
kern_set_matrix_fmt(enum kfmt fmt, enum kfmt layout)
{
	assert((unsigned)fmt < KFMT_COUNT && (unsigned)layout < KFMT_COUNT);
	kern_traits[fmt].matrix_fmt = layout;
}

void
kern_install_quant(enum kfmt fmt, kern_quant_fn fn)
{
	assert((unsigned)fmt < KFMT_COUNT && fn != NULL);
	kern_traits[fmt].from_float = fn;
}

int64_t
kern_pad(enum kfmt fmt, int64_t n)
{
	int64_t	bl = kern_get(fmt)->block_len;

	return ((n + bl - 1) / bl * bl);
}

int
kern_find(const char *name)
{
	int	i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < KFMT_COUNT; i++) {
		if (strcmp(kern_traits[i].name, name) == 0)
			return (i);
	}
	return (-1);
}

size_t
kern_row_bytes(enum kfmt fmt, int64_t n)
{
	const struct kern_traits	*t;

	t = kern_get(fmt);
	assert(n >= 0 && n % t->block_len == 0);
	return ((size_t)(n / t->block_len) * t->block_bytes);
}

void
kern_row_to_float(enum kfmt fmt, const void *w, int64_t row, int64_t n,
    float *y)
{
	const struct kern_traits	*t = kern_get(fmt);
	int64_t				 rg = t->row_group;

	if (rg == 1) {
		t->to_float((const uint8_t *)w + kern_row_bytes(fmt, n) *
		    (size_t)row, y, n);
		return;
	}
	t->group_row_to_float((const uint8_t *)w + kern_mat_bytes(fmt,
	    row / rg * rg, n), (int)(row % rg), y, n);
}

void
kern_interleave(enum kfmt layout, const void *src, int64_t rows, int64_t n,
    void *dst)
{
	const struct kern_traits	*t = kern_get(layout);
	int64_t				 rg = t->row_group;
	size_t				 rb = kern_row_bytes(t->base, n);

	assert(rg > 1);
	for (int64_t r = 0; r < rows; r += rg)
		t->group_pack((const uint8_t *)src + rb * (size_t)r,
		    (int)(rows - r < rg ? rows - r : rg), (uint8_t *)dst +
		    kern_mat_bytes(layout, r, n), n);
}

size_t
kern_mat_bytes(enum kfmt fmt, int64_t rows, int64_t n)
{
	const struct kern_traits	*t = kern_get(fmt);
	int64_t				 groups;

	assert(rows >= 0);
	if (t->row_group == 1)
		return (kern_row_bytes(fmt, n) * (size_t)rows);
	assert(t->row_group == Q8R16_ROWS && n % t->block_len == 0);
	groups = (rows + t->row_group - 1) / t->row_group;
	return (r16_group_bytes(n / t->block_len, t->block_bytes) *
	    (size_t)groups);
}

int64_t
kern_first_nonfinite(enum kfmt fmt, const void *x, int64_t n)
{
	const struct kern_traits	*kt = kern_get(fmt);
	int64_t				 chunk = 4096 / kt->block_len *
					    kt->block_len;
	float				 buf[4096];

	if (chunk < kt->block_len)
		chunk = kt->block_len;
	for (int64_t i = 0; i < n; i += chunk) {
		int64_t		 k = n - i < chunk ? n - i : chunk;
		const float	*f = buf;
		uint32_t	 any = 0, bits;

		if (fmt == KFMT_F32)
			f = (const float *)x + i;
		else
			kt->to_float((const uint8_t *)x + (size_t)(i /
			    kt->block_len) * kt->block_bytes, buf, k);
		/* an exponent of all ones is an infinity or a NaN */
		for (int64_t j = 0; j < k; j++) {
			memcpy(&bits, &f[j], sizeof bits);
			any |= (bits & 0x7f800000u) == 0x7f800000u;
		}
		if (any)
			for (int64_t j = 0; j < k; j++) {
				memcpy(&bits, &f[j], sizeof bits);
				if ((bits & 0x7f800000u) == 0x7f800000u)
					return (i + j);
			}
	}
	return (-1);
}
