/*
 * client/client.h - run the client as its options say.
 */
#ifndef CLIENT_CLIENT_H
#define CLIENT_CLIENT_H

#include "options.h"

/* Run a command; returns the exit status (0, 1; 2 for usage is main's). */
int client_run(const struct client_opts *opts);

#endif
