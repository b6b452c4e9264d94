/*
 * variant-list.c: building the variants a --variants list names.
 */
#include "config.h"

#include "variant-list.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kern.h"
#include "variant.h"

int
variant_list_build(struct model *m, const char *list, struct model **v,
    int max, double *ms, struct qerr *err)
{
	char	*copy, *tok, *save;
	int	 n = 0, fmt, rc = Q_OK;

	if ((copy = variant_expand(m, list)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"), -1);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		double	t0 = clock_ms(CLOCK_MONOTONIC);

		if ((fmt = kern_find(tok)) < 0) {
			rc = qerr_set(err, Q_EUSAGE, "--variants: unknown "
			    "format '%s' (one of: f32 f16 bf16 q8_0 q4_0 "
			    "tq1_0 tq2_0 t2 t2m, ref, default)", tok);
			break;
		}
		if (n == max) {
			rc = qerr_set(err, Q_EUSAGE, "--variants: at most %d",
			    max);
			break;
		}
		if (fmt == KFMT_F32)
			v[n] = m;
		else if ((rc = variant_build(m, (enum kfmt)fmt, &v[n],
		    err)) != Q_OK)
			break;
		if (ms != NULL)
			ms[n] = clock_ms(CLOCK_MONOTONIC) - t0;
		n++;
	}
	free(copy);
	if (rc == Q_OK && n == 0)
		rc = qerr_set(err, Q_EUSAGE, "--variants: empty list");
	if (rc != Q_OK) {
		variant_list_free(m, v, n);
		return (-1);
	}
	return (n);
}

void
variant_list_free(struct model *m, struct model **v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] != m)
			model_free(v[i]);
}
