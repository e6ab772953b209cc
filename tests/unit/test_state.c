/*
 * tests/unit/test_state.c - client/state.c: the resume state file. The
 * codec round-trips every field; the decoder rejects anything foreign,
 * damaged or malformed (every flipped byte, every truncation); the encoder
 * refuses what it could not write back; save and load go through a
 * private temporary directory.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/state.h"
#include "common/encode.h"
#include "common/sha256.h"

#define BUF_MAX (96u << 10)

/* ---- helpers ---- */

/* A state with every field set: the base the rows change. */
static void make_full(struct dl_state *s)
{
    memset(s, 0, sizeof(*s));
    strcpy(s->url, "http://127.0.0.1:8080/big%20file.iso");
    s->size = 314572800;
    strcpy(s->etag, "\"5100f8-12c00000-18e9f93ff58349af\"");
    strcpy(s->last_modified, "Sat, 21 Nov 2026 05:46:19 GMT");
    s->has_sha256 = true;
    for (int i = 0; i < SHA256_LEN; i++)
        s->sha256[i] = (uint8_t)(0xc0 + i);
    s->nmissing = 3;
    s->missing[0] = (struct plan_range){1048576, 78643200};
    s->missing[1] = (struct plan_range){157286400, 200000000};
    s->missing[2] = (struct plan_range){300000000, 314572800};
}

/* Why A and B differ, or NULL when they hold the same state. */
static const char *state_diff(const struct dl_state *a, const struct dl_state *b)
{
    if (strcmp(a->url, b->url) != 0)
        return "url";
    if (a->size != b->size)
        return "size";
    if (strcmp(a->etag, b->etag) != 0)
        return "etag";
    if (strcmp(a->last_modified, b->last_modified) != 0)
        return "last-modified";
    if (a->has_sha256 != b->has_sha256 ||
        (a->has_sha256 && memcmp(a->sha256, b->sha256, SHA256_LEN) != 0))
        return "sha256";
    if (a->nmissing != b->nmissing)
        return "the number of missing ranges";
    for (size_t i = 0; i < a->nmissing; i++)
        if (a->missing[i].start != b->missing[i].start || a->missing[i].end != b->missing[i].end)
            return "a missing range";
    return NULL;
}

/* Decode from a buffer of exactly LEN bytes, so ASan sees any read past it. */
static enum state_result decode_exact(const char *buf, size_t len, struct dl_state *s,
                                      const char **why)
{
    char *copy = malloc(len > 0 ? len : 1);
    enum state_result r;

    assert_non_null(copy);
    memcpy(copy, buf, len);
    r = state_decode(copy, len, s, why);
    free(copy);
    return r;
}

/* BODY followed by its correct check line, into OUT. Returns the length. */
static size_t with_check(const char *body, size_t len, char *out, size_t cap)
{
    uint8_t sum[SHA256_LEN];
    char hex[SHA256_HEX_LEN + 1];

    assert_true(len + sizeof("check \n") + SHA256_HEX_LEN < cap);
    assert_int_equal(sha256_buf(body, len, sum), 0);
    encode_hex(sum, SHA256_LEN, hex);
    memcpy(out, body, len);
    return len + (size_t)snprintf(out + len, cap - len, "check %s\n", hex);
}

/* ---- round trip ---- */

static void rt_full(struct dl_state *s)
{
    make_full(s);
}

static void rt_no_etag(struct dl_state *s)
{
    make_full(s);
    s->etag[0] = '\0';
}

static void rt_no_last_modified(struct dl_state *s)
{
    make_full(s);
    s->last_modified[0] = '\0';
}

static void rt_no_validators(struct dl_state *s)
{
    make_full(s);
    s->etag[0] = '\0';
    s->last_modified[0] = '\0';
}

static void rt_no_sha(struct dl_state *s)
{
    make_full(s);
    s->has_sha256 = false;
    memset(s->sha256, 0, SHA256_LEN);
}

static void rt_no_missing(struct dl_state *s)
{
    make_full(s);
    s->nmissing = 0;
    memset(s->missing, 0, sizeof(s->missing));
}

static void rt_minimal(struct dl_state *s)
{
    memset(s, 0, sizeof(*s));
    strcpy(s->url, "u");
}

static void rt_max_ranges(struct dl_state *s)
{
    make_full(s);
    s->size = 10 * STATE_MAX_RANGES;
    s->nmissing = STATE_MAX_RANGES;
    for (size_t i = 0; i < STATE_MAX_RANGES; i++)
        s->missing[i] = (struct plan_range){10 * i, 10 * i + 5};
}

static void rt_adjacent(struct dl_state *s)
{
    make_full(s);
    s->size = 30;
    s->nmissing = 2;
    s->missing[0] = (struct plan_range){0, 10};
    s->missing[1] = (struct plan_range){10, 30};
    s->missing[2] = (struct plan_range){0, 0};
}

static void rt_whole_file(struct dl_state *s)
{
    make_full(s);
    s->nmissing = 1;
    s->missing[0] = (struct plan_range){0, s->size};
    memset(&s->missing[1], 0, 2 * sizeof(s->missing[0]));
}

static void rt_huge(struct dl_state *s)
{
    make_full(s);
    s->size = UINT64_MAX;
    s->nmissing = 1;
    s->missing[0] = (struct plan_range){UINT64_MAX - 1, UINT64_MAX};
    memset(&s->missing[1], 0, 2 * sizeof(s->missing[0]));
}

static void rt_longest(struct dl_state *s)
{
    make_full(s);
    memset(s->url, 'u', STATE_URL_MAX - 1);
    s->url[STATE_URL_MAX - 1] = '\0';
    memset(s->etag, 'e', STATE_VALIDATOR_MAX - 1);
    s->etag[STATE_VALIDATOR_MAX - 1] = '\0';
    memset(s->last_modified, 'l', STATE_VALIDATOR_MAX - 1);
    s->last_modified[STATE_VALIDATOR_MAX - 1] = '\0';
}

static void rt_spaces(struct dl_state *s)
{
    make_full(s);
    strcpy(s->etag, " W/\"a b\" ");
    strcpy(s->last_modified, "  two  spaces  ");
}

struct rt_case {
    const char *what;
    void (*make)(struct dl_state *s);
};

static const struct rt_case rt_cases[] = {
    {"every field survives a round trip", rt_full},
    {"a state without an ETag round-trips", rt_no_etag},
    {"a state without a Last-Modified round-trips", rt_no_last_modified},
    {"a state with neither validator round-trips", rt_no_validators},
    {"a state without a SHA-256 round-trips", rt_no_sha},
    {"a state with no missing range (all written) round-trips", rt_no_missing},
    {"a URL and a size of 0 alone round-trip", rt_minimal},
    {"STATE_MAX_RANGES missing ranges round-trip", rt_max_ranges},
    {"adjacent ranges round-trip", rt_adjacent},
    {"a range covering the whole file round-trips", rt_whole_file},
    {"a size and range end of UINT64_MAX round-trip", rt_huge},
    {"the longest URL, ETag and Last-Modified round-trip", rt_longest},
    {"leading, inner and trailing spaces in validators round-trip", rt_spaces},
};

static void test_state_round_trip(void **state)
{
    static char buf[BUF_MAX];
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++) {
        const struct rt_case *c = &rt_cases[i];
        struct dl_state in, out;
        const char *why = "not touched";
        const char *diff = NULL;
        size_t len;
        enum state_result r = STATE_BAD;

        c->make(&in);
        len = state_encode(&in, buf, sizeof(buf));
        if (len == 0 || len >= sizeof(buf) || buf[len] != '\0' || strlen(buf) != len) {
            diff = "state_encode failed";
        } else {
            r = decode_exact(buf, len, &out, &why);
            if (r != STATE_OK)
                diff = "state_decode failed";
            else if (why != NULL)
                diff = "*why is set on success";
            else
                diff = state_diff(&in, &out);
        }
        if (diff != NULL) {
            nbad++;
            print_error("row %zu: %s: %s (result %d, why \"%s\")\n", i, c->what, diff, (int)r,
                        why ? why : "(null)");
        }
    }
    if (nbad > 0)
        fail_msg("%d round-trip rows failed", nbad);
}

/* The encoding is the documented text, line by line. */
static void test_state_encode_golden(void **state)
{
    static const char want[] =
        "pdm-state 1\n"
        "url http://127.0.0.1:8080/big%20file.iso\n"
        "size 314572800\n"
        "etag \"5100f8-12c00000-18e9f93ff58349af\"\n"
        "last-modified Sat, 21 Nov 2026 05:46:19 GMT\n"
        "sha256 c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf\n"
        "missing 1048576 78643200\n"
        "missing 157286400 200000000\n"
        "missing 300000000 314572800\n";
    char expect[2048], buf[2048];
    struct dl_state s;
    size_t n = with_check(want, sizeof(want) - 1, expect, sizeof(expect));

    (void)state;
    make_full(&s);
    assert_int_equal(state_encode(&s, buf, sizeof(buf)), n);
    assert_memory_equal(buf, expect, n);
}

/* ---- decode: rows with their own check line ---- */

#define HEAD "pdm-state 1\nurl http://h/x\nsize 100\n"

struct dec_case {
    const char *what;
    const char *body;
    size_t len;
    bool add_check; /* append a correct check line, so only the body is judged */
    enum state_result want;
};

#define S(lit) lit, sizeof(lit) - 1

static const struct dec_case dec_cases[] = {
    {"a minimal file is accepted", S(HEAD), true, STATE_OK},
    {"adjacent ranges are accepted", S(HEAD "missing 0 10\nmissing 10 20\n"), true, STATE_OK},
    {"a range ending at the size is accepted", S(HEAD "missing 90 100\n"), true, STATE_OK},
    {"a range of one byte is accepted", S(HEAD "missing 5 6\n"), true, STATE_OK},

    {"another program's file is foreign", S("not-ours 1\nurl http://h/x\nsize 100\n"), true,
     STATE_FOREIGN},
    {"version 2 is foreign", S("pdm-state 2\nurl http://h/x\nsize 100\n"), true, STATE_FOREIGN},
    {"version 0 is foreign", S("pdm-state 0\nurl http://h/x\nsize 100\n"), true, STATE_FOREIGN},
    {"version 10 is foreign", S("pdm-state 10\nurl http://h/x\nsize 100\n"), true, STATE_FOREIGN},
    {"the magic alone without a version is foreign", S("pdm-state\n"), false, STATE_FOREIGN},
    {"an empty file is foreign", S(""), false, STATE_FOREIGN},
    {"a magic in another case is foreign", S("PDM-STATE 1\nurl http://h/x\nsize 100\n"), true,
     STATE_FOREIGN},

    {"a file without a check line is bad", S(HEAD), false, STATE_BAD},
    {"a check line of another content is bad",
     S(HEAD "check 0000000000000000000000000000000000000000000000000000000000000000\n"), false,
     STATE_BAD},
    {"a check line that is not hex is bad", S(HEAD "check xyz\n"), false, STATE_BAD},
    {"an empty check line is bad", S(HEAD "check \n"), false, STATE_BAD},

    {"unsorted ranges are bad", S(HEAD "missing 50 60\nmissing 0 10\n"), true, STATE_BAD},
    {"overlapping ranges are bad", S(HEAD "missing 0 10\nmissing 9 20\n"), true, STATE_BAD},
    {"a repeated range is bad", S(HEAD "missing 0 10\nmissing 0 10\n"), true, STATE_BAD},
    {"a range past the size is bad", S(HEAD "missing 90 101\n"), true, STATE_BAD},
    {"a range starting at the size is bad", S(HEAD "missing 100 101\n"), true, STATE_BAD},
    {"an empty range is bad", S(HEAD "missing 5 5\n"), true, STATE_BAD},
    {"a backwards range is bad", S(HEAD "missing 6 5\n"), true, STATE_BAD},
    {"a range with one number is bad", S(HEAD "missing 5\n"), true, STATE_BAD},
    {"a range with three numbers is bad", S(HEAD "missing 1 2 3\n"), true, STATE_BAD},
    {"a range with a non-number is bad", S(HEAD "missing 1 x\n"), true, STATE_BAD},
    {"a range with a negative number is bad", S(HEAD "missing -1 5\n"), true, STATE_BAD},
    {"a range before the size line is still checked against it",
     S("pdm-state 1\nmissing 0 200\nurl http://h/x\nsize 100\n"), true, STATE_BAD},

    {"a file without a url is bad", S("pdm-state 1\nsize 100\n"), true, STATE_BAD},
    {"an empty url is bad", S("pdm-state 1\nurl \nsize 100\n"), true, STATE_BAD},
    {"a file without a size is bad", S("pdm-state 1\nurl http://h/x\n"), true, STATE_BAD},
    {"a size that is not a number is bad", S("pdm-state 1\nurl http://h/x\nsize 12x\n"), true,
     STATE_BAD},
    {"an empty size is bad", S("pdm-state 1\nurl http://h/x\nsize \n"), true, STATE_BAD},
    {"a negative size is bad", S("pdm-state 1\nurl http://h/x\nsize -1\n"), true, STATE_BAD},
    {"a size with a leading space is bad", S("pdm-state 1\nurl http://h/x\nsize  1\n"), true,
     STATE_BAD},
    {"an overflowing size is bad", S("pdm-state 1\nurl http://h/x\nsize 18446744073709551616\n"),
     true, STATE_BAD},
    {"a sha256 of 63 hex digits is bad",
     S(HEAD "sha256 000000000000000000000000000000000000000000000000000000000000000\n"), true,
     STATE_BAD},
    {"a sha256 that is not hex is bad",
     S(HEAD "sha256 zz00000000000000000000000000000000000000000000000000000000000000\n"), true,
     STATE_BAD},
    {"an unknown key is bad", S(HEAD "colour blue\n"), true, STATE_BAD},
    {"a known key in another case is bad", S(HEAD "ETAG \"x\"\n"), true, STATE_BAD},
    {"a line without a space is bad", S(HEAD "missing\n"), true, STATE_BAD},
    {"an empty line is bad", S(HEAD "\n"), true, STATE_BAD},
    {"a last line without its LF is bad", S(HEAD "etag \"x\""), false, STATE_BAD},

    /* Values state_encode() refuses to write cannot come back from a file. */
    {"a CR in the url (which state_encode refuses) is bad",
     S("pdm-state 1\nurl http://h/x\r\n"
       "size 100\n"),
     true, STATE_BAD},
    {"a CR in the etag (which state_encode refuses) is bad", S(HEAD "etag \"x\"\r\n"), true,
     STATE_BAD},
    {"a NUL in the url (which no C string can encode) is bad",
     S("pdm-state 1\nurl http://h/x\0/evil\nsize 100\n"), true, STATE_BAD},
    {"a second size line is bad", S(HEAD "size 200\n"), true, STATE_BAD},
};

static void test_state_decode_cases(void **state)
{
    static char buf[BUF_MAX];
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
        const struct dec_case *c = &dec_cases[i];
        struct dl_state s;
        const char *why = "not touched";
        size_t len = c->len;
        enum state_result r;
        bool ok;

        if (c->add_check)
            len = with_check(c->body, c->len, buf, sizeof(buf));
        else
            memcpy(buf, c->body, len);
        memset(&s, 0xa5, sizeof(s));
        r = decode_exact(buf, len, &s, &why);
        ok = r == c->want;
        if (ok && r == STATE_OK) {
            ok = why == NULL;
        } else if (ok) {
            static const struct dl_state zero;

            /* Rejected: *S is zeroed and *WHY says why. */
            ok = why != NULL && why[0] != '\0' && memcmp(&s, &zero, sizeof(s)) == 0;
        }
        if (!ok) {
            nbad++;
            print_error("row %zu: %s: gave %d (why \"%s\", url \"%.40s\", size %" PRIu64 ")\n", i,
                        c->what, (int)r, why ? why : "(null)", r == STATE_OK ? s.url : "",
                        r == STATE_OK ? s.size : 0);
        }
    }
    if (nbad > 0)
        fail_msg("%d state_decode rows failed", nbad);
}

/* Anything after a good check line is refused: a line, an empty line, a second check. */
static void test_state_decode_after_check(void **state)
{
    static char buf[4096];
    struct dl_state s;
    const char *why;
    size_t n = with_check(S(HEAD), buf, sizeof(buf));
    const size_t check_len = SHA256_HEX_LEN + sizeof("check \n") - 1;

    (void)state;
    assert_int_equal(decode_exact(buf, n, &s, &why), STATE_OK);

    memcpy(buf + n, "missing 0 1\n", 12);
    why = NULL;
    assert_int_equal(decode_exact(buf, n + 12, &s, &why), STATE_BAD);
    assert_non_null(why);

    buf[n] = '\n';
    why = NULL;
    assert_int_equal(decode_exact(buf, n + 1, &s, &why), STATE_BAD);
    assert_non_null(why);

    buf[n] = 'x';
    why = NULL;
    assert_int_equal(decode_exact(buf, n + 1, &s, &why), STATE_BAD);
    assert_non_null(why);

    memcpy(buf + n, buf + n - check_len, check_len);
    why = NULL;
    assert_int_equal(decode_exact(buf, n + check_len, &s, &why), STATE_BAD);
    assert_non_null(why);
}

/* One range more than STATE_MAX_RANGES is refused, even with a good check line. */
static void test_state_decode_too_many_ranges(void **state)
{
    static char body[BUF_MAX], buf[BUF_MAX];
    struct dl_state s;
    const char *why;
    size_t len = (size_t)snprintf(body, sizeof(body), "pdm-state 1\nurl u\nsize 100000\n");

    (void)state;
    for (size_t i = 0; i < STATE_MAX_RANGES; i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len, "missing %zu %zu\n", 10 * i,
                                10 * i + 5);
    assert_int_equal(decode_exact(buf, with_check(body, len, buf, sizeof(buf)), &s, &why),
                     STATE_OK);
    assert_int_equal(s.nmissing, STATE_MAX_RANGES);
    len += (size_t)snprintf(body + len, sizeof(body) - len, "missing 90000 90001\n");
    assert_int_equal(decode_exact(buf, with_check(body, len, buf, sizeof(buf)), &s, &why),
                     STATE_BAD);
    assert_non_null(why);
}

/* A URL or validator one byte longer than the struct holds is refused. */
static void test_state_decode_too_long(void **state)
{
    static char body[BUF_MAX], buf[BUF_MAX];
    struct dl_state s;
    const char *why;
    size_t len;

    (void)state;
    len = (size_t)snprintf(body, sizeof(body), "pdm-state 1\nurl ");
    memset(body + len, 'u', STATE_URL_MAX);
    len += STATE_URL_MAX;
    len += (size_t)snprintf(body + len, sizeof(body) - len, "\nsize 1\n");
    assert_int_equal(decode_exact(buf, with_check(body, len, buf, sizeof(buf)), &s, &why),
                     STATE_BAD);

    len = (size_t)snprintf(body, sizeof(body), HEAD "etag ");
    memset(body + len, 'e', STATE_VALIDATOR_MAX);
    len += STATE_VALIDATOR_MAX;
    body[len++] = '\n';
    assert_int_equal(decode_exact(buf, with_check(body, len, buf, sizeof(buf)), &s, &why),
                     STATE_BAD);

    len = (size_t)snprintf(body, sizeof(body), HEAD "last-modified ");
    memset(body + len, 'l', STATE_VALIDATOR_MAX);
    len += STATE_VALIDATOR_MAX;
    body[len++] = '\n';
    assert_int_equal(decode_exact(buf, with_check(body, len, buf, sizeof(buf)), &s, &why),
                     STATE_BAD);
}

/* ---- decode: damage ---- */

/* Flip bits of every byte: each file is rejected, or decodes to the very same state. */
static void test_state_decode_every_flip(void **state)
{
    static const uint8_t masks[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
    static char buf[BUF_MAX], bad[BUF_MAX];
    struct dl_state in, out;
    const char *why;
    size_t len, check_at, nsame = 0;
    int nbad = 0;

    (void)state;
    make_full(&in);
    len = state_encode(&in, buf, sizeof(buf));
    assert_true(len > 0);
    check_at = (size_t)(strstr(buf, "\ncheck ") - buf) + 7;
    for (size_t pos = 0; pos < len; pos++) {
        for (size_t m = 0; m < sizeof(masks); m++) {
            enum state_result r;

            memcpy(bad, buf, len);
            bad[pos] = (char)(bad[pos] ^ masks[m]);
            r = decode_exact(bad, len, &out, &why);
            if (r != STATE_OK)
                continue;
            /* Accepted: only a case change of a check digit may be, and it must change nothing. */
            if (state_diff(&in, &out) == NULL && pos >= check_at && masks[m] == 0x20) {
                nsame++;
                continue;
            }
            nbad++;
            print_error("byte %zu ('%c') ^ 0x%02x was accepted (%s differs)\n", pos, buf[pos],
                        masks[m], state_diff(&in, &out) ? state_diff(&in, &out) : "nothing");
        }
    }
    print_message("# %zu bytes x %zu flips: %zu accepted unchanged (uppercase check digits)\n", len,
                  sizeof(masks), nsame);
    if (nbad > 0)
        fail_msg("%d flipped files were accepted", nbad);
}

/* Every proper prefix of a good file is rejected. */
static void test_state_decode_every_truncation(void **state)
{
    static char buf[BUF_MAX];
    struct dl_state in, out;
    const char *why;
    size_t len;

    (void)state;
    make_full(&in);
    len = state_encode(&in, buf, sizeof(buf));
    assert_true(len > 0);
    for (size_t n = 0; n < len; n++) {
        enum state_result r = decode_exact(buf, n, &out, &why);

        if (r == STATE_OK)
            fail_msg("the first %zu of %zu bytes were accepted", n, len);
        assert_non_null(why);
    }
    assert_int_equal(decode_exact(buf, len, &out, &why), STATE_OK);
}

/* ---- encode refusals ---- */

static void bad_unsorted(struct dl_state *s)
{
    make_full(s);
    s->missing[0] = (struct plan_range){157286400, 200000000};
    s->missing[1] = (struct plan_range){1048576, 78643200};
}

static void bad_overlap(struct dl_state *s)
{
    make_full(s);
    s->missing[1].start = s->missing[0].end - 1;
}

static void bad_past_size(struct dl_state *s)
{
    make_full(s);
    s->missing[2].end = s->size + 1;
}

static void bad_empty_range(struct dl_state *s)
{
    make_full(s);
    s->missing[1].end = s->missing[1].start;
}

static void bad_backwards_range(struct dl_state *s)
{
    make_full(s);
    s->missing[1] = (struct plan_range){200000000, 157286400};
}

static void bad_too_many(struct dl_state *s)
{
    make_full(s);
    s->nmissing = STATE_MAX_RANGES + 1;
}

static void bad_url_lf(struct dl_state *s)
{
    make_full(s);
    strcpy(s->url, "http://h/a\nsize 1");
}

static void bad_url_cr(struct dl_state *s)
{
    make_full(s);
    strcpy(s->url, "http://h/a\r");
}

static void bad_etag_lf(struct dl_state *s)
{
    make_full(s);
    strcpy(s->etag, "\"a\"\nmissing 0 1");
}

static void bad_etag_cr(struct dl_state *s)
{
    make_full(s);
    strcpy(s->etag, "\"a\"\r");
}

static void bad_lm_lf(struct dl_state *s)
{
    make_full(s);
    strcpy(s->last_modified, "Sat\n");
}

static void bad_no_url(struct dl_state *s)
{
    make_full(s);
    s->url[0] = '\0';
}

struct enc_case {
    const char *what;
    void (*make)(struct dl_state *s);
};

static const struct enc_case enc_cases[] = {
    {"unsorted ranges are refused", bad_unsorted},
    {"overlapping ranges are refused", bad_overlap},
    {"a range past the size is refused", bad_past_size},
    {"an empty range is refused", bad_empty_range},
    {"a backwards range is refused", bad_backwards_range},
    {"more than STATE_MAX_RANGES ranges are refused", bad_too_many},
    {"an LF in the URL is refused", bad_url_lf},
    {"a CR in the URL is refused", bad_url_cr},
    {"an LF in the ETag is refused", bad_etag_lf},
    {"a CR in the ETag is refused", bad_etag_cr},
    {"an LF in the Last-Modified is refused", bad_lm_lf},
    {"an empty URL is refused", bad_no_url},
};

static void test_state_encode_refuses(void **state)
{
    static char buf[BUF_MAX];
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
        struct dl_state s;
        size_t n;

        enc_cases[i].make(&s);
        n = state_encode(&s, buf, sizeof(buf));
        if (n != 0) {
            nbad++;
            print_error("row %zu: %s: encoded %zu bytes\n", i, enc_cases[i].what, n);
        }
    }
    if (nbad > 0)
        fail_msg("%d state_encode rows failed", nbad);
}

/* Every buffer smaller than the encoding and its NUL gives 0 and stays inside CAP. */
static void test_state_encode_every_cap(void **state)
{
    static char full[BUF_MAX], buf[BUF_MAX];
    struct dl_state s;
    size_t len;

    (void)state;
    make_full(&s);
    len = state_encode(&s, full, sizeof(full));
    assert_true(len > 0);
    for (size_t cap = 0; cap <= len; cap++) {
        memset(buf, '#', len + 2);
        if (state_encode(&s, buf, cap) != 0)
            fail_msg("a buffer of %zu bytes for %zu + NUL was accepted", cap, len);
        for (size_t k = cap; k < len + 2; k++)
            if (buf[k] != '#')
                fail_msg("a buffer of %zu bytes was written at %zu", cap, k);
    }
    memset(buf, '#', len + 2);
    assert_int_equal(state_encode(&s, buf, len + 1), len);
    assert_memory_equal(buf, full, len + 1);
    assert_int_equal(buf[len + 1], '#');
}

/* ---- save and load ---- */

struct tmpdir {
    char dir[64];
    char path[128]; /* the state file of "x" in dir */
    struct store st;
};

static void tmp_make(struct tmpdir *t)
{
    char why[256];

    strcpy(t->dir, "/tmp/test_state.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    assert_int_equal(store_open(&t->st, t->dir, "x", why, sizeof(why)), 0);
    snprintf(t->path, sizeof(t->path), "%s/.x.part.state", t->dir);
}

/* How many entries besides . and .. the directory holds. */
static int tmp_count(const struct tmpdir *t)
{
    DIR *d = opendir(t->dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void tmp_write(const struct tmpdir *t, const char *data, size_t len)
{
    FILE *f = fopen(t->path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void tmp_remove(struct tmpdir *t)
{
    (void)unlink(t->path); /* may already be gone */
    store_close(&t->st);
    assert_int_equal(rmdir(t->dir), 0);
}

static void test_state_save_load(void **state)
{
    struct tmpdir t;
    struct dl_state in, out;
    const char *why = "not touched";

    (void)state;
    tmp_make(&t);

    /* A missing file is -ENOENT. */
    assert_int_equal(state_load(&t.st, &out, &why), -ENOENT);

    /* A saved state loads back whole, and no temporary file is left. */
    make_full(&in);
    assert_int_equal(state_save(&t.st, &in), 0);
    assert_int_equal(state_load(&t.st, &out, &why), 0);
    assert_null(why);
    assert_null(state_diff(&in, &out));
    assert_int_equal(tmp_count(&t), 1);

    /* Saving again replaces the file. */
    in.nmissing = 1;
    assert_int_equal(state_save(&t.st, &in), 0);
    assert_int_equal(state_load(&t.st, &out, &why), 0);
    assert_int_equal(out.nmissing, 1);
    assert_int_equal(tmp_count(&t), 1);

    /* An invalid state is not saved, and the old file stays. */
    bad_unsorted(&in);
    assert_int_equal(state_save(&t.st, &in), -EINVAL);
    assert_int_equal(state_load(&t.st, &out, &why), 0);
    assert_int_equal(out.nmissing, 1);
    assert_int_equal(tmp_count(&t), 1);

    tmp_remove(&t);
}

static void test_state_load_rejects(void **state)
{
    static char buf[BUF_MAX];
    struct tmpdir t;
    struct dl_state in, out;
    const char *why;
    size_t len;
    char *huge;

    (void)state;
    tmp_make(&t);
    make_full(&in);
    len = state_encode(&in, buf, sizeof(buf));
    assert_true(len > 0);

    /* A corrupt file is -EINVAL with a reason. */
    buf[20] ^= 1;
    tmp_write(&t, buf, len);
    why = NULL;
    assert_int_equal(state_load(&t.st, &out, &why), -EINVAL);
    assert_non_null(why);

    /* A cut file is -EINVAL with a reason. */
    buf[20] ^= 1;
    tmp_write(&t, buf, len / 2);
    why = NULL;
    assert_int_equal(state_load(&t.st, &out, &why), -EINVAL);
    assert_non_null(why);

    /* Another program's file is -EINVAL with a reason. */
    tmp_write(&t, S("GIF89a\n"));
    why = NULL;
    assert_int_equal(state_load(&t.st, &out, &why), -EINVAL);
    assert_non_null(why);

    /* An empty file is -EINVAL with a reason. */
    tmp_write(&t, "", 0);
    why = NULL;
    assert_int_equal(state_load(&t.st, &out, &why), -EINVAL);
    assert_non_null(why);

    /* A huge file is rejected without being parsed: -EINVAL with a reason. */
    huge = malloc(1u << 20);
    assert_non_null(huge);
    memset(huge, 'x', 1u << 20);
    memcpy(huge, buf, len);
    tmp_write(&t, huge, 1u << 20);
    free(huge);
    why = NULL;
    assert_int_equal(state_load(&t.st, &out, &why), -EINVAL);
    assert_non_null(why);

    /* A directory in its place is an error, not a state. */
    assert_int_equal(unlink(t.path), 0);
    assert_int_equal(mkdir(t.path, 0700), 0);
    assert_true(state_load(&t.st, &out, &why) < 0);
    assert_int_equal(rmdir(t.path), 0);

    tmp_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_state_encode_golden),
        cmocka_unit_test(test_state_decode_cases),
        cmocka_unit_test(test_state_decode_after_check),
        cmocka_unit_test(test_state_decode_too_many_ranges),
        cmocka_unit_test(test_state_decode_too_long),
        cmocka_unit_test(test_state_decode_every_flip),
        cmocka_unit_test(test_state_decode_every_truncation),
        cmocka_unit_test(test_state_encode_refuses),
        cmocka_unit_test(test_state_encode_every_cap),
        cmocka_unit_test(test_state_save_load),
        cmocka_unit_test(test_state_load_rejects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
