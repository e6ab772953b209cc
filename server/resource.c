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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encode.h"
#include "meta4.h"
#include "mime.h"
#include "sha256.h"

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
static void entry_repr(const struct server_ctx *ctx, struct fcache_entry *e,
                       const struct snapshot *snap)
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
    /* Its mirrors and its Metalink, once the catalog vouches for this version (RFC 6249). */
    if (e->rep.has_digest && e->links == NULL) {
        char links[META4_LINKS_MAX];

        /* Kept as long as it is (about 100 bytes without mirrors), not META4_LINKS_MAX. */
        if (meta4_file_headers(e->name, ctx->opts->mirrors, ctx->opts->nmirrors, links,
                               sizeof(links)) > 0)
            e->links = strdup(links);
    }
    e->rep.links = e->rep.has_digest ? e->links : NULL;
    e->rep_gen = snap->gen != 0 ? snap->gen : 1;
}

/*
 * The Metalink of the catalog's entry SE, into OUT: when the file on disk
 * is the version SE describes. 0 or an HTTP status with *DETAIL.
 */
static int metalink(const struct server_ctx *ctx, struct fcache *fc, const struct snap_entry *se,
                    const struct resource_query *q, struct resource *out, const char **detail)
{
    struct meta4_url urls[META4_MAX_URLS];
    char self[META4_URL_MAX + 1];
    const char *self_url;
    uint8_t sha[SHA256_LEN];
    char hex[SHA256_HEX_LEN + 1], etag[RESP_ETAG_MAX];
    struct fcache_entry *e;
    size_t n = 0, len;
    bool is_same;
    int err = fcache_open(fc, ctx->rootfd, se->name, q->now, q->now_real, &e);

    if (err == -EISDIR) {
        *detail = DIR_DETAIL;
        return 404;
    }
    if (err != 0)
        return open_status(-err, detail);
    is_same = file_id_equal(&se->id, &e->key.id);
    fcache_release(e);
    if (!is_same) {
        *detail = "the file changed since the catalog was made; its Metalink follows the next scan";
        return 503;
    }
    self_url = q->self_url != NULL ? q->self_url(q->self_arg, self, sizeof(self)) : NULL;
    if (self_url != NULL)
        urls[n++] = (struct meta4_url){self_url, 0};
    for (size_t i = 0; i < ctx->opts->nmirrors && n < META4_MAX_URLS; i++)
        urls[n++] = (struct meta4_url){ctx->opts->mirrors[i], 0};
    if (n == 0) {
        *detail = "the server knows no URL of this file to list";
        return 500;
    }
    out->doc = meta4_render(se->name, se->id.size, se->sha256, se->pieces, urls, n, &len);
    if (out->doc == NULL || sha256_buf(out->doc, len, sha) != 0) {
        *detail = "the server is out of resources; try again";
        return 503;
    }
    /* The document is a function of its bytes' hash: a strong validator. */
    encode_hex(sha, SHA256_LEN, hex);
    snprintf(etag, sizeof(etag), "\"m4-%.32s\"", hex);
    memory_repr(&out->rep, out->doc, len, (time_t)se->id.mtime_sec, etag, META4_MEDIA_TYPE);
    out->rep.has_digest = true;
    memcpy(out->rep.sha256, sha, SHA256_LEN);
    return 0;
}

/* For a NAME ending in ".meta4": the catalog's entry for NAME less it, or NULL. */
static const struct snap_entry *metalink_of(const struct snapshot *snap, const char *name)
{
    const char *base = strrchr(name, '/');
    size_t stem = meta4_stem_len(base != NULL ? base + 1 : name);
    char path[NAME_PATH_MAX + 1];

    if (stem == 0)
        return NULL;
    stem += (size_t)((base != NULL ? base + 1 : name) - name);
    memcpy(path, name, stem);
    path[stem] = '\0';
    return snapshot_find(snap, path);
}

int resource_open(const struct server_ctx *ctx, struct fcache *fc, const struct snapshot *snap,
                  const struct resource_query *q, struct resource *out, const char **detail)
{
    const struct snap_entry *se;
    struct strview path;
    enum name_result nr;
    struct fcache_entry *e;
    bool is_dir;
    int err;

    out->entry = NULL;
    out->doc = NULL;
    out->fd = -1;
    out->name[0] = '\0';
    *detail = NULL;
    if (!resource_target_path(q->target, &path)) {
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
    /* A generated Metalink takes the place of a file of its name (the scan never publishes one). */
    se = metalink_of(snap, out->name);
    if (se != NULL)
        return metalink(ctx, fc, se, q, out, detail);
    err = fcache_open(fc, ctx->rootfd, out->name, q->now, q->now_real, &e);
    if (err == -EISDIR) {
        *detail = DIR_DETAIL;
        return 404;
    }
    if (err != 0)
        return open_status(-err, detail);
    entry_repr(ctx, e, snap);
    if (q->accept.p != NULL && e->rep.has_digest &&
        meta4_accept_prefers(q->accept.p, q->accept.len, e->rep.content_type) &&
        (se = snapshot_find(snap, out->name)) != NULL) {
        fcache_release(e);
        err = metalink(ctx, fc, se, q, out, detail);
        if (err == 0)
            out->rep.links = "Vary: Accept\r\n";
        return err;
    }
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
