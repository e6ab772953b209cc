/*
 * server/scan.h - keep the catalog true to the root directory: list it,
 * hash what is new or changed, write text.txt and the hash cache
 * atomically, and publish a new snapshot.
 */
#ifndef SERVER_SCAN_H
#define SERVER_SCAN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "snapshot.h"

struct catwriter;

struct scanner {
    int rootfd;                  /* borrowed */
    const char *catalog_path;    /* borrowed */
    char *cache_path;            /* owned */
    unsigned rescan_secs;        /* 0: only on request */
    struct catalog_store *store; /* set by scanner_start(); borrowed */
    struct catwriter *writer;    /* likewise */

    /* Owned by whichever thread scans (startup, then the scanner thread). */
    struct snap_entry *cache; /* from the cache file, until the first scan */
    size_t ncache;
    char **warned; /* names already reported as not published */
    size_t nwarned;
    unsigned hash_threads; /* how many threads hash what a scan finds new */
    bool is_startup;       /* the first scan: no progress lines before "listening on" */
    size_t nstale;         /* upload temporaries it removed */
    size_t last_nhashed;   /* what the last scan that changed something found */
    uint64_t last_total;
    double last_secs;
    char summary[512]; /* ... in one line, once written */

    pthread_t thread;
    bool has_thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool is_rescan_requested; /* guarded by lock */
    atomic_bool is_stopping;
};

/*
 * Prepare SC for the root directory ROOTFD and the catalog at CATALOG_PATH
 * (its cache goes beside it), and load the cache. Returns 0 or a negative
 * errno value.
 */
int scanner_init(struct scanner *sc, int rootfd, const char *catalog_path, unsigned rescan_secs);

/*
 * Scan once: list the root and hash what PREV (NULL at startup), the
 * cache and the store's current snapshot do not already know. At
 * startup (sc->is_startup) it also removes the temporary files of
 * uploads an earlier run left unfinished (UPLOAD_TMP_PREFIX). Returns 0 and a snapshot with one
 * reference in *OUT when anything changed (or the catalog file is missing), 0 and *OUT == NULL when
 * nothing did, or a negative errno value when the root could not be listed, a file could not be
 * opened for lack of descriptors or memory, or SC was stopped. A new snapshot is then
 * written with scanner_write().
 */
int scanner_scan(struct scanner *sc, const struct snapshot *prev, struct snapshot **out);

/*
 * Write S's catalog and the hash cache, each atomically; a failure is
 * logged (the snapshot is still served from memory). Afterwards
 * sc->summary says in one line what the scan found and wrote. Returns 0,
 * or the negative errno value of writing the catalog.
 */
int scanner_write(struct scanner *sc, const struct snapshot *s);

/*
 * Start the rescan thread, publishing into STORE (merging what uploads
 * and deletes publish meanwhile) and writing through WRITER. 0 or a
 * negative errno.
 */
int scanner_start(struct scanner *sc, struct catalog_store *store, struct catwriter *writer);

/* Ask for a rescan now (SIGHUP). Safe from any thread. */
void scanner_request(struct scanner *sc);

/* Stop the thread, interrupting a hash in progress, and wait for it. */
void scanner_stop(struct scanner *sc);

/* Release everything scanner_init() took. */
void scanner_cleanup(struct scanner *sc);

#endif
