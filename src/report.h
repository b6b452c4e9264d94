/*
 * report.h: the per-variant figures of `qcmp report`, aggregated from the
 * history's answers: error rate with a Wilson 95% interval, flips against
 * the reference, agreement, mean KLD, and calibration of the model's
 * confidence (the geometric mean token probability) against verdicts.
 */
#ifndef QCMP_REPORT_H
#define QCMP_REPORT_H

#include <stdio.h>

#include <stdint.h>

#include "metrics.h"
#include "store.h"

#define REPORT_BINS		10
/* Fewest rated answers for an error rate, and for calibration figures. */
#define REPORT_MIN_RATED	5
#define REPORT_MIN_CALIB	20

/* How a 'partial' verdict counts. */
enum report_partial {
	REPORT_PARTIAL_WRONG,	/* not correct (the default) */
	REPORT_PARTIAL_RIGHT,	/* correct */
	REPORT_PARTIAL_SKIP	/* as if unrated */
};

struct report_variant {
	int64_t		 model_id;
	char		*model_path, *name, *format;
	double		 bits_per_weight;
	int		 is_reference;
	int		 answers, rated, right;
	int		 pairs;		/* rated, with a rated reference */
	int		 lost;		/* reference right, this wrong */
	int		 gained;	/* reference wrong, this right */
	int		 compared, same;	/* answers vs the reference's */
	int		 n_kld;
	double		 sum_kld, sum_tps;
	double		*conf, *y;	/* rated answers */
	int		 cap;
	/* filled by report_finish */
	double		 err_rate, err_lo, err_hi, kld;
	double		 ece, brier, auroc, tps;
	struct metrics_bin bins[REPORT_BINS];
};

struct report {
	enum report_partial	 partial;
	struct report_variant	*v;
	int			 n, cap;
	int			 failed;	/* out of memory */
};

void	report_init(struct report *r, enum report_partial partial);
/* Adds one answer (rows come grouped by model and variant). */
int	report_add(void *arg, const struct store_report_row *row);
/* Computes the derived figures. */
void	report_finish(struct report *r);
void	report_free(struct report *r);
/* Whether v has enough rated answers for an error rate, for calibration. */
int	report_has_err(const struct report_variant *v);
int	report_has_calib(const struct report_variant *v);
/* buf holding v with digits decimals, or "" when !ok (too few
 * ratings). */
const char *report_num(char *buf, size_t n, int ok, int digits, double v);
/* The table of `qcmp report` with a reliability diagram per variant
 * (ASCII when ascii != 0), after report_finish. */
void	report_print_table(FILE *out, const struct report *r, int ascii);
/* 1 when the locale's character set is not UTF-8: diagrams in ASCII. */
int	report_locale_ascii(void);

#endif
