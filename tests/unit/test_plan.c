/*
 * tests/unit/test_plan.c - client/plan.c: how many connections a file
 * gets, how it is cut into chunks, and the work-stealing rule, one row per
 * behaviour; then two simulations that drive plan_pick() the way
 * client/download.c's assign() does, in discrete time with fixed speeds
 * (no clock, no threads), and check that every byte is fetched exactly
 * once and that a straggler or a dead connection cannot hold the file;
 * then the piece rules (plan_piece_len, plan_take_piece, plan_next,
 * plan_shares) and simulations of pieces taken in file order, which also
 * check how far the written prefix (what the SHA-256 can follow) trails
 * the bytes written.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/plan.h"

#define KIB  ((uint64_t)1 << 10)
#define MIB  ((uint64_t)1 << 20)
#define MINC ((uint64_t)PLAN_MIN_CHUNK)
#define MINS ((uint64_t)PLAN_MIN_STEAL)

/* ---- plan_connections ---- */

struct conn_case {
    const char *what; /* the behaviour, stated as a fact */
    uint64_t size;
    unsigned want;
    unsigned got;
};

static const struct conn_case conn_cases[] = {
    {"an empty file gets one connection", 0, 4, 1},
    {"a one-byte file gets one connection", 1, 4, 1},
    {"a file just under PLAN_MIN_CHUNK gets one", MINC - 1, 4, 1},
    {"a file of exactly PLAN_MIN_CHUNK gets one", MINC, 4, 1},
    {"a file just over PLAN_MIN_CHUNK gets one", MINC + 1, 4, 1},
    {"just under two chunks gets one", 2 * MINC - 1, 4, 1},
    {"exactly two chunks gets two", 2 * MINC, 4, 2},
    {"just over two chunks gets two", 2 * MINC + 1, 4, 2},
    {"just under four chunks gets three", 4 * MINC - 1, 4, 3},
    {"exactly four chunks gets four", 4 * MINC, 4, 4},
    {"a large file gets what was asked", 1000 * MINC, 4, 4},
    {"asking for 0 is taken as 1", 1000 * MINC, 0, 1},
    {"asking for 0 on an empty file gives 1", 0, 0, 1},
    {"asking for 1 gives 1", 1000 * MINC, 1, 1},
    {"asking for 16 on a large file gives 16", 1000 * MINC, 16, 16},
    {"asking for 16 on a 5-chunk file gives 5", 5 * MINC, 16, 5},
    {"asking for 100 is capped at PLAN_MAX_CONN", 1000 * MINC, 100, PLAN_MAX_CONN},
    {"asking for 100 on a 3-chunk file gives 3", 3 * MINC, 100, 3},
    {"asking for 17 is capped at PLAN_MAX_CONN", 17 * MINC, 17, PLAN_MAX_CONN},
    {"the largest size does not overflow", UINT64_MAX, 100, PLAN_MAX_CONN},
};

static void test_plan_connections(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(conn_cases) / sizeof(conn_cases[0]); i++) {
        const struct conn_case *c = &conn_cases[i];
        unsigned got = plan_connections(c->size, c->want);

        if (got != c->got) {
            nbad++;
            print_error("row %zu: %s: size %" PRIu64 ", want %u gave %u\n", i, c->what, c->size,
                        c->want, got);
        }
    }
    if (nbad > 0)
        fail_msg("%d plan_connections rows failed", nbad);
}

/* ---- plan_split ---- */

struct split_case {
    const char *what;
    uint64_t size;
    unsigned n;
    uint64_t first_len; /* the length of chunk 0 */
    uint64_t last_len;  /* the length of chunk n-1 */
    unsigned nlong;     /* how many chunks have first_len (the rest have last_len) */
};

static const struct split_case split_cases[] = {
    {"one chunk is the whole file", 1000, 1, 1000, 1000, 1},
    {"one chunk of an empty file is empty", 0, 1, 0, 0, 1},
    {"an even split gives equal chunks", 64 * MIB, 4, 16 * MIB, 16 * MIB, 4},
    {"a remainder of 1 lengthens the first chunk", 4 * MIB + 1, 4, MIB + 1, MIB, 1},
    {"a remainder of 3 lengthens the first three", 4 * MIB + 3, 4, MIB + 1, MIB, 3},
    {"10 bytes in 4 are 3, 3, 2, 2", 10, 4, 3, 2, 2},
    {"as many bytes as chunks gives one byte each", 16, 16, 1, 1, 16},
    {"one byte more than chunks lengthens only the first", 17, 16, 2, 1, 1},
    {"a prime size spreads its remainder", 1000003, 7, 142858, 142857, 4},
    {"the largest size splits without overflow", UINT64_MAX, 16, UINT64_MAX / 16 + 1,
     UINT64_MAX / 16, 15},
    {"fewer bytes than chunks leaves the last chunks empty", 3, 4, 1, 0, 3},
};

static void test_plan_split(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
        const struct split_case *c = &split_cases[i];
        struct plan_range r[PLAN_MAX_CONN + 1];
        const char *err = NULL;
        uint64_t sum = 0;

        memset(r, 0xa5, sizeof(r));
        plan_split(c->size, c->n, r);
        if (r[0].start != 0)
            err = "the first chunk does not start at 0";
        for (unsigned k = 0; k < c->n && err == NULL; k++) {
            uint64_t want = k < c->nlong ? c->first_len : c->last_len;

            if (r[k].end < r[k].start)
                err = "a chunk ends before it starts";
            else if (k > 0 && r[k].start != r[k - 1].end)
                err = "the chunks are not contiguous";
            else if (plan_range_len(&r[k]) != want)
                err = "a chunk has the wrong length";
            else if (c->size >= c->n && plan_range_len(&r[k]) == 0)
                err = "a chunk is empty though the file has a byte for each";
            sum += plan_range_len(&r[k]);
        }
        if (err == NULL && r[c->n - 1].end != c->size)
            err = "the last chunk does not end at the size";
        if (err == NULL && sum != c->size)
            err = "the chunks do not add up to the size";
        if (err == NULL && plan_ranges_total(r, c->n) != c->size)
            err = "plan_ranges_total disagrees with the size";
        if (err == NULL && (r[c->n].start != 0xa5a5a5a5a5a5a5a5u))
            err = "a chunk was written past N";
        if (err != NULL) {
            nbad++;
            print_error("row %zu: %s: size %" PRIu64 " in %u: %s\n", i, c->what, c->size, c->n,
                        err);
        }
    }
    if (nbad > 0)
        fail_msg("%d plan_split rows failed", nbad);
}

/* Every size and count in a small grid obeys the same rules. */
static void test_plan_split_grid(void **state)
{
    (void)state;
    for (uint64_t size = 0; size < 200; size++) {
        for (unsigned n = 1; n <= PLAN_MAX_CONN; n++) {
            struct plan_range r[PLAN_MAX_CONN];
            uint64_t lo = UINT64_MAX, hi = 0;

            plan_split(size, n, r);
            assert_int_equal(r[0].start, 0);
            assert_int_equal(r[n - 1].end, size);
            for (unsigned k = 0; k < n; k++) {
                uint64_t len = plan_range_len(&r[k]);

                if (k > 0)
                    assert_int_equal(r[k].start, r[k - 1].end);
                if (k > 0) /* longer chunks come first */
                    assert_true(len <= plan_range_len(&r[k - 1]));
                lo = len < lo ? len : lo;
                hi = len > hi ? len : hi;
            }
            assert_true(hi - lo <= 1);
            if (size >= n)
                assert_true(lo >= 1);
        }
    }
}

/* ---- plan_ranges_total ---- */

static void test_plan_ranges_total(void **state)
{
    const struct plan_range one[] = {{10, 20}};
    const struct plan_range some[] = {{0, 5}, {10, 20}, {100, 1100}};
    const struct plan_range adjacent[] = {{0, 5}, {5, 10}};
    const struct plan_range with_empty[] = {{0, 5}, {7, 7}, {9, 10}};
    const struct plan_range huge[] = {{0, UINT64_MAX - 1}, {UINT64_MAX - 1, UINT64_MAX}};

    (void)state;
    /* No ranges cover nothing. */
    assert_int_equal(plan_ranges_total(one, 0), 0);
    /* One range covers its length. */
    assert_int_equal(plan_ranges_total(one, 1), 10);
    /* Disjoint ranges add up. */
    assert_int_equal(plan_ranges_total(some, 3), 5 + 10 + 1000);
    /* Adjacent ranges add up without double counting. */
    assert_int_equal(plan_ranges_total(adjacent, 2), 10);
    /* An empty range counts nothing. */
    assert_int_equal(plan_ranges_total(with_empty, 3), 6);
    /* Ranges covering all of a 64-bit space sum to UINT64_MAX. */
    assert_true(plan_ranges_total(huge, 2) == UINT64_MAX);
}

/* ---- plan_pick ---- */

#define NS 4

struct pick_case {
    const char *what;
    double idle_speed;
    struct plan_pick want;
    size_t n;
    struct plan_slot slots[NS]; /* {is_busy, pos, end, speed} */
};

static const struct pick_case pick_cases[] = {
    {"no slots give no work", 1e6, {false, 0, 0, 0, false}, 0, {{false, 0, 0, 0}}},
    {"no busy slot gives no work",
     1e6,
     {false, 0, 0, 0, false},
     3,
     {{false, 0, 0, 0}, {false, 0, 100 * MIB, 0}, {false, 5, 64 * MIB, 0}}},
    {"a busy slot at its end (pos == end) is ignored",
     1e6,
     {false, 0, 0, 0, false},
     2,
     {{false, 0, 0, 0}, {true, 8 * MIB, 8 * MIB, 1}}},
    {"busy slots all at their ends give no work",
     1e6,
     {false, 0, 0, 0, false},
     3,
     {{true, MIB, MIB, 0}, {true, 2 * MIB, 2 * MIB, 1e3}, {false, 0, 0, 0}}},
    {"a slot at its end is passed over for one with work",
     1e6,
     {true, 2, 4 * MIB, 8 * MIB, false},
     3,
     {{true, MIB, MIB, 0}, {false, 0, 0, 0}, {true, 0, 8 * MIB, 1e6}}},
    {"an idle slot with a range left is not a victim",
     1e6,
     {true, 1, 2 * MIB, 4 * MIB, false},
     2,
     {{false, 0, 100 * MIB, 0}, {true, 0, 4 * MIB, 1e6}}},
    {"a lone busy slot is split: the taker gets the upper half",
     1e6,
     {true, 0, 4 * MIB, 8 * MIB, false},
     2,
     {{true, 0, 8 * MIB, 1e6}, {false, 0, 0, 0}}},
    {"the split is at pos + left/2, not at the middle of the chunk",
     1e6,
     {true, 0, 7 * MIB, 8 * MIB, false},
     2,
     {{true, 6 * MIB, 8 * MIB, 1e6}, {false, 0, 0, 0}}},
    {"an odd remainder leaves the extra byte to the taker",
     1e6,
     {true, 0, MIB + MIB, 3 * MIB + 1, false},
     2,
     {{true, MIB, 3 * MIB + 1, 1e6}, {false, 0, 0, 0}}},
    {"a split does not depend on the idle slot's speed (0 is fine)",
     0,
     {true, 1, 4 * MIB, 8 * MIB, false},
     2,
     {{false, 0, 0, 0}, {true, 0, 8 * MIB, 1e6}}},
    {"the longest ETA wins over the most bytes",
     1e6,
     {true, 1, 105 * MIB, 110 * MIB, false},
     3,
     {{true, 0, 100 * MIB, 100e6}, {true, 100 * MIB, 110 * MIB, 1e6}, {false, 0, 0, 0}}},
    {"among equal speeds the most bytes left wins",
     1e6,
     {true, 1, 25 * MIB, 40 * MIB, false},
     3,
     {{true, 0, 10 * MIB, 1e6}, {true, 10 * MIB, 40 * MIB, 1e6}, {true, 40 * MIB, 50 * MIB, 1e6}}},
    {"the slowest slot wins among equal ranges",
     1e6,
     {true, 1, 12 * MIB, 16 * MIB, false},
     4,
     {{true, 0, 8 * MIB, 5e6},
      {true, 8 * MIB, 16 * MIB, 1e5},
      {true, 16 * MIB, 24 * MIB, 3e6},
      {false, 0, 0, 0}}},
    {"a slow slot nearly done loses to a faster one with much more left",
     1e6,
     {true, 1, 96 * MIB, 128 * MIB, false},
     3,
     {{true, 63 * MIB, 64 * MIB, 1e5}, {true, 64 * MIB, 128 * MIB, 1e6}, {false, 0, 0, 0}}},
    {"an unknown speed (0) counts as slowest, even with fewer bytes",
     1e6,
     {true, 1, 65 * MIB, 66 * MIB, false},
     3,
     {{true, 0, 64 * MIB, 1e3}, {true, 64 * MIB, 66 * MIB, 0}, {false, 0, 0, 0}}},
    {"a range of exactly 2*PLAN_MIN_STEAL is split",
     1e6,
     {true, 0, MINS, 2 * MINS, false},
     2,
     {{true, 0, 2 * MINS, 1e9}, {false, 0, 0, 0}}},
    {"a range of 2*PLAN_MIN_STEAL - 1 at a good speed is not split",
     1e6,
     {false, 0, 0, 0, false},
     2,
     {{true, 0, 2 * MINS - 1, 1e9}, {false, 0, 0, 0}}},
    {"a small range at a good speed is left alone",
     1e9,
     {false, 0, 0, 0, false},
     2,
     {{true, 0, 100 * KIB, 1e6}, {false, 0, 0, 0}}},
    {"a small range far behind is taken over whole",
     1e6,
     {true, 0, 5000, 105000, true},
     2,
     {{true, 5000, 105000, 1e4}, {false, 0, 0, 0}}},
    {"a small range with an unknown speed is taken over whole",
     1e6,
     {true, 0, 0, 100 * KIB, true},
     2,
     {{true, 0, 100 * KIB, 0}, {false, 0, 0, 0}}},
    {"an ETA of exactly 2 s is not enough for a takeover",
     1e9,
     {false, 0, 0, 0, false},
     2,
     {{true, 0, 100000, 5e4}, {false, 0, 0, 0}}},
    {"an ETA just over 2 s is enough for a takeover",
     1e9,
     {true, 0, 0, 100000, true},
     2,
     {{true, 0, 100000, 49999}, {false, 0, 0, 0}}},
    {"an ETA of exactly 4x the idle slot's time is not enough",
     4e4,
     {false, 0, 0, 0, false},
     2,
     {{true, 0, 100000, 1e4}, {false, 0, 0, 0}}},
    {"an ETA just over 4x the idle slot's time is enough",
     40001,
     {true, 0, 0, 100000, true},
     2,
     {{true, 0, 100000, 1e4}, {false, 0, 0, 0}}},
    {"an ETA over 4x but under 2 s is not enough",
     1e9,
     {false, 0, 0, 0, false},
     2,
     {{true, 0, 100000, 1e5}, {false, 0, 0, 0}}},
    {"an idle speed of 0 never takes over",
     0,
     {false, 0, 0, 0, false},
     2,
     {{true, 0, 100 * KIB, 1}, {false, 0, 0, 0}}},
    {"an idle speed of 0 never takes over an unknown-speed range",
     0,
     {false, 0, 0, 0, false},
     2,
     {{true, 0, 100 * KIB, 0}, {false, 0, 0, 0}}},
    {"the slowest slot is taken over rather than a fast big one split",
     1e6,
     {true, 1, 10 * MIB, 10 * MIB + 100 * KIB, true},
     3,
     {{true, 0, 10 * MIB, 100e6}, {true, 10 * MIB, 10 * MIB + 100 * KIB, 1e3}, {false, 0, 0, 0}}},
};

static void test_plan_pick(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(pick_cases) / sizeof(pick_cases[0]); i++) {
        const struct pick_case *c = &pick_cases[i];
        struct plan_pick p = plan_pick(c->slots, c->n, c->idle_speed);
        bool ok = p.has_work == c->want.has_work;

        if (ok && p.has_work)
            ok = p.victim == c->want.victim && p.from == c->want.from && p.to == c->want.to &&
                 p.is_takeover == c->want.is_takeover;
        if (!ok) {
            nbad++;
            print_error("row %zu: %s: gave has_work %d victim %zu [%" PRIu64 ", %" PRIu64
                        ") takeover %d\n",
                        i, c->what, p.has_work, p.victim, p.from, p.to, p.is_takeover);
        }
    }
    if (nbad > 0)
        fail_msg("%d plan_pick rows failed", nbad);
}

/* Whatever plan_pick returns stays inside the victim's remaining range. */
static void test_plan_pick_bounds(void **state)
{
    (void)state;
    for (uint64_t left = 1; left < 4 * MINS; left += 4099) {
        for (int sp = 0; sp < 4; sp++) {
            static const double speeds[] = {0, 1, 1e4, 1e8};
            struct plan_slot s[2] = {{true, 12345, 12345 + left, speeds[sp]}, {false, 0, 0, 0}};
            struct plan_pick p = plan_pick(s, 2, 1e6);

            if (!p.has_work)
                continue;
            assert_int_equal(p.victim, 0);
            assert_true(p.from >= s[0].pos && p.from < p.to && p.to == s[0].end);
            if (p.is_takeover)
                assert_int_equal(p.from, s[0].pos);
            else
                assert_true(p.to - p.from >= MINS && p.from - s[0].pos >= MINS);
        }
    }
}

/* ---- simulation ---- */

/*
 * A model of client/download.c's supervisor, one tick per DL_TICK_MS
 * (100 ms): assign() gives each idle connection work from plan_pick(),
 * update_speeds() measures each busy connection every 0.5 s (halving the
 * old value in), and then every busy connection writes RATE bytes of the
 * tick at its position. A connection whose position reaches its end is
 * idle at the next tick. Every write is logged so the test can check that
 * the writes tile [0, size) exactly.
 */
#define SIM_CONN       4
#define SIM_TICKS_SEC  10
#define SIM_SPEED_TICK 5
#define SIM_MAX_WRITES 200000
#define SIM_MAX_TICKS  100000

struct sim_write {
    uint64_t start, end;
};

struct sim_conn {
    bool is_busy;
    uint64_t pos, end;
    double speed; /* what the planner sees: measured, bytes/s */
    uint64_t total, mark;
    unsigned mark_tick;
    uint64_t written; /* bytes this connection wrote in all */
};

struct sim {
    uint64_t size;
    unsigned n;
    struct sim_conn c[SIM_CONN];
    unsigned tick;
    unsigned first_idle_tick; /* when a connection first ran out of work */
    unsigned npicks, ntakeovers;
    /* The planner sees each connection's true rate of the moment instead
     * of download.c's half-second average. */
    bool is_speed_exact;
    uint64_t (*rate)(unsigned i, unsigned t);
    size_t nwrites;
    struct sim_write *writes;
};

static void sim_order(struct sim *s, unsigned i, uint64_t from, uint64_t to)
{
    struct sim_conn *c = &s->c[i];

    c->is_busy = true;
    c->pos = from;
    c->end = to;
    c->mark = c->total;
    c->mark_tick = s->tick;
}

/* download.c's assign(), with claimed == pos (a tick writes atomically). */
static void sim_assign(struct sim *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct plan_slot view[PLAN_MAX_CONN];
        struct plan_pick pick;

        if (s->c[i].is_busy)
            continue;
        if (s->first_idle_tick == UINT32_MAX)
            s->first_idle_tick = s->tick;
        memset(view, 0, sizeof(view));
        for (unsigned k = 0; k < s->n; k++) {
            view[k].is_busy = s->c[k].is_busy;
            view[k].pos = s->c[k].pos;
            view[k].end = s->c[k].end;
            view[k].speed = s->c[k].speed;
        }
        pick = plan_pick(view, PLAN_MAX_CONN, s->c[i].speed);
        if (pick.has_work) {
            struct sim_conn *v = &s->c[pick.victim];
            uint64_t from = pick.from > v->pos ? pick.from : v->pos;

            assert_true(pick.victim < s->n);
            assert_true(pick.victim != i);
            assert_true(pick.to == v->end);
            if (from < v->end) {
                uint64_t to = v->end;

                v->end = from;
                sim_order(s, i, from, to);
                s->npicks++;
                s->ntakeovers += pick.is_takeover;
            }
        }
    }
}

static void sim_update_speeds(struct sim *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct sim_conn *c = &s->c[i];
        unsigned dt = s->tick - c->mark_tick;
        double rate;

        if (s->is_speed_exact) {
            c->speed = (double)s->rate(i, s->tick) * SIM_TICKS_SEC;
            continue;
        }
        if (!c->is_busy || dt < SIM_SPEED_TICK)
            continue;
        rate = (double)(c->total - c->mark) * SIM_TICKS_SEC / dt;

        c->speed = c->speed > 0 ? 0.5 * c->speed + 0.5 * rate : rate;
        c->mark = c->total;
        c->mark_tick = s->tick;
    }
}

static void sim_transfer(struct sim *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct sim_conn *c = &s->c[i];
        uint64_t take;

        if (!c->is_busy)
            continue;
        take = s->rate(i, s->tick);
        if (take > c->end - c->pos)
            take = c->end - c->pos;
        if (take > 0) {
            assert_true(s->nwrites < SIM_MAX_WRITES);
            s->writes[s->nwrites].start = c->pos;
            s->writes[s->nwrites].end = c->pos + take;
            s->nwrites++;
        }
        c->pos += take;
        c->total += take;
        c->written += take;
    }
    s->tick++;
    for (unsigned i = 0; i < s->n; i++)
        if (s->c[i].is_busy && s->c[i].pos >= s->c[i].end)
            s->c[i].is_busy = false;
}

static bool sim_is_done(const struct sim *s)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->c[i].is_busy)
            return false;
    return true;
}

static int write_cmp(const void *a, const void *b)
{
    const struct sim_write *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* Every byte of [0, size) was written exactly once. */
static void sim_check_coverage(struct sim *s)
{
    uint64_t at = 0;

    qsort(s->writes, s->nwrites, sizeof(s->writes[0]), write_cmp);
    for (size_t k = 0; k < s->nwrites; k++) {
        if (s->writes[k].start != at)
            fail_msg("bytes %" PRIu64 "..%" PRIu64 " are %s", at, s->writes[k].start,
                     s->writes[k].start > at ? "never written" : "written twice");
        at = s->writes[k].end;
    }
    if (at != s->size)
        fail_msg("the writes end at %" PRIu64 ", not at the size %" PRIu64, at, s->size);
}

/*
 * Run a download of SIZE over plan_connections(SIZE, WANT) connections
 * until nothing is busy. RATE(I, T) is the test's world: the bytes
 * connection I writes in tick T.
 */
static void sim_run(struct sim *s, uint64_t size, unsigned want, bool is_speed_exact,
                    uint64_t (*rate)(unsigned i, unsigned t))
{
    struct plan_range chunks[PLAN_MAX_CONN];

    memset(s, 0, sizeof(*s));
    s->writes = calloc(SIM_MAX_WRITES, sizeof(s->writes[0]));
    assert_non_null(s->writes);
    s->size = size;
    s->rate = rate;
    s->is_speed_exact = is_speed_exact;
    s->n = plan_connections(size, want);
    assert_true(s->n <= SIM_CONN);
    s->first_idle_tick = UINT32_MAX;
    plan_split(size, s->n, chunks);
    for (unsigned i = 0; i < s->n; i++)
        sim_order(s, i, chunks[i].start, chunks[i].end);
    for (;;) {
        sim_assign(s);
        if (sim_is_done(s))
            break;
        sim_update_speeds(s);
        sim_transfer(s);
        if (s->tick > SIM_MAX_TICKS)
            fail_msg("the download did not finish in %u ticks", SIM_MAX_TICKS);
    }
    sim_check_coverage(s);
}

static void sim_free(struct sim *s)
{
    free(s->writes);
    s->writes = NULL;
}

/* Bytes per 100 ms tick for a speed in MiB/s. */
static uint64_t per_tick(double mib_per_sec)
{
    return (uint64_t)(mib_per_sec * (double)MIB / SIM_TICKS_SEC);
}

/* Three connections at 10 MiB/s, one straggler at 0.1 MiB/s. */
static uint64_t rate_straggler(unsigned i, unsigned t)
{
    (void)t;
    return i == 3 ? per_tick(0.1) : per_tick(10);
}

/* Four connections at 10 MiB/s. */
static uint64_t rate_equal(unsigned i, unsigned t)
{
    (void)i;
    (void)t;
    return per_tick(10);
}

/* Connection 2 runs at 10 MiB/s for half a second, then never sends again. */
static uint64_t rate_dead(unsigned i, unsigned t)
{
    return i == 2 && t >= 5 ? 0 : per_tick(10);
}

static void test_plan_sim_straggler(void **state)
{
    struct sim s;
    double secs;

    (void)state;
    sim_run(&s, 64 * MIB, 4, false, rate_straggler);
    secs = (double)s.tick / SIM_TICKS_SEC;
    print_message("# straggler: %u connections, %.1f s, %u picks (%u takeovers), "
                  "the straggler wrote %" PRIu64 " bytes\n",
                  s.n, secs, s.npicks, s.ntakeovers, s.c[3].written);
    assert_int_equal(s.n, 4);
    /* Alone, the straggler would need 160 s for its 16 MiB chunk; 30.1 MiB/s
     * in all need 2.1 s for the file. Without takeovers it takes 6.8 s. */
    assert_true(secs < 4.0);
    /* The fast ones did most of the straggler's chunk. */
    assert_true(s.c[3].written < 2 * MIB);
    assert_true(s.npicks >= 3);
    /* Nobody took work before the first connection ran out (at 1.6 s). */
    assert_int_equal(s.first_idle_tick, 16);
    sim_free(&s);
}

static void test_plan_sim_equal(void **state)
{
    struct sim s;

    (void)state;
    /* Equal speeds and equal chunks: all finish together, nobody steals. */
    sim_run(&s, 64 * MIB, 4, false, rate_equal);
    assert_int_equal(s.npicks, 0);
    assert_int_equal(s.first_idle_tick, 16);
    assert_int_equal(s.tick, 16);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(s.c[i].written, 16 * MIB);
    sim_free(&s);

    /* Uneven by a byte: the first three finish a tick later, and one byte
     * at 10 MiB/s is not worth taking. */
    sim_run(&s, 64 * MIB + 3, 4, false, rate_equal);
    assert_int_equal(s.npicks, 0);
    assert_int_equal(s.tick, 17);
    sim_free(&s);
}

static void test_plan_sim_dead_connection(void **state)
{
    (void)state;
    /* Once with download.c's averaged speeds (the dead one fades out),
     * once with exact ones (the dead one is at speed 0, "unknown", at
     * once, and as an idle connection it may still split others' work). */
    for (int exact = 0; exact < 2; exact++) {
        struct sim s;
        double secs;

        sim_run(&s, 64 * MIB, 4, exact, rate_dead);
        secs = (double)s.tick / SIM_TICKS_SEC;
        print_message("# dead connection (%s speeds): %.1f s, %u picks (%u takeovers), "
                      "it wrote %" PRIu64 " bytes\n",
                      exact ? "exact" : "averaged", secs, s.npicks, s.ntakeovers, s.c[2].written);
        /* It finished (sim_run checked every byte), the dead connection's
         * range was taken over whole at least once, and it did not take long. */
        assert_int_equal(s.c[2].written, 5 * per_tick(10));
        assert_true(s.ntakeovers >= 1);
        assert_true(secs < 20.0);
        sim_free(&s);
    }
}

/* ---- plan_piece_len ---- */

#define PMIN   ((uint64_t)PLAN_PIECE_MIN)
#define PMAX   ((uint64_t)PLAN_PIECE_MAX)
#define PFLOOR ((uint64_t)PLAN_PIECE_FLOOR)

struct piece_case {
    const char *what;
    struct plan_piece_in in; /* {free, n, speed, wait} */
    uint64_t want;
};

static const struct piece_case piece_cases[] = {
    {"nothing measured yet: PLAN_PIECE_MIN", {1024 * MIB, 4, 0, 0}, PMIN},
    {"loopback (0.2 ms, 250 MB/s) needs 2.5 MB: PLAN_PIECE_MIN",
     {1024 * MIB, 4, 250e6, 0.0002},
     PMIN},
    {"a 50 ms link at 10 MB/s needs 25 MB pieces", {1024 * MIB, 4, 10e6, 0.05}, 25000000},
    {"a 50 ms link at 100 MB/s is capped at PLAN_PIECE_MAX", {4096 * MIB, 4, 100e6, 0.05}, PMAX},
    {"a speed without a wait measured: PLAN_PIECE_MIN", {1024 * MIB, 4, 1e9, 0}, PMIN},
    {"a wait without a speed measured: PLAN_PIECE_MIN", {1024 * MIB, 4, 0, 0.5}, PMIN},
    {"free bytes of 8 pieces per connection: still full pieces", {32 * PMIN, 4, 0, 0}, PMIN},
    {"free bytes of exactly 2 pieces per connection: full pieces", {8 * PMIN, 4, 0, 0}, PMIN},
    {"fewer free bytes: half of each connection's share", {4 * PMIN, 4, 0, 0}, PMIN / 2},
    {"an 8 MiB file over 4 connections: 1 MiB pieces", {8 * MIB, 4, 0, 0}, MIB},
    {"near the end, 3 MiB over 4: 384 KiB", {3 * MIB, 4, 0, 0}, 384 * KIB},
    {"near the end: never below PLAN_PIECE_FLOOR", {MIB, 4, 0, 0}, PFLOOR},
    {"near the end: never below what the wait needs", {30 * MIB, 4, 10e6, 0.05}, 25000000},
    {"near the end: a need over the maximum keeps the maximum", {70 * MIB, 4, 1e9, 0.05}, PMAX},
    {"never more than the free bytes", {1000, 4, 0, 0}, 1000},
    {"never more than the free bytes, with a large need", {5 * MIB, 4, 1e9, 1}, 5 * MIB},
    {"no free bytes: 0", {0, 4, 0, 0}, 0},
    {"one connection shares with nobody", {4 * PMIN, 1, 0, 0}, PMIN},
    {"n = 0 is taken as 1", {4 * PMIN, 0, 0, 0}, PMIN},
    {"a negative speed counts as unknown", {1024 * MIB, 4, -5, 1}, PMIN},
    {"a huge need does not overflow", {UINT64_MAX, 4, 1e300, 1e300}, PMAX},
};

static void test_plan_piece_len(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(piece_cases) / sizeof(piece_cases[0]); i++) {
        const struct piece_case *c = &piece_cases[i];
        uint64_t got = plan_piece_len(&c->in);

        if (got != c->want) {
            nbad++;
            print_error("row %zu: %s: gave %" PRIu64 ", want %" PRIu64 "\n", i, c->what, got,
                        c->want);
        }
    }
    if (nbad > 0)
        fail_msg("%d plan_piece_len rows failed", nbad);
}

/* NaN speeds or waits (a division by a zero time somewhere) give the minimum. */
static void test_plan_piece_len_nan(void **state)
{
    struct plan_piece_in in = {1024 * MIB, 4, 0, 0};
    volatile double zero = 0;

    (void)state;
    in.speed = zero / zero;
    in.wait = 1;
    assert_int_equal(plan_piece_len(&in), PMIN);
    in.speed = 1e6;
    in.wait = zero / zero;
    assert_int_equal(plan_piece_len(&in), PMIN);
}

/* ---- plan_take_piece ---- */

#define NR 4

struct take_case {
    const char *what;
    uint64_t piece;
    size_t n;
    struct plan_range r[NR];
    bool want_ok;
    struct plan_range want;
    size_t want_n;            /* ranges left */
    uint64_t want_left_total; /* bytes left in them */
};

static const struct take_case take_cases[] = {
    {"no ranges give nothing", PMIN, 0, {{0, 0}}, false, {0, 0}, 0, 0},
    {"only empty ranges give nothing, and are dropped",
     PMIN,
     2,
     {{5, 5}, {9, 3}},
     false,
     {0, 0},
     0,
     0},
    {"the first piece of a large range",
     PMIN,
     1,
     {{0, 100 * MIB}},
     true,
     {0, PMIN},
     1,
     100 * MIB - PMIN},
    {"the lowest range goes first, whatever its place",
     PMIN,
     3,
     {{80 * MIB, 90 * MIB}, {10 * MIB, 20 * MIB}, {50 * MIB, 60 * MIB}},
     true,
     {10 * MIB, 10 * MIB + PMIN},
     3,
     30 * MIB - PMIN},
    {"a range shorter than a piece is taken whole",
     PMIN,
     2,
     {{7, 1000}, {5000, 6000}},
     true,
     {7, 1000},
     1,
     1000},
    {"a range of exactly a piece is taken whole",
     PMIN,
     1,
     {{MIB, MIB + PMIN}},
     true,
     {MIB, MIB + PMIN},
     0,
     0},
    {"a rest shorter than PLAN_PIECE_FLOOR goes along",
     PMIN,
     1,
     {{0, PMIN + PFLOOR - 1}},
     true,
     {0, PMIN + PFLOOR - 1},
     0,
     0},
    {"a rest of exactly PLAN_PIECE_FLOOR stays",
     PMIN,
     1,
     {{0, PMIN + PFLOOR}},
     true,
     {0, PMIN},
     1,
     PFLOOR},
    {"an empty range before the lowest is dropped",
     PMIN,
     2,
     {{3, 3}, {10, 20}},
     true,
     {10, 20},
     0,
     0},
    {"a piece of 0 is taken as 1 byte", 0, 1, {{0, 10 * MIB}}, true, {0, 1}, 1, 10 * MIB - 1},
    {"a range at the top of the 64-bit space",
     PMIN,
     1,
     {{UINT64_MAX - 10 * MIB, UINT64_MAX}},
     true,
     {UINT64_MAX - 10 * MIB, UINT64_MAX - 10 * MIB + PMIN},
     1,
     10 * MIB - PMIN},
};

static void test_plan_take_piece(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(take_cases) / sizeof(take_cases[0]); i++) {
        const struct take_case *c = &take_cases[i];
        struct plan_range r[NR], got = {0, 0};
        size_t n = c->n;
        bool ok;

        memcpy(r, c->r, sizeof(r));
        ok = plan_take_piece(r, &n, c->piece, &got);
        if (ok != c->want_ok || (ok && (got.start != c->want.start || got.end != c->want.end)) ||
            n != c->want_n || plan_ranges_total(r, n) != c->want_left_total) {
            nbad++;
            print_error("row %zu: %s: gave %d [%" PRIu64 ", %" PRIu64 "), %zu ranges of %" PRIu64
                        " bytes left\n",
                        i, c->what, ok, got.start, got.end, n, plan_ranges_total(r, n));
        }
    }
    if (nbad > 0)
        fail_msg("%d plan_take_piece rows failed", nbad);
}

/* ---- plan_next ---- */

struct next_case {
    const char *what;
    double idle_speed;
    size_t n;
    struct plan_slot slots[NS];
    size_t nfree;
    struct plan_range free[2];
    enum plan_action want;
    size_t victim;
    uint64_t from, to; /* the piece, or the stolen range */
    bool is_takeover;
};

static const struct next_case next_cases[] = {
    {"nothing busy and nothing free: nothing",
     1e6,
     2,
     {{false, 0, 0, 0}},
     0,
     {{0, 0}},
     PLAN_NOTHING,
     0,
     0,
     0,
     false},
    {"free bytes and no straggler: the next piece",
     10e6,
     2,
     {{true, 0, PMIN, 10e6}, {false, 0, 0, 0}},
     1,
     {{PMIN, 64 * MIB}},
     PLAN_PIECE,
     0,
     PMIN,
     2 * PMIN,
     false},
    {"the next piece is the lowest free one",
     10e6,
     1,
     {{false, 0, 0, 0}},
     2,
     {{40 * MIB, 64 * MIB}, {8 * MIB, 9 * MIB}},
     PLAN_PIECE,
     0,
     8 * MIB,
     9 * MIB,
     false},
    {"a straggler is taken over whole even while free pieces remain",
     10e6,
     2,
     {{true, MIB, PMIN, 0.1e6}, {false, 0, 0, 0}},
     1,
     {{PMIN, 64 * MIB}},
     PLAN_STEAL,
     0,
     MIB,
     PMIN,
     true},
    {"a slower connection that is no straggler keeps its piece",
     10e6,
     2,
     {{true, MIB, PMIN, 5e6}, {false, 0, 0, 0}},
     1,
     {{PMIN, 64 * MIB}},
     PLAN_PIECE,
     0,
     PMIN,
     2 * PMIN,
     false},
    {"a connection with no speed yet is no straggler",
     10e6,
     2,
     {{true, 0, PMIN, 0}, {false, 0, 0, 0}},
     1,
     {{PMIN, 64 * MIB}},
     PLAN_PIECE,
     0,
     PMIN,
     2 * PMIN,
     false},
    {"an idle connection with no speed yet rescues nobody",
     0,
     2,
     {{true, MIB, PMIN, 0.1e6}, {false, 0, 0, 0}},
     1,
     {{PMIN, 64 * MIB}},
     PLAN_PIECE,
     0,
     PMIN,
     2 * PMIN,
     false},
    {"nothing free: half of the longest range, as plan_pick",
     10e6,
     2,
     {{true, 0, 8 * MIB, 10e6}, {false, 0, 0, 0}},
     0,
     {{0, 0}},
     PLAN_STEAL,
     0,
     4 * MIB,
     8 * MIB,
     false},
    {"nothing free and a small range at a good speed: nothing",
     10e6,
     2,
     {{true, 0, 100 * KIB, 10e6}, {false, 0, 0, 0}},
     0,
     {{0, 0}},
     PLAN_NOTHING,
     0,
     0,
     0,
     false},
};

static void test_plan_next(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(next_cases) / sizeof(next_cases[0]); i++) {
        const struct next_case *c = &next_cases[i];
        struct plan_range free[2];
        size_t nfree = c->nfree;
        struct plan_next got;
        bool ok;

        memcpy(free, c->free, sizeof(free));
        got = plan_next(c->slots, c->n, c->idle_speed, free, &nfree, PMIN);
        ok = got.action == c->want;
        if (ok && got.action == PLAN_PIECE)
            ok = got.piece.start == c->from && got.piece.end == c->to &&
                 plan_ranges_total(free, nfree) ==
                     plan_ranges_total(c->free, c->nfree) - (c->to - c->from);
        if (ok && got.action == PLAN_STEAL)
            ok = got.pick.has_work && got.pick.victim == c->victim && got.pick.from == c->from &&
                 got.pick.to == c->to && got.pick.is_takeover == c->is_takeover &&
                 nfree == c->nfree;
        if (!ok) {
            nbad++;
            print_error("row %zu: %s: gave action %d piece [%" PRIu64 ", %" PRIu64
                        ") steal %zu [%" PRIu64 ", %" PRIu64 ") takeover %d\n",
                        i, c->what, (int)got.action, got.piece.start, got.piece.end,
                        got.pick.victim, got.pick.from, got.pick.to, got.pick.is_takeover);
        }
    }
    if (nbad > 0)
        fail_msg("%d plan_next rows failed", nbad);
}

/* ---- plan_shares ---- */

static void test_plan_shares(void **state)
{
    uint64_t out[4];

    (void)state;
    {
        /* Free bytes are shared equally among the live connections. */
        const struct plan_share_in in[4] = {{
                                                true,
                                                10,
                                                5,
                                            },
                                            {true, 20, 0},
                                            {false, 7, 0},
                                            {true, 0, 0}};

        plan_shares(in, 4, 300, out);
        assert_int_equal(out[0], 10 + 5 + 100);
        assert_int_equal(out[1], 20 + 100);
        /* A connection that gave up keeps what it did, and gets nothing more. */
        assert_int_equal(out[2], 7);
        assert_int_equal(out[3], 100);
    }
    {
        /* A remainder goes a byte each to the first live ones. */
        const struct plan_share_in in[3] = {{false, 1, 0}, {true, 0, 0}, {true, 0, 0}};

        plan_shares(in, 3, 5, out);
        assert_int_equal(out[0], 1);
        assert_int_equal(out[1], 3);
        assert_int_equal(out[2], 2);
    }
    {
        /* With nobody live, the free bytes are nobody's. */
        const struct plan_share_in in[2] = {{false, 4, 0}, {false, 6, 1}};

        plan_shares(in, 2, 1000, out);
        assert_int_equal(out[0], 4);
        assert_int_equal(out[1], 7);
    }
    {
        /* At the end (nothing free, nothing owed) a share is what was done. */
        const struct plan_share_in in[2] = {{true, 123, 0}, {true, 456, 0}};

        plan_shares(in, 2, 0, out);
        assert_int_equal(out[0], 123);
        assert_int_equal(out[1], 456);
    }
}

/* ---- simulation of pieces in file order ---- */

/*
 * download.c's piece loop: every tick, each idle connection asks
 * plan_next() for work (the piece length from plan_piece_len() with a
 * loopback wait), then every busy connection writes its tick's bytes.
 * After each tick the test measures the lag: the bytes written beyond the
 * contiguous prefix, which the SHA-256 cannot hash yet. As in download.c,
 * a connection's speed is measured over all it writes, across pieces (a
 * new piece does not restart the measurement).
 */
#define PSIM_WAIT 0.0002

struct psim {
    struct sim s;
    struct plan_range free[PLAN_MAX_CONN + 4];
    size_t nfree;
    uint64_t max_lag;   /* the most bytes ever written beyond the prefix */
    uint64_t max_piece; /* the longest piece taken */
    unsigned npieces, nsteals;
    unsigned last_busy_tick[SIM_CONN]; /* the last tick each connection wrote in */
};

/* The contiguous written prefix: the smallest byte not written yet. */
static uint64_t psim_prefix(const struct psim *p)
{
    uint64_t low = p->s.size;

    for (size_t i = 0; i < p->nfree; i++)
        if (p->free[i].start < p->free[i].end && p->free[i].start < low)
            low = p->free[i].start;
    for (unsigned i = 0; i < p->s.n; i++)
        if (p->s.c[i].is_busy && p->s.c[i].pos < p->s.c[i].end && p->s.c[i].pos < low)
            low = p->s.c[i].pos;
    return low;
}

static void psim_order(struct sim *s, unsigned i, uint64_t from, uint64_t to)
{
    s->c[i].is_busy = true;
    s->c[i].pos = from;
    s->c[i].end = to;
}

static void psim_assign(struct psim *p)
{
    struct sim *s = &p->s;

    for (unsigned i = 0; i < s->n; i++) {
        struct plan_slot view[PLAN_MAX_CONN];
        struct plan_piece_in in;
        struct plan_next next;
        double speed = 0;
        unsigned nsp = 0;

        if (s->c[i].is_busy)
            continue;
        if (s->first_idle_tick == UINT32_MAX && s->tick > 0)
            s->first_idle_tick = s->tick;
        memset(view, 0, sizeof(view));
        for (unsigned k = 0; k < s->n; k++) {
            view[k].is_busy = s->c[k].is_busy;
            view[k].pos = s->c[k].pos;
            view[k].end = s->c[k].end;
            view[k].speed = s->c[k].speed;
            if (s->c[k].speed > 0) {
                speed += s->c[k].speed;
                nsp++;
            }
        }
        in.free = plan_ranges_total(p->free, p->nfree);
        in.n = s->n;
        in.speed = nsp ? speed / nsp : 0;
        in.wait = PSIM_WAIT;
        next =
            plan_next(view, PLAN_MAX_CONN, s->c[i].speed, p->free, &p->nfree, plan_piece_len(&in));
        if (next.action == PLAN_PIECE) {
            uint64_t len = plan_range_len(&next.piece);

            assert_true(len > 0);
            p->max_piece = len > p->max_piece ? len : p->max_piece;
            p->npieces++;
            psim_order(s, i, next.piece.start, next.piece.end);
        } else if (next.action == PLAN_STEAL) {
            struct sim_conn *v = &s->c[next.pick.victim];
            uint64_t from = next.pick.from > v->pos ? next.pick.from : v->pos;

            assert_true(next.pick.victim != i);
            assert_true(next.pick.to == v->end);
            if (from < v->end) {
                uint64_t to = v->end;

                v->end = from;
                if (v->pos >= v->end)
                    v->is_busy = false;
                psim_order(s, i, from, to);
                p->nsteals++;
                s->npicks++;
                s->ntakeovers += next.pick.is_takeover;
            }
        }
    }
}

static void psim_run(struct psim *p, uint64_t size, unsigned want, bool is_speed_exact,
                     uint64_t (*rate)(unsigned i, unsigned t))
{
    struct sim *s = &p->s;

    memset(p, 0, sizeof(*p));
    s->writes = calloc(SIM_MAX_WRITES, sizeof(s->writes[0]));
    assert_non_null(s->writes);
    s->size = size;
    s->rate = rate;
    s->is_speed_exact = is_speed_exact;
    s->n = plan_connections(size, want);
    assert_true(s->n <= SIM_CONN);
    s->first_idle_tick = UINT32_MAX;
    p->free[0].start = 0;
    p->free[0].end = size;
    p->nfree = 1;
    for (;;) {
        uint64_t written = 0, prefix;

        psim_assign(p);
        if (sim_is_done(s) && plan_ranges_total(p->free, p->nfree) == 0)
            break;
        sim_update_speeds(s);
        for (unsigned i = 0; i < s->n; i++)
            if (s->c[i].is_busy && s->rate(i, s->tick) > 0)
                p->last_busy_tick[i] = s->tick;
        sim_transfer(s);
        for (unsigned i = 0; i < s->n; i++)
            written += s->c[i].written;
        prefix = psim_prefix(p);
        assert_true(prefix <= written);
        if (written - prefix > p->max_lag)
            p->max_lag = written - prefix;
        if (s->tick > SIM_MAX_TICKS)
            fail_msg("the download did not finish in %u ticks", SIM_MAX_TICKS);
    }
    sim_check_coverage(s);
}

static void test_plan_psim_equal(void **state)
{
    struct psim p;
    uint64_t size = 1024 * MIB;

    (void)state;
    /* 1 GiB over 4 connections at 10 MiB/s each. */
    psim_run(&p, size, 4, false, rate_equal);
    print_message("# pieces, equal speeds: %.1f s, %u pieces (longest %" PRIu64
                  " bytes), %u steals, the prefix trailed by at most %" PRIu64 " bytes\n",
                  (double)p.s.tick / SIM_TICKS_SEC, p.npieces, p.max_piece, p.nsteals, p.max_lag);
    /* The hash can follow: never more than one piece per connection
     * written beyond the prefix. With four equal chunks it would be 3/4
     * of the file by the end. */
    assert_true(p.max_lag <= 4 * PMIN);
    assert_true(p.max_piece <= PMIN);
    /* Pieces shrink at the end so that nobody needs to steal. */
    assert_int_equal(p.nsteals, 0);
    /* Each connection fetched about a quarter of the file... */
    for (unsigned i = 0; i < 4; i++) {
        uint64_t w = p.s.c[i].written;

        assert_true(w >= size / 4 - PMIN && w <= size / 4 + PMIN);
    }
    /* ... and all four were busy until the last tick or the one before:
     * 1 GiB at 40 MiB/s is 25.6 s. The simulation adds a little: a
     * connection that ends a piece mid-tick idles for the rest of it. */
    for (unsigned i = 0; i < 4; i++)
        assert_true(p.last_busy_tick[i] + 2 >= p.s.tick);
    assert_true(p.s.tick <= 256 * 102 / 100);
    sim_free(&p.s);
}

static void test_plan_psim_straggler(void **state)
{
    struct psim p;

    (void)state;
    psim_run(&p, 64 * MIB, 4, false, rate_straggler);
    print_message("# pieces, a straggler: %.1f s, %u pieces, %u steals (%u takeovers), the "
                  "straggler wrote %" PRIu64 " bytes, the prefix trailed by at most %" PRIu64
                  " bytes\n",
                  (double)p.s.tick / SIM_TICKS_SEC, p.npieces, p.nsteals, p.s.ntakeovers,
                  p.s.c[3].written, p.max_lag);
    /* 30.1 MiB/s in all need 2.1 s for the file; alone the straggler
     * would need 40 s for one piece. */
    assert_true(p.s.tick < 40);
    assert_true(p.s.c[3].written < 2 * MIB);
    assert_true(p.s.ntakeovers >= 1);
    /* It held the prefix for at most about the takeover's 2 s: 3 x 10 MiB/s. */
    assert_true(p.max_lag <= 64 * MIB);
    sim_free(&p.s);
}

static void test_plan_psim_dead_connection(void **state)
{
    (void)state;
    for (int exact = 0; exact < 2; exact++) {
        struct psim p;

        psim_run(&p, 64 * MIB, 4, exact, rate_dead);
        print_message("# pieces, a dead connection (%s speeds): %.1f s, %u steals (%u "
                      "takeovers), it wrote %" PRIu64 " bytes\n",
                      exact ? "exact" : "averaged", (double)p.s.tick / SIM_TICKS_SEC, p.nsteals,
                      p.s.ntakeovers, p.s.c[2].written);
        assert_int_equal(p.s.c[2].written, 5 * per_tick(10));
        assert_true(p.s.ntakeovers >= 1);
        assert_true(p.s.tick < 200);
        sim_free(&p.s);
    }
}

/* Small files: pieces of the free bytes' guided length, every byte once. */
static void test_plan_psim_sizes(void **state)
{
    static const uint64_t sizes[] = {1, 1000, MIB, 2 * MIB + 1, 8 * MIB, 17 * MIB + 3, 100 * MIB};

    (void)state;
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct psim p;

        psim_run(&p, sizes[k], 4, false, rate_equal);
        assert_true(p.max_lag <= 4 * PMIN);
        assert_int_equal(p.nsteals, 0);
        sim_free(&p.s);
    }
}

/* ---- plan_align_up: piece boundaries ---- */

struct align_case {
    const char *what;
    uint64_t at, unit, size, want;
};

static const struct align_case align_cases[] = {
    {"a boundary stays", 512, 256, 1000, 512},
    {"inside a piece moves to its end", 513, 256, 1000, 768},
    {"the last, short piece ends at the file's end", 900, 256, 1000, 1000},
    {"the end stays the end", 1000, 256, 1000, 1000},
    {"past the end is the end", 5000, 256, 1000, 1000},
    {"0 is a boundary", 0, 256, 1000, 0},
    {"no pieces: nothing moves", 513, 0, 1000, 513},
    {"a piece longer than the file ends at the file's end", 50, 4096, 100, 100},
    {"near UINT64_MAX nothing overflows", UINT64_MAX - 10, 1u << 20, UINT64_MAX - 5,
     UINT64_MAX - 5},
};

static void test_plan_align_up(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(align_cases) / sizeof(align_cases[0]); i++) {
        const struct align_case *c = &align_cases[i];
        uint64_t got = plan_align_up(c->at, c->unit, c->size);

        if (got != c->want)
            fail_msg("%s: plan_align_up(%" PRIu64 ", %" PRIu64 ", %" PRIu64 ") = %" PRIu64, c->what,
                     c->at, c->unit, c->size, got);
    }
}

/*
 * What download.c does with piece hashes, over many sizes: pieces whose
 * length is rounded up to whole pieces, taken from aligned free ranges,
 * and halves of busy ranges moved up to a boundary, always start and end
 * on piece boundaries (or the file's end), and cover the file exactly.
 */
static void test_plan_pieces_aligned(void **state)
{
    static const uint64_t units[] = {256u << 10, 1u << 20, 4u << 20};
    static const uint64_t sizes[] = {1, 300000, 5u << 20, (24u << 20) + 12345, 100000000};

    (void)state;
    for (size_t u = 0; u < 3; u++) {
        for (size_t z = 0; z < 5; z++) {
            uint64_t unit = units[u], size = sizes[z], covered = 0;
            struct plan_range free[4] = {{0, size}}, got;
            size_t nfree = 1;
            unsigned steps = 0;

            while (steps++ < 100000) {
                struct plan_piece_in in = {plan_ranges_total(free, nfree), 4, 0, 0};
                uint64_t piece = plan_align_up(plan_piece_len(&in), unit, UINT64_MAX);
                uint64_t half;

                if (piece < unit)
                    piece = unit;
                if (!plan_take_piece(free, &nfree, piece, &got))
                    break;
                assert_true(got.start % unit == 0);
                assert_true(got.end % unit == 0 || got.end == size);
                /* Steal half of it back, as an idle connection would. */
                half = plan_align_up(got.start + plan_range_len(&got) / 2, unit, size);
                assert_true(half % unit == 0 || half == size);
                covered += plan_range_len(&got);
            }
            assert_int_equal(covered, size);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_connections),
        cmocka_unit_test(test_plan_split),
        cmocka_unit_test(test_plan_split_grid),
        cmocka_unit_test(test_plan_ranges_total),
        cmocka_unit_test(test_plan_pick),
        cmocka_unit_test(test_plan_pick_bounds),
        cmocka_unit_test(test_plan_sim_straggler),
        cmocka_unit_test(test_plan_sim_equal),
        cmocka_unit_test(test_plan_sim_dead_connection),
        cmocka_unit_test(test_plan_piece_len),
        cmocka_unit_test(test_plan_piece_len_nan),
        cmocka_unit_test(test_plan_take_piece),
        cmocka_unit_test(test_plan_next),
        cmocka_unit_test(test_plan_shares),
        cmocka_unit_test(test_plan_psim_equal),
        cmocka_unit_test(test_plan_psim_straggler),
        cmocka_unit_test(test_plan_psim_dead_connection),
        cmocka_unit_test(test_plan_psim_sizes),
        cmocka_unit_test(test_plan_align_up),
        cmocka_unit_test(test_plan_pieces_aligned),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
