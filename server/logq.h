/*
 * server/logq.h - a bounded queue of log lines between the threads that
 * log (workers, acceptor, scanner, main) and the one that writes them.
 *
 * A byte ring guarded by a mutex, with a condition variable for the
 * writer to sleep on (Redis's bio.c model). Putting never waits for the
 * writer: a line that does not fit whole is dropped and counted, so a
 * stalled output (a pipe nobody reads, a terminal paused with Ctrl-S)
 * costs lines, never time. Lines are stored whole or not at all.
 */
#ifndef SERVER_LOGQ_H
#define SERVER_LOGQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct logq {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when bytes, a drop or the stop arrive */
    char *buf;           /* the ring: CAP bytes */
    size_t cap;
    size_t head;      /* guarded by lock: where the oldest byte is */
    size_t used;      /* guarded by lock: bytes queued */
    uint64_t dropped; /* guarded by lock: lines refused since the last logq_take() */
    bool is_stopping; /* guarded by lock */
};

/* Prepare Q with room for CAP bytes. Returns 0 or a negative errno value. */
int logq_init(struct logq *q, size_t cap);

/* Release what logq_init() set up; no thread may use Q any more. */
void logq_cleanup(struct logq *q);

/*
 * Queue LINE[0..LEN) (borrowed), whole, or drop it and count it when it
 * does not fit. Never blocks beyond the short critical section. Returns
 * false when the line was dropped. Thread-safe.
 */
bool logq_put(struct logq *q, const char *line, size_t len);

/*
 * Take up to CAP queued bytes (oldest first, a line possibly cut between
 * two calls) into OUT. With WAIT, sleep until there is something: bytes,
 * a drop to report, or the stop. *DROPPED gets the lines dropped since
 * the last call, and the count starts over. Returns the bytes copied: 0
 * with *DROPPED 0 means the queue is stopping and empty (or, without
 * WAIT, simply empty). Thread-safe; meant for one consumer.
 */
size_t logq_take(struct logq *q, char *out, size_t cap, uint64_t *dropped, bool wait);

/* Wake the consumer for good: logq_take() returns 0 once Q is empty. Thread-safe. */
void logq_stop(struct logq *q);

#endif
