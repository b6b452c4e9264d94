/*
 * bench-model.c: `qcmp bench -m FILE`, llama-bench's two measurements for
 * every variant and thread count: prompt processing (pp N: a prompt of N
 * tokens run from an empty context, in batches) and decoding (tg N: N
 * tokens run one at a time from an empty context), in tokens/s: the
 * median of several runs with their minimum and maximum, after one run
 * that is not counted (it pages the weights in).
 */
#include "config.h"

#include "bench-model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "kpool.h"
#include "transformer.h"
#include "variant.h"

struct bench_row {
	const char	*variant;
	double		 bpw, mb;
	int		 threads;
	char		 test[32];
	double		 med, lo, hi;	/* tokens/s */
};

static int
bench_dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* Seconds to run n positions from 0 with tokens from a fixed sequence:
 * as a prompt, in batches, or (decode) one token at a time, as
 * llama-bench's tg does (no sampling: the logits are left unread). */
static double
bench_pass(struct transformer *t, const struct model *m, int32_t *toks,
    int n, int decode)
{
	double		 t0;
	uint64_t	 r = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < n; i++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		toks[i] = (int32_t)(r % (uint64_t)m->cfg.n_vocab);
	}
	t0 = clock_ms(CLOCK_MONOTONIC);
	if (!decode)
		transformer_prefill(t, toks, n, 0);
	else
		for (int pos = 0; pos < n; pos++)
			transformer_forward(t, toks[pos], pos);
	return ((clock_ms(CLOCK_MONOTONIC) - t0) / 1e3);
}

static int
bench_measure(const struct model *v, struct kpool *pool, int n, int decode,
    int reps, struct bench_row *row, struct qerr *err)
{
	struct transformer	 t;
	double			 tps[64];
	int			 rc;

	int32_t			*toks;

	if ((toks = calloc((size_t)n, sizeof *toks)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	if ((rc = transformer_init(&t, v, n, err)) != Q_OK) {
		free(toks);
		return (rc);
	}
	transformer_set_pool(&t, pool);
	bench_pass(&t, v, toks, n, decode);	/* warm-up, not counted */
	for (int i = 0; i < reps; i++)
		tps[i] = n / bench_pass(&t, v, toks, n, decode);
	transformer_free(&t);
	free(toks);
	qsort(tps, (size_t)reps, sizeof tps[0], bench_dcmp);
	row->med = tps[reps / 2];
	row->lo = tps[0];
	row->hi = tps[reps - 1];
	return (Q_OK);
}

static void
bench_head(enum bench_fmt fmt)
{
	if (fmt == BENCH_CSV)
		printf("model,variant,bits_per_weight,mb,threads,test,"
		    "tps_median,tps_min,tps_max\n");
	else if (fmt == BENCH_MD)
		printf("| model | variant | bits/w | MB | threads | test | t/s | "
		    "min | max |\n|---|---|---:|---:|---:|---|---:|---:|---:|\n");
	else if (fmt == BENCH_TABLE)
		printf("%-24s %-8s %7s %9s %7s %-7s %10s %10s %10s\n", "model",
		    "variant", "bits/w", "MB", "threads", "test", "t/s", "min",
		    "max");
}

static void
bench_row_print(const struct bench_row *b, const char *model,
    enum bench_fmt fmt)
{
	switch (fmt) {
	case BENCH_CSV:
		printf("%s,%s,%.4g,%.2f,%d,%s,%.2f,%.2f,%.2f\n", model,
		    b->variant, b->bpw, b->mb, b->threads, b->test, b->med,
		    b->lo, b->hi);
		break;
	case BENCH_MD:
		printf("| %s | %s | %.4g | %.2f | %d | %s | %.2f | %.2f | %.2f "
		    "|\n", model, b->variant, b->bpw, b->mb, b->threads, b->test,
		    b->med, b->lo, b->hi);
		break;
	case BENCH_JSON:
		printf("{\"model\":");
		json_str(stdout, model, strlen(model));
		printf(",\"variant\":");
		json_str(stdout, b->variant, strlen(b->variant));
		printf(",\"bits_per_weight\":");
		json_num(stdout, b->bpw);
		printf(",\"mb\":");
		json_num(stdout, b->mb);
		printf(",\"threads\":%d,\"test\":\"%s\",\"tps_median\":",
		    b->threads, b->test);
		json_num(stdout, b->med);
		printf(",\"tps_min\":");
		json_num(stdout, b->lo);
		printf(",\"tps_max\":");
		json_num(stdout, b->hi);
		printf("}\n");
		break;
	default:
		printf("%-24.24s %-8s %7.4g %9.2f %7d %-7s %10.2f %10.2f "
		    "%10.2f\n", model, b->variant, b->bpw, b->mb, b->threads,
		    b->test, b->med, b->lo, b->hi);
		break;
	}
	fflush(stdout);
}

int
bench_model(struct model **v, int nv, const int *threads, int n_threads,
    int n_prompt, int n_gen, int reps, enum bench_fmt fmt, struct qerr *err)
{
	const char	*b = strrchr(v[0]->path, '/');
	const char	*model = b ? b + 1 : v[0]->path;
	int		 rc = Q_OK;

	bench_head(fmt);
	for (int ti = 0; ti < n_threads && rc == Q_OK; ti++) {
		struct kpool	*pool;

		if ((rc = kpool_new(threads[ti], &pool, err)) != Q_OK)
			break;
		transformer_blas_threads(threads[ti]);
		for (int i = 0; i < nv && rc == Q_OK; i++)
			for (int k = 0; k < 2 && rc == Q_OK; k++) {
				struct bench_row r;
				int	 len = k == 0 ? n_prompt : n_gen;

				if (len == 0)
					continue;
				r.variant = variant_name(v[i]);
				r.bpw = variant_bpw(v[i]);
				r.mb = variant_weight_bytes(v[i]) / 1e6;
				r.threads = threads[ti];
				snprintf(r.test, sizeof r.test, "%s%d",
				    k == 0 ? "pp" : "tg", len);
				if ((rc = bench_measure(v[i], pool, len, k == 1,
				    reps, &r, err)) == Q_OK)
					bench_row_print(&r, model, fmt);
			}
		kpool_free(pool);
	}
	return (rc);
}
