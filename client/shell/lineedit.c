/*
 * client/shell/lineedit.c - readline's callback interface driven by
 * poll() on standard input and a signalfd; a plain buffered reader for
 * scripts. Readline installs no signal handler of its own for SIGINT
 * (rl_catch_signals = 0): the signal is blocked and read from the
 * signalfd, so it never interrupts anything else. Window-size changes it
 * still handles itself.
 */
#include "lineedit.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#define PLAIN_BUF (64u << 10)

struct lineedit {
    bool is_interactive;
    int sigfd;
    size_t max;
    char *rl_line; /* the last line readline gave (free()) */
    /* The plain reader: BUF[START, END) is read and not yet handed out. */
    char *buf;
    size_t cap, start, end;
    bool is_eof;
    bool is_skipping; /* inside a line that was too long */
};

/* Readline's callback hands the line here: one editor at a time. */
static char *cb_line;
static bool cb_has_line;

static void on_line(char *line)
{
    cb_line = line;
    cb_has_line = true;
    rl_callback_handler_remove();
}

struct lineedit *lineedit_open(bool is_interactive, bool out_is_stderr, int sigfd, size_t max)
{
    struct lineedit *le = calloc(1, sizeof(*le));

    if (le == NULL)
        return NULL;
    le->is_interactive = is_interactive;
    le->sigfd = sigfd;
    le->max = max;
    if (is_interactive) {
        rl_catch_signals = 0;
        rl_catch_sigwinch = 1;
        rl_instream = stdin;
        rl_outstream = out_is_stderr ? stderr : stdout;
        rl_readline_name = "pdm";
        using_history();
        stifle_history(1000);
        return le;
    }
    le->cap = max + PLAIN_BUF;
    le->buf = malloc(le->cap);
    if (le->buf == NULL) {
        free(le);
        return NULL;
    }
    return le;
}

/* Take one pending signal from the signalfd; 0 when none. */
static int take_signal(int fd)
{
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof(si));

    return n == (ssize_t)sizeof(si) ? (int)si.ssi_signo : 0;
}

static enum lineedit_result read_interactive(struct lineedit *le, const char *prompt, char **line,
                                             size_t *len, int *sig)
{
    free(le->rl_line);
    le->rl_line = NULL;
    cb_line = NULL;
    cb_has_line = false;
    rl_callback_handler_install(prompt, on_line);
    while (!cb_has_line) {
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {le->sigfd, POLLIN, 0}};

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue; /* SIGWINCH: readline's handler has run */
            rl_callback_handler_remove();
            return LINEEDIT_ERROR;
        }
        if (p[1].revents & POLLIN) {
            int s;

            /* What was typed before the signal belongs to the line it ends. */
            while (!cb_has_line && poll(p, 1, 0) == 1 && (p[0].revents & POLLIN))
                rl_callback_read_char();
            if (cb_has_line)
                break; /* the line came first; the signal waits for the next read */
            s = take_signal(le->sigfd);
            if (s == SIGINT) {
                /* As a shell does: drop what was typed, start a new line. */
                rl_free_line_state();
                rl_callback_sigcleanup();
                rl_replace_line("", 0);
                fputs("^C\n", rl_outstream);
                rl_on_new_line();
                rl_redisplay();
                continue;
            }
            if (s != 0) {
                rl_callback_handler_remove();
                fputc('\n', rl_outstream);
                *sig = s;
                return LINEEDIT_SIGNAL;
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
            rl_callback_read_char();
    }
    if (cb_line == NULL) {
        fputc('\n', rl_outstream); /* Ctrl-D: leave the prompt's line */
        fflush(rl_outstream);
        return LINEEDIT_EOF;
    }
    le->rl_line = cb_line;
    *line = cb_line;
    *len = strlen(cb_line);
    if (*len > le->max)
        return LINEEDIT_TOO_LONG;
    if (strspn(cb_line, " \t") != *len)
        add_history(cb_line);
    return LINEEDIT_LINE;
}

/* Hand out BUF[START, NL) as a line. */
static enum lineedit_result plain_take(struct lineedit *le, char *nl, char **line, size_t *len)
{
    char *p = le->buf + le->start;
    size_t n = (size_t)(nl - p);

    le->start += n + (nl < le->buf + le->end ? 1 : 0);
    if (n > 0 && p[n - 1] == '\r')
        n--; /* a script written on another system */
    p[n] = '\0';
    *line = p;
    *len = n;
    return LINEEDIT_LINE;
}

static enum lineedit_result read_plain(struct lineedit *le, char **line, size_t *len, int *sig)
{
    for (;;) {
        char *nl = memchr(le->buf + le->start, '\n', le->end - le->start);
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {le->sigfd, POLLIN, 0}};
        ssize_t n;

        if (nl != NULL && le->is_skipping) {
            le->start = (size_t)(nl - le->buf) + 1;
            le->is_skipping = false;
            return LINEEDIT_TOO_LONG;
        }
        if (nl != NULL)
            return plain_take(le, nl, line, len);
        if (le->end - le->start > le->max) {
            le->start = le->end = 0; /* drop it, and the rest of it as it comes */
            le->is_skipping = true;
        }
        if (le->is_eof) {
            if (le->is_skipping) {
                le->is_skipping = false;
                return LINEEDIT_TOO_LONG;
            }
            if (le->end > le->start) { /* a last line without its newline */
                le->buf[le->end] = '\0';
                return plain_take(le, le->buf + le->end, line, len);
            }
            return LINEEDIT_EOF;
        }
        if (le->start > 0) {
            memmove(le->buf, le->buf + le->start, le->end - le->start);
            le->end -= le->start;
            le->start = 0;
        }
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return LINEEDIT_ERROR;
        }
        if (p[1].revents & POLLIN) {
            int s = take_signal(le->sigfd);

            if (s != 0) {
                *sig = s;
                return LINEEDIT_SIGNAL;
            }
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = read(STDIN_FILENO, le->buf + le->end, le->cap - 1 - le->end);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return LINEEDIT_ERROR;
        if (n == 0)
            le->is_eof = true;
        le->end += (size_t)n;
    }
}

enum lineedit_result lineedit_read(struct lineedit *le, const char *prompt, char **line,
                                   size_t *len, int *sig)
{
    *line = NULL;
    *len = 0;
    *sig = 0;
    if (le->is_interactive)
        return read_interactive(le, prompt, line, len, sig);
    return read_plain(le, line, len, sig);
}

void lineedit_close(struct lineedit *le)
{
    if (le == NULL)
        return;
    free(le->rl_line);
    free(le->buf);
    if (le->is_interactive)
        rl_clear_history();
    free(le);
}
