/*
 * client/shell/shell.h - "client shell": an interactive session of HELP,
 * LIST, UPLOAD, DOWNLOAD, DELETE and LOGOUT commands.
 */
#ifndef CLIENT_SHELL_SHELL_H
#define CLIENT_SHELL_SHELL_H

struct client_env;

/*
 * Read commands from standard input until LOGOUT, its end (Ctrl-D), or
 * SIGTERM/SIGHUP, and run each (client.c's commands: the same engines,
 * displays and checks as the command line). Main thread; ENV's signals
 * are blocked in every thread already. Returns the exit status: 0 when
 * every command succeeded, 1 when one failed (the session goes on after
 * a failure) or the session was ended by a signal.
 */
int shell_run(const struct client_env *env);

#endif
