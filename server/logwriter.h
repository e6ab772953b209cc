/*
 * server/logwriter.h - the threads that write the server's log lines, so
 * that no worker ever waits for its output.
 */
#ifndef SERVER_LOGWRITER_H
#define SERVER_LOGWRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "logq.h"

/* Queue sizes: what a stalled output may hold before lines are dropped. */
#define LOGWRITER_OUT_BYTES (1u << 20) /* stdout: the access log */
#define LOGWRITER_ERR_BYTES (256u << 10)

/* One output stream (stdout or stderr), its queue and its thread. */
struct logstream {
    struct logwriter *w;
    const char *what;    /* "standard output" */
    int fd;              /* where to write: the original or a non-blocking reopen */
    bool is_own_fd;      /* fd was opened here (closed at the end) */
    bool is_nonblocking; /* writes return EAGAIN instead of blocking */
    bool is_socket;      /* send(MSG_DONTWAIT) */
    struct logq q;
    pthread_t thread;
    bool has_thread;
    uint64_t lost; /* written by this stream's thread only: lines given up at the stop */
};

struct logwriter {
    struct logstream out, err;
    atomic_bool is_stopping;
    _Atomic uint64_t stop_deadline_ns; /* CLOCK_MONOTONIC; valid once is_stopping */
};

/*
 * Start one writer thread for stdout and one for stderr, and route
 * common/log.c's lines to them (log_set_sink). Call before any other
 * thread starts, with the signals that main() waits for already blocked.
 * Returns 0, or a negative errno value with nothing started (the lines
 * then keep going straight to write(2)).
 */
int logwriter_start(struct logwriter *w);

/*
 * Route log lines straight to write(2) again, let each thread write what
 * is queued (giving up on an output that stays blocked for GRACE_MS, with
 * a count of the lines lost on stderr), and join them. Call after every
 * other thread that logs has been joined. Safe on a writer that failed to
 * start.
 */
void logwriter_stop(struct logwriter *w, unsigned grace_ms);

#endif
