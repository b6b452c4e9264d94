/*
 * chat.h: chat templates that wrap a system prompt and a user message in a
 * model's conversation markup, chosen from tokenizer.chat_template by its
 * signature or by name.
 */
#ifndef QCMP_CHAT_H
#define QCMP_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"
#include "vocab.h"

enum chat_tmpl {
	CHAT_RAW = 0,	/* the text as is (system prompt, blank line, text) */
	CHAT_CHATML,	/* <|im_start|>role ... <|im_end|> */
	CHAT_LLAMA2,	/* [INST] <<SYS>> ... <</SYS>> ... [/INST] */
	CHAT_LLAMA3,	/* <|start_header_id|>role<|end_header_id|> ... */
	CHAT_ZEPHYR,	/* <|system|> ... </s> <|user|> ... </s> <|assistant|> */
	CHAT_COUNT
};

/* The template named name ("chatml", "llama2", "llama3", "zephyr",
 * "raw"), or -1. */
int	chat_find(const char *name);
/* Recognises a Jinja chat template by its markers; NULL or unknown: raw. */
enum chat_tmpl chat_detect(const char *jinja);
const char *chat_name(enum chat_tmpl t);
/* "raw, chatml, ..." for help texts and errors. */
const char *chat_names(void);
/* malloc'ed prompt text ready for tok_encode(parse_special = 1), ending
 * where the assistant's answer starts; system may be NULL.  BOS is not
 * included (the tokenizer adds it). */
char	*chat_apply(enum chat_tmpl t, const char *system, const char *user);
/* The token ids (BOS as the vocabulary wants it) of user's message under
 * template tmpl (-1: the one v's chat_template names); *used gets the
 * template applied, *ids is malloc'ed. */
int	chat_encode(const struct vocab *v, int tmpl, const char *system,
	    const char *user, enum chat_tmpl *used, int32_t **ids,
	    size_t *n_ids, struct qerr *err);

#endif
