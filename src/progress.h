/*
 * progress.h: a progress reporter for long commands (qcmp ppl, and later
 * qcmp batch) on stderr: one line redrawn in place on a terminal, a plain
 * line every ten seconds otherwise, nothing when quiet.
 */
#ifndef QCMP_PROGRESS_H
#define QCMP_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How often each mode writes, in milliseconds. */
#define PROGRESS_TTY_MS		100.0
#define PROGRESS_PLAIN_MS	10000.0

struct progress {
	const char	*label;
	int64_t		 total, done, tokens;
	FILE		*f;		/* NULL: quiet */
	int		 tty;		/* redraw in place */
	int		 width;		/* columns; 0: ask the terminal */
	double		 t0, last;	/* ms: the start, the last line */
	int64_t		 drawn_done, drawn_tokens; /* in the last line, or -1 */
	double		(*clock)(void);	/* ms; the monotonic clock */
};

/* Starts reporting on stderr (nothing when quiet); total is the count of
 * units (chunks, prompts) to do. */
void	progress_start(struct progress *p, const char *label, int64_t total,
	    int quiet);
/* The same on f, redrawn in place when f is a terminal. */
void	progress_start_file(struct progress *p, FILE *f, const char *label,
	    int64_t total);
/* done units of total are finished, tokens processed so far (for the
 * rate); writes a line when one is due. */
void	progress_update(struct progress *p, int64_t done, int64_t tokens);
/* Writes the last line (and ends the redrawn one). */
void	progress_end(struct progress *p);

/* Pure formatting, for the tests. */
/* seconds as m:ss, or h:mm:ss from an hour on; "?:??" when negative or
 * not finite (not known yet). */
void	progress_hms(char *buf, size_t cap, double seconds);
/* The line for done/total after elapsed_ms with tokens processed: with
 * width 0 the plain one ("label: 3/10 (30%), 120 tok/s, ETA 0:07"), else
 * the terminal one with a bar, never longer than width - 1 columns. */
void	progress_format(char *buf, size_t cap, const char *label,
	    int64_t done, int64_t total, int64_t tokens, double elapsed_ms,
	    int width);

#endif
