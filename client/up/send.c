/*
 * client/up/send.c - libcurl for requests that send: options set per
 * request, the head parsed by uphead.c, the body pulled from the caller,
 * stalls measured here (libcurl's low-speed limit would also fire while
 * the server fsyncs a big upload after its last byte).
 */
#include "send.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "token.h"
#include "version.h"

#define SEND_UPLOAD_BUFFER (512 * 1024)

struct send {
    CURL *curl;
    const struct fetch_config *cfg;
    char errbuf[CURL_ERROR_SIZE];
    const struct send_req *req;
    struct send_res *res;
    size_t snippet_len;
    bool is_aborted;  /* our callback asked to stop */
    bool is_stalled;  /* ... because nothing moved */
    bool is_late;     /* ... because the answer did not come */
    bool is_in_final; /* a final (non-1xx) status line came */
    uint64_t last_sent;
    uint64_t last_move_ns; /* when the sent count last changed (or the request started) */
    uint64_t done_ns;      /* when the whole body was handed over */
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct send *send_new(const struct fetch_config *cfg)
{
    struct send *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->cfg = cfg;
    s->curl = curl_easy_init();
    if (s->curl == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

void send_free(struct send *s)
{
    if (s == NULL)
        return;
    curl_easy_cleanup(s->curl);
    free(s);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct send *s = arg;
    size_t len = size * n;

    if (uphead_parse_line(&s->res->head, p, len) == UPHEAD_STATUS)
        s->is_in_final = s->res->head.status >= 200;
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct send *s = arg;
    size_t len = size * n, room = SEND_SNIPPET - 1 - s->snippet_len;
    size_t take = len < room ? len : room;

    memcpy(s->res->snippet + s->snippet_len, p, take);
    s->snippet_len += take;
    s->res->snippet[s->snippet_len] = '\0';
    return len; /* the rest is not needed */
}

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
    struct send *s = arg;
    size_t got = s->req->body->read(s->req->body->arg, buf, size * n);

    if (got == SEND_BODY_ERROR) {
        s->is_aborted = true;
        return CURL_READFUNC_ABORT;
    }
    s->res->sent += got;
    /* With a known length libcurl never asks past the last byte: that is the end too. */
    if (got == 0 || (s->req->length != SEND_CHUNKED && s->res->sent >= s->req->length)) {
        s->res->is_body_done = true;
        s->done_ns = now_ns();
    }
    return got;
}

static int on_trailer(struct curl_slist **list, void *arg)
{
    struct send *s = arg;
    const char *t = s->req->body->trailer != NULL ? s->req->body->trailer(s->req->body->arg) : NULL;
    struct curl_slist *l;

    if (t == NULL)
        return CURL_TRAILERFUNC_OK;
    l = curl_slist_append(*list, t);
    if (l == NULL)
        return CURL_TRAILERFUNC_ABORT;
    *list = l;
    return CURL_TRAILERFUNC_OK;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct send *s = arg;
    uint64_t now = now_ns(), sent = ulnow > 0 ? (uint64_t)ulnow : 0;
    const struct send_req *req = s->req;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    if (sent != s->last_sent) {
        s->last_sent = sent;
        s->last_move_ns = now;
    }
    if (req->on_tick != NULL && !req->on_tick(req->tick_arg, sent)) {
        s->is_aborted = true;
        return 1;
    }
    if (s->is_in_final)
        return 0; /* the answer is coming in */
    if (s->res->is_body_done || !req->has_body) {
        uint64_t since = s->res->is_body_done ? s->done_ns : s->last_move_ns;
        unsigned limit = req->has_body ? req->answer_secs : req->stall_secs;

        if (limit > 0 && now - since > (uint64_t)limit * 1000000000u) {
            s->is_aborted = s->is_late = true;
            return 1;
        }
    } else if (req->stall_secs > 0 &&
               now - s->last_move_ns > (uint64_t)req->stall_secs * 1000000000u) {
        s->is_aborted = s->is_stalled = true;
        return 1;
    }
    return 0;
}

/* Plain words for a libcurl failure. */
static void describe(struct send *s, CURLcode rc, struct fetch_err *err)
{
    const char *text = s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc);

    err->cls = fetch_class_of((long)rc, text);
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        snprintf(err->text, sizeof(err->text), "cannot connect (%s)", text);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(err->text, sizeof(err->text), "cannot find the server's address (%s)", text);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(err->text, sizeof(err->text), "cannot connect within %u s (%s)",
                 s->cfg->connect_secs, text);
        break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        snprintf(err->text, sizeof(err->text), "connection lost (%s)", text);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(err->text, sizeof(err->text),
                 "the server's TLS certificate cannot be verified (%s); to trust its "
                 "authority use --cacert FILE or --capath DIR",
                 text);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        snprintf(err->text, sizeof(err->text), "only http:// and https:// servers (%s)", text);
        break;
    default:
        snprintf(err->text, sizeof(err->text), "%s", text);
        break;
    }
}

static void set_common(struct send *s)
{
    const struct fetch_config *cfg = s->cfg;

    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "pdm-client/" PDM_VERSION);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, (long)cfg->connect_secs);
    curl_easy_setopt(s->curl, CURLOPT_UPLOAD_BUFFERSIZE, (long)SEND_UPLOAD_BUFFER);
    if (cfg->cacert != NULL)
        curl_easy_setopt(s->curl, CURLOPT_CAINFO, cfg->cacert);
    if (cfg->capath != NULL)
        curl_easy_setopt(s->curl, CURLOPT_CAPATH, cfg->capath);
    if (cfg->is_insecure) {
        curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s);
    curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, 0L);
}

/* The request's header list, or NULL when out of memory. */
static struct curl_slist *header_list(const struct send_req *req)
{
    struct curl_slist *l = NULL, *n;
    char auth[TOKEN_MAX + 32];

    /* The body's bytes as they are, and no transfer coding but chunked. */
    l = curl_slist_append(l, "Accept-Encoding: identity");
    if (l == NULL)
        return NULL;
    if (req->token != NULL && req->token[0] != '\0') {
        int k = snprintf(auth, sizeof(auth), "Authorization: Bearer %s", req->token);

        n = k > 0 && (size_t)k < sizeof(auth) ? curl_slist_append(l, auth) : NULL;
        memset(auth, 0, sizeof(auth));
        if (n == NULL)
            goto fail;
        l = n;
    }
    for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
        n = curl_slist_append(l, req->headers[i]);
        if (n == NULL)
            goto fail;
        l = n;
    }
    return l;
fail:
    curl_slist_free_all(l);
    return NULL;
}

enum fetch_result send_run(struct send *s, const struct send_req *req, struct send_res *res,
                           struct fetch_err *err)
{
    struct curl_slist *headers;
    CURLcode rc;

    err->cls = RETRY_TRANSIENT;
    err->is_stall = false;
    err->text[0] = '\0';
    memset(res, 0, sizeof(*res));
    uphead_init(&res->head);
    s->req = req;
    s->res = res;
    s->errbuf[0] = '\0';
    s->snippet_len = 0;
    s->is_aborted = s->is_stalled = s->is_late = s->is_in_final = false;
    s->last_sent = 0;
    s->last_move_ns = now_ns();
    s->done_ns = 0;
    curl_easy_reset(s->curl); /* keeps the connection cache */
    set_common(s);
    curl_easy_setopt(s->curl, CURLOPT_URL, req->url);
    if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(s->curl, CURLOPT_NOBODY, 1L);
    } else if (req->has_body) {
        curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
        curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE,
                         req->length == SEND_CHUNKED ? (curl_off_t)-1 : (curl_off_t)req->length);
        if (req->length == SEND_CHUNKED) {
            curl_easy_setopt(s->curl, CURLOPT_TRAILERFUNCTION, on_trailer);
            curl_easy_setopt(s->curl, CURLOPT_TRAILERDATA, s);
        }
        if (strcmp(req->method, "PUT") != 0)
            curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, req->method);
    } else {
        curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, req->method);
    }
    headers = header_list(req);
    if (headers == NULL) {
        err->cls = RETRY_PERMANENT;
        snprintf(err->text, sizeof(err->text), "out of memory");
        return FETCH_FAILED;
    }
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, headers);
    rc = curl_easy_perform(s->curl);
    curl_slist_free_all(headers);
    if (s->is_stalled || s->is_late) {
        err->cls = RETRY_TRANSIENT;
        err->is_stall = true;
        if (s->is_stalled)
            snprintf(err->text, sizeof(err->text), "stalled: nothing could be sent for %u s",
                     req->stall_secs);
        else
            snprintf(err->text, sizeof(err->text), "no answer from the server within %u s%s",
                     req->has_body ? req->answer_secs : req->stall_secs,
                     req->has_body ? " of the last byte" : "");
        return FETCH_FAILED;
    }
    if (s->is_aborted)
        return FETCH_ABORTED;
    if (rc != CURLE_OK) {
        describe(s, rc, err);
        return FETCH_FAILED;
    }
    if (res->head.bad_line != NULL) {
        err->cls = RETRY_PROTOCOL;
        snprintf(err->text, sizeof(err->text), "the server sent a malformed response (%s)",
                 res->head.bad_line);
        return FETCH_FAILED;
    }
    if (res->head.status < 200) {
        err->cls = RETRY_PROTOCOL;
        snprintf(err->text, sizeof(err->text), "the server sent no final response");
        return FETCH_FAILED;
    }
    return FETCH_OK;
}
