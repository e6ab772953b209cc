/*
 * tests/unit/test_http_req.c - server/http_req.c: the strict request-head
 * parser (RFC 9112), tested the picohttpparser way: the valid forms, each
 * malformed class, the limits (414, 431), every prefix fed through the
 * caller's *scanned bookmark, and heads that end right at a guard page.
 *
 * Every table reports all of its failing rows (print_error) before the
 * test fails with the first one named, so one run shows every broken row.
 * In ASan builds the not-yet-received tail of a growing buffer is poisoned,
 * so a read past LEN is reported even inside the allocation.
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
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/http_req.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_HAVE_ASAN 1
#endif
#endif
#ifdef TEST_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

static bool sv_is(struct strview v, const char *s)
{
    return v.p != NULL && v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

static const char *result_name(enum http_parse_result r)
{
    switch (r) {
    case HTTP_PARSE_OK:
        return "OK";
    case HTTP_PARSE_INCOMPLETE:
        return "INCOMPLETE";
    case HTTP_PARSE_BAD_REQUEST:
        return "BAD_REQUEST";
    case HTTP_PARSE_URI_TOO_LONG:
        return "URI_TOO_LONG";
    case HTTP_PARSE_HEADERS_TOO_LARGE:
        return "HEADERS_TOO_LARGE";
    case HTTP_PARSE_BAD_VERSION:
        return "BAD_VERSION";
    case HTTP_PARSE_NOT_IMPLEMENTED:
        return "NOT_IMPLEMENTED";
    }
    return "?";
}

/* The parser's reason for an error result, printable. */
static const char *why(enum http_parse_result r, const struct http_request *req)
{
    if (r == HTTP_PARSE_OK || r == HTTP_PARSE_INCOMPLETE)
        return "-";
    return req->error != NULL ? req->error : "(no reason given)";
}

/* Parse with a fresh bookmark, into a request first filled with junk. */
static enum http_parse_result parse_once(const char *buf, size_t len, struct http_request *req)
{
    size_t scanned = 0;

    memset(req, 0xa5, sizeof(*req));
    return http_parse_request(buf, len, &scanned, req);
}

static bool sv_same(struct strview a, struct strview b)
{
    return a.p == b.p && a.len == b.len;
}

/* The first field in which two parses of the same buffer differ, or NULL. */
static const char *req_diff(const struct http_request *a, const struct http_request *b)
{
    if (a->method != b->method || !sv_same(a->method_name, b->method_name))
        return "method";
    if (!sv_same(a->target, b->target))
        return "target";
    if (a->version_minor != b->version_minor)
        return "version_minor";
    if (a->nheaders != b->nheaders)
        return "nheaders";
    for (size_t i = 0; i < a->nheaders; i++)
        if (!sv_same(a->headers[i].name, b->headers[i].name) ||
            !sv_same(a->headers[i].value, b->headers[i].value))
            return "a header";
    if (a->is_keep_alive != b->is_keep_alive)
        return "is_keep_alive";
    if (a->has_content_length != b->has_content_length || a->content_length != b->content_length)
        return "content_length";
    if (a->is_chunked != b->is_chunked)
        return "is_chunked";
    if (a->expects_continue != b->expects_continue)
        return "expects_continue";
    if (a->head_len != b->head_len)
        return "head_len";
    return NULL;
}

/* A region of memory whose end touches a PROT_NONE page. */
struct guard {
    char *base;
    size_t size; /* readable bytes before the guard page */
    size_t map_len;
};

static void guard_init(struct guard *g, size_t need)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);

    g->size = (need + ps - 1) / ps * ps;
    g->map_len = g->size + ps;
    g->base = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->base != MAP_FAILED);
    assert_int_equal(mprotect(g->base + g->size, ps, PROT_NONE), 0);
}

/* Copy P[0..LEN) so that its last byte is the last before the guard page. */
static const char *guard_place(struct guard *g, const char *p, size_t len)
{
    char *dst = g->base + g->size - len;

    assert_true(len <= g->size);
    if (len > 0)
        memcpy(dst, p, len);
    return dst;
}

static void guard_cleanup(struct guard *g)
{
    munmap(g->base, g->map_len);
}

/* ------------------------------------------------------------------ */
/* Valid requests                                                      */
/* ------------------------------------------------------------------ */

struct valid_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *head; /* the request head */
    const char *rest; /* bytes that follow it (a body, a pipelined request); NULL: none */
    enum http_method method;
    const char *method_name; /* NULL: the method's own name */
    const char *target;
    unsigned minor;
    size_t nheaders;
    bool is_keep_alive;
    bool has_content_length;
    uint64_t content_length;
    bool is_chunked;
    bool expects_continue;
    const char *hname;  /* a header looked up by this name ... */
    const char *hvalue; /* ... has this (first) value; NULL: it is absent */
};

static const struct valid_case valid_cases[] = {
    {.what = "a GET with Host is a keep-alive HTTP/1.1 request",
     .head = "GET /a.bin HTTP/1.1\r\nHost: example.com\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/a.bin",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true,
     .hname = "host",
     .hvalue = "example.com"},
    {.what = "a HEAD with Host parses as HEAD",
     .head = "HEAD /a.bin HTTP/1.1\r\nHost: example.com\r\n\r\n",
     .method = HTTP_METHOD_HEAD,
     .target = "/a.bin",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "HTTP/1.0 needs no Host and closes by default",
     .head = "GET / HTTP/1.0\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0,
     .hname = "host"},
    {.what = "HTTP/1.0 with one Host is fine",
     .head = "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0,
     .nheaders = 1,
     .hname = "Host",
     .hvalue = "a"},
    {.what = "HTTP/1.1 keeps the connection open when Connection is absent",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: t/1\r\nAccept: */*\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 3,
     .is_keep_alive = true,
     .hname = "connection"},
    {.what = "Connection: close ends an HTTP/1.1 connection",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2},
    {.what = "the close option is matched in any case",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2},
    {.what = "HTTP/1.0 with Connection: keep-alive stays open",
     .head = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "HTTP/1.0 keep-alive is matched in any case",
     .head = "GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "HTTP/1.1 with an explicit keep-alive stays open",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true},
    {.what = "close wins over keep-alive in one list (HTTP/1.0)",
     .head = "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0,
     .nheaders = 1},
    {.what = "close wins over keep-alive in one list (HTTP/1.1)",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close, keep-alive\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2},
    {.what = "close on an earlier line wins over a later keep-alive",
     .head = "GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0,
     .nheaders = 2},
    {.what = "close on a later line wins over an earlier keep-alive",
     .head = "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0,
     .nheaders = 2},
    {.what = "close among other connection options is found",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: TE,Upgrade ,  close\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2},
    {.what = "other connection options leave HTTP/1.1 open",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, closed\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true},
    {.what = "empty lines before the request line are skipped and counted in head_len",
     .head = "\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/x",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "one empty line before the request line is skipped",
     .head = "\r\nGET / HTTP/1.0\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 0},
    {.what = "a pipelined request after the head is not consumed",
     .head = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n",
     .rest = "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/1",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "body bytes after the head are not consumed",
     .head = "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
     .rest = "hello",
     .method = HTTP_METHOD_POST,
     .target = "/up",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 5},
    {.what = "bytes after the head are not examined, even a bare LF or a NUL",
     .head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
     .rest = "\n\n\x16\x03\x01 \x7f",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "an absolute-form target is kept as sent",
     .head = "GET http://example.com:8080/a?b=c HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "http://example.com:8080/a?b=c",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "the asterisk form of OPTIONS is kept as sent",
     .head = "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_OPTIONS,
     .target = "*",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "the authority form of CONNECT is kept as sent",
     .head = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
     .method = HTTP_METHOD_CONNECT,
     .target = "example.com:443",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "a target with obs-text and percent escapes is kept as sent",
     .head = "GET /caf\xc3\xa9%20x?q=%00 HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/caf\xc3\xa9%20x?q=%00",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "leading and trailing spaces and tabs of a value are trimmed",
     .head = "GET / HTTP/1.1\r\nHost: \t a.example \t \r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true,
     .hname = "host",
     .hvalue = "a.example"},
    {.what = "a value needs no space after the colon",
     .head = "GET / HTTP/1.1\r\nHost:a.example\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true,
     .hname = "host",
     .hvalue = "a.example"},
    {.what = "spaces inside a value are kept",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent:  curl/8.0  (x86_64; linux) \r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .hname = "user-agent",
     .hvalue = "curl/8.0  (x86_64; linux)"},
    {.what = "an empty value is allowed",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .hname = "x-empty",
     .hvalue = ""},
    {.what = "a value of only spaces is empty",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nX-Blank:   \t \r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .hname = "X-BLANK",
     .hvalue = ""},
    {.what = "an empty Host is allowed on HTTP/1.1 (RFC 9112 3.2)",
     .head = "GET / HTTP/1.1\r\nHost:\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true,
     .hname = "host",
     .hvalue = ""},
    {.what = "a bracketed IPv6 Host with a port is accepted",
     .head = "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true,
     .hname = "host",
     .hvalue = "[::1]:8080"},
    {.what = "an IPv4 Host with a port is accepted",
     .head = "GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true,
     .hname = "host",
     .hvalue = "127.0.0.1:80"},
    {.what = "header lookup ignores case",
     .head = "GET / HTTP/1.1\r\nhOsT: a\r\nX-Thing: v\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .hname = "x-THING",
     .hvalue = "v"},
    {.what = "lookup gives the first of repeated lines",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 3,
     .is_keep_alive = true,
     .hname = "X-A",
     .hvalue = "1"},
    {.what = "an unknown header is absent from lookup by a prefix of its name",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nX-Abc: 1\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .hname = "x-ab"},
    {.what = "obs-text (0x80-0xff) and HTAB are allowed in a value",
     .head = "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\tb\xff\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .hname = "x",
     .hvalue = "caf\xc3\xa9\tb\xff"},
    {.what = "a header name may use every tchar symbol",
     .head = "GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09az: v\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .hname = "!#$%&'*+-.^_`|~09AZ",
     .hvalue = "v"},
    {.what = "Content-Length is read",
     .head = "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n",
     .method = HTTP_METHOD_POST,
     .target = "/up",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 10},
    {.what = "Content-Length 0 is a length",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 0},
    {.what = "leading zeros in Content-Length are allowed",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 7},
    {.what = "Content-Length up to UINT64_MAX is read",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = UINT64_MAX},
    {.what = "identical duplicate Content-Length lines are accepted",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\ncontent-length: 42\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 3,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 42},
    {.what = "a Content-Length list of one repeated value is accepted",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 5},
    {.what = "Transfer-Encoding: chunked is understood",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .is_chunked = true},
    {.what = "the chunked coding is matched in any case",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  Chunked \r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true,
     .is_chunked = true},
    {.what = "Expect: 100-continue is noted",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 3,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 3,
     .expects_continue = true},
    {.what = "the 100-continue expectation is matched in any case",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nexpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 3,
     .is_keep_alive = true,
     .has_content_length = true,
     .content_length = 3,
     .expects_continue = true},
    {.what = "another expectation is not 100-continue",
     .head = "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n",
     .method = HTTP_METHOD_PUT,
     .target = "/x",
     .minor = 1,
     .nheaders = 2,
     .is_keep_alive = true},
    {.what = "an unknown method token parses as HTTP_METHOD_OTHER",
     .head = "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_OTHER,
     .method_name = "BREW",
     .target = "/pot",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "methods are case-sensitive: get is not GET",
     .head = "get / HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_OTHER,
     .method_name = "get",
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "a method may use tchar symbols",
     .head = "M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_OTHER,
     .method_name = "M-SEARCH",
     .target = "*",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "a method that extends a known one is unknown",
     .head = "GETS / HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_OTHER,
     .method_name = "GETS",
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "DELETE is known",
     .head = "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_DELETE,
     .target = "/x",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "TRACE is known",
     .head = "TRACE / HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_TRACE,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "PATCH is known",
     .head = "PATCH /x HTTP/1.1\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_PATCH,
     .target = "/x",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "HTTP/1.2 is read as minor version 1",
     .head = "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
    {.what = "HTTP/1.9 is read as minor version 1",
     .head = "GET / HTTP/1.9\r\nHost: a\r\n\r\n",
     .method = HTTP_METHOD_GET,
     .target = "/",
     .minor = 1,
     .nheaders = 1,
     .is_keep_alive = true},
};

static const char *method_text(const struct valid_case *c)
{
    static const char *const names[] = {
        [HTTP_METHOD_GET] = "GET",     [HTTP_METHOD_HEAD] = "HEAD",
        [HTTP_METHOD_PUT] = "PUT",     [HTTP_METHOD_DELETE] = "DELETE",
        [HTTP_METHOD_POST] = "POST",   [HTTP_METHOD_OPTIONS] = "OPTIONS",
        [HTTP_METHOD_TRACE] = "TRACE", [HTTP_METHOD_CONNECT] = "CONNECT",
        [HTTP_METHOD_PATCH] = "PATCH",
    };

    return c->method_name != NULL ? c->method_name : names[c->method];
}

/* HEAD followed by REST, in a new buffer of exactly that many bytes. */
static char *valid_bytes(const struct valid_case *c, size_t *len)
{
    size_t hl = strlen(c->head), rl = c->rest != NULL ? strlen(c->rest) : 0;
    char *b = malloc(hl + rl + 1);

    assert_non_null(b);
    memcpy(b, c->head, hl);
    if (rl > 0)
        memcpy(b + hl, c->rest, rl);
    *len = hl + rl;
    return b;
}

/* Check one OK parse of BUF against row C; false after reporting to T. */
static bool check_valid(struct tally *t, const struct valid_case *c, const char *buf,
                        enum http_parse_result r, const struct http_request *req)
{
    const struct strview *h;

    if (r != HTTP_PARSE_OK) {
        row_fail(t, c->what, "gave %s (%s)", result_name(r), why(r, req));
        return false;
    }
    if (req->method != c->method || !sv_is(req->method_name, method_text(c))) {
        row_fail(t, c->what, "method %d \"%.*s\"", (int)req->method, (int)req->method_name.len,
                 req->method_name.p);
        return false;
    }
    if (!sv_is(req->target, c->target)) {
        row_fail(t, c->what, "target \"%.*s\"", (int)req->target.len, req->target.p);
        return false;
    }
    if (req->version_minor != c->minor || req->nheaders != c->nheaders ||
        req->is_keep_alive != c->is_keep_alive ||
        req->has_content_length != c->has_content_length ||
        req->content_length != c->content_length || req->is_chunked != c->is_chunked ||
        req->expects_continue != c->expects_continue) {
        row_fail(t, c->what,
                 "minor %u, %zu headers, keep-alive %d, content-length %d/%" PRIu64
                 ", chunked %d, continue %d",
                 req->version_minor, req->nheaders, req->is_keep_alive, req->has_content_length,
                 req->content_length, req->is_chunked, req->expects_continue);
        return false;
    }
    if (req->head_len != strlen(c->head)) {
        row_fail(t, c->what, "head_len %zu, want %zu", req->head_len, strlen(c->head));
        return false;
    }
    /* Every view points into the caller's buffer, inside the head. */
    if (req->target.p < buf || req->target.p + req->target.len > buf + req->head_len) {
        row_fail(t, c->what, "the target is not a view into the head");
        return false;
    }
    for (size_t i = 0; i < req->nheaders; i++) {
        const struct http_header *hh = &req->headers[i];

        if (hh->name.p < buf || hh->value.p + hh->value.len > buf + req->head_len) {
            row_fail(t, c->what, "header %zu is not a view into the head", i);
            return false;
        }
    }
    if (c->hname != NULL) {
        h = http_request_header(req, c->hname);
        if (c->hvalue == NULL ? h != NULL : (h == NULL || !sv_is(*h, c->hvalue))) {
            row_fail(t, c->what, "header %s is %s%.*s%s", c->hname, h ? "\"" : "absent",
                     h ? (int)h->len : 0, h ? h->p : "", h ? "\"" : "");
            return false;
        }
    }
    return true;
}

static void test_parse_valid(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(valid_cases); i++) {
        const struct valid_case *c = &valid_cases[i];
        struct http_request req;
        size_t len;
        char *buf = valid_bytes(c, &len);

        check_valid(&t, c, buf, parse_once(buf, len, &req), &req);
        free(buf);
    }
    tally_end(&t, NROWS(valid_cases));
}

/*
 * Every strict prefix of a valid head is INCOMPLETE; fed one byte at a time
 * into the same growing buffer with the bookmark carried over, the head
 * parses as soon as it is whole, with the same fields as one shot; and
 * split in two at every byte, the second call agrees too.
 */
static void test_parse_valid_bytewise(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(valid_cases); i++) {
        const struct valid_case *c = &valid_cases[i];
        struct http_request once, req;
        size_t len, head = strlen(c->head), scanned = 0;
        char *buf = valid_bytes(c, &len);
        enum http_parse_result r;
        bool ok = true;

        if (parse_once(buf, len, &once) != HTTP_PARSE_OK) {
            row_fail(&t, c->what, "the one-shot parse fails");
            free(buf);
            continue;
        }
        /* One byte at a time, one buffer, one bookmark. */
        for (size_t k = 0; k <= head && ok; k++) {
            POISON(buf + k, len + 1 - k);
            memset(&req, 0xa5, sizeof(req));
            r = http_parse_request(buf, k, &scanned, &req);
            UNPOISON(buf, len + 1);
            if (scanned > k) {
                row_fail(&t, c->what, "after %zu bytes the bookmark is %zu", k, scanned);
                ok = false;
            } else if (k < head && r != HTTP_PARSE_INCOMPLETE) {
                row_fail(&t, c->what, "the %zu-byte prefix gave %s", k, result_name(r));
                ok = false;
            } else if (k == head && r != HTTP_PARSE_OK) {
                row_fail(&t, c->what, "the whole head, byte by byte, gave %s", result_name(r));
                ok = false;
            } else if (k == head && req_diff(&req, &once) != NULL) {
                row_fail(&t, c->what, "byte by byte, %s differs from one shot",
                         req_diff(&req, &once));
                ok = false;
            }
        }
        /* The rest arrives; the same bookmark still gives the same head. */
        if (ok) {
            memset(&req, 0xa5, sizeof(req));
            r = http_parse_request(buf, len, &scanned, &req);
            if (r != HTTP_PARSE_OK || req_diff(&req, &once) != NULL) {
                row_fail(&t, c->what, "with everything after the bytewise feed: %s, %s",
                         result_name(r), r == HTTP_PARSE_OK ? req_diff(&req, &once) : "");
                ok = false;
            }
        }
        /* Two reads, split at every byte. */
        for (size_t k = 0; k <= len && ok; k++) {
            size_t sc = 0;

            POISON(buf + k, len + 1 - k);
            r = http_parse_request(buf, k, &sc, &req);
            UNPOISON(buf, len + 1);
            if (r != (k < head ? HTTP_PARSE_INCOMPLETE : HTTP_PARSE_OK)) {
                row_fail(&t, c->what, "split at %zu: the first part gave %s", k, result_name(r));
                ok = false;
                break;
            }
            memset(&req, 0xa5, sizeof(req));
            r = http_parse_request(buf, len, &sc, &req);
            if (r != HTTP_PARSE_OK || req_diff(&req, &once) != NULL) {
                row_fail(&t, c->what, "split at %zu: the whole gave %s, %s", k, result_name(r),
                         r == HTTP_PARSE_OK ? req_diff(&req, &once) : "");
                ok = false;
            }
        }
        free(buf);
    }
    tally_end(&t, NROWS(valid_cases));
}

/* ------------------------------------------------------------------ */
/* Malformed requests                                                  */
/* ------------------------------------------------------------------ */

struct bad_case {
    const char *what;
    const char *raw;
    size_t len;
    enum http_parse_result want;
};

/* The first bytes of a TLS 1.2/1.3 ClientHello record: no LF, no space. */
#define TLS_HELLO "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8a\x1b\x2c\x3d"

static const struct bad_case bad_cases[] = {
    /* Line endings: a bare LF or CR where CRLF is required. */
    {"a bare LF ending the request line is 400", S("GET / HTTP/1.1\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare LF ending a header line is 400", S("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare LF as the final blank line is 400", S("GET / HTTP/1.1\r\nHost: a\r\n\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a head of bare LFs only is 400", S("GET / HTTP/1.0\n\n"), HTTP_PARSE_BAD_REQUEST},
    {"a bare LF before the request line is 400", S("\nGET / HTTP/1.0\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare LF after an empty CRLF line is 400", S("\r\n\nGET / HTTP/1.0\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare LF is 400 before the head is complete", S("GET / HTTP/1.1\r\nHost: a\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare LF inside the request line is 400", S("GET /a\nb HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare CR inside a header value is 400", S("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a doubled CR ending a header line is 400", S("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare CR inside a header name is 400", S("GET / HTTP/1.1\r\nHo\rst: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a header line of a lone CR is 400", S("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare CR inside the request target is 400", S("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a doubled CR ending the request line is 400", S("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a bare CR before the request line is 400", S("\rGET / HTTP/1.0\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},

    /* Header line syntax (RFC 9112 5). */
    {"a space before the colon is 400", S("GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a tab before the colon is 400", S("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a space before the colon of Content-Length is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"obs-fold with a space is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"obs-fold with a tab is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a first header line starting with a space is 400", S("GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a header line without a colon is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX-No-Colon\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an empty header name is 400", S("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a space inside a header name is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX Y: v\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a non-token character in a header name is 400",
     S("GET / HTTP/1.1\r\nHost: a\r\nX(Y): v\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"obs-text in a header name is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX\xe9: v\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a NUL in a header value is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a NUL in a header name is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX\0: v\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"0x01 in a header value is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"ESC in a header value is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"DEL in a header value is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"DEL in a header name is 400", S("GET / HTTP/1.1\r\nHost: a\r\nX\x7f: v\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},

    /* Host (RFC 9112 3.2). */
    {"HTTP/1.1 without Host is 400", S("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"HTTP/1.1 with no headers at all is 400", S("GET / HTTP/1.1\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"two Host lines are 400", S("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"two identical Host lines are 400", S("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"two Host lines are 400 in HTTP/1.0 too", S("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a Host with a space inside is 400", S("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a Host with userinfo is 400", S("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a Host with a path is 400", S("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a Host with a port that is not a number is 400", S("GET / HTTP/1.1\r\nHost: a:http\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a Host with two ports is 400", S("GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an unbracketed IPv6 Host is 400", S("GET / HTTP/1.1\r\nHost: ::1\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an unclosed IP-literal Host is 400", S("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an invalid Host is 400 in HTTP/1.0 too", S("GET / HTTP/1.0\r\nHost: a b\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an invalid Host is 400 with an absolute-form target too",
     S("GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a Host with obs-text is 400", S("GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},

    /* Content-Length and Transfer-Encoding (RFC 9112 6). */
    {"conflicting Content-Length lines are 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a conflicting Content-Length list is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a non-numeric Content-Length is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a negative Content-Length is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a signed Content-Length is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a hexadecimal Content-Length is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a Content-Length with a space inside is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"an overflowing Content-Length is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an empty Content-Length is 400", S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an empty element in a Content-Length list is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"Transfer-Encoding with Content-Length is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"Content-Length with Transfer-Encoding is 400, in either order",
     S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"Transfer-Encoding in HTTP/1.0 is 400",
     S("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"gzip before chunked is 501",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, "
       "chunked\r\n\r\n"),
     HTTP_PARSE_NOT_IMPLEMENTED},
    {"a lone unknown coding is 501",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
       "identity\r\n\r\n"),
     HTTP_PARSE_NOT_IMPLEMENTED},
    {"a coding after chunked is 501 (the header's contract: not a single final chunked)",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
     HTTP_PARSE_NOT_IMPLEMENTED},
    {"chunked twice in one list is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"chunked on two lines is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
       "chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    /* RFC 9112 6.3: Transfer-Encoding present and chunked not final: 400. */
    {"an empty Transfer-Encoding is 400 (the framing cannot be known)",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a Transfer-Encoding of empty list elements is 400",
     S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , ,\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},

    /* The request line (RFC 9112 3). */
    {"two spaces after the method are 400", S("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"two spaces before the version are 400", S("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a request line without a version is 400", S("GET /\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"an HTTP/0.9-style request line is 400", S("GET /\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a space after the version is 400", S("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a lowercase protocol name is 400", S("GET / http/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a version without a minor is 400", S("GET / HTTP/1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a two-digit major version is 400", S("GET / HTTP/11.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a letter as minor version is 400", S("GET / HTTP/1.x\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a comma for the dot is 400", S("GET / HTTP/1,1\r\nHost: a\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"HTTP/2.0 is 505", S("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), HTTP_PARSE_BAD_VERSION},
    {"the HTTP/2 connection preface is 505", S("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
     HTTP_PARSE_BAD_VERSION},
    {"HTTP/0.9 spelled out is 505", S("GET / HTTP/0.9\r\n\r\n"), HTTP_PARSE_BAD_VERSION},
    {"HTTP/3.0 is 505", S("GET / HTTP/3.0\r\nHost: a\r\n\r\n"), HTTP_PARSE_BAD_VERSION},
    {"a space before the method is 400", S(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a tab as separator is 400", S("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_BAD_REQUEST},
    {"a space inside the target is 400", S("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a control character in the target is 400", S("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"DEL in the target is 400", S("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a NUL in the target is 400", S("GET /a\0 HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a non-token character in the method is 400", S("GE@T / HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a parenthesis in the method is 400", S("G(ET / HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"obs-text in the method is 400", S("G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a request line of the method alone is 400", S("GET\r\nHost: a\r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},
    {"a request line of a lone space after an empty line is 400", S("\r\n \r\n\r\n"),
     HTTP_PARSE_BAD_REQUEST},

    /* Garbage that is not HTTP at all: refused before the head completes. */
    {"a TLS ClientHello is 400 before a head could be complete", S(TLS_HELLO),
     HTTP_PARSE_BAD_REQUEST},
    {"the first byte of a TLS record is already 400", S("\x16"), HTTP_PARSE_BAD_REQUEST},
    {"a NUL first byte is 400", S("\0\0\0\0"), HTTP_PARSE_BAD_REQUEST},
    {"an unfinished method with a non-token byte is 400", S("GE{"), HTTP_PARSE_BAD_REQUEST},
    {"an unfinished line starting with a space is 400", S(" GET"), HTTP_PARSE_BAD_REQUEST},
};

/* The first result other than INCOMPLETE when C arrives one byte at a time. */
static enum http_parse_result feed_bytewise(const char *raw, size_t len, size_t *at)
{
    char *buf = malloc(len + 1);
    size_t scanned = 0;
    enum http_parse_result r = HTTP_PARSE_INCOMPLETE;
    struct http_request req;

    assert_non_null(buf);
    memcpy(buf, raw, len);
    for (*at = 0; *at <= len; (*at)++) {
        POISON(buf + *at, len + 1 - *at);
        r = http_parse_request(buf, *at, &scanned, &req);
        UNPOISON(buf, len + 1);
        if (r != HTTP_PARSE_INCOMPLETE)
            break;
    }
    free(buf);
    return r;
}

static void test_parse_malformed(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct http_request req;
        enum http_parse_result r = parse_once(c->raw, c->len, &req);
        size_t at;

        if (r != c->want) {
            row_fail(&t, c->what, "gave %s (%s), want %s", result_name(r), why(r, &req),
                     result_name(c->want));
            continue;
        }
        if (req.error == NULL || req.error[0] == '\0') {
            row_fail(&t, c->what, "no reason in req->error");
            continue;
        }
        r = feed_bytewise(c->raw, c->len, &at);
        if (r != c->want)
            row_fail(&t, c->what, "fed byte by byte, gave %s after %zu bytes", result_name(r), at);
    }
    tally_end(&t, NROWS(bad_cases));
}

/* ------------------------------------------------------------------ */
/* Limits: 414 and 431                                                 */
/* ------------------------------------------------------------------ */

enum limit_shape {
    LINE_WHOLE,       /* a request line of N bytes, then Host and the blank line */
    LINE_HEAD_OPEN,   /* a request line of N bytes and its CRLF, the head not ended */
    LINE_OPEN,        /* the first N bytes of a long request line, no CR */
    LINE_OPEN_CR,     /* a request line of N bytes and its CR only */
    HEAD_WHOLE,       /* a complete head of exactly N bytes */
    HEAD_WHOLE_CRLFS, /* the same, two leading CRLFs included in the N */
    HEAD_OPEN,        /* N bytes of a head whose blank line has not come */
    HEADER_LINES,     /* a complete head with N header lines, Host among them */
};

struct limit_case {
    const char *what;
    enum limit_shape shape;
    size_t n;
    enum http_parse_result want;
};

static const struct limit_case limit_cases[] = {
    {"a request line of exactly HTTP_MAX_REQUEST_LINE bytes is accepted", LINE_WHOLE,
     HTTP_MAX_REQUEST_LINE, HTTP_PARSE_OK},
    {"a request line one byte over the limit is 414", LINE_WHOLE, HTTP_MAX_REQUEST_LINE + 1,
     HTTP_PARSE_URI_TOO_LONG},
    {"a finished request line over the limit is 414 before the head ends", LINE_HEAD_OPEN,
     HTTP_MAX_REQUEST_LINE + 1, HTTP_PARSE_URI_TOO_LONG},
    {"a finished request line at the limit waits for the head", LINE_HEAD_OPEN,
     HTTP_MAX_REQUEST_LINE, HTTP_PARSE_INCOMPLETE},
    {"an unfinished request line at the limit is incomplete", LINE_OPEN, HTTP_MAX_REQUEST_LINE,
     HTTP_PARSE_INCOMPLETE},
    {"an unfinished request line at the limit with its CR is incomplete", LINE_OPEN_CR,
     HTTP_MAX_REQUEST_LINE, HTTP_PARSE_INCOMPLETE},
    {"an unfinished request line two bytes over the limit is 414", LINE_OPEN,
     HTTP_MAX_REQUEST_LINE + 2, HTTP_PARSE_URI_TOO_LONG},
    {"an unfinished request line far over the limit is 414", LINE_OPEN,
     HTTP_MAX_REQUEST_LINE + 3000, HTTP_PARSE_URI_TOO_LONG},
    {"a head of exactly HTTP_MAX_HEAD bytes is accepted", HEAD_WHOLE, HTTP_MAX_HEAD, HTTP_PARSE_OK},
    {"a head one byte over HTTP_MAX_HEAD is 431", HEAD_WHOLE, HTTP_MAX_HEAD + 1,
     HTTP_PARSE_HEADERS_TOO_LARGE},
    {"leading empty lines count toward the head: exactly the limit is accepted", HEAD_WHOLE_CRLFS,
     HTTP_MAX_HEAD, HTTP_PARSE_OK},
    {"leading empty lines count toward the head: one byte over is 431", HEAD_WHOLE_CRLFS,
     HTTP_MAX_HEAD + 1, HTTP_PARSE_HEADERS_TOO_LARGE},
    {"an unfinished head of HTTP_MAX_HEAD bytes is incomplete", HEAD_OPEN, HTTP_MAX_HEAD,
     HTTP_PARSE_INCOMPLETE},
    {"an unfinished head one byte over HTTP_MAX_HEAD is 431", HEAD_OPEN, HTTP_MAX_HEAD + 1,
     HTTP_PARSE_HEADERS_TOO_LARGE},
    {"exactly HTTP_MAX_HEADERS header lines are accepted", HEADER_LINES, HTTP_MAX_HEADERS,
     HTTP_PARSE_OK},
    {"one header line more than HTTP_MAX_HEADERS is 431", HEADER_LINES, HTTP_MAX_HEADERS + 1,
     HTTP_PARSE_HEADERS_TOO_LARGE},
    {"three times HTTP_MAX_HEADERS header lines are 431", HEADER_LINES, 3 * HTTP_MAX_HEADERS,
     HTTP_PARSE_HEADERS_TOO_LARGE},
};

/* Append S to B at *O. */
static void put(char *b, size_t *o, const char *s)
{
    size_t n = strlen(s);

    memcpy(b + *o, s, n);
    *o += n;
}

/* "GET /aaa... HTTP/1.1" of exactly N bytes (N >= 14). */
static void put_request_line(char *b, size_t *o, size_t n)
{
    put(b, o, "GET /");
    memset(b + *o, 'a', n - 14);
    *o += n - 14;
    put(b, o, " HTTP/1.1");
}

/* Build the request of row C into a new buffer; its length in *LEN. */
static char *limit_bytes(const struct limit_case *c, size_t *len)
{
    char *b = malloc(c->n * 16 + 256);
    size_t o = 0;

    assert_non_null(b);
    switch (c->shape) {
    case LINE_WHOLE:
        put_request_line(b, &o, c->n);
        put(b, &o, "\r\nHost: a\r\n\r\n");
        break;
    case LINE_HEAD_OPEN:
        put_request_line(b, &o, c->n);
        put(b, &o, "\r\nHost: a\r\n");
        break;
    case LINE_OPEN:
        put_request_line(b, &o, c->n + 100);
        o = c->n;
        break;
    case LINE_OPEN_CR:
        put_request_line(b, &o, c->n);
        put(b, &o, "\r");
        break;
    case HEAD_WHOLE:
    case HEAD_WHOLE_CRLFS:
        /* The frame, "X: ", padding up to N, and the two CRLFs. */
        if (c->shape == HEAD_WHOLE_CRLFS)
            put(b, &o, "\r\n\r\n");
        put(b, &o, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
        memset(b + o, 'v', c->n - o - 4);
        o = c->n - 4;
        put(b, &o, "\r\n\r\n");
        break;
    case HEAD_OPEN:
        put(b, &o, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
        memset(b + o, 'v', c->n - o);
        o = c->n;
        break;
    case HEADER_LINES:
        put(b, &o, "GET / HTTP/1.1\r\nHost: a\r\n");
        for (size_t i = 1; i < c->n; i++)
            o += (size_t)sprintf(b + o, "X-%zu: %zu\r\n", i, i);
        put(b, &o, "\r\n");
        break;
    }
    *len = o;
    return b;
}

static void test_parse_limits(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(limit_cases); i++) {
        const struct limit_case *c = &limit_cases[i];
        struct http_request req;
        size_t len, at;
        char *b = limit_bytes(c, &len);
        enum http_parse_result r = parse_once(b, len, &req);

        if (r != c->want) {
            row_fail(&t, c->what, "%zu bytes gave %s, want %s", len, result_name(r),
                     result_name(c->want));
        } else if (r == HTTP_PARSE_OK &&
                   (req.head_len != len || (c->shape == HEADER_LINES && req.nheaders != c->n))) {
            row_fail(&t, c->what, "head_len %zu of %zu, %zu headers", req.head_len, len,
                     req.nheaders);
        } else if (r == HTTP_PARSE_OK || r == HTTP_PARSE_INCOMPLETE) {
            /* Nothing more to say for these. */
        } else if ((r = feed_bytewise(b, len, &at)) != c->want) {
            row_fail(&t, c->what, "fed byte by byte, gave %s after %zu bytes", result_name(r), at);
        }
        free(b);
    }
    tally_end(&t, NROWS(limit_cases));
}

/* ------------------------------------------------------------------ */
/* Inputs that end at a guard page                                     */
/* ------------------------------------------------------------------ */

/*
 * Every prefix of every valid request, every malformed request and its
 * prefixes, and every limit case, placed so that its last byte is the last
 * readable one: an over-read faults (and ASan reports it in asan builds).
 */
static void test_parse_guard_page(void **state)
{
    struct tally t = {0, NULL};
    struct guard g;
    size_t rows = 0;

    (void)state;
    guard_init(&g, 4 * HTTP_MAX_HEAD);
    {
        struct http_request req;
        enum http_parse_result r = parse_once(g.base + g.size, 0, &req);

        rows++;
        if (r != HTTP_PARSE_INCOMPLETE)
            row_fail(&t, "an empty buffer at the guard page is incomplete", "gave %s",
                     result_name(r));
    }
    for (size_t i = 0; i < NROWS(valid_cases); i++) {
        const struct valid_case *c = &valid_cases[i];
        size_t len, head = strlen(c->head);
        char *b = valid_bytes(c, &len);

        rows++;
        for (size_t k = 0; k <= len; k++) {
            struct http_request req;
            const char *p = guard_place(&g, b, k);
            enum http_parse_result r = parse_once(p, k, &req);

            if (r != (k < head ? HTTP_PARSE_INCOMPLETE : HTTP_PARSE_OK) ||
                (r == HTTP_PARSE_OK && req.head_len != head)) {
                row_fail(&t, c->what, "at the guard page, %zu bytes gave %s", k, result_name(r));
                break;
            }
        }
        free(b);
    }
    for (size_t i = 0; i < NROWS(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct http_request req;
        /* The verdict is test_parse_malformed's business: here, agree with it. */
        enum http_parse_result whole = parse_once(c->raw, c->len, &req);

        rows++;
        for (size_t k = 0; k <= c->len; k++) {
            const char *p = guard_place(&g, c->raw, k);
            enum http_parse_result r = parse_once(p, k, &req);

            /* A prefix is incomplete or already shows the whole's error. */
            if (k == c->len ? r != whole : (r != HTTP_PARSE_INCOMPLETE && r != whole)) {
                row_fail(&t, c->what, "at the guard page, %zu of %zu bytes gave %s, not %s", k,
                         c->len, result_name(r), result_name(whole));
                break;
            }
        }
    }
    for (size_t i = 0; i < NROWS(limit_cases); i++) {
        const struct limit_case *c = &limit_cases[i];
        struct http_request req;
        size_t len;
        char *b = limit_bytes(c, &len);
        enum http_parse_result r = parse_once(guard_place(&g, b, len), len, &req);

        rows++;
        if (r != c->want)
            row_fail(&t, c->what, "at the guard page gave %s", result_name(r));
        free(b);
    }
    guard_cleanup(&g);
    tally_end(&t, rows);
}

/* ------------------------------------------------------------------ */
/* Smaller functions                                                   */
/* ------------------------------------------------------------------ */

static void test_parse_resets_output(void **state)
{
    static const char full[] = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
    struct http_request req;
    size_t scanned = 0;

    (void)state;
    assert_int_equal(parse_once(full, sizeof(full) - 1, &req), HTTP_PARSE_OK);
    assert_int_equal(req.nheaders, 2);
    /* The same struct, reused for a new request that is still incomplete. */
    assert_int_equal(http_parse_request("GET / HT", 8, &scanned, &req), HTTP_PARSE_INCOMPLETE);
    assert_int_equal(req.nheaders, 0);
    assert_false(req.has_content_length);
    assert_int_equal(req.head_len, 0);
    assert_null(req.error);
}

struct count_case {
    const char *what;
    const char *name;
    size_t want;
};

static const char count_req[] = "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\nX-A: 1\r\n"
                                "range: bytes=2-3\r\nRANGE: bytes=4-5\r\nX-AB: 2\r\n\r\n";

static const struct count_case count_cases[] = {
    {"a name sent once counts 1", "host", 1},
    {"lines differing only in case are counted together", "Range", 3},
    {"a name is not a prefix match", "x-a", 1},
    {"an absent name counts 0", "if-range", 0},
    {"the empty name counts 0", "", 0},
};

static void test_header_count(void **state)
{
    struct tally t = {0, NULL};
    struct http_request req;

    (void)state;
    assert_int_equal(parse_once(count_req, sizeof(count_req) - 1, &req), HTTP_PARSE_OK);
    for (size_t i = 0; i < NROWS(count_cases); i++) {
        const struct count_case *c = &count_cases[i];
        size_t got = http_request_header_count(&req, c->name);

        if (got != c->want)
            row_fail(&t, c->what, "\"%s\" counted %zu", c->name, got);
    }
    tally_end(&t, NROWS(count_cases));
}

struct host_case {
    const char *what;
    const char *value;
    bool want;
};

static const struct host_case host_cases[] = {
    {"a name is valid", "example.com", true},
    {"a name with a port is valid", "example.com:8080", true},
    {"the empty name is valid (RFC 9112 3.2)", "", true},
    {"an empty port is valid (port = *DIGIT)", "a:", true},
    {"a port alone is valid (the name may be empty)", ":80", true},
    {"a long port is valid as far as the grammar goes", "a:123456", true},
    {"unreserved bytes are valid", "a-b.c_d~e", true},
    {"sub-delims are valid", "a!$&'()*+,;=b", true},
    {"a percent-encoded byte is valid", "a%2Eb", true},
    {"an IPv4 address is valid", "192.0.2.1", true},
    {"an IPv4 address with a port is valid", "192.0.2.1:443", true},
    {"a dotted name that is not an IPv4 address is still a reg-name", "999.1.1.1", true},
    {"the IPv6 loopback is valid", "[::1]", true},
    {"the IPv6 unspecified address is valid", "[::]", true},
    {"an IPv6 address with a port is valid", "[::1]:8080", true},
    {"a full IPv6 address is valid", "[2001:db8:0:0:0:0:0:1]", true},
    {"a gap at the end is valid", "[2001:db8::]", true},
    {"seven groups and a gap are valid", "[1:2:3:4:5:6:7::]", true},
    {"a gap and seven groups are valid", "[::1:2:3:4:5:6:7]", true},
    {"an embedded IPv4 address is valid", "[::ffff:192.0.2.1]", true},
    {"six groups and an IPv4 address are valid", "[1:2:3:4:5:6:192.0.2.1]", true},
    {"uppercase hex is valid", "[2001:DB8::A]", true},
    {"an IPvFuture literal is valid", "[v1.fe80::a+en1]", true},

    {"a space is invalid", "a b", false},
    {"userinfo is invalid", "user@host", false},
    {"a path is invalid", "a/b", false},
    {"a query is invalid", "a?b", false},
    {"a fragment is invalid", "a#b", false},
    {"a backslash is invalid", "a\\b", false},
    {"a double quote is invalid", "a\"b", false},
    {"a non-digit port is invalid", "a:8o", false},
    {"two colons outside brackets are invalid", "a:1:2", false},
    {"a bare IPv6 address is invalid", "::1", false},
    {"a bad percent escape is invalid", "a%zz", false},
    {"a truncated percent escape is invalid", "a%4", false},
    {"a lone percent sign is invalid", "%", false},
    {"non-ASCII is invalid (IDNs go as punycode)", "caf\xc3\xa9", false},
    {"an unclosed bracket is invalid", "[::1", false},
    {"a closing bracket alone is invalid", "a]", false},
    {"an empty IP-literal is invalid", "[]", false},
    {"text after the IP-literal is invalid", "[::1]x", false},
    {"a name in brackets is invalid", "[example.com]", false},
    {"an IPv4 address in brackets is invalid", "[192.0.2.1]", false},
    {"nine IPv6 groups are invalid", "[1:2:3:4:5:6:7:8:9]", false},
    {"seven groups without a gap are invalid", "[1:2:3:4:5:6:7]", false},
    {"eight groups and a gap are invalid", "[1:2:3:4:5:6:7:8::]", false},
    {"two gaps are invalid", "[1::2::3]", false},
    {"three colons are invalid", "[1:::2]", false},
    {"a leading single colon is invalid", "[:1::2]", false},
    {"a trailing single colon is invalid", "[1::2:]", false},
    {"a five-digit group is invalid", "[12345::]", false},
    {"an IPv6 zone identifier is invalid (not in RFC 3986)", "[fe80::1%25eth0]", false},
    {"seven groups and an IPv4 address are invalid", "[1:2:3:4:5:6:7:192.0.2.1]", false},
    {"an embedded IPv4 octet over 255 is invalid", "[::ffff:192.0.2.256]", false},
    {"an embedded IPv4 address with a leading zero is invalid", "[::ffff:192.0.2.01]", false},
    {"an embedded IPv4 address with three parts is invalid", "[::ffff:192.0.2]", false},
    {"IPvFuture without a version is invalid", "[v.x]", false},
    {"IPvFuture without an address is invalid", "[v1.]", false},
    {"a port on a bad IP-literal is invalid", "[::g]:80", false},
};

static void test_host_is_valid(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(host_cases); i++) {
        const struct host_case *c = &host_cases[i];
        size_t len = strlen(c->value);
        char *exact = malloc(len > 0 ? len : 1);
        bool got;

        assert_non_null(exact);
        memcpy(exact, c->value, len); /* exactly LEN bytes, so ASan sees an over-read */
        got = http_host_is_valid(strview_make(exact, len));
        if (got != c->want)
            row_fail(&t, c->what, "\"%s\" gave %s", c->value, got ? "valid" : "invalid");
        free(exact);
    }
    tally_end(&t, NROWS(host_cases));
}

struct status_case {
    const char *what;
    enum http_parse_result r;
    int want;
};

static const struct status_case status_cases[] = {
    {"a malformed request is 400 Bad Request", HTTP_PARSE_BAD_REQUEST, 400},
    {"an over-long request line is 414 URI Too Long", HTTP_PARSE_URI_TOO_LONG, 414},
    {"an over-large head is 431 Request Header Fields Too Large", HTTP_PARSE_HEADERS_TOO_LARGE,
     431},
    {"another major version is 505 HTTP Version Not Supported", HTTP_PARSE_BAD_VERSION, 505},
    {"an unknown transfer coding is 501 Not Implemented", HTTP_PARSE_NOT_IMPLEMENTED, 501},
};

static void test_parse_status(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(status_cases); i++) {
        const struct status_case *c = &status_cases[i];
        int got = http_parse_status(c->r);

        if (got != c->want)
            row_fail(&t, c->what, "%s maps to %d", result_name(c->r), got);
    }
    tally_end(&t, NROWS(status_cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),      cmocka_unit_test(test_parse_valid_bytewise),
        cmocka_unit_test(test_parse_malformed),  cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_guard_page), cmocka_unit_test(test_parse_resets_output),
        cmocka_unit_test(test_header_count),     cmocka_unit_test(test_parse_status),
        cmocka_unit_test(test_host_is_valid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
