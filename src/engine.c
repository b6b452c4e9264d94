/*
 * engine.c: one thread per variant (or one thread for all, isolated),
 * each running generate() and pushing token events onto an unbounded
 * queue guarded by a mutex; the consumer waits on a condition variable.
 * Each variant times its tokens from its own start with the wall clock
 * and with the CPU clock of what computes it, so a variant slowed by
 * sharing the cores with others still reports the work it did.  Variants
 * that share the cores cannot share the caller's thread pool (it serves
 * one caller at a time), but the last one still running gets it: without
 * it, a slow variant finishing alone left the other cores idle.
 */
#include "config.h"

#include "engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kpool.h"
#include "tokenizer.h"
#include "transformer.h"
#include "vocab.h"

struct engine_node {
	struct engine_event	 ev;
	struct engine_node	*next;
};

struct engine_slot {
	struct engine		*e;
	int			 idx;
	struct model		*m;
	struct detok		 dt;
	double			 t0;		/* when this variant began */
	clockid_t		 clk;		/* the CPU clock of its work */
	double			 cpu_last;	/* clk at the last token */
	double			 cpu_sum;	/* CPU ms of its tokens so far */
};

struct engine {
	int			 n;
	int			 isolated;
	struct engine_slot	 slot[ENGINE_MAX_VARIANTS];
	pthread_t		 tid[ENGINE_MAX_VARIANTS];
	int			 n_threads;
	int32_t			*prompt;
	size_t			 n_prompt;
	struct gen_params	 params;
	atomic_int		 stop;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct engine_node	*head, *tail;
	int			 running;	/* variants not yet done */
	int			 blas_threads;	/* OpenBLAS's, to restore */
	struct kpool		*pool;		/* the caller's, for the last */
	_Atomic(struct kpool *)	 late_pool;	/* set when one is left */
	int			 started;
};

/* Variants that share the cores each compute on their own thread, whose
 * CPU clock is theirs alone; a variant computing alone has the thread
 * pool (and OpenBLAS's threads) to itself, so the process clock is its
 * own. */
static clockid_t
engine_cpu_clock(const struct engine *e)
{
	return (e->isolated || e->n == 1 ? CLOCK_PROCESS_CPUTIME_ID :
	    CLOCK_THREAD_CPUTIME_ID);
}

/* Appends ev; never blocks on the consumer. */
static void
engine_push(struct engine *e, const struct engine_event *ev)
{
	struct engine_node	*n = malloc(sizeof *n);

	pthread_mutex_lock(&e->mu);
	if (n != NULL) {
		n->ev = *ev;
		n->next = NULL;
		if (e->tail != NULL)
			e->tail->next = n;
		else
			e->head = n;
		e->tail = n;
	} else if (ev->kind == ENGINE_TOKEN)
		free(ev->piece);	/* out of memory: drop, keep going */
	if (ev->kind == ENGINE_DONE && --e->running == 1 && e->pool != NULL)
		atomic_store(&e->late_pool, e->pool);
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

static int
engine_on_token(void *arg, const struct gen_token *tok)
{
	struct engine_slot	*s = arg;
	struct engine		*e = s->e;
	struct engine_event	 ev;
	char			 buf[VOCAB_MAX_TOKEN_BYTES + 64];
	size_t			 n;
	double			 cpu = clock_ms(s->clk);

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_TOKEN;
	ev.variant = s->idx;
	ev.tok = *tok;
	n = detok_push(&s->dt, tok->info.id, buf, sizeof buf);
	if ((ev.piece = malloc(n + 1)) != NULL) {
		memcpy(ev.piece, buf, n);
		ev.piece[n] = '\0';
	}
	ev.t_ms = clock_ms(CLOCK_MONOTONIC) - s->t0;
	ev.cpu_ms = cpu - s->cpu_last;
	s->cpu_sum += ev.cpu_ms;
	/* from the next token on, a pool handed over computes on other
	 * threads too: count the process's CPU, all this variant's now
	 * (generate looks for the pool just before calling here, so at
	 * worst one token is counted on the other clock) */
	if (s->clk != CLOCK_PROCESS_CPUTIME_ID &&
	    atomic_load(&e->late_pool) != NULL) {
		s->clk = CLOCK_PROCESS_CPUTIME_ID;
		cpu = clock_ms(s->clk);
	}
	s->cpu_last = cpu;
	engine_push(e, &ev);
	return (atomic_load(&e->stop));
}

static void
engine_run_one(struct engine_slot *s)
{
	struct engine		*e = s->e;
	struct engine_event	 ev;
	struct qerr		 err;
	char			 scratch[VOCAB_MAX_TOKEN_BYTES + 64];

	memset(&ev, 0, sizeof ev);
	/* the answer continues the prompt's text: decode the prompt first so
	 * spacing and split UTF-8 sequences come out as in one stream */
	detok_init(&s->dt, s->m->vocab);
	for (size_t i = 0; i < e->n_prompt; i++)
		detok_push(&s->dt, e->prompt[i], scratch, sizeof scratch);
	s->t0 = clock_ms(CLOCK_MONOTONIC);
	s->clk = engine_cpu_clock(e);
	s->cpu_last = clock_ms(s->clk);
	s->cpu_sum = 0;
	ev.kind = ENGINE_DONE;
	ev.variant = s->idx;
	ev.rc = generate(s->m, e->prompt, e->n_prompt, &e->params,
	    engine_on_token, s, &ev.stats, &err);
	if (ev.rc != Q_OK)
		snprintf(ev.err, sizeof ev.err, "%s", err.msg);
	ev.t_ms = clock_ms(CLOCK_MONOTONIC) - s->t0;
	ev.cpu_total_ms = s->cpu_sum + clock_ms(s->clk) - s->cpu_last;
	engine_push(e, &ev);
}

static void *
engine_thread(void *arg)
{
	struct engine_slot	*s = arg;
	struct engine		*e = s->e;

	if (!e->isolated)
		engine_run_one(s);
	else
		for (int i = 0; i < e->n; i++)
			engine_run_one(&e->slot[i]);
	return (NULL);
}

int
engine_new(struct model *const *variants, int n, int isolated,
    struct engine **out, struct qerr *err)
{
	struct engine	*e;

	*out = NULL;
	if (n < 1 || n > ENGINE_MAX_VARIANTS)
		return (qerr_set(err, Q_EUSAGE, "variants: %d is outside 1..%d",
		    n, ENGINE_MAX_VARIANTS));
	for (int i = 1; i < n; i++)
		if (variants[i]->cfg.n_vocab != variants[0]->cfg.n_vocab)
			return (qerr_set(err, Q_EUSAGE, "variants: %s has %d "
			    "tokens, %s has %d", variants[i]->name,
			    variants[i]->cfg.n_vocab, variants[0]->name,
			    variants[0]->cfg.n_vocab));
	if ((e = calloc(1, sizeof *e)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	e->n = n;
	e->isolated = isolated;
	for (int i = 0; i < n; i++) {
		e->slot[i].e = e;
		e->slot[i].idx = i;
		e->slot[i].m = variants[i];
	}
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	*out = e;
	return (Q_OK);
}

int
engine_start(struct engine *e, const int32_t *prompt, size_t n_prompt,
    const struct gen_params *p, struct qerr *err)
{
	int	want = e->isolated ? 1 : e->n;
	int	alone = e->isolated || e->n == 1;

	if (e->started)
		return (qerr_set(err, Q_EUSAGE, "engine: already started"));
	if ((e->prompt = malloc((n_prompt + 1) * sizeof *prompt)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	memcpy(e->prompt, prompt, n_prompt * sizeof *prompt);
	e->n_prompt = n_prompt;
	e->params = *p;
	/* variants on their own threads compute alone (a shared pool is
	 * only safe for one caller at a time), and so does OpenBLAS: its
	 * spinning threads on top of theirs oversubscribe the cores */
	e->blas_threads = p->pool != NULL ? kpool_size(p->pool) : 1;
	if (!alone) {
		e->pool = p->pool;
		e->params.pool = NULL;
		e->params.late_pool = &e->late_pool;
	}
	transformer_blas_threads(alone && e->params.pool != NULL ?
	    kpool_size(e->params.pool) : 1);
	e->running = e->n;
	e->started = 1;
	for (e->n_threads = 0; e->n_threads < want; e->n_threads++)
		if (pthread_create(&e->tid[e->n_threads], NULL, engine_thread,
		    &e->slot[e->n_threads]) != 0)
			break;
	if (e->n_threads < want) {
		atomic_store(&e->stop, 1);
		pthread_mutex_lock(&e->mu);
		e->running -= want - e->n_threads;
		pthread_mutex_unlock(&e->mu);
		return (qerr_set(err, Q_ENOMEM, "engine: cannot start threads"));
	}
	return (Q_OK);
}

int
engine_next(struct engine *e, struct engine_event *ev, int timeout_ms)
{
	struct engine_node	*n;
	struct timespec		 until;
	int			 rc = 1;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&e->mu);
	while (e->head == NULL && e->running > 0 && rc == 1) {
		if (timeout_ms < 0)
			pthread_cond_wait(&e->cv, &e->mu);
		else if (pthread_cond_timedwait(&e->cv, &e->mu, &until) ==
		    ETIMEDOUT)
			rc = -1;
	}
	if ((n = e->head) != NULL) {
		e->head = n->next;
		if (e->head == NULL)
			e->tail = NULL;
		*ev = n->ev;
		free(n);
		rc = 1;
	} else if (rc == 1)
		rc = 0;
	pthread_mutex_unlock(&e->mu);
	return (rc);
}

void
engine_stop(struct engine *e)
{
	atomic_store(&e->stop, 1);
}

void
engine_free(struct engine *e)
{
	struct engine_node	*n;

	if (e == NULL)
		return;
	for (int i = 0; i < e->n_threads; i++)
		pthread_join(e->tid[i], NULL);
	while ((n = e->head) != NULL) {
		e->head = n->next;
		if (n->ev.kind == ENGINE_TOKEN)
			free(n->ev.piece);
		free(n);
	}
	/* later products (teacher-forced scoring) have the cores again */
	if (e->started)
		transformer_blas_threads(e->blas_threads);
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e->prompt);
	free(e);
}
