/*
 * server/conn_send.c - a connection's response on the wire.
 *
 * Segments go out with send() (memory) and, through filesend.c,
 * sendfile() (files), within the rate limit and a per-round budget;
 * EAGAIN waits for EPOLLOUT. filesend checks the file's identity after
 * every sendfile and holds back the response's last file bytes until the
 * socket has drained (polled on a short timer) and a last check passed:
 * a file rewritten while it is sent ends the connection short, so a
 * response never completes with bytes of two versions. What follows a
 * sent response (the next request, or lingering) is conn.c's business.
 */
#include "conn_send.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "ratelimit.h"
#include "worker.h"

#define CONN_TURN_BYTES     (8u << 20)  /* sent per connection per round */
#define CONN_DRAIN_FIRST_NS (1000000u)  /* the first look at a draining socket: 1 ms */
#define CONN_DRAIN_MAX_NS   (16000000u) /* the wait doubles up to 16 ms */
#define CONN_IOV_MAX        8           /* segments gathered into one sendmsg() */

void conn_start_response(struct conn *c, uint64_t now)
{
    struct conn_exchange *x = c->x;
    bool has_file = false;

    x->last_file_seg = SIZE_MAX; /* none */
    for (size_t i = 0; i < x->resp.nsegs; i++) {
        if (x->resp.segs[i].kind == RESP_SEG_FILE) {
            has_file = true;
            x->last_file_seg = i;
        }
    }
    if (has_file)
        filesend_init(&x->fs, x->file_fd, &x->file_id);
    x->drain_wait_ns = 0;
    c->state = CONN_SENDING;
    x->seg = 0;
    x->seg_done = 0;
    x->log.status = x->resp.status;
    x->log.bytes = 0;
    ratelimit_start(&x->rl, c->w->ctx->opts->limit_rate, now);
    timerheap_remove(&c->w->timers, &c->timer);
    /* The interest stays what it is (EPOLLIN, usually): most responses go
     * out at once, and the connection is back to reading without two
     * epoll_ctl() calls. Should the client's next bytes arrive while this
     * one is still being sent, conn_on_event() drops the interest then. */
}

enum conn_step conn_wait_writable(struct conn *c, uint64_t now)
{
    if (worker_watch(c->w, c, EPOLLOUT) != 0) {
        conn_close(c, now);
        return CONN_STEP_GONE;
    }
    if (c->timer_kind != CONN_TIMER_SEND || !timer_node_is_armed(&c->timer)) {
        c->timer_kind = CONN_TIMER_SEND;
        worker_set_timer(c->w, c, now + c->w->ctx->send_timeout_ns);
    }
    return CONN_STEP_WAIT;
}

/*
 * The tail of a file waits for the socket to send what sendfile queued:
 * look again shortly, more slowly each time; a client that reads nothing
 * for --send-timeout is dropped as when a send blocks.
 */
static enum conn_step wait_drain(struct conn *c, uint64_t now)
{
    struct conn_exchange *x = c->x;

    if (worker_watch(c->w, c, 0) != 0) {
        conn_close(c, now);
        return CONN_STEP_GONE;
    }
    if (x->drain_wait_ns == 0 || x->fs.outq < x->drain_outq)
        x->drain_progress_ns = now;
    else if (now - x->drain_progress_ns > c->w->ctx->send_timeout_ns) {
        conn_close(c, now);
        return CONN_STEP_GONE;
    }
    x->drain_outq = x->fs.outq;
    x->drain_wait_ns = x->drain_wait_ns == 0 ? CONN_DRAIN_FIRST_NS : x->drain_wait_ns * 2;
    if (x->drain_wait_ns > CONN_DRAIN_MAX_NS)
        x->drain_wait_ns = CONN_DRAIN_MAX_NS;
    c->timer_kind = CONN_TIMER_DRAIN;
    worker_set_timer(c->w, c, now + x->drain_wait_ns);
    return CONN_STEP_WAIT;
}

/*
 * Sending file bytes failed as R says (FILESEND_CHANGED or
 * FILESEND_ERROR, with ERR), after SENT more bytes: say so when it is
 * worth a line, and close.
 */
static enum conn_step file_failed(struct conn *c, enum filesend_result r, size_t sent, int err,
                                  uint64_t now)
{
    struct conn_exchange *x = c->x;

    if (r == FILESEND_CHANGED) {
        x->log.bytes += sent;
        log_warnx("%s: %s changed while being sent (its %s), after %llu of %llu body bytes; "
                  "connection closed so that no mixed copy is completed",
                  c->peer, x->log.target, x->fs.what, (unsigned long long)x->log.bytes,
                  (unsigned long long)x->resp.body_len);
    } else if (err != -EPIPE && err != -ECONNRESET && err != -ENOTCONN) {
        /* EPIPE, ECONNRESET: the client left, which is normal */
        log_warnx("%s: sending %s: %s; connection closed", c->peer, x->log.target, strerror(-err));
    }
    conn_close(c, now);
    return CONN_STEP_GONE;
}

/* Send file bytes of segment S by sendfile: see filesend.h. Sets *N to the bytes sent. */
static enum conn_step send_file(struct conn *c, const struct resp_seg *s, uint64_t want,
                                uint64_t now, uint64_t *n)
{
    struct conn_exchange *x = c->x;
    bool is_last = x->seg == x->last_file_seg, more = x->seg + 1 < x->resp.nsegs;
    size_t sent = 0;
    int err = 0;
    enum filesend_result r =
        filesend_step(&x->fs, c->fd, s->off, s->len, x->seg_done, is_last, more, want, &sent, &err);

    *n = sent;
    switch (r) {
    case FILESEND_SENT:
        return CONN_STEP_AGAIN;
    case FILESEND_AGAIN:
        return conn_wait_writable(c, now);
    case FILESEND_DRAIN:
        return wait_drain(c, now);
    case FILESEND_CHANGED:
    case FILESEND_ERROR:
        break;
    }
    return file_failed(c, r, sent, err, now);
}

/* The bytes of segment I from DONE on are in memory: a memory segment, or a file's held-back tail.
 */
static const char *in_memory(const struct conn_exchange *x, size_t i, uint64_t done, size_t *n)
{
    const struct resp_seg *s = &x->resp.segs[i];

    if (s->kind == RESP_SEG_MEM) {
        *n = (size_t)(s->len - done);
        return s->mem + s->off + done;
    }
    if (i == x->last_file_seg)
        return filesend_held(&x->fs, s->len, done, n);
    *n = 0;
    return NULL;
}

/*
 * Gather what one sendmsg() can send from segment x->seg on: consecutive
 * segments whose bytes are in memory, at most MOST bytes. Returns the
 * entries filled in IOV; *MORE says whether segments follow the one the
 * last byte gathered belongs to (MSG_MORE, as for one segment at a time).
 */
static size_t gather(const struct conn_exchange *x, uint64_t most, struct iovec *iov, bool *more)
{
    size_t niov = 0, i = x->seg;
    uint64_t done = x->seg_done, total = 0;

    *more = false;
    while (i < x->resp.nsegs && niov < CONN_IOV_MAX && total < most) {
        size_t n;
        const char *p = in_memory(x, i, done, &n);

        if (p == NULL)
            break;
        if (n > most - total)
            n = (size_t)(most - total);
        if (n > 0) {
            iov[niov].iov_base = (void *)p;
            iov[niov].iov_len = n;
            niov++;
            total += n;
        }
        *more = i + 1 < x->resp.nsegs;
        i++;
        done = 0;
    }
    return niov;
}

/*
 * Send memory bytes from segment x->seg on (at most MOST), in one system
 * call with what follows them in memory. A small file's bytes, all held
 * back, are read and checked first, so that the head and the body go out
 * together. Sets *N to the bytes sent.
 */
static enum conn_step send_memory(struct conn *c, uint64_t most, uint64_t now, uint64_t *n)
{
    struct conn_exchange *x = c->x;
    struct iovec iov[CONN_IOV_MAX];
    struct msghdr msg;
    bool more;
    ssize_t r;

    *n = 0;
    if (x->seg + 1 == x->last_file_seg && x->resp.segs[x->seg].kind == RESP_SEG_MEM) {
        const struct resp_seg *f = &x->resp.segs[x->last_file_seg];
        int err = 0;
        enum filesend_result fr = filesend_preload(&x->fs, f->off, f->len, &err);

        if (fr == FILESEND_CHANGED || fr == FILESEND_ERROR)
            return file_failed(c, fr, 0, err, now);
    }
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = gather(x, most, iov, &more);
    do
        r = sendmsg(c->fd, &msg, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno == EAGAIN)
        return conn_wait_writable(c, now);
    if (r < 0) { /* EPIPE, ECONNRESET: the client left, which is normal */
        conn_close(c, now);
        return CONN_STEP_GONE;
    }
    *n = (uint64_t)r;
    return CONN_STEP_AGAIN;
}

/* N bytes went out from segment x->seg, offset x->seg_done, on: move past them. */
static void advance(struct conn_exchange *x, uint64_t n)
{
    while (n > 0 && x->seg < x->resp.nsegs) {
        const struct resp_seg *s = &x->resp.segs[x->seg];
        uint64_t take = s->len - x->seg_done < n ? s->len - x->seg_done : n;

        x->seg_done += take;
        if (x->seg > 0)
            x->log.bytes += take;
        n -= take;
        if (x->seg_done == s->len) {
            x->seg++;
            x->seg_done = 0;
        }
    }
}

enum conn_step conn_send_output(struct conn *c, uint64_t now)
{
    struct conn_exchange *x = c->x;
    uint64_t budget = CONN_TURN_BYTES;

    while (x->seg < x->resp.nsegs) {
        const struct resp_seg *s = &x->resp.segs[x->seg];
        uint64_t left = s->len - x->seg_done;
        uint64_t allow = ratelimit_allowance(&x->rl, now);
        uint64_t want = allow < budget ? allow : budget;
        size_t held;
        uint64_t n;
        enum conn_step st;

        if (left == 0) {
            x->seg++;
            x->seg_done = 0;
            continue;
        }
        if (allow == 0) {
            if (worker_watch(c->w, c, 0) != 0) {
                conn_close(c, now);
                return CONN_STEP_GONE;
            }
            c->timer_kind = CONN_TIMER_THROTTLE;
            worker_set_timer(c->w, c, now + ratelimit_wait_ns(&x->rl, now));
            return CONN_STEP_WAIT;
        }
        if (in_memory(x, x->seg, x->seg_done, &held) != NULL)
            st = send_memory(c, want, now, &n);
        else
            st = send_file(c, s, left < want ? left : want, now, &n);
        if (st != CONN_STEP_AGAIN)
            return st;
        advance(x, n);
        ratelimit_consume(&x->rl, n);
        budget -= n;
        timerheap_remove(&c->w->timers, &c->timer);
        if (budget == 0) { /* let the other connections have a turn */
            worker_mark_ready(c->w, c);
            return CONN_STEP_WAIT;
        }
    }
    return CONN_STEP_SENT;
}
