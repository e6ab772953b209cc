/*
 * client/up/upload.h - send a file or a stream to the server, or delete a
 * file there, reporting into a struct progress like the downloads do.
 *
 * Each call blocks until the server confirmed, refused, the retries ran
 * out, or STOP became true; it runs on the caller's thread (client.c runs
 * it on a task thread while the main thread draws and takes signals).
 */
#ifndef CLIENT_UP_UPLOAD_H
#define CLIENT_UP_UPLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "download.h"
#include "fetch.h"
#include "progress.h"

/* Files this size or larger go as resumable uploads; smaller ones as one PUT. */
#define UPLOAD_RESUMABLE_MIN (8u << 20)

/* Everything an upload needs to know besides what it sends. All borrowed. */
struct upload_ctx {
    const char *base;               /* the server URL, without trailing slashes */
    const char *token;              /* the bearer token; "" or NULL for none */
    const struct fetch_config *net; /* every request's settings */
    struct dl_policy policy;        /* retries, waits, stall timeout */
    const char *state_dir;          /* where resumable uploads keep their state; NULL: nowhere
                                     * (a kill then loses the upload) */
    struct progress *progress;      /* where to show it (slot 0); NULL: nowhere */
    const atomic_bool *stop;        /* set from outside: stop now */
};

/*
 * Upload the local FILE as REMOTE (a path checked by name_path_check()).
 * Hashes FILE first and sends its SHA-256 (Repr-Digest), so the server
 * keeps it only if every byte arrived intact. Below UPLOAD_RESUMABLE_MIN,
 * one PUT; otherwise a resumable upload, whose state is saved in
 * CTX->state_dir before any data is sent, so that a later call for the
 * same file and REMOTE asks the server how much it has and sends only
 * the rest. A FILE that is not a regular file (a pipe) is streamed as by
 * upload_put_stream(). Returns 0 when the server confirmed the upload,
 * 1 otherwise; the result line (and every notice) goes to CTX->progress.
 */
int upload_put_file(const struct upload_ctx *ctx, const char *file, const char *remote);

/*
 * Upload what FD (borrowed: left open) holds until its end as REMOTE:
 * chunked, in bounded memory whatever its size, the SHA-256 computed as
 * it goes and sent as a Content-Digest trailer. Not resumable: once bytes
 * were read from FD, a failure is final. LABEL names FD in messages
 * ("standard input"). Returns 0 when the server confirmed, 1 otherwise.
 */
int upload_put_stream(const struct upload_ctx *ctx, int fd, const char *label, const char *remote);

/* DELETE REMOTE. Returns 0 when the server deleted it, 1 otherwise. */
int upload_delete(const struct upload_ctx *ctx, const char *remote);

#endif
