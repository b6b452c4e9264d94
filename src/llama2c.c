/*
 * llama2c.c: reads llama2.c's legacy checkpoint format.  The header has no
 * magic, so the only defence against a wrong or damaged file is that every
 * field is in range and the file is exactly as long as the header says.
 */
#include "config.h"

#include "llama2c.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define LLAMA2C_HEADER	28	/* seven int32 */
#define LLAMA2C_MAGIC	0x616b3432u	/* "ak42": versioned exports */
#define LLAMA2C_MAXDIM	(1 << 20)

int
llama2c_sniff(const uint8_t *head, size_t n)
{
	uint32_t	magic;

	if (n < LLAMA2C_HEADER)
		return (0);
	memcpy(&magic, head, 4);
	if (magic == LLAMA2C_MAGIC)
		return (1);
	/* legacy: dim, hidden_dim, n_layers, n_heads all small positive */
	for (int i = 0; i < 4; i++) {
		int32_t v;

		memcpy(&v, head + 4 * i, 4);
		if (v <= 0 || v > LLAMA2C_MAXDIM)
			return (0);
	}
	return (1);
}

/* Adds count * each floats to *total, refusing overflow. */
static int
llama2c_add(uint64_t *total, uint64_t count, uint64_t each)
{
	uint64_t	n;

	if (__builtin_mul_overflow(count, each, &n) ||
	    __builtin_add_overflow(*total, n, total))
		return (-1);
	return (0);
}

static int
llama2c_check(struct llama2c_file *f, const int32_t h[7], struct qerr *err)
{
	static const char *const names[7] = { "dim", "hidden_dim", "n_layers",
	    "n_heads", "n_kv_heads", "vocab_size", "seq_len" };
	uint64_t	 head_size, kv_dim, L, V, D, H, nf;
	const float	*p;

	for (int i = 0; i < 7; i++) {
		int64_t v = h[i];

		if (i == 5 && v < 0)
			v = -v;
		if (v <= 0 || v > LLAMA2C_MAXDIM)
			return (qerr_set(err, Q_EFORMAT,
			    "%s: header: %s %d is out of range", f->path,
			    names[i], h[i]));
	}
	f->dim = h[0];
	f->hidden_dim = h[1];
	f->n_layers = h[2];
	f->n_heads = h[3];
	f->n_kv_heads = h[4];
	f->shared_classifier = h[5] > 0;
	f->vocab_size = h[5] > 0 ? h[5] : -h[5];
	f->seq_len = h[6];
	if (f->dim % f->n_heads != 0 || (f->dim / f->n_heads) % 2 != 0)
		return (qerr_set(err, Q_EFORMAT, "%s: header: dim %d is not "
		    "an even head size times n_heads %d", f->path, f->dim,
		    f->n_heads));
	if (f->n_kv_heads > f->n_heads || f->n_heads % f->n_kv_heads != 0)
		return (qerr_set(err, Q_EFORMAT, "%s: header: n_kv_heads %d "
		    "does not divide n_heads %d", f->path, f->n_kv_heads,
		    f->n_heads));

	head_size = f->dim / f->n_heads;
	kv_dim = head_size * f->n_kv_heads;
	L = f->n_layers;
	V = f->vocab_size;
	D = f->dim;
	H = f->hidden_dim;
	nf = 0;
	if (llama2c_add(&nf, V, D) || llama2c_add(&nf, L, D) ||
	    llama2c_add(&nf, L, D * D) || llama2c_add(&nf, L, 2 * kv_dim * D) ||
	    llama2c_add(&nf, L, D * D) || llama2c_add(&nf, L, D) ||
	    llama2c_add(&nf, L, 3 * H * D) || llama2c_add(&nf, 1, D) ||
	    llama2c_add(&nf, (uint64_t)f->seq_len, head_size) ||
	    (!f->shared_classifier && llama2c_add(&nf, V, D)) ||
	    nf > (UINT64_MAX - LLAMA2C_HEADER) / 4)
		return (qerr_set(err, Q_EFORMAT, "%s: header: sizes overflow",
		    f->path));
	if (LLAMA2C_HEADER + nf * 4 != f->size)
		return (qerr_set(err, Q_EFORMAT, "%s: file size %zu does not "
		    "match the header (dim %d, hidden_dim %d, n_layers %d, "
		    "vocab_size %d, seq_len %d imply %llu bytes)", f->path,
		    f->size, h[0], h[1], h[2], h[5], h[6],
		    (unsigned long long)(LLAMA2C_HEADER + nf * 4)));

	/* carve the weights in file order (llama2.c run.c's layout) */
	p = (const float *)(f->map + LLAMA2C_HEADER);
	f->token_embedding = p;	p += V * D;
	f->rms_att = p;		p += L * D;
	f->wq = p;		p += L * D * D;
	f->wk = p;		p += L * kv_dim * D;
	f->wv = p;		p += L * kv_dim * D;
	f->wo = p;		p += L * D * D;
	f->rms_ffn = p;		p += L * D;
	f->w1 = p;		p += L * H * D;
	f->w2 = p;		p += L * H * D;
	f->w3 = p;		p += L * H * D;
	f->rms_final = p;	p += D;
	p += (uint64_t)f->seq_len * head_size;	/* unused RoPE tables */
	f->wcls = f->shared_classifier ? f->token_embedding : p;
	return (Q_OK);
}

/* Checks the header of the image f->map[0..f->size) and carves the
 * weights out of it. */
static int
llama2c_parse(struct llama2c_file *f, struct qerr *err)
{
	int32_t		 h[7];
	uint32_t	 magic;

	if (f->size < LLAMA2C_HEADER)
		return (qerr_set(err, Q_EFORMAT, "%s: header: file is %zu "
		    "bytes, shorter than a llama2.c header", f->path,
		    f->size));
	memcpy(&magic, f->map, 4);
	if (magic == LLAMA2C_MAGIC) {
		int32_t version;

		memcpy(&version, f->map + 4, 4);
		return (qerr_set(err, Q_EUNSUP, "%s: llama2.c checkpoint "
		    "version %d is not supported (export the legacy format, "
		    "or convert to GGUF)", f->path, version));
	}
	memcpy(h, f->map, sizeof h);
	return (llama2c_check(f, h, err));
}

/* A file object for path (used in messages) without a map yet. */
static struct llama2c_file *
llama2c_new(const char *path, struct qerr *err)
{
	struct llama2c_file	*f;

	if ((f = calloc(1, sizeof *f)) == NULL ||
	    (f->path = strdup(path)) == NULL) {
		free(f);
		qerr_set(err, Q_ENOMEM, "%s: out of memory", path);
		return (NULL);
	}
	return (f);
}

int
llama2c_open_memory(const void *buf, size_t size, const char *path,
    struct llama2c_file **out, struct qerr *err)
{
	struct llama2c_file	*f;
	int			 rc;

	*out = NULL;
	if (path == NULL)
		path = "(memory)";
	/* The weights are read through float pointers into the image. */
	if ((uintptr_t)buf % _Alignof(float) != 0)
		return (qerr_set(err, Q_EUSAGE, "%s: image is not aligned "
		    "for floats", path));
	if ((f = llama2c_new(path, err)) == NULL)
		return (Q_ENOMEM);
	f->map = buf;
	f->size = size;
	if ((rc = llama2c_parse(f, err)) != Q_OK) {
		llama2c_close(f);
		return (rc);
	}
	*out = f;
	return (Q_OK);
}

int
llama2c_open(const char *path, struct llama2c_file **out, struct qerr *err)
{
	struct llama2c_file	*f;
	struct stat		 st;
	int			 fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY)) < 0)
		return (qerr_set(err, Q_EIO, "%s: %s", path, strerror(errno)));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (qerr_set(err, Q_EIO, "%s: not a regular file", path));
	}
	if ((size_t)st.st_size < LLAMA2C_HEADER) {
		close(fd);
		return (qerr_set(err, Q_EFORMAT, "%s: header: file is %lld "
		    "bytes, shorter than a llama2.c header", path,
		    (long long)st.st_size));
	}
	if ((f = llama2c_new(path, err)) == NULL) {
		close(fd);
		return (Q_ENOMEM);
	}
	f->size = st.st_size;
	f->map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		llama2c_close(f);
		return (qerr_set(err, Q_EIO, "%s: mmap: %s", path,
		    strerror(errno)));
	}
	f->mapped = 1;
	if ((rc = llama2c_parse(f, err)) != Q_OK) {
		llama2c_close(f);
		return (rc);
	}
	*out = f;
	return (Q_OK);
}

void
llama2c_close(struct llama2c_file *f)
{
	if (f == NULL)
		return;
	if (f->mapped)
		munmap((void *)f->map, f->size);
	free(f->path);
	free(f);
}
