/*
 * report.c: aggregating answers into the per-variant figures.  A verdict
 * counts as right when it is 'correct' ('partial' as the caller says);
 * a flip pairs a variant's verdict with the reference answer's verdict
 * for the same prompt.
 */
#include "config.h"

#include "report.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagram.h"

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

const char *
report_num(char *buf, size_t n, int ok, int digits, double v)
{
	if (!ok)
		return ("");
	snprintf(buf, n, "%.*f", digits, v);
	return (buf);
}

int
report_has_err(const struct report_variant *v)
{
	return (v->rated >= REPORT_MIN_RATED);
}

int
report_has_calib(const struct report_variant *v)
{
	return (v->rated >= REPORT_MIN_CALIB);
}

void
report_print_table(FILE *out, const struct report *r, int ascii)
{
	char	b[8][32], ci[64];

	for (int i = 0; i < r->n; i++) {
		const struct report_variant *v = &r->v[i];
		int	e = report_has_err(v), c = report_has_calib(v);

		if (i == 0 || v->model_id != r->v[i - 1].model_id)
			fprintf(out, "%smodel %s\n%-12s %6s %7s %5s %-20s %5s %6s %6s "
			    "%9s %6s %6s %6s %7s\n", i ? "\n" : "",
			    v->model_path, "variant", "bits/w", "answers",
			    "rated", "error [95% CI]", "lost", "gained",
			    "same", "KLD", "ECE", "Brier", "AUROC", "tok/s");
		if (e)
			snprintf(ci, sizeof ci, "%5.1f%% [%4.1f, %4.1f]",
			    100 * v->err_rate, 100 * v->err_lo,
			    100 * v->err_hi);
		else
			snprintf(ci, sizeof ci, "too few ratings");
		snprintf(b[0], 32, "%d/%d", v->same, v->compared);
		fprintf(out, "%-12s %6.3g %7d %5d %-20s %5d %6d %6s %9s %6s %6s "
		    "%6s %7.1f\n", v->name, v->bits_per_weight, v->answers,
		    v->rated, ci, v->lost, v->gained,
		    v->is_reference ? "ref" : b[0],
		    report_num(b[1], 32, v->n_kld > 0, 5, v->kld),
		    report_num(b[2], 32, c, 3, v->ece),
		    report_num(b[3], 32, c, 3, v->brier),
		    report_num(b[4], 32, c && v->auroc >= 0, 3, v->auroc),
		    v->tps);
	}
	for (int i = 0; i < r->n; i++) {
		const struct report_variant *v = &r->v[i];
		struct qerr	 err;
		char		**lines;
		int		 n;

		fprintf(out, "\n%s, %s: reliability\n", v->model_path, v->name);
		if (!report_has_calib(v)) {
			fprintf(out, "  too few ratings for calibration (%d of %d "
			    "needed)\n", v->rated, REPORT_MIN_CALIB);
			continue;
		}
		if (diagram_render(v->bins, REPORT_BINS, ascii, &lines, &n,
		    &err) != Q_OK) {
			fprintf(out, "  %s\n", err.msg);
			continue;
		}
		for (int k = 0; k < n; k++)
			fprintf(out, "  %s\n", lines[k]);
		free(lines);
	}
	if (r->n == 0)
		fprintf(out, "no answers in the history match\n");
}

int
report_locale_ascii(void)
{
	const char	*cs;

	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	return (cs == NULL || strcmp(cs, "UTF-8") != 0);
}
