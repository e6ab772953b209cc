/*
 * server/scan.c - the catalog scanner.
 *
 * DESIGN. One thread, started by server_run() after the first scan (which
 * runs on the main thread before any connection is accepted, so the first
 * catalog is complete when the server starts answering). The thread sleeps
 * on a condition variable until the rescan interval passes, SIGHUP asks
 * for a rescan (scanner_request(), from the signal thread), or the server
 * stops (scanner_stop()). A scan walks the tree under the root (at most
 * NAME_PATH_MAX_DEPTH components deep), reuses every hash whose path and
 * file identity (inode, size, mtime, ctime) are unchanged, collects the
 * rest, and hashes them afterwards on every core (scanhash.c: a pool of
 * threads started for that scan and joined before it goes on). Only when
 * something changed does it write text.txt and the cache (each
 * atomically) and publish a new snapshot.
 *
 * The walk holds one descriptor per directory level and opens every entry
 * relative to its parent's descriptor with O_NOFOLLOW (directories also
 * with O_DIRECTORY), so a symbolic link is never followed, and a directory
 * swapped for a link between the listing and the open is refused, not
 * entered; the hashing pool opens each file again beneath the root with
 * pathopen(), under the same rule. A directory that cannot be read, or a
 * file that cannot be opened, for lack of resources (EMFILE, ENOMEM)
 * fails the scan, so a partial tree never replaces the catalog. Workers
 * never wait for the scanner: they keep serving the old snapshot. A hash
 * in progress polls is_stopping between reads, so stopping is prompt even
 * in the middle of a large file.
 */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileid.h"
#include "fileio.h"
#include "catwrite.h"
#include "hashcache.h"
#include "human.h"
#include "log.h"
#include "meta4.h"
#include "name.h"
#include "resource.h"
#include "scanhash.h"
#include "upload_file.h"

/* A growable list of names (the files a scan did not publish). */
struct namelist {
    char **v;
    size_t n, cap;
};

static void namelist_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static bool namelist_has(char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return true;
    return false;
}

static void namelist_add(struct namelist *l, const char *name)
{
    char *copy;

    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **nv = realloc(l->v, ncap * sizeof(*nv));

        if (nv == NULL)
            return; /* only costs a repeated warning later */
        l->v = nv;
        l->cap = ncap;
    }
    copy = strdup(name);
    if (copy != NULL)
        l->v[l->n++] = copy;
}

/* Report NAME once (not again while it stays unpublished). */
static void report_skip(struct scanner *sc, struct namelist *skipped, const char *name,
                        const char *why)
{
    char q[1024]; /* a quoted path, cut to fit */

    if (!namelist_has(sc->warned, sc->nwarned, name))
        log_warnx("catalog: not publishing '%s': %s", log_quote(name, strlen(name), q, sizeof(q)),
                  why);
    namelist_add(skipped, name);
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char *cache_path_for(const char *catalog)
{
    const char *slash = strrchr(catalog, '/');
    size_t dirlen = slash ? (size_t)(slash - catalog) + 1 : 0;
    const char *base = catalog + dirlen;
    size_t need = dirlen + 1 + strlen(base) + sizeof(".cache");
    char *p = malloc(need);

    if (p != NULL)
        snprintf(p, need, "%.*s.%s.cache", (int)dirlen, catalog, base);
    return p;
}

int scanner_init(struct scanner *sc, int rootfd, const char *catalog_path, unsigned rescan_secs)
{
    pthread_condattr_t attr;
    char *buf = NULL;
    size_t len = 0;
    int err;

    memset(sc, 0, sizeof(*sc));
    sc->rootfd = rootfd;
    sc->catalog_path = catalog_path;
    sc->rescan_secs = rescan_secs;
    atomic_init(&sc->is_stopping, false);
    sc->cache_path = cache_path_for(catalog_path);
    sc->hash_threads = scanhash_threads_for(sysconf(_SC_NPROCESSORS_ONLN));
    if (sc->cache_path == NULL)
        return -ENOMEM;
    pthread_mutex_init(&sc->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&sc->cond, &attr);
    pthread_condattr_destroy(&attr);
    err = fileio_read(sc->cache_path, HASHCACHE_MAX, &buf, &len);
    if (err == 0)
        sc->cache = hashcache_parse(buf, len, &sc->ncache);
    else if (err != -ENOENT)
        log_warnx("catalog: ignoring the hash cache %s: %s", sc->cache_path, strerror(-err));
    free(buf);
    return 0;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct snap_entry *x = a, *y = b;

    return strcmp(x->name, y->name);
}

/* A known hash for NAME with identity ST, from PREV or the cache. */
static const struct snap_entry *known_hash(const struct scanner *sc, const struct snapshot *prev,
                                           const char *name, const struct stat *st)
{
    const struct snap_entry *cands[2] = {NULL, NULL};
    struct snap_entry key;
    struct file_id id;

    file_id_from_stat(st, &id);
    memset(&key, 0, sizeof(key));
    key.name = (char *)name;
    if (prev != NULL)
        cands[0] = snapshot_find(prev, name);
    if (sc->ncache > 0)
        cands[1] = bsearch(&key, sc->cache, sc->ncache, sizeof(sc->cache[0]), entry_cmp);
    for (int i = 0; i < 2; i++) {
        const struct snap_entry *e = cands[i];

        /* Without piece hashes (an upload's entry) it is hashed again, once. */
        if (e != NULL && e->pieces != NULL && file_id_equal(&e->id, &id))
            return e;
    }
    return NULL;
}

/*
 * A hash an upload published while this scan ran (the file is not in
 * PREV yet), copied into *OUT: the upload computed it as the bytes
 * arrived, so the scan need not read the file again.
 */
static bool fresh_hash(const struct scanner *sc, const char *name, const struct stat *st,
                       struct snap_entry *out)
{
    struct snapshot *cur;
    const struct snap_entry *e;
    struct file_id id;
    bool is_found = false;

    if (sc->store == NULL)
        return false;
    file_id_from_stat(st, &id);
    cur = catalog_store_get(sc->store);
    e = snapshot_find(cur, name);
    if (e != NULL && e->pieces != NULL && file_id_equal(&e->id, &id)) {
        *out = *e;
        out->pieces = pieces_ref(e->pieces);
        is_found = true;
    }
    snapshot_unref(cur);
    return is_found;
}

struct scan_list {
    struct snap_entry *v;
    size_t n, cap;
    size_t nhashed;
    uint64_t total;
    struct scanhash_job *jobs; /* files to hash once the walk is done */
    size_t njobs, jobcap;
};

static void jobs_free(struct scanhash_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].name);
        pieces_unref(jobs[i].pieces);
    }
    free(jobs);
}

/* Add NAME (SIZE bytes) to the files to hash. */
static int job_push(struct scan_list *l, const char *name, uint64_t size)
{
    struct scanhash_job *j;

    if (l->njobs == l->jobcap) {
        size_t ncap = l->jobcap ? l->jobcap * 2 : 64;
        struct scanhash_job *nv = realloc(l->jobs, ncap * sizeof(*nv));

        if (nv == NULL)
            return -ENOMEM;
        l->jobs = nv;
        l->jobcap = ncap;
    }
    j = &l->jobs[l->njobs];
    memset(j, 0, sizeof(*j));
    j->name = strdup(name);
    if (j->name == NULL)
        return -ENOMEM;
    j->size = size;
    l->njobs++;
    return 0;
}

static int list_push(struct scan_list *l, struct snap_entry *e)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        struct snap_entry *nv = realloc(l->v, ncap * sizeof(*nv));

        if (nv == NULL)
            return -ENOMEM;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = *e;
    l->total += e->id.size;
    return 0;
}

/*
 * Where the walk is. PATH is the directory being read, relative to the
 * root ("" for the root, else "iso/old"), with room for one more
 * component; DEPTH counts its components.
 */
struct walk {
    const struct snapshot *prev;
    const struct stat *catalog_st; /* NULL when there is no catalog file yet */
    struct scan_list *list;
    struct namelist *skipped;
    char path[NAME_PATH_MAX + 1 + NAME_MAX_LEN + 1];
    size_t len;
    size_t depth;
};

static int scan_dir(struct scanner *sc, struct walk *w, int dfd);

/* Enter the directory NAME of DIRFD (W->path already names it). */
static int scan_subdir(struct scanner *sc, struct walk *w, int dirfd, const char *name)
{
    size_t saved_len = w->len;
    int dfd, err;

    /* Its files would have more components than a path may. */
    if (w->depth + 2 > NAME_PATH_MAX_DEPTH) {
        report_skip(sc, w->skipped, w->path,
                    "directory nested too deep (a path has at most 32 components)");
        return 0;
    }
    dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        err = errno;
        if (err == ENOENT || err == ENOTDIR || err == ELOOP)
            return 0; /* gone, or swapped for a link since it was listed: never followed */
        if (err == EMFILE || err == ENFILE || err == ENOMEM)
            return -err; /* transient: keep the last catalog rather than a partial tree */
        report_skip(sc, w->skipped, w->path, strerror(err));
        return 0;
    }
    w->depth++;
    w->len = strlen(w->path);
    err = scan_dir(sc, w, dfd);
    w->depth--;
    w->len = saved_len;
    return err;
}

/* Whether BASE in DIRFD is "STEM.meta4" with a regular file STEM beside it. */
static bool is_metalink_of_sibling(int dirfd, const char *base)
{
    size_t stem = meta4_stem_len(base);
    char sibling[NAME_MAX + 1];
    struct stat st;

    if (stem == 0 || stem >= sizeof(sibling))
        return false;
    memcpy(sibling, base, stem);
    sibling[stem] = '\0';
    return fstatat(dirfd, sibling, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Decide about one directory entry: skip it, enter it, reuse its hash, or hash it. */
static int scan_one(struct scanner *sc, struct walk *w, int dirfd, const char *base)
{
    size_t blen = strlen(base);
    enum name_result nr = name_check(base, blen);
    const struct snap_entry *known;
    const char *name = w->path;
    struct snap_entry e;
    struct stat st;
    int err;

    if (nr == NAME_DOT) {
        /* Hidden files and directories (ours among them) are private by
         * design. At startup, an upload's temporary file is a leftover of
         * a server that was killed: nothing will finish it. */
        if (sc->is_startup && strncmp(base, UPLOAD_TMP_PREFIX, strlen(UPLOAD_TMP_PREFIX)) == 0 &&
            fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            unlinkat(dirfd, base, 0) == 0)
            sc->nstale++; /* said after "listening on" */
        return 0;
    }
    /* W->path becomes this entry's path for the rest of the call. */
    if (w->len > 0)
        w->path[w->len] = '/';
    memcpy(w->path + w->len + (w->len > 0), base, blen + 1);
    if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return 0; /* vanished since readdir: the next scan will know */
    if (w->catalog_st != NULL && st.st_dev == w->catalog_st->st_dev &&
        st.st_ino == w->catalog_st->st_ino)
        return 0; /* the catalog itself lives in the tree */
    if (nr != NAME_OK) {
        report_skip(sc, w->skipped, name, name_strerror(nr));
        return 0;
    }
    if (strlen(name) > NAME_PATH_MAX) {
        report_skip(sc, w->skipped, name, "path too long (more than 4095 bytes)");
        return 0;
    }
    if (w->depth == 0 && strcmp(name, RESOURCE_CATALOG_NAME) == 0) {
        report_skip(sc, w->skipped, name, "the name is reserved for the catalog at /text.txt");
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        report_skip(sc, w->skipped, name, "symbolic links are not followed");
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return scan_subdir(sc, w, dirfd, base);
    if (!S_ISREG(st.st_mode)) {
        report_skip(sc, w->skipped, name, "not a regular file");
        return 0;
    }
    if (is_metalink_of_sibling(dirfd, base))
        return 0; /* FILE.meta4 beside FILE describes it (--write-catalog-only) */
    memset(&e, 0, sizeof(e));
    known = known_hash(sc, w->prev, name, &st);
    if (known != NULL) {
        e = *known;
        e.pieces = pieces_ref(known->pieces);
    } else if (!fresh_hash(sc, name, &st, &e)) {
        return job_push(w->list, name, (uint64_t)st.st_size);
    }
    e.name = strdup(name);
    err = e.name == NULL ? -ENOMEM : list_push(w->list, &e);
    if (err != 0) {
        free(e.name);
        pieces_unref(e.pieces);
    }
    return err;
}

/* Read the directory DFD (taken: closed here), whose path is W->path. */
static int scan_dir(struct scanner *sc, struct walk *w, int dfd)
{
    DIR *dir = fdopendir(dfd);
    int err = 0;

    if (dir == NULL) {
        err = -errno;
        close(dfd);
        return err;
    }
    for (;;) {
        struct dirent *d;

        errno = 0;
        d = readdir(dir);
        if (d == NULL) {
            err = -errno;
            break;
        }
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        err = scan_one(sc, w, dirfd(dir), d->d_name);
        w->path[w->len] = '\0';
        if (err != 0)
            break;
    }
    closedir(dir);
    return err;
}

/* Walk the whole tree under the root into L. */
static int scan_tree(struct scanner *sc, const struct snapshot *prev, struct scan_list *l,
                     struct namelist *skipped)
{
    struct stat catalog_st;
    struct walk *w = calloc(1, sizeof(*w));
    int dfd, err;

    if (w == NULL)
        return -ENOMEM;
    w->prev = prev;
    w->catalog_st = stat(sc->catalog_path, &catalog_st) == 0 ? &catalog_st : NULL;
    w->list = l;
    w->skipped = skipped;
    dfd = openat(sc->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    err = dfd < 0 ? -errno : scan_dir(sc, w, dfd);
    free(w);
    return err;
}

/*
 * Hash the files the walk collected in L and move each one hashed into
 * L's entries; what cannot be hashed is reported and left out. Returns 0,
 * or a negative errno value that fails the whole scan: stopped, or out
 * of memory or descriptors (a partial tree must not replace the catalog).
 */
static int hash_collected(struct scanner *sc, struct scan_list *l, struct namelist *skipped)
{
    int err = scanhash_run(sc->rootfd, l->jobs, l->njobs, sc->hash_threads, &sc->is_stopping,
                           !sc->is_startup);

    for (size_t i = 0; i < l->njobs && err == 0; i++) {
        struct scanhash_job *j = &l->jobs[i];
        struct snap_entry e;

        switch (j->err) {
        case 0:
            memset(&e, 0, sizeof(e));
            e.name = j->name;
            e.id = j->id;
            memcpy(e.sha256, j->sha256, SHA256_LEN);
            e.pieces = j->pieces;
            err = list_push(l, &e);
            if (err == 0) {
                j->name = NULL; /* the entry has them */
                j->pieces = NULL;
                l->nhashed++;
            }
            break;
        case -EAGAIN:
            log_out("catalog: %s changed while it was hashed; it will be hashed again", j->name);
            break;
        case -ECANCELED:
        case -EMFILE:
        case -ENFILE:
        case -ENOMEM:
            err = j->err;
            break;
        default:
            /* ELOOP: swapped for a link since it was listed, and not followed. */
            report_skip(sc, skipped, j->name,
                        j->err == -ELOOP ? "symbolic links are not followed" : strerror(-j->err));
            break;
        }
    }
    jobs_free(l->jobs, l->njobs);
    l->jobs = NULL;
    l->njobs = l->jobcap = 0;
    return err;
}

/* The line that says what the last scan found and whether S went to disk (ERR). */
static void make_summary(struct scanner *sc, const struct snapshot *s, int err)
{
    char hs[32];

    human_size(sc->last_total, hs, sizeof(hs));
    snprintf(sc->summary, sizeof(sc->summary), "catalog: %zu file%s, %s (%zu hashed in %.1f s)%s%s",
             s->n, s->n == 1 ? "" : "s", hs, sc->last_nhashed, sc->last_secs,
             err == 0 ? ", written to " : "", err == 0 ? sc->catalog_path : "");
}

int scanner_write(struct scanner *sc, const struct snapshot *s)
{
    int err = catwriter_write(sc->catalog_path, sc->cache_path, s);

    make_summary(sc, s, err);
    return err;
}

int scanner_scan(struct scanner *sc, const struct snapshot *prev, struct snapshot **out)
{
    struct scan_list l = {NULL, 0, 0, 0, 0, NULL, 0, 0};
    struct namelist skipped = {NULL, 0, 0};
    uint64_t started = now_ns();
    struct snapshot *s;
    struct stat st;
    int err;

    *out = NULL;
    err = scan_tree(sc, prev, &l, &skipped);
    if (err == 0)
        err = hash_collected(sc, &l, &skipped);
    jobs_free(l.jobs, l.njobs);
    namelist_free(sc->warned, sc->nwarned);
    sc->warned = skipped.v;
    sc->nwarned = skipped.n;
    if (err != 0) {
        snap_entries_free(l.v, l.n);
        return err;
    }
    if (l.n > 1)
        qsort(l.v, l.n, sizeof(l.v[0]), entry_cmp);
    if (prev != NULL && snapshot_same_entries(prev, l.v, l.n) && stat(sc->catalog_path, &st) == 0) {
        snap_entries_free(l.v, l.n);
        return 0;
    }
    s = snapshot_new(l.v, l.n, prev, time(NULL));
    if (s == NULL)
        return -ENOMEM;
    sc->last_nhashed = l.nhashed;
    sc->last_total = l.total;
    sc->last_secs = (double)(now_ns() - started) / 1e9;
    /* The first scan has absorbed the cache file; snapshots carry it now. */
    snap_entries_free(sc->cache, sc->ncache);
    sc->cache = NULL;
    sc->ncache = 0;
    *out = s;
    return 0;
}

/*
 * Publish NEXT (taken), the result of a scan that started from PREV.
 * Uploads and deletes may have published snapshots meanwhile: their
 * entries win over what the scan saw (snapshot_merge()). Under the
 * store's edit lock, so no edit slips in between. Returns the
 * generation to write, or 0 when there is nothing new to publish.
 */
static uint64_t publish_scan(struct scanner *sc, const struct snapshot *prev, struct snapshot *next)
{
    struct snapshot *cur, *merged;
    struct snap_entry *v;
    uint64_t gen = 0;
    size_t n;

    pthread_mutex_lock(&sc->store->edit_lock);
    cur = catalog_store_get(sc->store);
    if (cur == prev) {
        gen = catalog_store_publish(sc->store, next);
        goto out;
    }
    v = snapshot_merge(prev, cur, next->entries, next->n, &n);
    snapshot_unref(next);
    if (v == NULL) {
        log_warnx("catalog: out of memory merging a rescan; keeping the last catalog");
        goto out;
    }
    if (snapshot_same_entries(cur, v, n)) {
        snap_entries_free(v, n);
        goto out;
    }
    merged = snapshot_new(v, n, cur, time(NULL));
    if (merged != NULL)
        gen = catalog_store_publish(sc->store, merged);
out:
    snapshot_unref(cur);
    pthread_mutex_unlock(&sc->store->edit_lock);
    return gen;
}

/* One rescan on the scanner thread: scan, publish, write, say so. */
static void rescan_once(struct scanner *sc)
{
    struct snapshot *prev = catalog_store_get(sc->store), *next = NULL, *now;
    int err = scanner_scan(sc, prev, &next);
    uint64_t gen;

    if (err != 0 && err != -ECANCELED)
        log_warnx("catalog: cannot scan the root directory: %s; keeping the last catalog",
                  strerror(-err));
    if (next != NULL) {
        /* Serve it first, then write it: HTTP clients are the catalog's
         * main readers, and a reader of the file that then asks over HTTP
         * must not get the older version. */
        gen = publish_scan(sc, prev, next);
        if (gen != 0) {
            err = catwriter_sync(sc->writer, gen);
            now = catalog_store_get(sc->store);
            make_summary(sc, now, err);
            snapshot_unref(now);
            log_out("%s", sc->summary);
        }
    }
    snapshot_unref(prev);
}

static void *scanner_main(void *arg)
{
    struct scanner *sc = arg;

    pthread_mutex_lock(&sc->lock);
    while (!atomic_load(&sc->is_stopping)) {
        if (!sc->is_rescan_requested) {
            if (sc->rescan_secs == 0) {
                pthread_cond_wait(&sc->cond, &sc->lock);
            } else {
                struct timespec deadline;

                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += sc->rescan_secs;
                while (!sc->is_rescan_requested && !atomic_load(&sc->is_stopping))
                    if (pthread_cond_timedwait(&sc->cond, &sc->lock, &deadline) == ETIMEDOUT)
                        break;
            }
        }
        if (atomic_load(&sc->is_stopping))
            break;
        sc->is_rescan_requested = false;
        pthread_mutex_unlock(&sc->lock);
        rescan_once(sc);
        pthread_mutex_lock(&sc->lock);
    }
    pthread_mutex_unlock(&sc->lock);
    return NULL;
}

int scanner_start(struct scanner *sc, struct catalog_store *store, struct catwriter *writer)
{
    int err;

    sc->store = store;
    sc->writer = writer;
    err = pthread_create(&sc->thread, NULL, scanner_main, sc);
    if (err != 0)
        return -err;
    sc->has_thread = true;
    return 0;
}

void scanner_request(struct scanner *sc)
{
    pthread_mutex_lock(&sc->lock);
    sc->is_rescan_requested = true;
    pthread_cond_signal(&sc->cond);
    pthread_mutex_unlock(&sc->lock);
}

void scanner_stop(struct scanner *sc)
{
    if (!sc->has_thread)
        return;
    pthread_mutex_lock(&sc->lock);
    atomic_store(&sc->is_stopping, true);
    pthread_cond_broadcast(&sc->cond);
    pthread_mutex_unlock(&sc->lock);
    pthread_join(sc->thread, NULL);
    sc->has_thread = false;
}

void scanner_cleanup(struct scanner *sc)
{
    scanner_stop(sc);
    snap_entries_free(sc->cache, sc->ncache);
    namelist_free(sc->warned, sc->nwarned);
    free(sc->cache_path);
    pthread_mutex_destroy(&sc->lock);
    pthread_cond_destroy(&sc->cond);
}
