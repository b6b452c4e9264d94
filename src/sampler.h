/*
 * sampler.h: picks the next token from logits (greedy, temperature, top-k,
 * top-p) and measures the model's confidence in it.  The sampler owns its
 * RNG; sampler_pick takes the random draw as a parameter so it is pure.
 */
#ifndef QCMP_SAMPLER_H
#define QCMP_SAMPLER_H

#include <stdint.h>

#include "qerr.h"

#define SAMPLER_TOPN 5

struct sampler_cand {
	int32_t	 id;
	float	 p;
};

struct sampler {
	int			 n_vocab;
	float			 temp;	/* 0: greedy */
	int			 top_k;	/* 0: off */
	float			 top_p;	/* 1: off */
	uint64_t		 rng;	/* xorshift64* state, never 0 */
	struct sampler_cand	*cand;	/* n_vocab scratch entries */
};

/* What the model thought of the step, all from the unmodified softmax of
 * the logits (temperature 1, no truncation), so confidence figures do not
 * depend on sampler settings. */
struct sample_info {
	int32_t	 id;			/* the chosen token */
	float	 logprob;		/* natural log of its probability */
	float	 entropy;		/* of the distribution, in nats */
	int32_t	 top_id[SAMPLER_TOPN];	/* most probable tokens, best first */
	float	 top_p[SAMPLER_TOPN];
};

/* Q_EUSAGE (err says which) for temp < 0, top_k < 0, top_p outside (0,1]. */
int	sampler_init(struct sampler *s, int n_vocab, float temp, int top_k,
	    float top_p, uint64_t seed, struct qerr *err);
void	sampler_free(struct sampler *s);
/* Draws from the sampler's RNG and picks; logits are left unchanged. */
int32_t	sampler_sample(struct sampler *s, const float *logits,
	    struct sample_info *info);
/* Deterministic pick with coin in [0,1); info may be NULL. */
int32_t	sampler_pick(struct sampler *s, const float *logits, float coin,
	    struct sample_info *info);
/* Next uniform float in [0,1) from the sampler's RNG. */
float	sampler_coin(struct sampler *s);

#endif
