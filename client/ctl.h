/*
 * client/ctl.h - the inside of the download queue, shared by its files:
 * controller.c (polling, scheduling, the job threads), ctl_report.c (the
 * result line of each finished download) and mirror/ctl_meta.c (the
 * sources of an entry: several URLs, a Metalink). Not a public
 * interface. Locking: the item list is changed only by the controller
 * thread, with c->lock held; jobs read and report under c->lock.
 */
#ifndef CLIENT_CTL_H
#define CLIENT_CTL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "download.h"
#include "input.h"
#include "mirror/metalink.h"
#include "options.h"
#include "progress.h"

#define URL_MAX 8192

struct item {
    char *label; /* the input line: a catalog name or a URL */
    enum input_kind kind;
    bool has_sha256; /* given on the line (or by --sha256) */
    uint8_t sha256[SHA256_LEN];
    enum entry_state state;
    char reason[PROGRESS_REASON_MAX];
    bool has_size;
    uint64_t size;
    char **urls;           /* INPUT_URL: every URL of the line (owned), urls[0] is the label */
    size_t nurls;          /* 1 for a plain URL line, more for mirrors */
    bool is_metalink;      /* the URL is a Metalink document (".meta4") */
    struct metalink *meta; /* ... once read (owned): the file, its sources, its pieces */
    bool is_listed;        /* present in the input at the last poll */
    bool was_blocked;      /* waited for another entry that writes the same file */
    char blocked_by[PROGRESS_TEXT_MAX]; /* ... that entry's label */
};

struct controller;

struct job {
    struct controller *c;
    size_t slot; /* its progress slot */
    pthread_t thread;
    bool has_thread;     /* the controller's: the job thread runs (joined at the end) */
    pthread_cond_t cond; /* the job thread waits here, with c->lock, for a download */
    bool is_busy;        /* guarded by c->lock: a download is given to it and not collected */
    bool has_work;       /* guarded by c->lock: ... and not started yet */
    bool is_finished;    /* guarded by c->lock: ... and done: its result is in res */
    char *label;         /* which item: matched by label, the list may change */
    char url[URL_MAX];
    const char *mirrors[METALINK_MAX_URLS]; /* borrowed from its item: the other sources */
    char dir[PATH_MAX];     /* the download directory, or the directory of -o PATH */
    char relpath[PATH_MAX]; /* the file's path under DIR */
    struct dl_request req;
    struct dl_result res;
};

struct controller {
    const struct client_opts *opts;
    struct progress *progress;
    const atomic_bool *stop;
    struct fetch *fetch;  /* for the catalog */
    struct dl_pool *pool; /* the connections every download of the queue borrows */
    size_t max_jobs;      /* files at once: --jobs, or as the connections allow */
    struct catalog catalog;
    bool has_catalog;
    char catalog_err[PROGRESS_REASON_MAX];
    struct item *items;
    size_t nitems;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a job finished */
    bool is_closing;     /* guarded by lock: the job threads end */
    struct job jobs[PROGRESS_MAX_FILES];
    char base[URL_MAX];   /* the server URL without a trailing slash */
    bool has_read_stdin;  /* "--input -": the queue was read, once */
    bool has_input_error; /* the queue could not be read (fails --once) */
};

/* True once the queue is asked to stop. */
bool ctl_is_stopping(const struct controller *c);

/* True while a job downloads the item LABEL. Lock held. */
bool ctl_is_running(struct controller *c, const char *label);

/* Set IT's state and reason (NULL: none), and show it. Lock held. */
void ctl_set_state(struct controller *c, struct item *it, enum entry_state state,
                   const char *reason);

/* Release what IT owns (not IT itself). */
void ctl_item_free(struct item *it);

/* ctl_report.c: IT's state and result line from R. Lock held. */
void ctl_report(struct controller *c, struct item *it, const struct dl_result *r);

/* mirror/ctl_meta.c: IT's URLs (owned copies) from the line SRC. 0 or -ENOMEM
 * (then IT holds those copied so far, for ctl_item_free()). */
int ctl_item_urls(struct item *it, const struct input_sources *src);

/*
 * mirror/ctl_meta.c: read the Metalink of each waiting ".meta4" item that
 * has none yet: it names the file (its path below the download
 * directory), its size, hashes and sources. A SHA-256 on the line must be
 * the Metalink's. What may pass (the network, a 5xx) is tried again at
 * the next poll of a watch; the rest fails the entry. Lock held, released
 * while fetching (only this thread changes the item list).
 */
void ctl_resolve_metalinks(struct controller *c);

/* mirror/ctl_meta.c: J's other sources, size and hashes from IT's line or Metalink. */
void ctl_job_sources(const struct item *it, struct job *j);

#endif
