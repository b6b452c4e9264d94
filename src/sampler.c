/*
 * sampler.c: turns a step's logits into the next token (greedy, or a draw
 * from the temperature softmax narrowed by top-k and top-p) and measures
 * how sure the model was, from the plain softmax so the figures compare
 * across sampler settings.  The random draw is a parameter of
 * sampler_pick, so every pick can be replayed from its coin.
 */
#include "config.h"

#include "sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stands in for seed 0, which would stick xorshift at 0 forever. */
#define SAMPLER_SEED0	0x9e3779b97f4a7c15ULL

int
sampler_init(struct sampler *s, int n_vocab, float temp, int top_k,
    float top_p, uint64_t seed, struct qerr *err)
{
	memset(s, 0, sizeof *s);
	if (n_vocab <= 0)
		return (qerr_set(err, Q_EUSAGE,
		    "sampler: vocabulary size must be > 0 (got %d)", n_vocab));
	/* Written so NaN fails too. */
	if (!(temp >= 0.0f))
		return (qerr_set(err, Q_EUSAGE, "--temp: must be >= 0 (got %g)",
		    (double)temp));
	if (isinf(temp))
		return (qerr_set(err, Q_EUSAGE, "--temp: must be finite "
		    "(got %g)", (double)temp));
	if (top_k < 0)
		return (qerr_set(err, Q_EUSAGE, "--top-k: must be >= 0 (got %d)",
		    top_k));
	if (!(top_p > 0.0f && top_p <= 1.0f))
		return (qerr_set(err, Q_EUSAGE,
		    "--top-p: must be in (0, 1] (got %g)", (double)top_p));
	s->cand = calloc((size_t)n_vocab, sizeof *s->cand);
	if (s->cand == NULL)
		return (qerr_set(err, Q_ENOMEM,
		    "sampler: no memory for %d candidates", n_vocab));
	s->n_vocab = n_vocab;
	s->temp = temp;
	s->top_k = top_k;
	s->top_p = top_p;
	s->rng = seed != 0 ? seed : SAMPLER_SEED0;
	return (Q_OK);
}

void
sampler_free(struct sampler *s)
{
	free(s->cand);
	s->cand = NULL;
}

/* xorshift64*; the top 24 bits make a float in [0, 1) exactly. */
float
sampler_coin(struct sampler *s)
{
	uint64_t	x;

	x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return ((float)((x * 0x2545f4914f6cdd1dULL) >> 40) / 16777216.0f);
}

/* A NaN logit (a broken model) counts as impossible rather than poisoning
 * every sum it touches. */
static float
sampler_logit(const float *logits, int i)
{
	return (isnan(logits[i]) ? -INFINITY : logits[i]);
}

static float
sampler_max(const float *logits, int n)
{
	float	m, l;
	int	i;

	m = -INFINITY;
	for (i = 0; i < n; i++) {
		l = sampler_logit(logits, i);
		if (l > m)
			m = l;
	}
	return (m);
}

/* exp((l - m) / temp) given the maximum m.  Tokens at the maximum weigh 1
 * even when it is infinite, so all -inf gives a uniform draw and +inf
 * logits share all the mass, instead of NaN. */
static float
sampler_weight(float l, float m, float itemp)
{
	return (l == m ? 1.0f : expf((l - m) * itemp));
}

/* Lowest id among the largest logits. */
static int32_t
sampler_argmax(const float *logits, int n)
{
	float	best, l;
	int	i, id;

	id = 0;
	best = sampler_logit(logits, 0);
	for (i = 1; i < n; i++) {
		l = sampler_logit(logits, i);
		if (l > best) {
			best = l;
			id = i;
		}
	}
	return (id);
}

/* Candidate order: larger p first, then lower id, a total order so every
 * selection and sort below is deterministic and top-k 1 is greedy. */
static int
sampler_before(const struct sampler_cand *a, const struct sampler_cand *b)
{
	return (a->p > b->p || (a->p == b->p && a->id < b->id));
}

static int
sampler_cmp(const void *va, const void *vb)
{
	const struct sampler_cand	*a = va, *b = vb;

	if (sampler_before(a, b))
		return (-1);
	if (sampler_before(b, a))
		return (1);
	return (0);
}

/* Restores the heap below i, whose root is the candidate that sorts last. */
static void
sampler_sift(struct sampler_cand *h, int n, int i)
{
	struct sampler_cand	t;
	int			c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && sampler_before(&h[c], &h[c + 1]))
			c++;
		if (!sampler_before(&h[i], &h[c]))
			break;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

/* The k best tokens by logit into s->cand[0..k), best first, without
 * sorting the vocabulary: a heap of k costs O(n log k). */
static void
sampler_top_k(struct sampler *s, const float *logits, int k)
{
	struct sampler_cand	*h = s->cand, c;
	int			 i;

	for (i = 0; i < k; i++) {
		h[i].id = i;
		h[i].p = sampler_logit(logits, i);
	}
	for (i = k / 2 - 1; i >= 0; i--)
		sampler_sift(h, k, i);
	for (i = k; i < s->n_vocab; i++) {
		c.id = i;
		c.p = sampler_logit(logits, i);
		if (sampler_before(&c, &h[0])) {
			h[0] = c;
			sampler_sift(h, k, 0);
		}
	}
	qsort(h, (size_t)k, sizeof *h, sampler_cmp);
}

/* All tokens whose weight is at least cutoff into s->cand, sorted; their
 * count. */
static int
sampler_fill(struct sampler *s, const float *logits, float m, float itemp,
    float cutoff)
{
	float	w;
	int	i, nc;

	nc = 0;
	for (i = 0; i < s->n_vocab; i++) {
		w = sampler_weight(sampler_logit(logits, i), m, itemp);
		if (w >= cutoff && w > 0.0f) {
			s->cand[nc].id = i;
			s->cand[nc].p = w;
			nc++;
		}
	}
	qsort(s->cand, (size_t)nc, sizeof *s->cand, sampler_cmp);
	return (nc);
}

/* Length of the shortest prefix of the sorted candidates holding top_p of
 * total, or 0 when rounding kept the sum short of it. */
static int
sampler_nucleus(const struct sampler *s, int nc, double total)
{
	double	cum, target;
	int	i;

	target = (double)s->top_p * total;
	cum = 0.0;
	for (i = 0; i < nc; i++) {
		cum += s->cand[i].p;
		if (cum >= target)
			return (i + 1);
	}
	return (0);
}

/* Walks the cumulative weights of the first nc candidates to coin's share
 * of their sum. */
static int32_t
sampler_walk(const struct sampler *s, int nc, float coin)
{
	double	total, r, cum;
	int	i;

	total = 0.0;
	for (i = 0; i < nc; i++)
		total += s->cand[i].p;
	r = coin * total;
	cum = 0.0;
	for (i = 0; i < nc; i++) {
		cum += s->cand[i].p;
		if (r < cum)
			return (s->cand[i].id);
	}
	return (s->cand[nc - 1].id);
}

static int32_t
sampler_draw(struct sampler *s, const float *logits, float coin)
{
	double	total, r, cum;
	float	m, itemp, w;
	int	n, k, i, nc, last;

	n = s->n_vocab;
	itemp = 1.0f / s->temp;
	k = s->top_k < n ? s->top_k : 0;

	if (k == 0 && s->top_p >= 1.0f) {
		/* Nothing to cut: draw in id order, no candidate list. */
		m = sampler_max(logits, n);
		total = 0.0;
		for (i = 0; i < n; i++)
			total += sampler_weight(sampler_logit(logits, i), m,
			    itemp);
		r = coin * total;
		cum = 0.0;
		last = 0;
		for (i = 0; i < n; i++) {
			w = sampler_weight(sampler_logit(logits, i), m, itemp);
			if (w > 0.0f) {
				cum += w;
				last = i;
				if (r < cum)
					return (i);
			}
		}
		return (last);
	}

	if (k > 0) {
		sampler_top_k(s, logits, k);
		m = s->cand[0].p;
		total = 0.0;
		for (i = 0; i < k; i++) {
			s->cand[i].p = sampler_weight(s->cand[i].p, m, itemp);
			total += s->cand[i].p;
		}
		nc = k;
		/* top_p applies to the k survivors, renormalised. */
		if (s->top_p < 1.0f && (i = sampler_nucleus(s, nc, total)) > 0)
			nc = i;
		return (sampler_walk(s, nc, coin));
	}

	/*
	 * top_p alone.  A token below (1 - top_p) / (n - 1) of the mass is
	 * never needed while the tokens above it reach top_p, and usually
	 * they do, so sort only those; if they fall short, sort everything.
	 */
	if (n == 1)
		return (0);
	m = sampler_max(logits, n);
	total = 0.0;
	for (i = 0; i < n; i++)
		total += sampler_weight(sampler_logit(logits, i), m, itemp);
	nc = sampler_fill(s, logits, m, itemp,
	    (float)(total * (1.0 - s->top_p) / (n - 1)));
	i = sampler_nucleus(s, nc, total);
	if (i == 0) {
		nc = sampler_fill(s, logits, m, itemp, 0.0f);
		i = sampler_nucleus(s, nc, total);
	}
	if (i > 0)
		nc = i;
	return (sampler_walk(s, nc, coin));
}

/* Confidence figures from softmax(logits) at temperature 1, in double, as
 * differences from the maximum so nothing overflows. */
static void
sampler_info(const struct sampler *s, const float *logits, int32_t id,
    struct sample_info *info)
{
	double	z, wd, h, d;
	float	m, l, w, top_l[SAMPLER_TOPN];
	int	i, j, n, ntop;

	n = s->n_vocab;
	m = sampler_max(logits, n);
	z = wd = 0.0;
	ntop = 0;
	for (i = 0; i < n; i++) {
		l = sampler_logit(logits, i);
		w = sampler_weight(l, m, 1.0f);
		if (w > 0.0f) {
			z += w;
			wd += (double)w * (l == m ? 0.0 : (double)l - m);
		}
		/* Insert into the top list; equal logits keep id order. */
		if (ntop < SAMPLER_TOPN || l > top_l[ntop - 1]) {
			j = ntop < SAMPLER_TOPN ? ntop++ : SAMPLER_TOPN - 1;
			for (; j > 0 && l > top_l[j - 1]; j--) {
				top_l[j] = top_l[j - 1];
				info->top_id[j] = info->top_id[j - 1];
			}
			top_l[j] = l;
			info->top_id[j] = i;
		}
	}
	/* H = -sum p log p with log p = (l - m) - log z. */
	h = log(z) - wd / z;
	info->entropy = (float)(h > 0.0 ? h : 0.0);
	l = sampler_logit(logits, id);
	d = l == m ? 0.0 : (double)l - m;
	info->id = id;
	info->logprob = (float)(d - log(z));
	for (j = 0; j < SAMPLER_TOPN; j++) {
		if (j < ntop) {
			info->top_p[j] = (float)(sampler_weight(top_l[j], m,
			    1.0f) / z);
		} else {
			info->top_id[j] = -1;
			info->top_p[j] = 0.0f;
		}
	}
}

int32_t
sampler_pick(struct sampler *s, const float *logits, float coin,
    struct sample_info *info)
{
	int32_t	id;

	if (s->temp == 0.0f)
		id = sampler_argmax(logits, s->n_vocab);
	else
		id = sampler_draw(s, logits, coin);
	if (info != NULL)
		sampler_info(s, logits, id, info);
	return (id);
}

int32_t
sampler_sample(struct sampler *s, const float *logits,
    struct sample_info *info)
{
	return (sampler_pick(s, logits, sampler_coin(s), info));
}
