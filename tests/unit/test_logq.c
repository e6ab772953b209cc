/*
 * tests/unit/test_logq.c - server/logq.c, the bounded queue of log lines:
 * order, whole-line puts, drops counted and reported once, the ring's
 * wrap-around, takes smaller than what is queued, the stop, and (run it
 * under TSan) several producers and one consumer at once, where every
 * line comes out whole, in each producer's order, or is counted dropped.
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/logq.h"

static size_t put_str(struct logq *q, const char *s)
{
    return logq_put(q, s, strlen(s)) ? 1 : 0;
}

/* Take everything queued, without waiting, as a string. */
static void take_all(struct logq *q, char *out, size_t cap, uint64_t *dropped)
{
    size_t n = logq_take(q, out, cap - 1, dropped, false);

    out[n] = '\0';
}

static void test_order_and_content(void **state)
{
    struct logq q;
    char out[256];
    uint64_t dropped = 99;

    (void)state;
    assert_int_equal(logq_init(&q, 64), 0);
    assert_int_equal(put_str(&q, "one\n"), 1);
    assert_int_equal(put_str(&q, "two\n"), 1);
    assert_int_equal(put_str(&q, "three\n"), 1);
    take_all(&q, out, sizeof(out), &dropped);
    assert_string_equal(out, "one\ntwo\nthree\n");
    assert_int_equal(dropped, 0);
    /* Empty now: a take without waiting gives nothing. */
    take_all(&q, out, sizeof(out), &dropped);
    assert_string_equal(out, "");
    assert_int_equal(dropped, 0);
    logq_cleanup(&q);
}

/* A line that does not fit whole is dropped whole, counted, and reported once. */
static void test_full_drops_whole_lines(void **state)
{
    struct logq q;
    char out[64];
    uint64_t dropped = 0;

    (void)state;
    assert_int_equal(logq_init(&q, 10), 0);
    assert_int_equal(put_str(&q, "abcd\n"), 1);   /* 5 of 10 */
    assert_int_equal(put_str(&q, "efghij\n"), 0); /* 7 > 5 left: dropped */
    assert_int_equal(put_str(&q, "kl\n"), 1);     /* 3: fits */
    assert_int_equal(put_str(&q, "mn\n"), 0);     /* 3 > 2 left */
    assert_int_equal(put_str(&q, "o\n"), 1);      /* exactly fills it */
    assert_int_equal(put_str(&q, "\n"), 0);
    take_all(&q, out, sizeof(out), &dropped);
    assert_string_equal(out, "abcd\nkl\no\n");
    assert_int_equal(dropped, 3);
    take_all(&q, out, sizeof(out), &dropped);
    assert_int_equal(dropped, 0); /* the count starts over */
    /* A line longer than the whole queue can never be queued. */
    assert_int_equal(put_str(&q, "0123456789a\n"), 0);
    assert_int_equal(put_str(&q, "012345678\n"), 1); /* exactly the capacity */
    take_all(&q, out, sizeof(out), &dropped);
    assert_string_equal(out, "012345678\n");
    assert_int_equal(dropped, 1);
    logq_cleanup(&q);
}

/* Lines that wrap around the end of the ring come out intact. */
static void test_wrap_around(void **state)
{
    struct logq q;
    char out[64], want[64];
    uint64_t dropped;

    (void)state;
    assert_int_equal(logq_init(&q, 16), 0);
    for (int round = 0; round < 40; round++) {
        /* Lines of varying length so the head visits every offset. */
        int n = snprintf(want, sizeof(want), "r%d%.*s\n", round, round % 9, "xxxxxxxxx");

        assert_true(n > 0 && n <= 16);
        assert_true(logq_put(&q, want, (size_t)n));
        take_all(&q, out, sizeof(out), &dropped);
        assert_string_equal(out, want);
        assert_int_equal(dropped, 0);
    }
    /* Two lines, taken partly: the rest stays for the next take. */
    assert_int_equal(put_str(&q, "abcdef\n"), 1);
    assert_int_equal(put_str(&q, "ghijkl\n"), 1);
    assert_int_equal(logq_take(&q, out, 3, &dropped, false), 3);
    assert_memory_equal(out, "abc", 3);
    assert_int_equal(put_str(&q, "mn\n"), 1); /* the room freed is usable at once */
    take_all(&q, out, sizeof(out), &dropped);
    assert_string_equal(out, "def\nghijkl\nmn\n");
    logq_cleanup(&q);
}

/* A drop alone wakes a waiting taker, so it can report it. */
static void test_drop_is_news(void **state)
{
    struct logq q;
    char out[8];
    uint64_t dropped = 0;

    (void)state;
    assert_int_equal(logq_init(&q, 4), 0);
    assert_int_equal(put_str(&q, "toolong\n"), 0);
    assert_int_equal(logq_take(&q, out, sizeof(out), &dropped, true), 0);
    assert_int_equal(dropped, 1);
    logq_cleanup(&q);
}

struct waiter {
    struct logq *q;
    size_t got;
    uint64_t dropped;
};

static void *wait_then_take(void *arg)
{
    struct waiter *wt = arg;
    char out[64];

    wt->got = logq_take(wt->q, out, sizeof(out), &wt->dropped, true);
    return NULL;
}

/* logq_stop() wakes a taker waiting on an empty queue; what is queued is still taken. */
static void test_stop_wakes(void **state)
{
    struct logq q;
    struct waiter wt = {&q, 99, 99};
    pthread_t t;
    char out[64];
    uint64_t dropped;

    (void)state;
    assert_int_equal(logq_init(&q, 64), 0);
    assert_int_equal(pthread_create(&t, NULL, wait_then_take, &wt), 0);
    usleep(20000); /* let it wait; the test holds without this, only less sharply */
    logq_stop(&q);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(wt.got, 0);
    assert_int_equal(wt.dropped, 0);
    /* Lines put while stopping are still taken, then the stop shows again. */
    assert_int_equal(put_str(&q, "late\n"), 1);
    assert_int_equal(logq_take(&q, out, sizeof(out), &dropped, true), 5);
    assert_int_equal(logq_take(&q, out, sizeof(out), &dropped, true), 0);
    logq_cleanup(&q);
}

#define PRODUCERS 4
#define LINES     20000

struct producer {
    struct logq *q;
    int id;
    uint64_t refused;
};

static void *produce(void *arg)
{
    struct producer *p = arg;

    for (int i = 0; i < LINES; i++) {
        char line[64];
        int n = snprintf(line, sizeof(line), "p%d %d %s\n", p->id, i, i % 2 ? "odd" : "even");

        if (!logq_put(p->q, line, (size_t)n))
            p->refused++;
    }
    return NULL;
}

/* Check one line "pID SEQ odd|even" and that SEQ grows for its producer. */
static void check_line(const char *line, int *last_seq, size_t *taken)
{
    int id, seq;
    char word[8];

    if (sscanf(line, "p%d %d %7s", &id, &seq, word) != 3 || id < 0 || id >= PRODUCERS)
        fail_msg("a torn or foreign line: \"%s\"", line);
    if (strcmp(word, seq % 2 ? "odd" : "even") != 0)
        fail_msg("a line with the wrong end: \"%s\"", line);
    if (seq <= last_seq[id])
        fail_msg("producer %d: line %d after %d", id, seq, last_seq[id]);
    last_seq[id] = seq;
    (*taken)++;
}

/*
 * Four producers against one consumer through a small queue: every line
 * comes out whole and in its producer's order, or was refused, and the
 * drop counts the consumer sees add up to the refusals.
 */
static void test_threads(void **state)
{
    struct logq q;
    struct producer p[PRODUCERS];
    pthread_t t[PRODUCERS];
    int last_seq[PRODUCERS];
    char out[256], pending[512];
    size_t pending_len = 0, taken = 0;
    uint64_t dropped_seen = 0, refused = 0;
    int running = PRODUCERS;

    (void)state;
    assert_int_equal(logq_init(&q, 4096), 0);
    for (int i = 0; i < PRODUCERS; i++) {
        last_seq[i] = -1;
        p[i] = (struct producer){&q, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
    }
    for (;;) {
        uint64_t dropped = 0;
        size_t n = logq_take(&q, out, sizeof(out), &dropped, running > 0);

        dropped_seen += dropped;
        /* Reassemble lines cut between takes. */
        assert_true(pending_len + n < sizeof(pending));
        memcpy(pending + pending_len, out, n);
        pending_len += n;
        for (char *nl; (nl = memchr(pending, '\n', pending_len)) != NULL;) {
            size_t len = (size_t)(nl - pending) + 1;

            *nl = '\0';
            check_line(pending, last_seq, &taken);
            memmove(pending, pending + len, pending_len - len);
            pending_len -= len;
        }
        if (running > 0 && n == 0 && dropped == 0)
            fail_msg("a waiting take returned nothing before the stop");
        if (running == 0 && n == 0 && dropped == 0)
            break;
        if (running > 0 && taken + dropped_seen >= (size_t)PRODUCERS * LINES) {
            for (int i = 0; i < PRODUCERS; i++)
                assert_int_equal(pthread_join(t[i], NULL), 0);
            running = 0;
        }
    }
    for (int i = 0; i < PRODUCERS; i++)
        refused += p[i].refused;
    assert_int_equal(pending_len, 0);
    assert_int_equal(dropped_seen, refused);
    assert_int_equal(taken + refused, (size_t)PRODUCERS * LINES);
    logq_cleanup(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_content), cmocka_unit_test(test_full_drops_whole_lines),
        cmocka_unit_test(test_wrap_around),       cmocka_unit_test(test_drop_is_news),
        cmocka_unit_test(test_stop_wakes),        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
