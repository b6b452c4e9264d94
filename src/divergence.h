/*
 * divergence.h: how far a variant's answer departs from the reference's:
 * where their tokens first differ, and, feeding the reference answer
 * through both (teacher forcing), the mean KL divergence of the variant's
 * next-token distribution from the reference's, how often their top
 * tokens agree, and how the reference token's log-probability moves.
 * The per-answer form of llama.cpp's perplexity --kl-divergence figures.
 */
#ifndef QCMP_DIVERGENCE_H
#define QCMP_DIVERGENCE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "kpool.h"
#include "model.h"
#include "qerr.h"

struct div_stats {
	int	 first;		/* index of the first differing token, -1 if
				 * the answers are identical */
	int	 n;		/* positions scored */
	double	 kld;		/* mean KL(reference || variant), nats */
	double	 top1;		/* fraction of positions whose argmax agree */
	double	 dlogprob;	/* mean log q(ref token) - log p(ref token) */
};

/* Index of the first position where a and b differ (a shorter answer
 * differs where it ends); -1 when they are equal. */
int	div_first(const int32_t *a, size_t na, const int32_t *b, size_t nb);
/* Scores var against ref on prompt + answer (the reference's answer);
 * every generated position is scored.  pool may be NULL. */
int	div_score(const struct model *ref, const struct model *var,
	    const int32_t *prompt, size_t n_prompt, const int32_t *answer,
	    size_t n_answer, struct kpool *pool, struct div_stats *out,
	    struct qerr *err);
/* div_score that gives up (Q_EUSAGE, nothing scored) once *stop is set;
 * stop may be NULL. */
int	div_score_until(const struct model *ref, const struct model *var,
	    const int32_t *prompt, size_t n_prompt, const int32_t *answer,
	    size_t n_answer, struct kpool *pool, atomic_int *stop,
	    struct div_stats *out, struct qerr *err);
/* log of the softmax normaliser of l[0..n) (log sum exp, in double),
 * and its argmax. */
double	div_lse(const float *l, int n, int *argmax);
/* KL(p || q) in nats of two logit vectors (softmax taken here), and
 * whether their argmaxes agree; the building block of div_score. */
double	div_kld(const float *lp, const float *lq, int n, int *agree);

#endif
