/*
 * test-batch-item.c: batch prompt lines: what a well-formed line gives,
 * JSON details (escapes, surrogate pairs, numbers, nested values that are
 * skipped), and the reason given for each kind of malformed line; the
 * grading rules on hand-made answers; qcmp's regex matcher against
 * glibc's, and the patterns it refuses.
 */
#include "config.h"

#include <locale.h>
#include <regex.h>
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
	    "'expected' is not a regex qcmp takes");
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

/* qcmp's matcher against glibc's regexec (in C.UTF-8) on patterns glibc
 * handles quickly: the second, independent source of every answer. */
static void
test_regex_glibc(void **state)
{
	static const char *const pats[] = {
		"", "a", "ab", "a|b", "^a", "a$", "^$", "^a$", "a*", "a+b",
		"a?b", "(ab)+", "(a|b)*c", "a{2}", "a{2,}", "a{,2}b", "a{1,3}$",
		"^(ab|a)(c|bcd)$", ".", "^.$", "^..$", "[abc]", "[^abc]",
		"[a-c]+$", "[]a]", "[^]a]", "[a-]", "[[:digit:]]+",
		"^[[:alpha:]]+$", "[[:space:]]", "[[:upper:][:digit:]]",
		"[[=e=]]", "[[.-.]]", "\\.", "a\\*", "\\(x\\)", "\\{", "é+",
		"^é.$", "日本", "^(a*)*$", "(a*)+b", "((a?){3}){2}b",
		"x(y|)z", "(|a)b", "a**", "(^a|b$)", "colou?r", "^ *7[0-9]$",
		"(red|blue) ball", "[0-9]+(\\.[0-9]+)?", "a.c", "a[^\n]c",
		"^.*$",
	};
	static const char *const subj[] = {
		"", "a", "b", "ab", "aab", "abc", "ba", "abcd", "aaab", "cab",
		"xyz", "xz", "x\ny", "é", "éé", "ée", "ë", "日本語", "a.c",
		"a*", "(x)", "{", "]", "-", "7", " 73", "colour", "color",
		"3.14", "a\nc", "AB12", "a b", "abab", "bcd", "acbcd",
		"a big, red ball.", "e", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
	};
	char	why[160];

	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		skip();
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		struct ere	*re;
		regex_t		 g;

		if (ere_compile(&re, pats[i], why, sizeof why) != 0)
			fail_msg("'%s': %s", pats[i], why);
		if (regcomp(&g, pats[i], REG_EXTENDED | REG_NOSUB) != 0)
			fail_msg("glibc refuses '%s'", pats[i]);
		for (size_t j = 0; j < sizeof subj / sizeof subj[0]; j++) {
			int	want = regexec(&g, subj[j], 0, NULL, 0) == 0;
			int	got = ere_search(re, subj[j], strlen(subj[j]));

			if (got != want)
				fail_msg("'%s' in '%s': qcmp %d, glibc %d",
				    pats[i], subj[j], got, want);
		}
		regfree(&g);
		ere_free(re);
	}
	setlocale(LC_ALL, "C");
}

static void
test_regex_limits(void **state)
{
	struct ere	*re;
	char		 pat[5000], why[160];
	int		 i;

	(void)state;
	/* Program sizes by hand: a character is 1, the match 1, a loop
	 * adds a split and a jump, an optional copy a split. */
	for (i = 0; i < 4; i++) {
		static const char *const p[] = { "ab", "a*", "a{2,4}", "a|b|c" };
		static const int size[] = { 3, 4, 7, 8 };

		assert_int_equal(ere_compile(&re, p[i], why, sizeof why), 0);
		assert_int_equal(ere_size(re), size[i]);
		ere_free(re);
	}

	/* The fuzzer's findings against glibc: 170 bytes that made regcomp
	 * take 2 GB, and 182 that took it 1 s (over 14 s under ASan, where the fuzzer
	 * stopped it). */
	bad("{\"prompt\": \"h\", \"expected\":\"h.*+++++++++++++++++++++++++"
	    "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
	    "++++++++++++++++++++++++++++++++++++++++++++++++\", \"match\": "
	    "\"regex\", \"id\":7}", "'expected' is not a regex qcmp takes: "
	    "at byte 67: nested more than 64 deep");
	regex_bad("h.*++++++++++++", "too complex: it compiles to more than "
	    "4096 instructions");
	regex_bad("!Ӷ*$U*****************************************************"
	    "*************************\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"
	    "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\/", "nested more than 64 deep");
	/* Twice what glibc took more than 10 s over runs at once here. */
	pat[0] = '\0';
	for (i = 0; i < 64; i++)
		strcat(pat, "$(U*)*");
	assert_int_equal(ere_compile(&re, pat, why, sizeof why), 0);
	assert_int_equal(ere_search(re, "UUUU", 4), 1);	/* at the end */
	ere_free(re);
	strcat(pat, "x");	/* nothing follows the end: never */
	assert_int_equal(ere_compile(&re, pat, why, sizeof why), 0);
	assert_int_equal(ere_search(re, "UUUUx", 5), 0);
	ere_free(re);
	/* Ranges go by code point (glibc's C.UTF-8 refuses this one). */
	assert_int_equal(ere_compile(&re, "^[é-ë]$", why, sizeof why), 0);
	assert_int_equal(ere_search(re, "ê", strlen("ê")), 1);
	assert_int_equal(ere_search(re, "e", 1), 0);
	assert_int_equal(ere_search(re, "\xc3", 1), 0);
	ere_free(re);

	regex_bad("(((a?){30}){30}){30}", "too complex");
	regex_bad("a{256}", "at byte 5: a count above 255");
	regex_bad("a{3,2}", "at byte 2: interval {3,2} runs backwards");
	regex_bad("a{x}", "'{' starts no interval");
	regex_bad("a{", "'{' starts no interval");
	regex_bad("*a", "at byte 1: '*' has nothing to repeat");
	regex_bad("(+a)", "at byte 2: '+' has nothing to repeat");
	regex_bad("(x)\\\\1", "back-references (\\1) are not supported");
	regex_bad("\\\\d+", "\\d is a GNU or Perl escape, not POSIX");
	regex_bad("\\\\<a", "at byte 1: \\< is a GNU or Perl escape");
	/* the fuzzer: glibc read \` as the subject's start */
	regex_bad("M?\\\\\\\\\\\\`MM h.*", "at byte 5: \\` is a GNU");
	regex_bad("[b-a]", "range out of order");
	regex_bad("[[:nope:]]", "unknown class [:nope:]");
	regex_bad("[abc", "at byte 1: unmatched '['");
	regex_bad("(ab", "at byte 1: unmatched '('");
	regex_bad("ab)", "at byte 3: unmatched ')'");
	regex_bad("[[=ab=]]", "[==] holds one character");
	regex_bad("a\\\\", "'\\' ends the pattern");
	for (i = 0; i < ERE_MAX_DEPTH + 1; i++)
		pat[i] = '(';
	pat[i] = '\0';
	regex_bad(pat, "nested more than 64 deep");
	memset(pat, 'a', ERE_MAX_BYTES + 1);
	pat[ERE_MAX_BYTES + 1] = '\0';
	regex_bad(pat, "longer than 4096 bytes");
	/* A '(' in brackets opens no group. */
	for (i = 0; i < 70; i++)
		memcpy(pat + 3 * i, "[(]", 3);
	pat[3 * i] = '\0';
	assert_int_equal(ere_compile(&re, pat, why, sizeof why), 0);
	ere_free(re);
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
		cmocka_unit_test(test_regex_glibc),
		cmocka_unit_test(test_regex_limits),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
