/*
 * server/catonly.c - the --write-catalog-only mode: one scan, the
 * Metalink files, the catalog, exit. No thread but the scan's hashing
 * pool, no socket.
 *
 * Every file is written relative to a directory descriptor opened
 * beneath the root with pathopen() (no symbolic link at any depth), into
 * a hidden temporary file renamed over the target, so a reader of the
 * tree never sees a half-written document, and a Metalink is only
 * rewritten when its bytes change (mirrors syncing the tree see no
 * churn). The Metalinks go first and the catalog last: a catalog on disk
 * means the run got that far.
 */
#include "catonly.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fileio.h"
#include "log.h"
#include "meta4.h"
#include "pathopen.h"
#include "scan.h"

#define CATONLY_META4_MAX (4u << 20) /* the largest .meta4 read back to compare */

struct counts {
    size_t written, unchanged, failed;
};

/* Whether the file BASE in DIRFD holds exactly DOC[0..LEN). */
static bool is_same(int dirfd, const char *base, const char *doc, size_t len)
{
    int fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    char *old = NULL;
    size_t olen = 0;
    bool same = false;

    if (fd < 0)
        return false;
    if (fileio_read_fd(fd, CATONLY_META4_MAX, &old, &olen) == 0)
        same = olen == len && memcmp(old, doc, len) == 0;
    free(old);
    close(fd);
    return same;
}

/* Write E's Metalink beside it; counts and logs the outcome. */
static void write_one(int rootfd, const struct snap_entry *e, const struct meta4_url *urls,
                      size_t nurls, struct counts *c)
{
    const char *slash = strrchr(e->name, '/');
    const char *base = slash ? slash + 1 : e->name;
    char dir[PATH_MAX], mbase[NAME_MAX + 1];
    size_t len = 0;
    char *doc = NULL;
    int dfd = -1, err = 0;

    if (snprintf(mbase, sizeof(mbase), "%s%s", base, META4_SUFFIX) >= (int)sizeof(mbase)) {
        err = -ENAMETOOLONG;
        goto out;
    }
    doc = meta4_render(e->name, e->id.size, e->sha256, e->pieces, urls, nurls, &len);
    if (doc == NULL) {
        err = -EILSEQ; /* or out of memory: render refuses only names XML cannot carry */
        goto out;
    }
    if (slash != NULL) {
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - e->name), e->name);
        dfd = pathopen(rootfd, dir, O_RDONLY | O_DIRECTORY, PATHOPEN_AUTO);
        if (dfd < 0) {
            err = dfd;
            dfd = -1;
            goto out;
        }
    }
    if (is_same(dfd >= 0 ? dfd : rootfd, mbase, doc, len)) {
        c->unchanged++;
        goto out;
    }
    err = atomicfile_write_at(dfd >= 0 ? dfd : rootfd, mbase, doc, len, 0644);
    if (err == 0)
        c->written++;
out:
    if (err != 0) {
        c->failed++;
        log_warnx("metalink: cannot write %s%s: %s", e->name, META4_SUFFIX,
                  err == -EILSEQ         ? "the name holds a character XML cannot carry"
                  : err == -ENAMETOOLONG ? "the name is too long for the .meta4 suffix"
                                         : strerror(-err));
    }
    if (dfd >= 0)
        close(dfd);
    free(doc);
}

/* The catalog's path: --catalog, else ROOT/text.txt. NULL when too long. */
static char *catalog_path(const struct server_opts *opts)
{
    size_t n = strlen(opts->root) + sizeof("/text.txt");
    char *p;

    if (opts->is_catalog_set)
        return strdup(opts->catalog);
    p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/text.txt", opts->root);
    return p;
}

int catonly_run(const struct server_opts *opts)
{
    struct meta4_url urls[META4_MAX_URLS];
    struct counts c = {0, 0, 0};
    struct snapshot *s = NULL;
    struct scanner sc;
    char *catalog = NULL;
    bool has_scanner = false;
    size_t nurls = 0;
    int rootfd, status = 1, err;

    if (opts->public_url != NULL)
        urls[nurls++] = (struct meta4_url){opts->public_url, 0};
    for (size_t i = 0; i < opts->nmirrors && nurls < META4_MAX_URLS; i++)
        urls[nurls++] = (struct meta4_url){opts->mirrors[i], 0};
    rootfd = open(opts->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        log_warnx("--root %s: %s", opts->root,
                  errno == ENOTDIR ? "not a directory" : strerror(errno));
        return 2;
    }
    catalog = catalog_path(opts);
    err = catalog == NULL ? -ENOMEM : scanner_init(&sc, rootfd, catalog, 0);
    if (err != 0) {
        log_warnx("cannot start the catalog: %s", strerror(-err));
        goto out;
    }
    has_scanner = true;
    err = scanner_scan(&sc, NULL, &s);
    if (err != 0 || s == NULL) {
        log_warnx("cannot scan --root %s: %s; nothing written", opts->root,
                  strerror(err ? -err : ENOMEM));
        goto out;
    }
    for (size_t i = 0; i < s->n; i++)
        write_one(rootfd, &s->entries[i], urls, nurls, &c);
    err = scanner_write(&sc, s);
    log_out("%s", sc.summary);
    log_out("metalink: %zu written, %zu unchanged, %zu failed (each FILE%s beside its file)",
            c.written, c.unchanged, c.failed, META4_SUFFIX);
    status = err == 0 && c.failed == 0 ? 0 : 1;
out:
    snapshot_unref(s);
    if (has_scanner)
        scanner_cleanup(&sc);
    free(catalog);
    close(rootfd);
    return status;
}
