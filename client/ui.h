/*
 * client/ui.h - what the controller's progress looks like to a person.
 *
 * Three implementations of one interface (ncdu's struct-of-functions
 * style): ui_curses.c, a full-screen ncurses display, when stdout is a
 * terminal; ui_line.c, one bar on one line of a terminal, for a single
 * upload; ui_plain.c, progress and result lines, for pipes, CI and
 * --plain. Both run on the main thread only; they read nothing but the
 * struct progress_view they are handed.
 */
#ifndef CLIENT_UI_H
#define CLIENT_UI_H

#include <stdbool.h>
#include <stdio.h>

#include "progress.h"

enum ui_key {
    UI_KEY_NONE,
    UI_KEY_QUIT, /* the user asked to quit (q, or Ctrl-C in the terminal) */
};

struct ui {
    /* Show VIEW. Called about ten times a second; must be cheap when
     * nothing changed. */
    void (*draw)(struct ui *ui, const struct progress_view *view);
    /* Wait up to TIMEOUT_MS for the user; report what they did. NULL for
     * a display that reads no input: the caller then waits for progress. */
    enum ui_key (*wait)(struct ui *ui, int timeout_ms);
    /* Leave: restore the terminal (curses), flush (plain). Idempotent. */
    void (*end)(struct ui *ui);
    bool wants_entries; /* draw() reads the queue entries (else they are not copied) */
    void *priv;
};

/*
 * Take over the terminal. Returns 0, or a negative errno value when the
 * terminal cannot be used (the caller falls back to the plain UI). The
 * terminal is restored by end(), and also at exit() should the program
 * leave some other way.
 */
int ui_curses_start(struct ui *ui);

/*
 * One transfer's bar on one line of the terminal OUT, redrawn in place;
 * notices and result lines printed above it (results to OUT, failures and
 * notices to ERR). For put and the shell. Returns 0 or -ENOMEM.
 */
int ui_line_start(struct ui *ui, FILE *out, FILE *err);

/*
 * Write to OUT (progress lines at most once a second per file, one result
 * line per file) and notices to ERR. With IS_QUIET, only failures.
 * Returns 0 or -ENOMEM.
 */
int ui_plain_start(struct ui *ui, FILE *out, FILE *err, bool is_quiet);

#endif
