/*
 * history.h: what one comparison leaves in the history database: the
 * model and its variants, the prompt, each answer as it finishes and its
 * divergence from the reference.  Every front end (run, TUI, batch)
 * records through this, so the store sees the same facts whoever asked.
 */
#ifndef QCMP_HISTORY_H
#define QCMP_HISTORY_H

#include <stdint.h>

#include "answer.h"
#include "divergence.h"
#include "generate.h"
#include "model.h"
#include "qerr.h"
#include "store.h"

/* The prompt as asked. */
struct history_prompt {
	const char		*front_end;	/* "run", "tui", "batch" */
	const char		*text;
	const char		*system;	/* or NULL */
	const char		*tmpl;		/* chat template name */
	const struct gen_params	*gen;
	int			 n_prompt;	/* tokens, BOS included */
	int64_t			 run_id;	/* a batch run's, or 0 */
	const char		*item;		/* its item, or NULL */
	int			 no_reference;	/* slot 0 is not the reference
						 * (it answered before) */
};

/* One prompt's comparison being recorded. */
struct history {
	struct store	*store;
	int64_t		 model_id;
	int64_t		 variant_id[ENGINE_MAX_VARIANTS];
	int64_t		 answer_id[ENGINE_MAX_VARIANTS];	/* 0: none */
	int64_t		 prompt_id;			/* 0: none yet */
	int		 n;
	struct history_prompt p;
};

/* Opens the database at path (NULL: the default) for writing, or for
 * reading an existing one, or fails with a one-line error naming it. */
int	history_open(const char *path, int readonly, struct store **out,
	    struct qerr *err);
/* Registers the model (v[0]'s file) and variants v[0..n) and remembers p
 * for the prompt row written with the first answer. */
int	history_begin(struct history *h, struct store *s, struct model **v,
	    int n, const struct history_prompt *p, struct qerr *err);
/* Registers the model (v[0]'s file, hashed once and remembered) and
 * variants v[0..n) without a prompt; *model_id gets the model's row. */
int	history_register(struct store *s, struct model **v, int n,
	    int64_t *model_id, struct qerr *err);
/* Writes answer `slot` (0 is the reference) with its tokens. */
int	history_answer(struct history *h, int slot, const struct answer *a,
	    struct qerr *err);
/* Adds answer slot's divergence from the reference (slot > 0). */
int	history_divergence(struct history *h, int slot,
	    const struct div_stats *ds, struct qerr *err);

#endif
