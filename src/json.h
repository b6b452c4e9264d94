/*
 * json.h: writing JSON values to a stream, for --json output.
 */
#ifndef QCMP_JSON_H
#define QCMP_JSON_H

#include <stddef.h>
#include <stdio.h>

/* s[0..n) as a JSON string literal (quotes included, control characters
 * and invalid UTF-8 escaped as \uXXXX / U+FFFD). */
void	json_str(FILE *f, const char *s, size_t n);
/* A finite number, or null for NaN and infinities (JSON has neither). */
void	json_num(FILE *f, double v);

#endif
