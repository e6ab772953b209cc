/*
 * server/jobq.c - the disk-work threads.
 *
 * DESIGN. Each thread waits on the condition variable until a job is
 * queued, the tick is due, or the queue stops. A job is taken off the
 * queue under the lock and run without it, so several fsyncs proceed at
 * once (a large upload's fsync, seconds long, holds one thread and no
 * lock). At a stop the threads empty the queue before they leave, so
 * every pushed job gets its finish() call.
 */
#include "jobq.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *jobq_main(void *arg)
{
    struct jobq *q = arg;

    pthread_mutex_lock(&q->lock);
    for (;;) {
        struct job *j = q->head;
        uint64_t now;

        if (j != NULL) {
            q->head = j->next;
            if (q->head == NULL)
                q->tail = NULL;
            j->next = NULL;
            pthread_mutex_unlock(&q->lock);
            j->run(j);
            j->finish(j);
            pthread_mutex_lock(&q->lock);
            continue;
        }
        if (q->is_stopping)
            break;
        now = mono_ns();
        if (q->tick != NULL && now >= q->next_tick_ns) {
            q->next_tick_ns = now + q->tick_ns;
            pthread_mutex_unlock(&q->lock);
            q->tick(q->tick_arg);
            pthread_mutex_lock(&q->lock);
            continue;
        }
        if (q->tick == NULL) {
            pthread_cond_wait(&q->cond, &q->lock);
        } else {
            struct timespec until;

            until.tv_sec = (time_t)(q->next_tick_ns / 1000000000u);
            until.tv_nsec = (long)(q->next_tick_ns % 1000000000u);
            (void)pthread_cond_timedwait(&q->cond, &q->lock, &until);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int jobq_start(struct jobq *q, unsigned nthreads, void (*tick)(void *arg), void *arg,
               unsigned tick_secs)
{
    pthread_condattr_t attr;
    int err = 0;

    memset(q, 0, sizeof(*q));
    if (nthreads < 1 || nthreads > JOBQ_MAX_THREADS)
        return -EINVAL;
    pthread_mutex_init(&q->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &attr);
    pthread_condattr_destroy(&attr);
    q->tick = tick;
    q->tick_arg = arg;
    q->tick_ns = (uint64_t)(tick_secs > 0 ? tick_secs : 1) * 1000000000u;
    q->next_tick_ns = mono_ns() + q->tick_ns;
    for (unsigned i = 0; i < nthreads; i++) {
        err = pthread_create(&q->threads[i], NULL, jobq_main, q);
        if (err != 0)
            break;
        q->nthreads++;
    }
    if (err != 0) {
        jobq_stop(q);
        return -err;
    }
    return 0;
}

void jobq_push(struct jobq *q, struct job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail != NULL)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void jobq_stop(struct jobq *q)
{
    pthread_mutex_lock(&q->lock);
    q->is_stopping = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    q->nthreads = 0;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}
