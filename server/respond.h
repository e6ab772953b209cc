/*
 * server/respond.h - turn a parsed request and what it names into a
 * response: status line, headers and a list of body segments to send.
 *
 * Pure: the caller opens the file and fills a struct repr; nothing here
 * touches a socket, a file or the clock (the time is passed in). The
 * segments borrow memory from the response itself and from the repr.
 */
#ifndef SERVER_RESPOND_H
#define SERVER_RESPOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_req.h"
#include "range.h"
#include "sha256.h"
#include "version.h"

#define RESP_HEAD_MAX  2560 /* room for META4_LINKS_MAX of Link headers */
#define RESP_EXTRA_MAX 6144
#define RESP_MAX_SEGS  (2 * RANGE_MAX_PARTS + 2)
#define RESP_ETAG_MAX  80

#define SERVER_SOFTWARE "pdm-server/" PDM_VERSION

/* A representation: a file on disk, or bytes in memory (the catalog). */
struct repr {
    bool is_file;             /* body bytes come from the caller's file descriptor */
    const char *mem;          /* body bytes when !is_file (borrowed) */
    uint64_t size;            /* bytes in the representation */
    time_t mtime;             /* Last-Modified */
    char etag[RESP_ETAG_MAX]; /* strong, quotes included */
    bool has_digest;          /* sha256 is known to match these bytes */
    uint8_t sha256[SHA256_LEN];
    const char *content_type;
    const char *links; /* Link and Vary header lines (CRLF each; server/meta4.h), or NULL */
};

enum resp_seg_kind {
    RESP_SEG_MEM,  /* bytes at mem + off */
    RESP_SEG_FILE, /* bytes of the file at offset off */
};

struct resp_seg {
    enum resp_seg_kind kind;
    const char *mem;
    uint64_t off;
    uint64_t len;
};

struct response {
    int status;
    bool is_close;                       /* "Connection: close" was sent: close once sent */
    uint64_t body_len;                   /* Content-Length announced (sent only for GET) */
    struct resp_seg segs[RESP_MAX_SEGS]; /* segs[0] is always the head */
    size_t nsegs;
    char head[RESP_HEAD_MAX];
    size_t head_len;
    char extra[RESP_EXTRA_MAX]; /* multipart delimiters or an error body */
    size_t extra_len;
};

/* What shapes every response on this connection. */
struct resp_ctx {
    time_t now;             /* for the Date header */
    unsigned version_minor; /* of the request: 0 for HTTP/1.0 */
    bool is_keep_alive;     /* the connection stays open after this response */
    bool is_head;           /* HEAD: headers only */
};

/*
 * Answer a GET or HEAD for REP: conditionals (304, 412), Range (206,
 * multipart 206, 416, or 200 when the Range is malformed, lists parts out
 * of order, or fails If-Range), and the headers DESIGN.md lists
 * (Content-Length, Accept-Ranges, Last-Modified, ETag, Repr-Digest; the
 * older Digest only on HEAD and 206, see respond.c). OUT is fully
 * rewritten.
 */
void respond_repr(const struct http_request *req, const struct repr *rep,
                  const struct resp_ctx *ctx, struct response *out);

/*
 * An error or bodiless status (400, 404, 405, 503, ...) with a short text
 * body: "STATUS REASON: DETAIL\n". EXTRA_HEADER, when not NULL, is a whole
 * header line with its CRLF (e.g. "Allow: GET, HEAD\r\n"). Statuses that
 * end the connection (400, 408, 414, 431, 501, 505, 503) set is_close.
 */
void respond_error(int status, const char *detail, const char *extra_header,
                   const struct resp_ctx *ctx, struct response *out);

/*
 * Any other final status (the answers to uploads and deletes: 201, 204,
 * 401, 409 with a problem document, ...): EXTRA_HEADERS (whole lines with
 * their CRLFs, or NULL) and, unless STATUS is 204 or 304, a body of
 * BODY_LEN bytes of CONTENT_TYPE copied from BODY (cut to RESP_EXTRA_MAX;
 * BODY may be NULL for an empty one). 204 and 304 have neither body nor
 * Content-Length (RFC 9110 8.6). OUT is fully rewritten.
 */
void respond_status(int status, const char *extra_headers, const char *content_type,
                    const char *body, size_t body_len, const struct resp_ctx *ctx,
                    struct response *out);

/*
 * An interim (1xx) response: "HTTP/1.1 STATUS REASON", EXTRA_HEADERS
 * (whole lines, or NULL), the empty line, into OUT (CAP bytes). Returns
 * its length, or 0 when it does not fit. The caller sends 1xx only to
 * HTTP/1.1 clients (RFC 9110 15.2).
 */
size_t respond_interim(int status, const char *extra_headers, char *out, size_t cap);

/* The reason phrase for STATUS ("Partial Content"). */
const char *respond_reason(int status);

/* True when STATUS means the connection must be closed after it. */
bool respond_status_closes(int status);

#endif
