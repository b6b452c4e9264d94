/*
 * unicode.c: strict UTF-8 decoding (the tokenizers refuse malformed text
 * rather than guess) and code point classification by binary search in
 * the generated range table of unicode-data.c, with a table for ASCII,
 * which is most of what real prompts contain.
 */
#include "config.h"

#include "unicode.h"

#include <stddef.h>
#include <stdint.h>

size_t
unicode_seqlen(unsigned char b)
{
	if (b < 0x80)
		return (1);
	if (b >= 0xC2 && b <= 0xDF)
		return (2);
	if (b >= 0xE0 && b <= 0xEF)
		return (3);
	if (b >= 0xF0 && b <= 0xF4)
		return (4);
	return (0);
}

int
unicode_continues(unsigned char lead, size_t i, unsigned char b)
{
	unsigned char	lo = 0x80, hi = 0xBF;

	/* The second byte's range is what rules out overlong forms,
	 * surrogates and code points past U+10FFFF, and a stream can tell
	 * as soon as that byte arrives. */
	if (i == 1) {
		switch (lead) {
		case 0xE0:
			lo = 0xA0;
			break;
		case 0xED:
			hi = 0x9F;
			break;
		case 0xF0:
			lo = 0x90;
			break;
		case 0xF4:
			hi = 0x8F;
			break;
		}
	}
	return (b >= lo && b <= hi);
}

size_t
unicode_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len, i;
	uint32_t		 c;

	if (n == 0)
		return (0);
	len = unicode_seqlen(u[0]);
	if (len == 0 || len > n)
		return (0);
	if (len == 1) {
		*cp = u[0];
		return (1);
	}
	c = u[0] & (0xFF >> (len + 1));
	for (i = 1; i < len; i++) {
		if (!unicode_continues(u[0], i, u[i]))
			return (0);
		c = (c << 6) | (u[i] & 0x3F);
	}
	*cp = c;
	return (len);
}

size_t
unicode_encode(uint32_t cp, char *out)
{
	unsigned char	*u = (unsigned char *)out;

	if (cp < 0x80) {
		u[0] = cp;
		return (1);
	}
	if (cp < 0x800) {
		u[0] = 0xC0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3F);
		return (2);
	}
	if (cp < 0x10000) {
		u[0] = 0xE0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3F);
		u[2] = 0x80 | (cp & 0x3F);
		return (3);
	}
	u[0] = 0xF0 | (cp >> 18);
	u[1] = 0x80 | ((cp >> 12) & 0x3F);
	u[2] = 0x80 | ((cp >> 6) & 0x3F);
	u[3] = 0x80 | (cp & 0x3F);
	return (4);
}

size_t
unicode_validate(const char *s, size_t n)
{
	size_t		 i = 0, len;
	uint32_t	 cp;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((len = unicode_decode(s + i, n - i, &cp)) == 0)
			return (i);
		i += len;
	}
	return (n);
}

static uint32_t
unicode_ascii_flags(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return (UNICODE_L);
	if (c >= '0' && c <= '9')
		return (UNICODE_N);
	if (c == ' ')
		return (UNICODE_Z | UNICODE_WS);
	if (c >= '\t' && c <= '\r')
		return (UNICODE_C | UNICODE_WS);
	if (c < 0x20 || c == 0x7F)
		return (UNICODE_C);
	if (c == '$' || c == '+' || c == '<' || c == '=' || c == '>' ||
	    c == '^' || c == '`' || c == '|' || c == '~')
		return (UNICODE_S);
	return (UNICODE_P);
}

uint32_t
unicode_flags(uint32_t cp)
{
	size_t	lo = 0, hi = unicode_nranges, mid;

	if (cp < 0x80)
		return (unicode_ascii_flags(cp));
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < unicode_ranges[mid].lo)
			hi = mid;
		else if (cp > unicode_ranges[mid].hi)
			lo = mid + 1;
		else
			return (unicode_ranges[mid].flags);
	}
	return (0);
}
