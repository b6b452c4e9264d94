/*
 * test-transformer.c: the forward pass on tiny hand-built models whose
 * logits were computed by hand (each step written out in the comments),
 * and RoPE's defining property on a longer run.  End-to-end agreement with
 * llama2.c is checked by tests/integration/run-golden.sh.
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

#include "model.h"
#include "testutil.h"
#include "transformer.h"

/* All blocks zero: logits = output . rmsnorm(e), e = (1 2 3 4),
 * rms = sqrt(30 / 4) = 2.738613, so logits for rows picking x0, x3 and
 * the sum are 1/2.738613, 4/2.738613, 10/2.738613. */
static void
test_zero_blocks(void **state)
{
	struct tu_tiny		 t;
	struct transformer	 tr;
	const float		*logits;

	tu_tiny_init(&t);
	t.out[0] = 1;			/* row 0 = x0 */
	t.out[4 + 3] = 1;		/* row 1 = x3 */
	for (int i = 0; i < 4; i++)
		t.out[8 + i] = 1;	/* row 2 = sum */
	assert_int_equal(transformer_init(&tr, &t.m, 4, NULL), Q_OK);
	logits = transformer_forward(&tr, 1, 0);
	assert_float_equal(logits[0], 0.3651481f, 1e-5);
	assert_float_equal(logits[1], 1.4605925f, 1e-5);
	assert_float_equal(logits[2], 3.6514813f, 1e-5);
	transformer_free(&tr);
}

/* Attention at position 0 attends only to itself, so each head outputs
 * v = Wv n with n = e / 2.738613.  Wv picks n0, n1; both query heads share
 * the kv head (GQA), so with Wo = I: x = e + (v0 v1 v0 v1)
 * = (1.365148 2.730297 3.365148 4.730297).  FFN: gate picks n'0, up n'1
 * of n' = rmsnorm(x), down adds silu(n'0) n'1 to x0.  Output rows x0, x1,
 * x3 of the final norm, worked out by hand: 0.476574 0.826680 1.432241. */
static void
test_attention_and_ffn(void **state)
{
	struct tu_tiny		 t;
	struct transformer	 tr;
	const float		*logits;

	tu_tiny_init(&t);
	for (int i = 0; i < 16; i++)
		t.wq[i] = (float)(i % 5) - 2.0f;	/* irrelevant at pos 0 */
	t.wk[1] = 3.0f;
	t.wv[0] = 1.0f;			/* v0 = n0 */
	t.wv[4 + 1] = 1.0f;		/* v1 = n1 */
	for (int i = 0; i < 4; i++)
		t.wo[i * 4 + i] = 1.0f;
	t.gate[0] = 1.0f;		/* hb0 = n'0 */
	t.up[1] = 1.0f;			/* hb2_0 = n'1 */
	t.down[0] = 1.0f;		/* x0 += silu(n'0) * n'1 */
	t.out[0] = 1.0f;
	t.out[4 + 1] = 1.0f;
	t.out[8 + 3] = 1.0f;
	assert_int_equal(transformer_init(&tr, &t.m, 4, NULL), Q_OK);
	logits = transformer_forward(&tr, 1, 0);
	assert_float_equal(logits[0], 0.4765740f, 1e-5);
	assert_float_equal(logits[1], 0.8266802f, 1e-5);
	assert_float_equal(logits[2], 1.4322410f, 1e-5);
	transformer_free(&tr);
}

/* RoPE makes attention depend on relative position only: with the same
 * token everywhere, the query at position p scores the key at p - d the
 * same for every p.  Scores show in the attention buffer. */
static void
test_rope_relative(void **state)
{
	struct tu_tiny		 t;
	struct transformer	 tr;
	float			 s[8][8];

	tu_tiny_init(&t);
	for (int i = 0; i < 16; i++)
		t.wq[i] = (float)((i * 7) % 5) - 2.0f;
	for (int i = 0; i < 8; i++)
		t.wk[i] = (float)((i * 3) % 4) - 1.5f;
	assert_int_equal(transformer_init(&tr, &t.m, 8, NULL), Q_OK);
	for (int p = 0; p < 8; p++) {
		transformer_forward(&tr, 1, p);
		/* undo the softmax: log-ratios against position 0 */
		for (int j = 0; j <= p; j++)
			s[p][j] = logf(tr.att[j] / tr.att[0]);
	}
	for (int p = 2; p < 8; p++)
		for (int d = 1; d < p; d++)
			/* s[p][p-d] - s[p][p] is the same for every p */
			assert_float_equal(s[p][p - d] - s[p][p],
			    s[d][0] - s[d][d], 1e-3);
	transformer_free(&tr);
}

/* Scores (log-ratios against position 0) of the query at position p in a
 * run of token 1 from position 0, on the tiny model with fixed Q/K. */
static void
rope_scores(struct tu_tiny *t, int p, float *s)
{
	struct transformer	tr;

	for (int i = 0; i < 16; i++)
		t->wq[i] = (float)((i * 7) % 5) - 2.0f;
	for (int i = 0; i < 8; i++)
		t->wk[i] = (float)((i * 3) % 4) - 1.5f;
	assert_int_equal(transformer_init(&tr, &t->m, p + 1, NULL), Q_OK);
	for (int q = 0; q <= p; q++)
		transformer_forward(&tr, 1, q);
	for (int j = 0; j <= p; j++)
		s[j] = logf(tr.att[j] / tr.att[0]);
	transformer_free(&tr);
}

/* rope_freqs.weight (Llama 3.1) divides each frequency: with a factor of
 * 2 a distance of 4 rotates like a distance of 2 without it. */
static void
test_rope_freq_factors(void **state)
{
	struct tu_tiny	t;
	float		plain[8], scaled[8], two = 2.0f;

	tu_tiny_init(&t);
	rope_scores(&t, 2, plain);
	t.m.rope_freqs = &two;
	rope_scores(&t, 4, scaled);
	assert_float_equal(scaled[0] - scaled[4], plain[0] - plain[2], 1e-4);
	assert_true(fabsf(plain[0] - plain[2]) > 1e-3);
}

static void
test_bad_context(void **state)
{
	struct tu_tiny		t;
	struct transformer	tr;
	struct qerr		err;

	tu_tiny_init(&t);
	assert_int_equal(transformer_init(&tr, &t.m, 0, &err), Q_EUSAGE);
	assert_int_equal(transformer_init(&tr, &t.m, 17, &err), Q_EUSAGE);
	assert_non_null(strstr(err.msg, "1..16"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_blocks),
		cmocka_unit_test(test_attention_and_ffn),
		cmocka_unit_test(test_rope_relative),
		cmocka_unit_test(test_rope_freq_factors),
		cmocka_unit_test(test_bad_context),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
