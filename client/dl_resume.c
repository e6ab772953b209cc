/*
 * client/dl_resume.c - a download's state file: what is saved every
 * second, and whether an earlier run's partial file can be taken up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"

static int cmp_range(const void *a, const void *b)
{
    const struct plan_range *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

void dl_missing_ranges(const struct dl *d, struct dl_state *st)
{
    struct plan_range *m = st->missing;
    size_t n = 0;

    for (size_t i = 0; i < d->npending && n < STATE_MAX_RANGES; i++)
        m[n++] = d->pending[i];
    for (unsigned i = 0; i < PLAN_MAX_CONN && n < STATE_MAX_RANGES; i++) {
        const struct slot *s = &d->slots[i];

        if (s->is_busy && s->written < s->end) {
            m[n].start = s->written;
            m[n].end = s->end;
            n++;
        }
    }
    qsort(m, n, sizeof(m[0]), cmp_range);
    st->nmissing = 0;
    for (size_t i = 0; i < n; i++) {
        if (st->nmissing > 0 && m[i].start <= m[st->nmissing - 1].end) {
            if (m[i].end > m[st->nmissing - 1].end)
                m[st->nmissing - 1].end = m[i].end;
        } else {
            m[st->nmissing++] = m[i];
        }
    }
}

void dl_save_state(struct dl *d)
{
    struct dl_state *st;
    int err;

    if (!d->is_ranged || !d->is_size_known || !d->is_file_ready || d->size == 0)
        return;
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        return;
    snprintf(st->url, sizeof(st->url), "%s", d->req->url);
    st->size = d->size;
    snprintf(st->etag, sizeof(st->etag), "%s", d->etag);
    snprintf(st->last_modified, sizeof(st->last_modified), "%s", d->last_modified);
    st->has_sha256 = d->req->has_sha256;
    memcpy(st->sha256, d->req->sha256, SHA256_LEN);
    pthread_mutex_lock(&d->lock);
    dl_missing_ranges(d, st);
    pthread_mutex_unlock(&d->lock);
    err = state_save(&d->store, st);
    if (err != 0 && d->req->progress != NULL)
        progress_message(d->req->progress, true, "%s: cannot save the resume state %s: %s",
                         d->req->label, d->store.state_path, strerror(-err));
    free(st);
}

/*
 * Why the state ST cannot be used for this download, or NULL when it can.
 * The URL may differ (the server moved) only when the expected hash pins
 * the file down; the remote file's validator must exist unless a hash
 * will check the result.
 */
static const char *resume_refusal(const struct dl *d, const struct dl_state *st)
{
    bool is_pinned =
        d->req->has_sha256 && st->has_sha256 && sha256_equal(st->sha256, d->req->sha256);

    if (d->req->has_sha256 && st->has_sha256 && !is_pinned)
        return "the partial download is of another version of the file (its hash changed)";
    if (d->req->has_size && d->req->size != st->size)
        return "the partial download is of another version of the file (its size changed)";
    if (strcmp(st->url, d->req->url) != 0 && !is_pinned)
        return "the partial download came from another URL";
    if (st->etag[0] == '\0' && st->last_modified[0] == '\0' && !d->req->has_sha256)
        return "the server gave no validator to check the partial download against";
    return NULL;
}

/*
 * Resume from a state file when it describes this very download: same URL,
 * same expected hash, a validator (or a known hash) to detect a changed
 * remote file, and a partial file of the right size.
 */
bool dl_try_resume(struct dl *d)
{
    struct dl_state *st = calloc(1, sizeof(*st));
    const char *why = NULL;
    uint64_t size = 0;
    bool ok = false;
    int err;

    if (st == NULL)
        return false;
    err = state_load(&d->store, st, &why);
    if (err == -ENOENT)
        goto out;
    if (err != 0) {
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true, "%s: ignoring %s: %s; starting over",
                             d->req->label, d->store.state_path, why ? why : strerror(-err));
        goto out;
    }
    why = resume_refusal(d, st);
    if (why != NULL) {
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true, "%s: %s; starting over", d->req->label, why);
        goto out;
    }
    if (store_part_size(&d->store, &size) != 0 || size != st->size) {
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true,
                             "%s: %s does not have the size its state file says; starting over",
                             d->req->label, d->store.part_path);
        goto out;
    }
    d->has_info = true;
    d->is_ranged = true;
    d->is_size_known = true;
    d->size = st->size;
    snprintf(d->etag, sizeof(d->etag), "%s", st->etag);
    snprintf(d->last_modified, sizeof(d->last_modified), "%s", st->last_modified);
    snprintf(d->validator, sizeof(d->validator), "%s",
             st->etag[0] != '\0' ? st->etag : st->last_modified);
    d->npending = 0;
    for (size_t i = 0; i < st->nmissing; i++) {
        struct plan_range r = st->missing[i];

        /* With piece hashes, whole pieces only: a piece partly there is fetched again. */
        if (d->piece_len > 0) {
            r.start -= r.start % d->piece_len;
            r.end = plan_align_up(r.end, d->piece_len, d->size);
            if (d->npending > 0 && r.start <= d->pending[d->npending - 1].end) {
                if (r.end > d->pending[d->npending - 1].end)
                    d->pending[d->npending - 1].end = r.end;
                continue;
            }
        }
        dl_pending_add(d, r.start, r.end);
    }
    d->resumed = d->size - plan_ranges_total(d->pending, d->npending);
    d->is_file_ready = true;
    ok = true;
out:
    free(st);
    return ok;
}
