/*
 * tok-spm.c: SentencePiece (BPE-model) encoding as llama.cpp and the
 * SentencePiece library do it.  Spaces become U+2581, the text starts as
 * one symbol per character, and the adjacent pair whose concatenation is
 * the highest-scoring token is merged first (leftmost on ties) until no
 * pair forms a token; characters that never became a token fall back to
 * their <0xXX> byte tokens.  SentencePiece does not pre-split the text, so
 * the symbols form a linked list and the candidates a heap: O(n log n) in
 * the text length, not quadratic.
 */
#include "config.h"

#include "tok-int.h"

#include <stdlib.h>
#include <string.h>

#include "unicode.h"
#include "vocab.h"

#define SPM_SPACE	"\xE2\x96\x81"

struct spm_ctx {
	const struct vocab	*v;
	const char		*text;	/* escaped */
	struct tok_sym		*sym;	/* over the escaped text */
	struct tok_heap		 heap;
};

/* Only pieces SentencePiece itself produces from text: not control,
 * byte, unknown or unused tokens. */
static int32_t
spm_lookup(const struct vocab *v, const char *s, size_t n)
{
	int32_t	id;
	int	t;

	if ((id = vocab_lookup(v, s, n)) < 0)
		return (-1);
	t = v->in->type[id];
	if (t != VOCAB_TT_NORMAL && t != VOCAB_TT_USER)
		return (-1);
	return (id);
}

static int
spm_try_pair(void *arg, int32_t l, int32_t r)
{
	struct spm_ctx	*c = arg;
	struct tok_cand	 cand;
	size_t		 size;
	int32_t		 id;

	size = (size_t)c->sym[l].n + c->sym[r].n;
	id = spm_lookup(c->v, c->text + c->sym[l].start, size);
	if (id < 0)
		return (0);
	cand.key = -(double)c->v->in->score[id];
	cand.left = l;
	cand.right = r;
	cand.size = (uint32_t)size;
	cand.id = id;
	return (tok_heap_push(&c->heap, &cand));
}

static int
spm_emit(const struct vocab *v, const struct tok_sym *s, const char *text,
    struct tok_out *o)
{
	uint32_t	i;
	int32_t		id;

	if (s->id >= 0)
		return (tok_out_push(o, s->id));
	for (i = 0; i < s->n; i++) {
		id = v->in->byte_tok[(unsigned char)text[s->start + i]];
		if (id < 0)
			id = v->unk;
		if (id >= 0 && tok_out_push(o, id) != 0)
			return (-1);
	}
	return (0);
}

int
spm_encode(const struct vocab *v, const char *s, size_t n, int space_prefix,
    struct tok_out *o)
{
	struct spm_ctx	 c;
	char		*esc;
	size_t		 i, elen, len;
	int32_t		 nsym, k;
	int		 rc = -1;

	memset(&c, 0, sizeof c);
	c.v = v;
	if (n == 0)
		return (0);
	if (n > (UINT32_MAX - 3) / 3)
		return (-1);
	if ((esc = malloc(3 * n + 3)) == NULL)
		return (-1);
	elen = 0;
	if (space_prefix) {
		memcpy(esc, SPM_SPACE, 3);
		elen = 3;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == ' ') {
			memcpy(esc + elen, SPM_SPACE, 3);
			elen += 3;
		} else
			esc[elen++] = s[i];
	}
	c.text = esc;
	if ((c.sym = malloc(elen * sizeof *c.sym)) == NULL)
		goto out;

	nsym = 0;
	for (i = 0; i < elen; i += len) {
		len = unicode_seqlen((unsigned char)esc[i]);
		if (len == 0 || len > elen - i)
			len = 1;	/* not reached for valid UTF-8 */
		c.sym[nsym].prev = nsym - 1;
		c.sym[nsym].next = i + len < elen ? nsym + 1 : -1;
		c.sym[nsym].start = (uint32_t)i;
		c.sym[nsym].n = (uint32_t)len;
		c.sym[nsym].id = spm_lookup(v, esc + i, len);
		nsym++;
	}
	if (tok_merge_syms(c.sym, nsym, &c.heap, spm_try_pair, &c) != 0)
		goto out;

	for (k = nsym > 0 ? 0 : -1; k >= 0; k = c.sym[k].next)
		if (spm_emit(v, &c.sym[k], esc, o) != 0)
			goto out;
	rc = 0;
out:
	free(c.heap.c);
	free(c.sym);
	free(esc);
	return (rc);
}
