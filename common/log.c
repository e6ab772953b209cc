/*
 * common/log.c - line-at-a-time logging to stdout and stderr.
 *
 * The only state is the program name and the quiet flag, both set by
 * log_init() before threads start and read-only afterwards. Each line is
 * formatted into a stack buffer and written with a single write(2); a
 * failed write (a closed pipe, a full disk) is dropped on purpose: logging
 * must never take the program down.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "pdm";
static bool log_quiet;

void log_init(const char *prog, bool quiet)
{
    log_prog = prog;
    log_quiet = quiet;
}

/* Format PREFIX, FMT and SUFFIX into one line and write it to FD. */
static void log_write(int fd, bool with_prog, const char *suffix, const char *fmt, va_list ap)
    LOG_PRINTF(4, 0);

static void log_write(int fd, bool with_prog, const char *suffix, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t len = 0;
    int n;

    if (with_prog) {
        n = snprintf(line, sizeof(line), "%s: ", log_prog);
        len = n > 0 ? (size_t)n : 0;
    }
    n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
    if (n > 0)
        len += (size_t)n;
    if (suffix != NULL && len < sizeof(line)) {
        n = snprintf(line + len, sizeof(line) - len, ": %s", suffix);
        if (n > 0)
            len += (size_t)n;
    }
    if (len >= sizeof(line) - 1) {
        len = sizeof(line) - 1;
        memcpy(line + len - 3, "...", 3);
    }
    line[len++] = '\n';
    while (len > 0) {
        ssize_t w = write(fd, line, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report it: drop the line */
        memmove(line, line + w, len - (size_t)w);
        len -= (size_t)w;
    }
}

void log_out(const char *fmt, ...)
{
    va_list ap;

    if (log_quiet)
        return;
    va_start(ap, fmt);
    log_write(STDOUT_FILENO, false, NULL, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    log_write(STDERR_FILENO, true, strerror(saved), fmt, ap);
    va_end(ap);
    errno = saved;
}

void log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(STDERR_FILENO, true, NULL, fmt, ap);
    va_end(ap);
}

void fatal(int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(STDERR_FILENO, true, NULL, fmt, ap);
    va_end(ap);
    exit(status);
}

const char *log_quote(const char *s, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (cap == 0)
        return out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c == 0x7f || c == '\\') {
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            if (o + 1 >= cap)
                break;
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}
