/*
 * tui.c: the workbench's event loop.  It waits in poll() on the terminal
 * and a signal pipe, with a short timeout only while answers stream; each
 * turn takes every key, every queued engine event and the state of the
 * background threads, then redraws at most every TUI_FRAME_MS.  Keys go
 * to readline while the prompt line has the focus, to rating and
 * scrolling while a pane has it.  Whatever ends the loop (quit, SIGTERM,
 * SIGHUP, SIGINT, a crash) restores the terminal.
 */
#include "config.h"

#include "tui-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chat.h"
#include "clock.h"
#include "input.h"
#include "slash.h"
#include "store.h"
#include "tokenizer.h"
#include "variant-list.h"

static struct tui		*tui_cur;	/* readline's callback has no
						 * argument */
static volatile sig_atomic_t	 tui_signal;
static int			 tui_pipe[2] = { -1, -1 };
static int			 tui_screen;	/* ncurses is up */

static void
tui_on_signal(int sig)
{
	int	e = errno;

	tui_signal = sig;
	if (tui_pipe[1] >= 0)
		(void)!write(tui_pipe[1], "", 1);
	errno = e;
}

/* A crash still gives the terminal back before the default action. */
static void
tui_on_crash(int sig)
{
	if (tui_screen)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
tui_signals(void)
{
	static const int	 quit[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
	static const int	 crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGABRT,
				    SIGILL };
	struct sigaction	 sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tui_on_signal;
	for (size_t i = 0; i < sizeof quit / sizeof quit[0]; i++)
		sigaction(quit[i], &sa, NULL);
	sa.sa_handler = tui_on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
		sigaction(crash[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
tui_say(struct tui *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tui_say(struct tui *t, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
}

/* The prompt as the panes show it before each answer: the text itself
 * for the raw template (answers continue it), nothing under a chat
 * template. */
static void
tui_echo(struct tui *t)
{
	struct session	*s = t->ses;
	struct detok	 dt;
	char		 buf[VOCAB_MAX_TOKEN_BYTES + 64];
	FILE		*out;

	free(t->echo);
	t->echo = NULL;
	t->echo_len = 0;
	if (s->tmpl_name == NULL || strcmp(s->tmpl_name, "raw") != 0 ||
	    (out = open_memstream(&t->echo, &t->echo_len)) == NULL)
		return;
	detok_init(&dt, s->v[0]->vocab);
	for (size_t i = 0; i < s->n_ids; i++)
		fwrite(buf, 1, detok_push(&dt, s->ids[i], buf, sizeof buf),
		    out);
	fclose(out);
}

/* A fresh order of the panes: shuffled in blind mode. */
static void
tui_order(struct tui *t)
{
	int	n = t->ses->n;

	for (int i = 0; i < n; i++)
		t->perm[i] = i;
	if (!t->blind)
		return;
	for (int i = n - 1; i > 0; i--) {
		int	j = (int)(((uint64_t)rand() * (uint64_t)(i + 1)) /
			    ((uint64_t)RAND_MAX + 1));
		int	x = t->perm[i];

		t->perm[i] = t->perm[j];
		t->perm[j] = x;
	}
}

static void
tui_ask(struct tui *t, const char *text)
{
	struct qerr	err;

	if (t->building) {
		tui_say(t, "the variants are still being built");
		return;
	}
	t->blind = t->blind_next;
	if (session_ask(t->ses, text, &err) != Q_OK) {
		tui_say(t, "%s", err.msg);
		return;
	}
	t->revealed = 0;
	tui_order(t);
	tui_echo(t);
	memset(t->scroll, 0, sizeof t->scroll);
	t->msg[0] = '\0';
}

static void *
tui_build(void *arg)
{
	struct tui	*t = arg;
	struct qerr	 err;

	t->build_n = variant_list_build(t->master, t->build_list, t->build_v,
	    TUI_MAX, NULL, &err);
	if (t->build_n < 0)
		snprintf(t->build_err, sizeof t->build_err, "%s", err.msg);
	atomic_store(&t->build_done, 1);
	return (NULL);
}

static void
tui_variants(struct tui *t, const char *list)
{
	if (!session_idle(t->ses) || t->building) {
		tui_say(t, "wait for the answers to finish and be scored (Esc "
		    "stops them)");
		return;
	}
	free(t->build_list);
	if ((t->build_list = strdup(list)) == NULL) {
		tui_say(t, "out of memory");
		return;
	}
	atomic_store(&t->build_done, 0);
	if (pthread_create(&t->build_tid, NULL, tui_build, t) != 0) {
		tui_say(t, "cannot start a thread to build the variants");
		return;
	}
	t->building = 1;
}

/* The built variants replace the old ones once the thread is done. */
static void
tui_built(struct tui *t)
{
	struct session	*s = t->ses;

	pthread_join(t->build_tid, NULL);
	t->building = 0;
	if (t->build_n < 0) {
		tui_say(t, "%s", t->build_err);
		return;
	}
	session_clear(s);
	variant_list_free(t->master, s->v, s->n);
	memcpy(s->v, t->build_v, (size_t)t->build_n * sizeof s->v[0]);
	s->n = t->build_n;
	t->focus = -1;
	t->blind = 0;
	tui_order(t);
	tui_say(t, "variants: %s", t->build_list);
}

static void
tui_slash(struct tui *t, const char *line)
{
	struct slash_cmd	c;
	char			err[160];

	if (slash_parse(line, &c, err, sizeof err) != 0) {
		tui_say(t, "%s", err);
		return;
	}
	switch (c.kind) {
	case SLASH_SYSTEM:
		free(t->system);
		t->system = *c.text ? strdup(c.text) : NULL;
		t->ses->system = t->system;
		tui_say(t, t->system ? "system prompt set" :
		    "system prompt cleared");
		break;
	case SLASH_TEMP:
		t->ses->gen.temp = (float)c.num;
		tui_say(t, "temperature %g", c.num);
		break;
	case SLASH_SEED:
		t->ses->gen.seed = (uint64_t)c.num;
		tui_say(t, "seed %.0f", c.num);
		break;
	case SLASH_N:
		t->ses->gen.n_predict = (int)c.num;
		tui_say(t, "tokens to generate: %.0f", c.num);
		break;
	case SLASH_VARIANTS:
		tui_variants(t, c.text);
		break;
	case SLASH_BLIND:
		t->blind_next = c.on;
		tui_say(t, "blind mode %s for the next prompts", c.on ? "on" :
		    "off");
		break;
	case SLASH_REPORT:
		tui_report_open(t);
		break;
	case SLASH_HISTORY:
		tui_history_open(t);
		break;
	case SLASH_HELP:
		t->back = t->view;
		t->view = VIEW_HELP;
		break;
	case SLASH_QUIT:
		t->quit = 1;
		break;
	}
}

/* The slot whose pane is at position pos. */
static int
tui_slot(const struct tui *t, int pos)
{
	return (pos >= 0 && pos < t->ses->n ? t->perm[pos] : -1);
}

static void
tui_note_end(struct tui *t)
{
	t->note_slot = -1;
	input_set_prompt("> ");
	input_clear();
	if (t->draft != NULL) {
		input_insert(t->draft);
		free(t->draft);
		t->draft = NULL;
	}
}

static void
tui_line(char *line)
{
	struct tui	*t = tui_cur;

	if (line == NULL) {		/* Ctrl-D on an empty line */
		if (t->note_slot >= 0)
			tui_note_end(t);
		else
			t->quit = 1;
		return;
	}
	if (t->note_slot >= 0) {
		struct qerr	err;
		int		slot = t->note_slot;

		if (session_rate(t->ses, slot, t->ses->verdict[slot], line,
		    "human", t->blind && !t->revealed, &err) != Q_OK)
			tui_say(t, "note: %s", err.msg);
		else
			tui_say(t, "note saved");
		free(line);
		tui_note_end(t);
		return;
	}
	if (*line != '\0')
		input_remember(line);
	if (line[0] == '/')
		tui_slash(t, line);
	else if (line[strspn(line, " \t\n")] != '\0')
		tui_ask(t, line);
	free(line);
}

static void
tui_rate(struct tui *t, const char *verdict)
{
	struct session	*s = t->ses;
	struct qerr	 err;
	int		 slot = tui_slot(t, t->focus), all = 1;

	if (slot < 0)
		return;
	if (session_rate(s, slot, verdict, NULL, "human", t->blind &&
	    !t->revealed, &err) != Q_OK) {
		tui_say(t, "%s", err.msg);
		return;
	}
	for (int i = 0; i < s->n; i++)
		all &= s->verdict[i][0] != '\0';
	if (t->blind && !t->revealed && all) {
		t->revealed = 1;
		tui_say(t, "every answer is rated: the variants are revealed");
	} else
		tui_say(t, " rated %s", verdict);
}

static void
tui_note(struct tui *t)
{
	int	slot = tui_slot(t, t->focus);
	size_t	point;
	char	p[64];

	if (slot < 0)
		return;
	if (t->ses->verdict[slot][0] == '\0') {
		tui_say(t, "rate the answer first (c, p or w), then add a note");
		return;
	}
	free(t->draft);
	t->draft = strdup(input_text(&point));
	input_clear();
	t->note_slot = slot;
	if (t->blind && !t->revealed)
		snprintf(p, sizeof p, "note for %c: ", 'A' + t->focus);
	else
		snprintf(p, sizeof p, "note for %d: ", t->focus + 1);
	input_set_prompt(p);
	t->focus = -1;
}

static void
tui_scroll(struct tui *t, int pos, int lines)
{
	for (int i = 0; i < t->ses->n; i++)
		if (pos < 0 || i == pos)
			t->scroll[i] += lines;
}

/* The rows a page scroll moves in pane pos. */
static int
tui_page(const struct tui *t, int pos)
{
	int	h = t->n_geom > 0 ? t->geom[pos < 0 ? 0 : pos].h - 4 : 10;

	return (h > 1 ? h : 1);
}

static void
tui_mouse(struct tui *t)
{
	MEVENT	me;
	int	pos;

	if (getmouse(&me) != OK || (pos = tui_pane_at(t, me.y, me.x)) < 0)
		return;
#ifdef BUTTON5_PRESSED
	if (me.bstate & BUTTON5_PRESSED) {
		if (t->view == VIEW_SHOW)
			t->stored_scroll[pos] -= 3;
		else
			tui_scroll(t, pos, -3);
	}
#endif
	if (me.bstate & BUTTON4_PRESSED) {
		if (t->view == VIEW_SHOW)
			t->stored_scroll[pos] += 3;
		else
			tui_scroll(t, pos, 3);
	}
}

/* Esc and Ctrl-C while answers stream: stop them, keeping what came. */
static int
tui_stop(struct tui *t)
{
	if (!t->ses->running)
		return (0);
	session_stop(t->ses);
	tui_say(t, "stopped: the answers so far are kept");
	return (1);
}

static void
tui_key_pane(struct tui *t, int key)
{
	int	n = t->ses->n;

	switch (key) {
	case 'c': tui_rate(t, "correct"); break;
	case 'p': tui_rate(t, "partial"); break;
	case 'w': tui_rate(t, "wrong"); break;
	case 'n': tui_note(t); break;
	case 'h': t->heat = !t->heat; break;
	case 'd': t->divhl = !t->divhl; break;
	case '\t': t->focus = t->focus + 1 < n ? t->focus + 1 : -1; break;
	case KEY_BTAB: t->focus--; break;
	case '?': t->back = VIEW_MAIN; t->view = VIEW_HELP; break;
	case KEY_UP: tui_scroll(t, t->focus, 1); break;
	case KEY_DOWN: tui_scroll(t, t->focus, -1); break;
	case KEY_PPAGE: tui_scroll(t, t->focus, tui_page(t, t->focus)); break;
	case KEY_NPAGE: tui_scroll(t, t->focus, -tui_page(t, t->focus)); break;
	case KEY_HOME: tui_scroll(t, t->focus, 1 << 20); break;
	case KEY_END: t->scroll[t->focus] = 0; break;
	case '\r':
	case '\n':
	case 'i':
	case 27: t->focus = -1; break;
	case '/': t->focus = -1; input_byte('/'); break;
	default:
		if (key >= '1' && key < '1' + n)
			t->focus = key - '1';
		break;
	}
}

/* A key for the prompt line: readline's, unless the workbench takes it. */
static void
tui_key_prompt(struct tui *t, int key, int is_code)
{
	size_t	point;
	int	empty = *input_text(&point) == '\0';

	if (is_code) {
		if (key == KEY_PPAGE || key == KEY_NPAGE)
			tui_scroll(t, -1, (key == KEY_PPAGE ? 1 : -1) *
			    tui_page(t, 0));
		else if (key == KEY_BTAB && t->note_slot < 0)
			t->focus = t->ses->n - 1;
		else if (key == KEY_F(1)) {
			t->back = VIEW_MAIN;
			t->view = VIEW_HELP;
		} else
			input_key(key);
		return;
	}
	if (key == '\t' && t->note_slot < 0) {
		t->focus = 0;
		return;
	}
	if (key == '?' && empty && t->note_slot < 0) {
		t->back = VIEW_MAIN;
		t->view = VIEW_HELP;
		return;
	}
	if (key == 3) {			/* Ctrl-C */
		if (tui_stop(t))
			return;
		if (t->note_slot >= 0)
			tui_note_end(t);
		else if (!empty)
			input_clear();
		else
			t->quit = 1;
		return;
	}
	if (key < 0x80)
		input_byte(key);
	else {
		char		mb[8];
		mbstate_t	st;
		size_t		k;

		memset(&st, 0, sizeof st);
		if ((k = wcrtomb(mb, (wchar_t)key, &st)) != (size_t)-1)
			for (size_t i = 0; i < k; i++)
				input_byte((unsigned char)mb[i]);
	}
}

/* Esc alone, or the start of an Alt- key for readline. */
static void
tui_escape(struct tui *t)
{
	wint_t	wc;
	int	r = get_wch(&wc);

	if (r == ERR) {
		if (t->note_slot >= 0)
			tui_note_end(t);
		else if (t->view == VIEW_MAIN && !tui_stop(t)) {
			if (t->focus >= 0)
				t->focus = -1;
			else
				input_byte(7);	/* Ctrl-G: ends a search */
		}
		return;
	}
	if (t->view != VIEW_MAIN || t->focus >= 0) {
		/* not for readline: Esc, then the key on its own */
		if (t->view == VIEW_MAIN)
			t->focus = -1;
		return;
	}
	input_byte(27);
	if (r == OK)
		tui_key_prompt(t, (int)wc, 0);
}

static void
tui_key_list(struct tui *t, int key)
{
	switch (key) {
	case KEY_UP: if (t->hist_sel > 0) t->hist_sel--; break;
	case KEY_DOWN: if (t->hist_sel + 1 < t->n_hist) t->hist_sel++; break;
	case KEY_PPAGE: t->hist_sel -= 10; break;
	case KEY_NPAGE: t->hist_sel += 10; break;
	case '\r':
	case '\n':
		if (t->n_hist > 0)
			tui_show_open(t, t->hist[t->hist_sel].id);
		break;
	case 'q': t->view = VIEW_MAIN; break;
	}
	if (t->hist_sel >= t->n_hist)
		t->hist_sel = t->n_hist - 1;
	if (t->hist_sel < 0)
		t->hist_sel = 0;
}

static void
tui_key_show(struct tui *t, int key)
{
	int	f = t->stored_focus, n = t->n_stored;

	switch (key) {
	case 'c': tui_show_rate(t, "correct"); break;
	case 'p': tui_show_rate(t, "partial"); break;
	case 'w': tui_show_rate(t, "wrong"); break;
	case '\t': t->stored_focus = n ? (f + 1) % n : 0; break;
	case KEY_BTAB: t->stored_focus = n ? (f + n - 1) % n : 0; break;
	case KEY_UP: t->stored_scroll[f] += 1; break;
	case KEY_DOWN: t->stored_scroll[f] -= 1; break;
	case KEY_PPAGE: t->stored_scroll[f] += tui_page(t, f); break;
	case KEY_NPAGE: t->stored_scroll[f] -= tui_page(t, f); break;
	case 'q': t->view = VIEW_HISTORY; t->msg[0] = '\0'; break;
	default:
		if (key >= '1' && key < '1' + n)
			t->stored_focus = key - '1';
		break;
	}
}

static void
tui_key(struct tui *t, int key, int is_code)
{
	if (is_code && key == KEY_RESIZE)
		return;
	if (is_code && key == KEY_MOUSE) {
		tui_mouse(t);
		return;
	}
	t->msg[0] = '\0';	/* a key clears the last message */
	if (!is_code && key == 27) {
		if (t->view == VIEW_HELP)
			t->view = t->back;
		else if (t->view == VIEW_SHOW) {
			t->view = VIEW_HISTORY;
			t->msg[0] = '\0';
			(void)get_wch(&(wint_t){ 0 });
		} else if (t->view != VIEW_MAIN) {
			t->view = VIEW_MAIN;
			(void)get_wch(&(wint_t){ 0 });
		} else
			tui_escape(t);
		return;
	}
	switch (t->view) {
	case VIEW_HELP:
		t->view = t->back;
		break;
	case VIEW_TEXT:
		if (key == KEY_UP)
			t->text_top--;
		else if (key == KEY_DOWN)
			t->text_top++;
		else if (key == KEY_PPAGE)
			t->text_top -= 10;
		else if (key == KEY_NPAGE || key == ' ')
			t->text_top += 10;
		else if (key == 'q')
			t->view = VIEW_MAIN;
		break;
	case VIEW_HISTORY:
		tui_key_list(t, key);
		break;
	case VIEW_SHOW:
		tui_key_show(t, key);
		break;
	default:
		if (t->focus >= 0) {
			if (!is_code && key == 3)
				tui_stop(t) || (t->focus = -1);
			else
				tui_key_pane(t, key);
			if (t->focus < -1)
				t->focus = t->ses->n - 1;
		} else
			tui_key_prompt(t, key, is_code);
		break;
	}
}

/* Where readline keeps the prompt history across runs: beside the
 * history database's default place. */
static char *
tui_history_file(void)
{
	char	*db = store_default_path(), *slash, *out = NULL;

	if (db == NULL)
		return (NULL);
	if ((slash = strrchr(db, '/')) != NULL) {
		*slash = '\0';
		/* the directory, as the database would have made it */
		for (char *p = db + 1; *p != '\0'; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(db, 0700);
				*p = '/';
			}
		mkdir(db, 0700);
		if (asprintf(&out, "%s/prompts", db) < 0)
			out = NULL;
	}
	free(db);
	return (out);
}

/* Standard error goes to a file while the screen is up (a stray message
 * would garble it) and is replayed when the terminal is back. */
static int
tui_stderr_hold(FILE **hold)
{
	int	saved = dup(STDERR_FILENO);

	*hold = tmpfile();
	if (saved < 0 || *hold == NULL) {
		if (*hold != NULL)
			fclose(*hold);
		*hold = NULL;
		return (saved);
	}
	fflush(stderr);
	dup2(fileno(*hold), STDERR_FILENO);
	return (saved);
}

static void
tui_stderr_release(int saved, FILE *hold)
{
	char	buf[4096];
	size_t	n;

	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (hold == NULL)
		return;
	rewind(hold);
	while ((n = fread(buf, 1, sizeof buf, hold)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(hold);
}

static void
tui_loop(struct tui *t)
{
	double	last = 0;
	int	dirty = 1;

	while (!t->quit && tui_signal == 0) {
		struct pollfd	pf[2] = { { STDIN_FILENO, POLLIN, 0 },
				    { tui_pipe[0], POLLIN, 0 } };
		int		busy = !session_idle(t->ses) || t->building;
		int		r, timeout = busy || dirty ? TUI_FRAME_MS / 2 :
				    -1;
		wint_t		wc;
		double		now;

		if (poll(pf, 2, timeout) < 0 && errno != EINTR)
			break;
		while ((r = get_wch(&wc)) != ERR) {
			tui_key(t, (int)wc, r == KEY_CODE_YES);
			dirty = 1;
			if (t->quit)
				break;
		}
		if (session_poll(t->ses) > 0)
			dirty = 1;
		if (t->ses->msg[0] != '\0') {
			tui_say(t, "%s", t->ses->msg);
			t->ses->msg[0] = '\0';
			dirty = 1;
		}
		if (t->building && atomic_load(&t->build_done)) {
			tui_built(t);
			dirty = 1;
		}
		now = clock_ms(CLOCK_MONOTONIC);
		if (dirty && (now - last >= TUI_FRAME_MS || !busy)) {
			tui_draw(t);
			last = now;
			dirty = 0;
		}
	}
}

int
tui_run(struct session *ses, const struct tui_opts *o)
{
	struct tui	 t;
	FILE		*hold;
	char		*hist;
	const char	*cs;
	int		 saved, rc = 0;

	memset(&t, 0, sizeof t);
	t.ses = ses;
	t.master = o->master;
	t.blind_next = o->blind;
	t.focus = -1;
	t.note_slot = -1;
	t.divhl = 1;
	atomic_init(&t.build_done, 0);
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	t.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	tui_order(&t);
	if (pipe(tui_pipe) != 0) {
		fprintf(stderr, "qcmp: tui: %s\n", strerror(errno));
		return (1);
	}
	fcntl(tui_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(tui_pipe[1], F_SETFL, O_NONBLOCK);
	tui_signals();
	saved = tui_stderr_hold(&hold);
	set_escdelay(25);
	if (initscr() == NULL) {
		tui_stderr_release(saved, hold);
		fprintf(stderr, "qcmp: tui: cannot start the terminal (TERM "
		    "is '%s')\n", getenv("TERM") ? getenv("TERM") : "");
		return (1);
	}
	tui_screen = 1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	tui_colors(&t);
	tui_cur = &t;
	hist = tui_history_file();
	input_start("> ", hist, tui_line);
	free(hist);
	if (o->first_prompt != NULL)
		tui_ask(&t, o->first_prompt);
	tui_loop(&t);
	/* what is streaming now ends as stopped and is recorded */
	session_stop(ses);
	while (ses->running) {
		session_poll(ses);
		if (ses->running)
			usleep(2000);
	}
	if (t.building)
		tui_built(&t);
	/* quitting does not wait for scoring: those prompts go without */
	session_drain(ses, 1);
	input_stop();
	endwin();
	tui_screen = 0;
	tui_stderr_release(saved, hold);
	session_clear(ses);
	if (tui_signal != 0) {
		fprintf(stderr, "qcmp: tui: ended by signal %d (%s)\n",
		    (int)tui_signal, strsignal(tui_signal));
		rc = 128 + tui_signal;
	}
	free(t.system);
	free(t.draft);
	free(t.echo);
	free(t.build_list);
	tui_text_free(&t);
	tui_history_free(&t);
	tui_show_free(&t);
	close(tui_pipe[0]);
	close(tui_pipe[1]);
	tui_pipe[0] = tui_pipe[1] = -1;
	tui_cur = NULL;
	return (rc);
}
