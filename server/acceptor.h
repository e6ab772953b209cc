/*
 * server/acceptor.h - the thread that accepts connections and deals them
 * to workers, or refuses them with 503 when the server is full.
 */
#ifndef SERVER_ACCEPTOR_H
#define SERVER_ACCEPTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "worker.h"

struct acceptor {
    int listenfd;           /* borrowed */
    struct worker *workers; /* borrowed */
    size_t nworkers;
    struct server_ctx *ctx;
    int wake_rd, wake_wr; /* a byte here wakes the thread to stop */
    pthread_t thread;
    bool has_thread;
};

/* Prepare A. Returns 0 or a negative errno value. */
int acceptor_init(struct acceptor *a, int listenfd, struct worker *workers, size_t nworkers,
                  struct server_ctx *ctx);

/* Start accepting. 0 or a negative errno value. */
int acceptor_start(struct acceptor *a);

/* Stop accepting and wait for the thread; safe to call twice. */
void acceptor_stop(struct acceptor *a);

void acceptor_cleanup(struct acceptor *a);

#endif
