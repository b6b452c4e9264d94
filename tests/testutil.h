/*
 * testutil.h: what the unit tests share: finding the real models and
 * reference data in ../shared (or $QCMP_SHARED), temporary files, and a
 * loud skip when the data is absent.
 */
#ifndef QCMP_TESTUTIL_H
#define QCMP_TESTUTIL_H

#include <stddef.h>

/* Path of rel under the shared data directory in a static buffer, or NULL
 * (after printing why) when it is missing.  Under CI=true a missing file
 * is a hard failure (exit 1) rather than a skip. */
const char *tu_shared(const char *rel);
/* Like tu_shared, but exits 77 (automake's SKIP) when the file is absent. */
const char *tu_shared_or_skip(const char *rel);
/* Writes n bytes to a fresh temporary file; returns its malloc'ed path. */
char	*tu_write_temp(const void *buf, size_t n);
/* Reads a whole file into a malloc'ed NUL-terminated buffer; NULL on error. */
char	*tu_read_file(const char *path, size_t *n);

#endif
