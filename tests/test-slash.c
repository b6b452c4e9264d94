/*
 * test-slash.c: the TUI's slash commands: each command with good and bad
 * arguments, unknown commands and their one-line reasons.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "slash.h"

static struct slash_cmd
ok_cmd(const char *line, enum slash_kind kind)
{
	struct slash_cmd	c;
	char			err[160] = "";

	assert_int_equal(slash_parse(line, &c, err, sizeof err), 0);
	assert_int_equal(c.kind, kind);
	return (c);
}

static void
bad_cmd(const char *line, const char *reason)
{
	struct slash_cmd	c;
	char			err[160] = "";

	assert_int_equal(slash_parse(line, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, reason));
}

static void
test_numbers(void **state)
{
	(void)state;
	assert_true(ok_cmd("/temp 0.5", SLASH_TEMP).num == 0.5);
	assert_true(ok_cmd("/temp 0", SLASH_TEMP).num == 0.0);
	assert_true(ok_cmd("/seed 7", SLASH_SEED).num == 7.0);
	assert_true(ok_cmd("/seed 2147483647", SLASH_SEED).num ==
	    2147483647.0);
	assert_true(ok_cmd("/n -1", SLASH_N).num == -1.0);
	assert_true(ok_cmd("/n   64", SLASH_N).num == 64.0);
	bad_cmd("/temp -1", "not a temperature");
	bad_cmd("/temp abc", "not a temperature");
	bad_cmd("/temp", "not a temperature");
	bad_cmd("/temp inf", "not a temperature");
	bad_cmd("/temp 0.5x", "not a temperature");
	bad_cmd("/seed 1.5", "not a seed");
	bad_cmd("/seed -3", "not a seed");
	bad_cmd("/seed 2147483648", "not a seed");
	bad_cmd("/n -2", "not a token count");
	bad_cmd("/n 2.5", "not a token count");
}

static void
test_text(void **state)
{
	(void)state;
	assert_string_equal(ok_cmd("/system be brief  now",
	    SLASH_SYSTEM).text, "be brief  now");
	assert_string_equal(ok_cmd("/system", SLASH_SYSTEM).text, "");
	assert_string_equal(ok_cmd("/variants ref,q8_0", SLASH_VARIANTS).text,
	    "ref,q8_0");
	bad_cmd("/variants", "needs a list");
	bad_cmd("/variants   ", "needs a list");
}

static void
test_switches(void **state)
{
	(void)state;
	assert_int_equal(ok_cmd("/blind on", SLASH_BLIND).on, 1);
	assert_int_equal(ok_cmd("/blind off", SLASH_BLIND).on, 0);
	bad_cmd("/blind", "on or off");
	bad_cmd("/blind yes", "on or off");
	ok_cmd("/report", SLASH_REPORT);
	ok_cmd("/history", SLASH_HISTORY);
	ok_cmd("/help", SLASH_HELP);
	ok_cmd("/quit", SLASH_QUIT);
	bad_cmd("/quit now", "takes no argument");
}

static void
test_unknown(void **state)
{
	(void)state;
	bad_cmd("/tempo 1", "unknown command /tempo");
	bad_cmd("/", "unknown command /");
	bad_cmd("/ temp 1", "unknown command /");
	bad_cmd("/Temp 1", "unknown command /Temp");
	bad_cmd("temp 1", "not a command");
}

static void
test_help(void **state)
{
	static const char *const names[] = { "/system", "/temp", "/seed",
	    "/n ", "/variants", "/blind", "/report", "/history", "/help",
	    "/quit" };
	int	n = 0;

	(void)state;
	for (; slash_help[n] != NULL; n++)
		;
	assert_int_equal(n, 10);
	for (int i = 0; i < 10; i++)
		assert_true(strncmp(slash_help[i], names[i],
		    strlen(names[i])) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_help),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
