/*
 * ppl.c: perplexity, KL divergence from the reference, top-1 agreement and
 * the shift in the correct token's probability, for every variant in one
 * pass over a text.  Sums are in double; the per-position probability
 * shifts are kept for their percentiles.
 */
#include "config.h"

#include "ppl.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "divergence.h"
#include "transformer.h"

/* What a variant accumulates while the text runs. */
struct ppl_acc {
	double	 nll, nll2, kld;
	int64_t	 same;
	double	*dp;		/* per scored position */
};

int
ppl_plan(size_t n_ids, int ctx, struct ppl_plan *plan, struct qerr *err)
{
	memset(plan, 0, sizeof *plan);
	if (ctx < 2)
		return (qerr_set(err, Q_EUSAGE, "--ctx: %d positions cannot "
		    "score a token (at least 2)", ctx));
	if (n_ids < 2)
		return (qerr_set(err, Q_EUSAGE, "the text is %zu token%s "
		    "long: at least 2 are needed", n_ids, n_ids == 1 ? "" :
		    "s"));
	plan->ctx = (size_t)ctx < n_ids ? ctx : (int)n_ids;
	plan->n_chunks = (int)(n_ids / (size_t)plan->ctx);
	plan->first = plan->ctx / 2 < plan->ctx - 2 ? plan->ctx / 2 :
	    plan->ctx - 2;
	plan->per_chunk = plan->ctx - 1 - plan->first;
	return (Q_OK);
}

double
ppl_quantile(const double *sorted, size_t n, double q)
{
	double	r, f;
	size_t	i;

	if (n == 0)
		return (NAN);
	r = q * (double)(n - 1);
	i = (size_t)r;
	if (i + 1 >= n)
		return (sorted[n - 1]);
	f = r - (double)i;
	return (sorted[i] + f * (sorted[i + 1] - sorted[i]));
}

static int
ppl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* log p(tok) under logits l. */
static double
ppl_logp(const float *l, int n, int32_t tok)
{
	int	argmax;

	return ((double)l[tok] - div_lse(l, n, &argmax));
}

/* Scores variant i's position k: lg[i] are its logits predicting next. */
static void
ppl_score(const float *ref, const float *lg, int i, int V, int32_t next,
    int64_t k, struct ppl_acc *acc)
{
	double	lp_ref = ppl_logp(ref, V, next), lp = lp_ref;
	int	agree = 1;

	if (i > 0) {
		lp = ppl_logp(lg, V, next);
		acc[i].kld += div_kld(ref, lg, V, &agree);
	}
	acc[i].nll -= lp;
	acc[i].nll2 += lp * lp;
	acc[i].same += agree;
	acc[i].dp[k] = exp(lp) - exp(lp_ref);
}

/* The figures from what a variant accumulated over n positions. */
static void
ppl_finish(struct ppl_acc *a, int64_t n, struct ppl_result *r)
{
	double	mean = a->nll / n, var = a->nll2 / n - mean * mean, sum = 0.0;

	r->n = n;
	r->ppl = exp(mean);
	/* the standard error of the mean NLL, through exp */
	r->ppl_err = n > 1 && var > 0.0 ? r->ppl * sqrt(var / (n - 1)) : 0.0;
	r->kld = a->kld / n;
	r->top1 = (double)a->same / n;
	for (int64_t k = 0; k < n; k++)
		sum += a->dp[k];
	r->dp_mean = sum / n;
	qsort(a->dp, (size_t)n, sizeof *a->dp, ppl_cmp);
	r->dp_median = ppl_quantile(a->dp, (size_t)n, 0.5);
	r->dp_p1 = ppl_quantile(a->dp, (size_t)n, 0.01);
	r->dp_p99 = ppl_quantile(a->dp, (size_t)n, 0.99);
}

/* One pass shared by the threads: thread w runs the variants w, w + T,
 * w + 2T...; at a scored position all wait for every variant's logits,
 * score their own, and wait again before the reference's are replaced. */
struct ppl_pass {
	const struct ppl_plan	*plan;
	const struct vocab	*voc;
	const int32_t		*ids;
	struct transformer	*tr;
	struct ppl_acc		*acc;
	const float		**lg;
	int			 nv, V, n_threads;
	pthread_barrier_t	 bar;
	pthread_mutex_t		 gate_mu;	/* the workers start when */
	pthread_cond_t		 gate_cv;	/* go is 1, quit at -1 */
	int			 go;
	struct progress		*prog;
};

struct ppl_worker {
	struct ppl_pass	*pass;
	int		 w;
	pthread_t	 th;
};

static void *
ppl_work(void *arg)
{
	struct ppl_worker	*wk = arg;
	struct ppl_pass		*ps = wk->pass;
	const struct ppl_plan	*pl = ps->plan;
	int			 T = ps->n_threads;
	int64_t			 ran = 0;

	pthread_mutex_lock(&ps->gate_mu);
	while (ps->go == 0)
		pthread_cond_wait(&ps->gate_cv, &ps->gate_mu);
	pthread_mutex_unlock(&ps->gate_mu);
	if (ps->go < 0)
		return (NULL);
	for (int c = 0; c < pl->n_chunks; c++) {
		const int32_t	*chunk = ps->ids + (size_t)c * pl->ctx;

		/* every position of the chunk runs (the cache needs them),
		 * a batch at a time; the second half is scored */
		for (int p0 = 0; p0 + 1 < pl->ctx; p0 += TRANSFORMER_BATCH) {
			int32_t	toks[TRANSFORMER_BATCH];
			int	n = pl->ctx - 1 - p0 < TRANSFORMER_BATCH ?
				    pl->ctx - 1 - p0 : TRANSFORMER_BATCH;
			int	scored = p0 + n > pl->first;

			memcpy(toks, chunk + p0, (size_t)n * sizeof *toks);
			if (p0 == 0 && ps->voc->add_bos && ps->voc->bos >= 0)
				toks[0] = ps->voc->bos;
			for (int i = wk->w; i < ps->nv; i += T)
				if (scored)
					ps->lg[i] = transformer_prefill_all(
					    &ps->tr[i], toks, n, p0);
				else
					transformer_prefill(&ps->tr[i], toks,
					    n, p0);
			if (scored) {
				int	j0 = pl->first > p0 ? pl->first - p0 : 0;

				pthread_barrier_wait(&ps->bar);
				for (int j = j0; j < n; j++) {
					int64_t	k = (int64_t)c * pl->per_chunk +
						    p0 + j - pl->first;

					for (int i = wk->w; i < ps->nv; i += T)
						ppl_score(ps->lg[0] +
						    (size_t)j * ps->V,
						    ps->lg[i] + (size_t)j *
						    ps->V, i, ps->V,
						    chunk[p0 + j + 1], k,
						    ps->acc);
				}
				pthread_barrier_wait(&ps->bar);
			}
			ran += n;
			if (wk->w == 0 && ps->prog != NULL)
				progress_update(ps->prog, c, ran);
		}
		if (wk->w == 0 && ps->prog != NULL)
			progress_update(ps->prog, c + 1, ran);
	}
	return (NULL);
}

int
ppl_run(struct model *const *v, int nv, const int32_t *ids,
    const struct ppl_plan *plan, int n_threads, struct kpool *pool,
    struct progress *prog, struct ppl_result *out, struct qerr *err)
{
	struct ppl_pass		 ps = { .plan = plan, .voc = v[0]->vocab,
				    .ids = ids, .nv = nv,
				    .V = v[0]->cfg.n_vocab };
	struct ppl_worker	*wk = NULL;
	int64_t			 n = (int64_t)plan->n_chunks * plan->per_chunk;
	int			 rc = Q_OK, ni = 0, started = 1;

	for (int i = 1; i < nv; i++)
		if (v[i]->cfg.n_vocab != ps.V)
			return (qerr_set(err, Q_EUSAGE, "ppl: vocabularies "
			    "differ (%d and %d tokens)", ps.V,
			    v[i]->cfg.n_vocab));
	/* several variants: one thread each (up to n_threads), computing
	 * alone; one variant: the pool splits its products */
	ps.n_threads = nv > 1 && n_threads > 1 ? (n_threads < nv ?
	    n_threads : nv) : 1;
	ps.prog = prog;
	ps.tr = calloc((size_t)nv, sizeof *ps.tr);
	ps.acc = calloc((size_t)nv, sizeof *ps.acc);
	ps.lg = calloc((size_t)nv, sizeof *ps.lg);
	wk = calloc((size_t)ps.n_threads, sizeof *wk);
	if (ps.tr == NULL || ps.acc == NULL || ps.lg == NULL || wk == NULL) {
		rc = qerr_set(err, Q_ENOMEM, "ppl: out of memory");
		goto done;
	}
	for (; ni < nv; ni++) {
		if ((ps.acc[ni].dp = malloc((size_t)(n > 0 ? n : 1) *
		    sizeof *ps.acc[ni].dp)) == NULL) {
			rc = qerr_set(err, Q_ENOMEM, "ppl: out of memory");
			goto done;
		}
		if ((rc = transformer_init(&ps.tr[ni], v[ni], plan->ctx,
		    err)) == Q_OK && (rc = transformer_keep_logits(&ps.tr[ni],
		    err)) != Q_OK)
			transformer_free(&ps.tr[ni]);
		if (rc != Q_OK) {
			free(ps.acc[ni].dp);
			ps.acc[ni].dp = NULL;
			goto done;
		}
		transformer_set_pool(&ps.tr[ni], ps.n_threads == 1 ? pool :
		    NULL);
	}
	pthread_barrier_init(&ps.bar, NULL, (unsigned)ps.n_threads);
	pthread_mutex_init(&ps.gate_mu, NULL);
	pthread_cond_init(&ps.gate_cv, NULL);
	for (int w = 0; w < ps.n_threads; w++) {
		wk[w].pass = &ps;
		wk[w].w = w;
	}
	for (; started < ps.n_threads; started++)
		if (pthread_create(&wk[started].th, NULL, ppl_work,
		    &wk[started]) != 0)
			break;
	/* all threads or none: the barrier counts every one */
	pthread_mutex_lock(&ps.gate_mu);
	ps.go = started == ps.n_threads ? 1 : -1;
	pthread_cond_broadcast(&ps.gate_cv);
	pthread_mutex_unlock(&ps.gate_mu);
	if (ps.go > 0)
		ppl_work(&wk[0]);
	else
		rc = qerr_set(err, Q_ENOMEM, "ppl: cannot start a thread");
	for (int w = 1; w < started; w++)
		pthread_join(wk[w].th, NULL);
	pthread_barrier_destroy(&ps.bar);
	pthread_mutex_destroy(&ps.gate_mu);
	pthread_cond_destroy(&ps.gate_cv);
	for (int i = 0; rc == Q_OK && i < nv; i++)
		ppl_finish(&ps.acc[i], n, &out[i]);
done:
	for (int i = 0; i < ni; i++) {
		transformer_free(&ps.tr[i]);
		free(ps.acc[i].dp);
	}
	free(ps.tr);
	free(ps.acc);
	free(ps.lg);
	free(wk);
	return (rc);
}
