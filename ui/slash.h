/*
 * slash.h: the TUI's slash commands, parsed from a prompt line that starts
 * with '/'.  Pure parsing: what a command does is the TUI's business.
 */
#ifndef QCMP_SLASH_H
#define QCMP_SLASH_H

#include <stddef.h>

enum slash_kind {
	SLASH_SYSTEM,	/* /system TEXT (no TEXT: none) */
	SLASH_TEMP,	/* /temp X */
	SLASH_SEED,	/* /seed N */
	SLASH_N,	/* /n N: tokens to generate, -1 = to the end */
	SLASH_VARIANTS,	/* /variants LIST */
	SLASH_BLIND,	/* /blind on|off */
	SLASH_REPORT,
	SLASH_HISTORY,
	SLASH_HELP,
	SLASH_QUIT
};

struct slash_cmd {
	enum slash_kind	 kind;
	const char	*text;	/* SYSTEM, VARIANTS: into the parsed line */
	double		 num;	/* TEMP, SEED, N */
	int		 on;	/* BLIND */
};

/* Parses line ("/temp 0.5"); 0, or -1 with a one-line reason in err.
 * cmd->text points into line. */
int	slash_parse(const char *line, struct slash_cmd *cmd, char *err,
	    size_t err_len);
/* Every command with its argument, one per line, for the help overlay. */
extern const char *const slash_help[];

#endif
