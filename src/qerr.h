/*
 * qerr.h: result codes and the one-line error message every fallible
 * function below main() fills in instead of printing or exiting.
 */
#ifndef QCMP_QERR_H
#define QCMP_QERR_H

enum qrc {
	Q_OK = 0,
	Q_EFORMAT,	/* a file's content is malformed or inconsistent */
	Q_EUNSUP,	/* well-formed but not something qcmp can handle */
	Q_EIO,		/* open/read/mmap/write failed */
	Q_ENOMEM,	/* allocation failed */
	Q_EUSAGE	/* bad argument from the user */
};

struct qerr {
	char	msg[512];	/* "FILE: field: what was wrong", no newline */
};

/* Formats the message into e (if non-NULL) and returns rc, so callers can
 * write `return qerr_set(err, Q_EFORMAT, "%s: ...", path);`. */
int	qerr_set(struct qerr *e, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
