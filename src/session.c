/*
 * session.c: one prompt after another through the engine, without ever
 * waiting for it (see session.h).  The divergence of each answer needs
 * the reference's whole answer fed through every variant, seconds on a
 * large model, so it runs on a thread of its own; the history is written
 * only from the caller's thread, which keeps one SQLite connection on one
 * thread.
 */
#include "config.h"

#include "session.h"

#include <stdatomic.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "variant.h"

void
session_init(struct session *s, struct model **v, int n, struct store *store)
{
	memset(s, 0, sizeof *s);
	s->v = v;
	s->n = n;
	s->store = store;
	s->tmpl = -1;
	s->front_end = "tui";
	s->keep_stopped = 1;
	gen_defaults(&s->gen);
}

static void
session_fail(struct session *s, const char *what, const char *msg)
{
	snprintf(s->msg, sizeof s->msg, "%.100s: %.400s", what, msg);
}

/* One prompt's divergence being scored: what the thread reads is its own
 * copy, so the next prompt can start at once.  Only the oldest job runs;
 * the next starts when it is collected, so the cores go to one scoring at
 * a time and results come back in order. */
struct session_score {
	struct session_score	*next;
	pthread_t		 tid;
	int			 started;
	atomic_int		 done;
	atomic_int		 cancel;
	struct model		*v[ENGINE_MAX_VARIANTS];
	int			 n;
	int32_t			*prompt, *ref;
	size_t			 n_prompt, n_ref;
	int			 first[ENGINE_MAX_VARIANTS];
	struct div_stats	 dv[ENGINE_MAX_VARIANTS];
	struct history		 h;
	int			 recording;
	int			 current;	/* the session's prompt */
};

static void *
session_score(void *arg)
{
	struct session_score	*j = arg;

	for (int i = 1; i < j->n; i++) {
		struct qerr	err;

		memset(&j->dv[i], 0, sizeof j->dv[i]);
		if (div_score_until(j->v[0], j->v[i], j->prompt, j->n_prompt,
		    j->ref, j->n_ref, NULL, &j->cancel, &j->dv[i], &err) !=
		    Q_OK)
			j->dv[i].n = 0;
		j->dv[i].first = j->first[i];
	}
	atomic_store(&j->done, 1);
	return (NULL);
}

static void
session_score_free(struct session_score *j)
{
	free(j->prompt);
	free(j->ref);
	free(j);
}

/* Starts the oldest job unless it runs; one that cannot start is left
 * unscored. */
static void
session_score_run(struct session *s)
{
	struct session_score	*j;

	while ((j = s->scoring) != NULL && !j->started) {
		if (pthread_create(&j->tid, NULL, session_score, j) == 0) {
			j->started = 1;
			return;
		}
		s->scoring = j->next;
		if (j->current)
			s->scored = 1;
		session_score_free(j);
	}
}

/* Queues the scoring of the current prompt's answers; 0 when it could
 * not (the divergence is then left out). */
static int
session_score_start(struct session *s)
{
	struct session_score	*j, **tail;

	if ((j = calloc(1, sizeof *j)) == NULL ||
	    (j->prompt = malloc(s->n_ids * sizeof *j->prompt + 1)) == NULL ||
	    (j->ref = malloc((size_t)s->ans[0].n * sizeof *j->ref + 1)) ==
	    NULL) {
		if (j != NULL)
			session_score_free(j);
		return (0);
	}
	memcpy(j->v, s->v, (size_t)s->n * sizeof s->v[0]);
	j->n = s->n;
	memcpy(j->prompt, s->ids, s->n_ids * sizeof *j->prompt);
	j->n_prompt = s->n_ids;
	memcpy(j->ref, s->ans[0].ids, (size_t)s->ans[0].n * sizeof *j->ref);
	j->n_ref = (size_t)s->ans[0].n;
	memcpy(j->first, s->first_div, sizeof j->first);
	j->h = s->h;
	j->recording = s->recording;
	j->current = 1;
	atomic_init(&j->done, 0);
	atomic_init(&j->cancel, 0);
	for (tail = &s->scoring; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = j;
	session_score_run(s);
	return (1);
}

/* Records the jobs that are done, oldest first; wait: all of them. */
static int
session_score_collect(struct session *s, int wait)
{
	struct session_score	*j;
	struct qerr		 err;
	int			 got = 0;

	while ((j = s->scoring) != NULL && (wait || atomic_load(&j->done))) {
		pthread_join(j->tid, NULL);
		s->scoring = j->next;
		for (int i = 1; j->recording && !atomic_load(&j->cancel) &&
		    i < j->n; i++)
			if (history_divergence(&j->h, i, &j->dv[i], &err) !=
			    Q_OK) {
				session_fail(s, "history", err.msg);
				break;
			}
		if (j->current) {
			memcpy(s->dv, j->dv, sizeof s->dv);
			s->scored = 1;
		}
		session_score_free(j);
		got++;
		session_score_run(s);
	}
	return (got);
}

void
session_clear(struct session *s)
{
	if (s->e != NULL) {
		engine_stop(s->e);
		engine_free(s->e);
		s->e = NULL;
	}
	for (struct session_score *j = s->scoring; j != NULL; j = j->next)
		j->current = 0;
	for (int i = 0; i < s->asked; i++)
		answer_free(&s->ans[i]);
	free(s->text);
	free(s->ids);
	s->text = NULL;
	s->ids = NULL;
	s->asked = s->running = s->recording = s->scored = 0;
	s->score_started = 0;
}

int
session_busy(const struct session *s)
{
	return (s->running);
}

int
session_idle(const struct session *s)
{
	return (!s->running && s->scoring == NULL);
}

void
session_drain(struct session *s, int cancel)
{
	for (struct session_score *j = s->scoring; cancel && j != NULL;
	    j = j->next)
		atomic_store(&j->cancel, 1);
	session_score_collect(s, 1);
}

int
session_ask(struct session *s, const char *text, struct qerr *err)
{
	struct history_prompt	hp;
	enum chat_tmpl		t;
	int			rc;

	if (session_busy(s))
		return (qerr_set(err, Q_EUSAGE, "the previous prompt is still "
		    "being answered (Esc stops it)"));
	session_clear(s);
	s->msg[0] = '\0';
	if ((s->text = strdup(text)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	if ((rc = chat_encode(s->v[0]->vocab, s->tmpl, s->system, text, &t,
	    &s->ids, &s->n_ids, err)) != Q_OK ||
	    (rc = generate_check(s->v[0], &s->gen, s->n_ids, err)) != Q_OK ||
	    (rc = engine_new(s->v, s->n, s->isolated, &s->e, err)) != Q_OK)
		goto fail;
	s->tmpl_name = chat_name(t);
	if (s->store != NULL) {
		hp = (struct history_prompt){ s->front_end, s->text, s->system,
		    s->tmpl_name, &s->gen, (int)s->n_ids, s->run_id, s->item,
		    s->no_reference };
		if ((rc = history_begin(&s->h, s->store, s->v, s->n, &hp,
		    err)) != Q_OK)
			goto fail;
		s->recording = 1;
	}
	for (int i = 0; i < s->n; i++) {
		answer_init(&s->ans[i]);
		s->first_div[i] = -1;
		s->verdict[i][0] = '\0';
	}
	memset(s->dv, 0, sizeof s->dv);
	s->asked = s->n;
	if ((rc = engine_start(s->e, s->ids, s->n_ids, &s->gen, err)) != Q_OK)
		goto fail;
	s->running = 1;
	return (Q_OK);
fail:
	session_clear(s);
	return (rc);
}

/* The first divergence of every answer from the reference so far: an
 * answer departs where its tokens first differ, or where one of the two
 * ended and the other went on. */
static void
session_track(struct session *s)
{
	const struct answer	*r = &s->ans[0];

	for (int i = 1; i < s->n; i++) {
		const struct answer *a = &s->ans[i];
		int	common = a->n < r->n ? a->n : r->n, k;

		if (s->first_div[i] >= 0)
			continue;
		for (k = 0; k < common && a->ids[k] == r->ids[k]; k++)
			;
		if (k < common || (a->done && r->done && a->n != r->n) ||
		    (a->done && k < r->n) || (r->done && k < a->n))
			s->first_div[i] = k;
	}
}

static void
session_record(struct session *s, int slot)
{
	struct qerr	err;

	if (!s->recording || (!s->keep_stopped && s->ans[slot].rc == Q_OK &&
	    s->ans[slot].stats.finish == GEN_STOPPED))
		return;
	if (history_answer(&s->h, slot, &s->ans[slot], &err) != Q_OK) {
		session_fail(s, "history", err.msg);
		s->recording = 0;
	}
}

int
session_poll(struct session *s)
{
	return (session_wait(s, 0));
}

int
session_wait(struct session *s, int timeout_ms)
{
	struct engine_event	ev;
	int			got = 0, rc, failed = 0;

	while (s->running && (rc = engine_next(s->e, &ev, got ? 0 :
	    timeout_ms)) != -1) {
		if (rc == 0) {
			engine_free(s->e);
			s->e = NULL;
			s->running = 0;
			break;
		}
		got++;
		answer_add(&s->ans[ev.variant], &ev);
		if (ev.kind == ENGINE_TOKEN) {
			free(ev.piece);
			continue;
		}
		if (ev.rc != Q_OK) {
			session_fail(s, variant_name(s->v[ev.variant]), ev.err);
			failed = 1;
		}
		session_record(s, ev.variant);
	}
	if (got)
		session_track(s);
	if (!s->running && s->asked && !s->score_started) {
		s->score_started = 1;
		for (int i = 0; i < s->n; i++)
			failed |= s->ans[i].rc != Q_OK;
		if (failed || s->n == 1 || s->no_reference ||
		    !session_score_start(s))
			s->scored = 1;
	}
	return (got + session_score_collect(s, 0));
}

void
session_stop(struct session *s)
{
	if (s->e != NULL)
		engine_stop(s->e);
}

int
session_rate(struct session *s, int slot, const char *verdict,
    const char *note, const char *source, int blind, struct qerr *err)
{
	int64_t	id;
	int	rc;

	if (!s->asked || slot < 0 || slot >= s->n)
		return (qerr_set(err, Q_EUSAGE, "no answer to rate"));
	if (s->store == NULL)
		return (qerr_set(err, Q_EUSAGE, "no history database (ratings "
		    "need one)"));
	if (!s->recording || s->h.answer_id[slot] == 0)
		return (qerr_set(err, Q_EUSAGE, "that answer is not finished "
		    "yet"));
	if ((rc = store_rate(s->store, s->h.answer_id[slot], verdict, note,
	    source, blind, &id, err)) != Q_OK)
		return (rc);
	snprintf(s->verdict[slot], sizeof s->verdict[slot], "%s", verdict);
	return (Q_OK);
}
