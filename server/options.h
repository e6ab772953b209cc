/*
 * server/options.h - the server's command line, parsed into a struct.
 */
#ifndef SERVER_OPTIONS_H
#define SERVER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OPTIONS_DEFAULT_MAX_UPLOAD (64ull << 30)
/* The largest --max-upload-size: 1 PiB, well inside the 15 digits of Upload-Length. */
#define OPTIONS_MAX_UPLOAD_LIMIT   (1ull << 50)
/* The most --mirror options: with --public-url, one Metalink lists at most 32 URLs. */
#define OPTIONS_MAX_MIRRORS        31

struct server_opts {
    uint16_t port;            /* 0: the kernel picks */
    const char *bind;         /* NULL: all interfaces */
    const char *root;         /* the directory to publish */
    const char *catalog;      /* where text.txt is written */
    unsigned max_connections; /* more are answered 503; 0: sized from the descriptor limit */
    unsigned max_per_ip;      /* connections from one address; 0: 3/4 of max_connections */
    uint64_t limit_rate;      /* bytes per second per connection; 0: none */
    unsigned rescan_secs;     /* 0: only on SIGHUP */
    const char *token_file;   /* NULL: read only */
    bool is_quiet;            /* no access log or notices */
    unsigned threads;         /* worker threads; 0: one per CPU */
    unsigned header_timeout;  /* seconds to receive a request head */
    unsigned idle_timeout;    /* seconds a kept-alive connection may idle */
    unsigned send_timeout;    /* seconds without progress while sending */
    unsigned body_timeout;    /* seconds a request body may take, plus ... */
    uint64_t body_min_rate;   /* ... one more second per this many bytes received; 0: none */
    uint64_t max_upload_size; /* bytes an upload may have */
    unsigned upload_expiry;   /* seconds an unfinished resumable upload is kept idle */
    bool is_catalog_set;      /* --catalog was given (else write-catalog-only uses ROOT/text.txt) */
    bool is_write_catalog_only;               /* scan, write text.txt and the .meta4 files, exit */
    const char *public_url;                   /* this server's base URL for Metalinks; NULL: none */
    const char *mirrors[OPTIONS_MAX_MIRRORS]; /* --mirror base URLs, in order */
    size_t nmirrors;
};

enum options_result {
    OPTIONS_OK,      /* run with *OPTS */
    OPTIONS_HELP,    /* --help: print options_usage() and exit 0 */
    OPTIONS_VERSION, /* --version: print the version and exit 0 */
    OPTIONS_USAGE,   /* a usage error, explained in ERR: exit 2 */
};

/* Fill *OPTS with the defaults documented in --help. */
void options_defaults(struct server_opts *opts);

/*
 * Parse ARGV into *OPTS (defaults first). Strings in *OPTS point into
 * ARGV. On OPTIONS_USAGE, ERR (ERRLEN bytes) says what is wrong. Uses
 * getopt_long(), so it is not thread-safe; it resets getopt's state on
 * entry and may be called more than once.
 */
enum options_result options_parse(int argc, char **argv, struct server_opts *opts, char *err,
                                  size_t errlen);

/* Print --help to OUT. */
void options_usage(FILE *out);

#endif
