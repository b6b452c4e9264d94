/*
 * ere.h: POSIX extended regexes taken from files qcmp did not write (a
 * batch item's "expected"). glibc's regcomp copies a repeated piece once
 * per repetition and a stacked repetition copies the copies, so
 * "h.*+++...+" of 170 bytes asks it for gigabytes; regexec backtracks
 * exponentially on back-references. A pattern is measured before glibc
 * sees it.
 */
#ifndef QCMP_ERE_H
#define QCMP_ERE_H

#include <regex.h>
#include <stddef.h>

/* The longest pattern, deepest group nesting and most pieces after
 * glibc's expansion that ere_compile accepts. */
#define ERE_MAX_BYTES	4096
#define ERE_MAX_DEPTH	64
#define ERE_MAX_NODES	2048

/* An upper bound on the pieces glibc's parse tree holds for pat (the
 * repetitions expanded), saturating at ERE_MAX_NODES + 1; -1 with *why
 * set when pat nests groups deeper than ERE_MAX_DEPTH or has a
 * back-reference (\1 to \9). */
long	ere_cost(const char *pat, const char **why);
/* Compiles pat into *re (REG_EXTENDED | REG_NOSUB) and returns 0, or
 * returns -1 with why (of why_len bytes) saying what is wrong with it:
 * too long, nested too deep, too many pieces once expanded, a
 * back-reference, or regcomp's own complaint. */
int	ere_compile(regex_t *re, const char *pat, char *why, size_t why_len);

#endif
