/*
 * tests/unit/test_input.c - client/input.c: the lines of input.txt
 * (input_parse_line), what counts as a URL (input_is_url), and the file
 * name a URL downloads to (input_url_filename), one row per behaviour.
 *
 * Every table reports all its failing rows before failing, so one run
 * shows the whole picture.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/input.h"
#include "common/encode.h"
#include "common/name.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

#define HASH_LO "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HASH_UP "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
#define HASH_63 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef"
#define HASH_65 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0"
#define HASH_NX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeegg"

/* 255 and 256 bytes: NAME_MAX_LEN and one more. */
#define X15  "xxxxxxxxxxxxxxx"
#define X16  "xxxxxxxxxxxxxxxx"
#define X255 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X15
#define X256 X255 "x"

struct line_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *line;
    size_t len;
    enum input_result want;
    enum input_kind kind;
    const char *text; /* the expected name or URL (INPUT_ENTRY) */
    bool has_sha256;  /* when true, the hash is HASH_LO's bytes */
};

static const struct line_case line_cases[] = {
    /* Names. */
    {"a plain name is an entry", S("big.iso"), INPUT_ENTRY, INPUT_NAME, "big.iso", false},
    {"a name with spaces is taken whole", S("notes on it.txt"), INPUT_ENTRY, INPUT_NAME,
     "notes on it.txt", false},
    {"leading and trailing spaces of a name are kept", S("  spaced name.txt  "), INPUT_ENTRY,
     INPUT_NAME, "  spaced name.txt  ", false},
    {"a CR before the LF is dropped", S("big.iso\r"), INPUT_ENTRY, INPUT_NAME, "big.iso", false},
    {"only the LEN bytes given are read", "big.iso\nnext", 7, INPUT_ENTRY, INPUT_NAME, "big.iso",
     false},
    {"a name of NAME_MAX_LEN bytes is an entry", S(X255), INPUT_ENTRY, INPUT_NAME, X255, false},
    {"a UTF-8 name is an entry", S("caf\xc3\xa9.txt"), INPUT_ENTRY, INPUT_NAME, "caf\xc3\xa9.txt",
     false},
    {"a '#' after the first byte is part of the name", S("a#b"), INPUT_ENTRY, INPUT_NAME, "a#b",
     false},
    {"a '#' after leading spaces is part of a name, not a comment", S("  #x"), INPUT_ENTRY,
     INPUT_NAME, "  #x", false},
    {"a name, a TAB and 64 hex digits carry a hash", S("big.iso\t" HASH_LO), INPUT_ENTRY,
     INPUT_NAME, "big.iso", true},
    {"a hash in uppercase hex is accepted", S("big.iso\t" HASH_UP), INPUT_ENTRY, INPUT_NAME,
     "big.iso", true},
    {"spaces around the hash after the TAB are allowed", S("big.iso\t  " HASH_LO "  "), INPUT_ENTRY,
     INPUT_NAME, "big.iso", true},
    {"a name with spaces keeps them before the TAB", S("my file.txt\t" HASH_LO), INPUT_ENTRY,
     INPUT_NAME, "my file.txt", true},
    {"a name and hash line may end in CRLF", S("big.iso\t" HASH_LO "\r"), INPUT_ENTRY, INPUT_NAME,
     "big.iso", true},
    {"hex after spaces (not a TAB) is part of a name", S("big.iso " HASH_LO), INPUT_ENTRY,
     INPUT_NAME, "big.iso " HASH_LO, false},

    /* Skipped lines. */
    {"an empty line is skipped", S(""), INPUT_SKIP, INPUT_NAME, NULL, false},
    {"a lone CR is skipped", S("\r"), INPUT_SKIP, INPUT_NAME, NULL, false},
    {"a line of spaces is skipped", S("    "), INPUT_SKIP, INPUT_NAME, NULL, false},
    {"a line of spaces and TABs is skipped", S(" \t \t "), INPUT_SKIP, INPUT_NAME, NULL, false},
    {"a line of spaces and a CR is skipped", S("   \r"), INPUT_SKIP, INPUT_NAME, NULL, false},
    {"a '#' comment is skipped", S("# my downloads"), INPUT_SKIP, INPUT_NAME, NULL, false},
    {"a lone '#' is skipped", S("#"), INPUT_SKIP, INPUT_NAME, NULL, false},
    {"a commented-out URL is skipped", S("#https://example.org/x"), INPUT_SKIP, INPUT_NAME, NULL,
     false},
    {"a line starting with '#' is a comment, never a '#' name", S("#big.iso\t" HASH_LO), INPUT_SKIP,
     INPUT_NAME, NULL, false},

    /* Bad hashes. */
    {"a TAB followed by words is bad", S("big.iso\tnot a hash"), INPUT_BAD, INPUT_NAME, NULL,
     false},
    {"a TAB followed by nothing is bad", S("big.iso\t"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a TAB followed by 63 hex digits is bad", S("big.iso\t" HASH_63), INPUT_BAD, INPUT_NAME, NULL,
     false},
    {"a TAB followed by 65 hex digits is bad", S("big.iso\t" HASH_65), INPUT_BAD, INPUT_NAME, NULL,
     false},
    {"a TAB followed by 64 characters not all hex is bad", S("big.iso\t" HASH_NX), INPUT_BAD,
     INPUT_NAME, NULL, false},
    {"two hashes after the TAB are bad", S("big.iso\t" HASH_LO " " HASH_LO), INPUT_BAD, INPUT_NAME,
     NULL, false},
    {"a second TAB after the hash is bad", S("big.iso\t" HASH_LO "\tx"), INPUT_BAD, INPUT_NAME,
     NULL, false},
    {"a hash with no name before the TAB is bad", S("\t" HASH_LO), INPUT_BAD, INPUT_NAME, NULL,
     false},

    /* URLs. */
    {"an http URL is a URL entry", S("http://example.org/file.tar.gz"), INPUT_ENTRY, INPUT_URL,
     "http://example.org/file.tar.gz", false},
    {"an https URL is a URL entry", S("https://example.org/file.tar.gz"), INPUT_ENTRY, INPUT_URL,
     "https://example.org/file.tar.gz", false},
    {"the scheme is matched in any case (HTTP)", S("HTTP://example.org/a"), INPUT_ENTRY, INPUT_URL,
     "HTTP://example.org/a", false},
    {"the scheme is matched in any case (HtTpS)", S("HtTpS://example.org/a"), INPUT_ENTRY,
     INPUT_URL, "HtTpS://example.org/a", false},
    {"a URL of a bare host is a URL entry", S("http://h"), INPUT_ENTRY, INPUT_URL, "http://h",
     false},
    {"a URL with a port, a query and a fragment is kept whole",
     S("http://127.0.0.1:8080/a%20b?x=1#y"), INPUT_ENTRY, INPUT_URL,
     "http://127.0.0.1:8080/a%20b?x=1#y", false},
    {"a URL's CRLF is dropped", S("http://h/a\r"), INPUT_ENTRY, INPUT_URL, "http://h/a", false},
    {"spaces around a URL are trimmed", S("  http://h/a  "), INPUT_ENTRY, INPUT_URL, "http://h/a",
     false},
    {"a URL, a TAB and a hash carry a hash", S("https://h/a.iso\t" HASH_LO), INPUT_ENTRY, INPUT_URL,
     "https://h/a.iso", true},
    {"a URL, spaces and a hash carry a hash", S("https://h/a.iso   " HASH_LO), INPUT_ENTRY,
     INPUT_URL, "https://h/a.iso", true},
    {"a URL, one space and an uppercase hash carry a hash", S("https://h/a.iso " HASH_UP),
     INPUT_ENTRY, INPUT_URL, "https://h/a.iso", true},
    {"a URL, a space, a TAB and a hash carry a hash", S("https://h/a.iso \t" HASH_LO), INPUT_ENTRY,
     INPUT_URL, "https://h/a.iso", true},
    {"a URL with a space not followed by a hash is bad", S("http://h/a b.txt"), INPUT_BAD,
     INPUT_NAME, NULL, false},
    {"a URL with a space before words and a hash is bad", S("http://h/a b " HASH_LO), INPUT_BAD,
     INPUT_NAME, NULL, false},
    {"a URL with a space and a TAB hash is still bad", S("http://h/a b\t" HASH_LO), INPUT_BAD,
     INPUT_NAME, NULL, false},
    {"a URL followed by spaces and a short hash is bad", S("http://h/a " HASH_63), INPUT_BAD,
     INPUT_NAME, NULL, false},
    {"\"http://\" with no host is bad", S("http://"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"\"https://\" with no host is bad", S("https://"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"\"http:///x\" (empty host) is bad", S("http:///x"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"\"https:///x\" (empty host) is bad", S("https:///x"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"\"http://?x\" (empty host) is bad", S("http://?x"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"\"http://#x\" (empty host) is bad", S("http://#x"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a control character in a URL is bad", S("http://h/a\x01"), INPUT_BAD, INPUT_NAME, NULL,
     false},
    {"a DEL in a URL is bad", S("http://h/a\x7f"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"another scheme is not a URL, and its '/' makes it a bad name", S("ftp://h/a"), INPUT_BAD,
     INPUT_NAME, NULL, false},

    /* Forms only input_parse_sources() takes: refused here as before. */
    {"two URLs separated by a TAB are bad for a one-source line", S("http://a/f\thttp://b/f"),
     INPUT_BAD, INPUT_NAME, NULL, false},
    {"two URLs and a hash are bad for a one-source line", S("http://a/f\thttp://b/f\t" HASH_LO),
     INPUT_BAD, INPUT_NAME, NULL, false},
    {"the same URL twice is bad for a one-source line", S("http://a/f\thttp://a/f"), INPUT_BAD,
     INPUT_NAME, NULL, false},
    {"a .meta4 URL is a plain URL entry for a one-source line", S("http://h/f.iso.meta4"),
     INPUT_ENTRY, INPUT_URL, "http://h/f.iso.meta4", false},

    /* Names that fail common/name.h. */
    {"a name with a leading '.' is bad", S(".hidden"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"\".\" is bad", S("."), INPUT_BAD, INPUT_NAME, NULL, false},
    {"\"..\" is bad", S(".."), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a catalog path with '/' is a name", S("dir/file"), INPUT_ENTRY, INPUT_NAME, "dir/file",
     false},
    {"a path of three components is a name", S("a/b c/d.iso"), INPUT_ENTRY, INPUT_NAME,
     "a/b c/d.iso", false},
    {"a path may not start with '/'", S("/etc/passwd"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a path may not end with '/'", S("dir/"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a path may not have an empty component", S("a//b"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a path may not have a '..' component", S("a/../b"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a path may not start with '..'", S("../x"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a path may not have a '.' component", S("a/./b"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a path may not have a hidden component", S("a/.git/x"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a path with '..' is bad", S("../etc/passwd"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a name with a control character is bad", S("a\x01z"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a name with a NUL is bad", S("a\0z"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a name with a CR inside is bad", S("a\rz"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a name ending in two CRs is bad (only one is dropped)", S("a\r\r"), INPUT_BAD, INPUT_NAME,
     NULL, false},
    {"a name with a DEL is bad", S("a\x7fz"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a name with a C1 control is bad", S("a\xc2\x85z"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a name that is not UTF-8 is bad", S("a\xffz"), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a name longer than NAME_MAX_LEN is bad", S(X256), INPUT_BAD, INPUT_NAME, NULL, false},
    {"a bad name is bad even with a good hash", S(".hidden\t" HASH_LO), INPUT_BAD, INPUT_NAME, NULL,
     false},
};

static void test_input_parse_line(void **state)
{
    uint8_t want_sha[SHA256_LEN];
    int nbad = 0;

    (void)state;
    assert_true(decode_hex(HASH_LO, strlen(HASH_LO), want_sha, SHA256_LEN));
    for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
        const struct line_case *c = &line_cases[i];
        struct input_entry e;
        const char *why = "not touched";
        enum input_result r;
        bool ok;

        memset(&e, 0xa5, sizeof(e));
        r = input_parse_line(c->line, c->len, &e, &why);
        ok = r == c->want;
        if (ok && r == INPUT_ENTRY) {
            ok = why == NULL && e.kind == c->kind && e.text.len == strlen(c->text) &&
                 memcmp(e.text.p, c->text, e.text.len) == 0 && e.text.p >= c->line &&
                 e.text.p + e.text.len <= c->line + c->len && e.has_sha256 == c->has_sha256 &&
                 (!c->has_sha256 || memcmp(e.sha256, want_sha, SHA256_LEN) == 0);
        } else if (ok) {
            static const struct input_entry zero;

            /* *OUT is zeroed; *WHY is NULL for a skip and a reason for a bad line. */
            ok = memcmp(&e, &zero, sizeof(e)) == 0 &&
                 (r == INPUT_SKIP ? why == NULL : why != NULL && why[0] != '\0');
        }
        if (!ok) {
            nbad++;
            print_error("row %zu: %s: gave %d (kind %d, text \"%.*s\", sha %d, why \"%s\")\n", i,
                        c->what, (int)r, (int)e.kind, r == INPUT_ENTRY ? (int)e.text.len : 0,
                        r == INPUT_ENTRY ? e.text.p : "", (int)e.has_sha256, why ? why : "(null)");
        }
    }
    if (nbad > 0)
        fail_msg("%d input_parse_line rows failed", nbad);
}

/* ---- input_parse_sources ---- */

/* Every input_parse_line() row gives the same answer and entry here. */
static void test_input_sources_same_as_line(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
        const struct line_case *c = &line_cases[i];
        struct input_entry e;
        struct input_sources s;
        const char *why1 = NULL, *why2 = NULL;
        enum input_result r1 = input_parse_line(c->line, c->len, &e, &why1);
        enum input_result r2 = input_parse_sources(c->line, c->len, &s, &why2);
        bool multi = r2 == INPUT_ENTRY && s.nurls > 1;
        bool ok;

        if (multi) /* refused by input_parse_line, taken here */
            ok = r1 == INPUT_BAD && s.entry.kind == INPUT_URL;
        else
            ok = r1 == r2 && memcmp(&e, &s.entry, sizeof(e)) == 0 &&
                 (why1 == why2 || (why1 != NULL && why2 != NULL && strcmp(why1, why2) == 0)) &&
                 (r2 != INPUT_ENTRY ||
                  (e.kind == INPUT_NAME
                       ? s.nurls == 0
                       : s.nurls == 1 && s.urls[0].p == e.text.p && s.urls[0].len == e.text.len));
        if (!ok) {
            nbad++;
            print_error("row %zu: %s: line gave %d \"%s\", sources gave %d \"%s\" (%zu urls)\n", i,
                        c->what, (int)r1, why1 ? why1 : "", (int)r2, why2 ? why2 : "", s.nurls);
        }
    }
    if (nbad > 0)
        fail_msg("%d rows differ between input_parse_line and input_parse_sources", nbad);
}

#define U16                                                                                        \
    "http://h1/f\thttp://h2/f\thttp://h3/f\thttp://h4/f\thttp://h5/f\thttp://h6/f\thttp://h7/f\t"  \
    "http://h8/f\thttp://h9/f\thttp://h10/f\thttp://h11/f\thttp://h12/f\thttp://h13/f\t"           \
    "http://h14/f\thttp://h15/f\thttp://h16/f"

struct src_case {
    const char *what;
    const char *line;
    size_t len;
    enum input_result want;
    size_t nurls;
    const char *urls[3]; /* the first ones expected (up to nurls) */
    bool has_sha256;     /* HASH_LO's bytes */
    bool is_metalink;
    const char *why; /* INPUT_BAD: a part of the reason */
};

static const struct src_case src_cases[] = {
    {"two URLs separated by a TAB are two sources",
     S("http://a/f\thttps://b/f"),
     INPUT_ENTRY,
     2,
     {"http://a/f", "https://b/f"},
     false,
     false,
     NULL},
    {"three URLs and a last hash are three sources and the file's hash",
     S("http://a/f\thttp://b/f\thttp://c/f\t" HASH_LO),
     INPUT_ENTRY,
     3,
     {"http://a/f", "http://b/f", "http://c/f"},
     true,
     false,
     NULL},
    {"an uppercase hash after URLs is accepted",
     S("http://a/f\thttp://b/f\t" HASH_UP),
     INPUT_ENTRY,
     2,
     {"http://a/f", "http://b/f"},
     true,
     false,
     NULL},
    {"spaces around each field are trimmed",
     S("  http://a/f \t http://b/f  \t  " HASH_LO "  "),
     INPUT_ENTRY,
     2,
     {"http://a/f", "http://b/f"},
     true,
     false,
     NULL},
    {"a CRLF after several URLs is dropped",
     S("http://a/f\thttp://b/f\r"),
     INPUT_ENTRY,
     2,
     {"http://a/f", "http://b/f"},
     false,
     false,
     NULL},
    {"16 URLs, the most, are all sources",
     S(U16),
     INPUT_ENTRY,
     16,
     {"http://h1/f", "http://h2/f", "http://h3/f"},
     false,
     false,
     NULL},
    {"16 URLs and a hash are accepted",
     S(U16 "\t" HASH_LO),
     INPUT_ENTRY,
     16,
     {"http://h1/f", "http://h2/f", "http://h3/f"},
     true,
     false,
     NULL},
    {"a 17th URL is too many",
     S(U16 "\thttp://h17/f"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "more than 16 URLs"},
    {"the same URL twice is bad",
     S("http://a/f\thttp://b/f\thttp://a/f"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "the same URL is given twice"},
    {"one URL is one source", S("http://a/f"), INPUT_ENTRY, 1, {"http://a/f"}, false, false, NULL},
    {"one URL, spaces and a hash keep the old form",
     S("http://a/f  " HASH_LO),
     INPUT_ENTRY,
     1,
     {"http://a/f"},
     true,
     false,
     NULL},
    {"a name is no URL source", S("big.iso\t" HASH_LO), INPUT_ENTRY, 0, {NULL}, true, false, NULL},
    {"a .meta4 URL is a Metalink to fetch",
     S("https://h/iso/f.iso.meta4"),
     INPUT_ENTRY,
     1,
     {"https://h/iso/f.iso.meta4"},
     false,
     true,
     NULL},
    {"a .meta4 URL may carry the file's hash",
     S("https://h/f.meta4\t" HASH_LO),
     INPUT_ENTRY,
     1,
     {"https://h/f.meta4"},
     true,
     true,
     NULL},
    {"a .META4 URL in capitals is a Metalink",
     S("HTTP://H/F.META4"),
     INPUT_ENTRY,
     1,
     {"HTTP://H/F.META4"},
     false,
     true,
     NULL},
    {"a .meta4 path before a query is a Metalink",
     S("http://h/f.meta4?mirror=1"),
     INPUT_ENTRY,
     1,
     {"http://h/f.meta4?mirror=1"},
     false,
     true,
     NULL},
    {"a .meta4 only in the fragment is no Metalink",
     S("http://h/f.iso#x.meta4"),
     INPUT_ENTRY,
     1,
     {"http://h/f.iso#x.meta4"},
     false,
     false,
     NULL},
    {"a .meta4 only in the query is no Metalink",
     S("http://h/f.iso?x=.meta4"),
     INPUT_ENTRY,
     1,
     {"http://h/f.iso?x=.meta4"},
     false,
     false,
     NULL},
    {"a host ending in .meta4 is no Metalink",
     S("http://h.meta4"),
     INPUT_ENTRY,
     1,
     {"http://h.meta4"},
     false,
     false,
     NULL},
    {"a name with .meta4 inside is no Metalink",
     S("http://h/f.meta4.iso"),
     INPUT_ENTRY,
     1,
     {"http://h/f.meta4.iso"},
     false,
     false,
     NULL},
    {"a .meta4 URL among several is bad",
     S("http://a/f\thttp://b/f.meta4"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "must be alone on its line"},
    {"a name then a URL is bad",
     S("big.iso\thttp://h/a"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "not a SHA-256"},
    {"a URL then a name is bad",
     S("http://h/a\tbig.iso"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "each TAB-separated field must be an http:// or https:// URL"},
    {"an empty field between URLs is bad",
     S("http://a/f\t\thttp://b/f"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "each TAB-separated field"},
    {"a trailing TAB after URLs is bad",
     S("http://a/f\thttp://b/f\t"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "each TAB-separated field"},
    {"an ftp URL among http URLs is bad",
     S("http://a/f\tftp://b/f"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "each TAB-separated field"},
    {"a hash between URLs is bad",
     S("http://a/f\t" HASH_LO "\thttp://b/f"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "each TAB-separated field"},
    {"two hashes after URLs are bad",
     S("http://a/f\thttp://b/f\t" HASH_LO "\t" HASH_LO),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "each TAB-separated field"},
    {"a space inside one of several URLs is bad",
     S("http://a/f\thttp://b/f " HASH_LO),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "cannot contain spaces"},
    {"a URL without a host among several is bad",
     S("http://a/f\thttp:///f"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "not a usable URL"},
    {"a control byte in one of several URLs is bad",
     S("http://a/f\thttp://b/\x01"),
     INPUT_BAD,
     0,
     {NULL},
     false,
     false,
     "not a usable URL"},
    {"a comment with TABs is skipped",
     S("#http://a/f\thttp://b/f"),
     INPUT_SKIP,
     0,
     {NULL},
     false,
     false,
     NULL},
};

static void test_input_parse_sources(void **state)
{
    uint8_t want_sha[SHA256_LEN];
    int nbad = 0;

    (void)state;
    assert_true(decode_hex(HASH_LO, strlen(HASH_LO), want_sha, SHA256_LEN));
    for (size_t i = 0; i < sizeof(src_cases) / sizeof(src_cases[0]); i++) {
        const struct src_case *c = &src_cases[i];
        struct input_sources s;
        const char *why = "not touched";
        enum input_result r;
        bool ok;

        memset(&s, 0xa5, sizeof(s));
        r = input_parse_sources(c->line, c->len, &s, &why);
        ok = r == c->want;
        if (ok && r == INPUT_ENTRY) {
            ok = why == NULL && s.nurls == c->nurls && s.is_metalink == c->is_metalink &&
                 s.entry.has_sha256 == c->has_sha256 &&
                 (!c->has_sha256 || memcmp(s.entry.sha256, want_sha, SHA256_LEN) == 0) &&
                 s.entry.kind == (c->nurls > 0 ? INPUT_URL : INPUT_NAME);
            for (size_t k = 0; ok && k < c->nurls && k < 3; k++)
                ok = strlen(c->urls[k]) == s.urls[k].len &&
                     memcmp(s.urls[k].p, c->urls[k], s.urls[k].len) == 0 &&
                     s.urls[k].p >= c->line && s.urls[k].p + s.urls[k].len <= c->line + c->len;
            ok = ok && (c->nurls == 0 ||
                        (s.entry.text.p == s.urls[0].p && s.entry.text.len == s.urls[0].len));
        } else if (ok) {
            static const struct input_sources zero;

            ok = memcmp(&s, &zero, sizeof(s)) == 0 &&
                 (r == INPUT_SKIP ? why == NULL : why != NULL && strstr(why, c->why) != NULL);
        }
        if (!ok) {
            nbad++;
            print_error("row %zu: %s: gave %d (%zu urls, sha %d, metalink %d, why \"%s\")\n", i,
                        c->what, (int)r, r == INPUT_ENTRY ? s.nurls : 0,
                        r == INPUT_ENTRY ? (int)s.entry.has_sha256 : 0,
                        r == INPUT_ENTRY ? (int)s.is_metalink : 0, why ? why : "(null)");
        }
    }
    if (nbad > 0)
        fail_msg("%d input_parse_sources rows failed", nbad);
}

/* The reason a bad name gives is common/name.h's, so the user sees what rule it broke. */
static void test_input_bad_name_reason(void **state)
{
    struct input_entry e;
    const char *why = NULL;

    (void)state;
    assert_int_equal(input_parse_line(S(".hidden"), &e, &why), INPUT_BAD);
    assert_string_equal(why, name_strerror(NAME_DOT));
    assert_int_equal(input_parse_line(S("a/.b"), &e, &why), INPUT_BAD);
    assert_string_equal(why, name_strerror(NAME_DOT));
    assert_int_equal(input_parse_line(S("a//b"), &e, &why), INPUT_BAD);
    assert_string_equal(why, name_strerror(NAME_EMPTY_COMPONENT));
    assert_int_equal(input_parse_line(S("a\x01"), &e, &why), INPUT_BAD);
    assert_string_equal(why, name_strerror(NAME_CONTROL));
}

struct url_case {
    const char *what;
    const char *s;
    size_t len;
    bool want;
};

static const struct url_case url_cases[] = {
    {"http:// and a host is a URL", S("http://h"), true},
    {"https:// and a host is a URL", S("https://h/x"), true},
    {"an uppercase scheme is a URL", S("HTTPS://H/X"), true},
    {"a mixed-case scheme is a URL", S("hTtP://h"), true},
    {"only LEN bytes count, and a URL prefix within them is enough", "http://hxyz", 8, true},
    {"an empty string is not a URL", S(""), false},
    {"\"http\" alone is not a URL", S("http"), false},
    {"\"http:/\" is not a URL", S("http:/x"), false},
    {"\"https:/\" is not a URL", S("https:/x"), false},
    {"ftp:// is not a URL", S("ftp://h"), false},
    {"httpx:// is not a URL", S("httpx://h"), false},
    {"a leading space is not a URL", S(" http://h"), false},
    {"a name is not a URL", S("big.iso"), false},
    {"a name containing http:// later is not a URL", S("see http://h"), false},
};

static void test_input_is_url(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
        const struct url_case *c = &url_cases[i];
        bool got = input_is_url(c->s, c->len);

        if (got != c->want) {
            nbad++;
            print_error("row %zu: %s: \"%.*s\" gave %d\n", i, c->what, (int)c->len, c->s, got);
        }
    }
    if (nbad > 0)
        fail_msg("%d input_is_url rows failed", nbad);
}

/* ---- input_url_ok ---- */

static const struct url_case url_ok_cases[] = {
    {"an http URL with a host and a path is usable", S("http://h/a.iso"), true},
    {"an https URL of a bare host is usable", S("HTTPS://h"), true},
    {"a URL with a port, a query and a fragment is usable", S("http://127.0.0.1:8080/a?b#c"), true},
    {"only the LEN bytes given are looked at", "http://h/a b", 10, true},
    {"another scheme is not usable", S("ftp://h/a"), false},
    {"an empty host is not usable", S("http:///a"), false},
    {"a host that is only a query is not usable", S("https://?q"), false},
    {"a space inside is not usable", S("http://h/a b"), false},
    {"a TAB inside is not usable", S("http://h/a\tb"), false},
    {"a NUL inside is not usable", S("http://h/a\0b"), false},
    {"a DEL inside is not usable", S("http://h/a\x7f"), false},
    {"\"http://\" alone is not usable", S("http://"), false},
};

static void test_input_url_ok(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(url_ok_cases) / sizeof(url_ok_cases[0]); i++) {
        const struct url_case *c = &url_ok_cases[i];
        bool got = input_url_ok(c->s, c->len);

        if (got != c->want) {
            nbad++;
            print_error("row %zu: %s: \"%.*s\" gave %d\n", i, c->what, (int)c->len, c->s, got);
        }
    }
    if (nbad > 0)
        fail_msg("%d input_url_ok rows failed", nbad);
}

/* ---- input_has_scheme ---- */

static const struct url_case scheme_cases[] = {
    {"ftp:// has a scheme", S("ftp://h/a"), true},
    {"http:// has a scheme", S("http://h/a"), true},
    {"a scheme with digits, '+', '-' and '.' counts", S("svn+ssh-2.x://h"), true},
    {"an upper-case scheme counts", S("FILE:///etc/passwd"), true},
    {"a scheme must start with a letter", S("1ftp://h"), false},
    {"a name with a colon is not a URL", S("notes: 2026.txt"), false},
    {"'://' alone has no scheme", S("://h"), false},
    {"a scheme without '//' is not taken for one", S("mailto:a@b"), false},
    {"a plain name has no scheme", S("big.iso"), false},
    {"a path has no scheme", S("iso/debian.iso"), false},
    {"the length given is respected", "ftp://h", 4, false},
};

static void test_input_has_scheme(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(scheme_cases) / sizeof(scheme_cases[0]); i++) {
        const struct url_case *c = &scheme_cases[i];
        bool got = input_has_scheme(c->s, c->len);

        if (got != c->want) {
            nbad++;
            print_error("row %zu: %s: \"%.*s\" gave %d\n", i, c->what, (int)c->len, c->s, got);
        }
    }
    if (nbad > 0)
        fail_msg("%d input_has_scheme rows failed", nbad);
}

/* Another scheme on a queue line gets a reason that says so. */
static void test_input_other_scheme_reason(void **state)
{
    struct input_entry e;
    const char *why = NULL;

    (void)state;
    assert_int_equal(input_parse_line(S("ftp://h/a.iso"), &e, &why), INPUT_BAD);
    assert_non_null(strstr(why, "http:// and https://"));
}

struct fname_case {
    const char *what;
    const char *url;
    size_t cap;
    bool want;
    const char *name; /* when want */
};

static const struct fname_case fname_cases[] = {
    {"the last path segment is the name", "http://h/dir/file.txt", 256, true, "file.txt"},
    {"a segment right after the host is the name", "http://h/file.txt", 256, true, "file.txt"},
    {"a port does not confuse the parse", "http://h:8080/a/b.iso", 256, true, "b.iso"},
    {"an https URL works alike", "HTTPS://h/x/y.bin", 256, true, "y.bin"},
    {"a segment is percent-decoded", "http://h/a%20b.txt", 256, true, "a b.txt"},
    {"uppercase and lowercase escapes decode", "http://h/%41%6a.txt", 256, true, "Aj.txt"},
    {"UTF-8 escapes decode to a UTF-8 name", "http://h/caf%C3%A9", 256, true, "caf\xc3\xa9"},
    {"a query is stripped", "http://h/f.txt?x=1&y=2", 256, true, "f.txt"},
    {"a query holding slashes is stripped first", "http://h/f.txt?u=http://x/y/z", 256, true,
     "f.txt"},
    {"a fragment is stripped", "http://h/f.txt#part", 256, true, "f.txt"},
    {"a query and a fragment are stripped", "http://h/f.txt?q#frag", 256, true, "f.txt"},
    {"a '?' inside the fragment is stripped with it", "http://h/f.txt#a?b", 256, true, "f.txt"},
    {"a trailing slash gives index.html", "http://h/dir/", 256, true, "index.html"},
    {"a bare host gives index.html", "http://h", 256, true, "index.html"},
    {"a host and '/' give index.html", "http://h/", 256, true, "index.html"},
    {"a host and a query give index.html", "http://h?x=/y", 256, true, "index.html"},
    {"a trailing slash before a query gives index.html", "http://h/d/?x=1", 256, true,
     "index.html"},
    {"a segment decoding to \"..\" gives no name", "http://h/%2e%2e", 256, false, NULL},
    {"a segment decoding to \".\" gives no name", "http://h/a/%2E", 256, false, NULL},
    {"a hidden name gives no name", "http://h/.hidden", 256, false, NULL},
    {"an encoded slash gives no name", "http://h/a%2Fb", 256, false, NULL},
    {"an encoded NUL gives no name", "http://h/a%00b", 256, false, NULL},
    {"an encoded control character gives no name", "http://h/a%0Ab", 256, false, NULL},
    {"an encoded '#' at the start gives no name", "http://h/%23x", 256, false, NULL},
    {"an escape without hex digits gives no name", "http://h/a%zz", 256, false, NULL},
    {"a cut escape gives no name", "http://h/a%2", 256, false, NULL},
    {"a decoded name that is not UTF-8 gives no name", "http://h/a%FF", 256, false, NULL},
    {"a name of NAME_MAX_LEN bytes fits a large buffer", "http://h/" X255, 512, true, X255},
    {"a name over NAME_MAX_LEN gives no name", "http://h/" X256, 512, false, NULL},
    {"a buffer of exactly the name and its NUL is enough", "http://h/file.txt", 9, true,
     "file.txt"},
    {"a buffer one byte too small gives no name", "http://h/file.txt", 8, false, NULL},
    {"a buffer of one byte gives no name", "http://h/file.txt", 1, false, NULL},
    {"a buffer of exactly \"index.html\" and its NUL is enough", "http://h/", 11, true,
     "index.html"},
    {"a buffer too small for index.html gives no name", "http://h/", 10, false, NULL},
};

static void test_input_url_filename(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(fname_cases) / sizeof(fname_cases[0]); i++) {
        const struct fname_case *c = &fname_cases[i];
        char out[600];
        bool got;

        memset(out, 'Z', sizeof(out));
        got = input_url_filename(c->url, strlen(c->url), out, c->cap);
        /* Nothing is written past CAP. */
        if (got != c->want || (got && strcmp(out, c->name) != 0) || out[c->cap] != 'Z') {
            nbad++;
            print_error("row %zu: %s: \"%s\" (cap %zu) gave %d \"%.*s\"\n", i, c->what, c->url,
                        c->cap, got, got ? (int)c->cap : 0, out);
        }
    }
    if (nbad > 0)
        fail_msg("%d input_url_filename rows failed", nbad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_parse_line),
        cmocka_unit_test(test_input_sources_same_as_line),
        cmocka_unit_test(test_input_parse_sources),
        cmocka_unit_test(test_input_bad_name_reason),
        cmocka_unit_test(test_input_is_url),
        cmocka_unit_test(test_input_url_ok),
        cmocka_unit_test(test_input_has_scheme),
        cmocka_unit_test(test_input_other_scheme_reason),
        cmocka_unit_test(test_input_url_filename),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
