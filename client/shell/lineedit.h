/*
 * client/shell/lineedit.h - read the shell's lines: with GNU readline
 * (editing, history) when standard input is a terminal, plainly and
 * without any prompt when it is not, so a script can be piped in.
 *
 * The only file that includes readline's headers. Waits on standard input
 * and on a signalfd together, so the signals the main thread collects
 * (client.c blocks them in every thread) reach it at the prompt too:
 * Ctrl-C discards the line being typed and shows a new prompt, the others
 * are handed back. Readline's callback interface is process-wide, so
 * there is one line editor at a time. Main thread only.
 */
#ifndef CLIENT_SHELL_LINEEDIT_H
#define CLIENT_SHELL_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

enum lineedit_result {
    LINEEDIT_LINE,     /* *LINE holds one line, without its newline */
    LINEEDIT_EOF,      /* end of input (Ctrl-D at an empty prompt) */
    LINEEDIT_SIGNAL,   /* a signal other than SIGINT at a prompt: *SIG says which */
    LINEEDIT_TOO_LONG, /* a line longer than the maximum was skipped */
    LINEEDIT_ERROR,    /* reading failed */
};

struct lineedit;

/*
 * Start reading standard input; IS_INTERACTIVE: with readline, the prompt
 * written to OUT_IS_STDERR ? stderr : stdout. SIGFD: a signalfd for the
 * signals to watch (borrowed). Lines are at most MAX bytes. NULL when out
 * of memory.
 */
struct lineedit *lineedit_open(bool is_interactive, bool out_is_stderr, int sigfd, size_t max);

/*
 * Read the next line, showing PROMPT when interactive. *LINE (LEN bytes,
 * NUL-terminated) is owned by LE and valid until the next call. Non-empty
 * interactive lines go into the history. SIGINT while not interactive is
 * handed back as LINEEDIT_SIGNAL too (there is no line to discard).
 */
enum lineedit_result lineedit_read(struct lineedit *le, const char *prompt, char **line,
                                   size_t *len, int *sig);

void lineedit_close(struct lineedit *le);

#endif
