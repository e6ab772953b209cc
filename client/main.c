/*
 * client/main.c - bin/client: options in, client_run() out.
 */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "log.h"
#include "options.h"
#include "version.h"

static const char *env_get(const char *name)
{
    return getenv(name);
}

int main(int argc, char **argv)
{
    struct client_opts opts;
    char err[256];

    switch (client_options_parse(argc, argv, &opts, err, sizeof(err))) {
    case CLIENT_OPTIONS_HELP:
        client_options_usage(stdout);
        return 0;
    case CLIENT_OPTIONS_VERSION:
        printf("client (pdm) %s\n", PDM_VERSION);
        return 0;
    case CLIENT_OPTIONS_USAGE:
        fprintf(stderr, "client: %s\nTry 'client --help' for more information.\n", err);
        return 2;
    case CLIENT_OPTIONS_OK:
        break;
    }
    client_options_env(&opts, env_get);
    log_init("client", opts.is_quiet);
    return client_run(&opts);
}
