/*
 * dispatch.c: picks each format's kernel at start-up from what the CPU
 * can run (cpuid and the OS-enabled register state on x86, hwcaps on
 * AArch64) and what this build contains, or from $QCMP_ISA.  The rest of
 * qcmp never asks which ISA it runs on.
 */
#include "config.h"

#include "kern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "kern-impl.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP	(1 << 20)
#endif
#endif

int kern_cpu_gfni;

static const char *const dispatch_names[KISA_COUNT] = {
	[KISA_SCALAR] = "scalar",
	[KISA_AVX2] = "avx2",
	[KISA_AVX512] = "avx512",
	[KISA_NEON] = "neon",
};

static const struct kern_isa_kernels dispatch_scalar = {
	.act_quantize = kact_quantize_ref,
	.matvec = {
		[KFMT_F32] = f32_matvec_ref,
		[KFMT_F16] = f16_matvec_ref,
		[KFMT_BF16] = bf16_matvec_ref,
		[KFMT_Q8_0] = q8_0_matvec_ref,
		[KFMT_Q4_0] = q4_0_matvec_ref,
		[KFMT_TQ1_0] = tq1_0_matvec_ref,
		[KFMT_TQ2_0] = tq2_0_matvec_ref,
		[KFMT_T2] = t2_matvec_ref,
		[KFMT_T2M] = t2_matvec_ref,
		[KFMT_Q8_0R16] = q8_0r16_matvec_ref,
		[KFMT_T2R16] = t2r16_matvec_ref,
		[KFMT_T2MR16] = t2r16_matvec_ref,
		[KFMT_Q4_0R16] = q4_0r16_matvec_ref,
		[KFMT_TQ2_0R16] = t2r16_matvec_ref,
	},
	.to_float = {
		[KFMT_F32] = f32_dequantize_ref,
		[KFMT_F16] = f16_dequantize_ref,
		[KFMT_BF16] = bf16_dequantize_ref,
		[KFMT_Q8_0] = q8_0_dequantize_ref,
		[KFMT_Q4_0] = q4_0_dequantize_ref,
		[KFMT_TQ1_0] = tq1_0_dequantize_ref,
		[KFMT_TQ2_0] = tq2_0_dequantize_ref,
		[KFMT_T2] = t2_dequantize_ref,
		[KFMT_T2M] = t2_dequantize_ref,
		[KFMT_Q8_0R16] = q8_0r16_dequantize_ref,
		[KFMT_T2R16] = t2r16_dequantize_ref,
		[KFMT_T2MR16] = t2r16_dequantize_ref,
		[KFMT_Q4_0R16] = q4_0r16_dequantize_ref,
		[KFMT_TQ2_0R16] = t2r16_dequantize_ref,
	},
	.from_float = {
		[KFMT_F32] = f32_quantize_ref,
		[KFMT_F16] = f16_quantize_ref,
		[KFMT_BF16] = bf16_quantize_ref,
		[KFMT_Q8_0] = q8_0_quantize_ref,
		[KFMT_Q4_0] = q4_0_quantize_ref,
		[KFMT_TQ1_0] = tq1_0_quantize_ref,
		[KFMT_TQ2_0] = tq2_0_quantize_ref,
		[KFMT_T2] = t2_quantize_ref,
		[KFMT_T2M] = t2m_quantize_ref,
		[KFMT_Q8_0R16] = q8_0r16_quantize_ref,
		[KFMT_T2R16] = t2r16_quantize_ref,
		[KFMT_T2MR16] = t2mr16_quantize_ref,
		[KFMT_Q4_0R16] = q4_0r16_quantize_ref,
		[KFMT_TQ2_0R16] = tq2_0r16_quantize_ref,
	},
};

/* Each ISA's kernels, NULL where this build has none for it. */
static const struct kern_isa_kernels *const dispatch_tables[KISA_COUNT] = {
	[KISA_SCALAR] = &dispatch_scalar,
#ifdef QCMP_KERNELS_X86
	[KISA_AVX2] = &kern_avx2_kernels,
	[KISA_AVX512] = &kern_avx512_kernels,
#endif
#ifdef QCMP_KERNELS_NEON
	[KISA_NEON] = &kern_neon_kernels,
#endif
};

static struct {
	int		 detected;
	int		 has[KISA_COUNT];	/* the CPU can run it */
	char		 features[256];
	enum kern_isa	 isa;
	void		(*act)(struct kact *, const float *, int64_t);
} dispatch = { .act = kact_quantize_ref };

static void
dispatch_feature(const char *name, int on)
{
	size_t	n = strlen(dispatch.features);

	if (on)
		snprintf(dispatch.features + n, sizeof dispatch.features - n,
		    "%s%s", n ? " " : "", name);
}

static void
dispatch_detect(void)
{
#if defined(__x86_64__)
	unsigned int	a, b, c, d, b7 = 0, c7 = 0;
	unsigned int	xcr0 = 0, edx0;
	int		fma, f16c, osxsave, avx;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		c = 0;
	fma = (c >> 12) & 1;
	osxsave = (c >> 27) & 1;
	avx = (c >> 28) & 1;
	f16c = (c >> 29) & 1;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		b7 = b;
		c7 = c;
	}
	/* the OS must save the wider registers, or using them faults */
	if (osxsave)
		__asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(edx0) : "c"(0));
	int os_avx = (xcr0 & 0x6) == 0x6;
	int os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
	int avx2 = avx && os_avx && ((b7 >> 5) & 1);
	int avx512f = os_avx512 && ((b7 >> 16) & 1);
	int avx512bw = os_avx512 && ((b7 >> 30) & 1);
	int avx512vl = os_avx512 && ((b7 >> 31) & 1);
	int vnni = os_avx512 && ((c7 >> 11) & 1);
	int gfni = os_avx512 && ((c7 >> 8) & 1);

	dispatch_feature("avx2", avx2);
	dispatch_feature("fma", fma);
	dispatch_feature("f16c", f16c);
	dispatch_feature("avx512f", avx512f);
	dispatch_feature("avx512bw", avx512bw);
	dispatch_feature("avx512vl", avx512vl);
	dispatch_feature("avx512vnni", vnni);
	dispatch_feature("gfni", gfni);
	kern_cpu_gfni = gfni;
	dispatch.has[KISA_AVX2] = avx2 && fma && f16c;
	dispatch.has[KISA_AVX512] = dispatch.has[KISA_AVX2] && avx512f &&
	    avx512bw && avx512vl && vnni;
#elif defined(__aarch64__) && defined(__linux__)
	unsigned long	hw = getauxval(AT_HWCAP);

	dispatch_feature("asimd", 1);
	dispatch_feature("asimddp", (hw & HWCAP_ASIMDDP) != 0);
	dispatch.has[KISA_NEON] = (hw & HWCAP_ASIMDDP) != 0;
#endif
	dispatch.has[KISA_SCALAR] = 1;
	if (dispatch.features[0] == '\0')
		snprintf(dispatch.features, sizeof dispatch.features, "none");
	dispatch.detected = 1;
}

int
kern_isa_available(enum kern_isa isa)
{
	if (!dispatch.detected)
		dispatch_detect();
	return ((unsigned)isa < KISA_COUNT && dispatch.has[isa] &&
	    dispatch_tables[isa] != NULL);
}

const char *
kern_isa_name(enum kern_isa isa)
{
	return ((unsigned)isa < KISA_COUNT ? dispatch_names[isa] : "?");
}

const char *
kern_cpu_features(void)
{
	if (!dispatch.detected)
		dispatch_detect();
	return (dispatch.features);
}

enum kern_isa
kern_isa(void)
{
	return (dispatch.isa);
}

/* fmt's row converter for isa: its own, a weaker ISA's, or the
 * reference (which the scalar table lists). */
static void (*dispatch_to_float(enum kfmt fmt, enum kern_isa isa))(
    const void *restrict, float *restrict, int64_t)
{
	for (int i = isa; i > KISA_SCALAR; i--)
		if (dispatch_tables[i] != NULL && dispatch.has[i] &&
		    dispatch_tables[i]->to_float[fmt] != NULL)
			return (dispatch_tables[i]->to_float[fmt]);
	return (dispatch_scalar.to_float[fmt]);
}

/* fmt's row quantizer for isa, found as dispatch_to_float finds the
 * converter; every one writes the reference's bytes. */
static kern_quant_fn
dispatch_from_float(enum kfmt fmt, enum kern_isa isa)
{
	for (int i = isa; i > KISA_SCALAR; i--)
		if (dispatch_tables[i] != NULL && dispatch.has[i] &&
		    dispatch_tables[i]->from_float[fmt] != NULL)
			return (dispatch_tables[i]->from_float[fmt]);
	return (dispatch_scalar.from_float[fmt]);
}

/* Every format takes isa's kernel, or the strongest weaker one that this
 * build has, down to the scalar reference. */
int
kern_set_isa(enum kern_isa isa, struct qerr *err)
{
	if (!kern_isa_available(isa))
		return (qerr_set(err, Q_EUSAGE, "%s kernels are not available "
		    "(CPU features: %s)", kern_isa_name(isa),
		    kern_cpu_features()));
	for (int f = 0; f < KFMT_COUNT; f++) {
		int i;

		for (i = isa; i > KISA_SCALAR; i--)
			if (dispatch_tables[i] != NULL && dispatch.has[i] &&
			    dispatch_tables[i]->matvec[f] != NULL)
				break;
		/* the several-vector kernel of the same ISA, if it has one */
		kern_install((enum kfmt)f, dispatch_tables[i]->matvec[f],
		    (enum kern_isa)i, dispatch_tables[i]->matmat[f],
		    dispatch_to_float((enum kfmt)f, isa));
		kern_install_quant((enum kfmt)f,
		    dispatch_from_float((enum kfmt)f, isa));
	}
	/* a row format's matrices take its interleaved layout only where
	 * this ISA has a kernel of its own for the layout: q4_0's and
	 * tq2_0's AVX-512 and NEON kernels beat the AVX2 or scalar q4_0r16
	 * and tq2_0r16 (t2r16's) they would get */
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);

		if (kt->row_group > 1)
			kern_set_matrix_fmt(kt->base, kt->matvec_isa == isa ?
			    (enum kfmt)f : kt->base);
	}
	dispatch.act = kact_quantize_ref;
	for (int i = isa; i > KISA_SCALAR; i--)
		if (dispatch_tables[i] != NULL && dispatch.has[i] &&
		    dispatch_tables[i]->act_quantize != NULL) {
			dispatch.act = dispatch_tables[i]->act_quantize;
			break;
		}
	dispatch.isa = isa;
	return (Q_OK);
}

int
kern_init(struct qerr *err)
{
	const char	*env = getenv("QCMP_ISA");
	int		 best = KISA_SCALAR;

	for (int i = 0; i < KISA_COUNT; i++)
		if (kern_isa_available((enum kern_isa)i))
			best = i;
	if (env == NULL || *env == '\0')
		return (kern_set_isa((enum kern_isa)best, err));
	for (int i = 0; i < KISA_COUNT; i++)
		if (strcmp(env, dispatch_names[i]) == 0) {
			if (kern_set_isa((enum kern_isa)i, err) != Q_OK)
				return (qerr_set(err, Q_EUSAGE, "QCMP_ISA=%s: "
				    "this %s %s kernels (CPU features: %s)",
				    env, dispatch.has[i] ? "build has no" :
				    "CPU cannot run", env,
				    kern_cpu_features()));
			return (Q_OK);
		}
	return (qerr_set(err, Q_EUSAGE, "QCMP_ISA=%s: unknown (use scalar, "
	    "avx2, avx512 or neon)", env));
}

void
kact_quantize(struct kact *a, const float *x, int64_t n)
{
	dispatch.act(a, x, n);
}
