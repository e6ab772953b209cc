/*
 * client/client.c - set up, run a command as a task, draw until it is done.
 *
 * DESIGN. Threads: main (this file) owns the display: it copies the
 * progress picture ten times a second, draws it, reads keys, and takes
 * SIGINT/SIGTERM/SIGHUP (blocked everywhere, collected here with
 * sigtimedwait) as a request to stop. The task runs on its own thread:
 * for the watch mode and get, the controller (controller.c), which starts
 * a job thread per download, each with its connection and hashing
 * threads (download.c); for put and rm, one upload or delete
 * (up/upload.c). Stopping: main sets the stop flag; every layer sees it,
 * downloads save their state, uploads keep theirs on the server, the task
 * returns, main joins it, restores the terminal and prints the results.
 * The shell (shell/shell.c) runs one such task per command, on the same
 * signal set.
 */
#include "client.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller.h"
#include "fetch.h"
#include "list.h"
#include "progress.h"
#include "shell/shell.h"
#include "ui.h"
#include "up/token.h"
#include "up/upload.h"
#include "up/upstate.h"

#define UI_FRAME_MS 100

enum display {
    DISPLAY_FULL, /* the watch mode's: full screen on a terminal */
    DISPLAY_LINE, /* one transfer: a bar on one line of a terminal */
};

/* A command's work, on its own thread; returns the exit status. */
struct task {
    int (*run)(struct task *t, struct progress *p, const atomic_bool *stop);
    const struct client_env *env;
    const char *a, *b; /* its operands */
    struct catalog catalog;
    bool has_catalog;
    const char *stop_note; /* shown when asked to stop */
};

struct run {
    struct task *task;
    struct progress progress;
    atomic_bool stop;
    int status;
};

static void *task_main(void *arg)
{
    struct run *r = arg;

    r->status = r->task->run(r->task, &r->progress, &r->stop);
    progress_finish(&r->progress);
    return NULL;
}

/* Pick the display: full screen or a line on a terminal unless told otherwise. */
static void ui_choose(const struct client_opts *opts, enum display d, struct ui *ui,
                      bool *is_curses)
{
    bool is_tty = !opts->is_plain && !opts->is_quiet && isatty(STDOUT_FILENO);

    *is_curses = false;
    if (is_tty && d == DISPLAY_FULL && isatty(STDIN_FILENO) && ui_curses_start(ui) == 0) {
        *is_curses = true;
        return;
    }
    if (is_tty && d == DISPLAY_LINE && ui_line_start(ui, stdout, stderr) == 0)
        return;
    if (ui_plain_start(ui, stdout, stderr, opts->is_quiet) != 0) {
        fprintf(stderr, "client: out of memory\n");
        ui->draw = NULL;
    }
}

/* After the full screen is gone, leave the results where the user can read them. */
static void print_results(const struct progress_view *v)
{
    for (size_t i = 0; i < v->nevents; i++)
        fprintf(v->events[i].state == ENTRY_FAILED ? stderr : stdout, "%s\n", v->events[i].text);
    if (v->is_error && v->message[0] != '\0')
        fprintf(stderr, "%s\n", v->message);
}

/* Draw until the task finishes; turn q and signals into a stop. */
static int ui_loop(struct run *r, struct ui *ui, const sigset_t *sigs, struct progress_view *v)
{
    bool is_stopping = false;
    int stopped_by = 0;

    for (;;) {
        struct timespec zero = {0, 0};
        enum ui_key key;
        int sig;

        if (progress_copy(&r->progress, v, ui->wants_entries) == 0)
            ui->draw(ui, v);
        if (v->is_finished)
            return stopped_by;
        /* Wake early for a result or the end: a finished get should not
         * wait out a frame before it exits. */
        if (ui->wait != NULL) {
            key = ui->wait(ui, UI_FRAME_MS);
        } else {
            key = UI_KEY_NONE;
            (void)progress_wait(&r->progress, UI_FRAME_MS); /* the next draw shows why */
        }
        sig = sigtimedwait(sigs, NULL, &zero);
        if (sig > 0 && stopped_by == 0)
            stopped_by = sig;
        if ((key == UI_KEY_QUIT || sig > 0) && !is_stopping) {
            is_stopping = true;
            atomic_store(&r->stop, true);
            progress_message(&r->progress, false, "%s", r->task->stop_note);
        }
    }
}

/* Run T with display D; *SIG: the signal that stopped it, 0 when none. */
static int supervise(struct task *t, enum display d, int *sig)
{
    const struct client_opts *opts = t->env->opts;
    struct run r;
    struct progress_view view;
    struct ui ui;
    sigset_t winch;
    pthread_t thread;
    bool is_curses;
    int err;

    *sig = 0;
    memset(&r, 0, sizeof(r));
    memset(&view, 0, sizeof(view));
    r.task = t;
    r.status = 1;
    atomic_init(&r.stop, false);
    progress_init(&r.progress, opts->server);
    memset(&ui, 0, sizeof(ui));
    ui_choose(opts, d, &ui, &is_curses);
    if (ui.draw == NULL) {
        progress_cleanup(&r.progress);
        return 1;
    }
    if (opts->net.is_insecure)
        progress_message(&r.progress, true,
                         "warning: --insecure: servers' TLS certificates are not checked");
    sigemptyset(&winch); /* ncurses' own: resize, and Ctrl-Z */
    sigaddset(&winch, SIGWINCH);
    sigaddset(&winch, SIGTSTP);
    pthread_sigmask(SIG_BLOCK, &winch, NULL);
    err = pthread_create(&thread, NULL, task_main, &r);
    /* Only main may see window-size changes and Ctrl-Z (ncurses' handlers run here). */
    pthread_sigmask(SIG_UNBLOCK, &winch, NULL);
    if (err != 0) {
        ui.end(&ui);
        fprintf(stderr, "client: cannot start a thread: %s\n", strerror(err));
        progress_cleanup(&r.progress);
        return 1;
    }
    *sig = ui_loop(&r, &ui, &t->env->sigs, &view);
    pthread_join(thread, NULL);
    /* A last draw: the result lines of the end. */
    if (progress_copy(&r.progress, &view, ui.wants_entries) == 0)
        ui.draw(&ui, &view);
    ui.end(&ui);
    if (is_curses && progress_copy(&r.progress, &view, false) == 0)
        print_results(&view);
    progress_view_free(&view);
    progress_cleanup(&r.progress);
    return r.status;
}

static void upload_ctx(const struct task *t, struct progress *p, const atomic_bool *stop,
                       struct upload_ctx *c, char *base, size_t cap)
{
    const struct client_opts *o = t->env->opts;
    size_t n = strlen(o->server);

    while (n > 0 && o->server[n - 1] == '/')
        n--;
    snprintf(base, cap, "%.*s", (int)n, o->server);
    memset(c, 0, sizeof(*c));
    c->base = base;
    c->token = t->env->token;
    c->net = &o->net;
    c->policy = o->policy;
    c->state_dir = t->env->state_dir;
    c->progress = p;
    c->stop = stop;
}

static int run_controller(struct task *t, struct progress *p, const atomic_bool *stop)
{
    return controller_run(t->env->opts, p, stop);
}

static int run_put(struct task *t, struct progress *p, const atomic_bool *stop)
{
    struct upload_ctx c;
    char base[8192];

    upload_ctx(t, p, stop, &c, base, sizeof(base));
    if (strcmp(t->a, "-") == 0)
        return upload_put_stream(&c, STDIN_FILENO, "standard input", t->b);
    return upload_put_file(&c, t->a, t->b);
}

static int run_rm(struct task *t, struct progress *p, const atomic_bool *stop)
{
    struct upload_ctx c;
    char base[8192];

    upload_ctx(t, p, stop, &c, base, sizeof(base));
    return upload_delete(&c, t->a);
}

static int run_list(struct task *t, struct progress *p, const atomic_bool *stop)
{
    struct fetch *f = fetch_new(&t->env->opts->net);
    char why[1024];
    int rc = 1;

    if (f == NULL) {
        progress_event(p, ENTRY_FAILED, "out of memory");
        return 1;
    }
    if (list_fetch_catalog_retrying(f, t->env->opts->server, &t->env->opts->policy, stop, NULL,
                                    NULL, &t->catalog, why, sizeof(why)) == 0) {
        t->has_catalog = true;
        rc = 0;
    } else {
        progress_event(p, ENTRY_FAILED, "%s", why);
    }
    fetch_free(f);
    return rc;
}

int client_cmd_get(const struct client_env *env, const char *name, int *sig)
{
    struct client_opts o = *env->opts;
    struct client_env e = *env;
    struct task t = {.run = run_controller,
                     .env = &e,
                     .stop_note = "stopping: partial downloads are kept and resume next time"};

    o.cmd = CLIENT_GET;
    o.target = name;
    e.opts = &o;
    return supervise(&t, DISPLAY_FULL, sig);
}

int client_cmd_put(const struct client_env *env, const char *source, const char *remote, int *sig)
{
    struct task t = {
        .run = run_put, .env = env, .a = source, .b = remote, .stop_note = "stopping the upload"};

    return supervise(&t, DISPLAY_LINE, sig);
}

int client_cmd_rm(const struct client_env *env, const char *remote, int *sig)
{
    struct task t = {.run = run_rm, .env = env, .a = remote, .stop_note = "stopping"};

    return supervise(&t, DISPLAY_LINE, sig);
}

int client_cmd_list(const struct client_env *env, int *sig)
{
    struct task t = {.run = run_list, .env = env, .stop_note = "stopping"};
    int rc = supervise(&t, DISPLAY_LINE, sig);

    if (t.has_catalog) {
        list_print(&t.catalog, stdout);
        fflush(stdout);
        catalog_free(&t.catalog);
    }
    return rc;
}

/* Where resumable uploads keep their state; NULL (with a reason) when nowhere. */
static const char *state_dir(char *buf, size_t cap)
{
    return upstate_dir(getenv("XDG_STATE_HOME"), getenv("HOME"), buf, cap) ? buf : NULL;
}

int client_run(const struct client_opts *opts)
{
    struct client_env env;
    struct task t;
    char token[TOKEN_MAX + 1] = "", err[1024], sdir[4096];
    int status, sig;

    if (fetch_global_init() != 0) {
        fprintf(stderr, "client: cannot initialise libcurl\n");
        return 1;
    }
    if (opts->cmd == CLIENT_LIST) {
        status = list_run(opts->server, &opts->net, &opts->policy, stdout, stderr);
        fetch_global_cleanup();
        return status;
    }
    memset(&env, 0, sizeof(env));
    env.opts = opts;
    env.token = token;
    if (opts->cmd == CLIENT_PUT || opts->cmd == CLIENT_RM || opts->cmd == CLIENT_SHELL) {
        if (token_load(opts->token_file, opts->token_env, token, sizeof(token), err, sizeof(err)) !=
            0) {
            fprintf(stderr, "client: %s\n", err);
            fetch_global_cleanup();
            return 2;
        }
        env.state_dir = state_dir(sdir, sizeof(sdir));
    }
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit (ulimit -f) becomes EFBIG from the write, reported
     * like a full disk, rather than a signal that kills us mid-write. */
    signal(SIGXFSZ, SIG_IGN);
    sigemptyset(&env.sigs);
    sigaddset(&env.sigs, SIGINT);
    sigaddset(&env.sigs, SIGTERM);
    sigaddset(&env.sigs, SIGHUP);
    /* Every thread started from here on ignores these; main collects them. */
    pthread_sigmask(SIG_BLOCK, &env.sigs, NULL);

    memset(&t, 0, sizeof(t));
    t.env = &env;
    switch (opts->cmd) {
    case CLIENT_PUT:
        status = client_cmd_put(&env, opts->source, opts->remote, &sig);
        break;
    case CLIENT_RM:
        status = client_cmd_rm(&env, opts->remote, &sig);
        break;
    case CLIENT_SHELL:
        status = shell_run(&env);
        break;
    default:
        t.run = run_controller;
        t.stop_note = "stopping: partial downloads are kept and resume next time";
        status = supervise(&t, DISPLAY_FULL, &sig);
        break;
    }
    memset(token, 0, sizeof(token));
    fetch_global_cleanup();
    return status;
}
