/*
 * server/respond.c - build status line, headers and body segments.
 *
 * Pure. The body is described, not copied: file bytes are sent later with
 * sendfile(2) from the segments' offsets, memory bytes from the repr or
 * from out->extra.
 */
#include "respond.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cond.h"
#include "encode.h"
#include "httpdate.h"

static const struct {
    int status;
    const char *reason;
} reasons[] = {
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
};

const char *respond_reason(int status)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}

bool respond_status_closes(int status)
{
    switch (status) {
    case 400:
    case 408:
    case 413:
    case 414:
    case 431:
    case 500:
    case 501:
    case 503:
    case 505:
        return true;
    default:
        return false;
    }
}

/* Append to a fixed buffer; the buffers are sized for the worst case. */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < cap - *len);
    *len += (size_t)n;
}

#define HEAD_APPEND(out, ...)                                                                      \
    append((out)->head, sizeof((out)->head), &(out)->head_len, __VA_ARGS__)

static void reset(struct response *out, int status)
{
    out->status = status;
    out->is_close = false;
    out->body_len = 0;
    out->nsegs = 0;
    out->head_len = 0;
    out->extra_len = 0;
}

/* Status line, Date, Server, and the connection's fate. */
static void head_start(struct response *out, int status, const struct resp_ctx *ctx)
{
    char date[HTTPDATE_LEN];

    reset(out, status);
    out->is_close = !ctx->is_keep_alive || respond_status_closes(status);
    if (!httpdate_format(ctx->now, date))
        date[0] = '\0';
    HEAD_APPEND(out, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: %s\r\n", status, respond_reason(status),
                date, SERVER_SOFTWARE);
    if (out->is_close)
        HEAD_APPEND(out, "Connection: close\r\n");
    else if (ctx->version_minor == 0)
        HEAD_APPEND(out, "Connection: keep-alive\r\n");
}

/* End the head and make it the first segment. */
static void head_finish(struct response *out)
{
    HEAD_APPEND(out, "\r\n");
    out->segs[0].kind = RESP_SEG_MEM;
    out->segs[0].mem = out->head;
    out->segs[0].off = 0;
    out->segs[0].len = out->head_len;
    out->nsegs = 1;
}

static void add_seg(struct response *out, enum resp_seg_kind kind, const char *mem, uint64_t off,
                    uint64_t len)
{
    assert(out->nsegs < RESP_MAX_SEGS);
    out->segs[out->nsegs].kind = kind;
    out->segs[out->nsegs].mem = mem;
    out->segs[out->nsegs].off = off;
    out->segs[out->nsegs].len = len;
    out->nsegs++;
}

/* Add REP's bytes R as a body segment. */
static void add_body(struct response *out, const struct repr *rep, const struct byte_range *r)
{
    if (rep->is_file)
        add_seg(out, RESP_SEG_FILE, NULL, r->first, range_length(r));
    else
        add_seg(out, RESP_SEG_MEM, rep->mem, r->first, range_length(r));
}

/* Validators and digests: the headers every 200/206/304 carries. */
static void head_validators(struct response *out, const struct repr *rep)
{
    char date[HTTPDATE_LEN];

    if (httpdate_format(rep->mtime, date))
        HEAD_APPEND(out, "Last-Modified: %s\r\n", date);
    HEAD_APPEND(out, "ETag: %s\r\n", rep->etag);
}

/*
 * Accept-Ranges, validators, and the file's SHA-256 as Repr-Digest (RFC
 * 9530) and, when WITH_DIGEST, as RFC 3230's older Digest header too.
 *
 * Why Digest is not on every response: aria2c takes a Digest from the
 * first response of a download and, after the transfer, reads the whole
 * file back to hash it again. Its first request is a plain GET, so a
 * Digest on full 200 bodies made aria2c -x4 spend 2.4 s per GiB (twice
 * the transfer itself on this machine) re-hashing what the catalog and
 * Repr-Digest already vouch for. Digest therefore goes with HEAD and
 * partial (206) responses, where a client asks about the file or resumes
 * it; Repr-Digest goes everywhere.
 */
static void head_representation(struct response *out, const struct repr *rep, bool with_digest)
{
    char b64[encode_base64_len(SHA256_LEN) + 1];

    HEAD_APPEND(out, "Accept-Ranges: bytes\r\n");
    head_validators(out, rep);
    if (rep->links != NULL)
        HEAD_APPEND(out, "%s", rep->links);
    if (rep->has_digest) {
        encode_base64(rep->sha256, SHA256_LEN, b64);
        HEAD_APPEND(out, "Repr-Digest: sha-256=:%s:\r\n", b64);
        if (with_digest)
            HEAD_APPEND(out, "Digest: SHA-256=%s\r\n", b64);
    }
}

void respond_error(int status, const char *detail, const char *extra_header,
                   const struct resp_ctx *ctx, struct response *out)
{
    head_start(out, status, ctx);
    append(out->extra, sizeof(out->extra), &out->extra_len, "%d %s%s%.200s\n", status,
           respond_reason(status), detail ? ": " : "", detail ? detail : "");
    out->body_len = out->extra_len;
    HEAD_APPEND(out, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n",
                out->extra_len);
    if (extra_header != NULL)
        HEAD_APPEND(out, "%s", extra_header);
    head_finish(out);
    if (!ctx->is_head)
        add_seg(out, RESP_SEG_MEM, out->extra, 0, out->extra_len);
}

void respond_status(int status, const char *extra_headers, const char *content_type,
                    const char *body, size_t body_len, const struct resp_ctx *ctx,
                    struct response *out)
{
    bool has_body = status != 204 && status != 304;

    head_start(out, status, ctx);
    if (has_body) {
        if (body_len > sizeof(out->extra))
            body_len = sizeof(out->extra);
        if (body_len > 0)
            memcpy(out->extra, body, body_len);
        out->extra_len = body_len;
        out->body_len = body_len;
        if (body_len > 0)
            HEAD_APPEND(out, "Content-Type: %s\r\n", content_type);
        HEAD_APPEND(out, "Content-Length: %zu\r\n", body_len);
    }
    if (extra_headers != NULL)
        HEAD_APPEND(out, "%s", extra_headers);
    head_finish(out);
    if (has_body && !ctx->is_head && body_len > 0)
        add_seg(out, RESP_SEG_MEM, out->extra, 0, out->extra_len);
}

size_t respond_interim(int status, const char *extra_headers, char *out, size_t cap)
{
    int n = snprintf(out, cap, "HTTP/1.1 %d %s\r\n%s\r\n", status, respond_reason(status),
                     extra_headers != NULL ? extra_headers : "");

    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void respond_not_modified(const struct repr *rep, const struct resp_ctx *ctx,
                                 struct response *out)
{
    head_start(out, 304, ctx);
    head_validators(out, rep);
    head_finish(out);
}

static void respond_unsatisfiable(const struct repr *rep, const struct resp_ctx *ctx,
                                  struct response *out)
{
    char line[64];

    snprintf(line, sizeof(line), "Content-Range: bytes */%" PRIu64 "\r\n", rep->size);
    respond_error(416, "the requested range lies outside the file", line, ctx, out);
}

static void respond_whole(const struct repr *rep, const struct resp_ctx *ctx, struct response *out)
{
    head_start(out, 200, ctx);
    HEAD_APPEND(out, "Content-Type: %s\r\nContent-Length: %" PRIu64 "\r\n", rep->content_type,
                rep->size);
    head_representation(out, rep, ctx->is_head);
    head_finish(out);
    out->body_len = rep->size;
    if (!ctx->is_head && rep->size > 0) {
        struct byte_range all = {0, rep->size - 1};

        add_body(out, rep, &all);
    }
}

static void respond_single(const struct repr *rep, const struct byte_range *r,
                           const struct resp_ctx *ctx, struct response *out)
{
    head_start(out, 206, ctx);
    HEAD_APPEND(out,
                "Content-Type: %s\r\nContent-Length: %" PRIu64 "\r\n"
                "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n",
                rep->content_type, range_length(r), r->first, r->last, rep->size);
    head_representation(out, rep, true);
    head_finish(out);
    out->body_len = range_length(r);
    if (!ctx->is_head)
        add_body(out, rep, r);
}

/* A boundary that cannot be confused with the parts: derived from the ETag. */
static void make_boundary(const struct repr *rep, time_t now, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "pdm-");

    for (const char *p = rep->etag; *p != '\0' && o + 1 < cap; p++)
        if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z'))
            out[o++] = *p;
    snprintf(out + o, cap - o, "-%" PRIx64, (uint64_t)now);
}

/*
 * multipart/byteranges (RFC 9110, 14.6): the delimiters live in out->extra,
 * the parts' bytes are segments of the representation.
 */
static void respond_multipart(const struct repr *rep, const struct byte_range *r, size_t n,
                              const struct resp_ctx *ctx, struct response *out)
{
    char boundary[96];
    size_t delim_start[RANGE_MAX_PARTS + 1];
    uint64_t total = 0;

    head_start(out, 206, ctx);
    make_boundary(rep, ctx->now, boundary, sizeof(boundary));
    for (size_t i = 0; i < n; i++) {
        delim_start[i] = out->extra_len;
        append(out->extra, sizeof(out->extra), &out->extra_len,
               "%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64
               "\r\n\r\n",
               i == 0 ? "" : "\r\n", boundary, rep->content_type, r[i].first, r[i].last, rep->size);
        total += range_length(&r[i]);
    }
    delim_start[n] = out->extra_len;
    append(out->extra, sizeof(out->extra), &out->extra_len, "\r\n--%s--\r\n", boundary);
    total += out->extra_len;
    HEAD_APPEND(
        out, "Content-Type: multipart/byteranges; boundary=%s\r\nContent-Length: %" PRIu64 "\r\n",
        boundary, total);
    head_representation(out, rep, true);
    head_finish(out);
    out->body_len = total;
    if (ctx->is_head)
        return;
    for (size_t i = 0; i < n; i++) {
        add_seg(out, RESP_SEG_MEM, out->extra, delim_start[i], delim_start[i + 1] - delim_start[i]);
        add_body(out, rep, &r[i]);
    }
    add_seg(out, RESP_SEG_MEM, out->extra, delim_start[n], out->extra_len - delim_start[n]);
}

void respond_repr(const struct http_request *req, const struct repr *rep,
                  const struct resp_ctx *ctx, struct response *out)
{
    const struct strview *range = http_request_header(req, "range");
    struct byte_range parts[RANGE_MAX_PARTS];
    size_t n = 0;
    enum range_result rr;

    switch (cond_evaluate(req, rep->etag, rep->mtime)) {
    case COND_NOT_MODIFIED:
        respond_not_modified(rep, ctx, out);
        return;
    case COND_PRECONDITION_FAILED:
        respond_error(412, "a precondition (If-Match or If-Unmodified-Since) failed", NULL, ctx,
                      out);
        return;
    case COND_PROCEED:
        break;
    }
    /* One Range header only; If-Range decides whether it applies at all. */
    if (range == NULL || http_request_header_count(req, "range") != 1 ||
        !cond_if_range_allows(req, rep->etag, rep->mtime, ctx->now)) {
        respond_whole(rep, ctx, out);
        return;
    }
    rr = range_parse_set(range->p, range->len, rep->size, parts, RANGE_MAX_PARTS, &n);
    if (rr == RANGE_UNSATISFIABLE) {
        respond_unsatisfiable(rep, ctx, out);
    } else if (rr == RANGE_IGNORE || !range_set_is_ascending(parts, n)) {
        respond_whole(rep, ctx, out);
    } else if (n == 1) {
        respond_single(rep, &parts[0], ctx, out);
    } else {
        respond_multipart(rep, parts, n, ctx, out);
    }
}
