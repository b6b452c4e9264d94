/*
 * tui.h: the full-screen workbench: one prompt, every variant answering
 * it side by side as it streams, ratings, blind mode, and the history and
 * report views, in ncurses.  The engine and the store run behind
 * session.h; this draws what they report and never waits on them.
 */
#ifndef QCMP_TUI_H
#define QCMP_TUI_H

#include "model.h"
#include "session.h"
#include "store.h"

struct tui_opts {
	struct model	 *master;	/* what /variants builds from */
	const char	 *first_prompt;	/* asked at once, or NULL */
	int		  blind;	/* start in blind mode */
};

/* Runs the workbench on ses (its variants, settings and store set up)
 * until the user quits or a signal ends it; the terminal is restored
 * whatever happens.  Returns an exit code. */
int	tui_run(struct session *ses, const struct tui_opts *o);

#endif
