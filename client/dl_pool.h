/*
 * client/dl_pool.h - the connections that the downloads of one queue
 * share. A worker is a thread with a libcurl handle, whose TCP
 * connection libcurl keeps alive; a download borrows one per connection
 * and gives it back at its end, so the next file starts on a warm thread
 * and an open connection instead of a new thread, a new handle and a
 * TCP (and TLS) handshake. Workers are made on demand (at most as many
 * as connections are ever used at once) and live until the pool is
 * freed. The pool also keeps the queue's budget of connections.
 */
#ifndef CLIENT_DL_POOL_H
#define CLIENT_DL_POOL_H

#include <stdbool.h>

#include "fetch.h"

struct dl_pool;

/* A pool whose handles use NET (borrowed for the pool's life). NULL when out of memory. */
struct dl_pool *dl_pool_new(const struct fetch_config *net);

/*
 * At most LIMIT connections open at once for the pool's downloads (0, the
 * default: no limit). A download's first connection is reserved for it
 * before it starts (dl_pool_reserve); its others are lent while the limit
 * allows, and a connection it still wants makes new downloads wait, so
 * that files that need one connection share the limit and a larger one
 * gets what they leave. Set before any download.
 */
void dl_pool_set_limit(struct dl_pool *p, unsigned limit);

/* Reserve the first connection of a download about to start: false when
 * all are held or wanted by running downloads. Thread-safe. */
bool dl_pool_reserve(struct dl_pool *p);

/* Give back a reservation once its download has ended. Thread-safe. */
void dl_pool_unreserve(struct dl_pool *p);

/* End every worker (joining its thread) and free P. No download may be
 * using it any more. NULL is fine. */
void dl_pool_free(struct dl_pool *p);

#endif
