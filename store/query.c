/*
 * query.c: reading the history back: the recent prompts for `qcmp
 * history`, one prompt with all its answers for `qcmp show`, and every
 * answer with its latest verdict and its reference's verdict for `qcmp
 * report`, which does the arithmetic itself.
 */
#include "config.h"

#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "store-impl.h"

static const char *
store_col(sqlite3_stmt *st, int i)
{
	return ((const char *)sqlite3_column_text(st, i));
}

/* Steps st to the end, calling row for each; a non-zero return from row
 * stops early (not an error). */
static int
store_rows(struct store *s, sqlite3_stmt *st,
    int (*row)(sqlite3_stmt *, void *), void *arg, struct qerr *err)
{
	int	r, rc = Q_OK;

	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, arg) != 0)
			break;
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = store_fail(s, Q_EIO, err, "query");
	sqlite3_finalize(st);
	return (rc);
}

struct store_cb {
	void	*cb;
	void	*arg;
	int	 n;
};

static int
store_history_row(sqlite3_stmt *st, void *arg)
{
	struct store_cb			*c = arg;
	struct store_history_row	 r;

	r.prompt_id = sqlite3_column_int64(st, 0);
	r.created = store_col(st, 1);
	r.model_path = store_col(st, 2);
	r.text = store_col(st, 3);
	r.n_answers = sqlite3_column_int(st, 4);
	r.n_rated = sqlite3_column_int(st, 5);
	r.verdicts = store_col(st, 6) ? store_col(st, 6) : "";
	return (((store_history_cb)c->cb)(c->arg, &r));
}

int
store_history(struct store *s, int limit, store_history_cb cb, void *arg,
    struct qerr *err)
{
	struct store_cb	 c = { (void *)cb, arg, 0 };
	sqlite3_stmt	*st;
	int		 rc;

	rc = store_prepare(s, &st,
	    "SELECT p.id, p.created, m.path, p.text, "
	    "(SELECT count(*) FROM answers a WHERE a.prompt_id = p.id), "
	    "(SELECT count(verdict) FROM answer_verdicts av "
	    "    WHERE av.prompt_id = p.id), "
	    "(SELECT group_concat(variant || ':' || coalesce(verdict, '-'), "
	    "    ' ') FROM (SELECT variant, verdict FROM answer_verdicts av "
	    "    JOIN answers a ON a.id = av.answer_id "
	    "    WHERE av.prompt_id = p.id ORDER BY a.slot)) "
	    "FROM prompts p JOIN models m ON m.id = p.model_id "
	    "ORDER BY p.id DESC LIMIT ?1", err);
	if (rc != Q_OK)
		return (rc);
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	return (store_rows(s, st, store_history_row, &c, err));
}

struct store_show_ctx {
	store_show_cb			 cb;
	void				*arg;
	struct store_show_prompt	*p;
	int				 n;
};

static int
store_show_row(sqlite3_stmt *st, void *arg)
{
	struct store_show_ctx		*c = arg;
	struct store_show_answer	 a;

	c->n++;
	memset(&a, 0, sizeof a);
	a.answer_id = sqlite3_column_int64(st, 0);
	a.slot = sqlite3_column_int(st, 1);
	a.is_reference = sqlite3_column_int(st, 2);
	a.variant = store_col(st, 3);
	a.format = store_col(st, 4);
	a.bits_per_weight = sqlite3_column_double(st, 5);
	a.text = store_col(st, 6);
	a.finish = store_col(st, 7);
	a.n_tokens = sqlite3_column_int(st, 8);
	a.ttft_ms = sqlite3_column_double(st, 9);
	a.decode_tps = sqlite3_column_double(st, 10);
	a.cpu_ms = sqlite3_column_double(st, 11);
	a.mean_logprob = sqlite3_column_double(st, 12);
	a.min_prob = sqlite3_column_double(st, 13);
	a.confidence = sqlite3_column_double(st, 14);
	a.has_divergence = sqlite3_column_type(st, 15) != SQLITE_NULL;
	a.first_divergence = sqlite3_column_int(st, 15);
	a.kld = sqlite3_column_double(st, 16);
	a.top1_agree = sqlite3_column_double(st, 17);
	a.verdict = store_col(st, 18);
	a.note = store_col(st, 19);
	a.source = store_col(st, 20);
	a.blind = sqlite3_column_int(st, 21);
	return (c->cb(c->arg, c->p, &a));
}

int
store_show(struct store *s, int64_t prompt_id, store_show_cb cb, void *arg,
    struct qerr *err)
{
	struct store_show_prompt p;
	struct store_show_ctx	 c = { cb, arg, &p, 0 };
	sqlite3_stmt		*st, *ast;
	int			 rc, r;

	rc = store_prepare(s, &st, "SELECT p.id, p.created, m.path, "
	    "p.front_end, p.text, p.system, p.template, p.temperature, "
	    "p.top_k, p.top_p, p.n_predict, p.seed FROM prompts p "
	    "JOIN models m ON m.id = p.model_id WHERE p.id = ?1", err);
	if (rc != Q_OK)
		return (rc);
	sqlite3_bind_int64(st, 1, prompt_id);
	if ((r = sqlite3_step(st)) != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? qerr_set(err, Q_EUSAGE, "%s: no prompt "
		    "%lld", s->path, (long long)prompt_id) :
		    store_fail(s, Q_EIO, err, "query");
		sqlite3_finalize(st);
		return (rc);
	}
	memset(&p, 0, sizeof p);
	p.prompt_id = sqlite3_column_int64(st, 0);
	p.created = store_col(st, 1);
	p.model_path = store_col(st, 2);
	p.front_end = store_col(st, 3);
	p.text = store_col(st, 4);
	p.system = store_col(st, 5);
	p.tmpl = store_col(st, 6);
	p.temperature = sqlite3_column_double(st, 7);
	p.top_k = sqlite3_column_int(st, 8);
	p.top_p = sqlite3_column_double(st, 9);
	p.n_predict = sqlite3_column_int(st, 10);
	p.seed = sqlite3_column_int64(st, 11);
	/* the prompt's strings stay valid while st lives */
	rc = store_prepare(s, &ast, "SELECT a.id, a.slot, a.is_reference, "
	    "v.name, v.format, v.bits_per_weight, a.text, a.finish, "
	    "a.n_tokens, a.ttft_ms, a.decode_tps, a.cpu_ms, a.mean_logprob, "
	    "a.min_prob, a.confidence, a.first_divergence, a.kld, "
	    "a.top1_agree, av.verdict, av.note, av.source, av.blind "
	    "FROM answers a JOIN variants v ON v.id = a.variant_id "
	    "JOIN answer_verdicts av ON av.answer_id = a.id "
	    "WHERE a.prompt_id = ?1 ORDER BY a.slot", err);
	if (rc == Q_OK) {
		sqlite3_bind_int64(ast, 1, prompt_id);
		rc = store_rows(s, ast, store_show_row, &c, err);
		if (rc == Q_OK && c.n == 0)
			(void)cb(arg, &p, NULL);
	}
	sqlite3_finalize(st);
	return (rc);
}

static int
store_report_row(sqlite3_stmt *st, void *arg)
{
	struct store_cb		*c = arg;
	struct store_report_row	 r;

	memset(&r, 0, sizeof r);
	r.model_id = sqlite3_column_int64(st, 0);
	r.model_path = store_col(st, 1);
	r.prompt_id = sqlite3_column_int64(st, 2);
	r.variant = store_col(st, 3);
	r.format = store_col(st, 4);
	r.bits_per_weight = sqlite3_column_double(st, 5);
	r.is_reference = sqlite3_column_int(st, 6);
	r.confidence = sqlite3_column_double(st, 7);
	r.has_kld = sqlite3_column_type(st, 8) != SQLITE_NULL;
	r.kld = sqlite3_column_double(st, 8);
	r.first_divergence = sqlite3_column_type(st, 9) == SQLITE_NULL ? -2 :
	    sqlite3_column_int(st, 9);
	r.decode_tps = sqlite3_column_double(st, 10);
	r.verdict = store_col(st, 11);
	r.ref_verdict = store_col(st, 12);
	return (((store_report_cb)c->cb)(c->arg, &r));
}

int
store_report(struct store *s, const struct store_report_filter *f,
    store_report_cb cb, void *arg, struct qerr *err)
{
	struct store_cb	 c = { (void *)cb, arg, 0 };
	sqlite3_stmt	*st;
	int		 rc;

	/* ?1 matches a model by id, path, file name or sha256 prefix */
	rc = store_prepare(s, &st,
	    "SELECT av.model_id, m.path, av.prompt_id, av.variant, "
	    "av.format, av.bits_per_weight, av.is_reference, av.confidence, "
	    "av.kld, av.first_divergence, av.decode_tps, av.verdict, "
	    "(SELECT r.verdict FROM answer_verdicts r WHERE "
	    "    r.prompt_id = av.prompt_id AND r.is_reference = 1) "
	    "FROM answer_verdicts av JOIN models m ON m.id = av.model_id "
	    "WHERE (?1 IS NULL OR CAST(m.id AS TEXT) = ?1 OR m.path = ?1 "
	    "    OR m.path LIKE '%/' || ?1 OR (length(?1) >= 6 AND "
	    "    substr(m.sha256, 1, length(?1)) = lower(?1))) "
	    "AND (?2 IS NULL OR av.asked >= ?2) "
	    "AND (?3 IS NULL OR av.prompt_id IN (SELECT p.id FROM prompts p "
	    "    JOIN runs r ON r.id = p.run_id WHERE r.name = ?3)) "
	    "ORDER BY av.model_id, av.is_reference DESC, "
	    "av.bits_per_weight DESC, av.variant, av.prompt_id", err);
	if (rc != Q_OK)
		return (rc);
	if (f->model != NULL)
		sqlite3_bind_text(st, 1, f->model, -1, SQLITE_STATIC);
	if (f->since != NULL)
		sqlite3_bind_text(st, 2, f->since, -1, SQLITE_STATIC);
	if (f->run != NULL)
		sqlite3_bind_text(st, 3, f->run, -1, SQLITE_STATIC);
	return (store_rows(s, st, store_report_row, &c, err));
}
