/*
 * tests/unit/test_upload_head.c - the pure pieces of uploads:
 * server/sfv.c (Structured Field Items and Dictionaries), server/auth.c
 * (the bearer token), server/upload_head.c (upload fields, digest fields,
 * the path an upload writes, the plans for a creation and an append, the
 * end-of-body check) and server/upload_meta.c (an upload's description
 * on disk).
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

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "common/encode.h"
#include "common/sha256.h"
#include "server/auth.h"
#include "server/http_req.h"
#include "server/sfv.h"
#include "server/upload_head.h"
#include "server/upload_meta.h"

/* A copy of S in a buffer of exactly its length, so ASan sees over-reads. */
static struct strview exact(const char *s, char **keep)
{
    size_t n = strlen(s);

    *keep = malloc(n > 0 ? n : 1);
    assert_non_null(*keep);
    memcpy(*keep, s, n);
    return strview_make(*keep, n);
}

/* ================================================================== */
/* server/sfv: Items                                                   */
/* ================================================================== */

enum { BAD = -1 };

struct item_case {
    const char *what;
    const char *field;
    int type; /* enum sfv_type, or BAD */
    int64_t integer;
    const char *text;
};

static const struct item_case item_cases[] = {
    {"?1 is the Boolean true", "?1", SFV_BOOLEAN, 1, "?1"},
    {"?0 is the Boolean false", "?0", SFV_BOOLEAN, 0, "?0"},
    {"a Boolean may carry parameters", "?1;a=1;b", SFV_BOOLEAN, 1, "?1"},
    {"leading and trailing spaces are allowed", "  ?0  ", SFV_BOOLEAN, 0, "?0"},
    {"?2 is not a Boolean", "?2", BAD, 0, NULL},
    {"a bare ? is not a Boolean", "?", BAD, 0, NULL},
    {"true is a Token, not a Boolean", "true", SFV_TOKEN, 0, "true"},
    {"0 is an Integer", "0", SFV_INTEGER, 0, "0"},
    {"42 is an Integer", "42", SFV_INTEGER, 42, "42"},
    {"a negative Integer", "-7", SFV_INTEGER, -7, "-7"},
    {"15 digits is the largest Integer", "999999999999999", SFV_INTEGER, SFV_INTEGER_MAX,
     "999999999999999"},
    {"16 digits is not an Integer", "1000000000000000", BAD, 0, NULL},
    {"leading zeros are allowed", "007", SFV_INTEGER, 7, "007"},
    {"a plus sign is not allowed", "+1", BAD, 0, NULL},
    {"a lone minus is not a number", "-", BAD, 0, NULL},
    {"junk after a number fails the whole field", "12abc", BAD, 0, NULL},
    {"two items are a List, not an Item", "1, 2", BAD, 0, NULL},
    {"an inner space fails", "1 2", BAD, 0, NULL},
    {"a tab before the item is not SP", "\t1", BAD, 0, NULL},
    {"1.5 is a Decimal", "1.5", SFV_DECIMAL, 0, "1.5"},
    {"a Decimal has at most three fraction digits", "1.5555", BAD, 0, NULL},
    {"a Decimal needs a fraction digit", "1.", BAD, 0, NULL},
    {"a Decimal has at most 12 integer digits", "1234567890123.1", BAD, 0, NULL},
    {"a String", "\"a b\"", SFV_STRING, 0, "a b"},
    {"a String with escapes", "\"a\\\"b\\\\\"", SFV_STRING, 0, "a\\\"b\\\\"},
    {"a String with a bad escape", "\"a\\b\"", BAD, 0, NULL},
    {"an unterminated String", "\"abc", BAD, 0, NULL},
    {"a String with a control byte", "\"a\x01\"", BAD, 0, NULL},
    {"a String with a non-ASCII byte", "\"\xc3\xa9\"", BAD, 0, NULL},
    {"a Token with : and /", "text/plain:x", SFV_TOKEN, 0, "text/plain:x"},
    {"a Token may start with *", "*foo", SFV_TOKEN, 0, "*foo"},
    {"a Byte Sequence", ":aGVsbG8=:", SFV_BYTES, 0, "aGVsbG8="},
    {"an empty Byte Sequence", "::", SFV_BYTES, 0, ""},
    {"an unterminated Byte Sequence", ":aGVs", BAD, 0, NULL},
    {"a Byte Sequence with a space", ":aG Vs:", BAD, 0, NULL},
    {"a Date", "@1659578233", SFV_DATE, 1659578233, "@1659578233"},
    {"a Date must be an Integer", "@1.5", BAD, 0, NULL},
    {"a Display String", "%\"f%c3%bc\"", SFV_DISPLAY, 0, "%\"f%c3%bc\""},
    {"a Display String with bad UTF-8", "%\"%c3\"", BAD, 0, NULL},
    {"a Display String with an uppercase escape", "%\"%C3%BC\"", BAD, 0, NULL},
    {"a Display String with an overlong form", "%\"%c0%80\"", BAD, 0, NULL},
    {"a Display String with a surrogate", "%\"%ed%a0%80\"", BAD, 0, NULL},
    {"an empty field is not an Item", "", BAD, 0, NULL},
    {"a parameter needs a key", "1;", BAD, 0, NULL},
    {"a parameter key is lowercase", "1;A=2", BAD, 0, NULL},
    {"a parameter value must be a bare item", "1;a=(1)", BAD, 0, NULL},
    {"an inner list is not an Item here", "(1 2)", BAD, 0, NULL},
};

static void test_sfv_items(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(item_cases); i++) {
        const struct item_case *c = &item_cases[i];
        char *buf;
        struct sfv_item it;
        bool ok = sfv_parse_item(exact(c->field, &buf), &it);

        if (c->type == BAD) {
            if (ok)
                row_fail(&t, c->what, "\"%s\" parsed as type %d", c->field, (int)it.type);
        } else if (!ok) {
            row_fail(&t, c->what, "\"%s\" did not parse", c->field);
        } else if ((int)it.type != c->type || it.integer != c->integer ||
                   it.text.len != strlen(c->text) || memcmp(it.text.p, c->text, it.text.len) != 0) {
            row_fail(&t, c->what, "\"%s\" gave type %d, %" PRId64 ", \"%.*s\"", c->field,
                     (int)it.type, it.integer, (int)it.text.len, it.text.p);
        }
        free(buf);
    }
    tally_end(&t, NROWS(item_cases));
}

/* ================================================================== */
/* server/sfv: Dictionaries                                            */
/* ================================================================== */

struct dict_case {
    const char *what;
    const char *field;
    const char *key;
    bool valid;
    bool found;
    int type;
    const char *text;
};

static const struct dict_case dict_cases[] = {
    {"one member", "sha-256=:AAAA:", "sha-256", true, true, SFV_BYTES, "AAAA"},
    {"the member among others", "sha-512=:BBBB:, sha-256=:AAAA:", "sha-256", true, true, SFV_BYTES,
     "AAAA"},
    {"tabs and spaces around commas", "a=1 ,\tsha-256=:AAAA:", "sha-256", true, true, SFV_BYTES,
     "AAAA"},
    {"a missing key is valid and not found", "sha-512=:BBBB:", "sha-256", true, false, 0, NULL},
    {"the last of two members with one key counts", "a=1, a=2", "a", true, true, SFV_INTEGER, "2"},
    {"a key without a value is true", "a;x=1, b", "b", true, true, SFV_BOOLEAN, ""},
    {"an inner list value", "a=(1 2 \"x\");p=1, b=2", "a", true, true, SFV_INNER_LIST,
     "(1 2 \"x\")"},
    {"an empty inner list", "a=()", "a", true, true, SFV_INNER_LIST, "()"},
    {"an empty field is an empty Dictionary", "", "a", true, false, 0, NULL},
    {"max-size and max-age", "max-size=100, max-age=3600", "max-age", true, true, SFV_INTEGER,
     "3600"},
    {"a trailing comma is invalid", "a=1,", "a", false, false, 0, NULL},
    {"a leading comma is invalid", ", a=1", "a", false, false, 0, NULL},
    {"an uppercase key is invalid", "SHA-256=:AAAA:", "sha-256", false, false, 0, NULL},
    {"a member without a comma is invalid", "a=1 b=2", "a", false, false, 0, NULL},
    {"a bad value anywhere fails the whole field", "sha-256=:AAAA:, b=?x", "sha-256", false, false,
     0, NULL},
    {"an inner list without a space between items", "a=(1\"x\")", "a", false, false, 0, NULL},
    {"an unterminated inner list", "a=(1 2", "a", false, false, 0, NULL},
    {"a key may not start with a digit", "1a=2", "1a", false, false, 0, NULL},
    {"a key may start with *", "*a=2", "*a", true, true, SFV_INTEGER, "2"},
};

static void test_sfv_dicts(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(dict_cases); i++) {
        const struct dict_case *c = &dict_cases[i];
        char *buf;
        struct sfv_item it;
        bool found = true;
        bool ok = sfv_dict_find(exact(c->field, &buf), c->key, &found, &it);

        if (ok != c->valid)
            row_fail(&t, c->what, "\"%s\": valid %d", c->field, ok);
        else if (ok && found != c->found)
            row_fail(&t, c->what, "\"%s\": found %d", c->field, found);
        else if (ok && found &&
                 ((int)it.type != c->type || it.text.len != strlen(c->text) ||
                  memcmp(it.text.p, c->text, it.text.len) != 0))
            row_fail(&t, c->what, "\"%s\" gave type %d \"%.*s\"", c->field, (int)it.type,
                     (int)it.text.len, it.text.p);
        free(buf);
    }
    tally_end(&t, NROWS(dict_cases));
}

/* ================================================================== */
/* server/upload_head: digest fields                                  */
/* ================================================================== */

/* SHA-256 of "hello", in base64 and hex. */
#define HELLO_B64 "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
#define HELLO_HEX "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

struct digest_case {
    const char *what;
    const char *field;
    enum digest_result want;
};

static const struct digest_case digest_cases[] = {
    {"sha-256 alone", "sha-256=:" HELLO_B64 ":", DIGEST_OK},
    {"sha-256 among other algorithms", "sha-512=:AAAA:, sha-256=:" HELLO_B64 ":", DIGEST_OK},
    {"sha-256 with a parameter", "sha-256=:" HELLO_B64 ":;x=1", DIGEST_OK},
    {"only another algorithm: nothing to check", "sha-512=:AAAA:", DIGEST_ABSENT},
    {"an empty field: nothing to check", "", DIGEST_ABSENT},
    {"a digest of 31 bytes", "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmA==:", DIGEST_BAD},
    {"a digest of 33 bytes", "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQA:", DIGEST_BAD},
    {"base64 without padding", "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ:", DIGEST_BAD},
    {"hex instead of base64", "sha-256=" HELLO_HEX, DIGEST_BAD},
    {"a String instead of a Byte Sequence", "sha-256=\"" HELLO_B64 "\"", DIGEST_BAD},
    {"RFC 3230 syntax", "SHA-256=" HELLO_B64, DIGEST_BAD},
    {"a malformed dictionary", "sha-256=:" HELLO_B64 ":,", DIGEST_BAD},
};

static void test_digest_fields(void **state)
{
    struct tally t = {0, NULL};
    uint8_t hello[SHA256_LEN];

    (void)state;
    assert_true(decode_hex(HELLO_HEX, SHA256_HEX_LEN, hello, SHA256_LEN));
    for (size_t i = 0; i < NROWS(digest_cases); i++) {
        const struct digest_case *c = &digest_cases[i];
        char *buf;
        uint8_t got[SHA256_LEN];
        enum digest_result r = digest_field_sha256(exact(c->field, &buf), got);

        if (r != c->want)
            row_fail(&t, c->what, "\"%s\" gave %d", c->field, (int)r);
        else if (r == DIGEST_OK && memcmp(got, hello, SHA256_LEN) != 0)
            row_fail(&t, c->what, "\"%s\": wrong digest", c->field);
        free(buf);
    }
    tally_end(&t, NROWS(digest_cases));
}

/* ================================================================== */
/* server/auth                                                         */
/* ================================================================== */

#define TOKEN "s3cr3t-T0ken_x~y+z/="

struct auth_case {
    const char *what;
    const char *values[2]; /* NULL-terminated; the first NULL: no header */
    enum auth_result want;
};

static const struct auth_case auth_cases[] = {
    {"the right token passes", {"Bearer " TOKEN}, AUTH_OK},
    {"the scheme is case-insensitive", {"bEaReR " TOKEN}, AUTH_OK},
    {"several spaces after the scheme are allowed", {"Bearer   " TOKEN}, AUTH_OK},
    {"no header is missing", {NULL}, AUTH_MISSING},
    {"a prefix of the token is wrong", {"Bearer s3cr3t-T0ken_x~y+z/"}, AUTH_WRONG},
    {"the token minus its last byte is wrong", {"Bearer s3cr3t-T0ken_x~y+z"}, AUTH_WRONG},
    {"an extension of the token is wrong", {"Bearer " TOKEN "="}, AUTH_WRONG},
    {"a character after the '=' padding is malformed", {"Bearer " TOKEN "a"}, AUTH_MALFORMED},
    {"the first half of the token is wrong", {"Bearer s3cr3t-T0k"}, AUTH_WRONG},
    {"the token twice is wrong", {"Bearer s3cr3t-T0ken_x~y+z/s3cr3t-T0ken_x~y+z/="}, AUTH_WRONG},
    {"one changed byte is wrong", {"Bearer s3cr3t-T0ken_x~y+Z/="}, AUTH_WRONG},
    {"a one-byte guess is wrong", {"Bearer s"}, AUTH_WRONG},
    {"the token with another case is wrong", {"Bearer S3CR3T-T0KEN_X~Y+Z/="}, AUTH_WRONG},
    {"Basic credentials are malformed", {"Basic dXNlcjpwYXNz"}, AUTH_MALFORMED},
    {"the scheme alone is malformed", {"Bearer"}, AUTH_MALFORMED},
    {"the scheme and a space is malformed", {"Bearer "}, AUTH_MALFORMED},
    {"the token alone is malformed", {TOKEN}, AUTH_MALFORMED},
    {"no space after the scheme is malformed", {"Bearer" TOKEN}, AUTH_MALFORMED},
    {"a tab after the scheme is malformed", {"Bearer\t" TOKEN}, AUTH_MALFORMED},
    {"a space inside the token is malformed", {"Bearer s3cr3t T0ken"}, AUTH_MALFORMED},
    {"a quote in the token is malformed", {"Bearer \"" TOKEN "\""}, AUTH_MALFORMED},
    {"'=' before the end is malformed", {"Bearer s3=cr3t"}, AUTH_MALFORMED},
    {"two Authorization headers are malformed", {"Bearer " TOKEN, "Bearer " TOKEN}, AUTH_MALFORMED},
};

static void test_auth(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(auth_cases); i++) {
        const struct auth_case *c = &auth_cases[i];
        struct strview v[2];
        char *bufs[2] = {NULL, NULL};
        size_t n = 0;
        enum auth_result r;

        while (n < 2 && c->values[n] != NULL) {
            v[n] = exact(c->values[n], &bufs[n]);
            n++;
        }
        r = auth_check(v, n, TOKEN, strlen(TOKEN));
        if (r != c->want)
            row_fail(&t, c->what, "gave %d (%s)", (int)r, auth_strerror(r));
        if (strstr(auth_strerror(r), "s3cr3t") != NULL)
            row_fail(&t, c->what, "the reason names the token");
        free(bufs[0]);
        free(bufs[1]);
    }
    tally_end(&t, NROWS(auth_cases));
}

static void test_auth_token_valid(void **state)
{
    (void)state;
    assert_true(auth_token_is_valid(TOKEN, strlen(TOKEN)));
    assert_true(auth_token_is_valid("abc==", 5));
    assert_false(auth_token_is_valid("", 0));
    assert_false(auth_token_is_valid("a b", 3));
    assert_false(auth_token_is_valid("a\"b", 3));
    assert_false(auth_token_is_valid("=abc", 4));
    assert_false(auth_token_is_valid("caf\xc3\xa9", 5));
}

/* ================================================================== */
/* server/upload_head: the head                                        */
/* ================================================================== */

/* Parse the request head REQ (a string), which must be valid. */
static void parse_req(const char *raw, struct http_request *req)
{
    size_t scanned = 0;

    assert_int_equal(http_parse_request(raw, strlen(raw), &scanned, req), HTTP_PARSE_OK);
}

#define REQ(extra) "PUT /a HTTP/1.1\r\nHost: x\r\n" extra "\r\n"

struct head_case {
    const char *what;
    const char *raw;
    int status;
    int complete;           /* -1 absent, else 0/1 */
    int64_t offset, length; /* -1 absent */
    bool repr, content, partial;
};

static const struct head_case head_cases[] = {
    {"no upload fields", REQ("Content-Length: 5\r\n"), 0, -1, -1, -1, false, false, false},
    {"Upload-Complete ?1", REQ("Upload-Complete: ?1\r\n"), 0, 1, -1, -1, false, false, false},
    {"Upload-Complete ?0 with a parameter", REQ("Upload-Complete: ?0;x\r\n"), 0, 0, -1, -1, false,
     false, false},
    {"an invalid Upload-Complete is ignored", REQ("Upload-Complete: yes\r\n"), 0, -1, -1, -1, false,
     false, false},
    {"Upload-Complete on two lines is ignored",
     REQ("Upload-Complete: ?1\r\nUpload-Complete: ?1\r\n"), 0, -1, -1, -1, false, false, false},
    {"Upload-Offset and Upload-Length", REQ("Upload-Offset: 10\r\nUpload-Length: 20\r\n"), 0, -1,
     10, 20, false, false, false},
    {"a negative Upload-Offset is ignored", REQ("Upload-Offset: -1\r\n"), 0, -1, -1, -1, false,
     false, false},
    {"an Upload-Length of 16 digits is ignored", REQ("Upload-Length: 1000000000000000\r\n"), 0, -1,
     -1, -1, false, false, false},
    {"a Boolean Upload-Length is ignored", REQ("Upload-Length: ?1\r\n"), 0, -1, -1, -1, false,
     false, false},
    {"Repr-Digest", REQ("Repr-Digest: sha-256=:" HELLO_B64 ":\r\n"), 0, -1, -1, -1, true, false,
     false},
    {"Content-Digest", REQ("Content-Digest: sha-256=:" HELLO_B64 ":\r\n"), 0, -1, -1, -1, false,
     true, false},
    {"two equal Repr-Digest lines",
     REQ("Repr-Digest: sha-256=:" HELLO_B64 ":\r\n"
         "Repr-Digest: sha-512=:AA==:, sha-256=:" HELLO_B64 ":\r\n"),
     0, -1, -1, -1, true, false, false},
    {"two different Repr-Digest lines are 400",
     REQ("Repr-Digest: sha-256=:" HELLO_B64 ":\r\n"
         "Repr-Digest: sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:\r\n"),
     400, -1, -1, -1, false, false, false},
    {"a malformed Repr-Digest is 400", REQ("Repr-Digest: sha-256=" HELLO_HEX "\r\n"), 400, -1, -1,
     -1, false, false, false},
    {"a malformed Content-Digest is 400", REQ("Content-Digest: sha-256=:abc:\r\n"), 400, -1, -1, -1,
     false, false, false},
    {"an RFC 3230 Digest is not looked at", REQ("Digest: SHA-256=" HELLO_B64 "\r\n"), 0, -1, -1, -1,
     false, false, false},
    {"the partial-upload media type", REQ("Content-Type: application/partial-upload\r\n"), 0, -1,
     -1, -1, false, false, true},
    {"the media type in another case, with a parameter",
     REQ("Content-Type: Application/Partial-Upload ; x=1\r\n"), 0, -1, -1, -1, false, false, true},
    {"another media type", REQ("Content-Type: application/octet-stream\r\n"), 0, -1, -1, -1, false,
     false, false},
    {"a longer media type is another", REQ("Content-Type: application/partial-uploads\r\n"), 0, -1,
     -1, -1, false, false, false},
};

static void test_upload_head(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(head_cases); i++) {
        const struct head_case *c = &head_cases[i];
        struct http_request req;
        struct upload_head h;
        const char *why = NULL;
        int status;

        parse_req(c->raw, &req);
        status = upload_head_parse(&req, &h, &why);
        if (status != c->status) {
            row_fail(&t, c->what, "status %d (%s)", status, why ? why : "");
            continue;
        }
        if (status != 0) {
            if (why == NULL)
                row_fail(&t, c->what, "no reason given");
            continue;
        }
        if ((c->complete < 0 ? h.has_complete : !h.has_complete || h.is_complete != c->complete) ||
            (c->offset < 0 ? h.has_offset : !h.has_offset || h.offset != (uint64_t)c->offset) ||
            (c->length < 0 ? h.has_length : !h.has_length || h.length != (uint64_t)c->length) ||
            h.has_repr_digest != c->repr || h.has_content_digest != c->content ||
            h.is_partial_upload != c->partial)
            row_fail(&t, c->what,
                     "complete %d/%d offset %d/%" PRIu64 " length %d/%" PRIu64
                     " repr %d content %d partial %d",
                     h.has_complete, h.is_complete, h.has_offset, h.offset, h.has_length, h.length,
                     h.has_repr_digest, h.has_content_digest, h.is_partial_upload);
    }
    tally_end(&t, NROWS(head_cases));
}

static void test_upload_head_body(void **state)
{
    struct http_request req;
    struct upload_head h;
    const char *why;

    (void)state;
    parse_req(REQ("Content-Length: 7\r\n"), &req);
    assert_int_equal(upload_head_parse(&req, &h, &why), 0);
    assert_true(h.has_body_length);
    assert_int_equal(h.body_length, 7);
    assert_false(h.is_chunked);
    parse_req(REQ("Transfer-Encoding: chunked\r\n"), &req);
    assert_int_equal(upload_head_parse(&req, &h, &why), 0);
    assert_false(h.has_body_length);
    assert_true(h.is_chunked);
    parse_req(REQ(""), &req); /* no body at all: a known length of 0 */
    assert_int_equal(upload_head_parse(&req, &h, &why), 0);
    assert_true(h.has_body_length);
    assert_int_equal(h.body_length, 0);
}

/* Trailers: decode a chunked body with TRAILERS and merge its digests into a head. */
static int trailer_status(const char *trailers, bool head_has, const char *head_b64,
                          struct upload_head *h)
{
    char body[512], trbuf[1024];
    struct chunked d;
    struct chunked_limits lim = {UINT64_MAX, CHUNKED_DEFAULT_MAX_EXT, sizeof(trbuf)};
    struct strview data;
    size_t used = 0, n, at = 0;
    const char *why = NULL;
    int st;

    memset(h, 0, sizeof(*h));
    if (head_has) {
        size_t got = 0;

        h->has_content_digest = true;
        assert_true(decode_base64(head_b64, strlen(head_b64), h->content_digest, SHA256_LEN, &got));
    }
    n = (size_t)snprintf(body, sizeof(body), "5\r\nhello\r\n0\r\n%s\r\n", trailers);
    chunked_init(&d, &lim, trbuf, sizeof(trbuf));
    for (;;) {
        enum chunked_result r = chunked_feed(&d, body + at, n - at, &used, &data);

        at += used;
        if (r == CHUNKED_DONE)
            break;
        assert_true(r == CHUNKED_DATA);
    }
    st = upload_trailer_digests(&d, h, &why);
    if (st != 0)
        assert_non_null(why);
    return st;
}

static void test_upload_trailers(void **state)
{
    struct upload_head h;

    (void)state;
    assert_int_equal(trailer_status("Content-Digest: sha-256=:" HELLO_B64 ":\r\n", false, NULL, &h),
                     0);
    assert_true(h.has_content_digest);
    assert_false(h.has_repr_digest);
    assert_int_equal(
        trailer_status("Repr-Digest: sha-256=:" HELLO_B64 ":\r\nX: y\r\n", false, NULL, &h), 0);
    assert_true(h.has_repr_digest);
    assert_int_equal(trailer_status("X-Other: 1\r\n", false, NULL, &h), 0);
    assert_false(h.has_repr_digest || h.has_content_digest);
    /* The same digest in the head and the trailer is fine; a different one is not. */
    assert_int_equal(
        trailer_status("Content-Digest: sha-256=:" HELLO_B64 ":\r\n", true, HELLO_B64, &h), 0);
    assert_int_equal(trailer_status("Content-Digest: sha-256=:" HELLO_B64 ":\r\n", true,
                                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &h),
                     400);
    assert_int_equal(trailer_status("Content-Digest: sha-256=:bad:\r\n", false, NULL, &h), 400);
}

/* ================================================================== */
/* server/upload_head: the path a PUT or DELETE writes                 */
/* ================================================================== */

struct path_case {
    const char *what;
    const char *target; /* the request target's path */
    int status;
    const char *want; /* the decoded path when 0 */
};

static const struct path_case path_cases[] = {
    {"a name in the root", "/a.txt", 0, "a.txt"},
    {"a path in subdirectories", "/iso/old/deb.iso", 0, "iso/old/deb.iso"},
    {"a space, percent-encoded", "/notes%20on%20it.txt", 0, "notes on it.txt"},
    {"UTF-8, percent-encoded", "/caf%C3%A9.txt", 0, "caf\xc3\xa9.txt"},
    {"text.txt below the root is an ordinary name", "/iso/text.txt", 0, "iso/text.txt"},
    {"a double-encoded '..' is a literal name, decoded once", "/%252e%252e/x", 0, "%2e%2e/x"},
    {"a name that starts with two dots is hidden", "/..x", 403, NULL},
    {"'..' is refused", "/../x", 403, NULL},
    {"'..' percent-encoded is refused", "/%2e%2e/x", 403, NULL},
    {"'..' in capitals is refused", "/%2E%2E/x", 403, NULL},
    {"'..' behind an encoded slash is refused", "/a%2f..%2fx", 403, NULL},
    {"'..' with a backslash is hidden", "/..%5cx", 403, NULL},
    {"'.' is refused", "/./x", 403, NULL},
    {"a hidden file is refused", "/.env", 403, NULL},
    {"a hidden directory deep down is refused", "/a/b/.git/config", 403, NULL},
    {"the upload directory is refused", "/.pdm-uploads/x.data", 403, NULL},
    {"text.txt in the root is refused", "/text.txt", 403, NULL},
    {"text.txt percent-encoded is refused", "/text%2etxt", 403, NULL},
    {"the root itself is invalid", "/", 400, NULL},
    {"an empty path is invalid", "", 400, NULL},
    {"a double slash is invalid", "//x", 400, NULL},
    {"an empty component is invalid", "/a//b", 400, NULL},
    {"a trailing slash is invalid", "/a/", 400, NULL},
    {"a NUL byte is invalid", "/a%00b", 400, NULL},
    {"a newline is invalid", "/a%0Ab", 400, NULL},
    {"a TAB is invalid", "/a%09b", 400, NULL},
    {"invalid UTF-8 is invalid", "/a%FFb", 400, NULL},
    {"an overlong '.' is invalid, not hidden", "/%C0%AE%C0%AE/x", 400, NULL},
    {"a leading '#' is invalid", "/%23x", 400, NULL},
    {"a bad escape is invalid", "/a%2", 400, NULL},
    {"invalid outranks hidden", "/.a/b%00", 400, NULL},
    {"no leading slash is invalid", "a.txt", 400, NULL},
};

static void test_upload_path(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(path_cases); i++) {
        const struct path_case *c = &path_cases[i];
        char *buf, out[NAME_PATH_MAX + 1];
        const char *why = NULL;
        int status = upload_path_check(exact(c->target, &buf), out, sizeof(out), &why);

        if (status != c->status)
            row_fail(&t, c->what, "\"%s\" gave %d (%s)", c->target, status, why ? why : "");
        else if (status == 0 && strcmp(out, c->want) != 0)
            row_fail(&t, c->what, "\"%s\" gave \"%s\"", c->target, out);
        else if (status != 0 && why == NULL)
            row_fail(&t, c->what, "no reason given");
        free(buf);
    }
    tally_end(&t, NROWS(path_cases));
}

/* ================================================================== */
/* server/upload_head: plans                                           */
/* ================================================================== */

#define MAX  1000 /* --max-upload-size in these rows */
#define NONE (-1)

struct plan_case {
    const char *what;
    bool append;     /* a PATCH (else a PUT) */
    bool u_complete; /* the upload resource, for a PATCH */
    uint64_t u_offset;
    int64_t u_length; /* NONE: unknown */
    int complete;     /* Upload-Complete: NONE, 0, 1 */
    int64_t offset;   /* Upload-Offset, NONE */
    int64_t length;   /* Upload-Length, NONE */
    int64_t body;     /* Content-Length; NONE: chunked */
    bool partial;     /* Content-Type: application/partial-upload */
    int status;
    enum upload_problem problem;
    int64_t want_length; /* NONE: unknown */
    uint64_t max_body;
    bool max_is_length, must_fill;
};

static const struct plan_case plan_cases[] = {
    /* PUT */
    {"a plain PUT with a length is bounded by it", false, false, 0, NONE, NONE, NONE, NONE, 10,
     false, 0, PROBLEM_NONE, 10, 10, true, true},
    {"a plain chunked PUT is bounded by the maximum", false, false, 0, NONE, NONE, NONE, NONE, NONE,
     false, 0, PROBLEM_NONE, NONE, MAX, false, false},
    {"a plain PUT at the maximum is fine", false, false, 0, NONE, NONE, NONE, NONE, MAX, false, 0,
     PROBLEM_NONE, MAX, MAX, true, true},
    {"a plain PUT past the maximum is 413", false, false, 0, NONE, NONE, NONE, NONE, MAX + 1, false,
     413, PROBLEM_NONE, 0, 0, false, false},
    {"a plain PUT ignores Upload-Length", false, false, 0, NONE, NONE, NONE, 5, 10, false, 0,
     PROBLEM_NONE, 10, 10, true, true},
    {"a creation with ?1 takes its length from Content-Length", false, false, 0, NONE, 1, NONE,
     NONE, 10, false, 0, PROBLEM_NONE, 10, 10, true, true},
    {"a creation with ?1 and an equal Upload-Length", false, false, 0, NONE, 1, NONE, 10, 10, false,
     0, PROBLEM_NONE, 10, 10, true, true},
    {"a creation with ?1 and a different Upload-Length is 400", false, false, 0, NONE, 1, NONE, 11,
     10, false, 400, PROBLEM_INCONSISTENT_LENGTH, 0, 0, false, false},
    {"an empty creation with ?0 and Upload-Length", false, false, 0, NONE, 0, NONE, 500, 0, false,
     0, PROBLEM_NONE, 500, 500, true, false},
    {"a creation with ?0 and part of the body", false, false, 0, NONE, 0, NONE, 500, 100, false, 0,
     PROBLEM_NONE, 500, 500, true, false},
    {"a creation whose body passes Upload-Length is 400", false, false, 0, NONE, 0, NONE, 50, 100,
     false, 400, PROBLEM_INCONSISTENT_LENGTH, 0, 0, false, false},
    {"a creation with Upload-Length past the maximum is 413", false, false, 0, NONE, 0, NONE,
     MAX + 1, 0, false, 413, PROBLEM_NONE, 0, 0, false, false},
    {"a chunked creation with ?0 and no length is bounded by the maximum", false, false, 0, NONE, 0,
     NONE, NONE, NONE, false, 0, PROBLEM_NONE, NONE, MAX, false, false},
    {"a chunked creation with ?1 and Upload-Length must fill it", false, false, 0, NONE, 1, NONE,
     20, NONE, false, 0, PROBLEM_NONE, 20, 20, true, true},
    /* PATCH */
    {"an append at the offset", true, false, 100, 500, 0, 100, NONE, 50, true, 0, PROBLEM_NONE, 500,
     400, true, false},
    {"an append without the media type is 415", true, false, 100, 500, 0, 100, NONE, 50, false, 415,
     PROBLEM_NONE, 0, 0, false, false},
    {"an append without Upload-Complete is 400", true, false, 100, 500, NONE, 100, NONE, 50, true,
     400, PROBLEM_NONE, 0, 0, false, false},
    {"an append without Upload-Offset is 400", true, false, 100, 500, 0, NONE, NONE, 50, true, 400,
     PROBLEM_NONE, 0, 0, false, false},
    {"an append at another offset is 409", true, false, 100, 500, 0, 99, NONE, 50, true, 409,
     PROBLEM_MISMATCHING_OFFSET, 0, 0, false, false},
    {"an append past the offset is 409", true, false, 100, 500, 0, 101, NONE, 50, true, 409,
     PROBLEM_MISMATCHING_OFFSET, 0, 0, false, false},
    {"a last append that completes the length", true, false, 100, 500, 1, 100, NONE, 400, true, 0,
     PROBLEM_NONE, 500, 400, true, true},
    {"a last append short of the length is 400", true, false, 100, 500, 1, 100, NONE, 399, true,
     400, PROBLEM_INCONSISTENT_LENGTH, 0, 0, false, false},
    {"an append past the length is 400", true, false, 100, 500, 0, 100, NONE, 401, true, 400,
     PROBLEM_INCONSISTENT_LENGTH, 0, 0, false, false},
    {"an empty append with ?1 at the length completes", true, false, 500, 500, 1, 500, NONE, 0,
     true, 0, PROBLEM_NONE, 500, 0, true, true},
    {"an append that teaches the length", true, false, 100, NONE, 0, 100, 300, 50, true, 0,
     PROBLEM_NONE, 300, 200, true, false},
    {"an append with another length is 400", true, false, 100, 500, 0, 100, 300, 50, true, 400,
     PROBLEM_INCONSISTENT_LENGTH, 0, 0, false, false},
    {"an append with a length below the offset is 400", true, false, 100, NONE, 0, 100, 50, 0, true,
     400, PROBLEM_INCONSISTENT_LENGTH, 0, 0, false, false},
    {"a chunked append without a length is bounded by the maximum", true, false, 100, NONE, 0, 100,
     NONE, NONE, true, 0, PROBLEM_NONE, NONE, MAX - 100, false, false},
    {"an append past the maximum is 413", true, false, 900, NONE, 0, 900, NONE, 101, true, 413,
     PROBLEM_NONE, 0, 0, false, false},
    {"an append to the maximum is fine", true, false, 900, NONE, 1, 900, NONE, 100, true, 0,
     PROBLEM_NONE, MAX, 100, true, true},
    {"a body for a completed upload is 400", true, true, 500, 500, 1, 500, NONE, 10, true, 400,
     PROBLEM_INCONSISTENT_LENGTH, 0, 0, false, false},
    {"an empty append to a completed upload is 410", true, true, 500, 500, 1, 500, NONE, 0, true,
     410, PROBLEM_COMPLETED_UPLOAD, 0, 0, false, false},
};

static void test_upload_plans(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(plan_cases); i++) {
        const struct plan_case *c = &plan_cases[i];
        struct upload_head h;
        struct upload_plan p;
        const char *why = NULL;
        int status;

        memset(&h, 0, sizeof(h));
        h.has_complete = c->complete != NONE;
        h.is_complete = c->complete == 1;
        h.has_offset = c->offset != NONE;
        h.offset = c->offset == NONE ? 0 : (uint64_t)c->offset;
        h.has_length = c->length != NONE;
        h.length = c->length == NONE ? 0 : (uint64_t)c->length;
        h.has_body_length = c->body != NONE;
        h.body_length = c->body == NONE ? 0 : (uint64_t)c->body;
        h.is_chunked = c->body == NONE;
        h.is_partial_upload = c->partial;
        if (c->append) {
            struct upload_view u = {c->u_complete, c->u_offset, c->u_length != NONE,
                                    c->u_length == NONE ? 0 : (uint64_t)c->u_length};

            status = upload_plan_append(&u, &h, MAX, &p, &why);
        } else {
            status = upload_plan_create(&h, MAX, &p, &why);
        }
        if (status != c->status || p.problem != c->problem) {
            row_fail(&t, c->what, "status %d problem %d (%s)", status, (int)p.problem,
                     why ? why : "");
            continue;
        }
        if (status != 0) {
            if (why == NULL)
                row_fail(&t, c->what, "no reason given");
            continue;
        }
        if ((c->want_length == NONE ? p.has_length
                                    : !p.has_length || p.length != (uint64_t)c->want_length) ||
            p.max_body != c->max_body || p.max_is_length != c->max_is_length ||
            p.must_fill != c->must_fill)
            row_fail(&t, c->what, "length %d/%" PRIu64 " max %" PRIu64 " (length %d) fill %d",
                     p.has_length, p.length, p.max_body, p.max_is_length, p.must_fill);
    }
    tally_end(&t, NROWS(plan_cases));
}

static void test_upload_check_end(void **state)
{
    struct upload_plan p;
    const char *why;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.has_length = true;
    p.length = 500;
    assert_int_equal(upload_check_end(&p, true, 100, 400, &why), 0);
    assert_int_equal(upload_check_end(&p, true, 100, 399, &why), 400);
    assert_non_null(why);
    assert_int_equal(upload_check_end(&p, false, 100, 10, &why), 0); /* not complete: fine */
    p.has_length = false;
    assert_int_equal(upload_check_end(&p, true, 0, 7, &why), 0); /* no length: any size */
}

static void test_problem_uris(void **state)
{
    (void)state;
    assert_null(upload_problem_uri(PROBLEM_NONE));
    assert_string_equal(
        upload_problem_uri(PROBLEM_MISMATCHING_OFFSET),
        "https://iana.org/assignments/http-problem-types#mismatching-upload-offset");
    assert_string_equal(upload_problem_uri(PROBLEM_COMPLETED_UPLOAD),
                        "https://iana.org/assignments/http-problem-types#completed-upload");
    assert_string_equal(
        upload_problem_uri(PROBLEM_INCONSISTENT_LENGTH),
        "https://iana.org/assignments/http-problem-types#inconsistent-upload-length");
}

/* ================================================================== */
/* server/upload_meta                                                  */
/* ================================================================== */

struct meta_case {
    const char *what;
    const char *text;
    bool ok;
};

#define MAGIC UPLOAD_META_MAGIC

static const struct meta_case meta_cases[] = {
    {"a path alone", MAGIC "path\tiso/a b.iso\n", true},
    {"every line", MAGIC "path\ta\nlength\t10\nrepr-digest\t" HELLO_HEX "\ncomplete\t10\n", true},
    {"lines in another order", MAGIC "complete\t0\npath\ta\n", true},
    {"no magic", "path\ta\n", false},
    {"another version", "pdm-upload 2\npath\ta\n", false},
    {"no path", MAGIC "length\t10\n", false},
    {"a path twice", MAGIC "path\ta\npath\tb\n", false},
    {"an unknown key", MAGIC "path\ta\nowner\tme\n", false},
    {"a last line without LF", MAGIC "path\ta", false},
    {"a line without a TAB", MAGIC "path a\n", false},
    {"a path with '..'", MAGIC "path\ta/../b\n", false},
    {"an absolute path", MAGIC "path\t/etc/passwd\n", false},
    {"a hidden path", MAGIC "path\t.pdm-uploads/x\n", false},
    {"a path with a CR", MAGIC "path\ta\r\n", false},
    {"a length that is not a number", MAGIC "path\ta\nlength\t-1\n", false},
    {"a length that overflows", MAGIC "path\ta\nlength\t99999999999999999999\n", false},
    {"a short digest", MAGIC "path\ta\nrepr-digest\tabcd\n", false},
    {"an empty path", MAGIC "path\t\n", false},
};

static void test_upload_meta_parse(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(meta_cases); i++) {
        const struct meta_case *c = &meta_cases[i];
        char *buf;
        struct strview v = exact(c->text, &buf);
        struct upload_meta m;

        if (upload_meta_parse(v.p, v.len, &m) != c->ok)
            row_fail(&t, c->what, "gave %d", !c->ok);
        free(buf);
    }
    tally_end(&t, NROWS(meta_cases));
}

static void test_upload_meta_round_trip(void **state)
{
    struct upload_meta m, back;
    char buf[UPLOAD_META_MAX];
    size_t n;

    (void)state;
    memset(&m, 0, sizeof(m));
    strcpy(m.path, "iso/caf\xc3\xa9 12.iso");
    n = upload_meta_format(&m, buf, sizeof(buf));
    assert_true(n > 0 && n == strlen(buf));
    assert_true(upload_meta_parse(buf, n, &back));
    assert_string_equal(back.path, m.path);
    assert_false(back.has_length || back.has_digest || back.is_complete);
    m.has_length = true;
    m.length = UINT64_MAX;
    m.has_digest = true;
    assert_true(decode_hex(HELLO_HEX, SHA256_HEX_LEN, m.digest, SHA256_LEN));
    m.is_complete = true;
    m.size = 12345;
    n = upload_meta_format(&m, buf, sizeof(buf));
    assert_true(upload_meta_parse(buf, n, &back));
    assert_true(back.has_length && back.length == UINT64_MAX);
    assert_true(back.has_digest && memcmp(back.digest, m.digest, SHA256_LEN) == 0);
    assert_true(back.is_complete && back.size == 12345);
    strcpy(m.path, "../x");
    assert_int_equal(upload_meta_format(&m, buf, sizeof(buf)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sfv_items),         cmocka_unit_test(test_sfv_dicts),
        cmocka_unit_test(test_digest_fields),     cmocka_unit_test(test_auth),
        cmocka_unit_test(test_auth_token_valid),  cmocka_unit_test(test_upload_head),
        cmocka_unit_test(test_upload_head_body),  cmocka_unit_test(test_upload_trailers),
        cmocka_unit_test(test_upload_path),       cmocka_unit_test(test_upload_plans),
        cmocka_unit_test(test_upload_check_end),  cmocka_unit_test(test_problem_uris),
        cmocka_unit_test(test_upload_meta_parse), cmocka_unit_test(test_upload_meta_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
