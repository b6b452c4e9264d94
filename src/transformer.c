/*
 * transformer.c: the Llama decoder, one token per call, read top to bottom
 * like the maths: RMSNorm, Q/K/V projections, RoPE, grouped-query causal
 * attention over the KV cache, output projection, SwiGLU feed-forward,
 * final norm and classifier.  f32 matrix-vector products go to OpenBLAS.
 */
#include "config.h"

#include "transformer.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void
transformer_matmul(float *restrict y, const struct mat *w,
    const float *restrict x)
{
	/* every matrix reaching here was made f32 at load (model.c) */
	cblas_sgemv(CblasRowMajor, CblasNoTrans, w->rows, w->cols, 1.0f,
	    (const float *)w->data, w->cols, x, 1, 0.0f, y, 1);
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
	n = 3 * (uint64_t)c->dim + qdim + 2 * (uint64_t)c->hidden_dim +
	    qdim + (uint64_t)c->n_heads * n_ctx + c->n_vocab +
	    2 * (uint64_t)c->n_layers * n_ctx * kvdim + c->rope_dim / 2;
	return (n * sizeof(float));
}

int
transformer_init(struct transformer *t, const struct model *m, int n_ctx,
    struct qerr *err)
{
	const struct model_config	*c = &m->cfg;
	size_t				 qdim, kvdim, cache;

	memset(t, 0, sizeof *t);
	if (n_ctx < 1 || n_ctx > c->n_ctx_train)
		return (qerr_set(err, Q_EUSAGE, "context %d is outside 1..%d "
		    "(the model's trained context)", n_ctx, c->n_ctx_train));
	t->m = m;
	t->n_ctx = n_ctx;
	qdim = (size_t)c->n_heads * c->head_size;
	kvdim = (size_t)c->n_kv_heads * c->head_size;
	cache = (size_t)c->n_layers * n_ctx * kvdim;
	t->x = calloc(c->dim, sizeof(float));
	t->xb = calloc(qdim > (size_t)c->dim ? qdim : (size_t)c->dim,
	    sizeof(float));
	t->xb2 = calloc(c->dim, sizeof(float));
	t->hb = calloc(c->hidden_dim, sizeof(float));
	t->hb2 = calloc(c->hidden_dim, sizeof(float));
	t->q = calloc(qdim, sizeof(float));
	t->att = calloc((size_t)c->n_heads * n_ctx, sizeof(float));
	t->logits = calloc(c->n_vocab, sizeof(float));
	t->key_cache = calloc(cache, sizeof(float));
	t->value_cache = calloc(cache, sizeof(float));
	t->rope_freq = calloc(c->rope_dim / 2 + 1, sizeof(float));
	if (!t->x || !t->xb || !t->xb2 || !t->hb || !t->hb2 || !t->q ||
	    !t->att || !t->logits || !t->key_cache || !t->value_cache ||
	    !t->rope_freq) {
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
	memset(t, 0, sizeof *t);
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
		size_t				 off;

		/* attention block: norm, project, rotate, cache, attend */
		transformer_rmsnorm(t->xb, t->x, lw->attn_norm, dim,
		    c->norm_eps);
		off = ((size_t)l * t->n_ctx + pos) * kvdim;
		transformer_matmul(t->q, &lw->wq, t->xb);
		transformer_matmul(t->key_cache + off, &lw->wk, t->xb);
		transformer_matmul(t->value_cache + off, &lw->wv, t->xb);
		transformer_rope(t->q, c->n_heads, c->head_size, c->rope_dim,
		    t->rope_freq, pos);
		transformer_rope(t->key_cache + off, c->n_kv_heads,
		    c->head_size, c->rope_dim, t->rope_freq, pos);
		transformer_attention(t, l, pos);
		transformer_matmul(t->xb2, &lw->wo, t->xb);
		for (int i = 0; i < dim; i++)
			t->x[i] += t->xb2[i];

		/* feed-forward block: norm, SwiGLU, residual */
		transformer_rmsnorm(t->xb, t->x, lw->ffn_norm, dim,
		    c->norm_eps);
		transformer_matmul(t->hb, &lw->w_gate, t->xb);
		transformer_matmul(t->hb2, &lw->w_up, t->xb);
		for (int i = 0; i < hidden; i++) {
			float g = t->hb[i];

			t->hb[i] = g / (1.0f + expf(-g)) * t->hb2[i];
		}
		transformer_matmul(t->xb2, &lw->w_down, t->hb);
		for (int i = 0; i < dim; i++)
			t->x[i] += t->xb2[i];
	}
	transformer_rmsnorm(t->x, t->x, m->output_norm, dim, c->norm_eps);
	transformer_matmul(t->logits, &m->output, t->x);
	return (t->logits);
}
