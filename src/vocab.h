/*
 * vocab.h: a model's token vocabulary, loaded from GGUF metadata
 * (tokenizer.ggml.*) or from a llama2.c tokenizer.bin, in one form the
 * tokenizers share.
 */
#ifndef QCMP_VOCAB_H
#define QCMP_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "qerr.h"

enum vocab_kind {
	VOCAB_SPM,	/* SentencePiece: scores, byte fallback, U+2581 spaces */
	VOCAB_BPE	/* GPT-2 byte-level BPE: merges, pre-tokenizer regex */
};

/* Token types as in tokenizer.ggml.token_type. */
enum vocab_ttype {
	VOCAB_TT_NORMAL = 1, VOCAB_TT_UNKNOWN = 2, VOCAB_TT_CONTROL = 3,
	VOCAB_TT_USER = 4, VOCAB_TT_UNUSED = 5, VOCAB_TT_BYTE = 6
};

/* BPE pre-tokenizers (tokenizer.ggml.pre). */
enum vocab_pre {
	VOCAB_PRE_DEFAULT,	/* GPT-2 regex */
	VOCAB_PRE_LLAMA3,	/* llama-bpe, also SmolLM-less Llama 3 style */
	VOCAB_PRE_SMOLLM,	/* single digits, then GPT-2 regex */
	VOCAB_PRE_QWEN2		/* Llama 3 regex with single digits */
};

/* Longest token text accepted; no real vocabulary comes near it, and it
 * bounds every decoded piece (see detok_push). */
#define VOCAB_MAX_TOKEN_BYTES 4096

struct vocab_int;

struct vocab {
	enum vocab_kind	 kind;
	enum vocab_pre	 pre;
	int32_t		 n;		/* number of tokens */
	int32_t		 bos, eos, eot, unk;	/* -1 when absent */
	int		 add_bos;	/* prepend BOS when encoding */
	int		 add_space_prefix; /* SPM: prepend a space */
	char		*chat_template;	/* tokenizer.chat_template or NULL */
	struct vocab_int *in;		/* token texts, scores, lookup tables */
};

/* Builds from a GGUF's tokenizer.ggml.* keys; err names the key at fault. */
int	vocab_from_gguf(const struct gguf_file *f, struct vocab **out,
	    struct qerr *err);
/* Reads a llama2.c tokenizer.bin of n_vocab tokens (its header does not
 * say how many; a mismatch with the file size is an error). */
int	vocab_from_llama2c(const char *path, int32_t n_vocab,
	    struct vocab **out, struct qerr *err);
/* The same from an in-memory image (only read during the call); path is
 * used only in messages. */
int	vocab_from_llama2c_memory(const void *buf, size_t size,
	    const char *path, int32_t n_vocab, struct vocab **out,
	    struct qerr *err);
void	vocab_free(struct vocab *v);

/* Type (enum vocab_ttype) of token id. */
int	vocab_type(const struct vocab *v, int32_t id);
/* Text of token id as stored in the vocab (U+2581 / byte-level chars). */
const char *vocab_text(const struct vocab *v, int32_t id, size_t *len);
/* Id of the token whose stored text is exactly s[0..len), or -1. */
int32_t	vocab_lookup(const struct vocab *v, const char *s, size_t len);
/* "spm" or "bpe (smollm)" etc., for qcmp info. */
const char *vocab_describe(const struct vocab *v);
/* 1 when id ends a generation (EOS, EOT). */
int	vocab_is_eog(const struct vocab *v, int32_t id);

#endif
