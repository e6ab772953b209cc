/*
 * server/server.h - run the server until SIGINT or SIGTERM.
 */
#ifndef SERVER_SERVER_H
#define SERVER_SERVER_H

#include "options.h"

/*
 * Check the paths, listen, write the first catalog, serve, and on SIGINT
 * or SIGTERM stop gracefully. Returns the process exit status: 0 after a
 * clean stop, 1 when the server cannot start, 2 for an unusable argument
 * (a root that is not a directory, an unreadable token file). Messages go
 * to stderr; the first line on stdout is "listening on http://ADDR:PORT/".
 */
int server_run(const struct server_opts *opts);

#endif
