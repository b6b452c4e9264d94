/*
 * divergence.c: teacher-forced comparison of two models on one token
 * sequence.  Both run the same positions side by side; sums are in double
 * so long answers over large vocabularies keep their precision.
 */
#include "config.h"

#include "divergence.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "transformer.h"

int
div_first(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
	size_t	i;

	for (i = 0; i < na && i < nb; i++)
		if (a[i] != b[i])
			return ((int)i);
	return (na == nb ? -1 : (int)i);
}

double
div_lse(const float *l, int n, int *argmax)
{
	double	max = l[0], sum = 0.0;
	int	am = 0;

	for (int i = 1; i < n; i++)
		if (l[i] > max) {
			max = l[i];
			am = i;
		}
	for (int i = 0; i < n; i++)
		sum += exp((double)l[i] - max);
	*argmax = am;
	return (max + log(sum));
}

double
div_kld(const float *lp, const float *lq, int n, int *agree)
{
	int	ap, aq;
	double	zp = div_lse(lp, n, &ap), zq = div_lse(lq, n, &aq), kld = 0.0;

	/* sum p (log p - log q) with log p = lp - zp, log q = lq - zq */
	for (int i = 0; i < n; i++) {
		double logp = lp[i] - zp;

		kld += exp(logp) * (logp - (lq[i] - zq));
	}
	if (agree != NULL)
		*agree = ap == aq;
	return (kld > 0.0 ? kld : 0.0);
}

int
div_score(const struct model *ref, const struct model *var,
    const int32_t *prompt, size_t n_prompt, const int32_t *answer,
    size_t n_answer, struct kpool *pool, struct div_stats *out,
    struct qerr *err)
{
	return (div_score_until(ref, var, prompt, n_prompt, answer, n_answer,
	    pool, NULL, out, err));
}

int
div_score_until(const struct model *ref, const struct model *var,
    const int32_t *prompt, size_t n_prompt, const int32_t *answer,
    size_t n_answer, struct kpool *pool, atomic_int *stop,
    struct div_stats *out, struct qerr *err)
{
	struct transformer	 tr, tv;
	size_t			 n_pos = n_prompt + n_answer;
	int			 V = ref->cfg.n_vocab, rc, agree, dummy;
	double			 kld = 0.0, dlp = 0.0;
	int			 same = 0;

	memset(out, 0, sizeof *out);
	out->first = -1;
	if (n_answer == 0 || n_prompt == 0)
		return (Q_OK);
	if (var->cfg.n_vocab != V)
		return (qerr_set(err, Q_EUSAGE, "divergence: vocabularies "
		    "differ (%d and %d tokens)", V, var->cfg.n_vocab));
	/* the last answer token is only predicted, never run */
	if ((rc = transformer_init(&tr, ref, (int)(n_pos - 1), err)) != Q_OK)
		return (rc);
	if ((rc = transformer_init(&tv, var, (int)(n_pos - 1), err)) !=
	    Q_OK) {
		transformer_free(&tr);
		return (rc);
	}
	transformer_set_pool(&tr, pool);
	transformer_set_pool(&tv, pool);
	if ((rc = transformer_keep_logits(&tr, err)) != Q_OK ||
	    (rc = transformer_keep_logits(&tv, err)) != Q_OK) {
		transformer_free(&tr);
		transformer_free(&tv);
		return (rc);
	}
	/* the prompt but its last token in batches, unscored; then from
	 * the prompt's last token on, batches scored position by position */
	if (n_prompt > 1) {
		transformer_prefill(&tr, prompt, (int)n_prompt - 1, 0);
		transformer_prefill(&tv, prompt, (int)n_prompt - 1, 0);
	}
	for (size_t p0 = n_prompt - 1; p0 + 1 < n_pos; p0 += TRANSFORMER_BATCH) {
		int32_t		 toks[TRANSFORMER_BATCH];
		int		 n = n_pos - 1 - p0 < TRANSFORMER_BATCH ?
				    (int)(n_pos - 1 - p0) : TRANSFORMER_BATCH;
		const float	*bp, *bq;

		if (stop != NULL && atomic_load(stop)) {
			transformer_free(&tr);
			transformer_free(&tv);
			memset(out, 0, sizeof *out);
			out->first = -1;
			return (qerr_set(err, Q_EUSAGE, "divergence: stopped"));
		}
		for (int j = 0; j < n; j++)
			toks[j] = p0 + j < n_prompt ? prompt[p0 + j] :
			    answer[p0 + j - n_prompt];
		bp = transformer_prefill_all(&tr, toks, n, (int)p0);
		bq = transformer_prefill_all(&tv, toks, n, (int)p0);
		for (int j = 0; j < n; j++) {
			const float	*lp = bp + (size_t)j * V;
			const float	*lq = bq + (size_t)j * V;
			int32_t		 next = answer[p0 + j + 1 - n_prompt];

			kld += div_kld(lp, lq, V, &agree);
			same += agree;
			dlp += (lq[next] - div_lse(lq, V, &dummy)) -
			    (lp[next] - div_lse(lp, V, &dummy));
		}
	}
	out->n = (int)n_answer;
	out->kld = kld / n_answer;
	out->top1 = (double)same / n_answer;
	out->dlogprob = dlp / n_answer;
	transformer_free(&tr);
	transformer_free(&tv);
	return (Q_OK);
}
