/*
 * server/server.c - start, run and stop the server's threads.
 *
 * DESIGN. Threads:
 *   - main: sets everything up, then waits in sigwaitinfo() for SIGHUP
 *     (ask the scanner for a rescan) and SIGINT/SIGTERM (stop). Every
 *     other thread is created with these signals blocked, so they are only
 *     ever received here; SIGPIPE is ignored process-wide (a client that
 *     hangs up is an error return, not a death).
 *   - acceptor (acceptor.c): accepts and deals sockets to workers.
 *   - workers (worker.c), one per CPU: each owns its connections.
 *   - scanner (scan.c): rescans the root and publishes catalog snapshots.
 *   - disk threads (jobq.c, DISK_THREADS of them): the work of uploads and
 *     deletes that may block on the disk (fsync, rename, unlink, writing
 *     the catalog), so that a worker never waits for the disk; they also
 *     expire old resumable uploads.
 *   - log writers (logwriter.c), one for stdout and one for stderr: they
 *     write the lines every other thread queues, so no thread that serves
 *     clients ever waits for its output. They start first and stop last.
 * Stopping: the acceptor stops and the listening socket closes (new
 * connections are refused), each worker gets a stop message and finishes
 * what is in flight within SERVER_GRACE_SECS, the disk threads finish
 * their queue, the scanner is interrupted, and everything is joined
 * before server_run() returns.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "auth.h"
#include "capacity.h"
#include "catwrite.h"
#include "fileio.h"
#include "ctx.h"
#include "listen.h"
#include "log.h"
#include "logwriter.h"
#include "jobq.h"
#include "scan.h"
#include "uploads.h"
#include "worker.h"

#define SERVER_MAX_THREADS 64
#define TOKEN_MAX          4096
#define LOG_GRACE_MS       1000 /* how long the stop waits for a blocked log output */
#define DISK_THREADS       4    /* fsyncs and renames at once (jobq.h) */

/*
 * Raise the descriptor limit as far as it goes and size the connection
 * limits from it into O. Writes the line that says so into SAY
 * (CAP bytes) for announce() to print after the first line. Returns how
 * many open files each of NWORKERS workers may keep cached.
 */
static unsigned plan_capacity(struct server_opts *o, unsigned nworkers, char *say, size_t cap)
{
    uint64_t before = 0, after = 0;
    struct capacity c;
    int err = capacity_raise_nofile(&before, &after), n;
    unsigned ncached;

    if (err != 0)
        log_warnx("cannot read the descriptor limit: %s", strerror(-err));
    capacity_plan(after, o->max_connections, o->max_per_ip, &c);
    if (c.is_lowered)
        log_warnx("the descriptor limit (%llu) allows only %u connections; "
                  "--max-connections lowered from %u",
                  (unsigned long long)after, c.max_connections, o->max_connections);
    o->max_connections = c.max_connections;
    o->max_per_ip = c.max_per_ip;
    n = snprintf(say, cap,
                 "capacity: %u connections (--max-connections), at most %u from one address "
                 "(--max-connections-per-ip); descriptor limit %llu",
                 c.max_connections, c.max_per_ip, (unsigned long long)after);
    if (after != before && n > 0 && (size_t)n < cap)
        n += snprintf(say + n, cap - (size_t)n, ", raised from %llu", (unsigned long long)before);
    ncached = capacity_file_cache(c.file_slots, nworkers);
    if (n > 0 && (size_t)n < cap)
        snprintf(say + n, cap - (size_t)n, "; %u open files cached per worker", ncached);
    return ncached;
}

/* Read the token: its first line, without trailing spaces. NULL on error. */
static char *read_token(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    int err = fileio_read(path, TOKEN_MAX, &buf, &len);

    if (err != 0) {
        log_warnx("--token-file %s: %s", path,
                  err == -EFBIG ? "too large for a token" : strerror(-err));
        return NULL;
    }
    len = strcspn(buf, "\r\n");
    while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        len--;
    buf[len] = '\0';
    if (len == 0) {
        log_warnx("--token-file %s: the file holds no token", path);
        free(buf);
        return NULL;
    }
    if (!auth_token_is_valid(buf, len)) {
        log_warnx("--token-file %s: a bearer token is letters, digits and -._~+/ (and '=' at "
                  "the end); no client could send this one",
                  path);
        free(buf);
        return NULL;
    }
    return buf;
}

/* The catalog's directory must exist; the file itself is (re)written by the scanner. */
static bool catalog_dir_ok(const char *catalog)
{
    char dir[PATH_MAX];
    const char *base = fileio_split_path(catalog, dir, sizeof(dir));
    struct stat st;

    if (base == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_warnx("--catalog %s: the directory %s does not exist", catalog, dir);
        return false;
    }
    if (*base == '\0') {
        log_warnx("--catalog %s: a file name is needed, not a directory", catalog);
        return false;
    }
    return true;
}

static unsigned thread_count(const struct server_opts *opts)
{
    long n = opts->threads ? (long)opts->threads : sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        n = 1;
    if (n > SERVER_MAX_THREADS)
        n = SERVER_MAX_THREADS;
    return (unsigned)n;
}

/* Print the one line scripts wait for, whatever --quiet says. */
static void announce(const char *addr)
{
    char line[128];
    int n = snprintf(line, sizeof(line), "listening on http://%s/\n", addr);

    if (n > 0 && (size_t)n < sizeof(line))
        log_put_line(STDOUT_FILENO, line, (size_t)n);
}

/* Wait for signals until told to stop. */
static void serve_signals(struct scanner *sc, const sigset_t *set)
{
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(set, &si);

        if (sig < 0)
            continue; /* EINTR */
        if (sig == SIGHUP) {
            log_out("SIGHUP: rescanning the root directory");
            scanner_request(sc);
            continue;
        }
        log_out("%s: stopping (transfers in flight get %d s to finish)",
                sig == SIGINT ? "SIGINT" : "SIGTERM", SERVER_GRACE_SECS);
        return;
    }
}

struct server_state {
    struct server_opts opts;
    struct server_ctx ctx;
    struct catalog_store store;
    struct scanner scanner;
    struct catwriter writer;
    bool has_writer;
    struct jobq jobq;
    bool has_jobq;
    struct uploads uploads;
    bool has_uploads;
    struct worker workers[SERVER_MAX_THREADS];
    unsigned nworkers;
    unsigned nworkers_ready; /* initialised, so stop_threads() may touch them */
    struct acceptor acceptor;
    char *token;
    int rootfd;
    int listenfd;
    struct logwriter logw;
    bool has_logw;
    struct iplimit iplimit;
    bool has_iplimit;
};

/* The disk threads' tick: forget uploads past their expiry. */
static void sweep_uploads(void *arg)
{
    uploads_sweep(arg, time(NULL));
}

static int start_threads(struct server_state *s)
{
    unsigned tick = s->opts.upload_expiry < 60 ? 1 : 60;
    int err;

    err = jobq_start(&s->jobq, DISK_THREADS, s->has_uploads ? sweep_uploads : NULL, &s->uploads,
                     tick);
    if (err != 0) {
        log_warnx("cannot start the disk threads: %s", strerror(-err));
        return err;
    }
    s->has_jobq = true;
    for (unsigned i = 0; i < s->nworkers; i++) {
        err = worker_init(&s->workers[i], i, &s->ctx);
        s->nworkers_ready = i + 1; /* even on failure: cleanup handles partial init */
        if (err == 0)
            err = worker_start(&s->workers[i]);
        if (err != 0) {
            log_warnx("cannot start worker %u: %s", i, strerror(-err));
            return err;
        }
    }
    err = scanner_start(&s->scanner, &s->store, &s->writer);
    if (err != 0) {
        log_warnx("cannot start the catalog scanner: %s", strerror(-err));
        return err;
    }
    err = acceptor_init(&s->acceptor, s->listenfd, s->workers, s->nworkers, &s->ctx);
    if (err == 0)
        err = acceptor_start(&s->acceptor);
    if (err != 0)
        log_warnx("cannot start accepting: %s", strerror(-err));
    return err;
}

static void stop_threads(struct server_state *s)
{
    struct worker_handoff stop;

    acceptor_cleanup(&s->acceptor);
    if (s->listenfd >= 0)
        close(s->listenfd);
    s->listenfd = -1;
    memset(&stop, 0, sizeof(stop));
    stop.fd = -1;
    for (unsigned i = 0; i < s->nworkers_ready; i++)
        if (s->workers[i].has_thread && worker_send(&s->workers[i], &stop) != 0)
            log_warnx("cannot tell worker %u to stop", i);
    for (unsigned i = 0; i < s->nworkers_ready; i++)
        worker_join(&s->workers[i]);
    /* The workers are gone; what they handed the disk threads finishes
     * now (an upload being fsynced still takes its name), and the jobs
     * come back to the workers' queues, emptied by worker_cleanup(). */
    if (s->has_jobq)
        jobq_stop(&s->jobq);
    s->has_jobq = false;
    for (unsigned i = 0; i < s->nworkers_ready; i++)
        worker_cleanup(&s->workers[i]);
    scanner_stop(&s->scanner);
}

int server_run(const struct server_opts *opts)
{
    struct server_state *s = calloc(1, sizeof(*s));
    struct snapshot *first = NULL;
    char addr[LISTEN_ADDR_MAX], err[256], capacity_line[320];
    sigset_t set;
    int status = 1, rc;

    if (s == NULL) {
        log_warnx("out of memory");
        return 1;
    }
    s->opts = *opts;
    s->rootfd = s->listenfd = -1;
    s->acceptor.wake_rd = s->acceptor.wake_wr = -1;
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit (ulimit -f) makes a write fail with EFBIG (507)
     * instead of killing the server. */
    signal(SIGXFSZ, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    rc = logwriter_start(&s->logw);
    if (rc != 0)
        log_warnx("cannot start the log writer (%s); logging directly", strerror(-rc));
    s->has_logw = rc == 0;

    s->rootfd = open(opts->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->rootfd < 0) {
        log_warnx("--root %s: %s", opts->root,
                  errno == ENOTDIR ? "not a directory" : strerror(errno));
        status = 2;
        goto out;
    }
    if (!catalog_dir_ok(opts->catalog)) {
        status = 2;
        goto out;
    }
    if (opts->token_file != NULL && (s->token = read_token(opts->token_file)) == NULL) {
        status = 2;
        goto out;
    }
    s->nworkers = thread_count(opts);
    s->ctx.file_cache_max =
        plan_capacity(&s->opts, s->nworkers, capacity_line, sizeof(capacity_line));
    rc = iplimit_init(&s->iplimit, s->opts.max_connections, s->opts.max_per_ip);
    if (rc != 0) {
        log_warnx("cannot set up --max-connections-per-ip: %s", strerror(-rc));
        goto out;
    }
    s->has_iplimit = true;
    s->listenfd = listen_open(opts->bind, opts->port, addr, err, sizeof(err));
    if (s->listenfd < 0) {
        log_warnx("%s", err);
        goto out;
    }
    rc = scanner_init(&s->scanner, s->rootfd, opts->catalog, opts->rescan_secs);
    if (rc != 0) {
        log_warnx("cannot start the catalog: %s", strerror(-rc));
        goto out;
    }
    /* The first catalog is complete before the server answers anyone:
     * connections that arrive meanwhile wait in the listen backlog. */
    s->scanner.is_startup = true;
    rc = scanner_scan(&s->scanner, NULL, &first);
    s->scanner.is_startup = false;
    if (rc != 0 || first == NULL) {
        log_warnx("cannot list --root %s: %s", opts->root, strerror(rc ? -rc : ENOMEM));
        goto out_scanner;
    }
    scanner_write(&s->scanner, first);
    catalog_store_init(&s->store, first);
    catwriter_init(&s->writer, opts->catalog, s->scanner.cache_path, &s->store);
    s->has_writer = true;
    announce(addr);
    log_out("%s", capacity_line);
    log_out("%s", s->scanner.summary);
    if (s->scanner.nstale > 0)
        log_out("uploads: removed %zu temporary file%s of uploads an earlier run left unfinished",
                s->scanner.nstale, s->scanner.nstale == 1 ? "" : "s");
    if (s->token != NULL) {
        /* Before any connection is taken (they wait in the backlog). */
        rc = uploads_init(&s->uploads, s->rootfd, opts->upload_expiry, time(NULL));
        if (rc != 0) {
            log_warnx("cannot keep resumable uploads in %s/%s: %s", opts->root, UPLOADS_DIR,
                      rc == -ELOOP ? "it is a symbolic link" : strerror(-rc));
            goto out_store;
        }
        s->has_uploads = true;
    }

    s->ctx.opts = &s->opts;
    s->ctx.rootfd = s->rootfd;
    s->ctx.store = &s->store;
    s->ctx.token = s->token;
    s->ctx.token_len = s->token != NULL ? strlen(s->token) : 0;
    s->ctx.writer = &s->writer;
    s->ctx.jobq = &s->jobq;
    s->ctx.uploads = s->has_uploads ? &s->uploads : NULL;
    s->ctx.iplimit = &s->iplimit;
    s->ctx.header_timeout_ns = (uint64_t)opts->header_timeout * 1000000000u;
    s->ctx.idle_timeout_ns = (uint64_t)opts->idle_timeout * 1000000000u;
    s->ctx.send_timeout_ns = (uint64_t)opts->send_timeout * 1000000000u;
    s->ctx.body_timeout_ns = (uint64_t)opts->body_timeout * 1000000000u;
    s->ctx.grace_ns = (uint64_t)SERVER_GRACE_SECS * 1000000000u;
    atomic_init(&s->ctx.nconns, 0);

    if (start_threads(s) == 0) {
        serve_signals(&s->scanner, &set);
        status = 0;
    }
    stop_threads(s);
out_store:
    if (s->has_uploads)
        uploads_cleanup(&s->uploads);
    if (s->has_writer)
        catwriter_cleanup(&s->writer);
    catalog_store_cleanup(&s->store);
out_scanner:
    scanner_cleanup(&s->scanner);
out:
    if (s->listenfd >= 0)
        close(s->listenfd);
    if (s->rootfd >= 0)
        close(s->rootfd);
    free(s->token);
    if (s->has_iplimit)
        iplimit_cleanup(&s->iplimit);
    if (s->has_logw)
        logwriter_stop(&s->logw, LOG_GRACE_MS);
    free(s);
    return status;
}
