/*
 * server/ratelimit.c - the arithmetic of --limit-rate. Pure.
 *
 * allowed(t) = burst + floor(rate * (t - start)), with burst an eighth of a
 * second's worth; the budget is what is allowed minus what was sent. All
 * in integers, split into whole seconds and a remainder so nothing
 * overflows for rates up to RATELIMIT_MAX, and a computed wait is exactly
 * long enough: never a millisecond spin, never a byte short.
 */
#include "ratelimit.h"

#define NS_PER_SEC 1000000000ull

void ratelimit_start(struct ratelimit *rl, uint64_t rate, uint64_t now_ns)
{
    rl->rate = rate > RATELIMIT_MAX ? 0 : rate;
    rl->start_ns = now_ns;
    rl->sent = 0;
}

static uint64_t quantum(const struct ratelimit *rl)
{
    uint64_t q = rl->rate / 20;

    if (q > 65536)
        q = 65536;
    return q > 0 ? q : 1;
}

/* burst + floor(rate * elapsed / 1e9), without overflow. */
static uint64_t allowed(const struct ratelimit *rl, uint64_t now_ns)
{
    uint64_t elapsed = now_ns > rl->start_ns ? now_ns - rl->start_ns : 0;
    uint64_t secs = elapsed / NS_PER_SEC, frac = elapsed % NS_PER_SEC;

    return rl->rate / 8 + rl->rate * secs + rl->rate * frac / NS_PER_SEC;
}

uint64_t ratelimit_allowance(const struct ratelimit *rl, uint64_t now_ns)
{
    uint64_t a;

    if (rl->rate == 0)
        return UINT64_MAX;
    a = allowed(rl, now_ns);
    return a > rl->sent ? a - rl->sent : 0;
}

void ratelimit_consume(struct ratelimit *rl, uint64_t n)
{
    rl->sent += n;
}

uint64_t ratelimit_wait_ns(const struct ratelimit *rl, uint64_t now_ns)
{
    uint64_t need, at, elapsed;

    if (rl->rate == 0 || ratelimit_allowance(rl, now_ns) >= quantum(rl))
        return 0;
    /* The first moment at which allowed() covers what was sent plus a quantum. */
    need = rl->sent + quantum(rl) - rl->rate / 8;
    at = need / rl->rate * NS_PER_SEC + (need % rl->rate * NS_PER_SEC + rl->rate - 1) / rl->rate;
    elapsed = now_ns > rl->start_ns ? now_ns - rl->start_ns : 0;
    if (at <= elapsed + 1000000)
        return 1000000; /* at least a millisecond: never a busy wait */
    return at - elapsed;
}

uint64_t ratelimit_min_deadline(uint64_t start_ns, uint64_t grace_ns, uint64_t done,
                                uint64_t min_rate)
{
    uint64_t earned = 0, t;

    if (min_rate > 0) {
        uint64_t secs = done / min_rate;

        if (secs > UINT64_MAX / 1000000000u)
            return UINT64_MAX;
        earned = secs * 1000000000u + (done % min_rate) * 1000000000u / min_rate;
    }
    t = start_ns + grace_ns;
    if (t < start_ns || t + earned < t)
        return UINT64_MAX;
    return t + earned;
}

uint64_t ratelimit_window_deadline(uint64_t *mark_ns, uint64_t *mark_bytes, uint64_t now_ns,
                                   uint64_t done, uint64_t window_ns, uint64_t min_rate)
{
    uint64_t secs = window_ns / NS_PER_SEC, quota;

    /* MIN_RATE is at most 1 GiB/s and a window at most an hour: no overflow. */
    quota = min_rate * secs + min_rate * (window_ns % NS_PER_SEC) / NS_PER_SEC;
    if (quota == 0)
        quota = 1;
    if (done >= *mark_bytes && done - *mark_bytes >= quota) {
        *mark_ns = now_ns;
        *mark_bytes = done;
    }
    return *mark_ns + window_ns < *mark_ns ? UINT64_MAX : *mark_ns + window_ns;
}
