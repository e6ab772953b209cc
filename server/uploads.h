/*
 * server/uploads.h - the resumable uploads the server knows (the upload
 * resources of draft-ietf-httpbis-resumable-upload, at /.uploads/ID).
 *
 * Each lives in two hidden files under the root: .pdm-uploads/ID.data
 * (the bytes received so far; its size is the upload's offset) and
 * .pdm-uploads/ID.meta (upload_meta.h). Both outlive a restart: at start
 * the registry reads them back and hashes each ID.data once, so an
 * upload interrupted by a server restart is resumed like any other. An
 * upload that gets no data for --upload-expiry seconds is removed. Once
 * complete, the data is moved to its name and the record (ID.meta alone)
 * is kept for the same time, so that a client that missed the final
 * answer can still ask whether its upload completed.
 *
 * THREADS. The table is guarded by the registry's lock; each upload's
 * state by its own lock. An upload is reference counted: the table holds
 * one reference, every request that works on it another. Only one
 * request may append at a time: whoever asks for the offset, appends or
 * cancels claims the upload (upload_claim()), which revokes the claim of
 * any earlier request still in progress, the draft's recommended
 * handling of concurrent requests. The revoked request can append
 * nothing more (upload_append() refuses it) and its connection is
 * closed, so the offset a HEAD reports is the one the next PATCH must
 * send. An append holds the upload's lock for one write(2) into the page
 * cache and its hash update, so that no claim can slip in between the
 * check and the write; only requests on that same upload ever wait for
 * it.
 */
#ifndef SERVER_UPLOADS_H
#define SERVER_UPLOADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sha256.h"
#include "upload_head.h"
#include "upload_meta.h"

#define UPLOADS_DIR          ".pdm-uploads"
#define UPLOADS_URL          "/.uploads/" /* followed by the ID */
#define UPLOAD_ID_BYTES      16           /* from getrandom(): 32 hex digits */
#define UPLOAD_ID_LEN        (2 * UPLOAD_ID_BYTES)
#define UPLOADS_MAX          1024 /* upload resources at once, completed ones included */
#define UPLOAD_FILE_NAME_MAX (UPLOAD_ID_LEN + 8) /* "ID.data", "ID.meta", "ID.meta.tmp" */

enum upload_state {
    UPLOAD_ACTIVE,     /* taking data */
    UPLOAD_COMMITTING, /* complete; being moved to its name */
    UPLOAD_COMPLETE,   /* done: only the record is left */
    UPLOAD_GONE,       /* cancelled, expired or failed: forgotten */
};

struct upload {
    char id[UPLOAD_ID_LEN + 1];
    atomic_uint refs;
    pthread_mutex_t lock;
    /* Guarded by lock: */
    struct upload_meta meta;
    uint64_t offset; /* bytes in ID.data */
    enum upload_state state;
    struct sha256 *hash; /* of ID.data[0..offset); NULL once complete */
    uint64_t owner;      /* the claim that may append; 0: none */
    int64_t active;      /* wall-clock second of the last activity (expiry counts from it) */
};

struct uploads {
    int dirfd; /* ROOT/.pdm-uploads, owned */
    unsigned expiry_secs;
    pthread_mutex_t lock;
    struct upload **v; /* guarded by lock */
    size_t n;          /* guarded by lock */
};

/*
 * Open (creating it, mode 0700) ROOTFD's .pdm-uploads directory and load
 * the uploads in it: each ID.meta is parsed, its ID.data hashed, expired
 * and broken ones removed (and said so on stderr), as is anything else
 * that is not an upload's file. NOW is the wall clock. Returns 0 or a
 * negative errno value (-ELOOP when .pdm-uploads is a symbolic link).
 */
int uploads_init(struct uploads *r, int rootfd, unsigned expiry_secs, time_t now);

/* Forget every upload (the files stay for the next run). */
void uploads_cleanup(struct uploads *r);

/*
 * A new upload to PATH with the length and digest M announces (M->path
 * is PATH), claimed by the caller: *CLAIM is its claim, *FD a read-write
 * descriptor of its empty ID.data (owned by the caller). Returns the
 * upload with a reference for the caller, or NULL with *ERR: -EAGAIN
 * when UPLOADS_MAX are open, or another negative errno value.
 */
struct upload *uploads_create(struct uploads *r, const struct upload_meta *m, time_t now,
                              uint64_t *claim, int *fd, int *err);

/*
 * The upload called ID (32 lowercase hex digits), with a reference for
 * the caller, or NULL when there is none (an upload past its expiry is
 * removed here and is none).
 */
struct upload *uploads_find(struct uploads *r, struct strview id, time_t now);

/* Drop a reference; the last frees. NULL is fine. */
void upload_unref(struct upload *u);

/*
 * Claim U for a new request (HEAD, PATCH, DELETE), revoking any earlier
 * claim. Returns the claim. Counts as activity.
 */
uint64_t upload_claim(struct upload *u, time_t now);

/* Give up CLAIM if it is still U's. */
void upload_release(struct upload *u, uint64_t claim);

/* What a request needs to know about U now: its view, state and description. */
void upload_snapshot(struct upload *u, struct upload_view *view, enum upload_state *state,
                     struct upload_meta *meta, int64_t *active);

/*
 * Open U's ID.data for appending (read-write; the caller writes with
 * upload_append() only). Returns a descriptor or a negative errno value.
 */
int upload_open_data(struct uploads *r, struct upload *u);

/*
 * Append DATA[0..LEN) at U's offset in FD (its ID.data) and to its hash,
 * and to EXTRA when not NULL (the hash of this request's content alone),
 * if CLAIM is still U's and U is active. A failed write leaves the file
 * and the offset as they were. Returns 0, -ESTALE when the claim was
 * revoked (or U is no longer active), or the write's negative errno.
 */
int upload_append(struct upload *u, uint64_t claim, int fd, const void *data, size_t len,
                  struct sha256 *extra);

/*
 * A copy of U's running hash, for a checkpoint (CLAIM must be U's).
 * Returns 0 or a negative errno value.
 */
int upload_hash_copy(struct upload *u, uint64_t claim, struct sha256 *out);

/*
 * Go back to offset START and the hash CHECKPOINT (taken at START): the
 * request holding CLAIM is not appended after all. 0 or -errno.
 */
int upload_rollback(struct upload *u, uint64_t claim, int fd, uint64_t start,
                    const struct sha256 *checkpoint);

/*
 * Record the length or the digest a request announced (the other fields
 * of M are ignored), if CLAIM is U's; rewrites ID.meta. 0 or -errno.
 */
int upload_learn(struct uploads *r, struct upload *u, uint64_t claim, bool has_length,
                 uint64_t length, const uint8_t *digest);

/*
 * The upload is complete: if CLAIM is U's and U is active, finish the
 * hash into SHA and move U to UPLOAD_COMMITTING. Returns 0 or -ESTALE.
 */
int upload_begin_commit(struct upload *u, uint64_t claim, uint8_t sha[SHA256_LEN]);

/*
 * The commit is over. With OK, U's data is now the file at its path
 * (of SIZE bytes): U becomes UPLOAD_COMPLETE and ID.meta says so;
 * otherwise U is active again (its data untouched), so the client may
 * complete it later. Returns nothing: a failure to rewrite ID.meta only
 * means the record is gone after a restart.
 */
void uploads_end_commit(struct uploads *r, struct upload *u, bool ok, uint64_t size);

/* Remove U: its files and its place in the table (cancel, expiry, a failed upload). */
void uploads_remove(struct uploads *r, struct upload *u);

/* Remove every upload whose expiry has passed at NOW and that no request holds. */
void uploads_sweep(struct uploads *r, time_t now);

/* The name of U's data file ("ID.data") in R's directory, into OUT. */
void upload_data_name(const struct upload *u, char out[UPLOAD_FILE_NAME_MAX]);

/* Seconds left before U expires at NOW (0 when past). */
int64_t upload_max_age(const struct uploads *r, int64_t active, time_t now);

#endif
