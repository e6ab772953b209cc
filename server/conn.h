/*
 * server/conn.h - one client connection: read a request head, answer it,
 * send the body, keep the connection alive or close it properly.
 *
 * A connection belongs to exactly one worker thread for its whole life:
 * every function here is called only from that thread, so nothing in
 * struct conn needs a lock.
 */
#ifndef SERVER_CONN_H
#define SERVER_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "accesslog.h"
#include "chunked.h"
#include "fcache.h"
#include "fileid.h"
#include "filesend.h"
#include "listen.h"
#include "ratelimit.h"
#include "respond.h"
#include "snapshot.h"
#include "timerheap.h"
#include "worker.h"

/* Room for the interim responses of one request (100 Continue and a 104). */
#define CONN_INTERIM_MAX 512

struct upx;

enum conn_state {
    CONN_READING,   /* waiting for (the rest of) a request head */
    CONN_INTERIM,   /* sending interim responses (100 Continue, 104) before reading a body */
    CONN_BODY,      /* the head is answered; reading its body (dropped, or an upload's) */
    CONN_JOB,       /* waiting for the disk threads (an upload's fsync and rename, a delete) */
    CONN_SENDING,   /* a response is being sent */
    CONN_LINGERING, /* our side is shut; draining what the client still sends */
};

/* What the connection's one timer means right now. */
enum conn_timer {
    CONN_TIMER_HEADER,   /* the request head must be complete by then: 408 */
    CONN_TIMER_BODY,     /* the request body is too slow (--body-timeout, --body-min-rate): 408 */
    CONN_TIMER_IDLE,     /* keep-alive idle limit: close quietly */
    CONN_TIMER_SEND,     /* no progress sending since: drop the client */
    CONN_TIMER_THROTTLE, /* --limit-rate: resume sending */
    CONN_TIMER_DRAIN,    /* see whether the socket has sent what sendfile queued */
    CONN_TIMER_LINGER,   /* stop draining and close */
};

/*
 * One request and its response, from the moment a head is answered until
 * the response is sent. Allocated for the exchange only, so that an idle
 * connection costs a struct conn and nothing more.
 */
struct conn_exchange {
    struct response resp;
    size_t seg;                /* the segment being sent */
    uint64_t seg_done;         /* bytes of it already sent */
    struct fcache_entry *file; /* the published file answered (a reference), or NULL */
    char *doc;                 /* a generated body the response points into (a Metalink), or NULL */
    int file_fd;            /* its open file, borrowed from FILE; -1 when the body is in memory */
    struct file_id file_id; /* the file's identity when the response was built */
    struct filesend fs;     /* sends the file's bytes, checking that identity */
    size_t last_file_seg;   /* the segment whose tail filesend holds back; SIZE_MAX: none */
    uint64_t drain_wait_ns; /* the next wait for the socket to drain; 0: not waiting */
    uint64_t drain_progress_ns; /* when the socket's queue last shrank */
    uint64_t drain_outq;        /* bytes it held then */
    struct snapshot *snap;      /* keeps memory bodies alive; NULL when none */
    struct ratelimit rl;
    uint64_t start_ns;
    struct access_entry log;

    /* The request body, read and dropped before the response goes out,
     * or written by upload_conn.c. */
    bool is_head;        /* the request was a HEAD: an error answer has no body either */
    bool has_body;       /* there is one to read */
    bool is_chunked;     /* framed by the chunked coding, else by Content-Length */
    uint64_t body_left;  /* Content-Length bytes still to come */
    uint64_t body_bytes; /* bytes of it received so far, framing included */
    struct chunked dec;
    uint64_t pace_ns;    /* an upload's body: the start of its current window ... */
    uint64_t pace_bytes; /* ... and body_bytes then (ratelimit_window_deadline()) */

    /* Interim responses to send before the body is read. */
    char interim[CONN_INTERIM_MAX];
    size_t interim_len;
    size_t interim_sent;

    struct upx *up; /* an upload, a delete, an upload resource (upload_conn.c); or NULL */
};

struct conn {
    struct worker *w;
    int fd;
    enum conn_state state;
    uint32_t events; /* the epoll interest registered now */
    char peer[LISTEN_ADDR_MAX];
    struct iplimit_key ipkey; /* its slot in --max-connections-per-ip */

    /* Linkage owned by the worker (see worker.c). */
    struct conn *prev, *next;             /* all of the worker's connections */
    struct conn *ready_prev, *ready_next; /* connections with work pending */
    bool is_ready;
    struct timer_node timer;
    enum conn_timer timer_kind;

    /* Input: allocated when bytes arrive, grown up to CONN_IN_CAP as a head
     * needs it, and freed again whenever the connection is idle. */
    char *in;
    size_t in_cap;
    size_t in_len;
    size_t in_scanned;    /* the parser's bookmark */
    uint64_t linger_left; /* bytes still read and dropped while lingering */
    bool has_partial;     /* some bytes of the next request have arrived */
    unsigned nrequests;

    struct conn_exchange *x; /* the response in flight; NULL between requests */
};

/* Input buffer: a maximal head plus room for a pipelined request's start. */
#define CONN_IN_CAP        (HTTP_MAX_HEAD + 4096)
/* While an upload's body arrives, the buffer grows to this, for fewer, larger writes. */
#define CONN_UPLOAD_IN_CAP (256u << 10)
/* The first allocation: most heads fit; a bigger one doubles it to CONN_IN_CAP. */
#define CONN_IN_MIN        2048

/*
 * Take over the accepted socket H->fd (non-blocking) from the client at
 * H->addr and register it with W. Returns the connection, or NULL after
 * closing the socket when out of memory (the caller gives the slots back).
 */
struct conn *conn_new(struct worker *w, const struct worker_handoff *h, uint64_t now);

/* EVENTS (epoll) happened on C's socket. */
void conn_on_event(struct conn *c, uint32_t events, uint64_t now);

/* C's timer expired. */
void conn_on_timer(struct conn *c, uint64_t now);

/* C was marked ready: continue with input that is already buffered. */
void conn_on_ready(struct conn *c, uint64_t now);

/* The server is stopping: close C now if it is idle between requests. */
void conn_on_stop(struct conn *c);

/* Close C at once (the stop deadline passed), logging a response cut short. */
void conn_close(struct conn *c, uint64_t now);

/*
 * For upload_conn.c, on the connection's worker thread only.
 */

/* The shape of a response to a request of HTTP/1.VERSION_MINOR on C. */
struct resp_ctx conn_response_ctx(const struct conn *c, unsigned version_minor, bool is_keep_alive,
                                  bool is_head);

/* Send c->x->resp (built by the caller) and carry on from there. */
void conn_send_response(struct conn *c, uint64_t now);

/*
 * The body cannot be read on (STATUS: 400, 408, 413, 507, ...): release
 * the exchange's upload, answer STATUS with DETAIL and EXTRA header
 * lines (or NULL), and close the connection after it.
 */
void conn_body_error(struct conn *c, int status, const char *detail, const char *extra,
                     uint64_t now);

/* C now waits for the disk threads; conn_job_done() resumes it. */
void conn_wait_job(struct conn *c);

/* C's job is back (its response is in c->x->resp): send it. */
void conn_job_done(struct conn *c, uint64_t now);

#endif
