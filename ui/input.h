/*
 * input.h: GNU readline's callback interface inside ncurses: the TUI
 * hands readline one byte at a time and draws the line itself, so
 * readline never touches the terminal.  Emacs keys, Ctrl-R search and a
 * history file kept across runs; Alt-Enter inserts a newline.
 */
#ifndef QCMP_INPUT_H
#define QCMP_INPUT_H

#include <stddef.h>

/* Called with each accepted line (malloc'ed, the callee frees), or NULL
 * for Ctrl-D on an empty line. */
typedef void (*input_line_fn)(char *line);

/* Installs the handler with prompt; history_path (or NULL) is read now
 * and appended to as lines are accepted. */
void	input_start(const char *prompt, const char *history_path,
	    input_line_fn on_line);
/* Gives readline one byte of input. */
void	input_byte(int byte);
/* Editing keys ncurses decodes (KEY_LEFT, KEY_UP, ...); 0 when the key
 * is not one readline edits with. */
int	input_key(int key);
/* The prompt readline shows now (the search prompt during Ctrl-R), the
 * line and the cursor's byte offset in it. */
const char *input_prompt(void);
const char *input_text(size_t *point);
/* Replaces the prompt; the line is kept. */
void	input_set_prompt(const char *prompt);
/* Empties the line. */
void	input_clear(void);
/* Types text into the line at the cursor. */
void	input_insert(const char *text);
/* Adds an accepted line to the history (and its file). */
void	input_remember(const char *line);
/* Removes the handler. */
void	input_stop(void);

#endif
