/*
 * client/ui_plain.c - the display for pipes, logs and --plain: a progress
 * line at most once a second per active file (only when it moved), a
 * result line per file, notices on stderr. Nothing is redrawn; every line
 * is final.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "human.h"
#include "ui.h"
#include "ui_model.h"

struct plain {
    FILE *out;
    FILE *err;
    bool is_quiet;
    uint64_t last_seq; /* events and notes already printed (one sequence) */
    char names[PROGRESS_MAX_FILES][PROGRESS_TEXT_MAX];
    double printed[PROGRESS_MAX_FILES]; /* when its last progress line went out */
    uint64_t shown[PROGRESS_MAX_FILES]; /* the byte count that line showed, plus one */
};

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_line(struct plain *pl, const struct progress_file *f)
{
    char pct[16], done[32], total[32], speed[32], eta[32];

    human_size(f->done, done, sizeof(done));
    ui_format_speed(f->speed, speed, sizeof(speed));
    if (f->is_verifying && f->is_upload) {
        ui_format_percent(f->hashed, f->size, pct, sizeof(pct));
        fprintf(pl->out, "%s  computing SHA-256 before sending  %s\n", f->name, pct);
    } else if (f->is_verifying) {
        fprintf(pl->out, "%s  verifying SHA-256\n", f->name);
    } else if (f->has_size) {
        ui_format_percent(f->done, f->size, pct, sizeof(pct));
        human_size(f->size, total, sizeof(total));
        ui_format_eta(f->size - (f->done < f->size ? f->done : f->size), f->speed, eta,
                      sizeof(eta));
        if (f->is_upload)
            fprintf(pl->out, "%s  %s  %s of %s sent to %s  %s  ETA %s\n", f->name, pct, done, total,
                    f->host, speed, eta);
        else {
            char hashed[32];

            /* How far the SHA-256 has followed: what is left for it after the last byte. */
            human_size(f->hashed, hashed, sizeof(hashed));
            fprintf(pl->out, "%s  %s  %s of %s  %s  ETA %s  %u connection%s, %s hashed\n", f->name,
                    pct, done, total, speed, eta, f->nslots, f->nslots == 1 ? "" : "s", hashed);
        }
    } else if (f->is_upload) {
        fprintf(pl->out, "%s  %s sent to %s  %s\n", f->name, done, f->host, speed);
    } else {
        fprintf(pl->out, "%s  %s  %s\n", f->name, done, speed);
    }
}

static void plain_draw(struct ui *ui, const struct progress_view *v)
{
    struct plain *pl = ui->priv;
    double now = mono();

    /* Result lines and notices in the order they happened. */
    for (size_t i = 0, j = 0; i < v->nevents || j < v->nnotes;) {
        bool is_event = j == v->nnotes || (i < v->nevents && v->events[i].seq < v->notes[j].seq);
        uint64_t seq = is_event ? v->events[i].seq : v->notes[j].seq;

        if (seq > pl->last_seq) {
            pl->last_seq = seq;
            if (is_event) {
                const struct progress_event *e = &v->events[i];

                if (!pl->is_quiet || e->state == ENTRY_FAILED)
                    fprintf(e->state == ENTRY_FAILED ? pl->err : pl->out, "%s\n", e->text);
            } else if (v->notes[j].is_error || !pl->is_quiet) {
                fprintf(pl->err, "%s\n", v->notes[j].text);
            }
        }
        if (is_event)
            i++;
        else
            j++;
    }
    for (size_t k = 0; k < PROGRESS_MAX_FILES; k++) {
        const struct progress_file *f = &v->files[k];

        if (k >= v->nfiles || f->name[0] == '\0') {
            pl->names[k][0] = '\0';
            continue;
        }
        if (strcmp(pl->names[k], f->name) != 0) { /* a new download in this slot */
            memcpy(pl->names[k], f->name, sizeof(pl->names[k]));
            pl->printed[k] = now; /* the first line after a second, not at once */
            pl->shown[k] = 1;     /* nothing to show while nothing arrived */
            continue;
        }
        /* A line that would repeat the last one (a connection waiting to
         * retry, a stalled server) says nothing new: the notices say why. */
        if (!pl->is_quiet && now - pl->printed[k] >= 1.0 &&
            (f->done + 1 != pl->shown[k] || f->is_verifying)) {
            progress_line(pl, f);
            pl->printed[k] = now;
            pl->shown[k] = f->done + 1;
        }
    }
    fflush(pl->out);
    fflush(pl->err);
}

static void plain_end(struct ui *ui)
{
    struct plain *pl = ui->priv;

    if (pl == NULL)
        return;
    fflush(pl->out);
    fflush(pl->err);
    free(pl);
    ui->priv = NULL;
}

int ui_plain_start(struct ui *ui, FILE *out, FILE *err, bool is_quiet)
{
    struct plain *pl = calloc(1, sizeof(*pl));

    if (pl == NULL)
        return -ENOMEM;
    pl->out = out;
    pl->err = err;
    pl->is_quiet = is_quiet;
    ui->draw = plain_draw;
    ui->wait = NULL; /* no keys to read: client.c waits on the progress itself */
    ui->end = plain_end;
    ui->priv = pl;
    return 0;
}
