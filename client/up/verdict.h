/*
 * client/up/verdict.h - what the server's answer to an upload or a
 * delete means, in plain words, and whether trying again can help.
 * Pure: a table from (operation, status) to words.
 */
#ifndef CLIENT_UP_VERDICT_H
#define CLIENT_UP_VERDICT_H

#include <stdbool.h>

#include "retry.h"

enum verdict_op {
    VERDICT_PUT,    /* a whole upload (PUT), or the request that completed a resumable one */
    VERDICT_CREATE, /* the creation of a resumable upload (PUT with Upload-Complete: ?0) */
    VERDICT_APPEND, /* PATCH of an upload resource */
    VERDICT_OFFSET, /* HEAD of an upload resource */
    VERDICT_DELETE, /* DELETE of a file */
};

struct verdict {
    bool is_success;
    enum retry_class cls; /* for a failure: transient ones are retried */
    const char *words;    /* static text: "created", "the server refused the token ..." */
};

/*
 * The meaning of STATUS as the answer to OP. Successes: 201 "created"
 * and 204 (or 200) "replaced" for PUT; 204 (or 200) "deleted" for DELETE;
 * 201 for CREATE; 204 (or 200) for APPEND and OFFSET. Failures say what
 * the server refused and that nothing changed: 400 (for a PUT, the data
 * did not match its SHA-256), 401 (the token), 403 (a path that may not
 * be written), 404, 405 (a read-only server), 409, 413 (too large), 507
 * (the server's disk is full); 408, 429 and 5xx are transient.
 */
void verdict_of(enum verdict_op op, long status, struct verdict *out);

#endif
