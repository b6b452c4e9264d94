/*
 * kpool.c: the thread pool behind kpool_matvec.  Decode runs dozens of
 * small products per token, so waking workers must cost microseconds:
 * workers spin on a job counter for a short while before sleeping on a
 * condition variable, and the caller takes a share of the rows itself.
 * Spinning turns into sched_yield after a few microseconds: when other
 * processes (or other variants) share the cores, a waiter that only
 * spins would burn the time slice the thread it waits for needs.
 * Rows are split in contiguous chunks of whole multiples of 16 so SIMD
 * kernels that work on row groups see full groups.  A product of several
 * vectors (a prompt's tokens) walks each share a tile of rows at a time,
 * every vector reading the tile before the next is loaded.
 */
#include "config.h"

#include "kpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define KPOOL_PAUSES	2000	/* polls before spinning yields the CPU */
#define KPOOL_SPIN	20000	/* polls before a worker sleeps */
#define KPOOL_ROW_GRAIN	16
#define KPOOL_TILE_BYTES (24 * 1024)	/* of weights, within L1 with room */

struct kpool_job {
	kern_matvec_fn		 fn;
	kern_matmat_fn		 mm;	/* or NULL: fn per vector, by tiles */
	const void		*w;
	int64_t			 rows, cols;
	const struct kact	*a;	/* n_vec of them */
	float			*y;	/* vector v's rows at y + v * ldy */
	int			 n_vec;
	int64_t			 ldy, tile;	/* rows a tile of w holds */
};

struct kpool {
	int			 n;		/* threads, caller included */
	pthread_t		*tid;
	pthread_mutex_t		 mu;
	pthread_cond_t		 wake;
	struct kpool_job	 job;
	atomic_uint		 gen;		/* bumped per job */
	atomic_int		 pending;	/* workers yet to finish */
	atomic_int		 stop;
	int			 sleepers;	/* under mu */
};

struct kpool_arg {
	struct kpool	*p;
	int		 idx;		/* 1..n-1; the caller is 0 */
};

/* Rows [r0, r1) of thread idx's share. */
static void
kpool_share(const struct kpool *p, int idx, int64_t rows, int64_t *r0,
    int64_t *r1)
{
	int64_t	grains = (rows + KPOOL_ROW_GRAIN - 1) / KPOOL_ROW_GRAIN;
	int64_t	g0 = grains * idx / p->n, g1 = grains * (idx + 1) / p->n;

	*r0 = g0 * KPOOL_ROW_GRAIN;
	*r1 = g1 * KPOOL_ROW_GRAIN < rows ? g1 * KPOOL_ROW_GRAIN : rows;
}

/* Rows [r0, r1) for every vector: a tile of rows at a time, each tile
 * read by all the vectors while it is in cache. */
static void
kpool_rows(const struct kpool_job *j, int64_t r0, int64_t r1)
{
	if (j->n_vec == 1) {
		j->fn(j->w, j->cols, j->a, j->y, r0, r1);
		return;
	}
	if (j->mm != NULL) {
		j->mm(j->w, j->cols, j->a, j->n_vec, j->y, j->ldy, r0, r1);
		return;
	}
	for (int64_t t0 = r0; t0 < r1; t0 += j->tile) {
		int64_t	t1 = t0 + j->tile < r1 ? t0 + j->tile : r1;

		for (int v = 0; v < j->n_vec; v++)
			j->fn(j->w, j->cols, &j->a[v], j->y + v * j->ldy, t0,
			    t1);
	}
}

static void
kpool_run(struct kpool *p, int idx)
{
	const struct kpool_job	*j = &p->job;
	int64_t			 r0, r1;

	kpool_share(p, idx, j->rows, &r0, &r1);
	if (r0 < r1)
		kpool_rows(j, r0, r1);
}

/* One poll of a wait loop: a pause at first, then yield the CPU. */
static void
kpool_relax(int spins)
{
	if (spins > KPOOL_PAUSES) {
		sched_yield();
		return;
	}
#if defined(__x86_64__)
	__builtin_ia32_pause();
#endif
}

static void *
kpool_worker(void *varg)
{
	struct kpool_arg	*arg = varg;
	struct kpool		*p = arg->p;
	unsigned		 seen = 0;

	for (;;) {
		unsigned	g;
		int		spins = 0;

		while ((g = atomic_load_explicit(&p->gen,
		    memory_order_acquire)) == seen &&
		    !atomic_load(&p->stop)) {
			if (++spins < KPOOL_SPIN) {
				kpool_relax(spins);
				continue;
			}
			pthread_mutex_lock(&p->mu);
			p->sleepers++;
			while (atomic_load(&p->gen) == seen &&
			    !atomic_load(&p->stop))
				pthread_cond_wait(&p->wake, &p->mu);
			p->sleepers--;
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->stop))
			break;
		seen = g;
		kpool_run(p, arg->idx);
		atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
	}
	free(arg);
	return (NULL);
}

int
kpool_new(int n_threads, struct kpool **out, struct qerr *err)
{
	struct kpool	*p;

	*out = NULL;
	if (n_threads < 1 || n_threads > 256)
		return (qerr_set(err, Q_EUSAGE, "threads: %d is outside 1..256",
		    n_threads));
	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->tid = calloc((size_t)n_threads, sizeof *p->tid)) == NULL) {
		free(p);
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->n = 1;
	for (int i = 1; i < n_threads; i++) {
		struct kpool_arg *arg = malloc(sizeof *arg);

		if (arg == NULL)
			break;
		arg->p = p;
		arg->idx = i;
		if (pthread_create(&p->tid[i], NULL, kpool_worker, arg) != 0) {
			free(arg);
			break;
		}
		p->n++;
	}
	if (p->n != n_threads) {
		kpool_free(p);
		return (qerr_set(err, Q_ENOMEM, "threads: could not start %d "
		    "threads", n_threads));
	}
	*out = p;
	return (Q_OK);
}

void
kpool_free(struct kpool *p)
{
	if (p == NULL)
		return;
	atomic_store(&p->stop, 1);
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->mu);
	free(p->tid);
	free(p);
}

int
kpool_size(const struct kpool *p)
{
	return (p ? p->n : 1);
}

void
kpool_matvec(struct kpool *p, enum kfmt fmt, const void *w, int64_t rows,
    int64_t cols, const struct kact *a, float *y)
{
	kpool_matmat(p, fmt, w, rows, cols, a, 1, y, rows);
}

void
kpool_matmat(struct kpool *p, enum kfmt fmt, const void *w, int64_t rows,
    int64_t cols, const struct kact *a, int n_vec, float *y, int64_t ldy)
{
	const struct kern_traits *kt = kern_get(fmt);
	struct kpool_job	j = { kt->matvec, kt->matmat, w, rows, cols, a,
				    y, n_vec, ldy, 0 };

	/* without a several-vector kernel: tiles of about KPOOL_TILE_BYTES,
	 * whole grains of rows (decoding, one vector, needs none) */
	if (n_vec > 1 && j.mm == NULL) {
		size_t	row_bytes = kern_row_bytes(fmt, cols);

		j.tile = (int64_t)(KPOOL_TILE_BYTES / (row_bytes ? row_bytes :
		    1)) / KPOOL_ROW_GRAIN * KPOOL_ROW_GRAIN;
		if (j.tile < KPOOL_ROW_GRAIN)
			j.tile = KPOOL_ROW_GRAIN;
	}
	if (p == NULL || p->n == 1 || rows <= KPOOL_ROW_GRAIN) {
		kpool_rows(&j, 0, rows);
		return;
	}
	p->job = j;
	atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
	pthread_mutex_lock(&p->mu);
	if (p->sleepers > 0)
		pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	kpool_run(p, 0);
	for (int spins = 1; atomic_load_explicit(&p->pending,
	    memory_order_acquire) > 0; spins++)
		kpool_relax(spins);
}
