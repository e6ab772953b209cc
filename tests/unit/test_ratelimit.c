/*
 * tests/unit/test_ratelimit.c - server/ratelimit.c: the arithmetic of
 * --limit-rate on a fake clock. Nothing here sleeps or reads a clock: the
 * simulated sender checks the numbers, not the speed of this machine.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/ratelimit.h"

#define NS 1000000000ull                  /* one second */
#define T0 ((uint64_t)123456789012345ull) /* any monotonic origin */

/* |X|, without libm (the test links only what the server links). */
static double absd(double x)
{
    return x < 0 ? -x : x;
}

/* ------------------------------------------------------------------ */

struct allow_case {
    const char *what;
    uint64_t rate;
    uint64_t consumed; /* bytes recorded as sent since the start */
    int64_t at_ns;     /* when asked, relative to the start (may be before it) */
    uint64_t want;     /* allowance */
    uint64_t tolerance;
};

static const struct allow_case allow_cases[] = {
    {"unlimited allows UINT64_MAX at the start", 0, 0, 0, UINT64_MAX, 0},
    {"unlimited allows UINT64_MAX whatever was sent", 0, 1ull << 40, 5 * NS, UINT64_MAX, 0},
    {"unlimited allows UINT64_MAX before the start", 0, 0, -(int64_t)NS, UINT64_MAX, 0},
    {"the initial burst is an eighth of a second's worth", 8000, 0, 0, 1000, 0},
    {"the burst of 20 MiB/s is 2.5 MiB", 20971520, 0, 0, 2621440, 0},
    {"a rate below 8 has a burst below one byte", 7, 0, 0, 0, 0},
    {"half a second adds half the rate", 8000, 0, NS / 2, 5000, 0},
    {"one second adds the rate", 8000, 0, NS, 9000, 0},
    {"ten seconds add ten times the rate", 8000, 0, 10 * NS, 81000, 0},
    {"one millisecond adds a thousandth", 1000000, 0, NS / 1000, 126000, 0},
    {"an hour at 1 GiB/s is exact to a byte", 1ull << 30, 0, 3600 * NS,
     (1ull << 30) / 8 + 3600 * (1ull << 30), 1},
    {"consuming lowers the allowance", 8000, 400, 0, 600, 0},
    {"consuming exactly the allowance leaves 0", 8000, 9000, NS, 0, 0},
    {"consuming more than allowed leaves 0, not a wrapped value", 8000, 20000, NS, 0, 0},
    {"what was overspent is paid back by time", 8000, 17000, 2 * NS, 0, 0},
    {"and then the allowance grows again", 8000, 17000, 3 * NS, 8000, 0},
    {"a clock before the start counts as the start", 8000, 0, -(int64_t)NS, 1000, 0},
};

static void test_ratelimit_allowance(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(allow_cases); i++) {
        const struct allow_case *c = &allow_cases[i];
        struct ratelimit rl;
        uint64_t got, now = (uint64_t)((int64_t)T0 + c->at_ns);

        ratelimit_start(&rl, c->rate, T0);
        ratelimit_consume(&rl, c->consumed);
        got = ratelimit_allowance(&rl, now);
        if (got > c->want + c->tolerance || got + c->tolerance < c->want)
            row_fail(&t, c->what,
                     "rate %" PRIu64 ", sent %" PRIu64 ", %+" PRId64 " ns: %" PRIu64
                     ", want %" PRIu64,
                     c->rate, c->consumed, c->at_ns, got, c->want);
    }
    tally_end(&t, NROWS(allow_cases));
}

/* The allowance grows linearly: equal steps of time add equal amounts. */
static void test_ratelimit_linear(void **state)
{
    static const uint64_t rates[] = {1, 1000, 8192, 1000000, 20971520, 1ull << 33};

    (void)state;
    for (size_t r = 0; r < NROWS(rates); r++) {
        struct ratelimit rl;
        uint64_t rate = rates[r];

        ratelimit_start(&rl, rate, T0);
        for (uint64_t k = 0; k <= 100; k++) {
            uint64_t at = k * (NS / 10); /* every 100 ms */
            /* floor() of a non-negative value, without libm. */
            double want = (double)(uint64_t)((double)rate / 8.0 + (double)rate * (double)at / 1e9);
            uint64_t got = ratelimit_allowance(&rl, T0 + at);

            if (absd((double)got - want) > 1.0)
                fail_msg("rate %" PRIu64 " at %" PRIu64 " ms: %" PRIu64 ", want %.0f", rate,
                         at / 1000000, got, want);
        }
        /* Consuming shifts the line down by exactly what was consumed. */
        ratelimit_consume(&rl, rate / 16);
        {
            uint64_t got = ratelimit_allowance(&rl, T0 + NS);
            uint64_t want = rate / 8 + rate - rate / 16;

            if (got + 1 < want || got > want + 1)
                fail_msg("rate %" PRIu64 ": after consuming %" PRIu64 ", %" PRIu64
                         ", want %" PRIu64,
                         rate, rate / 16, got, want);
        }
    }
}

/* ------------------------------------------------------------------ */

struct wait_case {
    const char *what;
    uint64_t rate;
    uint64_t consumed;
    uint64_t at_ns;
    bool is_zero;      /* 0 expected */
    uint64_t want_min; /* otherwise at least this ... */
    uint64_t want_max; /* ... and at most this */
};

static const struct wait_case wait_cases[] = {
    {"unlimited never waits", 0, 1ull << 50, 0, true, 0, 0},
    {"no wait while the burst covers a twentieth of a second", 8000, 0, 0, true, 0, 0},
    {"no wait with exactly a quantum (rate/20) left", 8000, 600, 0, true, 0, 0},
    {"a wait with one byte less than a quantum left", 8000, 601, 0, false, 1000000, 1000000},
    {"an empty budget waits for a quantum: 400 B at 8000 B/s is 50 ms", 8000, 1000, 0, false,
     49999999, 50000001},
    /* Sent 8000 bytes more than allowed: 1 s to pay that back, 50 ms for the quantum. */
    {"an overspent budget waits for the debt and a quantum", 8000, 9000, 0, false, 1049999999,
     1050000001},
    {"the quantum is capped at 64 KiB: 100 MiB/s waits 625 us, at least 1 ms", 100ull << 20,
     (100ull << 20) / 8, 0, false, 1000000, 1000000},
    {"a tiny rate has a quantum of one byte", 10, 1, 0, false, 100000000 - 1, 100000000 + 1},
    {"a tiny rate with a byte allowed does not wait", 10, 0, NS / 10, true, 0, 0},
};

static void test_ratelimit_wait(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(wait_cases); i++) {
        const struct wait_case *c = &wait_cases[i];
        struct ratelimit rl;
        uint64_t got;

        ratelimit_start(&rl, c->rate, T0);
        ratelimit_consume(&rl, c->consumed);
        got = ratelimit_wait_ns(&rl, T0 + c->at_ns);
        if (c->is_zero ? got != 0 : (got < c->want_min || got > c->want_max))
            row_fail(&t, c->what, "waited %" PRIu64 " ns, want %s%" PRIu64 "..%" PRIu64, got,
                     c->is_zero ? "0, not " : "", c->want_min, c->want_max);
    }
    tally_end(&t, NROWS(wait_cases));
}

/*
 * After waiting what ratelimit_wait_ns() said, the quantum is there: the
 * wait is never too short, so a sender does not spin on 1 ms retries.
 */
static void test_ratelimit_wait_is_enough(void **state)
{
    static const uint64_t rates[] = {3, 1000, 8000, 65536, 1000003, 20971520, 100ull << 20};

    (void)state;
    for (size_t r = 0; r < NROWS(rates); r++) {
        struct ratelimit rl;
        uint64_t now = T0;
        uint64_t quantum = rates[r] / 20 > 65536 ? 65536 : (rates[r] / 20 ? rates[r] / 20 : 1);

        ratelimit_start(&rl, rates[r], T0);
        for (int k = 0; k < 2000; k++) {
            uint64_t w;

            ratelimit_consume(&rl, ratelimit_allowance(&rl, now));
            w = ratelimit_wait_ns(&rl, now);
            if (w == 0)
                fail_msg("rate %" PRIu64 ": no wait with an empty budget", rates[r]);
            now += w;
            if (ratelimit_allowance(&rl, now) < quantum)
                fail_msg("rate %" PRIu64 ", round %d: after waiting %" PRIu64 " ns only %" PRIu64
                         " of a %" PRIu64 "-byte quantum is allowed",
                         rates[r], k, w, ratelimit_allowance(&rl, now), quantum);
        }
    }
}

/* ------------------------------------------------------------------ */

struct sim_case {
    const char *what;
    uint64_t rate;
    uint64_t write_max; /* the most one write(2) takes; 0: no limit */
};

static const struct sim_case sim_cases[] = {
    {"20 MiB/s, writes of any size", 20971520, 0},
    {"20 MiB/s, a socket taking 16 KiB per write", 20971520, 16384},
    {"4 MiB/s (make run's setting), 64 KiB writes", 4194304, 65536},
    {"1 GiB/s, 256 KiB writes", 1ull << 30, 262144},
    {"1000 B/s, writes of any size", 1000, 0},
    {"100 B/s, one byte per write", 100, 1},
    {"33333 B/s, 1000-byte writes", 33333, 1000},
};

/*
 * Send as fast as allowed for 10 simulated seconds: write what the budget
 * allows (at most WRITE_MAX at a time), and when it allows too little to
 * be worth it, advance the fake clock by ratelimit_wait_ns(). Then:
 *   - at no moment did the total exceed the contract, burst + rate * t;
 *   - over the 10 s the total is within 1% of that contract;
 *   - the steady rate, measured from 1 s to 10 s (after the burst), is
 *     within 1% of the limit.
 * (The average over the first 10 s including the burst is rate * 10.125 / 10,
 * 1.25% over the limit by design: see the header's "initial burst".)
 */
static void test_ratelimit_simulated_transfer(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(sim_cases); i++) {
        const struct sim_case *c = &sim_cases[i];
        struct ratelimit rl;
        uint64_t now = T0, end = T0 + 10 * NS, sent = 0, sent_at_1s = UINT64_MAX;
        uint64_t quantum = c->rate / 20 > 65536 ? 65536 : (c->rate / 20 ? c->rate / 20 : 1);
        size_t writes = 0, waits = 0;
        bool over = false;

        ratelimit_start(&rl, c->rate, T0);
        while (now < end) {
            uint64_t allow = ratelimit_allowance(&rl, now), w;

            if (sent_at_1s == UINT64_MAX && now >= T0 + NS)
                sent_at_1s = sent;
            if (allow >= quantum || (c->write_max != 0 && allow >= c->write_max)) {
                uint64_t n = c->write_max != 0 && allow > c->write_max ? c->write_max : allow;

                ratelimit_consume(&rl, n);
                sent += n;
                writes++;
                if ((double)sent >
                    (double)c->rate / 8.0 + (double)c->rate * (double)(now - T0) / 1e9 + 1.0)
                    over = true;
                continue;
            }
            w = ratelimit_wait_ns(&rl, now);
            if (w == 0) {
                row_fail(&t, c->what, "allowance %" PRIu64 " below the quantum, but no wait",
                         allow);
                break;
            }
            now += w;
            waits++;
        }
        if (over) {
            row_fail(&t, c->what, "more was sent than burst + rate * t allows");
            continue;
        }
        {
            double budget = (double)c->rate / 8.0 + (double)c->rate * 10.0;
            double steady = (double)(sent - sent_at_1s) / ((double)(now - T0 - NS) / 1e9);

            if (absd((double)sent - budget) > 0.01 * budget)
                row_fail(&t, c->what,
                         "%" PRIu64 " bytes in 10 s, the contract allows %.0f (%zu writes, "
                         "%zu waits)",
                         sent, budget, writes, waits);
            else if (absd(steady - (double)c->rate) > 0.01 * (double)c->rate)
                row_fail(&t, c->what, "the steady rate is %.1f B/s for a limit of %" PRIu64, steady,
                         c->rate);
            else if (waits == 0)
                row_fail(&t, c->what, "the sender never had to wait; the limit did nothing");
        }
    }
    tally_end(&t, NROWS(sim_cases));
}

struct deadline_case {
    const char *what;
    uint64_t start, grace, done, min_rate;
    uint64_t want;
};

static const struct deadline_case deadline_cases[] = {
    {"nothing received: the grace alone", T0, 15 * NS, 0, 1024, T0 + 15 * NS},
    {"no minimum rate: the grace alone, whatever arrived", T0, 15 * NS, 1u << 20, 0, T0 + 15 * NS},
    {"MIN_RATE bytes earn one second", T0, 15 * NS, 1024, 1024, T0 + 16 * NS},
    {"a byte earns a MIN_RATE-th of a second", T0, 15 * NS, 1, 1000, T0 + 15 * NS + NS / 1000},
    {"a trickle earns next to nothing: 30 bytes at 1 KiB/s", T0, 15 * NS, 30, 1024,
     T0 + 15 * NS + 30 * NS / 1024},
    {"1 MiB at 1 KiB/s earns 1024 s", T0, 15 * NS, 1u << 20, 1024, T0 + 1039 * NS},
    {"a whole and a fractional part add up", T0, 0, 1500, 1000, T0 + 3 * NS / 2},
    {"a huge transfer saturates instead of wrapping", T0, 15 * NS, UINT64_MAX, 1, UINT64_MAX},
    {"a start near the end of the clock saturates", UINT64_MAX - 5, 15 * NS, 0, 1024, UINT64_MAX},
    {"earned time that would wrap saturates", UINT64_MAX - 20 * NS, 15 * NS, 10ull * 1024, 1024,
     UINT64_MAX},
};

static void test_ratelimit_min_deadline(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(deadline_cases); i++) {
        const struct deadline_case *c = &deadline_cases[i];
        uint64_t got = ratelimit_min_deadline(c->start, c->grace, c->done, c->min_rate);

        if (got != c->want)
            row_fail(&t, c->what, "gave %" PRIu64 ", want %" PRIu64, got, c->want);
    }
    tally_end(&t, NROWS(deadline_cases));
}

/* The deadline never moves back as bytes arrive, and a sender at the minimum rate stays ahead. */
static void test_ratelimit_min_deadline_paced(void **state)
{
    uint64_t prev = 0;

    (void)state;
    for (uint64_t done = 0, now = T0; done <= 64 * 1024; done += 512, now += NS / 2) {
        uint64_t d = ratelimit_min_deadline(T0, 2 * NS, done, 1024);

        assert_true(d >= prev);
        assert_true(d > now); /* 512 bytes every half second is exactly 1 KiB/s */
        prev = d;
    }
}

/* The window rule of upload bodies: the quota per window, not the total time, decides. */
static void test_ratelimit_window(void **state)
{
    uint64_t mark = T0, bytes = 0, d;

    (void)state;
    /* Nothing yet: the first window ends 15 s after the start. */
    assert_true(ratelimit_window_deadline(&mark, &bytes, T0, 0, 15 * NS, 1024) == T0 + 15 * NS);
    /* Less than the quota (15 KiB) does not move it. */
    d = ratelimit_window_deadline(&mark, &bytes, T0 + 10 * NS, 15 * 1024 - 1, 15 * NS, 1024);
    assert_true(d == T0 + 15 * NS);
    /* The quota starts a new window at once. */
    d = ratelimit_window_deadline(&mark, &bytes, T0 + 11 * NS, 15 * 1024, 15 * NS, 1024);
    assert_true(d == T0 + 26 * NS && mark == T0 + 11 * NS && bytes == 15 * 1024);
    /* A fast start buys nothing for later: 1 GiB, then silence, ends 15 s on. */
    mark = T0, bytes = 0;
    d = ratelimit_window_deadline(&mark, &bytes, T0 + NS, 1ull << 30, 15 * NS, 1024);
    assert_true(d == T0 + 16 * NS);
    d = ratelimit_window_deadline(&mark, &bytes, T0 + 10 * NS, 1ull << 30, 15 * NS, 1024);
    assert_true(d == T0 + 16 * NS);
    /* With no minimum rate, any byte starts a new window (an idle timeout). */
    mark = T0, bytes = 0;
    d = ratelimit_window_deadline(&mark, &bytes, T0 + 5 * NS, 1, 15 * NS, 0);
    assert_true(d == T0 + 20 * NS);
    /* A window near the end of the clock saturates. */
    mark = UINT64_MAX - NS, bytes = 0;
    assert_true(ratelimit_window_deadline(&mark, &bytes, mark, 0, 15 * NS, 1024) == UINT64_MAX);
}

/* A body that keeps 1 KiB/s for an hour is never cut; one at half that is, within a window. */
static void test_ratelimit_window_paced(void **state)
{
    uint64_t mark = T0, bytes = 0, now = T0, done = 0, d = 0;

    (void)state;
    for (int i = 0; i < 7200; i++) { /* 512 bytes every half second */
        now += NS / 2;
        done += 512;
        d = ratelimit_window_deadline(&mark, &bytes, now, done, 15 * NS, 1024);
        assert_true(d > now);
    }
    mark = T0, bytes = 0, now = T0, done = 0;
    for (int i = 0; i < 100; i++) { /* 256 bytes every half second */
        now += NS / 2;
        done += 256;
        d = ratelimit_window_deadline(&mark, &bytes, now, done, 15 * NS, 1024);
        if (d <= now)
            break;
    }
    assert_true(d <= now && now <= T0 + 31 * NS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit_allowance),
        cmocka_unit_test(test_ratelimit_linear),
        cmocka_unit_test(test_ratelimit_wait),
        cmocka_unit_test(test_ratelimit_wait_is_enough),
        cmocka_unit_test(test_ratelimit_simulated_transfer),
        cmocka_unit_test(test_ratelimit_min_deadline),
        cmocka_unit_test(test_ratelimit_min_deadline_paced),
        cmocka_unit_test(test_ratelimit_window),
        cmocka_unit_test(test_ratelimit_window_paced),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
