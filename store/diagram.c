/*
 * diagram.c: draws a reliability diagram as text lines that a terminal
 * report and a curses window can both print.  Heights are quantised to
 * eighths of a row with the Unicode lower blocks, or to whole rows in
 * ASCII; the calibration marker sits in its own cell beside each bar so
 * it stays visible whether the bar reaches it or not.
 */
#include "config.h"

#include "diagram.h"

#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Room for one line: at most 80 cells of at most 3 UTF-8 bytes. */
#define DIAGRAM_LINE_BYTES	256
/* Cells before the first bin: a 3-cell label, a space and the axis. */
#define DIAGRAM_GUTTER		5
/* Cells per bin: a space, three bar cells, the marker and a space, so a
 * marker with no bar beside it is not read as the next bin's. */
#define DIAGRAM_COLW		6

struct diagram_glyphs {
	int		 levels;	/* height steps per row */
	const char	*bar[9];	/* by filled steps, 0 to levels */
	const char	*empty, *marker;
	const char	*vert, *top, *corner, *horiz;
	const char	*legend;
};

static const struct diagram_glyphs diagram_utf8 = {
	8,
	{ " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586",
	  "\u2587", "\u2588" },
	"\u00b7", "\u25c4",
	"\u2502", "\u2524", "\u2514", "\u2500",
	"\u2588 accuracy  \u25c4 ideal (mean confidence)  \u00b7 empty bin"
};

static const struct diagram_glyphs diagram_ascii = {
	1,
	{ " ", "#" },
	".", "<",
	"|", "+", "+", "-",
	"# accuracy  < ideal (mean confidence)  . empty bin"
};

struct diagram_line {
	char	*p;
	size_t	 len;		/* bytes written */
	size_t	 end;		/* bytes up to the last non-space */
};

static void
diagram_put(struct diagram_line *l, const char *s)
{
	size_t	n = strlen(s);

	if (l->len + n >= DIAGRAM_LINE_BYTES)
		return;
	memcpy(l->p + l->len, s, n);
	l->len += n;
	if (strcmp(s, " ") != 0)
		l->end = l->len;
}

static void
diagram_spaces(struct diagram_line *l, int n)
{
	while (n-- > 0)
		diagram_put(l, " ");
}

static void
diagram_finish(struct diagram_line *l)
{
	l->p[l->end] = '\0';
}

/* v in [0, 1] (NaN as 0) in height steps of total. */
static int
diagram_steps(double v, int total)
{
	if (!(v > 0.0))
		return (0);
	if (v > 1.0)
		v = 1.0;
	return ((int)(v * total + 0.5));
}

/* The row (0 at the bottom) holding the top of a bar of h steps. */
static int
diagram_top_row(int h, int levels)
{
	return (h > 0 ? (h - 1) / levels : 0);
}

/* One plot row r (0 at the bottom). */
static void
diagram_row(struct diagram_line *l, const struct metrics_bin *bins,
    int nbins, const struct diagram_glyphs *g, int r)
{
	int		 total = DIAGRAM_ROWS * g->levels, i, h, fill, mrow;
	double		 ideal;
	const char	*cell;

	diagram_put(l, r == DIAGRAM_ROWS - 1 ? "  1 " : "    ");
	diagram_put(l, r == DIAGRAM_ROWS - 1 ? g->top : g->vert);
	for (i = 0; i < nbins; i++) {
		if (bins[i].n > 0) {
			ideal = bins[i].conf;
			h = diagram_steps(bins[i].acc, total);
		} else {
			ideal = (i + 0.5) / nbins;
			h = 0;
		}
		fill = h - r * g->levels;
		if (fill > g->levels)
			fill = g->levels;
		if (bins[i].n <= 0 && r == 0)
			cell = g->empty;
		else
			cell = g->bar[fill > 0 ? fill : 0];
		diagram_put(l, " ");
		diagram_put(l, cell);
		diagram_put(l, cell);
		diagram_put(l, cell);
		mrow = diagram_top_row(diagram_steps(ideal, total), g->levels);
		diagram_put(l, mrow == r ? g->marker : " ");
		diagram_put(l, " ");
	}
}

int
diagram_render(const struct metrics_bin *bins, int nbins, int ascii,
    char ***lines, int *n_lines, struct qerr *err)
{
	const struct diagram_glyphs	*g = ascii ? &diagram_ascii :
					    &diagram_utf8;
	struct diagram_line		 ln[DIAGRAM_LINES];
	char				**out, *text;
	int				 i, r, w, pad;

	*lines = NULL;
	*n_lines = 0;
	if (nbins < 1 || nbins > DIAGRAM_MAX_BINS)
		return (qerr_set(err, Q_EUSAGE, "diagram: nbins: %d is not "
		    "between 1 and %d", nbins, DIAGRAM_MAX_BINS));
	out = malloc(DIAGRAM_LINES * (sizeof *out + DIAGRAM_LINE_BYTES));
	if (out == NULL)
		return (qerr_set(err, Q_ENOMEM, "diagram: out of memory"));
	text = (char *)(out + DIAGRAM_LINES);
	for (i = 0; i < DIAGRAM_LINES; i++) {
		out[i] = ln[i].p = text + (size_t)i * DIAGRAM_LINE_BYTES;
		ln[i].len = ln[i].end = 0;
	}

	for (r = DIAGRAM_ROWS - 1; r >= 0; r--)
		diagram_row(&ln[DIAGRAM_ROWS - 1 - r], bins, nbins, g, r);

	diagram_put(&ln[DIAGRAM_ROWS], "  0 ");
	diagram_put(&ln[DIAGRAM_ROWS], g->corner);
	w = nbins * DIAGRAM_COLW;
	for (i = 0; i < w; i++)
		diagram_put(&ln[DIAGRAM_ROWS], g->horiz);

	/* x runs from the first bin cell to the last marker cell */
	diagram_spaces(&ln[DIAGRAM_ROWS + 1], DIAGRAM_GUTTER);
	diagram_put(&ln[DIAGRAM_ROWS + 1], "0");
	if (w >= 14) {
		pad = (w - 10) / 2 - 1;
		diagram_spaces(&ln[DIAGRAM_ROWS + 1], pad);
		diagram_put(&ln[DIAGRAM_ROWS + 1], "confidence");
		diagram_spaces(&ln[DIAGRAM_ROWS + 1], w - 12 - pad);
	} else
		diagram_spaces(&ln[DIAGRAM_ROWS + 1], w - 2);
	diagram_put(&ln[DIAGRAM_ROWS + 1], "1");

	diagram_spaces(&ln[DIAGRAM_ROWS + 2], DIAGRAM_GUTTER);
	diagram_put(&ln[DIAGRAM_ROWS + 2], g->legend);

	for (i = 0; i < DIAGRAM_LINES; i++)
		diagram_finish(&ln[i]);
	*lines = out;
	*n_lines = DIAGRAM_LINES;
	return (Q_OK);
}
