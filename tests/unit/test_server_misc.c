/*
 * tests/unit/test_server_misc.c - the server's small pure modules:
 * server/hashcache.c (the hash cache file), server/options.c (the command
 * line), resource_target_path() and resource_file_etag() from
 * server/resource.c, server/accesslog.c (log lines), server/index_html.c
 * (the "/" page) and server/mime.c (Content-Type by extension).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/accesslog.h"
#include "server/hashcache.h"
#include "server/http_req.h"
#include "server/index_html.h"
#include "server/mime.h"
#include "server/options.h"
#include "server/resource.h"
#include "server/snapshot.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

/* A copy of P[0..LEN) in a buffer of exactly LEN bytes, so ASan sees over-reads. */
static char *exact_copy(const char *p, size_t len)
{
    char *b = malloc(len > 0 ? len : 1);

    assert_non_null(b);
    if (len > 0)
        memcpy(b, p, len);
    return b;
}

/* ================================================================== */
/* server/hashcache                                                    */
/* ================================================================== */

/* The digest SEED, SEED+1, ..., SEED+31, as bytes and as hex. */
static void fill_sha(uint8_t *sha, unsigned seed)
{
    for (unsigned i = 0; i < SHA256_LEN; i++)
        sha[i] = (uint8_t)(seed + i);
}

#define HEX0  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEXA0 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

struct format_case {
    const char *what;
    const char *name;
    struct file_id id;
    unsigned seed;
    size_t cap;       /* 0: a roomy buffer */
    const char *want; /* "" when the line is refused */
};

/* The identity 1, 2, 3.4, 5.6 and its fields as written. */
/* clang-format off */
#define ID1 {1, 2, 3, 4, 5, 6}
/* clang-format on */
#define ID1_F  "1\t2\t3\t4\t5\t6\t"
/* The piece fields of a file of one piece (any size from 1 to 256 KiB) hashed as HEX0. */
#define PIECE1 "\t262144\t" HEX0

static const struct format_case format_cases[] = {
    {"a line is ten tab-separated fields and an LF",
     "a.bin",
     {42, 10, 1700000000, 123, 1700000001, 456},
     0,
     0,
     "42\t10\t1700000000\t123\t1700000001\t456\t" HEX0 PIECE1 "\ta.bin\n"},
    {"zeros are written as 0",
     "z",
     {0, 0, 0, 0, 0, 0},
     0,
     0,
     "0\t0\t0\t0\t0\t0\t" HEX0 "\t262144\t\tz\n"},
    {"the largest values are written in full (the largest size: test_hashcache_huge_file)",
     "big",
     {UINT64_MAX, 100, INT64_MAX, 999999999, INT64_MAX, 999999999},
     0xa0,
     0,
     "18446744073709551615\t100\t9223372036854775807\t999999999\t"
     "9223372036854775807\t999999999\t" HEXA0 PIECE1 "\tbig\n"},
    {"a name with spaces and UTF-8 is written as is", "my file caf\xc3\xa9.txt", ID1, 0, 0,
     ID1_F HEX0 PIECE1 "\tmy file caf\xc3\xa9.txt\n"},
    {"a buffer of exactly the line and its NUL is enough", "a", ID1, 0,
     sizeof(ID1_F HEX0 PIECE1 "\ta\n"), ID1_F HEX0 PIECE1 "\ta\n"},
    {"one byte less is refused", "a", ID1, 0, sizeof(ID1_F HEX0 PIECE1 "\ta\n") - 1, ""},
    {"a hidden name is refused", ".hidden", ID1, 0, 0, ""},
    {"an entry without piece hashes is refused", "nopieces", ID1, 0, 0, ""},
    {"a path is written as is", "iso/a b.iso", ID1, 0, 0, ID1_F HEX0 PIECE1 "\tiso/a b.iso\n"},
    {"a path climbing out is refused", "a/../b", ID1, 0, 0, ""},
    {"an absolute path is refused", "/etc/passwd", ID1, 0, 0, ""},
    {"a path with an empty component is refused", "a//b", ID1, 0, 0, ""},
    {"an empty name is refused", "", ID1, 0, 0, ""},
    {"a name with a TAB is refused (it would add a field)", "a\tb", ID1, 0, 0, ""},
    {"a name with an LF is refused (it would add a line)", "a\nb", ID1, 0, 0, ""},
    {"a name starting with '#' is refused (it would read as a comment)", "#x", ID1, 0, 0, ""},
    {"a negative mtime is refused", "a", {1, 2, -1, 0, 5, 6}, 0, 0, ""},
    {"a negative nanosecond count is refused", "a", {1, 2, 3, -1, 5, 6}, 0, 0, ""},
    {"a negative ctime is refused", "a", {1, 2, 3, 4, -1, 6}, 0, 0, ""},
    {"a negative ctime nanosecond count is refused", "a", {1, 2, 3, 4, 5, -1}, 0, 0, ""},
    {"a ctime nanosecond count of a whole second is refused",
     "a",
     {1, 2, 3, 4, 5, 1000000000},
     0,
     0,
     ""},
};

static void test_hashcache_format_line(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(format_cases); i++) {
        const struct format_case *c = &format_cases[i];
        struct snap_entry e;
        size_t cap = c->cap ? c->cap : 1024;
        char *out = malloc(cap);
        size_t n;

        assert_non_null(out);
        memset(out, 'X', cap);
        memset(&e, 0, sizeof(e));
        e.name = (char *)c->name;
        e.id = c->id;
        fill_sha(e.sha256, c->seed);
        if (strcmp(c->name, "nopieces") != 0) {
            e.pieces = pieces_new(e.id.size);
            assert_non_null(e.pieces);
            for (size_t k = 0; k < e.pieces->n; k++)
                fill_sha(e.pieces->hash[k], 0);
        }
        n = hashcache_format_line(out, cap, &e);
        pieces_unref(e.pieces);
        if (n != strlen(c->want) || strcmp(out, c->want) != 0)
            row_fail(&t, c->what, "gave %zu \"%s\"", n, out);
        free(out);
    }
    tally_end(&t, NROWS(format_cases));
}

struct parse_line_case {
    const char *what;
    const char *line;
    size_t len;
    bool want;
    const char *name;
    struct file_id id;
    unsigned seed;
};

/* clang-format off */
#define NO_ID {0, 0, 0, 0, 0, 0}
/* clang-format on */

static const struct parse_line_case parse_line_cases[] = {
    {"a well-formed line is read",
     S("42\t10\t1700000000\t123\t1700000001\t456\t" HEX0 PIECE1 "\ta.bin"),
     true,
     "a.bin",
     {42, 10, 1700000000, 123, 1700000001, 456},
     0},
    {"upper-case hex is read",
     S(ID1_F "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF" PIECE1 "\tb"), true,
     "b", ID1, 0xa0},
    {"the largest values are read",
     S("18446744073709551615\t100\t"
       "9223372036854775807\t999999999\t9223372036854775807\t999999999\t" HEXA0 PIECE1 "\tbig"),
     true,
     "big",
     {UINT64_MAX, 100, INT64_MAX, 999999999, INT64_MAX, 999999999},
     0xa0},
    {"a name with spaces is read whole", S(ID1_F HEX0 PIECE1 "\tmy file.txt"), true, "my file.txt",
     ID1, 0},
    {"only LEN bytes are read", ID1_F HEX0 PIECE1 "\tabcdef", sizeof(ID1_F HEX0 PIECE1 "\tabc") - 1,
     true, "abc", ID1, 0},
    {"a comment is no entry", S("# pdm hash cache v3"), false, NULL, NO_ID, 0},
    {"an empty line is no entry", S(""), false, NULL, NO_ID, 0},
    {"seven fields are too few", S(ID1_F HEX0), false, NULL, NO_ID, 0},
    {"a version 2 line (no piece hashes) is refused", S(ID1_F HEX0 "\ta.bin"), false, NULL, NO_ID,
     0},
    {"an empty file has a piece size and no piece hash",
     S("1\t0\t3\t4\t5\t6\t" HEX0 "\t262144\t\te"),
     true,
     "e",
     {1, 0, 3, 4, 5, 6},
     0},
    {"a piece size the rule does not give is refused", S(ID1_F HEX0 "\t524288\t" HEX0 "\ta"), false,
     NULL, NO_ID, 0},
    {"a piece size that is not a number is refused", S(ID1_F HEX0 "\t256k\t" HEX0 "\ta"), false,
     NULL, NO_ID, 0},
    {"a missing piece hash is refused", S(ID1_F HEX0 "\t262144\t\ta"), false, NULL, NO_ID, 0},
    {"one piece hash too many is refused", S(ID1_F HEX0 PIECE1 HEX0 "\ta"), false, NULL, NO_ID, 0},
    {"a piece hash one digit short is refused",
     S(ID1_F HEX0 "\t262144\t000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\ta"),
     false, NULL, NO_ID, 0},
    {"a non-hex digit in a piece hash is refused",
     S(ID1_F HEX0 "\t262144\t000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\ta"),
     false, NULL, NO_ID, 0},
    {"two pieces for a file of 256 KiB + 1 are read",
     S("1\t262145\t3\t4\t5\t6\t" HEX0 PIECE1 HEX0 "\tp"),
     true,
     "p",
     {1, 262145, 3, 4, 5, 6},
     0},
    {"one piece for a file of two is refused", S("1\t262145\t3\t4\t5\t6\t" HEX0 PIECE1 "\tp"),
     false, NULL, NO_ID, 0},
    {"a version 1 line (no ctime) is refused", S("1\t2\t3\t4\t" HEX0 PIECE1 "\ta.bin"), false, NULL,
     NO_ID, 0},
    {"a TAB in the name field is refused", S(ID1_F HEX0 PIECE1 "\ta\tb"), false, NULL, NO_ID, 0},
    {"a CR left by a CRLF file is refused", S(ID1_F HEX0 PIECE1 "\ta.bin\r"), false, NULL, NO_ID,
     0},
    {"an empty field is refused", S("1\t\t3\t4\t5\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"an empty ctime is refused", S("1\t2\t3\t4\t\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"a letter in the inode is refused", S("1x\t2\t3\t4\t5\t6\t" HEX0 PIECE1 "\ta"), false, NULL,
     NO_ID, 0},
    {"a negative mtime is refused", S("1\t2\t-3\t4\t5\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID,
     0},
    {"a negative ctime is refused", S("1\t2\t3\t4\t-5\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID,
     0},
    {"a plus sign is refused", S("+1\t2\t3\t4\t5\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"an overflowing size is refused", S("1\t18446744073709551616\t3\t4\t5\t6\t" HEX0 PIECE1 "\ta"),
     false, NULL, NO_ID, 0},
    {"an mtime past INT64_MAX is refused",
     S("1\t2\t9223372036854775808\t4\t5\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"a ctime past INT64_MAX is refused",
     S("1\t2\t3\t4\t9223372036854775808\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"a nanosecond count of a whole second is refused",
     S("1\t2\t3\t1000000000\t5\t6\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"a ctime nanosecond count of a whole second is refused",
     S("1\t2\t3\t4\t5\t1000000000\t" HEX0 PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"a hash one digit short is refused",
     S(ID1_F "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1" PIECE1 "\ta"), false,
     NULL, NO_ID, 0},
    {"a hash one digit long is refused", S(ID1_F HEX0 "0" PIECE1 "\ta"), false, NULL, NO_ID, 0},
    {"a non-hex digit in the hash is refused",
     S(ID1_F "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g" PIECE1 "\ta"),
     false, NULL, NO_ID, 0},
    {"a hidden name is refused", S(ID1_F HEX0 PIECE1 "\t.x"), false, NULL, NO_ID, 0},
    {"a path is read", S(ID1_F HEX0 PIECE1 "\tiso/old/a b.iso"), true, "iso/old/a b.iso", ID1, 0},
    {"a path climbing out is refused", S(ID1_F HEX0 PIECE1 "\t../x"), false, NULL, NO_ID, 0},
    {"an absolute path is refused", S(ID1_F HEX0 PIECE1 "\t/etc/passwd"), false, NULL, NO_ID, 0},
    {"a '.' component is refused", S(ID1_F HEX0 PIECE1 "\ta/./b"), false, NULL, NO_ID, 0},
    {"a trailing '/' is refused", S(ID1_F HEX0 PIECE1 "\ta/"), false, NULL, NO_ID, 0},
    {"an empty name is refused", S(ID1_F HEX0 PIECE1 "\t"), false, NULL, NO_ID, 0},
    {"a NUL in the name is refused", S(ID1_F HEX0 PIECE1 "\ta\0b"), false, NULL, NO_ID, 0},
};

/* P is the block for SIZE bytes, each piece hashed as HEX0. */
static bool pieces_ok(const struct pieces *p, uint64_t size)
{
    uint8_t want[SHA256_LEN];

    fill_sha(want, 0);
    if (p == NULL || p->piece_size != pieces_size_for(size) ||
        p->n != pieces_count(size, p->piece_size))
        return false;
    for (size_t k = 0; k < p->n; k++)
        if (memcmp(p->hash[k], want, SHA256_LEN) != 0)
            return false;
    return true;
}

static void test_hashcache_parse_line(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(parse_line_cases); i++) {
        const struct parse_line_case *c = &parse_line_cases[i];
        char *line = exact_copy(c->line, c->len);
        struct snap_entry e;
        uint8_t sha[SHA256_LEN];
        bool got;

        memset(&e, 0xa5, sizeof(e));
        got = hashcache_parse_line(line, c->len, &e);
        fill_sha(sha, c->seed);
        if (got != c->want)
            row_fail(&t, c->what, "gave %d", got);
        else if (!got && (e.name != NULL || e.id.size != 0 || e.id.ino != 0 ||
                          e.id.mtime_sec != 0 || e.id.ctime_sec != 0 || e.id.ctime_nsec != 0))
            row_fail(&t, c->what, "a refused line left *E not zeroed");
        else if (got &&
                 (e.name == NULL || strcmp(e.name, c->name) != 0 || !file_id_equal(&e.id, &c->id) ||
                  memcmp(e.sha256, sha, SHA256_LEN) != 0 || !pieces_ok(e.pieces, e.id.size)))
            row_fail(&t, c->what,
                     "read \"%s\" ino %" PRIu64 " size %" PRIu64 " mtime %" PRId64 ".%" PRId64
                     " ctime %" PRId64 ".%" PRId64,
                     e.name ? e.name : "(null)", e.id.ino, e.id.size, e.id.mtime_sec,
                     e.id.mtime_nsec, e.id.ctime_sec, e.id.ctime_nsec);
        if (got) {
            free(e.name);
            pieces_unref(e.pieces);
        }
        free(line);
    }
    tally_end(&t, NROWS(parse_line_cases));
}

struct cache_case {
    const char *what;
    const char *text;
    size_t len;
    size_t n;
    const char *names[4]; /* in the order returned */
};

#define LINE(name, ino) #ino "\t100\t1700000000\t5\t1700000001\t7\t" HEX0 PIECE1 "\t" name "\n"

static const struct cache_case cache_cases[] = {
    {"entries come back sorted by name",
     S(HASHCACHE_HEADER LINE("zeta", 3) LINE("alpha", 1) LINE("Mid", 2)),
     3,
     {"Mid", "alpha", "zeta"}},
    {"corrupt lines and comments are skipped",
     S(HASHCACHE_HEADER "# a comment\n" LINE("b", 2) "garbage\n\n1\t2\n" LINE(".hidden", 9)
           LINE("a", 1) "1\t2\t3\t4\t5\t6\tnothex\tc\n"),
     2,
     {"a", "b"}},
    {"a last line without its LF is skipped (it may be cut short)",
     S(HASHCACHE_HEADER LINE("a", 1) "2\t100\t1700000000\t5\t1700000001\t7\t" HEX0 PIECE1 "\tb"),
     1,
     {"a"}},
    {"another version's header gives no entries",
     S("# pdm hash cache v4\n" LINE("a", 1)),
     0,
     {NULL}},
    {"a version 2 cache (no piece hashes) gives no entries: its files are hashed again",
     S("# pdm hash cache v2\n"
       "1\t100\t1700000000\t5\t1700000001\t7\t" HEX0 "\ta\n"),
     0,
     {NULL}},
    {"a version 1 cache (no ctime) gives no entries: its files are hashed again",
     S("# pdm hash cache v1\n"
       "1\t100\t1700000000\t5\t" HEX0 "\ta\n"),
     0,
     {NULL}},
    {"no header gives no entries", S(LINE("a", 1)), 0, {NULL}},
    {"a header without its LF gives no entries", S("# pdm hash cache v3" LINE("a", 1)), 0, {NULL}},
    {"a header alone gives no entries", S(HASHCACHE_HEADER), 0, {NULL}},
    {"an empty buffer gives no entries", S(""), 0, {NULL}},
    {"a truncated header gives no entries", S("# pdm hash"), 0, {NULL}},
    {"CRLF line ends make every line corrupt",
     S(HASHCACHE_HEADER "1\t100\t1700000000\t5\t1700000001\t7\t" HEX0 PIECE1 "\ta\r\n"),
     0,
     {NULL}},
};

static void test_hashcache_parse(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(cache_cases); i++) {
        const struct cache_case *c = &cache_cases[i];
        char *buf = exact_copy(c->text, c->len);
        size_t n = 99;
        struct snap_entry *v = hashcache_parse(buf, c->len, &n);

        if (n != c->n || (n == 0) != (v == NULL)) {
            row_fail(&t, c->what, "%zu entries (%s)", n, v ? "an array" : "NULL");
        } else {
            for (size_t k = 0; k < n; k++)
                if (strcmp(v[k].name, c->names[k]) != 0 || v[k].id.size != 100 ||
                    v[k].id.mtime_sec != 1700000000 || v[k].id.mtime_nsec != 5 ||
                    v[k].id.ctime_sec != 1700000001 || v[k].id.ctime_nsec != 7) {
                    row_fail(&t, c->what, "entry %zu is \"%s\"", k, v[k].name);
                    break;
                }
        }
        snap_entries_free(v, n);
        free(buf);
    }
    tally_end(&t, NROWS(cache_cases));
}

/* hashcache_render() then hashcache_parse() gives the entries back, sorted. */
static void test_hashcache_round_trip(void **state)
{
    static const char *const names[] = {"readme.txt", "a b.iso", "iso/Zed", "caf\xc3\xa9/x"};
    struct snap_entry in[6];
    size_t len = 0, n = 0;
    char *text, *copy;
    struct snap_entry *out;

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        memset(&in[i], 0, sizeof(in[i]));
        in[i].name = (char *)names[i];
        in[i].id.ino = 1000 + i;
        in[i].id.size = (uint64_t)1 << (10 * i);
        in[i].id.mtime_sec = 1700000000 + (int64_t)i;
        in[i].id.mtime_nsec = 999999999 - (int64_t)i;
        in[i].id.ctime_sec = 1800000000 + (int64_t)i;
        in[i].id.ctime_nsec = 1 + (int64_t)i;
        fill_sha(in[i].sha256, (unsigned)(i * 40));
        in[i].pieces = pieces_new(in[i].id.size);
        assert_non_null(in[i].pieces);
        for (size_t k = 0; k < in[i].pieces->n; k++)
            fill_sha(in[i].pieces->hash[k], (unsigned)(i + k));
    }
    /* An entry whose name cannot be written is left out of the file, and
     * so is one without piece hashes. */
    memset(&in[4], 0, sizeof(in[4]));
    in[4].name = (char *)".secret";
    in[4].pieces = pieces_new(1);
    memset(&in[5], 0, sizeof(in[5]));
    in[5].name = (char *)"no-pieces-yet";
    text = hashcache_render(in, 6, &len);
    assert_non_null(text);
    assert_true(len >= strlen(HASHCACHE_HEADER));
    assert_memory_equal(text, HASHCACHE_HEADER, strlen(HASHCACHE_HEADER));
    assert_null(memmem(text, len, ".secret", 7));
    assert_null(memmem(text, len, "no-pieces-yet", 13));
    copy = exact_copy(text, len);
    out = hashcache_parse(copy, len, &n);
    assert_int_equal(n, 4);
    for (size_t k = 0; k < n; k++) {
        const struct snap_entry *e = NULL;

        if (k > 0 && strcmp(out[k - 1].name, out[k].name) >= 0)
            fail_msg("entries are not sorted: \"%s\" before \"%s\"", out[k - 1].name, out[k].name);
        for (size_t i = 0; i < 4; i++)
            if (strcmp(names[i], out[k].name) == 0)
                e = &in[i];
        if (e == NULL)
            fail_msg("\"%s\" came back but was never written", out[k].name);
        if (!file_id_equal(&e->id, &out[k].id) || memcmp(e->sha256, out[k].sha256, SHA256_LEN) ||
            !pieces_equal(e->pieces, out[k].pieces))
            fail_msg("\"%s\" did not survive the round trip", e->name);
    }
    for (size_t i = 0; i < 6; i++)
        pieces_unref(in[i].pieces);
    snap_entries_free(out, n);
    free(copy);
    free(text);
}

/* The largest size there is: 4096 pieces of 4 PiB, written and read back. */
static void test_hashcache_huge_file(void **state)
{
    struct snap_entry e, back;
    size_t cap, n;
    char *out;

    (void)state;
    memset(&e, 0, sizeof(e));
    e.name = (char *)"huge";
    e.id.size = UINT64_MAX;
    e.pieces = pieces_new(e.id.size);
    assert_non_null(e.pieces);
    assert_int_equal(e.pieces->n, PIECES_MAX_COUNT);
    assert_true(e.pieces->piece_size == (1ull << 52));
    for (size_t k = 0; k < e.pieces->n; k++)
        fill_sha(e.pieces->hash[k], (unsigned)k);
    cap = hashcache_line_max(&e);
    out = malloc(cap);
    assert_non_null(out);
    n = hashcache_format_line(out, cap, &e);
    assert_true(n > PIECES_MAX_COUNT * SHA256_HEX_LEN && n < cap);
    assert_memory_equal(out, "0\t18446744073709551615\t", 23);
    assert_true(hashcache_parse_line(out, n - 1, &back));
    assert_true(back.id.size == UINT64_MAX && pieces_equal(back.pieces, e.pieces));
    assert_string_equal(back.name, "huge");
    free(back.name);
    pieces_unref(back.pieces);
    pieces_unref(e.pieces);
    free(out);
}

/* ================================================================== */
/* server/options                                                      */
/* ================================================================== */

/* Field F of O as text, so rows can name the fields they change. */
static void opt_field(const struct server_opts *o, const char *f, char *buf, size_t cap)
{
    if (strcmp(f, "port") == 0)
        snprintf(buf, cap, "%u", (unsigned)o->port);
    else if (strcmp(f, "bind") == 0)
        snprintf(buf, cap, "%s", o->bind ? o->bind : "(null)");
    else if (strcmp(f, "root") == 0)
        snprintf(buf, cap, "%s", o->root ? o->root : "(null)");
    else if (strcmp(f, "catalog") == 0)
        snprintf(buf, cap, "%s", o->catalog ? o->catalog : "(null)");
    else if (strcmp(f, "max_connections") == 0)
        snprintf(buf, cap, "%u", o->max_connections);
    else if (strcmp(f, "max_per_ip") == 0)
        snprintf(buf, cap, "%u", o->max_per_ip);
    else if (strcmp(f, "limit_rate") == 0)
        snprintf(buf, cap, "%" PRIu64, o->limit_rate);
    else if (strcmp(f, "rescan_secs") == 0)
        snprintf(buf, cap, "%u", o->rescan_secs);
    else if (strcmp(f, "token_file") == 0)
        snprintf(buf, cap, "%s", o->token_file ? o->token_file : "(null)");
    else if (strcmp(f, "is_quiet") == 0)
        snprintf(buf, cap, "%d", o->is_quiet);
    else if (strcmp(f, "threads") == 0)
        snprintf(buf, cap, "%u", o->threads);
    else if (strcmp(f, "header_timeout") == 0)
        snprintf(buf, cap, "%u", o->header_timeout);
    else if (strcmp(f, "idle_timeout") == 0)
        snprintf(buf, cap, "%u", o->idle_timeout);
    else if (strcmp(f, "send_timeout") == 0)
        snprintf(buf, cap, "%u", o->send_timeout);
    else if (strcmp(f, "body_timeout") == 0)
        snprintf(buf, cap, "%u", o->body_timeout);
    else if (strcmp(f, "body_min_rate") == 0)
        snprintf(buf, cap, "%" PRIu64, o->body_min_rate);
    else if (strcmp(f, "max_upload_size") == 0)
        snprintf(buf, cap, "%" PRIu64, o->max_upload_size);
    else if (strcmp(f, "upload_expiry") == 0)
        snprintf(buf, cap, "%u", o->upload_expiry);
    else if (strcmp(f, "write_catalog_only") == 0)
        snprintf(buf, cap, "%d", o->is_write_catalog_only);
    else if (strcmp(f, "public_url") == 0)
        snprintf(buf, cap, "%s", o->public_url ? o->public_url : "(null)");
    else if (strcmp(f, "mirrors") == 0) {
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < o->nmirrors && n < cap; i++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : "", o->mirrors[i]);
    } else
        fail_msg("no option field called %s", f);
}

static const char *const opt_fields[] = {
    "port",
    "bind",
    "root",
    "catalog",
    "max_connections",
    "limit_rate",
    "rescan_secs",
    "token_file",
    "is_quiet",
    "threads",
    "header_timeout",
    "idle_timeout",
    "send_timeout",
    "body_timeout",
    "body_min_rate",
    "max_per_ip",
    "max_upload_size",
    "upload_expiry",
    "write_catalog_only",
    "public_url",
    "mirrors",
};

/* The defaults as --help documents them. */
static void test_options_defaults(void **state)
{
    struct server_opts o;

    (void)state;
    memset(&o, 0x5a, sizeof(o));
    options_defaults(&o);
    assert_int_equal(o.port, 8080);
    assert_null(o.bind);
    assert_string_equal(o.root, "./resources");
    assert_string_equal(o.catalog, "./text.txt");
    assert_int_equal(o.max_connections, 0); /* sized from the descriptor limit */
    assert_int_equal(o.max_per_ip, 0);      /* three quarters of that */
    assert_int_equal(o.limit_rate, 0);
    assert_int_equal(o.rescan_secs, 10);
    assert_null(o.token_file);
    assert_false(o.is_quiet);
    assert_int_equal(o.threads, 0);
    assert_int_equal(o.header_timeout, 15);
    assert_int_equal(o.idle_timeout, 60);
    assert_int_equal(o.send_timeout, 60);
    assert_int_equal(o.body_timeout, 15);
    assert_int_equal(o.body_min_rate, 1024);
    assert_true(o.max_upload_size == 64ull << 30);
    assert_int_equal(o.upload_expiry, 86400);
}

struct opt_case {
    const char *what;
    const char *argv[8]; /* after the program name; NULL-terminated */
    enum options_result want;
    const char *set[2][2]; /* fields that differ from the defaults, and their values */
    const char *err;       /* for OPTIONS_USAGE: a substring of the message */
};

static const struct opt_case opt_cases[] = {
    {"no arguments give the defaults", {NULL}, OPTIONS_OK, {{NULL}}, NULL},
    {"--write-catalog-only with a mirror is a mode",
     {"--write-catalog-only", "--mirror", "http://m.example/pub"},
     OPTIONS_OK,
     {{"write_catalog_only", "1"}, {"mirrors", "http://m.example/pub"}},
     NULL},
    {"--write-catalog-only with a public URL is a mode",
     {"--write-catalog-only", "--public-url", "https://cdn.example/"},
     OPTIONS_OK,
     {{"write_catalog_only", "1"}, {"public_url", "https://cdn.example/"}},
     NULL},
    {"--mirror is repeatable and keeps the order",
     {"--mirror", "http://a", "--mirror=https://b/x"},
     OPTIONS_OK,
     {{"mirrors", "http://a,https://b/x"}},
     NULL},
    {"--public-url alone sets the server's URL",
     {"--public-url", "http://127.0.0.1:8080"},
     OPTIONS_OK,
     {{"public_url", "http://127.0.0.1:8080"}},
     NULL},
    {"--write-catalog-only needs a URL to list",
     {"--write-catalog-only"},
     OPTIONS_USAGE,
     {{NULL}},
     "needs --public-url or --mirror"},
    {"--mirror must be http or https",
     {"--mirror", "ftp://m/x"},
     OPTIONS_USAGE,
     {{NULL}},
     "--mirror: 'ftp://m/x' is not a base URL"},
    {"--mirror without a host is refused",
     {"--mirror", "http://"},
     OPTIONS_USAGE,
     {{NULL}},
     "no host"},
    {"--public-url with a space is refused",
     {"--public-url", "http://h/a b"},
     OPTIONS_USAGE,
     {{NULL}},
     "--public-url: 'http://h/a b' is not a base URL"},
    {"--mirror with a query is refused",
     {"--mirror", "http://h/?x"},
     OPTIONS_USAGE,
     {{NULL}},
     "no query"},
    {"--port sets the port", {"--port", "9000"}, OPTIONS_OK, {{"port", "9000"}}, NULL},
    {"-p sets the port", {"-p", "9001"}, OPTIONS_OK, {{"port", "9001"}}, NULL},
    {"--port=N works", {"--port=9002"}, OPTIONS_OK, {{"port", "9002"}}, NULL},
    {"-pN works", {"-p9003"}, OPTIONS_OK, {{"port", "9003"}}, NULL},
    {"port 0 lets the kernel pick", {"--port", "0"}, OPTIONS_OK, {{"port", "0"}}, NULL},
    {"port 65535 is the largest", {"-p", "65535"}, OPTIONS_OK, {{"port", "65535"}}, NULL},
    {"--bind sets the address", {"--bind", "127.0.0.1"}, OPTIONS_OK, {{"bind", "127.0.0.1"}}, NULL},
    {"-b sets the address", {"-b", "::1"}, OPTIONS_OK, {{"bind", "::1"}}, NULL},
    {"--root sets the directory",
     {"--root", "/srv/files"},
     OPTIONS_OK,
     {{"root", "/srv/files"}},
     NULL},
    {"-r sets the directory", {"-r", "data"}, OPTIONS_OK, {{"root", "data"}}, NULL},
    {"--catalog sets the catalog path",
     {"--catalog", "/tmp/t.txt"},
     OPTIONS_OK,
     {{"catalog", "/tmp/t.txt"}},
     NULL},
    {"-c sets the catalog path", {"-c", "c.txt"}, OPTIONS_OK, {{"catalog", "c.txt"}}, NULL},
    {"--max-connections sets the limit",
     {"--max-connections", "10"},
     OPTIONS_OK,
     {{"max_connections", "10"}},
     NULL},
    {"--max-connections-per-ip sets the per-address limit",
     {"--max-connections-per-ip", "8"},
     OPTIONS_OK,
     {{"max_per_ip", "8"}},
     NULL},
    {"--max-connections-per-ip=N works",
     {"--max-connections-per-ip=1"},
     OPTIONS_OK,
     {{"max_per_ip", "1"}},
     NULL},
    {"-m 1 is the smallest limit", {"-m", "1"}, OPTIONS_OK, {{"max_connections", "1"}}, NULL},
    {"-m 1000000 is the largest limit",
     {"-m", "1000000"},
     OPTIONS_OK,
     {{"max_connections", "1000000"}},
     NULL},
    {"--limit-rate 20M is 20971520",
     {"--limit-rate", "20M"},
     OPTIONS_OK,
     {{"limit_rate", "20971520"}},
     NULL},
    {"-l 512k is 524288", {"-l", "512k"}, OPTIONS_OK, {{"limit_rate", "524288"}}, NULL},
    {"--limit-rate 1g is 1073741824",
     {"--limit-rate", "1g"},
     OPTIONS_OK,
     {{"limit_rate", "1073741824"}},
     NULL},
    {"--limit-rate 20m (lower case) is 20971520",
     {"--limit-rate", "20m"},
     OPTIONS_OK,
     {{"limit_rate", "20971520"}},
     NULL},
    {"--limit-rate without a suffix is bytes",
     {"--limit-rate", "1000"},
     OPTIONS_OK,
     {{"limit_rate", "1000"}},
     NULL},
    {"--limit-rate 0 is unlimited", {"--limit-rate", "0"}, OPTIONS_OK, {{"limit_rate", "0"}}, NULL},
    {"--rescan sets the period", {"--rescan", "30"}, OPTIONS_OK, {{"rescan_secs", "30"}}, NULL},
    {"-s 0 rescans only on SIGHUP", {"-s", "0"}, OPTIONS_OK, {{"rescan_secs", "0"}}, NULL},
    {"--token-file sets the token file",
     {"--token-file", "/etc/tok"},
     OPTIONS_OK,
     {{"token_file", "/etc/tok"}},
     NULL},
    {"-t sets the token file", {"-t", "tok"}, OPTIONS_OK, {{"token_file", "tok"}}, NULL},
    {"--quiet silences the log", {"--quiet"}, OPTIONS_OK, {{"is_quiet", "1"}}, NULL},
    {"-q silences the log", {"-q"}, OPTIONS_OK, {{"is_quiet", "1"}}, NULL},
    {"--threads sets the workers", {"--threads", "4"}, OPTIONS_OK, {{"threads", "4"}}, NULL},
    {"--threads 256 is the most", {"--threads", "256"}, OPTIONS_OK, {{"threads", "256"}}, NULL},
    {"--header-timeout sets it",
     {"--header-timeout", "5"},
     OPTIONS_OK,
     {{"header_timeout", "5"}},
     NULL},
    {"--header-timeout 3600 is the most",
     {"--header-timeout=3600"},
     OPTIONS_OK,
     {{"header_timeout", "3600"}},
     NULL},
    {"--idle-timeout sets it", {"--idle-timeout", "7"}, OPTIONS_OK, {{"idle_timeout", "7"}}, NULL},
    {"--send-timeout sets it", {"--send-timeout", "9"}, OPTIONS_OK, {{"send_timeout", "9"}}, NULL},
    {"--body-timeout sets it", {"--body-timeout", "3"}, OPTIONS_OK, {{"body_timeout", "3"}}, NULL},
    {"--body-min-rate takes a size suffix",
     {"--body-min-rate", "4k"},
     OPTIONS_OK,
     {{"body_min_rate", "4096"}},
     NULL},
    {"--body-min-rate 0 leaves the timeout alone",
     {"--body-min-rate", "0"},
     OPTIONS_OK,
     {{"body_min_rate", "0"}},
     NULL},
    {"--body-min-rate 1g is the most",
     {"--body-min-rate", "1g"},
     OPTIONS_OK,
     {{"body_min_rate", "1073741824"}},
     NULL},
    {"--max-upload-size takes a size suffix",
     {"--max-upload-size", "100m"},
     OPTIONS_OK,
     {{"max_upload_size", "104857600"}},
     NULL},
    {"--max-upload-size 0 refuses every non-empty upload",
     {"--max-upload-size", "0"},
     OPTIONS_OK,
     {{"max_upload_size", "0"}},
     NULL},
    {"--max-upload-size 1048576g is the most",
     {"--max-upload-size", "1048576g"},
     OPTIONS_OK,
     {{"max_upload_size", "1125899906842624"}},
     NULL},
    {"--upload-expiry sets it",
     {"--upload-expiry", "60"},
     OPTIONS_OK,
     {{"upload_expiry", "60"}},
     NULL},
    {"short options bundle: -qp 9000",
     {"-qp", "9000"},
     OPTIONS_OK,
     {{"is_quiet", "1"}, {"port", "9000"}},
     NULL},
    {"a repeated option: the last wins",
     {"--port", "1", "-p", "2"},
     OPTIONS_OK,
     {{"port", "2"}},
     NULL},
    {"two options together",
     {"-r", "x", "--limit-rate", "4M"},
     OPTIONS_OK,
     {{"root", "x"}, {"limit_rate", "4194304"}},
     NULL},
    {"a lone -- ends the options", {"--"}, OPTIONS_OK, {{NULL}}, NULL},

    {"--help asks for help", {"--help"}, OPTIONS_HELP, {{NULL}}, NULL},
    {"-h asks for help", {"-h"}, OPTIONS_HELP, {{NULL}}, NULL},
    {"--help wins over a later bad option",
     {"--help", "--port", "x"},
     OPTIONS_HELP,
     {{NULL}},
     NULL},
    {"--version asks for the version", {"--version"}, OPTIONS_VERSION, {{NULL}}, NULL},
    {"-V asks for the version", {"-V"}, OPTIONS_VERSION, {{NULL}}, NULL},

    {"a port that is not a number is a usage error",
     {"--port", "http"},
     OPTIONS_USAGE,
     {{NULL}},
     "port"},
    {"port 65536 is a usage error", {"--port", "65536"}, OPTIONS_USAGE, {{NULL}}, "65535"},
    {"a negative port is a usage error", {"-p", "-1"}, OPTIONS_USAGE, {{NULL}}, "port"},
    {"an empty port is a usage error", {"--port="}, OPTIONS_USAGE, {{NULL}}, "port"},
    {"a port with a sign is a usage error", {"--port", "+80"}, OPTIONS_USAGE, {{NULL}}, "port"},
    {"an overflowing port is a usage error",
     {"--port", "99999999999999999999999"},
     OPTIONS_USAGE,
     {{NULL}},
     "port"},
    {"a port with trailing junk is a usage error",
     {"--port", "80x"},
     OPTIONS_USAGE,
     {{NULL}},
     "80x"},
    {"0 connections is a usage error",
     {"--max-connections", "0"},
     OPTIONS_USAGE,
     {{NULL}},
     "max-connections"},
    {"1000001 connections is a usage error",
     {"-m", "1000001"},
     OPTIONS_USAGE,
     {{NULL}},
     "max-connections"},
    {"0 connections per address is a usage error",
     {"--max-connections-per-ip", "0"},
     OPTIONS_USAGE,
     {{NULL}},
     "max-connections-per-ip"},
    {"a per-address limit that is not a number is a usage error",
     {"--max-connections-per-ip", "many"},
     OPTIONS_USAGE,
     {{NULL}},
     "max-connections-per-ip"},
    {"0 threads is a usage error", {"--threads", "0"}, OPTIONS_USAGE, {{NULL}}, "threads"},
    {"257 threads is a usage error", {"--threads", "257"}, OPTIONS_USAGE, {{NULL}}, "threads"},
    {"a header timeout of 0 is a usage error",
     {"--header-timeout", "0"},
     OPTIONS_USAGE,
     {{NULL}},
     "header-timeout"},
    {"a header timeout over an hour is a usage error",
     {"--header-timeout", "3601"},
     OPTIONS_USAGE,
     {{NULL}},
     "header-timeout"},
    {"an idle timeout of 0 is a usage error",
     {"--idle-timeout", "0"},
     OPTIONS_USAGE,
     {{NULL}},
     "idle-timeout"},
    {"a send timeout over an hour is a usage error",
     {"--send-timeout", "3601"},
     OPTIONS_USAGE,
     {{NULL}},
     "send-timeout"},
    {"a body timeout of 0 is a usage error",
     {"--body-timeout", "0"},
     OPTIONS_USAGE,
     {{NULL}},
     "body-timeout"},
    {"a body min rate over 1g is a usage error",
     {"--body-min-rate", "1073741825"},
     OPTIONS_USAGE,
     {{NULL}},
     "body-min-rate"},
    {"a max upload size past 1048576g is a usage error",
     {"--max-upload-size", "1048577g"},
     OPTIONS_USAGE,
     {{NULL}},
     "max-upload-size"},
    {"a max upload size that is not a size is a usage error",
     {"--max-upload-size", "big"},
     OPTIONS_USAGE,
     {{NULL}},
     "max-upload-size"},
    {"an upload expiry of 0 is a usage error",
     {"--upload-expiry", "0"},
     OPTIONS_USAGE,
     {{NULL}},
     "upload-expiry"},
    {"a body min rate that is not a rate is a usage error",
     {"--body-min-rate", "slow"},
     OPTIONS_USAGE,
     {{NULL}},
     "body-min-rate"},
    {"a rescan period over a year is a usage error",
     {"--rescan", "31536001"},
     OPTIONS_USAGE,
     {{NULL}},
     "rescan"},
    {"an unknown rate suffix is a usage error",
     {"--limit-rate", "20X"},
     OPTIONS_USAGE,
     {{NULL}},
     "limit-rate"},
    {"a two-letter rate suffix is a usage error",
     {"--limit-rate", "20MB"},
     OPTIONS_USAGE,
     {{NULL}},
     "20MB"},
    {"a suffix alone is a usage error",
     {"--limit-rate", "M"},
     OPTIONS_USAGE,
     {{NULL}},
     "limit-rate"},
    {"an empty rate is a usage error", {"--limit-rate", ""}, OPTIONS_USAGE, {{NULL}}, "limit-rate"},
    {"a negative rate is a usage error", {"-l", "-1"}, OPTIONS_USAGE, {{NULL}}, "limit-rate"},
    {"a rate that overflows with its suffix is a usage error",
     {"-l", "17179869184G"},
     OPTIONS_USAGE,
     {{NULL}},
     "limit-rate"},
    {"an unknown long option is a usage error", {"--bogus"}, OPTIONS_USAGE, {{NULL}}, "--bogus"},
    {"an unknown long option with a value is a usage error",
     {"--bogus=1"},
     OPTIONS_USAGE,
     {{NULL}},
     "--bogus"},
    {"an unknown short option is a usage error", {"-x"}, OPTIONS_USAGE, {{NULL}}, "-x"},
    {"a long option missing its value is a usage error",
     {"--port"},
     OPTIONS_USAGE,
     {{NULL}},
     "needs a value"},
    {"a short option missing its value is a usage error",
     {"-p"},
     OPTIONS_USAGE,
     {{NULL}},
     "'-p' needs a value"},
    {"a long-only option missing its value names it",
     {"--threads"},
     OPTIONS_USAGE,
     {{NULL}},
     "'--threads' needs a value"},
    {"a value given to a flag is a usage error", {"--quiet=yes"}, OPTIONS_USAGE, {{NULL}}, "quiet"},
    {"a stray argument is a usage error",
     {"extra"},
     OPTIONS_USAGE,
     {{NULL}},
     "unexpected argument 'extra'"},
    {"a stray argument after options is a usage error",
     {"--port", "1", "extra"},
     OPTIONS_USAGE,
     {{NULL}},
     "'extra'"},
    {"an argument after -- is still stray", {"--", "extra"}, OPTIONS_USAGE, {{NULL}}, "'extra'"},
    {"an empty root is a usage error", {"--root", ""}, OPTIONS_USAGE, {{NULL}}, "--root"},
    {"an empty catalog path is a usage error", {"-c", ""}, OPTIONS_USAGE, {{NULL}}, "--catalog"},
};

/* ARGV (NULL-terminated, without the program name) as a fresh, writable argv. */
static int make_argv(const char *const *args, char **argv, size_t cap)
{
    int argc = 0;

    argv[argc++] = strdup("server");
    for (size_t i = 0; args[i] != NULL && (size_t)argc + 1 < cap; i++)
        argv[argc++] = strdup(args[i]);
    argv[argc] = NULL;
    for (int i = 0; i < argc; i++)
        assert_non_null(argv[i]);
    return argc;
}

static void free_argv(char **argv, int argc)
{
    for (int i = 0; i < argc; i++)
        free(argv[i]);
}

static const char *result_text(enum options_result r)
{
    switch (r) {
    case OPTIONS_OK:
        return "OK";
    case OPTIONS_HELP:
        return "HELP";
    case OPTIONS_VERSION:
        return "VERSION";
    case OPTIONS_USAGE:
        return "USAGE";
    }
    return "?";
}

static void test_options_parse(void **state)
{
    struct tally t = {0, NULL};
    struct server_opts def;

    (void)state;
    options_defaults(&def);
    for (size_t i = 0; i < NROWS(opt_cases); i++) {
        const struct opt_case *c = &opt_cases[i];
        char *argv[16], err[256];
        int argc = make_argv(c->argv, argv, NROWS(argv));
        struct server_opts o;
        enum options_result r;

        memset(err, 'X', sizeof(err));
        r = options_parse(argc, argv, &o, err, sizeof(err));
        if (memchr(err, '\0', sizeof(err)) == NULL) {
            row_fail(&t, c->what, "ERR is not NUL-terminated");
        } else if (r != c->want) {
            row_fail(&t, c->what, "gave %s (\"%s\"), want %s", result_text(r), err,
                     result_text(c->want));
        } else if (r == OPTIONS_USAGE) {
            if (err[0] == '\0' || strstr(err, c->err) == NULL)
                row_fail(&t, c->what, "the message \"%s\" does not mention \"%s\"", err, c->err);
        } else if (r == OPTIONS_OK) {
            for (size_t f = 0; f < NROWS(opt_fields); f++) {
                char got[256], want[256];
                const char *set = NULL;

                for (size_t k = 0; k < 2; k++)
                    if (c->set[k][0] != NULL && strcmp(c->set[k][0], opt_fields[f]) == 0)
                        set = c->set[k][1];
                opt_field(&o, opt_fields[f], got, sizeof(got));
                if (set != NULL)
                    snprintf(want, sizeof(want), "%s", set);
                else
                    opt_field(&def, opt_fields[f], want, sizeof(want));
                if (strcmp(got, want) != 0) {
                    row_fail(&t, c->what, "%s is \"%s\", want \"%s\"", opt_fields[f], got, want);
                    break;
                }
            }
            if (err[0] != '\0')
                row_fail(&t, c->what, "a success left a message: \"%s\"", err);
        }
        free_argv(argv, argc);
    }
    tally_end(&t, NROWS(opt_cases));
}

/* options_parse() starts over each time, whatever the previous call left. */
static void test_options_parse_twice(void **state)
{
    static const char *const first[] = {"--port", "1", "-q", "--threads", "3", NULL};
    static const char *const none[] = {NULL};
    static const char *const bad[] = {"--port", "x", "--quiet", NULL};
    static const char *const quiet[] = {"-q", NULL};
    static const char *const stray[] = {"-q", "extra", NULL};
    char *argv[16], err[256];
    struct server_opts o;
    int argc;

    (void)state;
    argc = make_argv(first, argv, NROWS(argv));
    assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_OK);
    assert_int_equal(o.port, 1);
    assert_true(o.is_quiet);
    free_argv(argv, argc);

    argc = make_argv(none, argv, NROWS(argv));
    assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_OK);
    assert_int_equal(o.port, 8080);
    assert_false(o.is_quiet);
    assert_int_equal(o.threads, 0);
    free_argv(argv, argc);

    /* An error part-way through, then a good parse. */
    argc = make_argv(bad, argv, NROWS(argv));
    assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_USAGE);
    free_argv(argv, argc);
    argc = make_argv(quiet, argv, NROWS(argv));
    assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_OK);
    assert_true(o.is_quiet);
    assert_string_equal(err, "");
    free_argv(argv, argc);

    /* A stray argument, then the same options without it. */
    argc = make_argv(stray, argv, NROWS(argv));
    assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_USAGE);
    free_argv(argv, argc);
    argc = make_argv(quiet, argv, NROWS(argv));
    assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_OK);
    free_argv(argv, argc);
}

/* A message longer than ERRLEN is cut, NUL-terminated. */
static void test_options_short_err(void **state)
{
    static const char *const bad[] = {"--port", "a-very-long-value-that-does-not-fit", NULL};
    char *argv[8], err[12];
    struct server_opts o;
    int argc = make_argv(bad, argv, NROWS(argv));

    (void)state;
    memset(err, 'X', sizeof(err));
    assert_int_equal(options_parse(argc, argv, &o, err, sizeof(err)), OPTIONS_USAGE);
    assert_int_equal(strlen(err), sizeof(err) - 1);
    free_argv(argv, argc);
}

/* --help names every option and the defaults options_defaults() sets. */
static void test_options_usage(void **state)
{
    static const char *const want[] = {
        "--port N",
        "-p,",
        "--bind ADDR",
        "--root DIR",
        "--catalog FILE",
        "--max-connections N",
        "--max-connections-per-ip N",
        "three quarters of",
        "as many as the descriptor",
        "--limit-rate RATE",
        "--rescan SECS",
        "--token-file FILE",
        "--quiet",
        "--threads N",
        "--header-timeout SECS",
        "--idle-timeout SECS",
        "--send-timeout SECS",
        "--body-timeout SECS",
        "--body-min-rate RATE",
        "(default 1k",
        "--max-upload-size SIZE",
        "(default 64g)",
        "--upload-expiry SECS",
        "--mirror URL",
        "--public-url URL",
        "--write-catalog-only",
        "(default 86400)",
        "--help",
        "--version",
        "default 8080",
        "default ./resources",
        "default ./text.txt",
        "(default 10)",
        "(default 15)",
        "(default 60)",
    };
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    (void)state;
    assert_non_null(f);
    options_usage(f);
    assert_int_equal(fclose(f), 0);
    assert_non_null(text);
    for (size_t i = 0; i < NROWS(want); i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("--help does not mention \"%s\"", want[i]);
    free(text);
}

/* ================================================================== */
/* server/resource: resource_target_path, resource_file_etag           */
/* ================================================================== */

struct target_case {
    const char *what;
    const char *target;
    bool want;
    const char *path;
};

static const struct target_case target_cases[] = {
    {"the root is \"/\"", "/", true, "/"},
    {"an origin-form path is kept", "/a.bin", true, "/a.bin"},
    {"percent escapes are kept for the caller to decode", "/a%20b.txt", true, "/a%20b.txt"},
    {"a query is stripped", "/a.bin?x=1&y=2", true, "/a.bin"},
    {"a fragment is stripped", "/a.bin#part", true, "/a.bin"},
    {"a query and a fragment are stripped", "/a.bin?q#f", true, "/a.bin"},
    {"a '#' inside the query is stripped with it", "/a?b#c?d", true, "/a"},
    {"a query on the root leaves \"/\"", "/?list", true, "/"},
    {"a bare '?' leaves the path", "/a?", true, "/a"},
    {"slashes deeper in the path are kept (the name check refuses them later)", "/a/b/c", true,
     "/a/b/c"},
    {"an absolute http URL gives its path", "http://example.com/a.bin", true, "/a.bin"},
    {"an absolute https URL gives its path", "https://example.com/a.bin", true, "/a.bin"},
    {"the scheme is matched in any case", "HTTP://EXAMPLE.com/A", true, "/A"},
    {"an absolute URL with a port gives its path", "http://h:8080/x?y", true, "/x"},
    {"an absolute URL without a path is \"/\"", "http://example.com", true, "/"},
    {"an absolute URL with only a query is \"/\"", "http://example.com?x=/y", true, "/"},
    {"an absolute URL ending in '/' is \"/\"", "https://h/", true, "/"},
    {"userinfo in the authority is skipped with it", "http://u:p@h/f", true, "/f"},
    {"the asterisk form is not a path", "*", false, NULL},
    {"the authority form is not a path", "example.com:443", false, NULL},
    {"an empty target is not a path", "", false, NULL},
    {"a relative path is not a path", "a.bin", false, NULL},
    {"another scheme is not a path", "ftp://h/a.bin", false, NULL},
    {"a scheme without '//' is not a path", "http:/a.bin", false, NULL},
};

static void test_resource_target_path(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(target_cases); i++) {
        const struct target_case *c = &target_cases[i];
        size_t len = strlen(c->target);
        char *buf = exact_copy(c->target, len);
        struct strview path = {NULL, 99};
        bool got = resource_target_path(strview_make(buf, len), &path);

        if (got != c->want)
            row_fail(&t, c->what, "\"%s\" gave %d", c->target, got);
        else if (got && (path.len != strlen(c->path) || memcmp(path.p, c->path, path.len) != 0))
            row_fail(&t, c->what, "\"%s\" gave \"%.*s\"", c->target, (int)path.len, path.p);
        free(buf);
    }
    tally_end(&t, NROWS(target_cases));
}

struct etag_case {
    const char *what;
    struct file_id id;
    const char *want;
};

static const struct etag_case etag_cases[] = {
    {"the tag is \"INODE-SIZE-MTIMENS-CTIMENS\" in lower-case hex",
     {0x10, 0x20, 1, 5, 2, 7},
     "\"10-20-3b9aca05-77359407\""},
    {"zeros are single digits", {0, 0, 0, 0, 0, 0}, "\"0-0-0-0\""},
    {"a nanosecond of mtime changes the tag",
     {0x10, 0x20, 1, 6, 2, 7},
     "\"10-20-3b9aca06-77359407\""},
    {"a nanosecond of ctime changes the tag (an mtime-preserving edit)",
     {0x10, 0x20, 1, 5, 2, 8},
     "\"10-20-3b9aca05-77359408\""},
    {"a real file's identity",
     {1234567, 1048576, 1700000000, 123456789, 1700000001, 5},
     "\"12d687-100000-17979cfe3d85cd15-17979cfe71c4ca05\""},
    {"the largest values fit the buffer",
     {UINT64_MAX, UINT64_MAX, 18446744073, 709551615, 18446744073, 709551615},
     "\"ffffffffffffffff-ffffffffffffffff-ffffffffffffffff-ffffffffffffffff\""},
};

static void test_resource_file_etag(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(etag_cases); i++) {
        const struct etag_case *c = &etag_cases[i];
        char out[RESP_ETAG_MAX];

        memset(out, 'X', sizeof(out));
        resource_file_etag(&c->id, out);
        if (memchr(out, '\0', sizeof(out)) == NULL || strcmp(out, c->want) != 0)
            row_fail(&t, c->what, "gave %.*s", (int)sizeof(out), out);
    }
    tally_end(&t, NROWS(etag_cases));
}

/* ================================================================== */
/* server/accesslog                                                    */
/* ================================================================== */

struct log_case {
    const char *what;
    const char *request; /* a request head to take method, target and Range from; NULL: none */
    long nsec;           /* the start: 2026-11-21T05:24:00Z plus this */
    int status;
    uint64_t bytes;
    uint64_t duration_ns;
    bool is_aborted;
    const char *want;
};

#define START_SEC 1795238640 /* 2026-11-21T05:24:00Z */

static const struct log_case log_cases[] = {
    {"a range request gives the documented line",
     "GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1048575\r\n\r\n", 123000000, 206, 1048576,
     12000000, false,
     "2026-11-21T05:24:00.123Z 127.0.0.1:40112 GET /big.bin 206 1048576 bytes=0-1048575 "
     "0.012s"},
    {"a request without Range logs '-' for it", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 200, 0,
     1500000000, false, "2026-11-21T05:24:00.000Z 127.0.0.1:40112 HEAD / 200 0 - 1.500s"},
    {"an aborted transfer says so at the end", "GET /f HTTP/1.1\r\nHost: a\r\n\r\n", 999999999, 200,
     5, 1000000, true, "2026-11-21T05:24:00.999Z 127.0.0.1:40112 GET /f 200 5 - 0.001s aborted"},
    {"no request at all logs '-' for method and target", NULL, 500000000, 400, 26, 0, false,
     "2026-11-21T05:24:00.500Z 127.0.0.1:40112 - - 400 26 - 0.000s"},
    {"spaces and tabs are dropped from the Range value",
     "GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1, 5-6,\t9-\r\n\r\n", 0, 206, 7, 0, false,
     "2026-11-21T05:24:00.000Z 127.0.0.1:40112 GET /f 206 7 bytes=0-1,5-6,9- 0.000s"},
    {"a backslash in the target is escaped", "GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n", 0, 404, 0, 0,
     false, "2026-11-21T05:24:00.000Z 127.0.0.1:40112 GET /a\\x5cb 404 0 - 0.000s"},
    {"an unknown method is logged as sent", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 0, 501, 0, 0,
     false, "2026-11-21T05:24:00.000Z 127.0.0.1:40112 BREW /pot 501 0 - 0.000s"},
    {"a UTF-8 target is logged as sent", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 0, 404, 0,
     0, false, "2026-11-21T05:24:00.000Z 127.0.0.1:40112 GET /caf\xc3\xa9 404 0 - 0.000s"},
    {"invalid UTF-8 and C1 controls in the target are escaped (the parser lets obs-text through)",
     "GET /\xff\xc2\x9b"
     "2J\xe0\x80 HTTP/1.1\r\nHost: a\r\n\r\n",
     0, 404, 0, 0, false,
     "2026-11-21T05:24:00.000Z 127.0.0.1:40112 GET /\\xff\\xc2\\x9b2J\\xe0\\x80 404 0 - 0.000s"},
};

static void test_accesslog_format(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(log_cases); i++) {
        const struct log_case *c = &log_cases[i];
        struct timespec start = {START_SEC, c->nsec};
        struct access_entry e;
        char out[1024];
        size_t n;

        memset(&e, 0x5a, sizeof(e));
        accesslog_begin(&e, start);
        if (c->request != NULL) {
            struct http_request req;
            size_t scanned = 0;

            if (http_parse_request(c->request, strlen(c->request), &scanned, &req) !=
                HTTP_PARSE_OK) {
                row_fail(&t, c->what, "the request does not parse");
                continue;
            }
            accesslog_set_request(&e, &req);
        }
        e.status = c->status;
        e.bytes = c->bytes;
        e.duration_ns = c->duration_ns;
        e.is_aborted = c->is_aborted;
        n = accesslog_format(&e, "127.0.0.1:40112", out, sizeof(out));
        if (n != strlen(c->want) || strcmp(out, c->want) != 0)
            row_fail(&t, c->what, "gave (%zu) \"%s\"", n, out);
    }
    tally_end(&t, NROWS(log_cases));
}

/* Control characters a request cannot carry through the parser, set directly. */
static void test_accesslog_escapes_controls(void **state)
{
    static const char method[] = "G\x1b"
                                 "T";
    static const char target[] = "/a\x01"
                                 "b\nc\x7f"
                                 "d\re\x1b[31m";
    static const char range[] = "bytes=0-1\x01";
    struct http_request req;
    struct access_entry e;
    struct timespec start = {START_SEC, 0};
    char out[1024];

    (void)state;
    memset(&req, 0, sizeof(req));
    req.method_name = strview_make(method, sizeof(method) - 1);
    req.target = strview_make(target, sizeof(target) - 1);
    req.headers[0].name = strview_from_cstr("Range");
    req.headers[0].value = strview_make(range, sizeof(range) - 1);
    req.nheaders = 1;
    accesslog_begin(&e, start);
    accesslog_set_request(&e, &req);
    e.status = 400;
    accesslog_format(&e, "[::1]:1", out, sizeof(out));
    assert_string_equal(out, "2026-11-21T05:24:00.000Z [::1]:1 G\\x1bT "
                             "/a\\x01b\\x0ac\\x7fd\\x0de\\x1b[31m 400 0 bytes=0-1\\x01 0.000s");
    /* Every one of the 8 fields is one token: exactly 7 spaces. */
    {
        size_t spaces = 0;

        for (const char *p = out; *p != '\0'; p++)
            spaces += *p == ' ';
        assert_int_equal(spaces, 7);
    }
}

/* A long target is cut to the entry's buffer; a short output buffer is cut and terminated. */
static void test_accesslog_limits(void **state)
{
    char request[2048], out[2048], small[16];
    struct access_entry e;
    struct http_request req;
    struct timespec start = {START_SEC, 0};
    size_t scanned = 0, n;
    int len;

    (void)state;
    memset(out, 'a', 1000);
    out[1000] = '\0';
    len = snprintf(request, sizeof(request), "GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", out);
    assert_int_equal(http_parse_request(request, (size_t)len, &scanned, &req), HTTP_PARSE_OK);
    accesslog_begin(&e, start);
    accesslog_set_request(&e, &req);
    assert_int_equal(strlen(e.target), sizeof(e.target) - 1);
    assert_memory_equal(e.target, "/aaaa", 5);
    n = accesslog_format(&e, "p", small, sizeof(small));
    assert_int_equal(n, sizeof(small) - 1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, "2026-11-21T05:2", sizeof(small) - 1);
}

/* ================================================================== */
/* server/index_html                                                   */
/* ================================================================== */

struct escape_case {
    const char *what;
    const char *in;
    size_t cap;
    const char *want;
    size_t want_len;
};

static const struct escape_case escape_cases[] = {
    {"the five special characters are escaped", "<>&\"'", 64, "&lt;&gt;&amp;&quot;&#39;", 24},
    {"plain text is copied", "plain-name_1.txt", 64, "plain-name_1.txt", 16},
    {"an empty string stays empty", "", 64, "", 0},
    {"UTF-8 passes through", "caf\xc3\xa9 \xe2\x82\xac", 64, "caf\xc3\xa9 \xe2\x82\xac", 9},
    {"text around an escape is kept", "a<b>c", 64, "a&lt;b&gt;c", 11},
    {"an entity-looking name is escaped again", "&amp;", 64, "&amp;amp;", 9},
    {"an escape that does not fit is left out whole", "a<b", 3, "a", 6},
    {"an escape that fits with its NUL is kept", "a<b", 6, "a&lt;", 6},
    {"nothing after a cut is written, even what would fit", "a<bc", 5, "a", 7},
    {"exactly enough room keeps everything", "a<b", 7, "a&lt;b", 6},
    {"a one-byte buffer gets only the NUL", "abc", 1, "", 3},
};

static void test_index_html_escape(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(escape_cases); i++) {
        const struct escape_case *c = &escape_cases[i];
        char *out = malloc(c->cap);
        size_t n;

        assert_non_null(out);
        memset(out, 'X', c->cap);
        n = index_html_escape(c->in, out, c->cap);
        if (n != c->want_len || memchr(out, '\0', c->cap) == NULL || strcmp(out, c->want) != 0)
            row_fail(&t, c->what, "gave %zu \"%.*s\"", n, (int)c->cap, out);
        free(out);
    }
    tally_end(&t, NROWS(escape_cases));
    {
        char untouched = 'X';

        /* A zero-size buffer is not written at all, and the need is still told. */
        assert_int_equal(index_html_escape("<x>", &untouched, 0), 9);
        assert_int_equal(untouched, 'X');
    }
}

static void test_index_html_render(void **state)
{
    uint8_t sha0[SHA256_LEN], sha1[SHA256_LEN], sha2[SHA256_LEN];
    const struct index_item items[] = {
        {"a b&<c>.txt", 1536, sha0},
        {"quote\"'.bin", 0, sha1},
        {"caf\xc3\xa9.iso", 3ull << 30, sha2},
    };
    static const char *const want[] = {
        "<!DOCTYPE html>",
        "<a href=\"text.txt\">text.txt</a>",
        "<tr><td><a href=\"a%20b%26%3Cc%3E.txt\">a b&amp;&lt;c&gt;.txt</a></td><td "
        "title=\"1536 bytes\">1.5 KiB</td><td><code>" HEX0 "</code></td></tr>\n",
        "<a href=\"quote%22%27.bin\">quote&quot;&#39;.bin</a></td><td title=\"0 bytes\">0 B</td>",
        ("<a href=\"caf%C3%A9.iso\">caf\xc3\xa9.iso</a></td><td title=\"3221225472 bytes\">3.0 "
         "GiB</td><td><code>" HEXA0),
        "</table>\n</body></html>\n",
    };
    size_t len = 0, rows = 0;
    char *page;

    (void)state;
    fill_sha(sha0, 0);
    fill_sha(sha1, 0x40);
    fill_sha(sha2, 0xa0);
    page = index_html_render(items, NROWS(items), &len);
    assert_non_null(page);
    assert_int_equal(len, strlen(page));
    for (size_t i = 0; i < NROWS(want); i++)
        if (strstr(page, want[i]) == NULL)
            fail_msg("the page lacks \"%s\":\n%s", want[i], page);
    /* No name appears unescaped. */
    assert_null(strstr(page, "<c>"));
    assert_null(strstr(page, "quote\"'"));
    for (const char *p = page; (p = strstr(p, "<tr><td>")) != NULL; p++)
        rows++;
    assert_int_equal(rows, NROWS(items));
    assert_null(strstr(page, "class=\"dir\""));
    free(page);

    /* No files: the page and its table header, no rows. */
    page = index_html_render(items, 0, &len);
    assert_non_null(page);
    assert_int_equal(len, strlen(page));
    assert_non_null(strstr(page, "<th>Name</th>"));
    assert_null(strstr(page, "<tr><td>"));
    free(page);
}

/*
 * A tree: the items in catalog order (strcmp), and the page's rows in the
 * order they must come: the root's files, then each directory under its
 * heading, its own files before its subdirectories.
 */
static void test_index_html_tree(void **state)
{
    uint8_t sha[SHA256_LEN];
    const struct index_item items[] = {
        {"a b/x&y.txt", 1, sha},      {"a.txt", 2, sha},       {"iso/b.txt", 3, sha},
        {"iso/b/deep/z.bin", 4, sha}, {"iso/b/y.bin", 5, sha}, {"iso/c.txt", 6, sha},
        {"iso/text.txt", 7, sha},     {"top\xc3\xa9", 8, sha}, {"\xe6\x97\xa5/<n>", 9, sha},
    };
    static const char *const order[] = {
        ">a.txt</a>",
        ">top\xc3\xa9</a>",
        "<tr class=\"dir\"><th colspan=\"3\">a b/</th></tr>",
        "<a href=\"a%20b/x%26y.txt\">a b/x&amp;y.txt</a>",
        "<tr class=\"dir\"><th colspan=\"3\">iso/</th></tr>",
        "<a href=\"iso/b.txt\">iso/b.txt</a>",
        "<a href=\"iso/c.txt\">iso/c.txt</a>",
        "<a href=\"iso/text.txt\">iso/text.txt</a>",
        "<tr class=\"dir\"><th colspan=\"3\">iso/b/</th></tr>",
        "<a href=\"iso/b/y.bin\">iso/b/y.bin</a>",
        "<tr class=\"dir\"><th colspan=\"3\">iso/b/deep/</th></tr>",
        "<a href=\"iso/b/deep/z.bin\">iso/b/deep/z.bin</a>",
        "<tr class=\"dir\"><th colspan=\"3\">\xe6\x97\xa5/</th></tr>",
        "<a href=\"%E6%97%A5/%3Cn%3E\">\xe6\x97\xa5/&lt;n&gt;</a>",
        "</table>",
    };
    size_t len = 0, rows = 0, headings = 0;
    const char *at;
    char *page;

    (void)state;
    fill_sha(sha, 0);
    for (size_t i = 1; i < NROWS(items); i++)
        assert_true(strcmp(items[i - 1].name, items[i].name) < 0);
    page = index_html_render(items, NROWS(items), &len);
    assert_non_null(page);
    at = page;
    for (size_t i = 0; i < NROWS(order); i++) {
        const char *p = strstr(at, order[i]);

        if (p == NULL)
            fail_msg("\"%s\" is missing or out of order:\n%s", order[i], page);
        at = p + strlen(order[i]);
    }
    for (const char *p = page; (p = strstr(p, "<tr><td>")) != NULL; p++)
        rows++;
    for (const char *p = page; (p = strstr(p, "class=\"dir\"")) != NULL; p++)
        headings++;
    assert_int_equal(rows, NROWS(items));
    assert_int_equal(headings, 5);
    assert_null(strstr(page, "<n>"));
    free(page);
}

/* ================================================================== */
/* server/mime                                                         */
/* ================================================================== */

struct mime_case {
    const char *what;
    const char *name;
    const char *want;
};

#define OCTET "application/octet-stream"

static const struct mime_case mime_cases[] = {
    {"a .txt file is UTF-8 text", "notes.txt", "text/plain; charset=utf-8"},
    {"the extension is matched in any case", "NOTES.TXT", "text/plain; charset=utf-8"},
    {"mixed case too", "photo.JpG", "image/jpeg"},
    {".jpeg is JPEG", "p.jpeg", "image/jpeg"},
    {".png is PNG", "p.png", "image/png"},
    {".html is HTML", "index.html", "text/html; charset=utf-8"},
    {".htm is HTML", "index.HTM", "text/html; charset=utf-8"},
    {".json is JSON", "data.json", "application/json"},
    {".pdf is PDF", "paper.pdf", "application/pdf"},
    {".iso is a disc image", "debian.iso", "application/x-iso9660-image"},
    {".mp4 is video", "clip.mp4", "video/mp4"},
    {".zst is zstd", "x.tar.zst", "application/zstd"},
    {"only the last extension counts", "archive.tar.gz", "application/gzip"},
    {".tar alone is a tarball", "archive.tar", "application/x-tar"},
    {"an unknown extension is octet-stream", "file.xyz", OCTET},
    {"a known extension as a prefix is not enough", "file.txtx", OCTET},
    {"a known extension shortened is not enough", "file.tx", OCTET},
    {"no extension is octet-stream", "README", OCTET},
    {"a trailing dot is octet-stream", "file.", OCTET},
    {"a dotfile is octet-stream, not its 'extension'", ".txt", OCTET},
    {"another dotfile", ".bashrc", OCTET},
    {"a dotfile with an extension uses it", ".notes.txt", "text/plain; charset=utf-8"},
    {"an empty name is octet-stream", "", OCTET},
    {"a path takes its file's extension", "iso/debian.iso", "application/x-iso9660-image"},
    {"a dot in a directory is not an extension", "v1.txt/README", OCTET},
    {"a directory's extension is not the file's", "docs.d/notes.txt", "text/plain; charset=utf-8"},
};

static void test_mime_type(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(mime_cases); i++) {
        const struct mime_case *c = &mime_cases[i];
        const char *got = mime_type(c->name);

        if (got == NULL || strcmp(got, c->want) != 0)
            row_fail(&t, c->what, "\"%s\" is \"%s\"", c->name, got ? got : "(null)");
    }
    tally_end(&t, NROWS(mime_cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashcache_format_line),
        cmocka_unit_test(test_hashcache_parse_line),
        cmocka_unit_test(test_hashcache_parse),
        cmocka_unit_test(test_hashcache_round_trip),
        cmocka_unit_test(test_hashcache_huge_file),
        cmocka_unit_test(test_options_defaults),
        cmocka_unit_test(test_options_parse),
        cmocka_unit_test(test_options_parse_twice),
        cmocka_unit_test(test_options_short_err),
        cmocka_unit_test(test_options_usage),
        cmocka_unit_test(test_resource_target_path),
        cmocka_unit_test(test_resource_file_etag),
        cmocka_unit_test(test_accesslog_format),
        cmocka_unit_test(test_accesslog_escapes_controls),
        cmocka_unit_test(test_accesslog_limits),
        cmocka_unit_test(test_index_html_escape),
        cmocka_unit_test(test_index_html_render),
        cmocka_unit_test(test_index_html_tree),
        cmocka_unit_test(test_mime_type),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
