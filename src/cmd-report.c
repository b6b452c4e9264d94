/*
 * cmd-report.c: `qcmp report`: per model and variant, how often answers
 * were wrong (with a Wilson 95% interval), flips against the reference,
 * agreement, mean KLD, and whether the model's confidence still predicts
 * the user's verdicts, as a table with reliability diagrams, CSV, JSON
 * Lines or Markdown.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "json.h"
#include "report.h"
#include "store.h"

static int cmd_report_exec(int, char **);

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage =
"  Per model and variant: answers, rated, error rate with a Wilson 95%\n"
"  interval, flips against the reference (lost: reference right and the\n"
"  variant wrong; gained: the reverse), answers identical to the\n"
"  reference's, mean KLD, calibration of the model's confidence (the\n"
"  geometric mean probability of its answer's tokens) against the\n"
"  verdicts: ECE over 10 equal-width bins, Brier score, AUROC, and mean\n"
"  decode tokens/s.  An error rate needs 5 rated answers, calibration 20.\n"
"      --model M           only model M: its path, file name, sha256\n"
"                          prefix (6+ hex digits) or number\n"
"      --since DATE        only prompts asked since DATE (YYYY-MM-DD or\n"
"                          an ISO 8601 time, UTC)\n"
"      --run NAME          only the prompts of batch run NAME\n"
"      --format F          table (default; with reliability diagrams),\n"
"                          csv, json (JSON Lines) or md\n"
"      --partial P         how a 'partial' verdict counts: wrong (default),\n"
"                          correct, or skip (as if unrated)\n"
"      --ascii             diagrams in plain ASCII (the default when the\n"
"                          locale is not UTF-8)\n"
"      --db PATH           history database\n",
	.exec = cmd_report_exec,
};

enum report_fmt { RF_TABLE, RF_CSV, RF_JSON, RF_MD };

static void
report_csv(const struct report *r, int md)
{
	static const char *const head[] = { "model", "variant", "bits_per_weight",
	    "answers", "rated", "error_rate", "error_lo", "error_hi", "lost",
	    "gained", "pairs", "same_as_reference", "compared", "mean_kld",
	    "ece", "brier", "auroc", "decode_tps" };
	const char	*sep = md ? " | " : ",";
	char		 b[10][32];

	printf("%s", md ? "| " : "");
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		printf("%s%s", i ? sep : "", head[i]);
	printf("%s\n", md ? " |" : "");
	if (md) {
		for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
			printf("|---");
		printf("|\n");
	}
	for (int i = 0; i < r->n; i++) {
		const struct report_variant *v = &r->v[i];
		int	e = report_has_err(v), c = report_has_calib(v);

		printf("%s", md ? "| " : "");
		if (md)
			printf("%s", v->model_path);
		else
			json_str(stdout, v->model_path, strlen(v->model_path));
		printf("%s%s%s%g%s%d%s%d%s%s%s%s%s%s%s%d%s%d%s%d%s%d%s%d%s%s"
		    "%s%s%s%s%s%s%s%.2f%s\n", sep, v->name, sep,
		    v->bits_per_weight, sep, v->answers, sep, v->rated, sep,
		    report_num(b[0], 32, e, 4, v->err_rate), sep,
		    report_num(b[1], 32, e, 4, v->err_lo), sep,
		    report_num(b[2], 32, e, 4, v->err_hi), sep, v->lost,
		    sep, v->gained, sep, v->pairs, sep, v->same, sep,
		    v->compared, sep,
		    report_num(b[3], 32, v->n_kld > 0, 6, v->kld), sep,
		    report_num(b[4], 32, c, 4, v->ece), sep,
		    report_num(b[5], 32, c, 4, v->brier), sep,
		    report_num(b[6], 32, c && v->auroc >= 0, 4, v->auroc),
		    sep, v->tps, md ? " |" : "");
	}
}

static void
report_json_num(const char *k, int ok, double v)
{
	printf(",\"%s\":", k);
	if (ok)
		json_num(stdout, v);
	else
		printf("null");
}

static void
report_json(const struct report *r)
{
	for (int i = 0; i < r->n; i++) {
		const struct report_variant *v = &r->v[i];
		int	e = report_has_err(v), c = report_has_calib(v);

		printf("{\"model\":");
		json_str(stdout, v->model_path, strlen(v->model_path));
		printf(",\"variant\":");
		json_str(stdout, v->name, strlen(v->name));
		printf(",\"format\":\"%s\",\"reference\":%s,\"answers\":%d,"
		    "\"rated\":%d", v->format, v->is_reference ? "true" :
		    "false", v->answers, v->rated);
		report_json_num("bits_per_weight", 1, v->bits_per_weight);
		report_json_num("error_rate", e, v->err_rate);
		report_json_num("error_lo", e, v->err_lo);
		report_json_num("error_hi", e, v->err_hi);
		printf(",\"lost\":%d,\"gained\":%d,\"pairs\":%d,"
		    "\"same_as_reference\":%d,\"compared\":%d", v->lost,
		    v->gained, v->pairs, v->same, v->compared);
		report_json_num("mean_kld", v->n_kld > 0, v->kld);
		report_json_num("ece", c, v->ece);
		report_json_num("brier", c, v->brier);
		report_json_num("auroc", c && v->auroc >= 0, v->auroc);
		report_json_num("decode_tps", 1, v->tps);
		printf(",\"bins\":[");
		for (int b = 0; b < REPORT_BINS; b++) {
			printf("%s{\"n\":%d,\"confidence\":", b ? "," : "",
			    v->bins[b].n);
			json_num(stdout, v->bins[b].conf);
			printf(",\"accuracy\":");
			json_num(stdout, v->bins[b].acc);
			printf("}");
		}
		printf("]}\n");
	}
}

static int
cmd_report_exec(int argc, char **argv)
{
	enum { O_DB = 256, O_MODEL, O_SINCE, O_RUN, O_FORMAT, O_PARTIAL,
	    O_ASCII };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "model", required_argument, NULL, O_MODEL },
		{ "since", required_argument, NULL, O_SINCE },
		{ "run", required_argument, NULL, O_RUN },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "partial", required_argument, NULL, O_PARTIAL },
		{ "ascii", no_argument, NULL, O_ASCII },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const fmts[] = { "table", "csv", "json", "md" };
	static const char *const parts[] = { "wrong", "correct", "skip" };
	struct store_report_filter f = { NULL, NULL, NULL };
	const char		*db = NULL;
	struct store		*s;
	struct report		 r;
	struct qerr		 err;
	int			 c, rc, fmt = RF_TABLE, partial = 0, ascii = -1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB: db = optarg; break;
		case O_MODEL: f.model = optarg; break;
		case O_SINCE: f.since = optarg; break;
		case O_RUN: f.run = optarg; break;
		case O_FORMAT:
		case O_PARTIAL:
			rc = -1;
			for (int i = 0; i < (c == O_FORMAT ? 4 : 3); i++)
				if (strcmp(optarg, (c == O_FORMAT ? fmts :
				    parts)[i]) == 0)
					rc = i;
			if (rc < 0) {
				cli_error("--%s: unknown value '%s'", c ==
				    O_FORMAT ? "format" : "partial", optarg);
				return (CLI_EXIT_USAGE);
			}
			*(c == O_FORMAT ? &fmt : &partial) = rc;
			break;
		case O_ASCII: ascii = 1; break;
		case 'h':
			cli_usage(&cmd_report_entry, 1);
			return (0);
		default:
			return (cli_usage(&cmd_report_entry, 0));
		}
	}
	if (optind < argc) {
		cli_error("report: unexpected argument '%s'", argv[optind]);
		return (cli_usage(&cmd_report_entry, 0));
	}
	if (ascii < 0)
		ascii = report_locale_ascii();
	if ((rc = history_open(db, 1, &s, &err)) != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	report_init(&r, (enum report_partial)partial);
	rc = store_report(s, &f, report_add, &r, &err);
	store_close(s);
	if (rc == Q_OK && r.failed)
		rc = qerr_set(&err, Q_ENOMEM, "out of memory");
	if (rc != Q_OK) {
		report_free(&r);
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	report_finish(&r);
	if (fmt == RF_TABLE)
		report_print_table(stdout, &r, ascii);
	else if (fmt == RF_JSON)
		report_json(&r);
	else
		report_csv(&r, fmt == RF_MD);
	report_free(&r);
	return (0);
}
