/*
 * cli.h: the command table and what commands share: exit codes, error
 * printing and loading the model named on the command line.
 */
#ifndef QCMP_CLI_H
#define QCMP_CLI_H

#include "model.h"

/* Exit codes: 0 success, 1 a file or runtime error, 2 a usage error. */
#define CLI_EXIT_FAIL	1
#define CLI_EXIT_USAGE	2

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* option summary, one per line */
	int		(*exec)(int argc, char **argv);
};

extern const struct cmd_entry cmd_batch_entry;
extern const struct cmd_entry cmd_bench_entry;
extern const struct cmd_entry cmd_history_entry;
extern const struct cmd_entry cmd_info_entry;
extern const struct cmd_entry cmd_quantize_entry;
extern const struct cmd_entry cmd_ppl_entry;
extern const struct cmd_entry cmd_rate_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_tui_entry;

/* Prints "qcmp: msg" on stderr. */
void	cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit code for a result code (Q_EUSAGE -> 2, others -> 1). */
int	cli_exit_code(int rc);
/* Prints e's usage to stdout (help) or a hint to stderr; returns the exit
 * code (0 for help, 2 otherwise). */
int	cli_usage(const struct cmd_entry *e, int help);
/* Resolves and loads the model (-m / $QCMP_MODEL / ./models); on failure
 * prints the error and returns the exit code, else 0. */
int	cli_load_model(const char *opt_model, const char *opt_tokenizer,
	    struct model **out);
/* Parses a whole decimal integer in [lo, hi] for option name; prints the
 * error and returns -1 when it is not one. */
int	cli_int(const char *name, const char *s, long lo, long hi, long *out);
/* Parses a finite float for option name; -1 with an error printed. */
int	cli_float(const char *name, const char *s, float *out);

#endif
