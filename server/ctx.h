/*
 * server/ctx.h - what every thread of the server shares.
 *
 * Everything here is written once by server_run() before any thread
 * starts and only read afterwards, except the fields marked atomic.
 */
#ifndef SERVER_CTX_H
#define SERVER_CTX_H

#include <stdatomic.h>
#include <stdint.h>

#include "iplimit.h"
#include "options.h"
#include "snapshot.h"

struct catwriter;
struct jobq;
struct uploads;

struct server_ctx {
    const struct server_opts *opts;
    int rootfd;                  /* the published directory, O_DIRECTORY */
    struct catalog_store *store; /* the current catalog snapshot */
    const char *token;           /* from --token-file; NULL when read only */
    size_t token_len;
    struct catwriter *writer; /* writes text.txt when an upload or a delete changed it */
    struct jobq *jobq;        /* the disk threads: fsync, rename, catalog writes */
    struct uploads *uploads;  /* the resumable uploads; NULL when read only */
    uint64_t header_timeout_ns;
    uint64_t idle_timeout_ns;
    uint64_t send_timeout_ns;
    uint64_t body_timeout_ns;
    uint64_t grace_ns;       /* how long a stop waits for transfers */
    size_t file_cache_max;   /* open files each worker may keep (fcache.h); 0: none */
    atomic_uint nconns;      /* open connections: the acceptor adds, workers subtract */
    struct iplimit *iplimit; /* connections per address: the acceptor takes, workers give back */
};

/* Stop grace period: transfers in flight get this long to finish. */
#define SERVER_GRACE_SECS 5

#endif
