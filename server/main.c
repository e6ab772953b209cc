/*
 * server/main.c - bin/server: options in, server_run() out.
 */
#include <stdio.h>

#include "catonly.h"
#include "log.h"
#include "options.h"
#include "server.h"
#include "version.h"

int main(int argc, char **argv)
{
    struct server_opts opts;
    char err[256];

    switch (options_parse(argc, argv, &opts, err, sizeof(err))) {
    case OPTIONS_HELP:
        options_usage(stdout);
        return 0;
    case OPTIONS_VERSION:
        printf("server (pdm) %s\n", PDM_VERSION);
        return 0;
    case OPTIONS_USAGE:
        fprintf(stderr, "server: %s\nTry 'server --help' for more information.\n", err);
        return 2;
    case OPTIONS_OK:
        break;
    }
    log_init("server", opts.is_quiet);
    if (opts.is_write_catalog_only)
        return catonly_run(&opts);
    return server_run(&opts);
}
