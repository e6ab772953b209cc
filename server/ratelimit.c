/*
 * server/ratelimit.c - the arithmetic of --limit-rate. Pure.
 *
 * allowed(t) = burst + rate * (t - start), where burst is an eighth of a
 * second's worth; the budget is what is allowed minus what was sent.
 * Doubles are exact to the byte far beyond any real transfer size.
 */
#include "ratelimit.h"

#define NS_PER_SEC 1000000000.0

void ratelimit_start(struct ratelimit *rl, uint64_t rate, uint64_t now_ns)
{
    rl->rate = rate;
    rl->start_ns = now_ns;
    rl->sent = 0;
}

static double burst(const struct ratelimit *rl)
{
    return (double)rl->rate / 8.0;
}

static uint64_t quantum(const struct ratelimit *rl)
{
    uint64_t q = rl->rate / 20;

    if (q > 65536)
        q = 65536;
    return q > 0 ? q : 1;
}

uint64_t ratelimit_allowance(const struct ratelimit *rl, uint64_t now_ns)
{
    double elapsed, allowed;

    if (rl->rate == 0)
        return UINT64_MAX;
    elapsed = now_ns > rl->start_ns ? (double)(now_ns - rl->start_ns) / NS_PER_SEC : 0.0;
    allowed = burst(rl) + (double)rl->rate * elapsed;
    if (allowed <= (double)rl->sent)
        return 0;
    return (uint64_t)(allowed - (double)rl->sent);
}

void ratelimit_consume(struct ratelimit *rl, uint64_t n)
{
    rl->sent += n;
}

uint64_t ratelimit_wait_ns(const struct ratelimit *rl, uint64_t now_ns)
{
    uint64_t have = ratelimit_allowance(rl, now_ns);
    uint64_t want = quantum(rl);
    double ns;

    if (have >= want)
        return 0;
    ns = (double)(want - have) / (double)rl->rate * NS_PER_SEC;
    return ns < 1e6 ? 1000000 : (uint64_t)ns;
}
