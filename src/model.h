/*
 * model.h: a Llama-family model as qcmp computes with it: hyper-parameters,
 * weight matrices (pointing into the mapped file where the file's type can
 * be used as is) and the vocabulary, loaded from GGUF or llama2.c files.
 */
#ifndef QCMP_MODEL_H
#define QCMP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kern.h"
#include "qerr.h"
#include "vocab.h"

struct gguf_file;
struct llama2c_file;

struct model_config {
	char	arch[32];	/* "llama" */
	int	dim;		/* embedding length */
	int	hidden_dim;	/* feed-forward length */
	int	n_layers;
	int	n_heads;
	int	n_kv_heads;	/* < n_heads: grouped-query attention */
	int	head_size;	/* dim / n_heads */
	int	n_vocab;
	int	n_ctx_train;	/* context length the model was trained for */
	int	rope_dim;	/* leading dims of each head that RoPE rotates */
	float	rope_theta;	/* rope.freq_base */
	float	norm_eps;	/* RMSNorm epsilon */
};

/* A weight matrix: y[rows] = W[rows][cols] x[cols], rows contiguous. */
struct mat {
	enum kfmt	 fmt;
	int		 rows, cols;
	const void	*data;
};

struct layer_weights {
	const float	*attn_norm;	/* (dim) */
	struct mat	 wq;		/* (n_heads*head_size, dim) */
	struct mat	 wk;		/* (n_kv_heads*head_size, dim) */
	struct mat	 wv;		/* (n_kv_heads*head_size, dim) */
	struct mat	 wo;		/* (dim, n_heads*head_size) */
	const float	*ffn_norm;	/* (dim) */
	struct mat	 w_gate;	/* (hidden, dim) */
	struct mat	 w_up;		/* (hidden, dim) */
	struct mat	 w_down;	/* (dim, hidden) */
};

/* A layer's matrices by index, for code that treats them alike. */
#define MODEL_LAYER_MATS	7
static inline struct mat *
model_layer_mat(struct layer_weights *lw, int i)
{
	struct mat	*m[MODEL_LAYER_MATS] = { &lw->wq, &lw->wk, &lw->wv,
			    &lw->wo, &lw->w_gate, &lw->w_up, &lw->w_down };

	return (m[i]);
}

/* One tensor as stored in the file, for `qcmp info`. */
struct model_tensor {
	char		 name[96];
	uint32_t	 ggml_type;	/* enum gguf_ttype id */
	int		 n_dims;
	int64_t		 ne[4];
	uint64_t	 nbytes;
	uint64_t	 offset;	/* in the file */
};

enum model_source { MODEL_GGUF, MODEL_LLAMA2C };

/* A buffer a model owns: malloc'd, or mapped when large (len > 0). */
struct model_buf {
	void	*p;
	size_t	 len;
};

struct model {
	char			*path;
	char			*name;		/* general.name or file stem */
	enum model_source	 source;
	uint32_t		 gguf_version;
	uint64_t		 file_size;
	char			*tokenizer_path; /* llama2.c: tokenizer.bin */
	struct model_config	 cfg;
	struct vocab		*vocab;
	struct mat		 token_embd;	/* (vocab, dim) */
	const float		*output_norm;	/* (dim) */
	struct mat		 output;	/* (vocab, dim) */
	int			 tied_output;	/* output is token_embd */
	const float		*rope_freqs;	/* (rope_dim / 2) divisors of
						 * RoPE frequencies, or NULL */
	struct layer_weights	*layers;	/* n_layers */
	uint64_t		 n_params;	/* weights in all tensors */
	struct model_tensor	*tensors;
	int			 n_tensors;
	struct gguf_file	*gguf;
	struct llama2c_file	*l2c;
	struct model_buf	*owned;		/* converted buffers to free */
	int			 n_owned;
	const struct model	*master;	/* a variant's source, whose
						 * files and vocab it shares */
	char			*label;		/* what comparisons call it, or
						 * NULL */
};

/* Loads path (GGUF, or a llama2.c checkpoint with tokenizer_path; NULL
 * looks for tok<vocab>.bin then tokenizer.bin beside it). */
int	model_load(const char *path, const char *tokenizer_path,
	    struct model **out, struct qerr *err);
void	model_free(struct model *m);
/* Points w at rows x cols f32 weights. */
void	model_mat_f32(struct mat *w, const void *data, int rows, int cols);
/* The kernel format of a GGUF tensor type the loader reads, or -1; and
 * the GGUF type of a format a file can hold, or -1. */
int	model_fmt_of(uint32_t ggml_type);
int	model_ggml_of(enum kfmt fmt);
/* Q_OK when b is the same network as a (shapes and vocabulary); else
 * Q_EUSAGE with err saying exactly what differs. */
int	model_same_shape(const struct model *a, const struct model *b,
	    struct qerr *err);
/* Bits per weight of m's 2-D weight matrices as stored. */
double	model_matrix_bpw(const struct model *m);
/* n bytes that live as long as m (freed by model_free), or NULL. */
void	*model_own(struct model *m, size_t n);
/* Bytes of m's own buffers that are in RAM now (mincore), not mapped
 * file pages. */
uint64_t model_resident(const struct model *m);
/* Copies row `row` of w into out (cols floats), converting its format. */
void	model_mat_row(const struct mat *w, int row, float *out);

#endif
