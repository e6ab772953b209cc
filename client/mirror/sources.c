/*
 * client/mirror/sources.c - choose a source for each idle connection;
 * judge sources by their failures and bad pieces. Pure.
 */
#include "mirror/sources.h"

/* Neither dropped, failing nor caught sending a bad piece. */
static bool is_fine(const struct source_stat *s)
{
    return !s->is_dropped && s->failures < SOURCES_MAX_FAILURES && s->bad_pieces == 0;
}

enum source_verdict sources_verdict(const struct source_stat *s, size_t n, size_t i)
{
    const struct source_stat *me = &s[i];

    if (me->is_dropped)
        return SOURCE_DROPPED;
    if (me->failures >= SOURCES_MAX_FAILURES)
        return SOURCE_FAILING;
    if (me->bad_pieces >= SOURCES_MAX_BAD_PIECES)
        return SOURCE_BAD_PIECES;
    if (me->bad_pieces > 0)
        for (size_t j = 0; j < n; j++)
            if (j != i && is_fine(&s[j]))
                return SOURCE_BAD_PIECES;
    return SOURCE_OK;
}

const char *sources_verdict_str(enum source_verdict v)
{
    switch (v) {
    case SOURCE_OK:
        return "usable";
    case SOURCE_DROPPED:
        return "dropped";
    case SOURCE_BAD_PIECES:
        return "sent pieces that fail their hash";
    case SOURCE_FAILING:
        return "failed too many times in a row";
    }
    return "unknown";
}

/* Whether source I may take one more connection now. */
static bool can_take(const struct source_stat *s, size_t n, size_t i, uint64_t now_ms)
{
    return sources_verdict(s, n, i) == SOURCE_OK && s[i].conns < s[i].cap &&
           s[i].retry_at_ms <= now_ms;
}

/* True when A is a better pick than B among measured or among in-use sources. */
static bool better(const struct source_stat *a, const struct source_stat *b)
{
    if (a->speed != b->speed)
        return a->speed > b->speed;
    return a->conns < b->conns; /* on a tie, the lower index (seen first) stays */
}

size_t sources_pick(const struct source_stat *s, size_t n, unsigned total_cap, uint64_t now_ms,
                    bool *is_explore)
{
    size_t best = SOURCES_NONE, waiting = SOURCES_NONE;
    uint64_t total = 0;

    if (is_explore != NULL)
        *is_explore = false;
    for (size_t i = 0; i < n; i++)
        total += s[i].conns;
    if (total >= total_cap)
        return SOURCES_NONE;
    for (size_t i = 0; i < n; i++) {
        if (!can_take(s, n, i, now_ms))
            continue;
        if (!(s[i].speed > 0) && s[i].conns == 0) { /* never measured, not in use */
            if (is_explore != NULL)
                *is_explore = true;
            return i;
        }
        if (!(s[i].speed > 0)) { /* in use, not yet measured */
            if (waiting == SOURCES_NONE || s[i].conns < s[waiting].conns)
                waiting = i;
            continue;
        }
        if (best == SOURCES_NONE || better(&s[i], &s[best]))
            best = i;
    }
    return best != SOURCES_NONE ? best : waiting;
}
