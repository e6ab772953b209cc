/*
 * client/options.h - the client's command line, parsed into a struct.
 *
 *   client [OPTIONS]                  watch input.txt (the default)
 *   client get NAME|URL [OPTIONS]     download one file
 *   client list [OPTIONS]             show the server's catalog
 *   client put FILE [PATH] [OPTIONS]  upload a file (PATH: its base name)
 *   client put - PATH [OPTIONS]       upload standard input
 *   client rm PATH [OPTIONS]          delete a file on the server
 *   client shell [OPTIONS]            an interactive session
 *
 * Options may stand before or after the subcommand.
 */
#ifndef CLIENT_OPTIONS_H
#define CLIENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "download.h"
#include "fetch.h"
#include "sha256.h"

/* The defaults of the network options (documented in --help and client.1). */
#define CLIENT_RETRIES         5
#define CLIENT_RETRY_MAX_WAIT  10
#define CLIENT_STALL_TIMEOUT   5
#define CLIENT_CONNECT_TIMEOUT 10

enum client_cmd {
    CLIENT_WATCH, /* poll input.txt (with --once: process it once) */
    CLIENT_GET,
    CLIENT_LIST,
    CLIENT_PUT,
    CLIENT_RM,
    CLIENT_SHELL,
};

/* The environment variable that may hold the token (--token-file wins). */
#define CLIENT_TOKEN_ENV "PDM_TOKEN"

struct client_opts {
    enum client_cmd cmd;
    const char *server;   /* base URL of the catalog's server */
    const char *input;    /* the queue file */
    const char *dir;      /* where finished downloads go */
    unsigned connections; /* per file */
    unsigned interval;    /* seconds between polls of the input */
    unsigned jobs;        /* files downloaded at once; 0: files share the connections */
    bool is_once;         /* also set by "--input -": standard input is read once */
    bool is_plain;
    bool is_quiet;
    bool is_durable;         /* --fsync, or PDM_FSYNC=1 in the environment */
    struct dl_policy policy; /* --retries, --retry-max-wait, --stall-timeout */
    struct fetch_config net; /* --connect-timeout, --cacert, --capath, --insecure */
    const char *target;      /* get: a catalog name or a URL */
    const char *output;      /* get -o PATH: NULL for DIR/NAME */
    bool has_sha256;         /* get --sha256 HEX */
    uint8_t sha256[SHA256_LEN];
    const char *source;     /* put: the local FILE, or "-" for standard input */
    const char *remote;     /* put, rm: the PATH on the server (checked by name_path_check) */
    const char *token_file; /* --token-file FILE: NULL when not given */
    const char *token_env;  /* the value of PDM_TOKEN, NULL when unset or empty */
};

enum client_options_result {
    CLIENT_OPTIONS_OK,
    CLIENT_OPTIONS_HELP,
    CLIENT_OPTIONS_VERSION,
    CLIENT_OPTIONS_USAGE, /* explained in ERR: exit 2 */
};

/* Fill *OPTS with the documented defaults. */
void client_options_defaults(struct client_opts *opts);

/*
 * Parse ARGV into *OPTS (defaults first; strings point into ARGV). Uses
 * getopt_long(): not thread-safe; resets getopt's state on entry.
 */
enum client_options_result client_options_parse(int argc, char **argv, struct client_opts *opts,
                                                char *err, size_t errlen);

/*
 * Fill the CA settings the command line left open from the environment,
 * as the curl tool does: CURL_CA_BUNDLE, else SSL_CERT_FILE, for the
 * bundle; SSL_CERT_DIR for the directory. PDM_FSYNC=1 turns --fsync on.
 * Also take PDM_TOKEN (an empty value counts as unset). GETENV is getenv()
 * or a stub.
 */
void client_options_env(struct client_opts *opts, const char *(*get)(const char *name));

/* Print --help to OUT. */
void client_options_usage(FILE *out);

#endif
