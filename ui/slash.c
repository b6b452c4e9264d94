/*
 * slash.c: parsing the TUI's slash commands.
 */
#include "config.h"

#include "slash.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const slash_help[] = {
	"/system TEXT     system prompt for the chat template (none: clear)",
	"/temp X          temperature, 0 = greedy",
	"/seed N          sampler seed",
	"/n N             tokens to generate, -1 = to the end",
	"/variants LIST   answer with these precisions, e.g. ref,q8_0,q4_0",
	"/blind on|off    hide and shuffle the variants until all are rated",
	"/report          error rates and reliability of every variant",
	"/history         earlier prompts; Enter opens one",
	"/help            keys and commands",
	"/quit            leave qcmp",
	NULL
};

static const struct {
	const char	*name;
	enum slash_kind	 kind;
	int		 arg;	/* 0 none, 1 text, 2 number, 3 on|off */
} slash_table[] = {
	{ "system", SLASH_SYSTEM, 1 },
	{ "temp", SLASH_TEMP, 2 },
	{ "seed", SLASH_SEED, 2 },
	{ "n", SLASH_N, 2 },
	{ "variants", SLASH_VARIANTS, 1 },
	{ "blind", SLASH_BLIND, 3 },
	{ "report", SLASH_REPORT, 0 },
	{ "history", SLASH_HISTORY, 0 },
	{ "help", SLASH_HELP, 0 },
	{ "quit", SLASH_QUIT, 0 },
};

/* The number in s, which must be all of it; -1 when it is not one. */
static int
slash_number(const char *s, int integer, double *out)
{
	char	*end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(*out))
		return (-1);
	if (integer && *out != floor(*out))
		return (-1);
	return (0);
}

int
slash_parse(const char *line, struct slash_cmd *cmd, char *err,
    size_t err_len)
{
	const char	*p = line, *arg;
	size_t		 n;
	size_t		 i;

	memset(cmd, 0, sizeof *cmd);
	if (*p++ != '/')
		return (snprintf(err, err_len, "not a command"), -1);
	for (n = 0; p[n] != '\0' && !isspace((unsigned char)p[n]); n++)
		;
	for (arg = p + n; isspace((unsigned char)*arg); arg++)
		;
	for (i = 0; i < sizeof slash_table / sizeof slash_table[0]; i++)
		if (strlen(slash_table[i].name) == n &&
		    strncmp(slash_table[i].name, p, n) == 0)
			break;
	if (i == sizeof slash_table / sizeof slash_table[0]) {
		snprintf(err, err_len, "unknown command /%.*s (try /help)",
		    (int)(n > 32 ? 32 : n), p);
		return (-1);
	}
	cmd->kind = slash_table[i].kind;
	switch (slash_table[i].arg) {
	case 0:
		if (*arg != '\0') {
			snprintf(err, err_len, "/%s takes no argument",
			    slash_table[i].name);
			return (-1);
		}
		break;
	case 1:
		cmd->text = arg;
		if (cmd->kind == SLASH_VARIANTS && *arg == '\0') {
			snprintf(err, err_len, "/variants needs a list, e.g. "
			    "ref,q8_0,q4_0,t2m");
			return (-1);
		}
		break;
	case 2:
		if (slash_number(arg, cmd->kind != SLASH_TEMP, &cmd->num) ||
		    (cmd->kind == SLASH_TEMP && cmd->num < 0) ||
		    (cmd->kind == SLASH_SEED && (cmd->num < 0 ||
		    cmd->num > 2147483647.0)) ||
		    (cmd->kind == SLASH_N && (cmd->num < -1 ||
		    cmd->num > 1 << 30))) {
			snprintf(err, err_len, "/%s: '%s' is not %s",
			    slash_table[i].name, arg, cmd->kind == SLASH_TEMP ?
			    "a temperature >= 0" : cmd->kind == SLASH_SEED ?
			    "a seed in 0..2147483647" :
			    "a token count (-1 = to the end)");
			return (-1);
		}
		break;
	case 3:
		if (strcmp(arg, "on") == 0)
			cmd->on = 1;
		else if (strcmp(arg, "off") != 0) {
			snprintf(err, err_len, "/blind takes on or off");
			return (-1);
		}
		break;
	}
	return (0);
}
