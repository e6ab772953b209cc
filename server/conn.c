/*
 * server/conn.c - the life of one connection, on its worker's thread.
 *
 * READING: bytes accumulate in c->in until http_parse_request() sees a
 * whole head (or an error). The request is answered at once: resource.c
 * opens what it names, respond.c describes the response, and the head is
 * compacted out of the buffer (pipelined bytes stay).
 * SENDING: segments go out with send() (memory) and sendfile() (files),
 * within the rate limit and a per-round budget; EAGAIN waits for EPOLLOUT.
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

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "resource.h"
#include "worker.h"

#define CONN_TURN_BYTES   (8u << 20) /* sent per connection per round */
#define CONN_MAX_BURST    8          /* pipelined requests per round */
#define CONN_DISCARD_MAX  (1u << 20) /* request bodies we skip to keep the connection */
#define CONN_LINGER_NS    (2ull * 1000000000u)
#define CONN_LINGER_BYTES (256u << 10)

enum step {
    STEP_AGAIN, /* progress made; the state machine may continue */
    STEP_WAIT,  /* wait for an event or a timer */
    STEP_GONE,  /* the connection was freed */
};

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
        c->x->file_fd = -1;
        c->x->snap = NULL;
    }
    c->x->start_ns = now;
    clock_gettime(CLOCK_REALTIME, &wall);
    accesslog_begin(&c->x->log, wall);
    return true;
}

/* Release the response in flight (its file and snapshot) and the exchange. */
static void exchange_end(struct conn *c)
{
    if (c->x == NULL)
        return;
    if (c->x->file_fd >= 0)
        close(c->x->file_fd);
    snapshot_unref(c->x->snap);
    free(c->x);
    c->x = NULL;
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
    if (c->state == CONN_SENDING) { /* cut short: still worth a log line */
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
static enum step wait_for_request(struct conn *c, uint64_t now)
{
    const struct server_ctx *ctx = c->w->ctx;

    if (worker_watch(c->w, c, EPOLLIN) != 0) {
        conn_free(c, now);
        return STEP_GONE;
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
    return STEP_WAIT;
}

/* Begin sending c->resp; the request's input is already consumed. */
static void start_response(struct conn *c, uint64_t now)
{
    struct conn_exchange *x = c->x;
    bool has_file = false;

    for (size_t i = 0; i < x->resp.nsegs; i++)
        if (x->resp.segs[i].kind == RESP_SEG_FILE)
            has_file = true;
    if (!has_file && x->file_fd >= 0) { /* HEAD, 304, 416...: no file bytes to send */
        close(x->file_fd);
        x->file_fd = -1;
    }
    c->state = CONN_SENDING;
    x->seg = 0;
    x->seg_done = 0;
    x->log.status = x->resp.status;
    x->log.bytes = 0;
    ratelimit_start(&x->rl, c->w->ctx->opts->limit_rate, now);
    timerheap_remove(&c->w->timers, &c->timer);
    /* No interest until a send would block: a level-triggered EPOLLIN from
     * pipelined bytes must not spin the loop while we are busy sending.
     * Should the change fail, the next send attempt reports the problem. */
    (void)worker_watch(c->w, c, 0);
}

static struct resp_ctx response_ctx(const struct conn *c, unsigned version_minor,
                                    bool is_keep_alive, bool is_head)
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
    struct resp_ctx rc = response_ctx(c, 1, false, false);

    respond_error(http_parse_status(pr), req->error, NULL, &rc, &c->x->resp);
    c->in_len = 0; /* the rest of the input cannot be trusted */
    start_response(c, now);
}

/* The body of this request, which we do not read: skip it or give up the connection. */
static bool body_keeps_connection(struct conn *c, const struct http_request *req)
{
    if (req->is_chunked)
        return false;
    if (!req->has_content_length || req->content_length == 0)
        return true;
    /* With Expect: 100-continue the body may never come: do not wait for it. */
    if (req->expects_continue || req->content_length > CONN_DISCARD_MAX)
        return false;
    c->discard_left = req->content_length;
    return true;
}

static void answer_request(struct conn *c, const struct http_request *req, uint64_t now)
{
    const struct server_ctx *ctx = c->w->ctx;
    bool is_head = req->method == HTTP_METHOD_HEAD;
    bool is_keep_alive = req->is_keep_alive && body_keeps_connection(c, req);
    struct resp_ctx rc = response_ctx(c, req->version_minor, is_keep_alive, is_head);
    struct resource res;
    const char *detail = NULL;
    int status;

    (void)now;
    accesslog_set_request(&c->x->log, req);
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
    c->x->snap = catalog_store_get(ctx->store);
    status = resource_open(ctx, c->x->snap, req->target, &res, &detail);
    if (status != 0) {
        respond_error(status, detail, NULL, &rc, &c->x->resp);
        return;
    }
    c->x->file_fd = res.fd;
    respond_repr(req, &res.rep, &rc, &c->x->resp);
}

/* Skip the unread body of the previous request. */
static void discard_input(struct conn *c)
{
    size_t n = c->discard_left < c->in_len ? (size_t)c->discard_left : c->in_len;

    if (n == 0)
        return;
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
    c->discard_left -= n;
}

/* Try to take one request from the buffer and start its response. */
static enum step next_request(struct conn *c, uint64_t now)
{
    struct http_request req;
    enum http_parse_result pr;

    discard_input(c);
    if (c->in_len == 0 || c->discard_left > 0)
        return wait_for_request(c, now);
    c->has_partial = true;
    pr = http_parse_request(c->in, c->in_len, &c->in_scanned, &req);
    if (pr == HTTP_PARSE_INCOMPLETE)
        return wait_for_request(c, now);
    if (!exchange_begin(c, now)) {
        conn_free(c, now);
        return STEP_GONE;
    }
    if (pr != HTTP_PARSE_OK) {
        answer_parse_error(c, pr, &req, now);
        return STEP_AGAIN;
    }
    answer_request(c, &req, now);
    /* The head is answered: drop it, keep pipelined bytes for the next round. */
    memmove(c->in, c->in + req.head_len, c->in_len - req.head_len);
    c->in_len -= req.head_len;
    c->in_scanned = 0;
    c->has_partial = false;
    start_response(c, now);
    return STEP_AGAIN;
}

static enum step read_input(struct conn *c, uint64_t now)
{
    ssize_t n;

    if (c->in_len == c->in_cap && c->in_cap < CONN_IN_CAP) {
        size_t cap = c->in_cap == 0 ? CONN_IN_MIN : CONN_IN_CAP;
        char *in = realloc(c->in, cap);

        if (in == NULL) {
            conn_free(c, now);
            return STEP_GONE;
        }
        c->in = in;
        c->in_cap = cap;
    }
    if (c->in_len == c->in_cap) /* full, and the parser wants more: cannot happen */
        return next_request(c, now);
    n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return STEP_WAIT;
    if (n <= 0) { /* the client closed, or the connection broke */
        conn_free(c, now);
        return STEP_GONE;
    }
    c->in_len += (size_t)n;
    return next_request(c, now);
}

/* Enter LINGERING: no more output; read and drop input until EOF or the deadline. */
static enum step linger(struct conn *c, uint64_t now)
{
    exchange_end(c);
    c->state = CONN_LINGERING;
    c->in_len = 0;
    input_release(c);
    if (shutdown(c->fd, SHUT_WR) != 0 || worker_watch(c->w, c, EPOLLIN) != 0) {
        conn_free(c, now);
        return STEP_GONE;
    }
    c->discard_left = CONN_LINGER_BYTES;
    c->timer_kind = CONN_TIMER_LINGER;
    worker_set_timer(c->w, c, now + CONN_LINGER_NS);
    return STEP_WAIT;
}

static enum step drain_linger(struct conn *c, uint64_t now)
{
    char buf[4096];

    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return STEP_WAIT;
        if (n <= 0 || (uint64_t)n >= c->discard_left) {
            conn_free(c, now);
            return STEP_GONE;
        }
        c->discard_left -= (uint64_t)n;
    }
}

static enum step finish_response(struct conn *c, uint64_t now)
{
    bool is_close = c->x->resp.is_close;

    conn_log(c, now);
    exchange_end(c);
    c->nrequests++;
    c->state = CONN_READING;
    if (is_close)
        return linger(c, now);
    if (c->in_len > 0 && c->discard_left == 0)
        c->has_partial = true;
    timerheap_remove(&c->w->timers, &c->timer);
    return STEP_AGAIN;
}

/* The client stopped reading, or there is budget left only later. */
static enum step wait_writable(struct conn *c, uint64_t now)
{
    if (worker_watch(c->w, c, EPOLLOUT) != 0) {
        conn_free(c, now);
        return STEP_GONE;
    }
    if (c->timer_kind != CONN_TIMER_SEND || !timer_node_is_armed(&c->timer)) {
        c->timer_kind = CONN_TIMER_SEND;
        worker_set_timer(c->w, c, now + c->w->ctx->send_timeout_ns);
    }
    return STEP_WAIT;
}

static enum step send_output(struct conn *c, uint64_t now)
{
    struct conn_exchange *x = c->x;
    uint64_t budget = CONN_TURN_BYTES;

    while (x->seg < x->resp.nsegs) {
        const struct resp_seg *s = &x->resp.segs[x->seg];
        uint64_t left = s->len - x->seg_done;
        uint64_t allow = ratelimit_allowance(&x->rl, now);
        uint64_t want = left;
        ssize_t n;

        if (left == 0) {
            x->seg++;
            x->seg_done = 0;
            continue;
        }
        if (allow == 0) {
            if (worker_watch(c->w, c, 0) != 0) {
                conn_free(c, now);
                return STEP_GONE;
            }
            c->timer_kind = CONN_TIMER_THROTTLE;
            worker_set_timer(c->w, c, now + ratelimit_wait_ns(&x->rl, now));
            return STEP_WAIT;
        }
        if (want > allow)
            want = allow;
        if (want > budget)
            want = budget;
        if (s->kind == RESP_SEG_MEM) {
            int flags = MSG_NOSIGNAL | (x->seg + 1 < x->resp.nsegs ? MSG_MORE : 0);

            n = send(c->fd, s->mem + s->off + x->seg_done, (size_t)want, flags);
        } else {
            off_t off = (off_t)(s->off + x->seg_done);

            n = sendfile(c->fd, x->file_fd, &off, (size_t)want);
            if (n == 0) { /* the file shrank under us: the promised length cannot be kept */
                log_warnx("%s: %s shrank while being sent; connection closed", c->peer,
                          x->log.target);
                conn_free(c, now);
                return STEP_GONE;
            }
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return wait_writable(c, now);
        if (n < 0) { /* EPIPE, ECONNRESET: the client left, which is normal */
            conn_free(c, now);
            return STEP_GONE;
        }
        x->seg_done += (uint64_t)n;
        if (x->seg > 0)
            x->log.bytes += (uint64_t)n;
        ratelimit_consume(&x->rl, (uint64_t)n);
        budget -= (uint64_t)n;
        timerheap_remove(&c->w->timers, &c->timer);
        if (budget == 0) { /* let the other connections have a turn */
            worker_mark_ready(c->w, c);
            return STEP_WAIT;
        }
    }
    return finish_response(c, now);
}

/* Run the state machine until it has to wait. */
static void drive(struct conn *c, uint64_t now)
{
    for (int i = 0; i < CONN_MAX_BURST * 2; i++) {
        enum step s;

        switch (c->state) {
        case CONN_READING:
            s = next_request(c, now);
            break;
        case CONN_SENDING:
            s = send_output(c, now);
            break;
        case CONN_LINGERING:
        default:
            return;
        }
        if (s != STEP_AGAIN)
            return;
    }
    worker_mark_ready(c->w, c); /* a long pipeline: continue next round */
}

struct conn *conn_new(struct worker *w, int fd, const struct sockaddr *addr, socklen_t len,
                      uint64_t now)
{
    struct conn *c = calloc(1, sizeof(*c));
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
    listen_format_addr(addr, len, c->peer);
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
        if (read_input(c, now) == STEP_AGAIN)
            drive(c, now);
        break;
    case CONN_SENDING:
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            drive(c, now);
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
        rc = response_ctx(c, 1, false, false);
        respond_error(408, "the request head did not arrive in time", NULL, &rc, &c->x->resp);
        c->in_len = 0;
        start_response(c, now);
        drive(c, now);
        return;
    case CONN_TIMER_IDLE:
    case CONN_TIMER_SEND:
    case CONN_TIMER_LINGER:
        conn_free(c, now);
        return;
    case CONN_TIMER_THROTTLE:
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
