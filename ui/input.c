/*
 * input.c: readline driven byte by byte from the TUI's event loop.  Its
 * terminal preparation, signal handlers and output are all switched off:
 * ncurses owns the terminal, and readline's echo goes to /dev/null.
 */
#include "config.h"

#include "input.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#define INPUT_HISTORY_MAX	1000

static int		 input_ch, input_has;
static char		*input_hist_path;
static FILE		*input_null;

static int
input_getc(FILE *f)
{
	(void)f;
	input_has = 0;
	return (input_ch);
}

static int
input_available(void)
{
	return (input_has);
}

/* The TUI redraws the line itself from input_text(). */
static void
input_redisplay(void)
{
}

static int
input_newline(int count, int key)
{
	(void)count;
	(void)key;
	return (rl_insert_text("\n") >= 0 ? 0 : 1);
}

void
input_start(const char *prompt, const char *history_path,
    input_line_fn on_line)
{
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	if (input_null == NULL)
		input_null = fopen("/dev/null", "w");
	rl_outstream = input_null;
	rl_getc_function = input_getc;
	rl_input_available_hook = input_available;
	rl_redisplay_function = input_redisplay;
	rl_readline_name = "qcmp";
	using_history();
	stifle_history(INPUT_HISTORY_MAX);
	free(input_hist_path);
	input_hist_path = history_path ? strdup(history_path) : NULL;
	if (input_hist_path != NULL)
		read_history(input_hist_path);
	rl_callback_handler_install(prompt, on_line);
	/* after install, which reads ~/.inputrc: these keys are the TUI's */
	rl_bind_key('\t', rl_insert);
	rl_bind_keyseq("\\e\\r", input_newline);
	rl_bind_keyseq("\\e\\n", input_newline);
}

void
input_byte(int byte)
{
	input_ch = byte;
	input_has = 1;
	rl_callback_read_char();
}

int
input_key(int key)
{
	switch (key) {
	case KEY_LEFT:		rl_backward_char(1, 0); break;
	case KEY_RIGHT:		rl_forward_char(1, 0); break;
	case KEY_UP:		rl_get_previous_history(1, 0); break;
	case KEY_DOWN:		rl_get_next_history(1, 0); break;
	case KEY_HOME:		rl_beg_of_line(1, 0); break;
	case KEY_END:		rl_end_of_line(1, 0); break;
	case KEY_DC:		rl_delete(1, 0); break;
	case KEY_BACKSPACE:	rl_rubout(1, 0); break;
	default:		return (0);
	}
	return (1);
}

const char *
input_prompt(void)
{
	return (rl_display_prompt ? rl_display_prompt : "");
}

const char *
input_text(size_t *point)
{
	*point = rl_point < 0 ? 0 : (size_t)rl_point;
	return (rl_line_buffer ? rl_line_buffer : "");
}

void
input_set_prompt(const char *prompt)
{
	rl_set_prompt(prompt);
}

void
input_clear(void)
{
	rl_replace_line("", 1);
	rl_point = rl_end = 0;
}

void
input_insert(const char *text)
{
	rl_insert_text(text);
}

void
input_remember(const char *line)
{
	add_history(line);
	if (input_hist_path != NULL && append_history(1,
	    input_hist_path) != 0)
		write_history(input_hist_path);	/* the file did not exist */
	if (input_hist_path != NULL)
		history_truncate_file(input_hist_path, INPUT_HISTORY_MAX);
}

void
input_stop(void)
{
	rl_callback_handler_remove();
	free(input_hist_path);
	input_hist_path = NULL;
	if (input_null != NULL) {
		fclose(input_null);
		input_null = NULL;
	}
}
