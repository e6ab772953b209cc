/*
 * client/up/send.h - one upload-side HTTP request at a time (PUT, PATCH,
 * HEAD, DELETE) on a reusable connection, through libcurl: with
 * client/fetch.c, the only files that include <curl/curl.h> (fetch.c
 * downloads, this one sends).
 *
 * A struct send wraps one easy handle and belongs to one thread at a
 * time. Redirects are not followed: a body cannot be sent twice from a
 * stream, and the token must not go to another host. The request body
 * comes from the caller, a piece at a time (bounded memory whatever its
 * size), with a known length or chunked with trailers.
 */
#ifndef CLIENT_UP_SEND_H
#define CLIENT_UP_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "uphead.h"

#define SEND_CHUNKED    UINT64_MAX /* a body of unknown length: Transfer-Encoding: chunked */
#define SEND_BODY_ERROR ((size_t)-1)
#define SEND_SNIPPET    512 /* bytes of a response body kept (for error text) */

/* Where a request body comes from. All on the calling thread. */
struct send_body {
    /* Fill BUF with 1 to N bytes; 0 at the end of the body (a partial
     * read is fine: call again); SEND_BODY_ERROR aborts the request. */
    size_t (*read)(void *arg, char *buf, size_t n);
    /* For a chunked body, after its last byte: the trailer field to send
     * ("Content-Digest: sha-256=:...:"), or NULL for none. May be NULL. */
    const char *(*trailer)(void *arg);
    void *arg;
};

struct send_req {
    const char *method; /* "PUT", "PATCH", "HEAD", "DELETE" */
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *token;          /* sent as "Authorization: Bearer TOKEN" unless NULL or "" */
    bool has_body;
    uint64_t length;              /* the body's length, or SEND_CHUNKED */
    const struct send_body *body; /* when HAS_BODY */
    unsigned stall_secs;          /* abort while sending when nothing moves this long */
    unsigned answer_secs;         /* abort when the answer takes longer than this after the
                                   * whole body went out (the server may fsync a big file) */
    /* Called at least every second with the body bytes sent so far;
     * false aborts the request. May be NULL. */
    bool (*on_tick)(void *arg, uint64_t sent);
    void *tick_arg;
};

struct send_res {
    struct uphead head;         /* the final response's head (and what a 104 said) */
    char snippet[SEND_SNIPPET]; /* the start of its body, NUL-terminated */
    uint64_t sent;              /* body bytes handed to the connection */
    bool is_body_done;          /* the whole body was handed over */
};

/* Once per process: fetch_global_init() covers libcurl for both files. */

/* A new handle using CFG (borrowed for the handle's life), NULL when out of memory. */
struct send *send_new(const struct fetch_config *cfg);
void send_free(struct send *s);

/*
 * Perform REQ. FETCH_OK when a final response arrived (whatever its
 * status: the caller judges it); FETCH_ABORTED when on_tick or the body
 * said stop; FETCH_FAILED with *ERR saying why in plain words and
 * whether trying again can help (a stall is transient, so is a lost
 * connection; a bad certificate is not).
 */
enum fetch_result send_run(struct send *s, const struct send_req *req, struct send_res *res,
                           struct fetch_err *err);

#endif
