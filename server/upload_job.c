/*
 * server/upload_job.c - finishing an upload or a delete on a disk thread,
 * and answering it back on the worker.
 *
 * Why a disk thread: fsync of a large upload takes seconds (it waits for
 * every dirty page of the file to reach the disk), and renaming a file
 * and rewriting text.txt (which fsyncs too) can wait for the journal. On
 * a worker that would stall every other connection the worker owns; on
 * a disk thread it stalls nothing but this request. The body itself is
 * written by the worker with write(2), which only copies into the page
 * cache.
 */
#include "upload_job.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catwrite.h"
#include "encode.h"
#include "jobq.h"
#include "log.h"
#include "resource.h"

void upx_drop_temp(struct upx *up)
{
    if (up->fd >= 0)
        close(up->fd);
    up->fd = -1;
    if (up->tmp[0] != '\0' && up->dirfd >= 0)
        unlinkat(up->dirfd, up->tmp, 0); /* an unfinished plain upload leaves nothing */
    up->tmp[0] = '\0';
}

void upx_free(struct upx *up)
{
    if (up == NULL)
        return;
    upx_drop_temp(up);
    if (up->dirfd >= 0)
        close(up->dirfd);
    if (up->u != NULL) {
        upload_release(up->u, up->claim);
        upload_unref(up->u);
    }
    sha256_free(up->hash);
    sha256_free(up->content);
    sha256_free(up->checkpoint);
    free(up);
}

/* After a rename or unlink in DIRFD: make it durable, then write text.txt (GEN or newer). */
static void settle(struct upx *up, int dirfd, uint64_t gen)
{
    (void)fsync(dirfd); /* best effort: the change is made and visible either way */
    if (gen != 0)
        (void)catwriter_sync(up->ctx->writer, gen); /* failures are logged there */
}

/* An upload resource's data takes its name: fsync, rename, record. */
static void commit_resource(struct upx *up)
{
    struct uploads *reg = up->ctx->uploads;
    char data[UPLOAD_FILE_NAME_MAX];
    enum upload_target kind;
    uint64_t gen = 0;
    int err;

    if (fsync(up->fd) != 0) {
        up->err = errno;
        goto fail;
    }
    up->dirfd = upload_open_parent(up->ctx->rootfd, up->path, true, &up->base);
    if (up->dirfd < 0) {
        up->err = -up->dirfd;
        up->dirfd = -1;
        goto fail;
    }
    err = upload_target_kind(up->dirfd, up->base, &kind);
    if (err == 0 && kind == TARGET_LINK)
        err = -ELOOP;
    if (err != 0) {
        up->err = -err;
        goto fail;
    }
    upload_data_name(up->u, data);
    err = upload_publish(up->ctx->store, up->fd, reg->dirfd, data, up->dirfd, up->base, up->path,
                         up->sha, &up->is_new, &up->id, &gen);
    if (err != 0) {
        up->err = -err;
        goto fail;
    }
    uploads_end_commit(reg, up->u, true, up->size);
    settle(up, up->dirfd, gen);
    return;
fail:
    log_warnx("uploads: upload %s to %s failed: %s; its data was removed", up->u->id, up->path,
              strerror(up->err));
    uploads_end_commit(reg, up->u, false, 0);
    uploads_remove(reg, up->u);
}

static void job_run(struct job *job)
{
    struct conn_job *cj = (struct conn_job *)job;
    struct upx *up = (struct upx *)((char *)cj - offsetof(struct upx, job));
    uint64_t gen = 0;
    int err;

    switch (up->kind) {
    case UPX_DELETE:
        err = upload_unpublish(up->ctx->store, up->dirfd, up->base, up->path, &gen);
        up->err = -err;
        if (err == 0)
            settle(up, up->dirfd, gen);
        return;
    case UPX_PUT:
        if (fsync(up->fd) != 0) {
            up->err = errno;
            return;
        }
        err = upload_publish(up->ctx->store, up->fd, up->dirfd, up->tmp, up->dirfd, up->base,
                             up->path, up->sha, &up->is_new, &up->id, &gen);
        up->err = -err;
        if (err == 0) {
            up->tmp[0] = '\0'; /* it has its name now */
            settle(up, up->dirfd, gen);
        }
        return;
    case UPX_CREATE:
    case UPX_PATCH:
        commit_resource(up);
        return;
    }
}

/* The answer to a finished upload or delete, into C's response. */
static void answer(struct conn *c, struct upx *up)
{
    struct resp_ctx rc = conn_response_ctx(c, up->version_minor, up->is_keep_alive, false);
    bool is_resource = up->kind == UPX_CREATE || up->kind == UPX_PATCH;
    char extra[512], body[NAME_PATH_MAX + 160], hex[SHA256_HEX_LEN + 1];
    char b64[encode_base64_len(SHA256_LEN) + 1], etag[RESP_ETAG_MAX];
    const char *why = NULL;
    int status, n;

    if (up->err != 0) {
        status = upload_errno_status(up->err, &why);
        respond_error(status, why, is_resource ? "Upload-Complete: ?1\r\n" : NULL, &rc,
                      &c->x->resp);
        return;
    }
    if (up->kind == UPX_DELETE) {
        respond_status(204, NULL, NULL, NULL, 0, &rc, &c->x->resp);
        return;
    }
    encode_base64(up->sha, SHA256_LEN, b64);
    encode_hex(up->sha, SHA256_LEN, hex);
    resource_file_etag(&up->id, etag);
    snprintf(extra, sizeof(extra), "Repr-Digest: sha-256=:%s:\r\nETag: %s\r\n%s", b64, etag,
             is_resource ? "Upload-Complete: ?1\r\n" : "");
    n = snprintf(body, sizeof(body), "201 Created: %s (%" PRIu64 " bytes, sha256 %s)\n", up->path,
                 up->size, hex);
    respond_status(up->is_new ? 201 : 204, extra, "text/plain; charset=utf-8", body, (size_t)n, &rc,
                   &c->x->resp);
}

/* On the worker again: answer, or only free UP if its connection left. */
static void job_done(struct conn_job *cj)
{
    struct upx *up = (struct upx *)((char *)cj - offsetof(struct upx, job));
    struct conn *c = cj->conn;

    up->is_job_out = false;
    if (c == NULL) {
        upx_free(up);
        return;
    }
    answer(c, up);
    conn_job_done(c, worker_now());
}

void upx_start_job(struct conn *c, struct upx *up)
{
    up->job.job.run = job_run;
    up->job.job.finish = worker_post;
    up->job.w = c->w;
    up->job.conn = c;
    up->job.done = job_done;
    up->is_job_out = true;
    conn_wait_job(c);
    jobq_push(c->w->ctx->jobq, &up->job.job);
}
