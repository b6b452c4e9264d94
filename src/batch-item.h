/*
 * batch-item.h: one line of a qcmp batch prompt file: a JSON object with
 * "prompt" (required), "expected", "match" (exact, contains, regex),
 * "system" and "id"; other keys are ignored.  The parser is strict JSON
 * (RFC 8259) and says where a line is wrong.
 */
#ifndef QCMP_BATCH_ITEM_H
#define QCMP_BATCH_ITEM_H

#include <stddef.h>

enum batch_match {
	MATCH_EXACT,	/* equal after trimming whitespace at both ends */
	MATCH_CONTAINS,	/* the answer contains expected (trimmed) */
	MATCH_REGEX	/* a POSIX extended regex found in the answer */
};

struct batch_item {
	char		*prompt;	/* malloc'ed, NUL-free */
	char		*expected;	/* or NULL: not graded */
	char		*system;	/* or NULL */
	char		*id;		/* or NULL: the line number serves */
	enum batch_match match;
};

/* Parses line[0..n) (its newline excluded) into it; 0, or -1 with a
 * reason ("column 7: expected ':' after a key") in err. */
int	batch_item_parse(const char *line, size_t n, struct batch_item *it,
	    char *err, size_t err_len);
void	batch_item_free(struct batch_item *it);
/* "exact", "contains", "regex". */
const char *batch_match_name(enum batch_match m);

#endif
