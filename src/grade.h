/*
 * grade.h: an answer against a batch item's expected text, as an
 * automatic verdict.
 */
#ifndef QCMP_GRADE_H
#define QCMP_GRADE_H

#include "batch-item.h"

/* "correct" or "wrong" for answer under it's rule (it->expected must be
 * set): exact compares both with whitespace trimmed at each end, contains
 * looks for expected (trimmed) in the answer, regex searches the answer
 * with a POSIX extended regex. */
const char *grade(const struct batch_item *it, const char *answer);

#endif
