/*
 * tok-bpe.c: GPT-2 style byte-level BPE as Hugging Face tokenizers and
 * llama.cpp do it.  The text is first cut into words by the vocab's
 * pre-tokenizer (the GPT-2, Llama 3 or Qwen 2 regex, or SmolLM's
 * single digits followed by the GPT-2 regex; each is hand-coded here as
 * the matcher the regex describes), then every word's bytes start as one
 * symbol each and the adjacent pair with the lowest merge rank is merged
 * first (leftmost on ties) until no merge applies.  Work is per word, with
 * a heap of candidates, so long prompts stay O(n log n).
 */
#include "config.h"

#include "tok-int.h"

#include <stdlib.h>
#include <string.h>

#include "unicode.h"
#include "vocab.h"

struct bpe_ctx {
	const struct vocab	*v;
	struct tok_out		*o;
	struct tok_sym		*sym;	/* a byte each, longest word */
	size_t			 nsym;
	char			*mapped;
	struct tok_heap		 heap;
};

/*
 * GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for
 * themselves, the 68 others for U+0100 onwards in byte order, so every
 * byte string is a string of visible characters.
 */
uint32_t
bpe_byte_to_cp(unsigned char b)
{
	if (b <= 0x20)
		return (0x100 + b);
	if (b >= 0x7F && b <= 0xA0)
		return (0x100 + 0x21 + (b - 0x7F));
	if (b == 0xAD)
		return (0x100 + 0x21 + 0x22);
	return (b);
}

int
bpe_cp_to_byte(uint32_t cp)
{
	if (cp < 0x100)
		return (bpe_byte_to_cp((unsigned char)cp) == cp ? (int)cp : -1);
	if (cp <= 0x120)
		return ((int)(cp - 0x100));
	if (cp <= 0x142)
		return ((int)(cp - 0x121 + 0x7F));
	if (cp == 0x143)
		return (0xAD);
	return (-1);
}

/* --- pre-tokenizers --------------------------------------------------- */

#define IS_L(f)		((f) & UNICODE_L)
#define IS_N(f)		((f) & UNICODE_N)
#define IS_WS(f)	((f) & UNICODE_WS)
#define IS_OTHER(f)	(((f) & (UNICODE_L | UNICODE_N | UNICODE_WS)) == 0)

static uint32_t
bpe_fold(uint32_t c, int icase)
{
	if (icase && c >= 'A' && c <= 'Z')
		return (c + ('a' - 'A'));
	return (c);
}

/* 's|'t|'re|'ve|'m|'ll|'d at i: its length, or 0. */
static size_t
bpe_contraction(const uint32_t *cp, size_t i, size_t n, int icase)
{
	uint32_t	a, b;

	if (cp[i] != '\'' || i + 1 >= n)
		return (0);
	a = bpe_fold(cp[i + 1], icase);
	if (a == 's' || a == 't' || a == 'm' || a == 'd')
		return (2);
	if (i + 2 >= n)
		return (0);
	b = bpe_fold(cp[i + 2], icase);
	if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
	    (a == 'l' && b == 'l'))
		return (3);
	return (0);
}

/* \s+(?!\S)|\s+ at whitespace i: a run that is followed by more text
 * leaves its last character to start the next word. */
static size_t
bpe_space_run(const uint8_t *fl, size_t i, size_t n)
{
	size_t	e;

	for (e = i; e < n && IS_WS(fl[e]); e++)
		;
	if (e < n && e - i > 1)
		return (e - 1);
	return (e);
}

/*
 * GPT-2:
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|
 *   \s+(?!\S)|\s+
 * Returns where the word starting at i (< n) ends.
 */
static size_t
bpe_gpt2(const uint32_t *cp, const uint8_t *fl, size_t i, size_t n)
{
	size_t	 j, k;

	if ((k = bpe_contraction(cp, i, n, 0)) > 0)
		return (i + k);
	j = cp[i] == ' ' && i + 1 < n ? i + 1 : i;
	if (IS_L(fl[j])) {
		while (j < n && IS_L(fl[j]))
			j++;
		return (j);
	}
	if (IS_N(fl[j])) {
		while (j < n && IS_N(fl[j]))
			j++;
		return (j);
	}
	if (IS_OTHER(fl[j])) {
		while (j < n && IS_OTHER(fl[j]))
			j++;
		return (j);
	}
	if (IS_WS(fl[i]))
		return (bpe_space_run(fl, i, n));
	return (i + 1);
}

/*
 * Llama 3 (maxdigits 3) and Qwen 2 (maxdigits 1):
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 */
static size_t
bpe_llama3(const uint32_t *cp, const uint8_t *fl, size_t i, size_t n,
    size_t maxdigits)
{
	size_t	 j, k, last;

	if ((k = bpe_contraction(cp, i, n, 1)) > 0)
		return (i + k);
	j = i;
	if (!IS_L(fl[i]) && !IS_N(fl[i]) && cp[i] != '\r' && cp[i] != '\n' &&
	    i + 1 < n && IS_L(fl[i + 1]))
		j = i + 1;
	if (IS_L(fl[j])) {
		while (j < n && IS_L(fl[j]))
			j++;
		return (j);
	}
	if (IS_N(fl[i])) {
		for (j = i; j < n && j - i < maxdigits && IS_N(fl[j]); j++)
			;
		return (j);
	}
	j = cp[i] == ' ' && i + 1 < n ? i + 1 : i;
	if (IS_OTHER(fl[j])) {
		while (j < n && IS_OTHER(fl[j]))
			j++;
		while (j < n && (cp[j] == '\r' || cp[j] == '\n'))
			j++;
		return (j);
	}
	if (IS_WS(fl[i])) {
		/* \s*[\r\n]+: up to the last line break of the run. */
		last = n;
		for (j = i; j < n && IS_WS(fl[j]); j++)
			if (cp[j] == '\r' || cp[j] == '\n')
				last = j;
		if (last != n)
			return (last + 1);
		return (bpe_space_run(fl, i, n));
	}
	return (i + 1);
}

/* --- merging ---------------------------------------------------------- */

static const struct tok_merge *
bpe_find_merge(const struct vocab_int *in, int32_t a, int32_t b)
{
	uint64_t	key;
	size_t		i;

	key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
	for (i = vocab_pair_hash(key) & in->mmask;
	    in->merges[i].key != TOK_NO_PAIR; i = (i + 1) & in->mmask)
		if (in->merges[i].key == key)
			return (&in->merges[i]);
	return (NULL);
}

static int
bpe_try_pair(void *arg, int32_t l, int32_t r)
{
	struct bpe_ctx		*c = arg;
	const struct tok_merge	*m;
	struct tok_cand		 cand;

	if (c->sym[l].id < 0 || c->sym[r].id < 0)
		return (0);
	if ((m = bpe_find_merge(c->v->in, c->sym[l].id, c->sym[r].id)) == NULL)
		return (0);
	cand.key = m->rank;
	cand.left = l;
	cand.right = r;
	cand.size = c->sym[l].n + c->sym[r].n;
	cand.id = m->id;
	return (tok_heap_push(&c->heap, &cand));
}

static int
bpe_word(struct bpe_ctx *c, const char *w, size_t n)
{
	const struct vocab_int	*in = c->v->in;
	struct tok_sym		*ns;
	char			*nm;
	size_t			 i, mlen;
	int32_t			 k, id;

	if (n == 0)
		return (0);
	if (n > c->nsym) {
		if (n > INT32_MAX ||
		    (ns = realloc(c->sym, n * sizeof *ns)) == NULL)
			return (-1);
		c->sym = ns;
		if ((nm = realloc(c->mapped, 2 * n)) == NULL)
			return (-1);
		c->mapped = nm;
		c->nsym = n;
	}
	if (in->ignore_merges) {
		/* Llama 3 (ignore_merges in tokenizer.json): a word that is a
		 * token as a whole is taken as it is. */
		for (i = mlen = 0; i < n; i++)
			mlen += unicode_encode(bpe_byte_to_cp(w[i]),
			    c->mapped + mlen);
		if ((id = vocab_lookup(c->v, c->mapped, mlen)) >= 0)
			return (tok_out_push(c->o, id));
	}
	for (i = 0; i < n; i++) {
		c->sym[i].prev = (int32_t)i - 1;
		c->sym[i].next = i + 1 < n ? (int32_t)i + 1 : -1;
		c->sym[i].start = (uint32_t)i;
		c->sym[i].n = 1;
		c->sym[i].id = in->byte_tok[(unsigned char)w[i]];
	}
	if (tok_merge_syms(c->sym, (int32_t)n, &c->heap, bpe_try_pair, c) != 0)
		return (-1);
	for (k = 0; k >= 0; k = c->sym[k].next) {
		/* Only a byte missing from the vocab has no token. */
		id = c->sym[k].id >= 0 ? c->sym[k].id : c->v->unk;
		if (id >= 0 && tok_out_push(c->o, id) != 0)
			return (-1);
	}
	return (0);
}

int
bpe_pretokenize(enum vocab_pre pre, const char *s, size_t n, size_t **ends,
    size_t *nwords)
{
	uint32_t	*cp = NULL;
	uint8_t		*fl = NULL;
	size_t		*off = NULL, *w = NULL;
	size_t		 ncp, nw, i, len, end, runend = 0;
	int		 rc = -1;

	*ends = NULL;
	*nwords = 0;
	if (n == 0)
		return (0);
	cp = malloc(n * sizeof *cp);
	fl = malloc(n);
	off = malloc((n + 1) * sizeof *off);
	w = malloc(n * sizeof *w);
	if (cp == NULL || fl == NULL || off == NULL || w == NULL)
		goto out;
	for (i = ncp = 0; i < n; i += len) {
		if ((len = unicode_decode(s + i, n - i, &cp[ncp])) == 0) {
			len = 1;	/* not reached for valid UTF-8 */
			cp[ncp] = 0xFFFD;
		}
		fl[ncp] = (uint8_t)unicode_flags(cp[ncp]);
		off[ncp++] = i;
	}
	off[ncp] = n;

	for (i = nw = 0; i < ncp; i = end) {
		switch (pre) {
		case VOCAB_PRE_LLAMA3:
			end = bpe_llama3(cp, fl, i, ncp, 3);
			break;
		case VOCAB_PRE_QWEN2:
			end = bpe_llama3(cp, fl, i, ncp, 1);
			break;
		case VOCAB_PRE_SMOLLM:
			/* Digits(individual_digits) first: every \p{N} is a
			 * word, and the regex runs on the text between. */
			if (IS_N(fl[i])) {
				end = i + 1;
				break;
			}
			if (runend <= i)
				for (runend = i; runend < ncp &&
				    !IS_N(fl[runend]); runend++)
					;
			end = bpe_gpt2(cp, fl, i, runend);
			break;
		default:
			end = bpe_gpt2(cp, fl, i, ncp);
			break;
		}
		w[nw++] = off[end];
	}
	*ends = w;
	*nwords = nw;
	w = NULL;
	rc = 0;
out:
	free(w);
	free(cp);
	free(fl);
	free(off);
	return (rc);
}

int
bpe_encode(const struct vocab *v, const char *s, size_t n,
    struct tok_out *o)
{
	struct bpe_ctx	 c;
	size_t		*ends, nw, i, start;
	int		 rc = -1;

	memset(&c, 0, sizeof c);
	c.v = v;
	c.o = o;
	if (bpe_pretokenize(v->pre, s, n, &ends, &nw) != 0)
		return (-1);
	for (i = 0, start = 0; i < nw; start = ends[i++])
		if (bpe_word(&c, s + start, ends[i] - start) != 0)
			goto out;
	rc = 0;
out:
	free(ends);
	free(c.heap.c);
	free(c.sym);
	free(c.mapped);
	return (rc);
}
