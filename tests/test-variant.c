/*
 * test-variant.c: precision variants of the real stories260K model, built
 * in memory through the kernel table and run through the SIMD kernels.
 * Teacher-forced on llama2.c's greedy text, each variant's next-token
 * distribution is compared with the f32 master's: q8_0 must stay very
 * close, ternary must drift much further, and every variant must still be
 * a working model (its argmax mostly agrees with the master's).  A prompt
 * run in batches must give what running it a token at a time gives.
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

#include "kern.h"
#include "kpool.h"
#include "model.h"
#include "testutil.h"
#include "tokenizer.h"
#include "transformer.h"
#include "variant.h"

#define TEXT "Once upon a time, there was a little girl named Lily. She " \
	"loved to play outside in the park. One day, she saw a big, red ball."

static struct model	*master;

static int
setup(void **state)
{
	struct qerr	 err;
	const char	*p = tu_shared_or_skip("models/stories260K.gguf");

	if (kern_init(&err) != Q_OK || model_load(p, NULL, &master, &err) !=
	    Q_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	model_free(master);
	return (0);
}

static void
softmax(const float *l, double *p, int n)
{
	double	max = l[0], sum = 0.0;

	for (int i = 1; i < n; i++)
		if (l[i] > max)
			max = l[i];
	for (int i = 0; i < n; i++)
		sum += (p[i] = exp(l[i] - max));
	for (int i = 0; i < n; i++)
		p[i] /= sum;
}

/* Mean KL(master || variant) and top-1 agreement over the text. */
static void
compare(const struct model *v, double *kld, double *agree)
{
	struct transformer	 tm, tv;
	struct qerr		 err;
	int32_t			*ids;
	size_t			 n;
	int			 V = master->cfg.n_vocab, same = 0;
	double			*p = malloc(V * sizeof(double));
	double			*q = malloc(V * sizeof(double));

	assert_int_equal(tok_encode(master->vocab, TEXT, strlen(TEXT), 1, 0,
	    &ids, &n, &err), Q_OK);
	assert_int_equal(transformer_init(&tm, master, (int)n, &err), Q_OK);
	assert_int_equal(transformer_init(&tv, v, (int)n, &err), Q_OK);
	*kld = 0.0;
	for (size_t i = 0; i < n; i++) {
		const float *lm = transformer_forward(&tm, ids[i], (int)i);
		const float *lv = transformer_forward(&tv, ids[i], (int)i);
		int am = 0, av = 0;

		softmax(lm, p, V);
		softmax(lv, q, V);
		for (int k = 0; k < V; k++) {
			if (p[k] > 0)
				*kld += p[k] * log(p[k] / fmax(q[k], 1e-300));
			if (p[k] > p[am])
				am = k;
			if (q[k] > q[av])
				av = k;
		}
		same += am == av;
	}
	*kld /= n;
	*agree = (double)same / n;
	transformer_free(&tm);
	transformer_free(&tv);
	free(ids);
	free(p);
	free(q);
}

static void
test_variants_track_master(void **state)
{
	static const enum kfmt fmts[] = { KFMT_F16, KFMT_Q8_0, KFMT_Q4_0,
	    KFMT_TQ2_0, KFMT_T2, KFMT_T2M };
	double		kld[6], agree[6];
	struct qerr	err;

	for (size_t i = 0; i < 6; i++) {
		struct model *v;

		assert_int_equal(variant_build(master, fmts[i], &v, &err),
		    Q_OK);
		compare(v, &kld[i], &agree[i]);
		printf("# %-6s KLD %.5f  top-1 agreement %.3f  %llu bytes\n",
		    kern_get(fmts[i])->name, kld[i], agree[i],
		    (unsigned long long)variant_bytes(v));
		model_free(v);
	}
	assert_true(kld[0] < 1e-4);		/* f16: rounding only */
	assert_true(agree[0] > 0.99);
	assert_true(kld[1] < 0.01);		/* q8_0: near lossless */
	assert_true(agree[1] > 0.9);
	assert_true(kld[2] > kld[1]);		/* q4_0 loses more */
	for (int i = 3; i < 6; i++)		/* ternary: far more */
		assert_true(kld[i] > 10 * kld[1]);
}

/* Logits after n tokens and one more, the first k run one at a time and
 * the rest as a prompt (k == n: all one at a time), into out[2][V]. */
static void
run_split(const struct model *v, struct kpool *pool, const int32_t *ids,
    int n, int k, float *out)
{
	struct transformer	 t;
	struct qerr		 err;
	const float		*lg = NULL;
	int			 V = v->cfg.n_vocab;

	assert_int_equal(transformer_init(&t, v, n + 1, &err), Q_OK);
	transformer_set_pool(&t, pool);
	for (int i = 0; i < k; i++)
		lg = transformer_forward(&t, ids[i], i);
	if (k < n)
		lg = transformer_prefill(&t, ids + k, n - k, k);
	memcpy(out, lg, V * sizeof(float));
	/* the next token reads the cache the prompt wrote */
	lg = transformer_forward(&t, ids[n], n);
	memcpy(out + V, lg, V * sizeof(float));
	transformer_free(&t);
}

/* transformer_prefill_all, a batch at a time, gives at every position
 * the logits transformer_forward gives there. */
static void
check_all_logits(const struct model *v, int f32, const int32_t *ids, int n)
{
	struct transformer	 tf, tb;
	struct qerr		 err;
	int			 V = v->cfg.n_vocab;

	assert_int_equal(transformer_init(&tf, v, n, &err), Q_OK);
	assert_int_equal(transformer_init(&tb, v, n, &err), Q_OK);
	assert_int_equal(transformer_keep_logits(&tb, &err), Q_OK);
	for (int p0 = 0; p0 < n; p0 += TRANSFORMER_BATCH) {
		int		 k = n - p0 < TRANSFORMER_BATCH ? n - p0 :
				    TRANSFORMER_BATCH;
		const float	*all = transformer_prefill_all(&tb, ids + p0, k,
				    p0);

		for (int j = 0; j < k; j++) {
			const float *one = transformer_forward(&tf, ids[p0 + j],
			    p0 + j);

			for (int i = 0; i < V; i++)
				if (f32 ? fabsf(all[j * V + i] - one[i]) >
				    1e-4f * (1.0f + fabsf(one[i])) :
				    all[j * V + i] != one[i])
					fail_msg("%s: position %d logit %d: "
					    "batch %.9g, alone %.9g",
					    variant_name(v), p0 + j, i,
					    all[j * V + i], one[i]);
		}
	}
	transformer_free(&tf);
	transformer_free(&tb);
}

/* A prompt run in batches (crossing TRANSFORMER_BATCH, after a few tokens
 * run singly, on one thread and on two, and with every position's logits)
 * gives the logits and cache that running it a token at a time does: bit for bit for the kernel table's
 * formats, to sgemm's rounding for f32. */
static void
test_prefill_matches_forward(void **state)
{
	static const enum kfmt fmts[] = { KFMT_F32, KFMT_F16, KFMT_Q8_0,
	    KFMT_Q4_0, KFMT_TQ1_0, KFMT_TQ2_0, KFMT_T2M };
	struct kpool	*pool;
	struct qerr	 err;
	int32_t		*ids;
	size_t		 n;
	int		 V = master->cfg.n_vocab;
	float		*want = malloc(2 * V * sizeof(float));
	float		*got = malloc(2 * V * sizeof(float));

	assert_int_equal(tok_encode(master->vocab, TEXT " " TEXT,
	    strlen(TEXT " " TEXT), 1, 0, &ids, &n, &err), Q_OK);
	assert_true(n > 2 * TRANSFORMER_BATCH + 6);
	n = 2 * TRANSFORMER_BATCH + 5;
	assert_int_equal(kpool_new(2, &pool, &err), Q_OK);
	for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
		struct model	*v = (struct model *)master;

		if (fmts[f] != KFMT_F32)
			assert_int_equal(variant_build(master, fmts[f], &v,
			    &err), Q_OK);
		run_split(v, NULL, ids, (int)n, (int)n, want);
		for (int k = 0; k <= 3; k += 3)
			for (int threads = 1; threads <= 2; threads++) {
				run_split(v, threads == 2 ? pool : NULL, ids,
				    (int)n, k, got);
				for (int i = 0; i < 2 * V; i++) {
					if (fmts[f] != KFMT_F32 ?
					    got[i] == want[i] :
					    fabsf(got[i] - want[i]) <= 1e-4f *
					    (1.0f + fabsf(want[i])))
						continue;
					fail_msg("%s, prompt from %d, %d "
					    "threads: logit %d is %.9g, not "
					    "%.9g", kern_get(fmts[f])->name, k,
					    threads, i % V, got[i], want[i]);
				}
			}
		check_all_logits(v, fmts[f] == KFMT_F32, ids, (int)n);
		if (v != master)
			model_free(v);
	}
	kpool_free(pool);
	free(ids);
	free(want);
	free(got);
}

/* Bytes by hand: stories260K has dim 64, hidden 172, 5 layers, 8 heads of
 * 8 with 4 kv heads, 512 tokens, an untied output.  In q8_0 (34 bytes per
 * 32 weights) rows of 64 take 68 bytes, rows of 172 pad to 192: 204. */
static void
test_bytes_and_padding(void **state)
{
	struct model	*v;
	struct qerr	 err;
	uint64_t	 per_layer, want;

	assert_int_equal(variant_build(master, KFMT_Q8_0, &v, &err), Q_OK);
	per_layer = 64 * 68 + 32 * 68 + 32 * 68 + 64 * 68 +	/* q k v o */
	    172 * 68 + 172 * 68 +				/* gate up */
	    64 * 204;						/* down */
	want = 5 * per_layer + 2 * 512 * 68;			/* emb, out */
	assert_int_equal(variant_bytes(v), want);
	assert_int_equal(v->layers[0].w_down.cols, 192);
	assert_int_equal(v->layers[0].w_gate.cols, 64);
	model_free(v);
	/* ternary keeps embedding and output in q8_0; tq2_0 pads to 256 */
	assert_int_equal(variant_build(master, KFMT_TQ2_0, &v, &err), Q_OK);
	assert_int_equal(v->token_embd.fmt, KFMT_Q8_0);
	/* in tq2_0's matrix layout (tq2_0r16 on AVX2) */
	assert_int_equal(v->layers[4].wq.fmt, kern_get(KFMT_TQ2_0)->matrix_fmt);
	assert_int_equal(kern_get(v->layers[4].wq.fmt)->base, KFMT_TQ2_0);
	assert_int_equal(v->layers[4].wq.cols, 256);
	assert_int_equal(v->layers[4].w_down.cols, 256);
	model_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants_track_master),
		cmocka_unit_test(test_bytes_and_padding),
		cmocka_unit_test(test_prefill_matches_forward),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
