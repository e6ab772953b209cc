/*
 * client/dl_collect.c - take in how each connection's attempt ended: a
 * finished range, a cut, a failure to retry (with backoff, per
 * connection, or per source when there are several), a bad piece or an
 * unusable source, or the end of the download. The supervisor
 * (download.c) calls dl_collect_all() under d->lock and acts on the
 * verdict.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dl.h"

/* A number in [0, 1) for jitter (xorshift64*: no shared state, no lock). */
static double next_rand(struct dl *d)
{
    uint64_t x = d->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    d->rng = x;
    return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* Slots other than EXCEPT that can still take work. Lock held. */
static unsigned live_slots(const struct dl *d, const struct slot *except)
{
    unsigned n = 0;

    for (unsigned i = 0; i < d->nconn; i++)
        if (&d->slots[i] != except && !d->slots[i].is_retired)
            n++;
    return n;
}

/*
 * With several sources, a failure is its source's: it counts towards
 * dropping that source (sources_verdict()), the connection goes on at
 * once with another one, or after a backoff with the same. Lock held.
 */
static enum dl_verdict source_failed(struct dl *d, struct slot *s, uint64_t now)
{
    struct dl_source *src = &d->src[s->src];
    char why[FETCH_ERR_MAX + 64];
    uint64_t wait_ms;

    src->st.failures++;
    if (s->err_cls == RETRY_PROTOCOL && src->st.failures < SOURCES_MAX_FAILURES)
        src->st.failures = SOURCES_MAX_FAILURES; /* it breaks the protocol: no use */
    snprintf(d->last_err, sizeof(d->last_err), "%s: %s", src->host, s->err);
    snprintf(why, sizeof(why), "failed %u times in a row (the last: %s)", src->st.failures, s->err);
    if (dl_sources_judge(d, s->src, why)) {
        s->retry_at = 0;
        if (dl_sources_left(d))
            return VERDICT_GO;
        snprintf(d->last_err, sizeof(d->last_err), "every source failed (the last, %s: %s)",
                 src->host, s->err);
        return VERDICT_FAIL;
    }
    wait_ms = s->has_retry_after
                  ? s->retry_after_ms
                  : retry_backoff_ms(src->st.failures,
                                     (uint64_t)d->req->policy.retry_max_wait * 1000u, next_rand(d));
    src->st.retry_at_ms = now / 1000000u + wait_ms;
    s->retry_at = 0; /* another source may take it now */
    if (d->req->progress != NULL)
        progress_message(d->req->progress, false, "%s from %s: %s; trying it again in %.1f s",
                         d->req->label, src->host, s->err, (double)wait_ms / 1000.0);
    return VERDICT_GO;
}

/* Slot S's attempt failed, but may be tried again (lock held). */
static enum dl_verdict slot_failed(struct dl *d, struct slot *s, uint64_t now)
{
    const struct dl_policy *pol = &d->req->policy;
    bool is_protocol = s->err_cls == RETRY_PROTOCOL;
    char from[64] = "", who[32] = "";
    uint64_t wait_ms;

    if (d->is_file_ready && d->is_ranged)
        dl_pending_add(d, s->written, s->end);
    if (d->is_multi && d->is_file_ready)
        return source_failed(d, s, now);
    if (d->nconn > 1)
        snprintf(who, sizeof(who), "connection %u: ", s->index + 1);
    snprintf(d->last_err, sizeof(d->last_err), "%s%s", who, s->err);
    s->failures++;
    if (is_protocol && ++s->proto_failures >= 2) {
        snprintf(d->last_err, sizeof(d->last_err), "%s%s, again on a new connection", who, s->err);
        return VERDICT_FAIL;
    }
    if (s->failures > pol->retries) {
        if (d->has_info && d->is_ranged && live_slots(d, s) > 0) {
            s->is_retired = true;
            s->retry_at = 0;
            if (d->req->progress != NULL)
                progress_message(d->req->progress, false,
                                 "%s from %s: %s; this connection gives up, %u carry on",
                                 d->req->label, d->host, d->last_err, live_slots(d, s));
            return VERDICT_GO;
        }
        snprintf(d->last_err, sizeof(d->last_err), "%s%s; gave up after %u %s", who, s->err,
                 pol->retries, pol->retries == 1 ? "retry" : "retries");
        return VERDICT_FAIL;
    }
    if (s->has_retry_after)
        wait_ms = s->retry_after_ms;
    else if (is_protocol || s->is_stall)
        wait_ms = 0; /* a new connection may well do; a stall has waited already */
    else
        wait_ms =
            retry_backoff_ms(s->failures, (uint64_t)pol->retry_max_wait * 1000u, next_rand(d));
    s->retry_at = now + wait_ms * 1000000u;
    if (s->retry_at == 0)
        s->retry_at = 1;
    s->ui = SLOT_RETRYING;
    if (d->is_ranged && d->is_file_ready)
        snprintf(from, sizeof(from), " from byte %" PRIu64, s->written);
    else if (d->is_file_ready)
        snprintf(from, sizeof(from), " from the start (the server does not do ranges)");
    if (d->req->progress != NULL)
        progress_message(d->req->progress, false,
                         "%s from %s: %s; retrying%s in %.1f s (retry %u of %u)", d->req->label,
                         d->host, d->last_err, from, (double)wait_ms / 1000.0, s->failures,
                         pol->retries);
    return !d->is_ranged && d->is_file_ready ? VERDICT_REFETCH : VERDICT_GO;
}

/*
 * Slot S's source sent a piece that failed its hash, or is unusable: its
 * range goes back to the pool for any source, and the source may be
 * dropped (at once, for a mirror whose copy is not the file). Lock held.
 */
static enum dl_verdict bad_source(struct dl *d, struct slot *s)
{
    struct dl_source *src = &d->src[s->src];

    dl_pending_add(d, s->written, s->end);
    s->retry_at = 0;
    if (s->outcome == OUT_BAD_PIECE) {
        d->bad_pieces++;
        src->st.bad_pieces++;
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true, "%s from %s: %s; fetching it again",
                             d->req->label, src->host, s->err);
    } else {
        src->st.failures = SOURCES_MAX_FAILURES;
    }
    if (!d->is_multi && s->outcome == OUT_BAD_PIECE && src->st.bad_pieces < SOURCES_MAX_BAD_PIECES)
        return VERDICT_GO;
    if (!d->is_multi) {
        snprintf(d->last_err, sizeof(d->last_err), "%s: %s", src->host,
                 s->outcome == OUT_BAD_PIECE ? "it keeps sending pieces that fail their hash"
                                             : s->err);
        return VERDICT_FAIL;
    }
    (void)dl_sources_judge(d, s->src, s->err);
    if (dl_sources_left(d))
        return VERDICT_GO;
    snprintf(d->last_err, sizeof(d->last_err), "every source was dropped (the last, %s: %s)",
             src->host, src->why);
    return VERDICT_FAIL;
}

/* Take in the outcome of slot S (lock held). */
static enum dl_verdict collect(struct dl *d, struct slot *s, uint64_t now)
{
    /* Bytes written by this attempt make it a success so far; without
     * ranges, they are thrown away, so they do not count. */
    if (s->written > s->start && d->is_ranged) {
        s->failures = 0;
        s->proto_failures = 0;
    }
    s->is_busy = false;
    switch (s->outcome) {
    case OUT_DONE:
        s->failures = 0;
        s->proto_failures = 0;
        return VERDICT_GO;
    case OUT_CUT:
        /* Before the file is planned, the probe's range is no range at all. */
        if (d->is_file_ready)
            dl_pending_add(d, s->written, s->end);
        return VERDICT_GO;
    case OUT_FAILED:
        return slot_failed(d, s, now);
    case OUT_FATAL:
        snprintf(d->last_err, sizeof(d->last_err), "%s", s->err);
        return VERDICT_FAIL;
    case OUT_CHANGED:
        snprintf(d->last_err, sizeof(d->last_err), "%s", s->err);
        return VERDICT_CHANGED;
    case OUT_SOURCE:
    case OUT_BAD_PIECE:
        return bad_source(d, s);
    case OUT_NONE:
        break;
    }
    return VERDICT_GO;
}

/* Take in every outcome that is in; the first verdict that is not GO. Lock held. */
enum dl_verdict dl_collect_all(struct dl *d, uint64_t now)
{
    enum dl_verdict v = VERDICT_GO;

    for (unsigned i = 0; i < PLAN_MAX_CONN && v == VERDICT_GO; i++) {
        struct slot *s = &d->slots[i];

        if (s->is_busy && s->cmd == SLOT_WAIT && s->outcome != OUT_NONE)
            v = collect(d, s, now);
    }
    return v;
}
