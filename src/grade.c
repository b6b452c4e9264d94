/*
 * grade.c: automatic verdicts for batch answers.
 */
#include "config.h"

#include "grade.h"

#include <stdlib.h>
#include <string.h>

#include "ere.h"

/* s without the whitespace at its ends: *len bytes from the return. */
static const char *
grade_trim(const char *s, size_t *len)
{
	size_t	n;

	s += strspn(s, " \t\r\n\v\f");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n\v\f", s[n - 1]) != NULL)
		n--;
	*len = n;
	return (s);
}

const char *
grade(const struct batch_item *it, const char *answer)
{
	const char	*a, *e;
	size_t		 na, ne;
	struct ere	*re;
	int		 ok = 0;
	char		*want, why[128];

	a = grade_trim(answer, &na);
	e = grade_trim(it->expected, &ne);
	switch (it->match) {
	case MATCH_EXACT:
		ok = na == ne && memcmp(a, e, na) == 0;
		break;
	case MATCH_CONTAINS:
		if ((want = strndup(e, ne)) != NULL) {
			ok = strstr(answer, want) != NULL;
			free(want);
		}
		break;
	case MATCH_REGEX:
		if (ere_compile(&re, it->expected, why, sizeof why) == 0) {
			ok = ere_search(re, answer, strlen(answer));
			ere_free(re);
		}
		break;
	}
	return (ok ? "correct" : "wrong");
}
