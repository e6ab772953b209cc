/*
 * server/acceptor.c - accept, count, and hand over.
 *
 * DESIGN. One thread blocks in poll() on the listening socket and a wake-up
 * pipe. Each accepted socket goes to the worker that owns the fewest
 * connections (balanced by live counts, not round robin, so long downloads
 * spread over the CPUs). The total is bounded by --max-connections, and
 * what one client address holds by --max-connections-per-ip (iplimit.c):
 * past either a client gets an immediate "503 Service Unavailable" with
 * Retry-After and the socket is closed, so a flood costs the server
 * nothing lasting and one address cannot take every slot.
 * When descriptors run out (EMFILE), the thread backs off for 100 ms
 * rather than spinning on a listening socket it cannot drain. Both
 * conditions are logged at most once a second, with a count of the
 * times in between, so a flood cannot flood the log too. It stops when
 * acceptor_stop() writes to the pipe.
 */
#include "acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "respond.h"

int acceptor_init(struct acceptor *a, int listenfd, struct worker *workers, size_t nworkers,
                  struct server_ctx *ctx)
{
    int p[2];

    memset(a, 0, sizeof(*a));
    a->listenfd = listenfd;
    a->workers = workers;
    a->nworkers = nworkers;
    a->ctx = ctx;
    a->wake_rd = a->wake_wr = -1;
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return -errno;
    a->wake_rd = p[0];
    a->wake_wr = p[1];
    return 0;
}

/* Tell a client we are full (DETAIL says how), without waiting for it in any way. */
static void refuse(int fd, const char *detail)
{
    struct response *r = malloc(sizeof(*r));
    struct resp_ctx rc = {time(NULL), 1, false, false};
    char drain[1024];

    if (r != NULL) {
        respond_error(503, detail, "Retry-After: 1\r\n", &rc, r);
        for (size_t i = 0; i < r->nsegs; i++)
            (void)send(fd, r->segs[i].mem + r->segs[i].off, (size_t)r->segs[i].len,
                       MSG_NOSIGNAL | MSG_DONTWAIT); /* best effort: the socket is new */
        free(r);
    }
    shutdown(fd, SHUT_WR);
    /* Drop what the client already sent, so close() does not answer with a reset. */
    while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
        ;
    close(fd);
}

/* A warning said at most once a second. */
struct warn_limit {
    time_t last;         /* when it was last said */
    unsigned suppressed; /* times it happened since, unsaid */
};

/*
 * True when the warning WL is to be said now, at NOW; then AGAIN (CAP
 * bytes) says how many times it was held back since it was last said
 * ("" for none, else "; 12 more times since the last warning").
 */
static bool warn_due(struct warn_limit *wl, time_t now, char *again, size_t cap)
{
    if (now == wl->last) {
        wl->suppressed++;
        return false;
    }
    again[0] = '\0';
    if (wl->suppressed > 0)
        snprintf(again, cap, "; %u more time%s since the last warning", wl->suppressed,
                 wl->suppressed == 1 ? "" : "s");
    wl->suppressed = 0;
    wl->last = now;
    return true;
}

static struct worker *least_loaded(struct acceptor *a)
{
    struct worker *best = &a->workers[0];
    unsigned best_n = atomic_load(&best->nconns);

    for (size_t i = 1; i < a->nworkers; i++) {
        unsigned n = atomic_load(&a->workers[i].nconns);

        if (n < best_n) {
            best = &a->workers[i];
            best_n = n;
        }
    }
    return best;
}

/* The warnings the acceptor keeps to once a second. */
struct acceptor_warnings {
    struct warn_limit full, per_ip, no_fds;
};

/* SA's address without its port, for a log line. */
static void host_of(const struct sockaddr *sa, socklen_t len, char *out)
{
    char *colon;

    listen_format_addr(sa, len, out);
    colon = strrchr(out, ':');
    if (colon != NULL)
        *colon = '\0';
}

/* Accept everything pending. Returns false when descriptors ran out. */
static bool accept_all(struct acceptor *a, struct acceptor_warnings *warn)
{
    for (;;) {
        struct worker_handoff h;
        struct worker *w;
        int fd;

        memset(&h, 0, sizeof(h));
        h.addrlen = sizeof(h.addr);
        fd = accept4(a->listenfd, (struct sockaddr *)&h.addr, &h.addrlen,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                int saved = errno;
                char again[64];

                if (warn_due(&warn->no_fds, time(NULL), again, sizeof(again)))
                    log_warnx("out of descriptors accepting connections (%s); pausing 100 ms%s",
                              strerror(saved), again);
                return false;
            }
            if (errno != EAGAIN)
                log_warn("accept");
            return true;
        }
        if (atomic_load(&a->ctx->nconns) >= a->ctx->opts->max_connections) {
            char again[64];

            if (warn_due(&warn->full, time(NULL), again, sizeof(again)))
                log_warnx("server full (%u connections, --max-connections): answering 503%s",
                          a->ctx->opts->max_connections, again);
            refuse(fd, "too many connections; try again shortly");
            continue;
        }
        iplimit_key_from_addr((struct sockaddr *)&h.addr, h.addrlen, &h.ipkey);
        if (a->ctx->iplimit != NULL && !iplimit_take(a->ctx->iplimit, &h.ipkey)) {
            char again[64], who[LISTEN_ADDR_MAX];

            if (warn_due(&warn->per_ip, time(NULL), again, sizeof(again))) {
                host_of((struct sockaddr *)&h.addr, h.addrlen, who);
                log_warnx("%s has %u connections (--max-connections-per-ip): answering 503%s", who,
                          a->ctx->opts->max_per_ip, again);
            }
            refuse(fd, "too many connections from your address; try again shortly");
            continue;
        }
        h.fd = fd;
        w = least_loaded(a);
        atomic_fetch_add(&a->ctx->nconns, 1);
        atomic_fetch_add(&w->nconns, 1);
        if (worker_send(w, &h) != 0) {
            log_warn("cannot hand a connection to worker %u", w->id);
            if (a->ctx->iplimit != NULL)
                iplimit_release(a->ctx->iplimit, &h.ipkey);
            atomic_fetch_sub(&w->nconns, 1);
            atomic_fetch_sub(&a->ctx->nconns, 1);
            close(fd);
        }
    }
}

static void *acceptor_main(void *arg)
{
    struct acceptor *a = arg;
    struct acceptor_warnings warn;
    bool is_paused = false;

    memset(&warn, 0, sizeof(warn));

    for (;;) {
        struct pollfd pfd[2] = {{a->wake_rd, POLLIN, 0}, {a->listenfd, POLLIN, 0}};
        /* While paused, watch only the wake-up pipe: the listening socket
         * would report readable at once and the pause would be a spin. */
        int n = poll(pfd, is_paused ? 1 : 2, is_paused ? 100 : -1);

        if (n < 0 && errno != EINTR) {
            log_warn("poll");
            is_paused = true;
            continue;
        }
        if (pfd[0].revents != 0)
            break;
        is_paused = !accept_all(a, &warn);
    }
    return NULL;
}

int acceptor_start(struct acceptor *a)
{
    int err = pthread_create(&a->thread, NULL, acceptor_main, a);

    if (err != 0)
        return -err;
    a->has_thread = true;
    return 0;
}

void acceptor_stop(struct acceptor *a)
{
    if (!a->has_thread)
        return;
    if (write(a->wake_wr, "x", 1) < 0 && errno != EAGAIN)
        log_warn("cannot wake the acceptor");
    pthread_join(a->thread, NULL);
    a->has_thread = false;
}

void acceptor_cleanup(struct acceptor *a)
{
    acceptor_stop(a);
    if (a->wake_rd >= 0)
        close(a->wake_rd);
    if (a->wake_wr >= 0)
        close(a->wake_wr);
    a->wake_rd = a->wake_wr = -1;
}
