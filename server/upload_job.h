/*
 * server/upload_job.h - one upload or delete in progress (struct upx),
 * shared by the connection side (upload_conn.c) and the disk threads'
 * side (upload_job.c), which finishes it: fsync, rename into place,
 * catalog, text.txt.
 *
 * A struct upx belongs to its connection's worker thread, except while
 * its job is with the disk threads (is_job_out): then the disk thread
 * owns it until upx_job_done() runs on the worker again. If the
 * connection went away meanwhile, the job still completes (the file
 * takes its name) and upx_job_done() only frees it.
 */
#ifndef SERVER_UPLOAD_JOB_H
#define SERVER_UPLOAD_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "chunked.h"
#include "conn.h"
#include "ctx.h"
#include "fileid.h"
#include "name.h"
#include "sha256.h"
#include "upload_file.h"
#include "upload_head.h"
#include "uploads.h"
#include "worker.h"

enum upx_kind {
    UPX_PUT,    /* a plain PUT: the body is the file */
    UPX_CREATE, /* a PUT with Upload-Complete: creates an upload resource */
    UPX_PATCH,  /* an append to an upload resource */
    UPX_DELETE, /* DELETE /PATH */
};

/* What answering a request's head needs to know (on the stack while it is answered). */
struct upx_req {
    unsigned version_minor;
    bool body_keeps_alive; /* the connection survives the body's handling (for a refusal) */
    bool is_head;
    char path[NAME_PATH_MAX + 1]; /* a PUT's or DELETE's decoded path */
};

struct upx {
    enum upx_kind kind;
    struct conn_job job; /* for the disk threads */
    bool is_job_out;     /* the job is with the disk threads */
    const struct server_ctx *ctx;
    unsigned version_minor;
    bool is_keep_alive;
    bool is_head;
    struct upload_head head;
    struct upload_plan plan;
    char path[NAME_PATH_MAX + 1];  /* the destination, relative to the root */
    int dirfd;                     /* the destination's directory, or -1 */
    const char *base;              /* its last component, in path */
    char tmp[UPLOAD_TMP_NAME_MAX]; /* a plain PUT's temporary file in dirfd; "" once gone */
    int fd;                        /* the file being written, or -1 */
    struct sha256 *hash;           /* a plain PUT: of the body */
    struct sha256 *content;        /* a PATCH: of its content alone, when a digest may come */
    struct sha256 *checkpoint;     /* a PATCH: the upload's hash before it */
    struct upload *u;              /* an upload resource (a reference), or NULL */
    uint64_t claim;                /* our claim on it */
    uint64_t start;                /* its offset before this request */
    uint64_t received;             /* body bytes written */
    char trailers[CHUNKED_DEFAULT_MAX_TRAILER];

    /* The finished file, and the job's outcome. */
    uint8_t sha[SHA256_LEN];
    uint64_t size;
    int err; /* 0 or a positive errno value */
    bool is_new;
    struct file_id id;
};

/* Release everything UP holds (its temporary file removed), and UP. NULL is fine. */
void upx_free(struct upx *up);

/* Close and remove a plain PUT's temporary file now (nothing once gone).
 * A refusal calls it before answering, so the client never sees the
 * answer while the temporary file is still there. */
void upx_drop_temp(struct upx *up);

/* Hand UP's finishing work to the disk threads; C waits (conn_wait_job()). */
void upx_start_job(struct conn *c, struct upx *up);

#endif
