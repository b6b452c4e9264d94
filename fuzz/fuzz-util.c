/*
 * fuzz-util.c: checks the harnesses share: the encode and decode
 * invariants every vocabulary must keep, and a walk over a vocabulary a
 * fuzzed file produced.
 */
#include "config.h"

#include "fuzz.h"

#include <string.h>

#include "qerr.h"
#include "tokenizer.h"
#include "unicode.h"
#include "vocab.h"

/* A decoded piece grows at most threefold (U+FFFD for each bad byte). */
#define FUZZ_DETOK_CAP	(3 * VOCAB_MAX_TOKEN_BYTES + 64)
/* Bytes of token texts fuzz_vocab_walk encodes, to keep runs fast. */
#define FUZZ_WALK_TEXT	64

const char *
fuzz_env_path(const char *var, const char *what)
{
	const char	*p = getenv(var);

	if (p == NULL || *p == '\0') {
		fprintf(stderr, "fuzz: %s is not set: it must name %s "
		    "(fuzz/run.sh sets it)\n", var, what);
		exit(2);
	}
	return (p);
}

/* Where fuzz_touch's reads go, so the compiler keeps them. */
volatile unsigned char fuzz_sink;

void
fuzz_touch(const void *p, size_t n)
{
	const unsigned char		*b = p;
	unsigned char			 x = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		x ^= b[i];
	fuzz_sink = x;
}

uint8_t *
fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t	*p;

	if ((p = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	return (p);
}

char *
fuzz_detok(const struct vocab *v, const int32_t *ids, size_t n, size_t *len)
{
	struct detok	 d;
	char		*out, *piece;
	size_t		 cap, o = 0, k, i;

	/* Each byte of a piece comes out as at most U+FFFD, the flush too. */
	for (i = 0, cap = 3; i < n; i++) {
		(void)tok_piece(v, ids[i], &k);
		cap += 3 * k;
	}
	if ((out = malloc(cap)) == NULL || (piece = malloc(FUZZ_DETOK_CAP)) ==
	    NULL)
		abort();
	detok_init(&d, v);
	for (i = 0; i < n; i++) {
		k = detok_push(&d, ids[i], piece, FUZZ_DETOK_CAP);
		FUZZ_CHECK(o + k <= cap);
		memcpy(out + o, piece, k);
		o += k;
	}
	k = detok_flush(&d, piece, FUZZ_DETOK_CAP);
	FUZZ_CHECK(k <= 3 && d.npend == 0 && o + k <= cap);
	memcpy(out + o, piece, k);
	o += k;
	free(piece);
	/* The decoder never hands out part of a character. */
	FUZZ_CHECK(unicode_validate(out, o) == o);
	*len = o;
	return (out);
}

/* One encoding; checks the ids and their decoding. */
static int32_t *
fuzz_encode1(const struct vocab *v, const char *text, size_t len,
    int add_bos, int parse_special, size_t *n)
{
	struct qerr	 err;
	int32_t		*ids;
	char		*dec;
	size_t		 i, dlen;
	int		 rc;

	err.msg[0] = '\0';
	rc = tok_encode(v, text, len, add_bos, parse_special, &ids, n, &err);
	if (unicode_validate(text, len) != len) {
		FUZZ_CHECK(rc == Q_EUSAGE && ids == NULL && *n == 0);
		FUZZ_CHECK(err.msg[0] != '\0');
		return (NULL);
	}
	FUZZ_CHECK(rc == Q_OK);
	FUZZ_CHECK(*n == 0 || ids != NULL);
	for (i = 0; i < *n; i++)
		FUZZ_CHECK(ids[i] >= 0 && ids[i] < v->n);
	if (add_bos && v->add_bos && v->bos >= 0)
		FUZZ_CHECK(*n >= 1 && ids[0] == v->bos);
	dec = fuzz_detok(v, ids, *n, &dlen);
	free(dec);
	return (ids);
}

int32_t *
fuzz_encode(const struct vocab *v, const char *text, size_t len,
    int add_bos, size_t *n)
{
	int32_t	*ids;
	size_t	 ns;

	free(fuzz_encode1(v, text, len, add_bos, 1, &ns));
	ids = fuzz_encode1(v, text, len, add_bos, 0, n);
	return (ids);
}

void
fuzz_vocab_walk(const struct vocab *v)
{
	static const char sample[] = "Hello world, <s></s> \xE2\x96\x81 "
	    "<|im_start|>user\n\xC3\xBC \xE6\x97\xA5\xE6\x9C\xAC 123 "
	    "<0x41><unk>\t\xF0\x9F\x98\x80 ";
	const char	*text, *t2, *piece;
	int32_t		*ids, id;
	size_t		 len, l2, plen, n, budget = FUZZ_WALK_TEXT;
	int		 t;

	FUZZ_CHECK(v->n > 0);
	FUZZ_CHECK(v->bos >= -1 && v->bos < v->n);
	FUZZ_CHECK(v->eos >= -1 && v->eos < v->n);
	FUZZ_CHECK(v->eot >= -1 && v->eot < v->n);
	FUZZ_CHECK(v->unk >= -1 && v->unk < v->n);
	FUZZ_CHECK(vocab_describe(v) != NULL);
	for (id = -2; id < v->n + 2; id++) {
		text = vocab_text(v, id, &len);
		piece = tok_piece(v, id, &plen);
		t = vocab_type(v, id);
		(void)vocab_is_eog(v, id);
		if (id < 0 || id >= v->n) {
			FUZZ_CHECK(len == 0 && plen == 0);
			FUZZ_CHECK(t == VOCAB_TT_UNUSED);
			continue;
		}
		FUZZ_CHECK(t >= VOCAB_TT_NORMAL && t <= VOCAB_TT_BYTE);
		FUZZ_CHECK(len <= 3 * VOCAB_MAX_TOKEN_BYTES);
		FUZZ_CHECK(plen <= len + 3);
		fuzz_touch(piece, plen);
		fuzz_touch(text, len);
		/* Looked up, a text finds a token with that very text. */
		FUZZ_CHECK(vocab_lookup(v, text, len) >= 0);
		t2 = vocab_text(v, vocab_lookup(v, text, len), &l2);
		FUZZ_CHECK(l2 == len && (len == 0 ||
		    memcmp(t2, text, len) == 0));
		if (len <= budget) {
			budget -= len;
			free(fuzz_encode1(v, text, len, id & 1, id & 2, &n));
		}
	}
	ids = fuzz_encode(v, sample, sizeof sample - 1, 1, &n);
	free(ids);
}

/* The pieces of ids[0..n) joined as tok_piece gives them, with the
 * decoder's one change: the space SentencePiece prefixed is dropped. */
static char *
fuzz_join_pieces(const struct vocab *v, const int32_t *ids, size_t n,
    size_t *len)
{
	const char	*p;
	char		*out;
	size_t		 i, k, o;
	int		 first = 1;

	for (i = 0, o = 1; i < n; i++) {
		(void)tok_piece(v, ids[i], &k);
		o += k;
	}
	if ((out = malloc(o)) == NULL)
		abort();
	for (i = 0, o = 0; i < n; i++) {
		p = tok_piece(v, ids[i], &k);
		if (k == 0)
			continue;
		if (first && v->add_space_prefix && p[0] == ' ') {
			p++;
			k--;
		}
		first = 0;
		memcpy(out + o, p, k);
		o += k;
	}
	*len = o;
	return (out);
}

/* Which bytes some token decodes to on its own (byte-fallback and
 * byte-level tokens); a vocabulary may lack some (SmolLM2 has no token for
 * 21 bytes, and drops them as Hugging Face does), and only text made of
 * covered bytes can come back whole. */
static const uint8_t *
fuzz_byte_cover(const struct vocab *v)
{
	static const struct vocab	*done;
	static uint8_t			 cover[256];
	const char			*p;
	size_t				 k;
	int32_t				 id;

	if (done == v)
		return (cover);
	memset(cover, 0, sizeof cover);
	for (id = 0; id < v->n; id++) {
		p = tok_piece(v, id, &k);
		if (k == 1)
			cover[(unsigned char)p[0]] = 1;
	}
	done = v;
	return (cover);
}

void
fuzz_tok_input(const struct vocab *v, const uint8_t *data, size_t size)
{
	const char	*text = (const char *)data + 1;
	int32_t		*ids;
	uint32_t	 u;
	size_t		 len, n, i, dlen, jlen, elen;
	char		*dec, *join, *exp;
	const uint8_t	*cover;
	int		 whole;

	if (size < 1)
		return;
	len = size - 1;
	if (data[0] & 2) {
		/* Decode: every 4 bytes an id, some just outside the vocab. */
		n = len / 4;
		if ((ids = malloc((n ? n : 1) * sizeof *ids)) == NULL)
			abort();
		for (i = 0; i < n; i++) {
			memcpy(&u, text + 4 * i, 4);
			ids[i] = (int32_t)(u % ((uint32_t)v->n + 16)) - 8;
		}
		dec = fuzz_detok(v, ids, n, &dlen);
		/* Where the pieces join into valid UTF-8, streaming them
		 * changes nothing. */
		join = fuzz_join_pieces(v, ids, n, &jlen);
		if (unicode_validate(join, jlen) == jlen)
			FUZZ_CHECK(dlen == jlen && memcmp(dec, join, jlen) ==
			    0);
		free(join);
		free(dec);
		free(ids);
		return;
	}
	if ((ids = fuzz_encode(v, text, len, data[0] & 1, &n)) == NULL)
		return;
	/* Where every byte has a token (byte fallback, byte-level BPE) the
	 * text comes back, SentencePiece's U+2581 as the space it means. */
	dec = fuzz_detok(v, ids, n, &dlen);
	cover = fuzz_byte_cover(v);
	for (i = 0, whole = 1; i < len; i++)
		whole &= cover[(unsigned char)text[i]];
	if ((exp = malloc(len + 1)) == NULL)
		abort();
	for (i = elen = 0; i < len; i++) {
		if (v->kind == VOCAB_SPM && len - i >= 3 &&
		    memcmp(text + i, "\xE2\x96\x81", 3) == 0) {
			exp[elen++] = ' ';
			i += 2;
		} else
			exp[elen++] = text[i];
	}
	if (whole)
		FUZZ_CHECK(dlen == elen && memcmp(dec, exp, elen) == 0);
	free(exp);
	free(dec);
	free(ids);
}
