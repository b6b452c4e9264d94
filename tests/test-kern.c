/*
 * test-kern.c: checks the weight-format table and scalar references against
 * values worked out by hand from the format descriptions: half and bfloat16
 * bit patterns, hand-packed blocks (including where each ternary position
 * lands), quantization error bounds and the table's facts.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blocks.h"
#include "kern.h"
#include "testutil.h"

/* Quantization tests run on this many blocks of random data. */
#define TK_NBLOCKS	64
/* Random f32 bit patterns checked against the nearest-half property. */
#define TK_NRANDOM	2000000

static uint64_t tk_rng = 0x853c49e6748fea9bULL;

static uint32_t
tk_rand32(void)
{
	tk_rng ^= tk_rng >> 12;
	tk_rng ^= tk_rng << 25;
	tk_rng ^= tk_rng >> 27;
	return ((uint32_t)((tk_rng * 0x2545f4914f6cdd1dULL) >> 32));
}

/* Uniform in [-1, 1). */
static float
tk_uniform(void)
{
	return ((float)(tk_rand32() >> 8) / 8388608.0f - 1.0f);
}

static float
tk_float(uint32_t u)
{
	float	f;

	memcpy(&f, &u, sizeof f);
	return (f);
}

static uint32_t
tk_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof u);
	return (u);
}

/* The value of a half straight from IEEE 754's definition, in double. */
static double
tk_half_value(uint16_t h)
{
	int	s, e, m;
	double	v;

	s = h >> 15;
	e = (h >> 10) & 0x1f;
	m = h & 0x3ff;
	if (e == 31)
		v = m != 0 ? NAN : INFINITY;
	else if (e == 0)
		v = ldexp(m, -24);
	else
		v = ldexp(1024 + m, e - 25);
	return (s ? -v : v);
}

/* fp16 bits of a float we know is exactly representable (test inputs). */
static uint16_t
tk_exact_half(double v)
{
	int	h;

	for (h = 0; h < 0x7c00; h++) {
		if (tk_half_value((uint16_t)h) == fabs(v))
			return ((uint16_t)(h | (v < 0 ? 0x8000 : 0)));
	}
	fail_msg("%g is not a half", v);
	return (0);
}

static void
test_f16_known(void **state)
{
	(void)state;
	assert_int_equal(kern_f32_to_f16(1.0f), 0x3c00);
	assert_int_equal(kern_f32_to_f16(-2.0f), 0xc000);
	assert_int_equal(kern_f32_to_f16(65504.0f), 0x7bff);
	assert_int_equal(kern_f32_to_f16(0.0f), 0x0000);
	assert_int_equal(kern_f32_to_f16(-0.0f), 0x8000);
	assert_int_equal(kern_f32_to_f16(0.5f), 0x3800);
	assert_int_equal(kern_f32_to_f16(ldexpf(1.0f, -14)), 0x0400);
	assert_int_equal(kern_f32_to_f16(ldexpf(1.0f, -24)), 0x0001);
	assert_int_equal(kern_f32_to_f16(ldexpf(1023.0f, -24)), 0x03ff);
	assert_int_equal(kern_f32_to_f16(INFINITY), 0x7c00);
	assert_int_equal(kern_f32_to_f16(-INFINITY), 0xfc00);

	/* Ties go to the even mantissa. */
	assert_int_equal(kern_f32_to_f16(1.0f + ldexpf(1.0f, -11)), 0x3c00);
	assert_int_equal(kern_f32_to_f16(1.0f + ldexpf(3.0f, -11)), 0x3c02);
	assert_int_equal(kern_f32_to_f16(1.0f + ldexpf(1.0f, -11) +
	    ldexpf(1.0f, -20)), 0x3c01);
	assert_int_equal(kern_f32_to_f16(ldexpf(1.0f, -25)), 0x0000);
	assert_int_equal(kern_f32_to_f16(ldexpf(3.0f, -25)), 0x0002);
	assert_int_equal(kern_f32_to_f16(ldexpf(1.0f, -25) +
	    ldexpf(1.0f, -40)), 0x0001);
	assert_int_equal(kern_f32_to_f16(ldexpf(2047.0f, -25)), 0x0400);
	/* 65520 is halfway between 65504 and 2^16: even is inf. */
	assert_int_equal(kern_f32_to_f16(65519.0f), 0x7bff);
	assert_int_equal(kern_f32_to_f16(65520.0f), 0x7c00);
	assert_int_equal(kern_f32_to_f16(1e10f), 0x7c00);
	assert_int_equal(kern_f32_to_f16(1e-10f), 0x0000);

	assert_true(kern_f16_to_f32(0x3c00) == 1.0f);
	assert_true(kern_f16_to_f32(0xc000) == -2.0f);
	assert_true(kern_f16_to_f32(0x7bff) == 65504.0f);
	assert_true(kern_f16_to_f32(0x0001) == 5.9604644775390625e-8f);
	assert_true(kern_f16_to_f32(0x3555) == 0.333251953125f);
	assert_true(kern_f16_to_f32(0x7c00) == INFINITY);
	assert_true(kern_f16_to_f32(0xfc00) == -INFINITY);
	assert_true(isnan(kern_f16_to_f32(0x7e00)));
	assert_true(isnan(kern_f16_to_f32(0x7c01)));
	assert_true(signbit(kern_f16_to_f32(0x8000)));

	/* NaN stays NaN, even when its payload is only in the low bits. */
	assert_int_equal(kern_f32_to_f16(NAN) & 0x7c00, 0x7c00);
	assert_int_not_equal(kern_f32_to_f16(NAN) & 0x3ff, 0);
	assert_int_not_equal(kern_f32_to_f16(tk_float(0x7f800001)) & 0x3ff, 0);
	assert_int_equal(kern_f32_to_f16(tk_float(0x7f800001)) & 0x7c00,
	    0x7c00);
}

static void
test_f16_all(void **state)
{
	uint32_t	h;
	uint16_t	back;
	float		f;
	double		v;

	(void)state;
	for (h = 0; h < 0x10000; h++) {
		f = kern_f16_to_f32((uint16_t)h);
		v = tk_half_value((uint16_t)h);
		back = kern_f32_to_f16(f);
		if (isnan(v)) {
			assert_true(isnan(f));
			assert_int_equal(back & 0x7c00, 0x7c00);
			assert_int_not_equal(back & 0x3ff, 0);
			assert_int_equal(back & 0x8000, h & 0x8000);
			continue;
		}
		if ((double)f != v || back != h)
			fail_msg("half %04x: got %a back %04x", h, f, back);
		if ((signbit(f) != 0) != ((h & 0x8000) != 0))
			fail_msg("half %04x: sign lost", h);
	}
}

/* Random floats convert to the nearest half, ties to even. */
static void
test_f16_nearest(void **state)
{
	uint16_t	h, mag;
	double		x, v, dn, dd, du;
	float		f;
	long		i;

	(void)state;
	for (i = 0; i < TK_NRANDOM; i++) {
		/* Exponents from below the smallest subnormal half (2^-32)
		 * to past the largest (2^18), both signs. */
		f = tk_float((tk_rand32() & 0x807fffff) |
		    (uint32_t)(95 + tk_rand32() % 50) << 23);
		x = fabs((double)f);
		h = kern_f32_to_f16(f);
		assert_int_equal(h & 0x8000, signbit(f) ? 0x8000 : 0);
		mag = h & 0x7fff;
		if (x >= 65520.0) {
			assert_int_equal(mag, 0x7c00);
			continue;
		}
		assert_true(mag < 0x7c00);
		v = tk_half_value(mag);
		dn = fabs(x - v);
		dd = mag > 0 ? fabs(x - tk_half_value(mag - 1)) : INFINITY;
		du = fabs(x - tk_half_value(mag + 1));
		if (dn > dd || dn > du)
			fail_msg("%a -> %04x not nearest", f, h);
		if ((dn == dd || dn == du) && (mag & 1))
			fail_msg("%a -> %04x tie not even", f, h);
	}
}

static void
test_bf16(void **state)
{
	uint32_t	h;
	uint16_t	back;
	float		f;

	(void)state;
	assert_int_equal(kern_f32_to_bf16(1.0f), 0x3f80);
	assert_int_equal(kern_f32_to_bf16(-2.0f), 0xc000);
	assert_true(kern_bf16_to_f32(0x3f80) == 1.0f);
	assert_true(kern_bf16_to_f32(0x4049) == 3.140625f);
	assert_int_equal(kern_f32_to_bf16(tk_float(0x3f808000)), 0x3f80);
	assert_int_equal(kern_f32_to_bf16(tk_float(0x3f818000)), 0x3f82);
	assert_int_equal(kern_f32_to_bf16(tk_float(0x3f808001)), 0x3f81);
	assert_int_equal(kern_f32_to_bf16(tk_float(0x3f807fff)), 0x3f80);
	assert_int_equal(kern_f32_to_bf16(INFINITY), 0x7f80);
	assert_int_equal(kern_f32_to_bf16(-INFINITY), 0xff80);
	assert_int_equal(kern_f32_to_bf16(tk_float(0x7f7fffff)), 0x7f80);
	assert_int_equal(kern_f32_to_bf16(tk_float(0x00000001)), 0x0000);
	assert_int_equal(kern_f32_to_bf16(tk_float(0x00018000)), 0x0002);
	/* Truncating 0x7f800001 would give inf. */
	assert_int_equal(kern_f32_to_bf16(tk_float(0x7f800001)) & 0x7f80,
	    0x7f80);
	assert_int_not_equal(kern_f32_to_bf16(tk_float(0x7f800001)) & 0x7f,
	    0);
	assert_true(isnan(kern_bf16_to_f32(kern_f32_to_bf16(NAN))));

	for (h = 0; h < 0x10000; h++) {
		f = kern_bf16_to_f32((uint16_t)h);
		assert_int_equal(tk_bits(f), h << 16);
		back = kern_f32_to_bf16(f);
		if (isnan(f))
			assert_true(isnan(kern_bf16_to_f32(back)));
		else
			assert_int_equal(back, h);
	}
}

static void
test_table(void **state)
{
	const struct kern_traits	*t;
	int				 i;

	(void)state;
	assert_int_equal(sizeof(block_q8_0), 34);
	assert_int_equal(sizeof(block_q4_0), 18);
	assert_int_equal(sizeof(block_tq1_0), 54);
	assert_int_equal(sizeof(block_tq2_0), 66);
	assert_int_equal(offsetof(block_q8_0, qs), 2);
	assert_int_equal(offsetof(block_q4_0, qs), 2);
	assert_int_equal(offsetof(block_tq1_0, qh), 48);
	assert_int_equal(offsetof(block_tq1_0, d), 52);
	assert_int_equal(offsetof(block_tq2_0, d), 64);

	assert_int_equal(kern_get(KFMT_Q8_0)->block_bytes, sizeof(block_q8_0));
	assert_int_equal(kern_get(KFMT_Q4_0)->block_bytes, sizeof(block_q4_0));
	assert_int_equal(kern_get(KFMT_TQ1_0)->block_bytes,
	    sizeof(block_tq1_0));
	assert_int_equal(kern_get(KFMT_TQ2_0)->block_bytes,
	    sizeof(block_tq2_0));
	assert_int_equal(kern_get(KFMT_Q8_0)->block_len, 32);
	assert_int_equal(kern_get(KFMT_Q4_0)->block_len, 32);
	assert_int_equal(kern_get(KFMT_TQ1_0)->block_len, 256);
	assert_int_equal(kern_get(KFMT_TQ2_0)->block_len, 256);

	assert_true(kern_get(KFMT_F32)->bits_per_weight == 32.0);
	assert_true(kern_get(KFMT_F16)->bits_per_weight == 16.0);
	assert_true(kern_get(KFMT_BF16)->bits_per_weight == 16.0);
	assert_true(kern_get(KFMT_Q8_0)->bits_per_weight == 8.5);
	assert_true(kern_get(KFMT_Q4_0)->bits_per_weight == 4.5);
	assert_true(kern_get(KFMT_TQ2_0)->bits_per_weight == 2.0625);
	assert_true(kern_get(KFMT_TQ1_0)->bits_per_weight == 1.6875);

	assert_string_equal(kern_get(KFMT_F32)->name, "f32");
	assert_string_equal(kern_get(KFMT_F16)->name, "f16");
	assert_string_equal(kern_get(KFMT_BF16)->name, "bf16");
	assert_string_equal(kern_get(KFMT_Q8_0)->name, "q8_0");
	assert_string_equal(kern_get(KFMT_Q4_0)->name, "q4_0");
	assert_string_equal(kern_get(KFMT_TQ1_0)->name, "tq1_0");
	assert_string_equal(kern_get(KFMT_TQ2_0)->name, "tq2_0");
	for (i = 0; i < KFMT_COUNT; i++) {
		t = kern_get((enum kfmt)i);
		assert_int_equal(kern_find(t->name), i);
		assert_non_null(t->to_float);
		assert_non_null(t->from_float_ref);
	}
	assert_int_equal(kern_find("q4_1"), -1);
	assert_int_equal(kern_find(""), -1);
	assert_int_equal(kern_find(NULL), -1);

	assert_int_equal(kern_row_bytes(KFMT_F32, 3), 12);
	assert_int_equal(kern_row_bytes(KFMT_F16, 3), 6);
	assert_int_equal(kern_row_bytes(KFMT_BF16, 5), 10);
	assert_int_equal(kern_row_bytes(KFMT_Q8_0, 64), 68);
	assert_int_equal(kern_row_bytes(KFMT_Q4_0, 288), 162);
	assert_int_equal(kern_row_bytes(KFMT_TQ1_0, 512), 108);
	assert_int_equal(kern_row_bytes(KFMT_TQ2_0, 768), 198);
	assert_int_equal(kern_row_bytes(KFMT_Q8_0, 0), 0);
}

/* Blocks are written as raw bytes, in file order, to pin the layout. */
static void
test_q8_0_block(void **state)
{
	unsigned char	b[34];
	float		y[32];
	int		j;

	(void)state;
	memset(b, 0, sizeof b);
	b[0] = 0x00;		/* d = 0x3800 = 0.5, little-endian */
	b[1] = 0x38;
	b[2] = 1;
	b[3] = 0xfe;		/* -2 */
	b[4] = 127;
	b[5] = 0x81;		/* -127 */
	b[33] = 10;
	q8_0_dequantize_ref(b, y, 32);
	assert_true(y[0] == 0.5f);
	assert_true(y[1] == -1.0f);
	assert_true(y[2] == 63.5f);
	assert_true(y[3] == -63.5f);
	for (j = 4; j < 31; j++)
		assert_true(y[j] == 0.0f);
	assert_true(y[31] == 5.0f);

	/* And back: amax 127 gives d = 1; roundf(-63.5) is -64. */
	for (j = 0; j < 32; j++)
		y[j] = 0.0f;
	y[0] = 127.0f;
	y[1] = -63.5f;
	y[2] = 0.49f;
	y[3] = -126.6f;
	q8_0_quantize_ref(y, b, 32);
	assert_int_equal(b[0], 0x00);
	assert_int_equal(b[1], 0x3c);
	assert_int_equal((int8_t)b[2], 127);
	assert_int_equal((int8_t)b[3], -64);
	assert_int_equal((int8_t)b[4], 0);
	assert_int_equal((int8_t)b[5], -127);
}

static void
test_q4_0_block(void **state)
{
	unsigned char	b[18];
	float		y[32];
	int		j;

	(void)state;
	memset(b, 0x88, sizeof b);	/* nibbles 8: all zero */
	b[0] = 0x00;			/* d = 0xbc00 = -1 */
	b[1] = 0xbc;
	b[2] = 0x9f;	/* w0 = 15 - 8 = 7 -> -7; w16 = 9 - 8 = 1 -> -1 */
	b[17] = 0x08;	/* w15 = 0; w31 = -8 -> 8 */
	b[5] = 0x3c;	/* w3 = 12 - 8 -> -4; w19 = 3 - 8 -> 5 */
	q4_0_dequantize_ref(b, y, 32);
	for (j = 0; j < 32; j++) {
		switch (j) {
		case 0:
			assert_true(y[j] == -7.0f);
			break;
		case 16:
			assert_true(y[j] == -1.0f);
			break;
		case 3:
			assert_true(y[j] == -4.0f);
			break;
		case 19:
			assert_true(y[j] == 5.0f);
			break;
		case 31:
			assert_true(y[j] == 8.0f);
			break;
		default:
			assert_true(y[j] == 0.0f);
		}
	}

	/* max = -8 gives d = 1; x*1 + 8.5 truncated; 8 clamps to 15. */
	for (j = 0; j < 32; j++)
		y[j] = 0.0f;
	y[0] = -8.0f;
	y[1] = 3.0f;
	y[2] = -2.5f;
	y[16] = 8.0f;
	y[17] = 2.4f;
	q4_0_quantize_ref(y, b, 32);
	assert_int_equal(b[0], 0x00);
	assert_int_equal(b[1], 0x3c);
	assert_int_equal(b[2], 0xf0);	/* lo 0 (-8), hi 15 */
	assert_int_equal(b[3], 0xab);	/* lo 11 (3), hi 10 (2.4) */
	assert_int_equal(b[4], 0x86);	/* lo 6 (-2.5 rounds up), hi 8 */
	for (j = 5; j < 18; j++)
		assert_int_equal(b[j], 0x88);
}

static void
test_tq2_0_positions(void **state)
{
	unsigned char	b[66];
	float		y[256];
	int		p, j, l, m, k;

	(void)state;
	for (p = 0; p < 256; p++) {
		/* Code 1 everywhere (weight 0), code 2 (+d) at p.  Inverting
		 * w = j*4 + l*32 + m: j = 32 * (p / 128), l and m from the
		 * rest. */
		memset(b, 0x55, 64);
		b[64] = 0x00;	/* d = 0x4000 = 2 */
		b[65] = 0x40;
		j = 32 * (p / 128);
		l = (p % 128) / 32;
		m = p % 32;
		b[j + m] = (unsigned char)((b[j + m] & ~(3 << (2 * l))) |
		    2 << (2 * l));
		tq2_0_dequantize_ref(b, y, 256);
		for (k = 0; k < 256; k++) {
			if (y[k] != (k == p ? 2.0f : 0.0f))
				fail_msg("tq2_0 pos %d: y[%d] = %g", p, k,
				    y[k]);
		}
	}
	/* Byte 0x24 = codes 0, 1, 2, 0 at l = 0..3 of byte 0: weights 0,
	 * 32, 64, 96; byte 32 + 5 = 0x02 gives codes 2, 0, 0, 0 at weights
	 * 133, 165, 197, 229. */
	memset(b, 0x55, 64);
	b[0] = 0x24;
	b[37] = 0x02;
	b[64] = 0x00;
	b[65] = 0x3c;
	tq2_0_dequantize_ref(b, y, 256);
	assert_true(y[0] == -1.0f && y[32] == 0.0f && y[64] == 1.0f &&
	    y[96] == -1.0f);
	assert_true(y[133] == 1.0f && y[165] == -1.0f && y[197] == -1.0f &&
	    y[229] == -1.0f);
	assert_true(y[1] == 0.0f && y[128] == 0.0f && y[255] == 0.0f);
}

/* A TQ1_0 byte from its trits, most significant first, written from the
 * format description: ceil(T * 256 / 243), T the base-3 number of five
 * trits (four-trit qh bytes take a trailing 0). */
static unsigned char
tk_tq1_byte(const int t[5])
{
	int	T, k;

	T = 0;
	for (k = 0; k < 5; k++)
		T = T * 3 + t[k];
	return ((unsigned char)((T * 256 + 242) / 243));
}

static void
test_tq1_0_positions(void **state)
{
	unsigned char	b[54];
	int		ones[5] = { 1, 1, 1, 1, 1 }, qh1[5] = { 1, 1, 1, 1, 0 };
	int		t[5];
	float		y[256];
	int		p, k, byte, n;

	(void)state;
	/* Hand values: 11111 (base 3) = 121 -> ceil(127.47) = 128; 1111
	 * then 0 = 120 -> ceil(126.42) = 127. */
	assert_int_equal(tk_tq1_byte(ones), 128);
	assert_int_equal(tk_tq1_byte(qh1), 127);

	for (p = 0; p < 256; p++) {
		memset(b, 128, 48);
		memset(b + 48, 127, 4);
		b[52] = 0x00;	/* d = 0xc000 = -2 */
		b[53] = 0xc0;
		if (p < 160) {
			byte = p % 32;
			n = p / 32;
		} else if (p < 240) {
			byte = 32 + (p - 160) % 16;
			n = (p - 160) / 16;
		} else {
			byte = 48 + (p - 240) % 4;
			n = (p - 240) / 4;
		}
		memcpy(t, byte < 48 ? ones : qh1, sizeof t);
		t[n] = 2;
		b[byte] = tk_tq1_byte(t);
		tq1_0_dequantize_ref(b, y, 256);
		for (k = 0; k < 256; k++) {
			if (y[k] != (k == p ? -2.0f : 0.0f))
				fail_msg("tq1_0 pos %d: y[%d] = %g", p, k,
				    y[k]);
		}
	}

	/* Byte 255 reads as five 2s, byte 0 as five 0s. */
	memset(b, 128, 48);
	memset(b + 48, 127, 4);
	b[0] = 255;
	b[1] = 0;
	b[52] = 0x00;
	b[53] = 0x3c;
	tq1_0_dequantize_ref(b, y, 256);
	for (n = 0; n < 5; n++) {
		assert_true(y[n * 32] == 1.0f);
		assert_true(y[n * 32 + 1] == -1.0f);
		assert_true(y[n * 32 + 2] == 0.0f);
	}
}

/* Ternary inputs survive quantize -> dequantize exactly. */
static void
test_ternary_exact(void **state)
{
	static float	x[TK_NBLOCKS * 256], y[TK_NBLOCKS * 256];
	static uint8_t	q[TK_NBLOCKS * 66];
	const float	scale[4] = { 1.0f, 0.75f, 0.0078125f, 3.5f };
	int		f, i, blk;
	const struct kern_traits *t;

	(void)state;
	for (i = 0; i < TK_NBLOCKS * 256; i++)
		x[i] = scale[(i / 256) % 4] * (float)((int)(tk_rand32() % 3) -
		    1);
	/* Make sure each block's absmax is the scale. */
	for (blk = 0; blk < TK_NBLOCKS; blk++)
		x[blk * 256 + 7] = -scale[blk % 4];
	/* Every all-equal block too: all -1, all 0 (scale 0), all +1. */
	for (i = 0; i < 256; i++) {
		x[i] = -1.0f;
		x[256 + i] = 0.0f;
		x[512 + i] = 0.75f;
	}
	for (f = KFMT_TQ1_0; f <= KFMT_TQ2_0; f++) {
		t = kern_get((enum kfmt)f);
		memset(y, 0xff, sizeof y);
		t->from_float_ref(x, q, TK_NBLOCKS * 256);
		t->to_float(q, y, TK_NBLOCKS * 256);
		for (i = 0; i < TK_NBLOCKS * 256; i++) {
			if (y[i] != x[i])
				fail_msg("%s: y[%d] = %g, want %g", t->name,
				    i, y[i], x[i]);
		}
	}
}

static float
tk_absmax(const float *x, int n)
{
	float	m;
	int	i;

	m = 0.0f;
	for (i = 0; i < n; i++)
		m = fmaxf(m, fabsf(x[i]));
	return (m);
}

/* Random blocks at scales from tiny to large, so fp16 scales are
 * exercised in their subnormal range too. */
static void
tk_fill(float *x, int n, int blen)
{
	const float	scale[6] = { 1.0f, 1e-3f, 30.0f, 1e-6f, 0.1f, 500.0f };
	int		i;

	for (i = 0; i < n; i++)
		x[i] = scale[(i / blen) % 6] * tk_uniform();
}

static void
test_q8_0_error(void **state)
{
	static float	x[TK_NBLOCKS * 32], y[TK_NBLOCKS * 32];
	static block_q8_0 q[TK_NBLOCKS];
	double		d, d16, bound;
	int		blk, j;

	(void)state;
	tk_fill(x, TK_NBLOCKS * 32, 32);
	q8_0_quantize_ref(x, q, TK_NBLOCKS * 32);
	q8_0_dequantize_ref(q, y, TK_NBLOCKS * 32);
	for (blk = 0; blk < TK_NBLOCKS; blk++) {
		d = tk_absmax(x + blk * 32, 32) / 127.0;
		d16 = tk_half_value(q[blk].d);
		/* Half a step, plus up to 127 steps of scale rounding. */
		bound = d / 2 + 127 * fabs(d - d16) + 1e-6 * d;
		for (j = 0; j < 32; j++) {
			if (fabs((double)y[blk * 32 + j] - x[blk * 32 + j]) >
			    bound)
				fail_msg("q8_0 block %d [%d]: %g vs %g", blk, j,
				    y[blk * 32 + j], x[blk * 32 + j]);
		}
	}
}

static void
test_q4_0_error(void **state)
{
	static float	x[TK_NBLOCKS * 32], y[TK_NBLOCKS * 32];
	static block_q4_0 q[TK_NBLOCKS];
	double		d, d16, bound, r, max;
	int		blk, j;

	(void)state;
	tk_fill(x, TK_NBLOCKS * 32, 32);
	q4_0_quantize_ref(x, q, TK_NBLOCKS * 32);
	q4_0_dequantize_ref(q, y, TK_NBLOCKS * 32);
	for (blk = 0; blk < TK_NBLOCKS; blk++) {
		max = 0.0;
		for (j = 0; j < 32; j++) {
			if (fabs(x[blk * 32 + j]) > fabs(max))
				max = x[blk * 32 + j];
		}
		d = max / -8.0;
		d16 = tk_half_value(q[blk].d);
		assert_true(d16 * d >= 0.0);
		for (j = 0; j < 32; j++) {
			/* Codes reach -8..7: values past 7.5 steps on the
			 * side opposite the extreme clamp to 7, within a
			 * full step; the rest round to within half. */
			r = x[blk * 32 + j] / d;
			bound = (r > 7.5 ? fabs(d) : fabs(d) / 2) +
			    8 * fabs(d - d16) + 1e-6 * fabs(d);
			if (fabs((double)y[blk * 32 + j] - x[blk * 32 + j]) >
			    bound)
				fail_msg("q4_0 block %d [%d]: %g vs %g", blk, j,
				    y[blk * 32 + j], x[blk * 32 + j]);
		}
	}
}

static void
test_ternary_error(void **state)
{
	static float	x[TK_NBLOCKS * 256], y[TK_NBLOCKS * 256];
	static uint8_t	q[TK_NBLOCKS * 66];
	const struct kern_traits *t;
	const uint8_t	*blk;
	uint16_t	h;
	double		d, d16, bound;
	int		f, b, j;

	(void)state;
	tk_fill(x, TK_NBLOCKS * 256, 256);
	for (f = KFMT_TQ1_0; f <= KFMT_TQ2_0; f++) {
		t = kern_get((enum kfmt)f);
		t->from_float_ref(x, q, TK_NBLOCKS * 256);
		t->to_float(q, y, TK_NBLOCKS * 256);
		for (b = 0; b < TK_NBLOCKS; b++) {
			blk = q + b * t->block_bytes;
			/* d is the last field in both ternary blocks. */
			memcpy(&h, blk + t->block_bytes - 2, sizeof h);
			d = tk_absmax(x + b * 256, 256);
			d16 = tk_half_value(h);
			bound = d / 2 + fabs(d - d16) + 1e-6 * d;
			for (j = 0; j < 256; j++) {
				if (fabs((double)y[b * 256 + j] -
				    x[b * 256 + j]) > bound)
					fail_msg("%s block %d [%d]: %g vs %g",
					    t->name, b, j, y[b * 256 + j],
					    x[b * 256 + j]);
			}
		}
	}
}

/* All-zero input must give a zero scale and zeros back, never NaN. */
static void
test_zero_blocks(void **state)
{
	float		x[512], y[512];
	uint8_t		q[512 * 4];
	const struct kern_traits *t;
	int		f, i;

	(void)state;
	memset(x, 0, sizeof x);
	for (f = 0; f < KFMT_COUNT; f++) {
		t = kern_get((enum kfmt)f);
		if (t->row_group > 1)	/* whole groups: test-kern-simd.c */
			continue;
		memset(q, 0xff, sizeof q);
		memset(y, 0xff, sizeof y);
		t->from_float_ref(x, q, 512);
		t->to_float(q, y, 512);
		for (i = 0; i < 512; i++) {
			if (y[i] != 0.0f || isnan(y[i]))
				fail_msg("%s: y[%d] = %g", t->name, i, y[i]);
		}
	}
}

/* The converters in the table agree with the per-format functions and
 * with each other through the half/bfloat16 scalar conversions. */
static void
test_float_rows(void **state)
{
	float		x[64], y[64];
	uint16_t	h[64];
	int		i;

	(void)state;
	for (i = 0; i < 64; i++)
		x[i] = 100.0f * tk_uniform();
	kern_get(KFMT_F16)->from_float_ref(x, h, 64);
	kern_get(KFMT_F16)->to_float(h, y, 64);
	for (i = 0; i < 64; i++) {
		assert_int_equal(h[i], kern_f32_to_f16(x[i]));
		assert_true(y[i] == kern_f16_to_f32(h[i]));
	}
	kern_get(KFMT_BF16)->from_float_ref(x, h, 64);
	kern_get(KFMT_BF16)->to_float(h, y, 64);
	for (i = 0; i < 64; i++) {
		assert_int_equal(h[i], kern_f32_to_bf16(x[i]));
		assert_int_equal(tk_bits(y[i]), (uint32_t)h[i] << 16);
	}
	kern_get(KFMT_F32)->to_float(x, y, 64);
	assert_memory_equal(x, y, sizeof x);
	/* 0.75 and 3.5 scale the ternary test: make sure they are halves. */
	assert_int_equal(tk_exact_half(0.75), 0x3a00);
	assert_int_equal(tk_exact_half(-3.5), 0xc300);
}

/* A weight that is not finite, in every format: an f32/f16/bf16 value, or
 * the block scale of the quantized formats (which makes its whole block
 * so); found at its index, and nothing found in finite data. */
static void
test_nonfinite(void **state)
{
	static const uint16_t	 h16[] = { 0x7c00, 0xfc00, 0x7e00, 0x7c01 };
	static const uint16_t	 hbf[] = { 0x7f80, 0xff80, 0x7fc0, 0x7f81 };
	float			 x[512];
	uint8_t			 w[4096];

	(void)state;
	for (int i = 0; i < 512; i++)
		x[i] = (float)i / 512.0f - 0.5f;
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);
		int64_t	 bl = kt->block_len, n = 512 / bl * bl;
		size_t	 bb = kt->block_bytes;

		if (kt->row_group > 1)
			continue;
		kt->from_float_ref(x, w, n);
		assert_int_equal(kern_first_nonfinite((enum kfmt)f, w, n), -1);
		for (int k = 0; k < 4; k++) {
			int64_t	 at;

			if (f == KFMT_F32) {
				uint32_t b = k & 1 ? 0xff800000u : 0x7fc00001u;

				memcpy(w + 4 * 300, &b, 4);
				at = 300;
			} else if (f == KFMT_F16 || f == KFMT_BF16) {
				memcpy(w + 2 * 300, f == KFMT_F16 ? &h16[k] :
				    &hbf[k], 2);
				at = 300;
			} else {
				/* the fp16 scale of the second block: last
				 * in the 256-weight ternaries, else first */
				size_t off = bb + (f == KFMT_TQ1_0 ||
				    f == KFMT_TQ2_0 ? offsetof(block_tq2_0, d)
				    * (f == KFMT_TQ2_0) + offsetof(block_tq1_0,
				    d) * (f == KFMT_TQ1_0) : 0);

				if (n < 2 * bl)
					continue;
				memcpy(w + off, &h16[k], 2);
				at = bl;
			}
			assert_int_equal(kern_first_nonfinite((enum kfmt)f, w,
			    n), at);
			kt->from_float_ref(x, w, n);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f16_known),
		cmocka_unit_test(test_f16_all),
		cmocka_unit_test(test_f16_nearest),
		cmocka_unit_test(test_bf16),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_q8_0_block),
		cmocka_unit_test(test_q4_0_block),
		cmocka_unit_test(test_tq2_0_positions),
		cmocka_unit_test(test_tq1_0_positions),
		cmocka_unit_test(test_ternary_exact),
		cmocka_unit_test(test_q8_0_error),
		cmocka_unit_test(test_q4_0_error),
		cmocka_unit_test(test_ternary_error),
		cmocka_unit_test(test_zero_blocks),
		cmocka_unit_test(test_float_rows),
		cmocka_unit_test(test_nonfinite),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
