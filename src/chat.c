/*
 * chat.c: the conversation markups qcmp knows, as fixed texts around the
 * system prompt and the user message.  Models ship a Jinja template; rather
 * than run Jinja we recognise the handful of families by their special
 * tokens and rebuild the single-turn prompt they would render.
 */
#include "config.h"

#include "chat.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

static const char *const chat_tmpl_names[CHAT_COUNT] = {
	[CHAT_RAW] = "raw",
	[CHAT_CHATML] = "chatml",
	[CHAT_LLAMA2] = "llama2",
	[CHAT_LLAMA3] = "llama3",
	[CHAT_ZEPHYR] = "zephyr",
};

/* The special token that gives each family away in a Jinja text.  Tried in
 * this order, so a template that also mentions another family's token (as
 * a fallback branch, say) goes to its most distinctive one. */
static const struct {
	enum chat_tmpl	 tmpl;
	const char	*marker;
} chat_markers[] = {
	{ CHAT_CHATML, "<|im_start|>" },
	{ CHAT_LLAMA3, "<|start_header_id|>" },
	{ CHAT_LLAMA2, "[INST]" },
	{ CHAT_ZEPHYR, "<|user|>" },
};

int
chat_find(const char *name)
{
	int	i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < CHAT_COUNT; i++) {
		if (strcmp(chat_tmpl_names[i], name) == 0)
			return (i);
	}
	return (-1);
}

enum chat_tmpl
chat_detect(const char *jinja)
{
	size_t	i;

	if (jinja == NULL)
		return (CHAT_RAW);
	for (i = 0; i < sizeof chat_markers / sizeof *chat_markers; i++) {
		if (strstr(jinja, chat_markers[i].marker) != NULL)
			return (chat_markers[i].tmpl);
	}
	return (CHAT_RAW);
}

const char *
chat_name(enum chat_tmpl t)
{
	assert((unsigned)t < CHAT_COUNT);
	return (chat_tmpl_names[t]);
}

const char *
chat_names(void)
{
	return ("raw, chatml, llama2, llama3, zephyr");
}

/* An empty system prompt counts as none: "-s ''" should not leave an
 * empty system turn in the prompt. */
char *
chat_apply(enum chat_tmpl t, const char *system, const char *user)
{
	char	*out;
	int	 sys, rc;

	assert((unsigned)t < CHAT_COUNT);
	if (user == NULL)
		user = "";
	sys = system != NULL && *system != '\0';
	if (!sys)
		system = "";
	switch (t) {
	case CHAT_CHATML:
		rc = asprintf(&out, "%s%s%s"
		    "<|im_start|>user\n%s<|im_end|>\n"
		    "<|im_start|>assistant\n",
		    sys ? "<|im_start|>system\n" : "", system,
		    sys ? "<|im_end|>\n" : "", user);
		break;
	case CHAT_LLAMA2:
		rc = asprintf(&out, "[INST] %s%s%s%s [/INST]",
		    sys ? "<<SYS>>\n" : "", system,
		    sys ? "\n<</SYS>>\n\n" : "", user);
		break;
	case CHAT_LLAMA3:
		rc = asprintf(&out, "%s%s%s"
		    "<|start_header_id|>user<|end_header_id|>\n\n%s<|eot_id|>"
		    "<|start_header_id|>assistant<|end_header_id|>\n\n",
		    sys ? "<|start_header_id|>system<|end_header_id|>\n\n" :
		    "", system, sys ? "<|eot_id|>" : "", user);
		break;
	case CHAT_ZEPHYR:
		rc = asprintf(&out, "%s%s%s<|user|>\n%s</s>\n<|assistant|>\n",
		    sys ? "<|system|>\n" : "", system, sys ? "</s>\n" : "",
		    user);
		break;
	default:
		rc = asprintf(&out, "%s%s%s", system, sys ? "\n\n" : "", user);
		break;
	}
	if (rc < 0)
		return (NULL);
	return (out);
}

int
chat_encode(const struct vocab *v, int tmpl, const char *system,
    const char *user, enum chat_tmpl *used, int32_t **ids, size_t *n_ids,
    struct qerr *err)
{
	char	*text;
	int	 rc;

	*used = tmpl >= 0 ? (enum chat_tmpl)tmpl : chat_detect(v->chat_template);
	if ((text = chat_apply(*used, system, user)) == NULL)
		return (qerr_set(err, Q_ENOMEM, "out of memory"));
	rc = tok_encode(v, text, strlen(text), v->add_bos, *used != CHAT_RAW,
	    ids, n_ids, err);
	free(text);
	return (rc);
}
