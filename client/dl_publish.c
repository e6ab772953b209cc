/*
 * client/dl_publish.c - what the display shows of a download: the file,
 * each connection (its range or source, its share, speed and state) and,
 * with several, each source. Copied into struct progress under d->lock;
 * the UI never sees struct dl.
 */
#include <stdio.h>
#include <string.h>

#include "dl.h"

/* Bytes not written yet: pending ranges and what busy slots still owe
 * (they never overlap). Lock held. */
static uint64_t bytes_missing(const struct dl *d)
{
    uint64_t n = plan_ranges_total(d->pending, d->npending);

    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        const struct slot *s = &d->slots[i];

        if (s->is_busy && s->written < s->end)
            n += s->end - s->written;
    }
    return n;
}

/* The sources of a file with several, for the UI. Lock held. */
static void publish_sources(const struct dl *d, struct progress_file *f)
{
    f->nsources = d->is_multi ? (unsigned)d->nsrc : 0;
    for (unsigned i = 0; i < f->nsources && i < PROGRESS_MAX_SOURCES; i++) {
        const struct dl_source *src = &d->src[i];
        struct progress_source *ps = &f->sources[i];

        snprintf(ps->host, sizeof(ps->host), "%s", src->host);
        ps->speed = src->st.speed;
        ps->pieces = src->pieces;
        ps->rejected = src->st.bad_pieces;
        ps->is_dropped = src->st.is_dropped;
        ps->conns = 0;
        for (unsigned k = 0; k < PLAN_MAX_CONN; k++)
            ps->conns += d->slots[k].is_busy && d->slots[k].src == i;
    }
}

/* Copy what the UI shows. Lock held. */
void dl_publish(struct dl *d, uint64_t now, bool is_verifying)
{
    struct plan_share_in sh[PLAN_MAX_CONN];
    uint64_t share[PLAN_MAX_CONN];
    struct progress_file f;
    double speed = 0;

    if (d->req->progress == NULL)
        return;
    memset(&f, 0, sizeof(f));
    snprintf(f.name, sizeof(f.name), "%s", d->req->label);
    snprintf(f.host, sizeof(f.host), "%s", d->host);
    f.has_size = d->is_size_known && d->has_info;
    f.size = d->size;
    f.elapsed = (double)(now - d->started_ns) / 1e9;
    f.nslots = d->nconn ? d->nconn : 1;
    f.is_verifying = is_verifying;
    f.hashed = hasher_progress(&d->hasher);
    f.done =
        d->is_size_known && d->is_file_ready ? d->size - bytes_missing(d) : d->slots[0].written;
    for (unsigned i = 0; i < f.nslots && i < PLAN_MAX_CONN; i++) {
        const struct slot *s = &d->slots[i];

        sh[i].is_live = !s->is_retired;
        sh[i].done = s->done;
        sh[i].owed =
            s->is_busy && s->end != UINT64_MAX && s->written < s->end ? s->end - s->written : 0;
    }
    plan_shares(sh, f.nslots, plan_ranges_total(d->pending, d->npending), share);
    for (unsigned i = 0; i < f.nslots && i < PLAN_MAX_CONN; i++) {
        const struct slot *s = &d->slots[i];
        struct progress_slot *ps = &f.slots[i];

        if (s->retry_at != 0)
            ps->state = SLOT_RETRYING;
        else if (s->is_busy)
            ps->state = s->ui;
        else /* between ranges: one that has worked is done for now */
            ps->state = s->w != NULL || s->done > 0 ? SLOT_DONE : SLOT_IDLE;
        ps->start = s->start;
        ps->end = s->end == UINT64_MAX ? (d->is_size_known ? d->size : s->written) : s->end;
        ps->pos = s->written;
        ps->done = s->done;
        /* An open-ended first request: its share is the file's, as far as known. */
        ps->share = s->end == UINT64_MAX ? ps->end : share[i];
        ps->speed = s->is_busy ? s->speed : 0;
        ps->attempt = s->failures;
        if (d->is_multi)
            snprintf(ps->source, sizeof(ps->source), "%s", d->src[s->src].host);
        speed += ps->speed;
    }
    publish_sources(d, &f);
    f.speed = speed;
    progress_set_file(d->req->progress, d->req->progress_slot, &f);
}
