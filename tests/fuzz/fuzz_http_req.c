/*
 * tests/fuzz/fuzz_http_req.c - server/http_req.c under libFuzzer.
 *
 * Each input is parsed three ways: whole (one shot); as growing prefixes
 * with the *scanned bookmark carried over, as bytes arrive on a socket
 * (every byte for short inputs, a few points derived from the data
 * otherwise); and, when a head parses, as that head alone and as the
 * pipelined requests that follow it. Every call gets its own malloc'd
 * copy of exactly the bytes it may read, so ASan reports any over-read.
 *
 * Invariants (abort() when one breaks):
 *   - an error result explains itself (req->error) and maps to its status;
 *   - INCOMPLETE is never the answer for more than HTTP_MAX_HEAD bytes;
 *   - on OK: head_len <= size and <= HTTP_MAX_HEAD, the head ends with a
 *     blank line, every view (method, target, header names and values)
 *     lies inside the head, nheaders <= HTTP_MAX_HEADERS, the fields obey
 *     the grammar (tokens, trimmed values, no CTLs), Host/Transfer-Encoding/
 *     Content-Length rules hold, and a Host value is uri-host [":" port];
 *   - the bookmark never passes the bytes given;
 *   - the last incremental call agrees with the one-shot parse, a head that
 *     parsed on a prefix parses the same on the whole, and an error on a
 *     prefix stays an error on the whole;
 *   - a head parses the same with or without the bytes that follow it;
 *   - every header value, read as an Accept value by
 *     server/meta4.c's meta4_accept_prefers(), is read inside its bounds.
 *
 * Build with -DFUZZ_HTTP_STRICT_CODES to also require that an error on a
 * prefix has the same code as on the whole input. It is off by default:
 * today the code can depend on where the bytes were split (a prefix
 * rejected as an implausible request line is 400, the whole line 414 when
 * it is long; a prefix past HTTP_MAX_HEAD is 431, the whole head 400 when
 * its request line is bad). Every such answer is still an error.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server/http_req.h"
#include "server/meta4.h"

/* Inputs up to this size are also fed one byte at a time. */
#define BYTEWISE_MAX 128
/* Split points derived from the data for longer inputs. */
#define NSPLITS      4
/* Pipelined requests followed after the first. */
#define PIPELINE_MAX 8

/* A malloc'd copy of exactly N bytes (ASan poisons the byte after it). */
static char *copy_exact(const uint8_t *data, size_t n)
{
    char *p = malloc(n);

    if (p == NULL && n == 0) /* a libc whose malloc(0) gives NULL */
        p = malloc(1);
    FUZZ_CHECK(p != NULL);
    if (n > 0)
        memcpy(p, data, n);
    return p;
}

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool view_is_token(struct strview v)
{
    if (v.len == 0)
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (!is_tchar((unsigned char)v.p[i]))
            return false;
    return true;
}

/* True when V lies inside BUF[0..LEN); compared as integers, not pointers. */
static bool view_inside(struct strview v, const char *buf, size_t len)
{
    uintptr_t b = (uintptr_t)buf, p = (uintptr_t)v.p;

    if (v.len == 0 && v.p == NULL)
        return true;
    return p >= b && p <= b + len && v.len <= b + len - p;
}

static bool same_text(struct strview v, const char *lit)
{
    return v.len == strlen(lit) && memcmp(v.p, lit, v.len) == 0;
}

/* The known method names, by enum value (HTTP_METHOD_OTHER has none). */
static const char *const method_names[] = {
    [HTTP_METHOD_GET] = "GET",     [HTTP_METHOD_HEAD] = "HEAD",
    [HTTP_METHOD_PUT] = "PUT",     [HTTP_METHOD_DELETE] = "DELETE",
    [HTTP_METHOD_POST] = "POST",   [HTTP_METHOD_OPTIONS] = "OPTIONS",
    [HTTP_METHOD_TRACE] = "TRACE", [HTTP_METHOD_CONNECT] = "CONNECT",
    [HTTP_METHOD_PATCH] = "PATCH",
};

static void check_ok(const char *buf, size_t len, const struct http_request *req)
{
    size_t h = req->head_len;

    FUZZ_CHECK(req->error == NULL);
    FUZZ_CHECK(h <= len);
    FUZZ_CHECK(h <= HTTP_MAX_HEAD);
    FUZZ_CHECK(h >= 4 && memcmp(buf + h - 4, "\r\n\r\n", 4) == 0);
    FUZZ_CHECK(req->nheaders <= HTTP_MAX_HEADERS);
    FUZZ_CHECK(req->version_minor <= 1);

    FUZZ_CHECK(view_inside(req->method_name, buf, h));
    FUZZ_CHECK(view_is_token(req->method_name));
    FUZZ_CHECK((size_t)req->method < sizeof(method_names) / sizeof(method_names[0]));
    if (req->method == HTTP_METHOD_OTHER) {
        for (size_t m = 1; m < sizeof(method_names) / sizeof(method_names[0]); m++)
            FUZZ_CHECK(!same_text(req->method_name, method_names[m]));
    } else {
        FUZZ_CHECK(same_text(req->method_name, method_names[req->method]));
    }

    FUZZ_CHECK(view_inside(req->target, buf, h));
    FUZZ_CHECK(req->target.len > 0);
    FUZZ_CHECK((uintptr_t)req->target.p > (uintptr_t)req->method_name.p);
    for (size_t i = 0; i < req->target.len; i++) {
        unsigned char c = (unsigned char)req->target.p[i];

        FUZZ_CHECK(c > 0x20 && c != 0x7f);
    }

    for (size_t k = 0; k < req->nheaders; k++) {
        const struct http_header *hd = &req->headers[k];

        FUZZ_CHECK(view_inside(hd->name, buf, h));
        FUZZ_CHECK(view_inside(hd->value, buf, h));
        FUZZ_CHECK(view_is_token(hd->name));
        /* An Accept value goes to meta4_accept_prefers(): any value, no crash, no over-read. */
        (void)meta4_accept_prefers(hd->value.p, hd->value.len, "text/plain; charset=utf-8");
        if (hd->value.len > 0) {
            FUZZ_CHECK(hd->value.p[0] != ' ' && hd->value.p[0] != '\t');
            FUZZ_CHECK(hd->value.p[hd->value.len - 1] != ' ' &&
                       hd->value.p[hd->value.len - 1] != '\t');
        }
        for (size_t i = 0; i < hd->value.len; i++) {
            unsigned char c = (unsigned char)hd->value.p[i];

            FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
        }
        /* Header k follows header k-1 and the request line. */
        FUZZ_CHECK((uintptr_t)hd->name.p > (uintptr_t)req->target.p);
        if (k > 0)
            FUZZ_CHECK((uintptr_t)hd->name.p > (uintptr_t)req->headers[k - 1].value.p);
    }

    FUZZ_CHECK(http_request_header_count(req, "host") <= 1);
    if (http_request_header(req, "host") != NULL) {
        struct strview host = *http_request_header(req, "host");

        /* Never a byte that would take the value out of uri-host [":" port]. */
        FUZZ_CHECK(http_host_is_valid(host));
        for (size_t i = 0; i < host.len; i++)
            FUZZ_CHECK(host.p[i] > 0x20 && host.p[i] < 0x7f && host.p[i] != '@' &&
                       host.p[i] != '/' && host.p[i] != '?' && host.p[i] != '#');
    }
    if (req->version_minor >= 1)
        FUZZ_CHECK(http_request_header_count(req, "host") == 1);
    FUZZ_CHECK(!(req->is_chunked && req->has_content_length));
    if (req->is_chunked)
        FUZZ_CHECK(req->version_minor >= 1);
    if (!req->has_content_length)
        FUZZ_CHECK(req->content_length == 0);
    FUZZ_CHECK(http_parse_status(HTTP_PARSE_OK) == 200);
}

/* What every result must satisfy, for BUF[0..LEN). */
static void check_result(const char *buf, size_t len, enum http_parse_result r,
                         const struct http_request *req)
{
    switch (r) {
    case HTTP_PARSE_OK:
        check_ok(buf, len, req);
        return;
    case HTTP_PARSE_INCOMPLETE:
        /* The parser never asks the caller to buffer more than its limit. */
        FUZZ_CHECK(len <= HTTP_MAX_HEAD);
        return;
    case HTTP_PARSE_BAD_REQUEST:
        FUZZ_CHECK(http_parse_status(r) == 400);
        break;
    case HTTP_PARSE_URI_TOO_LONG:
        FUZZ_CHECK(http_parse_status(r) == 414);
        break;
    case HTTP_PARSE_HEADERS_TOO_LARGE:
        FUZZ_CHECK(http_parse_status(r) == 431);
        break;
    case HTTP_PARSE_BAD_VERSION:
        FUZZ_CHECK(http_parse_status(r) == 505);
        break;
    case HTTP_PARSE_NOT_IMPLEMENTED:
        FUZZ_CHECK(http_parse_status(r) == 501);
        break;
    default:
        fuzz_fail(__FILE__, __LINE__, "a result http_req.h does not list");
    }
    FUZZ_CHECK(req->error != NULL && req->error[0] != '\0');
}

static bool is_error(enum http_parse_result r)
{
    return r != HTTP_PARSE_OK && r != HTTP_PARSE_INCOMPLETE;
}

/* Parse DATA[0..N) from a fresh bookmark, on an exact copy, and check it. */
static enum http_parse_result parse_once(const uint8_t *data, size_t n, struct http_request *req,
                                         size_t *head_len)
{
    char *buf = copy_exact(data, n);
    size_t scanned = 0;
    enum http_parse_result r = http_parse_request(buf, n, &scanned, req);

    FUZZ_CHECK(scanned <= n);
    check_result(buf, n, r, req);
    *head_len = r == HTTP_PARSE_OK ? req->head_len : 0;
    free(buf);
    return r;
}

/* FNV-1a, to derive split points from the data itself. */
static uint64_t hash_bytes(const uint8_t *data, size_t n, uint64_t seed)
{
    uint64_t h = 0xcbf29ce484222325u ^ seed;

    for (size_t i = 0; i < n; i++) {
        h ^= data[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * Feed DATA[0..SIZE) as growing prefixes, one bookmark throughout, and
 * compare with the one-shot result ONESHOT (whose request is ONE_REQ).
 */
static void check_incremental(const uint8_t *data, size_t size, enum http_parse_result oneshot,
                              const struct http_request *one_req)
{
    size_t lens[NSPLITS + 1];
    size_t nlens = 0, scanned = 0;
    bool bytewise = size <= BYTEWISE_MAX;
    enum http_parse_result last = HTTP_PARSE_INCOMPLETE;
    struct http_request req;

    /* Prefix lengths: 0, 1, ..., SIZE for short inputs, else a few points. */
    if (bytewise) {
        nlens = 0;
    } else {
        for (size_t k = 0; k < NSPLITS; k++)
            lens[nlens++] = (size_t)(hash_bytes(data, size, k) % (size + 1));
        lens[nlens++] = size;
        qsort(lens, nlens, sizeof(lens[0]), cmp_size);
    }

    for (size_t k = 0, len = bytewise ? 0 : lens[0];; k++) {
        char *buf;
        enum http_parse_result r;

        if (!bytewise) {
            if (k > 0 && lens[k] == lens[k - 1])
                continue; /* the last entry is SIZE, so this ends */
            len = lens[k];
        }
        buf = copy_exact(data, len);
        r = http_parse_request(buf, len, &scanned, &req);
        FUZZ_CHECK(scanned <= len);
        check_result(buf, len, r, &req);
        if (r == HTTP_PARSE_OK) {
            /* The head was all there: more bytes cannot change it. */
            FUZZ_CHECK(oneshot == HTTP_PARSE_OK && req.head_len == one_req->head_len);
            FUZZ_CHECK(req.nheaders == one_req->nheaders && req.method == one_req->method);
        } else if (is_error(r)) {
            /* A rejected prefix stays rejected, whatever follows. */
            FUZZ_CHECK(is_error(oneshot));
#ifdef FUZZ_HTTP_STRICT_CODES
            FUZZ_CHECK(r == oneshot);
#endif
        }
        free(buf);
        last = r;
        if (len == size)
            break;
        if (bytewise)
            len++;
    }
    FUZZ_CHECK(last == oneshot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request one, again; /* large: keep them off the stack */
    enum http_parse_result r;
    size_t head = 0, head2 = 0, off;

    r = parse_once(data, size, &one, &head);
    check_incremental(data, size, r, &one);
    if (r != HTTP_PARSE_OK)
        return 0;

    /* The head alone parses the same as the head with bytes after it. */
    FUZZ_CHECK(parse_once(data, head, &again, &head2) == HTTP_PARSE_OK);
    FUZZ_CHECK(head2 == head && again.nheaders == one.nheaders && again.method == one.method &&
               again.target.len == one.target.len && again.version_minor == one.version_minor &&
               again.is_keep_alive == one.is_keep_alive);

    /* Pipelined requests: each starts where the previous head ended. */
    off = head;
    for (int k = 0; k < PIPELINE_MAX && off < size; k++) {
        size_t h = 0;

        if (parse_once(data + off, size - off, &again, &h) != HTTP_PARSE_OK)
            break;
        off += h;
    }
    return 0;
}
