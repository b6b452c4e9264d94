/*
 * ere.c: a POSIX extended regex measured before regcomp expands it (see
 * ere.h for why).
 */
#include "config.h"

#include "ere.h"

#include <stdio.h>
#include <string.h>

#define ERE_OVER	(ERE_MAX_NODES + 1L)
#define ERE_STR(x)	ERE_STR2(x)
#define ERE_STR2(x)	#x

/* One open group (or the whole pattern): the alternatives before the
 * current one, the current one so far and its last piece. */
struct ere_frame {
	long	alts, seq, last;
};

static long
ere_sat(long v)
{
	return (v > ERE_OVER ? ERE_OVER : v);
}

/* f->last repeated: times copies, each with the node that makes it
 * optional or repeats it, and one more over them. */
static void
ere_repeat(struct ere_frame *f, long times)
{
	long	grown;

	if (f->last == 0)	/* nothing before it: glibc takes it literally */
		grown = 1;
	else
		grown = ere_sat((f->last + 1) * (times < 1 ? 1 : times) + 1);
	f->seq = ere_sat(f->seq - f->last + grown);
	f->last = grown;
}

static void
ere_piece(struct ere_frame *f, long cost)
{
	f->last = ere_sat(cost);
	f->seq = ere_sat(f->seq + f->last);
}

/* The bracket expression starting at p ('['): the byte after its ']', or
 * the end of the pattern when it has none (regcomp then refuses it). */
static const char *
ere_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char	close[3] = { p[1], ']', '\0' };
			const char *end = strstr(p + 2, close);

			if (end == NULL)
				return (p + strlen(p));
			p = end + 2;
		} else
			p++;
	}
	return (*p == ']' ? p + 1 : p);
}

/* A count of an interval: digits at *pp, saturated; -1 when none. */
static long
ere_count(const char **pp)
{
	const char	*p = *pp;
	long		 v = -1;

	while (*p >= '0' && *p <= '9') {
		v = ere_sat((v < 0 ? 0 : v * 10) + (*p - '0'));
		p++;
	}
	*pp = p;
	return (v);
}

/* An interval {n}, {n,}, {,m} or {n,m} at p: how many copies glibc makes
 * and *end after it; 0 when p is no interval (a literal '{'). */
static long
ere_interval(const char *p, const char **end)
{
	long	lo, hi;

	p++;
	lo = ere_count(&p);
	if (*p == '}') {
		*end = p + 1;
		return (lo < 0 ? 0 : (lo == 0 ? 1 : lo));
	}
	if (*p != ',')
		return (0);
	p++;
	hi = ere_count(&p);
	if (*p != '}')
		return (0);
	*end = p + 1;
	if (hi >= 0)
		return (hi == 0 ? 1 : hi);
	return (lo < 0 ? 1 : ere_sat(lo + 1));
}

long
ere_cost(const char *pat, const char **why)
{
	struct ere_frame	 st[ERE_MAX_DEPTH + 1];
	struct ere_frame	*f = st;
	const char		*p = pat, *end;
	long			 times, total;
	size_t			 len;

	memset(f, 0, sizeof *f);
	while (*p != '\0') {
		switch (*p) {
		case '(':
			if (f == st + ERE_MAX_DEPTH) {
				*why = "groups nested more than "
				    ERE_STR(ERE_MAX_DEPTH) " deep";
				return (-1);
			}
			f++;
			memset(f, 0, sizeof *f);
			p++;
			break;
		case ')':
			if (f == st) {
				ere_piece(f, 1);
			} else {
				total = ere_sat(f->alts + f->seq + 1);
				f--;
				ere_piece(f, total);
			}
			p++;
			break;
		case '|':
			f->alts = ere_sat(f->alts + f->seq);
			f->seq = f->last = 0;
			p++;
			break;
		case '*':
		case '?':
			ere_repeat(f, 1);
			p++;
			break;
		case '+':
			ere_repeat(f, 2);
			p++;
			break;
		case '{':
			if ((times = ere_interval(p, &end)) > 0) {
				ere_repeat(f, times);
				p = end;
			} else {
				ere_piece(f, 1);
				p++;
			}
			break;
		case '[':
			ere_piece(f, 1);
			p = ere_bracket(p);
			break;
		case '\\':
			if (p[1] >= '1' && p[1] <= '9') {
				*why = "back-references (\\1 to \\9) are not "
				    "allowed: matching them can take exponential "
				    "time";
				return (-1);
			}
			ere_piece(f, 1);
			p += p[1] != '\0' ? 2 : 1;
			break;
		default:
			/* A multibyte character is one piece of up to 4. */
			len = 1;
			while ((p[len] & 0xc0) == 0x80 && (*p & 0x80) && len < 4)
				len++;
			ere_piece(f, (long)len);
			p += len;
			break;
		}
	}
	total = 0;
	for (; f >= st; f--)	/* groups left open count too */
		total = ere_sat(total + f->alts + f->seq + 1);
	return (total);
}

int
ere_compile(regex_t *re, const char *pat, char *why, size_t why_len)
{
	const char	*bad = NULL;
	long		 cost;
	int		 rc;

	if (strlen(pat) > ERE_MAX_BYTES)
		return (snprintf(why, why_len, "longer than %d bytes",
		    ERE_MAX_BYTES), -1);
	if ((cost = ere_cost(pat, &bad)) < 0)
		return (snprintf(why, why_len, "%s", bad), -1);
	if (cost > ERE_MAX_NODES)
		return (snprintf(why, why_len, "too complex: its repetitions "
		    "expand to more than %d pieces", ERE_MAX_NODES), -1);
	if ((rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, re, why, why_len);
		return (-1);
	}
	return (0);
}
