/*
 * test-kern-t2.c: qcmp's own ternary layout, T2, and its two quantizers,
 * against expectations worked out from the format description (blocks.h)
 * by hand: code positions, absmax per group, BitNet absmean per row, the
 * padding rule and the round-trip error bounds.
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
#include "kern-impl.h"

/* Byte m holds weights m, m+8, m+16, m+24 at bits 0, 2, 4, 6; code 1 is
 * zero, so 0x55 is an all-zero group.  Setting weight i to code 2 must
 * make exactly y[i] = d. */
static void
test_positions(void **state)
{
	block_t2	b;
	float		y[32];

	for (int i = 0; i < 32; i++) {
		b.d = kern_f32_to_f16(0.5f);
		memset(b.qs, 0x55, sizeof b.qs);
		b.qs[i % 8] = (uint8_t)((b.qs[i % 8] & ~(3 << (2 * (i / 8)))) |
		    (2 << (2 * (i / 8))));
		t2_dequantize_ref(&b, y, 32);
		for (int j = 0; j < 32; j++)
			assert_float_equal(y[j], j == i ? 0.5f : 0.0f, 0.0f);
	}
}

/* absmax per group: d = max|x| = 2; x/d rounds to nearest, ties to even:
 * 1.2/2 = 0.6 -> 1, 0.9/2 = 0.45 -> 0, -1.1/2 = -0.55 -> -1, 1/2 = 0.5 ->
 * 0 (tie to even), -2 -> -1. */
static void
test_absmax(void **state)
{
	float	x[32] = { 2.0f, 1.2f, 0.9f, -1.1f, 1.0f, -2.0f };
	float	want[6] = { 2.0f, 2.0f, 0.0f, -2.0f, 0.0f, -2.0f };
	float	y[32];
	block_t2 b;

	t2_quantize_ref(x, &b, 32);
	assert_int_equal(b.d, 0x4000);	/* 2.0 in fp16 */
	t2_dequantize_ref(&b, y, 32);
	for (int i = 0; i < 32; i++)
		assert_float_equal(y[i], i < 6 ? want[i] : 0.0f, 0.0f);
}

/* absmean over the row's non-zero weights: (0.5 + 1.5 + 0.2 + 0.6) / 4 =
 * 0.7; 0.5/s = 0.71 -> 1, -1.5/s = -2.14 -> clipped -1, 0.2/s = 0.29 ->
 * 0.  The second group holds only 0.6: 0.6/s = 0.86 -> 1, and it carries
 * the row's scale, not its own. */
static void
test_absmean(void **state)
{
	float	x[64] = { 0.5f, -1.5f, 0.2f };
	float	y[64];
	block_t2 b[2];
	float	s = kern_f16_to_f32(kern_f32_to_f16(0.7f));

	x[40] = 0.6f;
	t2m_quantize_ref(x, b, 64);
	x[40] = 0.0f;
	assert_int_equal(b[0].d, b[1].d);
	t2_dequantize_ref(b, y, 64);
	assert_float_equal(y[0], s, 0.0f);
	assert_float_equal(y[1], -s, 0.0f);
	assert_float_equal(y[2], 0.0f, 0.0f);
	assert_float_equal(y[40], s, 0.0f);
	for (int i = 3; i < 64; i++)
		if (i != 40)
			assert_float_equal(y[i], 0.0f, 0.0f);
}

/* Zeros that pad a 172-weight row to 192 leave the row's scale alone. */
static void
test_absmean_padding(void **state)
{
	float	x[192] = { 0 }, sum = 0.0f;
	block_t2 b[6];

	srand(5);
	for (int i = 0; i < 172; i++) {
		x[i] = (float)rand() / RAND_MAX - 0.5f;
		sum += fabsf(x[i]);
	}
	t2m_quantize_ref(x, b, 192);
	assert_float_equal(kern_f16_to_f32(b[0].d), sum / 172.0f,
	    sum / 172.0f * 1e-3f);
}

static void
test_all_zero(void **state)
{
	float	x[32] = { 0 }, y[32];
	block_t2 b;

	t2_quantize_ref(x, &b, 32);
	t2_dequantize_ref(&b, y, 32);
	for (int i = 0; i < 32; i++)
		assert_true(y[i] == 0.0f);
	t2m_quantize_ref(x, &b, 32);
	t2_dequantize_ref(&b, y, 32);
	for (int i = 0; i < 32; i++)
		assert_true(y[i] == 0.0f);
}

/* Round trip: absmax keeps every value within half its group's scale
 * (plus the scale's fp16 rounding); absmean within half the row scale
 * unless clipped, and then within |x| - s. */
static void
test_round_trip_bounds(void **state)
{
	float	x[576], y[576];
	block_t2 b[18];

	srand(9);
	for (int rep = 0; rep < 200; rep++) {
		float scale = powf(10.0f, (float)(rep % 7) - 3.0f), s, sum = 0;

		for (int i = 0; i < 576; i++)
			x[i] = ((float)rand() / RAND_MAX - 0.5f) * scale;
		t2_quantize_ref(x, b, 576);
		t2_dequantize_ref(b, y, 576);
		for (int g = 0; g < 18; g++) {
			float d = kern_f16_to_f32(b[g].d);

			for (int i = g * 32; i < g * 32 + 32; i++)
				assert_true(fabsf(x[i] - y[i]) <=
				    d / 2 + d * 1e-3f);
		}
		t2m_quantize_ref(x, b, 576);
		t2_dequantize_ref(b, y, 576);
		for (int i = 0; i < 576; i++)
			sum += fabsf(x[i]);
		s = kern_f16_to_f32(b[0].d);
		assert_float_equal(s, sum / 576, sum / 576 * 1e-3f);
		for (int i = 0; i < 576; i++) {
			float bound = fabsf(x[i]) > 1.5f * s ?
			    fabsf(x[i]) - s : s / 2;

			assert_true(fabsf(x[i] - y[i]) <= bound * 1.002f);
		}
	}
}

/* The inline rounding the quantizers use equals the C library's, ties and
 * the neighbours of ties included. */
static void
test_rounding(void **state)
{
	for (int k = -260; k <= 260; k++) {
		float	t = k / 2.0f;
		float	vs[3] = { nextafterf(t, -1e9f), t, nextafterf(t, 1e9f) };

		for (int j = 0; j < 3; j++) {
			assert_int_equal(kern_round_away(vs[j]),
			    (int)roundf(vs[j]));
			assert_int_equal(kern_round_even(vs[j]),
			    (int)nearbyintf(vs[j]));
		}
	}
	srand(2);
	for (int i = 0; i < 200000; i++) {
		float v = ((float)rand() / RAND_MAX - 0.5f) * 300.0f;

		assert_int_equal(kern_round_away(v), (int)roundf(v));
		assert_int_equal(kern_round_even(v), (int)nearbyintf(v));
	}
}

static void
test_table(void **state)
{
	const struct kern_traits *t = kern_get(KFMT_T2);
	const struct kern_traits *m = kern_get(KFMT_T2M);

	assert_int_equal(t->block_len, 32);
	assert_int_equal(t->block_bytes, 10);
	assert_float_equal(t->bits_per_weight, 2.5, 0.0);
	assert_int_equal(kern_find("t2"), KFMT_T2);
	assert_int_equal(kern_find("t2m"), KFMT_T2M);
	assert_ptr_equal(m->to_float, t->to_float);
	assert_true(m->from_float_ref != t->from_float_ref);
	assert_int_equal(kern_pad(KFMT_T2, 172), 192);
	assert_int_equal(kern_pad(KFMT_TQ2_0, 576), 768);
	assert_int_equal(kern_pad(KFMT_F16, 172), 172);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_absmax),
		cmocka_unit_test(test_absmean),
		cmocka_unit_test(test_absmean_padding),
		cmocka_unit_test(test_all_zero),
		cmocka_unit_test(test_round_trip_bounds),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
