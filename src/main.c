/*
 * main.c: qcmp's entry point: picks the command from the table and hands
 * it the arguments; `qcmp --help` prints every command's options.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kern.h"

static const struct cmd_entry *const main_cmds[] = {
	&cmd_tui_entry,
	&cmd_run_entry,
	&cmd_batch_entry,
	&cmd_rate_entry,
	&cmd_history_entry,
	&cmd_show_entry,
	&cmd_report_entry,
	&cmd_info_entry,
	&cmd_quantize_entry,
	&cmd_ppl_entry,
	&cmd_bench_entry,
	NULL
};

static void
main_help(void)
{
	printf("qcmp %s: compare the precision variants of one language "
	    "model.\n\n"
	    "usage: qcmp [COMMAND] [OPTIONS]\n"
	    "With no COMMAND, qcmp runs 'qcmp tui' when standard input and "
	    "output are a\nterminal, else 'qcmp run'.  The model comes from -m "
	    "FILE, else $QCMP_MODEL,\nelse the first *.gguf in ./models/.\n"
	    "Exit status: 0 success, 1 a bad file or runtime error, 2 a usage "
	    "error\nor no model.\n"
	    "QCMP_ISA=scalar|avx2|avx512|neon forces those kernels; qcmp info "
	    "--cpu shows\nwhat was detected and chosen.\n", PACKAGE_VERSION);
	for (int i = 0; main_cmds[i] != NULL; i++)
		printf("\nqcmp %s [OPTIONS]\n%s", main_cmds[i]->name,
		    main_cmds[i]->usage);
	printf("\nEvery command also takes -h, --help.  qcmp --version prints "
	    "the version.\n");
}

int
main(int argc, char **argv)
{
	const char	*name = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ?
			    "tui" : "run";
	struct qerr	 err;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
		main_help();
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("qcmp %s\n", PACKAGE_VERSION);
		return (0);
	}
	/* QCMP_ISA is checked before any command runs a kernel */
	if (kern_init(&err) != Q_OK) {
		cli_error("%s", err.msg);
		return (CLI_EXIT_USAGE);
	}
	if (argc > 1 && argv[1][0] != '-') {
		name = argv[1];
		argc--;
		argv++;
	}
	for (int i = 0; main_cmds[i] != NULL; i++)
		if (strcmp(main_cmds[i]->name, name) == 0)
			return (main_cmds[i]->exec(argc, argv));
	cli_error("unknown command '%s'; try 'qcmp --help'", name);
	return (CLI_EXIT_USAGE);
}
