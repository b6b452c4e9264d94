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
	gen_defaults(&s->gen);
	atomic_init(&s->div_done, 0);
}

static void
session_fail(struct session *s, const char *what, const char *msg)
{
	snprintf(s->msg, sizeof s->msg, "%.100s: %.400s", what, msg);
}

static void *
session_score(void *arg)
{
	struct session	*s = arg;

	for (int i = 1; i < s->n; i++) {
		struct qerr	err;

		memset(&s->dv[i], 0, sizeof s->dv[i]);
		if (div_score(s->v[0], s->v[i], s->ids, s->n_ids, s->ans[0].ids,
		    (size_t)s->ans[0].n, NULL, &s->dv[i], &err) != Q_OK)
			s->dv[i].n = 0;
		s->dv[i].first = s->first_div[i];
	}
	atomic_store(&s->div_done, 1);
	return (NULL);
}

void
session_clear(struct session *s)
{
	if (s->e != NULL) {
		engine_stop(s->e);
		engine_free(s->e);
		s->e = NULL;
	}
	if (s->div_started) {
		pthread_join(s->div_tid, NULL);
		s->div_started = 0;
	}
	for (int i = 0; s->asked && i < s->n; i++)
		answer_free(&s->ans[i]);
	free(s->text);
	free(s->ids);
	s->text = NULL;
	s->ids = NULL;
	s->asked = s->running = s->recording = s->scored = 0;
	atomic_store(&s->div_done, 0);
}

int
session_busy(const struct session *s)
{
	return (s->running || (s->div_started && !s->scored));
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
		hp = (struct history_prompt){ "tui", s->text, s->system,
		    s->tmpl_name, &s->gen, (int)s->n_ids };
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
	s->asked = 1;
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

	if (!s->recording)
		return;
	if (history_answer(&s->h, slot, &s->ans[slot], &err) != Q_OK) {
		session_fail(s, "history", err.msg);
		s->recording = 0;
	}
}

/* Once the scores are in: recorded beside each answer. */
static void
session_scored(struct session *s)
{
	struct qerr	err;

	pthread_join(s->div_tid, NULL);
	s->div_started = 0;
	s->scored = 1;
	for (int i = 1; s->recording && i < s->n; i++)
		if (history_divergence(&s->h, i, &s->dv[i], &err) != Q_OK) {
			session_fail(s, "history", err.msg);
			s->recording = 0;
		}
}

int
session_poll(struct session *s)
{
	struct engine_event	ev;
	int			got = 0, rc, failed = 0;

	while (s->running && (rc = engine_next(s->e, &ev, 0)) != -1) {
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
	if (!s->running && s->asked && !s->div_started && !s->scored) {
		for (int i = 0; i < s->n; i++)
			failed |= s->ans[i].rc != Q_OK;
		if (failed || s->n == 1 || pthread_create(&s->div_tid, NULL,
		    session_score, s) != 0)
			s->scored = 1;
		else
			s->div_started = 1;
	}
	if (s->div_started && atomic_load(&s->div_done)) {
		session_scored(s);
		got++;
	}
	return (got);
}

void
session_stop(struct session *s)
{
	if (s->e != NULL)
		engine_stop(s->e);
}

int
session_rate(struct session *s, int slot, const char *verdict,
    const char *note, int blind, struct qerr *err)
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
	    "human", blind, &id, err)) != Q_OK)
		return (rc);
	snprintf(s->verdict[slot], sizeof s->verdict[slot], "%s", verdict);
	return (Q_OK);
}
