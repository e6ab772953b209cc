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
 * written prefix as it grows; each write tells it how far that reaches.
 *
 * Everything shared sits in struct dl under d->lock: the file's identity,
 * the pending ranges (bytes nobody has yet), and each slot's range. A slot
 * claims the bytes it is about to write under the lock (claimed), writes
 * them without it, then records them as written. The supervisor may lower
 * a busy slot's end to give the rest to an idle slot, but never below what
 * the slot claimed, so two slots never write the same byte; the state file
 * lists only bytes not yet written, so it is never ahead of the data.
 * Slots wait on d->slot_wake, the supervisor on d->wake; no I/O happens
 * under the lock.
 *
 * The first request is "Range: bytes=0-" on slot 0 (only the first piece
 * when the catalog gave the size). Its head tells the size and whether
 * the server honours ranges (206) or not (200: one connection does all).
 * Then the partial file is created and sized, slot 0's range is cut to the
 * first piece, and the rest of the file is pending. Slots take pieces of
 * it in file order (plan_next() in plan.c), so the written prefix, and the
 * hash behind it, grow at the download's full rate: a slot whose piece is
 * done takes the next one itself, under the lock, and asks for it on the
 * same connection at once (dl_take_work()); the supervisor does the same
 * for idle slots. When nothing is pending, a slot takes half of the
 * slowest remaining range, and a straggler's whole rest (plan.c). A slot
 * that fails puts its remaining range back in the pool and retries after a
 * backoff; other slots may take that range meanwhile. Every request after
 * the first carries If-Range, so a file that changes on the server shows
 * as a 200 and the download starts over.
 *
 * Several sources (mirrors: the request's, or a Metalink's found through
 * the first answer's Link header) are client/mirror/dl_sources.c's: each
 * time a slot takes work it is bound to a source (sources_pick()), up to
 * --connections per source; a mirror is held to its own validator, and a
 * source that fails, or sends a piece that fails its hash, loses its
 * range to the others (dl_collect.c). With piece hashes every range
 * starts and ends on a piece boundary, and a slot hashes each piece from
 * memory as it lands (dl_slot.c): its bytes count as written, for the
 * prefix, the state file and the file's hash, only once it matched.
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

#define DL_TICK_MS         50          /* the supervisor's pace */
#define DL_SAVE_NS         50000000ull /* the state file trails the data by at most this */
#define DL_PUBLISH_NS      100000000ull
#define DL_SPEED_NS        500000000ull
#define DL_MAX_RESTARTS    3
#define DL_INLINE_TICK_NS  10000000ull /* the supervisor's pace from inside slot 0's transfer */
/* Smaller files (one connection, by plan_connections()) hash without a thread. */
#define DL_HASH_THREAD_MIN (2ull * PLAN_MIN_CHUNK)

uint64_t dl_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void dl_failf(struct dl *d, const char *fmt, ...)
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

uint64_t dl_written_prefix(const struct dl *d)
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

/*
 * Does a file of SIZE bytes (UINT64_MAX: unknown) get a hashing thread?
 * Not one that a single connection fetches in a moment: its bytes are
 * hashed as they are written, and a thread would cost more than that.
 */
static bool is_hash_threaded(uint64_t size)
{
    return size >= DL_HASH_THREAD_MIN;
}

int dl_prepare_file(struct dl *d)
{
    uint64_t size;
    int err;

    if (d->meta_url[0] != '\0') /* the first answer named the file's Metalink */
        dl_sources_discover(d);
    pthread_mutex_lock(&d->lock);
    size = d->is_size_known ? d->size : UINT64_MAX;
    pthread_mutex_unlock(&d->lock);
    if (d->req->has_size && size != d->req->size) {
        dl_failf(d,
                 "the server's file has %" PRIu64 " bytes but the catalog says %" PRIu64
                 " (it changed on the server?)",
                 size, d->req->size);
        return -EINVAL;
    }
    err = store_reset_part(&d->store, size);
    if (err != 0) {
        char hs[32];

        human_size(size, hs, sizeof(hs));
        if (err == -ENOSPC || err == -EDQUOT)
            dl_failf(d, "not enough space in %s for %s (%s)", d->store.dir_path, d->req->label, hs);
        else if (err == -EFBIG)
            dl_failf(d, "%s cannot hold %s: the file is too large for it", d->store.dir_path, hs);
        else
            dl_failf(d, "cannot prepare %s: %s", d->store.part_path, strerror(-err));
        return err;
    }
    err = hasher_start(&d->hasher, d->fd, is_hash_threaded(size), d->req->is_durable);
    if (err != 0) {
        dl_failf(d, "cannot start hashing: %s", strerror(-err));
        return err;
    }
    pthread_mutex_lock(&d->lock);
    d->nconn = d->is_ranged && !d->is_single ? plan_connections(d->size, dl_sources_conns(d)) : 1;
    if (!d->is_ranged || d->is_single)
        d->piece_len = 0; /* one answer for all: the whole-file hash checks it */
    if (d->is_ranged) {
        struct slot *s0 = &d->slots[0];
        struct plan_piece_in in = {d->size, d->nconn, 0, d->wait};
        /* The probe's first piece; when it asked for a piece already, that
         * one, so that its answer ends where it asked and the connection
         * stays open for the next piece. */
        uint64_t cut = s0->end < d->size ? s0->end : d->nconn > 1 ? plan_piece_len(&in) : d->size;

        if (cut < s0->claimed)
            cut = s0->claimed;
        /* On a piece boundary; past what the probe asked for, it asks again. */
        cut = plan_align_up(cut, d->piece_len, d->size);
        if (d->piece_len > 0 && dl_slot_piece_ready(d, s0) != 0) {
            pthread_mutex_unlock(&d->lock);
            dl_failf(d, "out of memory");
            return -ENOMEM;
        }
        if (cut < d->size) {
            dl_pending_add(d, cut, d->size);
            s0->end = cut;
        }
    }
    d->is_file_ready = true;
    pthread_cond_broadcast(&d->slot_wake);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/*
 * Where the first request ends. When the catalog gave the size and the
 * hash (so that pieces can be checked), and the file gets several
 * connections, it asks for the first piece only (on a piece boundary,
 * with piece hashes): its answer then ends where the piece does and the
 * connection goes on to the next one. Otherwise it asks for everything
 * ("bytes=0-"), and is cut once the head has told the size (closing that
 * connection). UINT64_MAX: open.
 */
static uint64_t probe_end(const struct dl *d)
{
    const struct dl_request *r = d->req;
    /* With mirrors, the piece is as long as the others will be (it is
     * the probe's, on the first source, so it must not hold up the rest). */
    unsigned want = r->connections * (unsigned)(d->nsrc ? d->nsrc : 1);
    struct plan_piece_in in = {r->size, plan_connections(r->size, want), 0, 0};

    if (!r->has_size || !r->has_sha256 || r->size == 0 || in.n < 2)
        return UINT64_MAX;
    return plan_align_up(plan_piece_len(&in), d->piece_len, r->size);
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

/* One connection's recent speed, for the length of a piece: the mean of
 * the busy ones that have one (0: none measured yet). Lock held. */
static double conn_speed(const struct dl *d)
{
    double sum = 0;
    unsigned n = 0;

    for (unsigned i = 0; i < d->nconn; i++) {
        if (d->slots[i].is_busy && d->slots[i].speed > 0) {
            sum += d->slots[i].speed;
            n++;
        }
    }
    return n ? sum / n : 0;
}

/* Lend slot S a worker (S has none). 0, -EAGAIN (none in the budget yet), or -ENOMEM. Lock held. */
static int attach(struct dl *d, struct slot *s)
{
    int err = dl_pool_lend(d->pool, s, d->is_multi && s->src != 0, &s->w);

    if (err == -EAGAIN && !s->is_short) { /* new downloads wait for this one */
        s->is_short = true;
        dl_pool_want(d->pool, 1);
    }
    if (err != 0)
        return err;
    if (s->is_short) {
        s->is_short = false;
        dl_pool_want(d->pool, -1);
    }
    s->cmd = SLOT_WAIT;
    s->is_attached = true;
    return 0;
}

int dl_take_work(struct dl *d, struct slot *s)
{
    struct plan_slot view[PLAN_MAX_CONN];
    struct plan_piece_in in;
    struct plan_next next;
    uint64_t piece;

    if (!dl_sources_pick(d, s, dl_now_ns()))
        return 0;
    if (!s->is_inline && s->w == NULL) {
        int err = attach(d, s);

        if (err != 0)
            return err == -EAGAIN ? 0 : err;
    }

    plan_view(d, view);
    in.free = plan_ranges_total(d->pending, d->npending);
    in.n = d->nconn;
    in.speed = conn_speed(d);
    in.wait = d->wait;
    piece = plan_piece_len(&in);
    if (d->piece_len > 0) /* whole pieces, each checked as it lands */
        piece =
            piece < d->piece_len ? d->piece_len : plan_align_up(piece, d->piece_len, UINT64_MAX);
    next = plan_next(view, PLAN_MAX_CONN, s->speed, d->pending, &d->npending, piece);
    if (next.action == PLAN_PIECE) {
        int err = dl_slot_order(d, s, next.piece.start, next.piece.end, false);

        return err != 0 ? err : 1;
    }
    if (next.action == PLAN_STEAL && &d->slots[next.pick.victim] != s) {
        struct slot *v = &d->slots[next.pick.victim];
        uint64_t from = next.pick.from > v->claimed ? next.pick.from : v->claimed;

        from = plan_align_up(from, d->piece_len, d->size); /* whole pieces stay whole */
        if (from < v->end) {
            uint64_t to = v->end;
            int err;

            v->end = from;
            err = dl_slot_order(d, s, from, to, false);
            return err != 0 ? err : 1;
        }
    }
    /* A straggler in its last piece has nothing to give: a free piece, then. */
    if (next.action == PLAN_STEAL &&
        plan_take_piece(d->pending, &d->npending, piece, &next.piece)) {
        int err = dl_slot_order(d, s, next.piece.start, next.piece.end, false);

        return err != 0 ? err : 1;
    }
    return 0;
}

/* Give idle slots work. Lock held. Returns 0 or a negative errno value. */
static int assign(struct dl *d, uint64_t now)
{
    for (unsigned i = 0; i < d->nconn; i++) {
        struct slot *s = &d->slots[i];
        int err = 0;

        if (s->is_busy || s->is_retired || (s->retry_at != 0 && now < s->retry_at))
            continue;
        s->retry_at = 0;
        if (!d->has_info) {
            s->src = 0; /* the first answer is the first source's */
            if (i == 0)
                err = dl_slot_order(d, s, 0, probe_end(d), true);
        } else if (!d->is_file_ready) {
            continue;
        } else if (d->is_ranged || d->npending > 0) {
            err = dl_take_work(d, s);
        }
        if (err < 0)
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
            double rate = (double)(s->done - s->speed_mark) * 1e9 / (double)dt;

            s->speed = s->speed > 0 ? 0.5 * s->speed + 0.5 * rate : rate;
            s->speed_mark = s->done;
            s->speed_ns = now;
        }
    }
    dl_sources_speeds(d);
}

/* Stop every slot, wait for their outcomes, and (with IS_EXIT) give their
 * workers back to the pool, once each has let go of its slot. */
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
                if (d->is_file_ready) /* else the probe's range is no range yet */
                    dl_pending_add(d, s->written, s->end);
            }
            if (s->is_busy || (is_exit && s->is_attached && s->cmd == SLOT_EXIT))
                is_busy = true;
        }
        if (is_exit && !is_busy) {
            for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
                if (d->slots[i].is_attached && d->slots[i].cmd != SLOT_EXIT) {
                    d->slots[i].cmd = SLOT_EXIT;
                    is_busy = true;
                }
            }
            if (is_busy)
                pthread_cond_broadcast(&d->slot_wake);
        }
        if (!is_busy)
            break;
        pthread_cond_wait(&d->wake, &d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    if (!is_exit)
        return;
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        struct slot *s = &d->slots[i];

        if (s->w != NULL)
            dl_pool_return(d->pool, s->w);
        s->w = NULL;
        if (s->is_short)
            dl_pool_want(d->pool, -1);
        s->is_short = false;
    }
}

/*
 * Forget what was fetched and start again. IS_CHANGED: the remote file
 * changed, so everything learnt about it goes too (and the connections'
 * retry counts start afresh); otherwise (a download without ranges that
 * broke off) only the bytes go, and the failed connection keeps its
 * count and its wait.
 */
static void restart(struct dl *d, bool is_changed)
{
    stop_slots(d, false);
    hasher_cancel(&d->hasher);
    (void)store_reset_part(&d->store, 0); /* the size is set again once known */
    pthread_mutex_lock(&d->lock);
    d->has_info = d->is_ranged = d->is_size_known = d->is_file_ready = false;
    d->is_aborting = false;
    d->size = 0;
    d->validator[0] = d->etag[0] = d->last_modified[0] = '\0';
    d->has_remote_digest = false;
    d->npending = 0;
    d->resumed = 0;
    d->nconn = 1;
    /* A Metalink found for the old version may not describe the new one. */
    dl_sources_free(d);
    dl_sources_init(d);
    d->is_multi = false;
    d->meta_url[0] = '\0';
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        struct slot *s = &d->slots[i];

        s->is_busy = false;
        s->is_retired = false;
        if (is_changed) {
            s->retry_at = 0;
            s->failures = 0;
            s->proto_failures = 0;
        }
        s->start = s->claimed = s->written = s->end = s->done = 0;
        s->speed = 0;
    }
    pthread_mutex_unlock(&d->lock);
}

/* Wait on d->wake for at most one tick. Lock held. */
static void wait_tick(struct dl *d)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += DL_TICK_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&d->wake, &d->lock, &until);
}

/* Save the state file when it is behind the data and was not saved just now. Lock held. */
static void save_if_behind(struct dl *d, uint64_t now)
{
    uint64_t writes = d->writes;

    if (writes == d->saved_writes || now - d->last_save_ns < DL_SAVE_NS)
        return;
    d->saved_writes = writes;
    d->last_save_ns = now;
    pthread_mutex_unlock(&d->lock);
    dl_save_state(d);
    pthread_mutex_lock(&d->lock);
}

/* The transfer failed or was stopped: record why (lock not held). */
static int transfer_end(struct dl *d, enum dl_verdict v)
{
    stop_slots(d, false);
    if (v == VERDICT_GO) { /* stopped from outside: keep what we have */
        dl_save_state(d);
        d->res->status = DL_STOPPED;
        dl_failf(d, "stopped");
    } else {
        d->res->status = DL_FAILED;
        dl_failf(d, "%s", d->last_err);
        dl_save_state(d);
    }
    return -1;
}

/*
 * Run the transfer until every byte is written. Returns 0 when complete,
 * or -1 with d->res filled (failed or stopped).
 */
static int transfer(struct dl *d)
{
    struct slot *s0 = &d->slots[0];

    pthread_mutex_lock(&d->lock);
    for (;;) {
        uint64_t now = dl_now_ns();
        enum dl_verdict v =
            d->deferred != VERDICT_GO ? (enum dl_verdict)d->deferred : dl_collect_all(d, now);

        d->deferred = VERDICT_GO;
        if (v == VERDICT_REFETCH) {
            pthread_mutex_unlock(&d->lock);
            restart(d, false);
            pthread_mutex_lock(&d->lock);
            continue;
        }
        if (v == VERDICT_CHANGED && d->restarts < DL_MAX_RESTARTS) {
            pthread_mutex_unlock(&d->lock);
            d->restarts++;
            if (d->req->progress != NULL)
                progress_message(d->req->progress, false, "%s: %s; starting over", d->req->label,
                                 d->last_err);
            restart(d, true);
            pthread_mutex_lock(&d->lock);
            continue;
        }
        if (v == VERDICT_CHANGED)
            snprintf(d->last_err + strlen(d->last_err), sizeof(d->last_err) - strlen(d->last_err),
                     " (%u times; giving up)", d->restarts + 1);
        if (v != VERDICT_GO || dl_is_stop_requested(d)) {
            pthread_mutex_unlock(&d->lock);
            return transfer_end(d, v);
        }
        if (assign(d, now) != 0) {
            pthread_mutex_unlock(&d->lock);
            stop_slots(d, false);
            d->res->status = DL_FAILED;
            dl_failf(d, "cannot start a connection thread");
            return -1;
        }
        update_speeds(d, now);
        hasher_advance(&d->hasher, dl_written_prefix(d));
        if (all_done(d))
            break;
        if (now >= d->next_publish) {
            dl_publish(d, now, false);
            d->next_publish = now + DL_PUBLISH_NS;
        }
        save_if_behind(d, now);
        if (s0->is_busy && s0->cmd == SLOT_RUN) /* slot 0 is this thread's to serve */
            dl_slot_run_inline(s0, d->inline_w);
        else
            wait_tick(d);
    }
    if (!d->is_size_known) {
        d->size = d->slots[0].written;
        d->is_size_known = true;
    }
    dl_publish(d, dl_now_ns(), true);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

bool dl_supervise_tick(struct dl *d)
{
    uint64_t now = dl_now_ns();
    bool go;

    pthread_mutex_lock(&d->lock);
    if (now >= d->next_tick) {
        d->next_tick = now + DL_INLINE_TICK_NS;
        if (d->deferred == VERDICT_GO)
            d->deferred = dl_collect_all(d, now);
        if (d->deferred == VERDICT_GO && assign(d, now) != 0) {
            snprintf(d->last_err, sizeof(d->last_err), "cannot start a connection thread");
            d->deferred = VERDICT_FAIL;
        }
        update_speeds(d, now);
        hasher_advance(&d->hasher, dl_written_prefix(d));
        if (now >= d->next_publish) {
            dl_publish(d, now, false);
            d->next_publish = now + DL_PUBLISH_NS;
        }
        save_if_behind(d, now);
    }
    go = d->deferred == VERDICT_GO;
    pthread_mutex_unlock(&d->lock);
    return go && !dl_is_stop_requested(d);
}

static void host_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    size_t n;

    p = p ? p + 3 : url;
    n = strcspn(p, "/?#");
    snprintf(out, cap, "%.*s", (int)n, p);
}

/* Claim the partial file (0), or fail the download with the reason. */
static int claim(struct dl *d)
{
    int err = store_claim(&d->store);

    if (err == 0) {
        d->fd = d->store.part_fd;
        return 0;
    }
    d->res->status = DL_FAILED;
    if (err == -EBUSY)
        dl_failf(d, "%s is being downloaded by another client (%s is locked)", d->store.final_path,
                 d->store.part_path);
    else if (err == -ELOOP)
        dl_failf(d, "%s is a symlink; not followed", d->store.part_path);
    else
        dl_failf(d, "cannot create %s: %s", d->store.part_path, strerror(-err));
    return err;
}

/* Was anything fetched that a later run could resume from? */
static bool is_worth_keeping(struct dl *d)
{
    bool keep;

    pthread_mutex_lock(&d->lock);
    keep = d->is_file_ready && d->is_ranged && d->size > 0 && d->resumed + d->writes > 0;
    pthread_mutex_unlock(&d->lock);
    return keep;
}

void download_run(const struct dl_request *req, struct dl_result *res)
{
    struct dl *d = calloc(1, sizeof(*d));
    bool is_decided = false;
    char why[512];
    int err;

    memset(res, 0, sizeof(*res));
    res->status = DL_FAILED;
    if (d == NULL) {
        snprintf(res->reason, sizeof(res->reason), "out of memory");
        return;
    }
    d->req = req;
    d->res = res;
    d->pool = req->pool;
    d->fd = -1;
    d->store.dirfd = d->store.part_fd = -1;
    d->nconn = 1;
    d->started_ns = dl_now_ns();
    d->last_save_ns = d->started_ns;
    d->rng = d->started_ns ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)d;
    if (d->rng == 0)
        d->rng = 1;
    host_of(req->url, d->host, sizeof(d->host));
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        d->slots[i].index = i;
        d->slots[i].d = d;
    }
    d->slots[0].is_inline = true;
    dl_sources_init(d);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    pthread_cond_init(&d->slot_wake, NULL);
    if (d->pool == NULL)
        d->pool = d->own_pool = dl_pool_new(req->net);
    if (d->pool != NULL)
        d->inline_w = dl_pool_take(d->pool);
    if (d->inline_w == NULL) {
        dl_failf(d, "out of memory");
        goto out;
    }
    err = store_open(&d->store, req->dir, req->relpath, why, sizeof(why));
    if (err != 0) {
        dl_failf(d, "%s", why);
        goto out;
    }
    if (claim(d) != 0)
        goto out;
    dl_check_existing(d, &is_decided);
    if (is_decided) {
        uint64_t size = 1;

        /* The partial file this run created for nothing goes again. */
        if (store_part_size(&d->store, &size) == 0 && size == 0)
            store_discard(&d->store);
        goto out;
    }
    if (dl_pieces_resume(d, dl_try_resume(d))) {
        pthread_mutex_lock(&d->lock);
        d->nconn = plan_connections(d->size, dl_sources_conns(d));
        pthread_mutex_unlock(&d->lock);
        err = hasher_start(&d->hasher, d->fd, is_hash_threaded(d->size), d->req->is_durable);
        if (err != 0) {
            dl_failf(d, "cannot start hashing: %s", strerror(-err));
            goto out;
        }
        if (req->progress != NULL)
            progress_message(req->progress, false,
                             "%s: resuming (%" PRIu64 " of %" PRIu64 " bytes already here)",
                             req->label, d->resumed, d->size);
    }
    for (;;) {
        if (transfer(d) != 0) {
            if (res->status == DL_FAILED && !is_worth_keeping(d))
                store_discard(&d->store);
            break;
        }
        if (!dl_finish(d))
            break;
        restart(d, true);
    }
    res->resumed = d->resumed;
    res->fetched = res->size > d->resumed ? res->size - d->resumed : 0;
out:
    stop_slots(d, true);
    pthread_mutex_lock(&d->lock);
    dl_sources_summary(d, res->sources, sizeof(res->sources));
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++)
        sha256_free(d->slots[i].piece);
    dl_sources_free(d);
    if (d->inline_w != NULL)
        dl_pool_put(d->pool, d->inline_w);
    dl_pool_free(d->own_pool);
    hasher_cancel(&d->hasher);
    store_close(&d->store);
    res->seconds = (double)(dl_now_ns() - d->started_ns) / 1e9;
    if (req->progress != NULL)
        progress_set_file(req->progress, req->progress_slot, NULL);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
    pthread_cond_destroy(&d->slot_wake);
    free(d);
}
