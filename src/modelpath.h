/*
 * modelpath.h: which model file a command uses when the user did not say:
 * -m FILE, else $QCMP_MODEL, else the first *.gguf (by name) in ./models/.
 */
#ifndef QCMP_MODELPATH_H
#define QCMP_MODELPATH_H

#include "qerr.h"

/* malloc'ed path in *out; Q_EUSAGE with a how-to-get-one message when no
 * model can be found. */
int	modelpath_resolve(const char *opt, char **out, struct qerr *err);

#endif
