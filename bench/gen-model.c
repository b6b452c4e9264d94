/*
 * gen-model.c: writes a random-weight Llama GGUF with the shapes of a real
 * model, deterministic from a seed, for speed work (random weights say
 * nothing about quality).  The vocabulary is a synthetic SentencePiece one
 * of the right size: control tokens, the 256 byte tokens, then pieces.
 *
 * usage: gen-model SHAPE OUT.gguf [SEED]
 * SHAPE: stories15M stories42M stories110M smollm2-135M, or tiny256 (a
 * 1.4M model whose rows all fit 256-weight blocks, for the tests)
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shape {
	const char	*name;
	uint32_t	 dim, hidden, layers, heads, kv_heads, vocab, ctx;
	float		 rope_theta;
	int		 tied;
};

static const struct shape shapes[] = {
	{ "stories15M", 288, 768, 6, 6, 6, 32000, 256, 10000.0f, 1 },
	{ "stories42M", 512, 1376, 8, 8, 8, 32000, 1024, 10000.0f, 1 },
	{ "stories110M", 768, 2048, 12, 12, 12, 32000, 1024, 10000.0f, 1 },
	{ "smollm2-135M", 576, 1536, 30, 9, 3, 49152, 8192, 100000.0f, 1 },
	{ "tiny256", 256, 512, 2, 4, 2, 768, 256, 10000.0f, 1 },
};

static uint64_t rng;

static float
gen_uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((float)(rng >> 40) / (float)(1 << 24) * 2.0f - 1.0f);
}

static void
gen_u32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void
gen_u64(FILE *f, uint64_t v)
{
	fwrite(&v, 8, 1, f);
}

static void
gen_str(FILE *f, const char *s)
{
	gen_u64(f, strlen(s));
	fwrite(s, 1, strlen(s), f);
}

static void
gen_kv_u32(FILE *f, const char *k, uint32_t v)
{
	gen_str(f, k);
	gen_u32(f, 4);		/* uint32 */
	gen_u32(f, v);
}

static void
gen_kv_f32(FILE *f, const char *k, float v)
{
	gen_str(f, k);
	gen_u32(f, 6);		/* float32 */
	fwrite(&v, 4, 1, f);
}

static void
gen_kv_str(FILE *f, const char *k, const char *v)
{
	gen_str(f, k);
	gen_u32(f, 8);		/* string */
	gen_str(f, v);
}

/* Token i's text: <unk> <s> </s>, <0x00>..<0xFF>, then "▁tN". */
static void
gen_token(uint32_t i, char *buf, size_t n)
{
	if (i < 3)
		snprintf(buf, n, "%s", i == 0 ? "<unk>" : i == 1 ? "<s>" :
		    "</s>");
	else if (i < 3 + 256)
		snprintf(buf, n, "<0x%02X>", i - 3);
	else
		snprintf(buf, n, "\xe2\x96\x81t%u", i);
}

struct tensor {
	char		name[96];
	uint32_t	n_dims;
	uint64_t	ne[2];
};

int
main(int argc, char **argv)
{
	const struct shape	*s = NULL;
	struct tensor		*t;
	FILE			*f;
	char			 buf[64], key[96];
	uint32_t		 nt = 0, kvd;
	uint64_t		 off = 0, pos;
	float			*row;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: gen-model SHAPE OUT.gguf [SEED]\n");
		return (2);
	}
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		if (strcmp(argv[1], shapes[i].name) == 0)
			s = &shapes[i];
	if (s == NULL) {
		fprintf(stderr, "gen-model: unknown shape '%s' (stories15M, "
		    "stories42M, stories110M, smollm2-135M)\n", argv[1]);
		return (2);
	}
	rng = argc == 4 ? strtoull(argv[3], NULL, 10) * 2654435761u + 1 :
	    0x2545f4914f6cdd1dull;
	if ((f = fopen(argv[2], "wb")) == NULL) {
		fprintf(stderr, "gen-model: %s: %s\n", argv[2],
		    strerror(errno));
		return (1);
	}
	kvd = s->dim / s->heads * s->kv_heads;
	t = calloc(3 + 9 * s->layers, sizeof *t);
#define T(nm, d0, d1) do {						\
	snprintf(t[nt].name, sizeof t[nt].name, "%s", nm);		\
	t[nt].n_dims = (d1) ? 2 : 1;					\
	t[nt].ne[0] = (d0);						\
	t[nt].ne[1] = (d1) ? (d1) : 1;					\
	nt++;								\
} while (0)
	T("token_embd.weight", s->dim, s->vocab);
	T("output_norm.weight", s->dim, 0);
	for (uint32_t l = 0; l < s->layers; l++) {
		snprintf(key, sizeof key, "blk.%u.attn_norm.weight", l);
		T(key, s->dim, 0);
		snprintf(key, sizeof key, "blk.%u.attn_q.weight", l);
		T(key, s->dim, s->dim);
		snprintf(key, sizeof key, "blk.%u.attn_k.weight", l);
		T(key, s->dim, kvd);
		snprintf(key, sizeof key, "blk.%u.attn_v.weight", l);
		T(key, s->dim, kvd);
		snprintf(key, sizeof key, "blk.%u.attn_output.weight", l);
		T(key, s->dim, s->dim);
		snprintf(key, sizeof key, "blk.%u.ffn_norm.weight", l);
		T(key, s->dim, 0);
		snprintf(key, sizeof key, "blk.%u.ffn_gate.weight", l);
		T(key, s->dim, s->hidden);
		snprintf(key, sizeof key, "blk.%u.ffn_up.weight", l);
		T(key, s->dim, s->hidden);
		snprintf(key, sizeof key, "blk.%u.ffn_down.weight", l);
		T(key, s->hidden, s->dim);
	}
#undef T
	fwrite("GGUF", 1, 4, f);
	gen_u32(f, 3);
	gen_u64(f, nt);
	gen_u64(f, 16);
	gen_kv_str(f, "general.architecture", "llama");
	gen_kv_str(f, "general.name", s->name);
	gen_kv_u32(f, "llama.embedding_length", s->dim);
	gen_kv_u32(f, "llama.feed_forward_length", s->hidden);
	gen_kv_u32(f, "llama.block_count", s->layers);
	gen_kv_u32(f, "llama.attention.head_count", s->heads);
	gen_kv_u32(f, "llama.attention.head_count_kv", s->kv_heads);
	gen_kv_u32(f, "llama.context_length", s->ctx);
	gen_kv_f32(f, "llama.rope.freq_base", s->rope_theta);
	gen_kv_f32(f, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
	gen_kv_str(f, "tokenizer.ggml.model", "llama");
	gen_str(f, "tokenizer.ggml.tokens");
	gen_u32(f, 9);
	gen_u32(f, 8);
	gen_u64(f, s->vocab);
	for (uint32_t i = 0; i < s->vocab; i++) {
		gen_token(i, buf, sizeof buf);
		gen_str(f, buf);
	}
	gen_str(f, "tokenizer.ggml.scores");
	gen_u32(f, 9);
	gen_u32(f, 6);
	gen_u64(f, s->vocab);
	for (uint32_t i = 0; i < s->vocab; i++) {
		float sc = i < 259 ? 0.0f : -(float)i;

		fwrite(&sc, 4, 1, f);
	}
	gen_str(f, "tokenizer.ggml.token_type");
	gen_u32(f, 9);
	gen_u32(f, 5);
	gen_u64(f, s->vocab);
	for (uint32_t i = 0; i < s->vocab; i++)
		gen_u32(f, i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1);
	gen_kv_u32(f, "tokenizer.ggml.bos_token_id", 1);
	gen_kv_u32(f, "tokenizer.ggml.eos_token_id", 2);
	for (uint32_t i = 0; i < nt; i++) {
		gen_str(f, t[i].name);
		gen_u32(f, t[i].n_dims);
		for (uint32_t d = 0; d < t[i].n_dims; d++)
			gen_u64(f, t[i].ne[d]);
		gen_u32(f, 0);		/* F32 */
		gen_u64(f, off);
		off += (t[i].ne[0] * t[i].ne[1] * 4 + 31) / 32 * 32;
	}
	pos = (uint64_t)ftell(f);
	for (; pos % 32 != 0; pos++)
		fputc(0, f);
	row = malloc(sizeof(float) * (s->hidden > s->dim ? s->hidden :
	    s->dim));
	for (uint32_t i = 0; i < nt; i++) {
		/* norms near 1, matrices scaled like a trained model's */
		float scale = t[i].n_dims == 1 ? 0.1f : 1.0f /
		    (float)t[i].ne[0];
		uint64_t bytes = t[i].ne[0] * t[i].ne[1] * 4;

		for (uint64_t r = 0; r < t[i].ne[1]; r++) {
			for (uint64_t c = 0; c < t[i].ne[0]; c++)
				row[c] = (t[i].n_dims == 1 ? 1.0f : 0.0f) +
				    gen_uniform() * scale * 3.0f;
			fwrite(row, 4, t[i].ne[0], f);
		}
		for (; bytes % 32 != 0; bytes++)
			fputc(0, f);
	}
	free(row);
	free(t);
	if (fclose(f) != 0) {
		fprintf(stderr, "gen-model: %s: write failed\n", argv[2]);
		return (1);
	}
	return (0);
}
