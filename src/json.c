/*
 * json.c: JSON string and number output.  Text from models can hold any
 * byte; the writer guarantees the output stays valid JSON and UTF-8.
 */
#include "config.h"

#include "json.h"

#include <math.h>

#include "unicode.h"

void
json_str(FILE *f, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0;

	fputc('"', f);
	while (i < n) {
		unsigned char	c = u[i];
		size_t		len;
		uint32_t	cp;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c == '\n') {
			fputs("\\n", f);
			i++;
		} else if (c == '\t') {
			fputs("\\t", f);
			i++;
		} else if (c == '\r') {
			fputs("\\r", f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, f);
			i++;
		} else if ((len = unicode_decode(s + i, n - i, &cp)) > 0) {
			fwrite(u + i, 1, len, f);
			i += len;
		} else {
			fputs("\\ufffd", f);
			i++;
		}
	}
	fputc('"', f);
}

void
json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.9g", v);
	else
		fputs("null", f);
}
