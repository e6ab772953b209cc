/*
 * client/dl.h - the inside of one download, shared by its files:
 * download.c (the supervisor: plan, steal, transfer loop), dl_collect.c
 * (taking in outcomes: retries, bad pieces, dropped sources), dl_finish.c
 * (verify, rename), dl_publish.c (what the display shows), dl_slot.c
 * (what a connection does), dl_pool.c (the worker threads that serve
 * connections), dl_resume.c (the state file), mirror/dl_sources.c (the
 * sources) and mirror/dl_pieces.c (resume by piece hashes). Not a public
 * interface: only those include it.
 *
 * Locking: everything marked "guarded by d->lock" is read and written
 * only with d->lock held, and no I/O is ever done while holding it. See
 * download.c's DESIGN comment for who does what.
 */
#ifndef CLIENT_DL_H
#define CLIENT_DL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dl_pool.h"
#include "download.h"
#include "fetch.h"
#include "hasher.h"
#include "mirror/metalink.h"
#include "mirror/sources.h"
#include "plan.h"
#include "state.h"
#include "store.h"

#define SLOT_BUF       (256u << 10) /* small pieces of body are gathered up to this for one pwrite */
#define SLOT_DIRECT    (64u << 10)  /* a piece this large is written as it comes */
#define DL_MAX_SOURCES PLAN_MAX_CONN /* sources used for one file: one connection each at least */

enum slot_cmd {
    SLOT_WAIT,
    SLOT_RUN,
    SLOT_EXIT,
};

enum slot_outcome {
    OUT_NONE,
    OUT_DONE,      /* its range is complete */
    OUT_CUT,       /* it stopped early: range taken away, or the download aborts */
    OUT_FAILED,    /* network or server trouble: retry (err_cls says how) */
    OUT_FATAL,     /* no point retrying (404, a write error, a refused certificate) */
    OUT_CHANGED,   /* the remote file changed: start over */
    OUT_SOURCE,    /* a mirror's copy or answers are unusable: drop that source (s->err) */
    OUT_BAD_PIECE, /* a piece failed its hash: fetch it again, maybe elsewhere */
};

/*
 * One place the file is fetched from (client/mirror/dl_sources.c). Source
 * 0 is the request's URL, whose identity is the download's (d->etag...);
 * the others are mirrors, each held to its own validator and to the
 * file's size and hashes.
 */
struct dl_source {
    const char *url;              /* borrowed: the request's or d->meta's; fixed once set up */
    char host[PROGRESS_TEXT_MAX]; /* for messages and the display */
    /* Guarded by d->lock. */
    struct source_stat st;
    bool has_info; /* (mirrors) its first 206 was checked: etag and last_modified are its own */
    char etag[FETCH_VALIDATOR_MAX];
    char last_modified[FETCH_VALIDATOR_MAX];
    uint64_t bytes;          /* bytes it delivered that were kept */
    unsigned pieces;         /* pieces from it that passed their hash */
    char why[FETCH_ERR_MAX]; /* why it was dropped */
};

struct dl;
struct slot;

/*
 * A thread and a libcurl handle that serve one slot at a time
 * (dl_pool.c). Between downloads it waits in its pool for the next slot.
 */
struct dl_worker {
    struct dl_pool *pool;
    pthread_t thread;
    struct fetch *fetch;         /* the worker thread's own while it serves a slot */
    char *buf;                   /* SLOT_BUF bytes: the served slot's gather buffer */
    pthread_cond_t cond;         /* it waits here for a slot, with the pool's lock */
    struct slot *next;           /* guarded by the pool's lock: the slot to serve next */
    struct dl_worker *idle_next; /* guarded by the pool's lock: the idle stack */
    struct dl_worker *all_next;  /* guarded by the pool's lock: every worker */
    bool is_mirror;              /* lent past the budget, for a mirror: not counted in it */
};

/*
 * Lend slot S (whose d->lock is held) a worker, one more connection of
 * the budget: the worker idle the shortest time, whose connection is
 * most likely still open, or a new one. It serves S (dl_slot_serve) until
 * S's cmd is SLOT_EXIT. 0 with *OUT set, -EAGAIN when the budget is all
 * held, or -ENOMEM when no thread or handle could be made. IS_MIRROR (S
 * fetches from a mirror, not from the download's first source) lends
 * past the budget: the budget spares the queue's server, and a mirror's
 * connections are its own (each source has its --connections cap), so
 * such a worker is not counted in the budget either.
 */
int dl_pool_lend(struct dl_pool *p, struct slot *s, bool is_mirror, struct dl_worker **out);

/* W, lent by dl_pool_lend, has let go of its slot (slot->is_attached is
 * false): it is idle again, and its connection back in the budget. */
void dl_pool_return(struct dl_pool *p, struct dl_worker *w);

/* A download wants DELTA more (or, negative, fewer) connections than
 * the budget gave it: new downloads wait while any are wanted. */
void dl_pool_want(struct dl_pool *p, int delta);

struct slot {
    struct dl *d;
    unsigned index;
    bool is_inline;      /* slot 0: served on the supervisor's thread, never by a worker */
    struct dl_worker *w; /* guarded by d->lock: its worker, NULL when it has none */
    /*
     * libcurl hands over what one recv() gave, up to its 512 KiB buffer:
     * usually 100-500 KiB from a fast server, which is written as it is
     * (a copy less), but a few KiB from a slow one; those are gathered
     * into one pwrite per SLOT_BUF, sparing the filesystem's per-file
     * lock, which concurrent writers otherwise fight over. The slot
     * thread's own.
     */
    char *buf; /* the worker's buffer */
    size_t buf_len;
    uint64_t buf_off; /* file offset of buf[0] */

    /* Guarded by d->lock. */
    bool is_attached; /* a worker serves it (until it saw SLOT_EXIT) */
    bool is_short;    /* it wanted a worker and the budget had none: counted as wanted */
    enum slot_cmd cmd;
    bool is_busy;  /* ordered to run; cleared when the supervisor takes the outcome */
    bool is_probe; /* the first request of the download */
    uint64_t start, claimed, written, end; /* its range now: [start, end) */
    uint64_t done;                         /* bytes it wrote in this run, over all its ranges */
    uint64_t asked_first, asked_last;      /* the Range of the request in flight */
    enum slot_outcome outcome;
    enum retry_class err_cls; /* for OUT_FAILED: transient or protocol */
    bool is_stall;            /* for OUT_FAILED: it stalled, so it has waited already */
    bool has_retry_after;     /* the failed answer asked for this wait */
    uint64_t retry_after_ms;
    char err[FETCH_ERR_MAX];
    enum slot_state ui;
    unsigned failures;             /* failed attempts in a row without a byte written */
    unsigned proto_failures;       /* of those, protocol violations */
    bool is_retired;               /* gave up: takes no more work in this download */
    uint64_t retry_at;             /* monotonic ns; 0: not waiting */
    double speed;                  /* bytes per second, measured by the supervisor */
    uint64_t speed_mark, speed_ns; /* done and the time at the last measurement */
    unsigned src;                  /* guarded by d->lock: the source of its range */
    struct sha256 *piece;          /* the slot thread's: the hash of the piece arriving */
};

struct dl {
    const struct dl_request *req;
    struct dl_result *res;
    struct dl_pool *pool;     /* req->pool, or one of its own */
    struct dl_pool *own_pool; /* the one it made (freed at its end), or NULL */
    struct store store;       /* the directory and the locked partial file */
    char host[PROGRESS_TEXT_MAX];
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* the supervisor waits here */
    pthread_cond_t slot_wake; /* slots wait here */

    /* Guarded by lock. */
    bool has_info;  /* the size and validator are known */
    bool is_ranged; /* the server honours Range */
    bool is_size_known;
    uint64_t size;
    char validator[FETCH_VALIDATOR_MAX]; /* for If-Range: ETag, else Last-Modified */
    char etag[FETCH_VALIDATOR_MAX];
    char last_modified[FETCH_VALIDATOR_MAX];
    bool has_remote_digest;
    uint8_t remote_digest[SHA256_LEN];
    bool is_file_ready; /* the partial file exists at its size: slots may write */
    bool is_aborting;   /* slots must stop at once */
    bool is_single;     /* one connection only: nothing else could tell two versions apart */
    uint64_t writes;    /* bumped by every write: the state file is behind when it changed */
    double wait;        /* the shortest wait for an answer's head seen, seconds (0: none yet) */
    struct slot slots[PLAN_MAX_CONN];
    struct plan_range pending[STATE_MAX_RANGES];
    size_t npending;
    struct dl_source src[DL_MAX_SOURCES];
    size_t nsrc;        /* sources set up (1: a plain download); more only before slots run */
    bool is_multi;      /* several sources are in use */
    uint64_t piece_len; /* piece hashes (0: none); fixed before the file is ready */
    size_t npieces;
    const uint8_t (*pieces)[SHA256_LEN]; /* borrowed: the request's or d->meta's */
    unsigned bad_pieces;                 /* pieces that failed their hash */
    char meta_url[FETCH_LINK_MAX];       /* a Metalink a Link header named ("": none) */
    struct metalink *meta;               /* what it said, once taken up (owned) */

    /* The supervisor's own. */
    struct dl_worker *inline_w; /* whose handle slot 0 uses on the supervisor's thread */
    int deferred;               /* an enum dl_verdict from a tick, for the main loop */
    uint64_t next_publish;      /* when the progress is published next */
    uint64_t next_tick;         /* when dl_supervise_tick() does its work next */
    int fd;                     /* the partial file (store.part_fd, borrowed) */
    unsigned nconn;             /* connections this file gets */
    struct hasher hasher;
    uint64_t started_ns;
    uint64_t resumed; /* bytes already there when this run started */
    uint64_t last_save_ns;
    uint64_t saved_writes; /* d->writes when the state file was last saved */
    uint64_t rng;          /* jitter for the waits between attempts */
    char last_err[FETCH_ERR_MAX + 64];
    unsigned restarts;
    bool is_fresh;      /* started over after resumed bytes failed the hash check */
    bool is_one_source; /* started over from the first source alone: several sources' bytes
                         * did not add up to the file, and no piece hash told which */
};

/* Set the result's reason (the first message wins, as curl's failf). */
void dl_failf(struct dl *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* dl_finish.c: is the final name already taken? Sets *IS_DECIDED and,
 * when it is, the result (present, or failed with the reason). */
void dl_check_existing(struct dl *d, bool *is_decided);

/* dl_finish.c: the file is complete: check its SHA-256 (the request's,
 * the Metalink's or the server's Repr-Digest) and give it its final
 * name. True when it must be fetched again from scratch: bytes taken
 * over from an earlier run did not add up to the right file, or several
 * sources' did not (d->is_one_source: then from the first alone). */
bool dl_finish(struct dl *d);

/* What dl_collect_all() asks of the transfer loop. */
enum dl_verdict {
    VERDICT_GO = 0,
    VERDICT_FAIL,    /* fail the file: d->last_err says why */
    VERDICT_CHANGED, /* the remote file changed: start over */
    VERDICT_REFETCH, /* no ranges: fetch it again from the first byte */
};

/* dl_collect.c: take in every outcome that is in; the first verdict
 * that is not VERDICT_GO. Lock held. */
enum dl_verdict dl_collect_all(struct dl *d, uint64_t now);

/* dl_publish.c: copy what the UI shows into the request's progress
 * (IS_VERIFYING: the transfer is over, the hash is being finished).
 * Lock held. */
void dl_publish(struct dl *d, uint64_t now, bool is_verifying);

/* Monotonic clock, nanoseconds. */
uint64_t dl_now_ns(void);

/* True once the caller asked the download to stop. */
bool dl_is_stop_requested(const struct dl *d);

/* Queue [START, END) for the next idle slot (nothing when empty). Lock held. */
void dl_pending_add(struct dl *d, uint64_t start, uint64_t end);

/* The smallest byte not yet written: everything before it is in the file. Lock held. */
uint64_t dl_written_prefix(const struct dl *d);

/*
 * Give slot S its next range (plan_next(): a straggler's rest, the next
 * piece, or half of another slot's range), lending it a worker when it
 * has none (as the queue's budget of connections allows). Called by the
 * supervisor for an idle slot, and by a slot itself when its range is
 * done, so that it goes on at once. Lock held. Returns 1 when S got
 * work, 0 when there was none (or no connection for it yet), or a
 * negative errno value.
 */
int dl_take_work(struct dl *d, struct slot *s);

/* dl_slot.c: order slot S (inline, or with a worker) to fetch [START,
 * END) (a probe: the whole file, to learn about it). Lock held. Returns 0
 * or a negative errno value. */
int dl_slot_order(struct dl *d, struct slot *s, uint64_t start, uint64_t end, bool is_probe);

/* dl_slot.c: what worker W does for slot S, on W's thread, until S's cmd
 * is SLOT_EXIT; then S is detached (is_attached false, d->wake told), and
 * S's download is not touched again. Takes d->lock. */
void dl_slot_serve(struct slot *s, struct dl_worker *w);

/* dl_slot.c: serve the inline slot S (ordered: cmd SLOT_RUN) on the
 * calling thread, the supervisor's, with W's handle and buffer, until its
 * outcome is in (cmd back to SLOT_WAIT). Lock held, released meanwhile;
 * the supervisor's duties run from its progress callback
 * (dl_supervise_tick). */
void dl_slot_run_inline(struct slot *s, struct dl_worker *w);

/* download.c: after the first head, size the partial file, start the
 * hasher, cut slot 0's range and queue the rest. On the supervisor's
 * thread (inside slot 0's transfer), lock not held. 0 or -errno (the
 * reason is in the result). */
int dl_prepare_file(struct dl *d);

/* download.c: the supervisor's periodic work while its thread serves slot
 * 0: collect the other slots' outcomes, give idle ones work, measure,
 * publish, save the state. Lock not held. False when slot 0's transfer
 * must stop: an outcome the supervisor must act on outside it, or a stop
 * from outside. */
bool dl_supervise_tick(struct dl *d);

/* Take a worker from P for its handle and buffer only, on the caller's
 * thread (slot 0's, whose connection the download's reservation covers);
 * give it back with dl_pool_put(). NULL: out of memory. */
struct dl_worker *dl_pool_take(struct dl_pool *p);
void dl_pool_put(struct dl_pool *p, struct dl_worker *w);

/* dl_slot.c: get slot S's piece hash ready for a range that starts at a
 * piece boundary. Lock held. 0 or -ENOMEM. */
int dl_slot_piece_ready(struct dl *d, struct slot *s);

/* client/mirror/dl_sources.c: the sources of REQ (its URL, then its
 * mirrors, without repeats), before any slot runs. */
void dl_sources_init(struct dl *d);

/* client/mirror/dl_sources.c: the file's size and hashes are known:
 * decide whether several sources are used (only with a SHA-256 or piece
 * hashes to hold them to), set each one's cap, and return how many
 * connections the file may have in all (--connections per source, at
 * most PLAN_MAX_CONN). Lock held. */
unsigned dl_sources_conns(struct dl *d);

/* client/mirror/dl_sources.c: the source slot S uses for its next range
 * (sources_pick(): speed, exploration, caps), into s->src. False when no
 * source should get a connection now. Lock held. */
bool dl_sources_pick(struct dl *d, struct slot *s, uint64_t now);

/* client/mirror/dl_sources.c: judge source I (sources_verdict()) after a
 * failure or a bad piece; when it is given up, mark it, say so (once),
 * and return true; true also when it was dropped before. WHY (may be
 * NULL) is the cause to name. Lock held. */
bool dl_sources_judge(struct dl *d, unsigned i, const char *why);

/* client/mirror/dl_sources.c: true while some source may still be used. Lock held. */
bool dl_sources_left(const struct dl *d);

/* client/mirror/dl_sources.c: each source's speed per connection, from its busy slots'. Lock held.
 */
void dl_sources_speeds(struct dl *d);

/* client/mirror/dl_sources.c: the sources for the result line ("" for
 * one source). Lock held. */
void dl_sources_summary(const struct dl *d, char *out, size_t cap);

/* client/mirror/dl_sources.c: the first answer named a Metalink
 * (d->meta_url): fetch it once, and when it describes this file (size,
 * SHA-256), take up its mirrors and piece hashes. On the supervisor's
 * thread, lock not held; what goes wrong is said and the download goes on
 * from its one source. */
void dl_sources_discover(struct dl *d);

/* client/mirror/dl_pieces.c: with piece hashes and a partial file of the
 * file's size, read back and check each piece (once), so that only the
 * pieces that do not match are fetched, whether or not a state file was
 * taken up (IS_RESUMED, from dl_try_resume()). Returns whether the
 * download resumes; without piece hashes, IS_RESUMED. Lock not held. */
bool dl_pieces_resume(struct dl *d, bool is_resumed);

/* client/mirror/dl_sources.c: release what the sources own (the Metalink). */
void dl_sources_free(struct dl *d);

/* dl_resume.c: the bytes still missing, sorted and merged, into ST's
 * missing list. Lock held. */
void dl_missing_ranges(const struct dl *d, struct dl_state *st);

/* dl_resume.c: save the state file (when the download can be resumed). */
void dl_save_state(struct dl *d);

/* dl_resume.c: take up an earlier run's partial file when its state file
 * describes this very download. True when resumed. */
bool dl_try_resume(struct dl *d);

#endif
