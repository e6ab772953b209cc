/*
 * server/jobq.h - a few threads for the work that may block on the disk
 * for long: fsync of an upload, the rename that publishes it, unlink,
 * and rewriting the catalog. Workers hand such work over and go on
 * serving; they are told when it is done (see worker_post()).
 *
 * A queue guarded by a mutex and a condition variable, like Redis's
 * bio.c. Jobs run in the order they were pushed, on whichever thread is
 * free. The caller owns a job's memory; the queue only links it.
 */
#ifndef SERVER_JOBQ_H
#define SERVER_JOBQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define JOBQ_MAX_THREADS 16

struct job {
    /* On a pool thread: the blocking work. */
    void (*run)(struct job *j);
    /* On the same pool thread, right after run(): hand the job back
     * (worker_post() for a connection's job). May free J. */
    void (*finish)(struct job *j);
    struct job *next; /* the queue's link */
};

struct jobq {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct job *head, *tail; /* guarded by lock */
    bool is_stopping;        /* guarded by lock */
    uint64_t next_tick_ns;   /* guarded by lock */
    pthread_t threads[JOBQ_MAX_THREADS];
    unsigned nthreads;
    void (*tick)(void *arg); /* run every tick_ns by one free thread; may be NULL */
    void *tick_arg;
    uint64_t tick_ns;
};

/*
 * Start NTHREADS threads (1..JOBQ_MAX_THREADS). TICK, when not NULL, is
 * called with ARG every TICK_SECS seconds (at least 1) by a thread that
 * has no job (expiring old uploads). Returns 0 or a negative errno value
 * (then nothing is left running).
 */
int jobq_start(struct jobq *q, unsigned nthreads, void (*tick)(void *arg), void *arg,
               unsigned tick_secs);

/* Queue J (borrowed until its finish() has been called). Any thread. */
void jobq_push(struct jobq *q, struct job *j);

/*
 * Run what is still queued, then stop and join the threads. Call once,
 * from the thread that started Q, after every thread that pushes jobs
 * has stopped.
 */
void jobq_stop(struct jobq *q);

#endif
