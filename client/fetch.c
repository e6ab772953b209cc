/*
 * client/fetch.c - libcurl behind a small interface: one easy handle per
 * struct fetch, options set for each request, headers parsed by
 * resphead.c, body bytes handed to the caller's sink.
 */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "resphead.h"
#include "version.h"

#define FETCH_BUFFER (512 * 1024) /* libcurl's largest receive buffer */

struct fetch {
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
    struct fetch_info info;
    bool has_head;   /* on_head was called for the final response */
    bool is_aborted; /* a callback asked to stop */
    const struct fetch_sink *sink;
};

int fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void fetch_global_cleanup(void)
{
    curl_global_cleanup();
}

struct fetch *fetch_new(void)
{
    struct fetch *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
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

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    size_t len = size * n;

    switch (resphead_parse_line(&f->info, p, len)) {
    case RESPHEAD_STATUS:
        f->has_head = false;
        break;
    case RESPHEAD_END:
        /* 1xx heads and redirects that libcurl follows are not the answer. */
        if (f->info.status < 200 || resphead_is_redirect(f->info.status))
            break;
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

/* Plain words for what went wrong, without libcurl's jargon where it has some. */
static void describe(struct fetch *f, CURLcode rc, const struct fetch_req *req, char *err)
{
    const char *text = f->errbuf[0] != '\0' ? f->errbuf : curl_easy_strerror(rc);

    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        snprintf(err, FETCH_ERR_MAX, "cannot connect (%.200s)", text);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        if (req->stall_secs > 0 && f->has_head)
            snprintf(err, FETCH_ERR_MAX, "stalled: no data for %u s", req->stall_secs);
        else
            snprintf(err, FETCH_ERR_MAX, "timed out (%.200s)", text);
        break;
    case CURLE_PARTIAL_FILE:
        snprintf(err, FETCH_ERR_MAX, "the connection closed before the end of the data");
        break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        snprintf(err, FETCH_ERR_MAX, "connection lost (%.200s)", text);
        break;
    default:
        snprintf(err, FETCH_ERR_MAX, "%s", text);
        break;
    }
}

enum fetch_result fetch_run(struct fetch *f, const struct fetch_req *req,
                            const struct fetch_sink *sink, char *err)
{
    struct curl_slist *headers = NULL;
    char range[64], ifrange[FETCH_VALIDATOR_MAX + 16];
    CURLcode rc;

    err[0] = '\0';
    memset(&f->info, 0, sizeof(f->info));
    f->errbuf[0] = '\0';
    f->has_head = false;
    f->is_aborted = false;
    f->sink = sink;
    curl_easy_reset(f->curl); /* keeps the connection cache */
    curl_easy_setopt(f->curl, CURLOPT_URL, req->url);
    curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f->curl, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(f->curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "pdm-client/" PDM_VERSION);
    curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(f->curl, CURLOPT_BUFFERSIZE, (long)FETCH_BUFFER);
    curl_easy_setopt(f->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(f->curl, CURLOPT_HEADERDATA, f);
    curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(f->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(f->curl, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(f->curl, CURLOPT_NOPROGRESS, 0L);
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
    if (req->if_range != NULL && req->if_range[0] != '\0') {
        snprintf(ifrange, sizeof(ifrange), "If-Range: %s", req->if_range);
        headers = curl_slist_append(headers, ifrange);
        if (headers == NULL) {
            snprintf(err, FETCH_ERR_MAX, "out of memory");
            return FETCH_FAILED;
        }
        curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, headers);
    }
    rc = curl_easy_perform(f->curl);
    curl_slist_free_all(headers);
    if (f->is_aborted)
        return FETCH_ABORTED;
    if (rc != CURLE_OK) {
        describe(f, rc, req, err);
        return FETCH_FAILED;
    }
    if (!f->has_head) {
        snprintf(err, FETCH_ERR_MAX, "no usable response (too many redirects?)");
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
              char *err)
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
        if (m.is_too_big)
            snprintf(err, FETCH_ERR_MAX, "the response is larger than %zu bytes", max);
        else if (r == FETCH_ABORTED)
            snprintf(err, FETCH_ERR_MAX, "out of memory");
        dynbuf_free(&m.buf);
        return -EIO;
    }
    *body = dynbuf_take(&m.buf, len);
    if (*body == NULL) {
        snprintf(err, FETCH_ERR_MAX, "out of memory");
        return -EIO;
    }
    *status = m.status;
    return 0;
}
