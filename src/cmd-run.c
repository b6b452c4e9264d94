/*
 * cmd-run.c: `qcmp run`, one model answering a prompt on stdout as the
 * tokens are generated: from -p, -f, standard input, or an interactive
 * readline prompt when standard input is a terminal.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "chat.h"
#include "cli.h"
#include "clock.h"
#include "compare.h"
#include "engine.h"
#include "generate.h"
#include "history.h"
#include "run-opts.h"
#include "session.h"
#include "tui.h"
#include "model.h"
#include "kern.h"
#include "kpool.h"
#include "tokenizer.h"
#include "transformer.h"
#include "variant.h"
#include "variant-list.h"
#include "vocab.h"

static int cmd_run_exec(int, char **);
static int cmd_tui_exec(int, char **);

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage =
"  Generate an answer to a prompt and stream it to standard output.\n"
"  -m, --model FILE        GGUF file or llama2.c checkpoint; give -m several\n"
"                          times to compare files of the same model (e.g. F16,\n"
"                          Q8_0 and TQ2_0 GGUFs made by other tools) as variants\n"
"  -z, --tokenizer FILE    tokenizer.bin for a llama2.c checkpoint\n"
"                          (default: tok<vocab>.bin or tokenizer.bin beside it)\n"
"  -p, --prompt TEXT       the prompt; else -f, else standard input\n"
"  -f, --file FILE         read the prompt from FILE\n"
"  -n, --n-predict N       tokens to generate (default -1: until the end of\n"
"                          the answer or of the context)\n"
"  -c, --ctx N             context positions, prompt included (default: the\n"
"                          model's context length, at most 4096)\n"
"      --temp T            temperature, 0 = greedy (default 0.8)\n"
"      --top-k K           keep the K most probable tokens, 0 = all (default 40)\n"
"      --top-p P           keep the most probable tokens up to total\n"
"                          probability P, 1 = all (default 0.95)\n"
"  -s, --seed S            sampler seed (default 42)\n"
"  -t, --threads N         threads (default: all CPUs)\n"
"      --system TEXT       system prompt for the chat template\n"
"      --chat-template NAME  raw, chatml, llama2, llama3 or zephyr (default:\n"
"                          recognised from the model, else raw)\n"
"      --variants LIST     answer with each listed precision, e.g.\n"
"                          f32,q8_0,q4_0,t2m (formats: f32 f16 bf16 q8_0 q4_0\n"
"                          tq1_0 tq2_0 t2 t2m; ref: the file's own 16-bit\n"
"                          type if all its matrices have it, else f32;\n"
"                          default: ref,q8_0,q4_0,t2m; ternary variants keep\n"
"                          the embedding and output matrices in q8_0); they run\n"
"                          at the same time, one thread each (the last still\n"
"                          running takes them all), and print side by side on\n"
"                          a terminal (else in list order), then a table of\n"
"                          size, speed, confidence and divergence from the\n"
"                          first\n"
"      --isolated          run the variants one after another instead, on\n"
"                          all threads, for clean timings\n"
"      --json              print JSON Lines instead: one object per finished\n"
"                          answer with its text and figures\n"
"      --json-tokens       with --json, also one object per generated token\n"
"      --db PATH           record the prompt and answers in this history\n"
"                          database (default: $XDG_DATA_HOME/qcmp/history.db,\n"
"                          else ~/.local/share/qcmp/history.db); the table\n"
"                          and --json give each answer's number for qcmp rate\n"
"      --no-history        record nothing\n"
"  -v, --verbose           print build time, MB and resident MB of each variant,\n"
"                          and prompt and decode tokens/s, on stderr\n"
"  With the raw template the prompt is echoed before the answer, as a text\n"
"  continuation; with a chat template only the answer is printed.\n"
"  A context of N positions prints what llama2.c's run -n N prints; a prompt\n"
"  longer than the context is an error.  Without a prompt on a terminal, qcmp\n"
"  reads prompts interactively (Ctrl-D quits).\n",
	.exec = cmd_run_exec,
};

const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.usage =
"  The workbench: type a prompt once and watch every variant answer it\n"
"  side by side as it streams, then rate each answer.  It takes the options\n"
"  of qcmp run but -f, --json and -v (the default variants: ref,q8_0,q4_0,\n"
"  t2m), and:\n"
"  -p, --prompt TEXT       ask this first\n"
"      --blind             start in blind mode: the panes are shuffled and\n"
"                          labelled A, B, C... with names and figures hidden\n"
"                          until every answer of the prompt is rated\n"
"  Keys: Enter asks; Alt-Enter starts a new line; Ctrl-R searches earlier\n"
"  prompts (kept across runs); Esc stops the answers (kept as stopped);\n"
"  Tab or 1-8 focuses a pane, where c, p, w rate it correct, partial or\n"
"  wrong, n adds a note, h colours tokens by probability, d highlights where\n"
"  it departs from the reference, PgUp/PgDn and the mouse wheel scroll; ?\n"
"  shows every key; Ctrl-D quits.  Commands: /system TEXT, /temp X, /seed N,\n"
"  /n N, /variants LIST, /blind on|off, /report, /history, /help, /quit.\n"
"  Ratings are stored at once, with the blind flag; NO_COLOR turns colour\n"
"  off.  The terminal must be at least 80x24.\n",
	.exec = cmd_tui_exec,
};

static int run_each(struct model **, int, const struct run_opts *,
    const char *);

/* The prompt's token ids under the chat template (*t); returns an exit
 * code. */
static int
run_encode(const struct model *m, const struct run_opts *o, const char *user,
    enum chat_tmpl *t, int32_t **ids, size_t *n_ids)
{
	struct qerr	err;
	int		rc;

	if ((rc = chat_encode(m->vocab, o->tmpl, o->system, user, t, ids,
	    n_ids, &err)) != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	return (0);
}

/* Reads all of f into a malloc'ed string; NULL on error (errno set). */
static char *
run_slurp(FILE *f)
{
	char	*buf = NULL, *grown;
	size_t	 len = 0, cap = 0, n;

	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((grown = realloc(buf, cap)) == NULL) {
				free(buf);
				return (NULL);
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		return (NULL);
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

static int
run_interactive(struct model **v, int nv, const struct run_opts *o)
{
	char	*line;
	int	 rc = 0;

	fprintf(stderr, "qcmp: %s loaded; type a prompt, Ctrl-D to quit\n",
	    v[0]->name);
	while ((line = readline("> ")) != NULL) {
		if (*line != '\0') {
			add_history(line);
			rc = run_each(v, nv, o, line);
		}
		free(line);
	}
	return (rc == CLI_EXIT_USAGE ? 0 : rc);
}

static int
run_parse(int argc, char **argv, enum run_mode mode, struct run_opts *o)
{
	const struct cmd_entry *e = mode == RUN_MODE_TUI ? &cmd_tui_entry :
	    mode == RUN_MODE_BATCH ? &cmd_batch_entry : &cmd_run_entry;
	enum { O_TEMP = 256, O_TOPK, O_TOPP, O_SYSTEM, O_TMPL, O_VARIANTS,
	    O_ISOLATED, O_JSON, O_JSON_TOKENS, O_DB, O_NO_HISTORY, O_BLIND,
	    O_RUN, O_SKIP_BAD, O_QUIET };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "tokenizer", required_argument, NULL, 'z' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ "n-predict", required_argument, NULL, 'n' },
		{ "ctx", required_argument, NULL, 'c' },
		{ "temp", required_argument, NULL, O_TEMP },
		{ "top-k", required_argument, NULL, O_TOPK },
		{ "top-p", required_argument, NULL, O_TOPP },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "system", required_argument, NULL, O_SYSTEM },
		{ "chat-template", required_argument, NULL, O_TMPL },
		{ "variants", required_argument, NULL, O_VARIANTS },
		{ "isolated", no_argument, NULL, O_ISOLATED },
		{ "json", no_argument, NULL, O_JSON },
		{ "json-tokens", no_argument, NULL, O_JSON_TOKENS },
		{ "db", required_argument, NULL, O_DB },
		{ "no-history", no_argument, NULL, O_NO_HISTORY },
		{ "blind", no_argument, NULL, O_BLIND },
		{ "run", required_argument, NULL, O_RUN },
		{ "skip-bad", no_argument, NULL, O_SKIP_BAD },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long	v;
	int	c;

	memset(o, 0, sizeof *o);
	o->mode = mode;
	o->tmpl = -1;
	gen_defaults(&o->gen);
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:z:p:f:n:c:s:t:vh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'm':
			if (o->model == NULL)
				o->model = optarg;
			else if (o->n_more < RUN_MAX_VARIANTS - 1)
				o->more[o->n_more++] = optarg;
			else {
				cli_error("-m: at most %d models",
				    RUN_MAX_VARIANTS);
				return (CLI_EXIT_USAGE);
			}
			break;
		case 'z': o->tokenizer = optarg; break;
		case 'p': o->prompt = optarg; break;
		case 'f': o->file = optarg; break;
		case 'n':
			if (cli_int("--n-predict", optarg, -1, 1 << 30, &v))
				return (CLI_EXIT_USAGE);
			o->gen.n_predict = (int)v;
			break;
		case 'c':
			if (cli_int("--ctx", optarg, 1, 1 << 24, &v))
				return (CLI_EXIT_USAGE);
			o->gen.n_ctx = (int)v;
			break;
		case O_TEMP:
			if (cli_float("--temp", optarg, &o->gen.temp))
				return (CLI_EXIT_USAGE);
			break;
		case O_TOPK:
			if (cli_int("--top-k", optarg, 0, 1 << 30, &v))
				return (CLI_EXIT_USAGE);
			o->gen.top_k = (int)v;
			break;
		case O_TOPP:
			if (cli_float("--top-p", optarg, &o->gen.top_p))
				return (CLI_EXIT_USAGE);
			break;
		case 's':
			if (cli_int("--seed", optarg, 0, 0x7fffffffL, &v))
				return (CLI_EXIT_USAGE);
			o->gen.seed = (uint64_t)v;
			break;
		case 't':
			if (cli_int("--threads", optarg, 1, 1024, &v))
				return (CLI_EXIT_USAGE);
			o->threads = (int)v;
			break;
		case O_SYSTEM: o->system = optarg; break;
		case O_TMPL:
			if ((o->tmpl = chat_find(optarg)) < 0) {
				cli_error("--chat-template: unknown template "
				    "'%s' (one of: %s)", optarg, chat_names());
				return (CLI_EXIT_USAGE);
			}
			break;
		case O_VARIANTS: o->variants = optarg; break;
		case O_ISOLATED: o->isolated = 1; break;
		case O_JSON: o->json = 1; break;
		case O_JSON_TOKENS: o->json = o->json_tokens = 1; break;
		case O_DB: o->db = optarg; break;
		case O_NO_HISTORY: o->no_history = 1; break;
		case O_BLIND: o->blind = 1; break;
		case O_RUN: o->run = optarg; break;
		case O_SKIP_BAD: o->skip_bad = 1; break;
		case O_QUIET: o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h':
			cli_usage(e, 1);
			return (-1);	/* help printed: exit 0 */
		default: return (cli_usage(e, 0));
		}
	}
	if (mode == RUN_MODE_BATCH && optind < argc)
		o->prompts = argv[optind++];
	if (optind < argc) {
		cli_error("%s: unexpected argument '%s'", e->name,
		    argv[optind]);
		return (cli_usage(e, 0));
	}
	if (mode == RUN_MODE_BATCH && o->prompts == NULL) {
		cli_error("batch: give the prompt file (JSON Lines)");
		return (cli_usage(e, 0));
	}
	if (mode != RUN_MODE_RUN && (o->file != NULL || o->json ||
	    o->verbose)) {
		cli_error("%s: -f, --json and -v are for qcmp run", e->name);
		return (cli_usage(e, 0));
	}
	if (mode == RUN_MODE_BATCH && (o->prompt != NULL || o->blind)) {
		cli_error("batch: the prompts come from the file (no -p or "
		    "--blind)");
		return (cli_usage(e, 0));
	}
	if (mode != RUN_MODE_TUI && o->blind) {
		cli_error("%s: --blind is for qcmp tui", e->name);
		return (cli_usage(e, 0));
	}
	if (mode != RUN_MODE_BATCH && (o->run != NULL || o->skip_bad ||
	    o->quiet)) {
		cli_error("%s: --run, --skip-bad and --quiet are for qcmp "
		    "batch", e->name);
		return (cli_usage(e, 0));
	}
	if (mode == RUN_MODE_BATCH && o->no_history) {
		cli_error("batch: answers go to the history (no --no-history)");
		return (cli_usage(e, 0));
	}
	if (o->n_more > 0 && o->variants != NULL) {
		cli_error("run: give several -m files or --variants, not both");
		return (CLI_EXIT_USAGE);
	}
	if (o->prompt != NULL && o->file != NULL) {
		cli_error("run: give the prompt with -p or -f, not both");
		return (CLI_EXIT_USAGE);
	}
	return (0);
}

/* Builds the variants list names from m into v[]; returns the count, or
 * -1 after printing the error. */
static int
run_variants(struct model *m, const char *list, int verbose,
    struct model **v)
{
	double		ms[RUN_MAX_VARIANTS];
	struct qerr	err;
	int		n;

	if ((n = variant_list_build(m, list, v, RUN_MAX_VARIANTS, ms,
	    &err)) < 0) {
		cli_error("%s", err.msg);
		return (-1);
	}
	for (int i = 0; verbose && i < n; i++)
		if (v[i] != m)
			fprintf(stderr, "qcmp: built %s in %.0f ms: %.1f MB of "
			    "weights, %.1f MB resident\n", v[i]->name, ms[i],
			    variant_bytes(v[i]) / 1e6,
			    model_resident(v[i]) / 1e6);
	return (n);
}

/* The width of the terminal standard output is, or 0 when it is not one
 * (or stderr, where progress goes, is not). */
static int
run_columns(void)
{
	struct winsize	ws;
	const char	*c = getenv("COLUMNS");

	if (!isatty(STDOUT_FILENO) || !isatty(STDERR_FILENO))
		return (0);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return (ws.ws_col);
	return (c != NULL && atoi(c) > 0 ? atoi(c) : 80);
}

/* Answers one prompt with every model in v: one model prints as it
 * streams; several (or --json) go through the comparison view. */
static int
run_each(struct model **v, int n, const struct run_opts *o, const char *text)
{
	struct compare_opts	 co = { .isolated = o->isolated,
				    .json = o->json,
				    .json_tokens = o->json_tokens,
				    .verbose = o->verbose };
	struct history		 h;
	struct history_prompt	 hp;
	struct qerr		 err;
	enum chat_tmpl		 t;
	int32_t			*ids;
	size_t			 n_ids;
	int			 rc;

	if ((rc = run_encode(v[0], o, text, &t, &ids, &n_ids)) != 0)
		return (rc);
	co.echo = t == CHAT_RAW;
	co.columns = run_columns();
	co.plain = n == 1;
	if (o->store != NULL) {
		hp = (struct history_prompt){ "run", text, o->system,
		    chat_name(t), &o->gen, (int)n_ids, 0, NULL, 0 };
		if ((rc = history_begin(&h, o->store, v, n, &hp,
		    &err)) != Q_OK) {
			free(ids);
			cli_error("%s", err.msg);
			return (cli_exit_code(rc));
		}
		co.hist = &h;
	}
	rc = compare_run(v, n, ids, n_ids, &o->gen, &co, &err);
	free(ids);
	if (rc != Q_OK && rc != Q_EFORMAT) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	return (rc == Q_OK ? 0 : CLI_EXIT_FAIL);
}

/* Loads the further -m files as variants of v[0], which they must match
 * in shape and vocabulary; each is labelled by its file name. */
static int
run_files(const struct run_opts *o, struct model **v, int *nv)
{
	struct qerr	 err;
	int		 rc;

	for (int i = 0; i < o->n_more; i++) {
		if ((rc = cli_load_model(o->more[i], o->tokenizer,
		    &v[*nv])) != 0)
			return (rc);
		(*nv)++;
		if (model_same_shape(v[0], v[*nv - 1], &err) != Q_OK) {
			cli_error("%s", err.msg);
			return (CLI_EXIT_USAGE);
		}
	}
	for (int i = 0; i < *nv; i++) {
		const char	*b = strrchr(v[i]->path, '/');

		if ((v[i]->label = strdup(b ? b + 1 : v[i]->path)) == NULL)
			return (CLI_EXIT_FAIL);
	}
	return (0);
}

/* The workbench on v[0..*nv); /variants may replace them (and *nv). */
static int
run_tui(struct model *m, struct model **v, int *nv, const struct run_opts *o)
{
	struct session	ses;
	struct tui_opts	to = { m, o->prompt, o->blind };
	int		rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_error("tui: standard input and output must be a terminal "
		    "(use qcmp run otherwise)");
		return (CLI_EXIT_USAGE);
	}
	/* the first answer would hash the model file (seconds for a large
	 * one) and freeze the screen: it is hashed and remembered now */
	if (o->store != NULL) {
		struct qerr	err;
		int64_t		model_id;

		if (history_register(o->store, v, *nv, &model_id, &err) !=
		    Q_OK) {
			cli_error("%s", err.msg);
			return (CLI_EXIT_FAIL);
		}
	}
	session_init(&ses, v, *nv, o->store);
	ses.system = o->system;
	ses.tmpl = o->tmpl;
	ses.gen = o->gen;
	ses.isolated = o->isolated;
	rc = tui_run(&ses, &to);
	*nv = ses.n;
	return (rc);
}

static int
run_main(struct run_opts *o)
{
	struct model	*m, *v[RUN_MAX_VARIANTS];
	struct kpool	*pool = NULL;
	struct qerr	 err;
	FILE		*f;
	char		*text;
	int		 rc, nv = 1, threads;

	if ((rc = cli_load_model(o->model, o->tokenizer, &m)) != 0)
		return (rc);
	threads = o->threads > 0 ? o->threads :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	transformer_blas_threads(threads);
	if (kpool_new(threads, &pool, &err) != Q_OK) {
		cli_error("%s", err.msg);
		model_free(m);
		return (cli_exit_code(Q_EUSAGE));
	}
	o->gen.pool = pool;
	v[0] = m;
	if (o->mode != RUN_MODE_RUN && o->variants == NULL && o->n_more == 0)
		o->variants = "default";
	if (o->variants != NULL && (nv = run_variants(m, o->variants, o->verbose,
	    v)) < 0) {
		kpool_free(pool);
		model_free(m);
		return (CLI_EXIT_USAGE);
	}
	if (o->n_more > 0 && (rc = run_files(o, v, &nv)) != 0) {
		for (int i = 1; i < nv; i++)
			model_free(v[i]);
		kpool_free(pool);
		model_free(m);
		return (rc);
	}
	if (o->mode == RUN_MODE_TUI)
		rc = run_tui(m, v, &nv, o);
	else if (o->mode == RUN_MODE_BATCH)
		rc = batch_main(m, v, nv, o);
	else if (o->prompt != NULL)
		rc = run_each(v, nv, o, o->prompt);
	else if (o->file == NULL && isatty(STDIN_FILENO))
		rc = run_interactive(v, nv, o);
	else {
		f = o->file ? fopen(o->file, "rb") : stdin;
		if (f == NULL || (text = run_slurp(f)) == NULL) {
			cli_error("%s: cannot read the prompt (missing, "
			    "unreadable, or contains a NUL byte)",
			    o->file ? o->file : "standard input");
			rc = CLI_EXIT_FAIL;
		} else {
			rc = run_each(v, nv, o, text);
			free(text);
		}
		if (f != NULL && f != stdin)
			fclose(f);
	}
	for (int i = 0; i < nv; i++)
		if (v[i] != m)
			model_free(v[i]);
	kpool_free(pool);
	model_free(m);
	return (rc);
}

int
run_exec(int argc, char **argv, enum run_mode mode)
{
	struct run_opts	 o;
	struct qerr	 err;
	int		 rc;

	if ((rc = run_parse(argc, argv, mode, &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if (!o.no_history && history_open(o.db, 0, &o.store, &err) != Q_OK) {
		cli_error("%s", err.msg);
		return (CLI_EXIT_FAIL);
	}
	rc = run_main(&o);
	store_close(o.store);
	return (rc);
}

static int
cmd_run_exec(int argc, char **argv)
{
	return (run_exec(argc, argv, RUN_MODE_RUN));
}

static int
cmd_tui_exec(int argc, char **argv)
{
	return (run_exec(argc, argv, RUN_MODE_TUI));
}
