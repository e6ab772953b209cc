/*
 * tests/unit/test_store.c - client/store.c: the names of partial files,
 * opening the place of a catalog path without leaving the download
 * directory, the lock on a partial file, what a final name holds, and
 * the rename that never replaces anything. Each test works in its own
 * temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/store.h"
#include "tests/unit/tally.h"

struct tmp {
    char dir[64];   /* the download directory */
    char other[64]; /* a directory beside it: "outside" */
};

static void tmp_make(struct tmp *t)
{
    strcpy(t->dir, "/tmp/test_store.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    strcpy(t->other, "/tmp/test_store_out.XXXXXX");
    assert_non_null(mkdtemp(t->other));
}

static void rm_rf(const char *path)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static void tmp_remove(struct tmp *t)
{
    rm_rf(t->dir);
    rm_rf(t->other);
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* How many entries besides . and .. DIR holds. */
static int count_entries(const char *dir)
{
    char cmd[256];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* ---- store_names ---- */

static void fill(char *out, size_t n, char c)
{
    memset(out, c, n);
    out[n] = '\0';
}

static void test_store_names_short(void **state)
{
    char part[STORE_NAME_MAX + 1], st[STORE_NAME_MAX + 1], tmp[STORE_NAME_MAX + 1];

    (void)state;
    assert_true(store_names("big.iso", part, st, tmp));
    assert_string_equal(part, ".big.iso.part");
    assert_string_equal(st, ".big.iso.part.state");
    assert_string_equal(tmp, ".big.iso.part.state.new");
    assert_false(store_names("", part, st, tmp));
}

/* The longest name that keeps the plain form, and the first that does not. */
static void test_store_names_long(void **state)
{
    char name[STORE_NAME_MAX + 2], part[STORE_NAME_MAX + 1], st[STORE_NAME_MAX + 1],
        tmp[STORE_NAME_MAX + 1], again[STORE_NAME_MAX + 1];
    size_t plain_max = STORE_NAME_MAX - strlen("..part.state.new");

    (void)state;
    fill(name, plain_max, 'a');
    assert_true(store_names(name, part, st, tmp));
    assert_int_equal(strlen(tmp), STORE_NAME_MAX);
    assert_int_equal(part[0], '.');
    assert_memory_equal(part + 1, name, plain_max);

    /* One byte more: a shortened stem, '~' and 16 hex digits, the same every time. */
    fill(name, plain_max + 1, 'a');
    assert_true(store_names(name, part, st, tmp));
    assert_true(strlen(tmp) <= STORE_NAME_MAX);
    assert_non_null(strchr(part, '~'));
    assert_int_equal(strlen(strchr(part, '~')), 1 + 16 + strlen(".part"));
    assert_string_equal(part + strlen(part) - 5, ".part");
    assert_true(store_names(name, again, st, tmp));
    assert_string_equal(part, again);

    /* Two long names that share their first bytes still get different partial files. */
    name[plain_max] = 'b';
    assert_true(store_names(name, again, st, tmp));
    assert_string_not_equal(part, again);

    /* A name of the filesystem's limit works; one byte more is no name. */
    fill(name, STORE_NAME_MAX, 'c');
    assert_true(store_names(name, part, st, tmp));
    fill(name, STORE_NAME_MAX + 1, 'c');
    assert_false(store_names(name, part, st, tmp));
}

/* A stem is never cut inside a UTF-8 sequence. */
static void test_store_names_utf8(void **state)
{
    char name[STORE_NAME_MAX + 1], part[STORE_NAME_MAX + 1], st[STORE_NAME_MAX + 1],
        tmp[STORE_NAME_MAX + 1];
    size_t n = 0;

    (void)state;
    while (n + 2 <= 250) { /* "é" is two bytes: 0xC3 0xA9 */
        name[n++] = (char)0xC3;
        name[n++] = (char)0xA9;
    }
    name[n] = '\0';
    assert_true(store_names(name, part, st, tmp));
    {
        const char *tilde = strchr(part, '~');
        size_t stem = (size_t)(tilde - part) - 1;

        assert_non_null(tilde);
        assert_int_equal(stem % 2, 0);
        assert_int_equal((unsigned char)part[stem], 0xA9); /* the last byte of a whole "é" */
    }
}

/* ---- store_open ---- */

static void test_store_open_creates_subdirs(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], path[PATH_MAX];
    struct stat st;

    (void)state;
    tmp_make(&t);
    assert_int_equal(store_open(&s, t.dir, "iso/x y/debian.iso", why, sizeof(why)), 0);
    assert_string_equal(s.name, "debian.iso");
    snprintf(path, sizeof(path), "%s/iso/x y", t.dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    snprintf(path, sizeof(path), "%s/iso/x y/debian.iso", t.dir);
    assert_string_equal(s.final_path, path);
    snprintf(path, sizeof(path), "%s/iso/x y/.debian.iso.part", t.dir);
    assert_string_equal(s.part_path, path);
    store_close(&s);

    /* Opening again finds the directories there. */
    assert_int_equal(store_open(&s, t.dir, "iso/x y/other", why, sizeof(why)), 0);
    store_close(&s);
    tmp_remove(&t);
}

/* A symlink planted at any depth is refused, and nothing is made where it points. */
static void test_store_open_refuses_symlinks(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], link[PATH_MAX], path[PATH_MAX];

    (void)state;
    tmp_make(&t);
    snprintf(link, sizeof(link), "%s/iso", t.dir);
    assert_int_equal(symlink(t.other, link), 0);
    assert_int_equal(store_open(&s, t.dir, "iso/debian.iso", why, sizeof(why)), -ELOOP);
    assert_non_null(strstr(why, "symlink"));
    assert_int_equal(count_entries(t.other), 0);

    /* Deeper down too. */
    snprintf(path, sizeof(path), "%s/a", t.dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(link, sizeof(link), "%s/a/b", t.dir);
    assert_int_equal(symlink(t.other, link), 0);
    assert_int_equal(store_open(&s, t.dir, "a/b/c/d.iso", why, sizeof(why)), -ELOOP);
    assert_int_equal(count_entries(t.other), 0);

    /* A dangling one as well. */
    snprintf(link, sizeof(link), "%s/dangling", t.dir);
    assert_int_equal(symlink("/nonexistent/pdm", link), 0);
    assert_int_equal(store_open(&s, t.dir, "dangling/x", why, sizeof(why)), -ELOOP);
    tmp_remove(&t);
}

struct bad_path {
    const char *what;
    const char *relpath;
    int want;
};

static const struct bad_path bad_paths[] = {
    {"a '..' component is refused", "../x", -EINVAL},
    {"a '..' in the middle is refused", "a/../../x", -EINVAL},
    {"a '.' component is refused", "./x", -EINVAL},
    {"a hidden component is refused", "a/.ssh/x", -EINVAL},
    {"an absolute path is refused", "/etc/passwd", -EINVAL},
    {"an empty component is refused", "a//x", -EINVAL},
    {"a trailing '/' is refused", "a/", -EINVAL},
    {"an empty path is refused", "", -EINVAL},
    {"a control byte is refused", "a\x1b[2J/x", -EINVAL},
};

static void test_store_open_refuses_bad_paths(void **state)
{
    struct tally tl = {0, NULL};
    struct tmp t;

    (void)state;
    tmp_make(&t);
    for (size_t i = 0; i < NROWS(bad_paths); i++) {
        struct store s;
        char why[256];
        int got = store_open(&s, t.dir, bad_paths[i].relpath, why, sizeof(why));

        if (got != bad_paths[i].want)
            row_fail(&tl, bad_paths[i].what, "gave %d", got);
        else if (why[0] == '\0')
            row_fail(&tl, bad_paths[i].what, "no reason given");
        if (got == 0)
            store_close(&s);
    }
    assert_int_equal(count_entries(t.dir), 0);
    tally_end(&tl, NROWS(bad_paths));
    tmp_remove(&t);
}

static void test_store_open_not_a_dir(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], path[PATH_MAX];

    (void)state;
    tmp_make(&t);
    snprintf(path, sizeof(path), "%s/iso", t.dir);
    put_file(path, "a file where a directory should be");
    assert_int_equal(store_open(&s, t.dir, "iso/x", why, sizeof(why)), -ENOTDIR);
    assert_non_null(strstr(why, "not a directory"));
    snprintf(path, sizeof(path), "%s/nodir/x", t.other);
    assert_true(store_open(&s, path, "x", why, sizeof(why)) < 0);
    tmp_remove(&t);
}

/* ---- store_claim ---- */

static void test_store_claim_locks(void **state)
{
    struct tmp t;
    struct store a, b;
    char why[256];

    (void)state;
    tmp_make(&t);
    assert_int_equal(store_open(&a, t.dir, "f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_open(&b, t.dir, "f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_claim(&a), 0);
    /* A second owner (another open file, as another process would have) is refused. */
    assert_int_equal(store_claim(&b), -EBUSY);
    assert_int_equal(b.part_fd, -1);
    /* Released, it can be taken. */
    store_close(&a);
    assert_int_equal(store_claim(&b), 0);
    store_close(&b);
    tmp_remove(&t);
}

/* A claim never truncates: what an earlier run left stays for resuming. */
static void test_store_claim_keeps_bytes(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], path[PATH_MAX];
    uint64_t size = 0;

    (void)state;
    tmp_make(&t);
    snprintf(path, sizeof(path), "%s/.f.bin.part", t.dir);
    put_file(path, "0123456789");
    assert_int_equal(store_open(&s, t.dir, "f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_claim(&s), 0);
    assert_int_equal(store_part_size(&s, &size), 0);
    assert_int_equal(size, 10);
    /* A reset empties it and reserves the size... */
    assert_int_equal(store_reset_part(&s, 2 * STORE_RESERVE_MIN), 0);
    assert_int_equal(store_part_size(&s, &size), 0);
    assert_int_equal(size, 2 * STORE_RESERVE_MIN);
    /* ... but not for a file under STORE_RESERVE_MIN: it grows as it is written. */
    assert_int_equal(store_reset_part(&s, 4096), 0);
    assert_int_equal(store_part_size(&s, &size), 0);
    assert_int_equal(size, 0);
    assert_int_equal(store_reset_part(&s, STORE_RESERVE_MIN), 0);
    assert_int_equal(store_part_size(&s, &size), 0);
    assert_int_equal(size, STORE_RESERVE_MIN);
    store_close(&s);
    tmp_remove(&t);
}

static void test_store_claim_refuses_symlink(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], link[PATH_MAX], target[PATH_MAX];

    (void)state;
    tmp_make(&t);
    snprintf(target, sizeof(target), "%s/victim", t.other);
    put_file(target, "keep me");
    snprintf(link, sizeof(link), "%s/.f.bin.part", t.dir);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(store_open(&s, t.dir, "f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_claim(&s), -ELOOP);
    store_close(&s);
    {
        struct stat st;

        assert_int_equal(stat(target, &st), 0);
        assert_int_equal(st.st_size, 7);
    }
    tmp_remove(&t);
}

/* ---- store_check_final ---- */

static void test_store_check_final(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], path[PATH_MAX];
    enum store_final kind;
    uint8_t sha[SHA256_LEN];
    uint64_t size;

    (void)state;
    tmp_make(&t);
    assert_int_equal(store_open(&s, t.dir, "f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_check_final(&s, &kind, sha, &size), 0);
    assert_int_equal(kind, STORE_FINAL_NONE);

    /* A dangling symlink is not "nothing": it is something else. */
    snprintf(path, sizeof(path), "%s/f.bin", t.dir);
    assert_int_equal(symlink("/nonexistent/pdm", path), 0);
    assert_int_equal(store_check_final(&s, &kind, sha, &size), 0);
    assert_int_equal(kind, STORE_FINAL_OTHER);
    assert_int_equal(unlink(path), 0);

    /* A symlink to a real file is not followed either. */
    snprintf(why, sizeof(why), "%s/real", t.other);
    put_file(why, "abc");
    assert_int_equal(symlink(why, path), 0);
    assert_int_equal(store_check_final(&s, &kind, sha, &size), 0);
    assert_int_equal(kind, STORE_FINAL_OTHER);
    assert_int_equal(unlink(path), 0);

    /* A directory. */
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(store_check_final(&s, &kind, sha, &size), 0);
    assert_int_equal(kind, STORE_FINAL_OTHER);
    assert_int_equal(rmdir(path), 0);

    /* A regular file is hashed. */
    put_file(path, "abc");
    assert_int_equal(store_check_final(&s, &kind, sha, &size), 0);
    assert_int_equal(kind, STORE_FINAL_FILE);
    assert_int_equal(size, 3);
    assert_int_equal(sha[0], 0xba); /* SHA-256("abc") = ba7816bf... */
    assert_int_equal(sha[1], 0x78);
    store_close(&s);
    tmp_remove(&t);
}

/* ---- store_commit and the state file ---- */

static void test_store_commit(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], path[PATH_MAX], buf[16] = "";
    char *state_text = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    tmp_make(&t);
    assert_int_equal(store_open(&s, t.dir, "sub/f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_claim(&s), 0);
    assert_int_equal(store_reset_part(&s, 0), 0);
    assert_int_equal(write(s.part_fd, "new", 3), 3);
    assert_int_equal(store_save_state(&s, "state\n", 6), 0);
    assert_int_equal(store_load_state(&s, 1024, &state_text, &len), 0);
    assert_int_equal(len, 6);
    assert_string_equal(state_text, "state\n");
    free(state_text);
    assert_int_equal(store_load_state(&s, 3, &state_text, &len), -EFBIG);

    /* The name is taken: nothing is replaced. */
    snprintf(path, sizeof(path), "%s/sub/f.bin", t.dir);
    put_file(path, "old");
    assert_int_equal(store_commit(&s, false), -EEXIST);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "old");

    /* The name is free: the partial file takes it, and the state goes. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(store_commit(&s, true), 0);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "new");
    snprintf(path, sizeof(path), "%s/sub", t.dir);
    assert_int_equal(count_entries(path), 1);
    store_close(&s);
    tmp_remove(&t);
}

static void test_store_discard(void **state)
{
    struct tmp t;
    struct store s;
    char why[256];

    (void)state;
    tmp_make(&t);
    assert_int_equal(store_open(&s, t.dir, "f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_claim(&s), 0);
    assert_int_equal(store_save_state(&s, "x", 1), 0);
    assert_int_equal(count_entries(t.dir), 2);
    store_discard(&s);
    assert_int_equal(count_entries(t.dir), 0);
    store_close(&s);
    tmp_remove(&t);
}

/* Dropping the state removes what may be there, and costs nothing once a
 * load found none. */
static void test_store_drop_state(void **state)
{
    struct tmp t;
    struct store s;
    char why[256], path[PATH_MAX], *text = NULL;
    size_t len = 0;

    (void)state;
    tmp_make(&t);
    assert_int_equal(store_open(&s, t.dir, "f.bin", why, sizeof(why)), 0);
    assert_int_equal(store_claim(&s), 0);
    /* A state left by an earlier run, and its temporary, go. */
    snprintf(path, sizeof(path), "%s/.f.bin.part.state", t.dir);
    put_file(path, "old");
    snprintf(path, sizeof(path), "%s/.f.bin.part.state.new", t.dir);
    put_file(path, "older");
    assert_true(s.has_state);
    store_drop_state(&s);
    assert_int_equal(count_entries(t.dir), 1);
    /* A load that finds none remembers it. */
    assert_int_equal(store_load_state(&s, 1024, &text, &len), -ENOENT);
    assert_false(s.has_state);
    store_drop_state(&s);
    assert_int_equal(count_entries(t.dir), 1);
    /* A saved one is removed again. */
    assert_int_equal(store_save_state(&s, "x", 1), 0);
    assert_true(s.has_state);
    assert_int_equal(count_entries(t.dir), 2);
    store_drop_state(&s);
    assert_false(s.has_state);
    assert_int_equal(count_entries(t.dir), 1);
    store_close(&s);
    tmp_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_names_short),
        cmocka_unit_test(test_store_names_long),
        cmocka_unit_test(test_store_names_utf8),
        cmocka_unit_test(test_store_open_creates_subdirs),
        cmocka_unit_test(test_store_open_refuses_symlinks),
        cmocka_unit_test(test_store_open_refuses_bad_paths),
        cmocka_unit_test(test_store_open_not_a_dir),
        cmocka_unit_test(test_store_claim_locks),
        cmocka_unit_test(test_store_claim_keeps_bytes),
        cmocka_unit_test(test_store_claim_refuses_symlink),
        cmocka_unit_test(test_store_check_final),
        cmocka_unit_test(test_store_commit),
        cmocka_unit_test(test_store_discard),
        cmocka_unit_test(test_store_drop_state),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
