/*
 * metrics.h: the statistics `qcmp report` prints, as pure functions over
 * arrays: error-rate intervals and calibration of a model's confidence
 * against the user's verdicts.
 */
#ifndef QCMP_METRICS_H
#define QCMP_METRICS_H

/* Wilson score interval of k successes in n trials at normal quantile z
 * (1.959964 for 95%); n == 0 gives [0, 1]. */
void	metrics_wilson(int k, int n, double z, double *lo, double *hi);

/* One bin of a reliability diagram. */
struct metrics_bin {
	int	n;		/* answers whose confidence falls in it */
	double	conf;		/* their mean confidence (0 when n == 0) */
	double	acc;		/* their mean correctness (0 when n == 0) */
};

/* Expected calibration error over nbins equal-width bins of [0, 1]
 * (bin i holds i/nbins <= c < (i+1)/nbins; c == 1 goes in the last):
 * sum over bins of n_b/n * |acc_b - conf_b|.  conf[i] in [0, 1], y[i]
 * in [0, 1] (1 right, 0 wrong, fractions allowed).  Fills bins[0..nbins)
 * when bins != NULL.  0 when n == 0. */
double	metrics_ece(const double *conf, const double *y, int n, int nbins,
	    struct metrics_bin *bins);
/* Mean of (conf[i] - y[i])^2; 0 when n == 0. */
double	metrics_brier(const double *conf, const double *y, int n);
/* Area under the ROC curve of conf as a score separating y[i] == 1 from
 * y[i] == 0 (other y are ignored); tied scores count one half (the
 * Mann-Whitney statistic with mid-ranks), O(n log n).  -1 when either
 * class is empty. */
double	metrics_auroc(const double *conf, const double *y, int n);

#endif
