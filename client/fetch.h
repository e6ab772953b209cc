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
#include "retry.h"
#include "sha256.h"

#define FETCH_ERR_MAX       512
#define FETCH_VALIDATOR_MAX 256
#define FETCH_FIELD_MAX     64
#define FETCH_LINK_MAX      1024 /* bytes of a Link target kept, NUL included */

/* What the Link fields of a response said (RFC 8288, RFC 6249). */
struct fetch_links {
    unsigned nduplicate;              /* links with rel=duplicate: mirrors of the file */
    char describedby[FETCH_LINK_MAX]; /* the first rel=describedby link of type
                                       * application/metalink4+xml, as sent
                                       * (maybe relative); "" when none */
};

/*
 * Settings every request of the process shares: borrowed by each handle
 * for its whole life, so they must outlive it and not change.
 */
struct fetch_config {
    unsigned connect_secs; /* connection (TCP and TLS) must be up within this */
    const char *cacert;    /* a CA bundle to trust instead of the system's; NULL: default */
    const char *capath;    /* a directory of CA certificates (c_rehash'ed); NULL: default */
    bool is_insecure;      /* do not verify the server's certificate (--insecure) */
};

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
    char content_encoding[FETCH_FIELD_MAX]; /* "" when none or "identity"; "?" when too long */
    char retry_after[FETCH_FIELD_MAX];      /* the Retry-After value, "" when none */
    char date[FETCH_FIELD_MAX];             /* the Date value, "" when none */
    struct fetch_links links;               /* its Link fields */
    const char *bad_line;                   /* a header line that does not parse (static text
                                             * saying why), NULL when every line did */
    double wait; /* seconds from sending the request to the end of this head (not counting
                  * the connection's set-up): what the next request on it waits, too */
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
    FETCH_FAILED,  /* network or protocol trouble: the fetch_err says what */
};

/* Why a request failed, in plain words, and whether trying again can help. */
struct fetch_err {
    enum retry_class cls;
    bool is_stall; /* nothing arrived for the request's stall_secs: that was a wait already */
    char text[FETCH_ERR_MAX];
};

/* Once per process, before any thread starts. 0 or -EIO. */
int fetch_global_init(void);
void fetch_global_cleanup(void);

/* A new connection handle using CFG (borrowed for the handle's life), NULL when out of memory. */
struct fetch *fetch_new(const struct fetch_config *cfg);
void fetch_free(struct fetch *f);

/*
 * Perform REQ, feeding SINK. Only http:// and https:// URLs are fetched,
 * and only redirects to them are followed. The request asks for the
 * identity encoding; a response in another Content-Encoding fails
 * (permanently) before any body byte reaches SINK, and so does a head
 * line that does not parse. On FETCH_FAILED, *ERR says why
 * ("cannot connect (...)", "stalled: no data for 30 s") and how to treat it.
 */
enum fetch_result fetch_run(struct fetch *f, const struct fetch_req *req,
                            const struct fetch_sink *sink, struct fetch_err *err);

/*
 * The class of a libcurl result CODE (a CURLcode) whose error text is
 * TEXT (libcurl's error buffer, may be empty). Pure.
 */
enum retry_class fetch_class_of(long code, const char *text);

/*
 * GET URL into a new buffer of at most MAX bytes (*BODY, NUL-terminated,
 * owned by the caller: free()). *STATUS is the HTTP status. Returns 0, or
 * -EIO with *ERR set (network trouble, a body over MAX).
 */
int fetch_get(struct fetch *f, const char *url, size_t max, char **body, size_t *len, long *status,
              struct fetch_err *err);

#endif
