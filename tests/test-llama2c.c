/*
 * test-llama2c.c: the llama2.c checkpoint reader against the real
 * stories260K.bin (header values from ../shared/models/README.md) and
 * against damaged headers written by the test.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "llama2c.h"
#include "testutil.h"

static void
test_real_checkpoint(void **state)
{
	struct llama2c_file	*f;
	struct qerr		 err;
	const char		*path = tu_shared("models/stories260K.bin");

	if (path == NULL)
		skip();
	assert_int_equal(llama2c_open(path, &f, &err), Q_OK);
	assert_int_equal(f->dim, 64);
	assert_int_equal(f->hidden_dim, 172);
	assert_int_equal(f->n_layers, 5);
	assert_int_equal(f->n_heads, 8);
	assert_int_equal(f->n_kv_heads, 4);
	assert_int_equal(f->vocab_size, 512);
	assert_int_equal(f->seq_len, 512);
	assert_true(f->shared_classifier);
	assert_ptr_equal(f->wcls, f->token_embedding);
	/* token_embedding starts right after the 28-byte header */
	assert_ptr_equal((const uint8_t *)f->token_embedding, f->map + 28);
	/* rms_final is the last dim floats before the rope tables: two
	 * (seq_len, head_size / 2) arrays = 512 * 8 floats */
	assert_ptr_equal((const uint8_t *)(f->rms_final + 64 + 512 * 8),
	    f->map + f->size);
	llama2c_close(f);
}

/* Writes a header (and n_floats zero floats) and tries to open it. */
static int
open_synthetic(const int32_t h[7], size_t n_floats, struct qerr *err)
{
	struct llama2c_file	*f = NULL;
	size_t			 n = 28 + n_floats * 4;
	uint8_t			*buf = calloc(1, n);
	char			*path;
	int			 rc;

	memcpy(buf, h, 28);
	path = tu_write_temp(buf, n);
	rc = llama2c_open(path, &f, err);
	llama2c_close(f);
	unlink(path);
	free(path);
	free(buf);
	return (rc);
}

/* floats a legacy checkpoint of these sizes holds, computed by hand from
 * llama2.c's layout: dim 8, hidden 16, 1 layer, 2 heads, kv 1, vocab 4,
 * seq 4 -> head 4, kv_dim 4 */
#define SYN_FLOATS (4 * 8 + 8 + 64 + 2 * 32 + 64 + 8 + 3 * 128 + 8 + 4 * 4)

static void
test_synthetic_good(void **state)
{
	int32_t		h[7] = { 8, 16, 1, 2, 1, 4, 4 };
	struct qerr	err;

	assert_int_equal(open_synthetic(h, SYN_FLOATS, &err), Q_OK);
	/* negative vocab: an unshared classifier follows */
	h[5] = -4;
	assert_int_equal(open_synthetic(h, SYN_FLOATS + 32, &err), Q_OK);
}

static void
test_synthetic_bad(void **state)
{
	int32_t		h[7] = { 8, 16, 1, 2, 1, 4, 4 };
	struct qerr	err;

	assert_int_equal(open_synthetic(h, SYN_FLOATS + 1, &err), Q_EFORMAT);
	assert_non_null(strstr(err.msg, "does not match the header"));
	assert_int_equal(open_synthetic(h, SYN_FLOATS - 1, &err), Q_EFORMAT);
	h[5] = -4;	/* unshared classifier missing */
	assert_int_equal(open_synthetic(h, SYN_FLOATS, &err), Q_EFORMAT);
	h[5] = 4;
	h[4] = 3;	/* kv heads do not divide heads */
	assert_int_equal(open_synthetic(h, SYN_FLOATS, &err), Q_EFORMAT);
	assert_non_null(strstr(err.msg, "n_kv_heads 3"));
	h[4] = 1;
	h[2] = 0;
	assert_int_equal(open_synthetic(h, SYN_FLOATS, &err), Q_EFORMAT);
	assert_non_null(strstr(err.msg, "n_layers 0 is out of range"));
	h[2] = 1;
	h[0] = 0x7fffffff;
	assert_int_equal(open_synthetic(h, SYN_FLOATS, &err), Q_EFORMAT);
	/* sizes that overflow 64 bits are refused, not wrapped */
	h[0] = 1 << 20;
	h[1] = 1 << 20;
	h[2] = 1 << 20;
	h[3] = 2;
	h[4] = 2;
	assert_int_equal(open_synthetic(h, 0, &err), Q_EFORMAT);
}

static void
test_versioned_refused(void **state)
{
	int32_t		h[7] = { 0x616b3432, 2, 8, 16, 1, 2, 1 };
	struct qerr	err;

	assert_int_equal(open_synthetic(h, 100, &err), Q_EUNSUP);
	assert_non_null(strstr(err.msg, "version 2 is not supported"));
}

/* The in-memory reader: the same checks and layout as from a file, the
 * image used in place, a short or misaligned one refused. */
static void
test_memory(void **state)
{
	int32_t			 h[7] = { 8, 16, 1, 2, 1, 4, 4 };
	size_t			 n = 28 + SYN_FLOATS * 4;
	float			*img = calloc(1, n + 4);
	struct llama2c_file	*f;
	struct qerr		 err;

	memcpy(img, h, 28);
	assert_int_equal(llama2c_open_memory(img, n, NULL, &f, &err), Q_OK);
	assert_ptr_equal(f->map, img);
	assert_ptr_equal(f->token_embedding, img + 7);
	assert_int_equal(f->dim, 8);
	assert_ptr_equal(f->wcls, f->token_embedding);
	llama2c_close(f);
	assert_int_equal(llama2c_open_memory(img, n - 4, "x.bin", &f, &err),
	    Q_EFORMAT);
	assert_null(f);
	assert_non_null(strstr(err.msg, "x.bin: file size"));
	assert_int_equal(llama2c_open_memory(img, 27, "x.bin", &f, &err),
	    Q_EFORMAT);
	assert_non_null(strstr(err.msg, "shorter than a llama2.c header"));
	assert_int_equal(llama2c_open_memory((char *)img + 1, n, "x.bin", &f,
	    &err), Q_EUSAGE);
	assert_null(f);
	free(img);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_checkpoint),
		cmocka_unit_test(test_synthetic_good),
		cmocka_unit_test(test_synthetic_bad),
		cmocka_unit_test(test_versioned_refused),
		cmocka_unit_test(test_memory),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
