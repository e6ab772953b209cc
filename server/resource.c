/*
 * server/resource.c - map a request target to a representation.
 *
 * Published files are opened through the worker's cache (fcache.c):
 * pathopen() beneath the root descriptor, a path whose every component
 * is validated, no symbolic link followed at any depth, O_NONBLOCK so a
 * FIFO cannot stall a worker, then fstat() on the descriptor itself to
 * insist on a regular file; a cached file is used again only when a
 * fresh look at its name finds the same file in the same version.
 */
#include "resource.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime.h"

#define DIR_DETAIL "a directory has no page of its own; / lists the whole tree"

bool resource_target_path(struct strview target, struct strview *path)
{
    struct strview t = target;
    const char *q;

    *path = strview_make(target.p, 0);
    if (t.len >= 7 && strview_eq_ci(strview_make(t.p, 7), "http://")) {
        t.p += 7;
        t.len -= 7;
    } else if (t.len >= 8 && strview_eq_ci(strview_make(t.p, 8), "https://")) {
        t.p += 8;
        t.len -= 8;
    } else if (t.len == 0 || t.p[0] != '/') {
        return false;
    } else {
        goto strip_query;
    }
    /* Absolute form: skip the authority. */
    {
        const char *slash = memchr(t.p, '/', t.len);
        const char *qm = memchr(t.p, '?', t.len);

        if (slash == NULL || (qm != NULL && qm < slash)) {
            *path = strview_make("/", 1);
            return true;
        }
        t.len -= (size_t)(slash - t.p);
        t.p = slash;
    }
strip_query:
    q = memchr(t.p, '?', t.len);
    if (q != NULL)
        t.len = (size_t)(q - t.p);
    q = memchr(t.p, '#', t.len);
    if (q != NULL)
        t.len = (size_t)(q - t.p);
    *path = t;
    return true;
}

void resource_file_etag(const struct file_id *id, char out[RESP_ETAG_MAX])
{
    uint64_t mtime_ns = (uint64_t)id->mtime_sec * 1000000000u + (uint64_t)id->mtime_nsec;
    uint64_t ctime_ns = (uint64_t)id->ctime_sec * 1000000000u + (uint64_t)id->ctime_nsec;

    snprintf(out, RESP_ETAG_MAX, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"", id->ino,
             id->size, mtime_ns, ctime_ns);
}

static void memory_repr(struct repr *rep, const char *mem, size_t len, time_t mtime,
                        const char *etag, const char *type)
{
    memset(rep, 0, sizeof(*rep));
    rep->is_file = false;
    rep->mem = mem;
    rep->size = len;
    rep->mtime = mtime;
    snprintf(rep->etag, sizeof(rep->etag), "%s", etag);
    rep->content_type = type;
}

static int open_status(int err, const char **detail)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ELOOP: /* a symbolic link: not published */
    case EXDEV: /* openat2() saw a way out of the root */
    case ENXIO:
        *detail = "no such file";
        return 404;
    case EACCES:
    case EPERM:
        *detail = "the file cannot be read";
        return 403;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
        *detail = "the server is out of resources; try again";
        return 503;
    default:
        *detail = "the file cannot be opened";
        return 500;
    }
}

/*
 * Fill E's representation for SNAP: what depends on the file's version
 * once, the digest again whenever the snapshot is another one.
 */
static void entry_repr(struct fcache_entry *e, const struct snapshot *snap)
{
    const struct snap_entry *se;

    if (e->rep_gen == snap->gen && e->rep_gen != 0)
        return;
    if (e->rep_gen == 0) {
        memset(&e->rep, 0, sizeof(e->rep));
        e->rep.is_file = true;
        e->rep.size = e->key.id.size;
        e->rep.mtime = (time_t)e->key.id.mtime_sec;
        e->rep.content_type = mime_type(e->name);
        resource_file_etag(&e->key.id, e->rep.etag);
    }
    /* The catalog's hash counts only if it was computed for this very
     * version: same inode, size, mtime and ctime as the open file. */
    se = snapshot_find(snap, e->name);
    e->rep.has_digest = se != NULL && file_id_equal(&se->id, &e->key.id);
    if (e->rep.has_digest)
        memcpy(e->rep.sha256, se->sha256, SHA256_LEN);
    e->rep_gen = snap->gen != 0 ? snap->gen : 1;
}

int resource_open(const struct server_ctx *ctx, struct fcache *fc, const struct snapshot *snap,
                  struct strview target, uint64_t now, struct timespec now_real,
                  struct resource *out, const char **detail)
{
    struct strview path;
    enum name_result nr;
    struct fcache_entry *e;
    bool is_dir;
    int err;

    out->entry = NULL;
    out->fd = -1;
    out->name[0] = '\0';
    *detail = NULL;
    if (!resource_target_path(target, &path)) {
        *detail = "the request target must be a path";
        return 400;
    }
    if (strview_eq(path, "/")) {
        memory_repr(&out->rep, snap->html, snap->html_len, snap->mtime, snap->html_etag,
                    "text/html; charset=utf-8");
        return 0;
    }
    /* "/iso/": a directory, if the rest is a valid path. */
    is_dir = path.len > 1 && path.p[path.len - 1] == '/';
    nr = name_path_from_target(path.p + 1, path.len - 1 - (is_dir ? 1 : 0), out->name,
                               sizeof(out->name));
    if (nr == NAME_DOT) {
        *detail = "no such file";
        return 404;
    }
    if (nr != NAME_OK) {
        *detail = name_strerror(nr);
        return 400;
    }
    if (is_dir) {
        out->name[0] = '\0';
        *detail = DIR_DETAIL;
        return 404;
    }
    if (strcmp(out->name, RESOURCE_CATALOG_NAME) == 0) {
        memory_repr(&out->rep, snap->text, snap->text_len, snap->mtime, snap->text_etag,
                    "text/plain; charset=utf-8");
        out->rep.has_digest = true;
        memcpy(out->rep.sha256, snap->text_sha256, SHA256_LEN);
        return 0;
    }
    err = fcache_open(fc, ctx->rootfd, out->name, now, now_real, &e);
    if (err == -EISDIR) {
        *detail = DIR_DETAIL;
        return 404;
    }
    if (err != 0)
        return open_status(-err, detail);
    entry_repr(e, snap);
    out->entry = e;
    out->id = e->key.id;
    out->rep = e->rep;
    if (e->bytes != NULL) {
        /* Read and checked when the file was settled (fcache.h): served from memory. */
        out->rep.is_file = false;
        out->rep.mem = e->bytes;
    } else {
        out->fd = e->fd;
    }
    return 0;
}
