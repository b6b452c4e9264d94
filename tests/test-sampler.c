/*
 * test-sampler.c: checks the sampler against closed-form softmax values
 * (logits that are logs of small integers), hand-worked top-k / top-p cut
 * sets and coin positions, a slow full-sort reimplementation on a large
 * vocabulary, and the frequencies of real draws.
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

#include "sampler.h"
#include "testutil.h"

/* float logits and expf: closed-form values hold to about this much. */
#define TS_EPS		2e-6
/* Chi-square bound for 2 degrees of freedom: exceeded with p ~ 5e-5. */
#define TS_CHI2_MAX	20.0
#define TS_DRAWS	20000
#define TS_BIG		5000

static void
ts_init(struct sampler *s, int n, float temp, int top_k, float top_p,
    uint64_t seed)
{
	struct qerr	err;

	assert_int_equal(sampler_init(s, n, temp, top_k, top_p, seed, &err),
	    Q_OK);
}

/* Logits whose softmax is w[i] / sum(w). */
static void
ts_logw(float *logits, const double *w, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		logits[i] = (float)log(w[i]);
}

static void
test_info_closed_form(void **state)
{
	struct sampler		s;
	struct sample_info	info;
	const double		w[3] = { 1, 2, 3 };
	float			logits[3], copy[3];
	double			h;
	int			shift;

	(void)state;
	/* p = 1/6, 1/3, 1/2; H = ln6/6 + ln3/3 + ln2/2. */
	h = log(6.0) / 6 + log(3.0) / 3 + log(2.0) / 2;
	for (shift = 0; shift < 3; shift++) {
		ts_logw(logits, w, 3);
		/* Softmax ignores a common offset; large ones must not
		 * overflow. */
		logits[0] += shift * 500.0f;
		logits[1] += shift * 500.0f;
		logits[2] += shift * 500.0f;
		memcpy(copy, logits, sizeof copy);
		ts_init(&s, 3, 0.0f, 0, 1.0f, 1);
		assert_int_equal(sampler_pick(&s, logits, 0.5f, &info), 2);
		assert_memory_equal(logits, copy, sizeof copy);
		assert_int_equal(info.id, 2);
		/* At 500 and 1000 the float logits lose the low bits. */
		assert_float_equal(info.logprob, log(0.5),
		    shift ? 3e-4 : TS_EPS);
		assert_float_equal(info.entropy, h, shift ? 3e-4 : TS_EPS);
		assert_int_equal(info.top_id[0], 2);
		assert_int_equal(info.top_id[1], 1);
		assert_int_equal(info.top_id[2], 0);
		assert_int_equal(info.top_id[3], -1);
		assert_int_equal(info.top_id[4], -1);
		assert_float_equal(info.top_p[0], 0.5, shift ? 3e-4 : TS_EPS);
		assert_float_equal(info.top_p[1], 1.0 / 3,
		    shift ? 3e-4 : TS_EPS);
		assert_float_equal(info.top_p[2], 1.0 / 6,
		    shift ? 3e-4 : TS_EPS);
		assert_true(info.top_p[3] == 0.0f);
		sampler_free(&s);
	}
}

/* Confidence comes from the plain softmax whatever the settings, and
 * describes the token actually chosen. */
static void
test_info_settings(void **state)
{
	struct sampler		s;
	struct sample_info	info;
	const double		w[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	float			logits[8];
	double			h;
	int			i;

	(void)state;
	ts_logw(logits, w, 8);
	h = 0.0;
	for (i = 0; i < 8; i++)
		h -= w[i] / 36 * log(w[i] / 36);
	/* top_k 2 keeps ids 7 and 6, at temperature 0.3 about 0.61 and
	 * 0.39, so top_p 0.9 keeps both; the coin picks 6. */
	ts_init(&s, 8, 0.3f, 2, 0.9f, 1);
	assert_int_equal(sampler_pick(&s, logits, 0.99f, &info), 6);
	assert_float_equal(info.logprob, log(7.0 / 36), TS_EPS);
	assert_float_equal(info.entropy, h, TS_EPS);
	for (i = 0; i < 5; i++) {
		assert_int_equal(info.top_id[i], 7 - i);
		assert_float_equal(info.top_p[i], (8 - i) / 36.0, TS_EPS);
	}
	sampler_free(&s);

	/* A point mass: entropy 0, logprob 0; an impossible token. */
	logits[0] = 0.0f;
	logits[1] = -INFINITY;
	logits[2] = -INFINITY;
	ts_init(&s, 3, 0.0f, 0, 1.0f, 1);
	assert_int_equal(sampler_pick(&s, logits, 0.0f, &info), 0);
	assert_true(info.entropy == 0.0f);
	assert_true(info.logprob == 0.0f);
	assert_true(info.top_p[0] == 1.0f);
	assert_true(info.top_p[1] == 0.0f);
	assert_int_equal(info.top_id[1], 1);
	sampler_free(&s);

	/* Uniform over 4: H = ln 4, logprob = -ln 4. */
	memset(logits, 0, sizeof logits);
	ts_init(&s, 4, 1.0f, 0, 1.0f, 1);
	assert_int_equal(sampler_pick(&s, logits, 0.6f, &info), 2);
	assert_float_equal(info.entropy, log(4.0), TS_EPS);
	assert_float_equal(info.logprob, -log(4.0), TS_EPS);
	assert_int_equal(info.top_id[0], 0);
	assert_int_equal(info.top_id[3], 3);
	sampler_free(&s);
}

static void
test_greedy(void **state)
{
	struct sampler	s;
	float		a[4] = { 1, 3, 3, 2 }, b[4] = { 7, 7, 7, 7 };
	float		c[3] = { NAN, 1, 0 };
	float		d[3] = { -INFINITY, -INFINITY, -INFINITY };

	(void)state;
	ts_init(&s, 4, 0.0f, 0, 1.0f, 1);
	assert_int_equal(sampler_pick(&s, a, 0.99f, NULL), 1);
	assert_int_equal(sampler_pick(&s, b, 0.99f, NULL), 0);
	assert_int_equal(sampler_sample(&s, a, NULL), 1);
	sampler_free(&s);
	ts_init(&s, 3, 0.0f, 0, 1.0f, 1);
	assert_int_equal(sampler_pick(&s, c, 0.5f, NULL), 1);
	assert_int_equal(sampler_pick(&s, d, 0.5f, NULL), 0);
	sampler_free(&s);
}

static int
ts_argmax(const float *x, int n)
{
	int	i, best;

	best = 0;
	for (i = 1; i < n; i++) {
		if (x[i] > x[best])
			best = i;
	}
	return (best);
}

/* top_k 1 is greedy for any temperature and coin, ties included. */
static void
test_top_k_1(void **state)
{
	struct sampler	s;
	float		logits[100];
	const float	temps[3] = { 0.2f, 1.0f, 5.0f };
	const float	coins[4] = { 0.0f, 0.3f, 0.5f, 0.99999994f };
	int		t, c, i, round;

	(void)state;
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 100; i++)
			logits[i] = (float)((i * 37 + round * 11) % 23);
		for (t = 0; t < 3; t++) {
			ts_init(&s, 100, temps[t], 1, round % 2 ? 0.5f : 1.0f,
			    1);
			for (c = 0; c < 4; c++)
				assert_int_equal(sampler_pick(&s, logits,
				    coins[c], NULL), ts_argmax(logits, 100));
			sampler_free(&s);
		}
	}
}

/* p = 0.1, 0.2, 0.3, 0.4 for ids 0..3, most probable first: 3, 2, 1, 0. */
static void
test_top_p(void **state)
{
	struct sampler	s;
	const double	w[4] = { 1, 2, 3, 4 };
	float		logits[4], u[10];
	int		i;

	(void)state;
	ts_logw(logits, w, 4);

	/* 0.35: 0.4 alone is enough. */
	ts_init(&s, 4, 1.0f, 0, 0.35f, 1);
	assert_int_equal(sampler_pick(&s, logits, 0.0f, NULL), 3);
	assert_int_equal(sampler_pick(&s, logits, 0.999f, NULL), 3);
	sampler_free(&s);

	/* 0.45: {3, 2}, renormalised 4/7 and 3/7. */
	ts_init(&s, 4, 1.0f, 0, 0.45f, 1);
	assert_int_equal(sampler_pick(&s, logits, 0.57f, NULL), 3);
	assert_int_equal(sampler_pick(&s, logits, 0.575f, NULL), 2);
	assert_int_equal(sampler_pick(&s, logits, 0.999f, NULL), 2);
	sampler_free(&s);

	/* 0.75: 0.4 + 0.3 = 0.7 is short; {3, 2, 1} as 4/9, 3/9, 2/9. */
	ts_init(&s, 4, 1.0f, 0, 0.75f, 1);
	assert_int_equal(sampler_pick(&s, logits, 0.44f, NULL), 3);
	assert_int_equal(sampler_pick(&s, logits, 0.45f, NULL), 2);
	assert_int_equal(sampler_pick(&s, logits, 0.77f, NULL), 2);
	assert_int_equal(sampler_pick(&s, logits, 0.78f, NULL), 1);
	assert_int_equal(sampler_pick(&s, logits, 0.99999994f, NULL), 1);
	sampler_free(&s);

	/* top_k 3 then top_p 0.5 of the renormalised three: 4/9 < 0.5, so
	 * {3, 2} as 4/7, 3/7. */
	ts_init(&s, 4, 1.0f, 3, 0.5f, 1);
	assert_int_equal(sampler_pick(&s, logits, 0.57f, NULL), 3);
	assert_int_equal(sampler_pick(&s, logits, 0.575f, NULL), 2);
	assert_int_equal(sampler_pick(&s, logits, 0.999f, NULL), 2);
	sampler_free(&s);

	/* Ties sort by id: uniform over 10 with 0.25 keeps {0, 1, 2}. */
	memset(u, 0, sizeof u);
	ts_init(&s, 10, 1.0f, 0, 0.25f, 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sampler_pick(&s, u, (i + 0.5f) / 3.0f, NULL),
		    i);
	}
	assert_int_equal(sampler_pick(&s, u, 0.99999994f, NULL), 2);
	sampler_free(&s);

	/* Where every token is below the (1 - top_p)/(n - 1) shortcut. */
	ts_init(&s, 2, 1.0f, 0, 0.1f, 1);
	assert_int_equal(sampler_pick(&s, u, 0.99f, NULL), 0);
	sampler_free(&s);

	/* top_k with ties at the edge keeps the lower ids. */
	u[0] = 1;
	u[1] = u[2] = u[3] = 5;
	ts_init(&s, 4, 1.0f, 2, 1.0f, 1);
	assert_int_equal(sampler_pick(&s, u, 0.0f, NULL), 1);
	assert_int_equal(sampler_pick(&s, u, 0.99f, NULL), 2);
	sampler_free(&s);
}

/* Finds the coin where the pick turns from token first to the other. */
static double
ts_boundary(struct sampler *s, const float *logits, int first)
{
	double	lo, hi, mid;
	int	i;

	lo = 0.0;
	hi = 1.0;
	for (i = 0; i < 40; i++) {
		mid = (lo + hi) / 2;
		if (sampler_pick(s, logits, (float)mid, NULL) == first)
			lo = mid;
		else
			hi = mid;
	}
	return (lo);
}

/* logits {0, ln 3}: p0 = 1/(1 + 3^(1/T)).  Without cuts the draw walks
 * ids in order; with them, most probable first. */
static void
test_temperature(void **state)
{
	struct sampler	s;
	float		logits[3] = { 0.0f, (float)log(3.0), -INFINITY };

	(void)state;
	ts_init(&s, 3, 1.0f, 0, 1.0f, 1);
	assert_float_equal(ts_boundary(&s, logits, 0), 0.25, TS_EPS);
	sampler_free(&s);
	ts_init(&s, 3, 2.0f, 0, 1.0f, 1);
	assert_float_equal(ts_boundary(&s, logits, 0), 1 / (1 + sqrt(3.0)),
	    TS_EPS);
	sampler_free(&s);
	ts_init(&s, 3, 0.5f, 0, 1.0f, 1);
	assert_float_equal(ts_boundary(&s, logits, 0), 0.1, TS_EPS);
	sampler_free(&s);
	/* Same through the candidate paths; the impossible third token
	 * makes top_k 2 a real cut. */
	ts_init(&s, 3, 0.5f, 2, 1.0f, 1);
	assert_float_equal(ts_boundary(&s, logits, 1), 0.9, TS_EPS);
	sampler_free(&s);
	ts_init(&s, 3, 0.5f, 0, 0.999f, 1);
	assert_float_equal(ts_boundary(&s, logits, 1), 0.9, TS_EPS);
	sampler_free(&s);
}

static void
test_seeds(void **state)
{
	struct sampler	a, b, z;
	const double	w[3] = { 1, 1, 1 };
	float		logits[3], ca, cb;
	int		i, diff, same_id;

	(void)state;
	ts_logw(logits, w, 3);
	ts_init(&a, 3, 1.0f, 0, 1.0f, 42);
	ts_init(&b, 3, 1.0f, 0, 1.0f, 42);
	ts_init(&z, 3, 1.0f, 0, 1.0f, 0);
	assert_true(z.rng != 0);
	diff = 0;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(sampler_sample(&a, logits, NULL),
		    sampler_sample(&b, logits, NULL));
		ca = sampler_coin(&a);
		cb = sampler_coin(&b);
		assert_true(ca == cb);
		assert_true(ca >= 0.0f && ca < 1.0f);
		if (sampler_coin(&z) != ca)
			diff++;
	}
	assert_true(diff > 990);
	sampler_free(&b);

	/* Another seed gives another sequence. */
	ts_init(&b, 3, 1.0f, 0, 1.0f, 43);
	same_id = 0;
	for (i = 0; i < 1000; i++) {
		if (sampler_sample(&a, logits, NULL) ==
		    sampler_sample(&b, logits, NULL))
			same_id++;
	}
	assert_true(same_id < 500);
	sampler_free(&a);
	sampler_free(&b);
	sampler_free(&z);
}

/* Draws from p = 0.2, 0.3, 0.5 through each path. */
static void
test_frequencies(void **state)
{
	struct sampler	s;
	const double	w[3] = { 0.2, 0.3, 0.5 };
	const int	top_k[3] = { 0, 3, 0 };
	const float	top_p[3] = { 1.0f, 1.0f, 0.99f };
	float		logits[3];
	double		chi2, e;
	int		count[3], i, path;

	(void)state;
	ts_logw(logits, w, 3);
	for (path = 0; path < 3; path++) {
		ts_init(&s, 3, 1.0f, top_k[path], top_p[path], 7 + path);
		memset(count, 0, sizeof count);
		for (i = 0; i < TS_DRAWS; i++)
			count[sampler_sample(&s, logits, NULL)]++;
		chi2 = 0.0;
		for (i = 0; i < 3; i++) {
			e = TS_DRAWS * w[i];
			chi2 += (count[i] - e) * (count[i] - e) / e;
		}
		if (chi2 > TS_CHI2_MAX)
			fail_msg("path %d: counts %d %d %d, chi2 %g", path,
			    count[0], count[1], count[2], chi2);
		sampler_free(&s);
	}
}

/* A slow second implementation: full softmax in double, full sort, cut,
 * walk (in id order when nothing is cut, as the sampler does).  Equal
 * logits sort by id, as the sampler's do. */
struct ts_ref {
	int	id;
	double	p;
};

static int
ts_ref_cmp(const void *va, const void *vb)
{
	const struct ts_ref	*a = va, *b = vb;

	if (a->p != b->p)
		return (a->p > b->p ? -1 : 1);
	return (a->id - b->id);
}

static int
ts_ref_pick(const float *logits, int n, double temp, int top_k,
    double top_p, double coin)
{
	struct ts_ref	*r;
	double		 m, z, cum;
	int		 i, nc, id;

	r = calloc((size_t)n, sizeof *r);
	assert_non_null(r);
	m = logits[0];
	for (i = 1; i < n; i++)
		m = fmax(m, logits[i]);
	for (i = 0; i < n; i++) {
		r[i].id = i;
		r[i].p = exp((logits[i] - m) / temp);
	}
	if ((top_k > 0 && top_k < n) || top_p < 1.0)
		qsort(r, (size_t)n, sizeof *r, ts_ref_cmp);
	nc = top_k > 0 && top_k < n ? top_k : n;
	z = 0.0;
	for (i = 0; i < nc; i++)
		z += r[i].p;
	if (top_p < 1.0) {
		cum = 0.0;
		for (i = 0; i < nc; i++) {
			cum += r[i].p / z;
			if (cum >= top_p)
				break;
		}
		nc = i + 1;
		z = 0.0;
		for (i = 0; i < nc; i++)
			z += r[i].p;
	}
	cum = 0.0;
	id = r[nc - 1].id;
	for (i = 0; i < nc; i++) {
		cum += r[i].p / z;
		if (coin < cum) {
			id = r[i].id;
			break;
		}
	}
	free(r);
	return (id);
}

static void
test_big_vocab(void **state)
{
	static float	logits[TS_BIG];
	struct sampler	s;
	const float	temps[3] = { 0.8f, 1.0f, 1.5f };
	const int	ks[4] = { 0, 40, 0, 1000 };
	const float	ps[4] = { 0.9f, 1.0f, 1.0f, 0.6f };
	uint64_t	x;
	float		coin;
	int		t, c, i, got, want, mismatch;

	(void)state;
	/* Distinct, spread logits with a heavy head, like a real model. */
	x = 12345;
	for (i = 0; i < TS_BIG; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		logits[i] = (float)((x >> 40) % 1000000) / 1e5f +
		    (i % 97 == 0 ? 8.0f : 0.0f);
	}
	for (t = 0; t < 3; t++) {
		for (c = 0; c < 4; c++) {
			ts_init(&s, TS_BIG, temps[t], ks[c], ps[c], 1);
			mismatch = 0;
			for (i = 0; i < 200; i++) {
				coin = sampler_coin(&s);
				got = sampler_pick(&s, logits, coin, NULL);
				want = ts_ref_pick(logits, TS_BIG, temps[t],
				    ks[c], ps[c], coin);
				if (got != want)
					mismatch++;
			}
			/* float vs double sums may disagree only for a
			 * coin within ~1e-6 of a boundary. */
			if (mismatch > 1)
				fail_msg("temp %g k %d p %g: %d mismatches",
				    temps[t], ks[c], ps[c], mismatch);
			sampler_free(&s);
		}
	}
}

static void
test_init_errors(void **state)
{
	struct sampler	s;
	struct qerr	err;

	(void)state;
	assert_int_equal(sampler_init(&s, 10, -1.0f, 0, 1.0f, 1, &err),
	    Q_EUSAGE);
	assert_string_equal(err.msg, "--temp: must be >= 0 (got -1)");
	sampler_free(&s);
	assert_int_equal(sampler_init(&s, 10, 1.0f, 0, 0.0f, 1, &err),
	    Q_EUSAGE);
	assert_string_equal(err.msg, "--top-p: must be in (0, 1] (got 0)");
	assert_int_equal(sampler_init(&s, 10, 1.0f, 0, 1.5f, 1, &err),
	    Q_EUSAGE);
	assert_string_equal(err.msg, "--top-p: must be in (0, 1] (got 1.5)");
	assert_int_equal(sampler_init(&s, 10, 1.0f, -3, 1.0f, 1, &err),
	    Q_EUSAGE);
	assert_string_equal(err.msg, "--top-k: must be >= 0 (got -3)");
	assert_int_equal(sampler_init(&s, 10, NAN, 0, 1.0f, 1, &err),
	    Q_EUSAGE);
	assert_int_equal(sampler_init(&s, 10, INFINITY, 0, 1.0f, 1, &err),
	    Q_EUSAGE);
	assert_int_equal(sampler_init(&s, 10, 1.0f, 0, NAN, 1, &err),
	    Q_EUSAGE);
	assert_int_equal(sampler_init(&s, 0, 1.0f, 0, 1.0f, 1, &err),
	    Q_EUSAGE);
	assert_null(s.cand);
	sampler_free(&s);
	/* The edges of the valid ranges, and a NULL err. */
	assert_int_equal(sampler_init(&s, 10, 0.0f, 0, 1.0f, 0, NULL), Q_OK);
	sampler_free(&s);
	assert_int_equal(sampler_init(&s, 1, 1.0f, 5, 1e-6f, 0, NULL), Q_OK);
	assert_int_equal(sampler_sample(&s, (float[]){ 3.0f }, NULL), 0);
	sampler_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_closed_form),
		cmocka_unit_test(test_info_settings),
		cmocka_unit_test(test_greedy),
		cmocka_unit_test(test_top_k_1),
		cmocka_unit_test(test_top_p),
		cmocka_unit_test(test_temperature),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_frequencies),
		cmocka_unit_test(test_big_vocab),
		cmocka_unit_test(test_init_errors),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
