/*
 * tests/unit/test_ui_model.c - client/ui_model.c: the display's words,
 * cells and layout, one row per behaviour.
 *
 * The UTF-8 rows need a UTF-8 locale for wcwidth() (C.UTF-8 ships with
 * glibc); without one those tests are skipped, not passed.
 */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client/ui_model.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static bool has_utf8_locale;

/* ui_format_speed */

struct speed_case {
    const char *what;
    double speed;
    const char *want;
};

static const struct speed_case speed_cases[] = {
    {"no speed is shown as --", 0, "--"},
    {"a negative speed is shown as --", -5, "--"},
    {"a speed that is not a number is shown as --", NAN, "--"},
    {"under half a byte a second rounds to 0 B/s", 0.4, "0 B/s"},
    {"bytes are whole", 812, "812 B/s"},
    {"the largest byte speed stays in bytes", 1023, "1023 B/s"},
    {"a speed that rounds to 1024 B/s is 1.0 KiB/s", 1023.6, "1.0 KiB/s"},
    {"1024 B/s is 1.0 KiB/s", 1024, "1.0 KiB/s"},
    {"KiB have one decimal", 1536, "1.5 KiB/s"},
    {"just under a MiB never shows 1024.0 KiB/s", 1048575, "1.0 MiB/s"},
    {"MiB have one decimal", 35.2 * 1048576, "35.2 MiB/s"},
    {"just under a GiB never shows 1024.0 MiB/s", 1073741823, "1.0 GiB/s"},
    {"a GiB a second", 1073741824.0, "1.0 GiB/s"},
    {"a speed past 2^64 B/s is capped, not undefined", 1e30, "16.0 EiB/s"},
    {"an infinite speed is capped", INFINITY, "16.0 EiB/s"},
};

static void test_speed_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(speed_cases); i++) {
        const struct speed_case *c = &speed_cases[i];
        char out[32];

        ui_format_speed(c->speed, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: %g gave \"%s\", want \"%s\"", c->what, c->speed, out, c->want);
    }
}

/* ui_format_eta */

struct eta_case {
    const char *what;
    uint64_t left;
    double speed;
    const char *want;
};

static const struct eta_case eta_cases[] = {
    {"no speed gives no ETA", 1000, 0, "--"},
    {"a negative speed gives no ETA", 1000, -1, "--"},
    {"a speed that is not a number gives no ETA", 1000, NAN, "--"},
    {"nothing left is 0s", 0, 100, "0s"},
    {"half a second rounds up to 1s", 1, 2, "1s"},
    {"a whole second is not rounded up further", 100, 100, "1s"},
    {"a hundredth over a second rounds up to 2s", 101, 100, "2s"},
    {"under a minute is seconds", 59, 1, "59s"},
    {"59.5 s rounds up to a minute", 119, 2, "1m00s"},
    {"minutes have two-digit seconds", 125, 1, "2m05s"},
    {"the last second before an hour", 3599, 1, "59m59s"},
    {"an hour has two-digit minutes", 3600, 1, "1h00m"},
    {"hours drop the seconds", 3721, 1, "1h02m"},
    {"a day has two-digit hours", 86400, 1, "1d00h"},
    {"days and hours", 3 * 86400 + 4 * 3600, 1, "3d04h"},
    {"exactly 99 days is still shown", 99 * 86400, 1, "99d00h"},
    {"past 99 days gives no ETA", 99 * 86400 + 1, 1, "--"},
    {"the largest size at 1 B/s gives no ETA", UINT64_MAX, 1, "--"},
    {"a millisecond rounds up to 1s", 1, 1000, "1s"},
    {"any time at all rounds up to 1s", UINT64_MAX, 1e300, "1s"},
    {"a speed so small the time is infinite gives no ETA", 1000, 1e-320, "--"},
};

static void test_eta_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(eta_cases); i++) {
        const struct eta_case *c = &eta_cases[i];
        char out[32];

        ui_format_eta(c->left, c->speed, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: %llu at %g gave \"%s\", want \"%s\"", c->what,
                     (unsigned long long)c->left, c->speed, out, c->want);
    }
}

/* ui_format_duration */

struct duration_case {
    const char *what;
    double secs;
    const char *want;
};

static const struct duration_case duration_cases[] = {
    {"nothing is 0.0s", 0, "0.0s"},
    {"a negative duration is 0.0s", -3, "0.0s"},
    {"a duration that is not a number is 0.0s", NAN, "0.0s"},
    {"under a minute has tenths", 0.44, "0.4s"},
    {"whole seconds keep their tenth", 12, "12.0s"},
    {"the last tenth under a minute", 59.94, "59.9s"},
    {"what would print as 60.0s is a minute", 59.96, "1m00s"},
    {"a minute", 60, "1m00s"},
    {"minutes round to the nearest second, down", 125.4, "2m05s"},
    {"minutes round to the nearest second, up", 125.5, "2m06s"},
    {"hours drop the seconds", 3720, "1h02m"},
    {"days and hours", 90000, "1d01h"},
    {"a duration past 2^64 s is capped, not undefined", 1e300, "213503982334601d07h"},
};

static void test_duration_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(duration_cases); i++) {
        const struct duration_case *c = &duration_cases[i];
        char out[32];

        ui_format_duration(c->secs, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: %g gave \"%s\", want \"%s\"", c->what, c->secs, out, c->want);
    }
}

/* ui_format_percent */

struct percent_case {
    const char *what;
    uint64_t done, total;
    const char *want;
};

static const struct percent_case percent_cases[] = {
    {"nothing done is 0.0%", 0, 100, "0.0%"},
    {"a tenth of a percent", 1, 1000, "0.1%"},
    {"less than a twentieth of a percent shows 0.0%", 1, 10000, "0.0%"},
    {"one decimal", 452, 1000, "45.2%"},
    {"the last tenth before done", 999, 1000, "99.9%"},
    {"99.99% never shows 100.0%", 9999, 10000, "99.9%"},
    {"one byte short of the largest size never shows 100.0%", UINT64_MAX - 1, UINT64_MAX, "99.9%"},
    {"exactly the total is 100.0%", 1000, 1000, "100.0%"},
    {"more than the total is 100.0%", 2000, 1000, "100.0%"},
    {"a total of 0 is complete", 0, 0, "100.0%"},
    {"bytes of a total of 0 are complete", 5, 0, "100.0%"},
    {"the largest size done", UINT64_MAX, UINT64_MAX, "100.0%"},
};

static void test_percent_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(percent_cases); i++) {
        const struct percent_case *c = &percent_cases[i];
        char out[32];

        ui_format_percent(c->done, c->total, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: %llu of %llu gave \"%s\", want \"%s\"", c->what,
                     (unsigned long long)c->done, (unsigned long long)c->total, out, c->want);
    }
}

/* ui_bar_cells */

struct cells_case {
    const char *what;
    uint64_t done, total;
    int width;
    int want;
};

static const struct cells_case cells_cases[] = {
    {"a bar of no width has no cells", 50, 100, 0, 0},
    {"a negative width has no cells", 50, 100, -5, 0},
    {"a done bar of no width has no cells", 0, 0, 0, 0},
    {"a total of 0 is a full bar", 0, 0, 10, 10},
    {"nothing done is an empty bar", 0, 100, 10, 0},
    {"9% of 10 cells rounds down to none", 9, 100, 10, 0},
    {"10% of 10 cells is one", 10, 100, 10, 1},
    {"99% of 10 cells is 9, not full", 99, 100, 10, 9},
    {"done is full", 100, 100, 10, 10},
    {"more than done is full, not more", 150, 100, 10, 10},
    {"thirds are exact: one of three", 1, 3, 3, 1},
    {"thirds are exact: two of three", 2, 3, 3, 2},
    {"one byte short of the largest size is not full", UINT64_MAX - 1, UINT64_MAX, 80, 79},
    {"half the largest size, just under, rounds down", UINT64_MAX / 2, UINT64_MAX, 80, 39},
    {"just over half the largest size fills half", UINT64_MAX / 2 + 1, UINT64_MAX, 2, 1},
    {"the widest bar one byte short is one cell short", UINT64_MAX - 1, UINT64_MAX, INT_MAX,
     INT_MAX - 1},
    {"one byte of the largest size fills nothing of the widest bar", 1, UINT64_MAX, INT_MAX, 0},
    {"the largest size done fills the widest bar", UINT64_MAX, UINT64_MAX, INT_MAX, INT_MAX},
    {"large sizes are exact", (uint64_t)1 << 32, (uint64_t)1 << 33, 7, 3},
};

static void test_cells_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(cells_cases); i++) {
        const struct cells_case *c = &cells_cases[i];
        int got = ui_bar_cells(c->done, c->total, c->width);

        if (got != c->want)
            fail_msg("%s: %llu of %llu in %d gave %d, want %d", c->what,
                     (unsigned long long)c->done, (unsigned long long)c->total, c->width, got,
                     c->want);
    }
}

/* ui_format_range */

struct range_case {
    const char *what;
    uint64_t start, end;
    const char *want;
};

static const struct range_case range_cases[] = {
    {"a first chunk starts at 0 B", 0, 268435456, "0 B-256.0 MiB"},
    {"both ends are human sizes", 268435456, 536870912, "256.0 MiB-512.0 MiB"},
    {"bytes and KiB", 1023, 1024, "1023 B-1.0 KiB"},
    {"the largest end", 0, UINT64_MAX, "0 B-16.0 EiB"},
};

static void test_range_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(range_cases); i++) {
        const struct range_case *c = &range_cases[i];
        char out[64];

        ui_format_range(c->start, c->end, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: gave \"%s\", want \"%s\"", c->what, out, c->want);
    }
}

/* ui_format_slot_state */

struct slot_state_case {
    const char *what;
    enum slot_state state;
    unsigned attempt;
    const char *want;
};

static const struct slot_state_case slot_state_cases[] = {
    {"an idle connection", SLOT_IDLE, 0, "idle"},
    {"a request sent", SLOT_CONNECTING, 0, "connecting"},
    {"bytes flowing", SLOT_RUNNING, 0, "running"},
    {"a failure count of 0 is not shown", SLOT_RETRYING, 0, "retrying"},
    {"a retry shows the failures in a row", SLOT_RETRYING, 2, "retrying #2"},
    {"past failures do not show once running again", SLOT_RUNNING, 3, "running"},
    {"a finished connection", SLOT_DONE, 0, "done"},
    {"an unknown state is ?", (enum slot_state)99, 0, "?"},
};

static void test_slot_state_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(slot_state_cases); i++) {
        const struct slot_state_case *c = &slot_state_cases[i];
        char out[32];

        ui_format_slot_state(c->state, c->attempt, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: gave \"%s\", want \"%s\"", c->what, out, c->want);
    }
}

/* ui_format_slot_summary */

struct summary_case {
    const char *what;
    const char *states; /* a letter a connection: Idle, Connecting, Running, reTrying, Done */
    size_t cap;
    const char *want;
};

static const struct summary_case summary_cases[] = {
    {"counts by state, running first", "DRTR", 64, "4 connections: 2 running, 1 retrying, 1 done"},
    {"one connection is singular", "C", 64, "1 connection: 1 connecting"},
    {"every state in order", "IDCR", 80, "4 connections: 1 running, 1 connecting, 1 done, 1 idle"},
    {"no connections", "", 64, "0 connections"},
    {"a small buffer cuts the text", "RRDD", 20, "4 connections: 2 ru"},
};

static void test_summary_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(summary_cases); i++) {
        const struct summary_case *c = &summary_cases[i];
        struct progress_slot slots[PLAN_MAX_CONN];
        unsigned n = (unsigned)strlen(c->states);
        char out[128];

        memset(slots, 0, sizeof(slots));
        for (unsigned k = 0; k < n; k++)
            slots[k].state = c->states[k] == 'C'   ? SLOT_CONNECTING
                             : c->states[k] == 'R' ? SLOT_RUNNING
                             : c->states[k] == 'T' ? SLOT_RETRYING
                             : c->states[k] == 'D' ? SLOT_DONE
                                                   : SLOT_IDLE;
        ui_format_slot_summary(slots, n, out, c->cap);
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: gave \"%s\", want \"%s\"", c->what, out, c->want);
    }
}

/* ui_count_entries */

struct count_case {
    const char *what;
    enum entry_state state;
    struct ui_counts want;
};

static const struct count_case count_cases[] = {
    {"a waiting entry is waiting", ENTRY_WAITING, {1, 0, 0, 0, 0}},
    {"an entry not in the catalog yet is waiting", ENTRY_MISSING, {1, 0, 0, 0, 0}},
    {"a download is active", ENTRY_ACTIVE, {0, 1, 0, 0, 0}},
    {"a verification is active", ENTRY_VERIFYING, {0, 1, 0, 0, 0}},
    {"a verified file is verified", ENTRY_VERIFIED, {0, 0, 1, 0, 0}},
    {"a file already here with the right hash is verified", ENTRY_PRESENT, {0, 0, 1, 0, 0}},
    {"a file without a published hash is unverified", ENTRY_UNVERIFIED, {0, 0, 0, 1, 0}},
    {"a failure is failed", ENTRY_FAILED, {0, 0, 0, 0, 1}},
};

static bool counts_equal(const struct ui_counts *a, const struct ui_counts *b)
{
    return a->waiting == b->waiting && a->active == b->active && a->verified == b->verified &&
           a->unverified == b->unverified && a->failed == b->failed;
}

static void test_count_cases(void **state)
{
    struct progress_entry all[NROWS(count_cases)];
    struct ui_counts got, want = {2, 2, 2, 1, 1}, zero = {0, 0, 0, 0, 0};

    (void)state;
    memset(all, 0, sizeof(all));
    for (size_t i = 0; i < NROWS(count_cases); i++) {
        const struct count_case *c = &count_cases[i];
        struct progress_entry e;

        memset(&e, 0, sizeof(e));
        e.state = c->state;
        all[i].state = c->state;
        ui_count_entries(&e, 1, &got);
        if (!counts_equal(&got, &c->want))
            fail_msg("%s: counted %zu %zu %zu %zu %zu", c->what, got.waiting, got.active,
                     got.verified, got.unverified, got.failed);
    }
    ui_count_entries(all, NROWS(all), &got);
    if (!counts_equal(&got, &want))
        fail_msg("a queue of every state adds up: counted %zu %zu %zu %zu %zu", got.waiting,
                 got.active, got.verified, got.unverified, got.failed);
    got.failed = 7;
    ui_count_entries(NULL, 0, &got);
    if (!counts_equal(&got, &zero))
        fail_msg("an empty queue counts nothing, whatever the output held");
}

/* ui_format_counts */

struct counts_case {
    const char *what;
    size_t waiting, active, verified, unverified, failed;
    int cols;
    const char *want;
};

static const struct counts_case counts_cases[] = {
    {"the long form when it fits", 3, 1, 2, 0, 1, 80, "3 waiting  1 active  2 verified  1 failed"},
    {"unverified files are counted when there are any", 0, 0, 5, 2, 0, 80,
     "0 waiting  0 active  5 verified  0 failed  2 unverified"},
    {"the long form in exactly its width", 3, 1, 2, 0, 1, 41,
     "3 waiting  1 active  2 verified  1 failed"},
    {"one column less gives the short form", 3, 1, 2, 0, 1, 40, "3w 1a 2v 1f"},
    {"the short form counts unverified files too", 0, 0, 5, 2, 0, 20, "0w 0a 5v 0f 2u"},
    {"the short form in exactly its width", 3, 1, 2, 0, 1, 11, "3w 1a 2v 1f"},
    {"narrower than the short form gives nothing", 3, 1, 2, 0, 1, 10, ""},
    {"no columns give nothing", 3, 1, 2, 0, 1, 0, ""},
    {"big numbers", 123456, 7, 0, 0, 0, 30, "123456w 7a 0v 0f"},
};

static void test_counts_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(counts_cases); i++) {
        const struct counts_case *c = &counts_cases[i];
        struct ui_counts counts = {c->waiting, c->active, c->verified, c->unverified, c->failed};
        char out[128];
        int got = ui_format_counts(&counts, c->cols, out, sizeof(out));

        if (strcmp(out, c->want) != 0 || got != (int)strlen(c->want))
            fail_msg("%s: gave \"%s\" (%d), want \"%s\"", c->what, out, got, c->want);
    }
}

/* ui_text_fit, ui_text_width */

struct fit_case {
    const char *what;
    const char *s;
    int cols;
    bool is_utf8, is_middle;
    size_t cap;
    const char *want;
    int want_cols;
};

#define E "\xe2\x80\xa6" /* the ellipsis */

static const struct fit_case fit_cases[] = {
    {"a short text is copied", "hello", 10, false, false, 64, "hello", 5},
    {"a text of exactly the width is not cut", "hello", 5, false, false, 64, "hello", 5},
    {"a cut is marked with three dots", "hello world", 8, false, false, 64, "hello...", 8},
    {"no columns give nothing", "hello", 0, false, false, 64, "", 0},
    {"negative columns give nothing", "hello", -3, false, false, 64, "", 0},
    {"no room for the dots and a character: a plain cut", "hello", 3, false, false, 64, "hel", 3},
    {"room for the dots and one character", "hello", 4, false, false, 64, "h...", 4},
    {"an empty text", "", 10, false, false, 64, "", 0},
    {"without UTF-8 a non-ASCII character is one ?", "h\xc3\xa9llo", 10, false, false, 64, "h?llo",
     5},
    {"without UTF-8 a wide character is one ?", "\xe6\x97\xa5!", 10, false, false, 64, "?!", 2},
    {"control characters become ?", "a\tb\nc\x7f", 10, false, false, 64, "a?b?c?", 6},
    {"a stray byte becomes ?", "a\xff", 10, false, false, 64, "a?", 2},
    {"a middle cut keeps the head and the tail", "a-very-long-file-name.iso", 13, false, true, 64,
     "a-ver...e.iso", 13},
    {"a middle cut of a text that fits changes nothing", "short.iso", 13, false, true, 64,
     "short.iso", 9},
    {"a small buffer ends the text early", "hello", 10, false, false, 4, "hel", 3},
    {"a buffer of one byte holds the empty text", "hello", 10, false, false, 1, "", 0},
    {"a small buffer ends a cut text before its mark", "hello world", 8, false, false, 6, "hello",
     5},
};

static const struct fit_case fit_utf8_cases[] = {
    {"a cut is marked with an ellipsis", "hello world", 8, true, false, 64, "hello w" E, 8},
    {"one column: a plain cut", "hello", 1, true, false, 64, "h", 1},
    {"two columns: a character and the ellipsis", "hello", 2, true, false, 64, "h" E, 2},
    {"two-byte characters take one column", "h\xc3\xa9llo w\xc3\xb6rld", 8, true, false, 64,
     "h\xc3\xa9llo w" E, 8},
    {"a cut never splits a sequence", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, true, false,
     64, "\xc3\xa9\xc3\xa9" E, 3},
    {"wide characters take two columns", "\xe6\x97\xa5\xe6\x9c\xac", 4, true, false, 64,
     "\xe6\x97\xa5\xe6\x9c\xac", 4},
    {"a wide character that would straddle the cut is left out",
     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae", 6, true, false, 64,
     "\xe6\x97\xa5\xe6\x9c\xac" E, 5},
    {"wide characters up to the cut", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae", 7, true,
     false, 64, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" E, 7},
    {"a combining mark stays with its base", "e\314\201e\314\201e\314\201e\314\201", 3, true, false,
     64, "e\314\201e\314\201" E, 3},
    {"a truncated sequence is ?", "a\xc3", 10, true, false, 64, "a?", 2},
    {"an overlong encoding is ? per byte", "\xc0\xaf", 10, true, false, 64, "??", 2},
    {"a surrogate is ? per byte", "\xed\xa0\x80", 10, true, false, 64, "???", 3},
    {"a code point past U+10FFFF is ? per byte", "\xf4\x90\x80\x80", 10, true, false, 64, "????",
     4},
    {"a C1 control character is ?", "a\xc2\x85z", 10, true, false, 64, "a?z", 3},
    {"a middle cut with an ellipsis", "a-very-long-file-name.iso", 13, true, true, 64,
     "a-very" E "me.iso", 13},
    {"a middle cut around wide characters",
     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4"
     "\xe3\x83\xab.iso",
     10, true, true, 64, "\xe6\x97\xa5\xe6\x9c\xac" E ".iso", 9},
    {"a middle cut never starts the tail with a combining mark", "abcde\xcc\x81x", 4, true, true,
     64, "ab" E "x", 4},
    {"a small buffer never ends inside a sequence", "\xc3\xa9\xc3\xa9", 10, true, false, 4,
     "\xc3\xa9", 1},
};

static void run_fit_cases(const struct fit_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct fit_case *c = &cases[i];
        char out[64];
        int got;

        memset(out, 'X', sizeof(out));
        got = ui_text_fit(c->s, c->cols, c->is_utf8, c->is_middle, out, c->cap);
        if (strcmp(out, c->want) != 0 || got != c->want_cols)
            fail_msg("%s: gave \"%s\" (%d columns), want \"%s\" (%d)", c->what, out, got, c->want,
                     c->want_cols);
    }
}

static void test_fit_cases(void **state)
{
    char out[4] = "abc";

    (void)state;
    run_fit_cases(fit_cases, NROWS(fit_cases));
    if (ui_text_fit("hello", 10, false, false, out, 0) != 0 || strcmp(out, "abc") != 0)
        fail_msg("a buffer of no bytes is not touched");
}

static void test_fit_utf8_cases(void **state)
{
    (void)state;
    if (!has_utf8_locale)
        skip();
    run_fit_cases(fit_utf8_cases, NROWS(fit_utf8_cases));
}

struct width_case {
    const char *what;
    const char *s;
    bool is_utf8;
    int want;
};

static const struct width_case width_cases[] = {
    {"an empty text takes nothing", "", true, 0},
    {"ASCII takes a column a character", "abc", false, 3},
    {"wide characters take two columns", "\xe6\x97\xa5\xe6\x9c\xac", true, 4},
    {"a two-byte character takes one column", "\xc3\xa9", true, 1},
    {"without UTF-8 it is one ?", "\xc3\xa9", false, 1},
    {"a combining mark takes none", "e\xcc\x81", true, 1},
    {"each stray byte is a ?", "\xff\xfe", true, 2},
};

static void test_width_cases(void **state)
{
    (void)state;
    if (!has_utf8_locale)
        skip();
    for (size_t i = 0; i < NROWS(width_cases); i++) {
        const struct width_case *c = &width_cases[i];
        int got = ui_text_width(c->s, c->is_utf8);

        if (got != c->want)
            fail_msg("%s: gave %d, want %d", c->what, got, c->want);
    }
}

/* ui_fit_fields */

struct fields_case {
    const char *what;
    int cols, min_bar;
    size_t n;
    int width[4], priority[4];
    int want_bar;
    unsigned want_shown; /* bit i: field i shown */
};

static const struct fields_case fields_cases[] = {
    {"everything fits: the bar takes the rest", 80, 10, 4, {6, 12, 10, 21}, {0, 1, 2, 3}, 27, 0xf},
    {"the highest priority number goes first", 50, 10, 4, {6, 12, 10, 21}, {0, 1, 2, 3}, 19, 0x7},
    {"fields go until the bar has its minimum", 30, 10, 4, {6, 12, 10, 21}, {0, 1, 2, 3}, 10, 0x3},
    {"priority 0 stays; too short a bar is 0", 10, 10, 4, {6, 12, 10, 21}, {0, 1, 2, 3}, 0, 0x1},
    {"of equal priorities the rightmost goes first", 10, 4, 2, {5, 5}, {1, 1}, 4, 0x1},
    {"priorities need not follow the display order", 30, 10, 3, {6, 12, 10}, {0, 3, 1}, 12, 0x5},
    {"with no minimum the bar takes what is left", 20, 0, 1, {5}, {1}, 14, 0x1},
    {"no columns: every field that can go goes", 0, 0, 1, {5}, {1}, 0, 0x0},
    {"no fields: the bar is the line", 40, 10, 0, {0}, {0}, 40, 0x0},
};

static void test_fields_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(fields_cases); i++) {
        const struct fields_case *c = &fields_cases[i];
        struct ui_field f[4];
        unsigned shown = 0;
        int bar;

        memset(f, 0, sizeof(f));
        for (size_t k = 0; k < c->n; k++) {
            f[k].width = c->width[k];
            f[k].priority = c->priority[k];
        }
        bar = ui_fit_fields(c->cols, c->min_bar, f, c->n);
        for (size_t k = 0; k < c->n; k++)
            shown |= (unsigned)f[k].is_shown << k;
        if (bar != c->want_bar || shown != c->want_shown)
            fail_msg("%s: bar %d, shown %#x; want %d, %#x", c->what, bar, shown, c->want_bar,
                     c->want_shown);
    }
}

/* ui_layout_rows */

/* A layout in short: "h0 m22 f23 F1+4 E8+3 Q12+8" is the header on row 0,
 * the message on 22, the footer on 23, a file from row 1 with 4 rows of
 * connections under its bar, 3 results from row 8, and the queue's title
 * on row 12 with 8 entries under it; "-" is a line not shown. */
static void layout_describe(const struct ui_rows *r, char *out, size_t cap)
{
    size_t len;

    snprintf(out, cap, "h%d m%d f%d", r->header, r->message, r->footer);
    for (size_t i = 0; i < r->nfiles && i < UI_MAX_FILES; i++) {
        len = strlen(out);
        snprintf(out + len, cap - len, " F%d+%d", r->file_top[i], r->file_slots[i]);
    }
    len = strlen(out);
    if (r->nevents != 0 || r->events_top != -1)
        snprintf(out + len, cap - len, " E%d+%d", r->events_top, r->nevents);
    len = strlen(out);
    if (r->queue_top != -1 || r->queue_rows != 0)
        snprintf(out + len, cap - len, " Q%d+%d", r->queue_top, r->queue_rows);
    for (char *p = out; (p = strstr(p, "-1")) != NULL;)
        memmove(p + 1, p + 2, strlen(p + 2) + 1); /* "-1" reads "-" */
}

struct layout_case {
    const char *what;
    int rows;
    const char *slots; /* a digit a file: its connections */
    size_t nentries, nevents;
    const char *want;
};

static const struct layout_case layout_cases[] = {
    {"80x24, one file of 4 connections: all of it, blank lines between sections", 24, "4", 8, 5,
     "h0 m22 f23 F1+4 E8+3 Q12+8"},
    {"60x15: results get no more than a third of the rows left", 15, "4", 8, 5,
     "h0 m13 f14 F1+4 E7+1 Q8+4"},
    {"40x10: connections that do not fit become a summary; the queue comes before results", 10, "4",
     8, 5, "h0 m8 f9 F1+1 Q4+3"},
    {"no rows: nothing", 0, "4", 8, 5, "h- m- f-"},
    {"negative rows: nothing", -4, "4", 8, 5, "h- m- f-"},
    {"one row: the header", 1, "4", 8, 5, "h0 m- f-"},
    {"two rows: the header and the message", 2, "4", 8, 5, "h0 m1 f-"},
    {"three rows: header, message, footer", 3, "4", 8, 5, "h0 m1 f2"},
    {"one free row: too little for a file or the queue", 4, "4", 8, 5, "h0 m2 f3"},
    {"two free rows: a file before the queue", 5, "4", 8, 5, "h0 m3 f4 F1+0"},
    {"no files: the queue takes what it needs", 24, "", 3, 0, "h0 m22 f23 Q1+3"},
    {"an empty queue still has its title", 10, "", 0, 0, "h0 m8 f9 Q1+0"},
    {"eight files: names and bars first, then summaries while rows last", 24, "44444444", 20, 0,
     "h0 m22 f23 F1+1 F4+1 F7+1 F10+0 F12+0 F14+0 F16+0 F18+0 Q20+1"},
    {"more files than UI_MAX_FILES: the first eight count", 24, "4444444444", 20, 0,
     "h0 m22 f23 F1+1 F4+1 F7+1 F10+0 F12+0 F14+0 F16+0 F18+0 Q20+1"},
    {"two files with all their connections", 24, "42", 5, 1, "h0 m22 f23 F1+4 F7+2 E12+1 Q14+5"},
    {"a file with no connections yet takes two rows", 24, "02", 2, 0, "h0 m22 f23 F1+0 F3+2 Q8+2"},
    {"a tall screen leaves rows blank at the bottom", 40, "2", 2, 1, "h0 m38 f39 F1+2 E6+1 Q8+2"},
};

static void test_layout_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(layout_cases); i++) {
        const struct layout_case *c = &layout_cases[i];
        unsigned nslots[16];
        size_t nfiles = strlen(c->slots);
        struct ui_rows r;
        char got[256];

        for (size_t k = 0; k < nfiles; k++)
            nslots[k] = (unsigned)(c->slots[k] - '0');
        memset(&r, 0x5a, sizeof(r));
        ui_layout_rows(c->rows, nslots, nfiles, c->nentries, c->nevents, &r);
        layout_describe(&r, got, sizeof(got));
        if (strcmp(got, c->want) != 0)
            fail_msg("%s: gave \"%s\", want \"%s\"", c->what, got, c->want);
        for (size_t k = r.nfiles; k < UI_MAX_FILES; k++)
            if (r.file_top[k] != -1 || r.file_slots[k] != 0)
                fail_msg("%s: file %zu is not shown but has rows", c->what, k);
    }
}

/* Mark ROW of a screen of ROWS as used; fail if it is off the screen or taken. */
static void take(int *used, int rows, int row)
{
    if (row < 0 || row >= rows || used[row]++ > 0)
        fail_msg("row %d of %d is off the screen or shared", row, rows);
}

/* Every layout stays on the screen and no two parts share a row. */
static void test_layout_bounds(void **state)
{
    unsigned nslots[UI_MAX_FILES];

    (void)state;
    for (int rows = 0; rows <= 40; rows++) {
        for (size_t nfiles = 0; nfiles <= UI_MAX_FILES; nfiles++) {
            for (unsigned slots = 0; slots <= 6; slots += 3) {
                for (size_t nentries = 0; nentries <= 30; nentries += 6) {
                    struct ui_rows r;
                    int used[64] = {0};

                    for (size_t k = 0; k < UI_MAX_FILES; k++)
                        nslots[k] = slots;
                    ui_layout_rows(rows, nslots, nfiles, nentries, 5, &r);
                    if (r.header >= 0)
                        take(used, rows, r.header);
                    if (r.message >= 0)
                        take(used, rows, r.message);
                    if (r.footer >= 0)
                        take(used, rows, r.footer);
                    for (size_t f = 0; f < r.nfiles; f++)
                        for (int k = 0; k < 2 + r.file_slots[f]; k++)
                            take(used, rows, r.file_top[f] + k);
                    for (int k = 0; k < r.nevents; k++)
                        take(used, rows, r.events_top + k);
                    if (r.queue_top >= 0)
                        for (int k = 0; k <= r.queue_rows; k++)
                            take(used, rows, r.queue_top + k);
                    if (r.queue_rows > (int)nentries)
                        fail_msg("rows %d: %d queue rows for %zu entries", rows, r.queue_rows,
                                 nentries);
                    if (r.nfiles > nfiles)
                        fail_msg("rows %d: %zu files shown of %zu", rows, r.nfiles, nfiles);
                }
            }
        }
    }
}

/* ui_queue_columns */

struct qcols_case {
    const char *what;
    int cols, label_want, state_want;
    int label, size, state;
};

static const struct qcols_case qcols_cases[] = {
    {"80 columns: labels, sizes and states all fit", 78, 30, 20, 30, 10, 35},
    {"a long label leaves the state half", 78, 100, 40, 33, 10, 32},
    {"a short state gives the label the rest", 78, 100, 7, 58, 10, 7},
    {"40 columns: the size goes before the label shrinks below its minimum", 38, 30, 11, 25, 0, 11},
    {"40 columns keep the size when labels are short", 38, 8, 8, 8, 10, 17},
    {"no columns: nothing", 0, 30, 20, 0, 0, 0},
    {"negative columns: nothing", -5, 30, 20, 0, 0, 0},
    {"one column: the label", 1, 30, 20, 1, 0, 0},
    {"negative wants count as nothing", 78, -1, -1, 0, 10, 65},
};

static void test_qcols_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(qcols_cases); i++) {
        const struct qcols_case *c = &qcols_cases[i];
        struct ui_queue_cols q;

        ui_queue_columns(c->cols, c->label_want, c->state_want, &q);
        if (q.label != c->label || q.size != c->size || q.state != c->state)
            fail_msg("%s: label %d size %d state %d; want %d %d %d", c->what, q.label, q.size,
                     q.state, c->label, c->size, c->state);
    }
}

/* ui_scroll_top */

struct scroll_case {
    const char *what;
    size_t n, visible, focus, top;
    size_t want;
};

static const struct scroll_case scroll_cases[] = {
    {"everything fits: from the first", 5, 10, 3, 2, 0},
    {"exactly fits: from the first", 10, 10, 9, 5, 0},
    {"no room: from the first", 20, 0, 7, 5, 0},
    {"a focus above the window moves it up to the focus", 20, 5, 3, 10, 3},
    {"a focus below the window moves it down just enough", 20, 5, 12, 0, 8},
    {"a focus in the window keeps it still", 20, 5, 7, 5, 5},
    {"no focus keeps the window still", 20, 5, 20, 7, 7},
    {"a window past the end is pulled back", 20, 5, 20, 18, 15},
    {"the last entry as focus shows the end", 20, 5, 19, 0, 15},
    {"a focus of SIZE_MAX is no focus", 20, 5, SIZE_MAX, 4, 4},
};

static void test_scroll_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(scroll_cases); i++) {
        const struct scroll_case *c = &scroll_cases[i];
        size_t got = ui_scroll_top(c->n, c->visible, c->focus, c->top);

        if (got != c->want)
            fail_msg("%s: gave %zu, want %zu", c->what, got, c->want);
    }
}

/* ---- ui_format_sources ---- */

static void test_sources_line(void **state)
{
    struct progress_source src[3];
    char out[256];

    (void)state;
    memset(src, 0, sizeof(src));
    snprintf(src[0].host, sizeof(src[0].host), "a:80");
    src[0].speed = 4 * 1048576.0;
    src[0].pieces = 12;
    snprintf(src[1].host, sizeof(src[1].host), "b:80");
    src[1].pieces = 1;
    src[1].rejected = 1;
    snprintf(src[2].host, sizeof(src[2].host), "c:80");
    src[2].is_dropped = true;
    src[2].pieces = 5;
    ui_format_sources(src, 3, out, sizeof(out));
    assert_string_equal(out,
                        "3 sources: a:80 4.0 MiB/s 12 pieces, b:80 1 piece 1 bad, c:80 dropped");
    ui_format_sources(src, 1, out, sizeof(out));
    assert_string_equal(out, "1 source: a:80 4.0 MiB/s 12 pieces");
    /* A short buffer is cut, never overrun. */
    ui_format_sources(src, 3, out, 12);
    assert_string_equal(out, "3 sources: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speed_cases),      cmocka_unit_test(test_eta_cases),
        cmocka_unit_test(test_duration_cases),   cmocka_unit_test(test_percent_cases),
        cmocka_unit_test(test_cells_cases),      cmocka_unit_test(test_range_cases),
        cmocka_unit_test(test_slot_state_cases), cmocka_unit_test(test_summary_cases),
        cmocka_unit_test(test_count_cases),      cmocka_unit_test(test_counts_cases),
        cmocka_unit_test(test_fit_cases),        cmocka_unit_test(test_fit_utf8_cases),
        cmocka_unit_test(test_width_cases),      cmocka_unit_test(test_fields_cases),
        cmocka_unit_test(test_layout_cases),     cmocka_unit_test(test_layout_bounds),
        cmocka_unit_test(test_qcols_cases),      cmocka_unit_test(test_scroll_cases),
        cmocka_unit_test(test_sources_line),
    };

    /* wcwidth() needs a UTF-8 LC_CTYPE; C.UTF-8 is in every glibc since 2.35. */
    has_utf8_locale =
        setlocale(LC_CTYPE, "C.UTF-8") != NULL || setlocale(LC_CTYPE, "en_US.UTF-8") != NULL;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
