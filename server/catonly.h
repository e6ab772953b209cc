/*
 * server/catonly.h - bin/server --write-catalog-only: prepare a tree for
 * another web server (nginx, a CDN, an object store) to publish.
 */
#ifndef SERVER_CATONLY_H
#define SERVER_CATONLY_H

#include "options.h"

/*
 * Scan OPTS->root once (the same scan and hash cache as the server, so a
 * second run reads no unchanged file), write each published file's
 * Metalink as FILE.meta4 beside it (listing OPTS->public_url, then each
 * mirror; an unchanged document is left alone), then the catalog
 * (OPTS->catalog when given, else ROOT/text.txt) and its cache, each file
 * atomically. Returns the exit status: 0 when everything was written, 1
 * when anything could not be (each failure logged in plain words), 2 when
 * the root or the catalog's directory is unusable.
 */
int catonly_run(const struct server_opts *opts);

#endif
