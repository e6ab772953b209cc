/*
 * server/resource.h - what a request target names: the "/" index, the
 * catalog at "/text.txt", or a published file, opened safely.
 */
#ifndef SERVER_RESOURCE_H
#define SERVER_RESOURCE_H

#include <stdbool.h>

#include "ctx.h"
#include "fileid.h"
#include "name.h"
#include "respond.h"
#include "snapshot.h"
#include "strview.h"

/* The name the catalog is served under; no file of that name is published. */
#define RESOURCE_CATALOG_NAME "text.txt"

struct resource {
    int fd;           /* the open file (owned by the caller), or -1 for memory */
    struct fileid id; /* the open file's identity, which REP describes */
    struct repr rep;
    char name[NAME_MAX_LEN + 1]; /* the decoded name, for files */
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
 * short reason in *DETAIL. A file is opened relative to the root with
 * O_NOFOLLOW and must be a regular file; its name is validated after
 * percent-decoding, so nothing outside the root is ever opened.
 */
int resource_open(const struct server_ctx *ctx, const struct snapshot *snap, struct strview target,
                  struct resource *out, const char **detail);

/* A strong ETag for a file identity: "INODE-SIZE-MTIMENS" in hex. Pure. */
void resource_file_etag(uint64_t ino, uint64_t size, int64_t mtime_sec, int64_t mtime_nsec,
                        char out[RESP_ETAG_MAX]);

#endif
