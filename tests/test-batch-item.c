/*
 * test-batch-item.c: batch prompt lines: what a well-formed line gives,
 * JSON details (escapes, surrogate pairs, numbers, nested values that are
 * skipped), and the reason given for each kind of malformed line; the
 * grading rules on hand-made answers; regexes measured before glibc
 * compiles them (costs worked out by hand from ere.h's rules).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "batch-item.h"
#include "ere.h"
#include "grade.h"

static struct batch_item
parse_ok(const char *line)
{
	struct batch_item	it;
	char			err[256] = "";

	if (batch_item_parse(line, strlen(line), &it, err, sizeof err) != 0)
		fail_msg("'%s': %s", line, err);
	return (it);
}

static void
parse_bad(const char *line, size_t n, const char *reason)
{
	struct batch_item	it;
	char			err[256] = "";

	assert_int_equal(batch_item_parse(line, n, &it, err, sizeof err), -1);
	if (strstr(err, reason) == NULL)
		fail_msg("'%s': got '%s', want '%s'", line, err, reason);
	assert_null(it.prompt);
}

static void
bad(const char *line, const char *reason)
{
	parse_bad(line, strlen(line), reason);
}

static void
test_fields(void **state)
{
	struct batch_item	it;

	(void)state;
	it = parse_ok("{\"id\": \"o001\", \"prompt\": \"Q: max 78 49? A:\", "
	    "\"expected\": \"78\", \"match\": \"exact\"}");
	assert_string_equal(it.prompt, "Q: max 78 49? A:");
	assert_string_equal(it.expected, "78");
	assert_string_equal(it.id, "o001");
	assert_null(it.system);
	assert_int_equal(it.match, MATCH_EXACT);
	batch_item_free(&it);

	it = parse_ok("  {\"prompt\":\"hi\",\"system\":\"be brief\","
	    "\"expected\":\"a+\",\"match\":\"regex\",\"id\":-12.5e3}  ");
	assert_string_equal(it.system, "be brief");
	assert_string_equal(it.id, "-12.5e3");
	assert_int_equal(it.match, MATCH_REGEX);
	batch_item_free(&it);

	/* other keys, of any type and depth, are skipped */
	it = parse_ok("{\"tags\": [1, {\"a\": [true, false, null]}, \"x\"], "
	    "\"prompt\": \"p\", \"n\": 0, \"empty\": {}, \"e2\": []}");
	assert_string_equal(it.prompt, "p");
	assert_null(it.expected);
	batch_item_free(&it);
}

static void
test_strings(void **state)
{
	struct batch_item	it;

	(void)state;
	it = parse_ok("{\"prompt\": \"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\"}");
	assert_string_equal(it.prompt, "a\"b\\c/d\n\t\r\b\f");
	batch_item_free(&it);
	/* \u escapes: one to three bytes, and a surrogate pair to four */
	it = parse_ok("{\"prompt\": \"\\u0041\\u00e9\\u65e5\\ud83d\\ude00\"}");
	assert_string_equal(it.prompt,
	    "A\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
	batch_item_free(&it);
	/* raw UTF-8 passes through */
	it = parse_ok("{\"prompt\": \"caf\xc3\xa9 \xe6\x97\xa5\"}");
	assert_string_equal(it.prompt, "caf\xc3\xa9 \xe6\x97\xa5");
	batch_item_free(&it);
}

static void
test_malformed(void **state)
{
	(void)state;
	bad("", "expected a JSON object");
	bad("[1, 2]", "expected a JSON object");
	bad("{", "expected a key");
	bad("{\"prompt\" \"x\"}", "column 11: expected ':' after a key");
	bad("{\"prompt\": \"x\" \"y\": 1}", "expected ',' or '}'");
	bad("{\"prompt\": \"x\",}", "expected a key");
	bad("{prompt: \"x\"}", "column 2: expected a key");
	bad("{\"prompt\": \"x\"} extra", "text after the object");
	bad("{\"prompt\": \"x", "unterminated string");
	bad("{\"prompt\": \"a\\qb\"}", "invalid escape \\q");
	bad("{\"prompt\": \"\\u12\"}", "\\u needs four hex digits");
	bad("{\"prompt\": \"\\ud83d\"}", "high surrogate without its low half");
	bad("{\"prompt\": \"\\ude00\"}", "lone low surrogate");
	bad("{\"prompt\": \"a\tb\"}", "control character");
	bad("{\"prompt\": \"x\\u0000y\"}", "'prompt' contains a NUL character");
	bad("{\"prompt\": 5}", "'prompt' must be a string");
	bad("{\"expected\": \"5\"}", "'prompt' is missing");
	bad("{\"prompt\": \"  \"}", "'prompt' is empty");
	bad("{\"prompt\": \"a\", \"prompt\": \"b\"}", "'prompt' given twice");
	bad("{\"prompt\": \"a\", \"match\": \"fuzzy\", \"expected\": \"b\"}",
	    "'match' must be exact, contains or regex");
	bad("{\"prompt\": \"a\", \"match\": \"exact\"}",
	    "'match' without 'expected'");
	bad("{\"prompt\": \"a\", \"expected\": \"(\", \"match\": \"regex\"}",
	    "'expected' is not a usable regex");
	bad("{\"prompt\": \"a\", \"id\": true}", "'id' must be a string or");
	bad("{\"prompt\": \"a\", \"x\": 01}", "expected ',' or '}'");
	bad("{\"prompt\": \"a\", \"x\": 1.}", "invalid number");
	bad("{\"prompt\": \"a\", \"x\": tru}", "invalid number");
	bad("{\"prompt\": \"a\", \"x\": [1 2]}", "expected ',' or ']'");
	bad("{\"prompt\": \"caf\xc3\"}", "column 16: invalid UTF-8");
	bad("{\"prompt\": \"\xff\"}", "invalid UTF-8");
	parse_bad("{\"prompt\": \"a\0\"}", 15, "column 14: control character");
}

static void
test_depth(void **state)
{
	char	line[1024];
	int	o;

	(void)state;
	o = snprintf(line, sizeof line, "{\"prompt\": \"p\", \"x\": ");
	for (int i = 0; i < 100; i++)
		line[o++] = '[';
	for (int i = 0; i < 100; i++)
		line[o++] = ']';
	snprintf(line + o, sizeof line - (size_t)o, "}");
	bad(line, "nested deeper than 64");
}

static const char *
graded(const char *expected, enum batch_match m, const char *answer)
{
	struct batch_item	it = { NULL, (char *)expected, NULL, NULL, m };

	return (grade(&it, answer));
}

static void
test_grade(void **state)
{
	(void)state;
	assert_string_equal(graded("73", MATCH_EXACT, " 73"), "correct");
	assert_string_equal(graded(" 73\n", MATCH_EXACT, "73\t\n"), "correct");
	assert_string_equal(graded("73", MATCH_EXACT, " 73 74"), "wrong");
	assert_string_equal(graded("73", MATCH_EXACT, "7"), "wrong");
	assert_string_equal(graded("2 5 9", MATCH_EXACT, "2 5  9"), "wrong");
	assert_string_equal(graded("", MATCH_EXACT, "  "), "correct");
	assert_string_equal(graded("Paris", MATCH_CONTAINS, "It is Paris."),
	    "correct");
	assert_string_equal(graded(" Paris ", MATCH_CONTAINS, "Paris."),
	    "correct");
	assert_string_equal(graded("paris", MATCH_CONTAINS, "Paris"), "wrong");
	assert_string_equal(graded("^ *7[0-9]$", MATCH_REGEX, " 73"),
	    "correct");
	assert_string_equal(graded("^7[0-9]$", MATCH_REGEX, " 73"), "wrong");
	assert_string_equal(graded("(red|blue) ball", MATCH_REGEX,
	    "a big, red ball."), "correct");
}

static long
cost(const char *pat)
{
	const char	*why = NULL;
	long		 c = ere_cost(pat, &why);

	if (c < 0)
		fail_msg("'%s': %s", pat, why);
	return (c);
}

/* A line asking for pat (JSON-escaped already) as a regex. */
static const char *
regex_line(const char *pat)
{
	static char	line[8192];

	snprintf(line, sizeof line, "{\"prompt\": \"a\", \"expected\": "
	    "\"%s\", \"match\": \"regex\"}", pat);
	return (line);
}

static void
regex_bad(const char *pat, const char *reason)
{
	bad(regex_line(pat), reason);
}

static void
regex_ok(const char *pat)
{
	struct batch_item	it = parse_ok(regex_line(pat));

	assert_string_equal(it.expected, pat);
	batch_item_free(&it);
}

static void
test_regex_limits(void **state)
{
	char		 pat[5000];
	const char	*why = NULL;
	int		 i;

	(void)state;
	/* One node per piece and one for the whole; a repeated piece is
	 * copied per repetition, each copy with its own node. */
	assert_int_equal(cost("a"), 2);
	assert_int_equal(cost("ab"), 3);
	assert_int_equal(cost("a*"), 4);
	assert_int_equal(cost("a?"), 4);
	assert_int_equal(cost("a+"), 6);
	assert_int_equal(cost("(ab)"), 4);
	assert_int_equal(cost("(ab)+"), 10);
	assert_int_equal(cost("a{3}"), 8);
	assert_int_equal(cost("a{,5}"), 12);
	assert_int_equal(cost("a{2,}"), 8);
	assert_int_equal(cost("a|b"), 3);
	assert_int_equal(cost("[a-z(]"), 2);
	assert_int_equal(cost("[]a]"), 2);
	assert_int_equal(cost("[[:alpha:]]"), 2);
	assert_int_equal(cost("\\.\\("), 3);
	assert_int_equal(cost("x{"), 3);
	assert_int_equal(cost("x{a}"), 5);
	assert_int_equal(cost("*a"), 3);
	/* Stacked repetitions double: (2c + 1) * 2 + 1 each time. */
	assert_int_equal(cost("a++"), 14);
	assert_int_equal(cost("h.*++++++++++++++++++++++++++++++++"),
	    ERE_MAX_NODES + 1);
	assert_int_equal(cost("a{99999999999999999999}"), ERE_MAX_NODES + 1);
	assert_int_equal(ere_cost("(a)\\1", &why), -1);
	assert_non_null(strstr(why, "back-references"));

	/* The fuzzer's finding: 170 bytes that made regcomp take 2 GB. */
	bad("{\"prompt\": \"h\", \"expected\":\"h.*+++++++++++++++++++++++++"
	    "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
	    "++++++++++++++++++++++++++++++++++++++++++++++++\", \"match\": "
	    "\"regex\", \"id\":7}", "'expected' is not a usable regex: too "
	    "complex: its repetitions expand to more than 2048 pieces");
	regex_bad("((a?){30}){30}", "too complex");
	regex_bad("(x)\\\\1", "back-references (\\1 to \\9) are not allowed");
	regex_bad("a{1025}", "too complex");
	regex_ok("a{1000}");
	for (i = 0; i < ERE_MAX_DEPTH + 1; i++)
		pat[i] = '(';
	strcpy(pat + i, "a");
	regex_bad(pat, "groups nested more than 64 deep");
	pat[0] = 'x';	/* 64 deep, the limit (unbalanced: regcomp's say) */
	regex_bad(pat, "not a usable regex: ");
	memset(pat, 'a', ERE_MAX_BYTES + 1);
	pat[ERE_MAX_BYTES + 1] = '\0';
	regex_bad(pat, "longer than 4096 bytes");
	for (i = 0; i < 70; i++)
		memcpy(pat + 3 * i, "[(]", 3);
	pat[3 * i] = '\0';
	regex_ok(pat);	/* a '(' in brackets opens no group */
	assert_int_equal(cost(pat), 71);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_grade),
		cmocka_unit_test(test_regex_limits),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
