/*
 * test-kpool.c: the thread pool gives bit-identical results for every
 * thread count and row count, for every format, and survives many small
 * jobs in a row (the decode pattern) and start/stop cycles.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kern.h"
#include "kpool.h"

static void
test_identical_across_threads(void **state)
{
	static const int64_t rows_list[] = { 1, 15, 16, 17, 100, 513 };
	struct kpool	*pools[4];
	struct kact	 a;
	int64_t		 cols = 512;
	/* rows up to 528: an interleaved format's last group of 16 */
	float		*w = calloc((size_t)cols * 528, sizeof(float));
	float		*x = malloc((size_t)cols * sizeof(float));
	uint8_t		*q = malloc((size_t)cols * 513 * 4);
	float		 y1[513], yn[513];

	assert_int_equal(kern_init(NULL), Q_OK);
	for (int t = 0; t < 4; t++)
		assert_int_equal(kpool_new(t + 1, &pools[t], NULL), Q_OK);
	assert_int_equal(kpool_size(pools[3]), 4);
	srand(3);
	for (int64_t i = 0; i < cols * 513; i++)
		w[i] = (float)rand() / RAND_MAX - 0.5f;
	for (int64_t i = 0; i < cols; i++)
		x[i] = (float)rand() / RAND_MAX - 0.5f;
	assert_int_equal(kact_init(&a, cols), Q_OK);
	kact_quantize(&a, x, cols);
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);

		if (cols % kt->block_len != 0)
			continue;
		/* a row, or a group of rows, at a time */
		for (int64_t r = 0; r < 513; r += kt->row_group)
			kt->from_float_ref(w + r * cols, q + r / kt->row_group *
			    kern_mat_bytes((enum kfmt)f, kt->row_group, cols),
			    cols);
		for (size_t ri = 0; ri < sizeof rows_list / sizeof rows_list[0];
		    ri++) {
			int64_t rows = rows_list[ri];

			kpool_matvec(NULL, (enum kfmt)f, q, rows, cols, &a, y1);
			for (int t = 0; t < 4; t++) {
				memset(yn, 0xff, sizeof yn);
				kpool_matvec(pools[t], (enum kfmt)f, q, rows,
				    cols, &a, yn);
				assert_memory_equal(y1, yn,
				    (size_t)rows * sizeof(float));
			}
		}
	}
	for (int t = 0; t < 4; t++)
		kpool_free(pools[t]);
	kact_free(&a);
	free(w);
	free(x);
	free(q);
}

static void
test_many_jobs(void **state)
{
	struct kpool	*p;
	struct kact	 a;
	float		 w[64 * 64], x[64], y[64], want[64];

	assert_int_equal(kpool_new(2, &p, NULL), Q_OK);
	for (int i = 0; i < 64 * 64; i++)
		w[i] = (float)(i % 7) - 3.0f;
	for (int i = 0; i < 64; i++)
		x[i] = (float)(i % 5);
	assert_int_equal(kact_init(&a, 64), Q_OK);
	kact_quantize(&a, x, 64);
	kpool_matvec(NULL, KFMT_F32, w, 64, 64, &a, want);
	for (int it = 0; it < 20000; it++) {
		kpool_matvec(p, KFMT_F32, w, 64, 64, &a, y);
		assert_memory_equal(y, want, sizeof y);
	}
	kpool_free(p);
	kact_free(&a);
	for (int it = 0; it < 50; it++) {
		assert_int_equal(kpool_new(3, &p, NULL), Q_OK);
		kpool_free(p);
	}
	assert_int_equal(kpool_new(0, &p, NULL), Q_EUSAGE);
	kpool_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_across_threads),
		cmocka_unit_test(test_many_jobs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
