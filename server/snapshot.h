/*
 * server/snapshot.h - an immutable picture of the catalog, and the store
 * that hands the current one to request handlers.
 *
 * The scanner builds a new snapshot and publishes it; workers take a
 * reference for the life of one response, so a rescan never changes what
 * a response in flight is sending. Only the pointer swap is locked.
 */
#ifndef SERVER_SNAPSHOT_H
#define SERVER_SNAPSHOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fileid.h"
#include "respond.h"
#include "sha256.h"

/* One published file, with the identity its hash was computed for. */
struct snap_entry {
    char *name;
    struct file_id id; /* id.size is the size the catalog lists */
    uint8_t sha256[SHA256_LEN];
};

struct snapshot {
    atomic_uint refs;
    struct snap_entry *entries; /* sorted by name (strcmp) */
    size_t n;
    char *text; /* the catalog, text.txt, exactly as written to disk */
    size_t text_len;
    uint8_t text_sha256[SHA256_LEN];
    char text_etag[RESP_ETAG_MAX];
    char *html; /* the "/" listing */
    size_t html_len;
    char html_etag[RESP_ETAG_MAX];
    time_t mtime; /* when the text last changed */
};

/*
 * Build a snapshot from ENTRIES[0..N) (taken: the snapshot frees them and
 * their names; the array must come from malloc). Sorts them, renders the
 * catalog text and the HTML index. MTIME is kept from PREV when the text
 * is unchanged, so clients' validators stay valid; otherwise it is NOW.
 * Returns a snapshot holding one reference, or NULL when out of memory
 * (ENTRIES are freed either way).
 */
struct snapshot *snapshot_new(struct snap_entry *entries, size_t n, const struct snapshot *prev,
                              time_t now);

/* The entry called NAME, or NULL. */
const struct snap_entry *snapshot_find(const struct snapshot *s, const char *name);

/* True when A and B list the same files with the same identities and hashes. */
bool snapshot_same_entries(const struct snapshot *a, const struct snap_entry *entries, size_t n);

struct snapshot *snapshot_ref(struct snapshot *s);

/* Drop a reference; the last one frees. NULL is fine. */
void snapshot_unref(struct snapshot *s);

/* Free an entry array that never became a snapshot. */
void snap_entries_free(struct snap_entry *entries, size_t n);

struct catalog_store {
    pthread_mutex_t lock;
    struct snapshot *cur; /* guarded by lock */
};

/* Start with FIRST (taken). */
void catalog_store_init(struct catalog_store *st, struct snapshot *first);

/* Drop the current snapshot. */
void catalog_store_cleanup(struct catalog_store *st);

/* A new reference to the current snapshot (release with snapshot_unref). */
struct snapshot *catalog_store_get(struct catalog_store *st);

/* Make S (taken) current; the old one goes when its last reader is done. */
void catalog_store_publish(struct catalog_store *st, struct snapshot *s);

#endif
