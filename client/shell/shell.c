/*
 * client/shell/shell.c - the shell's loop: read a line (lineedit.c), parse
 * it (shell_cmd.c), run it as client.c runs the same command given on the
 * command line. Nothing runs between commands: each command starts and
 * joins its own threads, and the signals the main thread collects (a
 * signalfd here, sigtimedwait while a command runs) never end more than
 * the command in progress, except SIGTERM and SIGHUP, which end the
 * session once that command has stopped.
 */
#include "shell.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "client.h"
#include "lineedit.h"
#include "name.h"
#include "shell_cmd.h"

struct shell {
    const struct client_env *env;
    bool is_interactive;
    unsigned long lineno;
    bool has_failed;
};

/* An error about the line just read: in a script, its line number too. */
static void shell_error(struct shell *sh, const char *what)
{
    if (sh->is_interactive)
        fprintf(stderr, "error: %s\n", what);
    else
        fprintf(stderr, "client: line %lu: %s\n", sh->lineno, what);
    fflush(stderr);
    sh->has_failed = true;
}

/* The base name of a local path, for an upload given no name. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

static bool remote_ok(struct shell *sh, const char *cmd, const char *name)
{
    enum name_result r = name_path_check(name, strlen(name));
    char why[1024];

    if (r == NAME_OK)
        return true;
    snprintf(why, sizeof(why), "%s: '%.300s' is not a valid name on the server: %s", cmd, name,
             name_strerror(r));
    shell_error(sh, why);
    return false;
}

/* Run one command; *SIG: the signal that stopped it. False for LOGOUT. */
static bool run_command(struct shell *sh, const struct shell_cmd *c, int *sig)
{
    const struct client_env *env = sh->env;
    int rc = 0;

    *sig = 0;
    switch (c->verb) {
    case SHELL_NONE:
        return true;
    case SHELL_HELP:
        fputs(shell_cmd_help(), stdout);
        fflush(stdout);
        return true;
    case SHELL_LOGOUT:
        return false;
    case SHELL_LIST:
        rc = client_cmd_list(env, sig);
        break;
    case SHELL_UPLOAD: {
        const char *remote = c->nargs > 1 ? c->args[1] : base_name(c->args[0]);

        if (strcmp(c->args[0], "-") == 0) {
            shell_error(sh, "UPLOAD - cannot read standard input: the session's commands come "
                            "from it (use 'client put - NAME' instead)");
            return true;
        }
        if (remote[0] == '\0') {
            shell_error(sh, "UPLOAD: the path ends in '/'; give a file, or a name");
            return true;
        }
        if (!remote_ok(sh, "UPLOAD", remote))
            return true;
        rc = client_cmd_put(env, c->args[0], remote, sig);
        break;
    }
    case SHELL_DOWNLOAD:
        rc = client_cmd_get(env, c->args[0], sig);
        break;
    case SHELL_DELETE:
        if (!remote_ok(sh, "DELETE", c->args[0]))
            return true;
        rc = client_cmd_rm(env, c->args[0], sig);
        break;
    }
    if (rc != 0)
        sh->has_failed = true;
    return true;
}

int shell_run(const struct client_env *env)
{
    struct shell sh = {env, isatty(STDIN_FILENO) == 1, 0, false};
    struct lineedit *le;
    int sfd, status;
    bool is_signalled = false;

    sfd = signalfd(-1, &env->sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        fprintf(stderr, "client: cannot watch for signals: %s\n", strerror(errno));
        return 1;
    }
    le = lineedit_open(sh.is_interactive, !isatty(STDOUT_FILENO), sfd, SHELL_LINE_MAX);
    if (le == NULL) {
        fprintf(stderr, "client: out of memory\n");
        close(sfd);
        return 1;
    }
    if (sh.is_interactive) {
        printf("Connected to %s. Type HELP for the commands, LOGOUT or Ctrl-D to leave.\n",
               env->opts->server);
        fflush(stdout);
    }
    for (;;) {
        struct shell_cmd cmd;
        char err[512], *line;
        size_t len;
        int sig = 0;
        enum lineedit_result r = lineedit_read(le, "> ", &line, &len, &sig);

        if (r == LINEEDIT_EOF)
            break;
        if (r == LINEEDIT_SIGNAL || r == LINEEDIT_ERROR) {
            is_signalled = true;
            if (r == LINEEDIT_ERROR)
                fprintf(stderr, "client: cannot read the commands: %s\n", strerror(errno));
            break;
        }
        sh.lineno++;
        if (r == LINEEDIT_TOO_LONG) {
            snprintf(err, sizeof(err), "the line is longer than %d bytes; ignored", SHELL_LINE_MAX);
            shell_error(&sh, err);
            continue;
        }
        if (shell_cmd_parse(line, len, &cmd, err, sizeof(err)) != SHELL_PARSE_OK) {
            shell_error(&sh, err);
            continue;
        }
        if (!run_command(&sh, &cmd, &sig))
            break;
        if (sig == SIGTERM || sig == SIGHUP) {
            is_signalled = true;
            break;
        }
    }
    lineedit_close(le);
    close(sfd);
    status = sh.has_failed || is_signalled ? 1 : 0;
    return status;
}
