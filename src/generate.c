/*
 * generate.c: the prompt-then-sample loop.  Positions follow llama2.c: a
 * context of n_ctx positions runs tokens at positions 0..n_ctx-1 and the
 * token sampled after the last one is still reported, so a 128-position
 * run prints exactly what llama2.c's `run -n 128` prints.
 */
#include "config.h"

#include "generate.h"


#include "clock.h"
#include "transformer.h"
#include "vocab.h"

const char *
generate_finish_name(enum gen_finish f)
{
	static const char *const names[] = { "eos", "length", "context",
	    "stopped" };

	return (names[f]);
}

int
generate_ctx(const struct model *m, const struct gen_params *p,
    size_t n_prompt, int *n_ctx, struct qerr *err)
{
	int	max = m->cfg.n_ctx_train;
	int	ctx = p->n_ctx > 0 ? p->n_ctx :
	    (max < GEN_DEFAULT_CTX ? max : GEN_DEFAULT_CTX);

	if (p->n_ctx > max)
		return (qerr_set(err, Q_EUSAGE, "--ctx: %d is more than the "
		    "model's context length %d", p->n_ctx, max));
	if (n_prompt == 0)
		return (qerr_set(err, Q_EUSAGE, "prompt: no tokens to run"));
	if (n_prompt > (size_t)ctx)
		return (qerr_set(err, Q_EUSAGE, "prompt: %zu tokens do not fit "
		    "in the context of %d positions (use a shorter prompt or a "
		    "larger --ctx, up to %d)", n_prompt, ctx, max));
	/* the last sampled token needs no position of its own */
	if (p->n_predict >= 0 && n_prompt + p->n_predict - 1 < (size_t)ctx)
		ctx = (int)(n_prompt + (p->n_predict > 0 ? p->n_predict - 1 :
		    0));
	*n_ctx = ctx;
	return (Q_OK);
}

int
generate_check(const struct model *m, const struct gen_params *p,
    size_t n_prompt, struct qerr *err)
{
	struct sampler	s;
	int		n_ctx, rc;

	if ((rc = generate_ctx(m, p, n_prompt, &n_ctx, err)) != Q_OK)
		return (rc);
	if ((rc = sampler_init(&s, m->cfg.n_vocab, p->temp, p->top_k,
	    p->top_p, p->seed, err)) != Q_OK)
		return (rc);
	sampler_free(&s);
	return (Q_OK);
}

int
generate(const struct model *m, const int32_t *prompt, size_t n_prompt,
    const struct gen_params *p, gen_token_cb cb, void *arg,
    struct gen_stats *st, struct qerr *err)
{
	struct transformer	 t;
	struct sampler		 s;
	struct gen_token	 tok;
	const float		*logits = NULL;
	struct kpool		*late;
	double			 t0, tprev, now;
	int			 rc, n_ctx, pos;

	st->n_prompt = (int)n_prompt;
	st->n_gen = 0;
	st->prompt_ms = st->gen_ms = 0;
	for (size_t i = 0; i < n_prompt; i++)
		if (prompt[i] < 0 || prompt[i] >= m->cfg.n_vocab)
			return (qerr_set(err, Q_EUSAGE, "prompt: token id %d is "
			    "outside the vocabulary", prompt[i]));
	if ((rc = generate_ctx(m, p, n_prompt, &n_ctx, err)) != Q_OK)
		return (rc);
	st->n_ctx = n_ctx;
	if ((rc = sampler_init(&s, m->cfg.n_vocab, p->temp, p->top_k,
	    p->top_p, p->seed, err)) != Q_OK)
		return (rc);
	if ((rc = transformer_init(&t, m, n_ctx, err)) != Q_OK) {
		sampler_free(&s);
		return (rc);
	}
	transformer_set_pool(&t, p->pool);

	t0 = clock_ms(CLOCK_MONOTONIC);
	pos = (int)n_prompt;
	if (n_prompt > 0)
		logits = transformer_prefill(&t, prompt, pos, 0);
	tprev = clock_ms(CLOCK_MONOTONIC);
	st->prompt_ms = tprev - t0;

	for (;;) {
		if (p->n_predict >= 0 && st->n_gen >= p->n_predict) {
			st->finish = GEN_LENGTH;
			break;
		}
		sampler_sample(&s, logits, &tok.info);
		now = clock_ms(CLOCK_MONOTONIC);
		tok.index = st->n_gen++;
		tok.pos = pos;
		tok.ms = now - tprev;
		tprev = now;
		if (t.pool == NULL && p->late_pool != NULL &&
		    (late = atomic_load(p->late_pool)) != NULL) {
			transformer_set_pool(&t, late);
			transformer_blas_threads(kpool_size(late));
		}
		if (cb != NULL && cb(arg, &tok) != 0) {
			st->finish = GEN_STOPPED;
			break;
		}
		if (vocab_is_eog(m->vocab, tok.info.id)) {
			st->finish = GEN_EOS;
			break;
		}
		if (p->n_predict >= 0 && st->n_gen >= p->n_predict) {
			st->finish = GEN_LENGTH;
			break;
		}
		if (pos >= n_ctx) {
			st->finish = GEN_CONTEXT;
			break;
		}
		logits = transformer_forward(&t, tok.info.id, pos++);
	}
	st->gen_ms = clock_ms(CLOCK_MONOTONIC) - (t0 + st->prompt_ms);
	transformer_free(&t);
	sampler_free(&s);
	return (Q_OK);
}

void
gen_defaults(struct gen_params *p)
{
	*p = (struct gen_params){ .n_predict = -1, .temp = 0.8f, .top_k = 40,
	    .top_p = 0.95f, .seed = 42 };
}
