/*
 * server/resource.h - what a request target names: the "/" index, the
 * catalog at "/text.txt", or a published file anywhere in the tree under
 * the root, opened safely.
 */
#ifndef SERVER_RESOURCE_H
#define SERVER_RESOURCE_H

#include <stdbool.h>

#include "ctx.h"
#include "fcache.h"
#include "fileid.h"
#include "name.h"
#include "respond.h"
#include "snapshot.h"
#include "strview.h"

/*
 * The name the catalog is served under; no file of that name is published
 * in the root itself (iso/text.txt is an ordinary file).
 */
#define RESOURCE_CATALOG_NAME "text.txt"

/* What a request asks resource_open() for. */
struct resource_query {
    struct strview target; /* the request target, as sent */
    struct strview accept; /* its (first) Accept value; p NULL: none */
    /* This server's base URL, the Metalink's first <url>, written into BUF
     * (CAP bytes) when a Metalink is served; NULL: none. */
    const char *(*self_url)(void *arg, char *buf, size_t cap);
    void *self_arg;
    uint64_t now;             /* monotonic ns */
    struct timespec now_real; /* the wall clock */
};

struct resource {
    struct fcache_entry *entry; /* a published file: a reference owned by the caller; else NULL */
    char *doc;         /* a generated body REP points into (a Metalink): the caller's to free() */
    int fd;            /* the entry's open file (borrowed from it), or -1 when REP is in memory */
    struct file_id id; /* the open file's identity, which REP describes */
    struct repr rep;
    char name[NAME_PATH_MAX + 1]; /* the decoded path, for files */
};

/*
 * The path of a request target: origin-form "/p?q" gives "/p",
 * absolute-form "http://host/p?q" gives "/p" ("/" when it has no path).
 * Returns false for any other form ("*", authority-form, garbage). Pure.
 */
bool resource_target_path(struct strview target, struct strview *path);

/*
 * Resolve TARGET against the root and SNAP (borrowed; the caller keeps its
 * reference while the response uses the memory it points into). Returns 0
 * with *OUT filled, or an HTTP status (400, 403, 404, 500, 503) with a
 * short reason in *DETAIL. The path is percent-decoded once and must then
 * pass name_path_check(): 400 when it breaks the rules, 404 when it is
 * only hidden (a component starting with '.'). It is found through FC
 * (the worker's cache: fcache.h; a cached file is used only when a fresh
 * look at its name finds it unchanged) or opened beneath the root with
 * pathopen(), so no symbolic link is followed at any depth and nothing
 * outside the root is ever opened, and it must be a regular file: a
 * missing file or directory, a directory itself ("/iso" or "/iso/"), a
 * symbolic link or a device is 404. A published file comes with
 * out->entry (release it with fcache_release() once the response is
 * done); its representation is built once per version and catalog
 * snapshot, and a small settled file's bytes come from memory (rep.mem).
 * A file the catalog vouches for carries Link headers (rep.links:
 * meta4_file_headers(), the --mirror URLs and its Metalink).
 *
 * Metalinks (RFC 5854): "/PATH.meta4" when PATH is in the catalog, and
 * "/PATH" when Q->accept prefers one (meta4_accept_prefers()), give the document meta4_render()
 * makes from the catalog's entry (size, SHA-256, piece hashes) with one <url> for Q->self_url() and
 * one per --mirror, in out->doc (the caller frees it); only while the file on disk is still the
 * version the catalog describes, else 503 (its next scan makes a new one). A "NAME.meta4" whose
 * NAME is not in the catalog is an ordinary file.
 */
int resource_open(const struct server_ctx *ctx, struct fcache *fc, const struct snapshot *snap,
                  const struct resource_query *q, struct resource *out, const char **detail);

/*
 * A strong ETag for a file identity: "INODE-SIZE-MTIMENS-CTIMENS" in hex,
 * so it changes with every write, an mtime-preserving one too. Pure.
 */
void resource_file_etag(const struct file_id *id, char out[RESP_ETAG_MAX]);

#endif
