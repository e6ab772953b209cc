/*
 * client/mirror/dl_pieces.c - take up an earlier run's partial file by
 * its piece hashes: each piece already there is read back once and
 * checked, so what a kill -9 left is kept, with or without a state file,
 * and only the pieces that do not match are fetched.
 *
 * Only for a download with piece hashes (a Metalink's) whose partial
 * file has the file's size; without piece hashes a partial file without
 * a state is started over, as before (nothing could vouch for its bytes).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dl.h"

#define PIECES_BUF (1u << 20)

/* Hash bytes [FIRST, END) of FD into OUT through BUF. 0 or -errno. */
static int hash_range(int fd, char *buf, struct sha256 *h, uint64_t first, uint64_t end,
                      uint8_t out[SHA256_LEN])
{
    int err = sha256_reset(h);

    while (err == 0 && first < end) {
        size_t want = end - first < PIECES_BUF ? (size_t)(end - first) : PIECES_BUF;
        ssize_t n = pread(fd, buf, want, (off_t)first);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        err = sha256_update(h, buf, (size_t)n);
        first += (uint64_t)n;
    }
    return err != 0 ? err : sha256_final(h, out);
}

/* Queue piece [FIRST, END) as missing, merged with the one before. Lock held. */
static void add_missing(struct dl *d, uint64_t first, uint64_t end)
{
    if (d->npending > 0 && d->pending[d->npending - 1].end == first &&
        d->pending[d->npending - 1].start < first) {
        d->pending[d->npending - 1].end = end;
        return;
    }
    dl_pending_add(d, first, end);
}

bool dl_pieces_resume(struct dl *d, bool is_resumed)
{
    struct sha256 *h = NULL;
    char *buf = NULL;
    uint64_t size = 0, good = 0, plen = d->piece_len;
    bool ok = false;

    if (plen == 0 || !d->req->has_size || d->req->size == 0 ||
        store_part_size(&d->store, &size) != 0 || size != d->req->size)
        return is_resumed;
    h = sha256_new();
    buf = malloc(PIECES_BUF);
    if (h == NULL || buf == NULL)
        goto out;
    pthread_mutex_lock(&d->lock);
    d->npending = 0;
    pthread_mutex_unlock(&d->lock);
    for (size_t i = 0; i < d->npieces && !dl_is_stop_requested(d); i++) {
        uint64_t first = (uint64_t)i * plen, end = plan_align_up(first + 1, plen, size);
        uint8_t got[SHA256_LEN];
        bool is_good =
            hash_range(d->fd, buf, h, first, end, got) == 0 && sha256_equal(got, d->pieces[i]);

        pthread_mutex_lock(&d->lock);
        if (is_good)
            good += end - first;
        else
            add_missing(d, first, end);
        pthread_mutex_unlock(&d->lock);
        if (d->npending >= STATE_MAX_RANGES - PLAN_MAX_CONN) /* too scattered to keep */
            break;
    }
    pthread_mutex_lock(&d->lock);
    ok = good > 0 && d->npending < STATE_MAX_RANGES - PLAN_MAX_CONN && !dl_is_stop_requested(d);
    if (ok) {
        d->has_info = true;
        d->is_ranged = true;
        d->is_size_known = true;
        d->size = size;
        d->resumed = good;
        d->is_file_ready = true;
        if (!is_resumed) /* no state: no validator, the piece hashes vouch for each answer */
            d->etag[0] = d->last_modified[0] = d->validator[0] = '\0';
    } else {
        d->npending = 0;
        d->has_info = d->is_ranged = d->is_size_known = d->is_file_ready = false;
        d->resumed = 0;
    }
    pthread_mutex_unlock(&d->lock);
    if (ok && d->req->progress != NULL)
        progress_message(d->req->progress, false,
                         "%s: %" PRIu64 " of %" PRIu64 " bytes already here passed their piece "
                         "hashes",
                         d->req->label, good, size);
out:
    sha256_free(h);
    free(buf);
    return ok;
}
