/*
 * test-model.c: the model loader.  stories260K exists as a GGUF written by
 * llama.cpp's converter and as llama2.c's own checkpoint; two loaders
 * reading two formats must land every weight in the same field.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "testutil.h"

static void
assert_same_mat(const struct mat *a, const struct mat *b)
{
	assert_int_equal(a->rows, b->rows);
	assert_int_equal(a->cols, b->cols);
	assert_int_equal(a->fmt, KFMT_F32);
	assert_int_equal(b->fmt, KFMT_F32);
	assert_memory_equal(a->data, b->data,
	    (size_t)a->rows * a->cols * sizeof(float));
}

static void
test_gguf_equals_llama2c(void **state)
{
	const char	*gp, *bp, *tp;
	struct model	*g, *b;
	struct qerr	 err;
	char		 gpath[4096], bpath[4096], tpath[4096];

	if ((gp = tu_shared("models/stories260K.gguf")) == NULL)
		skip();
	snprintf(gpath, sizeof gpath, "%s", gp);
	if ((bp = tu_shared("models/stories260K.bin")) == NULL)
		skip();
	snprintf(bpath, sizeof bpath, "%s", bp);
	if ((tp = tu_shared("models/tok512.bin")) == NULL)
		skip();
	snprintf(tpath, sizeof tpath, "%s", tp);

	assert_int_equal(model_load(gpath, NULL, &g, &err), Q_OK);
	assert_int_equal(model_load(bpath, tpath, &b, &err), Q_OK);
	assert_memory_equal(&g->cfg.dim, &b->cfg.dim,
	    offsetof(struct model_config, n_ctx_train) -
	    offsetof(struct model_config, dim));
	assert_int_equal(g->cfg.n_vocab, 512);
	assert_false(g->tied_output);
	assert_true(b->tied_output);
	assert_same_mat(&g->token_embd, &b->token_embd);
	assert_same_mat(&g->output, &b->output);
	assert_memory_equal(g->output_norm, b->output_norm, 64 * 4);
	for (int l = 0; l < 5; l++) {
		const struct layer_weights *x = &g->layers[l], *y = &b->layers[l];

		assert_memory_equal(x->attn_norm, y->attn_norm, 64 * 4);
		assert_memory_equal(x->ffn_norm, y->ffn_norm, 64 * 4);
		assert_same_mat(&x->wq, &y->wq);
		assert_same_mat(&x->wk, &y->wk);
		assert_same_mat(&x->wv, &y->wv);
		assert_same_mat(&x->wo, &y->wo);
		assert_same_mat(&x->w_gate, &y->w_gate);
		assert_same_mat(&x->w_up, &y->w_up);
		assert_same_mat(&x->w_down, &y->w_down);
	}
	/* both vocabularies: same size, same BOS/EOS */
	assert_int_equal(g->vocab->n, b->vocab->n);
	assert_int_equal(g->vocab->bos, 1);
	assert_int_equal(b->vocab->bos, 1);
	assert_int_equal(g->vocab->eos, 2);
	model_free(g);
	model_free(b);
}

static void
test_order_qa_tied_gqa(void **state)
{
	struct model	*m;
	struct qerr	 err;
	const char	*p = tu_shared("models/order-qa-1M.gguf");

	if (p == NULL)
		skip();
	assert_int_equal(model_load(p, NULL, &m, &err), Q_OK);
	/* facts from ../shared/models/README.md */
	assert_int_equal(m->cfg.dim, 128);
	assert_int_equal(m->cfg.n_layers, 5);
	assert_int_equal(m->cfg.n_heads, 4);
	assert_int_equal(m->cfg.n_kv_heads, 2);
	assert_int_equal(m->cfg.hidden_dim, 352);
	assert_int_equal(m->cfg.n_ctx_train, 256);
	assert_int_equal(m->cfg.n_vocab, 287);
	assert_true(m->tied_output);
	assert_ptr_equal(m->output.data, m->token_embd.data);
	assert_int_equal(m->n_params, 959744);
	model_free(m);
}

static void
test_mat_row(void **state)
{
	/* a 2x32 Q8_0 matrix: row 1 has d = 0.5 and q[i] = i - 16 */
	uint8_t		blocks[2][34];
	struct mat	w = { KFMT_Q8_0, 2, 32, blocks };
	float		out[32];
	uint16_t	half = kern_f32_to_f16(0.5f);

	memset(blocks, 0, sizeof blocks);
	memcpy(blocks[1], &half, 2);
	for (int i = 0; i < 32; i++)
		blocks[1][2 + i] = (uint8_t)(int8_t)(i - 16);
	model_mat_row(&w, 1, out);
	for (int i = 0; i < 32; i++)
		assert_float_equal(out[i], 0.5f * (i - 16), 0.0f);
}

/* A large buffer is mapped and counted by the pages really in RAM: none
 * before it is written, at least what was written after (a huge page may
 * bring in more, never more than the buffer). */
static void
test_own_resident(void **state)
{
	struct model	*m = calloc(1, sizeof *m);
	size_t		 n = (size_t)8 << 20;
	uint8_t		*p;

	(void)state;
	assert_non_null(m);
	assert_non_null(p = model_own(m, n));
	assert_int_equal(model_resident(m), 0);
	memset(p, 1, n / 2);
	assert_true(model_resident(m) >= n / 2);
	assert_true(model_resident(m) <= n);
	memset(p, 1, n);
	assert_int_equal(model_resident(m), n);
	assert_non_null(model_own(m, 100));	/* small: malloc'd */
	assert_true(model_resident(m) >= n + 100);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gguf_equals_llama2c),
		cmocka_unit_test(test_order_qa_tied_gqa),
		cmocka_unit_test(test_mat_row),
		cmocka_unit_test(test_own_resident),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
