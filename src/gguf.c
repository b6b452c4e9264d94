/*
 * gguf.c: the GGUF (v2, v3) reader.  A file is mapped read-only (or taken
 * from a caller's buffer) and parsed in one pass: header, key/values,
 * tensor infos, then the layout of the data section is checked as a whole
 * (alignment, bounds, no overlaps).  Nothing the file says is trusted until
 * it has been compared with the bytes that remain, so counts and lengths
 * are bounded before they drive a loop or an allocation, and every size
 * computation is done with overflow checks.  Strings and tensor data are
 * pointers into the image; the only copies are the kv and tensor tables,
 * the sorted indexes used for duplicate checks and look-ups, and one
 * offset table per top-level string array.
 */
#include "config.h"

#include "gguf.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GGUF_MAGIC		"GGUF"
#define GGUF_DEFAULT_ALIGN	32
/* Deepest array-of-array nesting accepted; the parser recurses per level. */
#define GGUF_MAX_NEST		8
/* Smallest possible encodings, used to bound counts before allocating:
 * a kv is a key length, at least one key byte, a type and a 1-byte value;
 * a tensor info is a name length, at least one name byte, n_dims, one ne,
 * a type and an offset. */
#define GGUF_MIN_KV		(8 + 1 + 4 + 1)
#define GGUF_MIN_TINFO		(8 + 1 + 4 + 8 + 4 + 8)
/* Element type and count of an (empty) nested array. */
#define GGUF_MIN_ARR		(4 + 8)
/* Bytes of a key or tensor name quoted in messages. */
#define GGUF_QUOTE_MAX		64

/* The public object plus what only this file needs; gguf_close recovers it
 * from the public pointer, which is why f must stay the first member. */
struct gguf_priv {
	struct gguf_file	  f;
	int			  mapped;
	const struct gguf_kv	**kv_sorted;	/* by key */
	const struct gguf_tensor **t_sorted;	/* by name */
};

/* Parse state: the image, a cursor, and where we are for messages. */
struct gguf_rd {
	const uint8_t	*p;
	size_t		 size;
	size_t		 pos;
	const char	*path;
	struct qerr	*err;
	char		 where[160];
};

struct gguf_ttinfo {
	const char	*name;
	uint32_t	 blck;		/* elements per block; 0: not loadable */
	uint32_t	 tsize;		/* bytes per block */
};

/* Every ggml type id any ggml version defined.  Ids with blck 0 were
 * removed from ggml (or only ever existed as in-memory repacks), so no
 * current writer produces them and their layout cannot be trusted. */
static const struct gguf_ttinfo gguf_ttypes[] = {
	[0] = { "F32", 1, 4 },
	[1] = { "F16", 1, 2 },
	[2] = { "Q4_0", 32, 18 },
	[3] = { "Q4_1", 32, 20 },
	[4] = { "Q4_2", 0, 0 },
	[5] = { "Q4_3", 0, 0 },
	[6] = { "Q5_0", 32, 22 },
	[7] = { "Q5_1", 32, 24 },
	[8] = { "Q8_0", 32, 34 },
	[9] = { "Q8_1", 32, 36 },
	[10] = { "Q2_K", 256, 84 },
	[11] = { "Q3_K", 256, 110 },
	[12] = { "Q4_K", 256, 144 },
	[13] = { "Q5_K", 256, 176 },
	[14] = { "Q6_K", 256, 210 },
	[15] = { "Q8_K", 256, 292 },
	[16] = { "IQ2_XXS", 256, 66 },
	[17] = { "IQ2_XS", 256, 74 },
	[18] = { "IQ3_XXS", 256, 98 },
	[19] = { "IQ1_S", 256, 50 },
	[20] = { "IQ4_NL", 32, 18 },
	[21] = { "IQ3_S", 256, 110 },
	[22] = { "IQ2_S", 256, 82 },
	[23] = { "IQ4_XS", 256, 136 },
	[24] = { "I8", 1, 1 },
	[25] = { "I16", 1, 2 },
	[26] = { "I32", 1, 4 },
	[27] = { "I64", 1, 8 },
	[28] = { "F64", 1, 8 },
	[29] = { "IQ1_M", 256, 56 },
	[30] = { "BF16", 1, 2 },
	[31] = { "Q4_0_4_4", 0, 0 },
	[32] = { "Q4_0_4_8", 0, 0 },
	[33] = { "Q4_0_8_8", 0, 0 },
	[34] = { "TQ1_0", 256, 54 },
	[35] = { "TQ2_0", 256, 66 },
	[36] = { "IQ4_NL_4_4", 0, 0 },
	[37] = { "IQ4_NL_4_8", 0, 0 },
	[38] = { "IQ4_NL_8_8", 0, 0 },
	[39] = { "MXFP4", 32, 17 },
};
#define GGUF_N_TTYPES	(sizeof gguf_ttypes / sizeof gguf_ttypes[0])

static const char *const gguf_vtypes[GGUF_VT_COUNT] = {
	"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64"
};

/* Encoded size of a fixed-size value type; 0 for string, array, unknown. */
static size_t
gguf_vtype_size(uint32_t type)
{
	switch (type) {
	case GGUF_VT_UINT8:
	case GGUF_VT_INT8:
	case GGUF_VT_BOOL:
		return (1);
	case GGUF_VT_UINT16:
	case GGUF_VT_INT16:
		return (2);
	case GGUF_VT_UINT32:
	case GGUF_VT_INT32:
	case GGUF_VT_FLOAT32:
		return (4);
	case GGUF_VT_UINT64:
	case GGUF_VT_INT64:
	case GGUF_VT_FLOAT64:
		return (8);
	}
	return (0);
}

/* Little-endian loads byte by byte: the image has no alignment guarantees
 * and the host's byte order does not matter. */
static uint64_t
gguf_le(const uint8_t *p, size_t n)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return (v);
}

static float
gguf_le_f32(const uint8_t *p)
{
	uint32_t	u = (uint32_t)gguf_le(p, 4);
	float		x;

	memcpy(&x, &u, sizeof x);
	return (x);
}

static double
gguf_le_f64(const uint8_t *p)
{
	uint64_t	u = gguf_le(p, 8);
	double		x;

	memcpy(&x, &u, sizeof x);
	return (x);
}

/* The n-byte (1, 2, 4 or 8) little-endian two's-complement integer at p. */
static int64_t
gguf_le_signed(const uint8_t *p, size_t n)
{
	switch (n) {
	case 1:
		return ((int8_t)p[0]);
	case 2:
		return ((int16_t)gguf_le(p, 2));
	case 4:
		return ((int32_t)gguf_le(p, 4));
	}
	return ((int64_t)gguf_le(p, 8));
}

/* Copies a file-supplied name into buf for a message, so that control
 * bytes and huge names cannot garble or swamp the one-line error. */
static const char *
gguf_quote(char *buf, size_t bufsz, const char *s, uint64_t len)
{
	size_t	i, n, o = 0;

	n = len < GGUF_QUOTE_MAX ? (size_t)len : GGUF_QUOTE_MAX;
	for (i = 0; i < n && o + 4 < bufsz; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (n < len && o + 4 < bufsz) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return (buf);
}

static size_t
gguf_left(const struct gguf_rd *rd)
{
	return (rd->size - rd->pos);
}

static int
gguf_need(struct gguf_rd *rd, size_t n, const char *what)
{
	if (gguf_left(rd) < n)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: truncated in %s (%s)",
		    rd->path, rd->where, what));
	return (Q_OK);
}

/* Reads an n-byte little-endian unsigned integer at the cursor. */
static int
gguf_rd_uint(struct gguf_rd *rd, size_t n, uint64_t *v, const char *what)
{
	int	rc;

	if ((rc = gguf_need(rd, n, what)) != Q_OK)
		return (rc);
	*v = gguf_le(rd->p + rd->pos, n);
	rd->pos += n;
	return (Q_OK);
}

static int
gguf_rd_u32(struct gguf_rd *rd, uint32_t *v, const char *what)
{
	uint64_t	u;
	int		rc;

	if ((rc = gguf_rd_uint(rd, 4, &u, what)) == Q_OK)
		*v = (uint32_t)u;
	return (rc);
}

static int
gguf_rd_u64(struct gguf_rd *rd, uint64_t *v, const char *what)
{
	return (gguf_rd_uint(rd, 8, v, what));
}

/* A length-prefixed string; what names it in messages ("key", "name"). */
static int
gguf_rd_str(struct gguf_rd *rd, struct gguf_str *s, const char *what)
{
	uint64_t	len;
	int		rc;

	if ((rc = gguf_rd_u64(rd, &len, what)) != Q_OK)
		return (rc);
	if (len > gguf_left(rd))
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: %s length %" PRIu64
		    " extends past the end of the file", rd->path, rd->where,
		    what, len));
	s->len = len;
	s->ptr = (const char *)rd->p + rd->pos;
	rd->pos += (size_t)len;
	return (Q_OK);
}

/* Fails unless count elements of at least esize bytes each fit in what
 * is left of the image; run before any loop or allocation sized by it. */
static int
gguf_fits(struct gguf_rd *rd, uint64_t count, size_t esize, uint32_t etype)
{
	uint64_t	need;

	if (__builtin_mul_overflow(count, (uint64_t)esize, &need) ||
	    need > gguf_left(rd))
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: array count %"
		    PRIu64 " (%s) extends past the end of the file", rd->path,
		    rd->where, count, gguf_vtype_name(etype)));
	return (Q_OK);
}

static int
gguf_check_bools(struct gguf_rd *rd, const uint8_t *p, uint64_t n)
{
	uint64_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] > 1)
			return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: bool value "
			    "%u is not 0 or 1", rd->path, rd->where, p[i]));
	}
	return (Q_OK);
}

/*
 * Parses an array (element type, count, elements) at the cursor.  depth is
 * 1 for a kv's own array.  When kv is non-NULL the array is described into
 * kv->v.arr, including the string offset table; nested arrays are only
 * validated and skipped, as nothing in the contract addresses into them.
 */
static int
gguf_rd_array(struct gguf_rd *rd, int depth, struct gguf_kv *kv)
{
	struct gguf_str	 s;
	uint64_t	*off = NULL, i, n;
	uint32_t	 etype;
	size_t		 start, esize;
	char		 what[48] = "string";
	int		 rc;

	if (depth > GGUF_MAX_NEST)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: arrays nested "
		    "deeper than %d levels", rd->path, rd->where,
		    GGUF_MAX_NEST));
	if ((rc = gguf_rd_u32(rd, &etype, "array element type")) != Q_OK ||
	    (rc = gguf_rd_u64(rd, &n, "array count")) != Q_OK)
		return (rc);
	if (etype >= GGUF_VT_COUNT)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: unknown array "
		    "element type %" PRIu32, rd->path, rd->where, etype));
	start = rd->pos;

	switch (etype) {
	case GGUF_VT_STRING:
		if ((rc = gguf_fits(rd, n, 8, etype)) != Q_OK)
			return (rc);
		/* n <= bytes left / 8, so the table is at most the file's
		 * size. */
		if (kv != NULL && n > 0 &&
		    (off = malloc((size_t)n * sizeof *off)) == NULL)
			return (qerr_set(rd->err, Q_ENOMEM, "%s: %s: out of "
			    "memory for %" PRIu64 " strings", rd->path,
			    rd->where, n));
		for (i = 0; i < n; i++) {
			if (off != NULL)
				off[i] = rd->pos - start;
			/* Name the element only when it is about to fail:
			 * vocabularies hold hundreds of thousands. */
			if (gguf_left(rd) < 8 || gguf_le(rd->p + rd->pos, 8) >
			    gguf_left(rd) - 8)
				snprintf(what, sizeof what, "element %" PRIu64
				    " string", i);
			if ((rc = gguf_rd_str(rd, &s, what)) != Q_OK) {
				free(off);
				return (rc);
			}
		}
		break;
	case GGUF_VT_ARRAY:
		if ((rc = gguf_fits(rd, n, GGUF_MIN_ARR, etype)) != Q_OK)
			return (rc);
		for (i = 0; i < n; i++) {
			if ((rc = gguf_rd_array(rd, depth + 1, NULL)) != Q_OK)
				return (rc);
		}
		break;
	default:
		esize = gguf_vtype_size(etype);
		if ((rc = gguf_fits(rd, n, esize, etype)) != Q_OK)
			return (rc);
		if (etype == GGUF_VT_BOOL &&
		    (rc = gguf_check_bools(rd, rd->p + rd->pos, n)) != Q_OK)
			return (rc);
		rd->pos += (size_t)n * esize;
		break;
	}

	if (kv != NULL) {
		kv->v.arr.type = etype;
		kv->v.arr.n = n;
		kv->v.arr.data = rd->p + start;
		kv->v.arr.nbytes = rd->pos - start;
		kv->v.arr.str_off = off;
	}
	return (Q_OK);
}

static int
gguf_rd_value(struct gguf_rd *rd, struct gguf_kv *kv)
{
	const uint8_t	*p;
	size_t		 sz;
	int		 rc;

	switch (kv->type) {
	case GGUF_VT_STRING:
		return (gguf_rd_str(rd, &kv->v.str, "string"));
	case GGUF_VT_ARRAY:
		return (gguf_rd_array(rd, 1, kv));
	}
	if (kv->type >= GGUF_VT_COUNT)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: unknown value "
		    "type %" PRIu32, rd->path, rd->where, kv->type));
	sz = gguf_vtype_size(kv->type);
	if ((rc = gguf_need(rd, sz, gguf_vtype_name(kv->type))) != Q_OK)
		return (rc);
	p = rd->p + rd->pos;
	switch (kv->type) {
	case GGUF_VT_UINT8:
	case GGUF_VT_UINT16:
	case GGUF_VT_UINT32:
	case GGUF_VT_UINT64:
		kv->v.u64 = gguf_le(p, sz);
		break;
	case GGUF_VT_BOOL:
		if ((rc = gguf_check_bools(rd, p, 1)) != Q_OK)
			return (rc);
		kv->v.u64 = p[0];
		break;
	case GGUF_VT_INT8:
	case GGUF_VT_INT16:
	case GGUF_VT_INT32:
	case GGUF_VT_INT64:
		kv->v.i64 = gguf_le_signed(p, sz);
		break;
	case GGUF_VT_FLOAT32:
		kv->v.f64 = gguf_le_f32(p);
		break;
	case GGUF_VT_FLOAT64:
		kv->v.f64 = gguf_le_f64(p);
		break;
	}
	rd->pos += sz;
	return (Q_OK);
}

static int
gguf_str_cmp(struct gguf_str a, struct gguf_str b)
{
	uint64_t	n = a.len < b.len ? a.len : b.len;
	int		c;

	if (n > 0 && (c = memcmp(a.ptr, b.ptr, (size_t)n)) != 0)
		return (c);
	return (a.len < b.len ? -1 : a.len > b.len);
}

static int
gguf_kv_cmp(const void *a, const void *b)
{
	const struct gguf_kv	*x = *(const struct gguf_kv *const *)a;
	const struct gguf_kv	*y = *(const struct gguf_kv *const *)b;

	return (gguf_str_cmp(x->key, y->key));
}

static int
gguf_tname_cmp(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)b;

	return (gguf_str_cmp(x->name, y->name));
}

static int
gguf_toff_cmp(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)b;

	if (x->offset != y->offset)
		return (x->offset < y->offset ? -1 : 1);
	return (x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes);
}

static int
gguf_rd_header(struct gguf_rd *rd, struct gguf_file *f)
{
	const uint8_t	*m;
	uint64_t	 need_kv, need_t, need;
	int		 rc;

	snprintf(rd->where, sizeof rd->where, "header");
	if (rd->size > 0 && rd->size < 4 &&
	    memcmp(rd->p, GGUF_MAGIC, rd->size) != 0)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: not a GGUF file "
		    "(%zu bytes, no magic)", rd->path, rd->size));
	if (rd->size >= 4 && memcmp(rd->p, GGUF_MAGIC, 4) != 0) {
		m = rd->p;
		return (qerr_set(rd->err, Q_EFORMAT, "%s: not a GGUF file "
		    "(magic 0x%02x%02x%02x%02x)", rd->path, m[0], m[1], m[2],
		    m[3]));
	}
	if ((rc = gguf_need(rd, 4, "magic")) != Q_OK)
		return (rc);
	rd->pos = 4;
	if ((rc = gguf_rd_u32(rd, &f->version, "version")) != Q_OK)
		return (rc);
	if (f->version != 2 && f->version != 3) {
		if ((f->version & 0xffff) == 0 && f->version != 0)
			return (qerr_set(rd->err, Q_EUNSUP, "%s: header: "
			    "unsupported version %" PRIu32 " (a big-endian "
			    "GGUF file?)", rd->path, f->version));
		return (qerr_set(rd->err, Q_EUNSUP, "%s: header: unsupported "
		    "version %" PRIu32 " (only 2 and 3 are)", rd->path,
		    f->version));
	}
	if ((rc = gguf_rd_u64(rd, &f->n_tensors, "n_tensors")) != Q_OK ||
	    (rc = gguf_rd_u64(rd, &f->n_kv, "n_kv")) != Q_OK)
		return (rc);

	if (__builtin_mul_overflow(f->n_kv, GGUF_MIN_KV, &need_kv) ||
	    need_kv > gguf_left(rd))
		return (qerr_set(rd->err, Q_EFORMAT, "%s: header: n_kv %" PRIu64
		    " cannot fit in a %zu-byte file", rd->path, f->n_kv,
		    rd->size));
	if (__builtin_mul_overflow(f->n_tensors, GGUF_MIN_TINFO, &need_t) ||
	    need_t > gguf_left(rd))
		return (qerr_set(rd->err, Q_EFORMAT, "%s: header: n_tensors %"
		    PRIu64 " cannot fit in a %zu-byte file", rd->path,
		    f->n_tensors, rd->size));
	if (__builtin_add_overflow(need_kv, need_t, &need) ||
	    need > gguf_left(rd))
		return (qerr_set(rd->err, Q_EFORMAT, "%s: header: n_kv %" PRIu64
		    " and n_tensors %" PRIu64 " cannot fit in a %zu-byte file",
		    rd->path, f->n_kv, f->n_tensors, rd->size));
	return (Q_OK);
}

static int
gguf_rd_kvs(struct gguf_rd *rd, struct gguf_priv *pv)
{
	struct gguf_file	*f = &pv->f;
	struct gguf_kv		*kv;
	uint64_t		 i;
	char			 q[GGUF_QUOTE_MAX + 8];
	int			 rc;

	if (f->n_kv == 0)
		return (Q_OK);
	/* Bounded by the header check: n_kv <= size / GGUF_MIN_KV. */
	f->kv = calloc((size_t)f->n_kv, sizeof *f->kv);
	pv->kv_sorted = calloc((size_t)f->n_kv, sizeof *pv->kv_sorted);
	if (f->kv == NULL || pv->kv_sorted == NULL)
		return (qerr_set(rd->err, Q_ENOMEM, "%s: out of memory for %"
		    PRIu64 " kvs", rd->path, f->n_kv));

	for (i = 0; i < f->n_kv; i++) {
		kv = &f->kv[i];
		snprintf(rd->where, sizeof rd->where, "kv #%" PRIu64, i);
		if ((rc = gguf_rd_str(rd, &kv->key, "key")) != Q_OK)
			return (rc);
		if (kv->key.len == 0)
			return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: empty key",
			    rd->path, rd->where));
		snprintf(rd->where, sizeof rd->where, "kv #%" PRIu64 " '%s'",
		    i, gguf_quote(q, sizeof q, kv->key.ptr, kv->key.len));
		if ((rc = gguf_rd_u32(rd, &kv->type, "value type")) != Q_OK ||
		    (rc = gguf_rd_value(rd, kv)) != Q_OK)
			return (rc);
		pv->kv_sorted[i] = kv;
	}

	qsort(pv->kv_sorted, (size_t)f->n_kv, sizeof *pv->kv_sorted,
	    gguf_kv_cmp);
	for (i = 1; i < f->n_kv; i++) {
		kv = (struct gguf_kv *)pv->kv_sorted[i];
		if (gguf_str_cmp(pv->kv_sorted[i - 1]->key, kv->key) == 0)
			return (qerr_set(rd->err, Q_EFORMAT, "%s: kv #%td '%s': "
			    "duplicate key", rd->path, kv - f->kv,
			    gguf_quote(q, sizeof q, kv->key.ptr,
			    kv->key.len)));
	}
	return (Q_OK);
}

static int
gguf_rd_alignment(struct gguf_rd *rd, struct gguf_file *f)
{
	const struct gguf_kv	*kv;
	const char		*k = "general.alignment";

	f->alignment = GGUF_DEFAULT_ALIGN;
	if ((kv = gguf_find(f, k)) == NULL)
		return (Q_OK);
	if (kv->type != GGUF_VT_UINT32)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: kv '%s': has type %s, "
		    "expected uint32", rd->path, k, gguf_vtype_name(kv->type)));
	if (kv->v.u64 == 0 || (kv->v.u64 & (kv->v.u64 - 1)) != 0)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: kv '%s': %" PRIu64
		    " is not a power of two", rd->path, k, kv->v.u64));
	f->alignment = kv->v.u64;
	return (Q_OK);
}

static int
gguf_rd_tinfo(struct gguf_rd *rd, uint64_t i, struct gguf_tensor *t)
{
	char		 q[GGUF_QUOTE_MAX + 8];
	uint32_t	 d;
	int		 rc;

	snprintf(rd->where, sizeof rd->where, "tensor info #%" PRIu64, i);
	if ((rc = gguf_rd_str(rd, &t->name, "name")) != Q_OK)
		return (rc);
	if (t->name.len == 0)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: empty name",
		    rd->path, rd->where));
	if (memchr(t->name.ptr, '\0', (size_t)t->name.len) != NULL)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: name contains a "
		    "NUL byte", rd->path, rd->where));
	snprintf(rd->where, sizeof rd->where, "tensor info #%" PRIu64 " '%s'",
	    i, gguf_quote(q, sizeof q, t->name.ptr, t->name.len));
	if ((rc = gguf_rd_u32(rd, &t->n_dims, "n_dims")) != Q_OK)
		return (rc);
	if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: %s: n_dims %" PRIu32
		    " is not in 1..%d", rd->path, rd->where, t->n_dims,
		    GGUF_MAX_DIMS));
	for (d = 0; d < GGUF_MAX_DIMS; d++) {
		t->ne[d] = 1;
		if (d < t->n_dims &&
		    (rc = gguf_rd_u64(rd, &t->ne[d], "ne")) != Q_OK)
			return (rc);
	}
	if ((rc = gguf_rd_u32(rd, &t->type, "type")) != Q_OK ||
	    (rc = gguf_rd_u64(rd, &t->offset, "offset")) != Q_OK)
		return (rc);
	return (Q_OK);
}

/* Type, shape and size of one tensor, and where its data lies. */
static int
gguf_check_tensor(struct gguf_rd *rd, struct gguf_file *f,
    struct gguf_tensor *t)
{
	const struct gguf_ttinfo *tt;
	uint64_t		  nb, start, end;
	uint32_t		  d;
	char			  q[GGUF_QUOTE_MAX + 8];
	const char		 *name;

	name = gguf_quote(q, sizeof q, t->name.ptr, t->name.len);
	if (t->type >= GGUF_N_TTYPES || gguf_ttypes[t->type].name == NULL)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: tensor '%s': unknown "
		    "type id %" PRIu32, rd->path, name, t->type));
	tt = &gguf_ttypes[t->type];
	if (tt->blck == 0)
		return (qerr_set(rd->err, Q_EUNSUP, "%s: tensor '%s': unknown "
		    "type id %" PRIu32 " (%s, removed from ggml)", rd->path,
		    name, t->type, tt->name));
	if (t->ne[0] % tt->blck != 0)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: tensor '%s': ne[0] %"
		    PRIu64 " is not a multiple of the %s block length %" PRIu32,
		    rd->path, name, t->ne[0], tt->name, tt->blck));
	nb = t->ne[0] / tt->blck;
	if (__builtin_mul_overflow(nb, (uint64_t)tt->tsize, &nb))
		goto overflow;
	for (d = 1; d < GGUF_MAX_DIMS; d++) {
		if (__builtin_mul_overflow(nb, t->ne[d], &nb))
			goto overflow;
	}
	/* ggml counts elements in int64_t; refuse what it could not. */
	for (d = 0; d < GGUF_MAX_DIMS; d++) {
		if (t->ne[d] > INT64_MAX)
			goto overflow;
	}
	t->nbytes = nb;

	if (t->offset % f->alignment != 0)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: tensor '%s': offset %"
		    PRIu64 " is not a multiple of the alignment %" PRIu64,
		    rd->path, name, t->offset, f->alignment));
	if (__builtin_add_overflow(f->data_offset, t->offset, &start) ||
	    __builtin_add_overflow(start, t->nbytes, &end) || end > rd->size)
		return (qerr_set(rd->err, Q_EFORMAT, "%s: tensor '%s': data "
		    "[offset %" PRIu64 ", %" PRIu64 " bytes] extends past the "
		    "end of the file (%zu bytes)", rd->path, name, t->offset,
		    t->nbytes, rd->size));
	t->data = rd->p + start;
	return (Q_OK);

overflow:
	return (qerr_set(rd->err, Q_EFORMAT, "%s: tensor '%s': size of "
	    "[%" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 "] %s "
	    "overflows", rd->path, name, t->ne[0], t->ne[1], t->ne[2],
	    t->ne[3], tt->name));
}

static int
gguf_rd_tensors(struct gguf_rd *rd, struct gguf_priv *pv)
{
	struct gguf_file		 *f = &pv->f;
	const struct gguf_tensor	**byoff = NULL;
	const struct gguf_tensor	 *a, *b;
	uint64_t			  i, end;
	char				  q[GGUF_QUOTE_MAX + 8];
	char				  q2[GGUF_QUOTE_MAX + 8];
	int				  rc = Q_OK;

	if (f->n_tensors > 0) {
		/* The header check bounded n_tensors by the file's size;
		 * re-check against what the kvs left over. */
		if (f->n_tensors > gguf_left(rd) / GGUF_MIN_TINFO)
			return (qerr_set(rd->err, Q_EFORMAT, "%s: header: "
			    "n_tensors %" PRIu64 " cannot fit in the %zu bytes left "
			    "after the kvs", rd->path, f->n_tensors,
			    gguf_left(rd)));
		f->tensors = calloc((size_t)f->n_tensors, sizeof *f->tensors);
		pv->t_sorted = calloc((size_t)f->n_tensors,
		    sizeof *pv->t_sorted);
		if (f->tensors == NULL || pv->t_sorted == NULL)
			return (qerr_set(rd->err, Q_ENOMEM, "%s: out of memory "
			    "for %" PRIu64 " tensors", rd->path, f->n_tensors));
	}
	for (i = 0; i < f->n_tensors; i++) {
		if ((rc = gguf_rd_tinfo(rd, i, &f->tensors[i])) != Q_OK)
			return (rc);
		pv->t_sorted[i] = &f->tensors[i];
	}

	/* The data section starts at the next multiple of the alignment;
	 * with no tensors it may legitimately lie past the end. */
	if (__builtin_add_overflow((uint64_t)rd->pos, f->alignment - 1, &end))
		return (qerr_set(rd->err, Q_EFORMAT, "%s: alignment %" PRIu64
		    " overflows the data offset", rd->path, f->alignment));
	f->data_offset = end & ~(f->alignment - 1);
	if (f->n_tensors == 0)
		return (Q_OK);

	qsort(pv->t_sorted, (size_t)f->n_tensors, sizeof *pv->t_sorted,
	    gguf_tname_cmp);
	for (i = 1; i < f->n_tensors; i++) {
		a = pv->t_sorted[i];
		if (gguf_str_cmp(pv->t_sorted[i - 1]->name, a->name) == 0)
			return (qerr_set(rd->err, Q_EFORMAT, "%s: tensor info "
			    "#%td '%s': duplicate tensor name", rd->path,
			    a - f->tensors, gguf_quote(q, sizeof q,
			    a->name.ptr, a->name.len)));
	}
	for (i = 0; i < f->n_tensors; i++) {
		if ((rc = gguf_check_tensor(rd, f, &f->tensors[i])) != Q_OK)
			return (rc);
	}

	if ((byoff = malloc((size_t)f->n_tensors * sizeof *byoff)) == NULL)
		return (qerr_set(rd->err, Q_ENOMEM, "%s: out of memory for %"
		    PRIu64 " tensors", rd->path, f->n_tensors));
	memcpy(byoff, pv->t_sorted, (size_t)f->n_tensors * sizeof *byoff);
	qsort(byoff, (size_t)f->n_tensors, sizeof *byoff, gguf_toff_cmp);
	/* Compare each tensor with the one reaching furthest so far, not just
	 * its neighbour, so a tensor nested inside a big one is caught.
	 * Empty tensors occupy nothing and overlap nothing. */
	a = NULL;
	end = 0;
	for (i = 0; i < f->n_tensors; i++) {
		b = byoff[i];
		if (b->nbytes == 0)
			continue;
		if (a != NULL && b->offset < end) {
			rc = qerr_set(rd->err, Q_EFORMAT, "%s: tensor '%s': "
			    "data [offset %" PRIu64 ", %" PRIu64 " bytes] "
			    "overlaps tensor '%s' [offset %" PRIu64 ", %" PRIu64
			    " bytes]", rd->path, gguf_quote(q2, sizeof q2,
			    b->name.ptr, b->name.len), b->offset, b->nbytes,
			    gguf_quote(q, sizeof q, a->name.ptr, a->name.len),
			    a->offset, a->nbytes);
			break;
		}
		/* Both ends were checked against the file size already. */
		if (a == NULL || b->offset + b->nbytes > end) {
			a = b;
			end = b->offset + b->nbytes;
		}
	}
	free(byoff);
	return (rc);
}

int
gguf_open_memory(const void *buf, size_t size, const char *path,
    struct gguf_file **out, struct qerr *err)
{
	struct gguf_priv	*pv;
	struct gguf_rd		 rd;
	int			 rc;

	*out = NULL;
	if (path == NULL)
		path = "(memory)";
	if ((pv = calloc(1, sizeof *pv)) == NULL ||
	    (pv->f.path = strdup(path)) == NULL) {
		free(pv);
		return (qerr_set(err, Q_ENOMEM, "%s: out of memory", path));
	}
	pv->f.map = buf;
	pv->f.size = size;

	memset(&rd, 0, sizeof rd);
	rd.p = buf;
	rd.size = size;
	rd.path = path;
	rd.err = err;
	if ((rc = gguf_rd_header(&rd, &pv->f)) != Q_OK ||
	    (rc = gguf_rd_kvs(&rd, pv)) != Q_OK ||
	    (rc = gguf_rd_alignment(&rd, &pv->f)) != Q_OK ||
	    (rc = gguf_rd_tensors(&rd, pv)) != Q_OK) {
		gguf_close(&pv->f);
		return (rc);
	}
	*out = &pv->f;
	return (Q_OK);
}

int
gguf_open(const char *path, struct gguf_file **out, struct qerr *err)
{
	struct stat	 st;
	void		*map;
	int		 fd, rc, saved;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (qerr_set(err, Q_EIO, "%s: open: %s", path,
		    strerror(errno)));
	if (fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		return (qerr_set(err, Q_EIO, "%s: stat: %s", path,
		    strerror(saved)));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return (qerr_set(err, Q_EIO, "%s: open: %s", path,
		    strerror(EISDIR)));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return (qerr_set(err, Q_EIO, "%s: not a regular file", path));
	}
	if (st.st_size == 0) {
		close(fd);
		return (qerr_set(err, Q_EFORMAT, "%s: empty file (0 bytes), not "
		    "a GGUF file", path));
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return (qerr_set(err, Q_EIO, "%s: %jd bytes is too large to "
		    "map", path, (intmax_t)st.st_size));
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	saved = errno;
	close(fd);
	if (map == MAP_FAILED)
		return (qerr_set(err, Q_EIO, "%s: mmap: %s", path,
		    strerror(saved)));

	if ((rc = gguf_open_memory(map, (size_t)st.st_size, path, out,
	    err)) != Q_OK) {
		munmap(map, (size_t)st.st_size);
		return (rc);
	}
	((struct gguf_priv *)*out)->mapped = 1;
	return (Q_OK);
}

void
gguf_close(struct gguf_file *f)
{
	struct gguf_priv	*pv = (struct gguf_priv *)f;
	uint64_t		 i;

	if (f == NULL)
		return;
	for (i = 0; f->kv != NULL && i < f->n_kv; i++) {
		if (f->kv[i].type == GGUF_VT_ARRAY)
			free((void *)f->kv[i].v.arr.str_off);
	}
	if (pv->mapped)
		munmap((void *)f->map, f->size);
	free(f->kv);
	free(f->tensors);
	free(pv->kv_sorted);
	free(pv->t_sorted);
	free(f->path);
	free(pv);
}

static struct gguf_str
gguf_kv_name_at(const void *index, size_t i)
{
	return (((const struct gguf_kv *const *)index)[i]->key);
}

static struct gguf_str
gguf_tensor_name_at(const void *index, size_t i)
{
	return (((const struct gguf_tensor *const *)index)[i]->name);
}

/*
 * Binary search of an index of n entries sorted by name (name_at gives
 * entry i's); sets *at and returns 1 when name is there, else 0.  One
 * search serves the key and the tensor index alike.
 */
static int
gguf_search(const void *index, uint64_t n,
    struct gguf_str (*name_at)(const void *, size_t), const char *name,
    size_t *at)
{
	struct gguf_str	 k;
	size_t		 lo = 0, hi = (size_t)n, mid;
	int		 c;

	if (index == NULL)
		return (0);
	k.ptr = name;
	k.len = strlen(name);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = gguf_str_cmp(name_at(index, mid), k);
		if (c == 0) {
			*at = mid;
			return (1);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (0);
}

const struct gguf_kv *
gguf_find(const struct gguf_file *f, const char *key)
{
	const struct gguf_priv	*pv = (const struct gguf_priv *)f;
	size_t			 i;

	if (!gguf_search(pv->kv_sorted, f->n_kv, gguf_kv_name_at, key, &i))
		return (NULL);
	return (pv->kv_sorted[i]);
}

const struct gguf_tensor *
gguf_find_tensor(const struct gguf_file *f, const char *name)
{
	const struct gguf_priv	*pv = (const struct gguf_priv *)f;
	size_t			 i;

	if (!gguf_search(pv->t_sorted, f->n_tensors, gguf_tensor_name_at,
	    name, &i))
		return (NULL);
	return (pv->t_sorted[i]);
}

static int
gguf_lookup(const struct gguf_file *f, const char *key,
    const struct gguf_kv **kv, struct qerr *err)
{
	if ((*kv = gguf_find(f, key)) == NULL)
		return (qerr_set(err, Q_EFORMAT, "%s: missing key '%s'",
		    f->path, key));
	return (Q_OK);
}

static int
gguf_wrong_type(const struct gguf_file *f, const struct gguf_kv *kv,
    const char *key, const char *expected, struct qerr *err)
{
	if (kv->type == GGUF_VT_ARRAY)
		return (qerr_set(err, Q_EFORMAT, "%s: key '%s' has type array "
		    "of %s, expected %s", f->path, key,
		    gguf_vtype_name(kv->v.arr.type), expected));
	return (qerr_set(err, Q_EFORMAT, "%s: key '%s' has type %s, expected "
	    "%s", f->path, key, gguf_vtype_name(kv->type), expected));
}

int
gguf_get_u64(const struct gguf_file *f, const char *key, uint64_t *out,
    struct qerr *err)
{
	const struct gguf_kv	*kv;
	int			 rc;

	if ((rc = gguf_lookup(f, key, &kv, err)) != Q_OK)
		return (rc);
	switch (kv->type) {
	case GGUF_VT_UINT8:
	case GGUF_VT_UINT16:
	case GGUF_VT_UINT32:
	case GGUF_VT_UINT64:
	case GGUF_VT_BOOL:
		*out = kv->v.u64;
		return (Q_OK);
	case GGUF_VT_INT8:
	case GGUF_VT_INT16:
	case GGUF_VT_INT32:
	case GGUF_VT_INT64:
		if (kv->v.i64 < 0)
			return (qerr_set(err, Q_EFORMAT, "%s: key '%s' has "
			    "negative value %" PRId64 ", expected a "
			    "non-negative integer", f->path, key, kv->v.i64));
		*out = (uint64_t)kv->v.i64;
		return (Q_OK);
	}
	return (gguf_wrong_type(f, kv, key, "an integer", err));
}

int
gguf_get_f64(const struct gguf_file *f, const char *key, double *out,
    struct qerr *err)
{
	const struct gguf_kv	*kv;
	double			 d;
	int			 rc;

	if ((rc = gguf_lookup(f, key, &kv, err)) != Q_OK)
		return (rc);
	switch (kv->type) {
	case GGUF_VT_FLOAT32:
	case GGUF_VT_FLOAT64:
		*out = kv->v.f64;
		return (Q_OK);
	case GGUF_VT_UINT8:
	case GGUF_VT_UINT16:
	case GGUF_VT_UINT32:
	case GGUF_VT_UINT64:
		d = (double)kv->v.u64;
		/* 2^64 itself does not convert back; anything else must
		 * round-trip for the conversion to be exact. */
		if (d >= 18446744073709551616.0 || (uint64_t)d != kv->v.u64)
			return (qerr_set(err, Q_EFORMAT, "%s: key '%s': %"
			    PRIu64 " has no exact double value", f->path, key,
			    kv->v.u64));
		*out = d;
		return (Q_OK);
	case GGUF_VT_INT8:
	case GGUF_VT_INT16:
	case GGUF_VT_INT32:
	case GGUF_VT_INT64:
		d = (double)kv->v.i64;
		if (d >= 9223372036854775808.0 || (int64_t)d != kv->v.i64)
			return (qerr_set(err, Q_EFORMAT, "%s: key '%s': %"
			    PRId64 " has no exact double value", f->path, key,
			    kv->v.i64));
		*out = d;
		return (Q_OK);
	}
	return (gguf_wrong_type(f, kv, key, "a number", err));
}

int
gguf_get_str(const struct gguf_file *f, const char *key,
    struct gguf_str *out, struct qerr *err)
{
	const struct gguf_kv	*kv;
	int			 rc;

	if ((rc = gguf_lookup(f, key, &kv, err)) != Q_OK)
		return (rc);
	if (kv->type != GGUF_VT_STRING)
		return (gguf_wrong_type(f, kv, key, "string", err));
	*out = kv->v.str;
	return (Q_OK);
}

int
gguf_get_arr(const struct gguf_file *f, const char *key, uint32_t etype,
    const struct gguf_kv **out, struct qerr *err)
{
	const struct gguf_kv	*kv;
	char			 want[48];
	int			 rc;

	if ((rc = gguf_lookup(f, key, &kv, err)) != Q_OK)
		return (rc);
	if (kv->type != GGUF_VT_ARRAY || kv->v.arr.type != etype) {
		snprintf(want, sizeof want, "array of %s",
		    gguf_vtype_name(etype));
		return (gguf_wrong_type(f, kv, key, want, err));
	}
	*out = kv;
	return (Q_OK);
}

struct gguf_str
gguf_arr_str(const struct gguf_kv *kv, uint64_t i)
{
	struct gguf_str	 s;
	const uint8_t	*p;

	assert(kv->type == GGUF_VT_ARRAY && kv->v.arr.type == GGUF_VT_STRING);
	assert(i < kv->v.arr.n && kv->v.arr.str_off != NULL);
	p = kv->v.arr.data + kv->v.arr.str_off[i];
	s.len = gguf_le(p, 8);
	s.ptr = (const char *)p + 8;
	return (s);
}

/* Element i of a numeric array kv, and its size in *sz. */
static const uint8_t *
gguf_arr_elem(const struct gguf_kv *kv, uint64_t i, size_t *sz)
{
	assert(kv->type == GGUF_VT_ARRAY && i < kv->v.arr.n);
	*sz = gguf_vtype_size(kv->v.arr.type);
	assert(*sz > 0);
	return (kv->v.arr.data + i * *sz);
}

double
gguf_arr_f64(const struct gguf_kv *kv, uint64_t i)
{
	const uint8_t	*p;
	size_t		 sz;

	p = gguf_arr_elem(kv, i, &sz);
	switch (kv->v.arr.type) {
	case GGUF_VT_FLOAT32:
		return (gguf_le_f32(p));
	case GGUF_VT_FLOAT64:
		return (gguf_le_f64(p));
	case GGUF_VT_INT8:
	case GGUF_VT_INT16:
	case GGUF_VT_INT32:
	case GGUF_VT_INT64:
		return ((double)gguf_le_signed(p, sz));
	}
	return ((double)gguf_le(p, sz));
}

int64_t
gguf_arr_i64(const struct gguf_kv *kv, uint64_t i)
{
	const uint8_t	*p;
	uint64_t	 u;
	double		 d;
	size_t		 sz;

	p = gguf_arr_elem(kv, i, &sz);
	switch (kv->v.arr.type) {
	case GGUF_VT_FLOAT32:
	case GGUF_VT_FLOAT64:
		/* Truncate toward zero, saturating where a cast would be
		 * undefined. */
		d = kv->v.arr.type == GGUF_VT_FLOAT32 ? gguf_le_f32(p) :
		    gguf_le_f64(p);
		if (d != d)
			return (0);
		if (d >= 9223372036854775808.0)
			return (INT64_MAX);
		if (d < -9223372036854775808.0)
			return (INT64_MIN);
		return ((int64_t)d);
	case GGUF_VT_INT8:
	case GGUF_VT_INT16:
	case GGUF_VT_INT32:
	case GGUF_VT_INT64:
		return (gguf_le_signed(p, sz));
	}
	u = gguf_le(p, sz);
	return (u > INT64_MAX ? INT64_MAX : (int64_t)u);
}

const char *
gguf_ttype_name(uint32_t type)
{
	if (type >= GGUF_N_TTYPES || gguf_ttypes[type].name == NULL)
		return ("unknown");
	return (gguf_ttypes[type].name);
}

const char *
gguf_vtype_name(uint32_t type)
{
	if (type >= GGUF_VT_COUNT)
		return ("unknown");
	return (gguf_vtypes[type]);
}

int
gguf_str_eq(struct gguf_str s, const char *c)
{
	size_t	n = strlen(c);

	return (s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0));
}
