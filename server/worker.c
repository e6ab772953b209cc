/*
 * server/worker.c - the per-thread event loop.
 *
 * DESIGN. server_run() starts one worker thread per CPU (--threads). Each
 * owns an epoll instance, the connections handed to it, and a timer heap
 * with one deadline per connection. A round: wait for events (or the next
 * deadline), handle each ready socket, fire expired timers, then continue
 * connections that still have buffered pipelined requests (so one busy
 * client cannot starve the others). Sockets are non-blocking; file bodies
 * go out with sendfile(2), so a slow client costs a connection struct,
 * never a thread.
 *
 * Stopping: a handoff with fd -1 arrives through the pipe. The worker
 * closes idle connections at once, answers requests still arriving with
 * "Connection: close", lets responses in flight finish until the grace
 * deadline, then closes whatever is left and returns.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

#define WORKER_MAX_EVENTS 256

uint64_t worker_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int worker_init(struct worker *w, unsigned id, struct server_ctx *ctx)
{
    int p[2];
    struct epoll_event ev;

    memset(w, 0, sizeof(*w));
    w->id = id;
    w->ctx = ctx;
    w->epfd = -1;
    w->pipe_rd = w->pipe_wr = -1;
    w->done_fd = -1;
    pthread_mutex_init(&w->done_lock, NULL);
    w->has_done_lock = true;
    atomic_init(&w->nconns, 0);
    timerheap_init(&w->timers);
    if (fcache_init(&w->files, ctx->file_cache_max, FCACHE_BYTES_BUDGET) != 0)
        return -ENOMEM;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0)
        return -errno;
    if (pipe2(p, O_CLOEXEC) != 0)
        return -errno;
    w->pipe_rd = p[0];
    w->pipe_wr = p[1];
    if (fcntl(w->pipe_rd, F_SETFL, O_NONBLOCK) != 0)
        return -errno;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = NULL; /* NULL marks the pipe */
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->pipe_rd, &ev) != 0)
        return -errno;
    w->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->done_fd < 0)
        return -errno;
    ev.data.ptr = &w->done_fd; /* marks the eventfd */
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->done_fd, &ev) != 0)
        return -errno;
    return 0;
}

void worker_post(struct job *job)
{
    struct conn_job *j = (struct conn_job *)((char *)job - offsetof(struct conn_job, job));
    struct worker *w = j->w;
    uint64_t one = 1;

    j->done_next = NULL;
    pthread_mutex_lock(&w->done_lock);
    if (w->done_tail != NULL)
        w->done_tail->done_next = j;
    else
        w->done_head = j;
    w->done_tail = j;
    pthread_mutex_unlock(&w->done_lock);
    /* Fails only when the counter is saturated: then a wake-up is pending anyway. */
    (void)!write(w->done_fd, &one, sizeof(one));
}

/* Call done() for every job handed back so far. */
static void run_done(struct worker *w)
{
    struct conn_job *j;
    uint64_t n;

    (void)!read(w->done_fd, &n, sizeof(n));
    pthread_mutex_lock(&w->done_lock);
    j = w->done_head;
    w->done_head = w->done_tail = NULL;
    pthread_mutex_unlock(&w->done_lock);
    while (j != NULL) {
        struct conn_job *next = j->done_next;

        j->done(j); /* may free j */
        j = next;
    }
}

int worker_send(struct worker *w, const struct worker_handoff *h)
{
    /* A handoff is far smaller than PIPE_BUF, so the write is atomic. */
    for (;;) {
        ssize_t n = write(w->pipe_wr, h, sizeof(*h));

        if (n == (ssize_t)sizeof(*h))
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 ? -errno : -EIO;
    }
}

int worker_watch(struct worker *w, struct conn *c, uint32_t events)
{
    struct epoll_event ev;

    if (c->events == events)
        return 0;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = c;
    if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        return -errno;
    c->events = events;
    return 0;
}

void worker_mark_ready(struct worker *w, struct conn *c)
{
    if (c->is_ready)
        return;
    c->is_ready = true;
    c->ready_next = NULL;
    c->ready_prev = w->ready_tail;
    if (w->ready_tail != NULL)
        w->ready_tail->ready_next = c;
    else
        w->ready_head = c;
    w->ready_tail = c;
}

static void unready(struct worker *w, struct conn *c)
{
    if (!c->is_ready)
        return;
    if (c->ready_prev != NULL)
        c->ready_prev->ready_next = c->ready_next;
    else
        w->ready_head = c->ready_next;
    if (c->ready_next != NULL)
        c->ready_next->ready_prev = c->ready_prev;
    else
        w->ready_tail = c->ready_prev;
    c->ready_prev = c->ready_next = NULL;
    c->is_ready = false;
}

/* A connection the acceptor counted is gone: give back its slots. */
static void release_slots(struct worker *w, const struct iplimit_key *ipkey)
{
    if (w->ctx->iplimit != NULL)
        iplimit_release(w->ctx->iplimit, ipkey);
    atomic_fetch_sub(&w->nconns, 1);
    atomic_fetch_sub(&w->ctx->nconns, 1);
}

void worker_forget(struct worker *w, struct conn *c)
{
    unready(w, c);
    timerheap_remove(&w->timers, &c->timer);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    release_slots(w, &c->ipkey);
}

struct snapshot *worker_snapshot(struct worker *w)
{
    if (w->snap == NULL || w->snap->gen != catalog_store_gen(w->ctx->store)) {
        snapshot_unref(w->snap);
        w->snap = catalog_store_get(w->ctx->store);
    }
    return snapshot_ref(w->snap);
}

void worker_set_timer(struct worker *w, struct conn *c, uint64_t when)
{
    /* Growing the heap can fail only when memory is gone; then the
     * connection simply has no deadline until its next state change. */
    if (timerheap_set(&w->timers, &c->timer, when) != 0)
        log_warnx("worker %u: out of memory arming a timer for %s", w->id, c->peer);
}

static struct conn *conn_of_timer(struct timer_node *t)
{
    return (struct conn *)((char *)t - offsetof(struct conn, timer));
}

static void begin_stop(struct worker *w, uint64_t now)
{
    struct conn *c = w->conns;

    w->is_stopping = true;
    w->stop_deadline = now + w->ctx->grace_ns;
    while (c != NULL) {
        struct conn *next = c->next;

        conn_on_stop(c); /* may free c */
        c = next;
    }
}

/* Read handoffs from the pipe. */
static void drain_pipe(struct worker *w, uint64_t now)
{
    struct worker_handoff h[16];

    for (;;) {
        ssize_t n = read(w->pipe_rd, h, sizeof(h));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        for (size_t i = 0; i < (size_t)n / sizeof(h[0]); i++) {
            if (h[i].fd < 0) {
                begin_stop(w, now);
                continue;
            }
            if (w->is_stopping) { /* raced with the stop: refuse politely */
                close(h[i].fd);
                release_slots(w, &h[i].ipkey);
                continue;
            }
            if (conn_new(w, &h[i], now) == NULL)
                release_slots(w, &h[i].ipkey);
        }
    }
}

static int wait_ms(const struct worker *w, uint64_t now)
{
    struct timer_node *t = timerheap_peek(&w->timers);
    uint64_t until = UINT64_MAX;

    if (w->ready_head != NULL)
        return 0;
    if (t != NULL)
        until = t->when;
    if (fcache_next_expiry(&w->files) < until)
        until = fcache_next_expiry(&w->files);
    if (w->is_stopping && w->stop_deadline < until)
        until = w->stop_deadline;
    if (until == UINT64_MAX)
        return -1;
    if (until <= now)
        return 0;
    /* Round up so a deadline is never polled a millisecond early in a loop. */
    return (until - now) / 1000000u + 1 > 60000 ? 60000 : (int)((until - now) / 1000000u + 1);
}

static void run_ready(struct worker *w, uint64_t now)
{
    /* Only those queued before this round; a connection re-queued by
     * conn_on_ready() waits for the next round. */
    struct conn *last = w->ready_tail;

    while (w->ready_head != NULL) {
        struct conn *c = w->ready_head;
        bool is_last = c == last;

        unready(w, c);
        conn_on_ready(c, now);
        if (is_last)
            break;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event events[WORKER_MAX_EVENTS];

    for (;;) {
        uint64_t now = worker_now();
        struct timer_node *t;
        int n = epoll_wait(w->epfd, events, WORKER_MAX_EVENTS, wait_ms(w, now));

        if (n < 0 && errno != EINTR) {
            log_warn("worker %u: epoll_wait", w->id);
            n = 0;
        }
        now = worker_now();
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL)
                drain_pipe(w, now);
            else if (events[i].data.ptr == &w->done_fd)
                run_done(w);
            else
                conn_on_event(events[i].data.ptr, events[i].events, now);
        }
        while ((t = timerheap_pop_due(&w->timers, now)) != NULL)
            conn_on_timer(conn_of_timer(t), now);
        fcache_expire(&w->files, now);
        run_ready(w, now);
        if (w->is_stopping) {
            if (w->conns == NULL)
                break;
            if (now >= w->stop_deadline) {
                while (w->conns != NULL)
                    conn_close(w->conns, now);
                break;
            }
        }
    }
    return NULL;
}

int worker_start(struct worker *w)
{
    int err = pthread_create(&w->thread, NULL, worker_main, w);

    if (err != 0)
        return -err;
    w->has_thread = true;
    return 0;
}

void worker_join(struct worker *w)
{
    if (w->has_thread)
        pthread_join(w->thread, NULL);
    w->has_thread = false;
}

void worker_cleanup(struct worker *w)
{
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->pipe_rd >= 0)
        close(w->pipe_rd);
    if (w->pipe_wr >= 0)
        close(w->pipe_wr);
    w->epfd = w->pipe_rd = w->pipe_wr = -1;
    timerheap_cleanup(&w->timers);
    fcache_cleanup(&w->files);
    snapshot_unref(w->snap);
    w->snap = NULL;
    if (w->done_fd >= 0) {
        run_done(w); /* jobs of connections that are gone: release what they hold */
        close(w->done_fd);
    }
    w->done_fd = -1;
    if (w->has_done_lock)
        pthread_mutex_destroy(&w->done_lock);
    w->has_done_lock = false;
}
