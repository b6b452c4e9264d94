/*
 * transformer.c: the Llama decoder, read top to bottom like the maths:
 * RMSNorm, Q/K/V projections, RoPE, grouped-query causal attention over
 * the KV cache, output projection, SwiGLU feed-forward, final norm and
 * classifier.  It runs a batch of consecutive tokens at once (a prompt,
 * TRANSFORMER_BATCH at a time; decoding is a batch of one), so each
 * weight matrix is read once per batch: f32 products go to OpenBLAS
 * (sgemm, or sgemv for one token); every other weight format goes through
 * the kernel table, reading each token's input vector quantized once for
 * all the matrices that share it.
 * Activation buffers are padded with zeros to whole 256-weight blocks so
 * that matrices stored with padded rows read zeros past the real width.
 */
#include "config.h"

#include "transformer.h"

#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Widest block any format has: activation buffers are padded to it. */
#define TRANSFORMER_PAD(n)	(((size_t)(n) + 255) / 256 * 256)

/* y = x W^T for the t->n_cur vectors of x (rows ldx apart) into rows of
 * y ldy apart. */
static void
transformer_matmul(struct transformer *t, float *restrict y, int64_t ldy,
    const struct mat *w, const float *restrict x, int64_t ldx)
{
	int	n = t->n_cur;

	if (w->fmt != KFMT_F32)
		kpool_matmat(t->pool, w->fmt, w->data, w->rows, w->cols,
		    t->act, n, y, ldy);
	else if (n == 1)
		cblas_sgemv(CblasRowMajor, CblasNoTrans, w->rows, w->cols,
		    1.0f, (const float *)w->data, w->cols, x, 1, 0.0f, y, 1);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n,
		    w->rows, w->cols, 1.0f, x, (int)ldx,
		    (const float *)w->data, w->cols, 0.0f, y, (int)ldy);
}

/* Quantizes each of the t->n_cur vectors of x (rows ldx apart, len
 * values, then zeros) once for the integer products of the n matrices
 * about to read them, to the widest padded row among them; a row's tail
 * may hold an earlier, longer vector, so it is cleared. */
static void
transformer_prep(struct transformer *t, float *x, int64_t ldx, int len,
    const struct mat *const *w, int n)
{
	int64_t	cols = 0;

	for (int i = 0; i < n; i++)
		if (w[i]->fmt != KFMT_F32 && w[i]->cols > cols)
			cols = w[i]->cols;
	for (int b = 0; cols > 0 && b < t->n_cur; b++) {
		float	*xr = x + b * ldx;

		if (cols > len)
			memset(xr + len, 0, (size_t)(cols - len) *
			    sizeof(float));
		kact_quantize(&t->act[b], xr, cols);
	}
}

static void
transformer_rmsnorm(float *o, const float *x,
    const float *weight, int n, float eps)
{
	float	ss = 0.0f;

	for (int i = 0; i < n; i++)
		ss += x[i] * x[i];
	ss = 1.0f / sqrtf(ss / n + eps);
	for (int i = 0; i < n; i++)
		o[i] = weight[i] * (ss * x[i]);
}

static void
transformer_softmax(float *x, int n)
{
	float	max = x[0], sum = 0.0f;

	for (int i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (int i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (int i = 0; i < n; i++)
		x[i] /= sum;
}

/* cs[0..rope_dim) = cos and sin of pos * freq[i] for each pair i: once per
 * token, for every layer and head. */
static void
transformer_rope_angles(float *cs, int rope_dim, const float *freq, int pos)
{
	for (int i = 0; i < rope_dim; i += 2) {
		float a = pos * freq[i / 2];

		cs[i] = cosf(a);
		cs[i + 1] = sinf(a);
	}
}

/* Rotates each pair (v[2i], v[2i+1]) of the leading rope_dim dims of every
 * head by its angle (cs from transformer_rope_angles), the adjacent-pair
 * RoPE of llama2.c and of llama.cpp's Llama (whose converters permute Q/K
 * rows to match). */
static void
transformer_rope(float *v, int n_heads, int head_size, int rope_dim,
    const float *cs)
{
	for (int h = 0; h < n_heads; h++) {
		float *hv = v + h * head_size;

		for (int i = 0; i < rope_dim; i += 2) {
			float c = cs[i], s = cs[i + 1];
			float v0 = hv[i], v1 = hv[i + 1];

			hv[i] = v0 * c - v1 * s;
			hv[i + 1] = v0 * s + v1 * c;
		}
	}
}

/* Widest vector a layer's products read: dim, the heads' width or the
 * feed-forward's. */
static size_t
transformer_widest(const struct model_config *c)
{
	size_t	qdim = (size_t)c->n_heads * c->head_size;
	size_t	w = qdim > (size_t)c->dim ? qdim : (size_t)c->dim;

	return ((size_t)c->hidden_dim > w ? (size_t)c->hidden_dim : w);
}

uint64_t
transformer_bytes(const struct model *m, int n_ctx)
{
	const struct model_config	*c = &m->cfg;
	uint64_t			 qdim, kvdim, n, b = TRANSFORMER_BATCH;

	qdim = (uint64_t)c->n_heads * c->head_size;
	kvdim = (uint64_t)c->n_kv_heads * c->head_size;
	n = b * (2 * (uint64_t)TRANSFORMER_PAD(c->dim) +
	    TRANSFORMER_PAD(transformer_widest(c)) +
	    2 * (uint64_t)TRANSFORMER_PAD(c->hidden_dim) + qdim) +
	    (uint64_t)c->n_heads * n_ctx + c->n_vocab +
	    2 * (uint64_t)c->n_layers * n_ctx * kvdim + c->rope_dim / 2 +
	    b * c->rope_dim;
	/* plus each token's quantized activations: int8 values, scales,
	 * sums and the f32 copy */
	n += b * (TRANSFORMER_PAD(transformer_widest(c)) * 11 / 8 + 64);
	return (n * sizeof(float));
}

int
transformer_init(struct transformer *t, const struct model *m, int n_ctx,
    struct qerr *err)
{
	const struct model_config	*c = &m->cfg;
	size_t				 qdim, kvdim, cache, b = TRANSFORMER_BATCH;
	int				 ok = 1;

	memset(t, 0, sizeof *t);
	if (n_ctx < 1 || n_ctx > c->n_ctx_train)
		return (qerr_set(err, Q_EUSAGE, "context %d is outside 1..%d "
		    "(the model's trained context)", n_ctx, c->n_ctx_train));
	t->m = m;
	t->n_ctx = n_ctx;
	qdim = (size_t)c->n_heads * c->head_size;
	kvdim = (size_t)c->n_kv_heads * c->head_size;
	cache = (size_t)c->n_layers * n_ctx * kvdim;
	t->ld_dim = (int64_t)TRANSFORMER_PAD(c->dim);
	t->ld_wide = (int64_t)TRANSFORMER_PAD(transformer_widest(c));
	t->ld_hid = (int64_t)TRANSFORMER_PAD(c->hidden_dim);
	t->x = calloc(b * t->ld_dim, sizeof(float));
	t->xb = calloc(b * t->ld_wide, sizeof(float));
	t->xb2 = calloc(b * t->ld_dim, sizeof(float));
	t->hb = calloc(b * t->ld_hid, sizeof(float));
	t->hb2 = calloc(b * t->ld_hid, sizeof(float));
	t->q = calloc(b * qdim, sizeof(float));
	t->att = calloc((size_t)c->n_heads * n_ctx, sizeof(float));
	t->logits = calloc(c->n_vocab, sizeof(float));
	t->key_cache = calloc(cache, sizeof(float));
	t->value_cache = calloc(cache, sizeof(float));
	t->rope_freq = calloc(c->rope_dim / 2 + 1, sizeof(float));
	t->rope_cs = calloc(b * c->rope_dim + 1, sizeof(float));
	t->act = calloc(b, sizeof *t->act);
	for (size_t i = 0; t->act != NULL && i < b; i++)
		ok &= kact_init(&t->act[i], t->ld_wide) == Q_OK;
	if (!t->x || !t->xb || !t->xb2 || !t->hb || !t->hb2 || !t->q ||
	    !t->att || !t->logits || !t->key_cache || !t->value_cache ||
	    !t->rope_freq || !t->rope_cs || !t->act || !ok) {
		transformer_free(t);
		return (qerr_set(err, Q_ENOMEM, "out of memory for a %d-position "
		    "context", n_ctx));
	}
	for (int i = 0; i < c->rope_dim; i += 2) {
		t->rope_freq[i / 2] = 1.0f / powf(c->rope_theta,
		    (float)i / (float)c->rope_dim);
		if (m->rope_freqs != NULL)
			t->rope_freq[i / 2] /= m->rope_freqs[i / 2];
	}
	return (Q_OK);
}

void
transformer_free(struct transformer *t)
{
	free(t->x);
	free(t->xb);
	free(t->xb2);
	free(t->hb);
	free(t->hb2);
	free(t->q);
	free(t->att);
	free(t->logits);
	free(t->logits_all);
	free(t->key_cache);
	free(t->value_cache);
	free(t->rope_freq);
	free(t->rope_cs);
	for (int i = 0; t->act != NULL && i < TRANSFORMER_BATCH; i++)
		kact_free(&t->act[i]);
	free(t->act);
	memset(t, 0, sizeof *t);
}

void
transformer_set_pool(struct transformer *t, struct kpool *pool)
{
	t->pool = pool;
}

void
transformer_blas_threads(int n)
{
	openblas_set_num_threads(n < 1 ? 1 : n);
}

/* Attention of the query q_all at position pos over the cache of layer l
 * (positions 0..pos already written), each head's output into out_all:
 * the scores and the weighted sum of values are matrix-vector products
 * over the cached rows (kvdim apart), through OpenBLAS.  A token's
 * attention is computed alike whether it runs alone or in a batch. */
static void
transformer_attention(struct transformer *t, int l, int pos,
    const float *q_all, float *out_all)
{
	const struct model_config	*c = &t->m->cfg;
	int				 hs = c->head_size;
	int				 kvdim = c->n_kv_heads * hs;
	int				 kv_mul = c->n_heads / c->n_kv_heads;
	size_t				 loff = (size_t)l * t->n_ctx * kvdim;
	float				 scale = 1.0f / sqrtf((float)hs);

	for (int h = 0; h < c->n_heads; h++) {
		float		*att = t->att + (size_t)h * t->n_ctx;
		int		 kvh = h / kv_mul;

		/* scores of this head's query against every cached key */
		cblas_sgemv(CblasRowMajor, CblasNoTrans, pos + 1, hs, scale,
		    t->key_cache + loff + kvh * hs, kvdim, q_all + h * hs, 1,
		    0.0f, att, 1);
		transformer_softmax(att, pos + 1);
		/* weighted sum of the cached values */
		cblas_sgemv(CblasRowMajor, CblasTrans, pos + 1, hs, 1.0f,
		    t->value_cache + loff + kvh * hs, kvdim, att, 1, 0.0f,
		    out_all + h * hs, 1);
	}
}

/* x[b] += d[b] for the batch's residual rows. */
static void
transformer_residual(struct transformer *t)
{
	int	dim = t->m->cfg.dim;

	for (int b = 0; b < t->n_cur; b++) {
		float		*x = t->x + b * t->ld_dim;
		const float	*d = t->xb2 + b * t->ld_dim;

		for (int i = 0; i < dim; i++)
			x[i] += d[i];
	}
}

/* Which tokens of a batch the classifier runs on. */
enum transformer_logits { TL_NONE, TL_LAST, TL_ALL };

/* Runs tokens tok[0..n) (n <= TRANSFORMER_BATCH) at positions pos.. and
 * the classifier on none, the last (into t->logits) or all of them (into
 * t->logits_all, a row of vocab each). */
static void
transformer_batch(struct transformer *t, const int32_t *tok, int n, int pos,
    enum transformer_logits logits)
{
	const struct model		*m = t->m;
	const struct model_config	*c = &m->cfg;
	int				 dim = c->dim, hidden = c->hidden_dim;
	int				 kvdim = c->n_kv_heads * c->head_size;
	int				 qdim = c->n_heads * c->head_size;
	int64_t				 ldd = t->ld_dim, ldw = t->ld_wide;
	int64_t				 ldh = t->ld_hid;

	t->n_cur = n;
	for (int b = 0; b < n; b++) {
		model_mat_row(&m->token_embd, tok[b], t->x + b * ldd);
		transformer_rope_angles(t->rope_cs + (size_t)b * c->rope_dim,
		    c->rope_dim, t->rope_freq, pos + b);
	}
	for (int l = 0; l < c->n_layers; l++) {
		const struct layer_weights	*lw = &m->layers[l];
		const struct mat		*qkv[3] = { &lw->wq, &lw->wk,
						    &lw->wv };
		const struct mat		*gu[2] = { &lw->w_gate,
						    &lw->w_up };
		const struct mat		*o = &lw->wo, *d = &lw->w_down;
		size_t				 off;

		/* attention block: norm, project, rotate, cache, attend;
		 * the batch's keys and values go straight into the cache,
		 * one position after another */
		for (int b = 0; b < n; b++)
			transformer_rmsnorm(t->xb + b * ldw, t->x + b * ldd,
			    lw->attn_norm, dim, c->norm_eps);
		transformer_prep(t, t->xb, ldw, dim, qkv, 3);
		off = ((size_t)l * t->n_ctx + pos) * kvdim;
		transformer_matmul(t, t->q, qdim, &lw->wq, t->xb, ldw);
		transformer_matmul(t, t->key_cache + off, kvdim, &lw->wk,
		    t->xb, ldw);
		transformer_matmul(t, t->value_cache + off, kvdim, &lw->wv,
		    t->xb, ldw);
		for (int b = 0; b < n; b++) {
			const float *cs = t->rope_cs + (size_t)b * c->rope_dim;

			transformer_rope(t->q + (size_t)b * qdim, c->n_heads,
			    c->head_size, c->rope_dim, cs);
			transformer_rope(t->key_cache + off +
			    (size_t)b * kvdim, c->n_kv_heads, c->head_size,
			    c->rope_dim, cs);
		}
		for (int b = 0; b < n; b++)
			transformer_attention(t, l, pos + b,
			    t->q + (size_t)b * qdim, t->xb + b * ldw);
		transformer_prep(t, t->xb, ldw, qdim, &o, 1);
		transformer_matmul(t, t->xb2, ldd, &lw->wo, t->xb, ldw);
		transformer_residual(t);

		/* feed-forward block: norm, SwiGLU, residual */
		for (int b = 0; b < n; b++)
			transformer_rmsnorm(t->xb + b * ldw, t->x + b * ldd,
			    lw->ffn_norm, dim, c->norm_eps);
		transformer_prep(t, t->xb, ldw, dim, gu, 2);
		transformer_matmul(t, t->hb, ldh, &lw->w_gate, t->xb, ldw);
		transformer_matmul(t, t->hb2, ldh, &lw->w_up, t->xb, ldw);
		for (int b = 0; b < n; b++) {
			float		*g = t->hb + b * ldh;
			const float	*u = t->hb2 + b * ldh;

			for (int i = 0; i < hidden; i++)
				g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
		}
		transformer_prep(t, t->hb, ldh, hidden, &d, 1);
		transformer_matmul(t, t->xb2, ldd, &lw->w_down, t->hb, ldh);
		transformer_residual(t);
	}
	if (logits == TL_NONE)
		return;
	{
		const struct mat	*out = &m->output;
		int			 first = logits == TL_LAST ? n - 1 : 0;

		/* normed rows first .. n - 1 of x, moved to the front */
		for (int b = first; b < n; b++)
			transformer_rmsnorm(t->x + (b - first) * ldd,
			    t->x + b * ldd, m->output_norm, dim, c->norm_eps);
		t->n_cur = n - first;
		transformer_prep(t, t->x, ldd, dim, &out, 1);
		transformer_matmul(t, logits == TL_LAST ? t->logits :
		    t->logits_all, c->n_vocab, &m->output, t->x, ldd);
	}
}

const float *
transformer_forward(struct transformer *t, int32_t token, int pos)
{
	transformer_batch(t, &token, 1, pos, TL_LAST);
	return (t->logits);
}

int
transformer_keep_logits(struct transformer *t, struct qerr *err)
{
	if (t->logits_all == NULL && (t->logits_all = malloc(
	    (size_t)TRANSFORMER_BATCH * t->m->cfg.n_vocab *
	    sizeof(float))) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory for a batch's "
		    "logits"));
	return (Q_OK);
}

const float *
transformer_prefill_all(struct transformer *t, const int32_t *tok, int n,
    int pos)
{
	assert(t->logits_all != NULL && n >= 1 && n <= TRANSFORMER_BATCH);
	transformer_batch(t, tok, n, pos, TL_ALL);
	return (t->logits_all);
}

const float *
transformer_prefill(struct transformer *t, const int32_t *tok, int n,
    int pos)
{
	for (int i = 0; i < n; i += TRANSFORMER_BATCH) {
		int	k = n - i < TRANSFORMER_BATCH ? n - i : TRANSFORMER_BATCH;

		transformer_batch(t, tok + i, k, pos + i, i + k == n ? TL_LAST :
		    TL_NONE);
	}
	return (t->logits);
}
