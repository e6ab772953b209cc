/*
 * server/logwriter.c - write the log lines that other threads queue.
 *
 * DESIGN. Two threads, one per output stream: stdout (the access log and
 * notices) and stderr (warnings). Every other thread formats its line as
 * before (common/log.c) and the log sink logq_put()s it into the stream's
 * queue: a memcpy under a mutex, never a wait for the output. Each
 * stream's thread takes batches from its queue and writes them. An output
 * that stalls (a pipe nobody reads, a terminal paused with Ctrl-S) fills
 * its own queue, then its lines are dropped and counted, and the other
 * stream keeps flowing; the count is reported on stderr as soon as the
 * stalled output moves again (and at the stop).
 *
 * A writer thread must not hang on its output for ever either, or the
 * server could not stop. It writes to a descriptor that cannot block when
 * it can get one: a socket with MSG_DONTWAIT; a pipe, FIFO or terminal
 * reopened through /proc/self/fd with O_NONBLOCK, which gives it a file
 * description of its own and leaves the flags of the shared one (the
 * parent's terminal, say) alone; a regular file, which never blocks.
 * Otherwise it polls for POLLOUT and writes at most PIPE_BUF bytes at a
 * time. It waits in poll() 100 ms at a time, so it sees the stop.
 *
 * Stopping: logwriter_stop() sends lines straight to write(2) again, sets
 * a deadline and stops the queues. A thread writes what is queued, gives
 * up once the deadline passes while its output is still blocked, reports
 * what it lost and returns. Stdout's thread is joined first, so that its
 * report still goes through stderr's.
 */
#include "logwriter.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOGWRITER_BATCH   (64u << 10)
#define LOGWRITER_POLL_MS 100

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool is_given_up(const struct logwriter *w)
{
    return atomic_load(&w->is_stopping) && mono_ns() >= atomic_load(&w->stop_deadline_ns);
}

/* Choose how S writes to FD (see DESIGN). */
static void stream_setup(struct logstream *s, struct logwriter *w, int fd, const char *what)
{
    struct stat st;
    int flags = fcntl(fd, F_GETFL);

    s->w = w;
    s->what = what;
    s->fd = fd;
    if (fstat(fd, &st) != 0)
        return; /* closed: writes fail at once, and the lines are dropped */
    if (S_ISREG(st.st_mode) || (flags >= 0 && (flags & O_NONBLOCK))) {
        s->is_nonblocking = true;
    } else if (S_ISSOCK(st.st_mode)) {
        s->is_nonblocking = s->is_socket = true;
    } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
        char path[64];
        int nfd;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        nfd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (nfd >= 0) {
            s->fd = nfd;
            s->is_own_fd = true;
            s->is_nonblocking = true;
        }
    }
}

/* Wait until S's output takes bytes; false once the stop deadline has passed. */
static bool wait_writable(const struct logstream *s)
{
    for (;;) {
        struct pollfd p = {s->fd, POLLOUT, 0};
        int n;

        if (is_given_up(s->w))
            return false;
        n = poll(&p, 1, LOGWRITER_POLL_MS);
        if (n > 0 || (n < 0 && errno != EINTR))
            return true; /* writable, or an error the write will report */
    }
}

/* Write P[0..LEN) to S's output. False when it gave up or the output failed. */
static bool stream_write(struct logstream *s, const char *p, size_t len)
{
    while (len > 0) {
        size_t want = len;
        ssize_t n;

        if (!s->is_nonblocking) {
            if (!wait_writable(s))
                return false;
            if (want > PIPE_BUF) /* no more than POLLOUT promises room for */
                want = PIPE_BUF;
        }
        if (s->is_socket)
            n = send(s->fd, p, want, MSG_DONTWAIT | MSG_NOSIGNAL);
        else
            n = write(s->fd, p, want);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_writable(s))
                return false;
            continue;
        }
        return false; /* EPIPE, EIO, ENOSPC: nowhere to write it */
    }
    return true;
}

static uint64_t count_lines(const char *p, size_t len)
{
    uint64_t n = 0;

    for (const char *e = p + len; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        n++;
    return n;
}

/* Say on stderr that N lines of S were dropped or lost, and why. */
static void report(struct logstream *s, uint64_t n, const char *why)
{
    char line[256];
    int len = snprintf(line, sizeof(line), "server: %" PRIu64 " line%s of %s %s\n", n,
                       n == 1 ? "" : "s", s->what, why);

    if (len <= 0 || (size_t)len >= sizeof(line))
        return;
    if (s == &s->w->err)
        (void)stream_write(s, line, (size_t)len); /* nothing more to do if even this fails */
    else
        (void)logq_put(&s->w->err.q, line, (size_t)len); /* a full stderr queue counts it */
}

static void *stream_main(void *arg)
{
    struct logstream *s = arg;
    char buf[LOGWRITER_BATCH];

    for (;;) {
        uint64_t dropped = 0;
        size_t n = logq_take(&s->q, buf, sizeof(buf), &dropped, true);

        if (dropped > 0)
            report(s, dropped, "dropped: the output was not taking them fast enough");
        if (n == 0 && dropped == 0)
            break; /* stopping, and everything is written */
        if (n > 0 && !stream_write(s, buf, n)) {
            s->lost += count_lines(buf, n);
            if (!is_given_up(s->w))
                continue; /* the output failed: these lines are lost, later ones may pass */
            while ((n = logq_take(&s->q, buf, sizeof(buf), &dropped, false)) > 0 || dropped > 0)
                s->lost += count_lines(buf, n) + dropped;
            break;
        }
    }
    if (s->lost > 0)
        report(s, s->lost, "lost: the output was blocked or failed");
    return NULL;
}

static void sink_put(void *arg, int fd, const char *line, size_t len)
{
    struct logwriter *w = arg;

    (void)logq_put(fd == STDERR_FILENO ? &w->err.q : &w->out.q, line, len);
}

static void stream_cleanup(struct logstream *s)
{
    if (s->has_thread)
        pthread_join(s->thread, NULL);
    s->has_thread = false;
    logq_cleanup(&s->q);
    if (s->is_own_fd)
        close(s->fd);
    s->is_own_fd = false;
}

int logwriter_start(struct logwriter *w)
{
    struct log_sink sink = {sink_put, w};
    int err;

    memset(w, 0, sizeof(*w));
    atomic_init(&w->is_stopping, false);
    atomic_init(&w->stop_deadline_ns, 0);
    stream_setup(&w->out, w, STDOUT_FILENO, "standard output");
    stream_setup(&w->err, w, STDERR_FILENO, "standard error");
    err = logq_init(&w->out.q, LOGWRITER_OUT_BYTES);
    if (err == 0)
        err = logq_init(&w->err.q, LOGWRITER_ERR_BYTES);
    if (err == 0)
        err = -pthread_create(&w->err.thread, NULL, stream_main, &w->err);
    if (err == 0) {
        w->err.has_thread = true;
        err = -pthread_create(&w->out.thread, NULL, stream_main, &w->out);
    }
    if (err != 0) {
        logwriter_stop(w, 0);
        return err;
    }
    w->out.has_thread = true;
    log_set_sink(&sink);
    return 0;
}

void logwriter_stop(struct logwriter *w, unsigned grace_ms)
{
    log_set_sink(NULL);
    atomic_store(&w->stop_deadline_ns, mono_ns() + (uint64_t)grace_ms * 1000000u);
    atomic_store(&w->is_stopping, true);
    if (w->out.q.buf != NULL)
        logq_stop(&w->out.q);
    stream_cleanup(&w->out); /* its report goes through stderr's queue */
    if (w->err.q.buf != NULL)
        logq_stop(&w->err.q);
    stream_cleanup(&w->err);
}
