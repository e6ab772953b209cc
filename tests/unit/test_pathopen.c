/*
 * tests/unit/test_pathopen.c - server/pathopen.c on a real tree in a
 * temporary directory: files at every depth open, and a symbolic link at
 * any depth (to a file, to a directory, pointing up, pointing outside) is
 * refused, the same way by the openat2() route and by the walk.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/pathopen.h"

enum want {
    W_FILE,    /* opens, and reads back CONTENT */
    W_DIR,     /* opens a directory (the server then says 404) */
    W_OTHER,   /* opens something else that is not a regular file (a FIFO) */
    W_MISSING, /* -ENOENT */
    W_NOTDIR,  /* -ENOTDIR: a file where a directory should be */
    W_LINK,    /* refused for a symbolic link: -ELOOP, or -ENOTDIR on a directory component */
};

struct open_case {
    const char *what;
    const char *path;
    enum want want;
    const char *content;
};

static const struct open_case open_cases[] = {
    {"a file in the root opens", "a.txt", W_FILE, "A"},
    {"a file one level down opens", "d/b.txt", W_FILE, "B"},
    {"a file two levels down opens", "d/e/c.txt", W_FILE, "C"},
    {"a file five levels down opens", "d/e/f/g/h.txt", W_FILE, "H"},
    {"a name with spaces and UTF-8 opens", "d/caf\xc3\xa9 x/\xe6\x97\xa5.txt", W_FILE, "J"},
    {"a directory opens (it is not a file: the caller refuses it)", "d/e", W_DIR, NULL},
    {"a FIFO opens without blocking (and is not a file)", "d/fifo", W_OTHER, NULL},
    {"a missing file is ENOENT", "nope.txt", W_MISSING, NULL},
    {"a file in a missing directory is ENOENT", "nodir/x.txt", W_MISSING, NULL},
    {"a missing file deep down is ENOENT", "d/e/f/nope", W_MISSING, NULL},
    {"a file used as a directory is ENOTDIR", "a.txt/x", W_NOTDIR, NULL},
    {"a link to a file in the root is refused", "link-a", W_LINK, NULL},
    {"a link to a file deep down is refused", "d/e/f/link-h", W_LINK, NULL},
    {"a link pointing up and out of its directory is refused", "d/e/link-up", W_LINK, NULL},
    {"a link to a directory as the first component is refused", "link-d/b.txt", W_LINK, NULL},
    {"a link to a directory in the middle is refused", "d/link-e/c.txt", W_LINK, NULL},
    {"a link to a directory outside the root is refused", "abs/passwd", W_LINK, NULL},
    {"a link to a directory outside, deep down, is refused", "d/e/f/abs/passwd", W_LINK, NULL},
    {"a link to a directory as the last component is refused", "d/link-e", W_LINK, NULL},
    {"a directory swapped for a link to outside is refused", "d/swapped/passwd", W_LINK, NULL},
};

static char root[64];

static void put(const char *path, const char *content)
{
    char full[256];
    FILE *f;

    snprintf(full, sizeof(full), "%s/%s", root, path);
    f = fopen(full, "w");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
}

static void dir(const char *path)
{
    char full[256];

    snprintf(full, sizeof(full), "%s/%s", root, path);
    assert_int_equal(mkdir(full, 0755), 0);
}

static void link_to(const char *target, const char *path)
{
    char full[256];

    snprintf(full, sizeof(full), "%s/%s", root, path);
    assert_int_equal(symlink(target, full), 0);
}

static int make_tree(void **state)
{
    char full[256];

    (void)state;
    snprintf(root, sizeof(root), "%s/pdm-pathopen-XXXXXX", "/tmp");
    if (mkdtemp(root) == NULL)
        return -1;
    put("a.txt", "A");
    dir("d");
    put("d/b.txt", "B");
    dir("d/e");
    put("d/e/c.txt", "C");
    dir("d/e/f");
    dir("d/e/f/g");
    put("d/e/f/g/h.txt", "H");
    dir("d/caf\xc3\xa9 x");
    put("d/caf\xc3\xa9 x/\xe6\x97\xa5.txt", "J");
    link_to("a.txt", "link-a");
    link_to("g/h.txt", "d/e/f/link-h");
    link_to("../../a.txt", "d/e/link-up");
    link_to("d", "link-d");
    link_to("e", "d/link-e");
    link_to("/etc", "abs");
    link_to("/etc", "d/e/f/abs");
    /* A directory that was there when listed, replaced by a link since. */
    dir("d/swapped");
    put("d/swapped/passwd", "mine");
    snprintf(full, sizeof(full), "%s/d/swapped", root);
    {
        char old[256];

        snprintf(old, sizeof(old), "%s/d/swapped.old", root);
        assert_int_equal(rename(full, old), 0);
    }
    link_to("/etc", "d/swapped");
    snprintf(full, sizeof(full), "%s/d/fifo", root);
    assert_int_equal(mkfifo(full, 0644), 0);
    return 0;
}

static int remove_tree(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* Does FD/ERR match what C wants? A complaint, or NULL. */
static const char *judge(const struct open_case *c, int fd, char *why, size_t cap)
{
    struct stat st;
    char buf[16];
    ssize_t n;

    switch (c->want) {
    case W_FILE:
    case W_DIR:
    case W_OTHER:
        if (fd < 0) {
            snprintf(why, cap, "failed with %s", strerror(-fd));
            return why;
        }
        if (fstat(fd, &st) != 0)
            return "fstat failed";
        if (c->want == W_DIR)
            return S_ISDIR(st.st_mode) ? NULL : "not a directory";
        if (c->want == W_OTHER)
            return S_ISFIFO(st.st_mode) ? NULL : "not the FIFO";
        if (!S_ISREG(st.st_mode))
            return "not a regular file";
        n = read(fd, buf, sizeof(buf));
        if (n != (ssize_t)strlen(c->content) || memcmp(buf, c->content, (size_t)n) != 0)
            return "the wrong file's bytes";
        return NULL;
    case W_MISSING:
        return fd == -ENOENT ? NULL : "not ENOENT";
    case W_NOTDIR:
        return fd == -ENOTDIR ? NULL : "not ENOTDIR";
    case W_LINK:
        return fd == -ELOOP || fd == -ENOTDIR ? NULL : "not refused as a link";
    }
    return "bad row";
}

static void run_cases(enum pathopen_how how, const char *label)
{
    struct tally t = {0, NULL};
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    assert_true(rootfd >= 0);
    for (size_t i = 0; i < NROWS(open_cases); i++) {
        const struct open_case *c = &open_cases[i];
        int fd = pathopen(rootfd, c->path, O_RDONLY | O_NONBLOCK | O_NOCTTY, how);
        char why[128];
        const char *bad = judge(c, fd, why, sizeof(why));

        if (bad != NULL)
            row_fail(&t, c->what, "%s: \"%s\" gave %d: %s", label, c->path, fd, bad);
        if (fd >= 0)
            close(fd);
    }
    close(rootfd);
    tally_end(&t, NROWS(open_cases));
}

static void test_pathopen_walk(void **state)
{
    (void)state;
    run_cases(PATHOPEN_WALK, "walk");
}

static void test_pathopen_openat2(void **state)
{
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = pathopen(rootfd, "a.txt", O_RDONLY, PATHOPEN_OPENAT2);

    (void)state;
    close(rootfd);
    if (fd == -ENOSYS || fd == -EPERM) {
        /* Said, and not counted as a pass: the walk above is what runs here. */
        print_message("# this kernel has no openat2(): only the walk was tested\n");
        skip();
    }
    if (fd >= 0)
        close(fd);
    run_cases(PATHOPEN_OPENAT2, "openat2");
}

static void test_pathopen_auto(void **state)
{
    (void)state;
    run_cases(PATHOPEN_AUTO, "auto");
}

/* The descriptor may be used by another thread: it must not leak into a child. */
static void test_pathopen_cloexec(void **state)
{
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    enum pathopen_how hows[] = {PATHOPEN_WALK, PATHOPEN_AUTO};

    (void)state;
    for (size_t i = 0; i < NROWS(hows); i++) {
        int fd = pathopen(rootfd, "d/e/c.txt", O_RDONLY, hows[i]);

        assert_true(fd >= 0);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
    }
    close(rootfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pathopen_walk),
        cmocka_unit_test(test_pathopen_openat2),
        cmocka_unit_test(test_pathopen_auto),
        cmocka_unit_test(test_pathopen_cloexec),
    };

    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
