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
#include "iplimit.h"
#include "timerheap.h"

struct conn;

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

    /* Owned by the worker thread. */
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

/* Close what worker_init() opened. */
void worker_cleanup(struct worker *w);

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

#endif
