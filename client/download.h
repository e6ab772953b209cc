/*
 * client/download.h - download one file over several connections, verify
 * it, and give it its final name.
 */
#ifndef CLIENT_DOWNLOAD_H
#define CLIENT_DOWNLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dl_pool.h"
#include "fetch.h"
#include "progress.h"
#include "sha256.h"

/* When to try again (see retry.h for the classes of failures). */
struct dl_policy {
    unsigned retries;        /* retries of a connection that fails without progress */
    unsigned retry_max_wait; /* seconds: the longest wait between attempts */
    unsigned stall_secs;     /* a connection with no data for this long is retried */
};

struct dl_request {
    const char *url;                     /* the first source */
    const char *const *mirrors;          /* borrowed: more URLs of the same file, best first */
    size_t nmirrors;                     /* (several sources are used only with a SHA-256 or
                                          * piece hashes to hold them to) */
    uint64_t piece_len;                  /* piece hashes, a Metalink's (0: none) */
    size_t npieces;                      /* ceil(size / piece_len); needs has_size */
    const uint8_t (*pieces)[SHA256_LEN]; /* borrowed */
    bool is_discovering; /* follow the first answer's Link: rel=duplicate to a Metalink */
    const char *label;   /* for messages: the name or URL as the user wrote it */
    const char *dir;     /* the download directory (it exists) */
    const char *relpath; /* where the verified file goes under DIR: "f.iso", "iso/f.iso";
                          * subdirectories are created, never through a symlink */
    bool has_sha256;     /* the expected hash (catalog, input line, --sha256) */
    uint8_t sha256[SHA256_LEN];
    bool has_size; /* the catalog's size, checked against the server's */
    uint64_t size;
    unsigned connections; /* at most this many at once */
    bool is_durable;      /* --fsync: on disk before it takes its name (else: page cache) */
    struct dl_policy policy;
    const struct fetch_config *net; /* borrowed: every connection's settings */
    struct dl_pool *pool;           /* borrowed: workers to lend, NULL: its own for this file */
    const atomic_bool *stop;        /* set from outside: stop now, keep what was fetched */
    struct progress *progress;      /* where to show it; NULL: nowhere */
    size_t progress_slot;           /* which active-file slot of PROGRESS */
};

enum dl_status {
    DL_VERIFIED,   /* downloaded, SHA-256 matched, renamed into place */
    DL_PRESENT,    /* the final name already held the right file (or, with no hash known, a
                    * regular file: reason says so) */
    DL_UNVERIFIED, /* downloaded and renamed, but no hash was known to check */
    DL_FAILED,     /* see reason; no file took the final name */
    DL_STOPPED,    /* stopped from outside; the partial file and state remain */
};

struct dl_result {
    enum dl_status status;
    char reason[512]; /* why it failed, in plain words */
    uint64_t size;
    double seconds;             /* wall time of the transfer and verification */
    uint64_t fetched;           /* bytes transferred in this run */
    uint64_t resumed;           /* bytes that were already there from an earlier run */
    uint8_t sha256[SHA256_LEN]; /* the file's hash (for VERIFIED, PRESENT, UNVERIFIED) */
    char sources[512];          /* with several sources: what each gave, who was dropped */
};

/*
 * Download REQ->url to REQ->final_path. Blocks until done, failed or
 * stopped; its connections are served by REQ->pool's workers (given back
 * at the end) or by its own. Resumes from a state file left by an
 * earlier run when the remote file is unchanged.
 */
void download_run(const struct dl_request *req, struct dl_result *res);

#endif
