/*
 * views.c: what the workbench reads back from the history: the report
 * (the table and diagrams of `qcmp report`), the list of earlier prompts
 * and one earlier prompt's answers, which can be rated there too.
 */
#include "config.h"

#include "tui-impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "store.h"

const char *const tui_help_keys[] = {
	"Enter          ask every variant the prompt (or run a /command)",
	"Alt-Enter      a new line in the prompt",
	"Ctrl-R         search earlier prompts; Up/Down: previous, next",
	"Esc            stop the answers being generated (kept as stopped)",
	"Tab, Shift-Tab focus the next, previous pane (1-8: that pane)",
	"c, p, w        rate the focused answer correct, partial, wrong",
	"n              add a note to the focused answer's rating",
	"h              colour tokens by their probability (heat map)",
	"d              highlight where answers depart from the reference",
	"PgUp, PgDn     scroll the focused pane (all from the prompt line)",
	"Ctrl-C         stop the answers; on an empty idle line, quit",
	"Ctrl-D         quit (on an empty prompt line)",
	"?              this help (on an empty prompt line, or in a pane)",
	NULL
};

void
tui_text_free(struct tui *t)
{
	free(t->text);
	t->text = NULL;
	t->text_len = 0;
	t->text_top = 0;
}

void
tui_report_open(struct tui *t)
{
	struct store_report_filter	 f = { NULL, NULL, NULL };
	struct report			 r;
	struct qerr			 err;
	FILE				*out;

	if (t->ses->store == NULL) {
		snprintf(t->msg, sizeof t->msg, "no history database: nothing "
		    "to report");
		return;
	}
	tui_text_free(t);
	report_init(&r, REPORT_PARTIAL_WRONG);
	if (store_report(t->ses->store, &f, report_add, &r, &err) != Q_OK ||
	    r.failed) {
		snprintf(t->msg, sizeof t->msg, "report: %s", r.failed ?
		    "out of memory" : err.msg);
		report_free(&r);
		return;
	}
	report_finish(&r);
	if ((out = open_memstream(&t->text, &t->text_len)) == NULL) {
		report_free(&r);
		snprintf(t->msg, sizeof t->msg, "report: out of memory");
		return;
	}
	report_print_table(out, &r, report_locale_ascii());
	fclose(out);
	report_free(&r);
	snprintf(t->text_title, sizeof t->text_title, " report: every "
	    "variant ('partial' counts as wrong)");
	t->view = VIEW_TEXT;
}

void
tui_history_free(struct tui *t)
{
	for (int i = 0; i < t->n_hist; i++)
		free(t->hist[i].line);
	free(t->hist);
	t->hist = NULL;
	t->n_hist = t->hist_sel = t->hist_top = 0;
}

static int
views_hist_row(void *arg, const struct store_history_row *row)
{
	struct tui	*t = arg;
	struct tui_hist	*g;
	char		 line[512];
	const char	*b = strrchr(row->model_path, '/');

	if ((g = realloc(t->hist, (size_t)(t->n_hist + 1) * sizeof *g)) ==
	    NULL)
		return (1);
	t->hist = g;
	snprintf(line, sizeof line, "#%-5lld %.19s  %-16.16s %d/%d rated  %s",
	    (long long)row->prompt_id, row->created, b ? b + 1 :
	    row->model_path, row->n_rated, row->n_answers, row->text);
	for (char *c = line; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	if ((g[t->n_hist].line = strdup(line)) == NULL)
		return (1);
	g[t->n_hist++].id = row->prompt_id;
	return (0);
}

void
tui_history_open(struct tui *t)
{
	struct qerr	err;

	if (t->ses->store == NULL) {
		snprintf(t->msg, sizeof t->msg, "no history database");
		return;
	}
	tui_history_free(t);
	if (store_history(t->ses->store, 500, views_hist_row, t, &err) !=
	    Q_OK) {
		snprintf(t->msg, sizeof t->msg, "history: %s", err.msg);
		tui_history_free(t);
		return;
	}
	t->view = VIEW_HISTORY;
}

void
tui_show_free(struct tui *t)
{
	for (int i = 0; i < t->n_stored; i++) {
		free(t->stored[i].variant);
		free(t->stored[i].text);
		free(t->stored[i].finish);
		free(t->stored[i].verdict);
	}
	free(t->stored);
	free(t->stored_prompt);
	t->stored = NULL;
	t->stored_prompt = NULL;
	t->n_stored = 0;
}

static char *
views_dup(const char *s)
{
	return (s != NULL ? strdup(s) : NULL);
}

static int
views_show_row(void *arg, const struct store_show_prompt *p,
    const struct store_show_answer *a)
{
	struct tui		*t = arg;
	struct tui_stored	*g, *d;

	if (t->stored_prompt == NULL && (t->stored_prompt =
	    strdup(p->text)) == NULL)
		return (1);
	if (a == NULL || t->n_stored == TUI_MAX)
		return (0);
	if ((g = realloc(t->stored, (size_t)(t->n_stored + 1) *
	    sizeof *g)) == NULL)
		return (1);
	t->stored = g;
	d = &g[t->n_stored++];
	*d = (struct tui_stored){ a->answer_id, views_dup(a->variant),
	    views_dup(a->text ? a->text : ""), views_dup(a->finish),
	    views_dup(a->verdict), a->bits_per_weight, a->ttft_ms,
	    a->decode_tps, a->kld, a->n_tokens, a->first_divergence,
	    a->has_divergence };
	return (d->variant == NULL || d->text == NULL);
}

void
tui_show_open(struct tui *t, int64_t id)
{
	struct qerr	err;

	tui_show_free(t);
	if (store_show(t->ses->store, id, views_show_row, t, &err) != Q_OK) {
		snprintf(t->msg, sizeof t->msg, "history: %s", err.msg);
		tui_show_free(t);
		return;
	}
	t->stored_focus = 0;
	memset(t->stored_scroll, 0, sizeof t->stored_scroll);
	t->msg[0] = '\0';
	t->view = VIEW_SHOW;
}

void
tui_show_rate(struct tui *t, const char *verdict)
{
	struct tui_stored	*a;
	struct qerr		 err;
	int64_t			 id;

	if (t->stored_focus < 0 || t->stored_focus >= t->n_stored)
		return;
	a = &t->stored[t->stored_focus];
	if (store_rate(t->ses->store, a->id, verdict, NULL, "human", 0, &id,
	    &err) != Q_OK) {
		snprintf(t->msg, sizeof t->msg, "rate: %s", err.msg);
		return;
	}
	free(a->verdict);
	a->verdict = strdup(verdict);
	snprintf(t->msg, sizeof t->msg, " answer #%lld rated %s",
	    (long long)a->id, verdict);
}
