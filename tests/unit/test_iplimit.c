/*
 * tests/unit/test_iplimit.c - server/iplimit.c (connections per client
 * address) and server/capacity.c's capacity_plan() (how many connections,
 * from the descriptor limit). The table is checked against a simple
 * model through thousands of random takes and releases on a tiny table
 * (so probe runs collide and wrap), and under TSan with threads taking
 * and releasing at once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/capacity.h"
#include "server/iplimit.h"

static struct iplimit_key key_of(unsigned n)
{
    struct iplimit_key k;

    memset(&k, 0, sizeof(k));
    k.b[0] = 0x20;
    k.b[1] = 0x01;
    k.b[12] = (uint8_t)(n >> 24);
    k.b[13] = (uint8_t)(n >> 16);
    k.b[14] = (uint8_t)(n >> 8);
    k.b[15] = (uint8_t)n;
    return k;
}

/* Up to the limit an address is counted; then refused; a release lets one more in. */
static void test_take_release(void **state)
{
    struct iplimit l;
    struct iplimit_key a = key_of(1), b = key_of(2);

    (void)state;
    assert_int_equal(iplimit_init(&l, 100, 3), 0);
    assert_true(iplimit_take(&l, &a));
    assert_true(iplimit_take(&l, &a));
    assert_true(iplimit_take(&l, &a));
    assert_false(iplimit_take(&l, &a)); /* the fourth from A */
    assert_int_equal(iplimit_count(&l, &a), 3);
    assert_true(iplimit_take(&l, &b)); /* another address is not affected */
    assert_int_equal(iplimit_count(&l, &b), 1);
    iplimit_release(&l, &a);
    assert_int_equal(iplimit_count(&l, &a), 2);
    assert_true(iplimit_take(&l, &a));
    assert_false(iplimit_take(&l, &a));
    for (int i = 0; i < 3; i++)
        iplimit_release(&l, &a);
    assert_int_equal(iplimit_count(&l, &a), 0);
    iplimit_release(&l, &a); /* one too many: ignored */
    assert_int_equal(iplimit_count(&l, &a), 0);
    assert_int_equal(iplimit_count(&l, &b), 1);
    iplimit_cleanup(&l);
}

/* A limit of 1 lets each address hold one connection. */
static void test_limit_one(void **state)
{
    struct iplimit l;

    (void)state;
    assert_int_equal(iplimit_init(&l, 10, 1), 0);
    for (unsigned i = 0; i < 10; i++) {
        struct iplimit_key k = key_of(i);

        assert_true(iplimit_take(&l, &k));
        assert_false(iplimit_take(&l, &k));
    }
    iplimit_cleanup(&l);
}

/*
 * Random takes and releases over 40 addresses in a 64-slot table (init
 * for 20 connections: 2 x 20 rounded up to a power of two is 64; up to 40
 * addresses are present at once, so runs collide and wrap around the
 * end), checked against plain counters after every step.
 */
static void test_against_model(void **state)
{
    struct iplimit l;
    unsigned model[40] = {0};
    uint64_t rnd = 0x123456789abcdefu;

    (void)state;
    assert_int_equal(iplimit_init(&l, 20, 4), 0);
    assert_int_equal(l.mask, 63);
    for (int step = 0; step < 200000; step++) {
        unsigned i;
        struct iplimit_key k;

        rnd = rnd * 6364136223846793005u + 1442695040888963407u;
        i = (unsigned)(rnd >> 33) % 40;
        k = key_of(i * 2654435761u); /* spread, so homes vary */
        if ((rnd >> 20) & 1) {
            bool want = model[i] < 4, got = iplimit_take(&l, &k);

            if (got != want)
                fail_msg("step %d: take of address %u gave %d with %u held", step, i, got,
                         model[i]);
            model[i] += got;
        } else if (model[i] > 0) {
            iplimit_release(&l, &k);
            model[i]--;
        }
        if (step % 97 == 0) {
            for (unsigned j = 0; j < 40; j++) {
                struct iplimit_key kj = key_of(j * 2654435761u);

                if (iplimit_count(&l, &kj) != model[j])
                    fail_msg("step %d: address %u counts %u, want %u", step, j,
                             iplimit_count(&l, &kj), model[j]);
            }
        }
    }
    iplimit_cleanup(&l);
}

/* IPv4 and IPv4-mapped IPv6 are one address; the port does not matter. */
static void test_key_from_addr(void **state)
{
    struct sockaddr_in in4;
    struct sockaddr_in6 in6, mapped;
    struct iplimit_key a, b, c, d;

    (void)state;
    memset(&in4, 0, sizeof(in4));
    in4.sin_family = AF_INET;
    in4.sin_port = htons(1234);
    assert_int_equal(inet_pton(AF_INET, "127.0.0.2", &in4.sin_addr), 1);
    memset(&mapped, 0, sizeof(mapped));
    mapped.sin6_family = AF_INET6;
    mapped.sin6_port = htons(9);
    assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.2", &mapped.sin6_addr), 1);
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, "::1", &in6.sin6_addr), 1);
    iplimit_key_from_addr((struct sockaddr *)&in4, sizeof(in4), &a);
    iplimit_key_from_addr((struct sockaddr *)&mapped, sizeof(mapped), &b);
    iplimit_key_from_addr((struct sockaddr *)&in6, sizeof(in6), &c);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_memory_not_equal(&a, &c, sizeof(a));
    in4.sin_port = htons(4321);
    iplimit_key_from_addr((struct sockaddr *)&in4, sizeof(in4), &d);
    assert_memory_equal(&a, &d, sizeof(a));
    in4.sin_addr.s_addr = htonl(0x7f000003);
    iplimit_key_from_addr((struct sockaddr *)&in4, sizeof(in4), &d);
    assert_memory_not_equal(&a, &d, sizeof(a));
    /* A short length is not read past: the all-zero key. */
    iplimit_key_from_addr((struct sockaddr *)&in4, 4, &d);
    memset(&c, 0, sizeof(c));
    assert_memory_equal(&c, &d, sizeof(c));
}

struct churn {
    struct iplimit *l;
    unsigned base;
    unsigned refused;
};

static void *churn_main(void *arg)
{
    struct churn *ch = arg;

    for (unsigned round = 0; round < 20000; round++) {
        struct iplimit_key k = key_of(ch->base + round % 8);

        if (iplimit_take(ch->l, &k))
            iplimit_release(ch->l, &k);
        else
            ch->refused++;
    }
    return NULL;
}

/* Threads taking and releasing at once leave every count at zero (run under TSan). */
static void test_threads(void **state)
{
    struct iplimit l;
    struct churn ch[4];
    pthread_t t[4];

    (void)state;
    assert_int_equal(iplimit_init(&l, 64, 1000), 0);
    for (int i = 0; i < 4; i++) {
        ch[i] = (struct churn){&l, (unsigned)(i % 2) * 4, 0};
        assert_int_equal(pthread_create(&t[i], NULL, churn_main, &ch[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(ch[i].refused, 0);
    }
    for (unsigned n = 0; n < 16; n++) {
        struct iplimit_key k = key_of(n);

        assert_int_equal(iplimit_count(&l, &k), 0);
    }
    iplimit_cleanup(&l);
}

struct plan_case {
    const char *what;
    uint64_t nofile;
    unsigned want_max, want_per_ip;
    unsigned max, per_ip;
    bool is_lowered;
};

static const struct plan_case plan_cases[] = {
    {"20000 descriptors: 7/8 of what is left after 64", 20000, 0, 0, 17444, 13083, false},
    {"1024 descriptors (a common soft limit)", 1024, 0, 0, 840, 630, false},
    {"1048576 descriptors", 1048576, 0, 0, 917448, 688086, false},
    {"a huge limit stops at CAPACITY_MAX", 1ull << 40, 0, 0, CAPACITY_MAX, 750000, false},
    {"a limit within the reserve still gives one connection", 10, 0, 0, 1, 1, false},
    {"a limit of 0 still gives one connection", 0, 0, 0, 1, 1, false},
    {"an explicit limit that fits is kept", 20000, 5000, 0, 5000, 3750, false},
    {"an explicit limit that does not fit is lowered", 1024, 5000, 0, 840, 630, true},
    {"exactly what fits is not lowered", 20000, 17444, 0, 17444, 13083, false},
    {"one more than fits is lowered", 20000, 17445, 0, 17444, 13083, true},
    {"an explicit per-address limit is kept", 20000, 0, 256, 17444, 256, false},
    {"a per-address limit above the total is the total", 20000, 100, 500, 100, 100, false},
    {"three connections allow three from one address", 20000, 3, 0, 3, 3, false},
    {"one connection allows one from one address", 20000, 1, 0, 1, 1, false},
    {"four connections allow three from one address", 20000, 4, 0, 4, 3, false},
};

static void test_capacity_plan(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(plan_cases); i++) {
        const struct plan_case *c = &plan_cases[i];
        struct capacity got;

        memset(&got, 0x5a, sizeof(got));
        capacity_plan(c->nofile, c->want_max, c->want_per_ip, &got);
        if (got.max_connections != c->max || got.max_per_ip != c->per_ip ||
            got.is_lowered != c->is_lowered)
            row_fail(&t, c->what, "gave %u, %u per address, lowered %d", got.max_connections,
                     got.max_per_ip, got.is_lowered);
    }
    tally_end(&t, NROWS(plan_cases));
}

struct files_case {
    const char *what;
    uint64_t nofile;
    unsigned nworkers;
    unsigned file_slots, per_worker;
};

static const struct files_case files_cases[] = {
    {"20000 descriptors: an eighth of what is left is for files; the cache stops at its maximum",
     20000, 2, 2492, CAPACITY_FILE_CACHE_MAX},
    {"1024 descriptors, 2 workers: a quarter of the files' eighth, shared", 1024, 2, 120, 15},
    {"256 descriptors, 1 worker", 256, 1, 24, 6},
    {"256 descriptors, 2 workers", 256, 2, 24, 3},
    {"1024 descriptors, 256 workers: too few to share, no cache", 1024, 256, 120, 0},
    {"0 workers counts as one", 1024, 0, 120, 30},
    {"a limit within the reserve leaves no file slot and no cache", 10, 1, 0, 0},
    {"a huge limit: the slots stop at UINT32_MAX, the cache at its maximum", 1ull << 40, 256,
     UINT32_MAX, CAPACITY_FILE_CACHE_MAX},
};

static void test_capacity_files(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(files_cases); i++) {
        const struct files_case *c = &files_cases[i];
        struct capacity got;
        unsigned n;

        memset(&got, 0x5a, sizeof(got));
        capacity_plan(c->nofile, 0, 0, &got);
        n = capacity_file_cache(got.file_slots, c->nworkers);
        if (got.file_slots != c->file_slots || n != c->per_worker)
            row_fail(&t, c->what, "gave %u file slots, %u cached per worker", got.file_slots, n);
    }
    tally_end(&t, NROWS(files_cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_release),   cmocka_unit_test(test_limit_one),
        cmocka_unit_test(test_against_model),  cmocka_unit_test(test_key_from_addr),
        cmocka_unit_test(test_threads),        cmocka_unit_test(test_capacity_plan),
        cmocka_unit_test(test_capacity_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
