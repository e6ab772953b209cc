/*
 * tests/unit/test_upstate.c - client/up/upstate.c: the upload state file's
 * encoding, decoding, name and directory, and its lock.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/up/upstate.h"
#include "tests/unit/tally.h"

static void sample(struct upstate *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->server, sizeof(s->server), "http://127.0.0.1:8080");
    snprintf(s->path, sizeof(s->path), "iso/big file.iso");
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:8080/.uploads/0123456789abcdef");
    s->size = 1073741824;
    s->mtime_sec = 1764567890;
    s->mtime_nsec = 123456789;
    s->device = 2049;
    s->inode = 1234567;
    for (int i = 0; i < SHA256_LEN; i++)
        s->sha256[i] = (uint8_t)(i * 7);
}

static void test_upstate_round_trip(void **state)
{
    struct upstate s, d;
    char buf[UPSTATE_FILE_MAX];
    const char *why;
    size_t n;

    (void)state;
    sample(&s);
    n = upstate_encode(&s, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(upstate_decode(buf, n, &d, &why), UPSTATE_OK);
    assert_memory_equal(&s, &d, sizeof(s));
    assert_non_null(strstr(buf, "path iso/big file.iso\n"));
    assert_non_null(strstr(buf, "mtime 1764567890.123456789\n"));
    /* Too small a buffer gives 0, never a cut file. */
    assert_int_equal(upstate_encode(&s, buf, n), 0);
    assert_int_equal(upstate_encode(&s, buf, n + 1), n);
}

struct enc_case {
    const char *what;
    void (*spoil)(struct upstate *s);
};

static void newline_path(struct upstate *s)
{
    snprintf(s->path, sizeof(s->path), "a\nurl http://evil/");
}
static void empty_url(struct upstate *s)
{
    s->url[0] = '\0';
}
static void ftp_url(struct upstate *s)
{
    snprintf(s->url, sizeof(s->url), "ftp://h/x");
}
static void big_nsec(struct upstate *s)
{
    s->mtime_nsec = 1000000000u;
}
static void negative_mtime(struct upstate *s)
{
    s->mtime_sec = -1;
}

static const struct enc_case enc_cases[] = {
    {"a path with a newline cannot be written", newline_path},
    {"an empty URL cannot be written", empty_url},
    {"a URL that is not http(s) cannot be written", ftp_url},
    {"nanoseconds of a second or more cannot be written", big_nsec},
    {"a modification time before 1970 cannot be written", negative_mtime},
};

static void test_upstate_encode_refuses(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(enc_cases); i++) {
        struct upstate s;
        char buf[UPSTATE_FILE_MAX];

        sample(&s);
        enc_cases[i].spoil(&s);
        if (upstate_encode(&s, buf, sizeof(buf)) != 0)
            row_fail(&t, enc_cases[i].what, "encoded");
    }
    tally_end(&t, NROWS(enc_cases));
}

/* Change the good file: find FROM, put TO. */
struct dec_case {
    const char *what;
    const char *from, *to;
    enum upstate_result want;
};

static const struct dec_case dec_cases[] = {
    {"an edited size fails the check line", "size 1073741824", "size 1073741825", UPSTATE_BAD},
    {"an edited URL fails the check line", "/.uploads/0", "/.uploads/1", UPSTATE_BAD},
    {"another magic is another program's file", "pdm-upload 1", "pdm-uploax 1", UPSTATE_FOREIGN},
    {"another version is foreign", "pdm-upload 1", "pdm-upload 2", UPSTATE_FOREIGN},
    {"the download state's magic is foreign", "pdm-upload 1", "pdm-state 1", UPSTATE_FOREIGN},
    {"a missing line is malformed", "device 2049\n", "", UPSTATE_BAD},
    {"lines out of order are malformed", "device 2049\ninode 1234567\n",
     "inode 1234567\ndevice 2049\n", UPSTATE_BAD},
    {"a short mtime fraction is malformed", ".123456789", ".12345678", UPSTATE_BAD},
    {"a size that overflows is malformed", "size 1073741824", "size 99999999999999999999",
     UPSTATE_BAD},
    {"a short hash is malformed", "sha256 00", "sha256 0", UPSTATE_BAD},
    {"a bad check line is rejected", "check ", "check 0", UPSTATE_BAD},
};

static void test_upstate_decode_refuses(void **state)
{
    struct tally t = {0, NULL};
    struct upstate s, d;
    char good[UPSTATE_FILE_MAX];
    size_t n;

    (void)state;
    sample(&s);
    n = upstate_encode(&s, good, sizeof(good));
    assert_true(n > 0);
    for (size_t i = 0; i < NROWS(dec_cases); i++) {
        const struct dec_case *c = &dec_cases[i];
        char bad[UPSTATE_FILE_MAX + 64];
        const char *at = strstr(good, c->from), *why = NULL;
        size_t pre, flen = strlen(c->from), tlen = strlen(c->to), len;
        enum upstate_result r;

        if (at == NULL) {
            row_fail(&t, c->what, "'%s' is not in the file", c->from);
            continue;
        }
        pre = (size_t)(at - good);
        memcpy(bad, good, pre);
        memcpy(bad + pre, c->to, tlen);
        memcpy(bad + pre + tlen, at + flen, n - pre - flen);
        len = n - flen + tlen;
        r = upstate_decode(bad, len, &d, &why);
        if (r != c->want || why == NULL || d.size != 0 || d.url[0] != '\0')
            row_fail(&t, c->what, "result %d", (int)r);
    }
    tally_end(&t, NROWS(dec_cases));
}

/* BODY with a valid check line (lowercase hex of its SHA-256), or with CHECK_UPPER upper-case. */
static size_t with_check(const char *body, bool check_upper, char *out, size_t cap)
{
    uint8_t h[SHA256_LEN];
    int n = 0;

    assert_int_equal(sha256_buf(body, strlen(body), h), 0);
    n = snprintf(out, cap, "%scheck ", body);
    for (int i = 0; i < SHA256_LEN; i++)
        n += snprintf(out + n, cap - (size_t)n, check_upper ? "%02X" : "%02x", h[i]);
    n += snprintf(out + n, cap - (size_t)n, "\n");
    return (size_t)n;
}

/* One spelling per state: what another spelling would decode to is refused,
 * even with a check line that matches it (found by fuzz_upstate). */
static void test_upstate_one_spelling(void **state)
{
    static const char *const head = "pdm-upload 1\nserver http://h:1\npath p\nurl http://h:1/u\n";
    char body[1024], file[1200];
    struct upstate d;
    const char *why;
    size_t n;

    (void)state;
    snprintf(body, sizeof(body), "%ssize 10\nmtime 5.000000001\ndevice 1\ninode 2\nsha256 %064d\n",
             head, 0);
    n = with_check(body, false, file, sizeof(file));
    assert_int_equal(upstate_decode(file, n, &d, &why), UPSTATE_OK);
    n = with_check(body, true, file, sizeof(file));
    assert_int_equal(upstate_decode(file, n, &d, &why), UPSTATE_BAD); /* upper-case check */
    snprintf(body, sizeof(body), "%ssize 10\nmtime 5.000000001\ndevice 1\ninode 2\nsha256 %064d\n",
             head, 0);
    body[strlen(body) - 2] = 'A'; /* an upper-case digit in the hash */
    n = with_check(body, false, file, sizeof(file));
    assert_int_equal(upstate_decode(file, n, &d, &why), UPSTATE_BAD);
    snprintf(body, sizeof(body), "%ssize 010\nmtime 5.000000001\ndevice 1\ninode 2\nsha256 %064d\n",
             head, 0);
    n = with_check(body, false, file, sizeof(file));
    assert_int_equal(upstate_decode(file, n, &d, &why), UPSTATE_BAD); /* a leading zero */
    snprintf(body, sizeof(body), "%ssize 10\nmtime 05.000000001\ndevice 1\ninode 2\nsha256 %064d\n",
             head, 0);
    n = with_check(body, false, file, sizeof(file));
    assert_int_equal(upstate_decode(file, n, &d, &why), UPSTATE_BAD);
}

/* A file cut at any byte is rejected (a write cut short by a crash). */
static void test_upstate_cut(void **state)
{
    struct upstate s, d;
    char good[UPSTATE_FILE_MAX];
    const char *why;
    size_t n;

    (void)state;
    sample(&s);
    n = upstate_encode(&s, good, sizeof(good));
    for (size_t k = 0; k < n; k++) {
        char *cut = malloc(k ? k : 1);

        memcpy(cut, good, k);
        assert_int_not_equal(upstate_decode(cut, k, &d, &why), UPSTATE_OK);
        free(cut);
    }
    /* ... and so is one with bytes after the check line */
    good[n] = 'x';
    assert_int_equal(upstate_decode(good, n + 1, &d, &why), UPSTATE_BAD);
}

static void test_upstate_names(void **state)
{
    char a[300], b[300], dir[300];

    (void)state;
    assert_int_equal(upstate_name("http://h:1", "a.iso", 1, 2, a, sizeof(a)), 0);
    assert_int_equal(strlen(a), 64 + 6);
    assert_string_equal(a + 64, ".state");
    /* The same upload has the same name; another file, path or server another. */
    assert_int_equal(upstate_name("http://h:1", "a.iso", 1, 2, b, sizeof(b)), 0);
    assert_string_equal(a, b);
    assert_int_equal(upstate_name("http://h:1", "a.iso", 1, 3, b, sizeof(b)), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(upstate_name("http://h:1", "b.iso", 1, 2, b, sizeof(b)), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(upstate_name("http://h:2", "a.iso", 1, 2, b, sizeof(b)), 0);
    assert_string_not_equal(a, b);

    assert_true(upstate_dir("/x/state", "/home/u", dir, sizeof(dir)));
    assert_string_equal(dir, "/x/state/pdm/uploads");
    assert_true(upstate_dir(NULL, "/home/u", dir, sizeof(dir)));
    assert_string_equal(dir, "/home/u/.local/state/pdm/uploads");
    /* XDG says a relative XDG_STATE_HOME is to be ignored. */
    assert_true(upstate_dir("rel", "/home/u", dir, sizeof(dir)));
    assert_string_equal(dir, "/home/u/.local/state/pdm/uploads");
    assert_false(upstate_dir(NULL, NULL, dir, sizeof(dir)));
    assert_false(upstate_dir("", "", dir, sizeof(dir)));
}

/* Save, load, a second claim refused while the first holds the lock. */
static void test_upstate_files(void **state)
{
    char dir[] = "/tmp/pdm-upstate-XXXXXX", sub[256];
    struct upstate_file f, g;
    struct upstate s, d;
    const char *why;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/a/b", dir);
    sample(&s);
    assert_int_equal(upstate_claim(&f, sub, "abc.state"), 0);
    assert_int_equal(upstate_load(&f, &d, &why), -ENOENT);
    assert_int_equal(upstate_save(&f, &s), 0);
    assert_int_equal(upstate_load(&f, &d, &why), 0);
    assert_memory_equal(&s, &d, sizeof(s));
    assert_int_equal(upstate_claim(&g, sub, "abc.state"), -EBUSY);
    upstate_remove(&f);
    assert_int_equal(upstate_load(&f, &d, &why), -ENOENT);
    upstate_release(&f, true);
    assert_int_equal(upstate_claim(&g, sub, "abc.state"), 0);
    upstate_release(&g, true);
    assert_int_equal(upstate_claim(&g, sub, "abc.lock"), -EINVAL);
    {
        char cmd[512];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upstate_round_trip),
        cmocka_unit_test(test_upstate_encode_refuses),
        cmocka_unit_test(test_upstate_decode_refuses),
        cmocka_unit_test(test_upstate_cut),
        cmocka_unit_test(test_upstate_one_spelling),
        cmocka_unit_test(test_upstate_names),
        cmocka_unit_test(test_upstate_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
