/*
 * diagram.h: a reliability diagram as lines of text, for both the
 * `qcmp report` output and the TUI.  One column per confidence bin (x =
 * confidence 0..1), a bar as tall as the bin's accuracy, a marker beside
 * it at the height perfect calibration would give (the bin's mean
 * confidence, or its midpoint when it is empty), dots for empty bins,
 * axes labelled 0 and 1 and a legend.  Every character takes one display
 * column; lines are at most 80 columns (65 with 10 bins), with no
 * trailing spaces and no newline.
 */
#ifndef QCMP_DIAGRAM_H
#define QCMP_DIAGRAM_H

#include "qerr.h"

struct metrics_bin;

#define DIAGRAM_ROWS		8	/* plot height in text rows */
/* The plot rows, then the x axis, its labels and the legend. */
#define DIAGRAM_LINES		(DIAGRAM_ROWS + 3)
#define DIAGRAM_MAX_BINS	12	/* most bins that fit in 80 columns */

/* Renders bins[0..nbins) (1 <= nbins <= DIAGRAM_MAX_BINS) into *n_lines
 * (DIAGRAM_LINES) NUL-terminated lines at *lines, top first, in UTF-8
 * (eighth blocks) or, when ascii != 0, printable ASCII only; *lines is one
 * malloc'ed block that free(*lines) releases. */
int	diagram_render(const struct metrics_bin *bins, int nbins, int ascii,
	    char ***lines, int *n_lines, struct qerr *err);

#endif
