/*
 * fuzz-llama2c.c: libFuzzer harness for the two llama2.c readers.  The
 * first input byte picks the reader: even, the checkpoint reader on the
 * rest; odd, the tokenizer.bin reader on what follows two more bytes,
 * which give the vocabulary size (little-endian) a checkpoint would have
 * supplied.  Accepted checkpoints are checked against their header (exact
 * size, weights laid out in order inside the image); accepted vocabularies
 * are walked and exercised as the tokenizers would.
 */
#include "config.h"

#include "fuzz.h"

#include <string.h>

#include "llama2c.h"
#include "qerr.h"
#include "vocab.h"

#define HEADER	28

/* p[0..n floats) lies inside the image, at or after *at; moves *at past
 * it and reads it. */
static void
region(const struct llama2c_file *f, const float **at, const float *p,
    uint64_t n)
{
	const float	*end = (const float *)(f->map + f->size);

	FUZZ_CHECK(p >= *at && p <= end && n <= (uint64_t)(end - p));
	fuzz_touch(p, n * sizeof *p);
	*at = p + n;
}

static void
checkpoint(const uint8_t *img, size_t size)
{
	struct llama2c_file	*f;
	struct qerr		 err;
	const float		*at;
	uint64_t		 D, H, L, V, kv, hs;
	int			 rc;

	err.msg[0] = '\0';
	rc = llama2c_open_memory(img, size, "fuzz.bin", &f, &err);
	if (rc != Q_OK) {
		FUZZ_CHECK(f == NULL);
		FUZZ_CHECK(strncmp(err.msg, "fuzz.bin: ", 10) == 0);
		return;
	}
	/* What the loader picks by must agree with what it accepts. */
	FUZZ_CHECK(llama2c_sniff(img, size));
	FUZZ_CHECK(f->map == img && f->size == size);
	FUZZ_CHECK(f->dim > 0 && f->hidden_dim > 0 && f->n_layers > 0 &&
	    f->n_heads > 0 && f->n_kv_heads > 0 && f->vocab_size > 0 &&
	    f->seq_len > 0);
	FUZZ_CHECK(f->dim % f->n_heads == 0 && f->n_heads % f->n_kv_heads ==
	    0);
	D = f->dim;
	H = f->hidden_dim;
	L = f->n_layers;
	V = f->vocab_size;
	hs = D / f->n_heads;
	kv = hs * f->n_kv_heads;
	at = (const float *)(img + HEADER);
	FUZZ_CHECK(f->token_embedding == at);
	region(f, &at, f->token_embedding, V * D);
	region(f, &at, f->rms_att, L * D);
	region(f, &at, f->wq, L * D * D);
	region(f, &at, f->wk, L * kv * D);
	region(f, &at, f->wv, L * kv * D);
	region(f, &at, f->wo, L * D * D);
	region(f, &at, f->rms_ffn, L * D);
	region(f, &at, f->w1, L * H * D);
	region(f, &at, f->w2, L * D * H);
	region(f, &at, f->w3, L * H * D);
	region(f, &at, f->rms_final, D);
	at += (uint64_t)f->seq_len * hs;	/* the RoPE tables */
	if (f->shared_classifier)
		FUZZ_CHECK(f->wcls == f->token_embedding);
	else
		region(f, &at, f->wcls, V * D);
	/* Exactly as long as the header says: nothing left over. */
	FUZZ_CHECK((const uint8_t *)at == img + size);
	llama2c_close(f);
}

static void
tokenizer(const uint8_t *img, size_t size, int32_t n_vocab)
{
	struct vocab	*v;
	struct qerr	 err;
	int		 rc;

	err.msg[0] = '\0';
	rc = vocab_from_llama2c_memory(img, size, "fuzz.tok", n_vocab, &v,
	    &err);
	if (rc != Q_OK) {
		FUZZ_CHECK(v == NULL);
		FUZZ_CHECK(strncmp(err.msg, "fuzz.tok: ", 10) == 0);
		return;
	}
	FUZZ_CHECK(v->n == n_vocab && v->kind == VOCAB_SPM);
	fuzz_vocab_walk(v);
	vocab_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*img;

	if (size < 1)
		return (0);
	/* A copy of just the image: aligned, and any read past its end is
	 * out of bounds. */
	if ((data[0] & 1) == 0) {
		img = fuzz_copy(data + 1, size - 1);
		checkpoint(img, size - 1);
	} else {
		if (size < 3)
			return (0);
		img = fuzz_copy(data + 3, size - 3);
		tokenizer(img, size - 3, (int32_t)(data[1] | data[2] << 8));
	}
	free(img);
	return (0);
}
