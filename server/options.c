/*
 * server/options.c - getopt_long over a table, values checked with
 * common/strparse. No I/O except options_usage().
 */
#include "options.h"

#include <getopt.h>
#include <string.h>

#include "cliopt.h"
#include "meta4.h"
#include "strparse.h"

enum {
    OPT_THREADS = 256,
    OPT_HEADER_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_SEND_TIMEOUT,
    OPT_BODY_TIMEOUT,
    OPT_BODY_MIN_RATE,
    OPT_MAX_PER_IP,
    OPT_MAX_UPLOAD_SIZE,
    OPT_UPLOAD_EXPIRY,
    OPT_WRITE_CATALOG_ONLY,
    OPT_MIRROR,
    OPT_PUBLIC_URL,
};

static const struct option long_options[] = {
    {"port", required_argument, NULL, 'p'},
    {"bind", required_argument, NULL, 'b'},
    {"root", required_argument, NULL, 'r'},
    {"catalog", required_argument, NULL, 'c'},
    {"max-connections", required_argument, NULL, 'm'},
    {"max-connections-per-ip", required_argument, NULL, OPT_MAX_PER_IP},
    {"limit-rate", required_argument, NULL, 'l'},
    {"rescan", required_argument, NULL, 's'},
    {"token-file", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT},
    {"body-timeout", required_argument, NULL, OPT_BODY_TIMEOUT},
    {"body-min-rate", required_argument, NULL, OPT_BODY_MIN_RATE},
    {"max-upload-size", required_argument, NULL, OPT_MAX_UPLOAD_SIZE},
    {"upload-expiry", required_argument, NULL, OPT_UPLOAD_EXPIRY},
    {"write-catalog-only", no_argument, NULL, OPT_WRITE_CATALOG_ONLY},
    {"mirror", required_argument, NULL, OPT_MIRROR},
    {"public-url", required_argument, NULL, OPT_PUBLIC_URL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void options_defaults(struct server_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->port = 8080;
    opts->root = "./resources";
    opts->catalog = "./text.txt";
    opts->rescan_secs = 10;
    opts->header_timeout = 15;
    opts->idle_timeout = 60;
    opts->send_timeout = 60;
    opts->body_timeout = 15;
    opts->body_min_rate = 1024;
    opts->max_upload_size = OPTIONS_DEFAULT_MAX_UPLOAD;
    opts->upload_expiry = 86400;
}

void options_usage(FILE *out)
{
    fputs("Usage: server [OPTION]...\n"
          "Publish the regular files of a directory tree over HTTP/1.1: a catalog\n"
          "(text.txt) with each file's path, size and SHA-256, and whole files or byte\n"
          "ranges for any HTTP client (the pdm client, curl, wget, aria2c, a browser).\n"
          "\n"
          "  -p, --port N              listen on port N (default 8080; 0: the kernel picks\n"
          "                            one; the first line printed says which)\n"
          "  -b, --bind ADDR           listen on ADDR only (default: all interfaces)\n"
          "  -r, --root DIR            publish the files in DIR (default ./resources)\n"
          "  -c, --catalog FILE        write the catalog to FILE (default ./text.txt);\n"
          "                            it is also served at /text.txt\n"
          "  -m, --max-connections N   serve at most N connections at once; more are\n"
          "                            answered 503 (default: as many as the descriptor\n"
          "                            limit allows: its soft value is raised to the\n"
          "                            hard one, and 7/8 of what is left after 64 are\n"
          "                            connections)\n"
          "      --max-connections-per-ip N\n"
          "                            at most N of them from one client address; more\n"
          "                            are answered 503 (default: three quarters of\n"
          "                            --max-connections, so one address cannot take\n"
          "                            every slot)\n"
          "  -l, --limit-rate RATE     send at most RATE bytes per second on each\n"
          "                            connection; k, m, g mean KiB, MiB, GiB: 512k, 20M\n"
          "                            (default: unlimited)\n"
          "  -s, --rescan SECS         look for new, changed and removed files every SECS\n"
          "                            seconds; 0: only on SIGHUP (default 10)\n"
          "  -t, --token-file FILE     accept uploads (PUT, resumable with PATCH) and\n"
          "                            deletes (DELETE) from clients that send the token\n"
          "                            in FILE's first line (Authorization: Bearer\n"
          "                            TOKEN); without it the server is read only and\n"
          "                            answers them with 405\n"
          "      --max-upload-size SIZE\n"
          "                            the largest file an upload may bring, with k, m,\n"
          "                            g (default 64g); larger ones get 413\n"
          "      --upload-expiry SECS  an unfinished resumable upload that gets no data\n"
          "                            for SECS seconds is removed (default 86400)\n"
          "  -q, --quiet               no access log or notices on stdout (errors still\n"
          "                            go to stderr)\n"
          "      --threads N           worker threads (default: one per CPU)\n"
          "      --header-timeout SECS time allowed to send a request head (default 15)\n"
          "      --idle-timeout SECS   how long a kept-alive connection may sit idle\n"
          "                            (default 60)\n"
          "      --send-timeout SECS   drop a client that reads nothing for SECS seconds\n"
          "                            (default 60)\n"
          "      --body-timeout SECS   a request body must arrive within SECS seconds of\n"
          "                            its head (default 15), plus one second for each\n"
          "                            --body-min-rate bytes received; else 408. An\n"
          "                            upload has no total limit: it is cut (408) when\n"
          "                            any SECS seconds bring less than SECS times\n"
          "                            --body-min-rate bytes\n"
          "      --body-min-rate RATE  the slowest pace a request body may keep, in bytes\n"
          "                            per second, with k, m, g (default 1k; 0: the\n"
          "                            body-timeout alone)\n",
          out);
    fputs("      --mirror URL          another server holding the same tree under base\n"
          "                            URL (http:// or https://), listed in each file's\n"
          "                            Metalink and Link headers (repeatable, up to 31)\n"
          "      --public-url URL      the base URL clients reach this tree at, listed\n"
          "                            first in each Metalink (default: http://HOST of\n"
          "                            the request; none with --write-catalog-only)\n"
          "      --write-catalog-only  do not serve: scan the root once (with the same\n"
          "                            hash cache), write the catalog (default\n"
          "                            ROOT/text.txt) and FILE.meta4 beside each file,\n"
          "                            listing --public-url and each --mirror (at least\n"
          "                            one is needed), and exit, for a tree that another\n"
          "                            web server publishes\n"
          "  -h, --help                show this help and exit\n"
          "  -V, --version             show the version and exit\n"
          "\n"
          "Signals: SIGHUP rescans the directory now; SIGINT and SIGTERM stop accepting,\n"
          "let transfers in flight finish for up to 5 seconds, and exit 0.\n"
          "Exit status: 0 after a clean stop, 1 when the server cannot start, 2 for a\n"
          "usage error. With --write-catalog-only: 0 when every file was written, 1\n"
          "when anything could not be, 2 for a usage error.\n",
          out);
}

enum options_result options_parse(int argc, char **argv, struct server_opts *opts, char *err,
                                  size_t errlen)
{
    uint64_t v;
    int c;

    options_defaults(opts);
    err[0] = '\0';
    optind = 0; /* GNU: start over, whatever an earlier parse left behind */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:b:r:c:m:l:s:t:qhV", long_options, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!cliopt_number("port", optarg, 0, 65535, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->port = (uint16_t)v;
            break;
        case 'b':
            opts->bind = optarg;
            break;
        case 'r':
            opts->root = optarg;
            break;
        case 'c':
            opts->catalog = optarg;
            opts->is_catalog_set = true;
            break;
        case 'm':
            if (!cliopt_number("max-connections", optarg, 1, 1000000, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->max_connections = (unsigned)v;
            break;
        case OPT_MAX_PER_IP:
            if (!cliopt_number("max-connections-per-ip", optarg, 1, 1000000, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->max_per_ip = (unsigned)v;
            break;
        case 'l':
            if (strparse_size(optarg, &opts->limit_rate) != STRPARSE_OK) {
                snprintf(err, errlen,
                         "--limit-rate: '%s' is not a rate (bytes per second, with an optional "
                         "k, m or g: 512k, 20M)",
                         optarg);
                return OPTIONS_USAGE;
            }
            break;
        case 's':
            if (!cliopt_number("rescan", optarg, 0, 86400 * 365, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->rescan_secs = (unsigned)v;
            break;
        case 't':
            opts->token_file = optarg;
            break;
        case 'q':
            opts->is_quiet = true;
            break;
        case OPT_THREADS:
            if (!cliopt_number("threads", optarg, 1, 256, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->threads = (unsigned)v;
            break;
        case OPT_HEADER_TIMEOUT:
            if (!cliopt_number("header-timeout", optarg, 1, 3600, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->header_timeout = (unsigned)v;
            break;
        case OPT_IDLE_TIMEOUT:
            if (!cliopt_number("idle-timeout", optarg, 1, 3600, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->idle_timeout = (unsigned)v;
            break;
        case OPT_SEND_TIMEOUT:
            if (!cliopt_number("send-timeout", optarg, 1, 3600, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->send_timeout = (unsigned)v;
            break;
        case OPT_BODY_TIMEOUT:
            if (!cliopt_number("body-timeout", optarg, 1, 3600, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->body_timeout = (unsigned)v;
            break;
        case OPT_BODY_MIN_RATE:
            if (strparse_size(optarg, &opts->body_min_rate) != STRPARSE_OK ||
                opts->body_min_rate > (1ull << 30)) {
                snprintf(err, errlen,
                         "--body-min-rate: '%s' is not a rate of at most 1g (bytes per second, "
                         "with an optional k, m or g: 512, 4k)",
                         optarg);
                return OPTIONS_USAGE;
            }
            break;
        case OPT_MAX_UPLOAD_SIZE:
            if (strparse_size(optarg, &opts->max_upload_size) != STRPARSE_OK ||
                opts->max_upload_size > OPTIONS_MAX_UPLOAD_LIMIT) {
                snprintf(err, errlen,
                         "--max-upload-size: '%s' is not a size of at most 1048576g (bytes, with "
                         "an optional k, m or g: 100m, 64g)",
                         optarg);
                return OPTIONS_USAGE;
            }
            break;
        case OPT_UPLOAD_EXPIRY:
            if (!cliopt_number("upload-expiry", optarg, 1, 86400 * 365, &v, err, errlen))
                return OPTIONS_USAGE;
            opts->upload_expiry = (unsigned)v;
            break;
        case OPT_WRITE_CATALOG_ONLY:
            opts->is_write_catalog_only = true;
            break;
        case OPT_MIRROR:
        case OPT_PUBLIC_URL: {
            const char *what = c == OPT_MIRROR ? "mirror" : "public-url";
            const char *why = meta4_base_url_check(optarg);

            if (why != NULL) {
                snprintf(err, errlen, "--%s: '%.200s' is not a base URL: %s", what, optarg, why);
                return OPTIONS_USAGE;
            }
            if (c == OPT_PUBLIC_URL) {
                opts->public_url = optarg;
            } else if (opts->nmirrors == OPTIONS_MAX_MIRRORS) {
                snprintf(err, errlen, "--mirror: at most %d mirrors", OPTIONS_MAX_MIRRORS);
                return OPTIONS_USAGE;
            } else {
                opts->mirrors[opts->nmirrors++] = optarg;
            }
            break;
        }
        case 'h':
            return OPTIONS_HELP;
        case 'V':
            return OPTIONS_VERSION;
        default: /* ':' or '?' */
            cliopt_explain(c, optopt, argv[optind - 1], err, errlen);
            return OPTIONS_USAGE;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return OPTIONS_USAGE;
    }
    if (opts->root[0] == '\0' || opts->catalog[0] == '\0') {
        snprintf(err, errlen, "--root and --catalog need a path");
        return OPTIONS_USAGE;
    }
    if (opts->is_write_catalog_only && opts->public_url == NULL && opts->nmirrors == 0) {
        snprintf(err, errlen,
                 "--write-catalog-only needs --public-url or --mirror: the URLs each "
                 "file's Metalink lists");
        return OPTIONS_USAGE;
    }
    return OPTIONS_OK;
}
