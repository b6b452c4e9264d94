/*
 * history.c: turning a comparison into history rows.  A model is known
 * by its file's sha256 (hashed once; the database remembers it for the
 * same path, size and mtime), a variant by its model, name and format.
 * The prompt row is written with the first finished answer, so an
 * interrupted comparison leaves no prompt without answers behind.
 */
#include "config.h"

#include "history.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "generate.h"
#include "kern.h"
#include "sha256.h"
#include "variant.h"

int
history_open(const char *path, int readonly, struct store **out,
    struct qerr *err)
{
	char	*def = NULL;
	int	 rc;

	if (path == NULL && (path = def = store_default_path()) == NULL)
		return (qerr_set(err, Q_EUSAGE, "no history database: set "
		    "HOME or XDG_DATA_HOME, or give --db PATH"));
	rc = store_open(path, readonly, out, err);
	free(def);
	return (rc);
}

/* The row of the file m was loaded from. */
static int
history_model(struct store *s, const struct model *m, int64_t *id,
    struct qerr *err)
{
	struct store_model	 sm;
	struct stat		 st;
	char			 abs[PATH_MAX], hex[65], *known;
	int			 rc;

	if (realpath(m->path, abs) == NULL || stat(abs, &st) != 0)
		return (qerr_set(err, Q_EIO, "%s: cannot find the model file "
		    "again to record it", m->path));
	if ((known = store_known_sha256(s, abs, st.st_size,
	    st.st_mtime)) != NULL) {
		snprintf(hex, sizeof hex, "%s", known);
		free(known);
	} else if ((rc = sha256_file(abs, hex, err)) != Q_OK)
		return (rc);
	memset(&sm, 0, sizeof sm);
	sm.path = abs;
	sm.sha256 = hex;
	sm.file_size = st.st_size;
	sm.file_mtime = st.st_mtime;
	sm.architecture = m->cfg.arch;
	sm.n_params = (int64_t)m->n_params;
	sm.n_vocab = m->cfg.n_vocab;
	return (store_model(s, &sm, id, err));
}

int
history_begin(struct history *h, struct store *s, struct model **v, int n,
    const struct history_prompt *p, struct qerr *err)
{
	int	rc;

	memset(h, 0, sizeof *h);
	h->store = s;
	h->n = n;
	h->p = *p;
	if ((rc = history_model(s, v[0], &h->model_id, err)) != Q_OK)
		return (rc);
	for (int i = 0; i < n; i++) {
		struct store_variant	sv;
		int64_t			mid = h->model_id;

		/* a file compared as a variant is a model of its own */
		if (v[i]->master == NULL && i > 0 &&
		    (rc = history_model(s, v[i], &mid, err)) != Q_OK)
			return (rc);
		sv.name = variant_name(v[i]);
		sv.format = kern_get(kern_get(
		    v[i]->layers[0].wq.fmt)->base)->name;
		sv.built = v[i]->master != NULL;
		sv.bits_per_weight = variant_bpw(v[i]);
		sv.weight_bytes = (int64_t)variant_weight_bytes(v[i]);
		if ((rc = store_variant(s, mid, &sv, &h->variant_id[i],
		    err)) != Q_OK)
			return (rc);
	}
	return (Q_OK);
}

int
history_register(struct store *s, struct model **v, int n, int64_t *model_id,
    struct qerr *err)
{
	static const struct gen_params	gen;
	struct history_prompt		hp = { "", "", NULL, "", &gen, 0, 0,
					    NULL, 0 };
	struct history			h;
	int				rc;

	if ((rc = history_begin(&h, s, v, n, &hp, err)) == Q_OK)
		*model_id = h.model_id;
	return (rc);
}

/* A float setting as the user typed it (0.8, not 0.800000011920929). */
static double
history_setting(float v)
{
	char	buf[32];

	snprintf(buf, sizeof buf, "%.7g", v);
	return (strtod(buf, NULL));
}

static int
history_prompt_row(struct history *h, struct qerr *err)
{
	struct store_prompt	sp;

	memset(&sp, 0, sizeof sp);
	sp.model_id = h->model_id;
	sp.front_end = h->p.front_end;
	sp.text = h->p.text;
	sp.system = h->p.system;
	sp.tmpl = h->p.tmpl;
	sp.temperature = history_setting(h->p.gen->temp);
	sp.top_k = h->p.gen->top_k;
	sp.top_p = history_setting(h->p.gen->top_p);
	sp.seed = h->p.gen->seed;
	sp.n_predict = h->p.gen->n_predict;
	sp.n_prompt = h->p.n_prompt;
	sp.run_id = h->p.run_id;
	sp.item = h->p.item;
	return (store_prompt(h->store, &sp, &h->prompt_id, err));
}

int
history_answer(struct history *h, int slot, const struct answer *a,
    struct qerr *err)
{
	struct store_answer	 sa;
	struct answer_summary	 s;
	struct store_token	*t;
	int			 rc;

	if (h->prompt_id == 0 && (rc = history_prompt_row(h, err)) != Q_OK)
		return (rc);
	if ((t = calloc(a->n > 0 ? a->n : 1, sizeof *t)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	for (int i = 0; i < a->n; i++) {
		t[i].id = a->ids[i];
		t[i].piece = a->text + a->toks[i].off;
		t[i].piece_len = a->toks[i].len;
		t[i].logprob = a->toks[i].logprob;
		t[i].entropy = a->toks[i].entropy;
		t[i].ms = a->toks[i].t_ms;
		t[i].cpu_ms = a->toks[i].cpu_ms;
		t[i].top_id = a->toks[i].top_id;
		t[i].top_p = a->toks[i].top_p;
		t[i].n_top = SAMPLER_TOPN;
	}
	answer_summarise(a, &s);
	memset(&sa, 0, sizeof sa);
	sa.prompt_id = h->prompt_id;
	sa.variant_id = h->variant_id[slot];
	sa.slot = slot;
	sa.is_reference = slot == 0 && !h->p.no_reference;
	sa.text = a->text ? a->text : "";
	sa.text_len = a->text ? a->len : 0;
	sa.finish = a->rc != Q_OK ? "error" :
	    generate_finish_name(a->stats.finish);
	sa.n_tokens = a->n;
	sa.ttft_ms = a->ttft_ms;
	sa.prompt_tps = s.prompt_tps;
	sa.decode_tps = s.decode_tps;
	sa.cpu_ms = a->cpu_ms;
	sa.mean_logprob = s.mean_logprob;
	sa.min_prob = s.min_prob;
	sa.mean_entropy = s.mean_entropy;
	sa.seq_prob = s.seq_prob;
	sa.confidence = s.confidence;
	sa.tokens = t;
	rc = store_answer(h->store, &sa, &h->answer_id[slot], err);
	free(t);
	return (rc);
}

int
history_divergence(struct history *h, int slot, const struct div_stats *ds,
    struct qerr *err)
{
	struct store_divergence	d;

	if (h->answer_id[slot] == 0 || ds->n == 0)
		return (Q_OK);
	d.first = ds->first;
	d.kld = ds->kld;
	d.top1_agree = ds->top1;
	d.dlogprob = ds->dlogprob;
	return (store_divergence(h->store, h->answer_id[slot], &d, err));
}
