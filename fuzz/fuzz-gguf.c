/*
 * fuzz-gguf.c: libFuzzer harness for the GGUF reader.  The input is the
 * whole file image; when gguf_open_memory accepts it, every key/value and
 * tensor is walked through the public getters and checked against what
 * gguf.h promises (strings, arrays and tensor data inside the image,
 * look-ups finding each entry, typed getters agreeing with the type), and
 * a vocabulary in it is loaded and exercised as the tokenizers would.
 */
#include "config.h"

#include "fuzz.h"

#include <string.h>

#include "gguf.h"
#include "qerr.h"
#include "vocab.h"

struct span {
	const uint8_t	*lo, *hi;
};

static int
inside(struct span s, const void *p, uint64_t n)
{
	const uint8_t	*b = p;

	return (b >= s.lo && b <= s.hi && n <= (uint64_t)(s.hi - b));
}

/* A NUL-terminated copy of s, or NULL when s holds a NUL (such a key
 * cannot be asked for by name). */
static char *
cstr(struct gguf_str s)
{
	char	*c;

	if (memchr(s.ptr, '\0', s.len) != NULL)
		return (NULL);
	if ((c = malloc(s.len + 1)) == NULL)
		abort();
	memcpy(c, s.ptr, s.len);
	c[s.len] = '\0';
	return (c);
}

static void
walk_kv(const struct gguf_file *f, struct span img, const struct gguf_kv *kv)
{
	const struct gguf_kv	*found, *arr;
	struct gguf_str		 s;
	struct qerr		 err;
	uint64_t		 u, i;
	double			 d;
	char			*key;
	int			 rc;

	FUZZ_CHECK(inside(img, kv->key.ptr, kv->key.len));
	FUZZ_CHECK(kv->type < GGUF_VT_COUNT);
	FUZZ_CHECK(strcmp(gguf_vtype_name(kv->type), "unknown") != 0);
	if ((key = cstr(kv->key)) == NULL)
		return;
	/* Keys are unique, so the look-up finds this very entry. */
	found = gguf_find(f, key);
	FUZZ_CHECK(found == kv);
	FUZZ_CHECK(gguf_str_eq(kv->key, key));

	rc = gguf_get_u64(f, key, &u, &err);
	FUZZ_CHECK(rc == Q_OK || rc == Q_EFORMAT);
	switch (kv->type) {
	case GGUF_VT_UINT8: case GGUF_VT_UINT16: case GGUF_VT_UINT32:
	case GGUF_VT_UINT64: case GGUF_VT_BOOL:
		FUZZ_CHECK(rc == Q_OK && u == kv->v.u64);
		if (kv->type == GGUF_VT_BOOL)
			FUZZ_CHECK(u <= 1);
		break;
	case GGUF_VT_INT8: case GGUF_VT_INT16: case GGUF_VT_INT32:
	case GGUF_VT_INT64:
		FUZZ_CHECK((rc == Q_OK) == (kv->v.i64 >= 0));
		break;
	default:
		FUZZ_CHECK(rc == Q_EFORMAT);
	}
	rc = gguf_get_f64(f, key, &d, &err);
	FUZZ_CHECK(rc == Q_OK || rc == Q_EFORMAT);
	if (kv->type == GGUF_VT_FLOAT32 || kv->type == GGUF_VT_FLOAT64)
		FUZZ_CHECK(rc == Q_OK);
	rc = gguf_get_str(f, key, &s, &err);
	FUZZ_CHECK((rc == Q_OK) == (kv->type == GGUF_VT_STRING));
	if (rc == Q_OK)
		FUZZ_CHECK(inside(img, s.ptr, s.len));

	if (kv->type == GGUF_VT_ARRAY) {
		FUZZ_CHECK(kv->v.arr.type < GGUF_VT_COUNT);
		FUZZ_CHECK(inside(img, kv->v.arr.data, kv->v.arr.nbytes));
		rc = gguf_get_arr(f, key, kv->v.arr.type, &arr, &err);
		FUZZ_CHECK(rc == Q_OK && arr == kv);
		rc = gguf_get_arr(f, key, (kv->v.arr.type + 1) % GGUF_VT_COUNT,
		    &arr, &err);
		FUZZ_CHECK(rc == Q_EFORMAT);
		for (i = 0; i < kv->v.arr.n; i++) {
			switch (kv->v.arr.type) {
			case GGUF_VT_STRING:
				s = gguf_arr_str(kv, i);
				/* Inside the array's own bytes. */
				FUZZ_CHECK(s.ptr >= (const char *)
				    kv->v.arr.data && inside(img, s.ptr,
				    s.len));
				FUZZ_CHECK((const uint8_t *)s.ptr + s.len <=
				    kv->v.arr.data + kv->v.arr.nbytes);
				break;
			case GGUF_VT_ARRAY:
				break;	/* nested: validated, not addressed */
			default:
				(void)gguf_arr_f64(kv, i);
				(void)gguf_arr_i64(kv, i);
			}
		}
	} else {
		rc = gguf_get_arr(f, key, GGUF_VT_UINT8, &arr, &err);
		FUZZ_CHECK(rc == Q_EFORMAT);
	}
	free(key);
}

static void
walk_tensor(const struct gguf_file *f, struct span img,
    const struct gguf_tensor *t)
{
	uint64_t	 elems = 1;
	uint32_t	 d;
	char		*name;

	FUZZ_CHECK(inside(img, t->name.ptr, t->name.len));
	FUZZ_CHECK(t->n_dims >= 1 && t->n_dims <= GGUF_MAX_DIMS);
	for (d = 0; d < GGUF_MAX_DIMS; d++) {
		if (d >= t->n_dims)
			FUZZ_CHECK(t->ne[d] == 1);
		FUZZ_CHECK(!__builtin_mul_overflow(elems, t->ne[d], &elems));
	}
	FUZZ_CHECK(strcmp(gguf_ttype_name(t->type), "unknown") != 0);
	FUZZ_CHECK(t->offset % f->alignment == 0);
	FUZZ_CHECK((const uint8_t *)t->data == f->map + f->data_offset +
	    t->offset);
	FUZZ_CHECK(inside(img, t->data, t->nbytes));
	if (elems == 0)
		FUZZ_CHECK(t->nbytes == 0);
	fuzz_touch(t->data, t->nbytes);
	if ((name = cstr(t->name)) != NULL) {
		FUZZ_CHECK(gguf_find_tensor(f, name) == t);
		free(name);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gguf_file	*f;
	struct vocab		*v;
	struct qerr		 err;
	struct span		 img = { data, data + size };
	uint64_t		 i;
	int			 rc;

	err.msg[0] = '\0';
	rc = gguf_open_memory(data, size, "fuzz.gguf", &f, &err);
	if (rc != Q_OK) {
		/* A refusal says why, in one line, naming the file. */
		FUZZ_CHECK(f == NULL);
		FUZZ_CHECK(strncmp(err.msg, "fuzz.gguf: ", 11) == 0);
		FUZZ_CHECK(strchr(err.msg, '\n') == NULL);
		return (0);
	}
	FUZZ_CHECK(f->map == data && f->size == size);
	FUZZ_CHECK(f->version == 2 || f->version == 3);
	FUZZ_CHECK(f->alignment > 0 &&
	    (f->alignment & (f->alignment - 1)) == 0);
	FUZZ_CHECK(f->n_tensors == 0 || f->data_offset <= size);
	for (i = 0; i < f->n_kv; i++)
		walk_kv(f, img, &f->kv[i]);
	for (i = 0; i < f->n_tensors; i++)
		walk_tensor(f, img, &f->tensors[i]);
	FUZZ_CHECK(gguf_find(f, "fuzz.no.such.key") == NULL ||
	    gguf_str_eq(gguf_find(f, "fuzz.no.such.key")->key,
	    "fuzz.no.such.key"));

	/* The vocabulary is read from the same metadata. */
	if (vocab_from_gguf(f, &v, &err) == Q_OK) {
		fuzz_vocab_walk(v);
		vocab_free(v);
	}
	gguf_close(f);
	return (0);
}
