/*
 * testutil.c: shared data lookup, temp files, a byte buffer for hand-built
 * files, and the tokenizer fixtures and checks several unit tests use.
 */
#include "config.h"

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "qerr.h"
#include "tokenizer.h"
#include "vocab.h"

static const char *
tu_find(const char *rel, int skip)
{
	static char	 path[4096];
	const char	*base, *ci;

	base = getenv("QCMP_SHARED");
	if (base == NULL || *base == '\0')
		base = "../shared";
	snprintf(path, sizeof path, "%s/%s", base, rel);
	if (access(path, R_OK) == 0)
		return (path);
	ci = getenv("CI");
	if (ci != NULL && strcmp(ci, "true") == 0) {
		fprintf(stderr, "FAIL: test data %s is missing (CI=true)\n",
		    path);
		exit(1);
	}
	fprintf(stderr, "SKIP: test data %s is missing; set QCMP_SHARED\n",
	    path);
	if (skip)
		exit(77);
	return (NULL);
}

const char *
tu_shared(const char *rel)
{
	return (tu_find(rel, 0));
}

const char *
tu_shared_or_skip(const char *rel)
{
	return (tu_find(rel, 1));
}

char *
tu_write_temp(const void *buf, size_t n)
{
	const char	*dir;
	char		*path;
	FILE		*f;
	int		 fd;

	dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (asprintf(&path, "%s/qcmp-test-XXXXXX", dir) < 0)
		abort();
	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "wb")) == NULL)
		abort();
	if (n > 0 && fwrite(buf, 1, n, f) != n)
		abort();
	fclose(f);
	return (path);
}

char *
tu_read_file(const char *path, size_t *n)
{
	FILE	*f;
	char	*buf;
	long	 sz;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return (NULL);
	}
	buf = malloc((size_t)sz + 1);
	if (buf == NULL || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		free(buf);
		fclose(f);
		return (NULL);
	}
	buf[sz] = '\0';
	fclose(f);
	if (n != NULL)
		*n = (size_t)sz;
	return (buf);
}

void
tu_buf_put(struct tu_buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	if (n > 0)
		memcpy(b->p + b->n, src, n);
	b->n += n;
}

void
tu_buf_le(struct tu_buf *b, uint64_t v, size_t n)
{
	unsigned char	t[8];
	size_t		i;

	if (n > sizeof t)
		abort();
	for (i = 0; i < n; i++)
		t[i] = (unsigned char)(v >> (8 * i));
	tu_buf_put(b, t, n);
}

char *
tu_random_text(const char *const *words, size_t nwords, unsigned seed,
    size_t len, size_t *n)
{
	size_t	 k, wl, maxw = 0;
	char	*s;

	for (k = 0; k < nwords; k++)
		if ((wl = strlen(words[k])) > maxw)
			maxw = wl;
	/* The last word may run past len by up to maxw bytes. */
	if ((s = malloc(len + maxw + 1)) == NULL)
		abort();
	*n = 0;
	while (*n < len) {
		seed = seed * 1103515245 + 12345;
		k = (seed >> 16) % nwords;
		wl = strlen(words[k]);
		memcpy(s + *n, words[k], wl);
		*n += wl;
	}
	return (s);
}

struct vocab *
tu_vocab_llama2c(const char *rel, int32_t n_vocab)
{
	struct vocab	*v;
	struct qerr	 err;

	if (vocab_from_llama2c(tu_shared_or_skip(rel), n_vocab, &v,
	    &err) != Q_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return (NULL);
	}
	return (v);
}

struct vocab *
tu_vocab_gguf(const char *path)
{
	struct gguf_file	*f;
	struct vocab		*v;
	struct qerr		 err;
	int			 rc;

	if (gguf_open(path, &f, &err) != Q_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return (NULL);
	}
	rc = vocab_from_gguf(f, &v, &err);
	gguf_close(f);
	if (rc != Q_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return (NULL);
	}
	return (v);
}

char *
tu_pieces(const struct vocab *v, const int32_t *ids, size_t n, size_t *len)
{
	struct tu_buf	 b = { NULL, 0, 0 };
	const char	*p;
	size_t		 i, plen;

	for (i = 0; i < n; i++) {
		p = tok_piece(v, ids[i], &plen);
		tu_buf_put(&b, p, plen);
	}
	tu_buf_put(&b, "", 1);
	*len = b.n - 1;
	return ((char *)b.p);
}

const char *
tu_ids_differ(const int32_t *ids, size_t n, const char *want)
{
	static char	 msg[128];
	const char	*p = want;
	char		*end;
	size_t		 k;
	long		 w;

	for (k = 0;; k++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = strtol(p, &end, 10);
		if (end == p) {
			snprintf(msg, sizeof msg, "expected id %zu is not a "
			    "number", k);
			return (msg);
		}
		p = end;
		if (k >= n || ids[k] != w) {
			snprintf(msg, sizeof msg, "id %zu is %d, expected %ld",
			    k, k < n ? ids[k] : -1, w);
			return (msg);
		}
	}
	if (k != n) {
		snprintf(msg, sizeof msg, "%zu ids, expected %zu", n, k);
		return (msg);
	}
	return (NULL);
}

void
tu_tiny_init(struct tu_tiny *t)
{
	memset(t, 0, sizeof *t);
	t->m.cfg = (struct model_config){ .arch = "llama", .dim = 4,
	    .hidden_dim = 4, .n_layers = 1, .n_heads = 2, .n_kv_heads = 1,
	    .head_size = 2, .n_vocab = 3, .n_ctx_train = 16, .rope_dim = 2,
	    .rope_theta = 10000.0f, .norm_eps = 1e-5f };
	for (int i = 0; i < 4; i++) {
		t->ones[i] = 1.0f;
		t->embd[4 + i] = (float)(i + 1);	/* token 1: 1 2 3 4 */
	}
	model_mat_f32(&t->m.token_embd, t->embd, 3, 4);
	model_mat_f32(&t->m.output, t->out, 3, 4);
	t->m.output_norm = t->ones;
	t->lw.attn_norm = t->ones;
	t->lw.ffn_norm = t->ones;
	model_mat_f32(&t->lw.wq, t->wq, 4, 4);
	model_mat_f32(&t->lw.wk, t->wk, 2, 4);
	model_mat_f32(&t->lw.wv, t->wv, 2, 4);
	model_mat_f32(&t->lw.wo, t->wo, 4, 4);
	model_mat_f32(&t->lw.w_gate, t->gate, 4, 4);
	model_mat_f32(&t->lw.w_up, t->up, 4, 4);
	model_mat_f32(&t->lw.w_down, t->down, 4, 4);
	t->m.layers = &t->lw;
}
