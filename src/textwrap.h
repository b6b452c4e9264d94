/*
 * textwrap.h: UTF-8 text laid out in terminal columns, the one word-wrap
 * every view uses (the side-by-side columns of run, the TUI's panes).
 * Widths follow wcwidth() in the current locale; bytes that are not a
 * character in it count one column each.
 */
#ifndef QCMP_TEXTWRAP_H
#define QCMP_TEXTWRAP_H

#include <stddef.h>

/* A line of the layout: text[off .. off + len), its newline excluded. */
struct tw_line {
	size_t	off, len;
};

/* Display columns of s[0..n). */
int	textwrap_width(const char *s, size_t n);
/* Lays s[0..n) out in lines of at most width (>= 1) columns, breaking
 * after the last space that fits where there is one and at every
 * newline; returns the line count (at least 1) with *lines malloc'ed,
 * or -1 when out of memory. */
int	textwrap(const char *s, size_t n, int width, struct tw_line **lines);

#endif
