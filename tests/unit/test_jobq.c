/*
 * tests/unit/test_jobq.c - server/jobq.c, the disk threads: every job
 * pushed (from several threads at once) runs once and is finished once
 * before jobq_stop() returns, and the tick comes while the threads idle.
 * Run under ThreadSanitizer by make test MODE=tsan.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "server/jobq.h"

#define NJOBS 200

struct test_job {
    struct job job;
    int value;
    atomic_int *sum;
    atomic_int *finished;
};

static void tj_run(struct job *j)
{
    struct test_job *t = (struct test_job *)j;

    atomic_fetch_add(t->sum, t->value);
}

static void tj_finish(struct job *j)
{
    struct test_job *t = (struct test_job *)j;

    atomic_fetch_add(t->finished, 1);
}

static atomic_int ticks;

static void tick(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ticks, 1);
}

/* Every job pushed (from two threads) runs once and is finished once, before the stop returns. */
struct pusher {
    struct jobq *q;
    struct test_job *jobs;
    size_t n;
};

static void *push_all(void *arg)
{
    struct pusher *p = arg;

    for (size_t i = 0; i < p->n; i++)
        jobq_push(p->q, &p->jobs[i].job);
    return NULL;
}

static void test_jobq(void **state)
{
    static struct test_job jobs[NJOBS];
    struct jobq q;
    atomic_int sum, finished;
    struct pusher a, b;
    pthread_t ta, tb;
    int want = 0;

    (void)state;
    atomic_init(&sum, 0);
    atomic_init(&finished, 0);
    atomic_init(&ticks, 0);
    assert_int_equal(jobq_start(&q, 3, tick, NULL, 1), 0);
    for (int i = 0; i < NJOBS; i++) {
        jobs[i].job.run = tj_run;
        jobs[i].job.finish = tj_finish;
        jobs[i].value = i + 1;
        jobs[i].sum = &sum;
        jobs[i].finished = &finished;
        want += i + 1;
    }
    a = (struct pusher){&q, jobs, NJOBS / 2};
    b = (struct pusher){&q, jobs + NJOBS / 2, NJOBS - NJOBS / 2};
    assert_int_equal(pthread_create(&ta, NULL, push_all, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, push_all, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    jobq_stop(&q);
    assert_int_equal(atomic_load(&sum), want);
    assert_int_equal(atomic_load(&finished), NJOBS);
}

static void test_jobq_tick(void **state)
{
    struct jobq q;
    struct timespec pause = {1, 300000000};

    (void)state;
    atomic_init(&ticks, 0);
    assert_int_equal(jobq_start(&q, 2, tick, NULL, 1), 0);
    nanosleep(&pause, NULL);
    jobq_stop(&q);
    assert_true(atomic_load(&ticks) >= 1);
    assert_int_equal(jobq_start(&q, 0, NULL, NULL, 1), -EINVAL);
    assert_int_equal(jobq_start(&q, JOBQ_MAX_THREADS + 1, NULL, NULL, 1), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobq),
        cmocka_unit_test(test_jobq_tick),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
