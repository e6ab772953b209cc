/*
 * client/ui_model.h - the arithmetic and wording behind the display:
 * speeds, ETAs, percentages, bar cells, text that fits a width, and where
 * each part of the full screen goes. Pure, so the UIs only draw.
 */
#ifndef CLIENT_UI_MODEL_H
#define CLIENT_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "progress.h"

/* "35.2 MiB/s", "812 B/s"; "--" for a speed of 0 or less. */
void ui_format_speed(double bytes_per_sec, char *out, size_t cap);

/*
 * The time to transfer LEFT bytes at SPEED: "4s", "2m05s", "1h02m",
 * "3d04h"; "--" when the speed is 0 or the result would exceed 99 days.
 */
void ui_format_eta(uint64_t left, double speed, char *out, size_t cap);

/* A duration in seconds: "0.4s", "12.0s", "2m05s", "1h02m" (tenths below
 * 59.95 s, then rounded to the second). */
void ui_format_duration(double secs, char *out, size_t cap);

/* DONE of TOTAL as a percentage with one decimal, 0 to 100 ("45.2%"). */
void ui_format_percent(uint64_t done, uint64_t total, char *out, size_t cap);

/*
 * How many of WIDTH cells a bar fills for DONE of TOTAL: rounded down,
 * so a bar is full only when the work is; 0 for WIDTH <= 0; a TOTAL of 0
 * counts as complete. Exact for every uint64_t (no floating point).
 */
int ui_bar_cells(uint64_t done, uint64_t total, int width);

/* Bytes [START, END) as "256.0 MiB-512.0 MiB". */
void ui_format_range(uint64_t start, uint64_t end, char *out, size_t cap);

/*
 * A connection's state in a word or two: "idle", "connecting", "running",
 * "retrying", "retrying #2" (after ATTEMPT failures in a row), "done".
 */
void ui_format_slot_state(enum slot_state state, unsigned attempt, char *out, size_t cap);

/*
 * N connections in one line, for when their bars do not fit:
 * "4 connections: 2 running, 1 retrying, 1 done".
 */
void ui_format_slot_summary(const struct progress_slot *slots, unsigned n, char *out, size_t cap);

/*
 * The N sources of a file in one line, best first as given:
 * "3 sources: a:80 4.0 MiB/s 12 pieces, b:80 3.9 MiB/s 11 pieces 1 bad,
 * c:80 dropped". A source not measured yet shows no speed.
 */
void ui_format_sources(const struct progress_source *src, unsigned n, char *out, size_t cap);

/* A queue in numbers, as the header shows it. */
struct ui_counts {
    size_t waiting;    /* waiting, or not in the catalog yet */
    size_t active;     /* downloading or verifying */
    size_t verified;   /* verified, or already here with the right hash */
    size_t unverified; /* done, but no hash was published to check */
    size_t failed;
};

/* Count the N ENTRIES by state into *OUT (zeroed first). */
void ui_count_entries(const struct progress_entry *entries, size_t n, struct ui_counts *out);

/*
 * The counts in at most COLS columns: "3 waiting  1 active  2 verified
 * 1 failed" ("  1 unverified" added when there are any), else the short
 * "3w 1a 2v 1f", else "". Returns the columns used (the text is ASCII).
 */
int ui_format_counts(const struct ui_counts *c, int cols, char *out, size_t cap);

/*
 * Text that fits a width. Copy S into OUT (CAP bytes, always
 * NUL-terminated) so that it takes at most COLS terminal columns. Too
 * wide a text is cut at its end, or with IS_MIDDLE in its middle (a file
 * name keeps its extension), and the cut is marked "..." ("…" when
 * IS_UTF8) when COLS leaves room for the mark and one character. A cut
 * never splits a UTF-8 sequence or a wide character, and a combining
 * mark stays with its base. Control characters and malformed UTF-8 come
 * out as '?', and so does every non-ASCII character unless IS_UTF8. A
 * CAP too small for the result ends it early, at a character boundary.
 * Returns the columns OUT takes.
 *
 * Widths come from wcwidth(), so from the LC_CTYPE locale: the same
 * answer curses itself uses when it draws the text.
 */
int ui_text_fit(const char *s, int cols, bool is_utf8, bool is_middle, char *out, size_t cap);

/* The columns S takes once made safe as ui_text_fit() does, uncut. */
int ui_text_width(const char *s, bool is_utf8);

/* A column of text beside a bar. */
struct ui_field {
    int width;     /* columns, not counting the one space before it */
    int priority;  /* 0: always shown; the highest number is hidden first */
    bool is_shown; /* set by ui_fit_fields() */
};

/*
 * Lay out one line of COLS columns: a bar, then the N FIELDS, each after
 * one space. While the bar would get fewer than MIN_BAR columns, hide the
 * shown field with the highest priority number (of equals, the rightmost).
 * Returns the bar's width: every column the shown fields leave, or 0 when
 * that is still less than MIN_BAR (the fields then start the line).
 */
int ui_fit_fields(int cols, int min_bar, struct ui_field *fields, size_t n);

#define UI_MAX_FILES  PROGRESS_MAX_FILES
#define UI_EVENT_ROWS 3 /* result lines shown at most */

/* Where each part of a screen of some rows goes; -1 for a row not shown. */
struct ui_rows {
    int header;                   /* server and counts */
    int message;                  /* the latest notice or error */
    int footer;                   /* the keys */
    size_t nfiles;                /* active files shown: the first NFILES */
    int file_top[UI_MAX_FILES];   /* file I's name line; its bar is the row below */
    int file_slots[UI_MAX_FILES]; /* rows under the bar: one per connection when that
                                     equals its connection count, else 1 (a summary) or 0 */
    int events_top;               /* the latest NEVENTS result lines start here */
    int nevents;
    int queue_top;  /* the queue's title line */
    int queue_rows; /* entries shown below the title */
};

/*
 * Share ROWS lines among the parts, in this order of importance: the
 * header (top row), the message line, the footer (bottom row; the message
 * sits above it), each active file's name and bar (2 rows; NSLOTS[i]
 * connections, for the first min(NFILES, UI_MAX_FILES) files), the queue's
 * title and first entry, every connection bar of a file (all of a file's
 * or, from the first file whose bars do not fit, a one-line summary), up
 * to UI_EVENT_ROWS of the NEVENTS result lines (but no more than a third
 * of the rows still free: the queue shows results too), the rest of the NENTRIES
 * queue entries, and a blank line between sections. The queue's title
 * shows even for an empty queue. Sections run top to bottom: files,
 * results, queue; rows left over stay blank at the bottom.
 */
void ui_layout_rows(int rows, const unsigned *nslots, size_t nfiles, size_t nentries,
                    size_t nevents, struct ui_rows *out);

/* What a queue row's width goes to, after the one-column state mark. */
struct ui_queue_cols {
    int label; /* the input line */
    int size;  /* UI_SIZE_COLS for the size, right-aligned, after a space; 0: hidden */
    int state; /* the state and reason, after two spaces */
};

#define UI_SIZE_COLS 10 /* "1023.9 MiB" */
#define UI_STATE_MIN 11 /* "downloading" */
#define UI_LABEL_MIN 20 /* the size column shows only when labels keep this much */

/*
 * Share COLS columns among a queue row's label (LABEL_WANT columns: the
 * widest label on show), its size (when labels still get UI_LABEL_MIN, or
 * all they want, beside the state's UI_STATE_MIN) and its state and
 * reason (STATE_WANT: the widest). When both are too wide, the state
 * keeps up to half of what is left; the label gets what it wants of the
 * rest and the state everything after it.
 */
void ui_queue_columns(int cols, int label_want, int state_want, struct ui_queue_cols *out);

/*
 * Scrolling a list of N entries of which VISIBLE fit: the index of the
 * first one to show. TOP (where it was) moves as little as needed to show
 * FOCUS (FOCUS >= N: no focus) and never so far that the window runs past
 * the end; 0 when everything fits.
 */
size_t ui_scroll_top(size_t n, size_t visible, size_t focus, size_t top);

#endif
