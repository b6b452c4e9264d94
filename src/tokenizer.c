/*
 * tokenizer.c: the entry points of tokenizer.h.  tok_encode checks the
 * text is UTF-8, cuts it at special-token texts when asked to, and hands
 * each run of plain text to the SentencePiece or BPE encoder; it also
 * holds the small containers those encoders share.
 */
#include "config.h"

#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "qerr.h"
#include "tok-int.h"
#include "unicode.h"
#include "vocab.h"

/* p (of *cap elements of esize bytes) reallocated to twice as many, or
 * 64 at first; NULL, leaving p and *cap alone, when that cannot be had. */
static void *
tok_grow(void *p, size_t *cap, size_t esize)
{
	size_t	 ncap;
	void	*np;

	ncap = *cap ? *cap * 2 : 64;
	if (ncap > SIZE_MAX / esize || (np = realloc(p, ncap * esize)) == NULL)
		return (NULL);
	*cap = ncap;
	return (np);
}

int
tok_out_push(struct tok_out *o, int32_t id)
{
	int32_t	*ids;

	if (o->n == o->cap) {
		if ((ids = tok_grow(o->ids, &o->cap, sizeof *ids)) == NULL)
			return (-1);
		o->ids = ids;
	}
	o->ids[o->n++] = id;
	return (0);
}

static int
tok_heap_less(const struct tok_cand *a, const struct tok_cand *b)
{
	if (a->key != b->key)
		return (a->key < b->key);
	return (a->left < b->left);
}

static void
tok_heap_swap(struct tok_heap *h, size_t i, size_t j)
{
	struct tok_cand	 tmp;

	tmp = h->c[i];
	h->c[i] = h->c[j];
	h->c[j] = tmp;
}

int
tok_heap_push(struct tok_heap *h, const struct tok_cand *c)
{
	struct tok_cand	*nc;
	size_t		 i, p;

	if (h->n == h->cap) {
		if ((nc = tok_grow(h->c, &h->cap, sizeof *nc)) == NULL)
			return (-1);
		h->c = nc;
	}
	i = h->n++;
	h->c[i] = *c;
	while (i > 0) {
		p = (i - 1) / 2;
		if (!tok_heap_less(&h->c[i], &h->c[p]))
			break;
		tok_heap_swap(h, i, p);
		i = p;
	}
	return (0);
}

int
tok_heap_pop(struct tok_heap *h, struct tok_cand *c)
{
	size_t	 i, l, r, m;

	if (h->n == 0)
		return (0);
	*c = h->c[0];
	h->c[0] = h->c[--h->n];
	i = 0;
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < h->n && tok_heap_less(&h->c[l], &h->c[m]))
			m = l;
		if (r < h->n && tok_heap_less(&h->c[r], &h->c[m]))
			m = r;
		if (m == i)
			break;
		tok_heap_swap(h, i, m);
		i = m;
	}
	return (1);
}

int
tok_merge_syms(struct tok_sym *sym, int32_t nsym, struct tok_heap *h,
    tok_pair_fn try_pair, void *ctx)
{
	struct tok_cand	 cand;
	struct tok_sym	*l, *r;
	int32_t		 k;

	h->n = 0;
	for (k = 0; k + 1 < nsym; k++)
		if (try_pair(ctx, k, k + 1) != 0)
			return (-1);
	while (tok_heap_pop(h, &cand)) {
		l = &sym[cand.left];
		r = &sym[cand.right];
		/* Stale: one side has since merged with something else. */
		if (l->n == 0 || r->n == 0 || l->n + r->n != cand.size)
			continue;
		l->n += r->n;
		l->id = cand.id;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			sym[r->next].prev = cand.left;
		if (l->prev >= 0 && try_pair(ctx, l->prev, cand.left) != 0)
			return (-1);
		if (l->next >= 0 && try_pair(ctx, cand.left, l->next) != 0)
			return (-1);
	}
	return (0);
}

/* The control or user-defined token whose text starts s[0..n), longest
 * first (as Hugging Face's added-token matcher), or -1. */
static int32_t
tok_special_at(const struct vocab *v, const char *s, size_t n,
    size_t *len)
{
	const struct vocab_int	*in = v->in;
	size_t			 i;
	int32_t			 id;
	int			 t;

	if (!in->special_first[(unsigned char)s[0]])
		return (-1);
	for (i = 0; i < in->n_special_len; i++) {
		if (in->special_len[i] > n)
			continue;
		id = vocab_lookup(v, s, in->special_len[i]);
		if (id < 0)
			continue;
		t = in->type[id];
		/* Ending inside a character would leave the rest of the
		 * text starting with a continuation byte. */
		if (in->special_len[i] < n &&
		    unicode_seqlen((unsigned char)s[in->special_len[i]]) == 0)
			continue;
		if (t == VOCAB_TT_CONTROL || t == VOCAB_TT_USER) {
			*len = in->special_len[i];
			return (id);
		}
	}
	return (-1);
}

/* SentencePiece gets its space prefix in front of every run: each one
 * starts the text or follows a special token, and llama.cpp prefixes
 * both. */
static int
tok_encode_run(const struct vocab *v, const char *s, size_t n,
    struct tok_out *o)
{
	if (n == 0)
		return (0);
	if (v->kind == VOCAB_SPM)
		return (spm_encode(v, s, n, v->add_space_prefix, o));
	return (bpe_encode(v, s, n, o));
}

int
tok_encode(const struct vocab *v, const char *text, size_t len, int add_bos,
    int parse_special, int32_t **ids, size_t *n, struct qerr *err)
{
	struct tok_out	 o = { NULL, 0, 0 };
	size_t		 bad, i, start, slen, step;
	int32_t		 id;

	*ids = NULL;
	*n = 0;
	if ((bad = unicode_validate(text, len)) != len)
		return (qerr_set(err, Q_EUSAGE,
		    "prompt: invalid UTF-8 at byte %zu", bad));
	/* As llama.cpp: BOS only when both the caller and the vocab want
	 * it (SmolLM-style vocabs say add_bos_token = false). */
	if (add_bos && v->add_bos && v->bos >= 0 &&
	    tok_out_push(&o, v->bos) != 0)
		goto nomem;
	start = 0;
	if (parse_special && v->in->n_special_len > 0) {
		/* Only at character boundaries, so the runs in between
		 * stay valid UTF-8. */
		for (i = 0; i < len; i += step) {
			step = unicode_seqlen((unsigned char)text[i]);
			if ((id = tok_special_at(v, text + i, len - i,
			    &slen)) < 0)
				continue;
			if (tok_encode_run(v, text + start, i - start,
			    &o) != 0 || tok_out_push(&o, id) != 0)
				goto nomem;
			step = slen;
			start = i + slen;
		}
	}
	if (tok_encode_run(v, text + start, len - start, &o) != 0)
		goto nomem;
	*ids = o.ids;
	*n = o.n;
	return (Q_OK);

nomem:
	free(o.ids);
	return (qerr_set(err, Q_ENOMEM, "prompt: out of memory while "
	    "tokenizing %zu bytes", len));
}

const char *
tok_piece(const struct vocab *v, int32_t id, size_t *len)
{
	if (id < 0 || id >= v->n) {
		*len = 0;
		return ("");
	}
	*len = v->in->piece_len[id];
	return (v->in->arena + v->in->piece_off[id]);
}
