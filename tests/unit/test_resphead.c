/*
 * tests/unit/test_resphead.c - client/resphead.c: response header lines
 * into struct fetch_info (resphead_parse_line), digest header values
 * (resphead_repr_digest, RFC 9530; resphead_digest, RFC 3230) and the
 * redirect statuses, one row per behaviour.
 *
 * A head row is a sequence of lines fed to one struct fetch_info, each
 * with the result it must give, and the fields the struct must end with.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "client/resphead.h"

/* Base64 of the bytes 0..31, of 32..63, and of 0..63 (a SHA-512's length). */
#define B64_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define B64_B "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
#define B64_64                                                                                     \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
#define B64_31    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="
#define B64_BAD   "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8*"
#define B64_NOPAD "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

enum digest_want {
    DIG_NONE, /* no SHA-256 */
    DIG_A,    /* the bytes 0..31 */
    DIG_B,    /* the bytes 32..63 */
};

static void digest_bytes(enum digest_want d, uint8_t out[SHA256_LEN])
{
    for (int i = 0; i < SHA256_LEN; i++)
        out[i] = (uint8_t)(d == DIG_B ? 32 + i : i);
}

/* ---- resphead_parse_line ---- */

#define MAX_LINES 10

struct line {
    const char *text; /* NULL ends the list */
    enum resphead_line want;
};

struct head_case {
    const char *what; /* the behaviour, stated as a fact */
    struct line lines[MAX_LINES];
    long status;
    bool has_content_range;
    uint64_t cr_first, cr_last, cr_size;
    bool has_length;
    uint64_t length;
    const char *etag;
    const char *last_modified;
    enum digest_want digest;
};

#define ST RESPHEAD_STATUS
#define FI RESPHEAD_FIELD
#define EN RESPHEAD_END
#define BA RESPHEAD_BAD

static const struct head_case head_cases[] = {
    {"a full 206 head fills every field",
     {{"HTTP/1.1 206 Partial Content\r\n", ST},
      {"Content-Range: bytes 0-99/1000\r\n", FI},
      {"Content-Length: 100\r\n", FI},
      {"ETag: \"abc-123\"\r\n", FI},
      {"Last-Modified: Sat, 21 Nov 2026 05:46:19 GMT\r\n", FI},
      {"Repr-Digest: sha-256=:" B64_A ":\r\n", FI},
      {"\r\n", EN}},
     206,
     true,
     0,
     99,
     1000,
     true,
     100,
     "\"abc-123\"",
     "Sat, 21 Nov 2026 05:46:19 GMT",
     DIG_A},
    {"a 200 has a length and no range",
     {{"HTTP/1.1 200 OK\r\n", ST},
      {"Content-Type: application/octet-stream\r\n", FI},
      {"Content-Length: 1000\r\n", FI},
      {"\r\n", EN}},
     200,
     false,
     0,
     0,
     0,
     true,
     1000,
     "",
     "",
     DIG_NONE},
    {"an HTTP/2 status line without a reason phrase is read",
     {{"HTTP/2 206 \r\n", ST}, {"content-range: bytes 5-9/10\r\n", FI}, {"\r\n", EN}},
     206,
     true,
     5,
     9,
     10,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a status line with the code alone is read",
     {{"HTTP/1.0 404", ST}},
     404,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a status line resets what an earlier response set (302 then 200)",
     {{"HTTP/1.1 302 Found\r\n", ST},
      {"Location: http://h/y\r\n", FI},
      {"ETag: \"old\"\r\n", FI},
      {"Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n", FI},
      {"Content-Length: 5\r\n", FI},
      {"Content-Range: bytes 0-4/5\r\n", FI},
      {"Repr-Digest: sha-256=:" B64_B ":\r\n", FI},
      {"\r\n", EN},
      {"HTTP/1.1 200 OK\r\n", ST},
      {"Content-Length: 7\r\n", FI}},
     200,
     false,
     0,
     0,
     0,
     true,
     7,
     "",
     "",
     DIG_NONE},
    {"a 100 Continue is replaced by the final response",
     {{"HTTP/1.1 100 Continue\r\n", ST},
      {"\r\n", EN},
      {"HTTP/1.1 206 Partial Content\r\n", ST},
      {"Content-Range: bytes 10-19/20\r\n", FI},
      {"\r\n", EN}},
     206,
     true,
     10,
     19,
     20,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a weak ETag is dropped",
     {{"HTTP/1.1 200 OK", ST}, {"ETag: W/\"abc\"", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"an unquoted ETag is dropped",
     {{"HTTP/1.1 200 OK", ST}, {"ETag: abc", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"an empty ETag is dropped",
     {{"HTTP/1.1 200 OK", ST}, {"ETag:", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"an empty quoted ETag is kept",
     {{"HTTP/1.1 200 OK", ST}, {"ETag: \"\"", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "\"\"",
     "",
     DIG_NONE},
    {"spaces and tabs around a value are trimmed",
     {{"HTTP/1.1 200 OK", ST}, {"ETag: \t \"x\" \t\r\n", FI}, {"Content-Length:   42  ", FI}},
     200,
     false,
     0,
     0,
     0,
     true,
     42,
     "\"x\"",
     "",
     DIG_NONE},
    {"header names match in any case",
     {{"HTTP/1.1 206 Partial Content", ST},
      {"CONTENT-RANGE: bytes 0-0/1", FI},
      {"content-length: 1", FI},
      {"etag: \"e\"", FI},
      {"LAST-modified: x", FI},
      {"rEpR-dIgEsT: sha-256=:" B64_A ":", FI}},
     206,
     true,
     0,
     0,
     1,
     true,
     1,
     "\"e\"",
     "x",
     DIG_A},
    {"lines without CRLF are read alike",
     {{"HTTP/1.1 206 Partial Content", ST},
      {"Content-Range: bytes 0-99/1000", FI},
      {"Content-Length: 100", FI},
      {"ETag: \"abc\"", FI},
      {"", EN}},
     206,
     true,
     0,
     99,
     1000,
     true,
     100,
     "\"abc\"",
     "",
     DIG_NONE},
    {"lines with a bare LF are read alike",
     {{"HTTP/1.1 206 Partial Content\n", ST},
      {"Content-Range: bytes 0-99/1000\n", FI},
      {"ETag: \"abc\"\n", FI},
      {"\n", EN}},
     206,
     true,
     0,
     99,
     1000,
     false,
     0,
     "\"abc\"",
     "",
     DIG_NONE},
    {"an unknown header is a field that changes nothing",
     {{"HTTP/1.1 200 OK", ST}, {"X-Whatever: 1", FI}, {"Server: pdm", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a field with an empty value is a field",
     {{"HTTP/1.1 200 OK", ST}, {"X-Empty:", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a bad Content-Length gives no length and marks the head malformed",
     {{"HTTP/1.1 200 OK", ST}, {"Content-Length: 12abc", BA}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a negative Content-Length gives no length and marks the head malformed",
     {{"HTTP/1.1 200 OK", ST}, {"Content-Length: -1", BA}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"an overflowing Content-Length gives no length and marks the head malformed",
     {{"HTTP/1.1 200 OK", ST}, {"Content-Length: 18446744073709551616", BA}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a bad Content-Range gives no range",
     {{"HTTP/1.1 206 Partial Content", ST}, {"Content-Range: bytes 0-1000/1000", FI}},
     206,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a 416 Content-Range is read as such",
     {{"HTTP/1.1 416 Range Not Satisfiable", ST}, {"Content-Range: bytes */1000", FI}},
     416,
     true,
     0,
     0,
     1000,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"the blank line ends the head", {{"\r\n", EN}}, 0, false, 0, 0, 0, false, 0, "", "", DIG_NONE},
    {"a bare LF ends the head", {{"\n", EN}}, 0, false, 0, 0, 0, false, 0, "", "", DIG_NONE},
    {"an empty line ends the head", {{"", EN}}, 0, false, 0, 0, 0, false, 0, "", "", DIG_NONE},
    {"a line without a colon is bad, and changes nothing",
     {{"HTTP/1.1 200 OK", ST}, {"Content-Length: 5", FI}, {"garbage line\r\n", BA}},
     200,
     false,
     0,
     0,
     0,
     true,
     5,
     "",
     "",
     DIG_NONE},
    {"a status that is not a number is bad",
     {{"HTTP/1.1 abc OK\r\n", BA}},
     0,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a version without a status is bad",
     {{"HTTP/1.1\r\n", BA}},
     0,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a two-digit status is bad",
     {{"HTTP/1.1 20\r\n", BA}},
     0,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a status with a sign is bad",
     {{"HTTP/1.1 +20 OK", BA}},
     0,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a four-digit status is bad (RFC 9112 4: status-code = 3DIGIT)",
     {{"HTTP/1.1 2000 OK\r\n", BA}},
     0,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"a bad status line still resets the earlier response",
     {{"HTTP/1.1 200 OK", ST}, {"ETag: \"a\"", FI}, {"HTTP/1.1 xyz", BA}},
     0,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
    {"Digest gives a SHA-256 when there is no Repr-Digest",
     {{"HTTP/1.1 200 OK", ST}, {"Digest: SHA-256=" B64_A, FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_A},
    {"Digest does not override an earlier Repr-Digest",
     {{"HTTP/1.1 200 OK", ST},
      {"Repr-Digest: sha-256=:" B64_A ":", FI},
      {"Digest: SHA-256=" B64_B, FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_A},
    {"a later Repr-Digest replaces an earlier Digest",
     {{"HTTP/1.1 200 OK", ST},
      {"Digest: SHA-256=" B64_B, FI},
      {"Repr-Digest: sha-256=:" B64_A ":", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_A},
    {"an unusable Repr-Digest keeps the Digest's value",
     {{"HTTP/1.1 200 OK", ST},
      {"Digest: SHA-256=" B64_B, FI},
      {"Repr-Digest: sha-512=:" B64_64 ":", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_B},
    {"a Repr-Digest without SHA-256 gives no digest",
     {{"HTTP/1.1 200 OK", ST}, {"Repr-Digest: sha-512=:" B64_64 ":", FI}},
     200,
     false,
     0,
     0,
     0,
     false,
     0,
     "",
     "",
     DIG_NONE},
};

static void test_resphead_lines(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(head_cases) / sizeof(head_cases[0]); i++) {
        const struct head_case *c = &head_cases[i];
        struct fetch_info info;
        uint8_t want_sha[SHA256_LEN];
        const char *err = NULL;
        size_t k;

        memset(&info, 0, sizeof(info));
        for (k = 0; k < MAX_LINES && c->lines[k].text != NULL && err == NULL; k++) {
            const struct line *l = &c->lines[k];
            enum resphead_line r = resphead_parse_line(&info, l->text, strlen(l->text));

            if (r != l->want)
                err = "a line gave another result";
        }
        digest_bytes(c->digest, want_sha);
        if (err != NULL)
            k--;
        else if (info.status != c->status)
            err = "status";
        else if (info.has_content_range != c->has_content_range ||
                 (c->has_content_range && (info.content_range.range.first != c->cr_first ||
                                           info.content_range.range.last != c->cr_last ||
                                           info.content_range.size != c->cr_size)))
            err = "content range";
        else if (info.has_length != c->has_length || (c->has_length && info.length != c->length))
            err = "content length";
        else if (strcmp(info.etag, c->etag) != 0)
            err = "etag";
        else if (strcmp(info.last_modified, c->last_modified) != 0)
            err = "last-modified";
        else if (info.has_digest != (c->digest != DIG_NONE) ||
                 (c->digest != DIG_NONE && memcmp(info.sha256, want_sha, SHA256_LEN) != 0))
            err = "digest";
        if (err != NULL) {
            nbad++;
            print_error("row %zu: %s: %s (line %zu; status %ld, range %d %" PRIu64 "-%" PRIu64
                        "/%" PRIu64 ", length %d %" PRIu64 ", etag '%s', lm '%s', digest %d)\n",
                        i, c->what, err, k, info.status, info.has_content_range,
                        info.content_range.range.first, info.content_range.range.last,
                        info.content_range.size, info.has_length, info.length, info.etag,
                        info.last_modified, info.has_digest);
        }
    }
    if (nbad > 0)
        fail_msg("%d resphead_parse_line rows failed", nbad);
}

/* ---- the fields that decide whether a response may be used ---- */

struct use_case {
    const char *what;
    const char *lines[MAX_LINES]; /* NULL ends the list */
    const char *content_encoding; /* what info.content_encoding must be */
    const char *retry_after;
    const char *date;
    bool is_bad; /* info.bad_line must be set */
};

static const struct use_case use_cases[] = {
    {"no Content-Encoding leaves it empty",
     {"HTTP/1.1 200 OK", "Content-Length: 1"},
     "",
     "",
     "",
     false},
    {"Content-Encoding: gzip is kept",
     {"HTTP/1.1 200 OK", "Content-Encoding: gzip"},
     "gzip",
     "",
     "",
     false},
    {"a list of codings is kept whole",
     {"HTTP/1.1 200 OK", "Content-Encoding: gzip, br"},
     "gzip, br",
     "",
     "",
     false},
    {"identity is no encoding at all",
     {"HTTP/1.1 200 OK", "content-encoding: Identity"},
     "",
     "",
     "",
     false},
    {"an empty Content-Encoding is no encoding",
     {"HTTP/1.1 200 OK", "Content-Encoding:"},
     "",
     "",
     "",
     false},
    {"a status line starts afresh: a redirect's encoding is forgotten",
     {"HTTP/1.1 302 Found", "Content-Encoding: gzip", "", "HTTP/1.1 200 OK"},
     "",
     "",
     "",
     false},
    {"Retry-After and Date are kept as sent",
     {"HTTP/1.1 503 Service Unavailable", "Retry-After: 120",
      "Date: Tue, 01 Dec 2026 10:00:00 GMT"},
     "",
     "120",
     "Tue, 01 Dec 2026 10:00:00 GMT",
     false},
    {"a header line without a colon marks the head malformed",
     {"HTTP/1.1 200 OK", "this is not a header"},
     "",
     "",
     "",
     true},
    {"a space before the colon marks the head malformed",
     {"HTTP/1.1 200 OK", "Content-Length : 5"},
     "",
     "",
     "",
     true},
    {"an empty field name marks the head malformed", {"HTTP/1.1 200 OK", ": x"}, "", "", "", true},
    {"a folded continuation line is accepted",
     {"HTTP/1.1 200 OK", "X-Long: a", " b"},
     "",
     "",
     "",
     false},
    {"two different Content-Lengths mark the head malformed",
     {"HTTP/1.1 200 OK", "Content-Length: 5", "Content-Length: 6"},
     "",
     "",
     "",
     true},
    {"the same Content-Length twice is fine",
     {"HTTP/1.1 200 OK", "Content-Length: 5", "Content-Length: 5"},
     "",
     "",
     "",
     false},
    {"a transfer coding other than chunked marks the head malformed",
     {"HTTP/1.1 200 OK", "Transfer-Encoding: gzip, chunked"},
     "",
     "",
     "",
     true},
    {"chunked alone is fine", {"HTTP/1.1 200 OK", "Transfer-Encoding: chunked"}, "", "", "", false},
    {"a status line with letters marks the head malformed", {"HTTP/1.1 2x0 OK"}, "", "", "", true},
};

static void test_resphead_use_fields(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(use_cases); i++) {
        const struct use_case *c = &use_cases[i];
        struct fetch_info info;

        memset(&info, 0, sizeof(info));
        for (size_t k = 0; k < MAX_LINES && c->lines[k] != NULL; k++)
            (void)resphead_parse_line(&info, c->lines[k], strlen(c->lines[k]));
        if (strcmp(info.content_encoding, c->content_encoding) != 0)
            row_fail(&t, c->what, "content encoding '%s'", info.content_encoding);
        else if (strcmp(info.retry_after, c->retry_after) != 0)
            row_fail(&t, c->what, "retry-after '%s'", info.retry_after);
        else if (strcmp(info.date, c->date) != 0)
            row_fail(&t, c->what, "date '%s'", info.date);
        else if ((info.bad_line != NULL) != c->is_bad)
            row_fail(&t, c->what, "bad line %s", info.bad_line ? info.bad_line : "(none)");
    }
    tally_end(&t, NROWS(use_cases));
}

/* ---- resphead_status_words ---- */

static void test_resphead_status_words(void **state)
{
    (void)state;
    assert_string_equal(resphead_status_words(404), "not found on the server");
    assert_string_equal(resphead_status_words(410), "not found on the server");
    assert_string_equal(resphead_status_words(503), "the server is unavailable");
    /* Every status gets words, never an empty string. */
    for (long st = 100; st < 600; st++)
        assert_true(resphead_status_words(st)[0] != '\0');
}

/* A validator longer than the struct holds is dropped, not cut. */
static void test_resphead_long_validators(void **state)
{
    char line[FETCH_VALIDATOR_MAX + 64];
    struct fetch_info info;
    size_t n;

    (void)state;
    memset(&info, 0, sizeof(info));
    /* The longest ETag that fits is kept whole. */
    n = (size_t)snprintf(line, sizeof(line), "ETag: \"");
    memset(line + n, 'e', FETCH_VALIDATOR_MAX - 3);
    n += FETCH_VALIDATOR_MAX - 3;
    line[n++] = '"';
    assert_int_equal(resphead_parse_line(&info, line, n), RESPHEAD_FIELD);
    assert_int_equal(strlen(info.etag), FETCH_VALIDATOR_MAX - 1);
    /* One byte more is dropped. */
    line[n - 1] = 'e';
    line[n++] = '"';
    assert_int_equal(resphead_parse_line(&info, line, n), RESPHEAD_FIELD);
    assert_string_equal(info.etag, "");

    n = (size_t)snprintf(line, sizeof(line), "Last-Modified: ");
    memset(line + n, 'l', FETCH_VALIDATOR_MAX);
    n += FETCH_VALIDATOR_MAX;
    assert_int_equal(resphead_parse_line(&info, line, n), RESPHEAD_FIELD);
    assert_string_equal(info.last_modified, "");
}

/* Only LEN bytes are read: a line need not be NUL-terminated. */
static void test_resphead_len_bounds(void **state)
{
    static const char buf[] = "Content-Length: 12345";
    struct fetch_info info;

    (void)state;
    memset(&info, 0, sizeof(info));
    assert_int_equal(resphead_parse_line(&info, buf, sizeof(buf) - 1 - 2), RESPHEAD_FIELD);
    assert_true(info.has_length);
    assert_int_equal(info.length, 123);
}

/* ---- resphead_repr_digest and resphead_digest ---- */

struct dig_case {
    const char *what;
    const char *value;
    enum digest_want want;
};

static const struct dig_case repr_cases[] = {
    {"a lone sha-256 is read", "sha-256=:" B64_A ":", DIG_A},
    {"other algorithms before sha-256 are skipped", "sha-512=:" B64_64 ":, sha-256=:" B64_A ":",
     DIG_A},
    {"other algorithms after sha-256 are ignored", "sha-256=:" B64_B ":, sha-512=:" B64_64 ":",
     DIG_B},
    {"several other algorithms are skipped", "md5=:AAAA:,unixsum=:AAAA:, sha-256=:" B64_A ":",
     DIG_A},
    {"spaces around list items are allowed", "  sha-256=:" B64_A ":  ", DIG_A},
    {"an invalid sha-256 is skipped for a later valid one",
     "sha-256=:" B64_BAD ":, sha-256=:" B64_B ":", DIG_B},
    {"an empty value gives nothing", "", DIG_NONE},
    {"an empty list gives nothing", " , ,", DIG_NONE},
    {"only sha-512 gives nothing", "sha-512=:" B64_64 ":", DIG_NONE},
    {"a sha-256 without colons gives nothing", "sha-256=" B64_A, DIG_NONE},
    {"a sha-256 without the closing colon gives nothing", "sha-256=:" B64_A, DIG_NONE},
    {"a sha-256 without the opening colon gives nothing", "sha-256=" B64_A ":", DIG_NONE},
    {"a sha-256 of two colons gives nothing", "sha-256=::", DIG_NONE},
    {"a lone colon gives nothing", "sha-256=:", DIG_NONE},
    {"a bad base64 character gives nothing", "sha-256=:" B64_BAD ":", DIG_NONE},
    {"base64 without its padding gives nothing", "sha-256=:" B64_NOPAD ":", DIG_NONE},
    {"a sha-512 value under the sha-256 key gives nothing", "sha-256=:" B64_64 ":", DIG_NONE},
    {"a 31-byte value gives nothing", "sha-256=:" B64_31 ":", DIG_NONE},
    {"a key without '=' gives nothing", "sha-256", DIG_NONE},
    {"a longer key containing sha-256 gives nothing", "x-sha-256=:" B64_A ":", DIG_NONE},
};

static const struct dig_case digest_cases[] = {
    {"SHA-256= is read", "SHA-256=" B64_A, DIG_A},
    {"sha-256= in lowercase is read", "sha-256=" B64_A, DIG_A},
    {"Sha-256= in mixed case is read", "Sha-256=" B64_B, DIG_B},
    {"other algorithms before SHA-256 are skipped", "MD5=HUXZLQLMuI/KZ5KDcJPcOA==,SHA-256=" B64_A,
     DIG_A},
    {"spaces in the list are allowed", "UNIXsum=30637 , SHA-256=" B64_A " ", DIG_A},
    {"an invalid SHA-256 is skipped for a later valid one", "SHA-256=" B64_BAD ",SHA-256=" B64_B,
     DIG_B},
    {"an empty value gives nothing", "", DIG_NONE},
    {"only SHA-512 gives nothing", "SHA-512=" B64_64, DIG_NONE},
    {"a Repr-Digest style value gives nothing", "sha-256=:" B64_A ":", DIG_NONE},
    {"bad base64 gives nothing", "SHA-256=" B64_BAD, DIG_NONE},
    {"base64 without its padding gives nothing", "SHA-256=" B64_NOPAD, DIG_NONE},
    {"a SHA-512 value under the SHA-256 key gives nothing", "SHA-256=" B64_64, DIG_NONE},
    {"an empty SHA-256 gives nothing", "SHA-256=", DIG_NONE},
    {"a key without '=' gives nothing", "SHA-256", DIG_NONE},
};

static int check_digest_rows(const char *fn, bool (*parse)(const char *, size_t, uint8_t *),
                             const struct dig_case *rows, size_t n)
{
    int nbad = 0;

    for (size_t i = 0; i < n; i++) {
        const struct dig_case *c = &rows[i];
        uint8_t got[SHA256_LEN], want[SHA256_LEN];
        bool r;

        memset(got, 0xee, sizeof(got));
        digest_bytes(c->want, want);
        r = parse(c->value, strlen(c->value), got);
        if (r != (c->want != DIG_NONE) ||
            (c->want != DIG_NONE && memcmp(got, want, SHA256_LEN) != 0)) {
            nbad++;
            print_error("%s row %zu: %s: \"%s\" gave %d\n", fn, i, c->what, c->value, r);
        }
    }
    return nbad;
}

static void test_resphead_repr_digest(void **state)
{
    int nbad = check_digest_rows("resphead_repr_digest", resphead_repr_digest, repr_cases,
                                 sizeof(repr_cases) / sizeof(repr_cases[0]));

    (void)state;
    if (nbad > 0)
        fail_msg("%d resphead_repr_digest rows failed", nbad);
}

static void test_resphead_digest(void **state)
{
    int nbad = check_digest_rows("resphead_digest", resphead_digest, digest_cases,
                                 sizeof(digest_cases) / sizeof(digest_cases[0]));

    (void)state;
    if (nbad > 0)
        fail_msg("%d resphead_digest rows failed", nbad);
}

/* ---- resphead_is_redirect ---- */

struct redirect_case {
    const char *what;
    long status;
    bool want;
};

static const struct redirect_case redirect_cases[] = {
    {"301 Moved Permanently is a redirect", 301, true},
    {"302 Found is a redirect", 302, true},
    {"303 See Other is a redirect", 303, true},
    {"307 Temporary Redirect is a redirect", 307, true},
    {"308 Permanent Redirect is a redirect", 308, true},
    {"300 Multiple Choices is not followed", 300, false},
    {"304 Not Modified is not a redirect", 304, false},
    {"305 Use Proxy is not followed", 305, false},
    {"306 (unused) is not followed", 306, false},
    {"309 is not a redirect", 309, false},
    {"200 is not a redirect", 200, false},
    {"206 is not a redirect", 206, false},
    {"0 is not a redirect", 0, false},
    {"-302 is not a redirect", -302, false},
};

static void test_resphead_is_redirect(void **state)
{
    int nbad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(redirect_cases) / sizeof(redirect_cases[0]); i++) {
        const struct redirect_case *c = &redirect_cases[i];

        if (resphead_is_redirect(c->status) != c->want) {
            nbad++;
            print_error("row %zu: %s: gave %d\n", i, c->what, !c->want);
        }
    }
    if (nbad > 0)
        fail_msg("%d resphead_is_redirect rows failed", nbad);
}

/* ---- resphead_parse_link, resphead_link_resolve ---- */

#define META_TYPE "type=\"application/metalink4+xml\""

struct link_case {
    const char *what;
    const char *value;
    bool want_ok;
    unsigned nduplicate;
    const char *describedby;
};

static const struct link_case link_cases[] = {
    {"an empty value holds no link", "", true, 0, ""},
    {"a mirror is counted", "<http://m/f>; rel=duplicate", true, 1, ""},
    {"the Metalink link of our server is kept", "</f.meta4>; rel=describedby; " META_TYPE, true, 0,
     "/f.meta4"},
    {"both in one value, separated by a comma",
     "<http://m/f>; rel=duplicate, </f.meta4>; rel=describedby; " META_TYPE, true, 1, "/f.meta4"},
    {"two mirrors count twice", "<http://a/f>;rel=duplicate,<http://b/f>;rel=\"duplicate\"", true,
     2, ""},
    {"rel and type compare in any case",
     "</f.meta4>; REL=DescribedBy; TYPE=\"Application/Metalink4+XML\"", true, 0, "/f.meta4"},
    {"rel is a space-separated list", "</x>; rel=\"alternate duplicate\"", true, 1, ""},
    {"a describedby of another type is not a Metalink",
     "</f.html>; rel=describedby; type=\"text/html\"", true, 0, ""},
    {"a describedby without a type is not taken", "</f.meta4>; rel=describedby", true, 0, ""},
    {"only the first describedby is taken",
     "</a.meta4>; rel=describedby; " META_TYPE ", </b.meta4>; rel=describedby; " META_TYPE, true, 0,
     "/a.meta4"},
    {"only a link's first rel counts", "</x>; rel=next; rel=duplicate", true, 0, ""},
    {"a comma inside the target does not split", "<http://m/a,b>; rel=duplicate", true, 1, ""},
    {"a comma inside a quoted value does not split", "</x>; title=\"a, b\"; rel=duplicate", true, 1,
     ""},
    {"an escaped quote stays inside the string", "</x>; title=\"a\\\" b\"; rel=duplicate", true, 1,
     ""},
    {"a parameter without a value is fine", "</x>; crossorigin; rel=duplicate", true, 1, ""},
    {"empty list elements are skipped", " , ,<http://m/f>; rel=duplicate,, ", true, 1, ""},
    {"another relation is ignored", "</next>; rel=next", true, 0, ""},
    {"a target with a space is not kept", "</f meta4>; rel=describedby; " META_TYPE, true, 0, ""},
    {"an empty target is not kept", "<>; rel=describedby; " META_TYPE, true, 0, ""},
    {"a link without <target> is malformed", "http://m/f; rel=duplicate", false, 0, ""},
    {"an unclosed target is malformed", "<http://m/f; rel=duplicate", false, 0, ""},
    {"an unclosed quoted string is malformed", "</x>; rel=\"duplicate", false, 0, ""},
    {"a parameter without a name is malformed", "</x>; =duplicate", false, 0, ""},
    {"an empty value after '=' is malformed", "</x>; rel=", false, 0, ""},
    {"junk after the target is malformed", "</x> junk; rel=duplicate", false, 0, ""},
    {"links before a malformed one are kept", "<http://a/f>; rel=duplicate, junk", false, 1, ""},
    {"a backslash ending the value is malformed", "</x>; t=\"a\\", false, 0, ""},
};

static void test_resphead_parse_link(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(link_cases); i++) {
        const struct link_case *c = &link_cases[i];
        struct fetch_links l;
        bool ok;

        memset(&l, 0, sizeof(l));
        ok = resphead_parse_link(c->value, strlen(c->value), &l);
        if (ok != c->want_ok || l.nduplicate != c->nduplicate ||
            strcmp(l.describedby, c->describedby) != 0)
            row_fail(&t, c->what, "\"%s\": gave %d, %u duplicates, describedby \"%s\"", c->value,
                     ok, l.nduplicate, l.describedby);
    }
    tally_end(&t, NROWS(link_cases));
}

static void test_resphead_link_fields(void **state)
{
    static const char *const lines[] = {
        "HTTP/1.1 206 Partial Content\r\n",
        "Link: <http://m1/f>; rel=duplicate\r\n",
        "Link: <http://m2/f>; rel=duplicate\r\n",
        "Link: </f.meta4>; rel=describedby; type=\"application/metalink4+xml\"\r\n",
        "\r\n",
    };
    struct fetch_info info;

    (void)state;
    memset(&info, 0, sizeof(info));
    for (size_t i = 0; i < NROWS(lines); i++)
        (void)resphead_parse_line(&info, lines[i], strlen(lines[i]));
    assert_int_equal(info.links.nduplicate, 2);
    assert_string_equal(info.links.describedby, "/f.meta4");
    /* A new status line (a redirect's target) forgets them. */
    (void)resphead_parse_line(&info, lines[0], strlen(lines[0]));
    assert_int_equal(info.links.nduplicate, 0);
    assert_string_equal(info.links.describedby, "");
}

struct resolve_case {
    const char *what;
    const char *base;
    const char *ref;
    const char *want; /* NULL: refused */
};

static const struct resolve_case resolve_cases[] = {
    {"an absolute path takes the base's origin", "http://h:1/d/f.iso?q", "/d/f.iso.meta4",
     "http://h:1/d/f.iso.meta4"},
    {"an absolute URL stays", "http://h/f", "https://m.example/f.meta4",
     "https://m.example/f.meta4"},
    {"a network path takes the base's scheme", "https://h/f", "//m/f.meta4", "https://m/f.meta4"},
    {"a relative path goes beside the base", "http://h/d/f.iso", "f.iso.meta4",
     "http://h/d/f.iso.meta4"},
    {"a relative path under a bare host", "http://h", "f.meta4", "http://h/f.meta4"},
    {"the base's query is not a directory", "http://h/d/f?x=/y", "g", "http://h/d/g"},
    {"another scheme is refused", "http://h/f", "ftp://m/f.meta4", NULL},
    {"a javascript: target is refused", "http://h/f", "javascript:alert(1)", NULL},
    {"a base that is not http is refused", "file:///f", "/f.meta4", NULL},
    {"an empty target is refused", "http://h/f", "", NULL},
};

static void test_resphead_link_resolve(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(resolve_cases); i++) {
        const struct resolve_case *c = &resolve_cases[i];
        char out[256];
        bool ok = resphead_link_resolve(c->base, c->ref, out, sizeof(out));

        if (ok != (c->want != NULL) || (ok && strcmp(out, c->want) != 0))
            row_fail(&t, c->what, "%s + %s gave %d \"%s\"", c->base, c->ref, ok, out);
    }
    tally_end(&t, NROWS(resolve_cases));
    {
        char small[8];

        assert_false(resphead_link_resolve("http://h/f", "/long-target", small, sizeof(small)));
        assert_string_equal(small, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resphead_lines),
        cmocka_unit_test(test_resphead_use_fields),
        cmocka_unit_test(test_resphead_status_words),
        cmocka_unit_test(test_resphead_long_validators),
        cmocka_unit_test(test_resphead_len_bounds),
        cmocka_unit_test(test_resphead_repr_digest),
        cmocka_unit_test(test_resphead_digest),
        cmocka_unit_test(test_resphead_is_redirect),
        cmocka_unit_test(test_resphead_parse_link),
        cmocka_unit_test(test_resphead_link_fields),
        cmocka_unit_test(test_resphead_link_resolve),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
