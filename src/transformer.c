/*
 * transformer.c: the Llama decoder, one token per call, read top to bottom
 * like the maths: RMSNorm, Q/K/V projections, RoPE, grouped-query causal
 * attention over the KV cache, output projection, SwiGLU feed-forward,
 * final norm and classifier.  f32 matrix-vector products go to OpenBLAS;
 * every other weight format goes through the kernel table, reading its
 * input vector quantized once for all the matrices that share it.
 * Activation buffers are padded with zeros to whole 256-weight blocks so
 * that matrices stored with padded rows read zeros past the real width.
 */
#include "config.h"

#include "transformer.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Widest block any format has: activation buffers are padded to it. */
#define TRANSFORMER_PAD(n)	(((size_t)(n) + 255) / 256 * 256)

static void
transformer_matmul(struct transformer *t, float *restrict y,
    const struct mat *w, const float *restrict x)
{
	if (w->fmt == KFMT_F32)
		cblas_sgemv(CblasRowMajor, CblasNoTrans, w->rows, w->cols,
		    1.0f, (const float *)w->data, w->cols, x, 1, 0.0f, y, 1);
	else
		kpool_matvec(t->pool, w->fmt, w->data, w->rows, w->cols,
		    &t->act, y);
}

/* Quantizes x (len values, then zeros) once for the integer products of
 * the n matrices about to read it, to the widest padded row among them;
 * the buffer's tail may hold an earlier, longer vector, so it is cleared. */
static void
transformer_prep(struct transformer *t, float *x, int len,
    const struct mat *const *w, int n)
{
	int64_t	cols = 0;

	for (int i = 0; i < n; i++)
		if (w[i]->fmt != KFMT_F32 && w[i]->cols > cols)
			cols = w[i]->cols;
	if (cols > len)
		memset(x + len, 0, (size_t)(cols - len) * sizeof(float));
	if (cols > 0)
		kact_quantize(&t->act, x, cols);
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

/* Rotates each pair (v[2i], v[2i+1]) of the leading rope_dim dims of every
 * head by pos * freq[i], the adjacent-pair RoPE of llama2.c and of
 * llama.cpp's Llama (whose converters permute Q/K rows to match). */
static void
transformer_rope(float *v, int n_heads, int head_size, int rope_dim,
    const float *freq, int pos)
{
	for (int h = 0; h < n_heads; h++) {
		float *hv = v + h * head_size;

		for (int i = 0; i < rope_dim; i += 2) {
			float a = pos * freq[i / 2];
			float c = cosf(a), s = sinf(a);
			float v0 = hv[i], v1 = hv[i + 1];

			hv[i] = v0 * c - v1 * s;
			hv[i + 1] = v0 * s + v1 * c;
		}
	}
}

uint64_t
transformer_bytes(const struct model *m, int n_ctx)
{
	const struct model_config	*c = &m->cfg;
	uint64_t			 qdim, kvdim, n;

	qdim = (uint64_t)c->n_heads * c->head_size;
	kvdim = (uint64_t)c->n_kv_heads * c->head_size;
	n = 3 * (uint64_t)TRANSFORMER_PAD(c->dim) + 2 * TRANSFORMER_PAD(qdim) +
	    2 * (uint64_t)TRANSFORMER_PAD(c->hidden_dim) +
	    (uint64_t)c->n_heads * n_ctx + c->n_vocab +
	    2 * (uint64_t)c->n_layers * n_ctx * kvdim + c->rope_dim / 2;
	/* plus the quantized activations: int8 values, scales and sums */
	n += TRANSFORMER_PAD(qdim > (uint64_t)c->hidden_dim ? qdim :
	    (uint64_t)c->hidden_dim) * 3 / 2 + 64;
	return (n * sizeof(float));
}

int
transformer_init(struct transformer *t, const struct model *m, int n_ctx,
    struct qerr *err)
{
	const struct model_config	*c = &m->cfg;
	size_t				 qdim, kvdim, cache, widest;

	memset(t, 0, sizeof *t);
	if (n_ctx < 1 || n_ctx > c->n_ctx_train)
		return (qerr_set(err, Q_EUSAGE, "context %d is outside 1..%d "
		    "(the model's trained context)", n_ctx, c->n_ctx_train));
	t->m = m;
	t->n_ctx = n_ctx;
	qdim = (size_t)c->n_heads * c->head_size;
	kvdim = (size_t)c->n_kv_heads * c->head_size;
	cache = (size_t)c->n_layers * n_ctx * kvdim;
	widest = qdim > (size_t)c->dim ? qdim : (size_t)c->dim;
	if ((size_t)c->hidden_dim > widest)
		widest = (size_t)c->hidden_dim;
	t->x = calloc(TRANSFORMER_PAD(c->dim), sizeof(float));
	t->xb = calloc(TRANSFORMER_PAD(widest), sizeof(float));
	t->xb2 = calloc(TRANSFORMER_PAD(c->dim), sizeof(float));
	t->hb = calloc(TRANSFORMER_PAD(c->hidden_dim), sizeof(float));
	t->hb2 = calloc(TRANSFORMER_PAD(c->hidden_dim), sizeof(float));
	t->q = calloc(qdim, sizeof(float));
	t->att = calloc((size_t)c->n_heads * n_ctx, sizeof(float));
	t->logits = calloc(c->n_vocab, sizeof(float));
	t->key_cache = calloc(cache, sizeof(float));
	t->value_cache = calloc(cache, sizeof(float));
	t->rope_freq = calloc(c->rope_dim / 2 + 1, sizeof(float));
	if (!t->x || !t->xb || !t->xb2 || !t->hb || !t->hb2 || !t->q ||
	    !t->att || !t->logits || !t->key_cache || !t->value_cache ||
	    !t->rope_freq ||
	    kact_init(&t->act, (int64_t)TRANSFORMER_PAD(widest)) != Q_OK) {
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
	free(t->key_cache);
	free(t->value_cache);
	free(t->rope_freq);
	kact_free(&t->act);
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

static void
transformer_attention(struct transformer *t, int l, int pos)
{
	const struct model_config	*c = &t->m->cfg;
	int				 hs = c->head_size;
	int				 kvdim = c->n_kv_heads * hs;
	int				 kv_mul = c->n_heads / c->n_kv_heads;
	size_t				 loff = (size_t)l * t->n_ctx * kvdim;
	float				 scale = 1.0f / sqrtf((float)hs);

	for (int h = 0; h < c->n_heads; h++) {
		const float	*q = t->q + h * hs;
		float		*att = t->att + (size_t)h * t->n_ctx;
		float		*out = t->xb + h * hs;
		int		 kvh = h / kv_mul;

		/* scores of this head's query against every cached key */
		for (int p = 0; p <= pos; p++) {
			const float *k = t->key_cache + loff +
			    (size_t)p * kvdim + kvh * hs;
			float s = 0.0f;

			for (int i = 0; i < hs; i++)
				s += q[i] * k[i];
			att[p] = s * scale;
		}
		transformer_softmax(att, pos + 1);
		/* weighted sum of the cached values */
		memset(out, 0, hs * sizeof(float));
		for (int p = 0; p <= pos; p++) {
			const float *v = t->value_cache + loff +
			    (size_t)p * kvdim + kvh * hs;
			float a = att[p];

			for (int i = 0; i < hs; i++)
				out[i] += a * v[i];
		}
	}
}

const float *
transformer_forward(struct transformer *t, int32_t token, int pos)
{
	const struct model		*m = t->m;
	const struct model_config	*c = &m->cfg;
	int				 dim = c->dim, hidden = c->hidden_dim;
	int				 kvdim = c->n_kv_heads * c->head_size;

	model_mat_row(&m->token_embd, token, t->x);
	for (int l = 0; l < c->n_layers; l++) {
		const struct layer_weights	*lw = &m->layers[l];
		const struct mat		*qkv[3] = { &lw->wq, &lw->wk,
						    &lw->wv };
		const struct mat		*gu[2] = { &lw->w_gate,
						    &lw->w_up };
		const struct mat		*o = &lw->wo, *d = &lw->w_down;
		size_t				 off;

		/* attention block: norm, project, rotate, cache, attend */
		transformer_rmsnorm(t->xb, t->x, lw->attn_norm, dim,
		    c->norm_eps);
		transformer_prep(t, t->xb, dim, qkv, 3);
		off = ((size_t)l * t->n_ctx + pos) * kvdim;
		transformer_matmul(t, t->q, &lw->wq, t->xb);
		transformer_matmul(t, t->key_cache + off, &lw->wk, t->xb);
		transformer_matmul(t, t->value_cache + off, &lw->wv, t->xb);
		transformer_rope(t->q, c->n_heads, c->head_size, c->rope_dim,
		    t->rope_freq, pos);
		transformer_rope(t->key_cache + off, c->n_kv_heads,
		    c->head_size, c->rope_dim, t->rope_freq, pos);
		transformer_attention(t, l, pos);
		transformer_prep(t, t->xb, c->n_heads * c->head_size, &o, 1);
		transformer_matmul(t, t->xb2, &lw->wo, t->xb);
		for (int i = 0; i < dim; i++)
			t->x[i] += t->xb2[i];

		/* feed-forward block: norm, SwiGLU, residual */
		transformer_rmsnorm(t->xb, t->x, lw->ffn_norm, dim,
		    c->norm_eps);
		transformer_prep(t, t->xb, dim, gu, 2);
		transformer_matmul(t, t->hb, &lw->w_gate, t->xb);
		transformer_matmul(t, t->hb2, &lw->w_up, t->xb);
		for (int i = 0; i < hidden; i++) {
			float g = t->hb[i];

			t->hb[i] = g / (1.0f + expf(-g)) * t->hb2[i];
		}
		transformer_prep(t, t->hb, hidden, &d, 1);
		transformer_matmul(t, t->xb2, &lw->w_down, t->hb);
		for (int i = 0; i < dim; i++)
			t->x[i] += t->xb2[i];
	}
	transformer_rmsnorm(t->x, t->x, m->output_norm, dim, c->norm_eps);
	{
		const struct mat *out = &m->output;

		transformer_prep(t, t->x, dim, &out, 1);
	}
	transformer_matmul(t, t->logits, &m->output, t->x);
	return (t->logits);
}
