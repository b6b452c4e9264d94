/*
 * variant-list.h: the models a --variants list names, built from one
 * master; what run, the TUI and batch share.
 */
#ifndef QCMP_VARIANT_LIST_H
#define QCMP_VARIANT_LIST_H

#include "model.h"
#include "qerr.h"

/* Builds the models named in list (comma-separated formats, "ref",
 * "default") from m into v[0..max); f32 of an all-f32 master is the
 * master itself.  ms[i] (when ms is not NULL) gets variant i's build
 * time.  Returns the count, or -1 with err set and nothing left built. */
int	variant_list_build(struct model *m, const char *list, struct model **v,
	    int max, double *ms, struct qerr *err);
/* Frees v[0..n) except the master m. */
void	variant_list_free(struct model *m, struct model **v, int n);

#endif
