/*
 * unicode.h: UTF-8 decoding and validation, and the code point classes
 * (\p{L}, \p{N}, \s, ...) the BPE pre-tokenizer regexes are written in.
 */
#ifndef QCMP_UNICODE_H
#define QCMP_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* General category class (first letter of the category; C is Cc, Cf, Cs
 * and Co, unassigned code points have no class) and White_Space. */
#define UNICODE_L	0x01
#define UNICODE_M	0x02
#define UNICODE_N	0x04
#define UNICODE_P	0x08
#define UNICODE_S	0x10
#define UNICODE_Z	0x20
#define UNICODE_C	0x40
#define UNICODE_WS	0x80

#define UNICODE_MAX	0x10FFFF
#define UNICODE_REPLACEMENT "\xEF\xBF\xBD"	/* U+FFFD in UTF-8 */

/* Generated table (unicode-data.c): sorted, disjoint, inclusive. */
struct unicode_range {
	uint32_t	 lo, hi;
	uint32_t	 flags;
};
extern const struct unicode_range unicode_ranges[];
extern const size_t unicode_nranges;

/* Decodes the well-formed UTF-8 sequence at s[0..n) into *cp and returns
 * its length (1-4), or 0 when it is truncated, overlong, a surrogate,
 * beyond U+10FFFF or not a sequence start. */
size_t	unicode_decode(const char *s, size_t n, uint32_t *cp);
/* Writes cp (at most U+10FFFF) as UTF-8 to out[0..4); returns the length. */
size_t	unicode_encode(uint32_t cp, char *out);
/* Offset of the first byte that does not start a well-formed sequence, or
 * n when all of s[0..n) is valid UTF-8. */
size_t	unicode_validate(const char *s, size_t n);
/* Length a sequence starting with byte b has (1-4), 0 if b cannot start
 * one. */
size_t	unicode_seqlen(unsigned char b);
/* 1 when b may be byte i (i >= 1) of a sequence led by byte lead. */
int	unicode_continues(unsigned char lead, size_t i, unsigned char b);
/* UNICODE_* flags of cp. */
uint32_t unicode_flags(uint32_t cp);

#endif
