/*
 * run-opts.h: what qcmp run, tui and batch share: their options (the
 * model, the variants, the sampler, the history) parsed by one parser,
 * and the loading of the model and its variants behind them.
 */
#ifndef QCMP_RUN_OPTS_H
#define QCMP_RUN_OPTS_H

#include "engine.h"
#include "generate.h"
#include "model.h"
#include "store.h"

#define RUN_MAX_VARIANTS	ENGINE_MAX_VARIANTS

enum run_mode { RUN_MODE_RUN, RUN_MODE_TUI, RUN_MODE_BATCH };

struct run_opts {
	enum run_mode		 mode;
	const char		*model, *tokenizer, *prompt, *file, *system;
	const char		*more[RUN_MAX_VARIANTS];	/* further -m */
	int			 n_more;
	const char		*variants;	/* NULL: the model as loaded */
	int			 isolated;	/* variants one after another */
	int			 json, json_tokens;
	int			 tmpl;		/* -1: from the model */
	int			 verbose;
	int			 threads;
	const char		*db;		/* NULL: the default */
	int			 no_history;
	int			 blind;		/* tui: start blind */
	const char		*run;		/* batch: the run's name */
	const char		*prompts;	/* batch: the JSONL file */
	int			 skip_bad;	/* batch: go on past bad lines */
	int			 quiet;		/* batch: no progress */
	struct store		*store;		/* open history, or NULL */
	struct gen_params	 gen;
};

/* Parses the options of mode, loads the model and variants and opens the
 * history, then runs mode's command; returns the exit code. */
int	run_exec(int argc, char **argv, enum run_mode mode);
/* qcmp batch, on the variants v[0..nv) of m (in cmd-batch.c). */
int	batch_main(struct model *m, struct model **v, int nv,
	    const struct run_opts *o);

#endif
