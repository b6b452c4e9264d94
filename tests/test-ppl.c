/*
 * test-ppl.c: the chunk plan and quantiles against hand values, and the
 * perplexity of stories260K on a short story against a plain loop written
 * here (transformer_forward and a log-softmax, nothing of ppl.c), both
 * through ppl_run and through the qcmp binary's --json output.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ppl.h"
#include "tokenizer.h"
#include "transformer.h"
#include "testutil.h"

#define STORY_CTX	64

static const char story[] =
"Once upon a time, there was a little boy named Ben. Ben had a small red car. "
"He liked to push the car on the floor and make it go fast. One day, the car "
"went under the bed. Ben was sad. He could not see his car.\n"
"His mom came into the room. \"Why are you sad, Ben?\" she asked. Ben said, "
"\"My car is under the bed, and it is dark.\" Mom smiled. She got a light and "
"they looked under the bed together. They saw the red car and a big teddy "
"bear too!\n"
"Ben was so happy. He hugged his mom and said, \"Thank you, Mom!\" Then he "
"gave the teddy bear to his little sister, Sue. Sue laughed and played with "
"the bear all day. Ben played with his car, and they had a fun day at home. "
"At night, Ben put his car in a box so it would not get lost again. Mom "
"read them a story about a brave cat, and they went to sleep.\n";

/* 505 tokens in chunks of 128: 3 whole chunks, positions 64..126 scored
 * (63 a chunk); a shorter text is one chunk of its own length; ctx 2
 * scores position 0 and ctx 3 position 1. */
static void
test_plan(void **state)
{
	struct ppl_plan	p;

	assert_int_equal(ppl_plan(505, 128, &p, NULL), Q_OK);
	assert_int_equal(p.ctx, 128);
	assert_int_equal(p.n_chunks, 3);
	assert_int_equal(p.first, 64);
	assert_int_equal(p.per_chunk, 63);
	assert_int_equal(ppl_plan(100, 512, &p, NULL), Q_OK);
	assert_int_equal(p.ctx, 100);
	assert_int_equal(p.n_chunks, 1);
	assert_int_equal(p.first, 50);
	assert_int_equal(p.per_chunk, 49);
	assert_int_equal(ppl_plan(2, 2, &p, NULL), Q_OK);
	assert_int_equal(p.first, 0);
	assert_int_equal(p.per_chunk, 1);
	assert_int_equal(ppl_plan(7, 3, &p, NULL), Q_OK);
	assert_int_equal(p.n_chunks, 2);
	assert_int_equal(p.first, 1);
	assert_int_equal(p.per_chunk, 1);
	assert_int_equal(ppl_plan(1, 512, &p, NULL), Q_EUSAGE);
	assert_int_equal(ppl_plan(0, 512, &p, NULL), Q_EUSAGE);
	assert_int_equal(ppl_plan(100, 1, &p, NULL), Q_EUSAGE);
}

/* Ranks 0..4 hold 1..5: q 0.1 is rank 0.4, 1.4; q 0.99 rank 3.96, 4.96. */
static void
test_quantile(void **state)
{
	double	s[5] = { 1, 2, 3, 4, 5 }, one = 7.0;

	assert_float_equal(ppl_quantile(s, 5, 0.5), 3.0, 1e-12);
	assert_float_equal(ppl_quantile(s, 5, 0.0), 1.0, 1e-12);
	assert_float_equal(ppl_quantile(s, 5, 1.0), 5.0, 1e-12);
	assert_float_equal(ppl_quantile(s, 5, 0.1), 1.4, 1e-12);
	assert_float_equal(ppl_quantile(s, 5, 0.99), 4.96, 1e-12);
	assert_float_equal(ppl_quantile(&one, 1, 0.01), 7.0, 1e-12);
	assert_true(isnan(ppl_quantile(s, 0, 0.5)));
}

/* Perplexity the plain way: each chunk of STORY_CTX tokens starts again at
 * position 0 with BOS in place of its first token; the logits at
 * positions STORY_CTX/2 .. STORY_CTX-2 are scored on the next token. */
static double
plain_ppl(const struct model *m, const int32_t *ids, size_t n)
{
	struct transformer	 t;
	double			 nll = 0.0;
	long			 count = 0;

	assert_int_equal(transformer_init(&t, m, STORY_CTX, NULL), Q_OK);
	for (size_t c = 0; (c + 1) * STORY_CTX <= n; c++)
		for (int pos = 0; pos < STORY_CTX - 1; pos++) {
			const int32_t	*chunk = ids + c * STORY_CTX;
			const float	*l = transformer_forward(&t, pos == 0 ?
					    m->vocab->bos : chunk[pos], pos);
			double		 max = -INFINITY, sum = 0.0;

			if (pos < STORY_CTX / 2)
				continue;
			for (int i = 0; i < m->cfg.n_vocab; i++)
				max = fmax(max, l[i]);
			for (int i = 0; i < m->cfg.n_vocab; i++)
				sum += exp(l[i] - max);
			nll -= l[chunk[pos + 1]] - max - log(sum);
			count++;
		}
	transformer_free(&t);
	assert_true(count == (long)(n / STORY_CTX) * (STORY_CTX / 2 - 1));
	return (exp(nll / count));
}

static void
test_stories(void **state)
{
	const char		*path = tu_shared_or_skip("models/stories260K.gguf");
	const char		*bin = getenv("QCMP_BIN");
	struct model		*m, *v[2];
	struct ppl_plan		 plan;
	struct ppl_result	 r[2];
	struct qerr		 err;
	int32_t			*ids;
	size_t			 n;
	double			 want, got;
	char			 cmd[4096], line[4096], *tmp, *p;
	FILE			*f;

	assert_int_equal(model_load(path, NULL, &m, &err), Q_OK);
	assert_true(m->vocab->bos >= 0);
	assert_int_equal(tok_encode(m->vocab, story, strlen(story), 1, 0, &ids,
	    &n, &err), Q_OK);
	assert_true(n >= 3 * STORY_CTX);	/* a few chunks */
	want = plain_ppl(m, ids, n);
	assert_true(want > 1.0 && want < 50.0);

	/* the library, alone and against itself on two threads */
	assert_int_equal(ppl_plan(n, STORY_CTX, &plan, &err), Q_OK);
	v[0] = v[1] = m;
	assert_int_equal(ppl_run(v, 1, ids, &plan, 1, NULL, NULL, r, &err),
	    Q_OK);
	assert_float_equal(r[0].ppl / want, 1.0, 1e-4);
	assert_int_equal(ppl_run(v, 2, ids, &plan, 2, NULL, NULL, r, &err),
	    Q_OK);
	assert_float_equal(r[1].ppl / want, 1.0, 1e-4);
	assert_float_equal(r[1].kld, 0.0, 1e-12);
	assert_float_equal(r[1].top1, 1.0, 0.0);
	assert_float_equal(r[1].dp_p1, 0.0, 0.0);
	assert_float_equal(r[1].dp_p99, 0.0, 0.0);

	/* the binary's figure */
	if (bin == NULL) {
		fprintf(stderr, "QCMP_BIN is not set: the binary is not run\n");
	} else {
		tmp = tu_write_temp(story, strlen(story));
		snprintf(cmd, sizeof cmd, "'%s' ppl -q --json -m '%s' -f '%s' "
		    "--ctx %d --variants f32", bin, path, tmp, STORY_CTX);
		assert_non_null(f = popen(cmd, "r"));
		assert_non_null(fgets(line, sizeof line, f));
		assert_int_equal(pclose(f), 0);
		assert_non_null(p = strstr(line, "\"ppl\":"));
		got = strtod(p + 6, NULL);
		assert_float_equal(got / want, 1.0, 1e-4);
		remove(tmp);
		free(tmp);
	}
	free(ids);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_stories),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
