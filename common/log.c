/*
 * common/log.c - line-at-a-time logging to stdout and stderr.
 *
 * The only state is the program name, the quiet flag and the sink, set
 * before threads start (or after they are joined) and read-only while
 * they run. Each line is formatted into a stack buffer and then either
 * handed to the sink (the server's log writer threads, so that a worker
 * never blocks on a full pipe or a paused terminal) or written with a
 * single write(2); a failed write (a closed pipe, a full disk) is dropped
 * on purpose: logging must never take the program down.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "pdm";
static bool log_quiet;
static struct log_sink log_sink; /* put == NULL: write(2) at once */

void log_init(const char *prog, bool quiet)
{
    log_prog = prog;
    log_quiet = quiet;
}

void log_set_sink(const struct log_sink *sink)
{
    if (sink != NULL)
        log_sink = *sink;
    else
        memset(&log_sink, 0, sizeof(log_sink));
}

void log_put_line(int fd, const char *line, size_t len)
{
    if (log_sink.put != NULL) {
        log_sink.put(log_sink.arg, fd, line, len);
        return;
    }
    while (len > 0) {
        ssize_t w = write(fd, line, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report it: drop the line */
        line += w;
        len -= (size_t)w;
    }
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
    log_put_line(fd, line, len);
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

/*
 * Length of the well-formed UTF-8 sequence at S[0..LEN) (Unicode 15, table
 * 3-7): 2 to 4. Otherwise 0, with *BAD set to how many bytes belong to the
 * ill-formed start (the lead byte and the continuation bytes that fitted
 * before the sequence broke), so the caller resumes right after them.
 */
static size_t utf8_sequence(const unsigned char *s, size_t len, size_t *bad)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t need;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        need = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        need = 3;
        lo = s[0] == 0xe0 ? 0xa0 : 0x80; /* no overlong forms */
        hi = s[0] == 0xed ? 0x9f : 0xbf; /* no UTF-16 surrogates */
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        need = 4;
        lo = s[0] == 0xf0 ? 0x90 : 0x80; /* no overlong forms */
        hi = s[0] == 0xf4 ? 0x8f : 0xbf; /* nothing past U+10FFFF */
    } else {
        *bad = 1; /* a continuation byte, C0, C1 or F5..FF as a lead */
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if (i >= len || s[i] < lo || s[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xbf;
    }
    return need;
}

const char *log_quote(const char *s, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;

    if (cap == 0)
        return out;
    while (i < len) {
        size_t n = 1, esc = 0;

        if (u[i] < 0x20 || u[i] == 0x7f || u[i] == '\\') {
            esc = 1;
        } else if (u[i] >= 0x80) {
            n = utf8_sequence(u + i, len - i, &esc);
            /* U+0080..U+009F are C1 controls: a terminal may obey them. */
            if (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
                esc = 2;
        }
        if (esc > 0) {
            if (o + 4 * esc >= cap)
                break;
            for (size_t k = 0; k < esc; k++) {
                out[o++] = '\\';
                out[o++] = 'x';
                out[o++] = hex[u[i + k] >> 4];
                out[o++] = hex[u[i + k] & 15];
            }
            i += esc;
            continue;
        }
        if (o + n >= cap) /* a character is copied whole or not at all */
            break;
        memcpy(out + o, u + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return out;
}
