/*
 * server/http_req.h - parse an HTTP/1.x request head (RFC 9112), strictly.
 *
 * Stateless and non-allocating in the manner of picohttpparser: the caller
 * hands in everything received so far; the parser answers "incomplete",
 * an error class, or a request whose fields are views into the caller's
 * buffer (valid until the caller reuses that buffer).
 */
#ifndef SERVER_HTTP_REQ_H
#define SERVER_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strview.h"

#define HTTP_MAX_REQUEST_LINE 8192  /* longer: 414 */
#define HTTP_MAX_HEAD         16384 /* request line and headers; longer: 431 */
#define HTTP_MAX_HEADERS      64    /* more header lines: 431 */

enum http_method {
    HTTP_METHOD_OTHER, /* a well-formed token we do not know: 501 */
    HTTP_METHOD_GET,
    HTTP_METHOD_HEAD,
    HTTP_METHOD_PUT,
    HTTP_METHOD_DELETE,
    HTTP_METHOD_POST,
    HTTP_METHOD_OPTIONS,
    HTTP_METHOD_TRACE,
    HTTP_METHOD_CONNECT,
    HTTP_METHOD_PATCH,
};

struct http_header {
    struct strview name;
    struct strview value; /* without leading and trailing spaces */
};

struct http_request {
    enum http_method method;
    struct strview method_name;
    struct strview target;  /* as sent: origin-form, absolute-form or "*" */
    unsigned version_minor; /* HTTP/1.0 is 0; 1.1 and later 1.x are 1 */
    struct http_header headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    bool is_keep_alive;      /* the client wants the connection kept open */
    bool has_content_length; /* Content-Length was sent */
    uint64_t content_length;
    bool is_chunked;       /* Transfer-Encoding: chunked */
    bool expects_continue; /* Expect: 100-continue */
    size_t head_len;       /* bytes of BUF the head took, leading CRLFs included */
    const char *error;     /* for an error result: why, in words (static text) */
};

enum http_parse_result {
    HTTP_PARSE_OK,
    HTTP_PARSE_INCOMPLETE,        /* need more bytes */
    HTTP_PARSE_BAD_REQUEST,       /* 400 */
    HTTP_PARSE_URI_TOO_LONG,      /* 414 */
    HTTP_PARSE_HEADERS_TOO_LARGE, /* 431 */
    HTTP_PARSE_BAD_VERSION,       /* 505 */
    HTTP_PARSE_NOT_IMPLEMENTED,   /* 501: a transfer coding we do not know */
};

/*
 * Parse the request head at the start of BUF[0..LEN).
 *
 * *SCANNED is the caller's bookmark: set it to 0 for a new request and pass
 * it back unchanged with the grown buffer; the parser records how far it
 * has looked, so feeding a head a byte at a time costs linear time.
 *
 * *REQ is reset on entry and meaningful only for HTTP_PARSE_OK, except
 * req->error, which explains any error result. Limits: the request line
 * (HTTP_MAX_REQUEST_LINE), the whole head (HTTP_MAX_HEAD) and the number of
 * header lines (HTTP_MAX_HEADERS).
 */
enum http_parse_result http_parse_request(const char *buf, size_t len, size_t *scanned,
                                          struct http_request *req);

/* The first header called NAME (any case), or NULL. */
const struct strview *http_request_header(const struct http_request *req, const char *name);

/* How many header lines are called NAME (any case). */
size_t http_request_header_count(const struct http_request *req, const char *name);

/*
 * True when V (a Host value, OWS already trimmed) is uri-host [":" port]
 * as RFC 9112 3.2 requires: an IP-literal ("[" IPv6address or IPvFuture
 * "]"), or a reg-name of unreserved, sub-delims and %HH bytes (which
 * includes IPv4address and the empty name), then optionally ":" and any
 * number of digits. Pure.
 */
bool http_host_is_valid(struct strview v);

/* The HTTP status an error result stands for (400, 414, 431, 505, 501). */
int http_parse_status(enum http_parse_result r);

#endif
