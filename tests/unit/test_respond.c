/*
 * tests/unit/test_respond.c - server/respond.c: what a GET or HEAD of a
 * representation answers (200, 206, multipart 206, 416, 304, 412), the
 * headers DESIGN.md promises, the body segments, error replies and reason
 * phrases. Requests are real ones, parsed by http_parse_request.
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

#include "server/http_req.h"
#include "server/respond.h"

/* The clock and the representations every row uses. */
#define NOW         ((time_t)1445412480) /* Wed, 21 Oct 2015 07:28:00 GMT */
#define NOW_DATE    "Wed, 21 Oct 2015 07:28:00 GMT"
#define MTIME       ((time_t)784111777) /* Sun, 06 Nov 1994 08:49:37 GMT */
#define MTIME_DATE  "Sun, 06 Nov 1994 08:49:37 GMT"
#define BEFORE_DATE "Sun, 06 Nov 1994 08:49:36 GMT"
#define PREV_MTIME  ((time_t)(NOW - 1)) /* one second before the Date */
#define PREV_DATE   "Wed, 21 Oct 2015 07:27:59 GMT"
#define FILE_ETAG   "\"5f3-2710-abc\""
#define FILE_SIZE   10000
#define MEM_SIZE    100
/* Base64 of the digest 00 01 02 ... 1f that the representations claim. */
#define DIGEST_B64  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

enum rep_kind {
    REP_FILE,           /* 10000 bytes on disk, digest known */
    REP_FILE_NO_DIGEST, /* the same, digest unknown */
    REP_MEM,            /* 100 bytes in memory, digest known */
    REP_EMPTY,          /* an empty file */
    REP_FILE_YOUNG,     /* the file, modified in the Date's second: its date is weak */
    REP_FILE_1S,        /* the file, modified in the second before the Date's: strong */
    REP_MEM_YOUNG,      /* the memory bytes, made in the Date's second */
};

static char mem_body[MEM_SIZE + 1];

static void make_repr(enum rep_kind kind, struct repr *r)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    bool is_mem = kind == REP_MEM || kind == REP_MEM_YOUNG;

    for (size_t i = 0; i < MEM_SIZE; i++)
        mem_body[i] = alphabet[i % (sizeof(alphabet) - 1)];
    memset(r, 0, sizeof(*r));
    r->is_file = !is_mem;
    r->mem = is_mem ? mem_body : NULL;
    r->size = is_mem ? MEM_SIZE : kind == REP_EMPTY ? 0 : FILE_SIZE;
    r->mtime = MTIME;
    if (kind == REP_FILE_YOUNG || kind == REP_MEM_YOUNG)
        r->mtime = NOW;
    if (kind == REP_FILE_1S)
        r->mtime = PREV_MTIME;
    snprintf(r->etag, sizeof(r->etag), "%s", FILE_ETAG);
    r->has_digest = kind != REP_FILE_NO_DIGEST;
    for (size_t i = 0; i < SHA256_LEN; i++)
        r->sha256[i] = (uint8_t)i;
    r->content_type = is_mem ? "text/plain; charset=utf-8" : "application/octet-stream";
}

enum ctx_kind {
    CTX_11,       /* HTTP/1.1, kept alive */
    CTX_11_HEAD,  /* the same, for HEAD */
    CTX_11_CLOSE, /* HTTP/1.1, the connection ends after this */
    CTX_10_KEEP,  /* HTTP/1.0 that asked for keep-alive */
    CTX_10_CLOSE, /* plain HTTP/1.0 */
    CTX_10_HEAD,  /* HTTP/1.0 HEAD with keep-alive */
};

static struct resp_ctx make_ctx(enum ctx_kind k)
{
    struct resp_ctx c;

    c.now = NOW;
    c.version_minor = (k == CTX_10_KEEP || k == CTX_10_CLOSE || k == CTX_10_HEAD) ? 0 : 1;
    c.is_keep_alive = k != CTX_11_CLOSE && k != CTX_10_CLOSE;
    c.is_head = k == CTX_11_HEAD || k == CTX_10_HEAD;
    return c;
}

/* Parse "GET /f HTTP/1.1", Host and HEADERS (CRLF-terminated lines). */
static bool parse_with(bool is_head, const char *headers, char *buf, size_t cap,
                       struct http_request *req)
{
    size_t scanned = 0;
    int n = snprintf(buf, cap, "%s /f HTTP/1.1\r\nHost: h\r\n%s\r\n", is_head ? "HEAD" : "GET",
                     headers);

    if (n < 0 || (size_t)n >= cap)
        return false;
    return http_parse_request(buf, (size_t)n, &scanned, req) == HTTP_PARSE_OK;
}

/* True when the head holds the whole line LINE (without its CRLF). */
static bool head_has_line(const struct response *out, const char *line)
{
    char want[512];
    int n = snprintf(want, sizeof(want), "\r\n%s\r\n", line);

    return n > 0 && memmem(out->head, out->head_len, want, (size_t)n) != NULL;
}

/* True when the head has a field called NAME (exact case, as we send it). */
static bool head_has_field(const struct response *out, const char *name)
{
    char want[128];
    int n = snprintf(want, sizeof(want), "\r\n%s:", name);

    return n > 0 && memmem(out->head, out->head_len, want, (size_t)n) != NULL;
}

/* How many times NEEDLE occurs in the head. */
static size_t head_count(const struct response *out, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    const char *p = out->head, *end = out->head + out->head_len;

    while ((p = memmem(p, (size_t)(end - p), needle, nl)) != NULL) {
        n++;
        p += nl;
    }
    return n;
}

/* The value of field NAME in the head, copied into VAL; false when absent. */
static bool head_value(const struct response *out, const char *name, char *val, size_t cap)
{
    char want[128];
    int n = snprintf(want, sizeof(want), "\r\n%s: ", name);
    const char *p = memmem(out->head, out->head_len, want, (size_t)n), *e;

    if (p == NULL)
        return false;
    p += n;
    e = memmem(p, out->head_len - (size_t)(p - out->head), "\r\n", 2);
    if (e == NULL || (size_t)(e - p) >= cap)
        return false;
    memcpy(val, p, (size_t)(e - p));
    val[e - p] = '\0';
    return true;
}

/*
 * What every response must satisfy, whatever the row: a status line with
 * its reason, Date and Server, exactly one Content-Length (none for 304)
 * equal to body_len, the head as segs[0] ending in a blank line, body
 * segments adding up to body_len (none for HEAD), and the Connection
 * header agreeing with is_close. Returns a complaint or NULL.
 */
static const char *check_common(const struct response *out, const struct resp_ctx *ctx, char *why,
                                size_t cap)
{
    char line[128], val[64];
    uint64_t sum = 0;

    snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", out->status, respond_reason(out->status));
    if (out->head_len < strlen(line) || memcmp(out->head, line, strlen(line)) != 0)
        return "the status line is wrong";
    if (out->head_len < 4 || memcmp(out->head + out->head_len - 4, "\r\n\r\n", 4) != 0)
        return "the head does not end with a blank line";
    if (head_count(out, "\r\n\r\n") != 1)
        return "the head holds a blank line before its end";
    if (!head_has_line(out, "Date: " NOW_DATE) || !head_has_line(out, "Server: " SERVER_SOFTWARE))
        return "Date or Server is missing or wrong";
    if (out->nsegs < 1 || out->segs[0].kind != RESP_SEG_MEM || out->segs[0].mem != out->head ||
        out->segs[0].off != 0 || out->segs[0].len != out->head_len)
        return "segs[0] is not the head";
    if (out->status == 304) {
        if (head_has_field(out, "Content-Length"))
            return "a 304 carries Content-Length";
    } else {
        snprintf(line, sizeof(line), "%" PRIu64, out->body_len);
        if (head_count(out, "\r\nContent-Length: ") != 1 ||
            !head_value(out, "Content-Length", val, sizeof(val)) || strcmp(val, line) != 0) {
            snprintf(why, cap, "Content-Length is not body_len %" PRIu64, out->body_len);
            return why;
        }
    }
    for (size_t i = 1; i < out->nsegs; i++)
        sum += out->segs[i].len;
    if (ctx->is_head ? out->nsegs != 1 : (out->status != 304 && sum != out->body_len)) {
        snprintf(why, cap, "%zu segments of %" PRIu64 " bytes for a body of %" PRIu64,
                 out->nsegs - 1, sum, out->body_len);
        return why;
    }
    if (out->is_close != head_has_line(out, "Connection: close"))
        return "is_close disagrees with the Connection header";
    if (!out->is_close && ctx->version_minor == 0 && !head_has_line(out, "Connection: keep-alive"))
        return "a kept-alive HTTP/1.0 response lacks Connection: keep-alive";
    if (!out->is_close && ctx->version_minor == 1 && head_has_field(out, "Connection"))
        return "a kept-alive HTTP/1.1 response sends Connection";
    return NULL;
}

/* ------------------------------------------------------------------ */
/* respond_repr                                                         */
/* ------------------------------------------------------------------ */

struct seg_want {
    enum resp_seg_kind kind;
    uint64_t off, len;
};

struct repr_case {
    const char *what;
    enum rep_kind rep;
    enum ctx_kind ctx;
    const char *headers; /* request header lines after Host, CRLF-terminated */
    int status;
    bool is_close;
    uint64_t body_len;
    const char *has[9];   /* whole header lines the head must hold */
    const char *lacks[4]; /* header fields it must not hold */
    bool is_error_body;   /* the body is respond_error's text in out->extra */
    size_t nbody;         /* body segments after the head */
    struct seg_want body[2];
};

#define FULL_FILE_HEADERS                                                                          \
    "Content-Length: 10000", "Accept-Ranges: bytes", "ETag: " FILE_ETAG,                           \
        "Last-Modified: " MTIME_DATE, "Content-Type: application/octet-stream",                    \
        "Repr-Digest: sha-256=:" DIGEST_B64 ":"

static const struct repr_case repr_cases[] = {
    {"a GET of a file is 200 with every promised header and the whole file",
     REP_FILE,
     CTX_11,
     "",
     200,
     false,
     FILE_SIZE,
     {FULL_FILE_HEADERS},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"without a known digest neither Repr-Digest nor Digest is sent",
     REP_FILE_NO_DIGEST,
     CTX_11,
     "",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000", "Accept-Ranges: bytes", "ETag: " FILE_ETAG},
     {"Repr-Digest", "Digest", "Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"a GET 200 leaves RFC 3230's Digest to HEAD and 206 (commit 7d694d3: aria2c)",
     REP_FILE,
     CTX_11,
     "",
     200,
     false,
     FILE_SIZE,
     {"Repr-Digest: sha-256=:" DIGEST_B64 ":"},
     {"Digest"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"a HEAD has the same headers, Digest too, and no body segment",
     REP_FILE,
     CTX_11_HEAD,
     "",
     200,
     false,
     FILE_SIZE,
     {FULL_FILE_HEADERS, "Digest: SHA-256=" DIGEST_B64},
     {"Content-Range"},
     false,
     0,
     {{0, 0, 0}}},
    {"a closed range is 206 with Content-Range and those bytes",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-99\r\n",
     206,
     false,
     100,
     {"Content-Range: bytes 0-99/10000", "Content-Length: 100", "Accept-Ranges: bytes",
      "ETag: " FILE_ETAG, "Last-Modified: " MTIME_DATE, "Repr-Digest: sha-256=:" DIGEST_B64 ":",
      "Digest: SHA-256=" DIGEST_B64, "Content-Type: application/octet-stream"},
     {"Content-Encoding"},
     false,
     1,
     {{RESP_SEG_FILE, 0, 100}}},
    {"a range in the middle starts at its first byte",
     REP_FILE,
     CTX_11,
     "Range: bytes=1234-5677\r\n",
     206,
     false,
     4444,
     {"Content-Range: bytes 1234-5677/10000", "Content-Length: 4444"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 1234, 4444}}},
    {"an open range runs to the end",
     REP_FILE,
     CTX_11,
     "Range: bytes=9000-\r\n",
     206,
     false,
     1000,
     {"Content-Range: bytes 9000-9999/10000", "Content-Length: 1000"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 9000, 1000}}},
    {"a last byte past the end is clamped",
     REP_FILE,
     CTX_11,
     "Range: bytes=9990-20000\r\n",
     206,
     false,
     10,
     {"Content-Range: bytes 9990-9999/10000", "Content-Length: 10"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 9990, 10}}},
    {"a suffix range selects the last bytes",
     REP_FILE,
     CTX_11,
     "Range: bytes=-500\r\n",
     206,
     false,
     500,
     {"Content-Range: bytes 9500-9999/10000", "Content-Length: 500"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 9500, 500}}},
    {"a suffix longer than the file is 206 for all of it",
     REP_FILE,
     CTX_11,
     "Range: bytes=-20000\r\n",
     206,
     false,
     FILE_SIZE,
     {"Content-Range: bytes 0-9999/10000", "Content-Length: 10000"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"the last byte alone is a one-byte 206",
     REP_FILE,
     CTX_11,
     "Range: bytes=9999-9999\r\n",
     206,
     false,
     1,
     {"Content-Range: bytes 9999-9999/10000", "Content-Length: 1"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 9999, 1}}},
    {"a HEAD with a range is 206 without a body segment",
     REP_FILE,
     CTX_11_HEAD,
     "Range: bytes=0-99\r\n",
     206,
     false,
     100,
     {"Content-Range: bytes 0-99/10000", "Content-Length: 100"},
     {NULL},
     false,
     0,
     {{0, 0, 0}}},
    {"a range of a memory representation points into its bytes",
     REP_MEM,
     CTX_11,
     "Range: bytes=10-19\r\n",
     206,
     false,
     10,
     {"Content-Range: bytes 10-19/100", "Content-Type: text/plain; charset=utf-8"},
     {NULL},
     false,
     1,
     {{RESP_SEG_MEM, 10, 10}}},
    {"a list whose other parts lie outside the file is a single 206",
     REP_MEM,
     CTX_11,
     "Range: bytes=0-1,500-600\r\n",
     206,
     false,
     2,
     {"Content-Range: bytes 0-1/100", "Content-Length: 2",
      "Content-Type: text/plain; charset=utf-8"},
     {NULL},
     false,
     1,
     {{RESP_SEG_MEM, 0, 2}}},
    {"a range starting at the size is 416 with Content-Range: bytes */SIZE",
     REP_FILE,
     CTX_11,
     "Range: bytes=10000-\r\n",
     416,
     false,
     0,
     {"Content-Range: bytes */10000", "Content-Type: text/plain; charset=utf-8"},
     {NULL},
     true,
     1,
     {{RESP_SEG_MEM, 0, 0}}},
    {"a list of ranges all outside the file is 416",
     REP_FILE,
     CTX_11,
     "Range: bytes=20000-30000, 10000-\r\n",
     416,
     false,
     0,
     {"Content-Range: bytes */10000"},
     {NULL},
     true,
     1,
     {{RESP_SEG_MEM, 0, 0}}},
    {"a HEAD with an unsatisfiable range is 416 without a body segment",
     REP_FILE,
     CTX_11_HEAD,
     "Range: bytes=10000-\r\n",
     416,
     false,
     0,
     {"Content-Range: bytes */10000"},
     {NULL},
     true,
     0,
     {{0, 0, 0}}},
    {"any range but a suffix of an empty file is 416 with bytes */0",
     REP_EMPTY,
     CTX_11,
     "Range: bytes=0-\r\n",
     416,
     false,
     0,
     {"Content-Range: bytes */0"},
     {NULL},
     true,
     1,
     {{RESP_SEG_MEM, 0, 0}}},
    {"a suffix of an empty file is the whole (empty) 200",
     REP_EMPTY,
     CTX_11,
     "Range: bytes=-5\r\n",
     200,
     false,
     0,
     {"Content-Length: 0", "Accept-Ranges: bytes"},
     {"Content-Range"},
     false,
     0,
     {{0, 0, 0}}},
    {"a GET of an empty file is 200 with no body segment",
     REP_EMPTY,
     CTX_11,
     "",
     200,
     false,
     0,
     {"Content-Length: 0", "ETag: " FILE_ETAG},
     {"Content-Range"},
     false,
     0,
     {{0, 0, 0}}},
    {"a malformed Range is ignored: 200",
     REP_FILE,
     CTX_11,
     "Range: bytes=abc\r\n",
     200,
     false,
     FILE_SIZE,
     {FULL_FILE_HEADERS},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"a range whose last byte comes before its first is ignored: 200",
     REP_FILE,
     CTX_11,
     "Range: bytes=5-4\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"another range unit is ignored: 200",
     REP_FILE,
     CTX_11,
     "Range: items=0-1\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"two Range headers are ignored: 200",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-99\r\nRange: bytes=0-99\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"ranges out of order are answered with the whole file",
     REP_FILE,
     CTX_11,
     "Range: bytes=500-599,0-99\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"overlapping ranges are answered with the whole file",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-10,5-20\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"more parts than RANGE_MAX_PARTS are answered with the whole file",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,"
     "28-28,30-30,32-32\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"an If-Range with another tag sends the whole file",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-99\r\nIf-Range: \"other\"\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000", "ETag: " FILE_ETAG},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"an If-Range with our tag weak sends the whole file",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-99\r\nIf-Range: W/" FILE_ETAG "\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"an If-Range with an older date sends the whole file",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-99\r\nIf-Range: " BEFORE_DATE "\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"an If-Range with our tag honours the range",
     REP_FILE,
     CTX_11,
     "If-Range: " FILE_ETAG "\r\nRange: bytes=0-99\r\n",
     206,
     false,
     100,
     {"Content-Range: bytes 0-99/10000"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, 100}}},
    {"an If-Range with the exact Last-Modified honours the range",
     REP_FILE,
     CTX_11,
     "If-Range: " MTIME_DATE "\r\nRange: bytes=-10\r\n",
     206,
     false,
     10,
     {"Content-Range: bytes 9990-9999/10000"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 9990, 10}}},
    {"an If-Range with the Last-Modified of a file changed in the Date's second sends the whole "
     "file (RFC 9110 13.1.5: the date is weak)",
     REP_FILE_YOUNG,
     CTX_11,
     "Range: bytes=0-99\r\nIf-Range: " NOW_DATE "\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000", "Last-Modified: " NOW_DATE},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"an If-Range with our tag still honours the range of a young file",
     REP_FILE_YOUNG,
     CTX_11,
     "Range: bytes=0-99\r\nIf-Range: " FILE_ETAG "\r\n",
     206,
     false,
     100,
     {"Content-Range: bytes 0-99/10000"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, 100}}},
    {"an If-Range with the Last-Modified of a file changed in the second before the Date's "
     "honours the range",
     REP_FILE_1S,
     CTX_11,
     "Range: bytes=0-99\r\nIf-Range: " PREV_DATE "\r\n",
     206,
     false,
     100,
     {"Content-Range: bytes 0-99/10000", "Last-Modified: " PREV_DATE},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, 100}}},
    {"an If-Range with the date of bytes in memory made in the Date's second sends them whole",
     REP_MEM_YOUNG,
     CTX_11,
     "Range: bytes=0-9\r\nIf-Range: " NOW_DATE "\r\n",
     200,
     false,
     MEM_SIZE,
     {"Content-Length: 100"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_MEM, 0, MEM_SIZE}}},
    {"an If-Range without a Range is a plain 200",
     REP_FILE,
     CTX_11,
     "If-Range: " FILE_ETAG "\r\n",
     200,
     false,
     FILE_SIZE,
     {"Content-Length: 10000"},
     {"Content-Range"},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"a matching If-None-Match is 304 with the validators and no body",
     REP_FILE,
     CTX_11,
     "If-None-Match: " FILE_ETAG "\r\n",
     304,
     false,
     0,
     {"ETag: " FILE_ETAG, "Last-Modified: " MTIME_DATE},
     {"Content-Range", "Content-Type"},
     false,
     0,
     {{0, 0, 0}}},
    {"an If-Modified-Since at the mtime is 304",
     REP_FILE,
     CTX_11,
     "If-Modified-Since: " MTIME_DATE "\r\n",
     304,
     false,
     0,
     {"ETag: " FILE_ETAG},
     {NULL},
     false,
     0,
     {{0, 0, 0}}},
    {"a HEAD with a matching If-None-Match is 304",
     REP_FILE,
     CTX_11_HEAD,
     "If-None-Match: *\r\n",
     304,
     false,
     0,
     {"ETag: " FILE_ETAG},
     {NULL},
     false,
     0,
     {{0, 0, 0}}},
    {"304 wins over a Range",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-99\r\nIf-None-Match: " FILE_ETAG "\r\n",
     304,
     false,
     0,
     {"ETag: " FILE_ETAG},
     {"Content-Range"},
     false,
     0,
     {{0, 0, 0}}},
    {"a failing If-Match is 412 with a text body",
     REP_FILE,
     CTX_11,
     "If-Match: \"other\"\r\n",
     412,
     false,
     0,
     {"Content-Type: text/plain; charset=utf-8"},
     {"ETag", "Content-Range"},
     true,
     1,
     {{RESP_SEG_MEM, 0, 0}}},
    {"a failing If-Unmodified-Since is 412",
     REP_FILE,
     CTX_11,
     "If-Unmodified-Since: " BEFORE_DATE "\r\n",
     412,
     false,
     0,
     {NULL},
     {NULL},
     true,
     1,
     {{RESP_SEG_MEM, 0, 0}}},
    {"412 wins over a Range",
     REP_FILE,
     CTX_11,
     "Range: bytes=0-99\r\nIf-Match: \"other\"\r\n",
     412,
     false,
     0,
     {NULL},
     {"Content-Range"},
     true,
     1,
     {{RESP_SEG_MEM, 0, 0}}},
    {"an HTTP/1.0 keep-alive response says Connection: keep-alive",
     REP_FILE,
     CTX_10_KEEP,
     "",
     200,
     false,
     FILE_SIZE,
     {"Connection: keep-alive", "Content-Length: 10000"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"an HTTP/1.0 keep-alive HEAD says Connection: keep-alive",
     REP_FILE,
     CTX_10_HEAD,
     "",
     200,
     false,
     FILE_SIZE,
     {"Connection: keep-alive"},
     {NULL},
     false,
     0,
     {{0, 0, 0}}},
    {"plain HTTP/1.0 gets Connection: close and is_close",
     REP_FILE,
     CTX_10_CLOSE,
     "",
     200,
     true,
     FILE_SIZE,
     {"Connection: close"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"a connection not kept alive gets Connection: close and is_close",
     REP_FILE,
     CTX_11_CLOSE,
     "",
     200,
     true,
     FILE_SIZE,
     {"Connection: close"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, FILE_SIZE}}},
    {"a 206 on a closing connection says Connection: close",
     REP_FILE,
     CTX_11_CLOSE,
     "Range: bytes=0-0\r\n",
     206,
     true,
     1,
     {"Connection: close", "Content-Range: bytes 0-0/10000"},
     {NULL},
     false,
     1,
     {{RESP_SEG_FILE, 0, 1}}},
    {"a 304 on a closing connection says Connection: close",
     REP_FILE,
     CTX_11_CLOSE,
     "If-None-Match: " FILE_ETAG "\r\n",
     304,
     true,
     0,
     {"Connection: close"},
     {NULL},
     false,
     0,
     {{0, 0, 0}}},
    {"a memory representation's body points at its bytes",
     REP_MEM,
     CTX_11,
     "",
     200,
     false,
     MEM_SIZE,
     {"Content-Length: 100", "Content-Type: text/plain; charset=utf-8",
      "Repr-Digest: sha-256=:" DIGEST_B64 ":"},
     {NULL},
     false,
     1,
     {{RESP_SEG_MEM, 0, MEM_SIZE}}},
};

static void test_respond_repr(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(repr_cases); i++) {
        const struct repr_case *c = &repr_cases[i];
        struct resp_ctx ctx = make_ctx(c->ctx);
        struct http_request req;
        struct repr rep;
        struct response *out = malloc(sizeof(*out));
        char buf[1024], why[256];
        const char *bad = NULL;

        assert_non_null(out);
        memset(out, 0xa5, sizeof(*out));
        make_repr(c->rep, &rep);
        if (!parse_with(ctx.is_head, c->headers, buf, sizeof(buf), &req)) {
            row_fail(&t, c->what, "the request does not parse");
            free(out);
            continue;
        }
        respond_repr(&req, &rep, &ctx, out);
        if (out->status != c->status || out->is_close != c->is_close) {
            row_fail(&t, c->what, "status %d, is_close %d; head:\n%.*s", out->status, out->is_close,
                     (int)out->head_len, out->head);
            free(out);
            continue;
        }
        if ((bad = check_common(out, &ctx, why, sizeof(why))) != NULL) {
            row_fail(&t, c->what, "%s; head:\n%.*s", bad, (int)out->head_len, out->head);
            free(out);
            continue;
        }
        if (!c->is_error_body && out->body_len != c->body_len)
            bad = "body_len";
        for (size_t k = 0; bad == NULL && k < NROWS(c->has) && c->has[k] != NULL; k++)
            if (!head_has_line(out, c->has[k])) {
                snprintf(why, sizeof(why), "no line \"%s\"", c->has[k]);
                bad = why;
            }
        for (size_t k = 0; bad == NULL && k < NROWS(c->lacks) && c->lacks[k] != NULL; k++)
            if (head_has_field(out, c->lacks[k])) {
                snprintf(why, sizeof(why), "a %s field", c->lacks[k]);
                bad = why;
            }
        if (bad == NULL && out->nsegs != 1 + c->nbody)
            bad = "the number of body segments";
        for (size_t k = 0; bad == NULL && k < c->nbody; k++) {
            const struct resp_seg *s = &out->segs[1 + k];
            const struct seg_want *w = &c->body[k];

            if (c->is_error_body) {
                if (s->kind != RESP_SEG_MEM || s->mem != out->extra || s->off != 0 ||
                    s->len != out->extra_len)
                    bad = "the error body is not out->extra";
            } else if (s->kind != w->kind || s->off != w->off || s->len != w->len ||
                       (s->kind == RESP_SEG_MEM && s->mem != rep.mem)) {
                snprintf(why, sizeof(why),
                         "segment %zu is kind %d at %" PRIu64 " for %" PRIu64 " bytes", k,
                         (int)s->kind, s->off, s->len);
                bad = why;
            }
        }
        if (bad == NULL && c->is_error_body) {
            char start[32];

            snprintf(start, sizeof(start), "%d %s", out->status, respond_reason(out->status));
            if (out->extra_len < strlen(start) || memcmp(out->extra, start, strlen(start)) != 0 ||
                out->extra[out->extra_len - 1] != '\n')
                bad = "the error text does not start with the status and end with LF";
        }
        if (bad != NULL)
            row_fail(&t, c->what, "%s; head:\n%.*s", bad, (int)out->head_len, out->head);
        free(out);
    }
    tally_end(&t, NROWS(repr_cases));
}

/* ------------------------------------------------------------------ */
/* multipart/byteranges                                                */
/* ------------------------------------------------------------------ */

/* RFC 2046 5.1.1: 1 to 70 bchars, the last not a space. */
static bool boundary_is_valid(const char *b)
{
    size_t n = strlen(b);

    if (n < 1 || n > 70 || b[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if (strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ",
                   b[i]) == NULL)
            return false;
    return true;
}

/* The body the segments describe, for a memory representation. */
static char *assemble(const struct response *out, const struct repr *rep, size_t *len)
{
    size_t n = 0;
    char *b;

    for (size_t i = 1; i < out->nsegs; i++)
        n += (size_t)out->segs[i].len;
    b = malloc(n + 1);
    assert_non_null(b);
    n = 0;
    for (size_t i = 1; i < out->nsegs; i++) {
        const struct resp_seg *s = &out->segs[i];

        assert_int_equal(s->kind, RESP_SEG_MEM);
        assert_true(s->mem == out->extra || s->mem == rep->mem);
        memcpy(b + n, s->mem + s->off, (size_t)s->len);
        n += (size_t)s->len;
    }
    *len = n;
    return b;
}

struct multi_case {
    const char *what;
    const char *range;
    size_t nparts;
    struct byte_range parts[RANGE_MAX_PARTS];
};

static const struct multi_case multi_cases[] = {
    {"two ranges make a two-part multipart/byteranges", "bytes=0-9,20-29", 2, {{0, 9}, {20, 29}}},
    {"three ranges, spaces and a suffix, in RFC 9110 14.6 form",
     "bytes=0-9, 50-59 ,-10",
     3,
     {{0, 9}, {50, 59}, {90, 99}}},
    {"adjacent ranges stay separate parts", "bytes=0-0,1-1", 2, {{0, 0}, {1, 1}}},
    {"a last part past the end is clamped", "bytes=0-0,98-500", 2, {{0, 0}, {98, 99}}},
    {"parts outside the file are dropped from the multipart",
     "bytes=0-1,200-300,5-6",
     2,
     {{0, 1}, {5, 6}}},
    {"RANGE_MAX_PARTS parts all fit",
     "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,"
     "30-39",
     16,
     {{0, 0},
      {2, 2},
      {4, 4},
      {6, 6},
      {8, 8},
      {10, 10},
      {12, 12},
      {14, 14},
      {16, 16},
      {18, 18},
      {20, 20},
      {22, 22},
      {24, 24},
      {26, 26},
      {28, 28},
      {30, 39}}},
};

/* Build the RFC 9110 14.6 body for C with BOUNDARY by hand. */
static char *expected_multipart(const struct multi_case *c, const char *boundary, size_t *len)
{
    size_t cap = 16384, o = 0;
    char *b = malloc(cap);

    assert_non_null(b);
    for (size_t i = 0; i < c->nparts; i++) {
        const struct byte_range *p = &c->parts[i];

        o += (size_t)snprintf(b + o, cap - o,
                              "%s--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                              "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/100\r\n\r\n",
                              i == 0 ? "" : "\r\n", boundary, p->first, p->last);
        memcpy(b + o, mem_body + p->first, (size_t)(p->last - p->first + 1));
        o += (size_t)(p->last - p->first + 1);
    }
    o += (size_t)snprintf(b + o, cap - o, "\r\n--%s--\r\n", boundary);
    *len = o;
    return b;
}

static void test_respond_multipart(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(multi_cases); i++) {
        const struct multi_case *c = &multi_cases[i];
        struct resp_ctx ctx = make_ctx(CTX_11), hctx = make_ctx(CTX_11_HEAD);
        struct http_request req;
        struct repr rep;
        struct response *out = malloc(sizeof(*out)), *hout = malloc(sizeof(*hout));
        char buf[1024], hdr[256], ctype[256], why[256];
        const char *boundary;
        char *got = NULL, *want = NULL;
        size_t got_len = 0, want_len = 0;
        const char *bad = NULL;

        assert_non_null(out);
        assert_non_null(hout);
        make_repr(REP_MEM, &rep);
        snprintf(hdr, sizeof(hdr), "Range: %s\r\n", c->range);
        assert_true(parse_with(false, hdr, buf, sizeof(buf), &req));
        respond_repr(&req, &rep, &ctx, out);
        if (out->status != 206) {
            row_fail(&t, c->what, "status %d", out->status);
            goto next;
        }
        if ((bad = check_common(out, &ctx, why, sizeof(why))) != NULL) {
            row_fail(&t, c->what, "%s", bad);
            goto next;
        }
        if (!head_value(out, "Content-Type", ctype, sizeof(ctype)) ||
            strncmp(ctype, "multipart/byteranges; boundary=", 31) != 0) {
            row_fail(&t, c->what, "Content-Type is not multipart/byteranges with a boundary");
            goto next;
        }
        boundary = ctype + 31;
        if (!boundary_is_valid(boundary)) {
            row_fail(&t, c->what, "the boundary \"%s\" is not valid (RFC 2046)", boundary);
            goto next;
        }
        if (head_has_field(out, "Content-Range") || !head_has_line(out, "Accept-Ranges: bytes") ||
            !head_has_line(out, "ETag: " FILE_ETAG) ||
            !head_has_line(out, "Repr-Digest: sha-256=:" DIGEST_B64 ":") ||
            !head_has_line(out, "Digest: SHA-256=" DIGEST_B64)) {
            row_fail(&t, c->what,
                     "the outer head has Content-Range or lacks a validator or a digest");
            goto next;
        }
        if (out->nsegs != 2 + 2 * c->nparts) {
            row_fail(&t, c->what, "%zu segments for %zu parts", out->nsegs, c->nparts);
            goto next;
        }
        got = assemble(out, &rep, &got_len);
        want = expected_multipart(c, boundary, &want_len);
        if (got_len != want_len || memcmp(got, want, want_len) != 0) {
            row_fail(&t, c->what, "the body differs from RFC 9110 14.6:\n%.*s\n-- want --\n%.*s",
                     (int)got_len, got, (int)want_len, want);
            goto next;
        }
        if (out->body_len != want_len) {
            row_fail(&t, c->what, "body_len %" PRIu64 ", body %zu", out->body_len, want_len);
            goto next;
        }
        /* The boundary must not occur inside any part's bytes. */
        for (size_t k = 0; k < c->nparts; k++)
            if (memmem(mem_body + c->parts[k].first,
                       (size_t)(c->parts[k].last - c->parts[k].first + 1), boundary,
                       strlen(boundary)) != NULL)
                row_fail(&t, c->what, "part %zu contains the boundary", k);
        /* HEAD: the same head (and Content-Length), no body. */
        assert_true(parse_with(true, hdr, buf, sizeof(buf), &req));
        respond_repr(&req, &rep, &hctx, hout);
        if (hout->status != 206 || hout->nsegs != 1 || hout->body_len != out->body_len ||
            hout->head_len != out->head_len || memcmp(hout->head, out->head, out->head_len) != 0)
            row_fail(&t, c->what, "the HEAD response differs from the GET head");
    next:
        free(got);
        free(want);
        free(out);
        free(hout);
    }
    tally_end(&t, NROWS(multi_cases));
}

/* A file multipart: delimiters from out->extra alternate with file segments. */
static void test_respond_multipart_file(void **state)
{
    struct resp_ctx ctx = make_ctx(CTX_11);
    struct http_request req;
    struct repr rep;
    struct response *out = malloc(sizeof(*out));
    char buf[512], val[64];
    uint64_t sum = 0;
    static const struct byte_range parts[] = {{0, 99}, {5000, 5099}, {9900, 9999}};

    (void)state;
    assert_non_null(out);
    make_repr(REP_FILE, &rep);
    assert_true(parse_with(false, "Range: bytes=0-99,5000-5099,-100\r\n", buf, sizeof(buf), &req));
    respond_repr(&req, &rep, &ctx, out);
    assert_int_equal(out->status, 206);
    assert_int_equal(out->nsegs, 8);
    for (size_t i = 1; i < out->nsegs; i++) {
        const struct resp_seg *s = &out->segs[i];

        sum += s->len;
        if (i % 2 == 1) {
            /* A delimiter in out->extra naming the part that follows. */
            char cr[96];

            assert_int_equal(s->kind, RESP_SEG_MEM);
            assert_ptr_equal(s->mem, out->extra);
            assert_true(s->off + s->len <= out->extra_len);
            if (i < out->nsegs - 1) {
                snprintf(cr, sizeof(cr), "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/10000\r\n",
                         parts[i / 2].first, parts[i / 2].last);
                assert_non_null(memmem(out->extra + s->off, (size_t)s->len, cr, strlen(cr)));
            }
        } else {
            assert_int_equal(s->kind, RESP_SEG_FILE);
            assert_int_equal(s->off, parts[i / 2 - 1].first);
            assert_int_equal(s->len, parts[i / 2 - 1].last - parts[i / 2 - 1].first + 1);
        }
    }
    assert_true(head_value(out, "Content-Length", val, sizeof(val)));
    assert_int_equal(strtoull(val, NULL, 10), sum);
    assert_int_equal(out->body_len, sum);
    free(out);
}

/* ------------------------------------------------------------------ */
/* respond_error, respond_reason, respond_status_closes                */
/* ------------------------------------------------------------------ */

struct error_case {
    const char *what;
    int status;
    const char *detail;
    const char *extra;
    enum ctx_kind ctx;
    bool is_close;
    const char *body;     /* the text body */
    const char *has_line; /* a header line the head must hold, or NULL */
};

static const struct error_case error_cases[] = {
    {"400 closes the connection", 400, "bad header", NULL, CTX_11, true,
     "400 Bad Request: bad header\n", "Connection: close"},
    {"404 keeps the connection", 404, "no such file", NULL, CTX_11, false,
     "404 Not Found: no such file\n", NULL},
    {"without a detail the body is the status and reason", 404, NULL, NULL, CTX_11, false,
     "404 Not Found\n", NULL},
    {"the extra header line is included", 405, "read only", "Allow: GET, HEAD\r\n", CTX_11, false,
     "405 Method Not Allowed: read only\n", "Allow: GET, HEAD"},
    {"a HEAD error has no body segment but announces its length", 404, "gone", NULL, CTX_11_HEAD,
     false, "404 Not Found: gone\n", "Content-Length: 20"},
    {"an HTTP/1.0 keep-alive error says Connection: keep-alive", 404, NULL, NULL, CTX_10_KEEP,
     false, "404 Not Found\n", "Connection: keep-alive"},
    {"an error on a connection not kept alive closes", 404, NULL, NULL, CTX_11_CLOSE, true,
     "404 Not Found\n", "Connection: close"},
    {"403 keeps the connection", 403, "the file cannot be read", NULL, CTX_11, false,
     "403 Forbidden: the file cannot be read\n", NULL},
    {"408 closes the connection", 408, "too slow", NULL, CTX_11, true,
     "408 Request Timeout: too slow\n", "Connection: close"},
    {"414 closes the connection", 414, NULL, NULL, CTX_11, true, "414 URI Too Long\n",
     "Connection: close"},
    {"431 closes the connection", 431, NULL, NULL, CTX_11, true,
     "431 Request Header Fields Too Large\n", "Connection: close"},
    {"501 closes the connection", 501, NULL, NULL, CTX_11, true, "501 Not Implemented\n",
     "Connection: close"},
    {"503 closes the connection", 503, "busy", "Retry-After: 1\r\n", CTX_11, true,
     "503 Service Unavailable: busy\n", "Retry-After: 1"},
    {"505 closes the connection", 505, NULL, NULL, CTX_11, true, "505 HTTP Version Not Supported\n",
     "Connection: close"},
    {"the error body is text/plain", 400, "x", NULL, CTX_11, true, "400 Bad Request: x\n",
     "Content-Type: text/plain; charset=utf-8"},
};

static void test_respond_error(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(error_cases); i++) {
        const struct error_case *c = &error_cases[i];
        struct resp_ctx ctx = make_ctx(c->ctx);
        struct response *out = malloc(sizeof(*out));
        char why[256];
        const char *bad;
        size_t blen = strlen(c->body);

        assert_non_null(out);
        memset(out, 0xa5, sizeof(*out));
        respond_error(c->status, c->detail, c->extra, &ctx, out);
        if (out->status != c->status || out->is_close != c->is_close)
            bad = "status or is_close";
        else if ((bad = check_common(out, &ctx, why, sizeof(why))) != NULL)
            ;
        else if (out->body_len != blen || out->extra_len != blen ||
                 memcmp(out->extra, c->body, blen) != 0)
            bad = "the body text";
        else if (c->has_line != NULL && !head_has_line(out, c->has_line))
            bad = "a header line is missing";
        else if (!ctx.is_head && (out->nsegs != 2 || out->segs[1].kind != RESP_SEG_MEM ||
                                  out->segs[1].mem != out->extra || out->segs[1].off != 0 ||
                                  out->segs[1].len != blen))
            bad = "the body segment";
        if (bad != NULL)
            row_fail(&t, c->what, "%s (status %d, close %d); head:\n%.*s\nbody: %.*s", bad,
                     out->status, out->is_close, (int)out->head_len, out->head, (int)out->extra_len,
                     out->extra);
        free(out);
    }
    tally_end(&t, NROWS(error_cases));
}

/* A detail longer than 200 bytes is cut there; the announced length follows. */
static void test_respond_error_long_detail(void **state)
{
    struct resp_ctx ctx = make_ctx(CTX_11);
    struct response *out = malloc(sizeof(*out));
    char detail[301], want[256], len_line[64];

    (void)state;
    assert_non_null(out);
    memset(detail, 'd', 300);
    detail[300] = '\0';
    snprintf(want, sizeof(want), "400 Bad Request: %.200s\n", detail);
    respond_error(400, detail, NULL, &ctx, out);
    assert_int_equal(out->extra_len, strlen(want));
    assert_memory_equal(out->extra, want, strlen(want));
    snprintf(len_line, sizeof(len_line), "Content-Length: %zu", strlen(want));
    assert_true(head_has_line(out, len_line));
    free(out);
}

/* The answers to uploads: a body when there is one, none (and no Content-Length) for 204. */
static void test_respond_status(void **state)
{
    struct resp_ctx ctx = make_ctx(CTX_11);
    struct resp_ctx head = make_ctx(CTX_11_HEAD);
    struct response *out = malloc(sizeof(*out));
    char val[64];

    (void)state;
    assert_non_null(out);
    respond_status(201, "Location: /x\r\nETag: \"1\"\r\n", "text/plain", "made\n", 5, &ctx, out);
    assert_int_equal(out->status, 201);
    assert_false(out->is_close);
    assert_true(head_has_line(out, "Content-Type: text/plain"));
    assert_true(head_has_line(out, "Content-Length: 5"));
    assert_true(head_has_line(out, "Location: /x"));
    assert_true(head_has_line(out, "ETag: \"1\""));
    assert_int_equal(out->nsegs, 2);
    assert_true(out->segs[1].len == 5 && memcmp(out->segs[1].mem, "made\n", 5) == 0);
    assert_int_equal(out->body_len, 5);

    respond_status(204, "Upload-Offset: 7\r\n", "text/plain", "ignored", 7, &ctx, out);
    assert_int_equal(out->status, 204);
    assert_false(head_has_field(out, "Content-Length"));
    assert_false(head_has_field(out, "Content-Type"));
    assert_true(head_value(out, "Upload-Offset", val, sizeof(val)) && strcmp(val, "7") == 0);
    assert_int_equal(out->nsegs, 1);
    assert_int_equal(out->body_len, 0);

    respond_status(201, NULL, "text/plain", NULL, 0, &ctx, out); /* an empty body */
    assert_true(head_has_line(out, "Content-Length: 0"));
    assert_false(head_has_field(out, "Content-Type"));
    assert_int_equal(out->nsegs, 1);

    respond_status(409, NULL, "application/problem+json", "{}", 2, &head, out);
    assert_true(head_has_line(out, "Content-Length: 2")); /* HEAD: announced, not sent */
    assert_int_equal(out->nsegs, 1);
    free(out);
}

static void test_respond_interim(void **state)
{
    char buf[256];
    size_t n;

    (void)state;
    n = respond_interim(100, NULL, buf, sizeof(buf));
    assert_int_equal(n, strlen("HTTP/1.1 100 Continue\r\n\r\n"));
    assert_memory_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n", n);
    n = respond_interim(104, "Location: /.uploads/ab\r\n", buf, sizeof(buf));
    assert_memory_equal(buf,
                        "HTTP/1.1 104 Upload Resumption Supported\r\nLocation: /.uploads/ab\r\n"
                        "\r\n",
                        n);
    assert_int_equal(respond_interim(104, "Location: /.uploads/ab\r\n", buf, 20), 0);
}

struct reason_case {
    int status;
    const char *want;
};

/* Every status respond.c knows, with RFC 9110's (and RFC 4918's) reason phrase. */
static const struct reason_case reason_cases[] = {
    {100, "Continue"},
    {104, "Upload Resumption Supported"},
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {206, "Partial Content"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {410, "Gone"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
    {507, "Insufficient Storage"},
    {299, "Unknown"},
    {0, "Unknown"},
    {-1, "Unknown"},
};

static void test_respond_reason(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(reason_cases); i++) {
        const struct reason_case *c = &reason_cases[i];
        const char *got = respond_reason(c->status);

        if (got == NULL || strcmp(got, c->want) != 0)
            row_fail(&t, c->want, "status %d reads \"%s\"", c->status, got ? got : "(null)");
    }
    tally_end(&t, NROWS(reason_cases));
}

struct closes_case {
    const char *what;
    int status;
    bool want;
};

static const struct closes_case closes_cases[] = {
    {"400: the stream cannot be trusted", 400, true},
    {"408: the client was too slow", 408, true},
    {"414: the rest of the line was never read", 414, true},
    {"431: the rest of the head was never read", 431, true},
    {"501: the body framing is unknown", 501, true},
    {"503: shedding load", 503, true},
    {"505: another protocol", 505, true},
    {"200 keeps the connection", 200, false},
    {"206 keeps the connection", 206, false},
    {"304 keeps the connection", 304, false},
    {"403 keeps the connection", 403, false},
    {"404 keeps the connection", 404, false},
    {"405 keeps the connection", 405, false},
    {"412 keeps the connection", 412, false},
    {"416 keeps the connection", 416, false},
};

static void test_respond_status_closes(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(closes_cases); i++) {
        const struct closes_case *c = &closes_cases[i];

        if (respond_status_closes(c->status) != c->want)
            row_fail(&t, c->what, "status %d gave %d", c->status, !c->want);
    }
    tally_end(&t, NROWS(closes_cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_respond_repr),
        cmocka_unit_test(test_respond_multipart),
        cmocka_unit_test(test_respond_multipart_file),
        cmocka_unit_test(test_respond_error),
        cmocka_unit_test(test_respond_error_long_detail),
        cmocka_unit_test(test_respond_status),
        cmocka_unit_test(test_respond_interim),
        cmocka_unit_test(test_respond_reason),
        cmocka_unit_test(test_respond_status_closes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
