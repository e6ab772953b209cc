/*
 * tests/unit/test_hasher.c - client/hasher.c: the digest is the file's,
 * with a thread or without, whichever way the bytes reach it: handed over
 * in order by the writer, some of them never handed over (read back at
 * the end), handed over out of order (ignored, read back), or followed
 * from the page cache as the prefix grows.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/hasher.h"
#include "sha256.h"

#define SIZE (3u * (1u << 20) + 12345u) /* past the read-back buffer, not a multiple of it */

struct fixture {
    char path[64];
    int fd;
    uint8_t *data;
    uint8_t want[SHA256_LEN];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    uint64_t x = 88172645463325252ull;

    assert_non_null(f);
    snprintf(f->path, sizeof(f->path), "/tmp/pdm-test-hasher.XXXXXX");
    f->fd = mkstemp(f->path);
    assert_true(f->fd >= 0);
    f->data = malloc(SIZE);
    assert_non_null(f->data);
    for (size_t i = 0; i < SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        f->data[i] = (uint8_t)x;
    }
    assert_int_equal(sha256_buf(f->data, SIZE, f->want), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    close(f->fd);
    unlink(f->path);
    free(f->data);
    free(f);
    return 0;
}

/* Write [OFF, OFF+N) of the data into the file, as a connection would. */
static void put(struct fixture *f, size_t off, size_t n)
{
    assert_int_equal(pwrite(f->fd, f->data + off, n, (off_t)off), (ssize_t)n);
}

static void check_digest(struct fixture *f, struct hasher *h)
{
    uint8_t got[SHA256_LEN];

    assert_int_equal(hasher_finish(h, SIZE, got), 0);
    assert_memory_equal(got, f->want, SHA256_LEN);
}

/* Without a thread, bytes handed over in order are hashed as they come. */
static void test_inline_in_order(void **state)
{
    struct fixture *f = *state;
    struct hasher h;

    assert_int_equal(hasher_start(&h, f->fd, false, false), 0);
    for (size_t off = 0; off < SIZE; off += 100000) {
        size_t n = SIZE - off < 100000 ? SIZE - off : 100000;

        put(f, off, n);
        hasher_wrote(&h, off, f->data + off, n, off + n);
        assert_int_equal(hasher_progress(&h), off + n);
    }
    check_digest(f, &h);
}

/* Without a thread, bytes never handed over (a resumed part) are read back at the end. */
static void test_inline_reads_back(void **state)
{
    struct fixture *f = *state;
    struct hasher h;

    put(f, 0, SIZE / 2); /* already there from an earlier run */
    assert_int_equal(hasher_start(&h, f->fd, false, false), 0);
    put(f, SIZE / 2, SIZE - SIZE / 2);
    hasher_wrote(&h, SIZE / 2, f->data + SIZE / 2, SIZE - SIZE / 2, SIZE);
    assert_int_equal(hasher_progress(&h), 0); /* not where the hash stands */
    check_digest(f, &h);
}

/* Without a thread, a handover out of order is ignored; the rest in order is not. */
static void test_inline_out_of_order(void **state)
{
    struct fixture *f = *state;
    struct hasher h;

    assert_int_equal(hasher_start(&h, f->fd, false, false), 0);
    put(f, 1000, 5000);
    hasher_wrote(&h, 1000, f->data + 1000, 5000, 0);
    assert_int_equal(hasher_progress(&h), 0);
    put(f, 0, 1000);
    hasher_wrote(&h, 0, f->data, 1000, 6000);
    assert_int_equal(hasher_progress(&h), 1000);
    put(f, 6000, SIZE - 6000);
    check_digest(f, &h);
}

/* With a thread, the written prefix is followed from the file. */
static void test_threaded(void **state)
{
    struct fixture *f = *state;
    struct hasher h;

    assert_int_equal(hasher_start(&h, f->fd, true, false), 0);
    put(f, SIZE / 3, SIZE - SIZE / 3);
    hasher_advance(&h, 0); /* the prefix has not grown */
    put(f, 0, SIZE / 3);
    hasher_wrote(&h, 0, f->data, SIZE / 3, SIZE); /* with a thread: as an advance */
    check_digest(f, &h);
}

/* A file shorter than what it should hold is a read error, not a wrong digest. */
static void test_short_file(void **state)
{
    struct fixture *f = *state;
    struct hasher h;
    uint8_t got[SHA256_LEN];

    put(f, 0, 1000);
    for (int threaded = 0; threaded < 2; threaded++) {
        assert_int_equal(hasher_start(&h, f->fd, threaded, false), 0);
        assert_int_equal(hasher_finish(&h, SIZE, got), -EIO);
    }
}

/* Cancelling, with or without a thread, leaves nothing running. */
static void test_cancel(void **state)
{
    struct fixture *f = *state;
    struct hasher h;

    for (int threaded = 0; threaded < 2; threaded++) {
        assert_int_equal(hasher_start(&h, f->fd, threaded, false), 0);
        put(f, 0, 1000);
        hasher_wrote(&h, 0, f->data, 1000, 1000);
        hasher_cancel(&h);
        hasher_cancel(&h); /* twice is fine */
        assert_int_equal(hasher_progress(&h), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inline_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inline_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inline_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
