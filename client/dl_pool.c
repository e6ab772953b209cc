/*
 * client/dl_pool.c - worker threads shared by the downloads of a queue.
 *
 * DESIGN. A worker waits on its own condition variable, under the pool's
 * lock, until a download lends it a slot (dl_pool_lend, called with that
 * download's d->lock held: the lock order is d->lock, then the pool's,
 * and a worker never holds the pool's lock while it takes a d->lock).
 * It then serves the slot (dl_slot_serve) until the slot is told
 * SLOT_EXIT, lets go of it, and waits again. The download, having seen
 * the slot let go, gives the worker back (dl_pool_return), on top of the
 * idle stack: the next connection takes the worker that was idle the
 * shortest time, whose libcurl handle most likely still holds an open
 * connection to the same server. dl_pool_free() wakes every worker with
 * nothing to do, so it ends, and joins it.
 *
 * The budget: USED counts reserved first connections (dl_pool_reserve,
 * by the controller, for a download about to start) and lent workers;
 * WANTED the lends a running download was refused. A reservation needs
 * USED + WANTED under the limit, a lend USED under it: a running
 * download's wants come before new downloads.
 */
#include "dl_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "dl.h"

struct dl_pool {
    const struct fetch_config *net;
    pthread_mutex_t lock;
    struct dl_worker *idle; /* guarded by lock: a stack, linked by idle_next */
    struct dl_worker *all;  /* guarded by lock: every worker, linked by all_next */
    bool is_closing;        /* guarded by lock */
    unsigned limit;         /* connections at once; 0: no limit */
    unsigned used;          /* guarded by lock: reserved and lent connections */
    unsigned wanted;        /* guarded by lock: connections running downloads miss */
};

static void *worker_main(void *arg)
{
    struct dl_worker *w = arg;
    struct dl_pool *p = w->pool;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct slot *s;

        while (w->next == NULL && !p->is_closing)
            pthread_cond_wait(&w->cond, &p->lock);
        if (w->next == NULL)
            break;
        s = w->next;
        w->next = NULL;
        pthread_mutex_unlock(&p->lock);
        dl_slot_serve(s, w);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct dl_pool *dl_pool_new(const struct fetch_config *net)
{
    struct dl_pool *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->net = net;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

static void worker_free(struct dl_worker *w)
{
    fetch_free(w->fetch);
    free(w->buf);
    pthread_cond_destroy(&w->cond);
    free(w);
}

/* A new worker, its thread started. Pool lock held. */
static struct dl_worker *worker_new(struct dl_pool *p)
{
    struct dl_worker *w = calloc(1, sizeof(*w));

    if (w == NULL)
        return NULL;
    w->pool = p;
    pthread_cond_init(&w->cond, NULL);
    w->fetch = fetch_new(p->net);
    w->buf = malloc(SLOT_BUF);
    if (w->fetch == NULL || w->buf == NULL || pthread_create(&w->thread, NULL, worker_main, w)) {
        worker_free(w);
        return NULL;
    }
    w->all_next = p->all;
    p->all = w;
    return w;
}

/* The most recently idle worker, or a new one; S (when not NULL) to serve. */
static struct dl_worker *take(struct dl_pool *p, struct slot *s)
{
    struct dl_worker *w;

    pthread_mutex_lock(&p->lock);
    w = p->idle;
    if (w != NULL)
        p->idle = w->idle_next;
    else
        w = worker_new(p);
    if (w != NULL) {
        w->idle_next = NULL;
        w->next = s;
        if (s != NULL)
            pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return w;
}

int dl_pool_lend(struct dl_pool *p, struct slot *s, bool is_mirror, struct dl_worker **out)
{
    pthread_mutex_lock(&p->lock);
    if (p->limit != 0 && p->used >= p->limit && !is_mirror) {
        pthread_mutex_unlock(&p->lock);
        return -EAGAIN;
    }
    if (!is_mirror)
        p->used++;
    pthread_mutex_unlock(&p->lock);
    *out = take(p, s);
    if (*out != NULL) {
        (*out)->is_mirror = is_mirror; /* read back by dl_pool_return() */
        return 0;
    }
    pthread_mutex_lock(&p->lock);
    if (!is_mirror)
        p->used--;
    pthread_mutex_unlock(&p->lock);
    return -ENOMEM;
}

struct dl_worker *dl_pool_take(struct dl_pool *p)
{
    return take(p, NULL); /* its thread waits on: nothing is given to it */
}

/* On top of the idle stack. Pool lock held. */
static void push_idle(struct dl_pool *p, struct dl_worker *w)
{
    w->idle_next = p->idle;
    p->idle = w;
}

void dl_pool_put(struct dl_pool *p, struct dl_worker *w)
{
    pthread_mutex_lock(&p->lock);
    push_idle(p, w);
    pthread_mutex_unlock(&p->lock);
}

void dl_pool_return(struct dl_pool *p, struct dl_worker *w)
{
    pthread_mutex_lock(&p->lock);
    push_idle(p, w);
    if (!w->is_mirror)
        p->used--;
    w->is_mirror = false;
    pthread_mutex_unlock(&p->lock);
}

void dl_pool_set_limit(struct dl_pool *p, unsigned limit)
{
    pthread_mutex_lock(&p->lock);
    p->limit = limit;
    pthread_mutex_unlock(&p->lock);
}

bool dl_pool_reserve(struct dl_pool *p)
{
    bool ok;

    pthread_mutex_lock(&p->lock);
    ok = p->limit == 0 || p->used + p->wanted < p->limit;
    if (ok)
        p->used++;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void dl_pool_unreserve(struct dl_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->used--;
    pthread_mutex_unlock(&p->lock);
}

void dl_pool_want(struct dl_pool *p, int delta)
{
    pthread_mutex_lock(&p->lock);
    p->wanted = (unsigned)((int)p->wanted + delta);
    pthread_mutex_unlock(&p->lock);
}

void dl_pool_free(struct dl_pool *p)
{
    struct dl_worker *w, *next;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->is_closing = true;
    for (w = p->all; w != NULL; w = w->all_next)
        pthread_cond_signal(&w->cond);
    w = p->all;
    p->all = p->idle = NULL;
    pthread_mutex_unlock(&p->lock);
    for (; w != NULL; w = next) {
        next = w->all_next;
        pthread_join(w->thread, NULL);
        worker_free(w);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}
