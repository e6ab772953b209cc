/*
 * server/catwrite.h - write text.txt and its hash cache for the newest
 * catalog snapshot, from whichever thread changed the catalog (the
 * scanner, or a disk thread that published an upload or a delete).
 *
 * Writes are coalesced: a caller asks for "at least generation GEN on
 * disk"; if another thread wrote that or a newer one meanwhile, there is
 * nothing to do, so a burst of uploads costs one or two rewrites, not
 * one each. Both files are written atomically (atomicfile.h), which
 * includes fsync: never call this from a worker thread.
 */
#ifndef SERVER_CATWRITE_H
#define SERVER_CATWRITE_H

#include <pthread.h>
#include <stdint.h>

#include "snapshot.h"

struct catwriter {
    const char *catalog_path; /* borrowed */
    const char *cache_path;   /* borrowed */
    struct catalog_store *store;
    pthread_mutex_t lock; /* held while writing; guards written_gen */
    uint64_t written_gen;
};

void catwriter_init(struct catwriter *w, const char *catalog_path, const char *cache_path,
                    struct catalog_store *store);

void catwriter_cleanup(struct catwriter *w);

/*
 * Make sure the files show a snapshot of generation GEN or newer: write
 * the current snapshot unless one that new is written already. Returns
 * 0, or the negative errno value of writing the catalog (a failure is
 * logged; the snapshot is still served from memory). Blocks on the disk.
 */
int catwriter_sync(struct catwriter *w, uint64_t gen);

/*
 * Write S to CATALOG_PATH and its hash cache to CACHE_PATH, each
 * atomically. Returns 0 or the negative errno of the catalog write;
 * failures are logged.
 */
int catwriter_write(const char *catalog_path, const char *cache_path, const struct snapshot *s);

#endif
