/*
 * client/client.c - set up, run the controller, draw until it is done.
 *
 * DESIGN. Threads: main (this file) owns the display: it copies the
 * progress picture ten times a second, draws it, reads keys, and takes
 * SIGINT/SIGTERM/SIGHUP (blocked everywhere, collected here with
 * sigtimedwait) as a request to stop. The controller thread
 * (controller.c) runs the queue and starts a job thread per download,
 * each of which starts its connection and hashing threads (download.c).
 * Stopping: main sets the stop flag; every layer sees it, the downloads
 * save their state, the controller returns, main joins it, restores the
 * terminal and prints the results.
 */
#include "client.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "controller.h"
#include "fetch.h"
#include "list.h"
#include "progress.h"
#include "ui.h"

#define UI_FRAME_MS 100

struct run {
    const struct client_opts *opts;
    struct progress progress;
    atomic_bool stop;
    int status;
};

static void *controller_main(void *arg)
{
    struct run *r = arg;

    r->status = controller_run(r->opts, &r->progress, &r->stop);
    return NULL;
}

/* Pick the display: full screen on a terminal unless told otherwise. */
static void ui_choose(const struct client_opts *opts, struct ui *ui, bool *is_curses)
{
    *is_curses = false;
    if (!opts->is_plain && !opts->is_quiet && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) &&
        ui_curses_start(ui) == 0) {
        *is_curses = true;
        return;
    }
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

/* Draw until the controller finishes; turn q and signals into a stop. */
static void ui_loop(struct run *r, struct ui *ui, const sigset_t *sigs, struct progress_view *v)
{
    bool is_stopping = false;

    for (;;) {
        struct timespec zero = {0, 0};
        enum ui_key key;
        int sig;

        if (progress_copy(&r->progress, v) == 0)
            ui->draw(ui, v);
        if (v->is_finished)
            return;
        /* Wake early for a result or the end: a finished get should not
         * wait out a frame before it exits. */
        if (ui->wait != NULL) {
            key = ui->wait(ui, UI_FRAME_MS);
        } else {
            key = UI_KEY_NONE;
            (void)progress_wait(&r->progress, UI_FRAME_MS); /* the next draw shows why */
        }
        sig = sigtimedwait(sigs, NULL, &zero);
        if ((key == UI_KEY_QUIT || sig > 0) && !is_stopping) {
            is_stopping = true;
            atomic_store(&r->stop, true);
            progress_message(&r->progress, false,
                             "stopping: partial downloads are kept and resume next time");
        }
    }
}

int client_run(const struct client_opts *opts)
{
    struct run r;
    struct progress_view view;
    struct ui ui;
    sigset_t sigs, winch;
    pthread_t thread;
    bool is_curses;
    int err;

    if (fetch_global_init() != 0) {
        fprintf(stderr, "client: cannot initialise libcurl\n");
        return 1;
    }
    if (opts->cmd == CLIENT_LIST) {
        err = list_run(opts->server, &opts->net, &opts->policy, stdout, stderr);
        fetch_global_cleanup();
        return err;
    }
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit (ulimit -f) becomes EFBIG from the write, reported
     * like a full disk, rather than a signal that kills us mid-write. */
    signal(SIGXFSZ, SIG_IGN);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigemptyset(&winch); /* ncurses' own: resize, and Ctrl-Z */
    sigaddset(&winch, SIGWINCH);
    sigaddset(&winch, SIGTSTP);
    /* Every thread started from here on ignores these; main collects them. */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    pthread_sigmask(SIG_BLOCK, &winch, NULL);

    memset(&r, 0, sizeof(r));
    memset(&view, 0, sizeof(view));
    r.opts = opts;
    r.status = 1;
    atomic_init(&r.stop, false);
    progress_init(&r.progress, opts->server);
    memset(&ui, 0, sizeof(ui));
    ui_choose(opts, &ui, &is_curses);
    if (ui.draw == NULL) {
        progress_cleanup(&r.progress);
        fetch_global_cleanup();
        return 1;
    }
    if (opts->net.is_insecure)
        progress_message(&r.progress, true,
                         "warning: --insecure: servers' TLS certificates are not checked");
    err = pthread_create(&thread, NULL, controller_main, &r);
    /* Only main may see window-size changes and Ctrl-Z (ncurses' handlers run here). */
    pthread_sigmask(SIG_UNBLOCK, &winch, NULL);
    if (err != 0) {
        ui.end(&ui);
        fprintf(stderr, "client: cannot start a thread: %s\n", strerror(err));
        progress_cleanup(&r.progress);
        fetch_global_cleanup();
        return 1;
    }
    ui_loop(&r, &ui, &sigs, &view);
    pthread_join(thread, NULL);
    ui.end(&ui);
    if (is_curses && progress_copy(&r.progress, &view) == 0)
        print_results(&view);
    progress_view_free(&view);
    progress_cleanup(&r.progress);
    fetch_global_cleanup();
    return r.status;
}
