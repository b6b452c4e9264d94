/*
 * bench-model.h: the speed of a model's variants as llama-bench measures
 * it: prompt processing and decoding, tokens/s.
 */
#ifndef QCMP_BENCH_MODEL_H
#define QCMP_BENCH_MODEL_H

#include "model.h"
#include "qerr.h"

enum bench_fmt { BENCH_TABLE, BENCH_MD, BENCH_CSV, BENCH_JSON };

/* Times v[0..nv) on each of threads[0..n_threads): pp n_prompt and tg
 * n_gen (0: left out), median of reps runs with min and max, a line on
 * stdout per measurement in fmt. */
int	bench_model(struct model **v, int nv, const int *threads,
	    int n_threads, int n_prompt, int n_gen, int reps,
	    enum bench_fmt fmt, struct qerr *err);

#endif
