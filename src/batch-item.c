/*
 * batch-item.c: a recursive-descent JSON reader for one object per line.
 * Strings are decoded (escapes, surrogate pairs) only for the keys a
 * batch uses; every other value is checked and skipped, nested at most
 * BATCH_DEPTH deep.  Input that is not valid UTF-8 is refused.
 */
#include "config.h"

#include "batch-item.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ere.h"
#include "unicode.h"

#define BATCH_DEPTH	64

struct jp {
	const char	*s;
	size_t		 n, i;
	char		*err;
	size_t		 err_len;
};

static int
jp_fail(struct jp *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
jp_fail(struct jp *p, const char *fmt, ...)
{
	va_list	ap;
	int	o;

	o = snprintf(p->err, p->err_len, "column %zu: ", p->i + 1);
	va_start(ap, fmt);
	if (o >= 0 && (size_t)o < p->err_len)
		vsnprintf(p->err + o, p->err_len - (size_t)o, fmt, ap);
	va_end(ap);
	return (-1);
}

static void
jp_space(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\r' || p->s[p->i] == '\n'))
		p->i++;
}

static int
jp_hex4(struct jp *p, unsigned *v)
{
	*v = 0;
	if (p->n - p->i < 4)
		return (-1);
	for (int k = 0; k < 4; k++) {
		char	c = p->s[p->i++];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return (-1);
	}
	return (0);
}

/* A string at p->i (its opening quote); decoded into *out (malloc'ed,
 * *len bytes) unless out is NULL. */
static int
jp_string(struct jp *p, char **out, size_t *len)
{
	char	*b = NULL;
	size_t	 o = 0;

	if (p->i >= p->n || p->s[p->i] != '"')
		return (jp_fail(p, "expected a string"));
	p->i++;
	/* decoded text is never longer than its source */
	if (out != NULL && (b = malloc(p->n - p->i + 1)) == NULL)
		return (jp_fail(p, "out of memory"));
	for (;;) {
		unsigned char	c;

		if (p->i >= p->n) {
			free(b);
			return (jp_fail(p, "unterminated string"));
		}
		c = (unsigned char)p->s[p->i];
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20) {
			free(b);
			return (jp_fail(p, "control character in a string "
			    "(escape it)"));
		}
		if (c != '\\') {
			if (b != NULL)
				b[o++] = (char)c;
			p->i++;
			continue;
		}
		if (++p->i >= p->n) {
			free(b);
			return (jp_fail(p, "unterminated string"));
		}
		c = (unsigned char)p->s[p->i++];
		if (c == 'u') {
			unsigned	cp, lo;
			char		u[4];

			if (jp_hex4(p, &cp) != 0) {
				free(b);
				return (jp_fail(p, "\\u needs four hex "
				    "digits"));
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				free(b);
				return (jp_fail(p, "lone low surrogate "
				    "\\u%04X", cp));
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->n - p->i < 6 || p->s[p->i] != '\\' ||
				    p->s[p->i + 1] != 'u' || (p->i += 2,
				    jp_hex4(p, &lo) != 0) || lo < 0xdc00 ||
				    lo > 0xdfff) {
					free(b);
					return (jp_fail(p, "high surrogate "
					    "without its low half"));
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			if (b != NULL) {
				size_t k = unicode_encode(cp, u);

				memcpy(b + o, u, k);
				o += k;
			}
			continue;
		}
		switch (c) {
		case '"': case '\\': case '/': break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		default:
			free(b);
			p->i--;
			return (jp_fail(p, "invalid escape \\%c", c));
		}
		if (b != NULL)
			b[o++] = (char)c;
	}
	if (b != NULL) {
		b[o] = '\0';
		*out = b;
		*len = o;
	}
	return (0);
}

static int
jp_number(struct jp *p)
{
	size_t	start = p->i;

	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (p->i < p->n && p->s[p->i] >= '1' && p->s[p->i] <= '9')
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	else
		return (jp_fail(p, "invalid number"));
	if (p->i < p->n && p->s[p->i] == '.') {
		if (++p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
			return (jp_fail(p, "invalid number"));
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
			return (jp_fail(p, "invalid number"));
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	return (p->i > start ? 0 : jp_fail(p, "invalid number"));
}

/* Any value, checked and skipped. */
static int
jp_skip(struct jp *p, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	char	close;

	if (depth > BATCH_DEPTH)
		return (jp_fail(p, "nested deeper than %d", BATCH_DEPTH));
	jp_space(p);
	if (p->i >= p->n)
		return (jp_fail(p, "expected a value"));
	switch (p->s[p->i]) {
	case '"':
		return (jp_string(p, NULL, NULL));
	case '{':
	case '[':
		close = p->s[p->i] == '{' ? '}' : ']';
		p->i++;
		jp_space(p);
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			return (0);
		}
		for (;;) {
			if (close == '}') {
				jp_space(p);
				if (jp_string(p, NULL, NULL) != 0)
					return (-1);
				jp_space(p);
				if (p->i >= p->n || p->s[p->i] != ':')
					return (jp_fail(p, "expected ':'"));
				p->i++;
			}
			if (jp_skip(p, depth + 1) != 0)
				return (-1);
			jp_space(p);
			if (p->i < p->n && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->n && p->s[p->i] == close) {
				p->i++;
				return (0);
			}
			return (jp_fail(p, "expected ',' or '%c'", close));
		}
	default:
		for (size_t k = 0; k < 3; k++) {
			size_t	l = strlen(words[k]);

			if (p->n - p->i >= l && memcmp(p->s + p->i, words[k],
			    l) == 0) {
				p->i += l;
				return (0);
			}
		}
		return (jp_number(p));
	}
}

/* A key's value that must be a string without NUL characters. */
static int
jp_field(struct jp *p, const char *key, char **out)
{
	size_t	start, len;

	jp_space(p);
	start = p->i;
	if (*out != NULL)
		return (jp_fail(p, "'%s' given twice", key));
	if (p->i < p->n && strcmp(key, "id") == 0 && p->s[p->i] != '"') {
		/* a numeric id stands as its text */
		if (jp_number(p) != 0)
			return (jp_fail(p, "'id' must be a string or a "
			    "number"));
		if ((*out = strndup(p->s + start, p->i - start)) == NULL)
			return (jp_fail(p, "out of memory"));
		return (0);
	}
	if (p->i >= p->n || p->s[p->i] != '"')
		return (jp_fail(p, "'%s' must be a string", key));
	if (jp_string(p, out, &len) != 0)
		return (-1);
	if (strlen(*out) != len) {
		p->i = start;
		return (jp_fail(p, "'%s' contains a NUL character", key));
	}
	return (0);
}

const char *
batch_match_name(enum batch_match m)
{
	return (m == MATCH_REGEX ? "regex" : m == MATCH_CONTAINS ? "contains" :
	    "exact");
}

void
batch_item_free(struct batch_item *it)
{
	free(it->prompt);
	free(it->expected);
	free(it->system);
	free(it->id);
	memset(it, 0, sizeof *it);
}

static int
batch_item_check(struct jp *p, struct batch_item *it, const char *match)
{
	struct ere	*re;
	char		 why[128];

	if (it->prompt == NULL)
		return (snprintf(p->err, p->err_len, "'prompt' is missing"), -1);
	if (it->prompt[strspn(it->prompt, " \t\r\n")] == '\0')
		return (snprintf(p->err, p->err_len, "'prompt' is empty"), -1);
	if (match == NULL || strcmp(match, "exact") == 0)
		it->match = MATCH_EXACT;
	else if (strcmp(match, "contains") == 0)
		it->match = MATCH_CONTAINS;
	else if (strcmp(match, "regex") == 0)
		it->match = MATCH_REGEX;
	else
		return (snprintf(p->err, p->err_len, "'match' must be exact, "
		    "contains or regex, not '%.40s'", match), -1);
	if (match != NULL && it->expected == NULL)
		return (snprintf(p->err, p->err_len, "'match' without "
		    "'expected'"), -1);
	if (it->match == MATCH_REGEX) {
		if (ere_compile(&re, it->expected, why, sizeof why) != 0)
			return (snprintf(p->err, p->err_len, "'expected' is "
			    "not a regex qcmp takes: %s", why), -1);
		ere_free(re);
	}
	return (0);
}

int
batch_item_parse(const char *line, size_t n, struct batch_item *it,
    char *err, size_t err_len)
{
	struct jp	 p = { line, n, 0, err, err_len };
	char		*match = NULL, *key;
	size_t		 bad, klen;
	int		 rc = -1;

	memset(it, 0, sizeof *it);
	if ((bad = unicode_validate(line, n)) < n) {
		p.i = bad;
		return (jp_fail(&p, "invalid UTF-8"));
	}
	jp_space(&p);
	if (p.i >= n || line[p.i] != '{')
		return (jp_fail(&p, "expected a JSON object ('{')"));
	p.i++;
	jp_space(&p);
	if (p.i < n && line[p.i] == '}')
		p.i++;
	else
		for (;;) {
			jp_space(&p);
			if (p.i >= n || line[p.i] != '"') {
				jp_fail(&p, "expected a key (a string)");
				goto out;
			}
			if (jp_string(&p, &key, &klen) != 0)
				goto out;
			jp_space(&p);
			if (p.i >= n || line[p.i] != ':') {
				free(key);
				jp_fail(&p, "expected ':' after a key");
				goto out;
			}
			p.i++;
			if (strcmp(key, "prompt") == 0)
				rc = jp_field(&p, key, &it->prompt);
			else if (strcmp(key, "expected") == 0)
				rc = jp_field(&p, key, &it->expected);
			else if (strcmp(key, "system") == 0)
				rc = jp_field(&p, key, &it->system);
			else if (strcmp(key, "id") == 0)
				rc = jp_field(&p, key, &it->id);
			else if (strcmp(key, "match") == 0)
				rc = jp_field(&p, key, &match);
			else
				rc = jp_skip(&p, 1);
			free(key);
			if (rc != 0)
				goto out;
			rc = -1;
			jp_space(&p);
			if (p.i < n && line[p.i] == ',') {
				p.i++;
				continue;
			}
			if (p.i < n && line[p.i] == '}') {
				p.i++;
				break;
			}
			jp_fail(&p, "expected ',' or '}'");
			goto out;
		}
	jp_space(&p);
	if (p.i < n) {
		jp_fail(&p, "text after the object");
		goto out;
	}
	rc = batch_item_check(&p, it, match);
out:
	free(match);
	if (rc != 0)
		batch_item_free(it);
	return (rc);
}
