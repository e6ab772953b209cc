/*
 * client/plan.c - chunk and piece arithmetic and the work-stealing rule.
 * Pure.
 *
 * Why pieces of these lengths. Each piece is one HTTP request on a
 * connection that is kept alive, and between two requests the connection
 * carries nothing for one wait: the request's trip to the server and the
 * first byte's trip back (libcurl does not pipeline). A piece that lasts
 * PLAN_PIECE_WAITS (50) waits loses at most 2% of that connection's time:
 * on loopback (a wait of about 0.2 ms, 250 MB/s per connection) that is
 * 2.5 MB, under PLAN_PIECE_MIN; on a link with a 50 ms round trip at
 * 10 MB/s per connection it is 25 MB, and the pieces grow to it as soon as
 * the speed is measured. PLAN_PIECE_MIN (4 MiB) also keeps the fixed cost
 * of a request (some 50 us of CPU on each side) under 1% at 1 GB/s.
 * PLAN_PIECE_MAX bounds the other cost: the SHA-256 follows the written
 * prefix, so after the last byte it still has the pieces in flight to
 * hash, at most connections x PLAN_PIECE_MAX (4 x 64 MiB, 0.15 s at
 * 1.7 GB/s, only on links fast and far enough to need such pieces; on
 * loopback 4 x 4 MiB, 10 ms). Near the end pieces shrink to half of each
 * connection's share of what is left, so the connections finish together
 * without cutting each other's requests short (a cut closes the
 * connection), down to PLAN_PIECE_FLOOR or the wait's own bound.
 */
#include "plan.h"

/*
 * A range too small to halve is taken over whole only when its connection
 * would need this many times longer than the idle one, and more than
 * PLAN_TAKEOVER_SECS: a small tail at a decent speed is left alone.
 */
#define PLAN_STRAGGLER_FACTOR 4.0
#define PLAN_TAKEOVER_SECS    2.0

unsigned plan_connections(uint64_t size, unsigned want)
{
    uint64_t by_size = size / PLAN_MIN_CHUNK;

    if (want < 1)
        want = 1;
    if (want > PLAN_MAX_CONN)
        want = PLAN_MAX_CONN;
    if (by_size < 1)
        return 1;
    return by_size < want ? (unsigned)by_size : want;
}

void plan_split(uint64_t size, unsigned n, struct plan_range *out)
{
    uint64_t base = size / n, extra = size % n, at = 0;

    for (unsigned i = 0; i < n; i++) {
        uint64_t len = base + (i < extra ? 1 : 0);

        out[i].start = at;
        out[i].end = at + len;
        at += len;
    }
}

/* Seconds slot S needs for what it has left; huge when its speed is unknown. */
static double eta(const struct plan_slot *s)
{
    double left = (double)(s->end - s->pos);

    return s->speed > 0 ? left / s->speed : left * 1e6;
}

struct plan_pick plan_pick(const struct plan_slot *slots, size_t n, double idle_speed)
{
    struct plan_pick pick = {false, 0, 0, 0, false};
    const struct plan_slot *v = NULL;
    double worst = -1;
    uint64_t left;

    for (size_t i = 0; i < n; i++) {
        const struct plan_slot *s = &slots[i];

        if (!s->is_busy || s->end <= s->pos)
            continue;
        if (eta(s) > worst) {
            worst = eta(s);
            v = s;
            pick.victim = i;
        }
    }
    if (v == NULL)
        return pick;
    left = v->end - v->pos;
    if (left >= 2 * (uint64_t)PLAN_MIN_STEAL) {
        /* Split where both halves finish together, were the speeds equal. */
        pick.has_work = true;
        pick.from = v->pos + left / 2;
        pick.to = v->end;
        return pick;
    }
    /* Too small to halve: take it all if its connection is far behind. */
    if (idle_speed > 0 && worst > PLAN_TAKEOVER_SECS &&
        worst > PLAN_STRAGGLER_FACTOR * (double)left / idle_speed) {
        pick.has_work = true;
        pick.is_takeover = true;
        pick.from = v->pos;
        pick.to = v->end;
    }
    return pick;
}

uint64_t plan_piece_len(const struct plan_piece_in *in)
{
    double need = (double)PLAN_PIECE_WAITS * in->wait * in->speed;
    uint64_t n = in->n ? in->n : 1, steady, low, guided, len;

    /* Compare in double: a measured speed may be anything. */
    if (!(need > 0)) /* also NaN */
        need = 0;
    steady = need >= (double)PLAN_PIECE_MAX   ? PLAN_PIECE_MAX
             : need <= (double)PLAN_PIECE_MIN ? PLAN_PIECE_MIN
                                              : (uint64_t)need;
    low = need > (double)PLAN_PIECE_FLOOR ? (need < (double)steady ? (uint64_t)need : steady)
                                          : PLAN_PIECE_FLOOR;
    guided = in->free / (2 * n);
    len = guided >= steady ? steady : guided <= low ? low : guided;
    return len < in->free ? len : in->free;
}

bool plan_take_piece(struct plan_range *r, size_t *n, uint64_t piece, struct plan_range *out)
{
    size_t best = SIZE_MAX;

    for (size_t i = 0; i < *n;) {
        if (r[i].start >= r[i].end) { /* nothing in it: drop it */
            r[i] = r[--*n];
            continue;
        }
        if (best == SIZE_MAX || r[i].start < r[best].start)
            best = i;
        i++;
    }
    if (best == SIZE_MAX)
        return false;
    if (piece == 0)
        piece = 1;
    *out = r[best];
    if (plan_range_len(&r[best]) > piece && plan_range_len(&r[best]) - piece >= PLAN_PIECE_FLOOR) {
        out->end = out->start + piece;
        r[best].start = out->end;
    } else {
        r[best] = r[--*n];
    }
    return true;
}

struct plan_next plan_next(const struct plan_slot *slots, size_t n, double idle_speed,
                           struct plan_range *free, size_t *nfree, uint64_t piece)
{
    struct plan_next next = {PLAN_NOTHING, {0, 0}, {false, 0, 0, 0, false}};
    const struct plan_slot *v = NULL;
    double worst = -1;

    /* A straggler first: it holds up the prefix, so the hash, too. Only
     * a measured speed counts here: a connection that just started has
     * none yet, and a dead one is caught by its stall timeout. */
    for (size_t i = 0; i < n; i++) {
        const struct plan_slot *s = &slots[i];

        if (!s->is_busy || s->end <= s->pos || !(s->speed > 0))
            continue;
        if (eta(s) > worst) {
            worst = eta(s);
            v = s;
            next.pick.victim = i;
        }
    }
    if (v != NULL && idle_speed > 0 && worst > PLAN_TAKEOVER_SECS &&
        worst > PLAN_STRAGGLER_FACTOR * (double)(v->end - v->pos) / idle_speed) {
        next.action = PLAN_STEAL;
        next.pick.has_work = true;
        next.pick.is_takeover = true;
        next.pick.from = v->pos;
        next.pick.to = v->end;
        return next;
    }
    if (plan_take_piece(free, nfree, piece, &next.piece)) {
        next.action = PLAN_PIECE;
        return next;
    }
    next.pick = plan_pick(slots, n, idle_speed);
    next.action = next.pick.has_work ? PLAN_STEAL : PLAN_NOTHING;
    return next;
}

void plan_shares(const struct plan_share_in *in, size_t n, uint64_t free, uint64_t *out)
{
    uint64_t nlive = 0, each, extra;

    for (size_t i = 0; i < n; i++)
        nlive += in[i].is_live;
    each = nlive ? free / nlive : 0;
    extra = nlive ? free % nlive : 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = in[i].done + in[i].owed;
        if (in[i].is_live) {
            out[i] += each + (extra > 0);
            extra -= extra > 0;
        }
    }
}

uint64_t plan_ranges_total(const struct plan_range *r, size_t n)
{
    uint64_t total = 0;

    for (size_t i = 0; i < n; i++)
        total += plan_range_len(&r[i]);
    return total;
}

uint64_t plan_align_up(uint64_t at, uint64_t unit, uint64_t size)
{
    uint64_t rem;

    if (unit == 0)
        return at;
    if (at >= size)
        return size;
    rem = at % unit;
    if (rem == 0)
        return at;
    at -= rem; /* now at < size: the next boundary is past the end when unit > size - at */
    return unit >= size - at ? size : at + unit;
}
