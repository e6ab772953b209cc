/*
 * tests/unit/test_timerheap.c - server/timerheap.c: the intrusive min-heap
 * of deadlines, checked against a plain array model under long runs of
 * random operations (set, move earlier, move later, remove, pop_due), with
 * the heap's own bookkeeping (idx, heap order) verified after every step.
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

#include "server/timerheap.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* A deterministic generator (splitmix64), so a failure replays. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return rng_next(s) % n;
}

/*
 * The heap's invariants, given the model: H holds exactly the armed nodes,
 * each at the index it records, in heap order; unarmed nodes say so.
 * Returns a complaint or NULL.
 */
static const char *check_heap(const struct timerheap *h, const struct timer_node *nodes,
                              const bool *armed, const uint64_t *when, size_t n)
{
    size_t narmed = 0;
    const struct timer_node *peek = timerheap_peek(h);

    for (size_t i = 0; i < h->n; i++) {
        if (h->v[i]->idx != i)
            return "a node's idx is not its position";
        if (i > 0 && h->v[(i - 1) / 2]->when > h->v[i]->when)
            return "heap order is broken";
    }
    for (size_t i = 0; i < n; i++) {
        if (armed[i]) {
            narmed++;
            if (!timer_node_is_armed(&nodes[i]) || nodes[i].idx >= h->n ||
                h->v[nodes[i].idx] != &nodes[i])
                return "an armed node is not where it says";
            if (nodes[i].when != when[i])
                return "an armed node has the wrong deadline";
        } else if (timer_node_is_armed(&nodes[i]) || nodes[i].idx != SIZE_MAX) {
            return "a disarmed node still looks armed";
        }
    }
    if (narmed != h->n)
        return "the heap holds a different number of nodes than the model";
    if (h->n > h->cap)
        return "more nodes than capacity";
    if ((h->n == 0) != (peek == NULL))
        return "peek disagrees with emptiness";
    for (size_t i = 0; peek != NULL && i < n; i++)
        if (armed[i] && when[i] < peek->when)
            return "peek is not the earliest deadline";
    return NULL;
}

/* The earliest armed deadline of the model, or UINT64_MAX when none. */
static uint64_t model_min(const bool *armed, const uint64_t *when, size_t n)
{
    uint64_t m = UINT64_MAX;

    for (size_t i = 0; i < n; i++)
        if (armed[i] && when[i] < m)
            m = when[i];
    return m;
}

enum op {
    OP_SET,     /* arm a node, or move an armed one anywhere */
    OP_EARLIER, /* move an armed node to an earlier deadline */
    OP_LATER,   /* move an armed node to a later deadline */
    OP_SAME,    /* set an armed node to its own deadline */
    OP_REMOVE,  /* disarm a node, armed or not */
    OP_POP,     /* pop every node due at a random time */
    OP_COUNT,
};

struct run_case {
    const char *what;
    uint64_t seed;
    size_t nodes;
    size_t steps;
    uint64_t span; /* deadlines are drawn from [0, span): small spans force ties */
};

static const struct run_case run_cases[] = {
    {"a few nodes, many ties", 1, 5, 20000, 4},
    {"a few nodes, spread deadlines", 2, 8, 20000, 1000000},
    {"past the first capacity (64) with ties", 3, 150, 40000, 50},
    {"many nodes, spread deadlines", 4, 300, 60000, UINT64_MAX},
    {"many nodes, heavy ties", 5, 300, 60000, 3},
};

static void test_timerheap_random(void **state)
{
    (void)state;
    for (size_t r = 0; r < NROWS(run_cases); r++) {
        const struct run_case *c = &run_cases[r];
        struct timer_node nodes[300];
        bool armed[300];
        uint64_t when[300];
        struct timerheap h;
        uint64_t s = c->seed;
        size_t pops = 0;

        timerheap_init(&h);
        for (size_t i = 0; i < c->nodes; i++) {
            timer_node_init(&nodes[i]);
            armed[i] = false;
            when[i] = 0;
        }
        for (size_t step = 0; step < c->steps; step++) {
            size_t i = (size_t)rng_below(&s, c->nodes);
            enum op op = (enum op)rng_below(&s, OP_COUNT);
            const char *bad;
            uint64_t w;

            /* Arm more often than we disarm, so the heap fills up. */
            if (!armed[i] && op != OP_REMOVE && op != OP_POP)
                op = OP_SET;
            switch (op) {
            case OP_SET:
                w = rng_below(&s, c->span);
                assert_int_equal(timerheap_set(&h, &nodes[i], w), 0);
                armed[i] = true;
                when[i] = w;
                break;
            case OP_EARLIER:
                w = when[i] == 0 ? 0 : rng_below(&s, when[i]);
                assert_int_equal(timerheap_set(&h, &nodes[i], w), 0);
                when[i] = w;
                break;
            case OP_LATER:
                w = when[i] == UINT64_MAX ? when[i]
                                          : when[i] + 1 + rng_below(&s, UINT64_MAX - when[i]);
                if (c->span < UINT64_MAX && w - when[i] > c->span)
                    w = when[i] + 1 + rng_below(&s, c->span);
                assert_int_equal(timerheap_set(&h, &nodes[i], w), 0);
                when[i] = w;
                break;
            case OP_SAME:
                assert_int_equal(timerheap_set(&h, &nodes[i], when[i]), 0);
                break;
            case OP_REMOVE:
                timerheap_remove(&h, &nodes[i]);
                armed[i] = false;
                break;
            case OP_POP: {
                uint64_t now = rng_below(&s, c->span);
                struct timer_node *t;
                uint64_t last = 0;

                while ((t = timerheap_pop_due(&h, now)) != NULL) {
                    size_t k = (size_t)(t - nodes);

                    if (k >= c->nodes || !armed[k])
                        fail_msg("%s (seed %" PRIu64 ", step %zu): popped a node not armed",
                                 c->what, c->seed, step);
                    if (when[k] > now || when[k] != model_min(armed, when, c->nodes) ||
                        when[k] < last)
                        fail_msg("%s (seed %" PRIu64 ", step %zu): popped %" PRIu64 " at %" PRIu64
                                 ", the earliest was %" PRIu64,
                                 c->what, c->seed, step, when[k], now,
                                 model_min(armed, when, c->nodes));
                    if (timer_node_is_armed(t))
                        fail_msg("%s (seed %" PRIu64 ", step %zu): a popped node is armed", c->what,
                                 c->seed, step);
                    last = when[k];
                    armed[k] = false;
                    pops++;
                }
                if (model_min(armed, when, c->nodes) <= now)
                    fail_msg("%s (seed %" PRIu64 ", step %zu): a due node was not popped", c->what,
                             c->seed, step);
                break;
            }
            case OP_COUNT:
                break;
            }
            bad = check_heap(&h, nodes, armed, when, c->nodes);
            if (bad != NULL)
                fail_msg("%s (seed %" PRIu64 ", step %zu, op %d on node %zu): %s", c->what, c->seed,
                         step, (int)op, i, bad);
        }
        /* Drain: everything comes out in deadline order, then nothing. */
        {
            struct timer_node *t;
            uint64_t last = 0;
            size_t left = h.n;

            while ((t = timerheap_pop_due(&h, UINT64_MAX)) != NULL) {
                size_t k = (size_t)(t - nodes);

                if (t->when < last || !armed[k])
                    fail_msg("%s: the drain is out of order", c->what);
                last = t->when;
                armed[k] = false;
                left--;
            }
            if (left != 0 || h.n != 0 || timerheap_peek(&h) != NULL)
                fail_msg("%s: %zu nodes left after the drain", c->what, left);
        }
        if (pops == 0)
            fail_msg("%s: the run never popped anything; it tests too little", c->what);
        timerheap_cleanup(&h);
    }
}

struct pop_case {
    const char *what;
    uint64_t deadlines[4];
    size_t n;
    uint64_t now;
    size_t npopped;
    uint64_t popped[4]; /* in order */
};

static const struct pop_case pop_cases[] = {
    {"an empty heap pops nothing", {0}, 0, 100, 0, {0}},
    {"nothing is due before the earliest deadline", {5, 3, 9}, 3, 2, 0, {0}},
    {"a deadline equal to now is due", {5, 3, 9}, 3, 3, 1, {3}},
    {"due nodes come out earliest first", {5, 3, 9, 1}, 4, 6, 3, {1, 3, 5}},
    {"everything is due at UINT64_MAX", {5, 3, 9, 1}, 4, UINT64_MAX, 4, {1, 3, 5, 9}},
    {"a deadline of UINT64_MAX is due only at UINT64_MAX",
     {UINT64_MAX, 7},
     2,
     UINT64_MAX - 1,
     1,
     {7}},
    {"equal deadlines all come out", {4, 4, 4}, 3, 4, 3, {4, 4, 4}},
    {"a deadline of 0 is due at 0", {0, 1}, 2, 0, 1, {0}},
};

static void test_timerheap_pop_due(void **state)
{
    (void)state;
    for (size_t r = 0; r < NROWS(pop_cases); r++) {
        const struct pop_case *c = &pop_cases[r];
        struct timer_node nodes[4];
        struct timerheap h;
        struct timer_node *t;
        size_t got = 0;

        timerheap_init(&h);
        for (size_t i = 0; i < c->n; i++) {
            timer_node_init(&nodes[i]);
            assert_int_equal(timerheap_set(&h, &nodes[i], c->deadlines[i]), 0);
        }
        while ((t = timerheap_pop_due(&h, c->now)) != NULL) {
            if (got >= c->npopped || t->when != c->popped[got])
                fail_msg("%s: pop %zu gave %" PRIu64, c->what, got, t->when);
            got++;
        }
        if (got != c->npopped || h.n != c->n - c->npopped)
            fail_msg("%s: %zu popped, %zu left", c->what, got, h.n);
        timerheap_cleanup(&h);
    }
}

static void test_timerheap_remove_unarmed(void **state)
{
    struct timerheap h;
    struct timer_node a, b, never;

    (void)state;
    timerheap_init(&h);
    timer_node_init(&a);
    timer_node_init(&b);
    timer_node_init(&never);
    /* Removing from an empty heap, a node never armed: nothing happens. */
    timerheap_remove(&h, &never);
    assert_int_equal(h.n, 0);
    assert_false(timer_node_is_armed(&never));
    assert_int_equal(timerheap_set(&h, &a, 10), 0);
    assert_int_equal(timerheap_set(&h, &b, 20), 0);
    /* A node never armed, with others in the heap: they are untouched. */
    timerheap_remove(&h, &never);
    assert_int_equal(h.n, 2);
    assert_ptr_equal(timerheap_peek(&h), &a);
    assert_int_equal(a.idx, 0);
    assert_int_equal(b.idx, 1);
    /* A node removed twice: the second time is a no-op. */
    timerheap_remove(&h, &a);
    assert_false(timer_node_is_armed(&a));
    timerheap_remove(&h, &a);
    assert_int_equal(h.n, 1);
    assert_ptr_equal(timerheap_peek(&h), &b);
    assert_int_equal(b.idx, 0);
    /* A popped node is disarmed; removing it is a no-op. */
    assert_ptr_equal(timerheap_pop_due(&h, 20), &b);
    assert_false(timer_node_is_armed(&b));
    timerheap_remove(&h, &b);
    assert_int_equal(h.n, 0);
    assert_null(timerheap_peek(&h));
    /* A removed node can be armed again. */
    assert_int_equal(timerheap_set(&h, &a, 5), 0);
    assert_true(timer_node_is_armed(&a));
    assert_ptr_equal(timerheap_pop_due(&h, 5), &a);
    timerheap_cleanup(&h);
}

static void test_timerheap_cleanup_disarms(void **state)
{
    struct timerheap h;
    struct timer_node n[100];

    (void)state;
    timerheap_init(&h);
    for (size_t i = 0; i < 100; i++) {
        timer_node_init(&n[i]);
        assert_int_equal(timerheap_set(&h, &n[i], 1000 - i), 0);
    }
    assert_int_equal(h.n, 100);
    assert_ptr_equal(timerheap_peek(&h), &n[99]);
    timerheap_cleanup(&h);
    assert_int_equal(h.n, 0);
    assert_null(h.v);
    assert_null(timerheap_peek(&h));
    for (size_t i = 0; i < 100; i++)
        assert_false(timer_node_is_armed(&n[i]));
    /* The heap is usable again after cleanup. */
    assert_int_equal(timerheap_set(&h, &n[0], 1), 0);
    assert_ptr_equal(timerheap_pop_due(&h, 1), &n[0]);
    timerheap_cleanup(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timerheap_random),
        cmocka_unit_test(test_timerheap_pop_due),
        cmocka_unit_test(test_timerheap_remove_unarmed),
        cmocka_unit_test(test_timerheap_cleanup_disarms),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
