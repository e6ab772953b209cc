/*
 * tests/unit/test_sources.c - client/mirror/sources.c: which source an
 * idle connection gets (sources_pick), when a source is given up
 * (sources_verdict), and how connections spread when picks are repeated.
 *
 * Speeds are plain numbers handed in; nothing here is timed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/mirror/sources.h"
#include "tests/unit/tally.h"

#define MB 1e6

/* Shorthands for a source: speed, connections, cap. */
#define SRC(sp, c, k)                                                                              \
    {                                                                                              \
        .speed = (sp), .conns = (c), .cap = (k)                                                    \
    }
#define UNTRIED SRC(0, 0, 4)
#define DROPPED                                                                                    \
    {                                                                                              \
        .speed = 9 * MB, .conns = 0, .cap = 4, .is_dropped = true                                  \
    }
#define BAD(sp, nbad)                                                                              \
    {                                                                                              \
        .speed = (sp), .conns = 0, .cap = 4, .bad_pieces = (nbad)                                  \
    }
#define FAILED(nfail)                                                                              \
    {                                                                                              \
        .speed = 9 * MB, .conns = 0, .cap = 4, .failures = (nfail)                                 \
    }
#define WAITING(at)                                                                                \
    {                                                                                              \
        .speed = 9 * MB, .conns = 0, .cap = 4, .retry_at_ms = (at)                                 \
    }

struct pick_case {
    const char *what; /* the behaviour, stated as a fact */
    struct source_stat s[4];
    size_t n;
    unsigned total_cap;
    uint64_t now_ms;
    size_t want;
    bool explore;
};

static const struct pick_case pick_cases[] = {
    {"with all sources untried, the first is tried", {UNTRIED, UNTRIED, UNTRIED}, 3, 8, 0, 0, true},
    {"an untried source is tried before a faster measured one",
     {SRC(50 * MB, 1, 4), UNTRIED, UNTRIED},
     3,
     8,
     0,
     1,
     true},
    {"the first untried one in index order is tried first",
     {SRC(5 * MB, 1, 4), SRC(1 * MB, 1, 4), UNTRIED, UNTRIED},
     4,
     8,
     0,
     2,
     true},
    {"with speeds known, the faster source gets the connection",
     {SRC(1 * MB, 1, 4), SRC(8 * MB, 1, 4)},
     2,
     8,
     0,
     1,
     false},
    {"the faster source keeps winning while it has room",
     {SRC(1 * MB, 1, 4), SRC(8 * MB, 3, 4)},
     2,
     8,
     0,
     1,
     false},
    {"a source at its cap gets no more; the next best does",
     {SRC(1 * MB, 1, 4), SRC(8 * MB, 4, 4)},
     2,
     8,
     0,
     0,
     false},
    {"a per-source cap of 1 is honoured",
     {SRC(9 * MB, 1, 1), SRC(1 * MB, 1, 1)},
     2,
     8,
     0,
     SOURCES_NONE,
     false},
    {"a cap of 0 means the source takes no connection",
     {SRC(9 * MB, 0, 0), SRC(1 * MB, 0, 4)},
     2,
     8,
     0,
     1,
     false},
    {"equal speeds go to the source with fewer connections",
     {SRC(4 * MB, 3, 4), SRC(4 * MB, 1, 4)},
     2,
     8,
     0,
     1,
     false},
    {"equal speeds and connections go to the lower index",
     {SRC(4 * MB, 1, 4), SRC(4 * MB, 1, 4)},
     2,
     8,
     0,
     0,
     false},
    {"a dropped source is never chosen, however fast",
     {DROPPED, SRC(1 * MB, 1, 4)},
     2,
     8,
     0,
     1,
     false},
    {"a dropped source is not explored either", {DROPPED, UNTRIED}, 2, 8, 0, 1, true},
    {"with every source dropped, none is chosen",
     {DROPPED, DROPPED, DROPPED},
     3,
     8,
     0,
     SOURCES_NONE,
     false},
    {"with no sources, none is chosen", {UNTRIED}, 0, 8, 0, SOURCES_NONE, false},
    {"at the total cap, none is chosen even with room at a source",
     {SRC(9 * MB, 2, 4), SRC(1 * MB, 2, 4)},
     2,
     4,
     0,
     SOURCES_NONE,
     false},
    {"at the total cap, an untried source is not explored",
     {SRC(9 * MB, 4, 4), UNTRIED},
     2,
     4,
     0,
     SOURCES_NONE,
     false},
    {"one below the total cap a connection is still given",
     {SRC(9 * MB, 2, 4), SRC(1 * MB, 1, 4)},
     2,
     4,
     0,
     0,
     false},
    {"a source with one bad piece is passed over while another is fine",
     {BAD(50 * MB, 1), SRC(1 * MB, 1, 4)},
     2,
     8,
     0,
     1,
     false},
    {"a source failing SOURCES_MAX_FAILURES times in a row is passed over",
     {FAILED(SOURCES_MAX_FAILURES), SRC(1 * MB, 1, 4)},
     2,
     8,
     0,
     1,
     false},
    {"a source with fewer failures is still chosen",
     {FAILED(SOURCES_MAX_FAILURES - 1), SRC(1 * MB, 1, 4)},
     2,
     8,
     0,
     0,
     false},
    {"a source waiting for a retry is passed over until its time",
     {WAITING(5000), SRC(1 * MB, 1, 4)},
     2,
     8,
     4999,
     1,
     false},
    {"a source whose retry time has come is chosen again",
     {WAITING(5000), SRC(1 * MB, 1, 4)},
     2,
     8,
     5000,
     0,
     false},
    {"when every source waits, none is chosen",
     {WAITING(5000), WAITING(6000)},
     2,
     8,
     100,
     SOURCES_NONE,
     false},
    {"an unmeasured source in use waits while a measured one has room",
     {SRC(0, 1, 4), SRC(1 * MB, 1, 4)},
     2,
     8,
     0,
     1,
     false},
    {"before anything is measured, connections spread to the least used",
     {SRC(0, 2, 4), SRC(0, 1, 4), SRC(0, 2, 4)},
     3,
     8,
     0,
     1,
     false},
    {"an unmeasured source in use gets a connection when measured ones are full",
     {SRC(9 * MB, 4, 4), SRC(0, 1, 4)},
     2,
     8,
     0,
     1,
     false},
    {"a NaN or negative speed counts as unmeasured",
     {SRC(-1, 1, 4), SRC(NAN, 0, 4)},
     2,
     8,
     0,
     1,
     true},
};

static void test_sources_pick(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(pick_cases); i++) {
        const struct pick_case *c = &pick_cases[i];
        bool explore = !c->explore;
        size_t got = sources_pick(c->s, c->n, c->total_cap, c->now_ms, &explore);

        if (got != c->want || explore != c->explore)
            row_fail(&t, c->what, "picked %zu (explore %d), want %zu (explore %d)", got, explore,
                     c->want, c->explore);
    }
    tally_end(&t, NROWS(pick_cases));
}

struct verdict_case {
    const char *what;
    struct source_stat s[3];
    size_t n;
    size_t i; /* the source judged */
    enum source_verdict want;
};

static const struct verdict_case verdict_cases[] = {
    {"a source without failures or bad pieces is usable",
     {SRC(1, 0, 4), BAD(1, 1)},
     2,
     0,
     SOURCE_OK},
    {"one bad piece drops a source while another is fine",
     {BAD(9 * MB, 1), SRC(1, 0, 4)},
     2,
     0,
     SOURCE_BAD_PIECES},
    {"one bad piece does not drop the only source", {BAD(9 * MB, 1)}, 1, 0, SOURCE_OK},
    {"one bad piece does not drop a source when every other has bad pieces too",
     {BAD(9 * MB, 1), BAD(1, 2)},
     2,
     0,
     SOURCE_OK},
    {"one bad piece does not drop a source when every other is dropped",
     {BAD(9 * MB, 1), DROPPED, FAILED(SOURCES_MAX_FAILURES)},
     3,
     0,
     SOURCE_OK},
    {"SOURCES_MAX_BAD_PIECES bad pieces drop even the only source",
     {BAD(9 * MB, SOURCES_MAX_BAD_PIECES)},
     1,
     0,
     SOURCE_BAD_PIECES},
    {"one bad piece short of the maximum keeps the only source",
     {BAD(9 * MB, SOURCES_MAX_BAD_PIECES - 1)},
     1,
     0,
     SOURCE_OK},
    {"SOURCES_MAX_FAILURES failures in a row make a source failing",
     {FAILED(SOURCES_MAX_FAILURES), SRC(1, 0, 4)},
     2,
     0,
     SOURCE_FAILING},
    {"failures one short of the maximum keep a source",
     {FAILED(SOURCES_MAX_FAILURES - 1)},
     1,
     0,
     SOURCE_OK},
    {"a dropped source stays dropped", {DROPPED}, 1, 0, SOURCE_DROPPED},
    {"a source waiting for a retry is still fine for the others' verdicts",
     {BAD(9 * MB, 1), WAITING(1000)},
     2,
     0,
     SOURCE_BAD_PIECES},
};

static void test_sources_verdict(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(verdict_cases); i++) {
        const struct verdict_case *c = &verdict_cases[i];
        enum source_verdict got = sources_verdict(c->s, c->n, c->i);

        if (got != c->want)
            row_fail(&t, c->what, "gave %d (%s), want %d (%s)", (int)got, sources_verdict_str(got),
                     (int)c->want, sources_verdict_str(c->want));
    }
    tally_end(&t, NROWS(verdict_cases));
    /* Every verdict has words of its own. */
    assert_string_equal(sources_verdict_str(SOURCE_BAD_PIECES), "sent pieces that fail their hash");
    assert_string_not_equal(sources_verdict_str(SOURCE_OK), sources_verdict_str(SOURCE_FAILING));
    assert_string_not_equal(sources_verdict_str(SOURCE_DROPPED), sources_verdict_str(SOURCE_OK));
}

/*
 * Hand out connections one by one, as idle connections would ask, and
 * return how many each source ends with. Speeds stay what the row says
 * once a source has been tried (its first connection "measures" it).
 */
static void spread(const double *speed, const unsigned *cap, size_t n, unsigned total,
                   unsigned *conns)
{
    struct source_stat s[4];

    memset(s, 0, sizeof(s));
    for (size_t i = 0; i < n; i++)
        s[i].cap = cap[i];
    for (;;) {
        size_t k = sources_pick(s, n, total, 0, NULL);

        if (k == SOURCES_NONE)
            break;
        assert_true(k < n);
        s[k].conns++;
        s[k].speed = speed[k];
    }
    for (size_t i = 0; i < n; i++)
        conns[i] = s[i].conns;
}

static void test_sources_spread(void **state)
{
    unsigned conns[4];

    (void)state;
    {
        /* One fast, one slow: the fast one ends with more connections. */
        const double speed[] = {1 * MB, 10 * MB};
        const unsigned cap[] = {4, 4};

        spread(speed, cap, 2, 6, conns);
        assert_int_equal(conns[0] + conns[1], 6);
        assert_int_equal(conns[1], 4);
        assert_int_equal(conns[0], 2);
    }
    {
        /* Every source is tried once before the fastest takes the rest. */
        const double speed[] = {10 * MB, 1 * MB, 2 * MB};
        const unsigned cap[] = {4, 4, 4};

        spread(speed, cap, 3, 6, conns);
        assert_int_equal(conns[0], 4);
        assert_int_equal(conns[1], 1);
        assert_int_equal(conns[2], 1);
    }
    {
        /* The per-source caps bound the total when they are below it. */
        const double speed[] = {10 * MB, 1 * MB};
        const unsigned cap[] = {2, 1};

        spread(speed, cap, 2, 16, conns);
        assert_int_equal(conns[0], 2);
        assert_int_equal(conns[1], 1);
    }
    {
        /* A saturated fast source: its per-connection speed falls, the slow one wins next. */
        struct source_stat s[2] = {SRC(10 * MB, 3, 4), SRC(4 * MB, 1, 4)};

        assert_int_equal(sources_pick(s, 2, 8, 0, NULL), 0);
        s[0].speed = 3 * MB; /* measured again with 3 connections sharing its bandwidth */
        assert_int_equal(sources_pick(s, 2, 8, 0, NULL), 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources_pick),
        cmocka_unit_test(test_sources_verdict),
        cmocka_unit_test(test_sources_spread),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
