/*
 * transformer.h: the Llama forward pass for one model: activations and a KV
 * cache allocated once for a chosen context, then a prompt in batches and
 * one token at a time.
 */
#ifndef QCMP_TRANSFORMER_H
#define QCMP_TRANSFORMER_H

#include <stdint.h>

#include "kern.h"
#include "kpool.h"
#include "model.h"
#include "qerr.h"

/* Tokens of a prompt run together: each weight matrix is read once for
 * all of them. */
#define TRANSFORMER_BATCH	32

struct transformer {
	const struct model	*m;
	int			 n_ctx;		/* positions the cache holds */
	int			 n_cur;		/* tokens in the running batch */
	/* Per token of a batch, rows ld_dim, ld_wide or ld_hid apart: */
	float			*x;		/* (dim) residual stream */
	float			*xb;		/* (max(dim, qdim, hidden)) */
	float			*xb2;		/* (dim) */
	float			*hb;		/* (hidden) */
	float			*hb2;		/* (hidden) */
	float			*q;		/* (qdim), rows qdim apart */
	int64_t			 ld_dim, ld_wide, ld_hid;
	float			*att;		/* (n_heads, n_ctx) */
	float			*logits;	/* (vocab) */
	float			*logits_all;	/* (TRANSFORMER_BATCH, vocab),
						 * if asked for */
	float			*key_cache;	/* (layer, n_ctx, kv_dim) */
	float			*value_cache;	/* (layer, n_ctx, kv_dim) */
	float			*rope_freq;	/* (rope_dim / 2) */
	float			*rope_cs;	/* (TRANSFORMER_BATCH, rope_dim)
						 * each token's cos, sin pairs */
	struct kact		*act;		/* (TRANSFORMER_BATCH) each token's
						 * vector the next integer
						 * products read, quantized once */
	struct kpool		*pool;		/* NULL: the caller's thread */
};

/* Allocates the run state for n_ctx positions (1..model's trained ctx). */
int	transformer_init(struct transformer *t, const struct model *m,
	    int n_ctx, struct qerr *err);
void	transformer_free(struct transformer *t);
/* Splits the non-f32 products of t over pool's threads (NULL: none). */
void	transformer_set_pool(struct transformer *t, struct kpool *pool);
/* Threads OpenBLAS gives each f32 product, process-wide: 1 while several
 * variants compute on their own threads. */
void	transformer_blas_threads(int n);
/* Runs token at position pos (0 <= pos < n_ctx, all earlier positions
 * already run) and returns the logits over the vocabulary; allocates
 * nothing. */
const float *transformer_forward(struct transformer *t, int32_t token,
	    int pos);
/* Runs tok[0..n) (n >= 1) at positions pos..pos+n-1 (pos + n <= n_ctx,
 * all earlier positions already run), TRANSFORMER_BATCH tokens at a time,
 * and returns the logits after the last.  For every format but f32 these
 * are bit-identical to n calls of transformer_forward; f32 products of a
 * batch go through sgemm, whose sums may round differently from sgemv's. */
const float *transformer_prefill(struct transformer *t, const int32_t *tok,
	    int n, int pos);
/* Allocates the logits of a whole batch, for transformer_prefill_all. */
int	transformer_keep_logits(struct transformer *t, struct qerr *err);
/* Runs tok[0..n) (1 <= n <= TRANSFORMER_BATCH) at positions pos.. as one
 * batch and returns the logits after each, a row of vocab floats per
 * token (token k's row the logits transformer_forward gives there, to the
 * same exactness as transformer_prefill's); transformer_keep_logits must
 * have been called. */
const float *transformer_prefill_all(struct transformer *t,
	    const int32_t *tok, int n, int pos);
/* Bytes the run state takes (for reports). */
uint64_t transformer_bytes(const struct model *m, int n_ctx);

#endif
