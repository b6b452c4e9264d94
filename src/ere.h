/*
 * ere.h: POSIX extended regular expressions for patterns taken from files
 * qcmp did not write (a batch item's "expected").  glibc's regcomp is no
 * use there: a repeated piece is copied per repetition and an anchor next
 * to a nullable repetition recomputes closures, so 170 bytes ("h.*+++...")
 * take it gigabytes and 192 ("$(U*)*" 32 times) more than 10 seconds.
 * This one compiles to a program of bounded size and searches by
 * simulating every thread at once (Thompson's construction, as RE2 does),
 * in time linear in the subject times the program, with no
 * back-references.
 *
 * Syntax: characters (UTF-8, one code point each), '.', bracket
 * expressions with ranges, '^' negation, [:class:] (as <wctype.h> names
 * them), [=c=] and [.c.] of a single character; '^' and '$' anchor at the
 * subject's start and end; ( ), |, *, +, ?, {n}, {n,}, {,m}, {n,m} with
 * counts up to 255; '\' before a special character makes it literal.
 */
#ifndef QCMP_ERE_H
#define QCMP_ERE_H

#include <stddef.h>

/* The longest pattern, deepest nesting of groups and repetitions, and
 * largest compiled program (instructions) ere_compile accepts. */
#define ERE_MAX_BYTES	4096
#define ERE_MAX_DEPTH	64
#define ERE_MAX_PROG	4096
#define ERE_DUP_MAX	255

struct ere;

/* Compiles pat (NUL-terminated, valid UTF-8) into *out and returns 0, or
 * returns -1 with why (why_len bytes) saying what is wrong and where
 * ("at byte 3: '*' has nothing to repeat"). */
int	ere_compile(struct ere **out, const char *pat, char *why,
	    size_t why_len);
/* 1 when re matches somewhere in s[0..n), else 0; bytes that are not
 * UTF-8 match only '.' and negated brackets; allocates nothing. */
int	ere_search(const struct ere *re, const char *s, size_t n);
/* Instructions re compiled to (tests). */
int	ere_size(const struct ere *re);
void	ere_free(struct ere *re);

#endif
