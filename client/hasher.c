/*
 * client/hasher.c - the in-order hashing thread.
 *
 * DESIGN. One thread per download, started when the partial file exists.
 * The downloader calls hasher_advance() with the contiguous written prefix
 * (under no lock of its own); the thread wakes, reads and hashes up to it
 * through a fixed buffer, and sleeps again. hasher_finish() sets the end
 * and waits for the thread; hasher_cancel() stops it without a result.
 */
#include "hasher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HASHER_BUF (1u << 20)

static void *hasher_main(void *arg)
{
    struct hasher *h = arg;

    pthread_mutex_lock(&h->lock);
    for (;;) {
        uint64_t from = h->hashed, to = h->ready;
        size_t want;
        ssize_t n;

        if (h->is_stopping || h->err != 0)
            break;
        if (from >= to) {
            if (h->end != UINT64_MAX && from >= h->end)
                break;
            pthread_cond_wait(&h->cond, &h->lock);
            continue;
        }
        pthread_mutex_unlock(&h->lock);
        want = to - from > HASHER_BUF ? HASHER_BUF : (size_t)(to - from);
        n = pread(h->fd, h->buf, want, (off_t)from);
        pthread_mutex_lock(&h->lock);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            h->err = n < 0 ? -errno : -EIO;
            break;
        }
        if (sha256_update(h->ctx, h->buf, (size_t)n) != 0) {
            h->err = -EIO;
            break;
        }
        h->hashed += (uint64_t)n;
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

int hasher_start(struct hasher *h, int fd)
{
    int err;

    memset(h, 0, sizeof(*h));
    h->fd = fd;
    h->end = UINT64_MAX;
    h->ctx = sha256_new();
    h->buf = malloc(HASHER_BUF);
    if (h->ctx == NULL || h->buf == NULL) {
        sha256_free(h->ctx);
        free(h->buf);
        return -ENOMEM;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    err = pthread_create(&h->thread, NULL, hasher_main, h);
    if (err != 0) {
        pthread_mutex_destroy(&h->lock);
        pthread_cond_destroy(&h->cond);
        sha256_free(h->ctx);
        free(h->buf);
        return -err;
    }
    h->has_thread = true;
    return 0;
}

void hasher_advance(struct hasher *h, uint64_t ready)
{
    if (!h->has_thread)
        return;
    pthread_mutex_lock(&h->lock);
    if (ready > h->ready) {
        h->ready = ready;
        pthread_cond_signal(&h->cond);
    }
    pthread_mutex_unlock(&h->lock);
}

uint64_t hasher_progress(struct hasher *h)
{
    uint64_t n;

    if (!h->has_thread)
        return 0;
    pthread_mutex_lock(&h->lock);
    n = h->hashed;
    pthread_mutex_unlock(&h->lock);
    return n;
}

/* Free what hasher_start() took; the thread has been joined. */
static void cleanup(struct hasher *h)
{
    h->has_thread = false;
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    sha256_free(h->ctx);
    free(h->buf);
    h->ctx = NULL;
    h->buf = NULL;
}

int hasher_finish(struct hasher *h, uint64_t size, uint8_t out[SHA256_LEN])
{
    int err;

    if (!h->has_thread)
        return -EINVAL;
    pthread_mutex_lock(&h->lock);
    h->end = size;
    if (h->ready < size)
        h->ready = size;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    err = h->err;
    if (err == 0 && h->hashed != size)
        err = -EIO;
    if (err == 0)
        err = sha256_final(h->ctx, out);
    cleanup(h);
    return err;
}

void hasher_cancel(struct hasher *h)
{
    if (!h->has_thread)
        return;
    pthread_mutex_lock(&h->lock);
    h->is_stopping = true;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    cleanup(h);
}
