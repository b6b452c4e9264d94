/*
 * cmd-batch.c: `qcmp batch`, every variant answering every prompt of a
 * JSON Lines file, recorded in the history under a named run and graded
 * where the file says what is expected.  The whole file is read and
 * checked before anything runs.  A run can be continued: what each
 * variant already answered in it is skipped.  The first Ctrl-C lets the
 * prompt being answered finish and be written; a second one stops at
 * once, and the unfinished answers are left out (a resume asks them
 * again).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch-item.h"
#include "cli.h"
#include "grade.h"
#include "history.h"
#include "progress.h"
#include "report.h"
#include "run-opts.h"
#include "session.h"
#include "variant.h"

static int cmd_batch_exec(int, char **);

const struct cmd_entry cmd_batch_entry = {
	.name = "batch",
	.usage =
"  qcmp batch [OPTIONS] PROMPTS.jsonl: every variant answers every prompt\n"
"  of the file, one JSON object a line: \"prompt\" (required), \"expected\",\n"
"  \"match\" (exact: equal after trimming whitespace, the default; contains;\n"
"  regex: a POSIX extended regex found in the answer, matched in linear\n"
"  time: no back-references or GNU escapes such as \\w, at most 4096\n"
"  bytes, counts up to 255), \"system\", \"id\".\n"
"  Answers go to the history; those with \"expected\" are graded into a\n"
"  verdict with source auto.  It takes the options of qcmp run but -p, -f,\n"
"  --json, -v and --no-history (the default variants: ref,q8_0,q4_0,t2m),\n"
"  and:\n"
"      --run NAME          record under run NAME; an existing run continues,\n"
"                          skipping what each variant already answered in it\n"
"                          (default: a new run, named batch-DATE-TIME)\n"
"      --skip-bad          go on past malformed lines (counted in the\n"
"                          summary); without it one stops the batch before\n"
"                          it starts\n"
"      --quiet             no progress on standard error\n"
"  Progress goes to standard error (a bar on a terminal, else a line every\n"
"  10 s); at the end the report of the run is printed.  Ctrl-C finishes\n"
"  the prompt being answered and stops (exit status 130); a second Ctrl-C\n"
"  stops at once.\n",
	.exec = cmd_batch_exec,
};

static volatile sig_atomic_t	batch_sigint;

static void
batch_on_sigint(int sig)
{
	(void)sig;
	batch_sigint++;
}

struct batch_line {
	struct batch_item	 it;
	int			 line;
	char			 key[64];	/* its id, or "line N" */
	uint32_t		 done;		/* variants answered already */
};

struct batch {
	const struct run_opts	*o;
	struct model		**v;
	int			 nv;
	struct batch_line	*items;
	int			 n, cap;
	int			 bad;
	int64_t			 run_id;
	char			 run[96];
};

/* Reads and checks the whole file; an exit code after printing the first
 * error (--skip-bad prints each bad line and counts it instead). */
static int
batch_read(struct batch *b)
{
	FILE	*f = fopen(b->o->prompts, "rb");
	char	*line = NULL, err[256];
	size_t	 cap = 0;
	ssize_t	 len;
	int	 no = 0, rc = 0;

	if (f == NULL) {
		cli_error("%s: cannot open: %s", b->o->prompts,
		    strerror(errno));
		return (CLI_EXIT_FAIL);
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct batch_line	*l;

		no++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		if (strspn(line, " \t") >= (size_t)len)
			continue;	/* blank lines separate nothing */
		if (b->n == b->cap) {
			struct batch_line *g = realloc(b->items,
			    (size_t)(b->cap ? 2 * b->cap : 64) * sizeof *g);

			if (g == NULL) {
				cli_error("out of memory");
				rc = CLI_EXIT_FAIL;
				break;
			}
			b->items = g;
			b->cap = b->cap ? 2 * b->cap : 64;
		}
		l = &b->items[b->n];
		memset(l, 0, sizeof *l);
		l->line = no;
		if (batch_item_parse(line, (size_t)len, &l->it, err,
		    sizeof err) == 0) {
			if (l->it.id != NULL)
				snprintf(l->key, sizeof l->key, "%s", l->it.id);
			else
				snprintf(l->key, sizeof l->key, "line %d", no);
			for (int i = 0; i < b->n; i++)
				if (strcmp(b->items[i].key, l->key) == 0) {
					snprintf(err, sizeof err, "id '%.40s' "
					    "was used on line %d", l->key,
					    b->items[i].line);
					batch_item_free(&l->it);
					break;
				}
		}
		if (l->it.prompt == NULL) {
			cli_error("%s:%d: %s%s", b->o->prompts, no, err,
			    b->o->skip_bad ? " (skipped)" : "");
			b->bad++;
			if (!b->o->skip_bad) {
				rc = CLI_EXIT_USAGE;
				break;
			}
			continue;
		}
		b->n++;
	}
	if (rc == 0 && ferror(f)) {
		cli_error("%s: read error: %s", b->o->prompts, strerror(errno));
		rc = CLI_EXIT_FAIL;
	}
	free(line);
	fclose(f);
	if (rc == 0 && b->n == 0) {
		cli_error("%s: no prompts in the file", b->o->prompts);
		rc = CLI_EXIT_USAGE;
	}
	return (rc);
}

static int
batch_answered(void *arg, const char *item, const char *variant)
{
	struct batch	*b = arg;

	for (int i = 0; item != NULL && i < b->n; i++)
		if (strcmp(b->items[i].key, item) == 0)
			for (int k = 0; k < b->nv; k++)
				if (strcmp(variant_name(b->v[k]), variant) ==
				    0)
					b->items[i].done |= 1u << k;
	return (0);
}

/* The run (new or continued) and what it holds already. */
static int
batch_run(struct batch *b)
{
	struct qerr		err;
	int64_t			model_id;
	int			created, rc;

	if (b->o->run != NULL)
		snprintf(b->run, sizeof b->run, "%s", b->o->run);
	else {
		time_t		now = time(NULL);
		struct tm	tm;

		gmtime_r(&now, &tm);
		strftime(b->run, sizeof b->run, "batch-%Y%m%d-%H%M%S", &tm);
	}
	if ((rc = history_register(b->o->store, b->v, b->nv, &model_id,
	    &err)) != Q_OK || (rc = store_run(b->o->store, b->run, model_id,
	    b->o->prompts, &b->run_id, &created, &err)) != Q_OK ||
	    (rc = store_run_answered(b->o->store, b->run_id, batch_answered, b,
	    &err)) != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	if (!b->o->quiet)
		fprintf(stderr, "qcmp: %s run %s\n", created ? "new" :
		    "continuing", b->run);
	return (0);
}

/* Grades every recorded answer of the item that says what it expects. */
static void
batch_grade(struct session *s, const struct batch_line *l, int *failed)
{
	for (int i = 0; l->it.expected != NULL && i < s->n; i++) {
		struct qerr	err;

		if (s->h.answer_id[i] == 0)
			continue;
		if (session_rate(s, i, grade(&l->it, s->ans[i].text ?
		    s->ans[i].text : ""), NULL, "auto", 0, &err) != Q_OK) {
			cli_error("%s:%d: %s", s->store ? store_path(s->store) :
			    "", l->line, err.msg);
			(*failed)++;
		}
	}
}

/* Asks the variants that have not answered item l; 1 when stopped. */
static int
batch_item(struct batch *b, struct session *s, struct batch_line *l,
    struct progress *pr, int64_t *tokens, int done, int *failed)
{
	struct model	*sub[RUN_MAX_VARIANTS];
	struct qerr	 err;
	int		 k = 0, stopped = 0;

	for (int i = 0; i < b->nv; i++)
		if (!(l->done & (1u << i)))
			sub[k++] = b->v[i];
	s->v = sub;
	s->n = k;
	s->no_reference = (l->done & 1u) != 0;
	s->system = l->it.system != NULL ? l->it.system : b->o->system;
	s->item = l->key;
	if (session_ask(s, l->it.prompt, &err) != Q_OK) {
		cli_error("%s:%d: %s", b->o->prompts, l->line, err.msg);
		(*failed)++;
		return (0);
	}
	while (s->running) {
		int64_t	n = 0;

		session_wait(s, 100);
		if (batch_sigint > 1 && !stopped) {
			session_stop(s);
			stopped = 1;
		}
		for (int i = 0; i < s->n; i++)
			n += s->ans[i].n;
		progress_update(pr, done, *tokens + n);
	}
	for (int i = 0; i < s->n; i++) {
		*tokens += s->ans[i].n;
		if (s->ans[i].rc != Q_OK)
			(*failed)++;
	}
	if (s->msg[0] != '\0') {
		cli_error("%s:%d: %s", b->o->prompts, l->line, s->msg);
		s->msg[0] = '\0';
	}
	if (!stopped)
		batch_grade(s, l, failed);
	return (stopped);
}

static void
batch_report(const struct batch *b)
{
	struct store_report_filter	f = { NULL, NULL, b->run };
	struct report			r;
	struct qerr			err;

	report_init(&r, REPORT_PARTIAL_WRONG);
	if (store_report(b->o->store, &f, report_add, &r, &err) != Q_OK ||
	    r.failed)
		cli_error("report: %s", r.failed ? "out of memory" : err.msg);
	else {
		report_finish(&r);
		report_print_table(stdout, &r, report_locale_ascii());
	}
	report_free(&r);
}

int
batch_main(struct model *m, struct model **v, int nv,
    const struct run_opts *o)
{
	struct batch		 b;
	struct session		 s;
	struct progress		 pr;
	struct sigaction	 sa, old;
	int64_t			 tokens = 0;
	int			 todo = 0, skipped = 0, asked = 0, failed = 0;
	int			 stopped = 0, rc;

	(void)m;
	memset(&b, 0, sizeof b);
	b.o = o;
	b.v = v;
	b.nv = nv;
	if ((rc = batch_read(&b)) != 0 || (rc = batch_run(&b)) != 0)
		goto out;
	for (int i = 0; i < b.n; i++) {
		if (b.items[i].done == (1u << nv) - 1)
			skipped++;
		else
			todo++;
	}
	session_init(&s, v, nv, o->store);
	s.tmpl = o->tmpl;
	s.gen = o->gen;
	s.isolated = o->isolated;
	s.front_end = "batch";
	s.keep_stopped = 0;
	s.run_id = b.run_id;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = batch_on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	progress_start(&pr, b.run, todo, o->quiet);
	for (int i = 0; i < b.n && !stopped; i++) {
		if (b.items[i].done == (1u << nv) - 1)
			continue;
		stopped = batch_item(&b, &s, &b.items[i], &pr, &tokens, asked,
		    &failed);
		asked++;
		progress_update(&pr, asked, tokens);
		if (batch_sigint > 0 && !stopped && asked < todo) {
			if (!o->quiet)
				fprintf(stderr, "\nqcmp: interrupted after %d "
				    "of %d prompts\n", asked, todo);
			stopped = 1;
		}
	}
	progress_end(&pr);
	session_clear(&s);
	session_drain(&s, batch_sigint > 1);
	sigaction(SIGINT, &old, NULL);
	batch_report(&b);
	printf("\nrun %s: %d prompts answered, %d answered before (skipped), "
	    "%d bad lines skipped, %d failures\n", b.run, asked - (stopped &&
	    batch_sigint > 1), skipped, b.bad, failed);
	if (stopped)
		printf("stopped: continue with --run %s\n", b.run);
	rc = stopped ? 130 : failed ? CLI_EXIT_FAIL : 0;
out:
	for (int i = 0; i < b.n; i++)
		batch_item_free(&b.items[i].it);
	free(b.items);
	return (rc);
}

static int
cmd_batch_exec(int argc, char **argv)
{
	return (run_exec(argc, argv, RUN_MODE_BATCH));
}
