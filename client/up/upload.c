/*
 * client/up/upload.c - uploads and deletes: the plain PUT of a small file,
 * the chunked PUT of a stream with its digest as a trailer, DELETE, and
 * what every request shares (progress, retries, result lines). The
 * resumable flow for big files is upload_resume.c.
 *
 * Everything runs on the caller's thread; the only thing shared is the
 * struct progress, which takes its own lock.
 */
#include "up.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "encode.h"
#include "human.h"
#include "name.h"
#include "ui_model.h"

#define PUBLISH_NS 100000000u /* progress at most ten times a second */

uint64_t up_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool up_is_stopping(const struct up *u)
{
    return u->c->stop != NULL && atomic_load(u->c->stop);
}

void up_publish(struct up *u, bool force)
{
    struct progress_file f;
    uint64_t now = up_now_ns();

    if (u->c->progress == NULL || (!force && now - u->last_publish_ns < PUBLISH_NS))
        return;
    u->last_publish_ns = now;
    if (now - u->mark_ns >= 1000000000u) {
        double fresh = (double)(u->done - (u->done >= u->mark_done ? u->mark_done : u->done)) /
                       ((double)(now - u->mark_ns) / 1e9);

        u->speed = u->mark_ns == 0 ? 0 : (u->speed > 0 ? 0.5 * u->speed + 0.5 * fresh : fresh);
        u->mark_ns = now;
        u->mark_done = u->done;
    }
    memset(&f, 0, sizeof(f));
    snprintf(f.name, sizeof(f.name), "%s", u->remote);
    snprintf(f.host, sizeof(f.host), "%s", u->host);
    f.is_upload = true;
    f.has_size = !u->is_stream;
    f.size = u->size;
    f.done = u->done;
    f.speed = u->speed;
    f.elapsed = (double)(now - u->started_ns) / 1e9;
    f.is_verifying = u->is_hashing;
    f.hashed = u->hashed;
    f.nslots = 1;
    f.slots[0].state = u->slot;
    f.slots[0].start = 0;
    f.slots[0].end = u->is_stream ? u->done : u->size;
    f.slots[0].pos = u->done;
    f.slots[0].done = u->done;
    f.slots[0].share = f.slots[0].end;
    f.slots[0].speed = u->speed;
    f.slots[0].attempt = u->attempt;
    progress_set_file(u->c->progress, 0, &f);
}

bool up_on_tick(void *arg, uint64_t sent)
{
    struct up *u = arg;

    if (sent > 0)
        u->slot = SLOT_RUNNING;
    u->done = u->body_start + sent;
    if (!u->is_stream && u->done > u->size)
        u->done = u->size;
    up_publish(u, false);
    return !up_is_stopping(u);
}

/* The body of a request: the file's bytes [body_start, body_end). */
static size_t file_read(void *arg, char *buf, size_t n)
{
    struct up *u = arg;
    uint64_t left = u->body_end - u->body_pos;
    ssize_t got;

    if (left == 0)
        return 0;
    if (n > left)
        n = (size_t)left;
    do {
        got = pread(u->fd, buf, n, (off_t)u->body_pos);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        u->body_err = -errno;
        return SEND_BODY_ERROR;
    }
    if (got == 0) { /* the file shrank under us */
        u->body_err = -ESTALE;
        return SEND_BODY_ERROR;
    }
    u->body_pos += (uint64_t)got;
    u->wire += (uint64_t)got;
    return (size_t)got;
}

void up_body_file(struct up *u, struct send_body *b, uint64_t start, uint64_t end)
{
    u->body_start = u->body_pos = start;
    u->body_end = end;
    u->body_err = 0;
    b->read = file_read;
    b->trailer = NULL;
    b->arg = u;
}

void up_progress_made(struct up *u)
{
    u->failures = 0;
    u->proto_failures = 0;
}

/* Sleep MS milliseconds in short steps, so that a stop is seen. */
static void nap(struct up *u, uint64_t ms)
{
    while (ms > 0 && !up_is_stopping(u)) {
        uint64_t step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};

        nanosleep(&ts, NULL);
        ms -= step;
    }
}

bool up_retry(struct up *u, enum retry_class cls, bool is_stall, const char *why,
              const struct uphead *head, const char *next)
{
    const struct dl_policy *pol = &u->c->policy;
    uint64_t wait = 0, max_ms = (uint64_t)pol->retry_max_wait * 1000u;

    if (cls == RETRY_PERMANENT || up_is_stopping(u))
        return false;
    u->failures++;
    if (cls == RETRY_PROTOCOL && ++u->proto_failures > 1)
        return false; /* one more try on a new connection, not more */
    if (u->failures > pol->retries)
        return false;
    if (cls == RETRY_TRANSIENT && !is_stall) {
        u->rng ^= u->rng << 13;
        u->rng ^= u->rng >> 7;
        u->rng ^= u->rng << 17;
        wait = retry_backoff_ms(u->failures, max_ms, (double)(u->rng >> 11) / 9007199254740992.0);
        if (head != NULL && head->retry_after[0] != '\0')
            (void)retry_after_ms(head->retry_after, strlen(head->retry_after), head->date,
                                 strlen(head->date), time(NULL), max_ms, &wait);
    }
    u->slot = SLOT_RETRYING;
    u->attempt = u->failures;
    up_publish(u, true);
    if (u->c->progress != NULL)
        progress_message(u->c->progress, false, "%s to %s: %s; %s in %.1f s (retry %u of %u)",
                         u->remote, u->host, why, next, (double)wait / 1000.0, u->failures,
                         pol->retries);
    nap(u, wait);
    u->slot = SLOT_CONNECTING;
    if (up_is_stopping(u))
        return false;
    return true;
}

/* Is the server's explanation worth showing? Short printable text only. */
static bool snippet_line(const char *snippet, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = snippet;

    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    for (; *p != '\0' && *p != '\n' && *p != '\r' && n + 1 < cap && n < 200; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch < 0x20 || ch == 0x7f)
            return false;
        out[n++] = *p;
    }
    out[n] = '\0';
    return n > 0 && p[0] != '{'; /* a JSON problem document says nothing a person reads */
}

void up_answer_words(const struct verdict *v, long status, const struct send_res *res, char *out,
                     size_t cap)
{
    char said[256], code[16];
    bool is_text = strncasecmp(res->head.content_type, "text/plain", 10) == 0;
    bool has_code;

    snprintf(code, sizeof(code), "(%ld", status);
    has_code = strstr(v->words, code) != NULL; /* the words name it already */
    if (is_text && snippet_line(res->snippet, said, sizeof(said)) && has_code)
        snprintf(out, cap, "%s (the server says: %s)", v->words, said);
    else if (is_text && snippet_line(res->snippet, said, sizeof(said)))
        snprintf(out, cap, "%s (HTTP %ld; the server says: %s)", v->words, status, said);
    else if (has_code)
        snprintf(out, cap, "%s", v->words);
    else
        snprintf(out, cap, "%s (HTTP %ld)", v->words, status);
}

int up_succeeded(struct up *u, const char *words, long status, const struct uphead *head)
{
    char size[32], took[32], speed[32], resumed[96] = "";
    double secs = (double)(up_now_ns() - u->started_ns) / 1e9;
    const char *check;

    if (head != NULL && head->has_digest && !u->is_stream && !sha256_equal(head->sha256, u->sha256))
        return up_failed(u,
                         "the server answered %s (%ld) but reports a different SHA-256 for "
                         "what it stored",
                         words, status);
    check = head != NULL && head->has_digest ? "sha256 confirmed by the server"
                                             : "sha256 checked by the server";
    human_size(u->size, size, sizeof(size));
    ui_format_duration(secs, took, sizeof(took));
    ui_format_speed(secs > 0 ? (double)u->wire / secs : 0, speed, sizeof(speed));
    if (u->resumed > 0) {
        char rs[32];

        human_size(u->resumed, rs, sizeof(rs));
        snprintf(resumed, sizeof(resumed), "  (resumed: %s were on the server already)", rs);
    }
    u->done = u->size;
    u->slot = SLOT_DONE;
    up_publish(u, true);
    if (u->c->progress != NULL) {
        progress_set_file(u->c->progress, 0, NULL);
        progress_event(u->c->progress, ENTRY_VERIFIED, "%s  %s  %s  %s  %s (%ld), %s%s", u->remote,
                       size, took, speed, words, status, check, resumed);
    }
    return 0;
}

int up_failed(struct up *u, const char *fmt, ...)
{
    char why[UP_TEXT_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (u->c->progress != NULL) {
        progress_set_file(u->c->progress, 0, NULL);
        progress_event(u->c->progress, ENTRY_FAILED, "%s: FAILED: %s", u->remote, why);
    }
    return 1;
}

/* Set up U for REMOTE: its URL, the host for messages, a handle. 0 or 1 (reported). */
static int up_init(struct up *u, const struct upload_ctx *c, const char *remote, const char *label)
{
    char enc[3 * UP_URL_MAX / 4];
    const char *h;
    size_t hl;

    memset(u, 0, sizeof(*u));
    u->c = c;
    u->remote = remote;
    u->label = label;
    u->fd = -1;
    u->started_ns = up_now_ns();
    u->rng = u->started_ns * 2654435761u + 1;
    u->slot = SLOT_CONNECTING;
    h = strstr(c->base, "://");
    h = h != NULL ? h + 3 : c->base;
    hl = strcspn(h, "/");
    snprintf(u->host, sizeof(u->host), "%.*s", (int)(hl < 255 ? hl : 255), h);
    if (name_encode_url_path(remote, enc, sizeof(enc)) >= sizeof(enc) ||
        (size_t)snprintf(u->url, sizeof(u->url), "%s/%s", c->base, enc) >= sizeof(u->url))
        return up_failed(u, "the path is too long");
    u->send = send_new(c->net);
    if (u->send == NULL)
        return up_failed(u, "out of memory");
    return 0;
}

static void up_cleanup(struct up *u)
{
    send_free(u->send);
    u->send = NULL;
    sha256_free(u->stream_hash);
    u->stream_hash = NULL;
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
}

/* Hash the whole file first (its digest goes in the request's head). 0, 1 (reported). */
static int hash_file(struct up *u)
{
    struct sha256 *h = sha256_new();
    char *buf = malloc(UP_READ_BUF);
    uint64_t off = 0;
    int rc = 1;

    u->is_hashing = true;
    if (h == NULL || buf == NULL) {
        rc = up_failed(u, "out of memory");
        goto out;
    }
    while (off < u->size) {
        size_t want = u->size - off < UP_READ_BUF ? (size_t)(u->size - off) : UP_READ_BUF;
        ssize_t n = pread(u->fd, buf, want, (off_t)off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = up_failed(u, "cannot read %s: %s", u->label,
                           n < 0 ? strerror(errno) : "it shrank while being read");
            goto out;
        }
        if (sha256_update(h, buf, (size_t)n) != 0) {
            rc = up_failed(u, "cannot compute the SHA-256");
            goto out;
        }
        off += (uint64_t)n;
        u->hashed = off;
        up_publish(u, false);
        if (up_is_stopping(u)) {
            rc = up_failed(u, "stopped before anything was sent");
            goto out;
        }
    }
    if (sha256_final(h, u->sha256) != 0) {
        rc = up_failed(u, "cannot compute the SHA-256");
        goto out;
    }
    {
        char b64[encode_base64_len(SHA256_LEN) + 1];

        encode_base64(u->sha256, SHA256_LEN, b64);
        snprintf(u->digest, sizeof(u->digest), "sha-256=:%s:", b64);
    }
    rc = 0;
out:
    u->is_hashing = false;
    sha256_free(h);
    free(buf);
    return rc;
}

int up_plain(struct up *u)
{
    char digest_h[128], interop[64];
    const char *headers[] = {digest_h, interop, NULL};

    snprintf(digest_h, sizeof(digest_h), "Repr-Digest: %s", u->digest);
    snprintf(interop, sizeof(interop), "Upload-Draft-Interop-Version: %d", UPHEAD_INTEROP_VERSION);
    for (;;) {
        struct send_body body;
        struct send_req req = {
            .method = "PUT",
            .url = u->url,
            .headers = headers,
            .token = u->c->token,
            .has_body = true,
            .length = u->size,
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
        enum fetch_result r;

        up_body_file(u, &body, 0, u->size);
        r = send_run(u->send, &req, &res, &err);
        if (r == FETCH_ABORTED && u->body_err != 0)
            return up_failed(u, "cannot read %s: %s", u->label,
                             u->body_err == -ESTALE ? "it shrank while being sent"
                                                    : strerror(-u->body_err));
        if (r == FETCH_ABORTED)
            return up_failed(u, "stopped; nothing was stored (run the command again to send it)");
        if (r == FETCH_FAILED) {
            if (up_retry(u, err.cls, err.is_stall, err.text, NULL, "sending it again"))
                continue;
            return up_failed(u, "%s", err.text);
        }
        verdict_of(VERDICT_PUT, res.head.status, &v);
        if (v.is_success)
            return up_succeeded(u, v.words, res.head.status, &res.head);
        up_answer_words(&v, res.head.status, &res, words, sizeof(words));
        if (up_retry(u, v.cls, false, words, &res.head, "sending it again"))
            continue;
        return up_failed(u, "%s", words);
    }
}

int upload_put_file(const struct upload_ctx *ctx, const char *file, const char *remote)
{
    struct up u;
    int rc;

    if (up_init(&u, ctx, remote, file) != 0) {
        up_cleanup(&u);
        return 1;
    }
    u.fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (u.fd < 0) {
        rc = up_failed(&u, "cannot open %s: %s", file, strerror(errno));
        goto out;
    }
    if (fstat(u.fd, &u.st) != 0) {
        rc = up_failed(&u, "cannot read %s: %s", file, strerror(errno));
        goto out;
    }
    if (S_ISDIR(u.st.st_mode)) {
        rc = up_failed(&u, "%s is a directory", file);
        goto out;
    }
    if (!S_ISREG(u.st.st_mode)) { /* a pipe, a device: its bytes as a stream */
        int fd = u.fd;

        u.fd = -1;
        up_cleanup(&u);
        rc = upload_put_stream(ctx, fd, file, remote);
        close(fd);
        return rc;
    }
    u.size = (uint64_t)u.st.st_size;
    up_publish(&u, true);
    rc = hash_file(&u);
    if (rc != 0)
        goto out;
    u.slot = SLOT_CONNECTING;
    rc = u.size >= UPLOAD_RESUMABLE_MIN ? up_resumable(&u) : up_plain(&u);
out:
    up_cleanup(&u);
    return rc;
}

/* The body of a streamed upload: FD to its end, hashed on the way. */
static size_t stream_read(void *arg, char *buf, size_t n)
{
    struct up *u = arg;
    ssize_t got;

    if (u->is_stream_done)
        return 0;
    do {
        got = read(u->fd, buf, n);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        u->body_err = -errno;
        return SEND_BODY_ERROR;
    }
    if (got == 0) {
        uint8_t sha[SHA256_LEN];
        char b64[encode_base64_len(SHA256_LEN) + 1];

        if (sha256_final(u->stream_hash, sha) != 0) {
            u->body_err = -EIO;
            return SEND_BODY_ERROR;
        }
        memcpy(u->sha256, sha, SHA256_LEN);
        encode_base64(sha, SHA256_LEN, b64);
        snprintf(u->trailer, sizeof(u->trailer), "Content-Digest: sha-256=:%s:", b64);
        u->is_stream_done = true;
        return 0;
    }
    if (sha256_update(u->stream_hash, buf, (size_t)got) != 0) {
        u->body_err = -EIO;
        return SEND_BODY_ERROR;
    }
    u->body_pos += (uint64_t)got;
    u->wire += (uint64_t)got;
    u->size = u->body_pos;
    return (size_t)got;
}

static const char *stream_trailer(void *arg)
{
    struct up *u = arg;

    return u->is_stream_done ? u->trailer : NULL;
}

int upload_put_stream(const struct upload_ctx *ctx, int fd, const char *label, const char *remote)
{
    const char *headers[] = {"Trailer: Content-Digest", NULL};
    struct up u;
    int rc = 1;

    if (up_init(&u, ctx, remote, label) != 0)
        goto out;
    u.fd = fd;
    u.is_stream = true;
    u.stream_hash = sha256_new();
    if (u.stream_hash == NULL) {
        rc = up_failed(&u, "out of memory");
        goto out;
    }
    up_publish(&u, true);
    for (;;) {
        struct send_body body = {stream_read, stream_trailer, &u};
        struct send_req req = {
            .method = "PUT",
            .url = u.url,
            .headers = headers,
            .token = ctx->token,
            .has_body = true,
            .length = SEND_CHUNKED,
            .body = &body,
            .stall_secs = ctx->policy.stall_secs,
            .answer_secs = UP_ANSWER_MIN,
            .on_tick = up_on_tick,
            .tick_arg = &u,
        };
        struct send_res res;
        struct fetch_err err;
        struct verdict v;
        char words[UP_TEXT_MAX];
        enum fetch_result r = send_run(u.send, &req, &res, &err);
        /* Bytes read from the stream cannot be read again: only a failure
         * before the first one is worth another attempt. */
        bool can_retry = u.body_pos == 0 && !u.is_stream_done;

        if (r == FETCH_ABORTED && u.body_err != 0) {
            rc = up_failed(&u, "cannot read %s: %s; nothing was stored", label,
                           strerror(-u.body_err));
            break;
        }
        if (r == FETCH_ABORTED) {
            rc = up_failed(&u, "stopped; nothing was stored");
            break;
        }
        if (r == FETCH_FAILED) {
            if (can_retry && up_retry(&u, err.cls, err.is_stall, err.text, NULL, "trying again"))
                continue;
            rc = up_failed(&u, "%s%s", err.text,
                           can_retry ? "" : "; a stream cannot be sent again, nothing was stored");
            break;
        }
        verdict_of(VERDICT_PUT, res.head.status, &v);
        if (v.is_success) {
            if (res.head.has_digest && !sha256_equal(res.head.sha256, u.sha256)) {
                rc = up_failed(&u,
                               "the server answered %s (%ld) but reports a different SHA-256 "
                               "for what it stored",
                               v.words, res.head.status);
                break;
            }
            rc = up_succeeded(&u, v.words, res.head.status, &res.head);
            break;
        }
        up_answer_words(&v, res.head.status, &res, words, sizeof(words));
        if (can_retry && up_retry(&u, v.cls, false, words, &res.head, "trying again"))
            continue;
        rc = up_failed(&u, "%s", words);
        break;
    }
out:
    u.fd = -1; /* borrowed */
    up_cleanup(&u);
    return rc;
}

int upload_delete(const struct upload_ctx *ctx, const char *remote)
{
    struct up u;
    int rc = 1;

    if (up_init(&u, ctx, remote, remote) != 0)
        goto out;
    for (;;) {
        struct send_req req = {
            .method = "DELETE",
            .url = u.url,
            .token = ctx->token,
            .stall_secs = ctx->policy.stall_secs > 30 ? ctx->policy.stall_secs : 30,
            .on_tick = up_on_tick,
            .tick_arg = &u,
        };
        struct send_res res;
        struct fetch_err err;
        struct verdict v;
        char words[UP_TEXT_MAX];
        enum fetch_result r = send_run(u.send, &req, &res, &err);

        if (r == FETCH_ABORTED) {
            rc = up_failed(&u, "stopped before the server answered");
            break;
        }
        if (r == FETCH_FAILED) {
            if (up_retry(&u, err.cls, err.is_stall, err.text, NULL, "trying again"))
                continue;
            rc = up_failed(&u, "%s", err.text);
            break;
        }
        verdict_of(VERDICT_DELETE, res.head.status, &v);
        if (v.is_success) {
            if (ctx->progress != NULL)
                progress_event(ctx->progress, ENTRY_VERIFIED, "%s: %s (%ld)", remote, v.words,
                               res.head.status);
            rc = 0;
            break;
        }
        up_answer_words(&v, res.head.status, &res, words, sizeof(words));
        if (up_retry(&u, v.cls, false, words, &res.head, "trying again"))
            continue;
        rc = up_failed(&u, "%s", words);
        break;
    }
out:
    up_cleanup(&u);
    return rc;
}
