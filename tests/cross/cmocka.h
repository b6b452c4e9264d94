/*
 * cmocka.h: a tiny stand-in for cmocka, enough to build the kernel twin
 * test (tests/test-kern-simd.c) for a cross target where no cmocka
 * library exists (tests/cross-neon.sh).  Same macro names and the same
 * pass / fail / skip outcome; a failed assertion prints where and why and
 * jumps back to the runner, which counts it and goes on with the next
 * test.  Only for the cross build: the real tests link the real cmocka.
 */
#ifndef QCMP_CROSS_CMOCKA_H
#define QCMP_CROSS_CMOCKA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
	const char		*name;
	CMUnitTestFunction	 test_func;
	CMFixtureFunction	 setup_func;
	CMFixtureFunction	 teardown_func;
	void			*initial_state;
};

/* Where a failing (longjmp value 1) or skipped (2) test goes back to. */
static jmp_buf	cmshim_jmp;

static inline void
cmshim_fail(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	printf("[   LINE   ] --- %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	longjmp(cmshim_jmp, 1);
}

static inline void
cmshim_memory(const void *a, const void *b, size_t n, const char *file,
    int line)
{
	const unsigned char	*x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			cmshim_fail(file, line, "memory differs at byte %zu of "
			    "%zu: 0x%02x != 0x%02x", i, n, x[i], y[i]);
}

#define cmocka_unit_test(f)	{ #f, f, NULL, NULL, NULL }

#define assert_true(c)	do {						\
	if (!(c))							\
		cmshim_fail(__FILE__, __LINE__, "%s", #c);		\
} while (0)
#define assert_false(c)	assert_true(!(c))
#define assert_non_null(p)	assert_true((p) != NULL)
#define assert_null(p)	assert_true((p) == NULL)
#define assert_int_equal(a, b)	do {					\
	intmax_t cm_a = (intmax_t)(a), cm_b = (intmax_t)(b);		\
	if (cm_a != cm_b)						\
		cmshim_fail(__FILE__, __LINE__, "%jd != %jd", cm_a,	\
		    cm_b);						\
} while (0)
#define assert_int_not_equal(a, b)					\
	assert_true((intmax_t)(a) != (intmax_t)(b))
#define assert_float_equal(a, b, eps)	do {				\
	double cm_a = (a), cm_b = (b), cm_e = (eps);			\
	if (!(cm_a - cm_b <= cm_e && cm_b - cm_a <= cm_e))		\
		cmshim_fail(__FILE__, __LINE__, "%.9g != %.9g (eps %g)", \
		    cm_a, cm_b, cm_e);					\
} while (0)
#define assert_string_equal(a, b)	do {				\
	if (strcmp((a), (b)) != 0)					\
		cmshim_fail(__FILE__, __LINE__, "\"%s\" != \"%s\"",	\
		    (a), (b));						\
} while (0)
#define assert_memory_equal(a, b, n)					\
	cmshim_memory((a), (b), (size_t)(n), __FILE__, __LINE__)
#define fail_msg(...)	cmshim_fail(__FILE__, __LINE__, __VA_ARGS__)
#define fail()	cmshim_fail(__FILE__, __LINE__, "fail()")
#define skip()	longjmp(cmshim_jmp, 2)

static inline int
cmshim_run(const struct CMUnitTest *t, size_t n)
{
	volatile int	failed = 0, skipped = 0;

	printf("[==========] Running %zu test(s).\n", n);
	for (size_t i = 0; i < n; i++) {
		void	*state = t[i].initial_state;
		int	 rc;

		printf("[ RUN      ] %s\n", t[i].name);
		fflush(stdout);
		/* setjmp may only stand alone in a controlling expression */
		switch (setjmp(cmshim_jmp)) {
		case 0:
			rc = 0;
			break;
		case 2:
			rc = 2;
			break;
		default:
			rc = 1;
			break;
		}
		if (rc == 0) {
			if (t[i].setup_func != NULL &&
			    t[i].setup_func(&state) != 0)
				cmshim_fail(__FILE__, __LINE__, "setup failed");
			t[i].test_func(&state);
			if (t[i].teardown_func != NULL)
				t[i].teardown_func(&state);
			printf("[       OK ] %s\n", t[i].name);
		} else if (rc == 2) {
			printf("[  SKIPPED ] %s\n", t[i].name);
			skipped++;
		} else {
			printf("[  FAILED  ] %s\n", t[i].name);
			failed++;
		}
		fflush(stdout);
	}
	printf("[==========] %zu test(s) run.\n", n);
	printf("[  PASSED  ] %zu test(s).\n", n - (size_t)failed -
	    (size_t)skipped);
	if (skipped)
		printf("[  SKIPPED ] %d test(s).\n", skipped);
	if (failed)
		printf("[  FAILED  ] %d test(s).\n", failed);
	return (failed);
}

/* Group fixtures are not supported: the test this serves has none. */
#define cmocka_run_group_tests(tests, setup, teardown)			\
	cmshim_run((tests), sizeof(tests) / sizeof((tests)[0]))

#endif
