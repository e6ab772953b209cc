/*
 * tests/unit/test_catalog.c - common/catalog.c: one catalog line parsed
 * and formatted (names are paths: "iso/debian.iso" is taken, "../x",
 * "/abs", "a//b", "a/./b" are not), whole catalogs parsed (errors by line
 * number), looked up and freed, and format -> parse round trips.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/catalog.h"
#include "common/name.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

/* SHA-256 values as bytes and as the catalog writes them. */
#define HEX_SEQ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_FF  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define HEX_ABC "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define HEX_63  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1"
#define HEX_UC  "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"
#define HEX_UC1 "Abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define HEX_G   "gbcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static const uint8_t sha_seq[SHA256_LEN] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const uint8_t sha_ff[SHA256_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
static const uint8_t sha_abc[SHA256_LEN] = {
    0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89,
    0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89,
};
static const uint8_t sha_zero[SHA256_LEN];

struct line_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *line;
    size_t len;
    enum catalog_line_result want;
    const char *name; /* for CATALOG_LINE_ENTRY */
    uint64_t size;
    const uint8_t *sha;
};

static const struct line_case line_cases[] = {
    {"a line with three fields is an entry", S("ubuntu.iso\t1073741824\t" HEX_SEQ),
     CATALOG_LINE_ENTRY, "ubuntu.iso", 1073741824, sha_seq},
    {"a name with spaces is an entry", S("notes on it.txt\t1204\t" HEX_ABC), CATALOG_LINE_ENTRY,
     "notes on it.txt", 1204, sha_abc},
    {"spaces at the ends of a name belong to it", S(" x \t1\t" HEX_SEQ), CATALOG_LINE_ENTRY, " x ",
     1, sha_seq},
    {"a UTF-8 name is an entry", S("caf\xc3\xa9.txt\t7\t" HEX_FF), CATALOG_LINE_ENTRY,
     "caf\xc3\xa9.txt", 7, sha_ff},
    {"a size of 0 is an entry", S("empty\t0\t" HEX_SEQ), CATALOG_LINE_ENTRY, "empty", 0, sha_seq},
    {"the largest size is an entry", S("big\t18446744073709551615\t" HEX_SEQ), CATALOG_LINE_ENTRY,
     "big", UINT64_MAX, sha_seq},
    {"leading zeros in the size are read as decimal", S("z\t0010\t" HEX_SEQ), CATALOG_LINE_ENTRY,
     "z", 10, sha_seq},
    {"a CRLF line ending is accepted", S("crlf.txt\t5\t" HEX_SEQ "\r"), CATALOG_LINE_ENTRY,
     "crlf.txt", 5, sha_seq},
    {"only LEN bytes are read", "short\t5\t" HEX_SEQ "\tjunk", sizeof("short\t5\t" HEX_SEQ) - 1,
     CATALOG_LINE_ENTRY, "short", 5, sha_seq},
    {"a path in a directory is an entry", S("iso/debian.iso\t658505728\t" HEX_SEQ),
     CATALOG_LINE_ENTRY, "iso/debian.iso", 658505728, sha_seq},
    {"a deep path with spaces and UTF-8 is an entry",
     S("a b/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/x.txt\t1\t" HEX_SEQ), CATALOG_LINE_ENTRY,
     "a b/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/x.txt", 1, sha_seq},
    {"a file called text.txt in a directory is an entry", S("iso/text.txt\t1\t" HEX_SEQ),
     CATALOG_LINE_ENTRY, "iso/text.txt", 1, sha_seq},
    {"a '#' inside a path is an entry", S("a/b#1\t1\t" HEX_SEQ), CATALOG_LINE_ENTRY, "a/b#1", 1,
     sha_seq},

    {"the header is a comment", S("# name\tsize\tsha256"), CATALOG_LINE_SKIP, NULL, 0, NULL},
    {"a lone '#' is a comment", S("#"), CATALOG_LINE_SKIP, NULL, 0, NULL},
    {"a comment with CRLF is a comment", S("# hi\r"), CATALOG_LINE_SKIP, NULL, 0, NULL},
    {"an empty line is skipped", S(""), CATALOG_LINE_SKIP, NULL, 0, NULL},
    {"a lone CR is a blank line", S("\r"), CATALOG_LINE_SKIP, NULL, 0, NULL},

    {"a line of spaces is bad", S("   "), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a comment not at the start of the line is bad", S(" # x"), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a name alone is bad", S("name"), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a name and a size are bad", S("name\t12"), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"an empty hash is bad", S("name\t12\t"), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"an empty name is bad", S("\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"an empty size is bad", S("name\t\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"an extra TAB at the end is bad", S("name\t12\t" HEX_SEQ "\t"), CATALOG_LINE_BAD, NULL, 0,
     NULL},
    {"a fourth field is bad", S("name\t12\t" HEX_SEQ "\textra"), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"two TABs between fields are bad", S("name\t\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"spaces instead of TABs are bad", S("name 12 " HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a '+' sign on the size is bad", S("name\t+12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a '-' sign on the size is bad", S("name\t-12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a unit after the size is bad", S("name\t12k\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"letters as the size are bad", S("name\tabc\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a space before the size is bad", S("name\t 12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a hex size is bad", S("name\t0x10\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a size past UINT64_MAX is bad", S("name\t18446744073709551616\t" HEX_SEQ), CATALOG_LINE_BAD,
     NULL, 0, NULL},
    {"a hash of 63 digits is bad", S("name\t12\t" HEX_63), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a hash of 65 digits is bad", S("name\t12\t" HEX_SEQ "0"), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"an uppercase hash is bad", S("name\t12\t" HEX_UC), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"one uppercase digit makes the hash bad", S("name\t12\t" HEX_UC1), CATALOG_LINE_BAD, NULL, 0,
     NULL},
    {"a non-hex letter in the hash is bad", S("name\t12\t" HEX_G), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a space after the hash is bad", S("name\t12\t" HEX_SEQ " "), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"two CRs at the end are bad", S("name\t12\t" HEX_SEQ "\r\r"), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a hidden name is bad", S(".hidden\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"\"..\" is bad", S("..\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a path climbing out with '..' is bad", S("../x\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0,
     NULL},
    {"'..' inside a path is bad", S("a/../b\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a trailing '..' is bad", S("a/..\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"an absolute path is bad", S("/abs\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"an absolute path to a system file is bad", S("/etc/passwd\t12\t" HEX_SEQ), CATALOG_LINE_BAD,
     NULL, 0, NULL},
    {"an empty component is bad", S("a//b\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a '.' component is bad", S("a/./b\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a leading './' is bad", S("./a\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a trailing '/' is bad", S("dir/\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a lone '/' is bad", S("/\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a hidden directory is bad", S("a/.git/config\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0,
     NULL},
    {"a hidden file in a directory is bad", S("a/.env\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0,
     NULL},
    {"a component starting with '#' is bad", S("a/#b\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0,
     NULL},
    {"a control character in a directory is bad", S("a\x1b/b\t12\t" HEX_SEQ), CATALOG_LINE_BAD,
     NULL, 0, NULL},
    {"bad UTF-8 in a directory is bad", S("a\xff/b\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0,
     NULL},
    {"a backslash is part of a name, but '..\\x' is hidden and bad", S("..\\x\t12\t" HEX_SEQ),
     CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a name with a CR is bad", S("a\rb\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a name with a NUL is bad", S("a\0b\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a name with DEL is bad", S("a\x7f\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0, NULL},
    {"a name that is not UTF-8 is bad", S("caf\xe9\t12\t" HEX_SEQ), CATALOG_LINE_BAD, NULL, 0,
     NULL},
};

static void test_catalog_parse_line_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
        const struct line_case *c = &line_cases[i];
        struct strview name = {"junk", 4};
        uint64_t size = 99;
        uint8_t sha[SHA256_LEN];
        enum catalog_line_result r;
        bool ok;

        memset(sha, 0x5a, sizeof(sha));
        r = catalog_parse_line(c->line, c->len, &name, &size, sha);
        if (c->want == CATALOG_LINE_ENTRY)
            ok = r == c->want && name.p == c->line && strview_eq(name, c->name) &&
                 size == c->size && memcmp(sha, c->sha, SHA256_LEN) == 0;
        else
            ok = r == c->want && name.len == 0 && size == 0 &&
                 memcmp(sha, sha_zero, SHA256_LEN) == 0;
        if (!ok)
            fail_msg("%s: \"%.*s\" gave %d, name \"%.*s\", size %" PRIu64, c->what, (int)c->len,
                     c->line, (int)r, (int)name.len, name.p, size);
    }
}

struct format_case {
    const char *what;
    const char *name;
    uint64_t size;
    const uint8_t *sha;
    size_t cap;
    const char *want; /* "" when 0 is expected */
};

static const struct format_case format_cases[] = {
    {"a line is name, TAB, size, TAB, lowercase hex, LF", "ubuntu.iso", 1073741824, sha_seq,
     CATALOG_LINE_MAX + 1, "ubuntu.iso\t1073741824\t" HEX_SEQ "\n"},
    {"a name with spaces is written as is", "notes on it.txt", 1204, sha_abc, CATALOG_LINE_MAX + 1,
     "notes on it.txt\t1204\t" HEX_ABC "\n"},
    {"a UTF-8 name is written as is", "caf\xc3\xa9", 0, sha_ff, CATALOG_LINE_MAX + 1,
     "caf\xc3\xa9\t0\t" HEX_FF "\n"},
    {"the largest size is written in full", "big", UINT64_MAX, sha_seq, CATALOG_LINE_MAX + 1,
     "big\t18446744073709551615\t" HEX_SEQ "\n"},
    {"a line that exactly fits CAP is written", "a", 1, sha_seq, sizeof("a\t1\t" HEX_SEQ "\n"),
     "a\t1\t" HEX_SEQ "\n"},
    {"a line one byte too long for CAP gives 0", "a", 1, sha_seq, sizeof("a\t1\t" HEX_SEQ "\n") - 1,
     ""},
    {"a tiny CAP gives 0", "a", 1, sha_seq, 2, ""},
    {"CAP 1 gives 0", "a", 1, sha_seq, 1, ""},
    {"a hidden name gives 0", ".hidden", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"an empty name gives 0", "", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a name with a TAB gives 0", "a\tb", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a name with an LF gives 0", "a\nb", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a name with a CR gives 0", "a\r", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a path is written as is", "iso/debian.iso", 5, sha_seq, CATALOG_LINE_MAX + 1,
     "iso/debian.iso\t5\t" HEX_SEQ "\n"},
    {"a path with '..' gives 0", "a/../b", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"an absolute path gives 0", "/abs", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a path with an empty component gives 0", "a//b", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a path with a '.' component gives 0", "a/./b", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a path with a trailing '/' gives 0", "a/", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
    {"a name that is not UTF-8 gives 0", "caf\xe9", 1, sha_seq, CATALOG_LINE_MAX + 1, ""},
};

static void test_catalog_format_line_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
        const struct format_case *c = &format_cases[i];
        char out[CATALOG_LINE_MAX + 8];
        size_t n;

        memset(out, 'X', sizeof(out));
        n = catalog_format_line(out, c->cap, c->name, c->size, c->sha);
        if (n != strlen(c->want) || memchr(out, '\0', c->cap) == NULL ||
            strcmp(out, c->want) != 0 || out[c->cap] != 'X')
            fail_msg("%s: \"%s\" (cap %zu) gave %zu \"%.*s\", want \"%s\"", c->what, c->name,
                     c->cap, n, (int)c->cap, out, c->want);
    }
}

/* CAP 0 writes nothing at all. */
static void test_catalog_format_line_cap_zero(void **state)
{
    char out[4] = "XYZ";

    (void)state;
    assert_int_equal(catalog_format_line(out, 0, "a", 1, sha_seq), 0);
    assert_string_equal(out, "XYZ");
}

/*
 * The longest path and size make a line of CATALOG_LINE_MAX bytes: 16
 * components of 255 bytes and 15 slashes are 4095 bytes, NAME_PATH_MAX.
 * One byte more is no line at all.
 */
static void test_catalog_format_line_longest(void **state)
{
    static char name[NAME_PATH_MAX + 2], out[CATALOG_LINE_MAX + 2];
    struct strview v;
    uint64_t size;
    uint8_t sha[SHA256_LEN];

    (void)state;
    memset(name, 'n', NAME_PATH_MAX);
    for (size_t i = NAME_MAX_LEN; i < NAME_PATH_MAX; i += NAME_MAX_LEN + 1)
        name[i] = '/';
    name[NAME_PATH_MAX] = '\0';
    assert_int_equal(name_path_check(name, strlen(name)), NAME_OK);
    assert_int_equal(catalog_format_line(out, sizeof(out), name, UINT64_MAX, sha_ff),
                     CATALOG_LINE_MAX);
    assert_int_equal(catalog_parse_line(out, CATALOG_LINE_MAX - 1, &v, &size, sha),
                     CATALOG_LINE_ENTRY);
    assert_int_equal(v.len, NAME_PATH_MAX);
    assert_true(size == UINT64_MAX);
    assert_memory_equal(sha, sha_ff, SHA256_LEN);

    /* A path of NAME_PATH_MAX + 1 bytes is refused both ways. */
    name[NAME_PATH_MAX - 1] = 'n';
    name[NAME_PATH_MAX] = 'n';
    name[NAME_PATH_MAX + 1] = '\0';
    assert_int_equal(catalog_format_line(out, sizeof(out), name, 1, sha_ff), 0);
    snprintf(out, sizeof(out), "%s\t1\t%s", name, HEX_FF);
    assert_int_equal(catalog_parse_line(out, strlen(out), &v, &size, sha), CATALOG_LINE_BAD);
}

/*
 * Every name catalog_format_line() accepts must come back from
 * catalog_parse_line() as the same entry: otherwise the server publishes a
 * file that no client can see.
 */
static const char *const agree_names[] = {
    "plain.txt",
    "notes on it.txt",
    " leading space",
    "trailing space ",
    "100% sure",
    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.pdf",
    "x.",
    "#hash.txt",
    "iso/debian.iso",
    "a b/c d/e f.txt",
    "a/#b",
    "a//b",
    "../x",
};

static void test_catalog_format_parse_agree(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(agree_names) / sizeof(agree_names[0]); i++) {
        const char *name = agree_names[i];
        char out[CATALOG_LINE_MAX + 1];
        size_t n = catalog_format_line(out, sizeof(out), name, 42, sha_abc);
        struct strview v;
        uint64_t size;
        uint8_t sha[SHA256_LEN];
        enum catalog_line_result r;

        if (n == 0)
            continue; /* refusing a name is fine; writing an unreadable line is not */
        r = catalog_parse_line(out, n - 1, &v, &size, sha);
        if (r != CATALOG_LINE_ENTRY || !strview_eq(v, name) || size != 42 ||
            memcmp(sha, sha_abc, SHA256_LEN) != 0)
            fail_msg("the line written for \"%s\" reads back as %d \"%.*s\" (%d is an entry)", name,
                     (int)r, (int)v.len, v.p, (int)CATALOG_LINE_ENTRY);
    }
}

struct rt_entry {
    const char *name;
    uint64_t size;
    const uint8_t *sha;
};

static const struct rt_entry rt_entries[] = {
    {"ubuntu.iso", 1073741824, sha_seq},
    {"notes on it.txt", 1204, sha_abc},
    {"caf\xc3\xa9 cr\xc3\xa8me.txt", 0, sha_ff},
    {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe6\x96\x87\xe6\x9b\xb8.pdf", UINT64_MAX, sha_seq},
    {"Zebra", 1, sha_abc},
    {"a", 2, sha_ff},
    {"iso/debian.iso", 3, sha_seq},
    {"iso/old/debian.iso", 4, sha_abc},
    {"iso/text.txt", 5, sha_ff},
};

/* Format the entries, parse them back, and compare every field. */
static void test_catalog_round_trip(void **state)
{
    const size_t n = sizeof(rt_entries) / sizeof(rt_entries[0]);
    char buf[8192];
    size_t len = 0, bad_line = 99;
    struct catalog cat;

    (void)state;
    len += (size_t)snprintf(buf, sizeof(buf), "%s", CATALOG_HEADER);
    for (size_t i = 0; i < n; i++) {
        size_t k = catalog_format_line(buf + len, sizeof(buf) - len, rt_entries[i].name,
                                       rt_entries[i].size, rt_entries[i].sha);

        if (k == 0)
            fail_msg("round trip: \"%s\" was not formatted", rt_entries[i].name);
        len += k;
    }
    assert_int_equal(catalog_parse(buf, len, &cat, &bad_line), 0);
    assert_int_equal(bad_line, 0);
    assert_int_equal(cat.n, n);
    for (size_t i = 0; i < n; i++) {
        const struct rt_entry *e = &rt_entries[i];
        const struct catalog_entry *got = catalog_find(&cat, e->name);

        if (got == NULL)
            fail_msg("round trip: \"%s\" is missing", e->name);
        if (strcmp(got->name, e->name) != 0 || got->size != e->size ||
            memcmp(got->sha256, e->sha, SHA256_LEN) != 0 || got->line != i + 2)
            fail_msg("round trip: \"%s\" came back as \"%s\", %" PRIu64 " bytes, line %zu", e->name,
                     got->name, got->size, got->line);
    }
    for (size_t i = 1; i < cat.n; i++)
        if (strcmp(cat.entries[i - 1].name, cat.entries[i].name) >= 0)
            fail_msg("entries %zu and %zu are not sorted: \"%s\", \"%s\"", i - 1, i,
                     cat.entries[i - 1].name, cat.entries[i].name);
    catalog_free(&cat);
    assert_null(cat.entries);
    assert_int_equal(cat.n, 0);
}

struct parse_case {
    const char *what;
    const char *text;
    int want;         /* 0 or a negative errno value */
    size_t bad_line;  /* 1-based, 0 on success */
    size_t n;         /* entries on success */
    const char *last; /* the last entry's name (bytewise order) on success */
    size_t last_line; /* the line that entry was read from */
};

#define L(name, size) name "\t" #size "\t" HEX_SEQ

static const struct parse_case parse_cases[] = {
    {"an empty buffer is an empty catalog", "", 0, 0, 0, NULL, 0},
    {"the header alone is an empty catalog", CATALOG_HEADER, 0, 0, 0, NULL, 0},
    {"blank lines alone are an empty catalog", "\n\n\r\n", 0, 0, 0, NULL, 0},
    {"entries are read after the header", CATALOG_HEADER L("b", 2) "\n" L("a", 1) "\n", 0, 0, 2,
     "b", 2},
    {"a last line without LF is read", L("a", 1) "\n" L("b", 2), 0, 0, 2, "b", 2},
    {"CRLF line endings are read", "# c\r\n" L("b", 2) "\r\n" L("a", 1) "\r\n", 0, 0, 2, "b", 2},
    {"comments and blank lines count as lines", "# c\n\n\n" L("z", 1) "\n# d\n", 0, 0, 1, "z", 4},
    {"names are sorted bytewise: uppercase first", L("b", 1) "\n" L("B", 2) "\n", 0, 0, 2, "b", 1},
    {"names are sorted bytewise: UTF-8 last", L("\xc3\xa9", 1) "\n" L("z", 2) "\n", 0, 0, 2,
     "\xc3\xa9", 1},
    {"names differing only in case are distinct", L("a", 1) "\n" L("A", 1) "\n", 0, 0, 2, "a", 1},

    {"a bad line is reported by number", CATALOG_HEADER L("a", 1) "\njunk\n" L("b", 2) "\n",
     -EINVAL, 3, 0, NULL, 0},
    {"a bad first line is line 1", "junk\n", -EINVAL, 1, 0, NULL, 0},
    {"a bad last line without LF is reported", L("a", 1) "\n" L("b", 1) "\nx", -EINVAL, 3, 0, NULL,
     0},
    {"blank and comment lines are counted before a bad one", "# c\n\n\r\n# d\nbad\n", -EINVAL, 5, 0,
     NULL, 0},
    {"CRLF lines are counted like LF lines", L("a", 1) "\r\n\r\nbad\r\n", -EINVAL, 3, 0, NULL, 0},
    {"the first bad line is the one reported", "bad1\nbad2\n", -EINVAL, 1, 0, NULL, 0},
    {"an overflowing size is a bad line", L("a", 1) "\n" L("b", 18446744073709551616) "\n", -EINVAL,
     2, 0, NULL, 0},
    {"a duplicate name reports the later line", L("a", 1) "\n" L("b", 2) "\n" L("a", 3) "\n",
     -EINVAL, 3, 0, NULL, 0},
    {"a duplicate far apart reports the later line",
     L("dup", 1) "\n" L("x", 1) "\n# c\n" L("y", 1) "\n" L("dup", 1) "\n", -EINVAL, 5, 0, NULL, 0},
    {"a duplicate that sorts first still reports the later line",
     L("z", 1) "\n" L("a", 1) "\n" L("m", 1) "\n" L("a", 1) "\n", -EINVAL, 4, 0, NULL, 0},
    {"a duplicate with the same size and hash is still a duplicate", L("a", 1) "\n" L("a", 1),
     -EINVAL, 2, 0, NULL, 0},
    {"paths are read and sorted bytewise", L("iso/b", 1) "\n" L("iso a", 2) "\n" L("iso/a", 3) "\n",
     0, 0, 3, "iso/b", 1},
    {"a duplicate path reports the later line", L("d/a", 1) "\n" L("d/a", 2) "\n", -EINVAL, 2, 0,
     NULL, 0},
    {"an unsafe path anywhere fails the whole catalog",
     CATALOG_HEADER L("ok", 1) "\n" L("iso/x", 1) "\n" L("iso/../../etc/passwd", 1) "\n", -EINVAL,
     4, 0, NULL, 0},
};

static void test_catalog_parse_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct catalog cat = {(struct catalog_entry *)&cat, 99};
        size_t bad_line = 99;
        int err = catalog_parse(c->text, strlen(c->text), &cat, &bad_line);

        if (err != c->want || bad_line != c->bad_line || cat.n != c->n)
            fail_msg("%s: gave %d at line %zu with %zu entries, want %d at line %zu with %zu",
                     c->what, err, bad_line, cat.n, c->want, c->bad_line, c->n);
        if (err != 0 && cat.entries != NULL)
            fail_msg("%s: a failed parse left entries behind", c->what);
        if (c->n > 0 && (strcmp(cat.entries[c->n - 1].name, c->last) != 0 ||
                         cat.entries[c->n - 1].line != c->last_line))
            fail_msg("%s: the last entry is \"%s\" from line %zu, want \"%s\" from line %zu",
                     c->what, cat.entries[c->n - 1].name, cat.entries[c->n - 1].line, c->last,
                     c->last_line);
        catalog_free(&cat);
    }
}

/* Lines are split at LF only: a NUL inside the buffer is part of a line. */
static void test_catalog_parse_nul(void **state)
{
    static const char text[] = L("a", 1) "\n" L("b\0c", 2) "\n";
    struct catalog cat;
    size_t bad_line = 0;

    (void)state;
    assert_int_equal(catalog_parse(text, sizeof(text) - 1, &cat, &bad_line), -EINVAL);
    assert_int_equal(bad_line, 2);
    assert_int_equal(cat.n, 0);
}

struct find_case {
    const char *what;
    const char *name;
    bool is_found;
    uint64_t size; /* when found */
};

static const char find_text[] = CATALOG_HEADER L("ubuntu.iso", 100) "\n" L(
    "notes on it.txt", 200) "\n" L("caf\xc3\xa9", 300) "\n" L("a", 400) "\n" L("ab", 500) "\n";

static const struct find_case find_cases[] = {
    {"a plain name is found", "ubuntu.iso", true, 100},
    {"a name with spaces is found", "notes on it.txt", true, 200},
    {"a UTF-8 name is found", "caf\xc3\xa9", true, 300},
    {"the first name in order is found", "a", true, 400},
    {"a name that extends another is found", "ab", true, 500},
    {"a prefix of a name is not found", "ubuntu", false, 0},
    {"a name with a byte more is not found", "ubuntu.isox", false, 0},
    {"a different case is not found", "UBUNTU.ISO", false, 0},
    {"a trailing space makes a different name", "a ", false, 0},
    {"the decomposed form of a UTF-8 name is not found", "cafe\xcc\x81", false, 0},
    {"the empty name is not found", "", false, 0},
    {"a name after the last is not found", "zzz", false, 0},
    {"a name before the first is not found", "0", false, 0},
};

static void test_catalog_find_cases(void **state)
{
    struct catalog cat;
    size_t bad_line;

    (void)state;
    assert_int_equal(catalog_parse(find_text, sizeof(find_text) - 1, &cat, &bad_line), 0);
    for (size_t i = 0; i < sizeof(find_cases) / sizeof(find_cases[0]); i++) {
        const struct find_case *c = &find_cases[i];
        const struct catalog_entry *e = catalog_find(&cat, c->name);

        if ((e != NULL) != c->is_found ||
            (e != NULL && (strcmp(e->name, c->name) != 0 || e->size != c->size)))
            fail_msg("%s: \"%s\" gave %s", c->what, c->name, e ? e->name : "NULL");
    }
    catalog_free(&cat);
}

static void test_catalog_empty(void **state)
{
    struct catalog cat = {NULL, 0};
    size_t bad_line = 99;

    (void)state;
    assert_null(catalog_find(&cat, "a"));
    catalog_free(&cat);
    assert_null(cat.entries);
    assert_int_equal(cat.n, 0);

    /* A parsed empty catalog, freed twice (the first free resets it). */
    assert_int_equal(catalog_parse(CATALOG_HEADER, strlen(CATALOG_HEADER), &cat, &bad_line), 0);
    assert_int_equal(cat.n, 0);
    assert_null(catalog_find(&cat, "a"));
    catalog_free(&cat);
    catalog_free(&cat);
    assert_int_equal(cat.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_parse_line_cases),
        cmocka_unit_test(test_catalog_format_line_cases),
        cmocka_unit_test(test_catalog_format_line_cap_zero),
        cmocka_unit_test(test_catalog_format_line_longest),
        cmocka_unit_test(test_catalog_format_parse_agree),
        cmocka_unit_test(test_catalog_round_trip),
        cmocka_unit_test(test_catalog_parse_cases),
        cmocka_unit_test(test_catalog_parse_nul),
        cmocka_unit_test(test_catalog_find_cases),
        cmocka_unit_test(test_catalog_empty),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
