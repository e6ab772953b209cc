/*
 * client/ui_curses.c - the full-screen display: one bar per connection and
 * one per file for each active download, the queue, the latest results, a
 * message line, and a header with the server and the counts.
 *
 * State to screen (ncdu): draw() keeps a copy of the view and paints all
 * of it into curses' virtual screen (erase(), then each part), and
 * doupdate() sends the terminal only the cells that changed: no clear(),
 * no flicker. Where each part goes, how wide each column is and how every
 * number reads come from ui_model.c (pure, tested); this file only draws.
 * Resizes are handled in one place, on_resize(), reached from KEY_RESIZE
 * and from a size check in draw() and wait() for when SIGWINCH does not
 * reach ncurses' handler (a thread that blocks it, say).
 *
 * The terminal is restored by end(), which is idempotent, and by an
 * atexit() handler should the program leave another way; nothing is
 * printed while curses owns the screen. There is one terminal, so there
 * is one instance, static so that the atexit() handler can reach it.
 * Main thread only: curses is not thread-safe.
 *
 * The only file that includes <ncurses.h>.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <ncurses.h>

#include "human.h"
#include "ui.h"
#include "ui_model.h"

#define FILE_INDENT       4  /* columns before a bar: "  1 " for a connection */
#define MIN_BAR           10 /* a bar narrower than this is left out */
#define PCT_COLS          6  /* "100.0%" */
#define SPEED_COLS        12 /* "1023.9 KiB/s" */
#define ETA_COLS          10 /* "ETA 99d23h" */
#define BYTES_COLS        23 /* "1023.9 MiB / 1023.9 MiB" */
#define STATE_COLS        12 /* "retrying #10" */
#define RANGE_COLS        21 /* "1023.9 MiB-1023.9 MiB" */
#define TEXT_MAX          (4 * PROGRESS_TEXT_MAX)
#define HEADER_SERVER_MIN 16 /* columns the server keeps before the counts shorten */

/* What a piece of the screen means; each has one look, in the table below. */
enum role {
    ROLE_NORMAL,
    ROLE_BAR,    /* header and footer */
    ROLE_NAME,   /* a file being downloaded, the queue's title */
    ROLE_OK,     /* verified, done */
    ROLE_FAIL,   /* failed */
    ROLE_WARN,   /* retrying, not in the catalog, unverified */
    ROLE_ACTIVE, /* downloading, running */
    ROLE_DIM,    /* waiting, idle, the empty part of a bar, hints */
    ROLE_ERROR,  /* the message line holding an error */
    ROLE_COUNT
};

/* The one colour table: a role's colours (-1: the terminal's default)
 * and attributes with colours, and its attributes without them. */
static const struct {
    short fg, bg;
    attr_t color;
    attr_t mono;
} looks[ROLE_COUNT] = {
    [ROLE_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [ROLE_BAR] = {-1, -1, A_REVERSE, A_REVERSE},
    [ROLE_NAME] = {-1, -1, A_BOLD, A_BOLD},
    [ROLE_OK] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [ROLE_FAIL] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [ROLE_WARN] = {COLOR_YELLOW, -1, A_NORMAL, A_UNDERLINE},
    [ROLE_ACTIVE] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [ROLE_DIM] = {-1, -1, A_DIM, A_DIM},
    [ROLE_ERROR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
};

/* Glyphs in a UTF-8 locale, and their stand-ins elsewhere. */
struct glyphs {
    const char *full, *empty;                   /* bar cells */
    const char *waiting, *active, *ok, *failed; /* queue and result marks */
    const char *scroll_keys;                    /* the footer's hint */
};

static const struct glyphs utf8_glyphs = {
    .full = "\xe2\x96\x88",   /* U+2588 full block */
    .empty = "\xe2\x96\x91",  /* U+2591 light shade */
    .waiting = "\xc2\xb7",    /* U+00B7 middle dot */
    .active = "\xe2\x86\x93", /* U+2193 downwards arrow */
    .ok = "\xe2\x9c\x93",     /* U+2713 check mark */
    .failed = "\xe2\x9c\x97", /* U+2717 ballot x */
    .scroll_keys = "\xe2\x86\x91\xe2\x86\x93 PgUp PgDn scroll",
};
static const struct glyphs ascii_glyphs = {
    .full = "#",
    .empty = "-",
    .waiting = ".",
    .active = ">",
    .ok = "+",
    .failed = "x",
    .scroll_keys = "Up Down PgUp PgDn scroll",
};

struct curses_ui {
    SCREEN *screen;
    bool is_on; /* curses owns the terminal */
    bool has_color;
    int cursor; /* the cursor's visibility before we hid it; -1: unknown */
    const struct glyphs *g;
    bool is_utf8;
    struct progress_view view; /* the last view drawn; entries owned */
    size_t entries_cap;
    bool has_view;
    /* The queue's window. It follows the first active entry until the
     * user scrolls, and again once another entry becomes the active one. */
    size_t queue_top;
    size_t queue_visible;
    bool is_following;
    size_t focus_at_scroll;
};

static struct curses_ui the_ui;

/*
 * The columns row Y may use. Never the bottom-right cell: writing it makes
 * some terminals scroll (tmux does, after a resize), which pushes a line of
 * the display into the scrollback and leaves it there at exit.
 */
static int row_width(int y)
{
    return y == LINES - 1 ? COLS - 1 : COLS;
}

static attr_t look(const struct curses_ui *cu, enum role role)
{
    if (cu->has_color)
        return COLOR_PAIR(role) | looks[role].color;
    return looks[role].mono;
}

/* Write S at row Y, column X, in at most W columns and never past the
 * screen's edge. Returns the columns written. */
static int put(const struct curses_ui *cu, int y, int x, int w, enum role role, const char *s,
               bool is_middle)
{
    char buf[TEXT_MAX];
    int n;

    if (y < 0 || y >= LINES || x < 0 || x >= row_width(y) || w <= 0)
        return 0;
    if (w > row_width(y) - x)
        w = row_width(y) - x;
    n = ui_text_fit(s, w, cu->is_utf8, is_middle, buf, sizeof(buf));
    attrset(look(cu, role));
    mvaddstr(y, x, buf);
    attrset(A_NORMAL);
    return n;
}

/* S right-aligned in the W columns from X. */
static void put_right(const struct curses_ui *cu, int y, int x, int w, enum role role,
                      const char *s)
{
    int tw = ui_text_width(s, cu->is_utf8);

    if (tw < w)
        x += w - tw;
    put(cu, y, x, w, role, s, false);
}

/* Paint row Y in ROLE from edge to edge. */
static void fill(const struct curses_ui *cu, int y, enum role role)
{
    if (y >= 0 && y < LINES && row_width(y) > 0)
        mvhline(y, 0, ' ' | look(cu, role), row_width(y));
}

/* A bar of W cells at (Y, X), DONE of TOTAL filled in FULL_ROLE. */
static void put_bar(const struct curses_ui *cu, int y, int x, int w, uint64_t done, uint64_t total,
                    enum role full_role)
{
    int cells;

    if (y < 0 || y >= LINES || x < 0 || x >= row_width(y) || w <= 0)
        return;
    if (w > row_width(y) - x)
        w = row_width(y) - x;
    cells = ui_bar_cells(done, total, w);
    move(y, x);
    attrset(look(cu, full_role));
    for (int i = 0; i < cells; i++)
        addstr(cu->g->full);
    attrset(look(cu, ROLE_DIM));
    for (int i = cells; i < w; i++)
        addstr(cu->g->empty);
    attrset(A_NORMAL);
}

/* Draw the shown FIELDS (texts TEXTS, laid out by ui_fit_fields()) after
 * a bar of BAR columns that starts at X; numbers right-aligned. */
static void put_fields(const struct curses_ui *cu, int y, int x, int bar,
                       const struct ui_field *fields, const char *const *texts,
                       const enum role *roles, const bool *is_right, size_t n)
{
    x += bar;
    for (size_t i = 0; i < n; i++) {
        if (!fields[i].is_shown)
            continue;
        x++;
        if (is_right[i])
            put_right(cu, y, x, fields[i].width, roles[i], texts[i]);
        else
            put(cu, y, x, fields[i].width, roles[i], texts[i], false);
        x += fields[i].width;
    }
}

static enum role slot_role(enum slot_state state)
{
    switch (state) {
    case SLOT_RUNNING:
        return ROLE_ACTIVE;
    case SLOT_RETRYING:
        return ROLE_WARN;
    case SLOT_DONE:
        return ROLE_OK;
    case SLOT_IDLE:
    case SLOT_CONNECTING:
        break;
    }
    return ROLE_DIM;
}

static enum role entry_role(enum entry_state state)
{
    switch (state) {
    case ENTRY_WAITING:
        return ROLE_DIM;
    case ENTRY_ACTIVE:
    case ENTRY_VERIFYING:
        return ROLE_ACTIVE;
    case ENTRY_VERIFIED:
    case ENTRY_PRESENT:
        return ROLE_OK;
    case ENTRY_MISSING:
    case ENTRY_NO_CATALOG:
    case ENTRY_UNVERIFIED:
        return ROLE_WARN;
    case ENTRY_FAILED:
        return ROLE_FAIL;
    }
    return ROLE_NORMAL;
}

static const char *entry_mark(const struct curses_ui *cu, enum entry_state state)
{
    switch (state) {
    case ENTRY_WAITING:
        return cu->g->waiting;
    case ENTRY_MISSING:
    case ENTRY_NO_CATALOG:
        return "?";
    case ENTRY_ACTIVE:
        return cu->g->active;
    case ENTRY_VERIFYING:
        return "~";
    case ENTRY_VERIFIED:
    case ENTRY_PRESENT:
    case ENTRY_UNVERIFIED:
        return cu->g->ok;
    case ENTRY_FAILED:
        return cu->g->failed;
    }
    return " ";
}

/* The fields after a connection's bar, in display order. */
enum { SF_PCT, SF_SPEED, SF_STATE, SF_RANGE, SF_COUNT };

static void slot_fields(struct ui_field *f)
{
    static const struct ui_field proto[SF_COUNT] = {
        [SF_PCT] = {PCT_COLS, 0, false},
        [SF_SPEED] = {SPEED_COLS, 2, false},
        [SF_STATE] = {STATE_COLS, 1, false},
        [SF_RANGE] = {RANGE_COLS, 3, false},
    };

    memcpy(f, proto, sizeof(proto));
}

/* The fields after a file's bar, in display order. */
enum { FF_PCT, FF_SPEED, FF_ETA, FF_BYTES, FF_COUNT };

static void file_fields(struct ui_field *f)
{
    static const struct ui_field proto[FF_COUNT] = {
        [FF_PCT] = {PCT_COLS, 0, false},
        [FF_SPEED] = {SPEED_COLS, 1, false},
        [FF_ETA] = {ETA_COLS, 2, false},
        [FF_BYTES] = {BYTES_COLS, 3, false},
    };

    memcpy(f, proto, sizeof(proto));
}

static void draw_slot(const struct curses_ui *cu, int y, unsigned i, const struct progress_slot *s,
                      const struct ui_field *fields, int bar)
{
    static const bool is_right[SF_COUNT] = {true, true, false, false};
    char num[16], pct[16], speed[32], state[32], range[64];
    const char *texts[SF_COUNT] = {pct, speed, state, range};
    enum role role = slot_role(s->state);
    enum role roles[SF_COUNT] = {ROLE_NORMAL, ROLE_NORMAL, role, ROLE_DIM};
    /* Its share of the file, not its current piece: the bars of a file's
     * connections fill together, each towards about 1/N of it. */
    uint64_t len = s->share;
    uint64_t done = s->done < s->share ? s->done : s->share;

    snprintf(num, sizeof(num), "%3u", i + 1);
    put(cu, y, 0, FILE_INDENT, ROLE_DIM, num, false);
    put_bar(cu, y, FILE_INDENT, bar, done, len, role);
    ui_format_percent(done, len, pct, sizeof(pct));
    speed[0] = '\0';
    if (s->state == SLOT_RUNNING)
        ui_format_speed(s->speed, speed, sizeof(speed));
    ui_format_slot_state(s->state, s->attempt, state, sizeof(state));
    if (s->source[0] != '\0') /* several sources: which one it uses */
        snprintf(range, sizeof(range), "%s", s->source);
    else
        ui_format_range(s->start, s->end, range, sizeof(range));
    put_fields(cu, y, FILE_INDENT, bar, fields, texts, roles, is_right, SF_COUNT);
}

/* The file's name line: "↓ name  from host". */
static void draw_file_name(const struct curses_ui *cu, int y, const struct progress_file *f)
{
    char from[TEXT_MAX];
    struct ui_field host = {0, 1, false};
    int name_w = ui_text_width(f->name, cu->is_utf8);
    int room;

    if (f->nsources > 1) { /* per source: its speed, pieces fetched and rejected */
        from[0] = ' ';
        ui_format_sources(f->sources,
                          f->nsources < PROGRESS_MAX_SOURCES ? f->nsources : PROGRESS_MAX_SOURCES,
                          from + 1, sizeof(from) - 1);
    } else {
        snprintf(from, sizeof(from), " from %s", f->host);
    }
    host.width = ui_text_width(from, cu->is_utf8);
    if (f->nsources > 1 && host.width > COLS - 2 - 21) /* cut rather than hide it */
        host.width = COLS - 2 - 21 > 0 ? COLS - 2 - 21 : 0;
    /* The name is the stretchy part, as a bar is; the host goes first. */
    room = ui_fit_fields(COLS - 2, name_w < 20 ? name_w : 20, &host, f->host[0] != '\0');
    put(cu, y, 0, 1, ROLE_ACTIVE, cu->g->active, false);
    if (room == 0)
        room = COLS - 2;
    room = put(cu, y, 2, room, ROLE_NAME, f->name, true);
    if (f->host[0] != '\0' && host.is_shown)
        put(cu, y, 2 + room + 1, host.width, ROLE_DIM, from, false);
}

/* A file: its name line, its bar, and ROWS lines of connections (one
 * each, or a summary). */
static void draw_file(const struct curses_ui *cu, int y, const struct progress_file *f, int rows)
{
    static const bool is_right[FF_COUNT] = {true, true, false, false};
    static const enum role roles[FF_COUNT] = {ROLE_NORMAL, ROLE_NORMAL, ROLE_NORMAL, ROLE_DIM};
    struct ui_field ff[FF_COUNT], sf[SF_COUNT];
    char pct[16], speed[32], eta[48], bytes[80], a[32], b[32], line[TEXT_MAX];
    const char *texts[FF_COUNT] = {pct, speed, eta, bytes};
    unsigned nslots = f->nslots < PLAN_MAX_CONN ? f->nslots : PLAN_MAX_CONN;
    uint64_t done = f->is_verifying ? f->hashed : f->done;
    int bar, slot_bar;

    draw_file_name(cu, y, f);
    file_fields(ff);
    slot_fields(sf);
    bar = ui_fit_fields(COLS - FILE_INDENT, MIN_BAR, ff, FF_COUNT);
    slot_bar = ui_fit_fields(COLS - FILE_INDENT, MIN_BAR, sf, SF_COUNT);
    if (rows == (int)nslots && nslots > 0 && slot_bar < bar)
        bar = slot_bar; /* one width for every bar of the file, so the columns line up */

    human_size(done, a, sizeof(a));
    if (!f->has_size) {
        ui_format_speed(f->speed, speed, sizeof(speed));
        ui_format_duration(f->elapsed, eta, sizeof(eta));
        snprintf(line, sizeof(line), "%s  %s  %s so far, size unknown", a, speed, eta);
        put(cu, y + 1, FILE_INDENT, COLS - FILE_INDENT, ROLE_NORMAL, line, false);
    } else {
        human_size(f->size, b, sizeof(b));
        ui_format_percent(done, f->size, pct, sizeof(pct));
        snprintf(bytes, sizeof(bytes), "%s / %s", a, b);
        if (f->is_verifying) {
            snprintf(speed, sizeof(speed), "verifying");
            eta[0] = '\0';
        } else {
            char e[32];

            ui_format_speed(f->speed, speed, sizeof(speed));
            ui_format_eta(f->size - (f->done < f->size ? f->done : f->size), f->speed, e,
                          sizeof(e));
            snprintf(eta, sizeof(eta), "ETA %s", e);
        }
        put_bar(cu, y + 1, FILE_INDENT, bar, done, f->size,
                f->is_verifying ? ROLE_OK : ROLE_ACTIVE);
        put_fields(cu, y + 1, FILE_INDENT, bar, ff, texts, roles, is_right, FF_COUNT);
    }

    if (rows == (int)nslots) {
        for (unsigned i = 0; i < nslots; i++)
            draw_slot(cu, y + 2 + (int)i, i, &f->slots[i], sf, bar);
    } else if (rows == 1) {
        ui_format_slot_summary(f->slots, nslots, line, sizeof(line));
        put(cu, y + 2, FILE_INDENT, COLS - FILE_INDENT, ROLE_DIM, line, false);
    }
}

static void draw_header(const struct curses_ui *cu, const struct progress_view *v, int y)
{
    struct ui_counts c;
    char counts[160], server[PROGRESS_TEXT_MAX + 16];
    int cw, sw;

    if (y < 0)
        return;
    fill(cu, y, ROLE_BAR);
    ui_count_entries(v->entries, v->nentries, &c);
    sw = ui_text_width(v->server, cu->is_utf8);
    /* The long counts only when the server keeps some room. */
    cw = ui_format_counts(&c, COLS - 4 - (sw < HEADER_SERVER_MIN ? sw : HEADER_SERVER_MIN), counts,
                          sizeof(counts));
    if (cw == 0)
        cw = ui_format_counts(&c, COLS - 2, counts, sizeof(counts));
    /* "server " too when that leaves two spaces before the counts. */
    snprintf(server, sizeof(server), "%s%s", sw + 7 + cw + 4 <= COLS ? "server " : "", v->server);
    put(cu, y, 1, COLS - cw - 4, ROLE_BAR, server, false);
    if (cw > 0)
        put(cu, y, COLS - cw - 1, cw, ROLE_BAR, counts, false);
}

static void draw_events(const struct curses_ui *cu, const struct progress_view *v, int y, int n)
{
    size_t first = v->nevents - (size_t)n;

    for (int i = 0; i < n; i++) {
        const struct progress_event *e = &v->events[first + (size_t)i];

        put(cu, y + i, 0, 1, entry_role(e->state), entry_mark(cu, e->state), false);
        put(cu, y + i, 2, COLS - 2, entry_role(e->state), e->text, false);
    }
}

/* The entry the queue's window follows: the first being downloaded or
 * verified, else the first waiting; V->nentries for none. */
static size_t queue_focus(const struct progress_view *v)
{
    size_t waiting = v->nentries;

    for (size_t i = 0; i < v->nentries; i++) {
        if (v->entries[i].state == ENTRY_ACTIVE || v->entries[i].state == ENTRY_VERIFYING)
            return i;
        if (v->entries[i].state == ENTRY_WAITING && waiting == v->nentries)
            waiting = i;
    }
    return waiting;
}

/* The state column's text: "failed: connection refused". */
static void entry_state_text(const struct progress_entry *e, char *out, size_t cap)
{
    if (e->reason[0] != '\0')
        snprintf(out, cap, "%s: %s", progress_state_name(e->state), e->reason);
    else
        snprintf(out, cap, "%s", progress_state_name(e->state));
}

static void draw_queue(struct curses_ui *cu, const struct progress_view *v, int y, int rows)
{
    size_t n = v->nentries, focus = queue_focus(v), top;
    int label_want = 0, state_want = 0;
    struct ui_queue_cols qc;
    char title[96], text[PROGRESS_TEXT_MAX + PROGRESS_REASON_MAX + 8];

    if (y < 0)
        return;
    if (!cu->is_following && focus != cu->focus_at_scroll)
        cu->is_following = true;
    top = ui_scroll_top(n, (size_t)rows, cu->is_following ? focus : n, cu->queue_top);
    cu->queue_top = top;
    cu->queue_visible = (size_t)rows;

    if (n == 0)
        snprintf(title, sizeof(title), "Queue: empty");
    else if ((size_t)rows >= n)
        snprintf(title, sizeof(title), "Queue: %zu entr%s", n, n == 1 ? "y" : "ies");
    else
        snprintf(title, sizeof(title), "Queue: %zu-%zu of %zu", top + 1, top + (size_t)rows, n);
    put(cu, y, 0, COLS, ROLE_NAME, title, false);

    for (int i = 0; i < rows && top + (size_t)i < n; i++) {
        const struct progress_entry *e = &v->entries[top + (size_t)i];
        int lw = ui_text_width(e->label, cu->is_utf8);
        int sw;

        entry_state_text(e, text, sizeof(text));
        sw = ui_text_width(text, cu->is_utf8);
        label_want = lw > label_want ? lw : label_want;
        state_want = sw > state_want ? sw : state_want;
    }
    ui_queue_columns(COLS - 2, label_want, state_want, &qc);

    for (int i = 0; i < rows && top + (size_t)i < n; i++) {
        const struct progress_entry *e = &v->entries[top + (size_t)i];
        enum role role = entry_role(e->state);
        int x = 2, row = y + 1 + i;

        put(cu, row, 0, 1, role, entry_mark(cu, e->state), false);
        put(cu, row, x, qc.label, e->state == ENTRY_ACTIVE ? ROLE_NAME : ROLE_NORMAL, e->label,
            true);
        x += qc.label;
        if (qc.size > 0) {
            if (e->has_size) {
                human_size(e->size, text, sizeof(text));
                put_right(cu, row, x + 1, qc.size, ROLE_DIM, text);
            }
            x += 1 + qc.size;
        }
        entry_state_text(e, text, sizeof(text));
        put(cu, row, x + 2, qc.state, role, text, false);
    }
}

/* The message line: the latest notice (an error stands out), else the
 * latest result when there was no room to list results. */
static void draw_message(const struct curses_ui *cu, const struct progress_view *v, int y,
                         bool are_events_shown)
{
    if (y < 0)
        return;
    if (v->message[0] != '\0') {
        if (v->is_error)
            fill(cu, y, ROLE_ERROR);
        put(cu, y, 0, COLS, v->is_error ? ROLE_ERROR : ROLE_NORMAL, v->message, false);
    } else if (!are_events_shown && v->nevents > 0) {
        const struct progress_event *e = &v->events[v->nevents - 1];

        put(cu, y, 0, 1, entry_role(e->state), entry_mark(cu, e->state), false);
        put(cu, y, 2, COLS - 2, entry_role(e->state), e->text, false);
    }
}

static void draw_footer(const struct curses_ui *cu, const struct progress_view *v, int y,
                        bool can_scroll)
{
    static const char end[] = "finished";
    int ew = v->is_finished && COLS > (int)sizeof(end) + 12 ? (int)sizeof(end) - 1 : 0;
    char keys[96];

    if (y < 0)
        return;
    fill(cu, y, ROLE_BAR);
    snprintf(keys, sizeof(keys), "q quit%s%s", can_scroll ? "  " : "",
             can_scroll ? cu->g->scroll_keys : "");
    put(cu, y, 1, COLS - 2 - (ew > 0 ? ew + 2 : 0), ROLE_BAR, keys, false);
    if (ew > 0)
        put(cu, y, COLS - ew - 1, ew, ROLE_BAR, end, false);
}

/* Paint V on the whole screen and send the changes to the terminal. */
static void render(struct curses_ui *cu, const struct progress_view *v)
{
    const struct progress_file *files[UI_MAX_FILES];
    unsigned nslots[UI_MAX_FILES];
    size_t nfiles = 0;
    struct ui_rows l;

    erase();
    /* A file slot emptied before the last one stays as a hole in files[]. */
    for (size_t i = 0; i < v->nfiles && i < PROGRESS_MAX_FILES && nfiles < UI_MAX_FILES; i++) {
        if (v->files[i].name[0] == '\0')
            continue;
        files[nfiles] = &v->files[i];
        nslots[nfiles] = v->files[i].nslots;
        nfiles++;
    }
    ui_layout_rows(LINES, nslots, nfiles, v->nentries, v->nevents, &l);
    draw_header(cu, v, l.header);
    for (size_t i = 0; i < l.nfiles; i++)
        draw_file(cu, l.file_top[i], files[i], l.file_slots[i]);
    draw_events(cu, v, l.events_top, l.nevents);
    draw_queue(cu, v, l.queue_top, l.queue_rows);
    draw_message(cu, v, l.message, l.nevents > 0);
    draw_footer(cu, v, l.footer, l.queue_top >= 0 && (size_t)l.queue_rows < v->nentries);
    wnoutrefresh(stdscr);
    doupdate();
}

/* Keep a copy of V to redraw from on a resize or a key. Returns false
 * when out of memory (the old copy is then kept). */
static bool keep_view(struct curses_ui *cu, const struct progress_view *v)
{
    struct progress_entry *entries = cu->view.entries;

    if (v->nentries > cu->entries_cap) {
        entries = realloc(cu->view.entries, v->nentries * sizeof(*entries));
        if (entries == NULL)
            return false;
        cu->entries_cap = v->nentries;
    }
    cu->view = *v;
    cu->view.entries = entries;
    if (v->nentries > 0)
        memcpy(entries, v->entries, v->nentries * sizeof(*entries));
    cu->has_view = true;
    return true;
}

/*
 * The one place that deals with a new terminal size: after KEY_RESIZE
 * (curses has resized already), or when the terminal's size differs from
 * curses' idea of it (SIGWINCH never reached ncurses' handler). Returns
 * true when the screen must be painted again.
 */
static bool on_resize(int key)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
        (ws.ws_row != LINES || ws.ws_col != COLS)) {
        resize_term(ws.ws_row, ws.ws_col);
        return true;
    }
    return key == KEY_RESIZE;
}

static void curses_draw(struct ui *ui, const struct progress_view *v)
{
    struct curses_ui *cu = ui->priv;

    if (!cu->is_on)
        return;
    (void)on_resize(ERR); /* about to paint anyway */
    if (keep_view(cu, v))
        render(cu, &cu->view);
    else
        render(cu, v);
}

/* Move the queue's window by DELTA entries and stop following. */
static void scroll_queue(struct curses_ui *cu, long delta)
{
    size_t n = cu->view.nentries, top = cu->queue_top;

    if (!cu->has_view)
        return;
    if (delta < 0)
        top = (size_t)-delta > top ? 0 : top - (size_t)-delta;
    else
        top = (size_t)delta > SIZE_MAX - top ? SIZE_MAX : top + (size_t)delta;
    cu->queue_top = ui_scroll_top(n, cu->queue_visible, n, top);
    cu->is_following = false;
    cu->focus_at_scroll = queue_focus(&cu->view);
    render(cu, &cu->view);
}

static enum ui_key curses_wait(struct ui *ui, int timeout_ms)
{
    struct curses_ui *cu = ui->priv;
    long page;
    int ch;

    if (!cu->is_on)
        return UI_KEY_NONE;
    if (on_resize(ERR) && cu->has_view)
        render(cu, &cu->view);
    timeout(timeout_ms > 0 ? timeout_ms : 0);
    ch = getch();
    page = cu->queue_visible > 1 ? (long)cu->queue_visible - 1 : 1;
    switch (ch) {
    case 'q':
    case 'Q':
        return UI_KEY_QUIT;
    case KEY_RESIZE:
        if (on_resize(ch) && cu->has_view)
            render(cu, &cu->view);
        break;
    case KEY_UP:
    case 'k':
        scroll_queue(cu, -1);
        break;
    case KEY_DOWN:
    case 'j':
        scroll_queue(cu, 1);
        break;
    case KEY_PPAGE:
        scroll_queue(cu, -page);
        break;
    case KEY_NPAGE:
    case ' ':
        scroll_queue(cu, page);
        break;
    case KEY_HOME:
        scroll_queue(cu, -(long)cu->queue_top);
        break;
    case KEY_END:
        scroll_queue(cu, (long)cu->view.nentries);
        break;
    default: /* ERR (the timeout, or a signal) and any other key */
        break;
    }
    return UI_KEY_NONE;
}

/* Give the terminal back. Safe to call at any time, any number of times. */
static void restore_terminal(struct curses_ui *cu)
{
    if (!cu->is_on)
        return;
    cu->is_on = false;
    /* Leave a blank screen: a terminal without an alternate screen then
     * shows no stale display, and one with it has nothing to carry over
     * (tmux, resized while in the alternate screen, can push lines of it
     * into the scrollback on leaving). */
    erase();
    wnoutrefresh(stdscr);
    doupdate();
    if (cu->cursor >= 0)
        curs_set(cu->cursor);
    endwin();
}

static void curses_end(struct ui *ui)
{
    struct curses_ui *cu = ui->priv;

    if (!cu->is_on)
        return;
    restore_terminal(cu);
    delscreen(cu->screen);
    cu->screen = NULL;
    free(cu->view.entries);
    cu->view.entries = NULL;
    cu->entries_cap = 0;
    cu->has_view = false;
}

/* exit() while curses owns the terminal: give it back first. */
static void restore_at_exit(void)
{
    restore_terminal(&the_ui);
}

static void colors_init(struct curses_ui *cu)
{
    short dfg = -1, dbg = -1;

    cu->has_color = false;
    if (!has_colors() || start_color() == ERR || COLOR_PAIRS < ROLE_COUNT)
        return;
    if (use_default_colors() == ERR) {
        dfg = COLOR_WHITE;
        dbg = COLOR_BLACK;
    }
    for (int r = 1; r < ROLE_COUNT; r++)
        init_pair((short)r, looks[r].fg < 0 ? dfg : looks[r].fg,
                  looks[r].bg < 0 ? dbg : looks[r].bg);
    cu->has_color = true;
}

int ui_curses_start(struct ui *ui)
{
    static bool is_registered;
    struct curses_ui *cu = &the_ui;
    SCREEN *screen;

    if (cu->is_on)
        return -EBUSY;
    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
        return -ENOTTY;
    /* UTF-8 names and block characters need the user's LC_CTYPE; numbers
     * stay in the C locale so that no other part of the program (state
     * files, headers) ever writes "1,5". Called before any thread starts. */
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    fflush(stdout);
    screen = newterm(NULL, stdout, stdin); /* unlike initscr(), reports failure */
    if (screen == NULL)
        return -ENOTTY;
    if (!is_registered && atexit(restore_at_exit) != 0) {
        endwin();
        delscreen(screen);
        return -ENOMEM;
    }
    is_registered = true;

    free(cu->view.entries);
    memset(cu, 0, sizeof(*cu));
    cu->screen = screen;
    cu->is_on = true;
    cu->is_utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    cu->g = cu->is_utf8 ? &utf8_glyphs : &ascii_glyphs;
    cu->is_following = true;
    cbreak(); /* keys at once, but Ctrl-C still raises SIGINT for the caller */
    noecho();
    keypad(stdscr, TRUE);
    cu->cursor = curs_set(0);
    colors_init(cu);

    ui->draw = curses_draw;
    ui->wait = curses_wait;
    ui->end = curses_end;
    ui->wants_entries = true;
    ui->priv = cu;
    return 0;
}
