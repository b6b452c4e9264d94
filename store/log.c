/*
 * log.c: writing the history as it happens: models, variants, prompts,
 * each finished answer with its tokens in one transaction (so a killed
 * process leaves no half-written answer), divergence figures, and
 * ratings committed the moment they are made.  Statements are prepared
 * once per database and reused.
 */
#include "config.h"

#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-impl.h"

static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_MODEL_FIND] = "SELECT id FROM models WHERE path = ?1 AND "
	    "sha256 = ?2",
	[ST_MODEL_ADD] = "INSERT INTO models (path, sha256, file_size, "
	    "file_mtime, architecture, n_params, n_vocab) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_MODEL_SHA] = "SELECT sha256 FROM models WHERE path = ?1 AND "
	    "file_size = ?2 AND file_mtime = ?3 ORDER BY id DESC LIMIT 1",
	[ST_VARIANT_FIND] = "SELECT id FROM variants WHERE model_id = ?1 AND "
	    "name = ?2 AND format = ?3 AND built = ?4",
	[ST_VARIANT_ADD] = "INSERT INTO variants (model_id, name, format, "
	    "built, bits_per_weight, weight_bytes) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_PROMPT_ADD] = "INSERT INTO prompts (model_id, front_end, text, "
	    "system, template, temperature, top_k, top_p, seed, n_predict, "
	    "n_prompt, run_id, item) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12, ?13)",
	[ST_ANSWER_ADD] = "INSERT INTO answers (prompt_id, variant_id, slot, "
	    "is_reference, text, finish, n_tokens, ttft_ms, prompt_tps, "
	    "decode_tps, cpu_ms, mean_logprob, min_prob, mean_entropy, "
	    "seq_prob, confidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[ST_TOKEN_ADD] = "INSERT INTO tokens (answer_id, idx, token_id, "
	    "piece, logprob, entropy, ms, cpu_ms, top) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_DIVERGENCE] = "UPDATE answers SET first_divergence = ?2, "
	    "kld = ?3, top1_agree = ?4, dlogprob = ?5 WHERE id = ?1",
	[ST_ANSWER_EXISTS] = "SELECT 1 FROM answers WHERE id = ?1",
	[ST_RATE] = "INSERT INTO ratings (answer_id, verdict, note, source, "
	    "blind) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_RUN_FIND] = "SELECT id, model_id FROM runs WHERE name = ?1",
	[ST_RUN_ADD] = "INSERT INTO runs (name, model_id, source) VALUES "
	    "(?1, ?2, ?3)",
	[ST_RUN_ANSWERED] = "SELECT p.item, v.name FROM prompts p "
	    "JOIN answers a ON a.prompt_id = p.id "
	    "JOIN variants v ON v.id = a.variant_id "
	    "WHERE p.run_id = ?1 AND a.finish <> 'stopped' ORDER BY p.id",
};

sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt id, struct qerr *err)
{
	if (s->st[id] == NULL) {
		if (store_prepare(s, &s->st[id], store_sql[id], err) != Q_OK)
			return (NULL);
	} else {
		sqlite3_reset(s->st[id]);
		sqlite3_clear_bindings(s->st[id]);
	}
	return (s->st[id]);
}

void
store_log_finalize(struct store *s)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
}

/* Runs a statement that returns no rows. */
static int
store_done(struct store *s, sqlite3_stmt *st, struct qerr *err,
    const char *what)
{
	int	rc = sqlite3_step(st) == SQLITE_DONE ? Q_OK :
		    store_fail(s, Q_EIO, err, what);

	sqlite3_reset(st);
	return (rc);
}

static int
store_simple(struct store *s, enum store_stmt id, struct qerr *err)
{
	sqlite3_stmt	*st = store_stmt(s, id, err);

	return (st == NULL ? Q_EIO : store_done(s, st, err, store_sql[id]));
}

/* *id = the first column of the statement's row, Q_EUSAGE if none. */
static int
store_find(struct store *s, sqlite3_stmt *st, int64_t *id, struct qerr *err)
{
	int	r = sqlite3_step(st);

	if (r == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r == SQLITE_ROW)
		return (Q_OK);
	if (r == SQLITE_DONE)
		return (Q_EUSAGE);
	return (store_fail(s, Q_EIO, err, "select"));
}

static void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

int
store_model(struct store *s, const struct store_model *m, int64_t *id,
    struct qerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, ST_MODEL_FIND, err)) == NULL)
		return (Q_EIO);
	store_bind_text(st, 1, m->path);
	store_bind_text(st, 2, m->sha256);
	if ((rc = store_find(s, st, id, err)) != Q_EUSAGE)
		return (rc);
	if ((st = store_stmt(s, ST_MODEL_ADD, err)) == NULL)
		return (Q_EIO);
	store_bind_text(st, 1, m->path);
	store_bind_text(st, 2, m->sha256);
	sqlite3_bind_int64(st, 3, m->file_size);
	sqlite3_bind_int64(st, 4, m->file_mtime);
	store_bind_text(st, 5, m->architecture);
	sqlite3_bind_int64(st, 6, m->n_params);
	sqlite3_bind_int(st, 7, m->n_vocab);
	if ((rc = store_done(s, st, err, "add model")) == Q_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return (rc);
}

char *
store_known_sha256(struct store *s, const char *path, int64_t size,
    int64_t mtime)
{
	sqlite3_stmt	*st;
	char		*sha = NULL;

	if ((st = store_stmt(s, ST_MODEL_SHA, NULL)) == NULL)
		return (NULL);
	store_bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int64(st, 3, mtime);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		sha = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return (sha);
}

int
store_variant(struct store *s, int64_t model_id,
    const struct store_variant *v, int64_t *id, struct qerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, ST_VARIANT_FIND, err)) == NULL)
		return (Q_EIO);
	sqlite3_bind_int64(st, 1, model_id);
	store_bind_text(st, 2, v->name);
	store_bind_text(st, 3, v->format);
	sqlite3_bind_int(st, 4, v->built);
	if ((rc = store_find(s, st, id, err)) != Q_EUSAGE)
		return (rc);
	if ((st = store_stmt(s, ST_VARIANT_ADD, err)) == NULL)
		return (Q_EIO);
	sqlite3_bind_int64(st, 1, model_id);
	store_bind_text(st, 2, v->name);
	store_bind_text(st, 3, v->format);
	sqlite3_bind_int(st, 4, v->built);
	sqlite3_bind_double(st, 5, v->bits_per_weight);
	sqlite3_bind_int64(st, 6, v->weight_bytes);
	if ((rc = store_done(s, st, err, "add variant")) == Q_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return (rc);
}

int
store_prompt(struct store *s, const struct store_prompt *p, int64_t *id,
    struct qerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, ST_PROMPT_ADD, err)) == NULL)
		return (Q_EIO);
	sqlite3_bind_int64(st, 1, p->model_id);
	store_bind_text(st, 2, p->front_end);
	store_bind_text(st, 3, p->text);
	store_bind_text(st, 4, p->system);
	store_bind_text(st, 5, p->tmpl);
	sqlite3_bind_double(st, 6, p->temperature);
	sqlite3_bind_int(st, 7, p->top_k);
	sqlite3_bind_double(st, 8, p->top_p);
	sqlite3_bind_int64(st, 9, (int64_t)p->seed);
	sqlite3_bind_int(st, 10, p->n_predict);
	sqlite3_bind_int(st, 11, p->n_prompt);
	if (p->run_id > 0)
		sqlite3_bind_int64(st, 12, p->run_id);
	store_bind_text(st, 13, p->item);
	if ((rc = store_done(s, st, err, "add prompt")) == Q_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return (rc);
}

/* The top alternatives as JSON [[id, prob], ...] into buf. */
static void
store_top_json(const struct store_token *t, char *buf, size_t size)
{
	size_t	n = 0;

	n += snprintf(buf + n, size - n, "[");
	for (int i = 0; i < t->n_top && n < size; i++)
		n += snprintf(buf + n, size - n, "%s[%d,%.6g]", i ? "," : "",
		    t->top_id[i], t->top_p[i]);
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

static int
store_tokens(struct store *s, int64_t answer_id, const struct store_answer *a,
    struct qerr *err)
{
	char		 top[512];
	sqlite3_stmt	*st;
	int		 rc;

	for (int i = 0; i < a->n_tokens; i++) {
		const struct store_token *t = &a->tokens[i];

		if ((st = store_stmt(s, ST_TOKEN_ADD, err)) == NULL)
			return (Q_EIO);
		store_top_json(t, top, sizeof top);
		sqlite3_bind_int64(st, 1, answer_id);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_int(st, 3, t->id);
		sqlite3_bind_text(st, 4, t->piece ? t->piece : "",
		    (int)t->piece_len, SQLITE_STATIC);
		sqlite3_bind_double(st, 5, t->logprob);
		sqlite3_bind_double(st, 6, t->entropy);
		sqlite3_bind_double(st, 7, t->ms);
		sqlite3_bind_double(st, 8, t->cpu_ms);
		sqlite3_bind_text(st, 9, top, -1, SQLITE_STATIC);
		if ((rc = store_done(s, st, err, "add token")) != Q_OK)
			return (rc);
	}
	return (Q_OK);
}

int
store_answer(struct store *s, const struct store_answer *a, int64_t *id,
    struct qerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = store_simple(s, ST_BEGIN, err)) != Q_OK)
		return (rc);
	if ((st = store_stmt(s, ST_ANSWER_ADD, err)) == NULL) {
		rc = Q_EIO;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, a->prompt_id);
	sqlite3_bind_int64(st, 2, a->variant_id);
	sqlite3_bind_int(st, 3, a->slot);
	sqlite3_bind_int(st, 4, a->is_reference);
	sqlite3_bind_text(st, 5, a->text ? a->text : "", a->text ?
	    (int)a->text_len : 0, SQLITE_STATIC);
	store_bind_text(st, 6, a->finish);
	sqlite3_bind_int(st, 7, a->n_tokens);
	sqlite3_bind_double(st, 8, a->ttft_ms);
	sqlite3_bind_double(st, 9, a->prompt_tps);
	sqlite3_bind_double(st, 10, a->decode_tps);
	sqlite3_bind_double(st, 11, a->cpu_ms);
	sqlite3_bind_double(st, 12, a->mean_logprob);
	sqlite3_bind_double(st, 13, a->min_prob);
	sqlite3_bind_double(st, 14, a->mean_entropy);
	sqlite3_bind_double(st, 15, a->seq_prob);
	sqlite3_bind_double(st, 16, a->confidence);
	if ((rc = store_done(s, st, err, "add answer")) != Q_OK)
		goto fail;
	*id = sqlite3_last_insert_rowid(s->db);
	if ((rc = store_tokens(s, *id, a, err)) != Q_OK)
		goto fail;
	if ((rc = store_simple(s, ST_COMMIT, err)) == Q_OK)
		return (Q_OK);
fail:
	(void)store_simple(s, ST_ROLLBACK, NULL);
	return (rc);
}

int
store_divergence(struct store *s, int64_t answer_id,
    const struct store_divergence *d, struct qerr *err)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, ST_DIVERGENCE, err)) == NULL)
		return (Q_EIO);
	sqlite3_bind_int64(st, 1, answer_id);
	sqlite3_bind_int(st, 2, d->first);
	sqlite3_bind_double(st, 3, d->kld);
	sqlite3_bind_double(st, 4, d->top1_agree);
	sqlite3_bind_double(st, 5, d->dlogprob);
	return (store_done(s, st, err, "add divergence"));
}

int
store_rate(struct store *s, int64_t answer_id, const char *verdict,
    const char *note, const char *source, int blind, int64_t *id,
    struct qerr *err)
{
	sqlite3_stmt	*st;
	int64_t		 one;
	int		 rc;

	if (store_verdict(verdict) == NULL)
		return (qerr_set(err, Q_EUSAGE, "verdict '%s': one of correct, "
		    "partial, wrong", verdict ? verdict : ""));
	if ((st = store_stmt(s, ST_ANSWER_EXISTS, err)) == NULL)
		return (Q_EIO);
	sqlite3_bind_int64(st, 1, answer_id);
	if ((rc = store_find(s, st, &one, err)) == Q_EUSAGE)
		return (qerr_set(err, Q_EUSAGE, "%s: no answer %lld", s->path,
		    (long long)answer_id));
	if (rc != Q_OK)
		return (rc);
	if ((st = store_stmt(s, ST_RATE, err)) == NULL)
		return (Q_EIO);
	sqlite3_bind_int64(st, 1, answer_id);
	store_bind_text(st, 2, verdict);
	store_bind_text(st, 3, note);
	store_bind_text(st, 4, source);
	sqlite3_bind_int(st, 5, blind != 0);
	if ((rc = store_done(s, st, err, "add rating")) == Q_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return (rc);
}

int
store_run(struct store *s, const char *name, int64_t model_id,
    const char *source, int64_t *id, int *created, struct qerr *err)
{
	sqlite3_stmt	*st;
	int		 r, rc;
	int64_t		 owner = 0;

	*created = 0;
	if ((st = store_stmt(s, ST_RUN_FIND, err)) == NULL)
		return (Q_EIO);
	store_bind_text(st, 1, name);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		owner = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (r == SQLITE_ROW) {
		if (owner != model_id)
			return (qerr_set(err, Q_EUSAGE, "%s: run '%s' belongs "
			    "to another model (number %lld)", s->path, name,
			    (long long)owner));
		return (Q_OK);
	}
	if (r != SQLITE_DONE)
		return (store_fail(s, Q_EIO, err, "select run"));
	if ((st = store_stmt(s, ST_RUN_ADD, err)) == NULL)
		return (Q_EIO);
	store_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, model_id);
	store_bind_text(st, 3, source);
	if ((rc = store_done(s, st, err, "add run")) == Q_OK) {
		*id = sqlite3_last_insert_rowid(s->db);
		*created = 1;
	}
	return (rc);
}

int
store_run_answered(struct store *s, int64_t run_id, store_answered_cb cb,
    void *arg, struct qerr *err)
{
	sqlite3_stmt	*st;
	int		 r;

	if ((st = store_stmt(s, ST_RUN_ANSWERED, err)) == NULL)
		return (Q_EIO);
	sqlite3_bind_int64(st, 1, run_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1)) != 0) {
			r = SQLITE_DONE;
			break;
		}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return (store_fail(s, Q_EIO, err, "select run answers"));
	return (Q_OK);
}
