/*
 * model.c: turns a GGUF or llama2.c file into a struct model.  This is
 * where file-format names (blk.N.attn_q.weight) meet the transformer's
 * fields, where hyper-parameters are checked against every tensor's shape,
 * and where weights in a type the f32 path cannot read in place are
 * converted once at load.
 */
#include "config.h"

#include "model.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <libgen.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gguf.h"
#include "kern.h"
#include "llama2c.h"
#include "vocab.h"

#define MODEL_MAX_HPARAM	(1 << 24)

/* GGUF tensor types the loader reads, with their kernel formats. */
static const struct {
	uint32_t	ggml;
	enum kfmt	fmt;
} model_types[] = {
	{ GGUF_TT_F32, KFMT_F32 },
	{ GGUF_TT_F16, KFMT_F16 },
	{ GGUF_TT_BF16, KFMT_BF16 },
	{ GGUF_TT_Q8_0, KFMT_Q8_0 },
	{ GGUF_TT_Q4_0, KFMT_Q4_0 },
	{ GGUF_TT_TQ1_0, KFMT_TQ1_0 },
	{ GGUF_TT_TQ2_0, KFMT_TQ2_0 },
};

int
model_fmt_of(uint32_t ggml)
{
	for (size_t i = 0; i < sizeof model_types / sizeof model_types[0]; i++)
		if (model_types[i].ggml == ggml)
			return (model_types[i].fmt);
	return (-1);
}

int
model_ggml_of(enum kfmt fmt)
{
	for (size_t i = 0; i < sizeof model_types / sizeof model_types[0]; i++)
		if (model_types[i].fmt == fmt)
			return ((int)model_types[i].ggml);
	return (-1);
}

void
model_mat_f32(struct mat *w, const void *data, int rows, int cols)
{
	w->fmt = KFMT_F32;
	w->rows = rows;
	w->cols = cols;
	w->data = data;
}

void
model_mat_row(const struct mat *w, int row, float *out)
{
	kern_row_to_float(w->fmt, w->data, row, w->cols, out);
}

/* Large buffers are mapped on their own and offered transparent huge
 * pages: a variant of a 135M model is some 140 MB written once, and
 * 4 KiB page faults were a fifth of the time spent building it. */
#define MODEL_MAP_MIN	((size_t)2 << 20)

void *
model_own(struct model *m, size_t n)
{
	struct model_buf	*grown, b = { NULL, 0 };

	grown = realloc(m->owned, (m->n_owned + 1) * sizeof *m->owned);
	if (grown == NULL)
		return (NULL);
	m->owned = grown;
	if (n >= MODEL_MAP_MIN) {
		b.len = n;
		b.p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b.p == MAP_FAILED)
			return (NULL);
#ifdef MADV_HUGEPAGE
		(void)madvise(b.p, n, MADV_HUGEPAGE);
#endif
	} else if ((b.p = malloc(n > 0 ? n : 1)) == NULL)
		return (NULL);
	m->owned[m->n_owned++] = b;
	return (b.p);
}

uint64_t
model_resident(const struct model *m)
{
	long		 page = sysconf(_SC_PAGESIZE);
	uint64_t	 n = 0;
	unsigned char	*vec;

	if (page <= 0)
		return (0);
	for (int i = 0; i < m->n_owned; i++) {
		const struct model_buf	*b = &m->owned[i];
		size_t			 np = (b->len + page - 1) / page;

		/* malloc'd buffers are small; count them as resident */
		if (b->len == 0 || (vec = malloc(np)) == NULL) {
			n += b->len == 0 ? malloc_usable_size(b->p) : b->len;
			continue;
		}
		if (mincore(b->p, b->len, vec) == 0)
			for (size_t j = 0; j < np; j++)
				n += (vec[j] & 1) ? (uint64_t)page : 0;
		free(vec);
	}
	return (n);
}

static int
model_add_tensor(struct model *m, const char *name, uint32_t type, int n_dims,
    const int64_t *ne, uint64_t nbytes, uint64_t offset)
{
	struct model_tensor	*t, *grown;

	grown = realloc(m->tensors, (m->n_tensors + 1) * sizeof *m->tensors);
	if (grown == NULL)
		return (-1);
	m->tensors = grown;
	t = &m->tensors[m->n_tensors++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->ggml_type = type;
	t->n_dims = n_dims;
	for (int i = 0; i < 4; i++)
		t->ne[i] = i < n_dims ? ne[i] : 1;
	t->nbytes = nbytes;
	t->offset = offset;
	return (0);
}

/* ---- GGUF ---------------------------------------------------------- */

static int
model_hparam(const struct gguf_file *f, const char *key, int required,
    int def, int *out, struct qerr *err)
{
	uint64_t	v;

	if (gguf_find(f, key) == NULL && !required) {
		*out = def;
		return (Q_OK);
	}
	if (gguf_get_u64(f, key, &v, err) != Q_OK)
		return (Q_EFORMAT);
	if (v == 0 || v > MODEL_MAX_HPARAM)
		return (qerr_set(err, Q_EFORMAT, "%s: key '%s': value %llu is "
		    "out of range", f->path, key, (unsigned long long)v));
	*out = (int)v;
	return (Q_OK);
}

static int
model_fparam(const struct gguf_file *f, const char *key, double def,
    float *out, struct qerr *err)
{
	double	v = def;

	if (gguf_find(f, key) != NULL &&
	    gguf_get_f64(f, key, &v, err) != Q_OK)
		return (Q_EFORMAT);
	if (!(v > 0 && v < 1e12))
		return (qerr_set(err, Q_EFORMAT, "%s: key '%s': value %g is "
		    "out of range", f->path, key, v));
	*out = (float)v;
	return (Q_OK);
}

static int
model_gguf_config(struct model *m, struct qerr *err)
{
	const struct gguf_file	*f = m->gguf;
	struct model_config	*c = &m->cfg;
	struct gguf_str		 arch;
	const struct gguf_kv	*toks;
	char			 key[96];
	int			 rc = Q_OK, key_len;

#define HP(k, req, def, out) do {					\
	snprintf(key, sizeof key, "%s." k, c->arch);			\
	if ((rc = model_hparam(f, key, req, def, out, err)) != Q_OK)	\
		return (rc);						\
} while (0)

	if (gguf_get_str(f, "general.architecture", &arch, err) != Q_OK)
		return (Q_EFORMAT);
	if (!gguf_str_eq(arch, "llama"))
		return (qerr_set(err, Q_EUNSUP, "%s: unsupported architecture "
		    "'%.*s' (qcmp runs the Llama family: general.architecture "
		    "= llama)", f->path, (int)(arch.len > 40 ? 40 : arch.len),
		    arch.ptr));
	snprintf(c->arch, sizeof c->arch, "llama");
	HP("embedding_length", 1, 0, &c->dim);
	HP("feed_forward_length", 1, 0, &c->hidden_dim);
	HP("block_count", 1, 0, &c->n_layers);
	HP("attention.head_count", 1, 0, &c->n_heads);
	HP("attention.head_count_kv", 0, c->n_heads, &c->n_kv_heads);
	HP("context_length", 1, 0, &c->n_ctx_train);
	if (c->dim % c->n_heads != 0)
		return (qerr_set(err, Q_EFORMAT, "%s: key '%s."
		    "embedding_length': %d is not a multiple of head_count %d",
		    f->path, c->arch, c->dim, c->n_heads));
	HP("attention.key_length", 0, c->dim / c->n_heads, &key_len);
	c->head_size = key_len;
	HP("rope.dimension_count", 0, c->head_size, &c->rope_dim);
#undef HP
	snprintf(key, sizeof key, "%s.rope.freq_base", c->arch);
	if ((rc = model_fparam(f, key, 10000.0, &c->rope_theta, err)) != Q_OK)
		return (rc);
	snprintf(key, sizeof key, "%s.attention.layer_norm_rms_epsilon",
	    c->arch);
	if ((rc = model_fparam(f, key, 1e-5, &c->norm_eps, err)) != Q_OK)
		return (rc);
	if (c->n_kv_heads > c->n_heads || c->n_heads % c->n_kv_heads != 0)
		return (qerr_set(err, Q_EFORMAT, "%s: key '%s.attention."
		    "head_count_kv': %d does not divide head_count %d",
		    f->path, c->arch, c->n_kv_heads, c->n_heads));
	if (c->head_size % 2 != 0 || c->rope_dim > c->head_size ||
	    c->rope_dim % 2 != 0)
		return (qerr_set(err, Q_EFORMAT, "%s: key '%s.rope."
		    "dimension_count': %d does not fit head size %d", f->path,
		    c->arch, c->rope_dim, c->head_size));
	if (gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_VT_STRING, &toks,
	    err) != Q_OK)
		return (Q_EFORMAT);
	if (toks->v.arr.n == 0 || toks->v.arr.n > MODEL_MAX_HPARAM)
		return (qerr_set(err, Q_EFORMAT, "%s: key 'tokenizer.ggml."
		    "tokens': %llu tokens is out of range", f->path,
		    (unsigned long long)toks->v.arr.n));
	c->n_vocab = (int)toks->v.arr.n;
	return (Q_OK);
}

/* Finds tensor name with the expected shape {ne0, ne1} (ne1 = 0 for a
 * vector) and returns its data: in place in the map when it is f32 on a
 * float boundary or (native) in any format the kernels run, with *fmt
 * saying which; otherwise converted to f32. */
static int
model_gguf_tensor(struct model *m, const char *name, int64_t ne0, int64_t ne1,
    int optional, int native, const void **data, enum kfmt *fmt_out,
    struct qerr *err)
{
	const struct gguf_tensor	*t;
	const struct kern_traits	*kt;
	int				 fmt, want_dims = ne1 ? 2 : 1;
	float				*conv;
	int64_t				 bad;

	*data = NULL;
	if ((t = gguf_find_tensor(m->gguf, name)) == NULL) {
		if (optional)
			return (Q_OK);
		return (qerr_set(err, Q_EFORMAT, "%s: missing tensor '%s'",
		    m->path, name));
	}
	if ((fmt = model_fmt_of(t->type)) < 0)
		return (qerr_set(err, Q_EUNSUP, "%s: tensor '%s': type %s is "
		    "not supported (qcmp loads F32, F16, BF16, Q8_0, Q4_0, "
		    "TQ1_0 and TQ2_0)", m->path, name,
		    gguf_ttype_name(t->type)));
	if ((int)t->n_dims < want_dims || t->ne[0] != (uint64_t)ne0 ||
	    (ne1 && t->ne[1] != (uint64_t)ne1) || t->ne[2] != 1 ||
	    t->ne[3] != 1 || (!ne1 && t->ne[1] != 1))
		return (qerr_set(err, Q_EFORMAT, "%s: tensor '%s': shape "
		    "[%llu, %llu, %llu, %llu] does not match the "
		    "hyper-parameters (expected [%lld, %lld])", m->path, name,
		    (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
		    (unsigned long long)t->ne[2], (unsigned long long)t->ne[3],
		    (long long)ne0, (long long)(ne1 ? ne1 : 1)));
	if ((bad = kern_first_nonfinite((enum kfmt)fmt, t->data,
	    (int64_t)(t->ne[0] * t->ne[1]))) >= 0)
		return (qerr_set(err, Q_EFORMAT, "%s: tensor '%s': weight %lld "
		    "(row %lld, column %lld) is not a finite number", m->path,
		    name, (long long)bad, (long long)(bad / ne0),
		    (long long)(bad % ne0)));
	*fmt_out = KFMT_F32;
	if ((native && fmt != KFMT_F32) ||
	    (fmt == KFMT_F32 && (uintptr_t)t->data % sizeof(float) == 0)) {
		*fmt_out = (enum kfmt)fmt;
		*data = t->data;
		return (Q_OK);
	}
	kt = kern_get(fmt);
	conv = model_own(m, (size_t)t->ne[0] * t->ne[1] * sizeof(float));
	if (conv == NULL)
		return (qerr_set(err, Q_ENOMEM, "%s: tensor '%s': out of "
		    "memory converting to f32", m->path, name));
	if (fmt == KFMT_F32)
		memcpy(conv, t->data, t->nbytes);
	else
		kt->to_float(t->data, conv, (int64_t)(t->ne[0] * t->ne[1]));
	*data = conv;
	return (Q_OK);
}

/* w, of a format whose products run on an interleaved layout, repacked
 * into that layout in m's memory: the same values, on the faster kernel
 * (on AVX2 q4_0r16 runs 2-3 times q4_0's), and the same results as a
 * variant built in that format.  Any other matrix stays where it is. */
static int
model_interleave(struct model *m, struct mat *w, struct qerr *err)
{
	enum kfmt	 layout = kern_get(w->fmt)->matrix_fmt;
	void		*dst;

	if (layout == w->fmt)
		return (Q_OK);
	if ((dst = model_own(m, kern_mat_bytes(layout, w->rows, w->cols))) ==
	    NULL)
		return (qerr_set(err, Q_ENOMEM, "%s: out of memory", m->path));
	kern_interleave(layout, w->data, w->rows, w->cols, dst);
	w->fmt = layout;
	w->data = dst;
	return (Q_OK);
}

/* A matrix stays in the file's format: the kernels run every one the
 * loader accepts (only misaligned f32 is copied); model_interleave may
 * repack it afterwards. */
static int
model_gguf_mat(struct model *m, const char *name, int rows, int cols,
    int optional, struct mat *w, struct qerr *err)
{
	const void	*data;
	enum kfmt	 fmt;
	int		 rc;

	if ((rc = model_gguf_tensor(m, name, cols, rows, optional, 1, &data,
	    &fmt, err)) != Q_OK)
		return (rc);
	w->fmt = fmt;
	w->rows = rows;
	w->cols = cols;
	w->data = data;
	return (Q_OK);
}

static int
model_gguf_vec(struct model *m, const char *name, int n, const float **v,
    struct qerr *err)
{
	const void	*data;
	enum kfmt	 fmt;
	int		 rc;

	rc = model_gguf_tensor(m, name, n, 0, 0, 0, &data, &fmt, err);
	*v = data;
	return (rc);
}

static int
model_load_gguf(struct model *m, struct qerr *err)
{
	const struct model_config	*c = &m->cfg;
	struct gguf_str			 name;
	char				 tn[96];
	int				 rc, qdim, kvdim;

	if ((rc = gguf_open(m->path, &m->gguf, err)) != Q_OK)
		return (rc);
	m->source = MODEL_GGUF;
	m->gguf_version = m->gguf->version;
	m->file_size = m->gguf->size;
	if (gguf_find(m->gguf, "general.name") != NULL &&
	    gguf_get_str(m->gguf, "general.name", &name, NULL) == Q_OK &&
	    name.len > 0 && name.len < 256)
		m->name = strndup(name.ptr, name.len);
	if ((rc = model_gguf_config(m, err)) != Q_OK)
		return (rc);
	if ((rc = vocab_from_gguf(m->gguf, &m->vocab, err)) != Q_OK)
		return (rc);
	qdim = c->n_heads * c->head_size;
	kvdim = c->n_kv_heads * c->head_size;
	if ((m->layers = calloc(c->n_layers, sizeof *m->layers)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "%s: out of memory", m->path));
	if ((rc = model_gguf_mat(m, "token_embd.weight", c->n_vocab, c->dim, 0,
	    &m->token_embd, err)) != Q_OK ||
	    (rc = model_gguf_vec(m, "output_norm.weight", c->dim,
	    &m->output_norm, err)) != Q_OK ||
	    (rc = model_gguf_mat(m, "output.weight", c->n_vocab, c->dim, 1,
	    &m->output, err)) != Q_OK)
		return (rc);
	/* Llama 3.1-style files scale the RoPE frequencies per dimension */
	if (gguf_find_tensor(m->gguf, "rope_freqs.weight") != NULL &&
	    (rc = model_gguf_vec(m, "rope_freqs.weight", c->rope_dim / 2,
	    &m->rope_freqs, err)) != Q_OK)
		return (rc);
	for (int i = 0; m->rope_freqs != NULL && i < c->rope_dim / 2; i++)
		if (!(m->rope_freqs[i] > 0 && m->rope_freqs[i] < 1e30f))
			return (qerr_set(err, Q_EFORMAT, "%s: tensor "
			    "'rope_freqs.weight': element %d is %g, not a "
			    "positive number", m->path, i, m->rope_freqs[i]));
	/* the token embedding, read a row at a time, keeps the file's layout
	 * unless it is also the output matrix */
	if (m->output.data == NULL) {
		if ((rc = model_interleave(m, &m->token_embd, err)) != Q_OK)
			return (rc);
		m->output = m->token_embd;
		m->tied_output = 1;
	} else if ((rc = model_interleave(m, &m->output, err)) != Q_OK)
		return (rc);
	for (int l = 0; l < c->n_layers; l++) {
		struct layer_weights *lw = &m->layers[l];

#define T(suffix) (snprintf(tn, sizeof tn, "blk.%d.%s.weight", l, suffix), tn)
		if ((rc = model_gguf_vec(m, T("attn_norm"), c->dim,
		    &lw->attn_norm, err)) != Q_OK ||
		    (rc = model_gguf_mat(m, T("attn_q"), qdim, c->dim, 0,
		    &lw->wq, err)) != Q_OK ||
		    (rc = model_gguf_mat(m, T("attn_k"), kvdim, c->dim, 0,
		    &lw->wk, err)) != Q_OK ||
		    (rc = model_gguf_mat(m, T("attn_v"), kvdim, c->dim, 0,
		    &lw->wv, err)) != Q_OK ||
		    (rc = model_gguf_mat(m, T("attn_output"), c->dim, qdim, 0,
		    &lw->wo, err)) != Q_OK ||
		    (rc = model_gguf_vec(m, T("ffn_norm"), c->dim,
		    &lw->ffn_norm, err)) != Q_OK ||
		    (rc = model_gguf_mat(m, T("ffn_gate"), c->hidden_dim,
		    c->dim, 0, &lw->w_gate, err)) != Q_OK ||
		    (rc = model_gguf_mat(m, T("ffn_up"), c->hidden_dim, c->dim,
		    0, &lw->w_up, err)) != Q_OK ||
		    (rc = model_gguf_mat(m, T("ffn_down"), c->dim,
		    c->hidden_dim, 0, &lw->w_down, err)) != Q_OK)
			return (rc);
#undef T
		for (int i = 0; i < MODEL_LAYER_MATS; i++)
			if ((rc = model_interleave(m, model_layer_mat(lw, i),
			    err)) != Q_OK)
				return (rc);
	}
	for (uint64_t i = 0; i < m->gguf->n_tensors; i++) {
		const struct gguf_tensor	*t = &m->gguf->tensors[i];
		int64_t				 ne[4];
		char				 nm[96];

		snprintf(nm, sizeof nm, "%.*s", (int)(t->name.len > 95 ? 95 :
		    t->name.len), t->name.ptr);
		for (int d = 0; d < 4; d++)
			ne[d] = (int64_t)t->ne[d];
		if (model_add_tensor(m, nm, t->type, t->n_dims, ne, t->nbytes,
		    m->gguf->data_offset + t->offset) != 0)
			return (qerr_set(err, Q_ENOMEM, "out of memory"));
	}
	return (Q_OK);
}

/* ---- llama2.c ------------------------------------------------------ */

static int
model_find_tokenizer(struct model *m, struct qerr *err)
{
	char	*copy, *dir, cand[2][4096];

	if ((copy = strdup(m->path)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	dir = dirname(copy);
	snprintf(cand[0], sizeof cand[0], "%s/tok%d.bin", dir, m->cfg.n_vocab);
	snprintf(cand[1], sizeof cand[1], "%s/tokenizer.bin", dir);
	free(copy);
	for (int i = 0; i < 2; i++)
		if (access(cand[i], R_OK) == 0) {
			m->tokenizer_path = strdup(cand[i]);
			return (m->tokenizer_path ? Q_OK :
			    qerr_set(err, Q_ENOMEM, "out of memory"));
		}
	return (qerr_set(err, Q_EUSAGE, "%s: a llama2.c checkpoint needs its "
	    "tokenizer: pass -z FILE (looked for %s and %s)", m->path,
	    cand[0], cand[1]));
}

/* Lists the checkpoint's arrays under the GGUF names they correspond to. */
static int
model_l2c_tensors(struct model *m)
{
	const struct model_config	*c = &m->cfg;
	const uint8_t			*base = m->l2c->map;
	char				 nm[96];
	int64_t				 ne[2];

#define ADD(name, p, n0, n1) (ne[0] = (n0), ne[1] = (n1),		\
	model_add_tensor(m, name, GGUF_TT_F32, (n1) > 1 ? 2 : 1, ne,	\
	    (uint64_t)(n0) * (n1) * 4, (uint64_t)((const uint8_t *)(p) - base)))
	if (ADD("token_embd.weight", m->token_embd.data, c->dim, c->n_vocab))
		return (-1);
	for (int l = 0; l < c->n_layers; l++) {
		struct layer_weights *lw = &m->layers[l];
		static const char *const mats[MODEL_LAYER_MATS] = { "attn_q",
		    "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
		    "ffn_down" };

		snprintf(nm, sizeof nm, "blk.%d.attn_norm.weight", l);
		if (ADD(nm, lw->attn_norm, c->dim, 1))
			return (-1);
		for (int i = 0; i < MODEL_LAYER_MATS; i++) {
			const struct mat *mp = model_layer_mat(lw, i);

			snprintf(nm, sizeof nm, "blk.%d.%s.weight", l, mats[i]);
			if (ADD(nm, mp->data, mp->cols, mp->rows))
				return (-1);
			if (i == 3) {
				snprintf(nm, sizeof nm, "blk.%d.ffn_norm.weight",
				    l);
				if (ADD(nm, lw->ffn_norm, c->dim, 1))
					return (-1);
			}
		}
	}
	if (ADD("output_norm.weight", m->output_norm, c->dim, 1))
		return (-1);
	if (!m->tied_output &&
	    ADD("output.weight", m->output.data, c->dim, c->n_vocab))
		return (-1);
#undef ADD
	return (0);
}

static int
model_load_llama2c(struct model *m, const char *tokenizer_path,
    struct qerr *err)
{
	struct model_config	*c = &m->cfg;
	struct llama2c_file	*f;
	size_t			 D, H, KV;
	int			 rc;

	if ((rc = llama2c_open(m->path, &m->l2c, err)) != Q_OK)
		return (rc);
	f = m->l2c;
	m->source = MODEL_LLAMA2C;
	m->file_size = f->size;
	snprintf(c->arch, sizeof c->arch, "llama");
	c->dim = f->dim;
	c->hidden_dim = f->hidden_dim;
	c->n_layers = f->n_layers;
	c->n_heads = f->n_heads;
	c->n_kv_heads = f->n_kv_heads;
	c->head_size = f->dim / f->n_heads;
	c->n_vocab = f->vocab_size;
	c->n_ctx_train = f->seq_len;
	c->rope_dim = c->head_size;
	c->rope_theta = 10000.0f;	/* fixed in llama2.c */
	c->norm_eps = 1e-5f;
	if (tokenizer_path != NULL) {
		if ((m->tokenizer_path = strdup(tokenizer_path)) == NULL)
			return (qerr_set(err, Q_ENOMEM, "out of memory"));
	} else if ((rc = model_find_tokenizer(m, err)) != Q_OK)
		return (rc);
	if ((rc = vocab_from_llama2c(m->tokenizer_path, c->n_vocab, &m->vocab,
	    err)) != Q_OK)
		return (rc);

	/* every float after the header is a weight (the size was checked) */
	{
		const uint8_t	*w0 = (const uint8_t *)f->token_embedding;
		int64_t		 n = (int64_t)((f->map + f->size - w0) / 4);
		int64_t		 bad = kern_first_nonfinite(KFMT_F32, w0, n);

		if (bad >= 0)
			return (qerr_set(err, Q_EFORMAT, "%s: weight %lld "
			    "(byte %lld) is not a finite number", m->path,
			    (long long)bad, (long long)(w0 - f->map + bad * 4)));
	}
	D = c->dim;
	H = c->hidden_dim;
	KV = (size_t)c->n_kv_heads * c->head_size;
	if ((m->layers = calloc(c->n_layers, sizeof *m->layers)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	model_mat_f32(&m->token_embd, f->token_embedding, c->n_vocab, c->dim);
	model_mat_f32(&m->output, f->wcls, c->n_vocab, c->dim);
	m->tied_output = f->shared_classifier;
	m->output_norm = f->rms_final;
	for (int l = 0; l < c->n_layers; l++) {
		struct layer_weights *lw = &m->layers[l];

		lw->attn_norm = f->rms_att + l * D;
		lw->ffn_norm = f->rms_ffn + l * D;
		model_mat_f32(&lw->wq, f->wq + l * D * D, D, D);
		model_mat_f32(&lw->wk, f->wk + l * KV * D, KV, D);
		model_mat_f32(&lw->wv, f->wv + l * KV * D, KV, D);
		model_mat_f32(&lw->wo, f->wo + l * D * D, D, D);
		model_mat_f32(&lw->w_gate, f->w1 + l * H * D, H, D);
		model_mat_f32(&lw->w_down, f->w2 + l * D * H, D, H);
		model_mat_f32(&lw->w_up, f->w3 + l * H * D, H, D);
	}
	if (model_l2c_tensors(m) != 0)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	return (Q_OK);
}

/* ---- common -------------------------------------------------------- */

static char *
model_stem(const char *path)
{
	const char	*b = strrchr(path, '/');
	const char	*dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	return (strndup(b, dot && dot != b ? (size_t)(dot - b) : strlen(b)));
}

int
model_load(const char *path, const char *tokenizer_path, struct model **out,
    struct qerr *err)
{
	struct model	*m;
	uint8_t		 head[32];
	ssize_t		 n;
	int		 fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY)) < 0)
		return (qerr_set(err, Q_EIO, "%s: %s", path, strerror(errno)));
	n = read(fd, head, sizeof head);
	close(fd);
	if (n < 0)
		return (qerr_set(err, Q_EIO, "%s: %s", path, strerror(errno)));
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->path = strdup(path)) == NULL) {
		free(m);
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	}
	if (n == 0)
		rc = qerr_set(err, Q_EFORMAT, "%s: file is empty", path);
	else if (n >= 4 && memcmp(head, "GGUF", 4) == 0)
		rc = model_load_gguf(m, err);
	else if (llama2c_sniff(head, (size_t)n))
		rc = model_load_llama2c(m, tokenizer_path, err);
	else
		rc = qerr_set(err, Q_EFORMAT, "%s: not a GGUF file or a "
		    "llama2.c checkpoint", path);
	if (rc == Q_OK && m->name == NULL && (m->name = model_stem(path)) ==
	    NULL)
		rc = qerr_set(err, Q_ENOMEM, "out of memory");
	if (rc == Q_OK && m->vocab->n != m->cfg.n_vocab)
		rc = qerr_set(err, Q_EFORMAT, "%s: vocabulary has %d tokens but "
		    "the model has %d", path, m->vocab->n, m->cfg.n_vocab);
	if (rc != Q_OK) {
		model_free(m);
		return (rc);
	}
	for (int i = 0; i < m->n_tensors; i++)
		m->n_params += (uint64_t)(m->tensors[i].ne[0] *
		    m->tensors[i].ne[1] * m->tensors[i].ne[2] *
		    m->tensors[i].ne[3]);
	*out = m;
	return (Q_OK);
}

int
model_same_shape(const struct model *a, const struct model *b,
    struct qerr *err)
{
	static const struct {
		const char	*what;
		size_t		 off;
	} f[] = {
		{ "embedding length", offsetof(struct model_config, dim) },
		{ "feed-forward length", offsetof(struct model_config,
		    hidden_dim) },
		{ "layer count", offsetof(struct model_config, n_layers) },
		{ "head count", offsetof(struct model_config, n_heads) },
		{ "key/value head count", offsetof(struct model_config,
		    n_kv_heads) },
		{ "head size", offsetof(struct model_config, head_size) },
		{ "vocabulary size", offsetof(struct model_config, n_vocab) },
		{ "RoPE dimensions", offsetof(struct model_config, rope_dim) },
	};
	size_t	la, lb;

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		int va = *(const int *)((const char *)&a->cfg + f[i].off);
		int vb = *(const int *)((const char *)&b->cfg + f[i].off);

		if (va != vb)
			return (qerr_set(err, Q_EUSAGE, "%s: %s %d differs from "
			    "%s's %d", b->path, f[i].what, vb, a->path, va));
	}
	if (a->cfg.rope_theta != b->cfg.rope_theta)
		return (qerr_set(err, Q_EUSAGE, "%s: RoPE base %g differs from "
		    "%s's %g", b->path, b->cfg.rope_theta, a->path,
		    a->cfg.rope_theta));
	for (int32_t id = 0; id < a->vocab->n; id++) {
		const char *ta = vocab_text(a->vocab, id, &la);
		const char *tb = vocab_text(b->vocab, id, &lb);

		if (la != lb || memcmp(ta, tb, la) != 0)
			return (qerr_set(err, Q_EUSAGE, "%s: token %d is '%.*s', "
			    "%s has '%.*s'", b->path, id, (int)(lb > 40 ? 40 :
			    lb), tb, a->path, (int)(la > 40 ? 40 : la), ta));
	}
	return (Q_OK);
}

double
model_matrix_bpw(const struct model *m)
{
	double	bytes = 0, n = 0;

	for (int i = 0; i < m->n_tensors; i++)
		if (m->tensors[i].n_dims == 2) {
			bytes += (double)m->tensors[i].nbytes;
			n += (double)(m->tensors[i].ne[0] * m->tensors[i].ne[1]);
		}
	return (n > 0 ? bytes * 8 / n : 32.0);
}

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->n_owned; i++)
		if (m->owned[i].len > 0)
			munmap(m->owned[i].p, m->owned[i].len);
		else
			free(m->owned[i].p);
	free(m->owned);
	free(m->tensors);
	free(m->layers);
	free(m->name);
	free(m->label);
	if (m->master == NULL) {
		vocab_free(m->vocab);
		gguf_close(m->gguf);
		llama2c_close(m->l2c);
		free(m->tokenizer_path);
		free(m->path);
	}
	free(m);
}
