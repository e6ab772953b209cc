/*
 * client/hasher.h - hash a file while it is being downloaded.
 *
 * Chunks arrive out of order, but SHA-256 needs the bytes in order; the
 * hasher follows the contiguous prefix that is already written (the
 * downloader tells it how far that reaches). With a thread, it reads that
 * prefix back from the page cache on a core of its own, so on a machine
 * with a spare core verification costs almost nothing after the last byte
 * lands. Without one (a small file on one connection, where a thread
 * would cost more than it saves), the writer hands over the bytes it just
 * wrote, which are hashed from memory when they continue the hash, and
 * hasher_finish() reads back whatever was not.
 */
#ifndef CLIENT_HASHER_H
#define CLIENT_HASHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

struct hasher {
    pthread_t thread;
    bool is_started; /* hasher_start() succeeded; cleared by finish and cancel */
    bool has_thread;
    int fd; /* borrowed: the partial file */
    struct sha256 *ctx;
    void *buf;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t ready;    /* guarded by lock: bytes [0, ready) are written */
    uint64_t hashed;   /* guarded by lock: bytes hashed so far */
    uint64_t end;      /* guarded by lock: total size once known, else UINT64_MAX */
    bool is_stopping;  /* guarded by lock */
    int err;           /* guarded by lock: a read error, -errno */
    bool is_writeback; /* start writing the hashed prefix to disk as it grows */
    uint64_t flushed;  /* guarded by lock: write-back was started for [0, flushed) */
};

/*
 * Start hashing FD from byte 0, with a thread of its own or (IS_THREADED
 * false) on the writers' and hasher_finish()'s threads. With
 * IS_WRITEBACK (for --fsync) the thread also starts the disk's write-back
 * of the hashed prefix every few MiB (sync_file_range), so the fsync
 * before the rename has little left to wait for, and the connections
 * never wait on the disk. 0 or -errno.
 */
int hasher_start(struct hasher *h, int fd, bool is_threaded, bool is_writeback);

/* Bytes [0, READY) are written now. */
void hasher_advance(struct hasher *h, uint64_t ready);

/*
 * P[0..N) were just written at offset OFF, and [0, READY) is written.
 * Without a thread, P is hashed now, from memory, when OFF is where the
 * hash stands (one writer at a time: the caller's connection). With one,
 * this is hasher_advance(H, READY).
 */
void hasher_wrote(struct hasher *h, uint64_t off, const void *p, size_t n, uint64_t ready);

/* How many bytes are hashed (for the progress display). */
uint64_t hasher_progress(struct hasher *h);

/*
 * The file is complete at SIZE bytes: hash the rest (reading it back from
 * the file), stop the thread and store the digest. 0, or a negative errno
 * value (a read error).
 */
int hasher_finish(struct hasher *h, uint64_t size, uint8_t out[SHA256_LEN]);

/* Stop without a result (the download failed or restarts). NULL-safe state. */
void hasher_cancel(struct hasher *h);

#endif
