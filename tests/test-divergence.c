/*
 * test-divergence.c: the divergence figures against hand computation on
 * models whose attention and feed-forward blocks are zero, so each
 * position's logits depend only on its own token and follow in closed form.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "divergence.h"
#include "testutil.h"

static void
test_first(void **state)
{
	int32_t	a[] = { 5, 6, 7, 8 }, b[] = { 5, 6, 9, 8 };

	assert_int_equal(div_first(a, 4, a, 4), -1);
	assert_int_equal(div_first(a, 4, b, 4), 2);
	assert_int_equal(div_first(a, 2, a, 4), 2);	/* shorter answer */
	assert_int_equal(div_first(a, 0, b, 0), -1);
}

/* p = softmax(0, ln 2) = (1/3, 2/3), q = uniform: KL = 1/3 ln(2/3) +
 * 2/3 ln(4/3) = 0.0566330; argmaxes 1 and 0 (ties go to the first). */
static void
test_kld(void **state)
{
	float	lp[2] = { 0.0f, logf(2.0f) }, lq[2] = { 0.0f, 0.0f };
	int	agree;

	assert_float_equal(div_kld(lp, lq, 2, &agree), 0.0566330, 1e-6);
	assert_false(agree);
	assert_float_equal(div_kld(lp, lp, 2, &agree), 0.0, 1e-9);
	assert_true(agree);
}

/* Token i embeds as the unit vector e_i, which RMSNorm turns into 2 e_i;
 * the reference's output rows pick x_i (logits 2 at the token's own
 * index), the variant's pick x_i / 2 (logits 1).  Prompt [0], answer
 * [1, 2]: both scored positions compare softmax(2,0,0) with
 * softmax(1,0,0), KL = 0.0988860, argmaxes agree, and the answer token
 * (a zero-logit one) gains ln q - ln p = ln(1/(e+2)) - ln(1/(e^2+2)) =
 * 0.6881001. */
static void
test_score(void **state)
{
	struct tu_tiny		ref, var;
	struct div_stats	st;
	int32_t			prompt[1] = { 0 }, answer[2] = { 1, 2 };

	tu_tiny_init(&ref);
	tu_tiny_init(&var);
	memset(ref.embd, 0, sizeof ref.embd);
	memset(var.embd, 0, sizeof var.embd);
	for (int i = 0; i < 3; i++) {
		ref.embd[i * 4 + i] = var.embd[i * 4 + i] = 1.0f;
		ref.out[i * 4 + i] = 1.0f;
		var.out[i * 4 + i] = 0.5f;
	}
	assert_int_equal(div_score(&ref.m, &var.m, prompt, 1, answer, 2, NULL,
	    &st, NULL), Q_OK);
	assert_int_equal(st.n, 2);
	assert_float_equal(st.kld, 0.0988860, 1e-4);
	assert_float_equal(st.top1, 1.0, 0.0);
	assert_float_equal(st.dlogprob, 0.6881001, 1e-4);
	/* a model against itself: nothing moves */
	assert_int_equal(div_score(&ref.m, &ref.m, prompt, 1, answer, 2, NULL,
	    &st, NULL), Q_OK);
	assert_float_equal(st.kld, 0.0, 1e-9);
	assert_float_equal(st.dlogprob, 0.0, 1e-9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_kld),
		cmocka_unit_test(test_score),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
