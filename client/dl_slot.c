/*
 * client/dl_slot.c - a download's connection threads.
 *
 * DESIGN. Each slot is a thread with its own libcurl handle. It waits on
 * d->slot_wake for an order (a byte range), performs the request, checks
 * the response's head (the first request learns the file; the others must
 * get exactly the range they asked for), writes the body with pwrite() at
 * its offsets (gathering only small deliveries), tells the hasher how far
 * the written prefix reaches, and when its range is done takes the next
 * piece itself and asks for it on the same connection; otherwise (a cut,
 * a failure, nothing left) it reports the outcome on d->wake. It claims
 * bytes under d->lock before writing them and counts them as written
 * after, so the supervisor may shorten its range at any time without two
 * slots ever writing the same byte. It ends on SLOT_EXIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dl.h"
#include "fileio.h"
#include "input.h"
#include "resphead.h"

/* Set a slot's error text. */
static void slot_errf(struct slot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void slot_errf(struct slot *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
}

/* The answer is an HTTP error: how to treat it, and the wait it asks for. Lock held. */
static enum slot_outcome status_failure(struct dl *d, struct slot *s, const struct fetch_info *info)
{
    enum retry_class cls = retry_class_of_status(info->status);

    slot_errf(s, "%s (HTTP %ld)", resphead_status_words(info->status), info->status);
    if (cls == RETRY_PERMANENT) /* with other sources, only this one is lost */
        return d->is_multi && d->is_file_ready ? OUT_SOURCE : OUT_FATAL;
    s->err_cls = cls;
    s->has_retry_after =
        info->retry_after[0] != '\0' &&
        retry_after_ms(info->retry_after, strlen(info->retry_after), info->date, strlen(info->date),
                       time(NULL), (uint64_t)d->req->policy.retry_max_wait * 1000u,
                       &s->retry_after_ms);
    return OUT_FAILED;
}

/* A protocol violation: worth one more try on a fresh connection. */
static enum slot_outcome protocol_failure(struct slot *s)
{
    s->err_cls = RETRY_PROTOCOL;
    return OUT_FAILED;
}

/* Check the head of the first response; fills d's identity. Lock held. */
static enum slot_outcome probe_head(struct dl *d, struct slot *s, const struct fetch_info *info)
{
    const struct content_range *cr = &info->content_range;

    if (info->status == 206) {
        if (!info->has_content_range || cr->is_unsatisfied || !cr->has_size ||
            cr->range.first != 0) {
            slot_errf(s, "the server answered a range request with a bad Content-Range");
            return protocol_failure(s);
        }
        d->is_ranged = true;
        d->is_size_known = true;
        d->size = cr->size;
    } else if (info->status == 200) {
        d->is_ranged = false;
        d->is_size_known = info->has_length;
        d->size = info->has_length ? info->length : 0;
    } else if (info->status == 416 && info->has_content_range && cr->is_unsatisfied &&
               cr->size == 0) {
        d->is_ranged = true; /* an empty file: nothing to fetch */
        d->is_size_known = true;
        d->size = 0;
    } else {
        return status_failure(d, s, info);
    }
    snprintf(d->etag, sizeof(d->etag), "%s", info->etag);
    snprintf(d->last_modified, sizeof(d->last_modified), "%s", info->last_modified);
    snprintf(d->validator, sizeof(d->validator), "%s",
             info->etag[0] != '\0' ? info->etag : info->last_modified);
    d->has_remote_digest = info->has_digest;
    memcpy(d->remote_digest, info->sha256, SHA256_LEN);
    /* Without a validator or a hash, nothing could tell pieces of two
     * versions apart: fetch it in one piece. */
    if (d->validator[0] == '\0' && !d->req->has_sha256 && !d->has_remote_digest)
        d->is_single = true;
    /* Mirrors advertised (RFC 6249): their Metalink is read before the file is planned. */
    if (d->req->is_discovering && d->nsrc == 1 && d->piece_len == 0 && d->is_ranged &&
        !d->is_one_source && info->links.nduplicate > 0 && info->links.describedby[0] != '\0' &&
        (!resphead_link_resolve(d->req->url, info->links.describedby, d->meta_url,
                                sizeof(d->meta_url)) ||
         !input_url_ok(d->meta_url, strlen(d->meta_url))))
        d->meta_url[0] = '\0';
    d->has_info = true;
    /* A first request for a piece keeps its end; an open one runs to the size. */
    if (!d->is_ranged || s->end == UINT64_MAX || s->end > d->size)
        s->end = d->is_size_known ? d->size : UINT64_MAX;
    return OUT_NONE;
}

/*
 * Does a later answer describe the same version as the first one? Its
 * strong ETag must be the first one's; without an ETag, its Last-Modified;
 * a digest, when both carry one, must agree too. Lock held.
 */
static bool is_same_version(const struct dl *d, const struct fetch_info *info)
{
    if (info->has_digest && d->has_remote_digest && !sha256_equal(info->sha256, d->remote_digest))
        return false;
    if (d->etag[0] != '\0' && info->etag[0] != '\0')
        return strcmp(info->etag, d->etag) == 0;
    if (d->etag[0] == '\0' && d->last_modified[0] == '\0')
        return true; /* nothing to compare: the hash alone will tell */
    /* An ETag on one side only: the dates must agree. */
    return info->last_modified[0] != '\0' && strcmp(info->last_modified, d->last_modified) == 0;
}

/* Check the head of a range request; lock held. */
static enum slot_outcome range_head(struct dl *d, struct slot *s, const struct fetch_info *info)
{
    const struct content_range *cr = &info->content_range;

    if (info->status == 206) {
        if (!info->has_content_range || cr->is_unsatisfied || !cr->has_size) {
            slot_errf(s, "the server answered a range request without a usable Content-Range");
            return protocol_failure(s);
        }
        if (cr->size != d->size || !is_same_version(d, info)) {
            slot_errf(s, "the file changed on the server (%s)",
                      cr->size != d->size ? "its size is different"
                                          : "a range came from another version of it");
            return OUT_CHANGED;
        }
        /* Compare with what was asked: the end may have been lowered since;
         * more than asked is fine (the rest is not taken). */
        if (cr->range.first != s->asked_first || cr->range.last < s->asked_last) {
            slot_errf(s,
                      "the server sent another range than the one asked for (bytes %" PRIu64
                      "-%" PRIu64 ")",
                      s->asked_first, s->asked_last);
            return protocol_failure(s);
        }
        return OUT_NONE;
    }
    if (info->status == 200 && d->validator[0] != '\0' && is_same_version(d, info)) {
        /* Not a change: the server ignored the range. Ranges are no use with it. */
        d->is_single = true;
        slot_errf(s, "the server ignored a range request; using one connection");
        return OUT_CHANGED;
    }
    if (info->status == 200 || info->status == 416) {
        /* If-Range failed, or the file shrank: what we have is stale. */
        slot_errf(s, "the file changed on the server");
        return OUT_CHANGED;
    }
    return status_failure(d, s, info);
}

/*
 * Check the head of a mirror's answer to a range request (s->src > 0).
 * Its copy must be the file: the file's size, no other digest, and on
 * every 206 the validator of its own first one (mirrors have ETags of
 * their own). What does not fit drops the source, not the download.
 * Lock held.
 */
static enum slot_outcome mirror_head(struct dl *d, struct slot *s, const struct fetch_info *info)
{
    const struct content_range *cr = &info->content_range;
    struct dl_source *src = &d->src[s->src];

    if (info->status == 200 || info->status == 416) {
        slot_errf(s, "it answered a range request with %s",
                  info->status == 200 ? "the whole file (it ignores ranges, or its copy changed)"
                                      : "416 (its copy is shorter)");
        return OUT_SOURCE;
    }
    if (info->status != 206)
        return status_failure(d, s, info);
    if (!info->has_content_range || cr->is_unsatisfied || !cr->has_size) {
        slot_errf(s, "it answered a range request without a usable Content-Range");
        return protocol_failure(s);
    }
    if (cr->size != d->size) {
        slot_errf(s, "its copy has %" PRIu64 " bytes, the file %" PRIu64, cr->size, d->size);
        return OUT_SOURCE;
    }
    /* Held to the expected hash; to the first source's digest only
     * without one (that source may be the one whose copy is bad). */
    if (info->has_digest &&
        (d->req->has_sha256
             ? !sha256_equal(info->sha256, d->req->sha256)
             : d->has_remote_digest && !sha256_equal(info->sha256, d->remote_digest))) {
        slot_errf(s, "its copy has another SHA-256 (Repr-Digest)");
        return OUT_SOURCE;
    }
    if (!src->has_info) {
        snprintf(src->etag, sizeof(src->etag), "%s", info->etag);
        snprintf(src->last_modified, sizeof(src->last_modified), "%s", info->last_modified);
        src->has_info = true;
    } else if ((src->etag[0] != '\0' && strcmp(info->etag, src->etag) != 0) ||
               (src->etag[0] == '\0' && strcmp(info->last_modified, src->last_modified) != 0)) {
        slot_errf(s, "its copy changed during the download (another validator)");
        return OUT_SOURCE;
    }
    if (cr->range.first != s->asked_first || cr->range.last < s->asked_last) {
        slot_errf(s, "it sent another range than the one asked for (bytes %" PRIu64 "-%" PRIu64 ")",
                  s->asked_first, s->asked_last);
        return protocol_failure(s);
    }
    return OUT_NONE;
}

static bool slot_on_head(void *arg, const struct fetch_info *info)
{
    struct slot *s = arg;
    struct dl *d = s->d;
    enum slot_outcome o;
    int err;
    bool go;

    pthread_mutex_lock(&d->lock);
    if (info->wait > 0 && (d->wait == 0 || info->wait < d->wait))
        d->wait = info->wait;
    o = s->is_probe  ? probe_head(d, s, info)
        : s->src > 0 ? mirror_head(d, s, info)
                     : range_head(d, s, info);
    if (o != OUT_NONE) {
        s->outcome = o;
        pthread_mutex_unlock(&d->lock);
        return false;
    }
    if (s->is_probe && !d->is_file_ready) {
        /* The first answer is the supervisor's own (slot 0 is served on its
         * thread): it creates the partial file now, then reads on. */
        pthread_mutex_unlock(&d->lock);
        err = dl_prepare_file(d);
        pthread_mutex_lock(&d->lock);
        if (err != 0) {
            slot_errf(s, "cannot prepare the file: %s", strerror(-err));
            s->outcome = OUT_FATAL;
        } else if (d->size == 0 && d->is_size_known) {
            s->outcome = OUT_DONE; /* an empty file: nothing to read */
        }
    }
    s->ui = SLOT_RUNNING;
    go = !d->is_aborting && s->outcome == OUT_NONE;
    pthread_mutex_unlock(&d->lock);
    return go;
}

/*
 * Write LEN bytes at OFF and count them as written. On the slot's thread,
 * without the lock. False after a write error (recorded as the outcome).
 */
static bool slot_write(struct slot *s, const char *p, size_t len, uint64_t off)
{
    struct dl *d = s->d;
    uint64_t prefix = 0;
    bool is_counted = false;
    int err =
        fileio_pwrite_all(d->fd, p, len, off); /* with --fsync, the hasher starts write-back */

    pthread_mutex_lock(&d->lock);
    if (err != 0) {
        slot_errf(s, "cannot write %s: %s", d->store.part_path, strerror(-err));
        s->outcome = OUT_FATAL;
        s->claimed = s->written; /* nothing past written is on disk */
    } else if (d->piece_len == 0) {
        s->written += len;
        s->done += len;
        d->src[s->src].bytes += len;
        d->writes++;
        prefix = dl_written_prefix(d);
        is_counted = true;
    } else {
        s->done += len; /* written counts once the piece passed its hash */
    }
    pthread_mutex_unlock(&d->lock);
    /* The hasher follows the prefix as it grows, not a tick later. The
     * supervisor ends the hasher only after every slot has reported. */
    if (is_counted)
        hasher_wrote(&d->hasher, off, p, len, prefix);
    return err == 0;
}

/* Write what the slot has gathered. */
static bool slot_flush(struct slot *s)
{
    bool is_ok = s->buf_len == 0 || slot_write(s, s->buf, s->buf_len, s->buf_off);

    s->buf_off += s->buf_len;
    s->buf_len = 0;
    return is_ok;
}

/*
 * The piece that ends at END is all on disk: compare its hash with the
 * Metalink's; a good one counts as written (the prefix, the state file
 * and the whole-file hash may now take it), a bad one ends the transfer
 * (OUT_BAD_PIECE). On the slot's thread, lock not held.
 */
static bool slot_piece_end(struct slot *s, uint64_t end)
{
    struct dl *d = s->d;
    uint8_t got[SHA256_LEN];
    uint64_t idx, first, prefix = 0;
    bool is_good = false;
    int err;

    if (!slot_flush(s))
        return false;
    err = sha256_final(s->piece, got);
    if (err == 0)
        err = sha256_reset(s->piece);
    pthread_mutex_lock(&d->lock);
    idx = (end - 1) / d->piece_len;
    first = idx * d->piece_len;
    if (err != 0) {
        slot_errf(s, "cannot hash a piece: %s", strerror(-err));
        s->outcome = OUT_FATAL;
    } else if (idx < d->npieces && first == s->written && sha256_equal(got, d->pieces[idx])) {
        struct dl_source *src = &d->src[s->src];

        is_good = true;
        s->written = end;
        d->writes++;
        src->bytes += end - first;
        src->pieces++;
        src->st.failures = 0;
        prefix = dl_written_prefix(d);
    } else {
        slot_errf(s, "piece %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64 ") does not match its SHA-256",
                  idx, first, end - 1);
        s->outcome = OUT_BAD_PIECE;
    }
    pthread_mutex_unlock(&d->lock);
    if (is_good)
        hasher_advance(&d->hasher, prefix);
    return is_good;
}

/* Take TAKE bytes at OFF: gathered, or written at once when large. False after a write error. */
static bool slot_store(struct slot *s, const char *p, uint64_t take, uint64_t off)
{
    if (s->buf_len > 0 &&
        (s->buf_len + take > SLOT_BUF || s->buf_off + s->buf_len != off || take >= SLOT_DIRECT))
        if (!slot_flush(s))
            return false;
    if (take >= SLOT_DIRECT) { /* large enough: straight from libcurl's buffer */
        s->buf_off = off + take;
        return slot_write(s, p, (size_t)take, off);
    }
    if (s->buf_len == 0)
        s->buf_off = off;
    memcpy(s->buf + s->buf_len, p, (size_t)take);
    s->buf_len += (size_t)take;
    return s->buf_len < SLOT_BUF || slot_flush(s);
}

/* TAKE bytes at OFF with piece hashes of PLEN bytes in a file of SIZE:
 * hashed from memory as they come, each piece checked at its end. */
static bool slot_store_pieces(struct slot *s, const char *p, uint64_t take, uint64_t off,
                              uint64_t plen, uint64_t size)
{
    for (uint64_t at = 0; at < take;) {
        uint64_t bound = plan_align_up(off + at + 1, plen, size);
        uint64_t seg = bound - (off + at) < take - at ? bound - (off + at) : take - at;

        if (sha256_update(s->piece, p + at, (size_t)seg) != 0) {
            pthread_mutex_lock(&s->d->lock);
            slot_errf(s, "cannot hash a piece");
            s->outcome = OUT_FATAL;
            pthread_mutex_unlock(&s->d->lock);
            return false;
        }
        if (!slot_store(s, p + at, seg, off + at))
            return false;
        at += seg;
        if (off + at == bound && !slot_piece_end(s, bound))
            return false;
    }
    return true;
}

static size_t slot_on_data(void *arg, const char *p, size_t n)
{
    struct slot *s = arg;
    struct dl *d = s->d;
    uint64_t off, take, plen, size;

    pthread_mutex_lock(&d->lock);
    if (d->is_aborting || !d->is_file_ready || s->claimed >= s->end) {
        if (s->outcome == OUT_NONE)
            s->outcome = OUT_CUT;
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    take = s->end - s->claimed < n ? s->end - s->claimed : n;
    off = s->claimed;
    s->claimed += take;
    if (take < n && s->outcome == OUT_NONE)
        s->outcome = OUT_CUT; /* the rest of the range went to another slot */
    plen = d->piece_len;
    size = d->size;
    pthread_mutex_unlock(&d->lock);

    if (plen > 0)
        return slot_store_pieces(s, p, take, off, plen, size) ? (size_t)take : 0;
    return slot_store(s, p, take, off) ? (size_t)take : 0;
}

static bool slot_on_tick(void *arg)
{
    struct slot *s = arg;
    struct dl *d = s->d;
    uint64_t answer_end;
    bool go;

    /* A slow connection still shows progress (and resumes) to the byte. */
    if (!slot_flush(s))
        return false;
    /* On the supervisor's thread, this is when the supervisor works. */
    if (s->is_inline && !dl_supervise_tick(d))
        return false;
    pthread_mutex_lock(&d->lock);
    /* Stop when told to, or when a takeover left this slot nothing to do:
     * its range now ends before the answer does. An answer that simply
     * ends where the range does is left to end, or libcurl would close a
     * connection the next piece can use. */
    answer_end = s->asked_last >= d->size ? d->size : s->asked_last + 1;
    go = !d->is_aborting &&
         !(d->is_file_ready && s->claimed >= s->end && (!d->is_size_known || s->end < answer_end));
    pthread_mutex_unlock(&d->lock);
    return go && !dl_is_stop_requested(d);
}

/* May slot S take its next range itself, without the supervisor? Lock held. */
static bool may_go_on(const struct dl *d, const struct slot *s)
{
    return d->is_file_ready && d->is_ranged && d->is_size_known && !d->is_single &&
           !d->is_aborting && !s->is_retired && s->index < d->nconn && !dl_is_stop_requested(d);
}

/*
 * Slot S's requests on F while it is told to run: one, then the next
 * piece on the same connection as long as it gets one, until an outcome
 * goes to the supervisor (cmd back to SLOT_WAIT). Lock held, released
 * during each request.
 */
static void slot_attempts(struct slot *s, struct fetch *f)
{
    struct dl *d = s->d;
    struct fetch_sink sink = {slot_on_head, slot_on_data, slot_on_tick, s};

    while (s->cmd == SLOT_RUN) {
        struct fetch_req req;
        struct fetch_err err;
        char ifrange[FETCH_VALIDATOR_MAX];
        enum fetch_result r;

        memset(&req, 0, sizeof(req));
        req.url = d->src[s->src].url;
        req.stall_secs = d->req->policy.stall_secs;
        req.has_range = true;
        req.first = s->claimed;
        req.last = s->end == UINT64_MAX ? UINT64_MAX : s->end - 1;
        s->asked_first = req.first;
        s->asked_last = req.last;
        if (s->src == 0)
            snprintf(ifrange, sizeof(ifrange), "%s", d->validator);
        else /* a mirror's own, once known */
            snprintf(ifrange, sizeof(ifrange), "%s",
                     !d->src[s->src].has_info         ? ""
                     : d->src[s->src].etag[0] != '\0' ? d->src[s->src].etag
                                                      : d->src[s->src].last_modified);
        req.if_range = ifrange[0] != '\0' ? ifrange : NULL;
        if (s->is_probe && !d->has_info)
            req.if_range = NULL;
        s->outcome = OUT_NONE;
        s->err_cls = RETRY_TRANSIENT;
        s->is_stall = false;
        s->has_retry_after = false;
        s->err[0] = '\0';
        s->ui = SLOT_CONNECTING;
        pthread_mutex_unlock(&d->lock);

        r = fetch_run(f, &req, &sink, &err);
        (void)slot_flush(s); /* a write error is recorded as the outcome */

        pthread_mutex_lock(&d->lock);
        if (s->outcome == OUT_NONE || (r == FETCH_FAILED && s->outcome == OUT_CUT)) {
            if (r == FETCH_FAILED) {
                s->outcome = err.cls != RETRY_PERMANENT        ? OUT_FAILED
                             : d->is_multi && d->is_file_ready ? OUT_SOURCE /* that mirror only */
                                                               : OUT_FATAL;
                s->err_cls = err.cls;
                s->is_stall = err.is_stall;
                slot_errf(s, "%s", err.text);
            } else if (!d->is_size_known || s->written >= s->end) {
                s->outcome = OUT_DONE;
                if (d->piece_len == 0) /* with piece hashes, counted as each passes */
                    d->src[s->src].pieces++;
            } else if (r == FETCH_ABORTED) {
                s->outcome = OUT_CUT;
            } else if (s->asked_last != UINT64_MAX && s->claimed == s->asked_last + 1 &&
                       s->claimed < s->end) {
                /* It ended where asked, and the range was since moved on
                 * to a piece boundary: ask for the rest. */
                s->is_probe = false;
                continue;
            } else {
                s->outcome = OUT_FAILED;
                slot_errf(s, "the server sent less than it announced");
            }
        }
        if (!d->is_size_known && s->outcome == OUT_DONE)
            s->end = s->written; /* a body of unknown length ends where it ends */
        /* Its range is done: the next piece, at once, on the same connection. */
        if (s->outcome == OUT_DONE && may_go_on(d, s)) {
            if (s->written > s->start) {
                s->failures = 0;
                s->proto_failures = 0;
            }
            if (dl_take_work(d, s) > 0)
                continue;
        }
        s->cmd = SLOT_WAIT;
        s->ui = s->outcome == OUT_DONE ? SLOT_DONE : SLOT_IDLE;
        pthread_cond_signal(&d->wake);
    }
}

void dl_slot_serve(struct slot *s, struct dl_worker *w)
{
    struct dl *d = s->d;

    pthread_mutex_lock(&d->lock);
    s->buf = w->buf;
    for (;;) {
        while (s->cmd == SLOT_WAIT)
            pthread_cond_wait(&d->slot_wake, &d->lock);
        if (s->cmd == SLOT_EXIT)
            break;
        slot_attempts(s, w->fetch);
    }
    /* Let go: from here on the download may end and free S at any time. */
    s->buf = NULL;
    s->is_attached = false;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void dl_slot_run_inline(struct slot *s, struct dl_worker *w)
{
    s->buf = w->buf;
    slot_attempts(s, w->fetch);
}

int dl_slot_order(struct dl *d, struct slot *s, uint64_t start, uint64_t end, bool is_probe)
{
    if (s->w == NULL && !s->is_inline)
        return -EINVAL; /* dl_take_work() lends it a worker first */
    if (!s->is_busy) {  /* from idle: its speed is measured afresh */
        s->speed_mark = s->done;
        s->speed_ns = dl_now_ns();
    }
    if (d->piece_len > 0 && dl_slot_piece_ready(d, s) != 0)
        return -ENOMEM;
    s->start = s->claimed = s->written = start;
    s->buf_len = 0;
    s->buf_off = start;
    s->end = end;
    s->is_probe = is_probe;
    s->is_busy = true;
    s->outcome = OUT_NONE;
    s->cmd = SLOT_RUN;
    pthread_cond_broadcast(&d->slot_wake);
    return 0;
}

int dl_slot_piece_ready(struct dl *d, struct slot *s)
{
    (void)d;
    if (s->piece == NULL)
        s->piece = sha256_new();
    if (s->piece == NULL || sha256_reset(s->piece) != 0)
        return -ENOMEM;
    return 0;
}
