/*
 * server/worker.h - an event-loop thread that owns a set of connections.
 *
 * The acceptor hands each new socket to one worker through that worker's
 * pipe; from then on only that worker touches the connection. Workers
 * share nothing with each other but the read-only server context, the
 * catalog store and two atomic counters.
 */
#ifndef SERVER_WORKER_H
#define SERVER_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctx.h"
#include "fcache.h"
#include "iplimit.h"
#include "jobq.h"
#include "timerheap.h"

struct conn;

/*
 * A job a connection handed to the disk threads (jobq.h). The worker
 * that owns CONN gets it back through worker_post() and calls done() on
 * its own thread; CONN is NULL by then if the connection went away
 * meanwhile (done() then only releases what the job holds).
 */
struct conn_job {
    struct job job;
    struct worker *w;
    struct conn *conn;                /* touched only on W's thread */
    void (*done)(struct conn_job *j); /* on W's thread */
    struct conn_job *done_next;       /* guarded by w->done_lock */
};

/* One message through a worker's pipe: a new connection, or stop. */
struct worker_handoff {
    int fd; /* -1: stop */
    socklen_t addrlen;
    struct sockaddr_storage addr;
    struct iplimit_key ipkey; /* the slot the acceptor took for this address */
};

struct worker {
    unsigned id;
    struct server_ctx *ctx;
    pthread_t thread;
    bool has_thread;
    int epfd;
    int pipe_rd;        /* read by this worker */
    int pipe_wr;        /* written by the acceptor and by server_run() (stop) */
    atomic_uint nconns; /* connections owned; read by the acceptor to balance */
    int done_fd;        /* eventfd: finished jobs are waiting in done_head */
    pthread_mutex_t done_lock;
    struct conn_job *done_head, *done_tail; /* guarded by done_lock */
    bool has_done_lock;

    /* Owned by the worker thread. */
    struct fcache files;   /* published files this worker keeps open */
    struct snapshot *snap; /* the catalog snapshot it last saw (a reference), or NULL */
    struct timerheap timers;
    struct conn *conns;      /* all connections, doubly linked through prev/next */
    struct conn *ready_head; /* connections with buffered work, FIFO */
    struct conn *ready_tail;
    bool is_stopping;
    uint64_t stop_deadline;
};

/* Prepare W (epoll, pipe). Returns 0 or a negative errno value. */
int worker_init(struct worker *w, unsigned id, struct server_ctx *ctx);

/* Start W's thread. 0 or a negative errno value. */
int worker_start(struct worker *w);

/*
 * Give W a connection or (fd -1) the order to stop. Called from other
 * threads; blocks only if W is far behind. 0 or a negative errno value.
 */
int worker_send(struct worker *w, const struct worker_handoff *h);

/* Wait for W's thread to end (after a stop message). */
void worker_join(struct worker *w);

/*
 * Close what worker_init() opened. Jobs still waiting for W's thread get
 * their done() call here, with no connection: call it only once nothing
 * can post to W any more (after jobq_stop()).
 */
void worker_cleanup(struct worker *w);

/*
 * Hand J back to its worker J->w (from a disk thread): J->done() will run
 * on that worker's thread. A jobq finish() callback. Any thread.
 */
void worker_post(struct job *j);

/* Monotonic clock, nanoseconds. */
uint64_t worker_now(void);

/* For conn.c, on W's own thread only: */

/* Register C's socket with interest EVENTS (0: none). 0 or -errno. */
int worker_watch(struct worker *w, struct conn *c, uint32_t events);

/* Queue C to continue after the current round of events. */
void worker_mark_ready(struct worker *w, struct conn *c);

/* Forget C entirely (it is being freed), and give its slots back. */
void worker_forget(struct worker *w, struct conn *c);

/* Arm C's timer. */
void worker_set_timer(struct worker *w, struct conn *c, uint64_t when);

/*
 * The current catalog snapshot: a new reference (snapshot_unref() it).
 * The store's lock is taken only when a newer snapshot was published
 * since W last looked.
 */
struct snapshot *worker_snapshot(struct worker *w);

#endif
