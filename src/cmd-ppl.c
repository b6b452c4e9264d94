/*
 * cmd-ppl.c: `qcmp ppl`, the perplexity of every variant over a text file
 * in one pass, with each variant's KL divergence from the reference, top-1
 * agreement and the shift in the correct token's probability: a table on
 * standard output (or JSON Lines), progress on standard error.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "kpool.h"
#include "ppl.h"
#include "progress.h"
#include "tokenizer.h"
#include "transformer.h"
#include "variant.h"
#include "variant-list.h"

#define PPL_MAX_VARIANTS	16
#define PPL_DEFAULT_CTX		512

static int cmd_ppl_exec(int, char **);

const struct cmd_entry cmd_ppl_entry = {
	.name = "ppl",
	.usage =
"  Perplexity of every variant over a text, in one pass: each position runs\n"
"  through the reference (the first variant) and the others side by side,\n"
"  and the table gives each variant's perplexity (with its standard error),\n"
"  mean KL divergence from the reference, how often its most probable token\n"
"  is the reference's, and the change in the correct token's probability\n"
"  (mean, median, 1st and 99th percentile, in percentage points).\n"
"  -m, --model FILE        GGUF file or llama2.c checkpoint; give -m several\n"
"                          times to compare files of the same model as the\n"
"                          variants instead, the first as the reference\n"
"  -z, --tokenizer FILE    tokenizer.bin for a llama2.c checkpoint\n"
"  -f, --file FILE         the text, tokenized as it is (no chat template)\n"
"  -c, --ctx N             tokens per chunk (default 512, at most the model's\n"
"                          context); each chunk starts with BOS and, as in\n"
"                          llama.cpp's perplexity, only its second half is\n"
"                          scored; tokens after the last whole chunk are not\n"
"      --variants LIST     the variants, reference first (default:\n"
"                          ref,q8_0,q4_0,t2m; formats as for qcmp run)\n"
"  -t, --threads N         threads (default: all CPUs)\n"
"      --json              print JSON Lines instead: one object per variant\n"
"  -q, --quiet             no progress line on standard error\n",
	.exec = cmd_ppl_exec,
};

struct ppl_opts {
	const char	*model, *tokenizer, *file, *variants;
	const char	*more[PPL_MAX_VARIANTS];	/* further -m */
	int		 n_more;
	int		 ctx, threads, json, quiet;
};

static int
ppl_parse(int argc, char **argv, struct ppl_opts *o)
{
	enum { O_VARIANTS = 256, O_JSON };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "tokenizer", required_argument, NULL, 'z' },
		{ "file", required_argument, NULL, 'f' },
		{ "ctx", required_argument, NULL, 'c' },
		{ "variants", required_argument, NULL, O_VARIANTS },
		{ "threads", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long	v;
	int	c;

	memset(o, 0, sizeof *o);
	o->ctx = PPL_DEFAULT_CTX;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:z:f:c:t:qh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'm':
			if (o->model == NULL)
				o->model = optarg;
			else if (o->n_more < PPL_MAX_VARIANTS - 1)
				o->more[o->n_more++] = optarg;
			else {
				cli_error("-m: at most %d models",
				    PPL_MAX_VARIANTS);
				return (CLI_EXIT_USAGE);
			}
			break;
		case 'z': o->tokenizer = optarg; break;
		case 'f': o->file = optarg; break;
		case 'c':
			if (cli_int("--ctx", optarg, 2, 1 << 24, &v))
				return (CLI_EXIT_USAGE);
			o->ctx = (int)v;
			break;
		case O_VARIANTS: o->variants = optarg; break;
		case 't':
			if (cli_int("--threads", optarg, 1, 1024, &v))
				return (CLI_EXIT_USAGE);
			o->threads = (int)v;
			break;
		case O_JSON: o->json = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h':
			cli_usage(&cmd_ppl_entry, 1);
			return (-1);	/* help printed: exit 0 */
		default: return (cli_usage(&cmd_ppl_entry, 0));
		}
	}
	if (optind < argc) {
		cli_error("ppl: unexpected argument '%s'", argv[optind]);
		return (cli_usage(&cmd_ppl_entry, 0));
	}
	if (o->file == NULL) {
		cli_error("ppl: give the text with -f FILE");
		return (cli_usage(&cmd_ppl_entry, 0));
	}
	if (o->n_more > 0 && o->variants != NULL) {
		cli_error("ppl: give several -m files or --variants, not both");
		return (CLI_EXIT_USAGE);
	}
	if (o->variants == NULL)
		o->variants = "default";
	return (0);
}

/* path's tokens (BOS first when the vocabulary adds one) into *ids; an
 * exit code after a one-line error naming the file. */
static int
ppl_read(const char *path, const struct vocab *voc, int32_t **ids,
    size_t *n)
{
	struct qerr	 err;
	FILE		*f;
	char		*buf = NULL, *grown;
	size_t		 len = 0, cap = 0, got;
	int		 rc;

	if ((f = fopen(path, "rb")) == NULL) {
		cli_error("%s: %s", path, strerror(errno));
		return (CLI_EXIT_FAIL);
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			if ((grown = realloc(buf, cap)) == NULL) {
				cli_error("%s: out of memory", path);
				free(buf);
				fclose(f);
				return (CLI_EXIT_FAIL);
			}
			buf = grown;
		}
		len += got = fread(buf + len, 1, cap - len, f);
	} while (got > 0);
	rc = ferror(f) ? errno : 0;
	fclose(f);
	if (rc != 0) {
		cli_error("%s: %s", path, strerror(rc));
		free(buf);
		return (CLI_EXIT_FAIL);
	}
	if (memchr(buf, '\0', len) != NULL) {
		cli_error("%s: contains a NUL byte at %zu: not a text file",
		    path, (size_t)((char *)memchr(buf, '\0', len) - buf));
		free(buf);
		return (CLI_EXIT_FAIL);
	}
	if (len == 0) {
		cli_error("%s: the text is empty", path);
		free(buf);
		return (CLI_EXIT_USAGE);
	}
	rc = tok_encode(voc, buf, len, 1, 0, ids, n, &err);
	free(buf);
	if (rc != Q_OK) {
		cli_error("%s: %s", path, err.msg);
		return (cli_exit_code(rc));
	}
	return (0);
}

static void
ppl_print_json(struct model *const *v, int nv, const struct ppl_plan *pl,
    const struct ppl_result *r)
{
	for (int i = 0; i < nv; i++) {
		const char	*name = variant_name(v[i]);
		const struct {
			const char	*key;
			double		 val;
		} f[] = {
			{ "bpw", variant_bpw(v[i]) }, { "ppl", r[i].ppl },
			{ "ppl_err", r[i].ppl_err }, { "kld", r[i].kld },
			{ "same_top1", r[i].top1 },
			{ "dp_mean", r[i].dp_mean },
			{ "dp_median", r[i].dp_median },
			{ "dp_p1", r[i].dp_p1 }, { "dp_p99", r[i].dp_p99 },
		};

		printf("{\"variant\":");
		json_str(stdout, name, strlen(name));
		printf(",\"reference\":%s", i == 0 ? "true" : "false");
		for (size_t j = 0; j < sizeof f / sizeof f[0]; j++) {
			printf(",\"%s\":", f[j].key);
			json_num(stdout, f[j].val);
		}
		printf(",\"positions\":%lld,\"chunks\":%d,\"ctx\":%d}\n",
		    (long long)r[i].n, pl->n_chunks, pl->ctx);
	}
}

static void
ppl_print_table(struct model *const *v, int nv, const struct ppl_plan *pl,
    size_t n_ids, const struct ppl_result *r)
{
	int	w = 10;

	for (int i = 0; i < nv; i++)
		if ((int)strlen(variant_name(v[i])) > w)
			w = (int)strlen(variant_name(v[i]));
	/* "Δ" is two bytes in one column: those headers get a byte more */
	printf("%-*s %6s %10s %8s %9s %7s %10s %10s %10s %10s\n", w, "variant",
	    "bits/w", "PPL", "±", "KLD", "top-1 %", "Δp mean", "Δp median",
	    "Δp p1", "Δp p99");
	for (int i = 0; i < nv; i++) {
		printf("%-*s %6.2f %10.4f %7.4f", w, variant_name(v[i]),
		    variant_bpw(v[i]), r[i].ppl, r[i].ppl_err);
		if (i == 0)
			printf(" %9s %7s %9s %9s %9s %9s\n", "-", "-", "-",
			    "-", "-", "-");
		else
			printf(" %9.6f %7.2f %+8.3f%% %+8.3f%% %+8.3f%% "
			    "%+8.3f%%\n", r[i].kld, 100.0 * r[i].top1,
			    100.0 * r[i].dp_mean, 100.0 * r[i].dp_median,
			    100.0 * r[i].dp_p1, 100.0 * r[i].dp_p99);
	}
	printf("%zu tokens: %d chunk%s of %d, the last %d positions of each "
	    "scored (%lld per variant); KLD and Δp against %s\n", n_ids,
	    pl->n_chunks, pl->n_chunks == 1 ? "" : "s", pl->ctx, pl->per_chunk,
	    (long long)r[0].n, variant_name(v[0]));
}

/* m and the further -m files, which must be the same network, as the
 * variants v[0..*nv), each labelled by its file name; an exit code. */
static int
ppl_files(const struct ppl_opts *o, struct model *m, struct model **v,
    int *nv)
{
	struct qerr	 err;
	const char	*b;
	int		 rc;

	v[0] = m;
	*nv = 1;
	for (int i = 0; i < o->n_more; i++) {
		if ((rc = cli_load_model(o->more[i], o->tokenizer,
		    &v[*nv])) != 0)
			return (rc);
		if (model_same_shape(m, v[(*nv)++], &err) != Q_OK) {
			cli_error("%s", err.msg);
			return (CLI_EXIT_USAGE);
		}
	}
	for (int i = 0; i < *nv; i++) {
		b = strrchr(v[i]->path, '/');
		if ((v[i]->label = strdup(b ? b + 1 : v[i]->path)) == NULL) {
			cli_error("out of memory");
			return (CLI_EXIT_FAIL);
		}
	}
	return (0);
}

static int
ppl_main(const struct ppl_opts *o, struct model *m)
{
	struct model		*v[PPL_MAX_VARIANTS];
	struct ppl_result	 res[PPL_MAX_VARIANTS];
	struct ppl_plan		 plan;
	struct progress		 prog;
	struct kpool		*pool = NULL;
	struct qerr		 err;
	int32_t			*ids = NULL;
	size_t			 n_ids;
	int			 rc, nv = 0, threads, ctx;

	if ((rc = ppl_read(o->file, m->vocab, &ids, &n_ids)) != 0)
		return (rc);
	ctx = o->ctx < m->cfg.n_ctx_train ? o->ctx : m->cfg.n_ctx_train;
	if (ppl_plan(n_ids, ctx, &plan, &err) != Q_OK) {
		cli_error("%s: %s", o->file, err.msg);
		free(ids);
		return (CLI_EXIT_USAGE);
	}
	threads = o->threads > 0 ? o->threads :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (kpool_new(threads, &pool, &err) != Q_OK) {
		cli_error("%s", err.msg);
		free(ids);
		return (CLI_EXIT_USAGE);
	}
	if (o->n_more > 0)
		rc = ppl_files(o, m, v, &nv);
	else if ((nv = variant_list_build(m, o->variants, v,
	    PPL_MAX_VARIANTS, NULL, &err)) < 0) {
		cli_error("%s", err.msg);
		nv = 0;
		rc = CLI_EXIT_USAGE;
	}
	if (rc != 0) {
		variant_list_free(m, v, nv);
		kpool_free(pool);
		free(ids);
		return (rc);
	}
	/* several variants compute on threads of their own */
	transformer_blas_threads(nv > 1 ? 1 : threads);
	progress_start(&prog, "ppl", plan.n_chunks, o->quiet);
	rc = ppl_run(v, nv, ids, &plan, threads, pool, &prog, res, &err);
	progress_end(&prog);
	if (rc != Q_OK)
		cli_error("%s", err.msg);
	else if (o->json)
		ppl_print_json(v, nv, &plan, res);
	else
		ppl_print_table(v, nv, &plan, n_ids, res);
	variant_list_free(m, v, nv);
	kpool_free(pool);
	free(ids);
	return (rc == Q_OK ? 0 : cli_exit_code(rc));
}

static int
cmd_ppl_exec(int argc, char **argv)
{
	struct ppl_opts	 o;
	struct model	*m;
	int		 rc;

	if ((rc = ppl_parse(argc, argv, &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = cli_load_model(o.model, o.tokenizer, &m)) != 0)
		return (rc);
	rc = ppl_main(&o, m);
	model_free(m);
	return (rc);
}
