/*
 * tok-int.h: what vocab.c, tokenizer.c, tok-spm.c, tok-bpe.c and detok.c
 * share and nobody else sees: the vocabulary's tables and the growable id
 * list the encoders append to.
 */
#ifndef QCMP_TOK_INT_H
#define QCMP_TOK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"
#include "vocab.h"

/* One BPE merge: the pair of token ids (left << 32 | right) and what it
 * makes.  Slots with key TOK_NO_PAIR are empty. */
#define TOK_NO_PAIR	UINT64_MAX
struct tok_merge {
	uint64_t	 key;
	int32_t		 rank;
	int32_t		 id;
};

#define TOK_MAX_EOG	8

struct vocab_int {
	char		*arena;		/* every text and piece */
	size_t		*text_off;	/* stored text of token i */
	uint32_t	*text_len;
	size_t		*piece_off;	/* decoded bytes of token i */
	uint32_t	*piece_len;
	float		*score;		/* SPM merge priority */
	uint8_t		*type;		/* enum vocab_ttype */
	uint32_t	 max_piece;	/* longest piece in bytes */

	int32_t		*hash;		/* open addressing, -1 empty */
	size_t		 hmask;

	struct tok_merge *merges;	/* BPE, open addressing */
	size_t		 mmask;
	int		 ignore_merges;	/* BPE: whole words first */

	int32_t		 byte_tok[256];	/* each byte's token or -1 */

	/* Special (control and user-defined) texts, for parse_special:
	 * which bytes can start one and their distinct lengths, longest
	 * first. */
	uint8_t		 special_first[256];
	uint32_t	*special_len;
	size_t		 n_special_len;

	int32_t		 eog[TOK_MAX_EOG];
	int		 n_eog;
};

/* Ids being produced, doubling as needed. */
struct tok_out {
	int32_t		*ids;
	size_t		 n, cap;
};

int	tok_out_push(struct tok_out *o, int32_t id);

/* Encoders of one run of plain text (no special tokens in it), valid
 * UTF-8, appending to o.  space_prefix: SPM adds U+2581 in front. */
int	spm_encode(const struct vocab *v, const char *s, size_t n,
	    int space_prefix, struct tok_out *o);
int	bpe_encode(const struct vocab *v, const char *s, size_t n,
	    struct tok_out *o);

/* Cuts s[0..n) (valid UTF-8) into the words of pre-tokenizer pre: *ends
 * gets the malloc'ed end offset of each of the *nwords words. */
int	bpe_pretokenize(enum vocab_pre pre, const char *s, size_t n,
	    size_t **ends, size_t *nwords);

/* GPT-2 byte-level mapping: the code point standing for byte b, and the
 * byte a code point stands for (-1 if none). */
uint32_t bpe_byte_to_cp(unsigned char b);
int	bpe_cp_to_byte(uint32_t cp);

/* Hashes of a byte string (token table) and of a pair key (merges). */
uint64_t vocab_hash(const char *s, size_t n);
uint64_t vocab_pair_hash(uint64_t key);

/* A min-heap of merge candidates ordered by key then by position, shared
 * by the SPM (key = -score) and BPE (key = rank) encoders so that equal
 * priorities resolve leftmost first as SentencePiece and HF do. */
struct tok_cand {
	double		 key;
	int32_t		 left, right;	/* symbol indices */
	uint32_t	 size;		/* bytes of both when queued */
	int32_t		 id;		/* token they merge into */
};

struct tok_heap {
	struct tok_cand	*c;
	size_t		 n, cap;
};

int	tok_heap_push(struct tok_heap *h, const struct tok_cand *c);
int	tok_heap_pop(struct tok_heap *h, struct tok_cand *c);

/* A symbol of the text being merged, linked to its live neighbours. */
struct tok_sym {
	int32_t		 prev, next;	/* -1 at either end */
	uint32_t	 start, n;	/* its bytes; n = 0 once merged away */
	int32_t		 id;		/* token it spells, or -1 */
};

/* The encoder's scoring: queues the pair of symbols l, r on the heap if it
 * merges; nonzero only when out of memory. */
typedef int (*tok_pair_fn)(void *ctx, int32_t l, int32_t r);

/* Merges sym[0..nsym) (linked in order) best candidate first, scoring
 * each new adjacent pair with try_pair; h is emptied first; 0 or -1. */
int	tok_merge_syms(struct tok_sym *sym, int32_t nsym, struct tok_heap *h,
	    tok_pair_fn try_pair, void *ctx);

#endif
