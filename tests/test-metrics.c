/*
 * test-metrics.c: the report statistics against hand computation: Wilson
 * bounds checked with Python's independent quadratic form, ECE and Brier
 * on small sets whose bins are worked out below, AUROC by counting
 * positive-negative pairs.
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

#include "metrics.h"

#define Z95	1.959964

/*
 * The Wilson bounds are the roots p of (ph - p)^2 = z^2 p (1 - p) / n
 * (ph = k/n), i.e. of (1 + z^2/n) p^2 - (2 ph + z^2/n) p + ph^2 = 0,
 * solved in Python without the centre/half-width form the C code uses:
 *
 * python3 -c "from math import sqrt; z=1.959964;
 *   [print(k,n,(lambda a,b,c:((-b-sqrt(b*b-4*a*c))/(2*a),
 *   (-b+sqrt(b*b-4*a*c))/(2*a)))(1+z*z/n,-(2*k/n+z*z/n),(k/n)**2))
 *   for k,n in [(0,10),(10,10),(7,20),(50,100)]]"
 *
 *   0 10    0.000000000 0.277532803
 *   10 10   0.722467197 1.000000000
 *   7 20    0.181191823 0.567145725
 *   50 100  0.403831530 0.596168470
 *
 * By hand for 50/100: ph = 1/2 so the centre is exactly 1/2; z^2 =
 * 3.841459, half = z / (1 + 0.0384146) * sqrt(0.0025 + 3.841459 / 40000)
 * = 1.887458 * 0.0509513 = 0.0961684: [0.4038316, 0.5961684].
 */
static void
test_wilson(void **state)
{
	double	lo, hi;

	(void)state;
	lo = hi = -5.0;
	metrics_wilson(0, 0, Z95, &lo, &hi);	/* no data: anything goes */
	assert_float_equal(lo, 0.0, 0.0);
	assert_float_equal(hi, 1.0, 0.0);

	metrics_wilson(0, 10, Z95, &lo, &hi);
	assert_float_equal(lo, 0.0, 0.0);	/* exactly, not -1e-17 */
	assert_float_equal(hi, 0.277532803, 1e-6);

	metrics_wilson(10, 10, Z95, &lo, &hi);
	assert_float_equal(lo, 0.722467197, 1e-6);
	assert_float_equal(hi, 1.0, 0.0);

	metrics_wilson(7, 20, Z95, &lo, &hi);
	assert_float_equal(lo, 0.181191823, 1e-6);
	assert_float_equal(hi, 0.567145725, 1e-6);

	metrics_wilson(50, 100, Z95, &lo, &hi);
	assert_float_equal(lo, 0.403831530, 1e-6);
	assert_float_equal(hi, 0.596168470, 1e-6);
	assert_float_equal(lo + hi, 1.0, 1e-12);	/* symmetric */
}

/* Nonsense counts stay inside [0, 1] instead of turning into NaN. */
static void
test_wilson_bad(void **state)
{
	double	lo, hi;

	(void)state;
	metrics_wilson(12, 10, Z95, &lo, &hi);
	assert_true(lo >= 0.0 && lo <= hi && hi <= 1.0);
	metrics_wilson(-3, 10, Z95, &lo, &hi);
	assert_true(lo >= 0.0 && lo <= hi && hi <= 1.0);
	metrics_wilson(3, -10, Z95, &lo, &hi);
	assert_float_equal(lo, 0.0, 0.0);
	assert_float_equal(hi, 1.0, 0.0);
}

/*
 * Ten bins.  conf/y:
 *   0.05/0   -> bin 0: n 1, conf .05, acc 0,  gap .05
 *   0.15/0   -> bin 1: n 1, conf .15, acc 0,  gap .15
 *   0.3/0.5  -> bin 3 (0.3 >= 3/10 exactly): gap .2 (fractional y)
 *   0.7/1, 0.75/0 -> bin 7 (0.7 is the bin's lower edge, not bin 6):
 *             n 2, conf (.7 + .75)/2 = .725, acc .5, gap .225
 *   1.0/1, 0.95/1 -> bin 9 (c == 1 goes in the last bin):
 *             n 2, conf .975, acc 1, gap .025
 * ECE = (.05 + .15 + .2 + 2 * .225 + 2 * .025) / 7 = 0.9 / 7
 *     = 0.128571428...
 * Had 0.7 gone to bin 6 the gaps would be .3 and .75 instead.
 */
static const double ece_conf[7] = { 0.05, 0.15, 0.7, 0.75, 1.0, 0.95, 0.3 };
static const double ece_y[7] = { 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.5 };

static void
test_ece(void **state)
{
	struct metrics_bin	bins[10];
	int			i, total = 0;

	(void)state;
	memset(bins, 0xa5, sizeof bins);
	assert_float_equal(metrics_ece(ece_conf, ece_y, 7, 10, bins),
	    0.9 / 7.0, 1e-12);
	assert_int_equal(bins[0].n, 1);
	assert_float_equal(bins[0].conf, 0.05, 1e-12);
	assert_float_equal(bins[0].acc, 0.0, 1e-12);
	assert_int_equal(bins[1].n, 1);
	assert_int_equal(bins[3].n, 1);
	assert_float_equal(bins[3].acc, 0.5, 1e-12);
	assert_int_equal(bins[6].n, 0);
	assert_int_equal(bins[7].n, 2);
	assert_float_equal(bins[7].conf, 0.725, 1e-12);
	assert_float_equal(bins[7].acc, 0.5, 1e-12);
	assert_int_equal(bins[9].n, 2);
	assert_float_equal(bins[9].conf, 0.975, 1e-12);
	assert_float_equal(bins[9].acc, 1.0, 1e-12);
	for (i = 0; i < 10; i++) {
		total += bins[i].n;
		if (bins[i].n == 0) {	/* contract: 0 when empty */
			assert_float_equal(bins[i].conf, 0.0, 0.0);
			assert_float_equal(bins[i].acc, 0.0, 0.0);
		}
	}
	assert_int_equal(total, 7);
	/* without a bins array: same answer */
	assert_float_equal(metrics_ece(ece_conf, ece_y, 7, 10, NULL),
	    0.9 / 7.0, 1e-12);
}

/*
 * 100 bins put every value of the set above in a bin of its own, so ECE
 * is the mean |c - y| = (.05 + .15 + .3 + .75 + 0 + .05 + .2) / 7 =
 * 1.5 / 7.  With no bins array this crosses the 32-bin passes.
 */
static void
test_ece_many_bins(void **state)
{
	struct metrics_bin	bins[100];
	double			c[1] = { 0.29 }, y[1] = { 1.0 };

	(void)state;
	assert_float_equal(metrics_ece(ece_conf, ece_y, 7, 100, NULL),
	    1.5 / 7.0, 1e-12);
	assert_float_equal(metrics_ece(ece_conf, ece_y, 7, 100, bins),
	    1.5 / 7.0, 1e-12);
	assert_int_equal(bins[99].n, 1);	/* 1.0 */
	assert_int_equal(bins[95].n, 1);
	assert_int_equal(bins[70].n, 1);
	assert_int_equal(bins[30].n, 1);
	/* 0.29 * 100 is 28.999999999999996 in double, but 29/100.0 == 0.29
	 * so the contract's i/nbins <= c puts it in bin 29 */
	metrics_ece(c, y, 1, 100, bins);
	assert_int_equal(bins[28].n, 0);
	assert_int_equal(bins[29].n, 1);
}

/* Perfectly calibrated: bin 2 holds .2,.2,.2,.2,.2 with one right (acc
 * .2), bin 8 holds .8 x5 with four right (acc .8); ECE 0.  n == 0 gives 0
 * and empty bins. */
static void
test_ece_edges(void **state)
{
	double			c[10] = { .2, .2, .2, .2, .2,
				    .8, .8, .8, .8, .8 };
	double			y[10] = { 1, 0, 0, 0, 0, 1, 1, 1, 1, 0 };
	struct metrics_bin	bins[10];
	int			i;

	(void)state;
	assert_float_equal(metrics_ece(c, y, 10, 10, NULL), 0.0, 1e-12);
	memset(bins, 0xa5, sizeof bins);
	assert_float_equal(metrics_ece(NULL, NULL, 0, 10, bins), 0.0, 0.0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(bins[i].n, 0);
		assert_float_equal(bins[i].conf, 0.0, 0.0);
		assert_float_equal(bins[i].acc, 0.0, 0.0);
	}
	/* a single bin: |mean y - mean c| = |.5 - .5| = 0 */
	assert_float_equal(metrics_ece(c, y, 10, 1, NULL), 0.0, 1e-12);
	/* one bin of everything in ece_*: mean c = 3.9/7, mean y = 3.5/7,
	 * gap 0.4/7 */
	assert_float_equal(metrics_ece(ece_conf, ece_y, 7, 1, NULL),
	    0.4 / 7.0, 1e-12);
	assert_float_equal(metrics_ece(c, y, 10, 0, NULL), 0.0, 0.0);
}

/* Out-of-range and NaN confidences must not index outside the bins. */
static void
test_ece_bad(void **state)
{
	double			c[5] = { -0.5, 1.5, NAN, INFINITY, -INFINITY };
	double			y[5] = { 0, 1, 1, 0, 0 };
	struct metrics_bin	bins[10];
	int			i, total = 0;

	(void)state;
	metrics_ece(c, y, 5, 10, bins);
	for (i = 0; i < 10; i++)
		total += bins[i].n;
	assert_int_equal(total, 5);
	assert_int_equal(bins[0].n, 3);		/* -0.5, NaN, -inf */
	assert_int_equal(bins[9].n, 2);		/* 1.5, +inf */
}

/* Brier of the ECE set: (.05^2 + .15^2 + .3^2 + .75^2 + 0 + .05^2 +
 * .2^2) / 7 = (.0025 + .0225 + .09 + .5625 + .0025 + .04) / 7 = .72 / 7. */
static void
test_brier(void **state)
{
	double	c[2] = { 1.0, 0.0 }, y[2] = { 0.0, 1.0 };

	(void)state;
	assert_float_equal(metrics_brier(ece_conf, ece_y, 7), 0.72 / 7.0,
	    1e-12);
	assert_float_equal(metrics_brier(c, y, 2), 1.0, 0.0);	/* worst */
	assert_float_equal(metrics_brier(c, c, 2), 0.0, 0.0);	/* best */
	assert_float_equal(metrics_brier(NULL, NULL, 0), 0.0, 0.0);
}

/*
 * scores .9 .8 .8 .3, labels 1 1 0 0: pairs (pos, neg) = (.9,.8) 1,
 * (.9,.3) 1, (.8,.8) tie 1/2, (.8,.3) 1 -> 3.5 / 4 = 0.875.  Mid-ranks
 * agree: ranks .3 -> 1, .8 .8 -> 2.5, .9 -> 4; R+ = 6.5, U = 6.5 - 3 = 3.5.
 */
static void
test_auroc_ties(void **state)
{
	double	c[4] = { 0.9, 0.8, 0.8, 0.3 }, y[4] = { 1, 1, 0, 0 };
	/* positives .4 .6 .8, negatives .2 .4 .4: .4 beats .2 and ties the
	 * two .4s (1 + 2 * 1/2 = 2), .6 and .8 beat all three: 8 / 9 */
	double	c2[6] = { 0.2, 0.4, 0.4, 0.4, 0.6, 0.8 };
	double	y2[6] = { 0, 1, 0, 0, 1, 1 };

	(void)state;
	assert_float_equal(metrics_auroc(c, y, 4), 0.875, 1e-12);
	assert_float_equal(metrics_auroc(c2, y2, 6), 8.0 / 9.0, 1e-12);
}

static void
test_auroc_extremes(void **state)
{
	double	c[4] = { 0.9, 0.8, 0.2, 0.1 };
	double	up[4] = { 1, 1, 0, 0 }, down[4] = { 0, 0, 1, 1 };
	double	tied[4] = { 0.5, 0.5, 0.5, 0.5 }, mixed[4] = { 1, 0, 1, 0 };
	double	ones[4] = { 1, 1, 1, 1 }, zeros[4] = { 0, 0, 0, 0 };
	double	halves[4] = { 1, 0.5, 0.5, 0.5 };

	(void)state;
	assert_float_equal(metrics_auroc(c, up, 4), 1.0, 0.0);
	assert_float_equal(metrics_auroc(c, down, 4), 0.0, 0.0);
	assert_float_equal(metrics_auroc(tied, mixed, 4), 0.5, 0.0);
	assert_float_equal(metrics_auroc(c, ones, 4), -1.0, 0.0);
	assert_float_equal(metrics_auroc(c, zeros, 4), -1.0, 0.0);
	assert_float_equal(metrics_auroc(c, halves, 4), -1.0, 0.0);
	assert_float_equal(metrics_auroc(NULL, NULL, 0), -1.0, 0.0);
}

/* Partial verdicts take no part: adding (.95, .5) and (.05, .7) to the
 * 0.875 set would change it if either counted as a positive or a
 * negative: 5.5/6 or 3.5/6 for either alone, not 5.25/6. */
static void
test_auroc_fractional(void **state)
{
	double	c[6] = { 0.95, 0.9, 0.8, 0.05, 0.8, 0.3 };
	double	y[6] = { 0.5, 1, 1, 0.7, 0, 0 };

	(void)state;
	assert_float_equal(metrics_auroc(c, y, 6), 0.875, 1e-12);
}

/*
 * 100000 answers with increasing scores, labels alternating 0 1 0 1...:
 * the positive at index 2k+1 beats the k+1 negatives at 0, 2, .., 2k, so
 * U = sum_{k<m} (k+1) = m(m+1)/2 over m^2 pairs (m = 50000):
 * AUROC = (m+1)/(2m) = 0.50001.  Fed in reverse order so the sort does
 * the work; quadratic code would take minutes under the sanitizers.
 */
static void
test_auroc_large(void **state)
{
	int	 n = 100000, i;
	double	*c = malloc(n * sizeof *c), *y = malloc(n * sizeof *y);

	(void)state;
	assert_non_null(c);
	assert_non_null(y);
	for (i = 0; i < n; i++) {
		c[n - 1 - i] = (double)i / n;
		y[n - 1 - i] = i % 2;
	}
	assert_float_equal(metrics_auroc(c, y, n), 0.50001, 1e-12);
	free(c);
	free(y);
}

/* NaN scores must not upset the sort (they rank lowest); the answer is
 * then as if they were below everything: pos .9 and NaN, neg .5 ->
 * (.9 > .5) 1 + (NaN < .5) 0 over 2 pairs = 0.5. */
static void
test_auroc_nan(void **state)
{
	double	c[3] = { 0.9, NAN, 0.5 }, y[3] = { 1, 1, 0 };

	(void)state;
	assert_float_equal(metrics_auroc(c, y, 3), 0.5, 1e-12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wilson),
		cmocka_unit_test(test_wilson_bad),
		cmocka_unit_test(test_ece),
		cmocka_unit_test(test_ece_many_bins),
		cmocka_unit_test(test_ece_edges),
		cmocka_unit_test(test_ece_bad),
		cmocka_unit_test(test_brier),
		cmocka_unit_test(test_auroc_ties),
		cmocka_unit_test(test_auroc_extremes),
		cmocka_unit_test(test_auroc_fractional),
		cmocka_unit_test(test_auroc_large),
		cmocka_unit_test(test_auroc_nan),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
