/*
 * session.h: an interactive comparison, one prompt after another, for a
 * front end that must never wait on compute (the TUI): asking starts the
 * engine and returns, polling takes whatever events are queued, records
 * every answer in the history as it finishes and, once all are in, scores
 * their divergence from the reference on a thread of its own.  Ratings go
 * to the history at once.  Nothing here draws or prints.
 */
#ifndef QCMP_SESSION_H
#define QCMP_SESSION_H

#include <pthread.h>
#include <stdint.h>

#include "answer.h"
#include "divergence.h"
#include "engine.h"
#include "generate.h"
#include "history.h"
#include "model.h"
#include "qerr.h"
#include "store.h"

struct session_score;

struct session {
	/* set by the caller before session_ask */
	struct model		**v;		/* v[0] is the reference */
	int			  n;
	struct store		 *store;	/* or NULL: nothing recorded */
	const char		 *system;	/* or NULL */
	int			  tmpl;		/* -1: from the model */
	struct gen_params	  gen;
	int			  isolated;
	const char		 *front_end;	/* "tui" (the default), "batch" */
	int			  keep_stopped;	/* record stopped answers (1) */
	int64_t			  run_id;	/* batch: its run, or 0 */
	const char		 *item;		/* batch: the prompt's item */
	int			  no_reference;	/* v[0] is not the reference */

	/* the current prompt */
	char			 *text;
	const char		 *tmpl_name;
	int32_t			 *ids;
	size_t			  n_ids;
	struct answer		  ans[ENGINE_MAX_VARIANTS];
	int			  first_div[ENGINE_MAX_VARIANTS];
	struct div_stats	  dv[ENGINE_MAX_VARIANTS];
	int			  scored;	/* dv[] filled */
	char			  verdict[ENGINE_MAX_VARIANTS][8];
	int			  asked;	/* ans[0..asked) belong to the
						 * prompt (0: none) */
	int			  running;	/* the engine has not finished */
	struct engine		 *e;
	struct history		  h;
	int			  recording;	/* h is live */

	/* divergence being scored, oldest first (see session.c) */
	struct session_score	 *scoring;
	int			  score_started;	/* for this prompt */

	char			  msg[512];	/* the latest failure, or "" */
};

/* A session over v[0..n) with the store (or NULL) and the defaults of
 * qcmp run. */
void	session_init(struct session *s, struct model **v, int n,
	    struct store *store);
/* Starts every variant on text; Q_EUSAGE while the previous prompt is
 * still being answered, or when the prompt does not fit.  Earlier
 * prompts' divergence may still be scored meanwhile. */
int	session_ask(struct session *s, const char *text, struct qerr *err);
/* Takes the queued events without waiting; returns how many (answers
 * changed), and records what finished. */
int	session_poll(struct session *s);
/* Asks the running variants to stop after their current token. */
void	session_stop(struct session *s);
/* 1 while the engine runs. */
int	session_busy(const struct session *s);
/* 1 when nothing runs: no answers and no divergence being scored (the
 * variants may then be replaced). */
int	session_idle(const struct session *s);
/* Waits for every divergence being scored and records it, or with
 * cancel, gives it up (those answers keep no divergence). */
void	session_drain(struct session *s, int cancel);
/* Rates answer slot ("correct", "partial", "wrong") from source ("human",
 * "auto"), committed at once; note may be NULL.  Q_EUSAGE when the answer
 * is not recorded (yet). */
int	session_rate(struct session *s, int slot, const char *verdict,
	    const char *note, const char *source, int blind, struct qerr *err);
/* Waits up to timeout_ms for an event, then polls as session_poll. */
int	session_wait(struct session *s, int timeout_ms);
/* Ends the prompt (stopping its answers; its divergence is still scored
 * and recorded by later polls) and frees it; the variants stay the
 * caller's. */
void	session_clear(struct session *s);

#endif
