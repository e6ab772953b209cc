/*
 * client/plan.c - chunk arithmetic and the work-stealing rule. Pure.
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

uint64_t plan_ranges_total(const struct plan_range *r, size_t n)
{
    uint64_t total = 0;

    for (size_t i = 0; i < n; i++)
        total += plan_range_len(&r[i]);
    return total;
}
