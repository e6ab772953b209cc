/*
 * server/upload_conn.c - the request side of uploads and deletes (see
 * upload_conn.h for the life of one). The disk threads' part is in
 * upload_job.c; both share struct upx (upload_job.h).
 */
#include "upload_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "encode.h"
#include "fileio.h"
#include "log.h"
#include "resource.h"
#include "upload_file.h"
#include "upload_job.h"
#include "uploads.h"

#define ALLOW_FILE   "Allow: GET, HEAD, PUT, DELETE, OPTIONS\r\n"
#define ALLOW_UPLOAD "Allow: HEAD, PATCH, DELETE, OPTIONS\r\n"

/*
 * The ID of an upload resource when TARGET is /.uploads/ID (what follows
 * the prefix, not yet checked), into *ID; false for any other target.
 */
static bool upload_target(struct strview target, struct strview *id)
{
    struct strview path;
    size_t n = strlen(UPLOADS_URL);

    if (!resource_target_path(target, &path) || path.len <= n || memcmp(path.p, UPLOADS_URL, n))
        return false;
    *id = strview_make(path.p + n, path.len - n);
    return true;
}

bool upx_wants(const struct server_ctx *ctx, const struct http_request *req)
{
    struct strview id;

    if (ctx->token == NULL)
        return false;
    switch (req->method) {
    case HTTP_METHOD_PUT:
    case HTTP_METHOD_DELETE:
    case HTTP_METHOD_PATCH:
    case HTTP_METHOD_OPTIONS:
        return true;
    case HTTP_METHOD_HEAD:
        return upload_target(req->target, &id);
    default:
        return false;
    }
}

/* Answer STATUS with a text body and EXTRA header lines; the body is dealt with as planned. */
static void refuse(struct conn *c, const struct upx_req *r, int status, const char *why,
                   const char *extra)
{
    struct resp_ctx rc = conn_response_ctx(c, r->version_minor, r->body_keeps_alive, r->is_head);

    respond_error(status, why, extra, &rc, &c->x->resp);
}

/* 409, 400 or 410 with an application/problem+json body (RFC 9457), as the draft suggests. */
static void refuse_problem(struct conn *c, const struct upx_req *r, int status,
                           enum upload_problem problem, const char *why, const char *extra,
                           uint64_t expected, uint64_t provided)
{
    struct resp_ctx rc = conn_response_ctx(c, r->version_minor, r->body_keeps_alive, r->is_head);
    char body[512];
    int n;

    if (problem == PROBLEM_MISMATCHING_OFFSET)
        n = snprintf(body, sizeof(body),
                     "{\"type\":\"%s\",\"title\":\"%s\",\"expected-offset\":%" PRIu64
                     ",\"provided-offset\":%" PRIu64 "}\n",
                     upload_problem_uri(problem), why, expected, provided);
    else
        n = snprintf(body, sizeof(body), "{\"type\":\"%s\",\"title\":\"%s\"}\n",
                     upload_problem_uri(problem), why);
    respond_status(status, extra, "application/problem+json", body, (size_t)n, &rc, &c->x->resp);
}

/* "Upload-Limit: max-size=N, max-age=S" for an upload last active at ACTIVE. */
static void limit_line(const struct server_ctx *ctx, int64_t active, char *out, size_t cap)
{
    snprintf(out, cap, "Upload-Limit: max-size=%" PRIu64 ", max-age=%" PRId64 "\r\n",
             ctx->opts->max_upload_size, upload_max_age(ctx->uploads, active, time(NULL)));
}

static void log_refusal(const struct conn *c, const struct http_request *req, const char *why)
{
    char target[600];

    log_warnx("%s: %.*s %s refused: %s", c->peer, (int)req->method_name.len, req->method_name.p,
              log_quote(req->target.p, req->target.len, target, sizeof(target)), why);
}

static struct upx *upx_new(struct conn *c, const struct http_request *req, enum upx_kind kind)
{
    struct upx *up = calloc(1, sizeof(*up));

    if (up == NULL)
        return NULL;
    up->kind = kind;
    up->ctx = c->w->ctx;
    up->fd = up->dirfd = -1;
    up->version_minor = req->version_minor;
    up->is_keep_alive = req->is_keep_alive;
    up->is_head = req->method == HTTP_METHOD_HEAD;
    return up;
}

/* Queue the interim response STATUS with EXTRA header lines (HTTP/1.1 only). */
static void add_interim(struct conn *c, const struct upx *up, int status, const char *extra)
{
    struct conn_exchange *x = c->x;

    if (up->version_minor == 0)
        return;
    x->interim_len += respond_interim(status, extra, x->interim + x->interim_len,
                                      sizeof(x->interim) - x->interim_len);
}

/* Read the body into UP: sizes, framing, decoder (its trailers kept for the digests). */
static void plan_body(struct conn *c, struct upx *up, const struct http_request *req)
{
    struct conn_exchange *x = c->x;
    struct chunked_limits lim = {up->plan.max_body, CHUNKED_DEFAULT_MAX_EXT,
                                 CHUNKED_DEFAULT_MAX_TRAILER};

    x->has_body = req->is_chunked || (req->has_content_length && req->content_length > 0);
    x->is_chunked = req->is_chunked;
    x->body_left = req->content_length;
    x->body_bytes = 0;
    if (x->is_chunked)
        chunked_init(&x->dec, &lim, up->trailers, sizeof(up->trailers));
    if (req->expects_continue && x->has_body)
        add_interim(c, up, 100, NULL);
    x->up = up;
}

/* True when BASE in UP's directory is the catalog file itself (--catalog inside the root). */
static bool is_catalog_file(const struct upx *up)
{
    struct stat a, b;

    return fstatat(up->dirfd, up->base, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
           stat(up->ctx->opts->catalog, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Open the destination's directory into UP (creating it for a PUT) and check the name. */
static int open_destination(struct upx *up, bool create, const char **why)
{
    enum upload_target kind;
    int err;

    up->dirfd = upload_open_parent(up->ctx->rootfd, up->path, create, &up->base);
    if (up->dirfd < 0) {
        err = -up->dirfd;
        up->dirfd = -1;
        return upload_errno_status(err, why);
    }
    err = upload_target_kind(up->dirfd, up->base, &kind);
    if (err != 0)
        return upload_errno_status(-err, why);
    if (kind == TARGET_FILE && is_catalog_file(up)) {
        *why = "that file is the catalog (--catalog); it cannot be written";
        return 403;
    }
    switch (kind) {
    case TARGET_ABSENT:
        if (!create) {
            *why = "no such file";
            return 404;
        }
        return 0;
    case TARGET_FILE:
        return 0;
    case TARGET_DIR:
        *why = "a directory has that name";
        return 409;
    case TARGET_LINK:
        *why = "the name is a symbolic link, which is never written through";
        return 403;
    case TARGET_OTHER:
        break;
    }
    *why = "the name is not a regular file";
    return 403;
}

/* PUT /PATH: plain (no Upload-Complete) or the creation of a resumable upload. */
static void answer_put(struct conn *c, struct upx_req *r, const struct http_request *req)
{
    const struct server_ctx *ctx = c->w->ctx;
    struct upx *up = upx_new(c, req, UPX_PUT);
    const char *why = NULL;
    int status, err;

    if (up == NULL) {
        refuse(c, r, 503, "the server is out of memory; try again", NULL);
        return;
    }
    memcpy(up->path, r->path, sizeof(up->path));
    status = upload_head_parse(req, &up->head, &why);
    if (status == 0)
        status = upload_plan_create(&up->head, ctx->opts->max_upload_size, &up->plan, &why);
    if (status == 0)
        status = open_destination(up, true, &why);
    if (status != 0) {
        if (up->plan.problem != PROBLEM_NONE)
            refuse_problem(c, r, status, up->plan.problem, why, NULL, 0, 0);
        else
            refuse(c, r, status, why, NULL);
        upx_free(up);
        return;
    }
    if (!up->head.has_complete) {
        up->fd = upload_tmp_create(up->dirfd, up->tmp);
        up->hash = up->fd >= 0 ? sha256_new() : NULL;
        if (up->fd < 0 || up->hash == NULL) {
            status = upload_errno_status(up->fd < 0 ? -up->fd : ENOMEM, &why);
            refuse(c, r, status, why, NULL);
            upx_free(up);
            return;
        }
    } else {
        struct upload_meta m;
        char extra[256], limit[128];

        memset(&m, 0, sizeof(m));
        memcpy(m.path, up->path, sizeof(m.path));
        m.has_length = up->plan.has_length;
        m.length = up->plan.length;
        m.has_digest = up->head.has_repr_digest;
        memcpy(m.digest, up->head.repr_digest, SHA256_LEN);
        up->kind = UPX_CREATE;
        up->u = uploads_create(ctx->uploads, &m, time(NULL), &up->claim, &up->fd, &err);
        if (up->u == NULL) {
            status = err == -EAGAIN ? 503 : upload_errno_status(-err, &why);
            refuse(c, r, status, err == -EAGAIN ? "too many uploads in progress; try later" : why,
                   err == -EAGAIN ? "Retry-After: 60\r\n" : NULL);
            upx_free(up);
            return;
        }
        /* Only PATCH ever needs the directory again: it is reopened then. */
        close(up->dirfd);
        up->dirfd = -1;
        limit_line(ctx, time(NULL), limit, sizeof(limit));
        snprintf(extra, sizeof(extra), "Location: " UPLOADS_URL "%s\r\n%s", up->u->id, limit);
        add_interim(c, up, 104, extra);
        log_out("%s: upload %s to %s created", c->peer, up->u->id, up->path);
    }
    plan_body(c, up, req);
}

/* DELETE /PATH: checked here, done by the disk threads. */
static void answer_delete(struct conn *c, struct upx_req *r, const struct http_request *req)
{
    struct upx *up = upx_new(c, req, UPX_DELETE);
    const char *why = NULL;
    int status;

    if (up == NULL) {
        refuse(c, r, 503, "the server is out of memory; try again", NULL);
        return;
    }
    memcpy(up->path, r->path, sizeof(up->path));
    status = open_destination(up, false, &why);
    if (status != 0) {
        refuse(c, r, status, why, NULL);
        upx_free(up);
        return;
    }
    /* A body, if any, is dropped as conn.c planned (or left unread, and
     * then the connection closes after the answer); then the job. */
    up->is_keep_alive = r->body_keeps_alive;
    c->x->up = up;
}

/* The headers that describe upload U now (HEAD, and the answers to appends). */
static void state_lines(const struct server_ctx *ctx, struct upload *u, char *out, size_t cap)
{
    struct upload_view v;
    struct upload_meta m;
    char limit[128];
    int64_t active;
    int n;

    upload_snapshot(u, &v, NULL, &m, &active);
    limit_line(ctx, active, limit, sizeof(limit));
    n = snprintf(out, cap, "Upload-Offset: %" PRIu64 "\r\nUpload-Complete: %s\r\n", v.offset,
                 v.is_complete ? "?1" : "?0");
    if (v.has_length)
        n += snprintf(out + n, cap - (size_t)n, "Upload-Length: %" PRIu64 "\r\n", v.length);
    snprintf(out + n, cap - (size_t)n, "%sCache-Control: no-store\r\n", limit);
}

/* HEAD, PATCH, DELETE (and PUT, refused) of /.uploads/ID. */
static void answer_resource(struct conn *c, struct upx_req *r, const struct http_request *req,
                            struct strview id)
{
    const struct server_ctx *ctx = c->w->ctx;
    struct upload *u = uploads_find(ctx->uploads, id, time(NULL));
    enum upload_state state;
    struct upload_meta m;
    struct upload_view v;
    char lines[512];
    struct upx *up;
    const char *why = NULL;
    uint64_t claim;
    int status;

    if (req->method != HTTP_METHOD_HEAD && req->method != HTTP_METHOD_PATCH &&
        req->method != HTTP_METHOD_DELETE) {
        refuse(c, r, 405, "an upload resource takes HEAD, PATCH and DELETE", ALLOW_UPLOAD);
        upload_unref(u);
        return;
    }
    if (u == NULL) {
        refuse(c, r, 404, "no such upload (it may have expired or been cancelled)", NULL);
        return;
    }
    /* Every request on the upload claims it: one still appending is cut off. */
    claim = upload_claim(u, time(NULL));
    upload_snapshot(u, &v, &state, &m, NULL);
    if (state == UPLOAD_COMMITTING) {
        upload_release(u, claim);
        upload_unref(u);
        refuse(c, r, 503, "the upload is being completed; ask again in a moment",
               "Retry-After: 1\r\n");
        return;
    }
    if (req->method == HTTP_METHOD_HEAD) {
        struct resp_ctx rc = conn_response_ctx(c, r->version_minor, r->body_keeps_alive, true);

        state_lines(ctx, u, lines, sizeof(lines));
        upload_release(u, claim);
        upload_unref(u);
        respond_status(204, lines, NULL, NULL, 0, &rc, &c->x->resp);
        return;
    }
    if (req->method == HTTP_METHOD_DELETE) {
        struct resp_ctx rc = conn_response_ctx(c, r->version_minor, r->body_keeps_alive, false);

        log_out("%s: upload %s to %s cancelled", c->peer, u->id, m.path);
        uploads_remove(ctx->uploads, u);
        upload_unref(u);
        respond_status(204, NULL, NULL, NULL, 0, &rc, &c->x->resp);
        return;
    }
    up = upx_new(c, req, UPX_PATCH);
    if (up == NULL) {
        upload_release(u, claim);
        upload_unref(u);
        refuse(c, r, 503, "the server is out of memory; try again", NULL);
        return;
    }
    up->u = u;
    up->claim = claim;
    up->start = v.offset;
    status = upload_head_parse(req, &up->head, &why);
    if (status == 0)
        status = upload_plan_append(&v, &up->head, ctx->opts->max_upload_size, &up->plan, &why);
    if (status != 0) {
        snprintf(lines, sizeof(lines), "Upload-Offset: %" PRIu64 "\r\nUpload-Complete: %s\r\n",
                 v.offset, v.is_complete ? "?1" : "?0");
        if (up->plan.problem != PROBLEM_NONE)
            refuse_problem(c, r, status, up->plan.problem, why, lines, v.offset, up->head.offset);
        else
            refuse(c, r, status, why, lines);
        upx_free(up);
        return;
    }
    memcpy(up->path, m.path, sizeof(up->path));
    up->fd = upload_open_data(ctx->uploads, u);
    if (up->fd < 0) {
        status = upload_errno_status(-up->fd, &why);
        refuse(c, r, status, why, NULL);
        upx_free(up);
        return;
    }
    /* This request's own digest may come (a header, or a trailer of a
     * chunked body): hash its content alone too, and keep the upload's
     * hash as it was, to go back to if the digest does not match. */
    if (up->head.has_content_digest || up->head.is_chunked) {
        up->content = sha256_new();
        up->checkpoint = sha256_new();
        if (up->content == NULL || up->checkpoint == NULL ||
            upload_hash_copy(u, claim, up->checkpoint) != 0) {
            refuse(c, r, 503, "the server is out of memory; try again", NULL);
            upx_free(up);
            return;
        }
    }
    plan_body(c, up, req);
}

void upx_answer(struct conn *c, const struct http_request *req, bool body_keeps_alive)
{
    const struct server_ctx *ctx = c->w->ctx;
    struct upx_req r;
    struct strview path, id;
    enum auth_result ar;
    struct strview auth[2];
    size_t nauth = 0;
    const char *why = NULL;
    int status;

    memset(&r, 0, sizeof(r));
    r.version_minor = req->version_minor;
    r.body_keeps_alive = body_keeps_alive;
    r.is_head = req->method == HTTP_METHOD_HEAD;
    if (req->method == HTTP_METHOD_OPTIONS) {
        struct resp_ctx rc = conn_response_ctx(c, r.version_minor, body_keeps_alive, false);
        char extra[256], limit[128];

        limit_line(ctx, time(NULL), limit, sizeof(limit));
        snprintf(extra, sizeof(extra), "%sAccept-Patch: " UPLOAD_PARTIAL_TYPE "\r\n%s",
                 upload_target(req->target, &id) ? ALLOW_UPLOAD : ALLOW_FILE, limit);
        respond_status(204, extra, NULL, NULL, 0, &rc, &c->x->resp);
        return;
    }
    for (size_t i = 0; i < req->nheaders && nauth < 2; i++)
        if (strview_eq_ci(req->headers[i].name, "authorization"))
            auth[nauth++] = req->headers[i].value;
    ar = auth_check(auth, nauth, ctx->token, ctx->token_len);
    if (ar != AUTH_OK) {
        log_refusal(c, req, auth_strerror(ar));
        refuse(c, &r, 401, "a valid bearer token is needed (Authorization: Bearer TOKEN)",
               ar == AUTH_MISSING
                   ? "WWW-Authenticate: Bearer realm=\"pdm\"\r\n"
                   : "WWW-Authenticate: Bearer realm=\"pdm\", error=\"invalid_token\"\r\n");
        return;
    }
    if (!resource_target_path(req->target, &path)) {
        refuse(c, &r, 400, "the request target must be a path", NULL);
        return;
    }
    if (upload_target(req->target, &id)) {
        answer_resource(c, &r, req, id);
        return;
    }
    if (req->method == HTTP_METHOD_PATCH) {
        refuse(c, &r, 405, "PATCH is for upload resources (" UPLOADS_URL "ID)", ALLOW_FILE);
        return;
    }
    status = upload_path_check(path, r.path, sizeof(r.path), &why);
    if (status != 0) {
        log_refusal(c, req, why);
        refuse(c, &r, status, why, NULL);
        return;
    }
    if (req->method == HTTP_METHOD_PUT)
        answer_put(c, &r, req);
    else
        answer_delete(c, &r, req);
}

int upx_too_large_status(const struct upx *up)
{
    return up != NULL && up->plan.max_is_length ? 400 : 413;
}

int upx_feed(struct conn *c, const char *p, size_t n, const char **why)
{
    struct upx *up = c->x->up;
    int err;

    if (up->kind == UPX_DELETE)
        return 0; /* a DELETE's body means nothing */
    if (n > up->plan.max_body - up->received) {
        *why = up->plan.max_is_length ? "the body goes past the upload's length"
                                      : "the upload is larger than the server accepts "
                                        "(--max-upload-size)";
        return upx_too_large_status(up);
    }
    if (up->u == NULL) {
        err = fileio_write_all(up->fd, p, n);
        if (err == 0)
            err = sha256_update(up->hash, p, n);
    } else {
        err = upload_append(up->u, up->claim, up->fd, p, n, up->content);
        if (err == -ESTALE) {
            *why = "a newer request took this upload over";
            return 409;
        }
    }
    if (err != 0)
        return upload_errno_status(-err, why);
    up->received += n;
    return 0;
}

/* Does the failure STATUS end a resumable upload (its data removed)? */
static bool ends_upload(int status)
{
    return status == 400 || status == 413 || status == 500 || status == 507;
}

void upx_body_error(struct conn *c, int status, const char *detail, uint64_t now)
{
    struct upx *up = c->x->up;
    char lines[512];

    lines[0] = '\0';
    if (up->u != NULL) {
        if (ends_upload(status)) {
            log_out("%s: upload %s to %s failed: %s", c->peer, up->u->id, up->path,
                    detail ? detail : "");
            uploads_remove(c->w->ctx->uploads, up->u);
        } else {
            state_lines(c->w->ctx, up->u, lines, sizeof(lines));
        }
    }
    conn_body_error(c, status, detail, lines[0] ? lines : NULL, now);
}

/* True when the digests that came with the request (and the upload) allow SHA. */
static bool digests_match(const struct upx *up, const struct upload_meta *m,
                          const uint8_t sha[SHA256_LEN], bool content_is_all)
{
    if (m != NULL && m->has_digest && !sha256_equal(m->digest, sha))
        return false;
    if (up->head.has_repr_digest && !sha256_equal(up->head.repr_digest, sha))
        return false;
    return !(content_is_all && up->head.has_content_digest &&
             !sha256_equal(up->head.content_digest, sha));
}

/* Answer a finished request now (not through the disk threads). */
static void answer_now(struct conn *c, int status, const char *why, const char *extra, uint64_t now)
{
    struct upx *up = c->x->up;
    struct resp_ctx rc = conn_response_ctx(c, up->version_minor, up->is_keep_alive, up->is_head);

    if (status >= 400 && up->kind == UPX_PUT && !up->is_job_out)
        upx_drop_temp(up); /* gone before the client can look */
    if (status >= 400)
        respond_error(status, why, extra, &rc, &c->x->resp);
    else
        respond_status(status, extra, "text/plain; charset=utf-8", why, why ? strlen(why) : 0, &rc,
                       &c->x->resp);
    conn_send_response(c, now);
}

/* The end of a PUT or PATCH to an upload resource. */
static void resource_body_done(struct conn *c, uint64_t now)
{
    struct upx *up = c->x->up;
    struct uploads *reg = c->w->ctx->uploads;
    struct upload_meta m;
    struct upload_view v;
    uint8_t sha[SHA256_LEN];
    const char *why = NULL;
    char lines[512];
    int status = upload_check_end(&up->plan, up->head.is_complete, up->start, up->received, &why);

    if (status == 0 && up->head.has_content_digest) {
        /* This request's content: all of the upload for a creation. */
        struct sha256 *h = up->content;
        int err = 0;

        if (h == NULL) {
            h = sha256_new();
            err = h == NULL ? -ENOMEM : upload_hash_copy(up->u, up->claim, h);
        }
        err = err != 0 ? err : sha256_final(h, sha);
        if (h != up->content)
            sha256_free(h);
        if (err != 0 || !sha256_equal(sha, up->head.content_digest)) {
            why = "the body does not match its Content-Digest; it was not appended";
            if (up->kind == UPX_PATCH && err == 0 &&
                upload_rollback(up->u, up->claim, up->fd, up->start, up->checkpoint) == 0) {
                state_lines(c->w->ctx, up->u, lines, sizeof(lines));
                answer_now(c, 400, why, lines, now);
                return;
            }
            status = 400;
        }
    }
    if (status == 0 && (up->plan.has_length || up->head.has_repr_digest))
        (void)upload_learn(reg, up->u, up->claim, up->plan.has_length, up->plan.length,
                           up->head.has_repr_digest ? up->head.repr_digest : NULL);
    if (status != 0) {
        log_out("%s: upload %s to %s failed: %s", c->peer, up->u->id, up->path, why);
        uploads_remove(reg, up->u);
        answer_now(c, status, why, "Upload-Complete: ?1\r\n", now);
        return;
    }
    if (!up->head.is_complete) {
        state_lines(c->w->ctx, up->u, lines, sizeof(lines));
        if (up->kind == UPX_CREATE) {
            size_t n = strlen(lines);

            snprintf(lines + n, sizeof(lines) - n, "Location: " UPLOADS_URL "%s\r\n", up->u->id);
            answer_now(c, 201, NULL, lines, now);
        } else {
            answer_now(c, 204, NULL, lines, now);
        }
        return;
    }
    if (upload_begin_commit(up->u, up->claim, sha) != 0) {
        answer_now(c, 409, "a newer request took this upload over", NULL, now);
        return;
    }
    upload_snapshot(up->u, &v, NULL, &m, NULL);
    if (!digests_match(up, &m, sha, false)) {
        log_out("%s: upload %s to %s failed: the digest does not match", c->peer, up->u->id,
                up->path);
        uploads_remove(reg, up->u);
        answer_now(c, 400, "the upload does not match its Repr-Digest; nothing was kept",
                   "Upload-Complete: ?1\r\n", now);
        return;
    }
    memcpy(up->sha, sha, SHA256_LEN);
    up->size = v.offset;
    upx_start_job(c, up);
}

void upx_body_done(struct conn *c, uint64_t now)
{
    struct upx *up = c->x->up;
    const char *why = NULL;
    int status = 0;

    if (c->x->has_body && c->x->is_chunked)
        status = upload_trailer_digests(&c->x->dec, &up->head, &why);
    if (status != 0) {
        if (up->u != NULL)
            uploads_remove(c->w->ctx->uploads, up->u);
        answer_now(c, status, why, up->u != NULL ? "Upload-Complete: ?1\r\n" : NULL, now);
        return;
    }
    switch (up->kind) {
    case UPX_DELETE:
        upx_start_job(c, up);
        return;
    case UPX_CREATE:
    case UPX_PATCH:
        resource_body_done(c, now);
        return;
    case UPX_PUT:
        break;
    }
    if (sha256_final(up->hash, up->sha) != 0) {
        answer_now(c, 500, "the body could not be hashed", NULL, now);
        return;
    }
    if (!digests_match(up, NULL, up->sha, true)) {
        answer_now(c, 400, "the body does not match its digest; nothing was kept", NULL, now);
        return;
    }
    up->size = up->received;
    upx_start_job(c, up);
}

void upx_release(struct upx *up)
{
    if (up == NULL)
        return;
    if (up->is_job_out) {
        up->job.conn = NULL; /* upx_job_done() frees it when the job is back */
        return;
    }
    upx_free(up);
}
