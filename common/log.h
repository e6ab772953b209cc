/*
 * common/log.h - one event per line, written with one write(2) so lines from
 * different threads never interleave.
 *
 * log_out() is for the program's normal output (the server's access log and
 * notices): stdout, silenced by --quiet. log_warn()/log_warnx() are for
 * problems: stderr, prefixed with the program name, never silenced.
 * log_warn() appends strerror(errno); log_warnx() does not (OpenBSD style).
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define LOG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Longest line written; longer ones are cut and end with "...". */
#define LOG_LINE_MAX 4096

/*
 * Set the program name used as the prefix of stderr lines, and whether
 * log_out() is silenced. Call once, before any thread starts; PROG is
 * borrowed for the life of the process.
 */
void log_init(const char *prog, bool quiet);

/*
 * Where finished lines go instead of write(2): PUT gets each whole line
 * (newline included, at most LOG_LINE_MAX bytes) and its file descriptor,
 * and must neither block nor log. Install it before starting the threads
 * that log and remove it (NULL) only after they are joined: the sink is
 * read without a lock. The struct is copied; ARG is borrowed.
 */
struct log_sink {
    void (*put)(void *arg, int fd, const char *line, size_t len);
    void *arg;
};
void log_set_sink(const struct log_sink *sink);

/*
 * Write LINE (LEN bytes, its newline included) to FD the way every log
 * line goes: through the sink when there is one. For output that --quiet
 * does not silence, such as the server's "listening on" line.
 */
void log_put_line(int fd, const char *line, size_t len);

void log_out(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * Copy S[0..LEN) into OUT (CAP bytes, always NUL-terminated, cut to fit)
 * so that a file name or a request target can neither forge or break a log
 * line nor send a terminal escape sequence: C0 controls, DEL, backslash,
 * C1 controls (U+0080..U+009F) and every byte of an ill-formed UTF-8
 * sequence (overlong, surrogate, past U+10FFFF, truncated, stray
 * continuation) are written as \xHH; well-formed UTF-8 is copied. A cut
 * never splits a character or an escape. Pure. Returns OUT.
 */
const char *log_quote(const char *s, size_t len, char *out, size_t cap);

/* Print "PROG: message" on stderr and exit with STATUS. */
_Noreturn void fatal(int status, const char *fmt, ...) LOG_PRINTF(2, 3);

#endif
