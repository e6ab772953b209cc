/*
 * server/http_req.c - a strict HTTP/1.x request-head parser.
 *
 * Pure: no I/O, no allocation, no globals. What it rejects, and why:
 *   - a bare LF or bare CR where CRLF is required (RFC 9112, 2.2): 400,
 *     because lenient line endings are how request smuggling starts;
 *   - whitespace between a field name and its colon, obsolete line
 *     folding, control characters in values (RFC 9112, 5): 400;
 *   - Content-Length values that disagree, Transfer-Encoding together with
 *     Content-Length, any Transfer-Encoding in HTTP/1.0 (RFC 9112, 6): 400;
 *   - a transfer coding other than a single final "chunked": 501;
 *   - HTTP/1.1 without exactly one Host, more than one Host in any
 *     version, or a Host value that is not uri-host [":" port] (RFC 9112,
 *     3.2; RFC 3986, 3.2.2): 400;
 *   - a major version other than 1: 505.
 */
#include "http_req.h"

#include <string.h>

#include "strparse.h"

/* A byte allowed in a field value: HTAB, SP, VCHAR, obs-text. */
static bool is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* A byte allowed in a request target: VCHAR and obs-text. */
static bool is_target_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f;
}

static const struct {
    const char *name;
    enum http_method method;
} methods[] = {
    {"GET", HTTP_METHOD_GET},     {"HEAD", HTTP_METHOD_HEAD},
    {"PUT", HTTP_METHOD_PUT},     {"DELETE", HTTP_METHOD_DELETE},
    {"POST", HTTP_METHOD_POST},   {"OPTIONS", HTTP_METHOD_OPTIONS},
    {"TRACE", HTTP_METHOD_TRACE}, {"CONNECT", HTTP_METHOD_CONNECT},
    {"PATCH", HTTP_METHOD_PATCH},
};

static enum http_method method_lookup(struct strview v)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strview_eq(v, methods[i].name))
            return methods[i].method;
    return HTTP_METHOD_OTHER;
}

static enum http_parse_result fail(struct http_request *req, enum http_parse_result r,
                                   const char *why)
{
    req->error = why;
    return r;
}

/* Parse "METHOD SP TARGET SP HTTP/x.y" (without its CRLF). */
static enum http_parse_result parse_request_line(struct strview line, struct http_request *req)
{
    const char *sp1, *sp2;
    struct strview version;

    if (line.len > HTTP_MAX_REQUEST_LINE)
        return fail(req, HTTP_PARSE_URI_TOO_LONG, "request line too long");
    sp1 = memchr(line.p, ' ', line.len);
    if (sp1 == NULL)
        return fail(req, HTTP_PARSE_BAD_REQUEST, "malformed request line");
    req->method_name = strview_make(line.p, (size_t)(sp1 - line.p));
    if (!strview_is_token(req->method_name))
        return fail(req, HTTP_PARSE_BAD_REQUEST, "malformed method");
    req->method = method_lookup(req->method_name);
    sp2 = memchr(sp1 + 1, ' ', line.len - (size_t)(sp1 + 1 - line.p));
    if (sp2 == NULL)
        return fail(req, HTTP_PARSE_BAD_REQUEST, "malformed request line (no HTTP version)");
    req->target = strview_make(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    if (req->target.len == 0)
        return fail(req, HTTP_PARSE_BAD_REQUEST, "empty request target");
    for (size_t i = 0; i < req->target.len; i++)
        if (!is_target_char((unsigned char)req->target.p[i]))
            return fail(req, HTTP_PARSE_BAD_REQUEST, "invalid character in request target");
    version = strview_make(sp2 + 1, line.len - (size_t)(sp2 + 1 - line.p));
    if (version.len != 8 || memcmp(version.p, "HTTP/", 5) != 0 || version.p[6] != '.' ||
        version.p[5] < '0' || version.p[5] > '9' || version.p[7] < '0' || version.p[7] > '9')
        return fail(req, HTTP_PARSE_BAD_REQUEST, "malformed HTTP version");
    if (version.p[5] != '1')
        return fail(req, HTTP_PARSE_BAD_VERSION, "unsupported HTTP major version");
    req->version_minor = version.p[7] == '0' ? 0 : 1;
    return HTTP_PARSE_OK;
}

/* Parse one "name: value" line (without its CRLF) into a new header. */
static enum http_parse_result parse_header_line(struct strview line, struct http_request *req)
{
    const char *colon;
    struct http_header *h;

    if (line.p[0] == ' ' || line.p[0] == '\t')
        return fail(req, HTTP_PARSE_BAD_REQUEST, "obsolete header line folding");
    colon = memchr(line.p, ':', line.len);
    if (colon == NULL)
        return fail(req, HTTP_PARSE_BAD_REQUEST, "header line without a colon");
    if (req->nheaders == HTTP_MAX_HEADERS)
        return fail(req, HTTP_PARSE_HEADERS_TOO_LARGE, "too many header lines");
    h = &req->headers[req->nheaders];
    h->name = strview_make(line.p, (size_t)(colon - line.p));
    if (h->name.len > 0 && strview_is_ows(h->name.p[h->name.len - 1]))
        return fail(req, HTTP_PARSE_BAD_REQUEST, "whitespace before a header colon");
    if (!strview_is_token(h->name))
        return fail(req, HTTP_PARSE_BAD_REQUEST, "malformed header name");
    h->value = strview_make(colon + 1, line.len - (size_t)(colon + 1 - line.p));
    for (size_t i = 0; i < h->value.len; i++)
        if (!is_value_char((unsigned char)h->value.p[i]))
            return fail(req, HTTP_PARSE_BAD_REQUEST, "control character in a header value");
    h->value = strview_trim(h->value);
    req->nheaders++;
    return HTTP_PARSE_OK;
}

static bool is_hexdig(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986: unreserved and sub-delims, the bytes a reg-name takes as they are. */
static bool is_unreserved_or_sub_delim(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("-._~!$&'()*+,;=", c) != NULL;
}

/* RFC 3986 IPv4address: four decimal octets 0..255, no leading zeros. */
static bool is_ipv4(struct strview v)
{
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        size_t start = i;
        unsigned n = 0;

        if (part > 0) {
            if (i >= v.len || v.p[i] != '.')
                return false;
            start = ++i;
        }
        while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && i - start < 3)
            n = n * 10 + (unsigned)(v.p[i++] - '0');
        if (i == start || n > 255 || (i - start > 1 && v.p[start] == '0'))
            return false;
    }
    return i == v.len;
}

/*
 * RFC 3986 IPv6address: eight groups of 1 to 4 hex digits, or fewer with
 * one "::" standing for the missing ones; the last 32 bits may be written
 * as an IPv4address.
 */
static bool is_ipv6(struct strview v)
{
    size_t i = 0, groups = 0;
    bool has_gap = false;

    if (v.len >= 2 && v.p[0] == ':' && v.p[1] == ':') {
        has_gap = true;
        i = 2;
    } else if (v.len >= 1 && v.p[0] == ':') {
        return false;
    }
    while (i < v.len) {
        size_t start = i;

        while (i < v.len && is_hexdig((unsigned char)v.p[i]) && i - start < 4)
            i++;
        if (i < v.len && v.p[i] == '.') { /* ls32 as an IPv4address: the end */
            if (groups > 6 || !is_ipv4(strview_make(v.p + start, v.len - start)))
                return false;
            groups += 2;
            i = v.len;
            break;
        }
        if (i == start)
            return false;
        groups++;
        if (i == v.len)
            break;
        if (v.p[i] != ':')
            return false;
        i++;
        if (i < v.len && v.p[i] == ':') {
            if (has_gap)
                return false;
            has_gap = true;
            i++;
        } else if (i == v.len) {
            return false; /* a single trailing ':' */
        }
    }
    return has_gap ? groups <= 7 : groups == 8;
}

/* RFC 3986 IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ). */
static bool is_ipvfuture(struct strview v)
{
    size_t i = 1;

    if (v.len < 4 || (v.p[0] != 'v' && v.p[0] != 'V'))
        return false;
    while (i < v.len && is_hexdig((unsigned char)v.p[i]))
        i++;
    if (i == 1 || i >= v.len - 1 || v.p[i] != '.')
        return false;
    for (i++; i < v.len; i++)
        if (!is_unreserved_or_sub_delim((unsigned char)v.p[i]) && v.p[i] != ':')
            return false;
    return true;
}

bool http_host_is_valid(struct strview v)
{
    size_t i = 0;

    if (v.len > 0 && v.p[0] == '[') { /* IP-literal */
        const char *close = memchr(v.p, ']', v.len);
        struct strview lit;

        if (close == NULL)
            return false;
        lit = strview_make(v.p + 1, (size_t)(close - v.p) - 1);
        if (!is_ipv6(lit) && !is_ipvfuture(lit))
            return false;
        i = (size_t)(close - v.p) + 1;
    } else { /* reg-name, which IPv4address is a case of */
        while (i < v.len && v.p[i] != ':') {
            unsigned char c = (unsigned char)v.p[i];

            if (c == '%') {
                if (i + 2 >= v.len || !is_hexdig((unsigned char)v.p[i + 1]) ||
                    !is_hexdig((unsigned char)v.p[i + 2]))
                    return false;
                i += 3;
                continue;
            }
            if (!is_unreserved_or_sub_delim(c))
                return false;
            i++;
        }
    }
    if (i == v.len)
        return true;
    if (v.p[i] != ':')
        return false;
    for (i++; i < v.len; i++) /* port = *DIGIT */
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
    return true;
}

/* Content-Length: every value of every line must be the same number. */
static enum http_parse_result parse_content_length(struct http_request *req)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        struct strview list, item;

        if (!strview_eq_ci(req->headers[i].name, "content-length"))
            continue;
        list = req->headers[i].value;
        while (strview_next_item(&list, &item)) {
            uint64_t v;

            if (strparse_u64(item.p, item.len, &v) != STRPARSE_OK)
                return fail(req, HTTP_PARSE_BAD_REQUEST, "invalid Content-Length");
            if (req->has_content_length && v != req->content_length)
                return fail(req, HTTP_PARSE_BAD_REQUEST, "conflicting Content-Length values");
            req->has_content_length = true;
            req->content_length = v;
        }
    }
    return HTTP_PARSE_OK;
}

/* Transfer-Encoding: only a single, final "chunked" is understood. */
static enum http_parse_result parse_transfer_encoding(struct http_request *req)
{
    bool has_te = false;

    for (size_t i = 0; i < req->nheaders; i++) {
        struct strview list, item;

        if (!strview_eq_ci(req->headers[i].name, "transfer-encoding"))
            continue;
        if (req->version_minor == 0)
            return fail(req, HTTP_PARSE_BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
        if (req->has_content_length)
            return fail(req, HTTP_PARSE_BAD_REQUEST,
                        "both Transfer-Encoding and Content-Length sent");
        has_te = true;
        list = req->headers[i].value;
        while (strview_next_item(&list, &item)) {
            if (item.len == 0)
                continue;
            if (!strview_eq_ci(item, "chunked"))
                return fail(req, HTTP_PARSE_NOT_IMPLEMENTED, "unsupported transfer coding");
            if (req->is_chunked)
                return fail(req, HTTP_PARSE_BAD_REQUEST, "chunked applied twice");
            req->is_chunked = true;
        }
    }
    /* RFC 9112 6.3: a Transfer-Encoding without a final chunked is a 400. */
    if (has_te && !req->is_chunked)
        return fail(req, HTTP_PARSE_BAD_REQUEST, "empty Transfer-Encoding");
    return HTTP_PARSE_OK;
}

/* The header fields that shape the connection and the message framing. */
static enum http_parse_result parse_semantics(struct http_request *req)
{
    size_t nhost = http_request_header_count(req, "host");
    enum http_parse_result r;
    const struct strview *expect;
    bool has_close = false;

    if (req->version_minor >= 1 && nhost != 1)
        return fail(req, HTTP_PARSE_BAD_REQUEST,
                    nhost == 0 ? "missing Host header" : "more than one Host header");
    if (nhost > 1)
        return fail(req, HTTP_PARSE_BAD_REQUEST, "more than one Host header");
    if (nhost == 1 && !http_host_is_valid(*http_request_header(req, "host")))
        return fail(req, HTTP_PARSE_BAD_REQUEST, "invalid Host header");
    r = parse_content_length(req);
    if (r != HTTP_PARSE_OK)
        return r;
    r = parse_transfer_encoding(req);
    if (r != HTTP_PARSE_OK)
        return r;
    req->is_keep_alive = req->version_minor >= 1;
    for (size_t i = 0; i < req->nheaders; i++) {
        struct strview list, item;

        if (!strview_eq_ci(req->headers[i].name, "connection"))
            continue;
        list = req->headers[i].value;
        while (strview_next_item(&list, &item)) {
            if (strview_eq_ci(item, "close"))
                has_close = true;
            else if (strview_eq_ci(item, "keep-alive") && req->version_minor == 0)
                req->is_keep_alive = true;
        }
    }
    if (has_close) /* "close" wins over "keep-alive", whatever their order */
        req->is_keep_alive = false;
    expect = http_request_header(req, "expect");
    req->expects_continue = expect != NULL && strview_eq_ci(*expect, "100-continue");
    return HTTP_PARSE_OK;
}

/*
 * Look for the blank line that ends the head, from *SCANNED on. Returns
 * the offset just past it, 0 when not there yet, or SIZE_MAX for a bare LF.
 */
static size_t find_head_end(const char *buf, size_t len, size_t start, size_t *scanned)
{
    size_t i = *scanned > start ? *scanned : start;

    for (; i < len; i++) {
        const char *nl = memchr(buf + i, '\n', len - i);

        if (nl == NULL) {
            i = len;
            break;
        }
        i = (size_t)(nl - buf);
        if (i == start || buf[i - 1] != '\r')
            return SIZE_MAX;
        if (i >= start + 3 && buf[i - 2] == '\n')
            return i + 1;
    }
    *scanned = len;
    return 0;
}

/* Reject garbage early: the start of a request line must look like one. */
static bool prefix_is_plausible(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == ' ')
            return i > 0;
        if (!strview_is_tchar((unsigned char)buf[i]))
            return false;
    }
    return true;
}

enum http_parse_result http_parse_request(const char *buf, size_t len, size_t *scanned,
                                          struct http_request *req)
{
    size_t start = 0, end, line_start, rl_len;
    const char *eol;
    enum http_parse_result r;

    memset(req, 0, sizeof(*req));
    /* RFC 9112 2.2: ignore empty lines before the request line. */
    while (len - start >= 2 && buf[start] == '\r' && buf[start + 1] == '\n')
        start += 2;
    end = find_head_end(buf, len, start, scanned);
    if (end == SIZE_MAX)
        return fail(req, HTTP_PARSE_BAD_REQUEST, "bare LF where CRLF is required");
    /*
     * Judge the request line the same way whether it is whole or still
     * arriving (the fuzzer checks that a prefix never gets another error
     * than the whole): the method's characters, then the length, then,
     * once complete, everything else.
     */
    eol = memchr(buf + start, '\n', (end != 0 ? end : len) - start);
    rl_len = eol != NULL ? (size_t)(eol - 1 - buf) - start : len - start;
    if (eol == NULL && rl_len > 0 && buf[len - 1] == '\r')
        rl_len--; /* the CR of a CRLF whose LF has not arrived */
    if (!prefix_is_plausible(buf + start, rl_len))
        return fail(req, HTTP_PARSE_BAD_REQUEST, "malformed request line");
    if (rl_len > HTTP_MAX_REQUEST_LINE)
        return fail(req, HTTP_PARSE_URI_TOO_LONG, "request line too long");
    if (eol != NULL) {
        r = parse_request_line(strview_make(buf + start, rl_len), req);
        if (r != HTTP_PARSE_OK)
            return r;
    }
    /* Leading empty lines count toward the limit too. */
    if (end > HTTP_MAX_HEAD || (end == 0 && len > HTTP_MAX_HEAD))
        return fail(req, HTTP_PARSE_HEADERS_TOO_LARGE, "request head too large");
    if (end == 0)
        return HTTP_PARSE_INCOMPLETE;
    line_start = (size_t)(eol + 1 - buf);
    while (line_start < end - 2) {
        const char *nl = memchr(buf + line_start, '\n', end - line_start);
        struct strview line = strview_make(buf + line_start, (size_t)(nl - 1 - buf) - line_start);

        if (memchr(line.p, '\r', line.len) != NULL)
            return fail(req, HTTP_PARSE_BAD_REQUEST, "bare CR in a header line");
        r = parse_header_line(line, req);
        if (r != HTTP_PARSE_OK)
            return r;
        line_start = (size_t)(nl + 1 - buf);
    }
    r = parse_semantics(req);
    if (r != HTTP_PARSE_OK)
        return r;
    req->head_len = end;
    return HTTP_PARSE_OK;
}

const struct strview *http_request_header(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strview_eq_ci(req->headers[i].name, name))
            return &req->headers[i].value;
    return NULL;
}

size_t http_request_header_count(const struct http_request *req, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < req->nheaders; i++)
        if (strview_eq_ci(req->headers[i].name, name))
            n++;
    return n;
}

int http_parse_status(enum http_parse_result r)
{
    switch (r) {
    case HTTP_PARSE_OK:
    case HTTP_PARSE_INCOMPLETE:
        return 200;
    case HTTP_PARSE_BAD_REQUEST:
        return 400;
    case HTTP_PARSE_URI_TOO_LONG:
        return 414;
    case HTTP_PARSE_HEADERS_TOO_LARGE:
        return 431;
    case HTTP_PARSE_BAD_VERSION:
        return 505;
    case HTTP_PARSE_NOT_IMPLEMENTED:
        return 501;
    }
    return 400;
}
