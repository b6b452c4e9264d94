/*
 * engine.h: several precision variants answering one prompt with the same
 * sampler seed, each on its own thread (or one after another when
 * isolated), reporting every token through a thread-safe queue.  Compute
 * never waits for the consumer; the consumer (CLI, terminal UI, store)
 * pops events when it likes.
 */
#ifndef QCMP_ENGINE_H
#define QCMP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "generate.h"
#include "model.h"
#include "qerr.h"

#define ENGINE_MAX_VARIANTS	8

enum engine_ev {
	ENGINE_TOKEN,	/* a variant chose a token */
	ENGINE_DONE	/* a variant finished (or failed) its answer */
};

struct engine_event {
	enum engine_ev		 kind;
	int			 variant;	/* index into the variants */
	struct gen_token	 tok;		/* ENGINE_TOKEN */
	char			*piece;		/* ENGINE_TOKEN: its text, may
						 * be ""; the consumer frees */
	double			 t_ms;		/* since this variant began
						 * (its turn, when isolated) */
	double			 cpu_ms;	/* CPU time this token (or
						 * answer) took: its thread's,
						 * or the process's isolated */
	struct gen_stats	 stats;		/* ENGINE_DONE */
	double			 cpu_total_ms;	/* ENGINE_DONE */
	int			 rc;		/* ENGINE_DONE: Q_OK or error */
	char			 err[512];	/* ENGINE_DONE with rc != Q_OK */
};

struct engine;

/* An engine over n variants (1..ENGINE_MAX_VARIANTS, all sharing one
 * vocabulary); isolated runs them one after another for clean timings. */
int	engine_new(struct model *const *variants, int n, int isolated,
	    struct engine **out, struct qerr *err);
/* Starts every variant on prompt[0..n_prompt) with the same parameters
 * (the same seed); prompt and p are copied. */
int	engine_start(struct engine *e, const int32_t *prompt,
	    size_t n_prompt, const struct gen_params *p, struct qerr *err);
/* Pops the next event into ev: 1, or 0 when every variant is done and
 * the queue is empty; waits up to timeout_ms (-1: forever), -1 on
 * timeout. */
int	engine_next(struct engine *e, struct engine_event *ev, int timeout_ms);
/* Asks every running variant to stop after its current token. */
void	engine_stop(struct engine *e);
/* Waits for the threads and frees; queued pieces are freed too. */
void	engine_free(struct engine *e);

#endif
