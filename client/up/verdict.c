/*
 * client/up/verdict.c - statuses of upload and delete answers in words. Pure.
 */
#include "verdict.h"

#include <stddef.h>

static const char *success_words(enum verdict_op op, long status)
{
    switch (op) {
    case VERDICT_PUT:
        if (status == 201)
            return "created";
        return status == 200 || status == 204 ? "replaced" : NULL;
    case VERDICT_CREATE:
        return status == 201 || status == 200 ? "upload resource created" : NULL;
    case VERDICT_APPEND:
    case VERDICT_OFFSET:
        return status == 200 || status == 204 ? "accepted" : NULL;
    case VERDICT_DELETE:
        return status == 200 || status == 204 ? "deleted" : NULL;
    }
    return NULL;
}

static const char *failure_words(enum verdict_op op, long status)
{
    bool is_write = op != VERDICT_DELETE;

    switch (status) {
    case 400:
        if (op == VERDICT_PUT || op == VERDICT_APPEND)
            return "the server refused the upload (400): the data that arrived does not match "
                   "its SHA-256 (digest mismatch) or the request was malformed; nothing was "
                   "stored";
        return "the server refused the request as malformed (400); nothing was changed";
    case 401:
        return "the server refused the token (401: missing or wrong; give it with "
               "--token-file FILE or PDM_TOKEN); nothing was changed";
    case 403:
        return is_write ? "the server does not allow writing this path (403: the catalog, "
                          "hidden names and paths through symlinks are off limits); nothing "
                          "was changed"
                        : "the server does not allow deleting this path (403: the catalog, "
                          "hidden names and paths through symlinks are off limits); nothing "
                          "was changed";
    case 404:
        if (op == VERDICT_DELETE)
            return "not on the server (404); nothing was deleted";
        if (op == VERDICT_APPEND || op == VERDICT_OFFSET)
            return "the server no longer has this upload (404: it expired or was cancelled)";
        return "the server has no place for this path (404); nothing was stored";
    case 405:
        return "the server is read-only (405: it was started without --token-file); nothing "
               "was changed";
    case 409:
        return "the server reports a conflict (409: another client is sending to this "
               "upload, or the offsets disagree)";
    case 410:
        return "the server no longer has this upload (410: it is gone)";
    case 411:
    case 415:
    case 417:
        return "the server does not accept this kind of upload";
    case 413:
        return "too large for the server (413: over its --max-upload-size); nothing was stored";
    case 414:
    case 431:
        return "the path is too long for the server";
    case 507:
        return "the server's disk is full (507); nothing was stored";
    case 408:
        return "the server timed out waiting for the data (408)";
    case 429:
        return "the server says too many requests (429)";
    case 500:
        return "the server had an internal error (500)";
    case 501:
        return "the server does not implement this request (501)";
    case 502:
    case 504:
        return "a gateway in front of the server failed";
    case 503:
        return "the server is unavailable (503)";
    default:
        if (status >= 300 && status < 400)
            return "the server redirected the request (uploads and deletes are not redirected: "
                   "is --server the right URL?)";
        return "an unexpected answer from the server";
    }
}

void verdict_of(enum verdict_op op, long status, struct verdict *out)
{
    const char *ok = success_words(op, status);

    if (ok != NULL) {
        out->is_success = true;
        out->cls = RETRY_PERMANENT;
        out->words = ok;
        return;
    }
    out->is_success = false;
    out->words = failure_words(op, status);
    /* 501 will not change by trying again; 507 might, but not within a run's retries. */
    out->cls = status == 501 || status == 507 ? RETRY_PERMANENT : retry_class_of_status(status);
}
