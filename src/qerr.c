/* qerr.c: filling in one-line error messages (see qerr.h). */
#include "config.h"

#include "qerr.h"

#include <stdarg.h>
#include <stdio.h>

int
qerr_set(struct qerr *e, int rc, const char *fmt, ...)
{
	va_list	ap;

	if (e != NULL) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return (rc);
}
