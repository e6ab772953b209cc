/*
 * client/options.c - getopt_long over a table; subcommands are the
 * positional words left after option parsing (GNU getopt permutes, so
 * options may come before or after them). No I/O but client_options_usage().
 */
#include "options.h"

#include <getopt.h>
#include <string.h>

#include "cliopt.h"
#include "encode.h"
#include "name.h"

enum {
    OPT_SHA256 = 256,
    OPT_RETRIES,
    OPT_RETRY_MAX_WAIT,
    OPT_STALL_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_CACERT,
    OPT_CAPATH,
    OPT_FSYNC,
    OPT_TOKEN_FILE,
    OPT_TOKEN, /* refused: without it, getopt would take --token as --token-file */
};

static const struct option long_options[] = {
    {"server", required_argument, NULL, 's'},
    {"input", required_argument, NULL, 'i'},
    {"dir", required_argument, NULL, 'd'},
    {"connections", required_argument, NULL, 'c'},
    {"interval", required_argument, NULL, 'n'},
    {"jobs", required_argument, NULL, 'j'},
    {"once", no_argument, NULL, '1'},
    {"plain", no_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},
    {"output", required_argument, NULL, 'o'},
    {"sha256", required_argument, NULL, OPT_SHA256},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"retry-max-wait", required_argument, NULL, OPT_RETRY_MAX_WAIT},
    {"stall-timeout", required_argument, NULL, OPT_STALL_TIMEOUT},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"capath", required_argument, NULL, OPT_CAPATH},
    {"insecure", no_argument, NULL, 'k'},
    {"fsync", no_argument, NULL, OPT_FSYNC},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void client_options_defaults(struct client_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->cmd = CLIENT_WATCH;
    opts->server = "http://127.0.0.1:8080";
    opts->input = "./input.txt";
    opts->dir = "./data";
    opts->connections = 4;
    opts->interval = 5;
    opts->jobs = 0; /* as the connections allow */
    opts->policy.retries = CLIENT_RETRIES;
    opts->policy.retry_max_wait = CLIENT_RETRY_MAX_WAIT;
    opts->policy.stall_secs = CLIENT_STALL_TIMEOUT;
    opts->net.connect_secs = CLIENT_CONNECT_TIMEOUT;
}

void client_options_env(struct client_opts *opts, const char *(*get)(const char *name))
{
    const char *v;

    if (opts->net.cacert == NULL) {
        v = get("CURL_CA_BUNDLE");
        if (v == NULL || v[0] == '\0')
            v = get("SSL_CERT_FILE");
        if (v != NULL && v[0] != '\0')
            opts->net.cacert = v;
    }
    if (opts->net.capath == NULL) {
        v = get("SSL_CERT_DIR");
        if (v != NULL && v[0] != '\0')
            opts->net.capath = v;
    }
    v = get("PDM_FSYNC");
    if (v != NULL && strcmp(v, "1") == 0)
        opts->is_durable = true;
    v = get(CLIENT_TOKEN_ENV);
    opts->token_env = v != NULL && v[0] != '\0' ? v : NULL;
}

void client_options_usage(FILE *out)
{
    fputs("Usage: client [OPTION]...                watch the queue file and download\n"
          "       client get NAME|URL [OPTION]...   download one file\n"
          "       client list [OPTION]...           show the server's catalog\n"
          "       client put FILE [PATH] [OPTION]...  upload FILE as PATH (default: its\n"
          "                                         base name); resumes after a kill\n"
          "       client put - PATH [OPTION]...     upload standard input as PATH\n"
          "       client rm PATH [OPTION]...        delete PATH on the server\n"
          "       client shell [OPTION]...          interactive session: HELP, LIST,\n"
          "                                         UPLOAD, DOWNLOAD, DELETE, LOGOUT\n"
          "\n"
          "Downloads each file over several connections at once, checks its SHA-256\n"
          "against the server's catalog, and only then puts it in the download\n"
          "directory. A stopped or killed download resumes where it left off. A file\n"
          "with mirrors (several URLs, a .meta4, or a server's Link: rel=duplicate)\n"
          "is fetched from all of them at once, each piece checked as it lands.\n"
          "\n"
          "  -s, --server URL       the server whose catalog (URL/text.txt) names files\n"
          "                         (default http://127.0.0.1:8080)\n"
          "  -i, --input FILE       the queue: one catalog name or http(s) URL per line,\n"
          "                         optionally followed by a TAB and the SHA-256; or\n"
          "                         several URLs of one file (mirrors) separated by\n"
          "                         TABs; or a Metalink URL (.meta4) that describes\n"
          "                         the file, its mirrors and its piece hashes\n"
          "                         (default ./input.txt); '-' reads standard input\n"
          "                         once and implies --once\n"
          "  -d, --dir DIR          where finished downloads go, created if missing\n"
          "                         (default ./data)\n"
          "  -c, --connections N    connections per file and source, 1 to 16 (default\n"
          "                         4); with mirrors, at most 16 in all\n"
          "  -n, --interval SECS    read the queue and the catalog again every SECS\n"
          "                         seconds (default 5)\n"
          "  -j, --jobs N           files downloaded at once, 1 to 8 (default: files\n"
          "                         share the --connections: up to 4 small ones at once)\n"
          "  -1, --once             process the queue once and exit: 0 if every entry\n"
          "                         ended verified, 1 otherwise\n"
          "  -p, --plain            plain progress lines even on a terminal\n"
          "  -q, --quiet            print only failures\n"
          "      --fsync            make each verified file durable (fsync) before it\n"
          "                         takes its name, so it survives a power loss; without\n"
          "                         it a file survives any process kill (PDM_FSYNC=1 in\n"
          "                         the environment makes it the default)\n"
          "  -o, --output PATH      get: write the file to PATH instead of DIR/NAME\n"
          "      --sha256 HEX       get: the SHA-256 the file must have\n"
          "\n"
          "Network (errors that cannot succeed, such as 404, a refused certificate or\n"
          "a redirect loop, fail at once; only transient ones are retried):\n"
          "      --retries N        retry a connection that fails without progress\n"
          "                         N times, 0 to 100 (default 5)\n"
          "      --retry-max-wait SECS  the longest wait between attempts; waits double\n"
          "                         from 1 s, and a server's Retry-After is honoured\n"
          "                         up to this (default 10)\n"
          "      --stall-timeout SECS   retry a connection that receives nothing for\n"
          "                         SECS seconds, at once (default 5)\n"
          "      --connect-timeout SECS give up connecting (TCP and TLS) after SECS\n"
          "                         seconds (default 10)\n"
          "      --cacert FILE      trust the CA certificates in FILE (PEM) for https\n"
          "      --capath DIR       trust the CA certificates in DIR (c_rehash'ed)\n"
          "  -k, --insecure         do not verify the server's certificate (warned about)\n"
          "  Without --cacert or --capath, CURL_CA_BUNDLE, SSL_CERT_FILE and SSL_CERT_DIR\n"
          "  are honoured as by curl; http_proxy, https_proxy and no_proxy too.\n",
          out);
    fputs("\n"
          "Uploads and deletes (put, rm, shell):\n"
          "      --token-file FILE  send the bearer token in FILE (its first line) to the\n"
          "                         server; without it, the environment variable\n"
          "                         PDM_TOKEN holds the token. There is no option that\n"
          "                         takes the token itself: 'ps' would show it.\n"
          "  put FILE hashes FILE first and sends its SHA-256; a file of 8 MiB or more\n"
          "  is sent as a resumable upload, whose state is kept in\n"
          "  ${XDG_STATE_HOME:-$HOME/.local/state}/pdm/uploads/ until it completes, so\n"
          "  running the same command again after a failure or a kill sends only the\n"
          "  rest. put - streams standard input (any size, bounded memory) and sends\n"
          "  its SHA-256 as a trailer. Exit 0 only when the server confirmed.\n"
          "  -h, --help             show this help and exit\n"
          "  -V, --version          show the version and exit\n"
          "\n"
          "In the full-screen display, q quits (partial downloads are kept and\n"
          "resume next time). Exit status: 0 success; 1 a download, a verification, an\n"
          "upload or a delete failed (for shell: some command failed); 2 usage error.\n",
          out);
}

/* cliopt_number() into an unsigned. */
static bool number(const char *name, const char *arg, uint64_t min, uint64_t max, unsigned *out,
                   char *err, size_t errlen)
{
    uint64_t v;

    if (!cliopt_number(name, arg, min, max, &v, err, errlen))
        return false;
    *out = (unsigned)v;
    return true;
}

/* Check PATH, a path on the server, for put and rm. */
static bool remote_ok(const char *cmd, const char *path, char *err, size_t errlen)
{
    enum name_result r = name_path_check(path, strlen(path));

    if (r != NAME_OK) {
        snprintf(err, errlen, "'%s': '%s' is not a valid path on the server: %s", cmd, path,
                 name_strerror(r));
        return false;
    }
    return true;
}

/* put FILE [PATH], put - PATH. */
static enum client_options_result positional_put(int n, char **words, struct client_opts *opts,
                                                 char *err, size_t errlen)
{
    const char *slash;

    if (n < 1 || n > 2) {
        snprintf(err, errlen, "'put' needs FILE and an optional PATH, or '-' and a PATH");
        return CLIENT_OPTIONS_USAGE;
    }
    opts->source = words[0];
    if (opts->source[0] == '\0') {
        snprintf(err, errlen, "'put' needs a FILE");
        return CLIENT_OPTIONS_USAGE;
    }
    if (n == 2) {
        opts->remote = words[1];
    } else if (strcmp(opts->source, "-") == 0) {
        snprintf(err, errlen, "'put -' needs the PATH to store standard input as");
        return CLIENT_OPTIONS_USAGE;
    } else {
        slash = strrchr(opts->source, '/');
        opts->remote = slash != NULL ? slash + 1 : opts->source;
        if (opts->remote[0] == '\0') {
            snprintf(err, errlen, "'put %s': FILE ends in '/'; give a file, or a PATH",
                     opts->source);
            return CLIENT_OPTIONS_USAGE;
        }
    }
    return remote_ok("put", opts->remote, err, errlen) ? CLIENT_OPTIONS_OK : CLIENT_OPTIONS_USAGE;
}

/* The words that follow the options: a subcommand and its operands. */
static enum client_options_result positional(int argc, char **argv, struct client_opts *opts,
                                             char *err, size_t errlen)
{
    int i = optind;

    if (i == argc)
        return CLIENT_OPTIONS_OK;
    if (strcmp(argv[i], "get") == 0) {
        opts->cmd = CLIENT_GET;
        if (argc - i != 2) {
            snprintf(err, errlen, "'get' needs exactly one NAME or URL");
            return CLIENT_OPTIONS_USAGE;
        }
        opts->target = argv[i + 1];
        return CLIENT_OPTIONS_OK;
    }
    if (strcmp(argv[i], "list") == 0 || strcmp(argv[i], "shell") == 0) {
        opts->cmd = argv[i][0] == 'l' ? CLIENT_LIST : CLIENT_SHELL;
        if (argc - i != 1) {
            snprintf(err, errlen, "'%s' takes no argument ('%s')", argv[i], argv[i + 1]);
            return CLIENT_OPTIONS_USAGE;
        }
        return CLIENT_OPTIONS_OK;
    }
    if (strcmp(argv[i], "put") == 0) {
        opts->cmd = CLIENT_PUT;
        return positional_put(argc - i - 1, argv + i + 1, opts, err, errlen);
    }
    if (strcmp(argv[i], "rm") == 0) {
        opts->cmd = CLIENT_RM;
        if (argc - i != 2) {
            snprintf(err, errlen, "'rm' needs exactly one PATH");
            return CLIENT_OPTIONS_USAGE;
        }
        opts->remote = argv[i + 1];
        return remote_ok("rm", opts->remote, err, errlen) ? CLIENT_OPTIONS_OK
                                                          : CLIENT_OPTIONS_USAGE;
    }
    if (strcmp(argv[i], "watch") == 0 && argc - i == 1)
        return CLIENT_OPTIONS_OK;
    snprintf(err, errlen, "unknown command '%s' (commands: get, list, put, rm, shell)", argv[i]);
    return CLIENT_OPTIONS_USAGE;
}

/* Options that only make sense for some commands. */
static enum client_options_result check_fit(const struct client_opts *o, bool has_input,
                                            bool has_interval, char *err, size_t errlen)
{
    if (o->cmd != CLIENT_GET && (o->output != NULL || o->has_sha256)) {
        snprintf(err, errlen, "--output and --sha256 are for 'get'");
        return CLIENT_OPTIONS_USAGE;
    }
    if (o->cmd != CLIENT_WATCH && (o->is_once || has_input || has_interval)) {
        snprintf(err, errlen, "--once, --input and --interval are for watching the queue");
        return CLIENT_OPTIONS_USAGE;
    }
    if (o->token_file != NULL && o->cmd != CLIENT_PUT && o->cmd != CLIENT_RM &&
        o->cmd != CLIENT_SHELL) {
        snprintf(err, errlen, "--token-file is for 'put', 'rm' and 'shell'");
        return CLIENT_OPTIONS_USAGE;
    }
    if (o->token_file != NULL && o->token_file[0] == '\0') {
        snprintf(err, errlen, "--token-file needs a file name");
        return CLIENT_OPTIONS_USAGE;
    }
    if (o->output != NULL && o->output[0] == '\0') {
        snprintf(err, errlen, "--output needs a path");
        return CLIENT_OPTIONS_USAGE;
    }
    return CLIENT_OPTIONS_OK;
}

enum client_options_result client_options_parse(int argc, char **argv, struct client_opts *opts,
                                                char *err, size_t errlen)
{
    bool has_input = false, has_interval = false;
    enum client_options_result r;
    int c;

    client_options_defaults(opts);
    err[0] = '\0';
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:i:d:c:n:j:1pqo:khV", long_options, NULL)) != -1) {
        switch (c) {
        case 's':
            opts->server = optarg;
            break;
        case 'i':
            opts->input = optarg;
            has_input = true;
            break;
        case 'd':
            opts->dir = optarg;
            break;
        case 'c':
            if (!number("connections", optarg, 1, 16, &opts->connections, err, errlen))
                return CLIENT_OPTIONS_USAGE;
            break;
        case 'n':
            if (!number("interval", optarg, 1, 86400, &opts->interval, err, errlen))
                return CLIENT_OPTIONS_USAGE;
            has_interval = true;
            break;
        case 'j':
            if (!number("jobs", optarg, 1, 8, &opts->jobs, err, errlen))
                return CLIENT_OPTIONS_USAGE;
            break;
        case '1':
            opts->is_once = true;
            break;
        case 'p':
            opts->is_plain = true;
            break;
        case 'q':
            opts->is_quiet = true;
            break;
        case 'o':
            opts->output = optarg;
            break;
        case OPT_SHA256:
            if (!decode_hex(optarg, strlen(optarg), opts->sha256, SHA256_LEN)) {
                snprintf(err, errlen, "--sha256: '%s' is not 64 hex digits", optarg);
                return CLIENT_OPTIONS_USAGE;
            }
            opts->has_sha256 = true;
            break;
        case OPT_RETRIES:
            if (!number("retries", optarg, 0, 100, &opts->policy.retries, err, errlen))
                return CLIENT_OPTIONS_USAGE;
            break;
        case OPT_RETRY_MAX_WAIT:
            if (!number("retry-max-wait", optarg, 0, 3600, &opts->policy.retry_max_wait, err,
                        errlen))
                return CLIENT_OPTIONS_USAGE;
            break;
        case OPT_STALL_TIMEOUT:
            if (!number("stall-timeout", optarg, 1, 86400, &opts->policy.stall_secs, err, errlen))
                return CLIENT_OPTIONS_USAGE;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (!number("connect-timeout", optarg, 1, 3600, &opts->net.connect_secs, err, errlen))
                return CLIENT_OPTIONS_USAGE;
            break;
        case OPT_CACERT:
            opts->net.cacert = optarg;
            break;
        case OPT_CAPATH:
            opts->net.capath = optarg;
            break;
        case 'k':
            opts->net.is_insecure = true;
            break;
        case OPT_FSYNC:
            opts->is_durable = true;
            break;
        case OPT_TOKEN_FILE:
            opts->token_file = optarg;
            break;
        case OPT_TOKEN:
            snprintf(err, errlen,
                     "there is no --token option: a token on the command line is visible to "
                     "every user (ps); use --token-file FILE or the variable PDM_TOKEN");
            return CLIENT_OPTIONS_USAGE;
        case 'h':
            return CLIENT_OPTIONS_HELP;
        case 'V':
            return CLIENT_OPTIONS_VERSION;
        default: /* ':' or '?' */
            cliopt_explain(c, optopt, argv[optind - 1], err, errlen);
            return CLIENT_OPTIONS_USAGE;
        }
    }
    r = positional(argc, argv, opts, err, errlen);
    if (r != CLIENT_OPTIONS_OK)
        return r;
    if (opts->server[0] == '\0' || opts->dir[0] == '\0' || opts->input[0] == '\0') {
        snprintf(err, errlen, "--server, --dir and --input need a value");
        return CLIENT_OPTIONS_USAGE;
    }
    if ((opts->net.cacert != NULL && opts->net.cacert[0] == '\0') ||
        (opts->net.capath != NULL && opts->net.capath[0] == '\0')) {
        snprintf(err, errlen, "--cacert and --capath need a value");
        return CLIENT_OPTIONS_USAGE;
    }
    if (has_input && strcmp(opts->input, "-") == 0)
        opts->is_once = true;
    return check_fit(opts, has_input, has_interval, err, errlen);
}
