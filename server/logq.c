/*
 * server/logq.c - the log line ring (see logq.h). Every function takes the
 * lock for a memcpy at most; nothing here does I/O.
 */
#include "logq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int logq_init(struct logq *q, size_t cap)
{
    int err;

    memset(q, 0, sizeof(*q));
    q->buf = malloc(cap > 0 ? cap : 1);
    if (q->buf == NULL)
        return -ENOMEM;
    q->cap = cap;
    err = pthread_mutex_init(&q->lock, NULL);
    if (err != 0) {
        free(q->buf);
        q->buf = NULL;
        return -err;
    }
    err = pthread_cond_init(&q->wake, NULL);
    if (err != 0) {
        pthread_mutex_destroy(&q->lock);
        free(q->buf);
        q->buf = NULL;
        return -err;
    }
    return 0;
}

void logq_cleanup(struct logq *q)
{
    if (q->buf == NULL)
        return;
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q->buf);
    q->buf = NULL;
}

bool logq_put(struct logq *q, const char *line, size_t len)
{
    bool is_queued = false;

    pthread_mutex_lock(&q->lock);
    if (len <= q->cap - q->used) {
        size_t tail = (q->head + q->used) % q->cap;
        size_t first = len < q->cap - tail ? len : q->cap - tail;

        memcpy(q->buf + tail, line, first);
        memcpy(q->buf, line + first, len - first);
        q->used += len;
        is_queued = true;
    } else {
        q->dropped++;
    }
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    return is_queued;
}

size_t logq_take(struct logq *q, char *out, size_t cap, uint64_t *dropped, bool wait)
{
    size_t n, first;

    pthread_mutex_lock(&q->lock);
    while (wait && q->used == 0 && q->dropped == 0 && !q->is_stopping)
        pthread_cond_wait(&q->wake, &q->lock);
    n = q->used < cap ? q->used : cap;
    first = n < q->cap - q->head ? n : q->cap - q->head;
    memcpy(out, q->buf + q->head, first);
    memcpy(out + first, q->buf, n - first);
    q->head = q->used == n ? 0 : (q->head + n) % q->cap;
    q->used -= n;
    *dropped = q->dropped;
    q->dropped = 0;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void logq_stop(struct logq *q)
{
    pthread_mutex_lock(&q->lock);
    q->is_stopping = true;
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
}
