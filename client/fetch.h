/*
 * client/fetch.h - one HTTP request at a time on a reusable connection,
 * through libcurl (the only file that includes <curl/curl.h>).
 *
 * A struct fetch wraps one easy handle, so consecutive requests reuse the
 * connection (keep-alive). It belongs to one thread at a time. libcurl
 * follows redirects, honours the usual proxy variables (http_proxy,
 * https_proxy, no_proxy) and speaks HTTPS.
 */
#ifndef CLIENT_FETCH_H
#define CLIENT_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "range.h"
#include "sha256.h"

#define FETCH_ERR_MAX       256
#define FETCH_VALIDATOR_MAX 256

/* What the final response's head said (after any redirects). */
struct fetch_info {
    long status;
    bool has_content_range;
    struct content_range content_range;
    bool has_length;
    uint64_t length;                         /* Content-Length */
    char etag[FETCH_VALIDATOR_MAX];          /* "" when none, or a weak tag */
    char last_modified[FETCH_VALIDATOR_MAX]; /* "" when none */
    bool has_digest;                         /* Repr-Digest (or Digest) gave a SHA-256 */
    uint8_t sha256[SHA256_LEN];
};

/* What a transfer calls back, all on the calling thread. */
struct fetch_sink {
    /* The head is complete. Return false to abort the transfer. */
    bool (*on_head)(void *arg, const struct fetch_info *info);
    /* Body bytes. Return how many were taken; fewer aborts the transfer. */
    size_t (*on_data)(void *arg, const char *p, size_t n);
    /* Called at least every second; return false to abort. May be NULL. */
    bool (*on_tick)(void *arg);
    void *arg;
};

struct fetch_req {
    const char *url;
    bool has_range; /* send Range: bytes=FIRST-LAST (or FIRST- when LAST is UINT64_MAX) */
    uint64_t first;
    uint64_t last;
    const char *if_range; /* sent as If-Range when not NULL */
    unsigned stall_secs;  /* abort when no byte arrives for this long (0: never) */
};

enum fetch_result {
    FETCH_OK,      /* the whole response arrived */
    FETCH_ABORTED, /* a callback said stop */
    FETCH_FAILED,  /* network or protocol trouble: ERR says what */
};

/* Once per process, before any thread starts. 0 or -EIO. */
int fetch_global_init(void);
void fetch_global_cleanup(void);

/* A new connection handle, NULL when out of memory. */
struct fetch *fetch_new(void);
void fetch_free(struct fetch *f);

/*
 * Perform REQ, feeding SINK. ERR (FETCH_ERR_MAX bytes) gets a plain-words
 * reason on FETCH_FAILED ("connection refused", "timed out: no data for 30 s").
 */
enum fetch_result fetch_run(struct fetch *f, const struct fetch_req *req,
                            const struct fetch_sink *sink, char *err);

/*
 * GET URL into a new buffer of at most MAX bytes (*BODY, NUL-terminated,
 * owned by the caller: free()). *STATUS is the HTTP status. Returns 0, or
 * -EIO with ERR set (network trouble, a body over MAX).
 */
int fetch_get(struct fetch *f, const char *url, size_t max, char **body, size_t *len, long *status,
              char *err);

#endif
