/*
 * cmd-bench.c: `qcmp bench kernels`, the throughput of every weight
 * format's matrix-vector kernel on every ISA this CPU runs, with the
 * weights in L2 and in DRAM, on 1 and more threads: G multiply-adds/s and
 * GB/s of weights streamed, median of several runs.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-model.h"
#include "cli.h"
#include "engine.h"
#include "variant-list.h"
#include "clock.h"
#include "kern.h"
#include "kpool.h"

#define BENCH_L2_UNKNOWN	(1u << 20)	/* L2 weights when sysconf can't
						   tell the L2 size */
#define BENCH_DRAM_BYTES	(256u << 20)	/* far beyond any cache */
#define BENCH_COLS		2048
#define BENCH_SEED_ROWS		64	/* distinct rows, then repeated */
#define BENCH_MAX_THREADS	64

static int cmd_bench_exec(int, char **);

const struct cmd_entry cmd_bench_entry = {
	.name = "bench",
	.usage =
"  Measure speed.  'qcmp bench -m FILE' times each variant of the model as\n"
"  llama-bench does: prompt processing (pp: a prompt of -p tokens from an\n"
"  empty context, run in batches of 32) and decoding (tg: -n tokens run\n"
"  one at a time, with no sampling), tokens/s, the median of -r runs with\n"
"  their minimum and maximum, on each thread count.\n"
"  'qcmp bench kernels' times every weight format's\n"
"  matrix-vector kernel on every instruction set this CPU runs, with the\n"
"  weights in L2 (half the L2 size the system reports, 1 MiB if unknown)\n"
"  and in DRAM (256 MiB), and prints G multiply-adds/s and GB/s of weights\n"
"  read, the median of several runs.\n"
"  -t, --threads LIST      thread counts, comma-separated (default 1,2)\n"
"  -r, --reps N            runs per measurement, median reported (default 5)\n"
"      --formats LIST      formats to time (default: all)\n"
"      --isa LIST          instruction sets to time (default: all available)\n"
"  -m, --model FILE        the model to time (instead of kernels)\n"
"  -z, --tokenizer FILE    tokenizer.bin for a llama2.c checkpoint\n"
"      --variants LIST     with -m: the variants, as for qcmp run (default:\n"
"                          ref,q8_0,q4_0,t2m)\n"
"  -p, --n-prompt N        with -m: prompt tokens (default 128, 0: no pp)\n"
"  -n, --n-gen N           with -m: generated tokens (default 128, 0: no tg)\n"
"      --format F          with -m: table (default), md, csv or json\n",
	.exec = cmd_bench_exec,
};

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* 1 when name is in the comma-separated list (NULL list: everything). */
static int
bench_listed(const char *list, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p = list;

	if (list == NULL)
		return (1);
	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' ||
		    p[n] == '\0'))
			return (1);
		p += n;
	}
	return (0);
}

/* 0 when every name in list is known to valid(); else prints the error. */
static int
bench_check_list(const char *opt, const char *list,
    int (*valid)(const char *))
{
	char	*copy, *tok, *save;
	int	 rc = 0;

	if (list == NULL)
		return (0);
	if ((copy = strdup(list)) == NULL)
		return (-1);
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save))
		if (!valid(tok)) {
			cli_error("%s: unknown name '%s'", opt, tok);
			rc = -1;
		}
	free(copy);
	return (rc);
}

static int
bench_is_format(const char *name)
{
	return (kern_find(name) >= 0);
}

static int
bench_is_isa(const char *name)
{
	for (int i = 0; i < KISA_COUNT; i++)
		if (strcmp(name, kern_isa_name((enum kern_isa)i)) == 0)
			return (1);
	return (0);
}

/* Median seconds of one product, each run repeating it for ~40 ms. */
static double
bench_time(struct kpool *pool, enum kfmt fmt, const void *w, int64_t rows,
    const struct kact *a, float *y, int reps)
{
	double	t[32], t0, el;
	long	n = 1;

	/* calibrate the repeat count, warming the caches on the way */
	for (;;) {
		t0 = clock_ms(CLOCK_MONOTONIC) / 1e3;
		for (long i = 0; i < n; i++)
			kpool_matvec(pool, fmt, w, rows, BENCH_COLS, a, y);
		el = clock_ms(CLOCK_MONOTONIC) / 1e3 - t0;
		if (el > 0.04 || n > (1L << 24))
			break;
		n *= 2;
	}
	for (int r = 0; r < reps; r++) {
		t0 = clock_ms(CLOCK_MONOTONIC) / 1e3;
		for (long i = 0; i < n; i++)
			kpool_matvec(pool, fmt, w, rows, BENCH_COLS, a, y);
		t[r] = (clock_ms(CLOCK_MONOTONIC) / 1e3 - t0) / n;
	}
	qsort(t, (size_t)reps, sizeof t[0], bench_cmp);
	return (t[reps / 2]);
}

/* The weights of the L2 runs: half of one core's L2, so that the
 * activations, outputs and everything else the loop touches fit beside
 * them; 1 MiB when the system does not say. */
static size_t
bench_l2_bytes(void)
{
#ifdef _SC_LEVEL2_CACHE_SIZE
	long	l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);

	if (l2 > 0)
		return ((size_t)l2 / 2);
#endif
	return (BENCH_L2_UNKNOWN);
}

/* A matrix of about bytes bytes (of *mbytes exactly) whose rows repeat
 * BENCH_SEED_ROWS random rows of fmt, quantized a group of rows at a time
 * for an interleaved format. */
static uint8_t *
bench_matrix(enum kfmt fmt, size_t bytes, int64_t *rows, size_t *mbytes)
{
	int	 rg = kern_get(fmt)->row_group;
	size_t	 ub = kern_mat_bytes(fmt, rg, BENCH_COLS);
	int64_t	 nu = (int64_t)(bytes / ub), su = BENCH_SEED_ROWS / rg;
	uint8_t	*w;
	float	*x;

	if (nu < su)
		nu = su;
	if ((w = malloc(ub * (size_t)nu)) == NULL ||
	    (x = malloc((size_t)rg * BENCH_COLS * sizeof(float))) == NULL) {
		free(w);
		return (NULL);
	}
	for (int64_t u = 0; u < su; u++) {
		for (int i = 0; i < rg * BENCH_COLS; i++)
			x[i] = (float)rand() / RAND_MAX * 2.0f - 1.0f;
		kern_get(fmt)->from_float(x, w + u * ub, BENCH_COLS);
	}
	for (int64_t u = su; u < nu; u++)
		memcpy(w + u * ub, w + (u % su) * ub, ub);
	free(x);
	*rows = nu * rg;
	*mbytes = ub * (size_t)nu;
	return (w);
}

static int
bench_kernels(const int *threads, int n_threads, int reps,
    const char *formats, const char *isas)
{
	const struct { const char *name; size_t bytes; } where[2] = {
		{ "L2", bench_l2_bytes() }, { "DRAM", BENCH_DRAM_BYTES } };
	struct kpool	*pools[BENCH_MAX_THREADS + 1] = { NULL };
	struct kact	 a;
	float		 x[BENCH_COLS], *y;
	struct qerr	 err;
	int		 rc = 0;

	for (int i = 0; i < n_threads; i++)
		if (pools[threads[i]] == NULL &&
		    kpool_new(threads[i], &pools[threads[i]], &err) != Q_OK) {
			cli_error("%s", err.msg);
			rc = CLI_EXIT_FAIL;
			goto out;
		}
	if (kact_init(&a, BENCH_COLS) != Q_OK ||
	    (y = malloc(BENCH_DRAM_BYTES / 256 * sizeof(float))) == NULL) {
		cli_error("out of memory");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	for (int i = 0; i < BENCH_COLS; i++)
		x[i] = (float)rand() / RAND_MAX * 2.0f - 1.0f;
	kact_quantize(&a, x, BENCH_COLS);
	printf("CPU features: %s\n", kern_cpu_features());
	printf("%-8s %-7s %-5s %7s %6s %3s %10s %8s\n", "format", "isa",
	    "data", "rows", "MiB", "thr", "G MAC/s", "GB/s");
	/* each row format, then the interleaved layout its matrices are
	 * multiplied in (if it has one), so the two print side by side */
	for (int i = 0; i < 2 * KFMT_COUNT; i++) {
		const struct kern_traits *base = kern_get((enum kfmt)(i / 2));
		int f = i % 2 == 0 ? i / 2 : (int)base->matrix_fmt;
		const struct kern_traits *kt = kern_get((enum kfmt)f);

		if (base->row_group > 1 || (i % 2 == 1 && f == i / 2) ||
		    !bench_listed(formats, kt->name))
			continue;
		for (int wi = 0; wi < 2; wi++) {
			int64_t	 rows;
			size_t	 mb = 0;
			uint8_t	*w = bench_matrix((enum kfmt)f,
			    where[wi].bytes, &rows, &mb);
			double	 mib = (double)mb / (1 << 20);

			if (w == NULL) {
				cli_error("out of memory");
				rc = CLI_EXIT_FAIL;
				break;
			}
			for (int isa = 0; isa < KISA_COUNT; isa++) {
				if (!kern_isa_available((enum kern_isa)isa) ||
				    !bench_listed(isas, kern_isa_name(
				    (enum kern_isa)isa)))
					continue;
				kern_set_isa((enum kern_isa)isa, NULL);
				if ((int)kt->matvec_isa != isa)
					continue;	/* a fallback */
				kact_quantize(&a, x, BENCH_COLS);
				for (int ti = 0; ti < n_threads; ti++) {
					double s = bench_time(
					    pools[threads[ti]], (enum kfmt)f,
					    w, rows, &a, y, reps);

					printf("%-8s %-7s %-5s %7lld %6.1f %3d "
					    "%10.1f %8.1f\n", kt->name,
					    kern_isa_name((enum kern_isa)isa),
					    where[wi].name, (long long)rows,
					    mib, threads[ti], (double)rows *
					    BENCH_COLS / s / 1e9, mib *
					    1.048576e-3 / s);
					fflush(stdout);
				}
			}
			free(w);
		}
	}
	kact_free(&a);
	free(y);
	kern_init(NULL);
out:
	for (int i = 0; i <= BENCH_MAX_THREADS; i++)
		kpool_free(pools[i]);
	return (rc);
}

/* qcmp bench -m: the model's variants; returns an exit code. */
static int
bench_models(const char *path, const char *tokenizer, const char *variants,
    const int *threads, int n_threads, int n_prompt, int n_gen, int reps,
    enum bench_fmt fmt)
{
	struct model	*m, *v[ENGINE_MAX_VARIANTS];
	struct qerr	 err;
	int		 rc, nv;

	if (n_prompt == 0 && n_gen == 0) {
		cli_error("bench: -p and -n are both 0: nothing to time");
		return (CLI_EXIT_USAGE);
	}
	if ((rc = cli_load_model(path, tokenizer, &m)) != 0)
		return (rc);
	if (n_prompt > m->cfg.n_ctx_train || n_gen > m->cfg.n_ctx_train) {
		cli_error("bench: -p %d / -n %d exceed the model's context of "
		    "%d", n_prompt, n_gen, m->cfg.n_ctx_train);
		model_free(m);
		return (CLI_EXIT_USAGE);
	}
	if ((nv = variant_list_build(m, variants, v, ENGINE_MAX_VARIANTS, NULL,
	    &err)) < 0) {
		cli_error("%s", err.msg);
		model_free(m);
		return (CLI_EXIT_USAGE);
	}
	rc = bench_model(v, nv, threads, n_threads, n_prompt, n_gen, reps, fmt,
	    &err);
	if (rc != Q_OK)
		cli_error("%s", err.msg);
	variant_list_free(m, v, nv);
	model_free(m);
	return (rc == Q_OK ? 0 : cli_exit_code(rc));
}

static int
cmd_bench_exec(int argc, char **argv)
{
	enum { O_FORMATS = 256, O_ISA, O_VARIANTS, O_FORMAT };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "tokenizer", required_argument, NULL, 'z' },
		{ "variants", required_argument, NULL, O_VARIANTS },
		{ "n-prompt", required_argument, NULL, 'p' },
		{ "n-gen", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "threads", required_argument, NULL, 't' },
		{ "reps", required_argument, NULL, 'r' },
		{ "formats", required_argument, NULL, O_FORMATS },
		{ "isa", required_argument, NULL, O_ISA },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const fmts[] = { "table", "md", "csv", "json" };
	const char	*formats = NULL, *isas = NULL, *model = NULL;
	const char	*tokenizer = NULL, *variants = "default";
	int		 threads[16] = { 1, 2 }, n_threads = 2, reps = 5, c;
	int		 n_prompt = 128, n_gen = 128, fmt = BENCH_TABLE;
	long		 v;
	char		*list, *tok, *save;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:z:p:n:t:r:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'z': tokenizer = optarg; break;
		case O_VARIANTS: variants = optarg; break;
		case 'p':
		case 'n':
			if (cli_int(c == 'p' ? "--n-prompt" : "--n-gen", optarg,
			    0, 1 << 20, &v))
				return (CLI_EXIT_USAGE);
			*(c == 'p' ? &n_prompt : &n_gen) = (int)v;
			break;
		case O_FORMAT:
			for (fmt = 0; fmt < 4 && strcmp(optarg, fmts[fmt]); fmt++)
				;
			if (fmt == 4) {
				cli_error("--format: unknown value '%s' (table, "
				    "md, csv or json)", optarg);
				return (CLI_EXIT_USAGE);
			}
			break;
		case 't':
			if ((list = strdup(optarg)) == NULL)
				return (CLI_EXIT_FAIL);
			n_threads = 0;
			for (tok = strtok_r(list, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				if (n_threads == 16 || cli_int("--threads", tok,
				    1, BENCH_MAX_THREADS, &v)) {
					free(list);
					return (CLI_EXIT_USAGE);
				}
				threads[n_threads++] = (int)v;
			}
			free(list);
			if (n_threads == 0) {
				cli_error("--threads: empty list");
				return (CLI_EXIT_USAGE);
			}
			break;
		case 'r':
			if (cli_int("--reps", optarg, 1, 31, &v))
				return (CLI_EXIT_USAGE);
			reps = (int)v;
			break;
		case O_FORMATS: formats = optarg; break;
		case O_ISA: isas = optarg; break;
		case 'h': return (cli_usage(&cmd_bench_entry, 1));
		default: return (cli_usage(&cmd_bench_entry, 0));
		}
	}
	if (model != NULL) {
		if (optind < argc) {
			cli_error("bench: -m times a model; 'kernels' is the "
			    "other benchmark");
			return (cli_usage(&cmd_bench_entry, 0));
		}
		return (bench_models(model, tokenizer, variants, threads,
		    n_threads, n_prompt, n_gen, reps, (enum bench_fmt)fmt));
	}
	if (optind >= argc || strcmp(argv[optind], "kernels") != 0) {
		cli_error("bench: say what to measure: 'qcmp bench kernels' or "
		    "'qcmp bench -m FILE'");
		return (cli_usage(&cmd_bench_entry, 0));
	}
	if (optind + 1 < argc) {
		cli_error("bench: unexpected argument '%s'", argv[optind + 1]);
		return (cli_usage(&cmd_bench_entry, 0));
	}
	if (bench_check_list("--formats", formats, bench_is_format) ||
	    bench_check_list("--isa", isas, bench_is_isa))
		return (CLI_EXIT_USAGE);
	return (bench_kernels(threads, n_threads, reps, formats, isas));
}
