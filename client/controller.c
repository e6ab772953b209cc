/*
 * client/controller.c - the download queue.
 *
 * DESIGN. controller_run() runs on its own thread (client.c starts it; the
 * main thread draws). Every --interval seconds it reads the input file and
 * the server's catalog, merges them into the list of items (an item keeps
 * its state across polls, so a line is downloaded once), and gives each
 * waiting item to a job while fewer than --jobs run. A job is a thread,
 * started the first time its slot is used, that then waits for the next
 * file until the controller ends: no thread start per file. It runs
 * download_run() on connections borrowed from the controller's pool (so
 * the files of a queue share their threads and open connections) and
 * reports back under c->lock; the controller turns the result into the
 * item's state and a result line. The controller is the only writer of
 * the item list; the UI sees it only through struct progress. STOP (q,
 * Ctrl-C) makes every download stop and keep its partial file, and the
 * controller return.
 */
#include "controller.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "catalog.h"
#include "download.h"
#include "encode.h"
#include "fetch.h"
#include "human.h"
#include "input.h"
#include "list.h"
#include "mirror/meta_get.h"
#include "name.h"
#include "ui_model.h"

#include "ctl.h"

#define INPUT_MAX   (4u << 20)
#define CTL_TICK_MS 200

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool ctl_is_stopping(const struct controller *c)
{
    return atomic_load(c->stop);
}

static struct item *find_item(struct controller *c, const char *label)
{
    for (size_t i = 0; i < c->nitems; i++)
        if (strcmp(c->items[i].label, label) == 0)
            return &c->items[i];
    return NULL;
}

bool ctl_is_running(struct controller *c, const char *label)
{
    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++)
        if (c->jobs[k].is_busy && strcmp(c->jobs[k].label, label) == 0)
            return true;
    return false;
}

/* Show the item list in the progress picture. */
static void publish_queue(struct controller *c)
{
    const char **labels = calloc(c->nitems ? c->nitems : 1, sizeof(*labels));

    if (labels == NULL)
        return;
    for (size_t i = 0; i < c->nitems; i++)
        labels[i] = c->items[i].label;
    if (progress_set_queue(c->progress, labels, c->nitems) == 0)
        for (size_t i = 0; i < c->nitems; i++)
            progress_set_entry(c->progress, i, c->items[i].state, c->items[i].has_size,
                               c->items[i].size, c->items[i].reason);
    free(labels);
}

void ctl_set_state(struct controller *c, struct item *it, enum entry_state state,
                   const char *reason)
{
    it->state = state;
    snprintf(it->reason, sizeof(it->reason), "%s", reason ? reason : "");
    progress_set_entry(c->progress, (size_t)(it - c->items), state, it->has_size, it->size,
                       it->reason);
}

void ctl_item_free(struct item *it)
{
    free(it->label);
    for (size_t i = 0; i < it->nurls; i++)
        free(it->urls[i]);
    free(it->urls);
    meta_get_free(it->meta);
}

/* Add the line SRC (from the input) unless it is there already. */
static int add_item(struct controller *c, const struct input_sources *src, size_t *cap)
{
    const struct input_entry *e = &src->entry;
    struct item *it;
    char *label = strndup(e->text.p, e->text.len);

    if (label == NULL)
        return -ENOMEM;
    it = find_item(c, label);
    if (it != NULL) {
        it->is_listed = true;
        free(label);
        return 0;
    }
    if (c->nitems == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct item *v = realloc(c->items, ncap * sizeof(*v));

        if (v == NULL) {
            free(label);
            return -ENOMEM;
        }
        c->items = v;
        *cap = ncap;
    }
    it = &c->items[c->nitems++];
    memset(it, 0, sizeof(*it));
    it->label = label;
    it->kind = e->kind;
    it->has_sha256 = e->has_sha256;
    memcpy(it->sha256, e->sha256, SHA256_LEN);
    it->state = ENTRY_WAITING;
    it->is_listed = true;
    it->is_metalink = src->is_metalink;
    if (ctl_item_urls(it, src) != 0) {
        ctl_item_free(it);
        c->nitems--;
        return -ENOMEM;
    }
    return 0;
}

/* Drop items no longer in the input, unless they are being downloaded. */
static void prune_items(struct controller *c)
{
    size_t o = 0;

    for (size_t i = 0; i < c->nitems; i++) {
        if (c->items[i].is_listed || ctl_is_running(c, c->items[i].label))
            c->items[o++] = c->items[i];
        else
            ctl_item_free(&c->items[i]);
    }
    c->nitems = o;
}

/* Read the input file into the item list. Lock held, released while reading. */
static void read_input(struct controller *c, size_t *cap)
{
    char *buf = NULL;
    size_t len = 0, lineno = 0;
    bool is_stdin = strcmp(c->opts->input, "-") == 0;
    const char *p, *end;
    int err;

    if (is_stdin && c->has_read_stdin)
        return;                     /* standard input is read once */
    pthread_mutex_unlock(&c->lock); /* no lock across I/O; jobs report meanwhile */
    err = is_stdin ? fileio_read_fd(STDIN_FILENO, INPUT_MAX, &buf, &len)
                   : fileio_read(c->opts->input, INPUT_MAX, &buf, &len);
    pthread_mutex_lock(&c->lock);
    c->has_read_stdin = is_stdin;
    if (err != 0) {
        c->has_input_error = true;
        progress_message(c->progress, true, "cannot read the queue %s: %s%s",
                         is_stdin ? "from standard input" : c->opts->input,
                         err == -EFBIG ? "it is larger than 4 MiB" : strerror(-err),
                         c->opts->is_once ? "" : "; looking again shortly");
        return; /* keep the items we have */
    }
    for (size_t i = 0; i < c->nitems; i++)
        c->items[i].is_listed = false;
    for (p = buf, end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct input_sources e;
        const char *why;

        lineno++;
        switch (input_parse_sources(p, n, &e, &why)) {
        case INPUT_ENTRY:
            if (add_item(c, &e, cap) != 0)
                progress_message(c->progress, true, "out of memory reading %s", c->opts->input);
            break;
        case INPUT_BAD:
            progress_message(c->progress, true, "%s line %zu: %s; line ignored", c->opts->input,
                             lineno, why);
            break;
        case INPUT_SKIP:
            break;
        }
        p += n + 1;
    }
    free(buf);
    prune_items(c);
}

/* Record (and show) why the catalog could not be used. */
static void catalog_errf(struct controller *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void catalog_errf(struct controller *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->catalog_err, sizeof(c->catalog_err), fmt, ap);
    va_end(ap);
    /* A single pass says it once, in the names' result lines. */
    if (c->opts->cmd != CLIENT_GET && !c->opts->is_once)
        progress_message(c->progress, true, "%s", c->catalog_err);
}

/* Fetch and parse the server's catalog; keep the last good one on failure. */
/* A retry of the catalog, on the message line. */
static void catalog_note(void *arg, const char *text)
{
    struct controller *c = arg;

    progress_message(c->progress, false, "%s", text);
}

/* Lock held, released while fetching. */
static void read_catalog(struct controller *c)
{
    char err[PROGRESS_REASON_MAX];
    struct catalog fresh;
    enum retry_class cls;
    int rc;

    /* A single pass retries what may pass; a watch just reads it again at the next poll. */
    pthread_mutex_unlock(&c->lock); /* no lock across I/O; jobs report meanwhile */
    if (c->opts->cmd == CLIENT_GET || c->opts->is_once)
        rc = list_fetch_catalog_retrying(c->fetch, c->base, &c->opts->policy, c->stop, catalog_note,
                                         c, &fresh, err, sizeof(err));
    else
        rc = list_fetch_catalog(c->fetch, c->base, &fresh, err, sizeof(err), &cls);
    pthread_mutex_lock(&c->lock);
    if (rc != 0) {
        catalog_errf(c, "%s", err);
        return;
    }
    catalog_free(&c->catalog);
    c->catalog = fresh;
    c->has_catalog = true;
    c->catalog_err[0] = '\0';
}

/* Names wait for the catalog: waiting when listed, missing when not. */
static void resolve_names(struct controller *c)
{
    for (size_t i = 0; i < c->nitems; i++) {
        struct item *it = &c->items[i];
        const struct catalog_entry *e;

        if (it->kind != INPUT_NAME || (it->state != ENTRY_WAITING && it->state != ENTRY_MISSING &&
                                       it->state != ENTRY_NO_CATALOG))
            continue;
        if (ctl_is_running(c, it->label))
            continue;
        e = c->has_catalog ? catalog_find(&c->catalog, it->label) : NULL;
        if (e != NULL) {
            it->has_size = true;
            it->size = e->size;
            ctl_set_state(c, it, ENTRY_WAITING, NULL);
        } else if (!c->has_catalog) {
            ctl_set_state(c, it, ENTRY_NO_CATALOG, c->catalog_err);
        } else {
            /* The state's name says "not in catalog"; the reason adds what happens next. */
            ctl_set_state(c, it, ENTRY_MISSING,
                          c->opts->is_once || c->opts->cmd == CLIENT_GET
                              ? NULL
                              : "looking again at each poll");
        }
    }
}

/* Read the queue and the catalog into the items. Lock held, released for the I/O. */
static void poll_queue(struct controller *c, size_t *cap)
{
    bool has_names = false;

    if (c->opts->cmd == CLIENT_WATCH)
        read_input(c, cap);
    for (size_t i = 0; i < c->nitems; i++)
        if (c->items[i].kind == INPUT_NAME)
            has_names = true;
    if (has_names) /* URLs need no catalog */
        read_catalog(c);
    publish_queue(c);
    resolve_names(c);
    ctl_resolve_metalinks(c);
}

static void collect_jobs(struct controller *c);
static void schedule(struct controller *c);

/* A job thread: one download after another until the controller closes,
 * alive between files (no thread start per file). c->lock is held but
 * while it downloads. */
static void *job_main(void *arg)
{
    struct job *j = arg;
    struct controller *c = j->c;

    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!j->has_work && !c->is_closing)
            pthread_cond_wait(&j->cond, &c->lock);
        if (!j->has_work)
            break;
        j->has_work = false;
        pthread_mutex_unlock(&c->lock);
        download_run(&j->req, &j->res);
        dl_pool_unreserve(c->pool); /* its first connection, reserved by schedule() */
        pthread_mutex_lock(&c->lock);
        /* Report, and take the next file at once: the controller need not
         * wake for each file of a long queue. It is told when this job
         * found nothing to do (it may be time to end). */
        j->is_finished = true;
        collect_jobs(c);
        schedule(c);
        if (!j->has_work)
            pthread_cond_signal(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/*
 * Where IT comes from (URL) and where it goes (DIR and RELPATH below it).
 * False (with a reason) when it cannot be placed.
 */
static bool item_target(struct controller *c, const struct item *it, char *url, char *dir,
                        char *relpath, const char **why)
{
    char enc[3 * PATH_MAX + 1];
    int n;

    if (it->kind == INPUT_NAME) {
        if (name_encode_url_path(it->label, enc, sizeof(enc)) >= sizeof(enc)) {
            *why = "the name is too long";
            return false;
        }
        n = snprintf(url, URL_MAX, "%s/%s", c->base, enc);
        snprintf(relpath, PATH_MAX, "%s", it->label);
    } else if (it->meta != NULL) { /* the Metalink names the file and where it is */
        n = snprintf(url, URL_MAX, "%s", it->meta->urls[0].url);
        snprintf(relpath, PATH_MAX, "%s", it->meta->name);
    } else {
        char name[NAME_MAX_LEN + 1];

        n = snprintf(url, URL_MAX, "%s", it->label);
        if (!input_url_filename(it->label, strlen(it->label), name, sizeof(name))) {
            *why = "the URL does not end in a usable file name (its last segment is empty, "
                   "hidden, '..', holds a '/' or a control byte, or is longer than 255 bytes)";
            return false;
        }
        snprintf(relpath, PATH_MAX, "%s", name);
    }
    if (n < 0 || n >= URL_MAX) {
        *why = "the URL is too long";
        return false;
    }
    if (c->opts->output != NULL) { /* -o PATH: its directory as given, its name */
        const char *base = fileio_split_path(c->opts->output, dir, PATH_MAX);

        if (base == NULL || *base == '\0') {
            *why = "the --output path is too long or ends in '/'";
            return false;
        }
        snprintf(relpath, PATH_MAX, "%s", base);
    } else {
        snprintf(dir, PATH_MAX, "%s", c->opts->dir);
    }
    return true;
}

/* The running job that writes to DIR/RELPATH, or NULL. Lock held. */
static const struct job *owner_of(const struct controller *c, const char *dir, const char *relpath)
{
    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++) {
        const struct job *j = &c->jobs[k];

        if (j->is_busy && strcmp(j->dir, dir) == 0 && strcmp(j->relpath, relpath) == 0)
            return j;
    }
    return NULL;
}

/* Give IT to job J. False when it could not start (IT is failed then). */
static bool start_job(struct controller *c, struct item *it, struct job *j)
{
    const struct catalog_entry *e = NULL;
    int err;

    if (it->kind == INPUT_NAME && c->has_catalog)
        e = catalog_find(&c->catalog, it->label);
    memset(&j->req, 0, sizeof(j->req));
    memset(&j->res, 0, sizeof(j->res));
    j->req.url = j->url;
    j->req.label = it->label;
    j->req.dir = j->dir;
    j->req.relpath = j->relpath;
    if (it->has_sha256) {
        j->req.has_sha256 = true;
        memcpy(j->req.sha256, it->sha256, SHA256_LEN);
    } else if (e != NULL) {
        j->req.has_sha256 = true;
        memcpy(j->req.sha256, e->sha256, SHA256_LEN);
    }
    if (e != NULL) {
        j->req.has_size = true;
        j->req.size = e->size;
    }
    ctl_job_sources(it, j);
    j->req.connections = c->opts->connections;
    j->req.is_durable = c->opts->is_durable;
    j->req.policy = c->opts->policy;
    j->req.net = &c->opts->net;
    j->req.pool = c->pool;
    j->req.stop = c->stop;
    j->req.progress = c->progress;
    j->req.progress_slot = j->slot;
    free(j->label);
    j->label = strdup(it->label);
    if (j->label == NULL) {
        ctl_set_state(c, it, ENTRY_FAILED, "out of memory");
        return false;
    }
    if (!j->has_thread) {
        err = pthread_create(&j->thread, NULL, job_main, j);
        if (err != 0) {
            ctl_set_state(c, it, ENTRY_FAILED, "cannot start a thread");
            return false;
        }
        j->has_thread = true;
    }
    j->is_busy = true;
    j->has_work = true;
    j->is_finished = false;
    ctl_set_state(c, it, ENTRY_ACTIVE, NULL);
    pthread_cond_signal(&j->cond);
    return true;
}

/* Join finished jobs and record their results. Lock held on entry and exit. */
static void collect_jobs(struct controller *c)
{
    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++) {
        struct job *j = &c->jobs[k];
        struct item *it;

        if (!j->is_busy || !j->is_finished)
            continue;
        it = find_item(c, j->label);
        if (it != NULL)
            ctl_report(c, it, &j->res);
        j->is_busy = false;
    }
}

static size_t busy_jobs(const struct controller *c)
{
    size_t n = 0;

    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++)
        n += c->jobs[k].is_busy ? 1 : 0;
    return n;
}

/*
 * Start waiting items while job slots are free. An item whose file
 * another running job writes waits for it: one final path has one owner
 * (store.c's lock covers other processes). Lock held.
 */
static void schedule(struct controller *c)
{
    for (size_t i = 0; i < c->nitems && !ctl_is_stopping(c); i++) {
        struct item *it = &c->items[i];
        struct job *free_job = NULL;
        char url[URL_MAX], dir[PATH_MAX], relpath[PATH_MAX];
        const struct job *owner;
        const char *why = NULL;

        if (it->state != ENTRY_WAITING || ctl_is_running(c, it->label) ||
            (it->is_metalink && it->meta == NULL))
            continue;
        for (size_t k = 0; k < c->max_jobs; k++) {
            if (!c->jobs[k].is_busy) {
                free_job = &c->jobs[k];
                break;
            }
        }
        if (free_job == NULL)
            return;
        if (!item_target(c, it, url, dir, relpath, &why)) {
            ctl_set_state(c, it, ENTRY_FAILED, why);
            progress_event(c->progress, ENTRY_FAILED, "%s: FAILED: %s", it->label, why);
            continue;
        }
        owner = owner_of(c, dir, relpath);
        if (owner != NULL) {
            char reason[PROGRESS_REASON_MAX];

            it->was_blocked = true;
            snprintf(it->blocked_by, sizeof(it->blocked_by), "%s", owner->label);

            snprintf(reason, sizeof(reason), "waiting: %s goes to the same file", owner->label);
            if (strcmp(reason, it->reason) != 0)
                ctl_set_state(c, it, ENTRY_WAITING, reason);
            continue;
        }
        /* Its first connection, from the queue's budget (the rest it takes as it can). */
        if (!dl_pool_reserve(c->pool))
            return;
        memcpy(free_job->url, url, sizeof(url));
        memcpy(free_job->dir, dir, sizeof(dir));
        memcpy(free_job->relpath, relpath, sizeof(relpath));
        if (!start_job(c, it, free_job))
            dl_pool_unreserve(c->pool);
    }
}

static bool has_waiting(const struct controller *c)
{
    for (size_t i = 0; i < c->nitems; i++)
        if (c->items[i].state == ENTRY_WAITING)
            return true;
    return false;
}

/*
 * 1 when something failed. For get and --once, every entry must have ended
 * in the download directory; a watch that is quit only fails for entries
 * that did (waiting and missing ones were not tried to the end).
 */
static int exit_status(const struct controller *c)
{
    bool is_single = c->opts->cmd == CLIENT_GET || c->opts->is_once;

    if (is_single && c->has_input_error)
        return 1;
    for (size_t i = 0; i < c->nitems; i++) {
        enum entry_state s = c->items[i].state;

        if (s == ENTRY_FAILED)
            return 1;
        if (is_single && s != ENTRY_VERIFIED && s != ENTRY_PRESENT && s != ENTRY_UNVERIFIED)
            return 1;
    }
    return 0;
}

static void wait_ms(struct controller *c, uint64_t ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&c->cond, &c->lock, &until);
}

/* The single item of "get". */
static int add_target(struct controller *c, size_t *cap)
{
    struct input_sources src;
    struct input_entry e;

    memset(&src, 0, sizeof(src));
    memset(&e, 0, sizeof(e));
    e.text = strview_from_cstr(c->opts->target);
    e.kind = input_is_url(e.text.p, e.text.len) ? INPUT_URL : INPUT_NAME;
    if (e.kind == INPUT_NAME && input_has_scheme(e.text.p, e.text.len)) {
        progress_event(c->progress, ENTRY_FAILED,
                       "%s: FAILED: only http:// and https:// URLs can be downloaded",
                       c->opts->target);
        return -EINVAL;
    }
    if (e.kind == INPUT_NAME && name_path_check(e.text.p, e.text.len) != NAME_OK) {
        progress_event(c->progress, ENTRY_FAILED, "%s: FAILED: not a file name: %s",
                       c->opts->target, name_strerror(name_path_check(e.text.p, e.text.len)));
        return -EINVAL;
    }
    e.has_sha256 = c->opts->has_sha256;
    memcpy(e.sha256, c->opts->sha256, SHA256_LEN);
    src.entry = e;
    if (e.kind == INPUT_URL) {
        src.nurls = 1;
        src.urls[0] = e.text;
        src.is_metalink = input_url_is_metalink(e.text.p, e.text.len);
    }
    return add_item(c, &src, cap);
}

/* Make sure the download directory exists, creating its parents as mkdir -p does. */
static int ensure_dir(struct controller *c)
{
    char path[PATH_MAX];
    struct stat st;
    size_t len = strlen(c->opts->dir);

    if (c->opts->output != NULL)
        return 0;
    if (len >= sizeof(path)) {
        progress_message(c->progress, true, "the download directory's path is too long");
        return -ENAMETOOLONG;
    }
    memcpy(path, c->opts->dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            progress_message(c->progress, true, "cannot create the download directory %s: %s", path,
                             strerror(errno));
            return -errno;
        }
        path[i] = c->opts->dir[i];
    }
    if (stat(c->opts->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        progress_message(c->progress, true, "%s is not a directory", c->opts->dir);
        return -ENOTDIR;
    }
    return 0;
}

static void controller_loop(struct controller *c, size_t *cap)
{
    bool is_single = c->opts->cmd == CLIENT_GET || c->opts->is_once;
    uint64_t next_poll = 0;

    pthread_mutex_lock(&c->lock);
    for (;;) {
        uint64_t now = now_ms();

        collect_jobs(c);
        if (ctl_is_stopping(c))
            break;
        if (now >= next_poll && (next_poll == 0 || !is_single)) {
            poll_queue(c, cap);
            next_poll = now + (uint64_t)c->opts->interval * 1000u;
        }
        schedule(c);
        if (is_single && !has_waiting(c) && busy_jobs(c) == 0)
            break;
        wait_ms(c, CTL_TICK_MS);
    }
    /* Stopping: the downloads see the stop flag; wait for them. */
    while (busy_jobs(c) > 0) {
        collect_jobs(c);
        if (busy_jobs(c) > 0)
            wait_ms(c, CTL_TICK_MS);
    }
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; i < c->nitems; i++) {
        const struct item *it = &c->items[i];

        if (is_single && !ctl_is_stopping(c) &&
            (it->state == ENTRY_MISSING || it->state == ENTRY_NO_CATALOG)) {
            /* A single pass is over: names still missing failed. */
            progress_event(c->progress, ENTRY_FAILED, "%s: FAILED: %s", it->label,
                           it->reason[0] != '\0' ? it->reason : "not in the server's catalog");
        } else if (ctl_is_stopping(c) && !progress_state_is_final(it->state)) {
            /* Quit: the summary names what is left to do, too. */
            progress_event(c->progress, ENTRY_WAITING, "%s: not finished (%s)%s%s", it->label,
                           progress_state_name(it->state), it->reason[0] ? ": " : "", it->reason);
        }
    }
}

int controller_run(const struct client_opts *opts, struct progress *progress,
                   const atomic_bool *stop)
{
    struct controller *c = calloc(1, sizeof(*c));
    size_t cap = 0, n;
    int status = 1;

    if (c == NULL) {
        progress_message(progress, true, "out of memory");
        progress_finish(progress);
        return 1;
    }
    c->opts = opts;
    c->progress = progress;
    c->stop = stop;
    n = strlen(opts->server);
    while (n > 0 && opts->server[n - 1] == '/')
        n--;
    snprintf(c->base, sizeof(c->base), "%.*s", (int)n, opts->server);
    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++) {
        c->jobs[k].c = c;
        c->jobs[k].slot = k;
        pthread_cond_init(&c->jobs[k].cond, NULL);
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->fetch = fetch_new(&opts->net);
    c->pool = dl_pool_new(&opts->net);
    if (c->fetch == NULL || c->pool == NULL) {
        progress_message(progress, true, "out of memory");
        goto out;
    }
    /*
     * --jobs N: N files at once, each with its connections. By default the
     * files share --connections connections: a file that needs one (a
     * small one) leaves the others to the next files of the queue, and a
     * large one gets what they leave.
     */
    if (opts->jobs != 0) {
        c->max_jobs = opts->jobs < PROGRESS_MAX_FILES ? opts->jobs : PROGRESS_MAX_FILES;
        dl_pool_set_limit(c->pool, 0);
    } else {
        c->max_jobs =
            opts->connections < PROGRESS_MAX_FILES ? opts->connections : PROGRESS_MAX_FILES;
        dl_pool_set_limit(c->pool, opts->connections);
    }
    if (ensure_dir(c) != 0)
        goto out;
    if (opts->cmd == CLIENT_GET && add_target(c, &cap) != 0)
        goto out;
    controller_loop(c, &cap);
    status = exit_status(c);
out:
    pthread_mutex_lock(&c->lock);
    c->is_closing = true;
    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++)
        pthread_cond_signal(&c->jobs[k].cond);
    pthread_mutex_unlock(&c->lock);
    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++) {
        if (c->jobs[k].has_thread)
            pthread_join(c->jobs[k].thread, NULL);
        pthread_cond_destroy(&c->jobs[k].cond);
        free(c->jobs[k].label);
    }
    for (size_t i = 0; i < c->nitems; i++)
        ctl_item_free(&c->items[i]);
    free(c->items);
    catalog_free(&c->catalog);
    fetch_free(c->fetch);
    dl_pool_free(c->pool);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
    progress_finish(progress);
    return status;
}
