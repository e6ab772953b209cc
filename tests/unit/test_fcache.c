/*
 * tests/unit/test_fcache.c - server/fcache.c: the rule that says whether a
 * cached file still stands for its name (fcache_judge()) and whether its
 * bytes may be kept (fcache_may_keep_bytes()), as tables; then the cache
 * itself on a real tree in a temporary directory: a hit is the same open
 * file, and every change a request must see (a rewrite in place with the
 * old mtime put back, a rename over the file, a delete, a chmod, a
 * directory swapped for a symbolic link) gives a fresh open or a refusal;
 * eviction, expiry and running out of descriptors drop only what no
 * response holds.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/fcache.h"

/* --- fcache_judge() ------------------------------------------------------------------------ */

enum judge_change {
    J_NONE,
    J_FEWER,     /* only NSEEN entries were found */
    J_TYPE,      /* entry AT has another file type */
    J_DEV,       /* entry AT is on another device */
    J_INO,       /* entry AT has another inode */
    J_SIZE,      /* the file's size */
    J_MTIME,     /* the file's mtime, by NS */
    J_CTIME,     /* the file's ctime, by NS */
    J_MTIME_SEC, /* the file's mtime, by a second less NS nanoseconds (same total) */
};

struct judge_case {
    const char *what;
    size_t ndirs;
    enum judge_change change;
    size_t at;        /* which entry: 0..ndirs-1 a directory, ndirs the file */
    mode_t type;      /* for J_TYPE */
    int64_t delta;    /* for J_FEWER: how many found; else the change in ns */
    const char *want; /* NULL: the entry still stands; else a word of the reason */
};

static const struct judge_case judge_cases[] = {
    {"a nested name found unchanged still stands", 2, J_NONE, 0, 0, 0, NULL},
    {"a name in the root found unchanged still stands", 0, J_NONE, 0, 0, 0, NULL},
    {"a file that is gone (its lookup failed) does not", 2, J_FEWER, 0, 0, 2, "gone"},
    {"a first directory that is gone does not", 2, J_FEWER, 0, 0, 0, "gone"},
    {"a file in the root that is gone does not", 0, J_FEWER, 0, 0, 0, "gone"},
    {"a directory swapped for a symbolic link does not", 2, J_TYPE, 0, S_IFLNK, 0, "directory"},
    {"an inner directory swapped for a symbolic link does not", 2, J_TYPE, 1, S_IFLNK, 0,
     "directory"},
    {"a directory swapped for a file does not", 2, J_TYPE, 1, S_IFREG, 0, "directory"},
    {"a directory replaced by another directory does not", 2, J_INO, 1, 0, 1, "directory"},
    {"a directory with the same inode on another device does not", 2, J_DEV, 0, 0, 0, "directory"},
    {"a file swapped for a symbolic link does not", 2, J_TYPE, 2, S_IFLNK, 0, "not the file"},
    {"a file swapped for a directory does not", 0, J_TYPE, 0, S_IFDIR, 0, "not the file"},
    {"a file swapped for a FIFO does not", 0, J_TYPE, 0, S_IFIFO, 0, "not the file"},
    {"a file renamed over (another inode) does not", 2, J_INO, 2, 0, 1, "not the file"},
    {"the same inode on another device is another file", 0, J_DEV, 0, 0, 0, "not the file"},
    {"a file that grew does not", 2, J_SIZE, 2, 0, 1, "changed"},
    {"a file truncated to 0 does not", 0, J_SIZE, 0, 0, -4096, "changed"},
    {"a file with a later mtime does not", 0, J_MTIME, 0, 0, 1, "changed"},
    {"a file with an earlier mtime does not", 0, J_MTIME, 0, 0, -1000000000, "changed"},
    {"an mtime moved between its seconds and nanoseconds does not", 0, J_MTIME_SEC, 0, 0, 1,
     "changed"},
    {"a rewrite with the old mtime put back (only ctime moved) does not", 2, J_CTIME, 2, 0, 1,
     "changed"},
    {"a chmod (ctime a second later) does not", 0, J_CTIME, 0, 0, 1000000000, "changed"},
};

static void stat_set(struct stat *st, mode_t type, uint64_t dev, uint64_t ino)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = type | 0644;
    st->st_dev = (dev_t)dev;
    st->st_ino = (ino_t)ino;
}

static void add_ns(struct timespec *ts, int64_t ns)
{
    int64_t t = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + ns;

    ts->tv_sec = (time_t)(t / 1000000000);
    ts->tv_nsec = (long)(t % 1000000000);
}

static void test_judge_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(judge_cases); i++) {
        const struct judge_case *c = &judge_cases[i];
        struct fcache_dir dirs[2] = {{7, 100}, {7, 101}};
        struct fcache_key key = {.dirs = dirs, .ndirs = c->ndirs, .dev = 7};
        struct stat seen[3];
        size_t nseen = c->ndirs + 1;
        struct stat *f = &seen[c->ndirs];
        const char *got;

        for (size_t d = 0; d < c->ndirs; d++)
            stat_set(&seen[d], S_IFDIR, dirs[d].dev, dirs[d].ino);
        stat_set(f, S_IFREG, 7, 200);
        f->st_size = 4096;
        f->st_mtim.tv_sec = 1700000000;
        f->st_mtim.tv_nsec = 500000000;
        f->st_ctim.tv_sec = 1700000001;
        f->st_ctim.tv_nsec = 250000000;
        file_id_from_stat(f, &key.id);
        switch (c->change) {
        case J_NONE:
            break;
        case J_FEWER:
            nseen = (size_t)c->delta;
            break;
        case J_TYPE:
            seen[c->at].st_mode = c->type | 0755;
            break;
        case J_DEV:
            seen[c->at].st_dev += 1;
            break;
        case J_INO:
            seen[c->at].st_ino += (ino_t)c->delta;
            break;
        case J_SIZE:
            f->st_size += (off_t)c->delta;
            break;
        case J_MTIME:
            add_ns(&f->st_mtim, c->delta);
            break;
        case J_CTIME:
            add_ns(&f->st_ctim, c->delta);
            break;
        case J_MTIME_SEC: /* a malformed pair no stat gives: still not the same */
            f->st_mtim.tv_sec -= 1;
            f->st_mtim.tv_nsec += 1000000000;
            break;
        }
        got = fcache_judge(&key, seen, nseen);
        if (c->want == NULL ? got != NULL : got == NULL || strstr(got, c->want) == NULL)
            row_fail(&t, c->what, "gave \"%s\", expected %s%s%s", got ? got : "(stands)",
                     c->want ? "a reason with \"" : "", c->want ? c->want : "no reason",
                     c->want ? "\"" : "");
    }
    tally_end(&t, NROWS(judge_cases));
}

/* --- fcache_may_keep_bytes() --------------------------------------------------------------- */

struct keep_case {
    const char *what;
    uint64_t size;
    int64_t ctime_sec, ctime_nsec;
    int64_t now_sec, now_nsec;
    bool want;
};

#define T0 1700000000

static const struct keep_case keep_cases[] = {
    {"a 4 KiB file last changed 3 s ago keeps its bytes", 4096, T0, 0, T0 + 3, 0, true},
    {"a file changed exactly FCACHE_SETTLE_NS ago does", 4096, T0, 0, T0 + 2, 0, true},
    {"a file changed 1 ns short of it does not", 4096, T0, 1, T0 + 2, 0, false},
    {"the settle time is counted across a second boundary", 4096, T0, 400000000, T0 + 2, 400000000,
     true},
    {"1.5 s across a second boundary is too young", 4096, T0, 900000000, T0 + 2, 400000000, false},
    {"a file changed just now does not", 4096, T0, 0, T0, 0, false},
    {"a change time in the future never does", 4096, T0 + 5, 0, T0, 0, false},
    {"a change time 1 ns in the future never does", 4096, T0, 1, T0, 0, false},
    {"a file of FCACHE_BYTES_MAX bytes does", FCACHE_BYTES_MAX, T0, 0, T0 + 60, 0, true},
    {"a file of FCACHE_BYTES_MAX + 1 bytes does not", FCACHE_BYTES_MAX + 1ull, T0, 0, T0 + 60, 0,
     false},
    {"a huge file does not", UINT64_MAX, T0, 0, T0 + 60, 0, false},
    {"an empty settled file does", 0, T0, 0, T0 + 60, 0, true},
    {"a file changed an hour ago does", 100, T0, 999999999, T0 + 3600, 0, true},
    {"a change time before 1970 does not", 100, -5, 0, T0, 0, false},
    {"a far future clock against an old file does, with no overflow", 100, 0, 0, INT64_MAX / 2,
     999999999, true},
    {"a change time at the end of time does not, with no overflow", 100, INT64_MAX, 999999999, T0,
     0, false},
};

static void test_keep_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(keep_cases); i++) {
        const struct keep_case *c = &keep_cases[i];
        struct file_id id = {200, c->size, T0, 0, c->ctime_sec, c->ctime_nsec};
        struct timespec now = {(time_t)c->now_sec, (long)c->now_nsec};
        bool got = fcache_may_keep_bytes(&id, now);

        if (got != c->want)
            row_fail(&t, c->what, "gave %d", got);
    }
    tally_end(&t, NROWS(keep_cases));
}

/* --- the cache on a real tree -------------------------------------------------------------- */

static char root[64];
static int rootfd = -1;

static void path_of(const char *name, char *full, size_t cap)
{
    snprintf(full, cap, "%s/%s", root, name);
}

static void put(const char *name, const char *content)
{
    char full[256];
    FILE *f;

    path_of(name, full, sizeof(full));
    f = fopen(full, "w"); /* truncates: an existing file keeps its inode */
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
}

static void mkdir_in(const char *name)
{
    char full[256];

    path_of(name, full, sizeof(full));
    assert_int_equal(mkdir(full, 0755), 0);
}

static void rename_in(const char *from, const char *to)
{
    char a[256], b[256];

    path_of(from, a, sizeof(a));
    path_of(to, b, sizeof(b));
    assert_int_equal(rename(a, b), 0);
}

static int make_root(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "%s/pdm-fcache-XXXXXX", "/tmp");
    if (mkdtemp(root) == NULL)
        return -1;
    rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return rootfd >= 0 ? 0 : -1;
}

static int remove_root(void **state)
{
    char cmd[128];

    (void)state;
    close(rootfd);
    rootfd = -1;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts;
}

/* A wall clock at which E's file counts as settled (fcache_may_keep_bytes()). */
static struct timespec settled(const struct fcache_entry *e)
{
    struct timespec ts = {(time_t)e->key.id.ctime_sec + 4, 0};

    return ts;
}

/* Let the file system's clock tick, so that the next change has a later ctime. */
static void tick(void)
{
    struct timespec ts = {0, 30000000};

    nanosleep(&ts, NULL);
}

/* The bytes E serves: from memory when kept, else read from its file. */
static void assert_serves(const struct fcache_entry *e, const char *want)
{
    char buf[256];
    ssize_t n;

    assert_int_equal(e->key.id.size, strlen(want));
    if (e->bytes != NULL) {
        assert_memory_equal(e->bytes, want, strlen(want));
        return;
    }
    n = pread(e->fd, buf, sizeof(buf), 0);
    assert_int_equal(n, (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
}

static struct fcache_entry *open_ok(struct fcache *fc, const char *name, struct timespec now_real)
{
    struct fcache_entry *e = NULL;
    int err = fcache_open(fc, rootfd, name, mono_ns(), now_real, &e);

    if (err != 0)
        fail_msg("fcache_open(\"%s\") failed: %s", name, strerror(-err));
    assert_non_null(e);
    return e;
}

static void test_hit_is_the_same_open_file(void **state)
{
    struct fcache fc;
    struct fcache_entry *a, *b;

    (void)state;
    assert_int_equal(fcache_init(&fc, 8, FCACHE_BYTES_BUDGET), 0);
    mkdir_in("hit");
    put("hit/same.txt", "same bytes");
    a = open_ok(&fc, "hit/same.txt", wall());
    b = open_ok(&fc, "hit/same.txt", wall());
    assert_ptr_equal(a, b);
    assert_true(a->is_listed);
    assert_int_equal(a->refs, 3); /* the cache's and two responses' */
    assert_null(a->bytes);        /* just written: too young to keep its bytes */
    assert_serves(a, "same bytes");
    fcache_release(a);
    fcache_release(b);
    assert_int_equal(fc.n, 1);
    fcache_cleanup(&fc);
}

static void test_rewrite_with_old_mtime_is_seen(void **state)
{
    struct fcache fc;
    struct fcache_entry *a, *b;
    struct timespec times[2];
    char full[256];
    struct stat st;

    (void)state;
    assert_int_equal(fcache_init(&fc, 8, FCACHE_BYTES_BUDGET), 0);
    put("rewrite.txt", "version one");
    path_of("rewrite.txt", full, sizeof(full));
    assert_int_equal(stat(full, &st), 0);
    a = open_ok(&fc, "rewrite.txt", wall());
    b = open_ok(&fc, "rewrite.txt", settled(a));
    assert_ptr_equal(a, b);
    assert_non_null(a->bytes); /* settled: its bytes are kept */
    assert_serves(a, "version one");
    fcache_release(b);
    /* What cp -p or rsync -t does: same size, the old mtime put back. */
    tick();
    put("rewrite.txt", "version two");
    times[0] = st.st_atim;
    times[1] = st.st_mtim;
    assert_int_equal(utimensat(AT_FDCWD, full, times, 0), 0);
    b = open_ok(&fc, "rewrite.txt", settled(a));
    assert_ptr_not_equal(a, b);
    assert_false(a->is_listed);
    assert_int_equal(b->key.id.mtime_sec, a->key.id.mtime_sec);
    assert_int_equal(b->key.id.mtime_nsec, a->key.id.mtime_nsec);
    assert_serves(b, "version two");
    assert_serves(a, "version one"); /* a response that held the old entry keeps what it had */
    fcache_release(a);
    fcache_release(b);
    assert_int_equal(fc.n, 1);
    fcache_cleanup(&fc);
}

static void test_rename_delete_chmod_are_seen(void **state)
{
    struct fcache fc;
    struct fcache_entry *a, *b, *e = NULL;
    char full[256];

    (void)state;
    assert_int_equal(fcache_init(&fc, 8, FCACHE_BYTES_BUDGET), 0);
    mkdir_in("rn");
    put("rn/f.txt", "old");
    a = open_ok(&fc, "rn/f.txt", wall());
    put("rn/.new", "new!");
    rename_in("rn/.new", "rn/f.txt");
    b = open_ok(&fc, "rn/f.txt", wall());
    assert_ptr_not_equal(a, b);
    assert_serves(b, "new!");
    fcache_release(a);
    fcache_release(b);

    /* chmod moves only the ctime. */
    a = open_ok(&fc, "rn/f.txt", wall());
    tick();
    path_of("rn/f.txt", full, sizeof(full));
    assert_int_equal(chmod(full, 0600), 0);
    b = open_ok(&fc, "rn/f.txt", wall());
    assert_ptr_not_equal(a, b);
    fcache_release(a);
    fcache_release(b);

    assert_int_equal(unlink(full), 0);
    assert_int_equal(fcache_open(&fc, rootfd, "rn/f.txt", mono_ns(), wall(), &e), -ENOENT);
    assert_null(e);
    assert_int_equal(fc.n, 0);
    fcache_cleanup(&fc);
}

static void test_directory_swapped_for_a_link(void **state)
{
    struct fcache fc;
    struct fcache_entry *a, *e = NULL;
    char full[256];
    int err;

    (void)state;
    assert_int_equal(fcache_init(&fc, 8, FCACHE_BYTES_BUDGET), 0);
    mkdir_in("sw");
    mkdir_in("sw/d");
    put("sw/d/f.txt", "inside");
    a = open_ok(&fc, "sw/d/f.txt", wall());
    assert_int_equal(a->key.ndirs, 2);
    /* The same directory, now reached through a link: the file is even the same inode. */
    rename_in("sw/d", "sw/real");
    path_of("sw/d", full, sizeof(full));
    assert_int_equal(symlink("real", full), 0);
    err = fcache_open(&fc, rootfd, "sw/d/f.txt", mono_ns(), wall(), &e);
    assert_true(err == -ELOOP || err == -ENOTDIR);
    assert_null(e);
    assert_false(a->is_listed);
    fcache_release(a);

    /* The first directory swapped for a link that leaves the root and comes back in (an
     * absolute one): the name still leads to the very file that is open. */
    a = open_ok(&fc, "sw/real/f.txt", wall());
    rename_in("sw", "sw.old");
    path_of("sw.old", full, sizeof(full));
    {
        char link[256];

        path_of("sw", link, sizeof(link));
        assert_int_equal(symlink(full, link), 0);
    }
    err = fcache_open(&fc, rootfd, "sw/real/f.txt", mono_ns(), wall(), &e);
    assert_true(err == -ELOOP || err == -ENOTDIR);
    assert_null(e);
    assert_false(a->is_listed);
    fcache_release(a);
    assert_int_equal(fc.n, 0);
    fcache_cleanup(&fc);
}

static void test_eviction_keeps_held_files_open(void **state)
{
    struct fcache fc;
    struct fcache_entry *held, *e;
    char name[32], want[32];
    int fd;

    (void)state;
    assert_int_equal(fcache_init(&fc, 3, FCACHE_BYTES_BUDGET), 0);
    mkdir_in("ev");
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "ev/%d.txt", i);
        snprintf(want, sizeof(want), "file %d", i);
        put(name, want);
    }
    held = open_ok(&fc, "ev/0.txt", wall());
    fd = held->fd;
    for (int round = 0; round < 2; round++)
        for (int i = 1; i < 8; i++) {
            snprintf(name, sizeof(name), "ev/%d.txt", i);
            snprintf(want, sizeof(want), "file %d", i);
            e = open_ok(&fc, name, wall());
            assert_serves(e, want);
            fcache_release(e);
            assert_true(fc.n <= 3);
        }
    assert_int_equal(fc.n, 3);
    assert_false(held->is_listed); /* evicted, least recently used */
    assert_int_equal(held->refs, 1);
    assert_true(fcntl(fd, F_GETFD) >= 0); /* but still open for its response */
    assert_serves(held, "file 0");
    e = open_ok(&fc, "ev/0.txt", wall());
    assert_ptr_not_equal(e, held);
    assert_serves(e, "file 0");
    fcache_release(e);
    fcache_release(held);
    fcache_cleanup(&fc);
}

static void test_byte_budget(void **state)
{
    struct fcache fc;
    struct fcache_entry *a, *b;

    (void)state;
    assert_int_equal(fcache_init(&fc, 8, 10), 0);
    put("b1.txt", "12345678");
    put("b2.txt", "abcdefgh");
    a = open_ok(&fc, "b1.txt", wall());
    fcache_release(open_ok(&fc, "b1.txt", settled(a)));
    b = open_ok(&fc, "b2.txt", settled(a));
    assert_non_null(a->bytes);
    assert_null(b->bytes); /* 16 bytes would pass the budget of 10 */
    assert_int_equal(fc.bytes, 8);
    assert_serves(b, "abcdefgh");
    fcache_release(a);
    fcache_release(b);
    fcache_cleanup(&fc);
}

static void test_expiry(void **state)
{
    struct fcache fc;
    struct fcache_entry *a, *b;
    uint64_t t0 = mono_ns();

    (void)state;
    assert_int_equal(fcache_init(&fc, 8, FCACHE_BYTES_BUDGET), 0);
    assert_int_equal(fcache_next_expiry(&fc), UINT64_MAX);
    put("x1.txt", "x1");
    put("x2.txt", "x2");
    assert_int_equal(fcache_open(&fc, rootfd, "x1.txt", t0, wall(), &a), 0);
    assert_int_equal(fcache_open(&fc, rootfd, "x2.txt", t0 + 5000000000u, wall(), &b), 0);
    fcache_release(b);
    assert_int_equal(fcache_next_expiry(&fc), t0 + FCACHE_INACTIVE_NS + FCACHE_EXPIRE_SLACK_NS);
    fcache_expire(&fc, t0 + FCACHE_INACTIVE_NS - 1);
    assert_int_equal(fc.n, 2);
    fcache_expire(&fc, t0 + FCACHE_INACTIVE_NS);
    assert_int_equal(fc.n, 1); /* x1 went, though a response still holds it */
    assert_false(a->is_listed);
    assert_serves(a, "x1");
    fcache_release(a);
    fcache_expire(&fc, t0 + 5000000000u + FCACHE_INACTIVE_NS);
    assert_int_equal(fc.n, 0);
    assert_int_equal(fcache_next_expiry(&fc), UINT64_MAX);
    fcache_cleanup(&fc);
}

static void test_out_of_descriptors(void **state)
{
    struct fcache fc;
    struct fcache_entry *held, *e = NULL;
    struct rlimit old, low;
    char name[32];
    int probe, err;

    (void)state;
    assert_int_equal(fcache_init(&fc, 16, FCACHE_BYTES_BUDGET), 0);
    mkdir_in("fd");
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "fd/%d", i);
        put(name, name);
    }
    put("fd/new", "new");
    held = open_ok(&fc, "fd/0", wall());
    for (int i = 1; i < 9; i++) {
        snprintf(name, sizeof(name), "fd/%d", i);
        fcache_release(open_ok(&fc, name, wall()));
    }
    assert_int_equal(fc.n, 9);
    /* No descriptor left above the highest one in use. */
    probe = dup(0);
    assert_true(probe >= 0);
    close(probe);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)probe;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    err = fcache_open(&fc, rootfd, "fd/new", mono_ns(), wall(), &e);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(err, 0);
    assert_serves(e, "new");
    assert_int_equal(fc.n, 2); /* the unheld ones closed; the held one and the new one stay */
    assert_true(held->is_listed);
    fcache_release(e);

    /* With every entry held there is nothing to close: the error stands. */
    e = open_ok(&fc, "fd/new", wall());
    assert_int_equal(e->refs, 2);
    probe = dup(0);
    assert_true(probe >= 0);
    close(probe);
    low.rlim_cur = (rlim_t)probe;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    {
        struct fcache_entry *e2 = NULL;

        err = fcache_open(&fc, rootfd, "fd/9", mono_ns(), wall(), &e2);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
        assert_int_equal(err, -EMFILE);
        assert_null(e2);
    }
    assert_int_equal(fc.n, 2);
    fcache_release(e);
    fcache_release(held);
    fcache_cleanup(&fc);
}

static void test_cache_off(void **state)
{
    struct fcache fc;
    struct fcache_entry *a, *b;
    int fd;

    (void)state;
    assert_int_equal(fcache_init(&fc, 0, FCACHE_BYTES_BUDGET), 0);
    put("off.txt", "off");
    a = open_ok(&fc, "off.txt", wall());
    b = open_ok(&fc, "off.txt", settled(a));
    assert_ptr_not_equal(a, b);
    assert_false(a->is_listed);
    assert_null(b->bytes);
    assert_int_equal(fc.n, 0);
    fd = a->fd;
    fcache_release(a); /* the last reference: its file closes */
    assert_true(fcntl(fd, F_GETFD) < 0);
    fcache_release(b);
    fcache_cleanup(&fc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge_cases),
        cmocka_unit_test(test_keep_cases),
        cmocka_unit_test(test_hit_is_the_same_open_file),
        cmocka_unit_test(test_rewrite_with_old_mtime_is_seen),
        cmocka_unit_test(test_rename_delete_chmod_are_seen),
        cmocka_unit_test(test_directory_swapped_for_a_link),
        cmocka_unit_test(test_eviction_keeps_held_files_open),
        cmocka_unit_test(test_byte_budget),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_out_of_descriptors),
        cmocka_unit_test(test_cache_off),
    };

    return cmocka_run_group_tests(tests, make_root, remove_root);
}
