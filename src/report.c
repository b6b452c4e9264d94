/*
 * report.c: aggregating answers into the per-variant figures.  A verdict
 * counts as right when it is 'correct' ('partial' as the caller says);
 * a flip pairs a variant's verdict with the reference answer's verdict
 * for the same prompt.
 */
#include "config.h"

#include "report.h"

#include <stdlib.h>
#include <string.h>

void
report_init(struct report *r, enum report_partial partial)
{
	memset(r, 0, sizeof *r);
	r->partial = partial;
}

/* 1 right, 0 wrong, -1 not counted (unrated, or partial skipped). */
static int
report_value(const struct report *r, const char *verdict)
{
	if (verdict == NULL)
		return (-1);
	if (strcmp(verdict, "correct") == 0)
		return (1);
	if (strcmp(verdict, "partial") == 0)
		return (r->partial == REPORT_PARTIAL_RIGHT ? 1 :
		    r->partial == REPORT_PARTIAL_SKIP ? -1 : 0);
	return (0);
}

static struct report_variant *
report_slot(struct report *r, const struct store_report_row *row)
{
	struct report_variant	*v, *grown;

	for (int i = 0; i < r->n; i++)
		if (r->v[i].model_id == row->model_id &&
		    strcmp(r->v[i].name, row->variant) == 0)
			return (&r->v[i]);
	if (r->n == r->cap) {
		int cap = r->cap ? 2 * r->cap : 8;

		if ((grown = realloc(r->v, cap * sizeof *grown)) == NULL)
			return (NULL);
		r->v = grown;
		r->cap = cap;
	}
	v = &r->v[r->n];
	memset(v, 0, sizeof *v);
	v->model_id = row->model_id;
	v->bits_per_weight = row->bits_per_weight;
	v->model_path = strdup(row->model_path ? row->model_path : "");
	v->name = strdup(row->variant ? row->variant : "");
	v->format = strdup(row->format ? row->format : "");
	if (v->model_path == NULL || v->name == NULL || v->format == NULL) {
		free(v->model_path);
		free(v->name);
		free(v->format);
		return (NULL);
	}
	r->n++;
	return (v);
}

int
report_add(void *arg, const struct store_report_row *row)
{
	struct report		*r = arg;
	struct report_variant	*v;
	int			 y, ry;

	if ((v = report_slot(r, row)) == NULL) {
		r->failed = 1;
		return (1);
	}
	v->answers++;
	v->is_reference |= row->is_reference;
	v->sum_tps += row->decode_tps;
	if (row->has_kld) {
		v->n_kld++;
		v->sum_kld += row->kld;
	}
	if (!row->is_reference && row->first_divergence >= -1) {
		v->compared++;
		v->same += row->first_divergence == -1;
	}
	if ((y = report_value(r, row->verdict)) < 0)
		return (0);
	v->rated++;
	v->right += y;
	if (v->rated > v->cap) {
		int	 cap = v->cap ? 2 * v->cap : 64;
		double	*c = realloc(v->conf, cap * sizeof *c), *yy;

		if (c != NULL)
			v->conf = c;
		if (c == NULL || (yy = realloc(v->y, cap * sizeof *yy)) ==
		    NULL) {
			r->failed = 1;
			return (1);
		}
		v->y = yy;
		v->cap = cap;
	}
	v->conf[v->rated - 1] = row->confidence;
	v->y[v->rated - 1] = y;
	if (!row->is_reference &&
	    (ry = report_value(r, row->ref_verdict)) >= 0) {
		v->pairs++;
		v->lost += ry == 1 && y == 0;
		v->gained += ry == 0 && y == 1;
	}
	return (0);
}

void
report_finish(struct report *r)
{
	for (int i = 0; i < r->n; i++) {
		struct report_variant	*v = &r->v[i];

		v->err_rate = v->rated ? 1.0 - (double)v->right / v->rated : 0;
		metrics_wilson(v->rated - v->right, v->rated, 1.959964,
		    &v->err_lo, &v->err_hi);
		v->kld = v->n_kld ? v->sum_kld / v->n_kld : 0;
		v->tps = v->answers ? v->sum_tps / v->answers : 0;
		v->ece = metrics_ece(v->conf, v->y, v->rated, REPORT_BINS,
		    v->bins);
		v->brier = metrics_brier(v->conf, v->y, v->rated);
		v->auroc = metrics_auroc(v->conf, v->y, v->rated);
	}
}

void
report_free(struct report *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->v[i].model_path);
		free(r->v[i].name);
		free(r->v[i].format);
		free(r->v[i].conf);
		free(r->v[i].y);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}
