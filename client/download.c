/*
 * client/download.c - one file, several connections, one verified result.
 *
 * DESIGN. download_run() is the supervisor; it runs on the caller's thread
 * and owns the plan. Each connection is a slot with its own thread and its
 * own libcurl handle (fetch.c), so connections really run in parallel and
 * each keeps its TCP connection alive between requests. A slot thread
 * waits for an order (a byte range), performs the request, writes the
 * body with pwrite() at the range's offsets into the one partial file, and
 * reports how it ended. A hasher thread (hasher.c) hashes the contiguous
 * written prefix as it grows.
 *
 * Everything shared sits in struct dl under d->lock: the file's identity,
 * the pending ranges, and each slot's range. A slot claims the bytes it is
 * about to write under the lock (claimed), writes them without it, then
 * records them as written. The supervisor may lower a busy slot's end to
 * give the rest to an idle slot, but never below what the slot claimed,
 * so two slots never write the same byte; the state file lists only bytes
 * not yet written, so it is never ahead of the data. Slots wait on
 * d->slot_wake, the supervisor on d->wake; no I/O happens under the lock.
 *
 * The first request is "Range: bytes=0-" on slot 0. Its head tells the
 * size and whether the server honours ranges (206) or not (200: one
 * connection does all). Then the partial file is created and sized, slot
 * 0's range is cut to the first chunk, and the other slots start on the
 * rest. A slot that finishes takes half of the slowest remaining range
 * (plan.c). A slot that fails puts its remaining range back in the pool
 * and retries after a backoff; other slots may take that range meanwhile.
 * Every request after the first carries If-Range, so a file that changes
 * on the server shows as a 200 and the download starts over.
 */
#include "download.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dl.h"
#include "encode.h"
#include "human.h"

#define DL_TICK_MS       100 /* the supervisor's pace */
#define DL_SAVE_NS       1000000000ull
#define DL_SPEED_NS      500000000ull
#define DL_MAX_RESTARTS  3
#define DL_BACKOFF_MAX_S 30

uint64_t dl_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Set the result's reason (first message wins, as curl's failf). */
static void failf(struct dl *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failf(struct dl *d, const char *fmt, ...)
{
    va_list ap;

    if (d->res->reason[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(d->res->reason, sizeof(d->res->reason), fmt, ap);
    va_end(ap);
}

bool dl_is_stop_requested(const struct dl *d)
{
    return d->req->stop != NULL && atomic_load(d->req->stop);
}

void dl_pending_add(struct dl *d, uint64_t start, uint64_t end)
{
    if (start >= end)
        return;
    if (d->npending == STATE_MAX_RANGES) { /* cannot happen: at most one per slot and split */
        d->is_aborting = true;
        return;
    }
    d->pending[d->npending].start = start;
    d->pending[d->npending].end = end;
    d->npending++;
}

/* Take the lowest pending range. Lock held. */
static bool pending_take(struct dl *d, struct plan_range *out)
{
    size_t best = 0;

    if (d->npending == 0)
        return false;
    for (size_t i = 1; i < d->npending; i++)
        if (d->pending[i].start < d->pending[best].start)
            best = i;
    *out = d->pending[best];
    d->pending[best] = d->pending[--d->npending];
    return true;
}

/* The smallest byte not yet written: everything before it is on disk. Lock held. */
static uint64_t written_prefix(const struct dl *d)
{
    uint64_t low = d->is_size_known ? d->size : UINT64_MAX;

    for (size_t i = 0; i < d->npending; i++)
        if (d->pending[i].start < low)
            low = d->pending[i].start;
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        const struct slot *s = &d->slots[i];

        if (s->is_busy && s->written < s->end && s->written < low)
            low = s->written;
    }
    if (!d->is_size_known) /* one connection, no end known: its written bytes */
        low = d->slots[0].written;
    return low;
}

/* After the first head: create the file, cut slot 0's range, queue the rest. */
static int prepare_file(struct dl *d)
{
    uint64_t size;
    int fd, err;

    pthread_mutex_lock(&d->lock);
    size = d->is_size_known ? d->size : UINT64_MAX;
    pthread_mutex_unlock(&d->lock);
    if (d->req->has_size && size != d->req->size) {
        failf(d,
              "the server's file has %" PRIu64 " bytes but the catalog says %" PRIu64
              " (it changed on the server?)",
              size, d->req->size);
        return -EINVAL;
    }
    fd = store_create_part(d->paths.part, size);
    if (fd < 0) {
        char hs[32];

        human_size(size, hs, sizeof(hs));
        if (fd == -ENOSPC)
            failf(d, "not enough space in %s for %s (%s)", d->paths.dir, d->req->label, hs);
        else
            failf(d, "cannot create %s: %s", d->paths.part, strerror(-fd));
        return fd;
    }
    d->fd = fd;
    err = hasher_start(&d->hasher, fd);
    if (err != 0) {
        failf(d, "cannot start hashing: %s", strerror(-err));
        return err;
    }
    pthread_mutex_lock(&d->lock);
    d->nconn = d->is_ranged ? plan_connections(d->size, d->req->connections) : 1;
    if (d->is_ranged && d->nconn > 1) {
        struct plan_range chunks[PLAN_MAX_CONN];
        struct slot *s0 = &d->slots[0];
        uint64_t cut;

        plan_split(d->size, d->nconn, chunks);
        cut = chunks[0].end > s0->claimed ? chunks[0].end : s0->claimed;
        if (cut < d->size) {
            plan_split(d->size - cut, d->nconn - 1, chunks);
            for (unsigned i = 0; i + 1 < d->nconn; i++)
                dl_pending_add(d, cut + chunks[i].start, cut + chunks[i].end);
            s0->end = cut;
        }
    }
    d->is_file_ready = true;
    pthread_cond_broadcast(&d->slot_wake);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static uint64_t backoff_ns(unsigned failures)
{
    uint64_t secs = failures >= 6 ? DL_BACKOFF_MAX_S : (uint64_t)1 << (failures - 1);

    if (secs > DL_BACKOFF_MAX_S)
        secs = DL_BACKOFF_MAX_S;
    return secs * 1000000000ull;
}

/* Take in the outcome of slot S (lock held). Returns -1 to fail the file, 1 to restart. */
static int collect(struct dl *d, struct slot *s, uint64_t now)
{
    bool has_progress = s->written > s->start;

    s->is_busy = false;
    switch (s->outcome) {
    case OUT_DONE:
        s->failures = 0;
        d->failures = 0;
        return 0;
    case OUT_CUT:
        dl_pending_add(d, s->written, s->end);
        return 0;
    case OUT_FAILED:
        dl_pending_add(d, s->written, s->end);
        s->failures = has_progress ? 1 : s->failures + 1;
        d->failures = has_progress ? 1 : d->failures + 1;
        s->retry_at = now + backoff_ns(s->failures);
        s->ui = SLOT_RETRYING;
        snprintf(d->last_err, sizeof(d->last_err), "connection %u: %s", s->index + 1, s->err);
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true,
                             "%s from %s: connection %u: %s; retrying from byte %" PRIu64
                             " in %" PRIu64 " s (attempt %u of %u)",
                             d->req->label, d->host, s->index + 1, s->err, s->written,
                             backoff_ns(s->failures) / 1000000000u, d->failures + 1,
                             d->req->max_attempts);
        return d->failures >= d->req->max_attempts ? -1 : 0;
    case OUT_FATAL:
        snprintf(d->last_err, sizeof(d->last_err), "%s", s->err);
        return -1;
    case OUT_CHANGED:
        snprintf(d->last_err, sizeof(d->last_err), "%s", s->err);
        return 1;
    case OUT_NONE:
        break;
    }
    return 0;
}

static void plan_view(const struct dl *d, struct plan_slot *v)
{
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        const struct slot *s = &d->slots[i];

        /* The probe's range is open-ended until the file is planned. */
        v[i].is_busy = s->is_busy && s->end != UINT64_MAX && (!s->is_probe || d->is_file_ready);
        v[i].pos = s->claimed;
        v[i].end = s->end;
        v[i].speed = s->speed;
    }
}

/* Give idle slots work. Lock held. Returns 0 or a negative errno value. */
static int assign(struct dl *d, uint64_t now)
{
    for (unsigned i = 0; i < d->nconn; i++) {
        struct slot *s = &d->slots[i];
        struct plan_range r;
        int err = 0;

        if (s->is_busy || (s->retry_at != 0 && now < s->retry_at))
            continue;
        s->retry_at = 0;
        if (!d->has_info) {
            if (i == 0)
                err = dl_slot_order(d, s, 0, UINT64_MAX, true);
        } else if (!d->is_file_ready) {
            continue;
        } else if (pending_take(d, &r)) {
            err = dl_slot_order(d, s, r.start, r.end, false);
        } else if (d->is_ranged) {
            struct plan_slot view[PLAN_MAX_CONN];
            struct plan_pick pick;

            plan_view(d, view);
            pick = plan_pick(view, PLAN_MAX_CONN, s->speed);
            if (pick.has_work) {
                struct slot *v = &d->slots[pick.victim];
                uint64_t from = pick.from > v->claimed ? pick.from : v->claimed;

                if (from < v->end) {
                    uint64_t to = v->end;

                    v->end = from;
                    err = dl_slot_order(d, s, from, to, false);
                }
            }
        }
        if (err != 0)
            return err;
    }
    return 0;
}

static bool all_done(const struct dl *d)
{
    if (!d->is_file_ready || d->npending > 0)
        return false;
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++)
        if (d->slots[i].is_busy || d->slots[i].retry_at != 0)
            return false;
    return true;
}

static void update_speeds(struct dl *d, uint64_t now)
{
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        struct slot *s = &d->slots[i];
        uint64_t dt = now - s->speed_ns;

        if (!s->is_busy) {
            continue;
        }
        if (dt >= DL_SPEED_NS) {
            double rate = (double)(s->written - s->speed_mark) * 1e9 / (double)dt;

            s->speed = s->speed > 0 ? 0.5 * s->speed + 0.5 * rate : rate;
            s->speed_mark = s->written;
            s->speed_ns = now;
        }
    }
}

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

/* Copy what the UI shows. Lock held. */
static void publish(struct dl *d, uint64_t now, bool is_verifying)
{
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
        struct progress_slot *ps = &f.slots[i];

        if (s->retry_at != 0)
            ps->state = SLOT_RETRYING;
        else if (s->is_busy)
            ps->state = s->ui;
        else /* between ranges: one that has worked is done for now */
            ps->state = s->has_thread ? SLOT_DONE : SLOT_IDLE;
        ps->start = s->start;
        ps->end = s->end == UINT64_MAX ? (d->is_size_known ? d->size : s->written) : s->end;
        ps->pos = s->written;
        ps->speed = s->is_busy ? s->speed : 0;
        ps->attempt = s->failures;
        speed += ps->speed;
    }
    f.speed = speed;
    progress_set_file(d->req->progress, d->req->progress_slot, &f);
}

/* Stop every slot, wait for their outcomes, and (with IS_EXIT) end their threads. */
static void stop_slots(struct dl *d, bool is_exit)
{
    pthread_mutex_lock(&d->lock);
    d->is_aborting = true;
    pthread_cond_broadcast(&d->slot_wake);
    for (;;) {
        bool is_busy = false;

        for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
            struct slot *s = &d->slots[i];

            if (s->is_busy && s->cmd == SLOT_WAIT && s->outcome != OUT_NONE) {
                s->is_busy = false;
                dl_pending_add(d, s->written, s->end);
            }
            if (s->is_busy)
                is_busy = true;
        }
        if (!is_busy)
            break;
        pthread_cond_wait(&d->wake, &d->lock);
    }
    if (is_exit)
        for (unsigned i = 0; i < PLAN_MAX_CONN; i++)
            d->slots[i].cmd = SLOT_EXIT;
    pthread_cond_broadcast(&d->slot_wake);
    pthread_mutex_unlock(&d->lock);
    if (!is_exit)
        return;
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        struct slot *s = &d->slots[i];

        if (s->has_thread)
            pthread_join(s->thread, NULL);
        s->has_thread = false;
        fetch_free(s->fetch);
        free(s->buf);
        s->fetch = NULL;
        s->buf = NULL;
    }
}

/* Forget everything about the remote file and start again. */
static void restart(struct dl *d)
{
    stop_slots(d, false);
    hasher_cancel(&d->hasher);
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    store_discard(&d->paths);
    pthread_mutex_lock(&d->lock);
    d->has_info = d->is_ranged = d->is_size_known = d->is_file_ready = false;
    d->is_aborting = false;
    d->size = 0;
    d->validator[0] = '\0';
    d->npending = 0;
    d->resumed = 0;
    d->nconn = 1;
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        struct slot *s = &d->slots[i];

        s->is_busy = false;
        s->retry_at = 0;
        s->failures = 0;
        s->start = s->claimed = s->written = s->end = 0;
        s->speed = 0;
    }
    pthread_mutex_unlock(&d->lock);
}

/*
 * Run the transfer until every byte is written. Returns 0 when complete,
 * or -1 with d->res filled (failed or stopped).
 */
static int transfer(struct dl *d)
{
    uint64_t next_publish = 0;

    pthread_mutex_lock(&d->lock);
    for (;;) {
        uint64_t now = dl_now_ns();
        struct timespec until;
        int verdict = 0;

        for (unsigned i = 0; i < PLAN_MAX_CONN && verdict == 0; i++) {
            struct slot *s = &d->slots[i];

            if (s->is_busy && s->cmd == SLOT_WAIT && s->outcome != OUT_NONE)
                verdict = collect(d, s, now);
        }
        if (verdict != 0 || dl_is_stop_requested(d)) {
            pthread_mutex_unlock(&d->lock);
            if (verdict > 0 && d->restarts < DL_MAX_RESTARTS) {
                d->restarts++;
                if (d->req->progress != NULL)
                    progress_message(d->req->progress, true, "%s: %s; starting over", d->req->label,
                                     d->last_err);
                restart(d);
                pthread_mutex_lock(&d->lock);
                continue;
            }
            stop_slots(d, false);
            if (verdict == 0) { /* stopped from outside: keep what we have */
                dl_save_state(d);
                d->res->status = DL_STOPPED;
                failf(d, "stopped");
            } else {
                d->res->status = DL_FAILED;
                failf(d, "%s%s", d->last_err,
                      verdict < 0 && d->failures >= d->req->max_attempts ? "; giving up" : "");
                dl_save_state(d);
            }
            return -1;
        }
        if (d->has_info && !d->is_file_ready) {
            pthread_mutex_unlock(&d->lock);
            if (prepare_file(d) != 0) {
                stop_slots(d, false);
                d->res->status = DL_FAILED;
                return -1;
            }
            pthread_mutex_lock(&d->lock);
        }
        if (assign(d, now) != 0) {
            pthread_mutex_unlock(&d->lock);
            stop_slots(d, false);
            d->res->status = DL_FAILED;
            failf(d, "cannot start a connection thread");
            return -1;
        }
        update_speeds(d, now);
        hasher_advance(&d->hasher, written_prefix(d));
        if (all_done(d))
            break;
        if (now >= next_publish) {
            publish(d, now, false);
            next_publish = now + DL_TICK_MS * 1000000ull;
        }
        if (now - d->last_save_ns >= DL_SAVE_NS) {
            d->last_save_ns = now;
            pthread_mutex_unlock(&d->lock);
            dl_save_state(d);
            pthread_mutex_lock(&d->lock);
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += DL_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d->wake, &d->lock, &until);
    }
    if (!d->is_size_known) {
        d->size = d->slots[0].written;
        d->is_size_known = true;
    }
    publish(d, dl_now_ns(), true);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/* The final name is taken: is it already the right file? */
static void check_existing(struct dl *d, bool *is_decided)
{
    uint8_t have[SHA256_LEN];
    uint64_t size = 0;
    int err = store_hash_file(d->paths.final, have, &size);

    *is_decided = false;
    if (err == -ENOENT)
        return;
    *is_decided = true;
    if (err != 0) {
        d->res->status = DL_FAILED;
        failf(d, "%s exists but cannot be read: %s", d->paths.final, strerror(-err));
        return;
    }
    d->res->size = size;
    memcpy(d->res->sha256, have, SHA256_LEN);
    if (!d->req->has_sha256) {
        d->res->status = DL_PRESENT;
        failf(d, "%s already exists (no published hash to check it against)", d->paths.final);
    } else if (sha256_equal(have, d->req->sha256)) {
        d->res->status = DL_PRESENT;
    } else {
        d->res->status = DL_FAILED;
        failf(d, "%s exists and differs from the expected file; not overwritten", d->paths.final);
    }
}

/* Hash check and rename. */
static void finish(struct dl *d)
{
    const uint8_t *want = NULL;
    char got_hex[SHA256_HEX_LEN + 1], want_hex[SHA256_HEX_LEN + 1];
    uint8_t got[SHA256_LEN];
    int err;

    err = hasher_finish(&d->hasher, d->size, got);
    if (err != 0) {
        d->res->status = DL_FAILED;
        failf(d, "cannot read back %s to verify it: %s", d->paths.part, strerror(-err));
        store_discard(&d->paths);
        return;
    }
    memcpy(d->res->sha256, got, SHA256_LEN);
    d->res->size = d->size;
    if (d->req->has_sha256)
        want = d->req->sha256;
    else if (d->has_remote_digest)
        want = d->remote_digest;
    encode_hex(got, SHA256_LEN, got_hex);
    if (want != NULL && !sha256_equal(want, got)) {
        encode_hex(want, SHA256_LEN, want_hex);
        d->res->status = DL_FAILED;
        failf(d,
              "SHA-256 mismatch: expected %s, got %s; the download was deleted, "
              "%s was not touched",
              want_hex, got_hex, d->paths.final);
        store_discard(&d->paths);
        return;
    }
    err = store_commit(&d->paths, d->fd);
    if (err == -EEXIST) {
        bool is_decided;

        check_existing(d, &is_decided);
        if (d->res->status == DL_PRESENT) {
            store_discard(&d->paths);
        } else if (d->res->status == DL_FAILED) {
            d->res->reason[0] = '\0'; /* a more precise message than check_existing()'s */
            failf(d,
                  "%s appeared meanwhile and differs; not overwritten (the download is "
                  "kept as %s)",
                  d->paths.final, d->paths.part);
            unlink(d->paths.state);
        }
        return;
    }
    if (err != 0) {
        d->res->status = DL_FAILED;
        failf(d, "cannot move it to %s: %s", d->paths.final, strerror(-err));
        return;
    }
    unlink(d->paths.state);
    d->res->status = want != NULL ? DL_VERIFIED : DL_UNVERIFIED;
    if (want == NULL)
        failf(d, "no SHA-256 was published for it: sha256 %s", got_hex);
}

static void host_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    size_t n;

    p = p ? p + 3 : url;
    n = strcspn(p, "/?#");
    snprintf(out, cap, "%.*s", (int)n, p);
}

void download_run(const struct dl_request *req, struct dl_result *res)
{
    struct dl *d = calloc(1, sizeof(*d));
    bool is_decided = false;
    int err;

    memset(res, 0, sizeof(*res));
    if (d == NULL) {
        res->status = DL_FAILED;
        snprintf(res->reason, sizeof(res->reason), "out of memory");
        return;
    }
    d->req = req;
    d->res = res;
    d->fd = -1;
    d->nconn = 1;
    d->started_ns = dl_now_ns();
    d->last_save_ns = d->started_ns;
    host_of(req->url, d->host, sizeof(d->host));
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        d->slots[i].index = i;
        d->slots[i].d = d;
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    pthread_cond_init(&d->slot_wake, NULL);
    err = store_paths_init(&d->paths, req->final_path);
    if (err != 0) {
        res->status = DL_FAILED;
        failf(d, "%s: the path is too long", req->final_path);
        goto out;
    }
    check_existing(d, &is_decided);
    if (is_decided)
        goto out;
    if (dl_try_resume(d)) {
        pthread_mutex_lock(&d->lock);
        d->nconn = plan_connections(d->size, req->connections);
        pthread_mutex_unlock(&d->lock);
        err = hasher_start(&d->hasher, d->fd);
        if (err != 0) {
            res->status = DL_FAILED;
            failf(d, "cannot start hashing: %s", strerror(-err));
            goto out;
        }
        if (req->progress != NULL)
            progress_message(req->progress, false,
                             "%s: resuming (%" PRIu64 " of %" PRIu64 " bytes already here)",
                             req->label, d->resumed, d->size);
    } else {
        store_discard(&d->paths);
    }
    if (transfer(d) == 0)
        finish(d);
    res->resumed = d->resumed;
    res->fetched = res->size > d->resumed ? res->size - d->resumed : 0;
out:
    stop_slots(d, true);
    hasher_cancel(&d->hasher);
    if (d->fd >= 0)
        close(d->fd);
    res->seconds = (double)(dl_now_ns() - d->started_ns) / 1e9;
    if (req->progress != NULL)
        progress_set_file(req->progress, req->progress_slot, NULL);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
    pthread_cond_destroy(&d->slot_wake);
    free(d);
}
