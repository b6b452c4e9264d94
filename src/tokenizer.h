/*
 * tokenizer.h: text to token ids and back, for SentencePiece and byte-level
 * BPE vocabularies, matching llama.cpp and Hugging Face ids.
 */
#ifndef QCMP_TOKENIZER_H
#define QCMP_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"
#include "vocab.h"

/* Encodes text[0..len) into a malloc'ed array *ids of *n ids.  add_bos
 * prepends BOS when the vocab has one; parse_special turns control and
 * user-defined token texts found in the text (e.g. "<|im_start|>") into
 * their ids.  Text that is not valid UTF-8 is an error. */
int	tok_encode(const struct vocab *v, const char *text, size_t len,
	    int add_bos, int parse_special, int32_t **ids, size_t *n,
	    struct qerr *err);

/* The bytes token id stands for when decoded (spaces restored, byte
 * tokens as their byte, control tokens as ""). */
const char *tok_piece(const struct vocab *v, int32_t id, size_t *len);

/* Streaming decoder: turns ids into text that never ends inside a UTF-8
 * sequence, and drops the leading space SentencePiece adds to the first
 * token. */
struct detok {
	const struct vocab	*v;
	int			 first;		/* no text emitted yet */
	unsigned char		 pend[8];	/* bytes of an unfinished char */
	int			 npend;
};

void	detok_init(struct detok *d, const struct vocab *v);
/* Appends the text completed by id to out (capacity cap, at least 64
 * bytes more than the longest token); returns bytes written. */
size_t	detok_push(struct detok *d, int32_t id, char *out, size_t cap);
/* Flushes an unfinished sequence as U+FFFD; returns bytes written. */
size_t	detok_flush(struct detok *d, char *out, size_t cap);

#endif
