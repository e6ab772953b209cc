/*
 * client/up/upload_resume.c - a big file as a resumable upload
 * (draft-ietf-httpbis-resumable-upload, "careful creation"):
 *
 *   1. Look for a saved state of this file going to this path; if there is
 *      one, HEAD its upload resource for the offset (gone: start over).
 *   2. Otherwise create the resource: PUT with an empty body,
 *      Upload-Complete: ?0, Upload-Length and Repr-Digest; the answer's
 *      Location is saved in the state file before any data goes out.
 *   3. PATCH the rest from the offset with Upload-Complete: ?1 (in pieces
 *      of at most the server's max-append-size). A failure that may pass
 *      waits as the retry policy says, asks HEAD for the offset again and
 *      goes on from there; the server keeps every byte that arrived, so
 *      little is ever sent twice.
 *   4. The final answer (201 created, 204 replaced, with the server's
 *      Repr-Digest) ends it and the state file goes.
 *
 * The state file is locked while this runs, so two clients never append
 * to one upload. A Location on another origin is refused: the token
 * would follow it there.
 */
#include "up.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "upstate.h"

/* What a step found. */
enum step {
    STEP_OK,
    STEP_GONE,    /* the server no longer has the upload: start a new one */
    STEP_DONE,    /* finished: the result line is out, RC says how */
    STEP_RESTART, /* the server does not do resumable uploads: send it whole */
};

struct resume {
    struct up *u;
    struct upstate st;
    struct upstate_file file;
    bool has_file;   /* the state is locked (and saved once the upload exists) */
    bool has_upload; /* st.url names an upload resource */
    uint64_t offset; /* what the server has */
    struct upfield_limit limit;
    int rc;
};

static void interop_header(char *out, size_t cap)
{
    snprintf(out, cap, "Upload-Draft-Interop-Version: %d", UPHEAD_INTEROP_VERSION);
}

/* Take the state's lock; a busy one means another client sends this very file there. */
static int claim_state(struct resume *r)
{
    struct up *u = r->u;
    char name[NAME_MAX + 1];
    int err;

    if (u->c->state_dir == NULL)
        return 0;
    err = upstate_name(u->c->base, u->remote, (uint64_t)u->st.st_dev, (uint64_t)u->st.st_ino, name,
                       sizeof(name));
    if (err == 0)
        err = upstate_claim(&r->file, u->c->state_dir, name);
    if (err == -EBUSY) {
        r->rc = up_failed(u, "another client is sending %s to this path right now", u->label);
        return -1;
    }
    if (err != 0) {
        if (u->c->progress != NULL)
            progress_message(u->c->progress, true,
                             "warning: cannot keep the upload's state in %s (%s): a killed "
                             "upload will start over",
                             u->c->state_dir, strerror(-err));
        return 0;
    }
    r->has_file = true;
    return 0;
}

/* Does the saved state describe this very file going to this very place? */
static bool state_matches(const struct resume *r, const struct upstate *s)
{
    const struct up *u = r->u;

    return strcmp(s->server, u->c->base) == 0 && strcmp(s->path, u->remote) == 0 &&
           s->size == u->size && s->mtime_sec == (int64_t)u->st.st_mtim.tv_sec &&
           s->mtime_nsec == (uint32_t)u->st.st_mtim.tv_nsec &&
           s->device == (uint64_t)u->st.st_dev && s->inode == (uint64_t)u->st.st_ino &&
           sha256_equal(s->sha256, u->sha256);
}

/* DELETE an upload resource we will not finish (best effort: it expires anyway). */
static void cancel_upload(struct up *u, const char *url)
{
    struct send_req req = {.method = "DELETE", .url = url, .token = u->c->token, .stall_secs = 10};
    struct send_res res;
    struct fetch_err err;

    (void)send_run(u->send, &req, &res, &err);
}

/* HEAD the upload resource: its offset. */
static enum step ask_offset(struct resume *r, bool *is_complete)
{
    struct up *u = r->u;
    char interop[64];
    const char *headers[] = {interop, NULL};

    interop_header(interop, sizeof(interop));
    *is_complete = false;
    for (;;) {
        struct send_req req = {
            .method = "HEAD",
            .url = r->st.url,
            .headers = headers,
            .token = u->c->token,
            .stall_secs = u->c->policy.stall_secs > 10 ? u->c->policy.stall_secs : 10,
            .on_tick = up_on_tick,
            .tick_arg = u,
        };
        struct send_res res;
        struct fetch_err err;
        struct verdict v;
        char words[UP_TEXT_MAX];
        enum fetch_result fr;

        u->body_start = r->offset;
        fr = send_run(u->send, &req, &res, &err);
        if (fr == FETCH_ABORTED) {
            r->rc = up_failed(u, "stopped; run the same command again to resume");
            return STEP_DONE;
        }
        if (fr == FETCH_FAILED) {
            if (up_retry(u, err.cls, err.is_stall, err.text, NULL, "asking for the offset"))
                continue;
            r->rc = up_failed(u, "%s; run the same command again to resume", err.text);
            return STEP_DONE;
        }
        if (res.head.status == 404 || res.head.status == 410)
            return STEP_GONE;
        verdict_of(VERDICT_OFFSET, res.head.status, &v);
        if (v.is_success && res.head.has_offset) {
            if (res.head.has_limit)
                r->limit = res.head.limit;
            if (res.head.has_length && res.head.length != u->size) {
                cancel_upload(u, r->st.url);
                return STEP_GONE;
            }
            r->offset = res.head.offset;
            *is_complete = res.head.has_complete && res.head.is_complete;
            return STEP_OK;
        }
        if (v.is_success) {
            snprintf(words, sizeof(words), "the server's answer has no valid Upload-Offset");
            if (up_retry(u, RETRY_PROTOCOL, false, words, NULL, "asking again"))
                continue;
            r->rc = up_failed(u, "%s", words);
            return STEP_DONE;
        }
        up_answer_words(&v, res.head.status, &res, words, sizeof(words));
        if (up_retry(u, v.cls, false, words, &res.head, "asking for the offset again"))
            continue;
        r->rc = up_failed(u, "%s%s", words,
                          r->has_file ? "; run the same command again to resume" : "");
        return STEP_DONE;
    }
}

/*
 * The file's Repr-Digest on the server equals ours: a completed upload we
 * lost the answer of. The server may still be finishing it (checking the
 * digest, fsync, rename) when it already reports the upload complete, so
 * a missing or older file is asked about again for a while.
 */
static bool confirm_stored(struct up *u, struct uphead *head)
{
    uint64_t until = up_now_ns() + (uint64_t)(UP_ANSWER_MIN + (u->size >> 26)) * 1000000000u;

    while (!up_is_stopping(u)) {
        struct send_req req = {.method = "HEAD", .url = u->url, .stall_secs = 10};
        struct send_res res;
        struct fetch_err err;
        struct timespec half = {0, 500000000L};

        if (send_run(u->send, &req, &res, &err) == FETCH_OK && res.head.status == 200 &&
            res.head.has_digest && sha256_equal(res.head.sha256, u->sha256)) {
            *head = res.head;
            return true;
        }
        if (up_now_ns() > until)
            return false;
        nanosleep(&half, NULL);
    }
    return false;
}

/* Create the upload resource and save its URL. */
static enum step create_upload(struct resume *r)
{
    struct up *u = r->u;
    char complete[] = "Upload-Complete: ?0", length[64], digest[128], interop[64];
    const char *headers[] = {complete, length, digest, interop, NULL};

    snprintf(length, sizeof(length), "Upload-Length: %" PRIu64, u->size);
    snprintf(digest, sizeof(digest), "Repr-Digest: %s", u->digest);
    interop_header(interop, sizeof(interop));
    for (;;) {
        struct send_body body;
        struct send_req req = {
            .method = "PUT",
            .url = u->url,
            .headers = headers,
            .token = u->c->token,
            .has_body = true,
            .length = 0,
            .body = &body,
            .stall_secs = u->c->policy.stall_secs,
            .answer_secs = UP_ANSWER_MIN,
            .on_tick = up_on_tick,
            .tick_arg = u,
        };
        struct send_res res;
        struct fetch_err err;
        struct verdict v;
        char words[UP_TEXT_MAX];
        const char *loc;
        enum upfield_loc lr;
        enum fetch_result fr;
        int serr;

        up_body_file(u, &body, 0, 0);
        fr = send_run(u->send, &req, &res, &err);
        if (fr == FETCH_ABORTED) {
            r->rc = up_failed(u, "stopped; nothing was sent");
            return STEP_DONE;
        }
        if (fr == FETCH_FAILED) {
            if (up_retry(u, err.cls, err.is_stall, err.text, NULL, "trying again"))
                continue;
            r->rc = up_failed(u, "%s", err.text);
            return STEP_DONE;
        }
        verdict_of(VERDICT_CREATE, res.head.status, &v);
        if (!v.is_success) {
            verdict_of(VERDICT_PUT, res.head.status, &v); /* the words of a refused PUT */
            up_answer_words(&v, res.head.status, &res, words, sizeof(words));
            if (up_retry(u, v.cls, false, words, &res.head, "trying again"))
                continue;
            r->rc = up_failed(u, "%s", words);
            return STEP_DONE;
        }
        loc = res.head.location[0] != '\0' ? res.head.location : res.head.interim_location;
        if (loc[0] == '\0' && !res.head.has_complete)
            return STEP_RESTART; /* it took an empty file: no resumable uploads there */
        lr = upfield_location(u->url, loc, strlen(loc), r->st.url, sizeof(r->st.url));
        if (lr != UPFIELD_LOC_OK) {
            r->rc = up_failed(u,
                              lr == UPFIELD_LOC_FOREIGN
                                  ? "the server put the upload on another server (Location: "
                                    "%.200s); the token is not sent there"
                                  : "the server's answer has no usable Location (%.200s)",
                              loc);
            return STEP_DONE;
        }
        if (res.head.has_limit)
            r->limit = res.head.limit;
        if (r->limit.has_max_size && r->limit.max_size < u->size) {
            cancel_upload(u, r->st.url);
            r->rc = up_failed(u, "too large for the server (it takes at most %" PRIu64 " bytes)",
                              r->limit.max_size);
            return STEP_DONE;
        }
        r->has_upload = true;
        r->offset = res.head.has_offset ? res.head.offset : 0;
        if (!r->has_file)
            return STEP_OK;
        snprintf(r->st.server, sizeof(r->st.server), "%s", u->c->base);
        snprintf(r->st.path, sizeof(r->st.path), "%s", u->remote);
        r->st.size = u->size;
        r->st.mtime_sec = (int64_t)u->st.st_mtim.tv_sec;
        r->st.mtime_nsec = (uint32_t)u->st.st_mtim.tv_nsec;
        r->st.device = (uint64_t)u->st.st_dev;
        r->st.inode = (uint64_t)u->st.st_ino;
        memcpy(r->st.sha256, u->sha256, SHA256_LEN);
        serr = upstate_save(&r->file, &r->st);
        if (serr != 0 && u->c->progress != NULL)
            progress_message(u->c->progress, true,
                             "warning: cannot save the upload's state in %s (%s): a killed "
                             "upload will start over",
                             u->c->state_dir, strerror(-serr));
        return STEP_OK;
    }
}

/* The resource from the saved state, when it is this file's and the server still has it. */
static enum step resume_saved(struct resume *r)
{
    struct up *u = r->u;
    struct upstate saved;
    struct uphead head;
    const char *why = NULL;
    bool is_complete;
    enum step s;
    int err;

    if (!r->has_file)
        return STEP_GONE;
    err = upstate_load(&r->file, &saved, &why);
    if (err == -ENOENT)
        return STEP_GONE;
    if (err != 0) {
        if (u->c->progress != NULL)
            progress_message(u->c->progress, true, "ignoring the saved upload state %s: %s",
                             r->file.path, why != NULL ? why : strerror(-err));
        upstate_remove(&r->file);
        return STEP_GONE;
    }
    if (!state_matches(r, &saved)) {
        /* The file changed since: that upload is of other bytes. */
        cancel_upload(u, saved.url);
        upstate_remove(&r->file);
        return STEP_GONE;
    }
    r->st = saved;
    s = ask_offset(r, &is_complete);
    if (s == STEP_GONE) {
        upstate_remove(&r->file);
        if (u->c->progress != NULL)
            progress_message(u->c->progress, false,
                             "%s: the server no longer has the earlier upload; starting over",
                             u->remote);
        return STEP_GONE;
    }
    if (s != STEP_OK)
        return s;
    if (is_complete) {
        /* It finished, but the answer never came back: the stored file tells. */
        upstate_remove(&r->file);
        if (confirm_stored(u, &head)) {
            u->resumed = u->size;
            r->rc = up_succeeded(u, "already complete", 200, &head);
        } else {
            r->rc = up_failed(u,
                              "the server says the earlier upload is complete, but %s there "
                              "does not have this file's SHA-256; run the command again to "
                              "send it anew",
                              u->remote);
        }
        return STEP_DONE;
    }
    if (r->offset > u->size) {
        cancel_upload(u, r->st.url);
        upstate_remove(&r->file);
        return STEP_GONE;
    }
    r->has_upload = true;
    u->resumed = r->offset;
    return STEP_OK;
}

/* Send from r->offset to the end. */
static enum step append(struct resume *r)
{
    struct up *u = r->u;
    char offset[64], complete[32], interop[64];
    const char *headers[] = {"Content-Type: application/partial-upload", offset, complete, interop,
                             NULL};

    interop_header(interop, sizeof(interop));
    for (;;) {
        uint64_t end = u->size;
        bool is_last, is_complete;
        struct send_body body;
        struct send_req req = {
            .method = "PATCH",
            .url = r->st.url,
            .headers = headers,
            .token = u->c->token,
            .has_body = true,
            .body = &body,
            .stall_secs = u->c->policy.stall_secs,
            .answer_secs = UP_ANSWER_MIN + (unsigned)(u->size >> 26), /* + 1 s per 64 MiB */
            .on_tick = up_on_tick,
            .tick_arg = u,
        };
        struct send_res res;
        struct fetch_err err;
        struct verdict v;
        char words[UP_TEXT_MAX];
        enum fetch_result fr;
        enum step s;

        if (r->limit.has_max_append && r->limit.max_append > 0 &&
            end - r->offset > r->limit.max_append)
            end = r->offset + r->limit.max_append;
        is_last = end == u->size;
        snprintf(offset, sizeof(offset), "Upload-Offset: %" PRIu64, r->offset);
        snprintf(complete, sizeof(complete), "Upload-Complete: ?%d", is_last ? 1 : 0);
        req.length = end - r->offset;
        up_body_file(u, &body, r->offset, end);
        u->slot = SLOT_CONNECTING;
        fr = send_run(u->send, &req, &res, &err);
        if (fr == FETCH_ABORTED && u->body_err != 0) {
            r->rc = up_failed(u, "cannot read %s: %s", u->label,
                              u->body_err == -ESTALE ? "it shrank while being sent"
                                                     : strerror(-u->body_err));
            upstate_remove(&r->file);
            cancel_upload(u, r->st.url);
            return STEP_DONE;
        }
        if (fr == FETCH_ABORTED) {
            r->rc = up_failed(u,
                              "stopped at byte %" PRIu64 " of %" PRIu64
                              "; run the same command again to resume",
                              u->done, u->size);
            return STEP_DONE;
        }
        if (fr == FETCH_OK && res.head.status == 409 && res.head.has_offset) {
            /* Our offset was not the server's: take its word and go on. */
            snprintf(words, sizeof(words), "the server has %" PRIu64 " bytes, not %" PRIu64,
                     res.head.offset, r->offset);
            if (res.head.offset > u->size ||
                !up_retry(u, RETRY_PROTOCOL, true, words, NULL, "resuming from there")) {
                r->rc = up_failed(u, "%s", words);
                return STEP_DONE;
            }
            r->offset = res.head.offset;
            continue;
        }
        if (fr == FETCH_OK) {
            verdict_of(is_last ? VERDICT_PUT : VERDICT_APPEND, res.head.status, &v);
            if (v.is_success && (!is_last || !res.head.has_complete || res.head.is_complete)) {
                if (!is_last) {
                    r->offset = res.head.has_offset ? res.head.offset : end;
                    up_progress_made(u);
                    continue;
                }
                upstate_remove(&r->file);
                r->rc = up_succeeded(u, v.words, res.head.status, &res.head);
                return STEP_DONE;
            }
            up_answer_words(&v, res.head.status, &res, words, sizeof(words));
            is_complete = res.head.has_complete && res.head.is_complete;
            if (res.head.status == 404 || res.head.status == 410)
                return STEP_GONE;
            if (is_complete || res.head.status == 400 || res.head.status == 413) {
                /* The whole file arrived and was judged, or can never fit: the end. */
                upstate_remove(&r->file);
                if (!is_complete)
                    cancel_upload(u, r->st.url);
                r->rc = up_failed(u, "%s", words);
                return STEP_DONE;
            }
            if (v.cls == RETRY_PERMANENT) {
                r->rc = up_failed(u, "%s%s", words,
                                  r->has_file ? "; the upload is kept on the server: run the "
                                                "same command again to resume"
                                              : "");
                return STEP_DONE;
            }
            if (!up_retry(u, v.cls, false, words, &res.head, "resuming")) {
                r->rc = up_failed(u, "%s; run the same command again to resume", words);
                return STEP_DONE;
            }
        } else if (!up_retry(u, err.cls, err.is_stall, err.text, NULL, "resuming")) {
            r->rc = up_failed(u, "%s%s", err.text,
                              up_is_stopping(u) ? "; stopped"
                                                : "; run the same command again to resume");
            return STEP_DONE;
        }
        /* After a failure: where does the server stand? */
        {
            uint64_t before = r->offset;

            s = ask_offset(r, &is_complete);
            if (s != STEP_OK)
                return s;
            if (r->offset > before)
                up_progress_made(u);
            if (is_complete) {
                upstate_remove(&r->file);
                if (confirm_stored(u, &res.head)) {
                    r->rc = up_succeeded(u, "stored", 200, &res.head);
                } else {
                    r->rc = up_failed(u, "the server completed the upload, but the file it "
                                         "stored does not have this file's SHA-256");
                }
                return STEP_DONE;
            }
            if (r->offset > u->size) {
                r->rc = up_failed(u, "the server holds more bytes than the file has");
                return STEP_DONE;
            }
        }
    }
}

int up_resumable(struct up *u)
{
    struct resume r;
    enum step s;
    bool has_restarted = false;

    memset(&r, 0, sizeof(r));
    r.u = u;
    r.file.lock_fd = -1;
    r.rc = 1;
    if (claim_state(&r) != 0)
        goto out;
    s = resume_saved(&r);
    for (;;) {
        if (s == STEP_GONE) {
            if (has_restarted) {
                r.rc = up_failed(u, "the server lost the upload twice; giving up");
                break;
            }
            has_restarted = r.has_upload; /* once it existed, only one new start */
            r.has_upload = false;
            r.offset = 0;
            u->resumed = 0;
            s = create_upload(&r);
            continue;
        }
        if (s == STEP_RESTART) {
            upstate_remove(&r.file);
            r.rc = up_plain(u);
            break;
        }
        if (s == STEP_DONE)
            break;
        u->done = r.offset;
        up_publish(u, true);
        s = append(&r);
    }
out:
    upstate_release(&r.file, r.rc == 0);
    return r.rc;
}
