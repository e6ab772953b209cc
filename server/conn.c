/*
 * server/conn.c - the life of one connection, on its worker's thread.
 *
 * READING: bytes accumulate in c->in until http_parse_request() sees a
 * whole head (or an error). The request is answered at once: resource.c
 * opens what it names, respond.c describes the response, and the head is
 * compacted out of the buffer (pipelined bytes stay).
 * BODY: a request with a body (Content-Length up to CONN_DISCARD_MAX, or
 * chunked) has it read and dropped before its response goes out, so that
 * a malformed chunked body still gets its 400 and the next pipelined
 * request starts where the body ended. The body must keep coming: it has
 * --body-timeout seconds, plus one for every --body-min-rate bytes
 * received, or the answer is 408. A body we will not wait for (larger,
 * or behind Expect: 100-continue) is not read: the response closes the
 * connection instead.
 * SENDING: conn_send.c sends the response (memory with send(), files
 * through filesend.c, which checks the file's identity while it sends).
 * Then either back to READING (keep-alive) or LINGERING: shut our side,
 * drain what the client still sends for a moment, close. Lingering keeps
 * a client's unread pipelined bytes from turning our close into a reset
 * that would destroy the response it has not read yet.
 *
 * Every exit path goes through conn_free(), which writes the access log
 * line of a response cut short, releases the file and the snapshot, and
 * unlinks the connection from its worker.
 */
#include "conn.h"
#include "conn_send.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "meta4.h"
#include "ratelimit.h"
#include "resource.h"
#include "upload_conn.h"
#include "worker.h"

#define CONN_MAX_BURST    8          /* pipelined requests per round */
#define CONN_DISCARD_MAX  (1u << 20) /* request bodies we read and drop to keep the connection */
#define CONN_LINGER_NS    (2ull * 1000000000u)
#define CONN_LINGER_BYTES (256u << 10)

static void drive(struct conn *c, uint64_t now);

static void conn_log(struct conn *c, uint64_t now)
{
    char line[LOG_LINE_MAX];

    c->x->log.duration_ns = now - c->x->start_ns;
    accesslog_format(&c->x->log, c->peer, line, sizeof(line));
    log_out("%s", line);
}

/*
 * Begin an exchange: a request (or what stands for one: a parse error, a
 * timeout) is about to be answered. Returns false when out of memory.
 */
static bool exchange_begin(struct conn *c, uint64_t now)
{
    struct timespec wall;

    if (c->x == NULL) {
        c->x = malloc(sizeof(*c->x));
        if (c->x == NULL)
            return false;
        c->x->file = NULL;
        c->x->doc = NULL;
        c->x->file_fd = -1;
        c->x->snap = NULL;
        c->x->fs.tail = NULL;
        c->x->has_body = false;
        c->x->up = NULL;
        c->x->interim_len = 0;
    }
    c->x->start_ns = now;
    clock_gettime(CLOCK_REALTIME, &wall);
    accesslog_begin(&c->x->log, wall);
    return true;
}

/* Release what the response refers to: its file and its snapshot. */
static void exchange_release(struct conn_exchange *x)
{
    upx_release(x->up); /* an unfinished upload leaves nothing behind */
    x->up = NULL;
    filesend_cleanup(&x->fs);
    fcache_release(x->file);
    x->file = NULL;
    free(x->doc);
    x->doc = NULL;
    x->file_fd = -1;
    snapshot_unref(x->snap);
    x->snap = NULL;
}

/* End the exchange: the response is sent, or will never be. */
static void exchange_end(struct conn *c)
{
    if (c->x == NULL)
        return;
    exchange_release(c->x);
    free(c->x);
    c->x = NULL;
}

/* Drop the first N bytes of the input. */
static void input_consume(struct conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

/* Drop the input buffer while it holds nothing: an idle connection keeps no memory. */
static void input_release(struct conn *c)
{
    if (c->in_len > 0)
        return;
    free(c->in);
    c->in = NULL;
    c->in_cap = 0;
}

static void conn_free(struct conn *c, uint64_t now)
{
    if (c->state == CONN_SENDING ||
        (c->x != NULL && c->x->up != NULL && c->state != CONN_READING)) {
        /* cut short (a response, or an upload): still worth a log line */
        c->x->log.is_aborted = true;
        conn_log(c, now);
    }
    exchange_end(c);
    worker_forget(c->w, c);
    close(c->fd);
    free(c->in);
    free(c);
}

void conn_close(struct conn *c, uint64_t now)
{
    conn_free(c, now);
}

/* Wait for the next request: idle timer between requests, header timer within one. */
static enum conn_step wait_for_request(struct conn *c, uint64_t now)
{
    const struct server_ctx *ctx = c->w->ctx;

    if (worker_watch(c->w, c, EPOLLIN) != 0) {
        conn_free(c, now);
        return CONN_STEP_GONE;
    }
    if (!c->has_partial && c->nrequests > 0) {
        input_release(c);
        c->timer_kind = CONN_TIMER_IDLE;
        worker_set_timer(c->w, c, now + ctx->idle_timeout_ns);
    } else if (c->timer_kind != CONN_TIMER_HEADER || !timer_node_is_armed(&c->timer)) {
        /* The header deadline is set once per request and never pushed back,
         * so trickling bytes cannot hold the connection. */
        c->timer_kind = CONN_TIMER_HEADER;
        worker_set_timer(c->w, c, now + ctx->header_timeout_ns);
    }
    return CONN_STEP_WAIT;
}

struct resp_ctx conn_response_ctx(const struct conn *c, unsigned version_minor, bool is_keep_alive,
                                  bool is_head)
{
    struct resp_ctx r;

    r.now = time(NULL);
    r.version_minor = version_minor;
    r.is_keep_alive = is_keep_alive && !c->w->is_stopping;
    r.is_head = is_head;
    return r;
}

/* Answer a request whose head could not be parsed, then close. */
static void answer_parse_error(struct conn *c, enum http_parse_result pr,
                               const struct http_request *req, uint64_t now)
{
    struct resp_ctx rc = conn_response_ctx(c, 1, false, false);

    respond_error(http_parse_status(pr), req->error, NULL, &rc, &c->x->resp);
    c->in_len = 0; /* the rest of the input cannot be trusted */
    conn_start_response(c, now);
}

/*
 * Decide about REQ's body: read (and drop) it before the response, or
 * leave it unread and close the connection after the response. Returns
 * whether the connection may stay open.
 */
static bool body_plan(struct conn *c, const struct http_request *req)
{
    struct conn_exchange *x = c->x;
    static const struct chunked_limits lim = {CONN_DISCARD_MAX, CHUNKED_DEFAULT_MAX_EXT,
                                              CHUNKED_DEFAULT_MAX_TRAILER};

    x->is_head = req->method == HTTP_METHOD_HEAD;
    x->has_body = false;
    if (!req->is_chunked && (!req->has_content_length || req->content_length == 0))
        return true;
    /* With Expect: 100-continue the body may never come: do not wait for it. */
    if (req->expects_continue || (!req->is_chunked && req->content_length > CONN_DISCARD_MAX))
        return false;
    x->has_body = true;
    x->is_chunked = req->is_chunked;
    x->body_left = req->content_length;
    x->body_bytes = 0;
    if (x->is_chunked)
        chunked_init(&x->dec, &lim, NULL, 0); /* trailers are checked and dropped */
    return true;
}

/* What self_url() looks at. */
struct self_arg {
    const struct conn *c;
    const struct http_request *req;
};

/*
 * This server's base URL as the client reached it, for a Metalink's first
 * <url>: --public-url, else meta4_self_url() of the request's Host and
 * the address the connection came in on. Into BUF (CAP bytes).
 */
static const char *self_url(void *arg, char *buf, size_t cap)
{
    const struct conn *c = ((struct self_arg *)arg)->c;
    const struct http_request *req = ((struct self_arg *)arg)->req;
    const struct strview *host = http_request_header(req, "host");
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[LISTEN_ADDR_MAX];

    if (c->w->ctx->opts->public_url != NULL)
        return c->w->ctx->opts->public_url;
    if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) != 0)
        return NULL;
    listen_format_addr((struct sockaddr *)&ss, sl, addr);
    return meta4_self_url(host != NULL ? *host : strview_make(NULL, 0), addr, buf, cap) > 0 ? buf
                                                                                            : NULL;
}

static void answer_request(struct conn *c, const struct http_request *req)
{
    struct self_arg self = {c, req};
    const struct strview *accept;
    struct resource_query q;
    const struct server_ctx *ctx = c->w->ctx;
    bool is_head = req->method == HTTP_METHOD_HEAD;
    bool is_keep_alive = body_plan(c, req) && req->is_keep_alive;
    struct resp_ctx rc = conn_response_ctx(c, req->version_minor, is_keep_alive, is_head);
    struct resource res;
    const char *detail = NULL;
    int status;

    accesslog_set_request(&c->x->log, req);
    if (upx_wants(ctx, req)) {
        upx_answer(c, req, is_keep_alive);
        return;
    }
    switch (req->method) {
    case HTTP_METHOD_GET:
    case HTTP_METHOD_HEAD:
        break;
    case HTTP_METHOD_OTHER:
        respond_error(501, "this server knows GET and HEAD", NULL, &rc, &c->x->resp);
        return;
    default:
        respond_error(405,
                      req->method == HTTP_METHOD_PUT || req->method == HTTP_METHOD_DELETE
                          ? "uploads and deletes are not supported by this server"
                          : "this server serves GET and HEAD",
                      "Allow: GET, HEAD\r\n", &rc, &c->x->resp);
        return;
    }
    c->x->snap = worker_snapshot(c->w);
    q.target = req->target;
    accept = http_request_header(req, "accept");
    q.accept = accept != NULL ? *accept : strview_make(NULL, 0);
    q.self_url = self_url; /* asked only when a Metalink is served */
    q.self_arg = &self;
    q.now = c->x->start_ns;
    q.now_real = c->x->log.start;
    status = resource_open(ctx, &c->w->files, c->x->snap, &q, &res, &detail);
    c->x->doc = res.doc;
    if (status != 0) {
        respond_error(status, detail, NULL, &rc, &c->x->resp);
        return;
    }
    c->x->file = res.entry;
    c->x->file_fd = res.fd;
    c->x->file_id = res.id;
    respond_repr(req, &res.rep, &rc, &c->x->resp);
}

void conn_body_error(struct conn *c, int status, const char *detail, const char *extra,
                     uint64_t now)
{
    struct resp_ctx rc = conn_response_ctx(c, 1, false, c->x->is_head);

    exchange_release(c->x);
    respond_error(status, detail, extra, &rc, &c->x->resp);
    c->in_len = 0; /* where the body ends is unknown: nothing after it can be trusted */
    conn_start_response(c, now);
}

/*
 * The body could not be read (STATUS: 400 malformed, 413 too large, 408
 * too slow): answer that instead of the response prepared, and close.
 */
static void answer_body_error(struct conn *c, int status, const char *detail, uint64_t now)
{
    if (c->x->up != NULL)
        upx_body_error(c, status, detail, now);
    else
        conn_body_error(c, status, detail, NULL, now);
}

void conn_send_response(struct conn *c, uint64_t now)
{
    conn_start_response(c, now);
}

void conn_wait_job(struct conn *c)
{
    c->state = CONN_JOB;
    timerheap_remove(&c->w->timers, &c->timer);
    /* Nothing to read or write until the job is back. Should the change
     * fail, the next event is ignored in CONN_JOB anyway. */
    (void)worker_watch(c->w, c, 0);
}

void conn_job_done(struct conn *c, uint64_t now)
{
    conn_start_response(c, now);
    drive(c, now);
}

/* Wait for more of the body, within its deadline (never pushed back by a trickle). */
static enum conn_step wait_for_body(struct conn *c, uint64_t now)
{
    const struct server_ctx *ctx = c->w->ctx;

    if (worker_watch(c->w, c, EPOLLIN) != 0) {
        conn_free(c, now);
        return CONN_STEP_GONE;
    }
    c->timer_kind = CONN_TIMER_BODY;
    if (c->x->up != NULL) /* an upload: a pace to keep, however long it takes */
        worker_set_timer(c->w, c,
                         ratelimit_window_deadline(&c->x->pace_ns, &c->x->pace_bytes, now,
                                                   c->x->body_bytes, ctx->body_timeout_ns,
                                                   ctx->opts->body_min_rate));
    else
        worker_set_timer(c->w, c,
                         ratelimit_min_deadline(c->x->start_ns, ctx->body_timeout_ns,
                                                c->x->body_bytes, ctx->opts->body_min_rate));
    return CONN_STEP_WAIT;
}

/* Take the body's bytes from the input and drop them; start the response once it ends. */
static enum conn_step read_body(struct conn *c, uint64_t now)
{
    struct conn_exchange *x = c->x;
    enum chunked_result r = CHUNKED_NEED_MORE;
    const char *why = NULL;
    size_t used = 0;
    int status = 0;
    bool is_done;

    if (!x->is_chunked) {
        used = x->body_left < c->in_len ? (size_t)x->body_left : c->in_len;
        x->body_left -= used;
        is_done = x->body_left == 0;
        if (x->up != NULL && used > 0)
            status = upx_feed(c, c->in, used, &why);
    } else {
        /* The decoded data of a GET or HEAD body means nothing here: drop
         * it; an upload's goes to its file. */
        while (used < c->in_len && status == 0) {
            struct strview data;
            size_t n;

            r = chunked_feed(&x->dec, c->in + used, c->in_len - used, &n, &data);
            used += n;
            if (r == CHUNKED_DATA && x->up != NULL)
                status = upx_feed(c, data.p, data.len, &why);
            if (r != CHUNKED_DATA && r != CHUNKED_NEED_MORE)
                break;
        }
        is_done = r == CHUNKED_DONE;
    }
    x->body_bytes += used;
    input_consume(c, used);
    if (status != 0) {
        answer_body_error(c, status, why, now);
        return CONN_STEP_AGAIN;
    }
    if (r == CHUNKED_BAD || r == CHUNKED_TOO_LARGE) {
        answer_body_error(c, r == CHUNKED_BAD ? 400 : upx_too_large_status(x->up), x->dec.error,
                          now);
        return CONN_STEP_AGAIN;
    }
    if (!is_done)
        return wait_for_body(c, now);
    if (x->up != NULL) {
        upx_body_done(c, now);
        return CONN_STEP_AGAIN;
    }
    conn_start_response(c, now);
    return CONN_STEP_AGAIN;
}

/* Send the interim responses, then go on to the body. */
static enum conn_step send_interim(struct conn *c, uint64_t now)
{
    struct conn_exchange *x = c->x;

    while (x->interim_sent < x->interim_len) {
        ssize_t n = send(c->fd, x->interim + x->interim_sent, x->interim_len - x->interim_sent,
                         MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return conn_wait_writable(c, now);
        if (n < 0) {
            conn_free(c, now);
            return CONN_STEP_GONE;
        }
        x->interim_sent += (size_t)n;
    }
    x->interim_len = 0;
    timerheap_remove(&c->w->timers, &c->timer);
    if (x->has_body) {
        c->state = CONN_BODY;
        x->pace_ns = now; /* the body's pace counts from here */
        x->pace_bytes = 0;
        return CONN_STEP_AGAIN;
    }
    c->state = CONN_READING; /* not waiting for a head: upx_body_done() moves on */
    upx_body_done(c, now);
    return CONN_STEP_AGAIN;
}

/* Try to take one request from the buffer and start its response. */
static enum conn_step next_request(struct conn *c, uint64_t now)
{
    struct http_request req;
    enum http_parse_result pr;

    if (c->in_len == 0)
        return wait_for_request(c, now);
    c->has_partial = true;
    pr = http_parse_request(c->in, c->in_len, &c->in_scanned, &req);
    if (pr == HTTP_PARSE_INCOMPLETE)
        return wait_for_request(c, now);
    if (!exchange_begin(c, now)) {
        conn_free(c, now);
        return CONN_STEP_GONE;
    }
    if (pr != HTTP_PARSE_OK) {
        answer_parse_error(c, pr, &req, now);
        return CONN_STEP_AGAIN;
    }
    answer_request(c, &req);
    /* The head is answered: drop it, keep the body and pipelined bytes. */
    input_consume(c, req.head_len);
    c->in_scanned = 0;
    c->has_partial = false;
    c->x->pace_ns = now;
    c->x->pace_bytes = 0;
    if (c->x->interim_len > 0) {
        c->x->interim_sent = 0;
        c->state = CONN_INTERIM;
        return CONN_STEP_AGAIN;
    }
    if (c->x->has_body) {
        c->state = CONN_BODY;
        return CONN_STEP_AGAIN;
    }
    if (c->x->up != NULL) {
        upx_body_done(c, now);
        return CONN_STEP_AGAIN;
    }
    conn_start_response(c, now);
    return CONN_STEP_AGAIN;
}

static enum conn_step read_input(struct conn *c, uint64_t now)
{
    bool is_upload = c->state == CONN_BODY && c->x != NULL && c->x->up != NULL;
    size_t most = is_upload ? CONN_UPLOAD_IN_CAP : CONN_IN_CAP;
    ssize_t n;

    /* A head grows the buffer only as it needs; an upload's body takes it
     * to its full size at once, so each recv() brings up to 256 KiB. */
    if (c->in_cap < most && (c->in_len == c->in_cap || is_upload)) {
        size_t cap = c->in_cap == 0 ? CONN_IN_MIN : is_upload ? CONN_UPLOAD_IN_CAP : CONN_IN_CAP;
        char *in = realloc(c->in, cap);

        if (in == NULL) {
            conn_free(c, now);
            return CONN_STEP_GONE;
        }
        c->in = in;
        c->in_cap = cap;
    }
    if (c->in_len == c->in_cap) /* full, and the parser wants more: cannot happen */
        return CONN_STEP_AGAIN;
    n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return CONN_STEP_WAIT;
    if (n <= 0) { /* the client closed, or the connection broke */
        conn_free(c, now);
        return CONN_STEP_GONE;
    }
    c->in_len += (size_t)n;
    return CONN_STEP_AGAIN;
}

/* Enter LINGERING: no more output; read and drop input until EOF or the deadline. */
static enum conn_step linger(struct conn *c, uint64_t now)
{
    exchange_end(c);
    c->state = CONN_LINGERING;
    c->in_len = 0;
    input_release(c);
    if (shutdown(c->fd, SHUT_WR) != 0 || worker_watch(c->w, c, EPOLLIN) != 0) {
        conn_free(c, now);
        return CONN_STEP_GONE;
    }
    c->linger_left = CONN_LINGER_BYTES;
    c->timer_kind = CONN_TIMER_LINGER;
    worker_set_timer(c->w, c, now + CONN_LINGER_NS);
    return CONN_STEP_WAIT;
}

static enum conn_step drain_linger(struct conn *c, uint64_t now)
{
    char buf[4096];

    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return CONN_STEP_WAIT;
        if (n <= 0 || (uint64_t)n >= c->linger_left) {
            conn_free(c, now);
            return CONN_STEP_GONE;
        }
        c->linger_left -= (uint64_t)n;
    }
}

static enum conn_step finish_response(struct conn *c, uint64_t now)
{
    bool is_close = c->x->resp.is_close;

    conn_log(c, now);
    exchange_end(c);
    c->nrequests++;
    c->state = CONN_READING;
    if (is_close)
        return linger(c, now);
    if (c->in_len > 0)
        c->has_partial = true;
    timerheap_remove(&c->w->timers, &c->timer);
    return CONN_STEP_AGAIN;
}

/* Run the state machine until it has to wait. */
static void drive(struct conn *c, uint64_t now)
{
    for (int i = 0; i < CONN_MAX_BURST * 2; i++) {
        enum conn_step s;

        switch (c->state) {
        case CONN_READING:
            s = next_request(c, now);
            break;
        case CONN_INTERIM:
            s = send_interim(c, now);
            break;
        case CONN_BODY:
            s = read_body(c, now);
            break;
        case CONN_JOB:
            return; /* conn_job_done() goes on */
        case CONN_SENDING:
            s = conn_send_output(c, now);
            if (s == CONN_STEP_SENT)
                s = finish_response(c, now);
            break;
        case CONN_LINGERING:
        default:
            return;
        }
        if (s != CONN_STEP_AGAIN)
            return;
    }
    worker_mark_ready(c->w, c); /* a long pipeline: continue next round */
}

struct conn *conn_new(struct worker *w, const struct worker_handoff *h, uint64_t now)
{
    struct conn *c = calloc(1, sizeof(*c));
    int fd = h->fd;
    struct epoll_event ev;
    int one = 1;

    if (c == NULL) {
        close(fd);
        return NULL;
    }
    c->w = w;
    c->fd = fd;
    c->state = CONN_READING;
    timer_node_init(&c->timer);
    c->ipkey = h->ipkey;
    listen_format_addr((const struct sockaddr *)&h->addr, h->addrlen, c->peer);
    /* Small responses (HEAD, errors) must not wait for Nagle. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        log_warn("worker %u: cannot watch a connection from %s", w->id, c->peer);
        close(fd);
        free(c);
        return NULL;
    }
    c->events = EPOLLIN;
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    c->timer_kind = CONN_TIMER_HEADER;
    worker_set_timer(w, c, now + w->ctx->header_timeout_ns);
    return c;
}

void conn_on_event(struct conn *c, uint32_t events, uint64_t now)
{
    switch (c->state) {
    case CONN_READING:
    case CONN_BODY:
        if (read_input(c, now) == CONN_STEP_AGAIN)
            drive(c, now);
        break;
    case CONN_INTERIM:
    case CONN_SENDING:
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            drive(c, now);
        else if (worker_watch(c->w, c, 0) != 0)
            /* The next request's bytes, early: read them once this response
             * is out, and do not let a level-triggered EPOLLIN spin the loop. */
            conn_free(c, now);
        break;
    case CONN_JOB:
        /* Reported whatever the interest: the client is gone, and the
         * job finishes without it (conn_free() lets it go). */
        if (events & (EPOLLERR | EPOLLHUP))
            conn_free(c, now);
        break;
    case CONN_LINGERING:
        drain_linger(c, now);
        break;
    }
}

void conn_on_timer(struct conn *c, uint64_t now)
{
    struct resp_ctx rc;

    switch (c->timer_kind) {
    case CONN_TIMER_HEADER:
        if (c->state != CONN_READING)
            break;
        if (c->in_len == 0 && c->nrequests == 0 && !c->has_partial) {
            conn_free(c, now); /* connected and never said a word */
            return;
        }
        if (!exchange_begin(c, now)) {
            conn_free(c, now);
            return;
        }
        rc = conn_response_ctx(c, 1, false, false);
        respond_error(408, "the request head did not arrive in time", NULL, &rc, &c->x->resp);
        c->in_len = 0;
        conn_start_response(c, now);
        drive(c, now);
        return;
    case CONN_TIMER_BODY:
        if (c->state != CONN_BODY)
            break;
        answer_body_error(c, 408, "the request body did not arrive in time", now);
        drive(c, now);
        return;
    case CONN_TIMER_IDLE:
    case CONN_TIMER_SEND:
    case CONN_TIMER_LINGER:
        conn_free(c, now);
        return;
    case CONN_TIMER_THROTTLE:
    case CONN_TIMER_DRAIN:
        if (c->state == CONN_SENDING)
            drive(c, now);
        return;
    }
}

void conn_on_ready(struct conn *c, uint64_t now)
{
    drive(c, now);
}

void conn_on_stop(struct conn *c)
{
    if (c->state == CONN_READING && c->in_len == 0 && !c->has_partial)
        conn_free(c, worker_now());
    else if (c->state == CONN_LINGERING)
        conn_free(c, worker_now());
}
