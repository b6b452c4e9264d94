/*
 * textwrap.c: word-wrap in display columns (see textwrap.h).
 */
#include "config.h"

#include "textwrap.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The character at s[0..n) and its byte length; a byte that does not
 * start one in this locale is one column wide on its own. */
static size_t
textwrap_char(const char *s, size_t n, mbstate_t *st, int *w)
{
	wchar_t	wc;
	size_t	k = mbrtowc(&wc, s, n, st);

	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		memset(st, 0, sizeof *st);
		*w = 1;
		return (1);
	}
	*w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
	return (k);
}

int
textwrap_width(const char *s, size_t n)
{
	mbstate_t	st;
	size_t		i = 0;
	int		w, total = 0;

	memset(&st, 0, sizeof st);
	while (i < n) {
		i += textwrap_char(s + i, n - i, &st, &w);
		total += w;
	}
	return (total);
}

static int
textwrap_add(struct tw_line **lines, int *nl, int *cap, size_t a, size_t b)
{
	if (*nl == *cap) {
		struct tw_line	*g;

		*cap = *cap ? 2 * *cap : 16;
		if ((g = realloc(*lines, (size_t)*cap * sizeof *g)) == NULL)
			return (-1);
		*lines = g;
	}
	(*lines)[(*nl)++] = (struct tw_line){ a, b - a };
	return (0);
}

int
textwrap(const char *s, size_t n, int width, struct tw_line **lines)
{
	size_t		line = 0, i = 0, brk = (size_t)-1;
	int		col = 0, nl = 0, cap = 0, w;
	mbstate_t	st;

	*lines = NULL;
	if (width < 1)
		width = 1;
	memset(&st, 0, sizeof st);
	while (i < n) {
		size_t	k;

		k = textwrap_char(s + i, n - i, &st, &w);
		/* a newline, or a space that overflows, is a break itself */
		if (s[i] == '\n' || (s[i] == ' ' && col + w > width)) {
			if (textwrap_add(lines, &nl, &cap, line, i))
				goto nomem;
			line = ++i;
			col = 0;
			brk = (size_t)-1;
			continue;
		}
		if (col + w > width && i > line) {
			size_t cut = brk != (size_t)-1 ? brk : i;

			if (textwrap_add(lines, &nl, &cap, line, cut))
				goto nomem;
			line = brk != (size_t)-1 ? brk + 1 : i;
			col = textwrap_width(s + line, i - line);
			brk = (size_t)-1;
			continue;
		}
		if (s[i] == ' ')
			brk = i;
		col += w;
		i += k;
	}
	if (textwrap_add(lines, &nl, &cap, line, n))
		goto nomem;
	return (nl);
nomem:
	free(*lines);
	*lines = NULL;
	return (-1);
}
