/*
 * test-store.c: the history database through store.h on real SQLite files
 * in a temporary directory: what a fresh file looks like (checked with a
 * second connection and against the file format's header bytes), the
 * migration agreeing with store/schema/001-initial.sql, refusing newer,
 * foreign, corrupt and truncated files without touching them, read-only
 * and uncreatable paths, waiting for another process's lock, processes
 * creating one database at once, and every row written coming back
 * unchanged through show, history and report, with an answer and its
 * tokens all-or-nothing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "testutil.h"

static char	tdir[1024];

/* buf = the temporary directory's path joined with name. */
#define TP(buf, name)	snprintf((buf), sizeof (buf), "%s/%s", tdir, (name))

/* ---- a second, independent connection ---- */

static sqlite3 *
sq_open(const char *path)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 2000);
	return (db);
}

static void
sq_exec(const char *path, const char *sql)
{
	sqlite3	*db = sq_open(path);
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s: %s", path, sql, msg);
	sqlite3_close(db);
}

/* The first column of the first row of sql, as text (malloc'd). */
static char *
sq_text(const char *path, const char *sql)
{
	sqlite3		*db = sq_open(path);
	sqlite3_stmt	*st;
	char		*r = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s: %s", path, sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		r = strdup(sqlite3_column_text(st, 0) ?
		    (const char *)sqlite3_column_text(st, 0) : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_non_null(r);
	return (r);
}

static int64_t
sq_int(const char *path, const char *sql)
{
	char	*t = sq_text(path, sql);
	int64_t	 v = strtoll(t, NULL, 10);

	free(t);
	return (v);
}

/* Every schema object, one "type|name|tbl_name|sql" line each. */
static char *
sq_schema(const char *path)
{
	return (sq_text(path, "SELECT group_concat(line, char(10)) FROM "
	    "(SELECT type || '|' || name || '|' || tbl_name || '|' || "
	    "coalesce(sql, '') AS line FROM sqlite_schema ORDER BY name)"));
}

/* ---- files ---- */

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)type;
	(void)f;
	return (remove(p));
}

static void
copy_file(const char *from, const char *to, size_t limit)
{
	size_t	 n;
	char	*b = tu_read_file(from, &n);
	FILE	*f;

	assert_non_null(b);
	assert_non_null(f = fopen(to, "wb"));
	if (n > limit)
		n = limit;
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
	free(b);
}

/* The file's bytes are still b[0..n). */
static void
assert_same_bytes(const char *path, const char *b, size_t n)
{
	size_t	 m;
	char	*now = tu_read_file(path, &m);

	assert_non_null(now);
	assert_int_equal(m, n);
	assert_memory_equal(now, b, n);
	free(now);
}

static int
exists(const char *path)
{
	return (access(path, F_OK) == 0);
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* The error names the file and says what (when want is not NULL). */
static void
assert_msg(const struct qerr *e, const char *path, const char *want)
{
	if (strstr(e->msg, path) == NULL ||
	    (want != NULL && strstr(e->msg, want) == NULL))
		fail_msg("message '%s' should name %s and say '%s'", e->msg,
		    path, want ? want : "");
	assert_null(strchr(e->msg, '\n'));
}

/* ---- one hand-made comparison ---- */

#define SHA	"ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef560001"

static const struct store_model	fx_model = { "/models/tiny.gguf", SHA,
    1185376, 1700000000, "llama", 292800, 512 };
static const struct store_variant	fx_var[2] = {
	{ "f32", "f32", 0, 32.0, 1185376 },
	{ "q8_0", "q8_0", 1, 8.5, 317152 },
};
static const int32_t	fx_top_id[2][2] = { { 30, 31 }, { 12, 13 } };
static const float	fx_top_p[2][2] = { { 0.75f, 0.125f }, { 0.5f,
    0.25f } };
static const struct store_token	fx_tok[2][2] = {
	{ { 30, " 7", 2, -0.25, 0.5, 1.5, 1.25, fx_top_id[0], fx_top_p[0], 2 },
	  { 12, "3\xc3\xa9", 3, -0.5, 0.75, 2.5, 1.0, fx_top_id[1],
	    fx_top_p[1], 2 } },
	{ { 31, " 3", 2, -1.0, 1.5, 1.0, 0.5, fx_top_id[0], fx_top_p[0], 2 },
	  { 13, "7", 1, -2.0, 0.25, 3.0, 0.75, fx_top_id[1], fx_top_p[1], 2 } },
};

struct fx {
	int64_t	model, var[2], prompt, ans[2];
};

static void
fx_answer(struct store_answer *a, const struct fx *f, int slot)
{
	memset(a, 0, sizeof *a);
	a->prompt_id = f->prompt;
	a->variant_id = f->var[slot];
	a->slot = slot;
	a->is_reference = slot == 0;
	a->text = slot == 0 ? " 73\xc3\xa9" : " 37";
	a->text_len = strlen(a->text);
	a->finish = slot == 0 ? "eos" : "length";
	a->n_tokens = 2;
	a->ttft_ms = 1.5 + slot;
	a->prompt_tps = 1000.25;
	a->decode_tps = 250.5 - slot;
	a->cpu_ms = 3.25;
	a->mean_logprob = -0.375 - slot;
	a->min_prob = 0.6;
	a->mean_entropy = 0.625;
	a->seq_prob = 0.47;
	a->confidence = slot == 0 ? 0.8125 : 0.5;
	a->tokens = fx_tok[slot];
}

/* Model, two variants, a prompt and both answers with a divergence. */
static void
fx_fill(struct store *s, struct fx *f)
{
	struct store_prompt	p = { 0, "run", "Q: max 37 73? A:", "Be brief.",
				    "raw", 0.8, 0.95, 40, 16, 9, 42, 0, NULL };
	struct store_divergence	d = { 0, 0.125, 0.5, -0.25 };
	struct store_answer	a;
	struct qerr		e;

	assert_int_equal(store_model(s, &fx_model, &f->model, &e), Q_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(store_variant(s, f->model, &fx_var[i],
		    &f->var[i], &e), Q_OK);
	p.model_id = f->model;
	assert_int_equal(store_prompt(s, &p, &f->prompt, &e), Q_OK);
	for (int i = 0; i < 2; i++) {
		fx_answer(&a, f, i);
		if (store_answer(s, &a, &f->ans[i], &e) != Q_OK)
			fail_msg("store_answer: %s", e.msg);
	}
	assert_int_equal(store_divergence(s, f->ans[1], &d, &e), Q_OK);
}

/* A fresh database at name holding the fixture, closed again. */
static void
fx_db(char *path, size_t size, const char *name, struct fx *f)
{
	struct store	*s;
	struct qerr	 e;

	snprintf(path, size, "%s/%s", tdir, name);
	if (store_open(path, 0, &s, &e) != Q_OK)
		fail_msg("store_open: %s", e.msg);
	fx_fill(s, f);
	store_close(s);
}

/* ---- fresh, reopened, migrated ---- */

static void
test_fresh(void **state)
{
	struct store	*s;
	struct qerr	 e;
	char		 p[1200], *b, *schema, *t;
	size_t		 n;
	unsigned char	*h;

	(void)state;
	/* the directories are made too */
	TP(p, "fresh/a/b/history.db");
	if (store_open(p, 0, &s, &e) != Q_OK)
		fail_msg("%s", e.msg);
	assert_string_equal(store_path(s), p);
	assert_int_equal(sq_int(p, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(sq_int(p, "PRAGMA application_id"), 0x71636d70);
	t = sq_text(p, "PRAGMA journal_mode");
	assert_string_equal(t, "wal");
	free(t);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM sqlite_schema WHERE "
	    "name IN ('models', 'variants', 'prompts', 'answers', 'tokens', "
	    "'ratings', 'answer_verdicts', 'variant_error_rates', "
	    "'calibration_bins', 'runs')"), 10);
	store_close(s);

	/* the header as the file format defines it: WAL read and write
	 * versions 2 at bytes 18 and 19, user_version big-endian at 60,
	 * application_id at 68 */
	assert_non_null(h = (unsigned char *)tu_read_file(p, &n));
	assert_true(n >= 100);
	assert_memory_equal(h, "SQLite format 3", 16);
	assert_int_equal(h[18], 2);
	assert_int_equal(h[19], 2);
	assert_int_equal(h[60] << 24 | h[61] << 16 | h[62] << 8 | h[63],
	    STORE_SCHEMA_VERSION);
	assert_memory_equal(h + 68, "qcmp", 4);
	free(h);

	/* reopening changes nothing */
	schema = sq_schema(p);
	assert_non_null(b = tu_read_file(p, &n));
	assert_int_equal(store_open(p, 0, &s, &e), Q_OK);
	store_close(s);
	assert_int_equal(store_open(p, 0, &s, &e), Q_OK);
	store_close(s);
	assert_same_bytes(p, b, n);
	t = sq_schema(p);
	assert_string_equal(t, schema);
	assert_int_equal(sq_int(p, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	free(t);
	free(schema);
	free(b);
}

static void
test_foreign_keys(void **state)
{
	struct store_prompt	 pr = { 999, "run", "x", NULL, "raw", 0, 1, 0,
				    1, 1, 1, 0, NULL };
	struct store_variant	 v = { "q8_0", "q8_0", 1, 8.5, 1 };
	struct store		*s;
	struct qerr		 e;
	int64_t			 id = 0;
	char			 p[1200];

	(void)state;
	TP(p, "fk.db");
	assert_int_equal(store_open(p, 0, &s, &e), Q_OK);
	/* a row pointing at nothing is refused: foreign keys are on */
	assert_int_not_equal(store_prompt(s, &pr, &id, &e), Q_OK);
	assert_msg(&e, p, NULL);
	assert_int_not_equal(store_variant(s, 998, &v, &id, &e), Q_OK);
	store_close(s);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM prompts"), 0);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM variants"), 0);
}

static void
test_migrate_v0(void **state)
{
	static const char *const setup[] = {
		NULL,			/* an empty (0-byte) file */
		"CREATE TABLE t (x); DROP TABLE t;",	/* header, nothing */
		"PRAGMA application_id = 1902341488; CREATE TABLE t (x); "
		    "DROP TABLE t;",	/* ours at version 0 */
	};
	struct store	*s;
	struct qerr	 e;
	char		 p[1200], name[32], *want, *got;
	struct fx	 f;
	FILE		*fp;

	(void)state;
	TP(p, "want.db");
	assert_int_equal(store_open(p, 0, &s, &e), Q_OK);
	store_close(s);
	want = sq_schema(p);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
		snprintf(name, sizeof name, "v0-%zu.db", i);
		TP(p, name);
		if (setup[i] == NULL) {
			assert_non_null(fp = fopen(p, "wb"));
			fclose(fp);
		} else {
			sq_exec(p, setup[i]);
			assert_int_equal(sq_int(p, "PRAGMA user_version"), 0);
		}
		if (store_open(p, 0, &s, &e) != Q_OK)
			fail_msg("v0 case %zu: %s", i, e.msg);
		fx_fill(s, &f);
		store_close(s);
		assert_int_equal(sq_int(p, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
		assert_int_equal(sq_int(p, "PRAGMA application_id"),
		    0x71636d70);
		got = sq_schema(p);
		assert_string_equal(got, want);
		free(got);
	}
	free(want);
}

/* store/schema/001-initial.sql, from $QCMP_SRCDIR or the current
 * directory. */
static char *
schema_sql(void)
{
	const char	*src = getenv("QCMP_SRCDIR");
	char		 p[4096], *sql;
	size_t		 n;

	snprintf(p, sizeof p, "%s/store/schema/001-initial.sql",
	    src && *src ? src : ".");
	if ((sql = tu_read_file(p, &n)) == NULL)
		fail_msg("cannot read %s; set QCMP_SRCDIR", p);
	return (sql);
}

static void
test_schema_file(void **state)
{
	struct store	*s;
	struct qerr	 e;
	char		 p[1200], q[1200], *sql, *a, *b, *t;
	struct fx	 f;

	(void)state;
	/* version 1 made by hand from the installed SQL file */
	TP(p, "by-hand.db");
	sql = schema_sql();
	sq_exec(p, sql);
	sq_exec(p, "PRAGMA user_version = 1; "
	    "PRAGMA application_id = 1902341488");
	free(sql);
	if (store_open(p, 0, &s, &e) != Q_OK)
		fail_msg("%s", e.msg);
	fx_fill(s, &f);
	store_close(s);
	t = sq_text(p, "PRAGMA journal_mode");
	assert_string_equal(t, "wal");
	free(t);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM answers"), 2);

	TP(q, "migrated.db");
	assert_int_equal(store_open(q, 0, &s, &e), Q_OK);
	store_close(s);
	a = sq_text(p, "SELECT group_concat(sql, char(10)) FROM (SELECT sql "
	    "FROM sqlite_schema ORDER BY name)");
	b = sq_text(q, "SELECT group_concat(sql, char(10)) FROM (SELECT sql "
	    "FROM sqlite_schema ORDER BY name)");
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = sq_schema(p);
	b = sq_schema(q);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* ---- files that are not ours to write ---- */

/* store_open refuses path in both modes with rc and want in the message,
 * and leaves its bytes (and no journal) behind. */
static void
refused(const char *path, int rc, const char *want)
{
	struct store	*s = NULL;
	struct qerr	 e;
	char		*b, side[1300];
	size_t		 n;

	assert_non_null(b = tu_read_file(path, &n));
	for (int ro = 0; ro < 2; ro++) {
		memset(&e, 0, sizeof e);
		if (store_open(path, ro, &s, &e) == Q_OK)
			fail_msg("%s (readonly %d) was opened", path, ro);
		assert_null(s);
		if (rc >= 0)
			assert_int_equal(store_open(path, ro, &s, &e), rc);
		assert_msg(&e, path, want);
		assert_same_bytes(path, b, n);
	}
	snprintf(side, sizeof side, "%s-wal", path);
	assert_false(exists(side));
	snprintf(side, sizeof side, "%s-journal", path);
	assert_false(exists(side));
	free(b);
}

static void
test_newer(void **state)
{
	char	p[1200], sql[128];

	(void)state;
	TP(p, "newer.db");
	sq_exec(p, "CREATE TABLE future (x); "
	    "PRAGMA application_id = 1902341488; PRAGMA user_version = 99");
	refused(p, Q_EFORMAT, "newer");
	/* newer and empty: still newer */
	TP(p, "newer-empty.db");
	snprintf(sql, sizeof sql, "PRAGMA application_id = 1902341488; "
	    "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
	sq_exec(p, sql);
	refused(p, Q_EFORMAT, "newer");
}

static void
test_foreign(void **state)
{
	char	p[1200];

	(void)state;
	TP(p, "foreign.db");
	sq_exec(p, "CREATE TABLE contacts (name TEXT); "
	    "INSERT INTO contacts VALUES ('ada')");
	assert_int_equal(sq_int(p, "PRAGMA application_id"), 0);
	refused(p, Q_EFORMAT, "not a qcmp");
	/* another application's id, even without tables */
	TP(p, "other-app.db");
	sq_exec(p, "PRAGMA application_id = 305419896; PRAGMA user_version = 1");
	refused(p, Q_EFORMAT, "not a qcmp");
	/* our version number but no id, and tables */
	TP(p, "no-id.db");
	sq_exec(p, "CREATE TABLE answers (x); PRAGMA user_version = 1");
	refused(p, Q_EFORMAT, "not a qcmp");
}

static void
test_corrupt_random(void **state)
{
	unsigned char	 b[16384];
	uint32_t	 x = 12345;
	char		 p[1200];
	FILE		*f;

	(void)state;
	for (size_t i = 0; i < sizeof b; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (unsigned char)(x >> 16);
	}
	TP(p, "random.db");
	assert_non_null(f = fopen(p, "wb"));
	assert_int_equal(fwrite(b, 1, sizeof b, f), sizeof b);
	fclose(f);
	refused(p, -1, NULL);
	/* SQLite's magic, then garbage */
	memcpy(b, "SQLite format 3", 16);
	TP(p, "random-magic.db");
	assert_non_null(f = fopen(p, "wb"));
	assert_int_equal(fwrite(b, 1, sizeof b, f), sizeof b);
	fclose(f);
	refused(p, -1, NULL);
}

struct collect {
	int	n, stop_after;
};

static int
count_history(void *arg, const struct store_history_row *r)
{
	struct collect	*c = arg;

	(void)r;
	return (++c->n == c->stop_after);
}

static int
count_show(void *arg, const struct store_show_prompt *p,
    const struct store_show_answer *a)
{
	struct collect	*c = arg;

	(void)p;
	(void)a;
	c->n++;
	return (0);
}

static int
count_report(void *arg, const struct store_report_row *r)
{
	struct collect	*c = arg;

	(void)r;
	c->n++;
	return (0);
}

/* Either rc is Q_OK or e names path. */
static int
ok_or_named(int rc, const struct qerr *e, const char *path)
{
	if (rc != Q_OK)
		assert_msg(e, path, NULL);
	return (rc != Q_OK);
}

static void
test_corrupt_truncated(void **state)
{
	struct store_report_filter	 rf = { NULL, NULL, NULL };
	struct store			*s;
	struct collect			 c;
	struct qerr			 e;
	struct fx			 f;
	struct store_answer		 a;
	char				 p[1200], q[1200], name[32];
	size_t				 n, ps, cut[5];
	char				*b;
	int64_t				 id;
	FILE				*fp;

	(void)state;
	fx_db(p, sizeof p, "whole.db", &f);
	assert_non_null(b = tu_read_file(p, &n));
	free(b);
	ps = (size_t)sq_int(p, "PRAGMA page_size");
	assert_true(n > 8 * ps);
	cut[0] = 50;		/* inside the header */
	cut[1] = ps;		/* page 1 alone */
	cut[2] = n / 2;
	cut[3] = n - ps;	/* the last page missing */
	cut[4] = n;		/* whole, answers and tokens garbage */
	for (int i = 0; i < 5; i++) {
		int	failed = 0;

		snprintf(name, sizeof name, "cut-%d.db", i);
		TP(q, name);
		copy_file(p, q, cut[i]);
		for (int k = 0; cut[i] == n && k < 2; k++) {
			int64_t	pg = sq_int(p, k ? "SELECT rootpage FROM "
				    "sqlite_schema WHERE name = 'tokens'" :
				    "SELECT rootpage FROM sqlite_schema WHERE "
				    "name = 'answers'");

			assert_true(pg > 1);
			assert_non_null(fp = fopen(q, "r+b"));
			assert_int_equal(fseek(fp, (long)((pg - 1) * ps),
			    SEEK_SET), 0);
			for (size_t j = 0; j < ps; j++)
				fputc((j * 7919) >> 3 & 0xff, fp);
			fclose(fp);
		}
		memset(&e, 0, sizeof e);
		if (store_open(q, 0, &s, &e) != Q_OK) {
			assert_msg(&e, q, NULL);
			print_message("cut at %zu: %s\n", cut[i], e.msg);
			continue;
		}
		/* whatever still opens must fail cleanly, naming the file */
		memset(&c, 0, sizeof c);
		failed |= ok_or_named(store_history(s, 0, count_history, &c,
		    &e), &e, q);
		failed |= ok_or_named(store_show(s, f.prompt, count_show, &c,
		    &e), &e, q);
		failed |= ok_or_named(store_report(s, &rf, count_report, &c,
		    &e), &e, q);
		fx_answer(&a, &f, 0);
		a.slot = 7;
		failed |= ok_or_named(store_answer(s, &a, &id, &e), &e, q);
		failed |= ok_or_named(store_rate(s, f.ans[0], "wrong", NULL,
		    "human", 0, &id, &e), &e, q);
		store_close(s);
		print_message("cut at %zu: opened; last error: %s\n", cut[i],
		    e.msg);
		if (!failed)
			fail_msg("%s cut at %zu of %zu bytes read and wrote "
			    "without an error", q, cut[i], n);
	}
}

/* ---- read-only and impossible paths ---- */

static void
test_readonly(void **state)
{
	struct store_answer	 a;
	struct store_prompt	 pr = { 1, "run", "x", NULL, "raw", 0, 1, 0, 1,
				    1, 1, 0, NULL };
	struct store		*s;
	struct collect		 c = { 0, 0 };
	struct qerr		 e;
	struct fx		 f;
	char			 p[1200], q[1200], *b;
	size_t			 n;
	int64_t			 id;
	FILE			*fp;

	(void)state;
	fx_db(p, sizeof p, "ro.db", &f);
	assert_non_null(b = tu_read_file(p, &n));
	if (geteuid() != 0) {
		assert_int_equal(chmod(p, 0444), 0);
		memset(&e, 0, sizeof e);
		assert_int_not_equal(store_open(p, 0, &s, &e), Q_OK);
		assert_msg(&e, p, "read-only");
		assert_int_equal(chmod(p, 0644), 0);
	} else
		fprintf(stderr, "SKIP: chmod 0444 as root (root ignores file "
		    "modes); checking readonly=1 instead\n");
	/* opened read-only: reads work, every write fails, naming it */
	if (store_open(p, 1, &s, &e) != Q_OK)
		fail_msg("%s", e.msg);
	assert_int_equal(store_history(s, 0, count_history, &c, &e), Q_OK);
	assert_int_equal(c.n, 1);
	memset(&e, 0, sizeof e);
	assert_int_not_equal(store_rate(s, f.ans[0], "correct", NULL, "human",
	    0, &id, &e), Q_OK);
	assert_msg(&e, p, "read-only");
	memset(&e, 0, sizeof e);
	fx_answer(&a, &f, 0);
	a.slot = 5;
	assert_int_not_equal(store_answer(s, &a, &id, &e), Q_OK);
	assert_msg(&e, p, "read-only");
	memset(&e, 0, sizeof e);
	assert_int_not_equal(store_prompt(s, &pr, &id, &e), Q_OK);
	assert_msg(&e, p, "read-only");
	store_close(s);
	assert_same_bytes(p, b, n);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM ratings"), 0);
	free(b);

	/* read-only needs an existing, current database */
	TP(q, "absent.db");
	assert_int_not_equal(store_open(q, 1, &s, &e), Q_OK);
	assert_msg(&e, q, NULL);
	assert_false(exists(q));
	TP(q, "empty.db");
	assert_non_null(fp = fopen(q, "wb"));
	fclose(fp);
	assert_int_not_equal(store_open(q, 1, &s, &e), Q_OK);
	assert_msg(&e, q, "migrat");
	assert_non_null(b = tu_read_file(q, &n));
	assert_int_equal(n, 0);
	free(b);

	/* a directory that cannot be made: under a regular file */
	TP(q, "plain-file");
	assert_non_null(fp = fopen(q, "wb"));
	fputs("not a directory\n", fp);
	fclose(fp);
	TP(q, "plain-file/sub/history.db");
	assert_int_not_equal(store_open(q, 0, &s, &e), Q_OK);
	assert_msg(&e, q, NULL);
	TP(q, "plain-file/history.db");
	assert_int_not_equal(store_open(q, 0, &s, &e), Q_OK);
	assert_msg(&e, q, NULL);
	TP(q, "plain-file");
	assert_non_null(b = tu_read_file(q, &n));
	assert_string_equal(b, "not a directory\n");
	free(b);
}

/* ---- another process holding the write lock ---- */

static void
test_locked(void **state)
{
	struct store_answer	 a;
	struct store		*s;
	struct collect		 c = { 0, 0 };
	struct qerr		 e;
	struct fx		 f;
	char			 p[1200], ch;
	int			 ready[2], go[2], status;
	int64_t			 id = 0;
	double			 t0, dt;
	pid_t			 pid;

	(void)state;
	/* no connection of ours is open across fork(): SQLite's lock
	 * bookkeeping must not be shared with the child */
	fx_db(p, sizeof p, "locked.db", &f);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	if ((pid = fork()) == 0) {
		sqlite3	*db;
		int	 rc = 1;

		close(ready[0]);
		close(go[1]);
		if (sqlite3_open(p, &db) == SQLITE_OK &&
		    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL,
		    NULL) == SQLITE_OK) {
			if (write(ready[1], "l", 1) == 1 &&
			    read(go[0], &ch, 1) == 1 &&
			    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) ==
			    SQLITE_OK)
				rc = 0;
		}
		sqlite3_close(db);
		_exit(rc);
	}
	assert_true(pid > 0);
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &ch, 1), 1);

	/* opening and reading do not wait for a writer (WAL) */
	t0 = now_s();
	if (store_open(p, 0, &s, &e) != Q_OK)
		fail_msg("open while locked: %s", e.msg);
	assert_int_equal(store_history(s, 0, count_history, &c, &e), Q_OK);
	assert_int_equal(c.n, 1);
	assert_true(now_s() - t0 < 2.0);

	t0 = now_s();
	memset(&e, 0, sizeof e);
	assert_int_not_equal(store_rate(s, f.ans[0], "wrong", NULL, "human",
	    0, &id, &e), Q_OK);
	dt = now_s() - t0;
	assert_msg(&e, p, "locked");
	if (dt < 4.0 || dt > 4.0 + STORE_BUSY_MS / 1000.0)
		fail_msg("store_rate gave up after %.2f s, not about %d ms",
		    dt, STORE_BUSY_MS);

	t0 = now_s();
	memset(&e, 0, sizeof e);
	fx_answer(&a, &f, 0);
	a.slot = 2;
	assert_int_not_equal(store_answer(s, &a, &id, &e), Q_OK);
	dt = now_s() - t0;
	assert_msg(&e, p, "locked");
	assert_true(dt >= 4.0);

	/* released: the same calls go through */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(go[1]);
	if (store_rate(s, f.ans[0], "wrong", NULL, "human", 0, &id, &e) !=
	    Q_OK)
		fail_msg("rate after the lock: %s", e.msg);
	if (store_answer(s, &a, &id, &e) != Q_OK)
		fail_msg("answer after the lock: %s", e.msg);
	store_close(s);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM ratings"), 1);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM answers"), 3);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM tokens"), 6);
}

/* Several processes opening one new database at once (parallel batch
 * runs on a first use): each must end up with the database, migrated
 * once. */
static void
test_create_race(void **state)
{
	char	p[1200], name[32];
	int	status, bad = 0;

	(void)state;
	for (int r = 0; r < 40; r++) {
		snprintf(name, sizeof name, "race/%d.db", r);
		TP(p, name);
		for (int i = 0; i < 6; i++) {
			pid_t	pid = fork();

			assert_true(pid >= 0);
			if (pid == 0) {
				struct store	*s;
				struct qerr	 e;

				if (store_open(p, 0, &s, &e) != Q_OK) {
					fprintf(stderr, "race: %s\n", e.msg);
					_exit(1);
				}
				store_close(s);
				_exit(0);
			}
		}
		while (wait(&status) > 0)
			bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		assert_int_equal(sq_int(p, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	}
	assert_int_equal(bad, 0);
}

/* ---- writing and reading back ---- */

struct shown {
	struct store_show_prompt	p;
	struct store_show_answer	a[4];
	int				n, nulls;
};

static char *
dup_or_null(const char *s)
{
	return (s ? strdup(s) : NULL);
}

static int
keep_show(void *arg, const struct store_show_prompt *p,
    const struct store_show_answer *a)
{
	struct shown	*sh = arg;

	if (sh->n == 0 && sh->nulls == 0) {
		sh->p = *p;
		sh->p.created = dup_or_null(p->created);
		sh->p.model_path = dup_or_null(p->model_path);
		sh->p.front_end = dup_or_null(p->front_end);
		sh->p.text = dup_or_null(p->text);
		sh->p.system = dup_or_null(p->system);
		sh->p.tmpl = dup_or_null(p->tmpl);
	}
	if (a == NULL) {
		sh->nulls++;
		return (0);
	}
	assert_true(sh->n < 4);
	sh->a[sh->n] = *a;
	sh->a[sh->n].variant = dup_or_null(a->variant);
	sh->a[sh->n].format = dup_or_null(a->format);
	sh->a[sh->n].text = dup_or_null(a->text);
	sh->a[sh->n].finish = dup_or_null(a->finish);
	sh->a[sh->n].verdict = dup_or_null(a->verdict);
	sh->a[sh->n].note = dup_or_null(a->note);
	sh->a[sh->n].source = dup_or_null(a->source);
	sh->n++;
	return (0);
}

static void
shown_free(struct shown *sh)
{
	free((char *)sh->p.created);
	free((char *)sh->p.model_path);
	free((char *)sh->p.front_end);
	free((char *)sh->p.text);
	free((char *)sh->p.system);
	free((char *)sh->p.tmpl);
	for (int i = 0; i < sh->n; i++) {
		free((char *)sh->a[i].variant);
		free((char *)sh->a[i].format);
		free((char *)sh->a[i].text);
		free((char *)sh->a[i].finish);
		free((char *)sh->a[i].verdict);
		free((char *)sh->a[i].note);
		free((char *)sh->a[i].source);
	}
}

struct hist {
	int	n;
	int64_t	id[8];
	int	n_answers[8], n_rated[8];
	char	text[8][64], verdicts[8][128], model[8][64], created[8][32];
};

static int
keep_history(void *arg, const struct store_history_row *r)
{
	struct hist	*h = arg;

	assert_true(h->n < 8);
	h->id[h->n] = r->prompt_id;
	h->n_answers[h->n] = r->n_answers;
	h->n_rated[h->n] = r->n_rated;
	snprintf(h->text[h->n], 64, "%s", r->text);
	snprintf(h->verdicts[h->n], 128, "%s", r->verdicts);
	snprintf(h->model[h->n], 64, "%s", r->model_path);
	snprintf(h->created[h->n], 32, "%s", r->created);
	h->n++;
	return (0);
}

struct rep {
	int			n;
	struct store_report_row	r[8];
	char			s[8][5][64];
};

static int
keep_report(void *arg, const struct store_report_row *r)
{
	struct rep	*x = arg;
	const char	*f[5] = { r->model_path, r->variant, r->format,
			    r->verdict, r->ref_verdict };

	assert_true(x->n < 8);
	x->r[x->n] = *r;
	for (int i = 0; i < 5; i++)
		snprintf(x->s[x->n][i], 64, "%s", f[i] ? f[i] : "(null)");
	x->n++;
	return (0);
}

static int
report_n(struct store *s, const char *model, const char *since)
{
	struct store_report_filter	f = { model, since, NULL };
	struct rep			x;
	struct qerr			e;

	memset(&x, 0, sizeof x);
	if (store_report(s, &f, keep_report, &x, &e) != Q_OK)
		fail_msg("report: %s", e.msg);
	return (x.n);
}

static void
test_roundtrip(void **state)
{
	struct store_report_filter	 rf = { NULL, NULL, NULL };
	struct store_model		 m2 = fx_model;
	struct store_prompt		 p2 = { 0, "tui", "second prompt",
					    NULL, "chatml", 0, 1, 0, 8, 3,
					    7, 0, NULL };
	struct store			*s;
	struct shown			 sh;
	struct hist			 h;
	struct rep			 x;
	struct qerr			 e;
	struct fx			 f;
	int64_t				 id, rid[3], p2id;
	char				 p[1200], *t, *sha;

	(void)state;
	TP(p, "roundtrip.db");
	assert_int_equal(store_open(p, 0, &s, &e), Q_OK);
	fx_fill(s, &f);

	/* a known model and variant are found, not added again */
	assert_int_equal(store_model(s, &fx_model, &id, &e), Q_OK);
	assert_int_equal(id, f.model);
	assert_int_equal(store_variant(s, f.model, &fx_var[1], &id, &e),
	    Q_OK);
	assert_int_equal(id, f.var[1]);
	assert_true(f.var[0] != f.var[1]);
	/* the sha256 is remembered only for an unchanged file */
	sha = store_known_sha256(s, fx_model.path, fx_model.file_size,
	    fx_model.file_mtime);
	assert_non_null(sha);
	assert_string_equal(sha, SHA);
	free(sha);
	assert_null(store_known_sha256(s, fx_model.path, fx_model.file_size,
	    fx_model.file_mtime + 1));
	assert_null(store_known_sha256(s, fx_model.path,
	    fx_model.file_size + 1, fx_model.file_mtime));
	assert_null(store_known_sha256(s, "/elsewhere.gguf",
	    fx_model.file_size, fx_model.file_mtime));
	/* the same path with new contents is a new model */
	m2.sha256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
	m2.file_mtime++;
	assert_int_equal(store_model(s, &m2, &id, &e), Q_OK);
	assert_true(id != f.model);
	sha = store_known_sha256(s, fx_model.path, m2.file_size,
	    m2.file_mtime);
	assert_string_equal(sha, m2.sha256);
	free(sha);

	/* ratings: the latest counts; a missing answer or a bad verdict
	 * is the user's mistake */
	assert_int_equal(store_rate(s, f.ans[0], "wrong", "first look",
	    "human", 0, &rid[0], &e), Q_OK);
	assert_int_equal(store_rate(s, f.ans[0], "correct", NULL, "human", 0,
	    &rid[1], &e), Q_OK);
	assert_int_equal(store_rate(s, f.ans[1], "partial", "close", "auto",
	    1, &rid[2], &e), Q_OK);
	assert_true(rid[0] < rid[1] && rid[1] < rid[2]);
	memset(&e, 0, sizeof e);
	assert_int_equal(store_rate(s, f.ans[1] + 100, "correct", NULL,
	    "human", 0, &id, &e), Q_EUSAGE);
	assert_msg(&e, p, NULL);
	assert_int_equal(store_rate(s, f.ans[1], "maybe", NULL, "human", 0,
	    &id, &e), Q_EUSAGE);
	assert_int_equal(store_rate(s, f.ans[1], NULL, NULL, "human", 0, &id,
	    &e), Q_EUSAGE);
	assert_int_equal(store_rate(s, f.ans[1], "wrong", NULL, "human", 0,
	    NULL, &e), Q_OK);
	assert_int_equal(store_rate(s, f.ans[1], "partial", "close", "auto",
	    1, &id, &e), Q_OK);

	/* show: every field as written */
	memset(&sh, 0, sizeof sh);
	assert_int_equal(store_show(s, f.prompt, keep_show, &sh, &e), Q_OK);
	assert_int_equal(sh.n, 2);
	assert_int_equal(sh.nulls, 0);
	assert_int_equal(sh.p.prompt_id, f.prompt);
	assert_string_equal(sh.p.model_path, "/models/tiny.gguf");
	assert_string_equal(sh.p.front_end, "run");
	assert_string_equal(sh.p.text, "Q: max 37 73? A:");
	assert_string_equal(sh.p.system, "Be brief.");
	assert_string_equal(sh.p.tmpl, "raw");
	assert_true(sh.p.temperature == 0.8);
	assert_true(sh.p.top_p == 0.95);
	assert_int_equal(sh.p.top_k, 40);
	assert_int_equal(sh.p.n_predict, 16);
	assert_int_equal(sh.p.seed, 42);
	/* created is UTC ISO 8601 with milliseconds: 2024-05-01T12:34:56.789Z */
	assert_int_equal(strlen(sh.p.created), 24);
	assert_true(sh.p.created[10] == 'T' && sh.p.created[23] == 'Z');
	for (int i = 0; i < 2; i++) {
		const struct store_show_answer *a = &sh.a[i];

		assert_int_equal(a->answer_id, f.ans[i]);
		assert_int_equal(a->slot, i);
		assert_int_equal(a->is_reference, i == 0);
		assert_int_equal(a->n_tokens, 2);
		assert_string_equal(a->variant, fx_var[i].name);
		assert_string_equal(a->format, fx_var[i].format);
		assert_true(a->bits_per_weight == fx_var[i].bits_per_weight);
		assert_string_equal(a->text, i ? " 37" : " 73\xc3\xa9");
		assert_string_equal(a->finish, i ? "length" : "eos");
		assert_true(a->ttft_ms == 1.5 + i);
		assert_true(a->decode_tps == 250.5 - i);
		assert_true(a->cpu_ms == 3.25);
		assert_true(a->mean_logprob == -0.375 - i);
		assert_true(a->min_prob == 0.6);
		assert_true(a->confidence == (i ? 0.5 : 0.8125));
	}
	assert_int_equal(sh.a[0].has_divergence, 0);
	assert_int_equal(sh.a[1].has_divergence, 1);
	assert_int_equal(sh.a[1].first_divergence, 0);
	assert_true(sh.a[1].kld == 0.125);
	assert_true(sh.a[1].top1_agree == 0.5);
	assert_string_equal(sh.a[0].verdict, "correct");
	assert_null(sh.a[0].note);
	assert_string_equal(sh.a[0].source, "human");
	assert_int_equal(sh.a[0].blind, 0);
	assert_string_equal(sh.a[1].verdict, "partial");
	assert_string_equal(sh.a[1].note, "close");
	assert_string_equal(sh.a[1].source, "auto");
	assert_int_equal(sh.a[1].blind, 1);
	shown_free(&sh);

	/* tokens, as stored: pieces (with their lengths), figures, and the
	 * top alternatives as JSON */
	t = sq_text(p, "SELECT group_concat(r, ';') FROM (SELECT answer_id "
	    "|| ',' || idx || ',' || token_id || ',' || quote(piece) || ',' "
	    "|| logprob || ',' || entropy || ',' || ms || ',' || cpu_ms || "
	    "',' || top AS r FROM tokens ORDER BY answer_id, idx)");
	{
		char	want[1024];

		snprintf(want, sizeof want,
		    "%lld,0,30,' 7',-0.25,0.5,1.5,1.25,[[30,0.75],[31,0.125]];"
		    "%lld,1,12,'3\xc3\xa9',-0.5,0.75,2.5,1.0,[[12,0.5],[13,0.25]];"
		    "%lld,0,31,' 3',-1.0,1.5,1.0,0.5,[[30,0.75],[31,0.125]];"
		    "%lld,1,13,'7',-2.0,0.25,3.0,0.75,[[12,0.5],[13,0.25]]",
		    (long long)f.ans[0], (long long)f.ans[0],
		    (long long)f.ans[1], (long long)f.ans[1]);
		assert_string_equal(t, want);
	}
	free(t);
	t = sq_text(p, "SELECT group_concat(r, ';') FROM (SELECT "
	    "prompt_tps || ',' || mean_entropy || ',' || seq_prob || ',' || "
	    "coalesce(dlogprob, 'null') AS r FROM answers ORDER BY id)");
	assert_string_equal(t, "1000.25,0.625,0.47,null;1000.25,0.625,0.47,"
	    "-0.25");
	free(t);

	/* history: newest first, verdicts in slot order; a prompt without
	 * answers yet lists too */
	p2.model_id = f.model;
	assert_int_equal(store_prompt(s, &p2, &p2id, &e), Q_OK);
	memset(&h, 0, sizeof h);
	assert_int_equal(store_history(s, 0, keep_history, &h, &e), Q_OK);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.id[0], p2id);
	assert_int_equal(h.n_answers[0], 0);
	assert_int_equal(h.n_rated[0], 0);
	assert_string_equal(h.verdicts[0], "");
	assert_string_equal(h.text[0], "second prompt");
	assert_int_equal(h.id[1], f.prompt);
	assert_int_equal(h.n_answers[1], 2);
	assert_int_equal(h.n_rated[1], 2);
	assert_string_equal(h.verdicts[1], "f32:correct q8_0:partial");
	assert_string_equal(h.text[1], "Q: max 37 73? A:");
	assert_string_equal(h.model[1], "/models/tiny.gguf");
	memset(&h, 0, sizeof h);
	assert_int_equal(store_history(s, 1, keep_history, &h, &e), Q_OK);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.id[0], p2id);
	{
		struct collect c = { 0, 1 };

		assert_int_equal(store_history(s, 0, count_history, &c, &e),
		    Q_OK);
		assert_int_equal(c.n, 1);
	}
	/* show of a prompt without answers: once, with no answer */
	memset(&sh, 0, sizeof sh);
	assert_int_equal(store_show(s, p2id, keep_show, &sh, &e), Q_OK);
	assert_int_equal(sh.n, 0);
	assert_int_equal(sh.nulls, 1);
	assert_string_equal(sh.p.text, "second prompt");
	assert_null(sh.p.system);
	assert_string_equal(sh.p.front_end, "tui");
	assert_int_equal(sh.p.seed, 7);
	shown_free(&sh);
	memset(&e, 0, sizeof e);
	assert_int_equal(store_show(s, p2id + 50, keep_show, &sh, &e),
	    Q_EUSAGE);
	assert_msg(&e, p, NULL);

	/* report: the reference first, then falling bits/weight; verdicts
	 * and the reference's verdict */
	memset(&x, 0, sizeof x);
	assert_int_equal(store_report(s, &rf, keep_report, &x, &e), Q_OK);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.r[0].model_id, f.model);
	assert_int_equal(x.r[0].prompt_id, f.prompt);
	assert_string_equal(x.s[0][0], "/models/tiny.gguf");
	assert_string_equal(x.s[0][1], "f32");
	assert_string_equal(x.s[0][2], "f32");
	assert_string_equal(x.s[0][3], "correct");
	assert_string_equal(x.s[0][4], "correct");
	assert_int_equal(x.r[0].is_reference, 1);
	assert_int_equal(x.r[0].has_kld, 0);
	assert_int_equal(x.r[0].first_divergence, -2);
	assert_true(x.r[0].bits_per_weight == 32.0);
	assert_true(x.r[0].confidence == 0.8125);
	assert_true(x.r[0].decode_tps == 250.5);
	assert_string_equal(x.s[1][1], "q8_0");
	assert_string_equal(x.s[1][3], "partial");
	assert_string_equal(x.s[1][4], "correct");
	assert_int_equal(x.r[1].is_reference, 0);
	assert_int_equal(x.r[1].has_kld, 1);
	assert_true(x.r[1].kld == 0.125);
	assert_int_equal(x.r[1].first_divergence, 0);
	assert_true(x.r[1].confidence == 0.5);
	assert_true(x.r[1].decode_tps == 249.5);
	/* the model filter: id, path, file name, sha256 prefix of 6+ */
	assert_int_equal(report_n(s, "1", NULL), 2);
	assert_int_equal(report_n(s, "/models/tiny.gguf", NULL), 2);
	assert_int_equal(report_n(s, "tiny.gguf", NULL), 2);
	assert_int_equal(report_n(s, "ab12cd", NULL), 2);
	assert_int_equal(report_n(s, "AB12CD34", NULL), 2);
	assert_int_equal(report_n(s, "ab12c", NULL), 0);
	assert_int_equal(report_n(s, "other.gguf", NULL), 0);
	assert_int_equal(report_n(s, "2", NULL), 0);
	assert_int_equal(report_n(s, NULL, "2000-01-01"), 2);
	assert_int_equal(report_n(s, NULL, "2999-01-01"), 0);
	store_close(s);

	/* and the same facts through the views the schema documents */
	t = sq_text(p, "SELECT group_concat(r, ';') FROM (SELECT variant || ','"
	    " || answers || ',' || rated || ',' || correct || ',' || partial "
	    "|| ',' || wrong || ',' || error_rate AS r FROM variant_error_rates "
	    "ORDER BY variant)");
	assert_string_equal(t, "f32,1,1,1,0,0,0.0;q8_0,1,1,0,1,0,1.0");
	free(t);
}

/* A trigger that fails the third token row written. */
#define FAIL_TOKEN "CREATE TRIGGER boom BEFORE INSERT ON tokens WHEN " \
	"NEW.idx = 2 BEGIN SELECT RAISE(ABORT, 'injected failure'); END"

static void
test_atomic(void **state)
{
	static const struct store_token	three[3] = {
		{ 1, "a", 1, -1, 1, 1, 1, NULL, NULL, 0 },
		{ 2, "b", 1, -1, 1, 1, 1, NULL, NULL, 0 },
		{ 3, "c", 1, -1, 1, 1, 1, NULL, NULL, 0 },
	};
	struct store_answer	 a;
	struct store		*s;
	struct qerr		 e;
	struct fx		 f;
	char			 p[1200];
	int64_t			 id = 0;

	(void)state;
	TP(p, "atomic.db");
	assert_int_equal(store_open(p, 0, &s, &e), Q_OK);
	fx_fill(s, &f);

	/* the answer row itself refused (no such variant) */
	fx_answer(&a, &f, 0);
	a.slot = 3;
	a.variant_id = f.var[1] + 1000;
	memset(&e, 0, sizeof e);
	assert_int_not_equal(store_answer(s, &a, &id, &e), Q_OK);
	assert_msg(&e, p, NULL);
	/* the slot taken already */
	fx_answer(&a, &f, 1);
	assert_int_not_equal(store_answer(s, &a, &id, &e), Q_OK);
	assert_msg(&e, p, NULL);

	/* the answer row and two tokens written, the third refused: none
	 * of it stays */
	sq_exec(p, FAIL_TOKEN);
	fx_answer(&a, &f, 0);
	a.slot = 4;
	a.n_tokens = 3;
	a.tokens = three;
	a.text = "abc";
	a.text_len = 3;
	memset(&e, 0, sizeof e);
	assert_int_not_equal(store_answer(s, &a, &id, &e), Q_OK);
	assert_msg(&e, p, NULL);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM answers"), 2);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM answers WHERE "
	    "slot >= 3"), 0);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM tokens"), 4);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM tokens WHERE "
	    "token_id IN (1, 2, 3)"), 0);

	/* no transaction left open: the next answer and a rating commit */
	sq_exec(p, "DROP TRIGGER boom");
	if (store_answer(s, &a, &id, &e) != Q_OK)
		fail_msg("after a failed answer: %s", e.msg);
	assert_int_equal(store_rate(s, id, "wrong", NULL, "human", 0, NULL,
	    &e), Q_OK);
	/* visible to another connection while ours stays open */
	assert_int_equal(sq_int(p, "SELECT count(*) FROM answers"), 3);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM tokens"), 7);
	assert_int_equal(sq_int(p, "SELECT count(*) FROM ratings"), 1);
	store_close(s);
}

static void
test_default_path(void **state)
{
	char	*p, *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	(void)state;
	xdg = xdg ? strdup(xdg) : NULL;
	home = home ? strdup(home) : NULL;
	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("HOME", "/home/u", 1);
	p = store_default_path();
	assert_string_equal(p, "/x/data/qcmp/history.db");
	free(p);
	/* a relative XDG_DATA_HOME is ignored, as the spec says */
	setenv("XDG_DATA_HOME", "rel", 1);
	p = store_default_path();
	assert_string_equal(p, "/home/u/.local/share/qcmp/history.db");
	free(p);
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
	assert_null(store_default_path());
	if (xdg)
		setenv("XDG_DATA_HOME", xdg, 1);
	if (home)
		setenv("HOME", home, 1);
	free(xdg);
	free(home);
}

static void
test_verdict(void **state)
{
	(void)state;
	assert_string_equal(store_verdict("correct"), "correct");
	assert_string_equal(store_verdict("partial"), "partial");
	assert_string_equal(store_verdict("wrong"), "wrong");
	assert_null(store_verdict("Correct"));
	assert_null(store_verdict(""));
	assert_null(store_verdict(NULL));
}

static int
group_setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(tdir, sizeof tdir, "%s/qcmp-store-XXXXXX",
	    t && *t ? t : "/tmp");
	return (mkdtemp(tdir) == NULL ? -1 : 0);
}

static int
group_teardown(void **state)
{
	(void)state;
	if (getenv("QCMP_KEEP_TMP") != NULL) {
		fprintf(stderr, "kept %s\n", tdir);
		return (0);
	}
	return (nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_foreign_keys),
		cmocka_unit_test(test_migrate_v0),
		cmocka_unit_test(test_schema_file),
		cmocka_unit_test(test_newer),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_corrupt_random),
		cmocka_unit_test(test_corrupt_truncated),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_atomic),
		cmocka_unit_test(test_locked),
		cmocka_unit_test(test_create_race),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
