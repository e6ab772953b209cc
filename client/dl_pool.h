/*
 * client/dl_pool.h - the connections that the downloads of one queue
 * share. A worker is a thread with a libcurl handle, whose TCP
 * connection libcurl keeps alive; a download borrows one per connection
 * and gives it back at its end, so the next file starts on a warm thread
 * and an open connection instead of a new thread, a new handle and a
 * TCP (and TLS) handshake. Workers are made on demand (at most as many
 * as connections are ever used at once) and live until the pool is
 * freed.
 */
#ifndef CLIENT_DL_POOL_H
#define CLIENT_DL_POOL_H

#include "fetch.h"

struct dl_pool;

/* A pool whose handles use NET (borrowed for the pool's life). NULL when out of memory. */
struct dl_pool *dl_pool_new(const struct fetch_config *net);

/* End every worker (joining its thread) and free P. No download may be
 * using it any more. NULL is fine. */
void dl_pool_free(struct dl_pool *p);

#endif
