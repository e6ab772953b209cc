/*
 * tests/unit/test_upload_store.c - where uploads go: the catalog edits
 * of server/snapshot.c (snapshot_edit(), snapshot_merge()),
 * server/upload_file.c on a real tree in a temporary directory
 * (directories reached and created without following links, temporary
 * files, publication and removal in step with the catalog, the errno to
 * status map).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/snapshot.h"
#include "server/upload_file.h"

/* ================================================================== */
/* server/snapshot: edits and merges                                   */
/* ================================================================== */

/* An entry called NAME whose identity and hash are derived from V. */
static struct snap_entry entry(const char *name, unsigned v)
{
    struct snap_entry e;

    memset(&e, 0, sizeof(e));
    e.name = (char *)name;
    e.id.ino = v;
    e.id.size = v * 10;
    memset(e.sha256, (int)v, SHA256_LEN);
    return e;
}

/* A snapshot of "NAME=V" words ("a=1 b=2"); V 0 is never used. */
static struct snapshot *snap(const char *spec)
{
    struct snap_entry *v = calloc(16, sizeof(*v));
    char buf[256], *save = NULL;
    size_t n = 0;

    assert_non_null(v);
    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');

        assert_non_null(eq);
        *eq = '\0';
        v[n] = entry(w, (unsigned)atoi(eq + 1));
        v[n].name = strdup(w);
        assert_non_null(v[n].name);
        n++;
    }
    return snapshot_new(v, n, NULL, 1000);
}

/* "NAME=V ..." for V[0..N), into OUT. */
static const char *spec_of(const struct snap_entry *v, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s=%u", i ? " " : "", v[i].name,
                              (unsigned)v[i].id.ino);
    return out;
}

struct edit_case {
    const char *what;
    const char *before;
    const char *name;
    unsigned v; /* 0: remove */
    const char *after;
};

static const struct edit_case edit_cases[] = {
    {"a new name goes in its sorted place", "a=1 c=3", "b", 2, "a=1 b=2 c=3"},
    {"a new name before all", "b=2 c=3", "a", 1, "a=1 b=2 c=3"},
    {"a new name after all", "a=1 b=2", "c", 3, "a=1 b=2 c=3"},
    {"a name into an empty catalog", "", "a", 1, "a=1"},
    {"a replaced name keeps its place", "a=1 b=2 c=3", "b", 9, "a=1 b=9 c=3"},
    {"a removed name goes", "a=1 b=2 c=3", "b", 0, "a=1 c=3"},
    {"removing the last name leaves nothing", "a=1", "a", 0, ""},
    {"removing a missing name changes nothing", "a=1 c=3", "b", 0, "a=1 c=3"},
    {"a path sorts bytewise with the others", "iso/a=1 z=2", "iso b", 3, "iso b=3 iso/a=1 z=2"},
};

static void test_snapshot_edit(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(edit_cases); i++) {
        const struct edit_case *c = &edit_cases[i];
        struct snapshot *s = snap(c->before);
        struct snap_entry e = entry(c->name, c->v);
        size_t n = 0;
        struct snap_entry *v = snapshot_edit(s, c->name, c->v ? &e : NULL, &n);
        char got[256];

        assert_non_null(v);
        if (strcmp(spec_of(v, n, got, sizeof(got)), c->after) != 0)
            row_fail(&t, c->what, "gave \"%s\", want \"%s\"", got, c->after);
        for (size_t k = 0; k < n; k++)
            if (v[k].id.ino == c->v && memcmp(v[k].sha256, e.sha256, SHA256_LEN) != 0)
                row_fail(&t, c->what, "the hash of %s was not copied", v[k].name);
        snap_entries_free(v, n);
        snapshot_unref(s);
    }
    tally_end(&t, NROWS(edit_cases));
}

struct merge_case {
    const char *what;
    const char *base, *cur, *scanned, *want;
};

static const struct merge_case merge_cases[] = {
    {"no edits: the scan wins", "a=1 b=2", "a=1 b=2", "a=1 b=5 c=3", "a=1 b=5 c=3"},
    {"an upload during the scan stays", "a=1", "a=1 n=7", "a=1", "a=1 n=7"},
    {"an upload the scan saw too keeps the upload's entry", "a=1", "a=1 n=7", "a=1 n=8", "a=1 n=7"},
    {"a replacement during the scan stays", "a=1 b=2", "a=1 b=9", "a=1 b=2", "a=1 b=9"},
    {"a delete during the scan stays deleted", "a=1 b=2", "a=1", "a=1 b=2", "a=1"},
    {"a file gone from disk leaves", "a=1 b=2", "a=1 b=2", "a=1", "a=1"},
    {"a new file on disk comes in next to an edit", "a=1", "a=1 n=7", "a=1 z=4", "a=1 n=7 z=4"},
    {"everything at once", "a=1 b=2 c=3", "b=9 c=3 d=4", "a=1 b=2 e=5", "b=9 d=4 e=5"},
    {"empty", "", "", "", ""},
};

static void test_snapshot_merge(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(merge_cases); i++) {
        const struct merge_case *c = &merge_cases[i];
        struct snapshot *base = snap(c->base), *cur = snap(c->cur), *sc = snap(c->scanned);
        size_t n = 0;
        struct snap_entry *v = snapshot_merge(base, cur, sc->entries, sc->n, &n);
        char got[256];

        assert_non_null(v);
        if (strcmp(spec_of(v, n, got, sizeof(got)), c->want) != 0)
            row_fail(&t, c->what, "gave \"%s\", want \"%s\"", got, c->want);
        snap_entries_free(v, n);
        snapshot_unref(base);
        snapshot_unref(cur);
        snapshot_unref(sc);
    }
    tally_end(&t, NROWS(merge_cases));
}

static void test_store_generations(void **state)
{
    struct catalog_store st;
    struct snapshot *s;

    (void)state;
    catalog_store_init(&st, snap("a=1"));
    s = catalog_store_get(&st);
    assert_int_equal(s->gen, 1);
    snapshot_unref(s);
    assert_int_equal(catalog_store_publish(&st, snap("a=2")), 2);
    assert_int_equal(catalog_store_publish(&st, snap("a=3")), 3);
    s = catalog_store_get(&st);
    assert_int_equal(s->gen, 3);
    assert_int_equal(s->entries[0].id.ino, 3);
    snapshot_unref(s);
    catalog_store_cleanup(&st);
}

/* ================================================================== */
/* server/upload_file, on a real tree                                 */
/* ================================================================== */

static char tmpdir[64];
static int rootfd = -1;

static void mkfile(const char *rel, const char *text)
{
    int fd = openat(rootfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static int make_tree(void **state)
{
    char path[128];

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pdm-upload-store-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/root", tmpdir);
    if (mkdir(path, 0755) != 0)
        return -1;
    rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/outside", tmpdir);
    if (mkdir(path, 0755) != 0 || mkdirat(rootfd, "d", 0755) != 0 ||
        mkdirat(rootfd, "d/e", 0755) != 0)
        return -1;
    mkfile("a.txt", "A");
    mkfile("d/e/b.txt", "B");
    if (symlinkat(path, rootfd, "link-out") != 0 || symlinkat("..", rootfd, "d/up") != 0 ||
        symlinkat("a.txt", rootfd, "d/link-file") != 0)
        return -1;
    return 0;
}

static int remove_tree(void **state)
{
    char cmd[128];

    (void)state;
    if (rootfd >= 0)
        close(rootfd);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

struct parent_case {
    const char *what;
    const char *path;
    bool create;
    int want; /* 0: opens; else the negative errno */
    const char *base;
    const char *made; /* a directory that must exist afterwards, or NULL */
};

static const struct parent_case parent_cases[] = {
    {"a file in the root: the root", "new.txt", false, 0, "new.txt", NULL},
    {"an existing directory opens", "d/e/x.txt", false, 0, "x.txt", NULL},
    {"a missing directory without CREATE is ENOENT", "n1/n2/x.txt", false, -ENOENT, NULL, NULL},
    {"missing directories are made with CREATE", "n1/n2/x.txt", true, 0, "x.txt", "n1/n2"},
    {"a link to a directory outside is ELOOP", "link-out/x.txt", true, -ELOOP, NULL, NULL},
    {"a link up in the middle is ELOOP", "d/up/x.txt", true, -ELOOP, NULL, NULL},
    {"a link to a file used as a directory is ELOOP", "d/link-file/x", true, -ELOOP, NULL, NULL},
    {"a file used as a directory is ENOTDIR", "a.txt/x", true, -ENOTDIR, NULL, NULL},
    {"a file deep down used as a directory is ENOTDIR", "d/e/b.txt/x/y", true, -ENOTDIR, NULL,
     NULL},
};

static void test_open_parent(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(parent_cases); i++) {
        const struct parent_case *c = &parent_cases[i];
        const char *base = NULL;
        int fd = upload_open_parent(rootfd, c->path, c->create, &base);
        struct stat st;

        if ((c->want == 0) != (fd >= 0) || (fd < 0 && fd != c->want)) {
            row_fail(&t, c->what, "gave %d (%s)", fd, fd < 0 ? strerror(-fd) : "a descriptor");
        } else if (fd >= 0 && strcmp(base, c->base) != 0) {
            row_fail(&t, c->what, "base \"%s\"", base);
        } else if (c->made != NULL &&
                   (fstatat(rootfd, c->made, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                    !S_ISDIR(st.st_mode) || (st.st_mode & 0777) != (UPLOAD_DIR_MODE & ~0022u))) {
            row_fail(&t, c->what, "%s was not made as a directory", c->made);
        }
        if (fd >= 0)
            close(fd);
    }
    /* Nothing was made outside the root. */
    {
        char path[128];
        struct stat st;

        snprintf(path, sizeof(path), "%s/outside/x.txt", tmpdir);
        if (stat(path, &st) == 0)
            row_fail(&t, "nothing outside", "x.txt appeared outside the root");
    }
    tally_end(&t, NROWS(parent_cases));
}

static void test_target_kind(void **state)
{
    enum upload_target k;
    int dfd = openat(rootfd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    (void)state;
    assert_int_equal(upload_target_kind(rootfd, "a.txt", &k), 0);
    assert_int_equal(k, TARGET_FILE);
    assert_int_equal(upload_target_kind(rootfd, "d", &k), 0);
    assert_int_equal(k, TARGET_DIR);
    assert_int_equal(upload_target_kind(rootfd, "link-out", &k), 0);
    assert_int_equal(k, TARGET_LINK);
    assert_int_equal(upload_target_kind(dfd, "link-file", &k), 0);
    assert_int_equal(k, TARGET_LINK);
    assert_int_equal(upload_target_kind(rootfd, "nope", &k), 0);
    assert_int_equal(k, TARGET_ABSENT);
    close(dfd);
}

static void test_tmp_create(void **state)
{
    char a[UPLOAD_TMP_NAME_MAX], b[UPLOAD_TMP_NAME_MAX];
    int fa = upload_tmp_create(rootfd, a), fb = upload_tmp_create(rootfd, b);
    struct stat st;

    (void)state;
    assert_true(fa >= 0 && fb >= 0);
    assert_true(strncmp(a, UPLOAD_TMP_PREFIX, strlen(UPLOAD_TMP_PREFIX)) == 0);
    assert_int_equal(strlen(a), strlen(UPLOAD_TMP_PREFIX) + 16);
    assert_string_not_equal(a, b);
    assert_int_equal(fstat(fa, &st), 0);
    assert_true(S_ISREG(st.st_mode) && st.st_size == 0);
    assert_true((fcntl(fa, F_GETFD) & FD_CLOEXEC) != 0);
    close(fa);
    close(fb);
    assert_int_equal(unlinkat(rootfd, a, 0), 0);
    assert_int_equal(unlinkat(rootfd, b, 0), 0);
}

static void test_random_hex(void **state)
{
    char a[33], b[33];

    (void)state;
    assert_int_equal(upload_random_hex(a, 16), 0);
    assert_int_equal(upload_random_hex(b, 16), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_string_not_equal(a, b);
    assert_int_equal(upload_random_hex(a, 33), -EINVAL);
}

/* Publish a temporary file as NAME (in the root), then replace, then remove it. */
static void test_publish_unpublish(void **state)
{
    struct catalog_store st;
    char tmp[UPLOAD_TMP_NAME_MAX];
    uint8_t sha[SHA256_LEN];
    struct file_id id;
    struct snapshot *s;
    struct stat fst;
    bool is_new = false;
    uint64_t gen = 0;
    int fd;

    (void)state;
    catalog_store_init(&st, snap(""));
    memset(sha, 7, sizeof(sha));
    fd = upload_tmp_create(rootfd, tmp);
    assert_true(fd >= 0 && write(fd, "hello", 5) == 5);
    assert_int_equal(
        upload_publish(&st, fd, rootfd, tmp, rootfd, "pub.txt", "pub.txt", sha, &is_new, &id, &gen),
        0);
    assert_true(is_new);
    assert_int_equal(gen, 2);
    assert_int_equal(fstatat(rootfd, tmp, &fst, 0), -1); /* the temporary took the name */
    assert_int_equal(fstat(fd, &fst), 0);
    close(fd);
    s = catalog_store_get(&st);
    assert_int_equal(s->n, 1);
    assert_string_equal(s->entries[0].name, "pub.txt");
    assert_true(s->entries[0].id.ino == (uint64_t)fst.st_ino && s->entries[0].id.size == 5);
    assert_true(file_id_equal(&s->entries[0].id, &id));
    assert_memory_equal(s->entries[0].sha256, sha, SHA256_LEN);
    snapshot_unref(s);

    fd = upload_tmp_create(rootfd, tmp); /* a second version: a replacement */
    assert_true(fd >= 0 && write(fd, "hi", 2) == 2);
    memset(sha, 8, sizeof(sha));
    assert_int_equal(
        upload_publish(&st, fd, rootfd, tmp, rootfd, "pub.txt", "pub.txt", sha, &is_new, &id, &gen),
        0);
    close(fd);
    assert_false(is_new);
    s = catalog_store_get(&st);
    assert_true(s->n == 1 && s->entries[0].id.size == 2 && s->entries[0].sha256[0] == 8);
    snapshot_unref(s);

    fd = upload_tmp_create(rootfd, tmp); /* onto a directory: refused, nothing moves */
    assert_true(fd >= 0);
    assert_int_equal(
        upload_publish(&st, fd, rootfd, tmp, rootfd, "d", "d", sha, &is_new, &id, &gen), -EISDIR);
    close(fd);
    assert_int_equal(fstatat(rootfd, tmp, &fst, 0), 0);
    assert_int_equal(unlinkat(rootfd, tmp, 0), 0);

    assert_int_equal(upload_unpublish(&st, rootfd, "pub.txt", "pub.txt", &gen), 0);
    assert_true(gen > 0);
    s = catalog_store_get(&st);
    assert_int_equal(s->n, 0);
    snapshot_unref(s);
    assert_int_equal(upload_unpublish(&st, rootfd, "pub.txt", "pub.txt", &gen), -ENOENT);
    assert_int_equal(upload_unpublish(&st, rootfd, "d", "d", &gen), -EISDIR);
    catalog_store_cleanup(&st);
}

struct status_case {
    int err;
    int want;
};

static void test_errno_status(void **state)
{
    static const struct status_case cases[] = {
        {ENOSPC, 507}, {EDQUOT, 507}, {EFBIG, 507},  {EACCES, 403},  {EPERM, 403},
        {EROFS, 403},  {ELOOP, 403},  {EISDIR, 409}, {ENOTDIR, 409}, {ENOTEMPTY, 409},
        {ENOENT, 404}, {EMFILE, 503}, {ENOMEM, 503}, {EIO, 500},     {EINVAL, 500},
    };
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(cases); i++) {
        const char *why = NULL;
        int got = upload_errno_status(cases[i].err, &why);

        if (got != cases[i].want || why == NULL)
            row_fail(&t, strerror(cases[i].err), "gave %d", got);
    }
    tally_end(&t, NROWS(cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_edit),     cmocka_unit_test(test_snapshot_merge),
        cmocka_unit_test(test_store_generations), cmocka_unit_test(test_open_parent),
        cmocka_unit_test(test_target_kind),       cmocka_unit_test(test_tmp_create),
        cmocka_unit_test(test_random_hex),        cmocka_unit_test(test_publish_unpublish),
        cmocka_unit_test(test_errno_status),
    };

    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
