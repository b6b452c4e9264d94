/*
 * kpool.h: a persistent pool of threads that splits a matrix-vector
 * product's rows (or a matrix's products with several vectors) between
 * them.  Every row is computed by the same kernel
 * whatever the split, so results are bit-identical for any thread count.
 */
#ifndef QCMP_KPOOL_H
#define QCMP_KPOOL_H

#include <stdint.h>

#include "kern.h"
#include "qerr.h"

struct kpool;

/* Starts n_threads - 1 workers (the caller is the n-th); 1..256. */
int	kpool_new(int n_threads, struct kpool **out, struct qerr *err);
/* Stops and joins the workers; NULL is ignored. */
void	kpool_free(struct kpool *p);
/* Threads that share the work, the caller included. */
int	kpool_size(const struct kpool *p);
/* y[0..rows) = W a with fmt's active kernel, rows split over the pool (a
 * NULL pool computes on the caller alone).  One caller at a time: threads
 * that compute concurrently each need a pool of their own. */
void	kpool_matvec(struct kpool *p, enum kfmt fmt, const void *w,
	    int64_t rows, int64_t cols, const struct kact *a, float *y);
/* The same for n_vec vectors a[0..n_vec): vector v's products go to
 * y[v * ldy .. v * ldy + rows), each bit-identical to kpool_matvec's. */
void	kpool_matmat(struct kpool *p, enum kfmt fmt, const void *w,
	    int64_t rows, int64_t cols, const struct kact *a, int n_vec,
	    float *y, int64_t ldy);

#endif
