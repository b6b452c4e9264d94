/*
 * tui-impl.h: the workbench's state, shared by its event loop (tui.c),
 * its drawing (draw.c) and its views of the history (views.c).
 */
#ifndef QCMP_TUI_IMPL_H
#define QCMP_TUI_IMPL_H

#include <curses.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "answer.h"
#include "session.h"
#include "tui.h"

#define TUI_MIN_COLS	80
#define TUI_MIN_ROWS	24
#define TUI_MAX		ENGINE_MAX_VARIANTS
#define TUI_FRAME_MS	40	/* redraws at most this often while
				 * answers stream */

enum tui_view {
	VIEW_MAIN,	/* the live panes */
	VIEW_HELP,	/* keys and commands, over VIEW_MAIN */
	VIEW_TEXT,	/* a scrollable text: the report */
	VIEW_HISTORY,	/* earlier prompts */
	VIEW_SHOW	/* one earlier prompt's answers as panes */
};

/* What one pane shows, live or from the history. */
struct pane {
	char			 head[160];
	char			 foot[2][160];	/* figures; divergence, end, verdict */
	const char		*echo;		/* the prompt, dim, or NULL */
	size_t			 echo_len;
	const char		*text;
	size_t			 len;
	const struct answer_tok	*toks;		/* NULL: no heat map */
	int			 n_toks;
	int			 div_from;	/* token departing, -1 none */
};

/* An answer of an earlier prompt, from the store. */
struct tui_stored {
	int64_t	 id;
	char	*variant, *text, *finish, *verdict;
	double	 bpw, ttft_ms, decode_tps, kld;
	int	 n_tokens, first_div, has_div;
};

struct tui_hist {
	int64_t	 id;
	char	*line;
};

struct tui_geom {
	int	y, x, h, w;
};

struct tui {
	struct session		*ses;
	struct model		*master;
	int			 color;		/* colours allowed and there */
	int			 utf8;

	/* blind mode */
	int			 blind_next;	/* for the prompts to come */
	int			 blind;		/* the current prompt's */
	int			 revealed;
	int			 perm[TUI_MAX];	/* pane position -> slot */

	enum tui_view		 view, back;	/* back: under VIEW_HELP */
	int			 focus;		/* -1: the prompt line */
	int			 scroll[TUI_MAX];	/* lines up from the end */
	struct tui_geom		 geom[TUI_MAX];	/* as last drawn */
	int			 n_geom;
	int			 heat, divhl;
	char			 msg[640];
	char			*system;	/* owned copy behind ses->system */

	/* the input line's use: a prompt, or a note for a pane */
	int			 note_slot;	/* -1: prompt */
	char			*draft;		/* the prompt put aside */

	char			*echo;		/* the prompt as the panes show it */
	size_t			 echo_len;

	/* VIEW_TEXT */
	char			*text;
	size_t			 text_len;
	int			 text_top;
	char			 text_title[64];

	/* VIEW_HISTORY */
	struct tui_hist		*hist;
	int			 n_hist, hist_sel, hist_top;

	/* VIEW_SHOW */
	struct tui_stored	*stored;
	int			 n_stored;
	char			*stored_prompt;
	int			 stored_focus;
	int			 stored_scroll[TUI_MAX];

	/* /variants, built on a thread of its own */
	pthread_t		 build_tid;
	int			 building;
	atomic_int		 build_done;
	char			*build_list;
	struct model		*build_v[TUI_MAX];
	int			 build_n;
	char			 build_err[512];

	int			 quit;
};

/* draw.c */
void	tui_colors(struct tui *t);
void	tui_draw(struct tui *t);
/* The pane position under screen cell (y, x), or -1. */
int	tui_pane_at(const struct tui *t, int y, int x);

/* views.c */
void	tui_report_open(struct tui *t);
void	tui_history_open(struct tui *t);
void	tui_history_free(struct tui *t);
/* Opens prompt id of the history as panes. */
void	tui_show_open(struct tui *t, int64_t id);
void	tui_show_free(struct tui *t);
void	tui_show_rate(struct tui *t, const char *verdict);
void	tui_text_free(struct tui *t);
/* Lines of the help overlay, NULL-terminated. */
extern const char *const tui_help_keys[];

#endif
