/*
 * answer.h: one variant's answer as it arrives from the engine: its text,
 * token ids, timings and the confidence figures summarised from them.
 * Every front end (CLI, terminal UI, store) builds its view from these.
 */
#ifndef QCMP_ANSWER_H
#define QCMP_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* What the engine said about one token of the answer. */
struct answer_tok {
	size_t		 off, len;	/* its piece in text */
	float		 logprob, entropy;
	double		 t_ms, cpu_ms;
	int32_t		 top_id[SAMPLER_TOPN];
	float		 top_p[SAMPLER_TOPN];
};

struct answer {
	char		*text;		/* NUL-terminated */
	size_t		 len, text_cap;
	int32_t		*ids;		/* n, as the divergence code takes */
	struct answer_tok *toks;	/* n */
	int		 n, ids_cap;
	double		 ttft_ms;	/* variant start to the first token */
	double		 sum_lp;	/* of the tokens' log-probabilities */
	double		 min_p;		/* lowest token probability */
	double		 sum_ent;	/* of the entropies, nats */
	struct gen_stats stats;		/* when done */
	double		 cpu_ms;	/* CPU time, when done */
	int		 done;
	int		 rc;		/* Q_OK or the failure */
};

/* Summaries; 0 for an empty answer. */
struct answer_summary {
	double	mean_logprob;
	double	min_prob;
	double	mean_entropy;
	double	seq_prob;	/* exp(sum of log-probabilities) */
	double	confidence;	/* exp(mean_logprob): the geometric mean
				 * token probability, what calibration scores */
	double	decode_tps;
	double	prompt_tps;
};

void	answer_init(struct answer *a);
void	answer_free(struct answer *a);
/* Takes a token or done event for this answer; Q_ENOMEM if the text or
 * ids could not grow (the figures still count the token). */
int	answer_add(struct answer *a, const struct engine_event *ev);
void	answer_summarise(const struct answer *a, struct answer_summary *s);

#endif
