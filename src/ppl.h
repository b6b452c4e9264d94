/*
 * ppl.h: perplexity of several variants of one model over a text, in one
 * pass: every variant runs each position in lockstep with the reference
 * (the first), whose logits are compared at once and never stored.
 */
#ifndef QCMP_PPL_H
#define QCMP_PPL_H

#include <stddef.h>
#include <stdint.h>

#include "kpool.h"
#include "model.h"
#include "progress.h"
#include "qerr.h"

/* How a text of n_ids tokens splits for a context of ctx positions: whole
 * chunks of ctx tokens (the tail is dropped), each scoring its positions
 * first..ctx-2 (the second half, as llama.cpp does: every scored token
 * has at least ctx/2 tokens of context). */
struct ppl_plan {
	int	ctx;		/* positions per chunk */
	int	n_chunks;
	int	first;		/* first scored position of a chunk */
	int	per_chunk;	/* scored positions a chunk */
};

/* The figures of one variant. */
struct ppl_result {
	int64_t	n;		/* positions scored */
	double	ppl;		/* exp(mean NLL of the correct token) */
	double	ppl_err;	/* its standard error */
	double	kld;		/* mean KL(reference || variant), nats */
	double	top1;		/* share of positions with the same argmax */
	double	dp_mean;	/* p_variant(correct) - p_ref(correct): */
	double	dp_median;
	double	dp_p1;		/* 1st percentile */
	double	dp_p99;		/* 99th percentile */
};

/* Plans n_ids tokens in chunks of ctx (shrunk to n_ids when the text is
 * shorter); Q_EUSAGE when fewer than 2 tokens or ctx < 2. */
int	ppl_plan(size_t n_ids, int ctx, struct ppl_plan *plan,
	    struct qerr *err);
/* The q-quantile (0..1) of sorted[0..n), interpolated between ranks. */
double	ppl_quantile(const double *sorted, size_t n, double q);
/* Scores ids with the variants v[0..nv) (v[0] the reference) as plan
 * says, into out[0..nv); the first token of every chunk is replaced by
 * BOS when the vocabulary adds one.  Several variants run on up to
 * n_threads threads, one variant per thread at a time; a single variant's
 * products go to pool (NULL: this thread).  prog (or NULL) hears chunks
 * done and tokens run. */
int	ppl_run(struct model *const *v, int nv, const int32_t *ids,
	    const struct ppl_plan *plan, int n_threads, struct kpool *pool,
	    struct progress *prog, struct ppl_result *out, struct qerr *err);

#endif
