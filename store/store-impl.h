/*
 * store-impl.h: what the store's files share: the open database and its
 * prepared statements, and error reporting that names the file.
 */
#ifndef QCMP_STORE_IMPL_H
#define QCMP_STORE_IMPL_H

#include <sqlite3.h>

#include "store.h"

/* Statements prepared once per open database and reused. */
enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MODEL_FIND,
	ST_MODEL_ADD,
	ST_MODEL_SHA,
	ST_VARIANT_FIND,
	ST_VARIANT_ADD,
	ST_PROMPT_ADD,
	ST_ANSWER_ADD,
	ST_TOKEN_ADD,
	ST_DIVERGENCE,
	ST_ANSWER_EXISTS,
	ST_RATE,
	ST_RUN_FIND,
	ST_RUN_ADD,
	ST_RUN_ANSWERED,
	ST_COUNT
};

struct store {
	sqlite3		*db;
	char		*path;
	sqlite3_stmt	*st[ST_COUNT];
};

/* Sets err from the database's last error (locked, read-only, corrupt,
 * full, or what) and returns rc or a more fitting code. */
int	store_fail(struct store *s, int rc, struct qerr *err, const char *what);
int	store_exec(struct store *s, const char *sql, struct qerr *err);
int	store_prepare(struct store *s, sqlite3_stmt **st, const char *sql,
	    struct qerr *err);
/* The cached statement id, reset and unbound, or NULL with err set. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt id,
	    struct qerr *err);
/* Finalizes the cached statements. */
void	store_log_finalize(struct store *s);

#endif
