/*
 * test-gguf.c: unit tests for the GGUF reader.  Images are assembled byte
 * by byte with a small builder written here from the GGUF layout, so the
 * expected values (offsets, sizes, decoded numbers) come from the builder
 * and hand computation, not from the reader.  Bad files cover every
 * truncation point, each structural check, and random byte flips; the
 * real stories260K.gguf is checked against facts read with an independent
 * Python parser.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gguf.h"
#include "testutil.h"

/* ---- GGUF pieces on a tu_buf ---- */

static void
bb_u32(struct tu_buf *b, uint32_t v)
{
	tu_buf_le(b, v, 4);
}

static void
bb_u64(struct tu_buf *b, uint64_t v)
{
	tu_buf_le(b, v, 8);
}

static void
bb_f32(struct tu_buf *b, float x)
{
	uint32_t	u;

	memcpy(&u, &x, 4);
	tu_buf_le(b, u, 4);
}

static void
bb_f64(struct tu_buf *b, double x)
{
	uint64_t	u;

	memcpy(&u, &x, 8);
	tu_buf_le(b, u, 8);
}

static void
bb_strn(struct tu_buf *b, const char *s, size_t n)
{
	bb_u64(b, n);
	tu_buf_put(b, s, n);
}

static void
bb_str(struct tu_buf *b, const char *s)
{
	bb_strn(b, s, strlen(s));
}

/* A kv's key and value type; the caller appends the value. */
static void
bb_kv(struct tu_buf *b, const char *key, uint32_t type)
{
	bb_str(b, key);
	bb_u32(b, type);
}

/* An array header: element type and count. */
static void
bb_arr(struct tu_buf *b, uint32_t etype, uint64_t n)
{
	bb_u32(b, etype);
	bb_u64(b, n);
}

static void
bb_free(struct tu_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

struct tspec {
	const char	*name;
	size_t		 name_len;	/* 0: strlen(name) */
	uint32_t	 n_dims;
	uint64_t	 ne[5];
	uint32_t	 type;
	uint64_t	 offset;
};

/*
 * Assembles a whole file: header, the pre-encoded kvs, tensor infos,
 * zero padding to align, then data_len bytes of a known pattern.  Returns
 * the data section's offset.
 */
static size_t
mk_file(struct tu_buf *b, uint32_t ver, const struct tu_buf *kvs, uint64_t n_kv,
    const struct tspec *ts, size_t nt, size_t align, size_t data_len)
{
	size_t	i, d, data_offset;

	memset(b, 0, sizeof *b);
	tu_buf_put(b, "GGUF", 4);
	bb_u32(b, ver);
	bb_u64(b, nt);
	bb_u64(b, n_kv);
	if (kvs != NULL)
		tu_buf_put(b, kvs->p, kvs->n);
	for (i = 0; i < nt; i++) {
		bb_strn(b, ts[i].name, ts[i].name_len != 0 ? ts[i].name_len :
		    strlen(ts[i].name));
		bb_u32(b, ts[i].n_dims);
		for (d = 0; d < ts[i].n_dims && d < 5; d++)
			bb_u64(b, ts[i].ne[d]);
		bb_u32(b, ts[i].type);
		bb_u64(b, ts[i].offset);
	}
	while (b->n % align != 0)
		tu_buf_le(b, 0, 1);
	data_offset = b->n;
	for (i = 0; i < data_len; i++)
		tu_buf_le(b, (uint8_t)(i * 7 + 1), 1);
	return (data_offset);
}

/* Two tensors, hand-sized: "a" F32 [4,2] = 32 bytes at 0, "b" Q8_0 [32]
 * = one 34-byte block at 32; the data section is exactly 66 bytes. */
static const struct tspec std_t[] = {
	{ "a", 0, 2, { 4, 2 }, 0, 0 },
	{ "b", 0, 1, { 32 }, 8, 32 },
};
#define STD_DATA	66

/* Three kvs: general.name "tiny", test.u32 7, test.arr ["a", "bc"]. */
static void
mk_std_kvs(struct tu_buf *kvs)
{
	memset(kvs, 0, sizeof *kvs);
	bb_kv(kvs, "general.name", GGUF_VT_STRING);
	bb_str(kvs, "tiny");
	bb_kv(kvs, "test.u32", GGUF_VT_UINT32);
	bb_u32(kvs, 7);
	bb_kv(kvs, "test.arr", GGUF_VT_ARRAY);
	bb_arr(kvs, GGUF_VT_STRING, 2);
	bb_str(kvs, "a");
	bb_str(kvs, "bc");
}

static size_t
mk_std(struct tu_buf *b, uint32_t ver)
{
	struct tu_buf	kvs;
	size_t		off;

	mk_std_kvs(&kvs);
	off = mk_file(b, ver, &kvs, 3, std_t, 2, 32, STD_DATA);
	bb_free(&kvs);
	return (off);
}

/* Opens a copy of exactly b->n bytes so that the sanitizer sees any read
 * past the end; the copy is returned for the caller to free after close. */
static int
open_copy(const uint8_t *p, size_t n, struct gguf_file **f, struct qerr *e,
    uint8_t **copy)
{
	*copy = malloc(n > 0 ? n : 1);
	assert_non_null(*copy);
	if (n > 0)
		memcpy(*copy, p, n);
	memset(e, 0, sizeof *e);
	return (gguf_open_memory(*copy, n, "t.gguf", f, e));
}

static struct gguf_file *
open_ok(const struct tu_buf *b, uint8_t **copy)
{
	struct gguf_file	*f = NULL;
	struct qerr		 e;
	int			 rc;

	rc = open_copy(b->p, b->n, &f, &e, copy);
	if (rc != Q_OK)
		print_error("unexpected error: %s\n", e.msg);
	assert_int_equal(rc, Q_OK);
	assert_non_null(f);
	return (f);
}

/* The message must be one line naming the file. */
static void
check_msg(const struct qerr *e)
{
	assert_true(strncmp(e->msg, "t.gguf: ", 8) == 0);
	assert_null(strchr(e->msg, '\n'));
	assert_true(strlen(e->msg) > 10);
}

static void
expect_err_at(const uint8_t *p, size_t n, int want_rc, const char *substr,
    int line)
{
	struct gguf_file	*f = (struct gguf_file *)&f;
	struct qerr		 e;
	uint8_t			*copy;
	int			 rc;

	rc = open_copy(p, n, &f, &e, &copy);
	if (rc == Q_OK || (want_rc >= 0 && rc != want_rc) ||
	    (substr != NULL && strstr(e.msg, substr) == NULL))
		print_error("line %d: rc %d, message \"%s\"; wanted rc %d "
		    "with \"%s\"\n", line, rc, rc == Q_OK ? "" : e.msg,
		    want_rc, substr != NULL ? substr : "");
	/* GGUF_TEST_SHOW=1 lists the messages, to review their wording. */
	if (rc != Q_OK && getenv("GGUF_TEST_SHOW") != NULL)
		fprintf(stderr, "  [%d] %s\n", rc, e.msg);
	assert_int_not_equal(rc, Q_OK);
	if (want_rc >= 0)
		assert_int_equal(rc, want_rc);
	assert_null(f);
	check_msg(&e);
	if (substr != NULL)
		assert_non_null(strstr(e.msg, substr));
	free(copy);
}
#define expect_err(b, rc, s)	expect_err_at((b)->p, (b)->n, rc, s, __LINE__)

/* A file holding only the given kvs, unpadded so that nothing after them
 * can complete a truncated value. */
static void
expect_kvs_err_at(const struct tu_buf *kvs, uint64_t n_kv, const char *substr,
    int line)
{
	struct tu_buf	b;

	mk_file(&b, 3, kvs, n_kv, NULL, 0, 1, 0);
	expect_err_at(b.p, b.n, Q_EFORMAT, substr, line);
	bb_free(&b);
}
#define expect_kvs_err(kvs, n, s) expect_kvs_err_at(kvs, n, s, __LINE__)

static void
expect_tensors_err_at(const struct tspec *ts, size_t nt, size_t data_len,
    int want_rc, const char *substr, int line)
{
	struct tu_buf	b;

	mk_file(&b, 3, NULL, 0, ts, nt, 32, data_len);
	expect_err_at(b.p, b.n, want_rc, substr, line);
	bb_free(&b);
}
#define expect_tensors_err(ts, nt, len, s) \
	expect_tensors_err_at(ts, nt, len, Q_EFORMAT, s, __LINE__)

static void
set_le(struct tu_buf *b, size_t pos, uint64_t v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		b->p[pos + i] = (uint8_t)(v >> (8 * i));
}

/* ---- well-formed files ---- */

static void
test_std_file(void **state)
{
	struct gguf_file		*f;
	const struct gguf_tensor	*t;
	const struct gguf_kv		*kv;
	struct gguf_str			 s;
	struct tu_buf			 b;
	struct qerr			 e;
	uint8_t				*copy;
	uint64_t			 u;
	size_t				 off;
	int				 v;

	(void)state;
	for (v = 2; v <= 3; v++) {
		off = mk_std(&b, (uint32_t)v);
		f = open_ok(&b, &copy);
		assert_int_equal(f->version, v);
		assert_int_equal(f->n_kv, 3);
		assert_int_equal(f->n_tensors, 2);
		assert_int_equal(f->alignment, 32);
		assert_int_equal(f->data_offset, off);
		assert_int_equal(off % 32, 0);
		assert_int_equal(f->size, b.n);
		assert_true(f->map == copy);
		assert_string_equal(f->path, "t.gguf");

		assert_int_equal(gguf_get_str(f, "general.name", &s, &e), Q_OK);
		assert_true(gguf_str_eq(s, "tiny"));
		assert_int_equal(gguf_get_u64(f, "test.u32", &u, &e), Q_OK);
		assert_int_equal(u, 7);
		assert_int_equal(gguf_get_arr(f, "test.arr", GGUF_VT_STRING,
		    &kv, &e), Q_OK);
		assert_int_equal(kv->v.arr.n, 2);
		assert_true(gguf_str_eq(gguf_arr_str(kv, 0), "a"));
		assert_true(gguf_str_eq(gguf_arr_str(kv, 1), "bc"));
		/* Key order in the file is kept. */
		assert_true(gguf_str_eq(f->kv[0].key, "general.name"));
		assert_true(gguf_str_eq(f->kv[2].key, "test.arr"));

		t = gguf_find_tensor(f, "a");
		assert_non_null(t);
		assert_true(t == &f->tensors[0]);
		assert_int_equal(t->n_dims, 2);
		assert_int_equal(t->ne[0], 4);
		assert_int_equal(t->ne[1], 2);
		assert_int_equal(t->ne[2], 1);
		assert_int_equal(t->ne[3], 1);
		assert_int_equal(t->type, GGUF_TT_F32);
		assert_int_equal(t->offset, 0);
		assert_int_equal(t->nbytes, 32);
		assert_true((const uint8_t *)t->data == copy + off);
		t = gguf_find_tensor(f, "b");
		assert_non_null(t);
		assert_int_equal(t->type, GGUF_TT_Q8_0);
		assert_int_equal(t->nbytes, 34);
		assert_true((const uint8_t *)t->data == copy + off + 32);
		/* The builder's pattern: byte i of the data is i*7+1. */
		assert_int_equal(((const uint8_t *)t->data)[1], 33 * 7 + 1);
		assert_null(gguf_find_tensor(f, "c"));
		assert_null(gguf_find_tensor(f, ""));
		assert_null(gguf_find_tensor(f, "aa"));
		assert_null(gguf_find(f, "general"));
		gguf_close(f);
		free(copy);
		bb_free(&b);
	}
}

/* Every scalar type and every array element type, read back. */
static void
test_values(void **state)
{
	static const char	 he[] = "h\xc3\xa9llo";
	struct gguf_file	*f;
	const struct gguf_kv	*kv;
	struct gguf_str		 s;
	struct qerr		 e;
	struct tu_buf		 kvs, b;
	uint8_t			*copy;
	uint64_t		 u;
	double			 d;

	(void)state;
	memset(&kvs, 0, sizeof kvs);
	bb_kv(&kvs, "u8", GGUF_VT_UINT8);	tu_buf_le(&kvs, 200, 1);
	bb_kv(&kvs, "i8", GGUF_VT_INT8);	tu_buf_le(&kvs, 0x9c, 1);
	bb_kv(&kvs, "u16", GGUF_VT_UINT16);	tu_buf_le(&kvs, 60000, 2);
	bb_kv(&kvs, "i16", GGUF_VT_INT16);	tu_buf_le(&kvs, 0x8ad0, 2);
	bb_kv(&kvs, "u32", GGUF_VT_UINT32);	bb_u32(&kvs, 4000000000u);
	bb_kv(&kvs, "i32", GGUF_VT_INT32);	bb_u32(&kvs, 0x88ca6c00u);
	bb_kv(&kvs, "f32", GGUF_VT_FLOAT32);	bb_f32(&kvs, 1.5f);
	bb_kv(&kvs, "bool", GGUF_VT_BOOL);	tu_buf_le(&kvs, 1, 1);
	bb_kv(&kvs, "false", GGUF_VT_BOOL);	tu_buf_le(&kvs, 0, 1);
	bb_kv(&kvs, "str", GGUF_VT_STRING);	bb_str(&kvs, he);
	bb_kv(&kvs, "u64", GGUF_VT_UINT64);	bb_u64(&kvs, (1ull << 63) + 5);
	bb_kv(&kvs, "i64", GGUF_VT_INT64);	bb_u64(&kvs, 0xc000000000000000ull);
	bb_kv(&kvs, "f64", GGUF_VT_FLOAT64);	bb_f64(&kvs, -0.125);
	bb_kv(&kvs, "i32pos", GGUF_VT_INT32);	bb_u32(&kvs, 12345);
	bb_kv(&kvs, "empty", GGUF_VT_STRING);	bb_str(&kvs, "");
	bb_kv(&kvs, "u64big", GGUF_VT_UINT64);	bb_u64(&kvs, (1ull << 53) + 1);
	bb_kv(&kvs, "u64exact", GGUF_VT_UINT64); bb_u64(&kvs, 1ull << 60);
	mk_file(&b, 3, &kvs, 17, NULL, 0, 32, 0);
	f = open_ok(&b, &copy);
	assert_int_equal(f->n_tensors, 0);
	assert_null(f->tensors);

	kv = gguf_find(f, "u8");
	assert_int_equal(kv->type, GGUF_VT_UINT8);
	assert_int_equal(kv->v.u64, 200);
	kv = gguf_find(f, "i8");
	assert_int_equal(kv->type, GGUF_VT_INT8);
	assert_int_equal(kv->v.i64, -100);
	assert_int_equal(gguf_find(f, "u16")->v.u64, 60000);
	assert_int_equal(gguf_find(f, "i16")->v.i64, -30000);
	assert_int_equal(gguf_find(f, "u32")->v.u64, 4000000000u);
	assert_int_equal(gguf_find(f, "i32")->v.i64, -2000000000);
	assert_true(gguf_find(f, "f32")->v.f64 == 1.5);
	assert_int_equal(gguf_find(f, "bool")->v.u64, 1);
	assert_int_equal(gguf_find(f, "false")->v.u64, 0);
	kv = gguf_find(f, "str");
	assert_int_equal(kv->type, GGUF_VT_STRING);
	assert_int_equal(kv->v.str.len, 6);
	assert_memory_equal(kv->v.str.ptr, he, 6);
	assert_int_equal(gguf_find(f, "u64")->v.u64, (1ull << 63) + 5);
	assert_true(gguf_find(f, "i64")->v.i64 == -(1ll << 62));
	assert_true(gguf_find(f, "f64")->v.f64 == -0.125);
	assert_int_equal(gguf_find(f, "empty")->v.str.len, 0);
	assert_null(gguf_find(f, ""));
	assert_null(gguf_find(f, "u"));
	assert_null(gguf_find(f, "u8x"));

	/* gguf_get_u64: any integer with a non-negative value, and bool. */
	assert_int_equal(gguf_get_u64(f, "u8", &u, &e), Q_OK);
	assert_int_equal(u, 200);
	assert_int_equal(gguf_get_u64(f, "u16", &u, &e), Q_OK);
	assert_int_equal(u, 60000);
	assert_int_equal(gguf_get_u64(f, "u64", &u, &e), Q_OK);
	assert_int_equal(u, (1ull << 63) + 5);
	assert_int_equal(gguf_get_u64(f, "i32pos", &u, &e), Q_OK);
	assert_int_equal(u, 12345);
	assert_int_equal(gguf_get_u64(f, "bool", &u, &e), Q_OK);
	assert_int_equal(u, 1);
	assert_int_equal(gguf_get_u64(f, "i8", &u, &e), Q_EFORMAT);
	assert_non_null(strstr(e.msg, "'i8'"));
	assert_non_null(strstr(e.msg, "-100"));
	assert_int_equal(gguf_get_u64(f, "str", &u, &e), Q_EFORMAT);
	assert_string_equal(e.msg,
	    "t.gguf: key 'str' has type string, expected an integer");
	assert_int_equal(gguf_get_u64(f, "f32", &u, &e), Q_EFORMAT);
	assert_string_equal(e.msg,
	    "t.gguf: key 'f32' has type float32, expected an integer");
	assert_int_equal(gguf_get_u64(f, "nope", &u, &e), Q_EFORMAT);
	assert_string_equal(e.msg, "t.gguf: missing key 'nope'");

	/* gguf_get_f64: floats and integers that convert exactly. */
	assert_int_equal(gguf_get_f64(f, "f32", &d, &e), Q_OK);
	assert_true(d == 1.5);
	assert_int_equal(gguf_get_f64(f, "f64", &d, &e), Q_OK);
	assert_true(d == -0.125);
	assert_int_equal(gguf_get_f64(f, "u32", &d, &e), Q_OK);
	assert_true(d == 4000000000.0);
	assert_int_equal(gguf_get_f64(f, "i8", &d, &e), Q_OK);
	assert_true(d == -100.0);
	assert_int_equal(gguf_get_f64(f, "i64", &d, &e), Q_OK);
	assert_true(d == -4611686018427387904.0);
	assert_int_equal(gguf_get_f64(f, "u64exact", &d, &e), Q_OK);
	assert_true(d == 1152921504606846976.0);
	assert_int_equal(gguf_get_f64(f, "u64big", &d, &e), Q_EFORMAT);
	assert_non_null(strstr(e.msg, "'u64big'"));
	assert_int_equal(gguf_get_f64(f, "str", &d, &e), Q_EFORMAT);
	assert_non_null(strstr(e.msg, "has type string"));
	assert_int_equal(gguf_get_f64(f, "bool", &d, &e), Q_EFORMAT);
	assert_non_null(strstr(e.msg, "has type bool"));
	assert_int_equal(gguf_get_f64(f, "gone", &d, &e), Q_EFORMAT);
	assert_string_equal(e.msg, "t.gguf: missing key 'gone'");

	assert_int_equal(gguf_get_str(f, "str", &s, &e), Q_OK);
	assert_int_equal(s.len, 6);
	assert_int_equal(gguf_get_str(f, "empty", &s, &e), Q_OK);
	assert_int_equal(s.len, 0);
	assert_true(gguf_str_eq(s, ""));
	assert_int_equal(gguf_get_str(f, "u8", &s, &e), Q_EFORMAT);
	assert_string_equal(e.msg,
	    "t.gguf: key 'u8' has type uint8, expected string");
	assert_int_equal(gguf_get_arr(f, "u8", GGUF_VT_UINT8, &kv, &e),
	    Q_EFORMAT);
	assert_non_null(strstr(e.msg, "expected array of uint8"));
	gguf_close(f);
	free(copy);
	bb_free(&b);
	bb_free(&kvs);
}

static void
test_arrays(void **state)
{
	static const char	 he[] = "h\xc3\xa9llo";
	struct gguf_file	*f;
	const struct gguf_kv	*kv;
	struct qerr		 e;
	struct tu_buf		 kvs, b;
	struct gguf_str		 s;
	uint8_t			*copy;

	(void)state;
	memset(&kvs, 0, sizeof kvs);
	bb_kv(&kvs, "a.u8", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT8, 2);
	tu_buf_le(&kvs, 0, 1); tu_buf_le(&kvs, 255, 1);
	bb_kv(&kvs, "a.i8", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_INT8, 2);
	tu_buf_le(&kvs, 0x80, 1); tu_buf_le(&kvs, 127, 1);
	bb_kv(&kvs, "a.u16", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT16, 1);
	tu_buf_le(&kvs, 65535, 2);
	bb_kv(&kvs, "a.i16", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_INT16, 2);
	tu_buf_le(&kvs, 0x8000, 2); tu_buf_le(&kvs, 5, 2);
	bb_kv(&kvs, "a.u32", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT32, 3);
	bb_u32(&kvs, 1); bb_u32(&kvs, 2); bb_u32(&kvs, 4294967295u);
	bb_kv(&kvs, "a.i32", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_INT32, 1);
	bb_u32(&kvs, 0xffffffffu);
	bb_kv(&kvs, "a.f32", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_FLOAT32, 2);
	bb_f32(&kvs, 0.5f); bb_f32(&kvs, -2.75f);
	bb_kv(&kvs, "a.bool", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_BOOL, 3);
	tu_buf_le(&kvs, 1, 1); tu_buf_le(&kvs, 0, 1); tu_buf_le(&kvs, 1, 1);
	bb_kv(&kvs, "a.u64", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT64, 2);
	bb_u64(&kvs, UINT64_MAX); bb_u64(&kvs, 42);
	bb_kv(&kvs, "a.i64", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_INT64, 1);
	bb_u64(&kvs, 1ull << 63);
	bb_kv(&kvs, "a.f64", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_FLOAT64, 2);
	bb_f64(&kvs, 1e300); bb_f64(&kvs, -3.5);
	bb_kv(&kvs, "a.str", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_STRING, 3);
	bb_str(&kvs, ""); bb_str(&kvs, "x"); bb_str(&kvs, he);
	bb_kv(&kvs, "a.empty", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT32, 0);
	bb_kv(&kvs, "a.nostr", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_STRING, 0);
	mk_file(&b, 3, &kvs, 14, NULL, 0, 32, 0);
	f = open_ok(&b, &copy);

	assert_int_equal(gguf_get_arr(f, "a.u8", GGUF_VT_UINT8, &kv, &e), Q_OK);
	assert_int_equal(kv->v.arr.n, 2);
	assert_int_equal(kv->v.arr.nbytes, 2);
	assert_null(kv->v.arr.str_off);
	assert_int_equal(gguf_arr_i64(kv, 1), 255);
	assert_true(gguf_arr_f64(kv, 1) == 255.0);
	assert_int_equal(gguf_get_arr(f, "a.i8", GGUF_VT_INT8, &kv, &e), Q_OK);
	assert_int_equal(gguf_arr_i64(kv, 0), -128);
	assert_int_equal(gguf_arr_i64(kv, 1), 127);
	assert_true(gguf_arr_f64(kv, 0) == -128.0);
	assert_int_equal(gguf_get_arr(f, "a.u16", GGUF_VT_UINT16, &kv, &e),
	    Q_OK);
	assert_int_equal(gguf_arr_i64(kv, 0), 65535);
	assert_int_equal(gguf_get_arr(f, "a.i16", GGUF_VT_INT16, &kv, &e),
	    Q_OK);
	assert_int_equal(gguf_arr_i64(kv, 0), -32768);
	assert_int_equal(gguf_arr_i64(kv, 1), 5);
	assert_int_equal(gguf_get_arr(f, "a.u32", GGUF_VT_UINT32, &kv, &e),
	    Q_OK);
	assert_int_equal(kv->v.arr.n, 3);
	assert_int_equal(kv->v.arr.nbytes, 12);
	assert_int_equal(gguf_arr_i64(kv, 0), 1);
	assert_int_equal(gguf_arr_i64(kv, 2), 4294967295ll);
	assert_true(gguf_arr_f64(kv, 2) == 4294967295.0);
	assert_int_equal(gguf_get_arr(f, "a.i32", GGUF_VT_INT32, &kv, &e),
	    Q_OK);
	assert_int_equal(gguf_arr_i64(kv, 0), -1);
	assert_int_equal(gguf_get_arr(f, "a.f32", GGUF_VT_FLOAT32, &kv, &e),
	    Q_OK);
	assert_true(gguf_arr_f64(kv, 0) == 0.5);
	assert_true(gguf_arr_f64(kv, 1) == -2.75);
	assert_int_equal(gguf_arr_i64(kv, 1), -2);
	assert_int_equal(gguf_get_arr(f, "a.bool", GGUF_VT_BOOL, &kv, &e),
	    Q_OK);
	assert_int_equal(gguf_arr_i64(kv, 0), 1);
	assert_int_equal(gguf_arr_i64(kv, 1), 0);
	assert_int_equal(gguf_arr_i64(kv, 2), 1);
	assert_int_equal(gguf_get_arr(f, "a.u64", GGUF_VT_UINT64, &kv, &e),
	    Q_OK);
	assert_int_equal(kv->v.arr.nbytes, 16);
	assert_int_equal(gguf_arr_i64(kv, 1), 42);
	assert_true(gguf_arr_f64(kv, 0) == 18446744073709551616.0);
	assert_int_equal(gguf_get_arr(f, "a.i64", GGUF_VT_INT64, &kv, &e),
	    Q_OK);
	assert_true(gguf_arr_i64(kv, 0) == INT64_MIN);
	assert_int_equal(gguf_get_arr(f, "a.f64", GGUF_VT_FLOAT64, &kv, &e),
	    Q_OK);
	assert_true(gguf_arr_f64(kv, 0) == 1e300);
	assert_true(gguf_arr_f64(kv, 1) == -3.5);
	assert_int_equal(gguf_arr_i64(kv, 1), -3);

	assert_int_equal(gguf_get_arr(f, "a.str", GGUF_VT_STRING, &kv, &e),
	    Q_OK);
	assert_int_equal(kv->v.arr.n, 3);
	/* 8+0 + 8+1 + 8+6 bytes */
	assert_int_equal(kv->v.arr.nbytes, 31);
	assert_non_null(kv->v.arr.str_off);
	assert_int_equal(kv->v.arr.str_off[0], 0);
	assert_int_equal(kv->v.arr.str_off[1], 8);
	assert_int_equal(kv->v.arr.str_off[2], 17);
	s = gguf_arr_str(kv, 0);
	assert_int_equal(s.len, 0);
	assert_true(gguf_str_eq(gguf_arr_str(kv, 1), "x"));
	s = gguf_arr_str(kv, 2);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.ptr, he, 6);

	assert_int_equal(gguf_get_arr(f, "a.empty", GGUF_VT_UINT32, &kv, &e),
	    Q_OK);
	assert_int_equal(kv->v.arr.n, 0);
	assert_int_equal(kv->v.arr.nbytes, 0);
	assert_int_equal(gguf_get_arr(f, "a.nostr", GGUF_VT_STRING, &kv, &e),
	    Q_OK);
	assert_int_equal(kv->v.arr.n, 0);

	/* Element type is checked, and arrays are not scalars. */
	assert_int_equal(gguf_get_arr(f, "a.u32", GGUF_VT_INT32, &kv, &e),
	    Q_EFORMAT);
	assert_string_equal(e.msg, "t.gguf: key 'a.u32' has type array of "
	    "uint32, expected array of int32");
	assert_int_equal(gguf_get_arr(f, "a.missing", GGUF_VT_INT32, &kv, &e),
	    Q_EFORMAT);
	assert_string_equal(e.msg, "t.gguf: missing key 'a.missing'");
	assert_int_equal(gguf_get_str(f, "a.str", &s, &e), Q_EFORMAT);
	assert_non_null(strstr(e.msg, "array of string"));
	gguf_close(f);
	free(copy);
	bb_free(&b);
	bb_free(&kvs);
}

/* An array value nested depth levels deep, innermost a uint32 [7]. */
static void
bb_nested(struct tu_buf *b, int depth)
{
	if (depth == 1) {
		bb_arr(b, GGUF_VT_UINT32, 1);
		bb_u32(b, 7);
		return;
	}
	bb_arr(b, GGUF_VT_ARRAY, 1);
	bb_nested(b, depth - 1);
}

static void
test_nested(void **state)
{
	struct gguf_file	*f;
	const struct gguf_kv	*kv;
	struct qerr		 e;
	struct tu_buf		 kvs, b;
	uint8_t			*copy;
	uint64_t		 u;

	(void)state;
	memset(&kvs, 0, sizeof kvs);
	/* [[1, 2], [3]] */
	bb_kv(&kvs, "n.u32", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_ARRAY, 2);
	bb_arr(&kvs, GGUF_VT_UINT32, 2);
	bb_u32(&kvs, 1); bb_u32(&kvs, 2);
	bb_arr(&kvs, GGUF_VT_UINT32, 1);
	bb_u32(&kvs, 3);
	/* [["p", "qq"], []] */
	bb_kv(&kvs, "n.str", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_ARRAY, 2);
	bb_arr(&kvs, GGUF_VT_STRING, 2);
	bb_str(&kvs, "p"); bb_str(&kvs, "qq");
	bb_arr(&kvs, GGUF_VT_STRING, 0);
	/* eight levels is the limit and still fine */
	bb_kv(&kvs, "n.deep", GGUF_VT_ARRAY);
	bb_nested(&kvs, 8);
	/* a kv after the nested ones must be found where it is */
	bb_kv(&kvs, "after", GGUF_VT_UINT16);
	tu_buf_le(&kvs, 777, 2);
	mk_file(&b, 2, &kvs, 4, NULL, 0, 32, 0);
	f = open_ok(&b, &copy);
	assert_int_equal(gguf_get_arr(f, "n.u32", GGUF_VT_ARRAY, &kv, &e),
	    Q_OK);
	assert_int_equal(kv->v.arr.n, 2);
	/* (4+8+4+4) + (4+8+4) */
	assert_int_equal(kv->v.arr.nbytes, 36);
	assert_null(kv->v.arr.str_off);
	/* The first element starts with its own element type, uint32. */
	assert_int_equal(kv->v.arr.data[0], GGUF_VT_UINT32);
	assert_int_equal(gguf_get_arr(f, "n.str", GGUF_VT_ARRAY, &kv, &e),
	    Q_OK);
	/* (4+8+9+10) + (4+8) */
	assert_int_equal(kv->v.arr.nbytes, 43);
	assert_null(kv->v.arr.str_off);
	assert_int_equal(gguf_get_arr(f, "n.deep", GGUF_VT_ARRAY, &kv, &e),
	    Q_OK);
	/* 8 array headers of 12 bytes, minus the kv's own, plus 4 */
	assert_int_equal(kv->v.arr.nbytes, 7 * 12 + 4);
	assert_int_equal(gguf_get_u64(f, "after", &u, &e), Q_OK);
	assert_int_equal(u, 777);
	gguf_close(f);
	free(copy);
	bb_free(&b);

	/* nine levels: refused */
	bb_free(&kvs);
	bb_kv(&kvs, "n.deeper", GGUF_VT_ARRAY);
	bb_nested(&kvs, 9);
	expect_kvs_err(&kvs, 1, "nested deeper than 8");
	bb_free(&kvs);
	/* and a long chain cannot exhaust the stack */
	bb_kv(&kvs, "n.deepest", GGUF_VT_ARRAY);
	bb_nested(&kvs, 5000);
	expect_kvs_err(&kvs, 1, "nested deeper than 8");
	bb_free(&kvs);
}

static void
test_alignment(void **state)
{
	static const uint32_t	 aligns[] = { 1, 2, 8, 64, 4096 };
	struct gguf_file	*f;
	const struct gguf_tensor *t;
	struct tspec		 ts[2];
	struct tu_buf		 kvs, b;
	uint8_t			*copy;
	size_t			 i, off, al;

	(void)state;
	for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
		al = aligns[i];
		memset(&kvs, 0, sizeof kvs);
		bb_kv(&kvs, "general.alignment", GGUF_VT_UINT32);
		bb_u32(&kvs, (uint32_t)al);
		/* F32 [3] = 12 bytes at 0, F16 [5] = 10 bytes at the next
		 * multiple of the alignment at or after 12 */
		memset(ts, 0, sizeof ts);
		ts[0] = (struct tspec){ "x", 0, 1, { 3 }, 0, 0 };
		ts[1] = (struct tspec){ "y", 0, 1, { 5 }, 1,
		    (12 + al - 1) / al * al };
		off = mk_file(&b, 3, &kvs, 1, ts, 2, al,
		    ts[1].offset + 10);
		f = open_ok(&b, &copy);
		assert_int_equal(f->alignment, al);
		assert_int_equal(f->data_offset, off);
		assert_int_equal(off % al, 0);
		t = gguf_find_tensor(f, "y");
		assert_int_equal(t->nbytes, 10);
		assert_true((const uint8_t *)t->data ==
		    copy + off + ts[1].offset);
		assert_int_equal(((const uint8_t *)t->data)[0],
		    (uint8_t)(ts[1].offset * 7 + 1));
		gguf_close(f);
		free(copy);
		bb_free(&b);

		/* a tensor offset off the grid is refused */
		if (al > 1) {
			ts[1].offset = 13;
			mk_file(&b, 3, &kvs, 1, ts, 2, al, 13 + 10 + al);
			expect_err(&b, Q_EFORMAT, "offset 13 is not a multiple "
			    "of the alignment");
			bb_free(&b);
		}
		bb_free(&kvs);
	}

	/* bad values and types */
	memset(&kvs, 0, sizeof kvs);
	bb_kv(&kvs, "general.alignment", GGUF_VT_UINT32);
	bb_u32(&kvs, 0);
	expect_kvs_err(&kvs, 1, "'general.alignment': 0 is not a power of two");
	bb_free(&kvs);
	bb_kv(&kvs, "general.alignment", GGUF_VT_UINT32);
	bb_u32(&kvs, 3);
	expect_kvs_err(&kvs, 1, "'general.alignment': 3 is not a power of two");
	bb_free(&kvs);
	bb_kv(&kvs, "general.alignment", GGUF_VT_UINT32);
	bb_u32(&kvs, 48);
	expect_kvs_err(&kvs, 1, "48 is not a power of two");
	bb_free(&kvs);
	bb_kv(&kvs, "general.alignment", GGUF_VT_UINT64);
	bb_u64(&kvs, 32);
	expect_kvs_err(&kvs, 1, "has type uint64, expected uint32");
	bb_free(&kvs);
	bb_kv(&kvs, "general.alignment", GGUF_VT_STRING);
	bb_str(&kvs, "32");
	expect_kvs_err(&kvs, 1, "has type string, expected uint32");
	bb_free(&kvs);
	bb_kv(&kvs, "general.alignment", GGUF_VT_INT32);
	bb_u32(&kvs, 32);
	expect_kvs_err(&kvs, 1, "has type int32, expected uint32");
	bb_free(&kvs);
}

/* The block length and block size of every ggml type, from the type list
 * in the GGUF/ggml documentation, written out here independently. */
static const struct {
	uint32_t	 id;
	const char	*name;
	uint32_t	 blck;
	uint32_t	 tsize;
} known_types[] = {
	{ 0, "F32", 1, 4 }, { 1, "F16", 1, 2 }, { 2, "Q4_0", 32, 18 },
	{ 3, "Q4_1", 32, 20 }, { 6, "Q5_0", 32, 22 }, { 7, "Q5_1", 32, 24 },
	{ 8, "Q8_0", 32, 34 }, { 9, "Q8_1", 32, 36 },
	{ 10, "Q2_K", 256, 84 }, { 11, "Q3_K", 256, 110 },
	{ 12, "Q4_K", 256, 144 }, { 13, "Q5_K", 256, 176 },
	{ 14, "Q6_K", 256, 210 }, { 15, "Q8_K", 256, 292 },
	{ 16, "IQ2_XXS", 256, 66 }, { 17, "IQ2_XS", 256, 74 },
	{ 18, "IQ3_XXS", 256, 98 }, { 19, "IQ1_S", 256, 50 },
	{ 20, "IQ4_NL", 32, 18 }, { 21, "IQ3_S", 256, 110 },
	{ 22, "IQ2_S", 256, 82 }, { 23, "IQ4_XS", 256, 136 },
	{ 24, "I8", 1, 1 }, { 25, "I16", 1, 2 }, { 26, "I32", 1, 4 },
	{ 27, "I64", 1, 8 }, { 28, "F64", 1, 8 }, { 29, "IQ1_M", 256, 56 },
	{ 30, "BF16", 1, 2 }, { 34, "TQ1_0", 256, 54 },
	{ 35, "TQ2_0", 256, 66 }, { 39, "MXFP4", 32, 17 },
};
#define N_KNOWN	(sizeof known_types / sizeof known_types[0])

static void
test_tensor_types(void **state)
{
	struct gguf_file		*f;
	const struct gguf_tensor	*t;
	struct tspec			 ts[N_KNOWN];
	char				 names[N_KNOWN][16];
	struct tu_buf			 b;
	uint8_t				*copy;
	uint64_t			 off = 0;
	size_t				 i, j;
	uint32_t			 id;
	int				 known;

	(void)state;
	/* One tensor of every type, shape [2 blocks, 3, 1, 2]. */
	memset(ts, 0, sizeof ts);
	for (i = 0; i < N_KNOWN; i++) {
		snprintf(names[i], sizeof names[i], "t%zu", i);
		ts[i].name = names[i];
		ts[i].n_dims = 4;
		ts[i].ne[0] = 2 * known_types[i].blck;
		ts[i].ne[1] = 3;
		ts[i].ne[2] = 1;
		ts[i].ne[3] = 2;
		ts[i].type = known_types[i].id;
		ts[i].offset = off;
		off += (2 * 3 * 2 * known_types[i].tsize + 31) / 32 * 32;
	}
	mk_file(&b, 3, NULL, 0, ts, N_KNOWN, 32, off);
	f = open_ok(&b, &copy);
	for (i = 0; i < N_KNOWN; i++) {
		t = gguf_find_tensor(f, names[i]);
		assert_non_null(t);
		assert_int_equal(t->type, known_types[i].id);
		assert_int_equal(t->nbytes, 12 * known_types[i].tsize);
		assert_string_equal(gguf_ttype_name(known_types[i].id),
		    known_types[i].name);
	}
	gguf_close(f);
	free(copy);
	bb_free(&b);

	/* Every other id up to 64, and a huge one, is refused by name. */
	for (id = 0; id <= 64; id++) {
		char	want[64];

		known = 0;
		for (j = 0; j < N_KNOWN; j++)
			known |= known_types[j].id == id;
		if (known)
			continue;
		ts[0] = (struct tspec){ "w", 0, 1, { 256 }, id, 0 };
		snprintf(want, sizeof want, "tensor 'w': unknown type id %u",
		    id);
		expect_tensors_err_at(ts, 1, 4096, -1, want, __LINE__);
		if (id == 4 || id == 5 || (id >= 31 && id <= 33) ||
		    (id >= 36 && id <= 38))
			assert_string_not_equal(gguf_ttype_name(id), "unknown");
		else
			assert_string_equal(gguf_ttype_name(id), "unknown");
	}
	ts[0] = (struct tspec){ "w", 0, 1, { 256 }, UINT32_MAX, 0 };
	expect_tensors_err(ts, 1, 4096, "unknown type id 4294967295");
	assert_string_equal(gguf_ttype_name(UINT32_MAX), "unknown");

	/* ne[0] must hold whole blocks */
	ts[0] = (struct tspec){ "w", 0, 2, { 33, 2 }, GGUF_TT_Q8_0, 0 };
	expect_tensors_err(ts, 1, 4096, "tensor 'w': ne[0] 33 is not a "
	    "multiple of the Q8_0 block length 32");
	ts[0] = (struct tspec){ "w", 0, 1, { 255 }, 12, 0 };
	expect_tensors_err(ts, 1, 4096, "not a multiple of the Q4_K block "
	    "length 256");
	ts[0] = (struct tspec){ "w", 0, 1, { 172 }, GGUF_TT_TQ2_0, 0 };
	expect_tensors_err(ts, 1, 4096, "block length 256");

	/* unused dims read as 1; nbytes by hand: 64/32 * 18 * 3 */
	ts[0] = (struct tspec){ "q", 0, 2, { 64, 3 }, GGUF_TT_Q4_0, 0 };
	mk_file(&b, 3, NULL, 0, ts, 1, 32, 108);
	f = open_ok(&b, &copy);
	assert_int_equal(f->tensors[0].nbytes, 108);
	assert_int_equal(f->tensors[0].ne[2], 1);
	assert_int_equal(f->tensors[0].ne[3], 1);
	gguf_close(f);
	free(copy);
	bb_free(&b);

	assert_string_equal(gguf_vtype_name(GGUF_VT_UINT8), "uint8");
	assert_string_equal(gguf_vtype_name(GGUF_VT_BOOL), "bool");
	assert_string_equal(gguf_vtype_name(GGUF_VT_ARRAY), "array");
	assert_string_equal(gguf_vtype_name(GGUF_VT_FLOAT64), "float64");
	assert_string_equal(gguf_vtype_name(13), "unknown");
}

static void
test_bad_tensors(void **state)
{
	struct tspec	 ts[3];
	struct tu_buf	 b;
	struct gguf_file *f;
	uint8_t		*copy;

	(void)state;
	memset(ts, 0, sizeof ts);
	/* data past the end: F32 [64] = 256 bytes, only 255 there */
	ts[0] = (struct tspec){ "w", 0, 1, { 64 }, 0, 0 };
	expect_tensors_err(ts, 1, 255, "tensor 'w': data [offset 0, 256 "
	    "bytes] extends past the end of the file");
	ts[0].offset = 1 << 20;
	expect_tensors_err(ts, 1, 4096, "data [offset 1048576, 256 bytes] "
	    "extends past the end");
	/* offset + data offset overflows 64 bits (still aligned) */
	ts[0].offset = UINT64_MAX - 31;
	expect_tensors_err(ts, 1, 4096, "extends past the end");
	/* misaligned */
	ts[0].offset = 16;
	expect_tensors_err(ts, 1, 4096, "tensor 'w': offset 16 is not a "
	    "multiple of the alignment 32");

	/* overlaps: second starts inside the first */
	ts[0] = (struct tspec){ "w", 0, 1, { 64 }, 0, 0 };
	ts[1] = (struct tspec){ "v", 0, 1, { 8 }, 0, 224 };
	expect_tensors_err(ts, 2, 4096, "overlaps tensor 'w'");
	/* same offset, in either order */
	ts[1].offset = 0;
	expect_tensors_err(ts, 2, 4096, "overlaps");
	ts[0].offset = 0;
	ts[1] = ts[0];
	ts[1].name = "v";
	expect_tensors_err(ts, 2, 4096, "overlaps");
	/* a small one inside a big one, with an empty one between them:
	 * checking only neighbours would miss it */
	ts[0] = (struct tspec){ "big", 0, 1, { 64 }, 0, 0 };
	ts[1] = (struct tspec){ "empty", 0, 2, { 64, 0 }, 0, 32 };
	ts[2] = (struct tspec){ "small", 0, 1, { 4 }, 0, 64 };
	expect_tensors_err(ts, 3, 4096, "tensor 'small': data [offset 64, 16 "
	    "bytes] overlaps tensor 'big' [offset 0, 256 bytes]");
	/* adjacent is fine, and an empty tensor overlaps nothing */
	ts[2].offset = 256;
	mk_file(&b, 3, NULL, 0, ts, 3, 32, 256 + 16);
	f = open_ok(&b, &copy);
	assert_int_equal(gguf_find_tensor(f, "empty")->nbytes, 0);
	assert_int_equal(gguf_find_tensor(f, "small")->nbytes, 16);
	gguf_close(f);
	free(copy);
	bb_free(&b);

	/* n_dims */
	ts[0] = (struct tspec){ "w", 0, 0, { 0 }, 0, 0 };
	expect_tensors_err(ts, 1, 64, "tensor info #0 'w': n_dims 0 is not "
	    "in 1..4");
	ts[0] = (struct tspec){ "w", 0, 5, { 1, 1, 1, 1, 1 }, 0, 0 };
	expect_tensors_err(ts, 1, 64, "n_dims 5 is not in 1..4");
	ts[0] = (struct tspec){ "w", 0, UINT32_MAX, { 1 }, 0, 0 };
	expect_tensors_err(ts, 1, 64, "n_dims 4294967295");

	/* sizes that overflow 64 bits */
	ts[0] = (struct tspec){ "w", 0, 3, { 1ull << 32, 1ull << 32,
	    1ull << 32 }, 0, 0 };
	expect_tensors_err(ts, 1, 64, "tensor 'w': size of");
	ts[0] = (struct tspec){ "w", 0, 2, { 1ull << 62, 4 }, 0, 0 };
	expect_tensors_err(ts, 1, 64, "overflows");
	ts[0] = (struct tspec){ "w", 0, 2, { 0, 1ull << 63 }, 0, 0 };
	expect_tensors_err(ts, 1, 64, "overflows");

	/* names */
	ts[0] = (struct tspec){ "w", 0, 1, { 4 }, 0, 0 };
	ts[1] = (struct tspec){ "w", 0, 1, { 4 }, 0, 32 };
	expect_tensors_err(ts, 2, 64, "tensor info #1 'w': duplicate tensor "
	    "name");
	{
		/* an empty name: the builder takes name_len 0 as strlen */
		struct tu_buf	k;

		memset(&k, 0, sizeof k);
		tu_buf_put(&k, "GGUF", 4);
		bb_u32(&k, 3);
		bb_u64(&k, 1);
		bb_u64(&k, 0);
		bb_strn(&k, "", 0);
		bb_u32(&k, 1);
		bb_u64(&k, 4);
		bb_u32(&k, 0);
		bb_u64(&k, 0);
		while (k.n < 128)
			tu_buf_le(&k, 0, 1);
		expect_err(&k, Q_EFORMAT, "tensor info #0: empty name");
		bb_free(&k);
	}
	ts[0] = (struct tspec){ "a\0b", 3, 1, { 4 }, 0, 0 };
	expect_tensors_err(ts, 1, 64, "tensor info #0: name contains a NUL");
	/* control bytes in a name are not copied into the message */
	ts[0] = (struct tspec){ "x\ny", 0, 1, { 4 }, 77, 0 };
	expect_tensors_err(ts, 1, 64, "tensor 'x?y': unknown type id 77");
}

static void
test_bad_header(void **state)
{
	struct tu_buf	b;
	size_t		n;

	(void)state;
	mk_std(&b, 3);
	n = b.n;
	memcpy(b.p, "GGUG", 4);
	expect_err(&b, Q_EFORMAT, "t.gguf: not a GGUF file (magic "
	    "0x47475547)");
	memcpy(b.p, "\x7f" "ELF", 4);
	expect_err(&b, Q_EFORMAT, "not a GGUF file (magic 0x7f454c46)");
	b.n = 2;
	expect_err(&b, Q_EFORMAT, "not a GGUF file");
	memcpy(b.p, "GGUF", 4);
	expect_err(&b, Q_EFORMAT, "t.gguf: truncated in header (magic)");
	b.n = 0;
	expect_err(&b, Q_EFORMAT, "truncated in header");
	b.n = n;

	set_le(&b, 4, 1, 4);
	expect_err(&b, Q_EUNSUP, "t.gguf: header: unsupported version 1");
	set_le(&b, 4, 4, 4);
	expect_err(&b, Q_EUNSUP, "t.gguf: header: unsupported version 4");
	set_le(&b, 4, 0, 4);
	expect_err(&b, Q_EUNSUP, "unsupported version 0");
	set_le(&b, 4, 0x03000000, 4);
	expect_err(&b, Q_EUNSUP, "big-endian");
	set_le(&b, 4, 3, 4);

	/* counts that no file of this size could hold */
	set_le(&b, 8, 4294967295u, 8);
	{
		char	want[96];

		snprintf(want, sizeof want, "t.gguf: header: n_tensors "
		    "4294967295 cannot fit in a %zu-byte file", n);
		expect_err(&b, Q_EFORMAT, want);
	}
	set_le(&b, 8, UINT64_MAX, 8);
	expect_err(&b, Q_EFORMAT, "n_tensors 18446744073709551615 cannot fit");
	set_le(&b, 8, 2, 8);
	set_le(&b, 16, 4000000000u, 8);
	expect_err(&b, Q_EFORMAT, "header: n_kv 4000000000 cannot fit");
	set_le(&b, 16, UINT64_MAX / 13 + 1, 8);
	expect_err(&b, Q_EFORMAT, "cannot fit");
	set_le(&b, 16, UINT64_MAX, 8);
	expect_err(&b, Q_EFORMAT, "n_kv 18446744073709551615 cannot fit");
	/* each fits alone, not both */
	set_le(&b, 16, (n - 24) / 14, 8);
	set_le(&b, 8, (n - 24) / 33, 8);
	expect_err(&b, Q_EFORMAT, "cannot fit");
	/* plausible but wrong counts end in a truncation or a bad field */
	set_le(&b, 16, 4, 8);
	set_le(&b, 8, 2, 8);
	expect_err(&b, -1, NULL);
	set_le(&b, 16, 3, 8);
	set_le(&b, 8, 3, 8);
	expect_err(&b, -1, NULL);
	bb_free(&b);
}

static void
test_bad_kvs(void **state)
{
	struct tu_buf	kvs;

	(void)state;
	memset(&kvs, 0, sizeof kvs);
	/* string longer than the file */
	bb_kv(&kvs, "general.name", GGUF_VT_STRING);
	bb_u64(&kvs, 99999999);
	tu_buf_put(&kvs, "abcdefghijklmnopqrstuvwxyz", 26);
	expect_kvs_err(&kvs, 1, "t.gguf: kv #0 'general.name': string length "
	    "99999999 extends past the end of the file");
	bb_free(&kvs);
	bb_kv(&kvs, "s", GGUF_VT_STRING);
	bb_u64(&kvs, UINT64_MAX);
	tu_buf_put(&kvs, "abcdefghijklmnopqrstuvwxyz", 26);
	expect_kvs_err(&kvs, 1, "string length 18446744073709551615");
	bb_free(&kvs);
	/* key longer than the file */
	bb_u64(&kvs, 1ull << 40);
	tu_buf_put(&kvs, "abcdefghijklmnopqrstuvwxyz", 26);
	expect_kvs_err(&kvs, 1, "t.gguf: kv #0: key length 1099511627776 "
	    "extends past the end of the file");
	bb_free(&kvs);

	/* huge array counts, for each kind of element */
	bb_kv(&kvs, "a", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT32, 1ull << 62);
	bb_u32(&kvs, 1);
	expect_kvs_err(&kvs, 1, "kv #0 'a': array count 4611686018427387904 "
	    "(uint32) extends past the end of the file");
	bb_free(&kvs);
	bb_kv(&kvs, "a", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT64, UINT64_MAX);
	expect_kvs_err(&kvs, 1, "array count 18446744073709551615 (uint64)");
	bb_free(&kvs);
	bb_kv(&kvs, "a", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_UINT8, 1000);
	tu_buf_put(&kvs, "xyz", 3);
	expect_kvs_err(&kvs, 1, "array count 1000 (uint8)");
	bb_free(&kvs);
	bb_kv(&kvs, "tokens", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_STRING, 4000000000u);
	bb_str(&kvs, "a");
	expect_kvs_err(&kvs, 1, "kv #0 'tokens': array count 4000000000 "
	    "(string)");
	bb_free(&kvs);
	bb_kv(&kvs, "tokens", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_STRING, 3);
	bb_str(&kvs, "a");
	bb_u64(&kvs, 500);
	tu_buf_put(&kvs, "bcdefghijklmnopqrstuvwxyz0123456789", 35);
	expect_kvs_err(&kvs, 1, "element 1 string length 500 extends past");
	bb_free(&kvs);
	bb_kv(&kvs, "a", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_ARRAY, 1ull << 60);
	bb_arr(&kvs, GGUF_VT_UINT8, 0);
	expect_kvs_err(&kvs, 1, "(array) extends past the end");
	bb_free(&kvs);
	bb_kv(&kvs, "a", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_ARRAY, 2);
	bb_arr(&kvs, GGUF_VT_UINT8, 0);
	bb_arr(&kvs, GGUF_VT_INT16, 1ull << 40);
	expect_kvs_err(&kvs, 1, "array count 1099511627776 (int16)");
	bb_free(&kvs);

	/* unknown types */
	bb_kv(&kvs, "x", 13);
	bb_u64(&kvs, 0);
	expect_kvs_err(&kvs, 1, "t.gguf: kv #0 'x': unknown value type 13");
	bb_free(&kvs);
	bb_kv(&kvs, "x", UINT32_MAX);
	bb_u64(&kvs, 0);
	expect_kvs_err(&kvs, 1, "unknown value type 4294967295");
	bb_free(&kvs);
	bb_kv(&kvs, "x", GGUF_VT_ARRAY);
	bb_arr(&kvs, 99, 1);
	bb_u64(&kvs, 0);
	expect_kvs_err(&kvs, 1, "kv #0 'x': unknown array element type 99");
	bb_free(&kvs);

	/* bools are 0 or 1 */
	bb_kv(&kvs, "b", GGUF_VT_BOOL);
	tu_buf_le(&kvs, 2, 1);
	expect_kvs_err(&kvs, 1, "kv #0 'b': bool value 2 is not 0 or 1");
	bb_free(&kvs);
	bb_kv(&kvs, "b", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_BOOL, 3);
	tu_buf_put(&kvs, "\1\0\377", 3);
	expect_kvs_err(&kvs, 1, "bool value 255");
	bb_free(&kvs);

	/* duplicate keys, not adjacent */
	bb_kv(&kvs, "k.one", GGUF_VT_UINT8);
	tu_buf_le(&kvs, 1, 1);
	bb_kv(&kvs, "k.two", GGUF_VT_UINT8);
	tu_buf_le(&kvs, 2, 1);
	bb_kv(&kvs, "k.one", GGUF_VT_STRING);
	bb_str(&kvs, "again");
	expect_kvs_err(&kvs, 3, "'k.one': duplicate key");
	bb_free(&kvs);

	/* keys are not empty */
	bb_kv(&kvs, "", GGUF_VT_UINT8);
	tu_buf_le(&kvs, 9, 1);
	/* (13 bytes are too few for even one kv by the header's count) */
	tu_buf_le(&kvs, 0, 1);
	expect_kvs_err(&kvs, 1, "t.gguf: kv #0: empty key");
	bb_free(&kvs);

	/* truncated scalars name the type */
	bb_kv(&kvs, "f", GGUF_VT_FLOAT64);
	bb_u32(&kvs, 0);
	expect_kvs_err(&kvs, 1, "t.gguf: truncated in kv #0 'f' (float64)");
	bb_free(&kvs);

	/* a long key is shortened in messages */
	{
		char	key[300];

		memset(key, 'k', sizeof key - 1);
		key[sizeof key - 1] = '\0';
		bb_kv(&kvs, key, GGUF_VT_STRING);
		bb_u64(&kvs, 1000);
		expect_kvs_err(&kvs, 1, "kkkk...': string length 1000");
		bb_free(&kvs);
	}
}

/* Every proper prefix of a valid file is an error, never a crash. */
static void
test_truncation(void **state)
{
	struct gguf_file	*f;
	struct tu_buf		 b, kvs;
	struct tspec		 ts[2];
	uint8_t			*copy;
	size_t			 n;

	(void)state;
	mk_std(&b, 3);
	for (n = 0; n < b.n; n++)
		expect_err_at(b.p, n, -1, NULL, __LINE__);
	f = open_ok(&b, &copy);
	gguf_close(f);
	free(copy);
	bb_free(&b);

	/* and one with every kind of value and a nested array */
	memset(&kvs, 0, sizeof kvs);
	bb_kv(&kvs, "u8", GGUF_VT_UINT8);	tu_buf_le(&kvs, 1, 1);
	bb_kv(&kvs, "i16", GGUF_VT_INT16);	tu_buf_le(&kvs, 2, 2);
	bb_kv(&kvs, "f32", GGUF_VT_FLOAT32);	bb_f32(&kvs, 3);
	bb_kv(&kvs, "b", GGUF_VT_BOOL);		tu_buf_le(&kvs, 1, 1);
	bb_kv(&kvs, "s", GGUF_VT_STRING);	bb_str(&kvs, "str");
	bb_kv(&kvs, "u64", GGUF_VT_UINT64);	bb_u64(&kvs, 4);
	bb_kv(&kvs, "f64", GGUF_VT_FLOAT64);	bb_f64(&kvs, 5);
	bb_kv(&kvs, "as", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_STRING, 2);
	bb_str(&kvs, "x");
	bb_str(&kvs, "yy");
	bb_kv(&kvs, "an", GGUF_VT_ARRAY);
	bb_nested(&kvs, 3);
	bb_kv(&kvs, "general.alignment", GGUF_VT_UINT32);
	bb_u32(&kvs, 16);
	memset(ts, 0, sizeof ts);
	ts[0] = (struct tspec){ "t0", 0, 3, { 2, 2, 2 }, 0, 0 };
	ts[1] = (struct tspec){ "t1", 0, 1, { 32 }, GGUF_TT_Q4_0, 32 };
	mk_file(&b, 2, &kvs, 10, ts, 2, 16, 32 + 18);
	for (n = 0; n < b.n; n++)
		expect_err_at(b.p, n, -1, NULL, __LINE__);
	f = open_ok(&b, &copy);
	assert_int_equal(f->alignment, 16);
	gguf_close(f);
	free(copy);
	bb_free(&b);
	bb_free(&kvs);
}

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic across platforms */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ull);
}

/* After a successful open everything reachable must lie in the image. */
static void
walk_file(const struct gguf_file *f, const uint8_t *base, size_t n)
{
	const struct gguf_kv		*kv;
	const struct gguf_tensor	*t;
	struct gguf_str			 s;
	uint64_t			 i, j;
	char				 key[256];
	volatile double			 sink = 0;

	for (i = 0; i < f->n_kv; i++) {
		kv = &f->kv[i];
		assert_true((const uint8_t *)kv->key.ptr >= base);
		assert_true((const uint8_t *)kv->key.ptr + kv->key.len <=
		    base + n);
		/* look-up by key finds this very kv (keys are unique) */
		if (kv->key.len < sizeof key &&
		    memchr(kv->key.ptr, '\0', (size_t)kv->key.len) == NULL) {
			memcpy(key, kv->key.ptr, (size_t)kv->key.len);
			key[kv->key.len] = '\0';
			assert_ptr_equal(gguf_find(f, key), kv);
		}
		if (kv->type == GGUF_VT_STRING)
			assert_true((const uint8_t *)kv->v.str.ptr +
			    kv->v.str.len <= base + n);
		if (kv->type != GGUF_VT_ARRAY)
			continue;
		assert_true(kv->v.arr.data + kv->v.arr.nbytes <= base + n);
		for (j = 0; j < kv->v.arr.n; j++) {
			if (kv->v.arr.type == GGUF_VT_STRING) {
				s = gguf_arr_str(kv, j);
				assert_true((const uint8_t *)s.ptr + s.len <=
				    base + n);
			} else if (kv->v.arr.type != GGUF_VT_ARRAY) {
				sink += gguf_arr_f64(kv, j);
				sink += (double)gguf_arr_i64(kv, j);
			}
		}
	}
	for (i = 0; i < f->n_tensors; i++) {
		t = &f->tensors[i];
		assert_true((const uint8_t *)t->data >= base + f->data_offset);
		assert_true((const uint8_t *)t->data + t->nbytes <= base + n);
		assert_true(t->n_dims >= 1 && t->n_dims <= 4);
		if (t->name.len < sizeof key) {
			memcpy(key, t->name.ptr, (size_t)t->name.len);
			key[t->name.len] = '\0';
			assert_ptr_equal(gguf_find_tensor(f, key), t);
		}
	}
	(void)sink;
}

static void
test_fuzz(void **state)
{
	struct gguf_file	*f;
	struct qerr		 e;
	struct tu_buf		 b, kvs;
	struct tspec		 ts[3];
	uint8_t			*copy;
	uint64_t		 seed = 0x9e3779b97f4a7c15ull, r;
	int			 iter, k, nflip, rc, n_ok = 0;

	(void)state;
	memset(&kvs, 0, sizeof kvs);
	bb_kv(&kvs, "general.name", GGUF_VT_STRING);	bb_str(&kvs, "fz");
	bb_kv(&kvs, "n", GGUF_VT_UINT32);		bb_u32(&kvs, 5);
	bb_kv(&kvs, "i", GGUF_VT_INT64);		bb_u64(&kvs, 9);
	bb_kv(&kvs, "toks", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_STRING, 4);
	bb_str(&kvs, "<s>"); bb_str(&kvs, "a"); bb_str(&kvs, "");
	bb_str(&kvs, "bcd");
	bb_kv(&kvs, "scores", GGUF_VT_ARRAY);
	bb_arr(&kvs, GGUF_VT_FLOAT32, 4);
	bb_f32(&kvs, 0); bb_f32(&kvs, -1); bb_f32(&kvs, -2); bb_f32(&kvs, 3);
	bb_kv(&kvs, "nest", GGUF_VT_ARRAY);
	bb_nested(&kvs, 3);
	bb_kv(&kvs, "general.alignment", GGUF_VT_UINT32);
	bb_u32(&kvs, 16);
	memset(ts, 0, sizeof ts);
	ts[0] = (struct tspec){ "t0", 0, 2, { 4, 2 }, 0, 0 };
	ts[1] = (struct tspec){ "t1", 0, 1, { 32 }, GGUF_TT_Q8_0, 32 };
	ts[2] = (struct tspec){ "t2", 0, 1, { 8 }, GGUF_TT_F16, 80 };
	mk_file(&b, 3, &kvs, 7, ts, 3, 16, 96);
	bb_free(&kvs);

	copy = malloc(b.n);
	assert_non_null(copy);
	for (iter = 0; iter < 2000; iter++) {
		memcpy(copy, b.p, b.n);
		nflip = 1 + (int)(rng_next(&seed) % 4);
		for (k = 0; k < nflip; k++) {
			r = rng_next(&seed);
			/* half the time a random byte, else one bit */
			if (r & 1)
				copy[(r >> 8) % b.n] = (uint8_t)(r >> 40);
			else
				copy[(r >> 8) % b.n] ^= (uint8_t)(1u <<
				    ((r >> 40) & 7));
		}
		f = NULL;
		memset(&e, 0, sizeof e);
		rc = gguf_open_memory(copy, b.n, "t.gguf", &f, &e);
		if (rc == Q_OK) {
			n_ok++;
			walk_file(f, copy, b.n);
			gguf_close(f);
		} else {
			assert_null(f);
			check_msg(&e);
		}
	}
	free(copy);
	bb_free(&b);
	/* Flips in tensor data and padding leave the file valid, so some
	 * must pass; flips in the header mostly must not. */
	assert_true(n_ok > 0);
	assert_true(n_ok < 2000);
}

static void
test_open_file(void **state)
{
	struct gguf_file	*f = NULL;
	struct qerr		 e;
	struct tu_buf		 b;
	char			*path;
	size_t			 off;
	int			 rc;

	(void)state;
	off = mk_std(&b, 3);
	path = tu_write_temp(b.p, b.n);
	rc = gguf_open(path, &f, &e);
	if (rc != Q_OK)
		print_error("%s\n", e.msg);
	assert_int_equal(rc, Q_OK);
	assert_string_equal(f->path, path);
	assert_int_equal(f->size, b.n);
	assert_int_equal(f->data_offset, off);
	assert_memory_equal(f->map, b.p, b.n);
	assert_memory_equal(gguf_find_tensor(f, "b")->data, b.p + off + 32,
	    34);
	gguf_close(f);
	gguf_close(NULL);

	/* a bad file through the file path: the map is released */
	set_le(&b, 4, 4, 4);
	unlink(path);
	free(path);
	path = tu_write_temp(b.p, b.n);
	f = (struct gguf_file *)&f;
	assert_int_equal(gguf_open(path, &f, &e), Q_EUNSUP);
	assert_null(f);
	assert_non_null(strstr(e.msg, "unsupported version 4"));
	assert_true(strncmp(e.msg, path, strlen(path)) == 0);
	unlink(path);
	free(path);

	path = tu_write_temp("", 0);
	assert_int_not_equal(gguf_open(path, &f, &e), Q_OK);
	assert_null(f);
	assert_non_null(strstr(e.msg, "empty file"));
	unlink(path);
	free(path);

	assert_int_equal(gguf_open("/nonexistent/dir/m.gguf", &f, &e), Q_EIO);
	assert_null(f);
	assert_string_equal(e.msg, "/nonexistent/dir/m.gguf: open: No such "
	    "file or directory");
	assert_int_equal(gguf_open("/tmp", &f, &e), Q_EIO);
	assert_null(f);
	assert_non_null(strstr(e.msg, "/tmp: "));
	assert_non_null(strstr(e.msg, "directory"));
	bb_free(&b);
}

/* Facts about stories260K.gguf, read beforehand with a separate Python
 * struct-based parser (see the report). */
static void
test_real_model(void **state)
{
	struct gguf_file		*f = NULL;
	const struct gguf_tensor	*t;
	const struct gguf_kv		*kv;
	struct gguf_str			 s;
	struct qerr			 e;
	const char			*path;
	uint64_t			 u, i;
	double				 d;

	(void)state;
	if ((path = tu_shared("models/stories260K.gguf")) == NULL) {
		skip();
		return;
	}
	if (gguf_open(path, &f, &e) != Q_OK)
		print_error("%s\n", e.msg);
	assert_non_null(f);
	assert_int_equal(f->version, 3);
	assert_int_equal(f->size, 1185376);
	assert_int_equal(f->n_kv, 19);
	assert_int_equal(f->n_tensors, 48);
	assert_int_equal(f->alignment, 32);
	assert_int_equal(f->data_offset, 14176);

	assert_int_equal(gguf_get_u64(f, "llama.embedding_length", &u, &e),
	    Q_OK);
	assert_int_equal(u, 64);
	assert_int_equal(gguf_get_u64(f, "llama.block_count", &u, &e), Q_OK);
	assert_int_equal(u, 5);
	assert_int_equal(gguf_get_u64(f, "llama.feed_forward_length", &u, &e),
	    Q_OK);
	assert_int_equal(u, 172);
	assert_int_equal(gguf_get_u64(f, "llama.attention.head_count", &u,
	    &e), Q_OK);
	assert_int_equal(u, 8);
	assert_int_equal(gguf_get_u64(f, "llama.attention.head_count_kv", &u,
	    &e), Q_OK);
	assert_int_equal(u, 4);
	assert_int_equal(gguf_get_u64(f, "llama.context_length", &u, &e),
	    Q_OK);
	assert_int_equal(u, 2048);
	assert_int_equal(gguf_get_u64(f, "tokenizer.ggml.seperator_token_id",
	    &u, &e), Q_OK);
	assert_int_equal(u, 4294967295u);
	assert_int_equal(gguf_get_f64(f,
	    "llama.attention.layer_norm_rms_epsilon", &d, &e), Q_OK);
	assert_true(d == (double)1e-5f);
	assert_int_equal(gguf_get_str(f, "general.architecture", &s, &e),
	    Q_OK);
	assert_true(gguf_str_eq(s, "llama"));
	assert_int_equal(gguf_get_str(f, "tokenizer.ggml.model", &s, &e),
	    Q_OK);
	assert_true(gguf_str_eq(s, "llama"));
	assert_int_equal(gguf_get_u64(f, "general.architecture", &u, &e),
	    Q_EFORMAT);
	assert_non_null(strstr(e.msg, ": key 'general.architecture' has type "
	    "string, expected an integer"));

	assert_int_equal(gguf_get_arr(f, "tokenizer.ggml.tokens",
	    GGUF_VT_STRING, &kv, &e), Q_OK);
	assert_int_equal(kv->v.arr.n, 512);
	assert_true(gguf_str_eq(gguf_arr_str(kv, 0), "<unk>"));
	assert_true(gguf_str_eq(gguf_arr_str(kv, 1), "<s>"));
	assert_true(gguf_str_eq(gguf_arr_str(kv, 3), "<0x00>"));
	assert_true(gguf_str_eq(gguf_arr_str(kv, 258), "<0xFF>"));
	assert_true(gguf_str_eq(gguf_arr_str(kv, 259), "\xe2\x96\x81t"));
	for (i = 0; i < kv->v.arr.n; i++)
		assert_true(gguf_arr_str(kv, i).len > 0);
	assert_int_equal(gguf_get_arr(f, "tokenizer.ggml.scores",
	    GGUF_VT_FLOAT32, &kv, &e), Q_OK);
	assert_int_equal(kv->v.arr.n, 512);
	assert_true(gguf_arr_f64(kv, 300) == -41.0);
	assert_true(gguf_arr_f64(kv, 511) == -252.0);
	assert_int_equal(gguf_get_arr(f, "tokenizer.ggml.token_type",
	    GGUF_VT_INT32, &kv, &e), Q_OK);
	assert_int_equal(gguf_arr_i64(kv, 0), 2);
	assert_int_equal(gguf_arr_i64(kv, 1), 3);

	t = gguf_find_tensor(f, "token_embd.weight");
	assert_non_null(t);
	assert_int_equal(t->n_dims, 2);
	assert_int_equal(t->ne[0], 64);
	assert_int_equal(t->ne[1], 512);
	assert_int_equal(t->ne[2], 1);
	assert_int_equal(t->type, GGUF_TT_F32);
	assert_int_equal(t->offset, 0);
	assert_int_equal(t->nbytes, 64 * 512 * 4);
	assert_true(((const float *)t->data)[0] == -0.29474878311157227f);
	assert_true(((const float *)t->data)[1] == 0.5618956089019775f);
	t = gguf_find_tensor(f, "output.weight");
	assert_non_null(t);
	assert_int_equal(t->ne[0], 64);
	assert_int_equal(t->ne[1], 512);
	assert_int_equal(t->offset, 131328);
	t = gguf_find_tensor(f, "output_norm.weight");
	assert_non_null(t);
	assert_int_equal(t->n_dims, 1);
	assert_true(((const float *)t->data)[0] == 2.4583089351654053f);
	t = gguf_find_tensor(f, "blk.0.ffn_down.weight");
	assert_non_null(t);
	assert_int_equal(t->ne[0], 172);
	assert_int_equal(t->ne[1], 64);
	/* the last tensor ends exactly at the end of the file */
	t = gguf_find_tensor(f, "blk.4.ffn_norm.weight");
	assert_non_null(t);
	assert_int_equal(t->offset, 1170944);
	assert_true((const uint8_t *)t->data + t->nbytes == f->map + f->size);
	assert_true(((const float *)t->data)[63] == 1.234261155128479f);
	assert_null(gguf_find_tensor(f, "blk.5.ffn_norm.weight"));
	gguf_close(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_std_file),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_tensor_types),
		cmocka_unit_test(test_bad_tensors),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_kvs),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_open_file),
		cmocka_unit_test(test_real_model),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
