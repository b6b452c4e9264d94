/*
 * answer.c: accumulating an answer from engine events, so the figures a
 * user sees are computed in one place from the same token stream.
 */
#include "config.h"

#include "answer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
answer_init(struct answer *a)
{
	memset(a, 0, sizeof *a);
}

void
answer_free(struct answer *a)
{
	free(a->text);
	free(a->ids);
	free(a->toks);
	memset(a, 0, sizeof *a);
}

static int
answer_text(struct answer *a, const char *s)
{
	size_t	 n = s ? strlen(s) : 0;
	char	*grown;

	if (a->len + n + 1 > a->text_cap) {
		size_t cap = a->text_cap ? a->text_cap * 2 : 256;

		while (cap < a->len + n + 1)
			cap *= 2;
		if ((grown = realloc(a->text, cap)) == NULL)
			return (Q_ENOMEM);
		a->text = grown;
		a->text_cap = cap;
	}
	memcpy(a->text + a->len, s ? s : "", n);
	a->len += n;
	a->text[a->len] = '\0';
	return (Q_OK);
}

int
answer_add(struct answer *a, const struct engine_event *ev)
{
	double	 p;
	struct answer_tok	*t, *tgrown;
	int32_t			*grown;
	int			 rc = Q_OK;

	if (ev->kind == ENGINE_DONE) {
		a->done = 1;
		a->rc = ev->rc;
		a->stats = ev->stats;
		a->cpu_ms = ev->cpu_total_ms;
		return (answer_text(a, ""));
	}
	p = exp(ev->tok.info.logprob);
	if (a->n == 0) {
		a->ttft_ms = ev->t_ms;
		a->min_p = p;
	}
	if (p < a->min_p)
		a->min_p = p;
	a->sum_lp += ev->tok.info.logprob;
	a->sum_ent += ev->tok.info.entropy;
	if (a->n == a->ids_cap) {
		int cap = a->ids_cap ? 2 * a->ids_cap : 64;

		if ((grown = realloc(a->ids, cap * sizeof *grown)) == NULL)
			return (Q_ENOMEM);
		a->ids = grown;
		if ((tgrown = realloc(a->toks, cap * sizeof *tgrown)) == NULL)
			return (Q_ENOMEM);
		a->toks = tgrown;
		a->ids_cap = cap;
	}
	t = &a->toks[a->n];
	t->off = a->len;
	t->logprob = ev->tok.info.logprob;
	t->entropy = ev->tok.info.entropy;
	t->t_ms = ev->t_ms;
	t->cpu_ms = ev->cpu_ms;
	memcpy(t->top_id, ev->tok.info.top_id, sizeof t->top_id);
	memcpy(t->top_p, ev->tok.info.top_p, sizeof t->top_p);
	a->ids[a->n++] = ev->tok.info.id;
	rc = answer_text(a, ev->piece);
	t->len = a->len - t->off;
	return (rc);
}

void
answer_summarise(const struct answer *a, struct answer_summary *s)
{
	memset(s, 0, sizeof *s);
	if (a->n > 0) {
		s->mean_logprob = a->sum_lp / a->n;
		s->min_prob = a->min_p;
		s->mean_entropy = a->sum_ent / a->n;
		s->seq_prob = exp(a->sum_lp);
		s->confidence = exp(s->mean_logprob);
	}
	if (a->stats.gen_ms > 0)
		s->decode_tps = a->stats.n_gen * 1e3 / a->stats.gen_ms;
	if (a->stats.prompt_ms > 0)
		s->prompt_tps = a->stats.n_prompt * 1e3 / a->stats.prompt_ms;
}
