/*
 * tests/unit/tally.h - failing rows of one table: every failing row is
 * printed, and the test fails at the end naming the first. Include after
 * <cmocka.h>.
 */
#ifndef TESTS_UNIT_TALLY_H
#define TESTS_UNIT_TALLY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

struct tally {
    size_t bad;
    const char *first;
};

static inline void row_fail(struct tally *t, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void row_fail(struct tally *t, const char *what, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    print_error("row failed: %s: %s\n", what, msg);
    if (t->bad++ == 0)
        t->first = what;
}

static inline void tally_end(const struct tally *t, size_t rows)
{
    if (t->bad > 0)
        fail_msg("%zu of %zu rows failed; the first: %s", t->bad, rows, t->first);
}

#endif
