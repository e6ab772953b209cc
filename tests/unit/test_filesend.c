/*
 * tests/unit/test_filesend.c - server/filesend.c on a real file and a
 * non-blocking AF_UNIX socketpair (sendfile and SIOCOUTQ work on both):
 * an unchanged file goes out whole, the held-back tail waits until the
 * socket has drained, and a file rewritten in place, truncated or
 * replaced at any stage (mid-bulk, before the tail, while waiting for the
 * drain) is reported as changed with its tail never sent, so the reader
 * never gets the promised length.
 *
 * The file's mtime is set far in the past after it is written, so that a
 * rewrite within the same clock tick still changes its identity (the
 * limit documented in docs/PROTOCOL.md is not what is tested here).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/filesend.h"

struct rig {
    char path[64];
    int fd;      /* the file, read-only, as the server holds it */
    int sock[2]; /* [0] the server's end, [1] the reader's */
    struct file_id id;
    struct filesend fs;
    unsigned char *got; /* what the reader received */
    size_t got_len, cap;
};

static unsigned char byte_of(size_t i, unsigned version)
{
    return (unsigned char)(i * 7 + i / 4096 + version * 101);
}

static void write_version(const char *path, size_t len, unsigned version)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600); /* as cp does */
    unsigned char *buf = malloc(len > 0 ? len : 1);

    assert_true(fd >= 0);
    assert_non_null(buf);
    for (size_t i = 0; i < len; i++)
        buf[i] = byte_of(i, version);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    free(buf);
}

static void rig_open(struct rig *r, size_t len)
{
    struct stat st;
    struct timespec old[2] = {{946684800, 0}, {946684800, 0}}; /* 2000-01-01 */
    int fd;

    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "/tmp/pdm-filesend-%d-XXXXXX", (int)getpid());
    fd = mkstemp(r->path);
    assert_true(fd >= 0);
    close(fd);
    write_version(r->path, len, 1);
    assert_int_equal(utimensat(AT_FDCWD, r->path, old, 0), 0);
    r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
    assert_true(r->fd >= 0);
    assert_int_equal(fstat(r->fd, &st), 0);
    file_id_from_stat(&st, &r->id);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, r->sock),
                     0);
    filesend_init(&r->fs, r->fd, &r->id);
    r->cap = len + 1;
    r->got = malloc(r->cap);
    assert_non_null(r->got);
}

static void rig_close(struct rig *r)
{
    filesend_cleanup(&r->fs);
    close(r->sock[0]);
    close(r->sock[1]);
    close(r->fd);
    unlink(r->path);
    free(r->got);
}

/* The reader takes everything that is there. */
static void drain(struct rig *r)
{
    for (;;) {
        ssize_t n = read(r->sock[1], r->got + r->got_len, r->cap - r->got_len);

        if (n <= 0)
            return;
        r->got_len += (size_t)n;
    }
}

/*
 * Step the whole segment [0, LEN) through, IS_LAST, the reader draining
 * only when told to wait. Before the step numbered AT (0: never), call
 * CHANGE. Returns the first result that is not SENT, AGAIN or DRAIN, or
 * FILESEND_SENT when everything went out. *DRAINS counts the DRAIN waits.
 */
static enum filesend_result run(struct rig *r, uint64_t len, bool is_last, int at,
                                void (*change)(struct rig *), unsigned *drains)
{
    uint64_t done = 0;

    *drains = 0;
    for (int step = 1; done < len; step++) {
        size_t sent = 0;
        int err = 0;
        enum filesend_result res;

        if (step == at)
            change(r);
        res =
            filesend_step(&r->fs, r->sock[0], 0, len, done, is_last, false, 64 * 1024, &sent, &err);
        done += sent;
        switch (res) {
        case FILESEND_SENT:
            assert_true(sent > 0);
            break;
        case FILESEND_DRAIN:
            assert_true(r->fs.outq > 0);
            (*drains)++;
            drain(r);
            break;
        case FILESEND_AGAIN:
            drain(r);
            break;
        default:
            drain(r);
            return res;
        }
        assert_true(step < 100000);
    }
    drain(r);
    return FILESEND_SENT;
}

static bool is_version(const struct rig *r, unsigned version)
{
    for (size_t i = 0; i < r->got_len; i++)
        if (r->got[i] != byte_of(i, version))
            return false;
    return true;
}

static void rewrite(struct rig *r)
{
    write_version(r->path, r->cap - 1, 2);
}

static void shorten(struct rig *r)
{
    assert_int_equal(truncate(r->path, (off_t)(r->cap - 1) / 2), 0);
}

static void replace(struct rig *r)
{
    char tmp[80];

    snprintf(tmp, sizeof(tmp), "%s.new", r->path);
    write_version(tmp, r->cap - 1, 2);
    assert_int_equal(rename(tmp, r->path), 0); /* a new inode: ours is unchanged */
}

#define LEN (600u * 1024)

/* An unchanged file arrives whole; its tail waited for the socket to drain. */
static void test_unchanged(void **state)
{
    struct rig r;
    unsigned drains;

    (void)state;
    rig_open(&r, LEN);
    assert_int_equal(run(&r, LEN, true, 0, NULL, &drains), FILESEND_SENT);
    assert_int_equal(r.got_len, LEN);
    assert_true(is_version(&r, 1));
    assert_true(drains >= 1);
    rig_close(&r);
}

/* A segment that is not the last is sent by sendfile to its end, with no wait. */
static void test_not_last_no_tail(void **state)
{
    struct rig r;
    unsigned drains;

    (void)state;
    rig_open(&r, LEN);
    assert_int_equal(run(&r, LEN, false, 0, NULL, &drains), FILESEND_SENT);
    assert_int_equal(r.got_len, LEN);
    assert_int_equal(drains, 0);
    assert_null(r.fs.tail);
    rig_close(&r);
}

/* A file no larger than the tail goes out from memory: nothing to drain. */
static void test_small_file_from_memory(void **state)
{
    struct rig r;
    unsigned drains;

    (void)state;
    rig_open(&r, 5000);
    assert_int_equal(run(&r, 5000, true, 0, NULL, &drains), FILESEND_SENT);
    assert_int_equal(r.got_len, 5000);
    assert_true(is_version(&r, 1));
    assert_int_equal(drains, 0);
    assert_false(r.fs.has_sendfiled);
    rig_close(&r);
}

/* Rewritten in place (truncated, written again, same size) mid-bulk: changed, short. */
static void test_rewrite_mid_bulk(void **state)
{
    struct rig r;
    unsigned drains;

    (void)state;
    rig_open(&r, LEN);
    assert_int_equal(run(&r, LEN, true, 3, rewrite, &drains), FILESEND_CHANGED);
    assert_non_null(r.fs.what);
    assert_true(r.got_len < LEN - FILESEND_TAIL_MAX);
    assert_true(is_version(&r, 1)); /* checked before each call: nothing new went out */
    rig_close(&r);
}

/*
 * Rewritten after the whole bulk went out, before the tail: changed, and
 * the reader has exactly the bulk, never the promised length.
 */
static void test_rewrite_before_tail(void **state)
{
    struct rig r;
    uint64_t done = 0;
    size_t sent;
    int err;
    enum filesend_result res;

    (void)state;
    rig_open(&r, LEN);
    while (done < LEN - FILESEND_TAIL_MAX) {
        res = filesend_step(&r.fs, r.sock[0], 0, LEN, done, true, false, 64 * 1024, &sent, &err);
        assert_true(res == FILESEND_SENT || res == FILESEND_AGAIN);
        done += sent;
        drain(&r);
    }
    assert_int_equal(done, LEN - FILESEND_TAIL_MAX);
    rewrite(&r);
    res = filesend_step(&r.fs, r.sock[0], 0, LEN, done, true, false, 64 * 1024, &sent, &err);
    assert_int_equal(res, FILESEND_CHANGED);
    assert_int_equal(sent, 0);
    drain(&r);
    assert_int_equal(r.got_len, LEN - FILESEND_TAIL_MAX);
    assert_null(r.fs.tail);
    rig_close(&r);
}

/* Rewritten while the tail waits for the drain: the tail is never sent. */
static void test_rewrite_during_drain(void **state)
{
    struct rig r;
    uint64_t done = 0;
    size_t sent;
    int err;
    enum filesend_result res;

    (void)state;
    rig_open(&r, LEN);
    /* Send the bulk without reading, as far as the socket takes it, then read all but the tail. */
    for (;;) {
        res = filesend_step(&r.fs, r.sock[0], 0, LEN, done, true, false, 64 * 1024, &sent, &err);
        done += sent;
        if (res == FILESEND_DRAIN)
            break;
        assert_true(res == FILESEND_SENT || res == FILESEND_AGAIN);
        if (res == FILESEND_AGAIN)
            drain(&r);
    }
    assert_int_equal(done, LEN - FILESEND_TAIL_MAX);
    rewrite(&r);
    drain(&r);
    res = filesend_step(&r.fs, r.sock[0], 0, LEN, done, true, false, 64 * 1024, &sent, &err);
    assert_int_equal(res, FILESEND_CHANGED);
    drain(&r);
    assert_int_equal(r.got_len, LEN - FILESEND_TAIL_MAX);
    rig_close(&r);
}

/* Cut shorter than promised: changed ("size"), whenever it happens. */
static void test_truncated(void **state)
{
    struct rig r;
    unsigned drains;

    (void)state;
    rig_open(&r, LEN);
    assert_int_equal(run(&r, LEN, true, 2, shorten, &drains), FILESEND_CHANGED);
    assert_string_equal(r.fs.what, "size");
    assert_true(r.got_len < LEN);
    rig_close(&r);
}

/*
 * Replaced by rename: the open file keeps the old bytes, but losing its
 * name changes its link count and so its change time, which cannot be
 * told from an edit that put the old mtime back. The transfer ends short;
 * the client's retry gets the new file.
 */
static void test_replaced_by_rename(void **state)
{
    struct rig r;
    unsigned drains;

    (void)state;
    rig_open(&r, LEN);
    assert_int_equal(run(&r, LEN, true, 2, replace, &drains), FILESEND_CHANGED);
    assert_string_equal(r.fs.what, "change time");
    assert_true(r.got_len < LEN);
    assert_true(is_version(&r, 1));
    rig_close(&r);
}

/* Only the times changed (touch): the identity differs, so the transfer ends short. */
static void touch(struct rig *r)
{
    assert_int_equal(utimensat(AT_FDCWD, r->path, NULL, 0), 0);
}

static void test_touched(void **state)
{
    struct rig r;
    unsigned drains;

    (void)state;
    rig_open(&r, LEN);
    assert_int_equal(run(&r, LEN, true, 2, touch, &drains), FILESEND_CHANGED);
    assert_true(r.got_len < LEN);
    rig_close(&r);
}

/* How much of a last segment is held back: all of a small one, FILESEND_TAIL_MAX of a big one. */
static void test_tail_len(void **state)
{
    static const struct {
        const char *what;
        uint64_t len, want;
    } cases[] = {
        {"an empty segment holds nothing back", 0, 0},
        {"a one-byte segment is held back whole", 1, 1},
        {"a segment one byte short of the tail is held back whole", FILESEND_TAIL_MAX - 1,
         FILESEND_TAIL_MAX - 1},
        {"a segment exactly the tail's size is held back whole", FILESEND_TAIL_MAX,
         FILESEND_TAIL_MAX},
        {"one byte more, and one byte goes by sendfile", FILESEND_TAIL_MAX + 1, FILESEND_TAIL_MAX},
        {"a huge segment holds back only the tail", 1ull << 40, FILESEND_TAIL_MAX},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (filesend_tail_len(cases[i].len) != cases[i].want)
            fail_msg("%s: %llu gave %llu", cases[i].what, (unsigned long long)cases[i].len,
                     (unsigned long long)filesend_tail_len(cases[i].len));
}

/*
 * A small file's bytes can be read and checked before anything is sent
 * (so they go out with the head): afterwards they are held in memory,
 * the same bytes, from any offset.
 */
static void test_preload_small(void **state)
{
    struct rig r;
    size_t n;
    int err;
    const char *p;

    (void)state;
    rig_open(&r, 5000);
    assert_null(filesend_held(&r.fs, 5000, 0, &n));
    assert_int_equal(n, 0);
    assert_int_equal(filesend_preload(&r.fs, 0, 5000, &err), FILESEND_SENT);
    p = filesend_held(&r.fs, 5000, 0, &n);
    assert_non_null(p);
    assert_int_equal(n, 5000);
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal((unsigned char)p[i], byte_of(i, 1));
    p = filesend_held(&r.fs, 5000, 4000, &n);
    assert_non_null(p);
    assert_int_equal(n, 1000);
    assert_int_equal((unsigned char)p[0], byte_of(4000, 1));
    /* Once loaded, a second preload is a no-op. */
    assert_int_equal(filesend_preload(&r.fs, 0, 5000, &err), FILESEND_SENT);
    rig_close(&r);
}

/* A range of a small file: the bytes at its offset are the ones held. */
static void test_preload_range(void **state)
{
    struct rig r;
    size_t n;
    int err;
    const char *p;

    (void)state;
    rig_open(&r, 5000);
    assert_int_equal(filesend_preload(&r.fs, 1000, 100, &err), FILESEND_SENT);
    p = filesend_held(&r.fs, 100, 0, &n);
    assert_non_null(p);
    assert_int_equal(n, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal((unsigned char)p[i], byte_of(1000 + i, 1));
    rig_close(&r);
}

/* A segment larger than the tail, or after bytes went by sendfile, is not read early. */
static void test_preload_refused(void **state)
{
    struct rig r;
    size_t n, sent;
    int err;

    (void)state;
    rig_open(&r, LEN);
    assert_int_equal(filesend_preload(&r.fs, 0, LEN, &err), FILESEND_AGAIN);
    assert_null(r.fs.tail);
    assert_null(filesend_held(&r.fs, LEN, LEN - 10, &n));
    /* A first segment by sendfile, then a small last one: it waits for the drain. */
    assert_int_equal(filesend_step(&r.fs, r.sock[0], 0, 1000, 0, false, true, 1000, &sent, &err),
                     FILESEND_SENT);
    assert_true(r.fs.has_sendfiled);
    assert_int_equal(filesend_preload(&r.fs, 2000, 100, &err), FILESEND_AGAIN);
    assert_null(r.fs.tail);
    rig_close(&r);
}

/* Changed since the response's identity was taken: the early read says so, and holds nothing. */
static void test_preload_changed(void **state)
{
    struct rig r;
    size_t n;
    int err;

    (void)state;
    rig_open(&r, 5000);
    rewrite(&r);
    assert_int_equal(filesend_preload(&r.fs, 0, 5000, &err), FILESEND_CHANGED);
    assert_non_null(r.fs.what);
    assert_null(filesend_held(&r.fs, 5000, 0, &n));
    rig_close(&r);
}

/* Shorter than the response says: "size", nothing held. */
static void test_preload_short(void **state)
{
    struct rig r;
    size_t n;
    int err;

    (void)state;
    rig_open(&r, 5000);
    shorten(&r);
    assert_int_equal(filesend_preload(&r.fs, 0, 5000, &err), FILESEND_CHANGED);
    assert_string_equal(r.fs.what, "size");
    assert_null(filesend_held(&r.fs, 5000, 0, &n));
    rig_close(&r);
}

/* file_id_diff() names the first difference. */
static void test_file_id_diff(void **state)
{
    struct file_id a = {2, 3, 4, 5, 6, 7}, b;

    (void)state;
    b = a;
    assert_null(file_id_diff(&a, &b));
    b.ino = 9;
    assert_string_equal(file_id_diff(&a, &b), "inode");
    b = a;
    b.size = 9;
    assert_string_equal(file_id_diff(&a, &b), "size");
    b = a;
    b.mtime_nsec = 9;
    assert_string_equal(file_id_diff(&a, &b), "modification time");
    b = a;
    b.ctime_sec = 9;
    assert_string_equal(file_id_diff(&a, &b), "change time");
    assert_false(file_id_equal(&a, &b));
    b = a;
    assert_true(file_id_equal(&a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unchanged),
        cmocka_unit_test(test_not_last_no_tail),
        cmocka_unit_test(test_small_file_from_memory),
        cmocka_unit_test(test_rewrite_mid_bulk),
        cmocka_unit_test(test_rewrite_before_tail),
        cmocka_unit_test(test_rewrite_during_drain),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_replaced_by_rename),
        cmocka_unit_test(test_touched),
        cmocka_unit_test(test_tail_len),
        cmocka_unit_test(test_preload_small),
        cmocka_unit_test(test_preload_range),
        cmocka_unit_test(test_preload_refused),
        cmocka_unit_test(test_preload_changed),
        cmocka_unit_test(test_preload_short),
        cmocka_unit_test(test_file_id_diff),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
