/*
 * progress.c: the progress line long commands write on stderr while they
 * work, and the pure formatting behind it.
 */
#include "config.h"

#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"

#define PROGRESS_BAR_MAX	30	/* bar cells at most */
#define PROGRESS_BAR_MIN	5	/* a narrower bar is left out */

static double
progress_now(void)
{
	return (clock_ms(CLOCK_MONOTONIC));
}

void
progress_hms(char *buf, size_t cap, double seconds)
{
	long	s;

	if (!isfinite(seconds) || seconds < 0.0 || seconds > 1e9) {
		snprintf(buf, cap, "?:??");
		return;
	}
	s = lround(seconds);
	if (s >= 3600)
		snprintf(buf, cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(buf, cap, "%ld:%02ld", s / 60, s % 60);
}

void
progress_format(char *buf, size_t cap, const char *label, int64_t done,
    int64_t total, int64_t tokens, double elapsed_ms, int width)
{
	char	eta[32], tail[128], bar[PROGRESS_BAR_MAX + 1];
	double	sec = elapsed_ms / 1e3, rate;
	int	pct, cells, fill, room;

	if (cap == 0)
		return;
	pct = total > 0 ? (int)(done * 100 / total) : 100;
	rate = sec > 0.0 ? tokens / sec : 0.0;
	/* the rest takes as long per unit as what is done took */
	progress_hms(eta, sizeof eta, done >= total ? 0.0 : done > 0 ?
	    sec * (double)(total - done) / (double)done : -1.0);
	if (width <= 0) {
		snprintf(buf, cap, "%s: %lld/%lld (%d%%), %.0f tok/s, ETA %s",
		    label, (long long)done, (long long)total, pct, rate, eta);
		return;
	}
	snprintf(tail, sizeof tail, " %lld/%lld %3d%% %.0f tok/s ETA %s",
	    (long long)done, (long long)total, pct, rate, eta);
	/* label, space, [bar], tail within width - 1 columns */
	room = width - 1 - (int)strlen(label) - 3 - (int)strlen(tail);
	cells = room < PROGRESS_BAR_MAX ? room : PROGRESS_BAR_MAX;
	if (cells >= PROGRESS_BAR_MIN) {
		fill = total > 0 ? (int)(done * cells / total) : cells;
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(cells - fill));
		bar[cells] = '\0';
		snprintf(buf, cap, "%s [%s]%s", label, bar, tail);
	} else
		snprintf(buf, cap, "%s%s", label, tail);
	/* a very narrow terminal: cut the line (the label is ASCII) */
	if (strlen(buf) > (size_t)(width - 1))
		buf[width > 1 ? width - 1 : 0] = '\0';
}

/* The columns of p's terminal, 80 when it will not say. */
static int
progress_columns(const struct progress *p)
{
	struct winsize	ws;

	if (p->width > 0)
		return (p->width);
	if (ioctl(fileno(p->f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return (ws.ws_col);
	return (80);
}

static void
progress_draw(struct progress *p, double now)
{
	char	line[512];

	progress_format(line, sizeof line, p->label, p->done, p->total,
	    p->tokens, now - p->t0, p->tty ? progress_columns(p) : 0);
	if (p->tty)
		fprintf(p->f, "\r%s\033[K", line);
	else
		fprintf(p->f, "%s\n", line);
	fflush(p->f);
	p->last = now;
	p->drawn_done = p->done;
	p->drawn_tokens = p->tokens;
}

void
progress_start_file(struct progress *p, FILE *f, const char *label,
    int64_t total)
{
	memset(p, 0, sizeof *p);
	p->label = label;
	p->total = total;
	p->f = f;
	p->tty = f != NULL && isatty(fileno(f));
	p->drawn_done = p->drawn_tokens = -1;
	p->clock = progress_now;
	p->t0 = p->last = p->clock();
}

void
progress_start(struct progress *p, const char *label, int64_t total,
    int quiet)
{
	progress_start_file(p, quiet ? NULL : stderr, label, total);
}

void
progress_update(struct progress *p, int64_t done, int64_t tokens)
{
	double	now;

	p->done = done;
	p->tokens = tokens;
	if (p->f == NULL)
		return;
	now = p->clock();
	if (now - p->last >= (p->tty ? PROGRESS_TTY_MS : PROGRESS_PLAIN_MS))
		progress_draw(p, now);
}

void
progress_end(struct progress *p)
{
	if (p->f == NULL)
		return;
	/* a plain line already saying where it ended is not repeated */
	if (p->tty || p->drawn_done != p->done ||
	    p->drawn_tokens != p->tokens)
		progress_draw(p, p->clock());
	if (p->tty)
		fputc('\n', p->f);
	fflush(p->f);
	p->f = NULL;
}
