/*
 * db.c: opening the history database: where it lives by default, the
 * pragmas that make it safe (WAL, foreign keys, a busy timeout, full
 * sync), refusing what is not ours or is newer than we know, and the
 * forward migrations from store/schema/ run in one transaction.
 */
#include "config.h"

#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-impl.h"

/* The schema files, in order: migrations[i] takes version i to i + 1. */
#include "store/schema.inc"

static const char *const store_migrations[] = {
	STORE_SCHEMA_001,
	STORE_SCHEMA_002,
};
_Static_assert(sizeof store_migrations / sizeof store_migrations[0] ==
    STORE_SCHEMA_VERSION, "one migration per schema version");

/* 'qcmp' in PRAGMA application_id: file(1) and we can tell our files. */
#define STORE_APP_ID	0x71636d70

const char *
store_verdict(const char *s)
{
	static const char *const v[] = { "correct", "partial", "wrong" };

	for (size_t i = 0; s != NULL && i < 3; i++)
		if (strcmp(s, v[i]) == 0)
			return (v[i]);
	return (NULL);
}

char *
store_default_path(void)
{
	const char	*xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char		*p = NULL;

	if (xdg != NULL && xdg[0] == '/') {
		if (asprintf(&p, "%s/qcmp/history.db", xdg) < 0)
			p = NULL;
	} else if (home != NULL && home[0] != '\0') {
		if (asprintf(&p, "%s/.local/share/qcmp/history.db", home) < 0)
			p = NULL;
	}
	return (p);
}

/* mkdir -p of path's directory. */
static int
store_mkdirs(const char *path, struct qerr *err)
{
	char	*d = strdup(path), *s;

	if (d == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	for (s = d + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(d, 0755) != 0 && errno != EEXIST) {
			qerr_set(err, Q_EIO, "%s: cannot create directory %s: "
			    "%s", path, d, strerror(errno));
			free(d);
			return (Q_EIO);
		}
		*s = '/';
	}
	free(d);
	return (Q_OK);
}

int
store_fail(struct store *s, int rc, struct qerr *err, const char *what)
{
	int	code = sqlite3_extended_errcode(s->db);

	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return (qerr_set(err, Q_EIO, "%s: database is locked by "
		    "another process (waited %d s)", s->path,
		    STORE_BUSY_MS / 1000));
	case SQLITE_READONLY:
		return (qerr_set(err, Q_EIO, "%s: database is read-only",
		    s->path));
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return (qerr_set(err, Q_EFORMAT, "%s: not a qcmp database, or "
		    "corrupt (%s)", s->path, sqlite3_errmsg(s->db)));
	case SQLITE_FULL:
		return (qerr_set(err, Q_EIO, "%s: disk full", s->path));
	default:
		return (qerr_set(err, rc, "%s: %s: %s", s->path, what,
		    sqlite3_errmsg(s->db)));
	}
}

int
store_exec(struct store *s, const char *sql, struct qerr *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return (store_fail(s, Q_EIO, err, sql));
	return (Q_OK);
}

int
store_prepare(struct store *s, sqlite3_stmt **st, const char *sql,
    struct qerr *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return (store_fail(s, Q_EIO, err, "prepare"));
	return (Q_OK);
}

/* *v = the one integer sql yields. */
static int
store_int(struct store *s, const char *sql, int64_t *v, struct qerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = store_prepare(s, &st, sql, err)) != Q_OK)
		return (rc);
	if (sqlite3_step(st) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else
		rc = store_fail(s, Q_EIO, err, sql);
	sqlite3_finalize(st);
	return (rc);
}

/* Takes a database at version `have` to STORE_SCHEMA_VERSION. */
static int
store_migrate(struct store *s, int64_t have, struct qerr *err)
{
	char	 sql[64];
	int	 rc;

	/* IMMEDIATE: two qcmp processes creating the file at once must
	 * not both migrate it */
	if ((rc = store_exec(s, "BEGIN IMMEDIATE", err)) != Q_OK)
		return (rc);
	/* another process may have migrated while we waited for the lock */
	if ((rc = store_int(s, "PRAGMA user_version", &have, err)) != Q_OK) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return (rc);
	}
	for (int64_t v = have; v < STORE_SCHEMA_VERSION; v++)
		if ((rc = store_exec(s, store_migrations[v], err)) != Q_OK) {
			(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return (rc);
		}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d; "
	    "PRAGMA application_id = %d", STORE_SCHEMA_VERSION, STORE_APP_ID);
	if (have < STORE_SCHEMA_VERSION &&
	    (rc = store_exec(s, sql, err)) != Q_OK) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return (rc);
	}
	return (store_exec(s, "COMMIT", err));
}

/* Checks that the file is a qcmp database this binary can use, and brings
 * it up to date unless readonly. */
static int
store_check(struct store *s, int readonly, struct qerr *err)
{
	int64_t	app, ver, n;
	int	rc;

	/* one read transaction: another process may be creating the
	 * file, and its id, version and tables must be seen together */
	if ((rc = store_exec(s, "BEGIN", err)) != Q_OK)
		return (rc);
	if ((rc = store_int(s, "PRAGMA application_id", &app, err)) != Q_OK ||
	    (rc = store_int(s, "PRAGMA user_version", &ver, err)) != Q_OK ||
	    (rc = store_int(s, "SELECT count(*) FROM sqlite_schema", &n,
	    err)) != Q_OK) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return (rc);
	}
	if ((rc = store_exec(s, "COMMIT", err)) != Q_OK)
		return (rc);
	if ((app != 0 && app != STORE_APP_ID) || (app == 0 && n > 0))
		return (qerr_set(err, Q_EFORMAT, "%s: an SQLite database, but "
		    "not a qcmp history", s->path));
	if (ver > STORE_SCHEMA_VERSION)
		return (qerr_set(err, Q_EFORMAT, "%s: schema version %lld is "
		    "newer than this qcmp knows (%d); use a newer qcmp",
		    s->path, (long long)ver, STORE_SCHEMA_VERSION));
	if (ver == STORE_SCHEMA_VERSION)
		return (Q_OK);
	if (readonly)
		return (qerr_set(err, Q_EFORMAT, "%s: schema version %lld "
		    "needs migrating; open it once without read-only access",
		    s->path, (long long)ver));
	return (store_migrate(s, ver, err));
}

/* Switching to WAL takes the file for itself; when another process is
 * switching too, SQLite answers BUSY at once rather than risk a deadlock
 * in the busy handler, so wait here. */
static int
store_wal(struct store *s, struct qerr *err)
{
	for (int ms = 0;; ms += 10) {
		int	r = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL",
			    NULL, NULL, NULL);

		if (r == SQLITE_OK)
			return (Q_OK);
		if ((r & 0xff) != SQLITE_BUSY || ms >= STORE_BUSY_MS)
			return (store_fail(s, Q_EIO, err,
			    "PRAGMA journal_mode = WAL"));
		usleep(10000);
	}
}

int
store_open(const char *path, int readonly, struct store **out,
    struct qerr *err)
{
	struct store	*s;
	int		 flags, rc;

	*out = NULL;
	if (readonly && access(path, F_OK) != 0)
		return (qerr_set(err, Q_EIO, "%s: no history database (%s)",
		    path, strerror(errno)));
	if (!readonly && (rc = store_mkdirs(path, err)) != Q_OK)
		return (rc);
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		free(s);
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	}
	flags = readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		rc = qerr_set(err, Q_EIO, "%s: cannot open database: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return (rc);
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (!readonly && sqlite3_db_readonly(s->db, "main") == 1) {
		rc = qerr_set(err, Q_EIO, "%s: database is read-only", path);
		store_close(s);
		return (rc);
	}
	/* WAL lets a reader (the sqlite3 shell, a report) run while an
	 * answer is written; FULL sync makes a committed rating survive a
	 * power cut, not only a killed process */
	if ((rc = store_check(s, readonly, err)) != Q_OK ||
	    (rc = store_exec(s, "PRAGMA foreign_keys = ON", err)) != Q_OK ||
	    (!readonly && ((rc = store_wal(s, err)) != Q_OK ||
	    (rc = store_exec(s, "PRAGMA synchronous = FULL",
	    err)) != Q_OK))) {
		store_close(s);
		return (rc);
	}
	*out = s;
	return (Q_OK);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	store_log_finalize(s);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *
store_path(const struct store *s)
{
	return (s->path);
}
