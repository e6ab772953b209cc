/*
 * tests/unit/test_chunked.c - server/chunked.c: the chunked transfer
 * coding decoder. Every row is decoded four ways, and all four must agree
 * on the result, the decoded bytes, where the body ended and the reason
 * given: in one piece; one byte at a time; split in two at every byte;
 * and with each piece in a buffer of exactly its size, so that ASan sees
 * any read past what was given. Then the limits at each boundary, the
 * trailer fields, and a decoder that is done or failed staying so.
 */
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

#include "server/chunked.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

#define MAX_OUT 4096

static const struct chunked_limits roomy = {UINT64_MAX, CHUNKED_DEFAULT_MAX_EXT,
                                            CHUNKED_DEFAULT_MAX_TRAILER};

/* What decoding an input gave. */
struct outcome {
    enum chunked_result r; /* DONE, BAD, TOO_LARGE, or NEED_MORE when the input ran out */
    size_t end;            /* input bytes used when r was returned (all of them for NEED_MORE) */
    char data[MAX_OUT];    /* the decoded bytes */
    size_t len;
    uint64_t total;     /* d.total afterwards */
    const char *error;  /* d.error afterwards */
    char trailers[512]; /* the kept trailer fields, "name=value;" each */
    bool is_broken;     /* an API contract was broken on the way (see why) */
    char why[128];
};

static const char *result_name(enum chunked_result r)
{
    switch (r) {
    case CHUNKED_NEED_MORE:
        return "NEED_MORE";
    case CHUNKED_DATA:
        return "DATA";
    case CHUNKED_DONE:
        return "DONE";
    case CHUNKED_BAD:
        return "BAD";
    case CHUNKED_TOO_LARGE:
        return "TOO_LARGE";
    }
    return "?";
}

static void broken(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void broken(struct outcome *o, const char *fmt, ...)
{
    va_list ap;

    if (o->is_broken)
        return;
    o->is_broken = true;
    va_start(ap, fmt);
    vsnprintf(o->why, sizeof(o->why), fmt, ap);
    va_end(ap);
}

/*
 * Feed IN[0..LEN) to D as pieces that end at each offset in CUTS (NCUTS of
 * them, ascending, the last LEN), each piece copied into a buffer of exactly
 * its size. Stops at DONE or an error.
 */
static void feed_pieces(struct chunked *d, const char *in, size_t len, const size_t *cuts,
                        size_t ncuts, struct outcome *o)
{
    size_t at = 0;

    assert_true(ncuts > 0 && cuts[ncuts - 1] == len);
    memset(o, 0, sizeof(*o));
    o->r = CHUNKED_NEED_MORE;
    for (size_t k = 0; k < ncuts && o->r == CHUNKED_NEED_MORE; k++) {
        size_t n = cuts[k] - at;
        char *piece = malloc(n > 0 ? n : 1);
        size_t off = 0;

        assert_non_null(piece);
        if (n > 0)
            memcpy(piece, in + at, n);
        for (;;) {
            size_t used = 99999;
            struct strview data = {NULL, 12345};
            enum chunked_result r = chunked_feed(d, piece + off, n - off, &used, &data);

            if (used > n - off)
                broken(o, "consumed %zu of %zu", used, n - off);
            if (r == CHUNKED_DATA) {
                if (data.len == 0 || data.p < piece + off ||
                    data.p + data.len != piece + off + used)
                    broken(o, "a DATA view that is empty or not the consumed tail");
                else if (o->len + data.len <= sizeof(o->data)) {
                    memcpy(o->data + o->len, data.p, data.len);
                    o->len += data.len;
                }
            } else if (data.len != 0) {
                broken(o, "%s with a non-empty view", result_name(r));
            }
            if (r == CHUNKED_NEED_MORE && used != n - off)
                broken(o, "NEED_MORE without consuming everything");
            off += used > n - off ? n - off : used;
            if (r == CHUNKED_DATA)
                continue;
            o->r = r;
            break;
        }
        at += off;
        free(piece);
        if (o->r != CHUNKED_NEED_MORE)
            break;
    }
    o->end = at;
    o->total = d->total;
    o->error = d->error;
    {
        size_t pos = 0, tl = 0;
        struct strview name, value;

        while (chunked_trailer_next(d, &pos, &name, &value))
            tl += (size_t)snprintf(o->trailers + tl, sizeof(o->trailers) - tl, "%.*s=%.*s;",
                                   (int)name.len, name.p, (int)value.len, value.p);
    }
    if ((o->r == CHUNKED_BAD || o->r == CHUNKED_TOO_LARGE) && (o->error == NULL || !*o->error))
        broken(o, "an error without a reason");
    if (o->total != o->len)
        broken(o, "total %llu but %zu bytes handed out", (unsigned long long)o->total, o->len);
}

static void decode_cuts(const struct chunked_limits *lim, const char *in, size_t len,
                        const size_t *cuts, size_t ncuts, struct outcome *o)
{
    static char trailers[CHUNKED_DEFAULT_MAX_TRAILER];
    struct chunked d;

    memset(&d, 0xa5, sizeof(d));
    chunked_init(&d, lim, trailers, sizeof(trailers));
    feed_pieces(&d, in, len, cuts, ncuts, o);
}

static void decode_whole(const struct chunked_limits *lim, const char *in, size_t len,
                         struct outcome *o)
{
    decode_cuts(lim, in, len, &len, 1, o);
}

/* The first way two outcomes differ, or NULL. */
static const char *outcome_diff(const struct outcome *a, const struct outcome *b)
{
    if (a->r != b->r)
        return "the result";
    if (a->end != b->end)
        return "where the body ended";
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
        return "the decoded bytes";
    if (strcmp(a->trailers, b->trailers) != 0)
        return "the trailers";
    if ((a->error == NULL) != (b->error == NULL) ||
        (a->error != NULL && strcmp(a->error, b->error) != 0))
        return "the reason";
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Whole bodies                                                        */
/* ------------------------------------------------------------------ */

struct body_case {
    const char *what;
    const char *in;
    size_t len;
    enum chunked_result want;
    const char *data; /* the decoded bytes (for DONE; what came before an error) */
    size_t dlen;
    size_t end;           /* where the body ends in IN (DONE and errors) */
    const char *trailers; /* "name=value;" for each kept field; NULL: none */
};

/* END for a row whose whole input is the body. */
#define ALL(lit) sizeof(lit) - 1

static const struct body_case body_cases[] = {
    /* Valid forms. */
    {"the empty body is a last chunk and the final CRLF", S("0\r\n\r\n"), CHUNKED_DONE, S(""),
     ALL("0\r\n\r\n"), NULL},
    {"one chunk is decoded", S("5\r\nhello\r\n0\r\n\r\n"), CHUNKED_DONE, S("hello"),
     ALL("5\r\nhello\r\n0\r\n\r\n"), NULL},
    {"two chunks are concatenated", S("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), CHUNKED_DONE, S("abcde"),
     ALL("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), NULL},
    {"hex sizes are lowercase or uppercase", S("a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n"),
     CHUNKED_DONE, S("0123456789abcdefghij"),
     ALL("a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n"), NULL},
    {"leading zeros in a size are fine", S("0005\r\nhello\r\n0\r\n\r\n"), CHUNKED_DONE, S("hello"),
     ALL("0005\r\nhello\r\n0\r\n\r\n"), NULL},
    {"the last chunk may be several zeros", S("000\r\n\r\n"), CHUNKED_DONE, S(""),
     ALL("000\r\n\r\n"), NULL},
    {"sixteen digits are accepted", S("0000000000000001\r\nx\r\n0\r\n\r\n"), CHUNKED_DONE, S("x"),
     ALL("0000000000000001\r\nx\r\n0\r\n\r\n"), NULL},
    {"chunk data may hold CR, LF and NUL", S("6\r\n\r\n\0\r\n\n\r\n0\r\n\r\n"), CHUNKED_DONE,
     S("\r\n\0\r\n\n"), ALL("6\r\n\r\n\0\r\n\n\r\n0\r\n\r\n"), NULL},
    {"what follows the body is left for the next request",
     S("1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), CHUNKED_DONE, S("x"), ALL("1\r\nx\r\n0\r\n\r\n"),
     NULL},
    {"an extension without a value is ignored", S("1;ext\r\nx\r\n0\r\n\r\n"), CHUNKED_DONE, S("x"),
     ALL("1;ext\r\nx\r\n0\r\n\r\n"), NULL},
    {"an extension with a token value is ignored", S("1;a=b\r\nx\r\n0\r\n\r\n"), CHUNKED_DONE,
     S("x"), ALL("1;a=b\r\nx\r\n0\r\n\r\n"), NULL},
    {"an extension with a quoted value is ignored", S("1;a=\"b c;d\"\r\nx\r\n0\r\n\r\n"),
     CHUNKED_DONE, S("x"), ALL("1;a=\"b c;d\"\r\nx\r\n0\r\n\r\n"), NULL},
    {"a quoted value may escape a quote and a backslash", S("1;a=\"\\\"\\\\\"\r\nx\r\n0\r\n\r\n"),
     CHUNKED_DONE, S("x"), ALL("1;a=\"\\\"\\\\\"\r\nx\r\n0\r\n\r\n"), NULL},
    {"an empty quoted value is fine", S("1;a=\"\"\r\nx\r\n0\r\n\r\n"), CHUNKED_DONE, S("x"),
     ALL("1;a=\"\"\r\nx\r\n0\r\n\r\n"), NULL},
    {"several extensions are ignored", S("1;a;b=c;d=\"e\"\r\nx\r\n0\r\n\r\n"), CHUNKED_DONE, S("x"),
     ALL("1;a;b=c;d=\"e\"\r\nx\r\n0\r\n\r\n"), NULL},
    {"BWS around ';' and '=' is allowed", S("1 ;\ta = b ; c\r\nx\r\n0\r\n\r\n"), CHUNKED_DONE,
     S("x"), ALL("1 ;\ta = b ; c\r\nx\r\n0\r\n\r\n"), NULL},
    {"the last chunk may carry extensions", S("0;last=yes\r\n\r\n"), CHUNKED_DONE, S(""),
     ALL("0;last=yes\r\n\r\n"), NULL},
    {"obs-text in a quoted extension value is allowed", S("1;a=\"caf\xc3\xa9\"\r\nx\r\n0\r\n\r\n"),
     CHUNKED_DONE, S("x"), ALL("1;a=\"caf\xc3\xa9\"\r\nx\r\n0\r\n\r\n"), NULL},
    {"a trailer field is kept", S("1\r\nx\r\n0\r\nContent-Digest: sha-256=:AA==:\r\n\r\n"),
     CHUNKED_DONE, S("x"), ALL("1\r\nx\r\n0\r\nContent-Digest: sha-256=:AA==:\r\n\r\n"),
     "Content-Digest=sha-256=:AA==:;"},
    {"several trailer fields are kept in order", S("0\r\nA: 1\r\nb:2\r\nC:  three  \r\n\r\n"),
     CHUNKED_DONE, S(""), ALL("0\r\nA: 1\r\nb:2\r\nC:  three  \r\n\r\n"), "A=1;b=2;C=three;"},
    {"an empty trailer value is kept", S("0\r\nX-Empty:\r\n\r\n"), CHUNKED_DONE, S(""),
     ALL("0\r\nX-Empty:\r\n\r\n"), "X-Empty=;"},
    {"obs-text and tabs in a trailer value are kept", S("0\r\nX: a\tb\xff\r\n\r\n"), CHUNKED_DONE,
     S(""), ALL("0\r\nX: a\tb\xff\r\n\r\n"), "X=a\tb\xff;"},

    /* Chunk sizes. */
    {"an empty chunk size is 400", S("\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 1, NULL},
    {"a chunk size that is not hex is 400", S("zz\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 1, NULL},
    {"a negative chunk size is 400", S("-1\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 1, NULL},
    {"a 0x prefix is 400", S("0x5\r\nhello\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 2, NULL},
    {"a plus sign is 400", S("+5\r\nhello\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 1, NULL},
    {"a letter after the digits is 400", S("5g\r\nhello\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 2,
     NULL},
    {"a space before the size is 400", S(" 5\r\nhello\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 1, NULL},
    {"whitespace between the size and CRLF is 400", S("5 \r\nhello\r\n0\r\n\r\n"), CHUNKED_BAD,
     S(""), 3, NULL},
    {"whitespace inside the size is 400", S("1 0\r\n"), CHUNKED_BAD, S(""), 3, NULL},
    {"seventeen digits are 400", S("00000000000000001\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 17,
     NULL},
    {"a size past 64 bits is 400", S("10000000000000000\r\n"), CHUNKED_BAD, S(""), 17, NULL},

    /* Line endings. */
    {"a bare LF after the size is 400", S("5\nhello\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 2, NULL},
    {"a bare CR after the size is 400", S("5\rhello\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 3, NULL},
    {"a bare LF after chunk data is 400", S("5\r\nhello\n0\r\n\r\n"), CHUNKED_BAD, S("hello"), 9,
     NULL},
    {"a bare CR after chunk data is 400", S("5\r\nhello\r0\r\n\r\n"), CHUNKED_BAD, S("hello"), 10,
     NULL},
    {"chunk data longer than its size is 400", S("3\r\nhello\r\n0\r\n\r\n"), CHUNKED_BAD, S("hel"),
     7, NULL},
    {"a bare LF after the last chunk is 400", S("0\n\r\n"), CHUNKED_BAD, S(""), 2, NULL},
    {"a bare LF as the final line is 400", S("0\r\n\n"), CHUNKED_BAD, S(""), 4, NULL},
    {"a bare CR as the final line is 400", S("0\r\n\rX"), CHUNKED_BAD, S(""), 5, NULL},

    /* Extensions. */
    {"an empty extension name is 400", S("1;\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 3, NULL},
    {"an extension name that is not a token is 400", S("1;a(b)\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD,
     S(""), 4, NULL},
    {"'=' without a value is 400", S("1;a=\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 5, NULL},
    {"a value that is neither token nor quoted string is 400", S("1;a=b(c\r\nx\r\n"), CHUNKED_BAD,
     S(""), 6, NULL},
    {"an unterminated quoted value is 400", S("1;a=\"bc\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD, S(""), 8,
     NULL},
    {"a control byte in a quoted value is 400", S("1;a=\"b\x01\"\r\nx\r\n"), CHUNKED_BAD, S(""), 7,
     NULL},
    {"a quoted pair of a control byte is 400", S("1;a=\"\\\x01\"\r\nx\r\n"), CHUNKED_BAD, S(""), 7,
     NULL},
    {"whitespace after a quoted value before CRLF is 400", S("1;a=\"b\" \r\nx\r\n"), CHUNKED_BAD,
     S(""), 9, NULL},
    {"whitespace then ';' after a quoted value is fine", S("1;a=\"b\" ;c\r\nx\r\n0\r\n\r\n"),
     CHUNKED_DONE, S("x"), ALL("1;a=\"b\" ;c\r\nx\r\n0\r\n\r\n"), NULL},
    {"text right after a quoted value is 400", S("1;a=\"b\"c\r\nx\r\n"), CHUNKED_BAD, S(""), 8,
     NULL},
    {"whitespace after an extension before CRLF is 400", S("1;a=b \r\nx\r\n"), CHUNKED_BAD, S(""),
     7, NULL},
    {"whitespace after an extension name before CRLF is 400", S("1;a \r\nx\r\n"), CHUNKED_BAD,
     S(""), 5, NULL},
    {"a bare LF in an extension is 400", S("1;a\nx\r\n"), CHUNKED_BAD, S(""), 4, NULL},
    {"a NUL in an extension is 400", S("1;a\0\r\nx\r\n"), CHUNKED_BAD, S(""), 4, NULL},

    /* Trailers. */
    {"obs-fold in the trailer section is 400", S("0\r\nA: 1\r\n 2\r\n\r\n"), CHUNKED_BAD, S(""), 10,
     NULL},
    {"a trailer line without a colon is 400", S("0\r\nNoColon\r\n\r\n"), CHUNKED_BAD, S(""), 11,
     NULL},
    {"whitespace before a trailer colon is 400", S("0\r\nA : 1\r\n\r\n"), CHUNKED_BAD, S(""), 5,
     NULL},
    {"an empty trailer name is 400", S("0\r\n: 1\r\n\r\n"), CHUNKED_BAD, S(""), 4, NULL},
    {"a control byte in a trailer value is 400", S("0\r\nA: \x1b[0m\r\n\r\n"), CHUNKED_BAD, S(""),
     7, NULL},
    {"a NUL in a trailer value is 400", S("0\r\nA: a\0b\r\n\r\n"), CHUNKED_BAD, S(""), 8, NULL},
    {"a bare LF ending a trailer line is 400", S("0\r\nA: 1\n\r\n"), CHUNKED_BAD, S(""), 8, NULL},
    {"a bare CR ending a trailer line is 400", S("0\r\nA: 1\rB: 2\r\n\r\n"), CHUNKED_BAD, S(""), 9,
     NULL},

    /* Bodies that have not ended. */
    {"a body cut in a size needs more", S("5"), CHUNKED_NEED_MORE, S(""), ALL("5"), NULL},
    {"a body cut in the data gives what came and needs more", S("5\r\nhel"), CHUNKED_NEED_MORE,
     S("hel"), ALL("5\r\nhel"), NULL},
    {"a body cut before the last chunk needs more", S("1\r\nx\r\n"), CHUNKED_NEED_MORE, S("x"),
     ALL("1\r\nx\r\n"), NULL},
    {"a body cut before the final CRLF needs more", S("0\r\n"), CHUNKED_NEED_MORE, S(""),
     ALL("0\r\n"), NULL},
    {"a body cut in a trailer needs more", S("0\r\nA: 1\r\n"), CHUNKED_NEED_MORE, S(""),
     ALL("0\r\nA: 1\r\n"), NULL},
    {"an empty input needs more", S(""), CHUNKED_NEED_MORE, S(""), 0, NULL},
};

static bool check_body_row(struct tally *t, const struct body_case *c, const struct outcome *o)
{
    size_t want_len = c->dlen;

    if (o->is_broken) {
        row_fail(t, c->what, "a contract was broken: %s", o->why);
        return false;
    }
    if (o->r != c->want) {
        row_fail(t, c->what, "gave %s (%s), want %s", result_name(o->r),
                 o->error != NULL ? o->error : "-", result_name(c->want));
        return false;
    }
    if (o->len != want_len || memcmp(o->data, c->data, want_len) != 0) {
        row_fail(t, c->what, "decoded %zu bytes \"%.*s\"", o->len, (int)o->len, o->data);
        return false;
    }
    if (o->end != c->end) {
        row_fail(t, c->what, "ended at %zu, want %zu", o->end, c->end);
        return false;
    }
    if (strcmp(o->trailers, c->trailers != NULL ? c->trailers : "") != 0) {
        row_fail(t, c->what, "trailers \"%s\"", o->trailers);
        return false;
    }
    return true;
}

static void test_body_whole(void **state)
{
    struct tally t = {0, NULL};
    static struct outcome o;

    (void)state;
    for (size_t i = 0; i < NROWS(body_cases); i++) {
        decode_whole(&roomy, body_cases[i].in, body_cases[i].len, &o);
        check_body_row(&t, &body_cases[i], &o);
    }
    tally_end(&t, NROWS(body_cases));
}

/* One byte at a time, each in its own one-byte buffer: the same outcome. */
static void test_body_bytewise(void **state)
{
    struct tally t = {0, NULL};
    static struct outcome whole, o;

    (void)state;
    for (size_t i = 0; i < NROWS(body_cases); i++) {
        const struct body_case *c = &body_cases[i];
        size_t cuts[256];
        const char *diff;

        assert_true(c->len <= NROWS(cuts));
        cuts[0] = 0; /* the empty input is one empty piece */
        for (size_t k = 0; k < c->len; k++)
            cuts[k] = k + 1;
        decode_whole(&roomy, c->in, c->len, &whole);
        decode_cuts(&roomy, c->in, c->len, cuts, c->len > 0 ? c->len : 1, &o);
        if (!check_body_row(&t, c, &o))
            continue;
        if ((diff = outcome_diff(&whole, &o)) != NULL)
            row_fail(&t, c->what, "byte by byte, %s differs from one piece", diff);
    }
    tally_end(&t, NROWS(body_cases));
}

/* Split in two at every byte (including before the first and after the last). */
static void test_body_split_everywhere(void **state)
{
    struct tally t = {0, NULL};
    static struct outcome whole, o;

    (void)state;
    for (size_t i = 0; i < NROWS(body_cases); i++) {
        const struct body_case *c = &body_cases[i];

        decode_whole(&roomy, c->in, c->len, &whole);
        for (size_t k = 0; k <= c->len; k++) {
            size_t cuts[2] = {k, c->len};
            const char *diff = NULL;

            decode_cuts(&roomy, c->in, c->len, cuts, 2, &o);
            if (o.is_broken || (diff = outcome_diff(&whole, &o)) != NULL) {
                row_fail(&t, c->what, "split at %zu: %s", k, o.is_broken ? o.why : diff);
                break;
            }
        }
    }
    tally_end(&t, NROWS(body_cases));
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

struct limit_case {
    const char *what;
    struct chunked_limits lim;
    const char *in;
    size_t len;
    enum chunked_result want;
};

static const struct limit_case limit_cases[] = {
    {"a body of exactly max_body bytes is accepted",
     {5, 64, 64},
     S("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
     CHUNKED_DONE},
    {"one byte over max_body is 413",
     {4, 64, 64},
     S("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
     CHUNKED_TOO_LARGE},
    {"a size over max_body is 413 before any of its data",
     {4, 64, 64},
     S("5\r\n"),
     CHUNKED_TOO_LARGE},
    {"a huge size is 413 as soon as it passes max_body",
     {1000, 64, 64},
     S("fffffff"),
     CHUNKED_TOO_LARGE},
    {"max_body 0 accepts only the empty body", {0, 64, 64}, S("0\r\n\r\n"), CHUNKED_DONE},
    {"max_body 0 refuses any data", {0, 64, 64}, S("1\r\n"), CHUNKED_TOO_LARGE},
    {"the largest size is fine without a body limit",
     {UINT64_MAX, 64, 64},
     S("ffffffffffffffff\r\n"),
     CHUNKED_NEED_MORE},
    {"extensions of exactly max_ext bytes are accepted",
     {100, 4, 64},
     S("1;a=b\r\nx\r\n0\r\n\r\n"),
     CHUNKED_DONE},
    {"extensions one byte over max_ext are 400",
     {100, 3, 64},
     S("1;a=b\r\nx\r\n0\r\n\r\n"),
     CHUNKED_BAD},
    {"max_ext counts BWS too", {100, 4, 64}, S("1 ;ab\r\nx\r\n0\r\n\r\n"), CHUNKED_DONE},
    {"max_ext counts BWS too (one over)", {100, 4, 64}, S("1 ;abc\r\nx\r\n0\r\n\r\n"), CHUNKED_BAD},
    {"max_ext is per chunk line",
     {100, 4, 64},
     S("1;a=b\r\nx\r\n1;c=d\r\ny\r\n0;e=f\r\n\r\n"),
     CHUNKED_DONE},
    {"a trailer section of exactly max_trailer bytes is accepted",
     {100, 64, 8},
     S("0\r\nA: 1\r\n\r\n"),
     CHUNKED_DONE},
    {"a trailer section one byte over max_trailer is 400",
     {100, 64, 7},
     S("0\r\nA: 1\r\n\r\n"),
     CHUNKED_BAD},
    {"max_trailer 2 allows only the final CRLF", {100, 64, 2}, S("0\r\n\r\n"), CHUNKED_DONE},
};

static void test_limits(void **state)
{
    struct tally t = {0, NULL};
    static struct outcome o, bytewise;

    (void)state;
    for (size_t i = 0; i < NROWS(limit_cases); i++) {
        const struct limit_case *c = &limit_cases[i];
        size_t cuts[256];
        const char *diff;

        assert_true(c->len <= NROWS(cuts));
        for (size_t k = 0; k < c->len; k++)
            cuts[k] = k + 1;
        decode_whole(&c->lim, c->in, c->len, &o);
        decode_cuts(&c->lim, c->in, c->len, cuts, c->len, &bytewise);
        if (o.is_broken || o.r != c->want)
            row_fail(&t, c->what, "gave %s (%s)%s%s", result_name(o.r), o.error ? o.error : "-",
                     o.is_broken ? ": " : "", o.is_broken ? o.why : "");
        else if ((diff = outcome_diff(&o, &bytewise)) != NULL)
            row_fail(&t, c->what, "byte by byte, %s differs", diff);
        else if (o.total > c->lim.max_body)
            row_fail(&t, c->what, "handed out %llu bytes", (unsigned long long)o.total);
    }
    tally_end(&t, NROWS(limit_cases));
}

/* A trailer buffer smaller than the trailers is 400; without a buffer they are dropped. */
static void test_trailer_buffer(void **state)
{
    static const char body[] = "0\r\nAb: 1\r\n\r\n";
    char small[5], exact[6];
    struct chunked d;
    struct strview name, value;
    size_t used, pos = 0;
    struct strview data;

    (void)state;
    chunked_init(&d, &roomy, small, sizeof(small));
    assert_int_equal(chunked_feed(&d, body, sizeof(body) - 1, &used, &data), CHUNKED_BAD);
    assert_non_null(d.error);

    /* "Ab: 1" and an LF for its CRLF: 6 bytes kept. */
    chunked_init(&d, &roomy, exact, sizeof(exact));
    assert_int_equal(chunked_feed(&d, body, sizeof(body) - 1, &used, &data), CHUNKED_DONE);
    assert_true(chunked_trailer_next(&d, &pos, &name, &value));
    assert_int_equal(name.len, 2);
    assert_memory_equal(name.p, "Ab", 2);
    assert_int_equal(value.len, 1);
    assert_false(chunked_trailer_next(&d, &pos, &name, &value));

    chunked_init(&d, &roomy, NULL, 0);
    assert_int_equal(chunked_feed(&d, body, sizeof(body) - 1, &used, &data), CHUNKED_DONE);
    assert_int_equal(used, sizeof(body) - 1);
    pos = 0;
    assert_false(chunked_trailer_next(&d, &pos, &name, &value));
    assert_false(chunked_trailer_find(&d, "ab", &value));
}

/* chunked_trailer_find() ignores case, gives the first, and trims. */
static void test_trailer_find(void **state)
{
    static const char body[] = "2\r\nhi\r\n0\r\nContent-Digest:  sha-256=:x:\t\r\n"
                               "X-A: 1\r\nx-a: 2\r\n\r\n";
    char buf[256];
    struct chunked d;
    struct strview data, v;
    size_t used, off = 0;
    enum chunked_result r;

    (void)state;
    chunked_init(&d, &roomy, buf, sizeof(buf));
    while ((r = chunked_feed(&d, body + off, sizeof(body) - 1 - off, &used, &data)) == CHUNKED_DATA)
        off += used;
    assert_int_equal(r, CHUNKED_DONE);
    assert_true(chunked_trailer_find(&d, "content-digest", &v));
    assert_int_equal(v.len, strlen("sha-256=:x:"));
    assert_memory_equal(v.p, "sha-256=:x:", v.len);
    assert_true(chunked_trailer_find(&d, "X-a", &v));
    assert_memory_equal(v.p, "1", 1);
    assert_false(chunked_trailer_find(&d, "x", &v));
    assert_false(chunked_trailer_find(&d, "content-digest-x", &v));
}

/* After DONE or an error, the decoder answers the same and consumes nothing. */
static void test_final_states_stay(void **state)
{
    static const char *const inputs[] = {"0\r\n\r\n", "zz", "5\r\n"};
    static const struct chunked_limits tight = {4, 64, 64};
    struct chunked d;
    struct strview data;
    size_t used;

    (void)state;
    for (size_t i = 0; i < NROWS(inputs); i++) {
        enum chunked_result first, again;

        chunked_init(&d, &tight, NULL, 0);
        first = chunked_feed(&d, inputs[i], strlen(inputs[i]), &used, &data);
        assert_true(first == CHUNKED_DONE || first == CHUNKED_BAD || first == CHUNKED_TOO_LARGE);
        again = chunked_feed(&d, "1\r\nx\r\n", 6, &used, &data);
        assert_int_equal(again, first);
        assert_int_equal(used, 0);
        assert_int_equal(data.len, 0);
    }
}

/* A large body in pieces of every size from 1 to 97 decodes to the same bytes. */
static void test_large_body_any_pieces(void **state)
{
    static char in[20000];
    static char want[MAX_OUT];
    static struct outcome o;
    size_t len = 0, wlen = 0;

    (void)state;
    for (unsigned n = 1; wlen + n < sizeof(want); n += 7) {
        len += (size_t)snprintf(in + len, sizeof(in) - len, "%x;n=%u\r\n", n, n);
        for (unsigned k = 0; k < n; k++)
            in[len++] = want[wlen++] = (char)('a' + (n + k) % 26);
        memcpy(in + len, "\r\n", 2);
        len += 2;
    }
    len += (size_t)snprintf(in + len, sizeof(in) - len, "0\r\nT: v\r\n\r\n");
    for (size_t piece = 1; piece <= 97; piece++) {
        static size_t cuts[20000];
        size_t ncuts = 0;

        for (size_t at = piece; at < len; at += piece)
            cuts[ncuts++] = at;
        cuts[ncuts++] = len;
        decode_cuts(&roomy, in, len, cuts, ncuts, &o);
        if (o.is_broken || o.r != CHUNKED_DONE || o.end != len || o.len != wlen ||
            memcmp(o.data, want, wlen) != 0 || strcmp(o.trailers, "T=v;") != 0)
            fail_msg("pieces of %zu: %s %s", piece, result_name(o.r), o.is_broken ? o.why : "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_whole),
        cmocka_unit_test(test_body_bytewise),
        cmocka_unit_test(test_body_split_everywhere),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_trailer_buffer),
        cmocka_unit_test(test_trailer_find),
        cmocka_unit_test(test_final_states_stay),
        cmocka_unit_test(test_large_body_any_pieces),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
