/*
 * test-progress.c: the progress line's formatting against hand-computed
 * strings, and the plain (not a terminal) mode's cadence on a temporary
 * file with a clock the test drives.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"

static void
test_hms(void **state)
{
	char	b[32];

	progress_hms(b, sizeof b, 0.0);
	assert_string_equal(b, "0:00");
	progress_hms(b, sizeof b, 59.4);
	assert_string_equal(b, "0:59");
	progress_hms(b, sizeof b, 59.6);
	assert_string_equal(b, "1:00");
	progress_hms(b, sizeof b, 61.0);
	assert_string_equal(b, "1:01");
	progress_hms(b, sizeof b, 3599.0);
	assert_string_equal(b, "59:59");
	progress_hms(b, sizeof b, 3600.0);
	assert_string_equal(b, "1:00:00");
	progress_hms(b, sizeof b, 3725.0);	/* 1 h 2 min 5 s */
	assert_string_equal(b, "1:02:05");
	progress_hms(b, sizeof b, 36000.0 + 59 * 60 + 59);
	assert_string_equal(b, "10:59:59");
	progress_hms(b, sizeof b, -1.0);
	assert_string_equal(b, "?:??");
	progress_hms(b, sizeof b, NAN);
	assert_string_equal(b, "?:??");
}

/* 3 of 10 chunks and 1536 tokens in 6 s: 30%, 256 tok/s, and the other 7
 * at 2 s each take 14 s. */
static void
test_plain(void **state)
{
	char	b[256];

	progress_format(b, sizeof b, "ppl", 3, 10, 1536, 6000.0, 0);
	assert_string_equal(b, "ppl: 3/10 (30%), 256 tok/s, ETA 0:14");
	progress_format(b, sizeof b, "ppl", 0, 10, 0, 0.0, 0);
	assert_string_equal(b, "ppl: 0/10 (0%), 0 tok/s, ETA ?:??");
	progress_format(b, sizeof b, "ppl", 10, 10, 5120, 20000.0, 0);
	assert_string_equal(b, "ppl: 10/10 (100%), 256 tok/s, ETA 0:00");
	/* 2 of 3 after 100 min: the last takes 50 more */
	progress_format(b, sizeof b, "batch", 2, 3, 6000, 6e6, 0);
	assert_string_equal(b, "batch: 2/3 (66%), 1 tok/s, ETA 50:00");
}

/* The terminal line: "ppl [bar]" then " 3/10  30% 256 tok/s ETA 0:14"
 * (29 columns), within width - 1 columns. */
static void
test_tty(void **state)
{
	char	b[256];

	/* 80 columns: the widest bar, 30 cells, 3/10 of them filled */
	progress_format(b, sizeof b, "ppl", 3, 10, 1536, 6000.0, 80);
	assert_string_equal(b, "ppl [#########.....................]"
	    " 3/10  30% 256 tok/s ETA 0:14");
	/* 45: 44 - 3 - 3 - 29 = 9 cells, 2 filled; exactly 44 columns */
	progress_format(b, sizeof b, "ppl", 3, 10, 1536, 6000.0, 45);
	assert_string_equal(b, "ppl [##.......] 3/10  30% 256 tok/s ETA 0:14");
	assert_int_equal(strlen(b), 44);
	/* 40: no room for a bar of 5 cells, so none */
	progress_format(b, sizeof b, "ppl", 3, 10, 1536, 6000.0, 40);
	assert_string_equal(b, "ppl 3/10  30% 256 tok/s ETA 0:14");
	/* 20: cut to 19 columns */
	progress_format(b, sizeof b, "ppl", 3, 10, 1536, 6000.0, 20);
	assert_string_equal(b, "ppl 3/10  30% 256 t");
	progress_format(b, sizeof b, "ppl", 3, 10, 1536, 6000.0, 1);
	assert_string_equal(b, "");
}

static double	fake_now;

static double
fake_clock(void)
{
	return (fake_now);
}

/* Not a terminal: a line when 10 s have passed since the last, and one at
 * the end unless the last already said it. */
static void
test_file(void **state)
{
	struct progress	 p;
	FILE		*f = tmpfile();
	char		 got[512];
	size_t		 n;

	assert_non_null(f);
	fake_now = 0.0;
	progress_start_file(&p, f, "job", 4);
	p.clock = fake_clock;
	p.t0 = p.last = fake_now;
	assert_false(p.tty);
	fake_now = 5000.0;
	progress_update(&p, 1, 100);
	fake_now = 10000.0;
	progress_update(&p, 2, 200);		/* due: 20 tok/s, 10 s left */
	fake_now = 15000.0;
	progress_update(&p, 3, 300);		/* 5 s later: not due */
	fake_now = 16000.0;
	progress_update(&p, 4, 400);
	progress_end(&p);			/* 400 tokens in 16 s */
	progress_end(&p);			/* ended: nothing more */
	rewind(f);
	n = fread(got, 1, sizeof got - 1, f);
	got[n] = '\0';
	assert_string_equal(got, "job: 2/4 (50%), 20 tok/s, ETA 0:10\n"
	    "job: 4/4 (100%), 25 tok/s, ETA 0:00\n");
	fclose(f);

	/* a line at the very end is not written twice */
	f = tmpfile();
	assert_non_null(f);
	fake_now = 0.0;
	progress_start_file(&p, f, "job", 2);
	p.clock = fake_clock;
	p.t0 = p.last = fake_now;
	fake_now = 10000.0;
	progress_update(&p, 2, 50);
	progress_end(&p);
	rewind(f);
	n = fread(got, 1, sizeof got - 1, f);
	got[n] = '\0';
	assert_string_equal(got, "job: 2/2 (100%), 5 tok/s, ETA 0:00\n");
	fclose(f);
}

/* quiet: no stream at all, and updating it is harmless */
static void
test_quiet(void **state)
{
	struct progress	p;

	progress_start(&p, "ppl", 3, 1);
	assert_null(p.f);
	progress_update(&p, 1, 10);
	progress_end(&p);
	assert_null(p.f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hms),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_tty),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_quiet),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
