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
#include "pieces.h"
#include "respond.h"
#include "sha256.h"

/* One published file, with the identity its hash was computed for. */
struct snap_entry {
    char *name;
    struct file_id id; /* id.size is the size the catalog lists */
    uint8_t sha256[SHA256_LEN];
    struct pieces *pieces; /* one reference, shared by copies; NULL: not known yet (an upload's
                              entry until the next scan hashes it) */
};

struct snapshot {
    atomic_uint refs;
    uint64_t gen;               /* set when published: 1, 2, ... in the order of publication */
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

/*
 * A copy of S's entries with the entry called NAME replaced by E (added
 * if S has none), or removed when E is NULL; E->name is ignored (NAME is
 * copied). Sorted, ready for snapshot_new(). Returns the array (owned by
 * the caller) and its length in *N, or NULL when out of memory.
 */
struct snap_entry *snapshot_edit(const struct snapshot *s, const char *name,
                                 const struct snap_entry *e, size_t *n);

/*
 * Reconcile a scan with edits made while it ran. BASE is the snapshot
 * the scan started from, CUR the one published now, SCANNED[0..NSCANNED)
 * (sorted) what the scan found. A name whose entry differs between BASE
 * and CUR (added, replaced or removed by an upload or a delete) keeps
 * CUR's version; every other name takes the scan's. Returns a new sorted
 * array (owned by the caller; SCANNED is only read) and its length in
 * *N, or NULL when out of memory.
 */
struct snap_entry *snapshot_merge(const struct snapshot *base, const struct snapshot *cur,
                                  const struct snap_entry *scanned, size_t nscanned, size_t *n);

/*
 * The current snapshot, and the lock that keeps a change of the tree in
 * step with the catalog: whoever renames a file into the tree, removes
 * one, or publishes a rescan holds EDIT_LOCK from the change on disk to
 * the publication, so the catalog's order of versions is the disk's.
 */
struct catalog_store {
    pthread_mutex_t lock;
    struct snapshot *cur; /* guarded by lock */
    _Atomic uint64_t gen; /* the newest snapshot's gen: written under lock, read without */
    pthread_mutex_t edit_lock;
};

/* Start with FIRST (taken). */
void catalog_store_init(struct catalog_store *st, struct snapshot *first);

/* Drop the current snapshot. */
void catalog_store_cleanup(struct catalog_store *st);

/* A new reference to the current snapshot (release with snapshot_unref). */
struct snapshot *catalog_store_get(struct catalog_store *st);

/*
 * The generation of the current snapshot, without the lock: when it is
 * that of a snapshot the caller holds, that one is still current (or
 * was a moment ago). Any thread.
 */
uint64_t catalog_store_gen(struct catalog_store *st);

/*
 * Make S (taken) current; the old one goes when its last reader is done.
 * Returns the generation S got.
 */
uint64_t catalog_store_publish(struct catalog_store *st, struct snapshot *s);

#endif
