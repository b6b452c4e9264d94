/*
 * variant.c: re-encodes a model's weight matrices in another format through
 * the kernel table's quantizers, into one arena per variant (mapped, with
 * huge pages where the kernel gives them).  Each row is widened to f32
 * (whatever the master's format; an f32 row that needs no padding is read
 * in place), padded with zeros to whole blocks and quantized, so rows of
 * 172 or 576 serve 32- and 256-weight blocks alike.
 */
#include "config.h"

#include "variant.h"

#include "gguf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VARIANT_MAX_THREADS	64

enum kfmt
variant_embed_fmt(enum kfmt fmt)
{
	switch (fmt) {
	case KFMT_TQ1_0:
	case KFMT_TQ2_0:
	case KFMT_T2:
	case KFMT_T2M:
		return (KFMT_Q8_0);
	default:
		return (fmt);
	}
}

enum kfmt
variant_ref_fmt(const struct model *m)
{
	int	n16 = 0, nbf = 0, n2d = 0;

	for (int i = 0; i < m->n_tensors; i++) {
		if (m->tensors[i].n_dims != 2)
			continue;
		n2d++;
		n16 += m->tensors[i].ggml_type == GGUF_TT_F16;
		nbf += m->tensors[i].ggml_type == GGUF_TT_BF16;
	}
	if (n2d > 0 && n16 == n2d)
		return (KFMT_F16);
	if (n2d > 0 && nbf == n2d)
		return (KFMT_BF16);
	return (KFMT_F32);
}

char *
variant_expand(const struct model *m, const char *list)
{
	const char	*ref = kern_get(variant_ref_fmt(m))->name;
	char		*out, *copy, *tok, *save;
	size_t		 cap = strlen(list) * 8 + 64, len = 0;

	if ((out = malloc(cap)) == NULL || (copy = strdup(list)) == NULL) {
		free(out);
		return (NULL);
	}
	out[0] = '\0';
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		const char *w = strcmp(tok, "ref") == 0 ? ref : tok;

		if (strcmp(tok, "default") == 0)
			len += snprintf(out + len, cap - len, "%s%s,q8_0,q4_0,t2m",
			    len ? "," : "", ref);
		else
			len += snprintf(out + len, cap - len, "%s%s",
			    len ? "," : "", w);
	}
	free(copy);
	return (out);
}

/* Rows [r0, r1) of one matrix being re-encoded (whole groups of an
 * interleaved format's rows but perhaps the last). */
struct variant_job {
	const struct mat	*src;
	enum kfmt		 fmt;
	int64_t			 cols;		/* padded */
	uint8_t			*data;
	int			 r0, r1;
	int			 rc;
};

static void *
variant_rows(void *arg)
{
	struct variant_job		*j = arg;
	const struct kern_traits	*kt = kern_get(j->fmt);
	int				 rg = kt->row_group;
	size_t				 ub = kern_mat_bytes(j->fmt, rg, j->cols);
	int				 direct;
	float				*row = NULL;

	/* f32 rows that need no padding are quantized where they lie */
	direct = j->src->fmt == KFMT_F32 && j->src->cols == j->cols;
	if ((!direct || rg > 1) && (row = calloc((size_t)j->cols * rg,
	    sizeof(float))) == NULL) {
		j->rc = Q_ENOMEM;
		return (NULL);
	}
	for (int r = j->r0; r < j->r1; r += rg) {
		const float	*x;
		int		 n = j->src->rows - r < rg ? j->src->rows - r : rg;

		if (direct && n == rg)
			x = (const float *)j->src->data + (size_t)r * j->cols;
		else {
			/* a group's missing last rows are zeros */
			for (int i = 0; i < rg; i++)
				if (i < n)
					model_mat_row(j->src, r + i,
					    row + (size_t)i * j->cols);
				else
					memset(row + (size_t)i * j->cols, 0,
					    (size_t)j->cols * sizeof(float));
			x = row;
		}
		kt->from_float(x, j->data + ub * (size_t)(r / rg), j->cols);
	}
	if (!direct || rg > 1)
		free(row);
	j->rc = Q_OK;
	return (NULL);
}

/* Bytes src takes re-encoded as fmt, rounded up to a cache line. */
static size_t
variant_mat_bytes(const struct mat *src, enum kfmt fmt)
{
	size_t	n = kern_mat_bytes(fmt, src->rows, kern_pad(fmt, src->cols));

	return ((n + 63) & ~(size_t)63);
}

/* dst = src re-encoded as fmt in the arena at *next, its rows padded to
 * whole blocks; the rows are shared out between the CPUs, each row
 * quantized by the same code whichever thread takes it. */
static int
variant_mat(uint8_t **next, const struct mat *src, enum kfmt fmt,
    struct mat *dst, struct qerr *err)
{
	struct variant_job	 job[VARIANT_MAX_THREADS];
	pthread_t		 tid[VARIANT_MAX_THREADS];
	int64_t			 cols = kern_pad(fmt, src->cols);
	uint8_t			*data;
	long			 ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t			 rg = kern_get(fmt)->row_group, groups;
	int			 nt, started, rc = Q_OK;

	data = *next;
	*next += variant_mat_bytes(src, fmt);
	nt = ncpu < 1 ? 1 : ncpu > VARIANT_MAX_THREADS ? VARIANT_MAX_THREADS :
	    (int)ncpu;
	if (src->rows < 64)
		nt = 1;
	/* whole groups of rows each, so no two threads share a group */
	groups = (src->rows + rg - 1) / rg;
	for (int i = 0; i < nt; i++) {
		int64_t	g0 = groups * i / nt, g1 = groups * (i + 1) / nt;

		job[i] = (struct variant_job){ src, fmt, cols, data,
		    (int)(g0 * rg), (int)(g1 * rg < src->rows ? g1 * rg :
		    src->rows), Q_OK };
	}
	for (started = 1; started < nt; started++)
		if (pthread_create(&tid[started], NULL, variant_rows,
		    &job[started]) != 0)
			break;
	variant_rows(&job[0]);
	/* rows of threads that did not start are done here */
	for (int i = started; i < nt; i++)
		variant_rows(&job[i]);
	for (int i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	for (int i = 0; i < nt; i++)
		if (job[i].rc != Q_OK)
			rc = job[i].rc;
	if (rc != Q_OK)
		return (qerr_set(err, rc, "variant %s: out of memory",
		    kern_get(kern_get(fmt)->base)->name));
	dst->fmt = fmt;
	dst->rows = src->rows;
	dst->cols = (int)cols;
	dst->data = data;
	return (Q_OK);
}

uint64_t
variant_bytes(const struct model *v)
{
	uint64_t	n = 0;

	n += kern_row_bytes(v->token_embd.fmt, v->token_embd.cols) *
	    (uint64_t)v->token_embd.rows;
	if (!v->tied_output)
		n += kern_row_bytes(v->output.fmt, v->output.cols) *
		    (uint64_t)v->output.rows;
	for (int l = 0; l < v->cfg.n_layers; l++)
		for (int i = 0; i < MODEL_LAYER_MATS; i++) {
			const struct mat *m = model_layer_mat(&v->layers[l], i);

			n += kern_row_bytes(m->fmt, m->cols) * (uint64_t)m->rows;
		}
	return (n);
}

const char *
variant_name(const struct model *v)
{
	if (v->label != NULL)
		return (v->label);
	return (v->master ? v->name :
	    kern_get(kern_get(v->layers[0].wq.fmt)->base)->name);
}

double
variant_bpw(const struct model *v)
{
	return (v->master ?
	    kern_get(kern_get(v->layers[0].wq.fmt)->base)->bits_per_weight :
	    model_matrix_bpw(v));
}

uint64_t
variant_weight_bytes(const struct model *v)
{
	return (v->master ? variant_bytes(v) : v->file_size);
}

int
variant_build(const struct model *master, enum kfmt fmt, struct model **out,
    struct qerr *err)
{
	struct model	*v;
	enum kfmt	 efmt, ofmt, lfmt;
	uint8_t		*next;
	size_t		 arena;
	int		 rc = Q_OK;

	*out = NULL;
	/* a layout is a variant of its base format, named after it; rows
	 * read one at a time (an untied token embedding) keep the row
	 * format, matrices multiplied whole take the format's matrix layout.
	 * A tied embedding is both: it takes the layout, since the output
	 * product reads all of it every token and the lookup one row (on
	 * the 15M shape the output is three fifths of the weights) */
	fmt = kern_get(fmt)->base;
	efmt = variant_embed_fmt(fmt);
	ofmt = kern_get(efmt)->matrix_fmt;
	if (master->tied_output)
		efmt = ofmt;
	lfmt = kern_get(fmt)->matrix_fmt;
	if ((v = calloc(1, sizeof *v)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	*v = *master;
	v->master = master;
	v->owned = NULL;
	v->n_owned = 0;
	v->tensors = NULL;
	v->n_tensors = 0;
	v->name = NULL;
	v->layers = calloc((size_t)master->cfg.n_layers, sizeof *v->layers);
	if (v->layers == NULL || asprintf(&v->name, "%s",
	    kern_get(fmt)->name) < 0) {
		v->name = NULL;
		model_free(v);
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	}
	/* one arena for all of the variant's matrices */
	arena = variant_mat_bytes(&master->token_embd, efmt);
	if (!master->tied_output)
		arena += variant_mat_bytes(&master->output, ofmt);
	for (int l = 0; l < master->cfg.n_layers; l++)
		for (int i = 0; i < MODEL_LAYER_MATS; i++)
			arena += variant_mat_bytes(model_layer_mat(
			    &master->layers[l], i), lfmt);
	if ((next = model_own(v, arena)) == NULL) {
		model_free(v);
		return (qerr_set(err, Q_ENOMEM, "variant %s: out of memory "
		    "(%zu bytes)", kern_get(fmt)->name, arena));
	}
	rc = variant_mat(&next, &master->token_embd, efmt, &v->token_embd,
	    err);
	if (rc == Q_OK && master->tied_output)
		v->output = v->token_embd;
	else if (rc == Q_OK)
		rc = variant_mat(&next, &master->output, ofmt, &v->output, err);
	for (int l = 0; rc == Q_OK && l < master->cfg.n_layers; l++) {
		struct layer_weights	*s = &master->layers[l];
		struct layer_weights	*d = &v->layers[l];

		d->attn_norm = s->attn_norm;
		d->ffn_norm = s->ffn_norm;
		for (int i = 0; rc == Q_OK && i < MODEL_LAYER_MATS; i++)
			rc = variant_mat(&next, model_layer_mat(s, i), lfmt,
			    model_layer_mat(d, i), err);
	}
	if (rc != Q_OK) {
		model_free(v);
		return (rc);
	}
	*out = v;
	return (Q_OK);
}
