/*
 * client/progress.h - what the user interface shows, and the only thing
 * it reads. The controller thread writes it; the UI thread copies it
 * (progress_view) and draws the copy. Neither waits for the other beyond
 * the copy, and the UI never sees a download's internals.
 */
#ifndef CLIENT_PROGRESS_H
#define CLIENT_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

#define PROGRESS_TEXT_MAX   256
#define PROGRESS_REASON_MAX 512
#define PROGRESS_NOTE_MAX   1024 /* a notice or a result line, never cut short of this */
#define PROGRESS_MAX_NOTES  32   /* notices kept for a UI that prints each one */
#define PROGRESS_MAX_FILES  8    /* files downloading at once (--jobs) */
#define PROGRESS_MAX_EVENTS 64   /* result lines kept for the UI to pick up */

/* A queue entry's state, in the order a download goes through them. */
enum entry_state {
    ENTRY_WAITING,    /* queued */
    ENTRY_MISSING,    /* not in the catalog (yet): tried again at each poll */
    ENTRY_NO_CATALOG, /* a name, but the catalog cannot be fetched: tried again at each poll */
    ENTRY_ACTIVE,     /* downloading */
    ENTRY_VERIFYING,  /* downloaded, SHA-256 being checked */
    ENTRY_VERIFIED,   /* in the download directory, hash checked */
    ENTRY_PRESENT,    /* was already in the download directory with the right hash */
    ENTRY_UNVERIFIED, /* in the download directory; no hash was published to check */
    ENTRY_FAILED,     /* gave up: see reason */
};

/* A short word for STATE ("waiting", "verified"...). */
const char *progress_state_name(enum entry_state state);

/* True for states an entry does not leave (until the input changes). */
bool progress_state_is_final(enum entry_state state);

struct progress_entry {
    char label[PROGRESS_TEXT_MAX]; /* the input line: a name or URL */
    enum entry_state state;
    bool has_size;
    uint64_t size;
    char reason[PROGRESS_REASON_MAX]; /* for failed, missing, retrying */
};

enum slot_state {
    SLOT_IDLE,
    SLOT_CONNECTING, /* request sent, no bytes yet */
    SLOT_RUNNING,
    SLOT_RETRYING, /* waiting before another attempt */
    SLOT_DONE,
};

#define PROGRESS_HOST_MAX    64 /* bytes of a source's "host:port" shown */
#define PROGRESS_MAX_SOURCES PLAN_MAX_CONN

/* One source (mirror) of an active file with several. */
struct progress_source {
    char host[PROGRESS_HOST_MAX];
    double speed;      /* bytes per second per connection, recent (0: not measured) */
    unsigned conns;    /* connections using it now */
    unsigned pieces;   /* pieces (or, without piece hashes, ranges) it delivered */
    unsigned rejected; /* pieces from it that failed their hash */
    bool is_dropped;
};

/* One connection of an active file. */
struct progress_slot {
    enum slot_state state;
    char source[PROGRESS_HOST_MAX]; /* the host it fetches from, when the file has several */
    uint64_t start;                 /* its current range (a piece of the file) [start, end) */
    uint64_t end;
    uint64_t pos;   /* bytes of the range written: start <= pos <= end */
    uint64_t done;  /* bytes it wrote in all, over every range it had */
    uint64_t share; /* what it will have written by the end, as far as known: its bar
                     * shows DONE of SHARE */
    double speed;   /* bytes per second, recent */
    unsigned attempt;
};

/* A file being downloaded (or uploaded: IS_UPLOAD). */
struct progress_file {
    char name[PROGRESS_TEXT_MAX];
    bool is_upload; /* sent to the server: HOST is where it goes; verifying is hashing first */
    char host[PROGRESS_TEXT_MAX]; /* where it comes from, "127.0.0.1:8080" */
    bool has_size;
    uint64_t size;
    uint64_t done;  /* bytes written */
    double speed;   /* bytes per second, recent */
    double elapsed; /* seconds since the download started */
    bool is_verifying;
    uint64_t hashed; /* bytes of the verification done */
    unsigned nslots;
    struct progress_slot slots[PLAN_MAX_CONN];
    unsigned nsources; /* 0 or 1: one source (HOST); more: SOURCES[0..NSOURCES) */
    struct progress_source sources[PROGRESS_MAX_SOURCES];
};

/* A finished download, for one result line. */
struct progress_event {
    uint64_t seq;
    enum entry_state state; /* VERIFIED, PRESENT, UNVERIFIED or FAILED */
    char text[PROGRESS_NOTE_MAX];
};

/* A notice (retrying, starting over, an error), for a UI that prints each one. */
struct progress_note {
    uint64_t seq;
    bool is_error;
    char text[PROGRESS_NOTE_MAX];
};

/* What the UI draws: a copy, owned by whoever took it. */
struct progress_view {
    char server[PROGRESS_TEXT_MAX];
    struct progress_entry *entries; /* the queue, in input order */
    size_t nentries;
    struct progress_file files[PROGRESS_MAX_FILES];
    size_t nfiles;
    char message[PROGRESS_NOTE_MAX]; /* the latest notice or error */
    bool is_error;
    struct progress_note notes[PROGRESS_MAX_NOTES];
    size_t nnotes; /* notes[0..nnotes) are the latest, oldest first */
    struct progress_event events[PROGRESS_MAX_EVENTS];
    size_t nevents;   /* events[0..nevents) are the latest, oldest first */
    bool is_finished; /* the controller has stopped */
    /* What the copy holds, so that the next copy skips what did not change. */
    uint64_t entries_gen, log_gen;
};

struct progress {
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t cond;  /* broadcast when the UI should look (the log fills, the end) */
    pthread_cond_t taken; /* broadcast when a copy has taken the log */
    /* The live state; its events and notes live in the rings below. */
    struct progress_view v;
    struct progress_event events[PROGRESS_MAX_EVENTS]; /* a ring: the oldest at events_first */
    size_t events_first;
    struct progress_note notes[PROGRESS_MAX_NOTES]; /* a ring: the oldest at notes_first */
    size_t notes_first;
    uint64_t entries_gen; /* bumped when an entry changes */
    uint64_t log_gen;     /* bumped on a notice or a result line */
    uint64_t next_seq;
    uint64_t seen_seq; /* the newest notice or result line a copy has taken */
};

void progress_init(struct progress *p, const char *server);
void progress_cleanup(struct progress *p);

/*
 * Bring *OUT (zeroed before the first copy) up to the current state: the
 * files, and what changed since OUT's last copy of the notices, result
 * lines and (with WANT_ENTRIES, else none) the queue entries, whose array
 * is reallocated as needed (release it with progress_view_free()). So a
 * copy costs what changed, not the length of the queue. Returns 0 or
 * -ENOMEM. Takes p->lock.
 */
int progress_copy(struct progress *p, struct progress_view *out, bool want_entries);
void progress_view_free(struct progress_view *v);

/*
 * Writers (the controller thread). Each takes p->lock for a copy, never
 * for I/O.
 */

/* Make the queue hold N entries with these labels, keeping the states of
 * labels it already had. Returns 0 or -ENOMEM. */
int progress_set_queue(struct progress *p, const char *const *labels, size_t n);

/* Set entry I's state, size (when HAS_SIZE) and reason (NULL: none). */
void progress_set_entry(struct progress *p, size_t i, enum entry_state state, bool has_size,
                        uint64_t size, const char *reason);

/* Replace active file slot K (K < PROGRESS_MAX_FILES) with F; NULL ends it. */
void progress_set_file(struct progress *p, size_t k, const struct progress_file *f);

/*
 * Show a notice (IS_ERROR: an error) on the message line. Notices and
 * result lines are kept for the UI in rings of PROGRESS_MAX_NOTES and
 * PROGRESS_MAX_EVENTS; the UI is woken when half of them are new to it
 * (else it looks at its next frame), and a writer that would push out a
 * line the UI has not copied yet waits for it (a second at most), so
 * that no result line is lost however fast the files go.
 */
void progress_message(struct progress *p, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add a result line (as progress_message()). */
void progress_event(struct progress *p, enum entry_state state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The controller is done; the UI may leave once it has shown the end. */
void progress_finish(struct progress *p);

/*
 * Wait up to TIMEOUT_MS, returning early when result lines pile up or at
 * the end. Returns true once the controller has finished. Takes p->lock.
 */
bool progress_wait(struct progress *p, int timeout_ms);

#endif
