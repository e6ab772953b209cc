/*
 * client/fetch.c - libcurl behind a small interface: one easy handle per
 * struct fetch, options set for each request, headers parsed by
 * resphead.c, body bytes handed to the caller's sink.
 */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynbuf.h"
#include "resphead.h"
#include "version.h"

#define FETCH_BUFFER     (512 * 1024) /* libcurl's largest receive buffer */
#define FETCH_MAX_REDIRS 10

struct fetch {
    CURL *curl;
    const struct fetch_config *cfg;
    char errbuf[CURL_ERROR_SIZE];
    struct fetch_info info;
    bool has_head;   /* on_head was called for the final response */
    bool is_in_head; /* a status line came, the head's end did not yet */
    bool is_aborted; /* a callback asked to stop */
    bool has_fail;   /* the response itself was refused: fail_* say why */
    enum retry_class fail_cls;
    char fail_text[FETCH_ERR_MAX];
    const struct fetch_sink *sink;
    struct timespec started; /* when curl_easy_perform() began */
};

int fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void fetch_global_cleanup(void)
{
    curl_global_cleanup();
}

struct fetch *fetch_new(const struct fetch_config *cfg)
{
    struct fetch *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->cfg = cfg;
    f->curl = curl_easy_init();
    if (f->curl == NULL) {
        free(f);
        return NULL;
    }
    return f;
}

void fetch_free(struct fetch *f)
{
    if (f == NULL)
        return;
    curl_easy_cleanup(f->curl);
    free(f);
}

/* Refuse the response in progress (the first reason wins). */
static void refuse(struct fetch *f, enum retry_class cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void refuse(struct fetch *f, enum retry_class cls, const char *fmt, ...)
{
    va_list ap;

    if (f->has_fail)
        return;
    f->has_fail = true;
    f->fail_cls = cls;
    va_start(ap, fmt);
    vsnprintf(f->fail_text, sizeof(f->fail_text), fmt, ap);
    va_end(ap);
}

/* Seconds since the request went out (after connecting): now, less the
 * time libcurl spent before it could send (CURLINFO_PRETRANSFER_TIME). */
static double head_wait(struct fetch *f)
{
    struct timespec now;
    curl_off_t pre = 0;
    double secs;

    clock_gettime(CLOCK_MONOTONIC, &now);
    (void)curl_easy_getinfo(f->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
    secs = (double)(now.tv_sec - f->started.tv_sec) +
           (double)(now.tv_nsec - f->started.tv_nsec) / 1e9 - (double)pre / 1e6;
    return secs > 0 ? secs : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    size_t len = size * n;

    switch (resphead_parse_line(&f->info, p, len)) {
    case RESPHEAD_STATUS:
        f->has_head = false;
        f->is_in_head = true;
        break;
    case RESPHEAD_END:
        f->is_in_head = false;
        if (f->info.status < 200) /* 1xx: not the answer */
            break;
        if (f->info.bad_line != NULL) {
            refuse(f, RETRY_PROTOCOL, "the server sent a malformed response (%s)",
                   f->info.bad_line);
            return 0;
        }
        if (resphead_is_redirect(f->info.status)) /* libcurl follows it */
            break;
        f->info.wait = head_wait(f);
        if (f->info.content_encoding[0] != '\0') {
            refuse(f, RETRY_PERMANENT,
                   "the server sent the file encoded (Content-Encoding: %s) although only "
                   "the identity encoding was accepted",
                   f->info.content_encoding);
            return 0;
        }
        f->has_head = true;
        if (f->sink->on_head != NULL && !f->sink->on_head(f->sink->arg, &f->info)) {
            f->is_aborted = true;
            return 0;
        }
        break;
    case RESPHEAD_FIELD:
    case RESPHEAD_BAD:
        break;
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    size_t len = size * n, took;

    if (!f->has_head)
        return len; /* the body of a redirect */
    took = f->sink->on_data(f->sink->arg, p, len);
    if (took != len)
        f->is_aborted = true;
    return took;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct fetch *f = arg;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    if (f->sink->on_tick != NULL && !f->sink->on_tick(f->sink->arg)) {
        f->is_aborted = true;
        return 1;
    }
    return 0;
}

static bool has_text(const char *text, const char *what)
{
    return strcasestr(text, what) != NULL;
}

enum retry_class fetch_class_of(long code, const char *text)
{
    switch ((CURLcode)code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_AGAIN:
        return RETRY_TRANSIENT;
    case CURLE_RECV_ERROR:
    case CURLE_OUT_OF_MEMORY:
        /* libcurl reports response headers over its limit these ways. */
        if (has_text(text, "header"))
            return RETRY_PROTOCOL;
        return code == CURLE_RECV_ERROR ? RETRY_TRANSIENT : RETRY_PERMANENT;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        return RETRY_PROTOCOL;
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* Also how libcurl refuses a reply that is not HTTP at all. */
        return has_text(text, "HTTP/0.9") ? RETRY_PROTOCOL : RETRY_PERMANENT;
    case CURLE_SSL_CONNECT_ERROR:
        /* A reset or a closed connection during the handshake may pass;
         * a handshake the peer cannot do (plain HTTP, no common version) will not. */
        if (has_text(text, "reset") || has_text(text, "timed out") ||
            has_text(text, "unexpected eof") || has_text(text, "syscall"))
            return RETRY_TRANSIENT;
        return RETRY_PERMANENT;
    default:
        return RETRY_PERMANENT;
    }
}

/* Plain words for what went wrong, without libcurl's jargon where it has some. */
static void describe(struct fetch *f, CURLcode rc, const struct fetch_req *req,
                     struct fetch_err *err)
{
    const char *text = f->errbuf[0] != '\0' ? f->errbuf : curl_easy_strerror(rc);
    long redirects = 0;

    (void)curl_easy_getinfo(f->curl, CURLINFO_REDIRECT_COUNT, &redirects);
    err->cls = fetch_class_of((long)rc, text);
    if (rc == CURLE_OUT_OF_MEMORY && f->is_in_head) {
        /* libcurl's way of refusing one header line over its 100 KiB limit */
        err->cls = RETRY_PROTOCOL;
        snprintf(err->text, sizeof(err->text),
                 "the server sent a header line larger than libcurl accepts (%s)", text);
        return;
    }
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        snprintf(err->text, sizeof(err->text), "cannot connect (%s)", text);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(err->text, sizeof(err->text), "cannot find the server's address (%s)", text);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        err->is_stall = has_text(text, "too slow") && req->stall_secs > 0;
        if (err->is_stall)
            snprintf(err->text, sizeof(err->text), "stalled: no data for %u s%s", req->stall_secs,
                     f->has_head ? "" : " (no answer to the request)");
        else if (!f->has_head && has_text(text, "connect"))
            snprintf(err->text, sizeof(err->text), "cannot connect within %u s (%s)",
                     f->cfg->connect_secs, text);
        else
            snprintf(err->text, sizeof(err->text), "timed out (%s)", text);
        break;
    case CURLE_PARTIAL_FILE:
        snprintf(err->text, sizeof(err->text), "the connection closed before the end of the data");
        break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        if (err->cls == RETRY_PROTOCOL)
            snprintf(err->text, sizeof(err->text), "the server's response is malformed (%s)", text);
        else
            snprintf(err->text, sizeof(err->text), "connection lost (%s)", text);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        if (err->cls == RETRY_PROTOCOL)
            snprintf(err->text, sizeof(err->text), "the server's answer is not HTTP (%s)", text);
        else if (redirects > 0)
            snprintf(err->text, sizeof(err->text),
                     "the server redirected to a URL that is not http:// or https:// (%s); "
                     "not followed",
                     text);
        else
            snprintf(err->text, sizeof(err->text),
                     "only http:// and https:// URLs can be downloaded (%s)", text);
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        snprintf(err->text, sizeof(err->text), "too many redirects (a redirect loop?): %s", text);
        break;
    case CURLE_WEIRD_SERVER_REPLY:
        snprintf(err->text, sizeof(err->text), "the server's answer is not valid HTTP (%s)", text);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(err->text, sizeof(err->text),
                 "the server's TLS certificate cannot be verified (%s); to trust its "
                 "authority use --cacert FILE or --capath DIR",
                 text);
        break;
    case CURLE_SSL_CONNECT_ERROR:
        if (err->cls == RETRY_PERMANENT)
            snprintf(err->text, sizeof(err->text),
                     "the TLS handshake failed (%s); is it an https:// URL for a plain "
                     "http:// server?",
                     text);
        else
            snprintf(err->text, sizeof(err->text), "the TLS handshake was cut off (%s)", text);
        break;
    default:
        snprintf(err->text, sizeof(err->text), "%s", text);
        break;
    }
}

/* The options every request sets (curl_easy_reset() clears them). */
static void set_common(struct fetch *f)
{
    const struct fetch_config *cfg = f->cfg;

    curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f->curl, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(f->curl, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRS);
    curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "pdm-client/" PDM_VERSION);
    curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT, (long)cfg->connect_secs);
    curl_easy_setopt(f->curl, CURLOPT_BUFFERSIZE, (long)FETCH_BUFFER);
    if (cfg->cacert != NULL)
        curl_easy_setopt(f->curl, CURLOPT_CAINFO, cfg->cacert);
    if (cfg->capath != NULL)
        curl_easy_setopt(f->curl, CURLOPT_CAPATH, cfg->capath);
    if (cfg->is_insecure) {
        curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(f->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(f->curl, CURLOPT_HEADERDATA, f);
    curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(f->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(f->curl, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(f->curl, CURLOPT_NOPROGRESS, 0L);
}

enum fetch_result fetch_run(struct fetch *f, const struct fetch_req *req,
                            const struct fetch_sink *sink, struct fetch_err *err)
{
    struct curl_slist *headers = NULL, *h;
    char range[64], ifrange[FETCH_VALIDATOR_MAX + 16];
    CURLcode rc;

    err->cls = RETRY_TRANSIENT;
    err->is_stall = false;
    err->text[0] = '\0';
    memset(&f->info, 0, sizeof(f->info));
    f->errbuf[0] = '\0';
    f->has_head = false;
    f->is_in_head = false;
    f->is_aborted = false;
    f->has_fail = false;
    f->sink = sink;
    curl_easy_reset(f->curl); /* keeps the connection cache */
    set_common(f);
    curl_easy_setopt(f->curl, CURLOPT_URL, req->url);
    if (req->stall_secs > 0) {
        curl_easy_setopt(f->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(f->curl, CURLOPT_LOW_SPEED_TIME, (long)req->stall_secs);
    }
    if (req->has_range) {
        if (req->last == UINT64_MAX)
            snprintf(range, sizeof(range), "%" PRIu64 "-", req->first);
        else
            snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64, req->first, req->last);
        curl_easy_setopt(f->curl, CURLOPT_RANGE, range);
    }
    /* The file's bytes as they are: a compressed body would be saved compressed. */
    headers = curl_slist_append(NULL, "Accept-Encoding: identity");
    if (headers != NULL && req->if_range != NULL && req->if_range[0] != '\0') {
        snprintf(ifrange, sizeof(ifrange), "If-Range: %s", req->if_range);
        h = curl_slist_append(headers, ifrange);
        if (h == NULL) {
            curl_slist_free_all(headers);
            headers = NULL;
        }
    }
    if (headers == NULL) {
        err->cls = RETRY_PERMANENT;
        snprintf(err->text, sizeof(err->text), "out of memory");
        return FETCH_FAILED;
    }
    curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, headers);
    clock_gettime(CLOCK_MONOTONIC, &f->started);
    rc = curl_easy_perform(f->curl);
    curl_slist_free_all(headers);
    if (f->has_fail) {
        err->cls = f->fail_cls;
        snprintf(err->text, sizeof(err->text), "%s", f->fail_text);
        return FETCH_FAILED;
    }
    if (f->is_aborted)
        return FETCH_ABORTED;
    if (rc != CURLE_OK) {
        describe(f, rc, req, err);
        return FETCH_FAILED;
    }
    if (!f->has_head) {
        err->cls = RETRY_PERMANENT;
        snprintf(err->text, sizeof(err->text), "no usable response (too many redirects?)");
        return FETCH_FAILED;
    }
    return FETCH_OK;
}

/* fetch_get()'s sink: collect up to a maximum. */
struct membuf {
    struct dynbuf buf;
    long status;
    bool is_too_big;
};

static bool mem_head(void *arg, const struct fetch_info *info)
{
    struct membuf *m = arg;

    m->status = info->status;
    return true;
}

static size_t mem_data(void *arg, const char *p, size_t n)
{
    struct membuf *m = arg;
    int err = dynbuf_add(&m->buf, p, n);

    if (err == -E2BIG)
        m->is_too_big = true;
    return err == 0 ? n : 0;
}

int fetch_get(struct fetch *f, const char *url, size_t max, char **body, size_t *len, long *status,
              struct fetch_err *err)
{
    struct membuf m;
    struct fetch_sink sink = {mem_head, mem_data, NULL, &m};
    struct fetch_req req;
    enum fetch_result r;

    memset(&m, 0, sizeof(m));
    dynbuf_init(&m.buf, max);
    memset(&req, 0, sizeof(req));
    req.url = url;
    req.stall_secs = 30;
    *body = NULL;
    *len = 0;
    *status = 0;
    r = fetch_run(f, &req, &sink, err);
    if (r != FETCH_OK) {
        if (m.is_too_big || r == FETCH_ABORTED)
            err->cls = RETRY_PERMANENT;
        if (m.is_too_big)
            snprintf(err->text, sizeof(err->text), "the response is larger than %zu bytes", max);
        else if (r == FETCH_ABORTED)
            snprintf(err->text, sizeof(err->text), "out of memory");
        dynbuf_free(&m.buf);
        return -EIO;
    }
    *body = dynbuf_take(&m.buf, len);
    if (*body == NULL) {
        err->cls = RETRY_PERMANENT;
        snprintf(err->text, sizeof(err->text), "out of memory");
        return -EIO;
    }
    *status = m.status;
    return 0;
}
