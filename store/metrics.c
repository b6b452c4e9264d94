/*
 * metrics.c: the statistics behind `qcmp report`: Wilson intervals for
 * error rates and the calibration figures (ECE, Brier score, AUROC) of a
 * model's stated confidence against the user's verdicts.  Pure functions
 * over caller arrays; out-of-range or NaN inputs give meaningless numbers
 * but never undefined behaviour.
 */
#include "config.h"

#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bins accumulated per pass when the caller gives no bins array. */
#define METRICS_CHUNK	32

struct metrics_pair {
	double	s;		/* score */
	int	pos;		/* 1 positive, 0 negative */
};

void
metrics_wilson(int k, int n, double z, double *lo, double *hi)
{
	double	p, z2, denom, centre, half, l, h;

	if (n <= 0) {
		*lo = 0.0;
		*hi = 1.0;
		return;
	}
	if (k < 0)
		k = 0;
	if (k > n)
		k = n;
	p = (double)k / n;
	z2 = z * z;
	denom = 1.0 + z2 / n;
	centre = (p + z2 / (2.0 * n)) / denom;
	half = z / denom * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * (double)n));
	l = centre - half;
	h = centre + half;
	/* The bounds touch 0 and 1 exactly at k == 0 and k == n; rounding
	 * would otherwise leave them a few ulps inside or outside. */
	if (k == 0 || !(l > 0.0))
		l = 0.0;
	if (k == n || !(h < 1.0))
		h = 1.0;
	*lo = l;
	*hi = h;
}

/*
 * Bin of confidence c among nbins: the i with i/nbins <= c < (i+1)/nbins
 * as evaluated in double, which is what a caller writing 0.7 expects
 * (c * nbins alone misplaces values such as 0.29 of 100 bins).
 */
static int
metrics_bin_of(double c, int nbins)
{
	int	i;

	if (!(c > 0.0))
		return (0);
	if (c >= 1.0)
		return (nbins - 1);
	i = (int)(c * nbins);
	if (i > nbins - 1)
		i = nbins - 1;
	while (i > 0 && c < (double)i / nbins)
		i--;
	while (i < nbins - 1 && c >= (double)(i + 1) / nbins)
		i++;
	return (i);
}

/* Sums into out[0..cnt) the answers of bins [first, first + cnt), then
 * turns the sums into means. */
static void
metrics_fill(const double *conf, const double *y, int n, int nbins,
    int first, int cnt, struct metrics_bin *out)
{
	int	i, b;

	memset(out, 0, cnt * sizeof *out);
	for (i = 0; i < n; i++) {
		b = metrics_bin_of(conf[i], nbins) - first;
		if (b < 0 || b >= cnt)
			continue;
		out[b].n++;
		out[b].conf += conf[i];
		out[b].acc += y[i];
	}
	for (b = 0; b < cnt; b++)
		if (out[b].n > 0) {
			out[b].conf /= out[b].n;
			out[b].acc /= out[b].n;
		}
}

double
metrics_ece(const double *conf, const double *y, int n, int nbins,
    struct metrics_bin *bins)
{
	struct metrics_bin	 tmp[METRICS_CHUNK], *b;
	double			 sum = 0.0;
	int			 first, cnt, i;

	if (nbins <= 0)
		return (0.0);
	if (n < 0)
		n = 0;
	/* Without a caller array, a few passes over bounded stack space
	 * beat an allocation that could fail. */
	for (first = 0; first < nbins; first += cnt) {
		if (bins != NULL) {
			cnt = nbins;
			b = bins;
		} else {
			cnt = nbins - first;
			if (cnt > METRICS_CHUNK)
				cnt = METRICS_CHUNK;
			b = tmp;
		}
		metrics_fill(conf, y, n, nbins, first, cnt, b);
		for (i = 0; i < cnt; i++)
			sum += b[i].n * fabs(b[i].acc - b[i].conf);
	}
	return (n > 0 ? sum / n : 0.0);
}

double
metrics_brier(const double *conf, const double *y, int n)
{
	double	sum = 0.0, d;
	int	i;

	if (n <= 0)
		return (0.0);
	for (i = 0; i < n; i++) {
		d = conf[i] - y[i];
		sum += d * d;
	}
	return (sum / n);
}

/* Ascending by score with NaN lowest: a total order, as qsort needs. */
static int
metrics_pair_cmp(const void *va, const void *vb)
{
	const struct metrics_pair	*a = va, *b = vb;
	int				 na = isnan(a->s), nb = isnan(b->s);

	if (na || nb)
		return (nb - na);
	return ((a->s > b->s) - (a->s < b->s));
}

/* Score comparison under the same order, for the quadratic fallback. */
static double
metrics_beats(double sp, double sn)
{
	struct metrics_pair	a = { sp, 1 }, b = { sn, 0 };
	int			c = metrics_pair_cmp(&a, &b);

	return (c > 0 ? 1.0 : c == 0 ? 0.5 : 0.0);
}

/* When the pair array cannot be allocated: the same statistic by
 * comparing every positive with every negative. */
static double
metrics_auroc_slow(const double *conf, const double *y, int n, double npos,
    double nneg)
{
	double	u = 0.0;
	int	i, j;

	for (i = 0; i < n; i++) {
		if (y[i] != 1.0)
			continue;
		for (j = 0; j < n; j++)
			if (y[j] == 0.0)
				u += metrics_beats(conf[i], conf[j]);
	}
	return (u / (npos * nneg));
}

double
metrics_auroc(const double *conf, const double *y, int n)
{
	struct metrics_pair	*p;
	double			 npos = 0.0, nneg = 0.0, below = 0.0, u = 0.0;
	double			 gpos, gneg;
	int			 i, j, m = 0;

	for (i = 0; i < n; i++) {
		if (y[i] == 1.0)
			npos++;
		else if (y[i] == 0.0)
			nneg++;
	}
	if (npos == 0.0 || nneg == 0.0)
		return (-1.0);
	p = malloc((size_t)(npos + nneg) * sizeof *p);
	if (p == NULL)
		return (metrics_auroc_slow(conf, y, n, npos, nneg));
	for (i = 0; i < n; i++)
		if (y[i] == 1.0 || y[i] == 0.0) {
			p[m].s = conf[i];
			p[m++].pos = y[i] == 1.0;
		}
	qsort(p, m, sizeof *p, metrics_pair_cmp);
	/*
	 * Each positive beats the negatives scored below it and half-beats
	 * those tied with it; summed per tie group this is the mid-rank
	 * Mann-Whitney U.
	 */
	for (i = 0; i < m; i = j) {
		gpos = gneg = 0.0;
		for (j = i; j < m && metrics_pair_cmp(&p[i], &p[j]) == 0; j++) {
			if (p[j].pos)
				gpos++;
			else
				gneg++;
		}
		u += gpos * (below + gneg / 2.0);
		below += gneg;
	}
	free(p);
	return (u / (npos * nneg));
}
