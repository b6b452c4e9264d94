/*
 * vocab.c: builds the one in-memory vocabulary both tokenizers use, from a
 * GGUF's tokenizer.ggml.* metadata or from a llama2.c tokenizer.bin
 * (normalised to what the same vocab looks like in GGUF: U+2581 for
 * spaces, typed control and byte tokens), and the tables that make
 * encoding fast: a text -> id hash, a BPE pair -> merge hash, per-byte
 * tokens and the decoded bytes ("piece") of every token.
 */
#include "config.h"

#include "vocab.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "qerr.h"
#include "tok-int.h"
#include "unicode.h"

/* U+2581, SentencePiece's space; U+2585, what llama.cpp prints for <unk>. */
#define VOCAB_SPACE	"\xE2\x96\x81"
#define VOCAB_UNK_PIECE	"\xE2\x96\x85"
/* Far beyond any real vocab (~256k) but keeps every table size in range. */
#define VOCAB_MAX_TOKENS (1 << 24)

struct vocab_buf {
	char	*p;
	size_t	 n, cap;
};

static int
vocab_buf_add(struct vocab_buf *b, const void *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (n > SIZE_MAX / 2 - b->n)
		return (-1);
	if (b->n + n > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return (-1);
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	return (0);
}

uint64_t
vocab_hash(const char *s, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV's low bits mix poorly for short strings; the table is indexed
	 * by them. */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (h);
}

uint64_t
vocab_pair_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (k);
}

static size_t
vocab_table_size(size_t n)
{
	size_t	size = 16;

	while (size < n * 2)
		size *= 2;
	return (size);
}

/* Allocates a vocab of n tokens with empty (zeroed) per-token arrays. */
static struct vocab *
vocab_alloc(int32_t n)
{
	struct vocab		*v;
	struct vocab_int	*in;

	if ((v = calloc(1, sizeof *v)) == NULL)
		return (NULL);
	if ((in = calloc(1, sizeof *in)) == NULL) {
		free(v);
		return (NULL);
	}
	v->in = in;
	v->n = n;
	v->bos = v->eos = v->eot = v->unk = -1;
	in->text_off = calloc(n, sizeof *in->text_off);
	in->text_len = calloc(n, sizeof *in->text_len);
	in->piece_off = calloc(n, sizeof *in->piece_off);
	in->piece_len = calloc(n, sizeof *in->piece_len);
	in->score = calloc(n, sizeof *in->score);
	in->type = calloc(n, sizeof *in->type);
	if (in->text_off == NULL || in->text_len == NULL ||
	    in->piece_off == NULL || in->piece_len == NULL ||
	    in->score == NULL || in->type == NULL) {
		vocab_free(v);
		return (NULL);
	}
	return (v);
}

void
vocab_free(struct vocab *v)
{
	struct vocab_int	*in;

	if (v == NULL)
		return;
	if ((in = v->in) != NULL) {
		free(in->arena);
		free(in->text_off);
		free(in->text_len);
		free(in->piece_off);
		free(in->piece_len);
		free(in->score);
		free(in->type);
		free(in->hash);
		free(in->merges);
		free(in->special_len);
		free(in);
	}
	free(v->chat_template);
	free(v);
}

int
vocab_type(const struct vocab *v, int32_t id)
{
	if (id < 0 || id >= v->n)
		return (VOCAB_TT_UNUSED);
	return (v->in->type[id]);
}

const char *
vocab_text(const struct vocab *v, int32_t id, size_t *len)
{
	if (id < 0 || id >= v->n) {
		*len = 0;
		return ("");
	}
	*len = v->in->text_len[id];
	return (v->in->arena + v->in->text_off[id]);
}

int32_t
vocab_lookup(const struct vocab *v, const char *s, size_t len)
{
	const struct vocab_int	*in = v->in;
	size_t			 i;
	int32_t			 id;

	i = vocab_hash(s, len) & in->hmask;
	while ((id = in->hash[i]) >= 0) {
		if (in->text_len[id] == len &&
		    memcmp(in->arena + in->text_off[id], s, len) == 0)
			return (id);
		i = (i + 1) & in->hmask;
	}
	return (-1);
}

const char *
vocab_describe(const struct vocab *v)
{
	if (v->kind == VOCAB_SPM)
		return ("spm");
	switch (v->pre) {
	case VOCAB_PRE_LLAMA3:
		return ("bpe (llama3)");
	case VOCAB_PRE_SMOLLM:
		return ("bpe (smollm)");
	case VOCAB_PRE_QWEN2:
		return ("bpe (qwen2)");
	default:
		return ("bpe (default)");
	}
}

int
vocab_is_eog(const struct vocab *v, int32_t id)
{
	int	i;

	if (id < 0)
		return (0);
	for (i = 0; i < v->in->n_eog; i++)
		if (v->in->eog[i] == id)
			return (1);
	return (0);
}

/* The byte a "<0xXX>" token stands for, or -1. */
static int
vocab_byte_value(const char *s, size_t n)
{
	int	i, c, val = 0;

	if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>')
		return (-1);
	for (i = 3; i < 5; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			val = val * 16 + c - '0';
		else if (c >= 'A' && c <= 'F')
			val = val * 16 + c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			val = val * 16 + c - 'a' + 10;
		else
			return (-1);
	}
	return (val);
}

static int
vocab_build_hash(struct vocab *v)
{
	struct vocab_int	*in = v->in;
	size_t			 size, i, len;
	int32_t			 id, old;
	const char		*s;

	size = vocab_table_size(v->n);
	if ((in->hash = malloc(size * sizeof *in->hash)) == NULL)
		return (-1);
	for (i = 0; i < size; i++)
		in->hash[i] = -1;
	in->hmask = size - 1;
	for (id = 0; id < v->n; id++) {
		s = in->arena + in->text_off[id];
		len = in->text_len[id];
		i = vocab_hash(s, len) & in->hmask;
		while ((old = in->hash[i]) >= 0) {
			/* A text stored twice maps to its last id, as in
			 * llama.cpp's token_to_id map. */
			if (in->text_len[old] == len &&
			    memcmp(in->arena + in->text_off[old], s, len) == 0)
				break;
			i = (i + 1) & in->hmask;
		}
		in->hash[i] = id;
	}
	return (0);
}

/* Appends the decoded bytes of token id, whose text is in texts, to b. */
static int
vocab_make_piece(struct vocab *v, const char *texts, int32_t id,
    struct vocab_buf *b)
{
	struct vocab_int	*in = v->in;
	const char		*s = texts + in->text_off[id];
	size_t			 n = in->text_len[id], i, len;
	uint32_t		 cp;
	int			 byte;
	char			 c;

	switch (in->type[id]) {
	case VOCAB_TT_CONTROL:
	case VOCAB_TT_UNUSED:
		return (0);
	case VOCAB_TT_UNKNOWN:
		return (vocab_buf_add(b, VOCAB_UNK_PIECE, 3));
	case VOCAB_TT_BYTE:
		if ((byte = vocab_byte_value(s, n)) < 0)
			return (vocab_buf_add(b, s, n));
		c = (char)byte;
		return (vocab_buf_add(b, &c, 1));
	case VOCAB_TT_USER:
		if (v->kind == VOCAB_BPE)
			return (vocab_buf_add(b, s, n));
		break;
	}
	for (i = 0; i < n; i += len) {
		if (v->kind == VOCAB_SPM) {
			if (n - i >= 3 && memcmp(s + i, VOCAB_SPACE, 3) == 0) {
				len = 3;
				if (vocab_buf_add(b, " ", 1) != 0)
					return (-1);
			} else {
				len = 1;
				if (vocab_buf_add(b, s + i, 1) != 0)
					return (-1);
			}
			continue;
		}
		/* Byte-level BPE: every char stands for one byte; anything
		 * else (or bytes that are not UTF-8) is kept as it is. */
		len = unicode_decode(s + i, n - i, &cp);
		if (len == 0)
			len = 1;
		else if ((byte = bpe_cp_to_byte(cp)) >= 0) {
			c = (char)byte;
			if (vocab_buf_add(b, &c, 1) != 0)
				return (-1);
			continue;
		}
		if (vocab_buf_add(b, s + i, len) != 0)
			return (-1);
	}
	return (0);
}

static int
vocab_cmp_len(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? 1 : x > y ? -1 : 0);
}

static void
vocab_add_eog(struct vocab *v, int32_t id)
{
	struct vocab_int	*in = v->in;
	int			 i;

	if (id < 0 || in->n_eog == TOK_MAX_EOG)
		return;
	for (i = 0; i < in->n_eog; i++)
		if (in->eog[i] == id)
			return;
	in->eog[in->n_eog++] = id;
}

/*
 * Everything derived from the token texts and types: the hash, the pieces,
 * per-byte tokens, the special-token index and the end-of-generation set.
 * The texts are in b (which becomes the arena).
 */
static int
vocab_finish(struct vocab *v, struct vocab_buf *b, const char *path,
    struct qerr *err)
{
	static const char *const eog_names[] = {
		"<|im_end|>", "<|eot_id|>", "<|endoftext|>"
	};
	struct vocab_int	*in = v->in;
	struct vocab_buf	 pb = { NULL, 0, 0 };
	size_t			 base, i, j, nl;
	int32_t			 id;
	char			 mapped[8];
	uint32_t		*lens;
	uint8_t			 t;

	/* Texts are read through b->p, which must exist even if they are
	 * all empty. */
	if (b->p == NULL && vocab_buf_add(b, "", 1) != 0)
		goto nomem;
	for (id = 0; id < v->n; id++) {
		in->piece_off[id] = pb.n;
		if (vocab_make_piece(v, b->p, id, &pb) != 0 ||
		    pb.n - in->piece_off[id] > UINT32_MAX) {
			free(pb.p);
			goto nomem;
		}
		in->piece_len[id] = (uint32_t)(pb.n - in->piece_off[id]);
		if (in->piece_len[id] > in->max_piece)
			in->max_piece = in->piece_len[id];
	}
	base = b->n;
	if (vocab_buf_add(b, pb.p, pb.n) != 0) {
		free(pb.p);
		goto nomem;
	}
	free(pb.p);
	for (id = 0; id < v->n; id++)
		in->piece_off[id] += base;
	in->arena = b->p;
	b->p = NULL;
	if (vocab_build_hash(v) != 0)
		goto nomem;

	for (i = 0; i < 256; i++) {
		if (v->kind == VOCAB_SPM) {
			snprintf(mapped, sizeof mapped, "<0x%02X>",
			    (unsigned)i);
			id = vocab_lookup(v, mapped, 6);
			if (id < 0) {
				mapped[0] = (char)i;
				id = vocab_lookup(v, mapped, 1);
			}
		} else
			id = vocab_lookup(v, mapped,
			    unicode_encode(bpe_byte_to_cp(i), mapped));
		in->byte_tok[i] = id;
	}

	nl = 0;
	for (id = 0; id < v->n; id++) {
		t = in->type[id];
		if ((t == VOCAB_TT_CONTROL || t == VOCAB_TT_USER) &&
		    in->text_len[id] > 0)
			nl++;
	}
	if ((lens = malloc((nl ? nl : 1) * sizeof *lens)) == NULL)
		goto nomem;
	nl = 0;
	for (id = 0; id < v->n; id++) {
		t = in->type[id];
		if ((t == VOCAB_TT_CONTROL || t == VOCAB_TT_USER) &&
		    in->text_len[id] > 0) {
			lens[nl++] = in->text_len[id];
			in->special_first[(unsigned char)
			    in->arena[in->text_off[id]]] = 1;
		}
	}
	qsort(lens, nl, sizeof *lens, vocab_cmp_len);
	for (i = j = 0; i < nl; i++)
		if (j == 0 || lens[j - 1] != lens[i])
			lens[j++] = lens[i];
	in->special_len = lens;
	in->n_special_len = j;

	vocab_add_eog(v, v->eos);
	vocab_add_eog(v, v->eot);
	if (v->kind == VOCAB_BPE) {
		for (i = 0; i < sizeof eog_names / sizeof eog_names[0]; i++) {
			id = vocab_lookup(v, eog_names[i],
			    strlen(eog_names[i]));
			if (id >= 0 && in->type[id] == VOCAB_TT_CONTROL)
				vocab_add_eog(v, id);
		}
	}
	return (Q_OK);

nomem:
	return (qerr_set(err, Q_ENOMEM, "%s: vocab: out of memory", path));
}

/* --- GGUF ------------------------------------------------------------- */

static int
vocab_gguf_bool(const struct gguf_file *f, const char *key, int *out,
    struct qerr *err)
{
	const struct gguf_kv	*kv;

	if ((kv = gguf_find(f, key)) == NULL)
		return (Q_OK);
	if (kv->type != GGUF_VT_BOOL)
		return (qerr_set(err, Q_EFORMAT, "%s: %s: is %s, not bool",
		    f->path, key, gguf_vtype_name(kv->type)));
	*out = kv->v.u64 != 0;
	return (Q_OK);
}

/* A token id key: absent leaves *out alone; otherwise it must name one of
 * the n tokens. */
static int
vocab_gguf_id(const struct gguf_file *f, const char *key, int32_t n,
    int32_t *out, struct qerr *err)
{
	const struct gguf_kv	*kv;
	int64_t			 val;

	if ((kv = gguf_find(f, key)) == NULL)
		return (Q_OK);
	switch (kv->type) {
	case GGUF_VT_UINT8:
	case GGUF_VT_UINT16:
	case GGUF_VT_UINT32:
	case GGUF_VT_UINT64:
		val = kv->v.u64 > (uint64_t)INT32_MAX ? -1 :
		    (int64_t)kv->v.u64;
		break;
	case GGUF_VT_INT8:
	case GGUF_VT_INT16:
	case GGUF_VT_INT32:
	case GGUF_VT_INT64:
		val = kv->v.i64;
		break;
	default:
		return (qerr_set(err, Q_EFORMAT,
		    "%s: %s: is %s, not an integer", f->path, key,
		    gguf_vtype_name(kv->type)));
	}
	if (val < 0 || val >= n)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: %s: token id out of range (vocab has %d tokens)",
		    f->path, key, (int)n));
	*out = (int32_t)val;
	return (Q_OK);
}

/* A numeric array of exactly n elements, or NULL (and Q_OK) if absent. */
static int
vocab_gguf_numarr(const struct gguf_file *f, const char *key, int32_t n,
    int want_float, const struct gguf_kv **out, struct qerr *err)
{
	const struct gguf_kv	*kv;
	uint32_t		 et;
	int			 ok;

	*out = NULL;
	if ((kv = gguf_find(f, key)) == NULL)
		return (Q_OK);
	if (kv->type != GGUF_VT_ARRAY)
		return (qerr_set(err, Q_EFORMAT, "%s: %s: is %s, not an array",
		    f->path, key, gguf_vtype_name(kv->type)));
	et = kv->v.arr.type;
	if (want_float)
		ok = et == GGUF_VT_FLOAT32 || et == GGUF_VT_FLOAT64;
	else
		ok = et <= GGUF_VT_INT32 || et == GGUF_VT_UINT64 ||
		    et == GGUF_VT_INT64;
	if (!ok)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: %s: array of %s, expected %s", f->path, key,
		    gguf_vtype_name(et), want_float ? "float32" : "int32"));
	if (kv->v.arr.n != (uint64_t)n)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: %s: has %llu entries, tokenizer.ggml.tokens has %d",
		    f->path, key, (unsigned long long)kv->v.arr.n, (int)n));
	*out = kv;
	return (Q_OK);
}

static const struct gguf_kv *
vocab_gguf_strarr(const struct gguf_file *f, const char *key, int *rc,
    struct qerr *err)
{
	const struct gguf_kv	*kv;

	*rc = Q_OK;
	if ((kv = gguf_find(f, key)) == NULL)
		return (NULL);
	if (kv->type != GGUF_VT_ARRAY || kv->v.arr.type != GGUF_VT_STRING) {
		*rc = qerr_set(err, Q_EFORMAT, "%s: %s: is %s, not an array "
		    "of strings", f->path, key, kv->type == GGUF_VT_ARRAY ?
		    "an array of other values" : gguf_vtype_name(kv->type));
		return (NULL);
	}
	return (kv);
}

static int
vocab_gguf_str(const struct gguf_file *f, const char *key,
    struct gguf_str *out, int *found, struct qerr *err)
{
	const struct gguf_kv	*kv;

	*found = 0;
	if ((kv = gguf_find(f, key)) == NULL)
		return (Q_OK);
	if (kv->type != GGUF_VT_STRING)
		return (qerr_set(err, Q_EFORMAT, "%s: %s: is %s, not string",
		    f->path, key, gguf_vtype_name(kv->type)));
	*out = kv->v.str;
	*found = 1;
	return (Q_OK);
}

static int
vocab_pre_from_name(struct gguf_str s, enum vocab_pre *pre)
{
	static const struct {
		const char	*name;
		enum vocab_pre	 pre;
	} names[] = {
		{ "default", VOCAB_PRE_DEFAULT },
		{ "gpt-2", VOCAB_PRE_DEFAULT },
		{ "llama-bpe", VOCAB_PRE_LLAMA3 },
		{ "llama3", VOCAB_PRE_LLAMA3 },
		{ "smollm", VOCAB_PRE_SMOLLM },
		{ "qwen2", VOCAB_PRE_QWEN2 },
	};
	size_t	i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (gguf_str_eq(s, names[i].name)) {
			*pre = names[i].pre;
			return (0);
		}
	}
	return (-1);
}

/* Fills the pair -> merge table from tokenizer.ggml.merges ("a b",
 * rank = index).  Merges whose parts or result are not tokens can never
 * apply to token sequences and are left out. */
static int
vocab_gguf_merges(struct vocab *v, const struct gguf_file *f,
    const struct gguf_kv *kv, struct qerr *err)
{
	struct vocab_int	*in = v->in;
	struct gguf_str		 m;
	uint64_t		 r, key;
	size_t			 size, i, sp;
	int32_t			 a, b, id;
	char			*cat = NULL;
	size_t			 catcap = 0;

	if (kv->v.arr.n > (uint64_t)INT32_MAX / 2)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: tokenizer.ggml.merges: too many entries", f->path));
	size = vocab_table_size(kv->v.arr.n + 1);
	if ((in->merges = malloc(size * sizeof *in->merges)) == NULL)
		return (qerr_set(err, Q_ENOMEM,
		    "%s: tokenizer.ggml.merges: out of memory", f->path));
	in->mmask = size - 1;
	for (i = 0; i < size; i++)
		in->merges[i].key = TOK_NO_PAIR;
	for (r = 0; r < kv->v.arr.n; r++) {
		m = gguf_arr_str(kv, r);
		/* From 1: a first part may itself start with a space. */
		for (sp = 1; sp < m.len && m.ptr[sp] != ' '; sp++)
			;
		if (m.len < 3 || sp >= m.len - 1) {
			free(cat);
			return (qerr_set(err, Q_EFORMAT,
			    "%s: tokenizer.ggml.merges: entry %llu is not "
			    "\"left right\"", f->path, (unsigned long long)r));
		}
		a = vocab_lookup(v, m.ptr, sp);
		b = vocab_lookup(v, m.ptr + sp + 1, m.len - sp - 1);
		if (a < 0 || b < 0)
			continue;
		if (m.len > catcap) {
			free(cat);
			catcap = m.len * 2;
			if ((cat = malloc(catcap)) == NULL)
				return (qerr_set(err, Q_ENOMEM,
				    "%s: tokenizer.ggml.merges: out of memory",
				    f->path));
		}
		memcpy(cat, m.ptr, sp);
		memcpy(cat + sp, m.ptr + sp + 1, m.len - sp - 1);
		if ((id = vocab_lookup(v, cat, m.len - 1)) < 0)
			continue;
		key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
		i = vocab_pair_hash(key) & in->mmask;
		while (in->merges[i].key != TOK_NO_PAIR &&
		    in->merges[i].key != key)
			i = (i + 1) & in->mmask;
		if (in->merges[i].key == key)
			continue;	/* the first (lowest) rank counts */
		in->merges[i].key = key;
		in->merges[i].rank = (int32_t)r;
		in->merges[i].id = id;
	}
	free(cat);
	return (Q_OK);
}

int
vocab_from_gguf(const struct gguf_file *f, struct vocab **out,
    struct qerr *err)
{
	const struct gguf_kv	*tokens, *scores, *types, *merges;
	struct gguf_str		 s, pre;
	struct vocab		*v = NULL;
	struct vocab_int	*in;
	struct vocab_buf	 b = { NULL, 0, 0 };
	uint64_t		 n;
	int64_t			 t;
	double			 sc;
	int32_t			 i;
	int			 rc, found, kind;

	*out = NULL;
	if ((rc = vocab_gguf_str(f, "tokenizer.ggml.model", &s, &found,
	    err)) != Q_OK)
		return (rc);
	if (!found)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: tokenizer.ggml.model: missing (no vocabulary)",
		    f->path));
	if (gguf_str_eq(s, "llama"))
		kind = VOCAB_SPM;
	else if (gguf_str_eq(s, "gpt2"))
		kind = VOCAB_BPE;
	else
		return (qerr_set(err, Q_EUNSUP,
		    "%s: tokenizer.ggml.model: unsupported tokenizer \"%.*s\" "
		    "(qcmp knows llama and gpt2)", f->path,
		    (int)(s.len > 64 ? 64 : s.len), s.ptr));

	tokens = vocab_gguf_strarr(f, "tokenizer.ggml.tokens", &rc, err);
	if (rc != Q_OK)
		return (rc);
	if (tokens == NULL)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: tokenizer.ggml.tokens: missing", f->path));
	n = tokens->v.arr.n;
	if (n == 0 || n > VOCAB_MAX_TOKENS)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: tokenizer.ggml.tokens: %llu tokens is out of range",
		    f->path, (unsigned long long)n));
	if ((rc = vocab_gguf_numarr(f, "tokenizer.ggml.scores", (int32_t)n,
	    1, &scores, err)) != Q_OK)
		return (rc);
	if ((rc = vocab_gguf_numarr(f, "tokenizer.ggml.token_type",
	    (int32_t)n, 0, &types, err)) != Q_OK)
		return (rc);
	merges = vocab_gguf_strarr(f, "tokenizer.ggml.merges", &rc, err);
	if (rc != Q_OK)
		return (rc);
	if (kind == VOCAB_BPE && merges == NULL)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: tokenizer.ggml.merges: missing (needed by gpt2 "
		    "tokenizers)", f->path));

	if ((v = vocab_alloc((int32_t)n)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "%s: vocab: out of memory",
		    f->path));
	in = v->in;
	v->kind = kind;
	v->pre = VOCAB_PRE_DEFAULT;
	if (kind == VOCAB_BPE) {
		if ((rc = vocab_gguf_str(f, "tokenizer.ggml.pre", &pre,
		    &found, err)) != Q_OK)
			goto fail;
		if (found && vocab_pre_from_name(pre, &v->pre) != 0) {
			rc = qerr_set(err, Q_EUNSUP,
			    "%s: tokenizer.ggml.pre: unknown pre-tokenizer "
			    "\"%.*s\"", f->path,
			    (int)(pre.len > 64 ? 64 : pre.len), pre.ptr);
			goto fail;
		}
	}

	for (i = 0; i < v->n; i++) {
		s = gguf_arr_str(tokens, i);
		if (s.len > VOCAB_MAX_TOKEN_BYTES) {
			rc = qerr_set(err, Q_EFORMAT,
			    "%s: tokenizer.ggml.tokens: token %d is %llu bytes "
			    "long (at most %d)", f->path, (int)i,
			    (unsigned long long)s.len, VOCAB_MAX_TOKEN_BYTES);
			goto fail;
		}
		in->text_off[i] = b.n;
		in->text_len[i] = (uint32_t)s.len;
		if (vocab_buf_add(&b, s.ptr, s.len) != 0)
			goto nomem;
		sc = scores != NULL ? gguf_arr_f64(scores, i) : 0.0;
		if (isnan(sc)) {
			rc = qerr_set(err, Q_EFORMAT,
			    "%s: tokenizer.ggml.scores: token %d is NaN",
			    f->path, (int)i);
			goto fail;
		}
		in->score[i] = (float)sc;
		t = types != NULL ? gguf_arr_i64(types, i) : VOCAB_TT_NORMAL;
		if (t < 0 || t > VOCAB_TT_BYTE) {
			rc = qerr_set(err, Q_EFORMAT,
			    "%s: tokenizer.ggml.token_type: token %d has type "
			    "%lld", f->path, (int)i, (long long)t);
			goto fail;
		}
		/* 0 is "undefined" in llama.cpp: an ordinary token. */
		in->type[i] = t == 0 ? VOCAB_TT_NORMAL : (uint8_t)t;
	}

	if (kind == VOCAB_SPM) {
		v->bos = 1 < v->n ? 1 : -1;
		v->eos = 2 < v->n ? 2 : -1;
		v->unk = 0;
		v->add_bos = 1;
		v->add_space_prefix = 1;
	} else {
		/* Llama 3 vocabs expect <|begin_of_text|> unless told. */
		v->add_bos = v->pre == VOCAB_PRE_LLAMA3;
		in->ignore_merges = v->pre == VOCAB_PRE_LLAMA3;
	}
	if ((rc = vocab_gguf_id(f, "tokenizer.ggml.bos_token_id", v->n,
	    &v->bos, err)) != Q_OK ||
	    (rc = vocab_gguf_id(f, "tokenizer.ggml.eos_token_id", v->n,
	    &v->eos, err)) != Q_OK ||
	    (rc = vocab_gguf_id(f, "tokenizer.ggml.eot_token_id", v->n,
	    &v->eot, err)) != Q_OK ||
	    (rc = vocab_gguf_id(f, "tokenizer.ggml.unknown_token_id", v->n,
	    &v->unk, err)) != Q_OK ||
	    (rc = vocab_gguf_bool(f, "tokenizer.ggml.add_bos_token",
	    &v->add_bos, err)) != Q_OK ||
	    (rc = vocab_gguf_bool(f, "tokenizer.ggml.add_space_prefix",
	    &v->add_space_prefix, err)) != Q_OK)
		goto fail;
	if (kind == VOCAB_BPE)
		v->add_space_prefix = 0;

	if ((rc = vocab_gguf_str(f, "tokenizer.chat_template", &s, &found,
	    err)) != Q_OK)
		goto fail;
	if (found) {
		if ((v->chat_template = malloc(s.len + 1)) == NULL)
			goto nomem;
		memcpy(v->chat_template, s.ptr, s.len);
		v->chat_template[s.len] = '\0';
	}

	if ((rc = vocab_finish(v, &b, f->path, err)) != Q_OK)
		goto fail;
	if (kind == VOCAB_BPE &&
	    (rc = vocab_gguf_merges(v, f, merges, err)) != Q_OK)
		goto fail;
	*out = v;
	return (Q_OK);

nomem:
	rc = qerr_set(err, Q_ENOMEM, "%s: vocab: out of memory", f->path);
fail:
	free(b.p);
	vocab_free(v);
	return (rc);
}

/* --- llama2.c tokenizer.bin ------------------------------------------- */

static int32_t
vocab_rd_i32(const unsigned char *p)
{
	uint32_t	u;

	u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	return ((int32_t)u);
}

static float
vocab_rd_f32(const unsigned char *p)
{
	uint32_t	u;
	float		f;

	u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	memcpy(&f, &u, sizeof f);
	return (f);
}

/* Reads the whole file; tokenizer.bin files are small (~0.5 MB). */
static int
vocab_slurp(const char *path, unsigned char **buf, size_t *size,
    struct qerr *err)
{
	FILE		*fp;
	long		 sz;
	unsigned char	*p;

	if ((fp = fopen(path, "rb")) == NULL)
		return (qerr_set(err, Q_EIO, "%s: %s", path,
		    strerror(errno)));
	if (fseek(fp, 0, SEEK_END) != 0 || (sz = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return (qerr_set(err, Q_EIO, "%s: cannot determine the size",
		    path));
	}
	if ((p = malloc(sz > 0 ? (size_t)sz : 1)) == NULL) {
		fclose(fp);
		return (qerr_set(err, Q_ENOMEM, "%s: out of memory", path));
	}
	if (sz > 0 && fread(p, 1, (size_t)sz, fp) != (size_t)sz) {
		free(p);
		fclose(fp);
		return (qerr_set(err, Q_EIO, "%s: read failed", path));
	}
	fclose(fp);
	*buf = p;
	*size = (size_t)sz;
	return (Q_OK);
}

int
vocab_from_llama2c(const char *path, int32_t n_vocab, struct vocab **out,
    struct qerr *err)
{
	unsigned char	*buf = NULL;
	size_t		 size = 0;
	int		 rc;

	*out = NULL;
	if ((rc = vocab_slurp(path, &buf, &size, err)) != Q_OK)
		return (rc);
	rc = vocab_from_llama2c_memory(buf, size, path, n_vocab, out, err);
	free(buf);
	return (rc);
}

int
vocab_from_llama2c_memory(const void *image, size_t size, const char *path,
    int32_t n_vocab, struct vocab **out, struct qerr *err)
{
	struct vocab		*v = NULL;
	struct vocab_int	*in;
	struct vocab_buf	 b = { NULL, 0, 0 };
	const unsigned char	*buf = image;
	const unsigned char	*tok;
	size_t			 off, k;
	int32_t			 maxlen, len, i;
	float			 score;
	int			 rc;

	*out = NULL;
	if (path == NULL)
		path = "(memory)";
	if (n_vocab <= 0 || n_vocab > VOCAB_MAX_TOKENS)
		return (qerr_set(err, Q_EFORMAT,
		    "%s: vocab size %d is out of range", path, (int)n_vocab));
	if (size < 4) {
		rc = qerr_set(err, Q_EFORMAT,
		    "%s: max_token_length: file too short (%zu bytes)", path,
		    size);
		goto fail;
	}
	maxlen = vocab_rd_i32(buf);
	if (maxlen <= 0 || (size_t)maxlen > size ||
	    maxlen > VOCAB_MAX_TOKEN_BYTES) {
		rc = qerr_set(err, Q_EFORMAT,
		    "%s: max_token_length: %d is out of range", path,
		    (int)maxlen);
		goto fail;
	}
	if ((v = vocab_alloc(n_vocab)) == NULL)
		goto nomem;
	in = v->in;
	v->kind = VOCAB_SPM;
	v->pre = VOCAB_PRE_DEFAULT;

	off = 4;
	for (i = 0; i < n_vocab; i++) {
		if (size - off < 8) {
			rc = qerr_set(err, Q_EFORMAT, "%s: token %d: file ends "
			    "at byte %zu (expected %d tokens)", path, (int)i,
			    size, (int)n_vocab);
			goto fail;
		}
		score = vocab_rd_f32(buf + off);
		len = vocab_rd_i32(buf + off + 4);
		off += 8;
		if (isnan(score)) {
			rc = qerr_set(err, Q_EFORMAT, "%s: token %d: score is "
			    "NaN", path, (int)i);
			goto fail;
		}
		if (len < 0 || len > maxlen) {
			rc = qerr_set(err, Q_EFORMAT, "%s: token %d: length %d "
			    "is not in 0..max_token_length (%d)", path, (int)i,
			    (int)len, (int)maxlen);
			goto fail;
		}
		if (size - off < (size_t)len) {
			rc = qerr_set(err, Q_EFORMAT, "%s: token %d: %d bytes "
			    "of text run past the end of the file", path,
			    (int)i, (int)len);
			goto fail;
		}
		tok = buf + off;
		off += (size_t)len;
		in->score[i] = score;
		in->text_off[i] = b.n;

		/* llama2.c's exporter wrote BOS and EOS as "\n<s>\n" and
		 * "\n</s>\n"; GGUF has "<s>" and "</s>". */
		if ((i == 1 || i == 2) && len >= 2 && tok[0] == '\n' &&
		    tok[len - 1] == '\n') {
			tok++;
			len -= 2;
		}
		if (i == 0)
			in->type[i] = VOCAB_TT_UNKNOWN;
		else if (i == 1 || i == 2)
			in->type[i] = VOCAB_TT_CONTROL;
		else if (vocab_byte_value((const char *)tok, len) >= 0)
			in->type[i] = VOCAB_TT_BYTE;
		else
			in->type[i] = VOCAB_TT_NORMAL;

		/* The exporter also turned U+2581 back into spaces. */
		for (k = 0; k < (size_t)len; k++) {
			if (tok[k] == ' ' && in->type[i] == VOCAB_TT_NORMAL)
				rc = vocab_buf_add(&b, VOCAB_SPACE, 3);
			else
				rc = vocab_buf_add(&b, tok + k, 1);
			if (rc != 0)
				goto nomem;
		}
		if (b.n - in->text_off[i] > UINT32_MAX)
			goto nomem;
		in->text_len[i] = (uint32_t)(b.n - in->text_off[i]);
	}
	if (off != size) {
		rc = qerr_set(err, Q_EFORMAT, "%s: token %d: %zu bytes follow "
		    "the last token (file holds more than %d tokens?)", path,
		    (int)n_vocab, size - off, (int)n_vocab);
		goto fail;
	}
	v->bos = n_vocab > 1 ? 1 : -1;
	v->eos = n_vocab > 2 ? 2 : -1;
	v->unk = 0;
	v->add_bos = 1;
	v->add_space_prefix = 1;
	if ((rc = vocab_finish(v, &b, path, err)) != Q_OK)
		goto fail;
	*out = v;
	return (Q_OK);

nomem:
	rc = qerr_set(err, Q_ENOMEM, "%s: vocab: out of memory", path);
fail:
	free(b.p);
	vocab_free(v);
	return (rc);
}
