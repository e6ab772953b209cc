/*
 * tests/unit/test_scanhash.c - server/scanhash.c on a real tree in a
 * temporary directory: every job gets the SHA-256 of its file's bytes
 * whatever the thread count, the largest files come first, a symbolic
 * link, a missing file and a directory get an error and no hash, a stop
 * cancels every job, and the thread count follows the core count; each
 * file's piece hashes match its pieces hashed one by one, and the piece
 * size follows the documented rule (server/pieces.c).
 * (Run under TSan too: the pool shares one atomic index and nothing else.)
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

#include "server/scanhash.h"

static char root[64];

/* A file of SIZE bytes whose content depends on SEED. */
static void put(const char *path, size_t size, unsigned seed)
{
    char full[256];
    unsigned char *buf = malloc(size ? size : 1);
    FILE *f;

    assert_non_null(buf);
    for (size_t i = 0; i < size; i++)
        buf[i] = (unsigned char)((i * 131u + seed * 7u + (i >> 9)) & 0xff);
    snprintf(full, sizeof(full), "%s/%s", root, path);
    f = fopen(full, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
    free(buf);
}

/*
 * The SHA-256 of the file at PATH beneath the root, read in one piece,
 * and whether P holds the hash of each of its pieces (PIECES_MIN_SIZE
 * bytes for every file here; one piece: the file's hash).
 */
static bool expect_sha(const char *path, uint8_t out[SHA256_LEN], const struct pieces *p)
{
    char full[256];
    struct stat st;
    unsigned char *buf;
    FILE *f;

    snprintf(full, sizeof(full), "%s/%s", root, path);
    assert_int_equal(stat(full, &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    f = fopen(full, "rb");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    bool is_ok;

    assert_int_equal(sha256_buf(buf, (size_t)st.st_size, out), 0);
    is_ok = p != NULL && p->piece_size == PIECES_MIN_SIZE &&
            p->n == ((size_t)st.st_size + PIECES_MIN_SIZE - 1) / PIECES_MIN_SIZE;
    for (size_t k = 0; is_ok && k < p->n; k++) {
        size_t off = k * PIECES_MIN_SIZE, len = (size_t)st.st_size - off;
        uint8_t want[SHA256_LEN];

        if (len > PIECES_MIN_SIZE)
            len = PIECES_MIN_SIZE;
        assert_int_equal(sha256_buf(buf + off, len, want), 0);
        is_ok = memcmp(want, p->hash[k], SHA256_LEN) == 0;
    }
    free(buf);
    return is_ok;
}

static int make_tree(void **state)
{
    char full[256];

    (void)state;
    snprintf(root, sizeof(root), "%s/pdm-scanhash-XXXXXX", "/tmp");
    if (mkdtemp(root) == NULL)
        return -1;
    snprintf(full, sizeof(full), "%s/d", root);
    if (mkdir(full, 0755) != 0)
        return -1;
    put("empty", 0, 1);
    put("one", 1, 2);
    put("d/small", 4096, 3);
    put("d/mid", (1u << 20) + 17, 4); /* more than one read */
    put("big", (3u << 20) + 5, 5);
    put("d/exact", 2 * PIECES_MIN_SIZE, 6); /* a last piece of full size */
    put("d/edge", PIECES_MIN_SIZE + 1, 7);  /* a last piece of one byte */
    for (unsigned i = 0; i < 20; i++) {
        char name[32];

        snprintf(name, sizeof(name), "d/f%u", i);
        put(name, 1000u * i, 10 + i);
    }
    snprintf(full, sizeof(full), "%s/link", root);
    if (symlink("big", full) != 0)
        return -1;
    return 0;
}

static int remove_tree(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *const files[] = {"empty", "one", "d/small", "d/mid", "big", "d/exact", "d/edge"};

/* Jobs for FILES, the 20 d/fN, and any EXTRA names. */
static struct scanhash_job *make_jobs(size_t *n, const char *const *extra, size_t nextra)
{
    size_t cap = NROWS(files) + 20 + nextra, o = 0;
    struct scanhash_job *v = calloc(cap, sizeof(*v));

    assert_non_null(v);
    for (size_t i = 0; i < NROWS(files); i++)
        v[o++].name = strdup(files[i]);
    for (unsigned i = 0; i < 20; i++) {
        char name[32];

        snprintf(name, sizeof(name), "d/f%u", i);
        v[o++].name = strdup(name);
    }
    for (size_t i = 0; i < nextra; i++)
        v[o++].name = strdup(extra[i]);
    for (size_t i = 0; i < o; i++) {
        char full[256];
        struct stat st;

        assert_non_null(v[i].name);
        snprintf(full, sizeof(full), "%s/%s", root, v[i].name);
        v[i].size = lstat(full, &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    *n = o;
    return v;
}

static void free_jobs(struct scanhash_job *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        pieces_unref(v[i].pieces);
    }
    free(v);
}

static void check_hashes(unsigned nthreads)
{
    static const char *const extra[] = {"link", "missing", "d"};
    struct tally t = {0, NULL};
    atomic_bool stop;
    size_t n = 0;
    struct scanhash_job *v = make_jobs(&n, extra, NROWS(extra));
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    atomic_init(&stop, false);
    assert_true(rootfd >= 0);
    assert_int_equal(scanhash_run(rootfd, v, n, nthreads, &stop, false), 0);
    for (size_t i = 0; i < n; i++) {
        const struct scanhash_job *j = &v[i];
        uint8_t want[SHA256_LEN];
        bool is_pieces_ok;

        if (i > 0 && v[i - 1].size < j->size)
            row_fail(&t, "the largest files are hashed first", "%s (%llu) after %s (%llu)", j->name,
                     (unsigned long long)j->size, v[i - 1].name, (unsigned long long)v[i - 1].size);
        if (strcmp(j->name, "link") == 0) {
            if (j->err != -ELOOP)
                row_fail(&t, "a symbolic link is not followed", "gave %d", j->err);
            continue;
        }
        if (strcmp(j->name, "missing") == 0) {
            if (j->err != -ENOENT)
                row_fail(&t, "a missing file is ENOENT", "gave %d", j->err);
            continue;
        }
        if (strcmp(j->name, "d") == 0) {
            if (j->err != -EINVAL)
                row_fail(&t, "a directory is not hashed", "gave %d", j->err);
            continue;
        }
        is_pieces_ok = expect_sha(j->name, want, j->pieces);
        if (j->err != 0 || memcmp(j->sha256, want, SHA256_LEN) != 0 || j->id.size != j->size)
            row_fail(&t, "each file gets the SHA-256 of its bytes and its identity",
                     "%s with %u threads: err %d, size %llu", j->name, nthreads, j->err,
                     (unsigned long long)j->id.size);
        else if (!is_pieces_ok)
            row_fail(&t, "each file gets the SHA-256 of each of its pieces, from the same read",
                     "%s with %u threads", j->name, nthreads);
    }
    close(rootfd);
    free_jobs(v, n);
    tally_end(&t, n);
}

static void test_one_thread(void **state)
{
    (void)state;
    check_hashes(1);
}

static void test_many_threads(void **state)
{
    (void)state;
    check_hashes(4);
    check_hashes(SCANHASH_MAX_THREADS + 5); /* capped */
}

static void test_stop_cancels_everything(void **state)
{
    atomic_bool stop;
    size_t n = 0;
    struct scanhash_job *v = make_jobs(&n, NULL, 0);
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    (void)state;
    atomic_init(&stop, true);
    assert_true(rootfd >= 0);
    assert_int_equal(scanhash_run(rootfd, v, n, 3, &stop, false), 0);
    for (size_t i = 0; i < n; i++)
        if (v[i].err != -ECANCELED || v[i].pieces != NULL)
            fail_msg("%s: a stopped pool gave %d, not ECANCELED", v[i].name, v[i].err);
    close(rootfd);
    free_jobs(v, n);
}

static void test_no_jobs(void **state)
{
    (void)state;
    assert_int_equal(scanhash_run(-1, NULL, 0, 4, NULL, false), 0);
}

struct size_case {
    const char *what;
    uint64_t size;
    uint64_t piece_size;
    uint64_t count;
};

static const struct size_case size_cases[] = {
    {"an empty file has no piece", 0, 256u << 10, 0},
    {"one byte is one piece of the smallest size", 1, 256u << 10, 1},
    {"256 KiB is one piece", 256u << 10, 256u << 10, 1},
    {"one byte more is two pieces", (256u << 10) + 1, 256u << 10, 2},
    {"1 GiB is 4096 pieces of 256 KiB", 1ull << 30, 256u << 10, 4096},
    {"one byte past 1 GiB doubles the piece size", (1ull << 30) + 1, 512u << 10, 2049},
    {"4 GiB is 4096 pieces of 1 MiB", 4ull << 30, 1u << 20, 4096},
    {"a 700 MB image has pieces of 256 KiB", 700000000, 256u << 10, 2671},
    {"the largest size has 4096 pieces of 4 PiB", UINT64_MAX, 1ull << 52, 4096},
};

static void test_piece_size_rule(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(size_cases); i++) {
        const struct size_case *c = &size_cases[i];
        uint64_t ps = pieces_size_for(c->size), n = pieces_count(c->size, ps);

        if (ps != c->piece_size || n != c->count)
            row_fail(&t, c->what, "%llu bytes gave %llu pieces of %llu",
                     (unsigned long long)c->size, (unsigned long long)n, (unsigned long long)ps);
    }
    tally_end(&t, NROWS(size_cases));
}

static void test_pieces_shared(void **state)
{
    struct pieces *a = pieces_new(3u << 20), *b = pieces_new(3u << 20);

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->n, 12);
    assert_true(pieces_equal(a, b));
    b->hash[11][31] = 1;
    assert_false(pieces_equal(a, b));
    assert_false(pieces_equal(a, NULL));
    assert_true(pieces_equal(NULL, NULL));
    assert_ptr_equal(pieces_ref(a), a);
    pieces_unref(a); /* one reference left: ASan would see a use after free below */
    assert_int_equal(a->n, 12);
    pieces_unref(a);
    pieces_unref(b);
    pieces_unref(NULL);
    assert_null(pieces_ref(NULL));
}

static void test_threads_for(void **state)
{
    (void)state;
    assert_int_equal(scanhash_threads_for(-1), 1); /* sysconf failed */
    assert_int_equal(scanhash_threads_for(0), 1);
    assert_int_equal(scanhash_threads_for(1), 1);
    assert_int_equal(scanhash_threads_for(2), 2);
    assert_int_equal(scanhash_threads_for(SCANHASH_MAX_THREADS), SCANHASH_MAX_THREADS);
    assert_int_equal(scanhash_threads_for(256), SCANHASH_MAX_THREADS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_thread),
        cmocka_unit_test(test_many_threads),
        cmocka_unit_test(test_stop_cancels_everything),
        cmocka_unit_test(test_no_jobs),
        cmocka_unit_test(test_threads_for),
        cmocka_unit_test(test_piece_size_rule),
        cmocka_unit_test(test_pieces_shared),
    };

    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
