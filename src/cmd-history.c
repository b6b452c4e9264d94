/*
 * cmd-history.c: the history commands that read or add single rows:
 * `qcmp rate` (a verdict for an answer), `qcmp history` (recent prompts)
 * and `qcmp show` (one prompt with every variant's answer).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "store.h"

static int cmd_rate_exec(int, char **);
static int cmd_history_exec(int, char **);
static int cmd_show_exec(int, char **);

const struct cmd_entry cmd_rate_entry = {
	.name = "rate",
	.usage =
"  qcmp rate ANSWER correct|partial|wrong: record a verdict for an answer\n"
"  (its number from the run table, --json's answer_id or qcmp show); the\n"
"  latest verdict of an answer counts.\n"
"      --note TEXT         a note kept with the verdict\n"
"      --db PATH           history database (default:\n"
"                          $XDG_DATA_HOME/qcmp/history.db, else\n"
"                          ~/.local/share/qcmp/history.db)\n",
	.exec = cmd_rate_exec,
};

const struct cmd_entry cmd_history_entry = {
	.name = "history",
	.usage =
"  List recent prompts, newest first, with each variant's verdict.\n"
"  -l, --limit N           at most N prompts (default 20, 0 = all)\n"
"      --db PATH           history database\n",
	.exec = cmd_history_exec,
};

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.usage =
"  qcmp show PROMPT: a prompt with every variant's answer, figures and\n"
"  verdict.\n"
"      --db PATH           history database\n",
	.exec = cmd_show_exec,
};

enum { O_DB = 256, O_NOTE };

/* Parses the options the history commands share; *limit may be NULL.
 * Returns -1 after printing help, else an exit code (0: go on). */
static int
history_parse(const struct cmd_entry *e, int argc, char **argv,
    const char **db, const char **note, long *limit)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "note", required_argument, NULL, O_NOTE },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	c;

	optind = 1;
	while ((c = getopt_long(argc, argv, limit ? "l:h" : "h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case O_DB: *db = optarg; break;
		case O_NOTE:
			if (note == NULL)
				return (cli_usage(e, 0));
			*note = optarg;
			break;
		case 'l':
			if (limit == NULL ||
			    cli_int("--limit", optarg, 0, 1000000000, limit))
				return (CLI_EXIT_USAGE);
			break;
		case 'h':
			cli_usage(e, 1);
			return (-1);
		default:
			return (cli_usage(e, 0));
		}
	}
	return (0);
}

/* Opens the database; readonly ones must exist. */
static int
history_db(const char *db, int readonly, struct store **s)
{
	struct qerr	err;
	int		rc;

	if ((rc = history_open(db, readonly, s, &err)) != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	return (0);
}

static int
cmd_rate_exec(int argc, char **argv)
{
	const char	*db = NULL, *note = NULL, *verdict;
	struct store	*s;
	struct qerr	 err;
	long		 id;
	int64_t		 rid;
	int		 rc;

	if ((rc = history_parse(&cmd_rate_entry, argc, argv, &db, &note,
	    NULL)) != 0)
		return (rc < 0 ? 0 : rc);
	if (argc - optind != 2) {
		cli_error("rate: give an answer number and a verdict");
		return (cli_usage(&cmd_rate_entry, 0));
	}
	if (cli_int("answer", argv[optind], 1, 0x7fffffffL, &id))
		return (CLI_EXIT_USAGE);
	if ((verdict = store_verdict(argv[optind + 1])) == NULL) {
		cli_error("rate: verdict '%s': one of correct, partial, wrong",
		    argv[optind + 1]);
		return (CLI_EXIT_USAGE);
	}
	if ((rc = history_db(db, 0, &s)) != 0)
		return (rc);
	rc = store_rate(s, id, verdict, note, "human", 0, &rid, &err);
	store_close(s);
	if (rc != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	printf("answer %ld: %s (rating %lld)\n", id, verdict, (long long)rid);
	return (0);
}

/* The text's first line, at most n bytes, without breaking UTF-8. */
static void
history_excerpt(const char *t, char *out, size_t n)
{
	size_t	i = 0;

	while (t[i] != '\0' && t[i] != '\n' && i + 1 < n)
		i++;
	while (i > 0 && (t[i] & 0xc0) == 0x80)	/* not inside a sequence */
		i--;
	memcpy(out, t, i);
	out[i] = '\0';
}

static int
history_row(void *arg, const struct store_history_row *r)
{
	char	ex[48];

	history_excerpt(r->text, ex, sizeof ex);
	printf("%6lld  %.19s  %d/%d rated  %-46s  %s\n",
	    (long long)r->prompt_id, r->created, r->n_rated, r->n_answers, ex,
	    r->verdicts);
	return (0);
}

static int
cmd_history_exec(int argc, char **argv)
{
	const char	*db = NULL;
	struct store	*s;
	struct qerr	 err;
	long		 limit = 20;
	int		 rc;

	if ((rc = history_parse(&cmd_history_entry, argc, argv, &db, NULL,
	    &limit)) != 0)
		return (rc < 0 ? 0 : rc);
	if (optind < argc) {
		cli_error("history: unexpected argument '%s'", argv[optind]);
		return (cli_usage(&cmd_history_entry, 0));
	}
	if ((rc = history_db(db, 1, &s)) != 0)
		return (rc);
	rc = store_history(s, (int)limit, history_row, NULL, &err);
	store_close(s);
	if (rc != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	return (0);
}

static int
show_answer(void *arg, const struct store_show_prompt *p,
    const struct store_show_answer *a)
{
	int	*first = arg;

	if (*first) {
		printf("prompt %lld, %.19s, %s, %s\n", (long long)p->prompt_id,
		    p->created, p->front_end, p->model_path);
		printf("template %s, temperature %g, top-k %d, top-p %g, "
		    "seed %lld, n %d\n", p->tmpl, p->temperature, p->top_k,
		    p->top_p, (long long)p->seed, p->n_predict);
		if (p->system != NULL)
			printf("system: %s\n", p->system);
		printf("\n%s\n", p->text);
		*first = 0;
	}
	if (a == NULL)
		return (0);
	printf("\n== answer %lld: %s (%s, %.4g bits/weight)%s ==\n%s\n",
	    (long long)a->answer_id, a->variant, a->format, a->bits_per_weight,
	    a->is_reference ? ", reference" : "", a->text);
	printf("-- %d tokens, %s; ttft %.1f ms, %.1f tok/s, cpu %.1f ms; "
	    "confidence %.3f, min p %.3f", a->n_tokens, a->finish, a->ttft_ms,
	    a->decode_tps, a->cpu_ms, a->confidence, a->min_prob);
	if (a->has_divergence)
		printf("; first divergence %d, KLD %.5f, top-1 %.3f",
		    a->first_divergence, a->kld, a->top1_agree);
	printf("\n-- verdict: %s", a->verdict ? a->verdict : "unrated");
	if (a->verdict != NULL)
		printf(" (%s%s)", a->source, a->blind ? ", blind" : "");
	if (a->note != NULL)
		printf(": %s", a->note);
	printf("\n");
	return (0);
}

static int
cmd_show_exec(int argc, char **argv)
{
	const char	*db = NULL;
	struct store	*s;
	struct qerr	 err;
	long		 id;
	int		 rc, first = 1;

	if ((rc = history_parse(&cmd_show_entry, argc, argv, &db, NULL,
	    NULL)) != 0)
		return (rc < 0 ? 0 : rc);
	if (argc - optind != 1) {
		cli_error("show: give one prompt number");
		return (cli_usage(&cmd_show_entry, 0));
	}
	if (cli_int("prompt", argv[optind], 1, 0x7fffffffL, &id))
		return (CLI_EXIT_USAGE);
	if ((rc = history_db(db, 1, &s)) != 0)
		return (rc);
	rc = store_show(s, id, show_answer, &first, &err);
	store_close(s);
	if (rc != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	return (0);
}
