/*
 * client/ui_model.c - numbers into words and cells, and screen space into
 * parts, for the displays. Pure: no I/O, no allocation, no globals (the
 * one exception, documented in ui_model.h: character widths come from the
 * locale through wcwidth(), as they do for curses).
 */
#include "ui_model.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "human.h"

/* 2^64 as a double: any speed or duration at or past it is out of range
 * for a uint64_t, and converting it would be undefined. */
#define UINT64_LIMIT 18446744073709551616.0

void ui_format_speed(double bytes_per_sec, char *out, size_t cap)
{
    char hs[32];

    if (!(bytes_per_sec > 0)) {
        snprintf(out, cap, "--");
        return;
    }
    if (bytes_per_sec + 0.5 >= UINT64_LIMIT) /* also infinity */
        human_size(UINT64_MAX, hs, sizeof(hs));
    else
        human_size((uint64_t)(bytes_per_sec + 0.5), hs, sizeof(hs));
    snprintf(out, cap, "%s/s", hs);
}

/* SECS as "4s", "2m05s", "1h02m", "3d04h". */
static void format_secs(uint64_t secs, char *out, size_t cap)
{
    if (secs < 60)
        snprintf(out, cap, "%us", (unsigned)secs);
    else if (secs < 3600)
        snprintf(out, cap, "%um%02us", (unsigned)(secs / 60), (unsigned)(secs % 60));
    else if (secs < 86400)
        snprintf(out, cap, "%uh%02um", (unsigned)(secs / 3600), (unsigned)(secs % 3600 / 60));
    else
        snprintf(out, cap, "%llud%02uh", (unsigned long long)(secs / 86400),
                 (unsigned)(secs % 86400 / 3600));
}

void ui_format_eta(uint64_t left, double speed, char *out, size_t cap)
{
    double secs;
    uint64_t whole;

    if (!(speed > 0)) {
        snprintf(out, cap, "--");
        return;
    }
    secs = (double)left / speed;
    if (secs > 99.0 * 86400) {
        snprintf(out, cap, "--");
        return;
    }
    whole = (uint64_t)secs;
    if ((double)whole < secs)
        whole++; /* round up: never promise early */
    format_secs(whole, out, cap);
}

void ui_format_duration(double secs, char *out, size_t cap)
{
    if (!(secs >= 0)) /* negative, or NaN */
        secs = 0;
    if (secs < 59.95) /* from 59.95, "%.1f" would print "60.0s" */
        snprintf(out, cap, "%.1fs", secs);
    else if (secs + 0.5 >= UINT64_LIMIT)
        format_secs(UINT64_MAX, out, cap);
    else
        format_secs((uint64_t)(secs + 0.5), out, cap);
}

void ui_format_percent(uint64_t done, uint64_t total, char *out, size_t cap)
{
    double pct;

    if (total == 0 || done >= total) {
        snprintf(out, cap, "%s", total == 0 || done >= total ? "100.0%" : "");
        return;
    }
    pct = (double)done * 100.0 / (double)total;
    if (pct > 99.9)
        pct = 99.9; /* "100.0%" only when it is */
    snprintf(out, cap, "%.1f%%", pct);
}

/*
 * floor(A * B / C) for A < C and B < 2^31, without overflow and without
 * floating point, which rounds 2^64 - 2 and 2^64 - 1 to the same double
 * and would fill a bar one byte early. Long multiplication over B's bits,
 * keeping A * (B's bits so far) = q * C + r with r < C.
 */
static uint64_t mul_div(uint64_t a, unsigned b, uint64_t c)
{
    uint64_t q = 0;
    uint64_t r = 0;

    for (int bit = 30; bit >= 0; bit--) {
        q <<= 1;
        if (r >= c - r) { /* 2r >= c, computed without overflowing */
            r -= c - r;
            q++;
        } else {
            r += r;
        }
        if (b >> bit & 1u) {
            if (r >= c - a) {
                r -= c - a;
                q++;
            } else {
                r += a;
            }
        }
    }
    return q;
}

int ui_bar_cells(uint64_t done, uint64_t total, int width)
{
    if (width <= 0)
        return 0;
    if (total == 0 || done >= total)
        return width;
    return (int)mul_div(done, (unsigned)width, total);
}

void ui_format_range(uint64_t start, uint64_t end, char *out, size_t cap)
{
    char a[32], b[32];

    human_size(start, a, sizeof(a));
    human_size(end, b, sizeof(b));
    snprintf(out, cap, "%s-%s", a, b);
}

void ui_format_slot_state(enum slot_state state, unsigned attempt, char *out, size_t cap)
{
    switch (state) {
    case SLOT_IDLE:
        snprintf(out, cap, "idle");
        return;
    case SLOT_CONNECTING:
        snprintf(out, cap, "connecting");
        return;
    case SLOT_RUNNING:
        snprintf(out, cap, "running");
        return;
    case SLOT_RETRYING:
        if (attempt > 0)
            snprintf(out, cap, "retrying #%u", attempt);
        else
            snprintf(out, cap, "retrying");
        return;
    case SLOT_DONE:
        snprintf(out, cap, "done");
        return;
    }
    snprintf(out, cap, "?");
}

void ui_format_slot_summary(const struct progress_slot *slots, unsigned n, char *out, size_t cap)
{
    static const enum slot_state order[] = {SLOT_RUNNING, SLOT_CONNECTING, SLOT_RETRYING, SLOT_DONE,
                                            SLOT_IDLE};
    static const char *const words[] = {"running", "connecting", "retrying", "done", "idle"};
    size_t len;
    const char *sep = ": ";

    if (cap == 0)
        return;
    snprintf(out, cap, "%u connection%s", n, n == 1 ? "" : "s");
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        unsigned count = 0;

        for (unsigned i = 0; i < n; i++)
            count += slots[i].state == order[k];
        if (count == 0)
            continue;
        len = strlen(out);
        snprintf(out + len, cap - len, "%s%u %s", sep, count, words[k]);
        sep = ", ";
    }
}

void ui_format_sources(const struct progress_source *src, unsigned n, char *out, size_t cap)
{
    size_t len;

    if (cap == 0)
        return;
    snprintf(out, cap, "%u source%s", n, n == 1 ? "" : "s");
    for (unsigned i = 0; i < n; i++) {
        const struct progress_source *x = &src[i];
        char speed[32] = "";

        len = strlen(out);
        if (x->is_dropped) {
            snprintf(out + len, cap - len, "%s%s dropped", i == 0 ? ": " : ", ", x->host);
            continue;
        }
        if (x->speed > 0) {
            speed[0] = ' ';
            ui_format_speed(x->speed, speed + 1, sizeof(speed) - 1);
        }
        snprintf(out + len, cap - len, "%s%s%s %u piece%s", i == 0 ? ": " : ", ", x->host, speed,
                 x->pieces, x->pieces == 1 ? "" : "s");
        if (x->rejected > 0) {
            len = strlen(out);
            snprintf(out + len, cap - len, " %u bad", x->rejected);
        }
    }
}

void ui_count_entries(const struct progress_entry *entries, size_t n, struct ui_counts *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        switch (entries[i].state) {
        case ENTRY_WAITING:
        case ENTRY_MISSING:
        case ENTRY_NO_CATALOG:
            out->waiting++;
            break;
        case ENTRY_ACTIVE:
        case ENTRY_VERIFYING:
            out->active++;
            break;
        case ENTRY_VERIFIED:
        case ENTRY_PRESENT:
            out->verified++;
            break;
        case ENTRY_UNVERIFIED:
            out->unverified++;
            break;
        case ENTRY_FAILED:
            out->failed++;
            break;
        }
    }
}

int ui_format_counts(const struct ui_counts *c, int cols, char *out, size_t cap)
{
    char buf[160];
    int len;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    len = snprintf(buf, sizeof(buf), "%zu waiting  %zu active  %zu verified  %zu failed",
                   c->waiting, c->active, c->verified, c->failed);
    if (c->unverified > 0 && len > 0 && (size_t)len < sizeof(buf))
        len += snprintf(buf + len, sizeof(buf) - (size_t)len, "  %zu unverified", c->unverified);
    if (len > cols || (size_t)len >= sizeof(buf)) {
        len = snprintf(buf, sizeof(buf), "%zuw %zua %zuv %zuf", c->waiting, c->active, c->verified,
                       c->failed);
        if (c->unverified > 0 && len > 0 && (size_t)len < sizeof(buf))
            len += snprintf(buf + len, sizeof(buf) - (size_t)len, " %zuu", c->unverified);
    }
    if (len < 0 || len > cols || (size_t)len >= cap)
        return 0;
    memcpy(out, buf, (size_t)len + 1);
    return len;
}

/* One character of a text as it will be drawn: its bytes and columns. */
struct glyph {
    const char *p;
    size_t len;
    int width;
};

/* Length of the well-formed UTF-8 sequence at S (RFC 3629: no overlongs,
 * no surrogates, nothing past U+10FFFF), with its code point in *CP; 0
 * when S does not start one. */
static size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        *cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        *cp = s[0] & 0x0fu;
        if (s[0] == 0xe0)
            lo = 0xa0;
        else if (s[0] == 0xed)
            hi = 0x9f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        *cp = s[0] & 0x07u;
        if (s[0] == 0xf0)
            lo = 0x90;
        else if (s[0] == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (s[i] < lo || s[i] > hi) /* also stops at the NUL */
            return 0;
        *cp = *cp << 6 | (s[i] & 0x3fu);
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

/* The glyph at S (not at its NUL). Returns the bytes of S it stands for. */
static size_t glyph_next(const char *s, bool is_utf8, struct glyph *g)
{
    static const char unknown[] = "?";
    unsigned long cp;
    size_t len = utf8_decode((const unsigned char *)s, &cp);
    int w;

    g->p = unknown;
    g->len = 1;
    g->width = 1;
    if (len == 0)
        return 1; /* a malformed byte: one '?' each */
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        return len;
    if (cp < 0x80) {
        g->p = s;
        return len;
    }
    if (!is_utf8)
        return len;
    w = wcwidth((wchar_t)cp);
    if (w < 0)
        return len;
    g->p = s;
    g->len = len;
    g->width = w;
    return len;
}

int ui_text_width(const char *s, bool is_utf8)
{
    struct glyph g;
    int width = 0;

    while (*s != '\0') {
        s += glyph_next(s, is_utf8, &g);
        width += g.width;
    }
    return width;
}

/* Appends to a bounded output, a whole glyph or nothing. */
struct sink {
    char *out;
    size_t cap;
    size_t len;
    bool is_full;
    int width;
};

static void sink_put(struct sink *k, const char *p, size_t len, int width)
{
    if (k->is_full || k->len + len + 1 > k->cap) {
        k->is_full = true;
        return;
    }
    memcpy(k->out + k->len, p, len);
    k->len += len;
    k->out[k->len] = '\0';
    k->width += width;
}

/* Copy glyphs of S while they fit in BUDGET columns; returns where it stopped. */
static const char *copy_head(struct sink *k, const char *s, bool is_utf8, int budget)
{
    struct glyph g;
    int used = 0;

    while (*s != '\0') {
        size_t n = glyph_next(s, is_utf8, &g);

        if (used + g.width > budget)
            break;
        sink_put(k, g.p, g.len, g.width);
        used += g.width;
        s += n;
    }
    return s;
}

/* The start of the shortest tail of S, beginning at or after FROM, that
 * takes at most BUDGET of S's TOTAL columns, and does not begin with a
 * combining mark. */
static const char *find_tail(const char *s, const char *from, bool is_utf8, int total, int budget)
{
    struct glyph g;
    int before = 0;

    while (*s != '\0') {
        size_t n = glyph_next(s, is_utf8, &g);

        if (s >= from && total - before <= budget && g.width > 0)
            return s;
        before += g.width;
        s += n;
    }
    return s;
}

int ui_text_fit(const char *s, int cols, bool is_utf8, bool is_middle, char *out, size_t cap)
{
    const char *mark = is_utf8 ? "\xe2\x80\xa6" : "...";
    int mark_cols = is_utf8 ? 1 : 3;
    struct sink k = {out, cap, 0, false, 0};
    int total = ui_text_width(s, is_utf8);
    const char *rest;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (cols <= 0)
        return 0;
    if (total <= cols) {
        copy_head(&k, s, is_utf8, total);
        return k.width;
    }
    if (cols <= mark_cols) { /* no room for a mark and a character: just cut */
        copy_head(&k, s, is_utf8, cols);
        return k.width;
    }
    if (!is_middle) {
        copy_head(&k, s, is_utf8, cols - mark_cols);
        sink_put(&k, mark, strlen(mark), mark_cols);
        return k.width;
    }
    rest = copy_head(&k, s, is_utf8, (cols - mark_cols + 1) / 2);
    {
        int tail_budget = cols - mark_cols - k.width;

        sink_put(&k, mark, strlen(mark), mark_cols);
        rest = find_tail(s, rest, is_utf8, total, tail_budget);
        copy_head(&k, rest, is_utf8, tail_budget);
    }
    return k.width;
}

int ui_fit_fields(int cols, int min_bar, struct ui_field *fields, size_t n)
{
    int used = 0;

    for (size_t i = 0; i < n; i++) {
        fields[i].is_shown = true;
        used += fields[i].width + 1;
    }
    while (cols - used < min_bar) {
        size_t drop = n;

        for (size_t i = 0; i < n; i++)
            if (fields[i].is_shown && fields[i].priority > 0 &&
                (drop == n || fields[i].priority >= fields[drop].priority))
                drop = i;
        if (drop == n)
            break;
        fields[drop].is_shown = false;
        used -= fields[drop].width + 1;
    }
    return cols - used >= min_bar && cols - used > 0 ? cols - used : 0;
}

void ui_layout_rows(int rows, const unsigned *nslots, size_t nfiles, size_t nentries,
                    size_t nevents, struct ui_rows *out)
{
    int left = rows > 3 ? rows - 3 : 0;
    int queue_min = nentries > 0 ? 2 : 1;
    bool has_queue = false;
    bool is_squeezed = false;
    int sections = 0, gaps, y = 1;

    memset(out, 0, sizeof(*out));
    out->header = rows >= 1 ? 0 : -1;
    out->message = rows >= 3 ? rows - 2 : rows == 2 ? 1 : -1;
    out->footer = rows >= 3 ? rows - 1 : -1;
    out->events_top = -1;
    out->queue_top = -1;
    for (size_t i = 0; i < UI_MAX_FILES; i++)
        out->file_top[i] = -1;

    if (nfiles > UI_MAX_FILES)
        nfiles = UI_MAX_FILES;
    while (out->nfiles < nfiles && left >= 2) {
        out->nfiles++;
        left -= 2;
    }
    if (left >= queue_min) {
        has_queue = true;
        out->queue_rows = queue_min - 1;
        left -= queue_min;
    }
    for (size_t i = 0; i < out->nfiles; i++) {
        int want = (int)(nslots[i] < PLAN_MAX_CONN ? nslots[i] : PLAN_MAX_CONN);

        if (!is_squeezed && want <= left) {
            out->file_slots[i] = want;
        } else if (want > 0 && left >= 1) {
            is_squeezed = true;
            out->file_slots[i] = 1;
        } else {
            is_squeezed = true;
            continue;
        }
        left -= out->file_slots[i];
    }
    out->nevents = (int)(nevents < UI_EVENT_ROWS ? nevents : UI_EVENT_ROWS);
    if (out->nevents > left / 3)
        out->nevents = left / 3;
    left -= out->nevents;
    if (has_queue && nentries > (size_t)out->queue_rows) {
        size_t more = nentries - (size_t)out->queue_rows;
        int add = more < (size_t)left ? (int)more : left;

        out->queue_rows += add;
        left -= add;
    }

    sections = (out->nfiles > 0) + (out->nevents > 0) + has_queue;
    gaps = sections > 1 ? sections - 1 : 0;
    if (gaps > left)
        gaps = left;
    for (size_t i = 0; i < out->nfiles; i++) {
        out->file_top[i] = y;
        y += 2 + out->file_slots[i];
    }
    if (out->nfiles > 0 && (out->nevents > 0 || has_queue) && gaps > 0) {
        y++;
        gaps--;
    }
    if (out->nevents > 0) {
        out->events_top = y;
        y += out->nevents;
        if (has_queue && gaps > 0)
            y++;
    }
    if (has_queue)
        out->queue_top = y;
}

void ui_queue_columns(int cols, int label_want, int state_want, struct ui_queue_cols *out)
{
    int avail, keep;

    memset(out, 0, sizeof(*out));
    if (cols <= 0)
        return;
    if (label_want < 0)
        label_want = 0;
    if (state_want < 0)
        state_want = 0;
    keep = state_want < UI_STATE_MIN ? state_want : UI_STATE_MIN;
    avail = cols - 2;
    if (avail - (UI_SIZE_COLS + 1) - keep >=
        (label_want < UI_LABEL_MIN ? label_want : UI_LABEL_MIN)) {
        out->size = UI_SIZE_COLS;
        avail -= UI_SIZE_COLS + 1;
    }
    if (avail <= 0) {
        out->label = cols < label_want ? cols : label_want;
        return;
    }
    /* The state keeps up to half of what is left, more if it needs little. */
    keep = avail / 2;
    if (keep < UI_STATE_MIN)
        keep = UI_STATE_MIN;
    if (keep > state_want)
        keep = state_want;
    if (keep > avail)
        keep = avail;
    out->label = avail - keep < label_want ? avail - keep : label_want;
    out->state = avail - out->label;
}

size_t ui_scroll_top(size_t n, size_t visible, size_t focus, size_t top)
{
    if (visible == 0 || n <= visible)
        return 0;
    if (top > n - visible)
        top = n - visible;
    if (focus < n) {
        if (focus < top)
            top = focus;
        else if (focus >= top + visible)
            top = focus - visible + 1;
    }
    return top;
}
