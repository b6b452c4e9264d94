/*
 * test-report.c: the report's aggregation against a hand-worked history:
 * error rates, flips against the reference, agreement, KLD, and the three
 * ways of counting 'partial'.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

/* Four prompts.  ref answers: correct, correct, wrong, partial.
 * q4 answers:  wrong, correct, correct, wrong; q4 is identical to the
 * reference on prompts 1 and 2 (first divergence -1), KLD 0.1, 0.2,
 * 0.3, 0.4.  Partial counted wrong: ref right on 1, 2; q4 right on 2, 3.
 * Lost (ref right, q4 wrong): prompt 1.  Gained (ref wrong, q4 right):
 * prompt 3.  Prompt 4: both wrong.  Pairs: 4.
 * Partial counted right: ref right on 1, 2, 4: lost 1 and 4, gained 3.
 * Partial skipped: prompt 4 has no rated reference: pairs 3, lost 1,
 * gained 1, and the reference has 3 rated answers. */
static const char *const ref_v[4] = { "correct", "correct", "wrong",
    "partial" };
static const char *const q4_v[4] = { "wrong", "correct", "correct", "wrong" };

static void
feed(struct report *r)
{
	for (int p = 0; p < 4; p++) {
		struct store_report_row	row;

		memset(&row, 0, sizeof row);
		row.model_id = 1;
		row.model_path = "/m.gguf";
		row.prompt_id = p + 1;
		row.variant = "f32";
		row.format = "f32";
		row.bits_per_weight = 32;
		row.is_reference = 1;
		row.first_divergence = -2;
		row.confidence = 0.9;
		row.decode_tps = 100;
		row.verdict = ref_v[p];
		row.ref_verdict = ref_v[p];
		assert_int_equal(report_add(r, &row), 0);
		row.variant = "q4_0";
		row.format = "q4_0";
		row.bits_per_weight = 4.5;
		row.is_reference = 0;
		row.first_divergence = p < 2 ? -1 : 3;
		row.has_kld = 1;
		row.kld = 0.1 * (p + 1);
		row.decode_tps = 200 + p;
		row.verdict = q4_v[p];
		assert_int_equal(report_add(r, &row), 0);
	}
	report_finish(r);
}

static void
test_partial_wrong(void **state)
{
	struct report	r;

	(void)state;
	report_init(&r, REPORT_PARTIAL_WRONG);
	feed(&r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.v[0].name, "f32");
	assert_int_equal(r.v[0].rated, 4);
	assert_int_equal(r.v[0].right, 2);
	assert_int_equal(r.v[0].pairs, 0);	/* the reference has no flips */
	assert_string_equal(r.v[1].name, "q4_0");
	assert_int_equal(r.v[1].answers, 4);
	assert_int_equal(r.v[1].rated, 4);
	assert_int_equal(r.v[1].right, 2);
	assert_true(r.v[1].err_rate == 0.5);
	assert_int_equal(r.v[1].pairs, 4);
	assert_int_equal(r.v[1].lost, 1);
	assert_int_equal(r.v[1].gained, 1);
	assert_int_equal(r.v[1].same, 2);
	assert_int_equal(r.v[1].compared, 4);
	assert_true(fabs(r.v[1].kld - 0.25) < 1e-12);
	assert_true(fabs(r.v[1].tps - 201.5) < 1e-12);
	/* Wilson, 2 errors in 4, z = 1.959964: python3 -c "z=1.959964;
	 * n=4;p=.5;c=(p+z*z/2/n)/(1+z*z/n);h=z*(p*(1-p)/n+z*z/4/n/n)**.5/
	 * (1+z*z/n);print(c-h,c+h)" -> 0.150036 0.849964 */
	assert_true(fabs(r.v[1].err_lo - 0.150036) < 1e-5);
	assert_true(fabs(r.v[1].err_hi - 0.849964) < 1e-5);
	report_free(&r);
}

static void
test_partial_right(void **state)
{
	struct report	r;

	(void)state;
	report_init(&r, REPORT_PARTIAL_RIGHT);
	feed(&r);
	assert_int_equal(r.v[0].right, 3);
	assert_int_equal(r.v[1].lost, 2);
	assert_int_equal(r.v[1].gained, 1);
	report_free(&r);
}

static void
test_partial_skip(void **state)
{
	struct report	r;

	(void)state;
	report_init(&r, REPORT_PARTIAL_SKIP);
	feed(&r);
	assert_int_equal(r.v[0].rated, 3);
	assert_int_equal(r.v[1].pairs, 3);
	assert_int_equal(r.v[1].lost, 1);
	assert_int_equal(r.v[1].gained, 1);
	/* calibration sees the rated answers: q4 confidence 0.9 each, y
	 * 0 1 1 0: Brier = (0.81 + 0.01 + 0.01 + 0.81) / 4 = 0.41 */
	assert_true(fabs(r.v[1].brier - 0.41) < 1e-12);
	report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_wrong),
		cmocka_unit_test(test_partial_right),
		cmocka_unit_test(test_partial_skip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
