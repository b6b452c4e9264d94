/* testutil.c: shared data lookup and temp files for the unit tests. */
#include "config.h"

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
tu_find(const char *rel, int skip)
{
	static char	 path[4096];
	const char	*base, *ci;

	base = getenv("QCMP_SHARED");
	if (base == NULL || *base == '\0')
		base = "../shared";
	snprintf(path, sizeof path, "%s/%s", base, rel);
	if (access(path, R_OK) == 0)
		return (path);
	ci = getenv("CI");
	if (ci != NULL && strcmp(ci, "true") == 0) {
		fprintf(stderr, "FAIL: test data %s is missing (CI=true)\n",
		    path);
		exit(1);
	}
	fprintf(stderr, "SKIP: test data %s is missing; set QCMP_SHARED\n",
	    path);
	if (skip)
		exit(77);
	return (NULL);
}

const char *
tu_shared(const char *rel)
{
	return (tu_find(rel, 0));
}

const char *
tu_shared_or_skip(const char *rel)
{
	return (tu_find(rel, 1));
}

char *
tu_write_temp(const void *buf, size_t n)
{
	const char	*dir;
	char		*path;
	FILE		*f;
	int		 fd;

	dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (asprintf(&path, "%s/qcmp-test-XXXXXX", dir) < 0)
		abort();
	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "wb")) == NULL)
		abort();
	if (n > 0 && fwrite(buf, 1, n, f) != n)
		abort();
	fclose(f);
	return (path);
}

char *
tu_read_file(const char *path, size_t *n)
{
	FILE	*f;
	char	*buf;
	long	 sz;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return (NULL);
	}
	buf = malloc((size_t)sz + 1);
	if (buf == NULL || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		free(buf);
		fclose(f);
		return (NULL);
	}
	buf[sz] = '\0';
	fclose(f);
	if (n != NULL)
		*n = (size_t)sz;
	return (buf);
}
