/*
 * cli.c: helpers every command shares, so that each prints errors, parses
 * numbers and finds its model the same way.
 */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "modelpath.h"

void
cli_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("qcmp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_exit_code(int rc)
{
	return (rc == Q_EUSAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL);
}

int
cli_usage(const struct cmd_entry *e, int help)
{
	if (help) {
		printf("usage: qcmp %s [OPTIONS]\n%s", e->name, e->usage);
		return (0);
	}
	fprintf(stderr, "Try 'qcmp %s --help'.\n", e->name);
	return (CLI_EXIT_USAGE);
}

int
cli_load_model(const char *opt_model, const char *opt_tokenizer,
    struct model **out)
{
	struct qerr	 err;
	char		*path;
	int		 rc;

	if ((rc = modelpath_resolve(opt_model, &path, &err)) != Q_OK) {
		cli_error("%s", err.msg);
		return (cli_exit_code(rc));
	}
	rc = model_load(path, opt_tokenizer, out, &err);
	free(path);
	if (rc != Q_OK) {
		cli_error("%s", err.msg);
		/* a named file that is bad is a file error, not usage */
		return (rc == Q_EUSAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL);
	}
	return (0);
}

int
cli_int(const char *name, const char *s, long lo, long hi, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		cli_error("%s: '%s' is not a whole number in %ld..%ld", name, s,
		    lo, hi);
		return (-1);
	}
	*out = v;
	return (0);
}

int
cli_float(const char *name, const char *s, float *out)
{
	char	*end;
	float	 v;

	errno = 0;
	v = strtof(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v)) {
		cli_error("%s: '%s' is not a number", name, s);
		return (-1);
	}
	*out = v;
	return (0);
}
