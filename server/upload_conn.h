/*
 * server/upload_conn.h - uploads, deletes and upload resources on a
 * connection: what conn.c calls for PUT, DELETE, PATCH and OPTIONS (on a
 * server with --token-file) and for HEAD of /.uploads/ID.
 *
 * The life of an upload, on the connection's worker thread except where
 * said:
 *   head: the token, the path, the limits and the upload fields are
 *     checked before anything is read (so Expect: 100-continue gets its
 *     final refusal, or 100 Continue); the destination's directories are
 *     created; the body's sink is opened: a hidden temporary file beside
 *     the destination (plain PUT), or an upload resource (a PUT with
 *     Upload-Complete, whose 104 goes out first; a PATCH);
 *   body: each piece is written with write(2) and hashed (SHA-256) as it
 *     arrives, so the hash is known when the body ends;
 *   end: digests are checked; a finished file goes to the disk threads
 *     (jobq.h), which fsync it, rename it into place and publish it in
 *     the catalog (text.txt written too), then hand the connection back
 *     for its 201 or 204;
 *   anything else (the client leaves, a timeout, a mismatch, a full
 *     disk) removes the temporary file: nothing is left behind. An upload
 *     resource keeps the bytes that arrived (its offset grows, never
 *     shrinks), unless the failure ends the upload.
 */
#ifndef SERVER_UPLOAD_CONN_H
#define SERVER_UPLOAD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "ctx.h"
#include "http_req.h"

/* True when REQ is for this module: a write method, or HEAD of an upload resource, with a token. */
bool upx_wants(const struct server_ctx *ctx, const struct http_request *req);

/*
 * Answer REQ's head on C. Either c->x->resp holds the answer (the body,
 * if any, is then read and dropped or left unread as conn.c planned:
 * BODY_KEEPS_ALIVE says whether the connection survives that), or
 * c->x->up holds the accepted request, with c->x->has_body, interim
 * responses and the chunked decoder set up for its body.
 */
void upx_answer(struct conn *c, const struct http_request *req, bool body_keeps_alive);

/*
 * N more body bytes of C's upload at P. Returns 0, or the HTTP status
 * that ends it (507 full disk, 413, 400 past the upload's length, 409 a
 * newer request took the upload over) with *WHY.
 */
int upx_feed(struct conn *c, const char *p, size_t n, const char **why);

/* The status for a chunked body past the plan's limit: 400 past the length, else 413. */
int upx_too_large_status(const struct upx *up);

/* C's upload cannot go on (STATUS, DETAIL): answer and close. */
void upx_body_error(struct conn *c, int status, const char *detail, uint64_t now);

/* C's request body is complete (or there was none): answer, or start the disk work. */
void upx_body_done(struct conn *c, uint64_t now);

/*
 * The exchange ends (UP may be NULL): remove what an unfinished upload
 * left, give up the claim on an upload resource. A job still with the
 * disk threads is left to finish alone.
 */
void upx_release(struct upx *up);

#endif
