/*
 * draw.c: the workbench's screen, redrawn whole from the state each frame
 * (ncurses sends only what changed).  Panes sit side by side, or stacked
 * when the terminal is too narrow for that; below 80x24 the screen says
 * so instead of drawing something garbled.
 */
#include "config.h"

#include "tui-impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "answer.h"
#include "slash.h"
#include "textwrap.h"
#include "variant.h"

#include "input.h"

enum {
	PAIR_HEAD = 1, PAIR_FOCUS, PAIR_HIGH, PAIR_MID, PAIR_LOW, PAIR_DIV,
	PAIR_BAR, PAIR_MSG
};

#define PANE_MIN_W	24	/* narrower than this: stack the panes */
#define PANE_WIDE	64	/* this wide: the footer takes one line */

void
tui_colors(struct tui *t)
{
	const char	*nc = getenv("NO_COLOR");

	t->color = has_colors() && (nc == NULL || *nc == '\0');
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_HEAD, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_FOCUS, COLOR_BLACK, COLOR_YELLOW);
	init_pair(PAIR_HIGH, COLOR_GREEN, -1);
	init_pair(PAIR_MID, COLOR_YELLOW, -1);
	init_pair(PAIR_LOW, COLOR_RED, -1);
	init_pair(PAIR_DIV, COLOR_MAGENTA, -1);
	init_pair(PAIR_BAR, COLOR_BLACK, COLOR_WHITE);
	init_pair(PAIR_MSG, COLOR_RED, -1);
}

/* s[0..n) at (y, x), at most w columns, with attribute a. */
static void
draw_str(int y, int x, int w, const char *s, size_t n, attr_t a)
{
	mbstate_t	st;
	size_t		i = 0;
	int		col = 0;

	memset(&st, 0, sizeof st);
	attron(a);
	move(y, x);
	while (i < n) {
		wchar_t	wc;
		size_t	k = mbrtowc(&wc, s + i, n - i, &st);
		int	cw;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			k = 1;
			wc = L'?';
		}
		if (wc == L'\t' || wc < L' ')
			wc = L' ';
		cw = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		if (col + cw > w)
			break;
		if (wcwidth(wc) < 0)
			addch('?');
		else
			addnwstr(&wc, 1);
		col += cw;
		i += k;
	}
	attroff(a);
}

/* A whole row of width w in attribute a with s on it. */
static void
draw_bar(int y, int x, int w, const char *s, attr_t a)
{
	attron(a);
	mvhline(y, x, ' ', w);
	attroff(a);
	draw_str(y, x, w, s, strlen(s), a);
}

static attr_t
draw_pair(const struct tui *t, int pair, attr_t mono)
{
	return (t->color ? COLOR_PAIR(pair) : mono);
}

/* The attribute of token k of p: departed from the reference, or its
 * probability's band. */
static attr_t
draw_tok_attr(const struct tui *t, const struct pane *p, int k)
{
	double	pr;

	if (t->divhl && p->div_from >= 0 && k >= p->div_from)
		return (draw_pair(t, PAIR_DIV, A_REVERSE) | A_BOLD);
	if (!t->heat)
		return (A_NORMAL);
	pr = exp(p->toks[k].logprob);
	if (pr >= 0.8)
		return (draw_pair(t, PAIR_HIGH, A_NORMAL));
	if (pr >= 0.5)
		return (draw_pair(t, PAIR_MID, A_NORMAL));
	if (pr >= 0.2)
		return (draw_pair(t, PAIR_LOW, A_UNDERLINE));
	return (draw_pair(t, PAIR_LOW, A_UNDERLINE) | A_BOLD);
}

/* One pane at g; *scroll (lines up from the end) is clamped. */
static void
draw_pane(const struct tui *t, const struct pane *p, struct tui_geom g,
    int focused, int *scroll)
{
	struct tw_line	*lines;
	char		*all;
	size_t		 n = p->echo_len + p->len;
	int		 nf = g.w >= PANE_WIDE ? 1 : 2, nl, first, k = 0;
	int		 body = g.h - 1 - nf;
	attr_t		 fa = draw_pair(t, PAIR_BAR, A_REVERSE) |
			    (focused ? A_BOLD : A_NORMAL);

	draw_bar(g.y, g.x, g.w, p->head, focused ?
	    draw_pair(t, PAIR_FOCUS, A_REVERSE | A_BOLD) | A_BOLD :
	    draw_pair(t, PAIR_HEAD, A_REVERSE));
	if (nf == 1) {
		char	f[sizeof p->foot];

		snprintf(f, sizeof f, "%s %s", p->foot[0], p->foot[1]);
		draw_bar(g.y + g.h - 1, g.x, g.w, f, fa);
	} else
		for (int i = 0; i < 2; i++)
			draw_bar(g.y + g.h - 2 + i, g.x, g.w, p->foot[i], fa);
	if (body < 1 || (all = malloc(n + 1)) == NULL)
		return;
	if (p->echo_len)
		memcpy(all, p->echo, p->echo_len);
	if (p->len)
		memcpy(all + p->echo_len, p->text, p->len);
	all[n] = '\0';
	if ((nl = textwrap(all, n, g.w, &lines)) < 0) {
		free(all);
		return;
	}
	if (*scroll > nl - body)
		*scroll = nl - body > 0 ? nl - body : 0;
	if (*scroll < 0)
		*scroll = 0;
	first = nl - body - *scroll;
	if (first < 0)
		first = 0;
	for (int r = 0; r < body && first + r < nl; r++) {
		const struct tw_line *l = &lines[first + r];
		size_t	 i = l->off, end = l->off + l->len;
		int	 x = g.x;

		/* runs of one attribute: the echo, then token by token */
		while (i < end) {
			size_t	 j = end;
			attr_t	 a = A_NORMAL;

			if (i < p->echo_len) {
				j = p->echo_len < end ? p->echo_len : end;
				a = A_DIM;
			} else if (p->toks != NULL && p->n_toks > 0) {
				size_t	o = i - p->echo_len;

				while (k + 1 < p->n_toks &&
				    p->toks[k].off + p->toks[k].len <= o)
					k++;
				while (k > 0 && p->toks[k].off > o)
					k--;
				if (p->toks[k].off + p->toks[k].len > o &&
				    p->toks[k].off <= o) {
					size_t te = p->echo_len +
					    p->toks[k].off + p->toks[k].len;

					j = te < end ? te : end;
					a = draw_tok_attr(t, p, k);
				} else if (p->toks[k].off > o)
					j = p->echo_len + p->toks[k].off < end ?
					    p->echo_len + p->toks[k].off : end;
			}
			draw_str(g.y + 1 + r, x, g.x + g.w - x, all + i, j - i,
			    a);
			x += textwrap_width(all + i, j - i);
			i = j;
		}
	}
	free(lines);
	free(all);
}

/* Pane geometry for n panes in the rows [y0, y0 + h) of a w-wide
 * screen: side by side, one column of gap, or stacked. */
static void
draw_layout(struct tui *t, int n, int y0, int h, int w)
{
	t->n_geom = n;
	if (n < 1)
		return;
	if ((w - (n - 1)) / n >= PANE_MIN_W) {
		int	pw = (w - (n - 1)) / n;

		for (int i = 0; i < n; i++) {
			t->geom[i] = (struct tui_geom){ y0, i * (pw + 1), h,
			    i + 1 == n ? w - i * (pw + 1) : pw };
			for (int y = y0; i > 0 && y < y0 + h; y++)
				mvaddstr(y, i * (pw + 1) - 1, t->utf8 ?
				    "\xe2\x94\x82" : "|");	/* between two */
		}
	} else {
		int	ph = h / n;

		for (int i = 0; i < n; i++)
			t->geom[i] = (struct tui_geom){ y0 + i * ph, 0,
			    i + 1 == n ? h - i * ph : ph, w };
	}
}

int
tui_pane_at(const struct tui *t, int y, int x)
{
	for (int i = 0; i < t->n_geom; i++) {
		const struct tui_geom *g = &t->geom[i];

		if (y >= g->y && y < g->y + g->h && x >= g->x &&
		    x < g->x + g->w)
			return (i);
	}
	return (-1);
}

static const char *
draw_base(const char *path)
{
	const char	*b = path ? strrchr(path, '/') : NULL;

	return (b ? b + 1 : path ? path : "");
}

static char
draw_label(int pos)
{
	return ((char)('A' + pos));
}

/* The live pane at position pos. */
static void
draw_live(const struct tui *t, int pos, struct pane *p)
{
	const struct session	*s = t->ses;
	int			 slot = t->perm[pos];
	const struct model	*v = s->v[slot];
	const struct answer	*a = &s->ans[slot];
	int			 hide = t->blind && !t->revealed;
	char			*f0 = p->foot[0], *f1 = p->foot[1];
	size_t			 n0 = sizeof p->foot[0], n1 = n0;
	int			 o = 0, o1 = 0;

	memset(p, 0, sizeof *p);
	if (hide)
		snprintf(p->head, sizeof p->head, " %c  (hidden until all are "
		    "rated)", draw_label(pos));
	else
		snprintf(p->head, sizeof p->head, " %d %s  %.3g b/w  %.1f MB",
		    pos + 1, variant_name(v), variant_bpw(v),
		    variant_weight_bytes(v) / 1e6);
	p->div_from = hide ? -1 : s->first_div[slot];
	if (!s->asked) {
		snprintf(f0, n0, " waiting for a prompt");
		return;
	}
	p->echo = t->echo;
	p->echo_len = t->echo_len;
	p->text = a->text;
	p->len = a->len;
	p->toks = a->toks;
	p->n_toks = a->n;
	o += snprintf(f0 + o, n0 - o, " %d tok", a->n);
	if (!hide) {
		if (a->n > 0)
			o += snprintf(f0 + o, n0 - o, "  ttft %.0f ms",
			    a->ttft_ms);
		if (a->done) {
			struct answer_summary	sm;

			answer_summarise(a, &sm);
			o += snprintf(f0 + o, n0 - o, "  %.1f t/s",
			    sm.decode_tps);
		} else if (a->n > 1 && a->toks[a->n - 1].t_ms > a->ttft_ms)
			o += snprintf(f0 + o, n0 - o, "  %.1f t/s",
			    (a->n - 1) * 1e3 / (a->toks[a->n - 1].t_ms -
			    a->ttft_ms));
		if (slot == 0 && s->n > 1)
			o1 += snprintf(f1 + o1, n1 - o1, " reference");
		else if (s->first_div[slot] >= 0)
			o1 += snprintf(f1 + o1, n1 - o1, " departs at %d",
			    s->first_div[slot]);
		else if (a->done && s->ans[0].done)
			o1 += snprintf(f1 + o1, n1 - o1, " same as ref");
		if (slot > 0 && s->scored && s->dv[slot].n > 0)
			o1 += snprintf(f1 + o1, n1 - o1, "  KLD %.4f",
			    s->dv[slot].kld);
	}
	o1 += snprintf(f1 + o1, n1 - o1, "%s%s", o1 ? "  " : " ", !a->done ?
	    "streaming" : a->rc != Q_OK ? "FAILED" :
	    generate_finish_name(a->stats.finish));
	if (s->verdict[slot][0] != '\0')
		snprintf(f1 + o1, n1 - o1, "  [%s]", s->verdict[slot]);
}

static void
draw_stored(const struct tui *t, int i, struct pane *p)
{
	const struct tui_stored	*a = &t->stored[i];
	int			 o = 0;

	memset(p, 0, sizeof *p);
	snprintf(p->head, sizeof p->head, " %d %s  %.3g b/w  #%lld", i + 1,
	    a->variant, a->bpw, (long long)a->id);
	p->text = a->text;
	p->len = strlen(a->text);
	p->div_from = -1;
	snprintf(p->foot[0], sizeof p->foot[0], " %d tok  ttft %.0f ms  %.1f "
	    "t/s", a->n_tokens, a->ttft_ms, a->decode_tps);
	if (a->has_div && a->first_div >= 0)
		o += snprintf(p->foot[1] + o, sizeof p->foot[1] - o,
		    " departs at %d", a->first_div);
	o += snprintf(p->foot[1] + o, sizeof p->foot[1] - o, " %s",
	    a->finish ? a->finish : "");
	if (a->verdict != NULL)
		snprintf(p->foot[1] + o, sizeof p->foot[1] - o, "  [%s]",
		    a->verdict);
}

/* The input line: prompt and text, newlines shown as a symbol, scrolled
 * so the cursor stays in view. */
static void
draw_input(const struct tui *t, int y, int w)
{
	const char	*pr = input_prompt(), *nlsym = t->utf8 ? "\xe2\x86\xb5" :
			    "|";
	size_t		 point, n, o = 0, cur = 0;
	const char	*line = input_text(&point);
	char		*buf;
	int		 cw, skip = 0;

	n = strlen(pr) + strlen(line) * 3 + 1;
	if ((buf = malloc(n)) == NULL)
		return;
	memcpy(buf, pr, strlen(pr));
	o = strlen(pr);
	for (size_t i = 0; line[i] != '\0'; i++) {
		if (i == point)
			cur = o;
		if (line[i] == '\n') {
			memcpy(buf + o, nlsym, strlen(nlsym));
			o += strlen(nlsym);
		} else
			buf[o++] = line[i];
	}
	if (point >= strlen(line))
		cur = o;
	cw = textwrap_width(buf, cur);
	/* drop whole characters from the left until the cursor fits */
	while (cw - textwrap_width(buf, (size_t)skip) >= w - 1 &&
	    (size_t)skip < cur) {
		skip++;
		while ((size_t)skip < cur && (buf[skip] & 0xc0) == 0x80)
			skip++;
	}
	move(y, 0);
	clrtoeol();
	draw_str(y, 0, w, buf + skip, o - (size_t)skip, A_NORMAL);
	move(y, cw - textwrap_width(buf, (size_t)skip));
	free(buf);
}

static void
draw_help(const struct tui *t, int rows, int cols)
{
	int	n = 0, m = 0, w = 0, h, y0, x0, r = 0;

	for (; tui_help_keys[n] != NULL; n++)
		if ((int)strlen(tui_help_keys[n]) > w)
			w = (int)strlen(tui_help_keys[n]);
	for (; slash_help[m] != NULL; m++)
		if ((int)strlen(slash_help[m]) > w)
			w = (int)strlen(slash_help[m]);
	w += 4;
	h = n + m + 5;
	if (w > cols)
		w = cols;
	if (h > rows)
		h = rows;
	y0 = (rows - h) / 2;
	x0 = (cols - w) / 2;
	for (int y = y0; y < y0 + h; y++) {
		move(y, x0);
		attron(A_REVERSE);
		hline(' ', w);
		attroff(A_REVERSE);
	}
	draw_str(y0, x0 + 2, w - 4, " qcmp keys (any key closes) ", 28,
	    A_REVERSE | A_BOLD);
	for (int i = 0; i < n && r + 2 < h; i++, r++)
		draw_str(y0 + 1 + r, x0 + 2, w - 4, tui_help_keys[i],
		    strlen(tui_help_keys[i]), A_REVERSE);
	r++;
	for (int i = 0; i < m && r + 2 < h; i++, r++)
		draw_str(y0 + 1 + r, x0 + 2, w - 4, slash_help[i],
		    strlen(slash_help[i]), A_REVERSE);
}

static void
draw_text(struct tui *t, int rows, int cols)
{
	struct tw_line	*lines;
	int		 nl, body = rows - 2;

	draw_bar(0, 0, cols, t->text_title, draw_pair(t, PAIR_HEAD,
	    A_REVERSE));
	if ((nl = textwrap(t->text, t->text_len, cols, &lines)) < 0)
		return;
	if (t->text_top > nl - body)
		t->text_top = nl - body;
	if (t->text_top < 0)
		t->text_top = 0;
	for (int r = 0; r < body && t->text_top + r < nl; r++)
		draw_str(1 + r, 0, cols, t->text + lines[t->text_top + r].off,
		    lines[t->text_top + r].len, A_NORMAL);
	free(lines);
	draw_bar(rows - 1, 0, cols, " Up/Down/PgUp/PgDn scroll   Esc or q: "
	    "back", draw_pair(t, PAIR_BAR, A_REVERSE));
}

static void
draw_history(struct tui *t, int rows, int cols)
{
	int	body = rows - 2;

	draw_bar(0, 0, cols, " history: earlier prompts, newest first",
	    draw_pair(t, PAIR_HEAD, A_REVERSE));
	if (t->n_hist == 0)
		draw_str(2, 2, cols - 2, "no prompts in the history yet", 29,
		    A_NORMAL);
	if (t->hist_sel < t->hist_top)
		t->hist_top = t->hist_sel;
	if (t->hist_sel >= t->hist_top + body)
		t->hist_top = t->hist_sel - body + 1;
	for (int r = 0; r < body && t->hist_top + r < t->n_hist; r++) {
		const char *l = t->hist[t->hist_top + r].line;

		draw_str(1 + r, 0, cols, l, strlen(l), t->hist_top + r ==
		    t->hist_sel ? A_REVERSE : A_NORMAL);
	}
	draw_bar(rows - 1, 0, cols, " Up/Down choose   Enter: open   Esc or "
	    "q: back", draw_pair(t, PAIR_BAR, A_REVERSE));
}

static void
draw_show(struct tui *t, int rows, int cols)
{
	char	title[256];

	snprintf(title, sizeof title, " earlier prompt: %s",
	    t->stored_prompt ? t->stored_prompt : "");
	for (char *c = title; *c; c++)
		if (*c == '\n')
			*c = ' ';
	draw_bar(0, 0, cols, title, draw_pair(t, PAIR_HEAD, A_REVERSE));
	draw_layout(t, t->n_stored, 1, rows - 2, cols);
	for (int i = 0; i < t->n_stored; i++) {
		struct pane	p;

		draw_stored(t, i, &p);
		draw_pane(t, &p, t->geom[i], i == t->stored_focus,
		    &t->stored_scroll[i]);
	}
	draw_bar(rows - 1, 0, cols, t->msg[0] ? t->msg : " Tab/1-8 focus   "
	    "c/p/w rate   PgUp/PgDn scroll   Esc or q: back",
	    draw_pair(t, PAIR_BAR, A_REVERSE));
}

static void
draw_main(struct tui *t, int rows, int cols)
{
	const struct session	*s = t->ses;
	char			 title[512];
	const char		*keys;
	int			 o;

	o = snprintf(title, sizeof title, " qcmp  %s  temp %.3g  seed %llu  "
	    "n %d", draw_base(s->v[0]->path), s->gen.temp,
	    (unsigned long long)s->gen.seed, s->gen.n_predict);
	if (s->system != NULL)
		o += snprintf(title + o, sizeof title - o, "  system set");
	if (t->blind_next || t->blind)
		o += snprintf(title + o, sizeof title - o, "  BLIND%s",
		    t->blind && !t->revealed ? "" : t->blind_next ?
		    " (next prompt)" : " (revealed)");
	if (s->store == NULL)
		snprintf(title + o, sizeof title - o, "  (no history)");
	draw_bar(0, 0, cols, title, draw_pair(t, PAIR_HEAD, A_REVERSE) |
	    A_BOLD);
	draw_layout(t, s->n, 1, rows - 3, cols);
	for (int i = 0; i < s->n; i++) {
		struct pane	p;

		draw_live(t, i, &p);
		draw_pane(t, &p, t->geom[i], i == t->focus, &t->scroll[i]);
	}
	if (t->note_slot >= 0)
		keys = " Enter: save the note   Esc: cancel";
	else if (t->focus >= 0)
		keys = " c/p/w rate  n note  1-8/Tab focus  h heat  d diverge  "
		    "PgUp/PgDn  Esc: prompt  ? help";
	else if (session_busy(s))
		keys = " answering...  Esc: stop   Tab: rate panes   ? help";
	else if (!session_idle(s))
		keys = " scoring divergence...  Enter: ask   Tab: rate panes   "
		    "? help";
	else
		keys = " Enter: ask   Tab: rate panes   /help   ? help   "
		    "Ctrl-D: quit";
	if (t->building)
		keys = " building variants...";
	if (t->msg[0] != '\0')
		draw_bar(rows - 2, 0, cols, t->msg, draw_pair(t, PAIR_MSG,
		    A_BOLD) | A_BOLD);
	else
		draw_bar(rows - 2, 0, cols, keys, draw_pair(t, PAIR_BAR,
		    A_REVERSE));
	draw_input(t, rows - 1, cols);
}

void
tui_draw(struct tui *t)
{
	int	rows, cols;

	getmaxyx(stdscr, rows, cols);
	erase();
	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS) {
		char	m[96];

		snprintf(m, sizeof m, "qcmp needs %dx%d; this terminal is "
		    "%dx%d", TUI_MIN_COLS, TUI_MIN_ROWS, cols, rows);
		draw_str(rows / 2, 0, cols, m, strlen(m), A_BOLD);
		t->n_geom = 0;
		curs_set(0);
		refresh();
		return;
	}
	curs_set(t->view == VIEW_MAIN ? 1 : 0);
	switch (t->view) {
	case VIEW_HELP:
		if (t->back == VIEW_MAIN)
			draw_main(t, rows, cols);
		draw_help(t, rows, cols);
		break;
	case VIEW_TEXT:
		draw_text(t, rows, cols);
		break;
	case VIEW_HISTORY:
		draw_history(t, rows, cols);
		break;
	case VIEW_SHOW:
		draw_show(t, rows, cols);
		break;
	default:
		draw_main(t, rows, cols);
		break;
	}
	refresh();
}
