/*
 * f16.c: IEEE binary16 and bfloat16 conversions done on bit patterns, so
 * they are exact and identical on every machine whatever the FPU offers,
 * and the row converters that serve as to_float / from_float for the F32,
 * F16 and BF16 weight formats.
 */
#include "config.h"

#include "kern.h"

#include <assert.h>
#include <string.h>

#include "blocks.h"

static uint32_t
f16_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof u);
	return (u);
}

static float
f16_float(uint32_t u)
{
	float	f;

	memcpy(&f, &u, sizeof f);
	return (f);
}

float
kern_f16_to_f32(uint16_t h)
{
	uint32_t	sign, e, m;

	sign = (uint32_t)(h & 0x8000) << 16;
	e = (h >> 10) & 0x1f;
	m = h & 0x3ff;
	if (e == 0x1f)		/* inf, or NaN with its payload kept */
		return (f16_float(sign | 0x7f800000 | m << 13));
	if (e != 0)
		return (f16_float(sign | (e + 112) << 23 | m << 13));
	if (m == 0)
		return (f16_float(sign));
	/* Subnormal: every one is a normal float; shift the leading 1 into
	 * the implicit bit, lowering the exponent as we go. */
	e = 1;
	while ((m & 0x400) == 0) {
		m <<= 1;
		e--;
	}
	return (f16_float(sign | (e + 112) << 23 | (m & 0x3ff) << 13));
}

uint16_t
kern_f32_to_f16(float f)
{
	uint32_t	u, ax, sign, r, rem, half, m;
	int		shift;

	u = f16_bits(f);
	sign = (u >> 16) & 0x8000;
	ax = u & 0x7fffffff;
	if (ax > 0x7f800000)	/* NaN: keep the top payload bits, force quiet
				 * so a payload only in the low bits stays NaN */
		return (sign | 0x7e00 | ((ax >> 13) & 0x3ff));
	if (ax >= 0x47800000)	/* 2^16 and up, including inf */
		return (sign | 0x7c00);
	if (ax >= 0x38800000) {	/* normal half, 2^-14 and up */
		r = (ax - 0x38000000) >> 13;
		rem = ax & 0x1fff;
		/* A carry out of the mantissa bumps the exponent, which is
		 * right, up to and including rounding to inf. */
		if (rem > 0x1000 || (rem == 0x1000 && (r & 1)))
			r++;
		return (sign | r);
	}
	if (ax <= 0x33000000)	/* up to 2^-25, a tie that goes to even 0 */
		return (sign);
	/* Subnormal half: count units of 2^-24; may round up to 0x400, the
	 * smallest normal, whose encoding is exactly that count. */
	m = (ax & 0x7fffff) | 0x800000;
	shift = 126 - (int)(ax >> 23);
	r = m >> shift;
	rem = m & ((1u << shift) - 1);
	half = 1u << (shift - 1);
	if (rem > half || (rem == half && (r & 1)))
		r++;
	return (sign | r);
}

float
kern_bf16_to_f32(uint16_t h)
{
	return (f16_float((uint32_t)h << 16));
}

uint16_t
kern_f32_to_bf16(float f)
{
	uint32_t	u;

	u = f16_bits(f);
	if ((u & 0x7fffffff) > 0x7f800000)	/* NaN: truncating could
						 * leave inf; force quiet */
		return ((u >> 16) | 0x40);
	u += 0x7fff + ((u >> 16) & 1);
	return (u >> 16);
}

void
f32_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	assert(n >= 0);
	memcpy(y, x, (size_t)n * sizeof *x);
}

void
f32_dequantize_ref(const void *restrict x, float *restrict y, int64_t n)
{
	assert(n >= 0);
	memcpy(y, x, (size_t)n * sizeof *y);
}

/* Rows of halves are read through memcpy: GGUF only promises 32-byte
 * alignment of tensors, but callers may hand us any offset.  One loop each
 * way serves f16 and bf16, which differ only in the scalar conversion. */
static void
f16_store_row(const float *restrict x, void *restrict y, int64_t n,
    uint16_t (*to_half)(float))
{
	unsigned char	*p = y;
	uint16_t	 h;
	int64_t		 i;

	assert(n >= 0);
	for (i = 0; i < n; i++) {
		h = to_half(x[i]);
		memcpy(p + 2 * i, &h, sizeof h);
	}
}

static void
f16_load_row(const void *restrict x, float *restrict y, int64_t n,
    float (*from_half)(uint16_t))
{
	const unsigned char	*p = x;
	uint16_t		 h;
	int64_t			 i;

	assert(n >= 0);
	for (i = 0; i < n; i++) {
		memcpy(&h, p + 2 * i, sizeof h);
		y[i] = from_half(h);
	}
}

void
f16_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	f16_store_row(x, y, n, kern_f32_to_f16);
}

void
f16_dequantize_ref(const void *restrict x, float *restrict y, int64_t n)
{
	f16_load_row(x, y, n, kern_f16_to_f32);
}

void
bf16_quantize_ref(const float *restrict x, void *restrict y, int64_t n)
{
	f16_store_row(x, y, n, kern_f32_to_bf16);
}

void
bf16_dequantize_ref(const void *restrict x, float *restrict y, int64_t n)
{
	f16_load_row(x, y, n, kern_bf16_to_f32);
}
