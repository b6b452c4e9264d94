/*
 * modelpath.c: finding the model file when the command line names none, so
 * that `qcmp` works with no arguments once a model sits in ./models/.
 */
#include "config.h"

#include "modelpath.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODELPATH_DIR	"models"
#define MODELPATH_HOWTO	"no model: pass -m FILE, set QCMP_MODEL, or put a " \
	"GGUF file in ./models/ (any Llama-family GGUF, e.g. " \
	"stories260K.gguf from the llama2.c tinyllamas on Hugging Face, " \
	"or ../shared/models/stories260K.gguf)"

static int
modelpath_is_gguf(const char *name)
{
	size_t	n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".gguf") == 0 && name[0] != '.');
}

int
modelpath_resolve(const char *opt, char **out, struct qerr *err)
{
	const char	*env;
	struct dirent	*de;
	DIR		*d;
	char		*best = NULL;

	*out = NULL;
	if (opt == NULL && (env = getenv("QCMP_MODEL")) != NULL && *env)
		opt = env;
	if (opt != NULL) {
		if ((*out = strdup(opt)) == NULL)
			return (qerr_set(err, Q_ENOMEM, "out of memory"));
		return (Q_OK);
	}
	if ((d = opendir(MODELPATH_DIR)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (modelpath_is_gguf(de->d_name) &&
			    (best == NULL || strcmp(de->d_name, best) < 0)) {
				free(best);
				best = strdup(de->d_name);
			}
		closedir(d);
	}
	if (best == NULL)
		return (qerr_set(err, Q_EUSAGE, MODELPATH_HOWTO));
	if (asprintf(out, "%s/%s", MODELPATH_DIR, best) < 0) {
		*out = NULL;
		free(best);
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	}
	free(best);
	return (Q_OK);
}
