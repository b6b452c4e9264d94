/*
 * detok.c: the streaming detokenizer.  Token pieces can end inside a UTF-8
 * character (byte-fallback tokens, byte-level BPE tokens holding part of
 * a character), and a terminal or a UI must never be handed half a
 * character, so bytes of an unfinished sequence wait in the detok until
 * it completes; malformed sequences come out as U+FFFD.
 */
#include "config.h"

#include "tokenizer.h"

#include <string.h>

#include "unicode.h"
#include "vocab.h"

struct detok_sink {
	char	*out;
	size_t	 cap, pos;
};

/* Never writes past cap: a piece of many malformed bytes could grow up to
 * three times (U+FFFD each), more than the documented headroom. */
static void
detok_put(struct detok_sink *k, const void *s, size_t n)
{
	if (n > k->cap - k->pos)
		return;
	memcpy(k->out + k->pos, s, n);
	k->pos += n;
}

static void
detok_byte(struct detok *d, unsigned char b, struct detok_sink *k)
{
	size_t	need;

	if (d->npend > 0) {
		if (unicode_continues(d->pend[0], (size_t)d->npend, b)) {
			d->pend[d->npend++] = b;
			need = unicode_seqlen(d->pend[0]);
			if ((size_t)d->npend == need) {
				detok_put(k, d->pend, need);
				d->npend = 0;
			}
			return;
		}
		/* The unfinished sequence is malformed; b starts afresh. */
		detok_put(k, UNICODE_REPLACEMENT, 3);
		d->npend = 0;
	}
	if (b < 0x80)
		detok_put(k, &b, 1);
	else if (unicode_seqlen(b) >= 2)
		d->pend[d->npend++] = b;
	else
		detok_put(k, UNICODE_REPLACEMENT, 3);
}

void
detok_init(struct detok *d, const struct vocab *v)
{
	memset(d, 0, sizeof *d);
	d->v = v;
	d->first = 1;
}

size_t
detok_push(struct detok *d, int32_t id, char *out, size_t cap)
{
	struct detok_sink	 k = { out, cap, 0 };
	const char		*p;
	size_t			 len, i;

	p = tok_piece(d->v, id, &len);
	if (len == 0)
		return (0);
	/* The space SentencePiece put in front of the text is not the
	 * user's (llama2.c and llama.cpp drop it after BOS too). */
	if (d->first) {
		d->first = 0;
		if (d->v->add_space_prefix && p[0] == ' ') {
			p++;
			len--;
		}
	}
	for (i = 0; i < len; i++)
		detok_byte(d, (unsigned char)p[i], &k);
	return (k.pos);
}

size_t
detok_flush(struct detok *d, char *out, size_t cap)
{
	struct detok_sink	 k = { out, cap, 0 };

	if (d->npend > 0) {
		detok_put(&k, UNICODE_REPLACEMENT, 3);
		d->npend = 0;
	}
	return (k.pos);
}
