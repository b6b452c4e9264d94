/*
 * fuzz-batch-item.c: libFuzzer harness for the batch JSONL line parser.
 * A refusal must say where (a message, nothing left allocated in the
 * item); an accepted line must give NUL-free, valid UTF-8 strings, a
 * prompt that is not blank, a regex that compiles and agrees with glibc's
 * where glibc takes it and is quick, and must come back the
 * same when its fields are written out as JSON again and re-parsed.
 */
#include "config.h"

#include "fuzz.h"

#include <locale.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "batch-item.h"
#include "ere.h"
#include "json.h"
#include "unicode.h"

static void
check_str(const char *s)
{
	size_t	n;

	if (s == NULL)
		return;
	n = strlen(s);
	FUZZ_CHECK(unicode_validate(s, n) == n);
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static void
field(FILE *f, const char *key, const char *val)
{
	if (val == NULL)
		return;
	fprintf(f, ",\"%s\":", key);
	json_str(f, val, strlen(val));
}

/* it written back as one JSON line and parsed again. */
static void
round_trip(const struct batch_item *it)
{
	struct batch_item	 again;
	char			*line = NULL, err[160];
	size_t			 n = 0;
	FILE			*f;

	if ((f = open_memstream(&line, &n)) == NULL)
		abort();
	fputs("{\"prompt\":", f);
	json_str(f, it->prompt, strlen(it->prompt));
	field(f, "expected", it->expected);
	field(f, "system", it->system);
	field(f, "id", it->id);
	if (it->expected != NULL)
		field(f, "match", batch_match_name(it->match));
	fputc('}', f);
	if (fclose(f) != 0)
		abort();
	if (batch_item_parse(line, n, &again, err, sizeof err) != 0) {
		fprintf(stderr, "re-parse of %s: %s\n", line, err);
		abort();
	}
	FUZZ_CHECK(same(again.prompt, it->prompt));
	FUZZ_CHECK(same(again.expected, it->expected));
	FUZZ_CHECK(same(again.system, it->system));
	FUZZ_CHECK(same(again.id, it->id));
	FUZZ_CHECK(again.match == it->match);
	batch_item_free(&again);
	free(line);
}

/* 1 when glibc compiles pat quickly: short, and no repetition of a
 * repetition ("h?+???" of 24 bytes takes it seconds). */
static int
glibc_quick(const char *pat)
{
	if (strlen(pat) > 24)
		return (0);
	for (const char *p = pat; *p != '\0'; p++)
		if (strchr("*+?}", p[0]) != NULL && p[1] != '\0' &&
		    strchr("*+?{", p[1]) != NULL)
			return (0);
	return (1);
}

/* An accepted regex compiles, and where glibc is quick, finds what
 * glibc's regexec finds in subject (both reading UTF-8 characters). */
static void
regex_check(const char *pat, const char *subject)
{
	static int	 locale;
	struct ere	*re;
	regex_t		 g;
	char		 why[160];
	int		 got;

	if (!locale)
		locale = setlocale(LC_ALL, "C.UTF-8") != NULL ? 1 : -1;
	FUZZ_CHECK(ere_compile(&re, pat, why, sizeof why) == 0);
	got = ere_search(re, subject, strlen(subject));
	ere_free(re);
	if (locale < 0 || !glibc_quick(pat) || strlen(subject) > 64 ||
	    regcomp(&g, pat, REG_EXTENDED | REG_NOSUB) != 0)
		return;
	if (got != (regexec(&g, subject, 0, NULL, 0) == 0)) {
		fprintf(stderr, "regex '%s' in '%s': qcmp %d, glibc %d\n", pat,
		    subject, got, !got);
		abort();
	}
	regfree(&g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_item	 it;
	char			 err[160];
	char			*line;

	line = (char *)fuzz_copy(data, size);
	memset(err, 0, sizeof err);
	if (batch_item_parse(line, size, &it, err, sizeof err) != 0) {
		/* Refused: a reason, and nothing left to free. */
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
		FUZZ_CHECK(it.prompt == NULL && it.expected == NULL &&
		    it.system == NULL && it.id == NULL);
		free(line);
		return (0);
	}
	FUZZ_CHECK(it.prompt != NULL);
	FUZZ_CHECK(it.prompt[strspn(it.prompt, " \t\r\n")] != '\0');
	check_str(it.prompt);
	check_str(it.expected);
	check_str(it.system);
	check_str(it.id);
	FUZZ_CHECK(it.match == MATCH_EXACT || it.match == MATCH_CONTAINS ||
	    it.match == MATCH_REGEX);
	if (it.match == MATCH_REGEX) {
		FUZZ_CHECK(it.expected != NULL);
		regex_check(it.expected, it.prompt);
		regex_check(it.expected, it.expected);
	}
	round_trip(&it);
	batch_item_free(&it);
	free(line);
	return (0);
}
