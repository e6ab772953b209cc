/*
 * client/ui_line.c - the display of one transfer on a terminal without
 * taking the screen: a bar on one line, redrawn in place with a carriage
 * return ten times a second, as curl and scp show theirs. Notices and
 * result lines are printed above it, each on a line of its own. Used for
 * put, and for the shell's commands other than DOWNLOAD.
 *
 * Writes no escape sequences: the line is padded with spaces to the
 * width it had, so any terminal shows it right. Main thread only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "human.h"
#include "ui.h"
#include "ui_model.h"

#define LINE_MAX_COLS 512
#define LINE_TEXT_MAX (5 * LINE_MAX_COLS + 256) /* a name of 4 bytes a column, a bar, the rest */

struct line_ui {
    FILE *out;
    FILE *err;
    int fd;
    uint64_t last_seq; /* events and notes already printed */
    int shown;         /* columns of the bar line on screen now; 0: none */
    char last[LINE_TEXT_MAX];
};

static int term_cols(int fd)
{
    struct winsize ws;

    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col < LINE_MAX_COLS ? ws.ws_col : LINE_MAX_COLS;
    return 80;
}

/* Blank the bar line, leaving the cursor at its start. */
static void clear_line(struct line_ui *lu)
{
    if (lu->shown == 0)
        return;
    fprintf(lu->out, "\r%*s\r", lu->shown, "");
    lu->shown = 0;
    lu->last[0] = '\0';
}

/* The bar line for F in at most COLS columns (the last column stays free, so
 * a terminal never wraps it). */
static void format_bar(const struct progress_file *f, int cols, char *out, size_t cap)
{
    char name[4 * LINE_MAX_COLS], pct[16] = "", done[32], total[32], speed[32], eta[32];
    char tail[160], bar[LINE_MAX_COLS + 1];
    int namecols, barw, fill, tailcols;
    uint64_t now = f->is_verifying ? f->hashed : f->done;

    human_size(now, done, sizeof(done));
    ui_format_speed(f->speed, speed, sizeof(speed));
    if (f->is_verifying) {
        ui_format_percent(f->hashed, f->size, pct, sizeof(pct));
        snprintf(tail, sizeof(tail), " %s  computing SHA-256", pct);
    } else if (f->has_size) {
        ui_format_percent(f->done, f->size, pct, sizeof(pct));
        human_size(f->size, total, sizeof(total));
        ui_format_eta(f->size - (f->done < f->size ? f->done : f->size), f->speed, eta,
                      sizeof(eta));
        snprintf(tail, sizeof(tail), " %s  %s/%s  %s  ETA %s", pct, done, total, speed, eta);
    } else {
        snprintf(tail, sizeof(tail), " %s  %s", done, speed);
    }
    cols -= 1;
    tailcols = (int)strlen(tail);
    namecols = ui_text_fit(f->name, cols / 3 > 8 ? cols / 3 : 8, true, true, name, sizeof(name));
    barw = cols - namecols - 3 - tailcols; /* " [" ... "]" */
    if (barw < 10 || !(f->has_size || f->is_verifying)) {
        snprintf(out, cap, "%s%.*s", name, cols - namecols > 0 ? cols - namecols : 0, tail);
        return;
    }
    if (barw > LINE_MAX_COLS)
        barw = LINE_MAX_COLS;
    fill = ui_bar_cells(now, f->size, barw);
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '-', (size_t)(barw - fill));
    bar[barw] = '\0';
    snprintf(out, cap, "%s [%s]%s", name, bar, tail);
}

static void line_draw(struct ui *ui, const struct progress_view *v)
{
    struct line_ui *lu = ui->priv;
    char text[LINE_TEXT_MAX];
    int cols;

    /* Notices and results, in order, above the bar. */
    for (size_t i = 0, j = 0; i < v->nevents || j < v->nnotes;) {
        bool is_event = j == v->nnotes || (i < v->nevents && v->events[i].seq < v->notes[j].seq);
        uint64_t seq = is_event ? v->events[i].seq : v->notes[j].seq;

        if (seq > lu->last_seq) {
            lu->last_seq = seq;
            clear_line(lu);
            fflush(lu->out);
            if (is_event)
                fprintf(v->events[i].state == ENTRY_FAILED ? lu->err : lu->out, "%s\n",
                        v->events[i].text);
            else
                fprintf(lu->err, "%s\n", v->notes[j].text);
            fflush(lu->err);
        }
        if (is_event)
            i++;
        else
            j++;
    }
    if (v->nfiles == 0 || v->files[0].name[0] == '\0') {
        clear_line(lu);
        fflush(lu->out);
        return;
    }
    cols = term_cols(lu->fd);
    format_bar(&v->files[0], cols, text, sizeof(text));
    if (strcmp(text, lu->last) == 0)
        return;
    {
        int w = ui_text_width(text, true);

        fprintf(lu->out, "\r%s%*s", text, lu->shown > w ? lu->shown - w : 0, "");
        if (lu->shown > w)
            fprintf(lu->out, "\r%s", text);
        lu->shown = w;
    }
    snprintf(lu->last, sizeof(lu->last), "%s", text);
    fflush(lu->out);
}

static void line_end(struct ui *ui)
{
    struct line_ui *lu = ui->priv;

    if (lu == NULL)
        return;
    clear_line(lu);
    fflush(lu->out);
    fflush(lu->err);
    free(lu);
    ui->priv = NULL;
}

int ui_line_start(struct ui *ui, FILE *out, FILE *err)
{
    struct line_ui *lu = calloc(1, sizeof(*lu));

    if (lu == NULL)
        return -ENOMEM;
    lu->out = out;
    lu->err = err;
    lu->fd = fileno(out);
    ui->draw = line_draw;
    ui->wait = NULL;
    ui->end = line_end;
    ui->priv = lu;
    return 0;
}
