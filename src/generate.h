/*
 * generate.h: one answer from one model: run the prompt, then sample and
 * feed back tokens until end of generation, the token limit or the end of
 * the context, reporting every token to a callback as it is chosen.
 */
#ifndef QCMP_GENERATE_H
#define QCMP_GENERATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "kpool.h"
#include "model.h"
#include "qerr.h"
#include "sampler.h"

/* Default context: a model's trained context can be 128k positions, whose
 * KV cache would not fit in memory; llama.cpp picks the same default. */
#define GEN_DEFAULT_CTX	4096

struct gen_params {
	int		n_predict;	/* < 0: until EOS or the context is full */
	int		n_ctx;		/* 0: GEN_DEFAULT_CTX or the model's
					 * trained context if smaller */
	float		temp;
	int		top_k;
	float		top_p;
	uint64_t	seed;
	struct kpool	*pool;		/* threads for the products, or NULL */
	/* where a pool may be handed over while generating (NULL: never):
	 * once *late_pool is set, the next tokens' products run on it and
	 * OpenBLAS on as many threads */
	_Atomic(struct kpool *) *late_pool;
};

enum gen_finish {
	GEN_EOS,	/* the model ended its answer */
	GEN_LENGTH,	/* n_predict tokens were generated */
	GEN_CONTEXT,	/* the context is full */
	GEN_STOPPED	/* the callback asked to stop */
};

struct gen_token {
	int			 index;	/* 0 for the first generated token */
	int			 pos;	/* position the token occupies */
	struct sample_info	 info;	/* id, log-prob, entropy, top-5 */
	double			 ms;	/* wall time since the previous token
					 * (since the prompt for index 0) */
};

struct gen_stats {
	int		 n_prompt;	/* prompt tokens, BOS included */
	int		 n_gen;		/* generated tokens */
	int		 n_ctx;		/* context the run used */
	double		 prompt_ms;	/* prompt processing */
	double		 gen_ms;	/* first sampled token to the last */
	enum gen_finish	 finish;
};

/* qcmp run's defaults: to the end, temperature 0.8, top-k 40, top-p 0.95,
 * seed 42, the default context, no pool. */
void	gen_defaults(struct gen_params *p);

/* Called for every generated token; a non-zero return stops generation. */
typedef int (*gen_token_cb)(void *arg, const struct gen_token *tok);

/* The n_ctx generation uses: p->n_ctx or the model's trained context,
 * capped at what n_prompt + n_predict needs.  Q_EUSAGE when the prompt does
 * not fit. */
int	generate_ctx(const struct model *m, const struct gen_params *p,
	    size_t n_prompt, int *n_ctx, struct qerr *err);
/* Q_OK when generate() would accept p for a prompt of n_prompt tokens;
 * else Q_EUSAGE saying which setting is wrong. */
int	generate_check(const struct model *m, const struct gen_params *p,
	    size_t n_prompt, struct qerr *err);
/* Generates an answer to prompt[0..n_prompt) (BOS already included). */
int	generate(const struct model *m, const int32_t *prompt, size_t n_prompt,
	    const struct gen_params *p, gen_token_cb cb, void *arg,
	    struct gen_stats *st, struct qerr *err);
/* "eos", "length", "context", "stopped". */
const char *generate_finish_name(enum gen_finish f);

#endif
