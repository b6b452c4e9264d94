/*
 * test-textwrap.c: word-wrap in display columns against hand-laid-out
 * lines: breaks at spaces, hard breaks of long words, newlines, and
 * double-width and accented UTF-8 text.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textwrap.h"

/* wrap s at width and compare with want[] (NULL-terminated). */
static void
expect(const char *s, int width, const char *const *want)
{
	struct tw_line	*l;
	int		 n = textwrap(s, strlen(s), width, &l), i;

	assert_true(n >= 1);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < n);
		assert_int_equal(l[i].len, strlen(want[i]));
		assert_memory_equal(s + l[i].off, want[i], l[i].len);
		assert_true(textwrap_width(s + l[i].off, l[i].len) <= width);
	}
	assert_int_equal(n, i);
	free(l);
}

static void
test_words(void **state)
{
	(void)state;
	expect("hello world foo", 11, (const char *[]){ "hello world", "foo",
	    NULL });
	expect("hello world foo", 5, (const char *[]){ "hello", "world", "foo",
	    NULL });
	expect("hello world foo", 100, (const char *[]){ "hello world foo",
	    NULL });
	expect("a b c d", 3, (const char *[]){ "a b", "c d", NULL });
}

static void
test_long_and_newlines(void **state)
{
	(void)state;
	expect("abcdefghij", 4, (const char *[]){ "abcd", "efgh", "ij", NULL });
	expect("a\n\nb", 10, (const char *[]){ "a", "", "b", NULL });
	expect("", 10, (const char *[]){ "", NULL });
	expect("end\n", 10, (const char *[]){ "end", "", NULL });
	expect("xy", 1, (const char *[]){ "x", "y", NULL });
}

static void
test_utf8(void **state)
{
	(void)state;
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		skip();
	assert_int_equal(textwrap_width("h\xc3\xa9llo", 6), 5);
	assert_int_equal(textwrap_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4);
	/* accented letters are one column each */
	expect("h\xc3\xa9llo w\xc3\xb6rld", 5, (const char *[]){
	    "h\xc3\xa9llo", "w\xc3\xb6rld", NULL });
	/* three double-width characters in four columns: two, then one */
	expect("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, (const char *[]){
	    "\xe6\x97\xa5\xe6\x9c\xac", "\xe8\xaa\x9e", NULL });
	/* a stray byte counts one column and is never split from nothing */
	expect("ab\xff" "cd", 2, (const char *[]){ "ab", "\xff" "c", "d",
	    NULL });
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_long_and_newlines),
		cmocka_unit_test(test_utf8),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
