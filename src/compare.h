/*
 * compare.h: the command-line view of several variants answering one
 * prompt: the answers one after another in list order (the first
 * unfinished one streaming live), a table of size, speed, confidence and
 * divergence from the first variant, or JSON Lines.  Each answer is
 * recorded in the history as it finishes.
 */
#ifndef QCMP_COMPARE_H
#define QCMP_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "generate.h"
#include "history.h"
#include "model.h"
#include "qerr.h"

struct compare_opts {
	int	 isolated;	/* variants one after another */
	int	 json;		/* JSON Lines instead of text */
	int	 json_tokens;	/* and one object per token */
	int	 echo;		/* print the prompt before each answer */
	int	 columns;	/* > 0: a terminal this wide; the answers go
				 * side by side once done, with a live status
				 * line on stderr meanwhile */
	int	 plain;		/* one variant: only its text, as llama2.c
				 * prints it (no header, no table) */
	int	 verbose;	/* a figures line per answer on stderr */
	struct history *hist;	/* records every answer, or NULL */
};

/* Runs v[0..n) on prompt (ids, BOS included) and prints; returns Q_OK or
 * the first failure (already printed). */
int	compare_run(struct model **v, int n, const int32_t *ids, size_t n_ids,
	    const struct gen_params *p, const struct compare_opts *o,
	    struct qerr *err);

#endif
