/*
 * client/client.h - run the client as its options say, and the commands
 * the shell shares with the command line.
 */
#ifndef CLIENT_CLIENT_H
#define CLIENT_CLIENT_H

#include <signal.h>

#include "options.h"

/* Run a command; returns the exit status (0, 1; 2 for usage). */
int client_run(const struct client_opts *opts);

/*
 * What every command needs besides its options. SIGS are the signals the
 * main thread collects (blocked in every thread): SIGINT, SIGTERM and
 * SIGHUP stop the command in progress. TOKEN is the bearer token ("" for
 * none); STATE_DIR where resumable uploads keep their state (NULL: none).
 */
struct client_env {
    const struct client_opts *opts;
    const char *token;
    const char *state_dir;
    sigset_t sigs;
};

/*
 * The commands, each run on a thread of its own while the calling (main)
 * thread shows its progress and collects the signals; each returns its
 * exit status (0 done and confirmed, 1 not) and sets *SIG to the signal
 * that stopped it (0 when none did). get shows the same display as the
 * watch mode (full screen on a terminal); the others one line.
 */
int client_cmd_get(const struct client_env *env, const char *name, int *sig);
int client_cmd_put(const struct client_env *env, const char *source, const char *remote, int *sig);
int client_cmd_rm(const struct client_env *env, const char *remote, int *sig);
int client_cmd_list(const struct client_env *env, int *sig);

#endif
