/*
 * client/controller.h - the queue: read input.txt and the server's
 * catalog, decide what to download, run the downloads, record results.
 */
#ifndef CLIENT_CONTROLLER_H
#define CLIENT_CONTROLLER_H

#include <stdatomic.h>

#include "options.h"
#include "progress.h"

/*
 * Work as OPTS says (watch, --once, or get), reporting into PROGRESS,
 * until done or until STOP becomes true (downloads in flight stop and
 * keep their partial files). Calls progress_finish() at the end. Returns
 * the exit status: 0 when every entry ended in the download directory
 * (verified, already there, or unverifiable), 1 otherwise.
 */
int controller_run(const struct client_opts *opts, struct progress *progress,
                   const atomic_bool *stop);

#endif
