/*
 * client/hasher.h - hash a file while it is being downloaded.
 *
 * Chunks arrive out of order, but SHA-256 needs the bytes in order; this
 * thread follows the contiguous prefix that is already written (the
 * downloader tells it how far that reaches) and hashes it from the page
 * cache, so on a machine with a spare core verification costs almost
 * nothing after the last byte lands.
 */
#ifndef CLIENT_HASHER_H
#define CLIENT_HASHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sha256.h"

struct hasher {
    pthread_t thread;
    bool has_thread;
    int fd; /* borrowed: the partial file */
    struct sha256 *ctx;
    void *buf;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t ready;   /* guarded by lock: bytes [0, ready) are written */
    uint64_t hashed;  /* guarded by lock: bytes hashed so far */
    uint64_t end;     /* guarded by lock: total size once known, else UINT64_MAX */
    bool is_stopping; /* guarded by lock */
    int err;          /* guarded by lock: a read error, -errno */
};

/* Start hashing FD from byte 0. 0 or a negative errno value. */
int hasher_start(struct hasher *h, int fd);

/* Bytes [0, READY) are written now. */
void hasher_advance(struct hasher *h, uint64_t ready);

/* How many bytes are hashed (for the progress display). */
uint64_t hasher_progress(struct hasher *h);

/*
 * The file is complete at SIZE bytes: hash the rest, stop the thread and
 * store the digest. 0, or a negative errno value (a read error).
 */
int hasher_finish(struct hasher *h, uint64_t size, uint8_t out[SHA256_LEN]);

/* Stop without a result (the download failed or restarts). NULL-safe state. */
void hasher_cancel(struct hasher *h);

#endif
