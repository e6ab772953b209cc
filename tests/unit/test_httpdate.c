/*
 * tests/unit/test_httpdate.c - common/httpdate.c: IMF-fixdate out, the
 * three RFC 9110 (5.6.7) forms in, strictly.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/httpdate.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

/* RFC 9110's example date, Sun, 06 Nov 1994 08:49:37 GMT. */
#define EXAMPLE 784111777

_Static_assert(sizeof(time_t) >= 8, "these tests need a 64-bit time_t");

struct format_case {
    const char *what; /* the behaviour, stated as a fact */
    time_t t;
    bool want;
    const char *out; /* "" when WANT is false */
};

static const struct format_case format_cases[] = {
    {"the epoch is a Thursday", 0, true, "Thu, 01 Jan 1970 00:00:00 GMT"},
    {"RFC 9110's example", EXAMPLE, true, "Sun, 06 Nov 1994 08:49:37 GMT"},
    {"a second before the epoch", -1, true, "Wed, 31 Dec 1969 23:59:59 GMT"},
    {"a leap day", 951782400, true, "Tue, 29 Feb 2000 00:00:00 GMT"},
    {"the last 32-bit second", 2147483647, true, "Tue, 19 Jan 2038 03:14:07 GMT"},
    {"the first second past 32 bits", 2147483648, true, "Tue, 19 Jan 2038 03:14:08 GMT"},
    {"the last second of 9999", 253402300799, true, "Fri, 31 Dec 9999 23:59:59 GMT"},
    {"the first second of 10000 is refused", 253402300800, false, ""},
    {"a year before 0 is refused", -62167219201, false, ""},
    {"a time past what struct tm holds is refused", INT64_MAX, false, ""},
};

static void test_httpdate_format_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
        const struct format_case *c = &format_cases[i];
        char out[HTTPDATE_LEN];
        bool ok;

        memset(out, 'X', sizeof(out));
        ok = httpdate_format(c->t, out);
        if (ok != c->want || memchr(out, '\0', sizeof(out)) == NULL || strcmp(out, c->out) != 0)
            fail_msg("%s: %" PRId64 " gave %d \"%.*s\", want \"%s\"", c->what, (int64_t)c->t, ok,
                     (int)sizeof(out), out, c->out);
    }
}

struct parse_case {
    const char *what;
    const char *s;
    size_t len;
    bool want;
    time_t t; /* 0 when WANT is false */
};

static const struct parse_case parse_cases[] = {
    {"an IMF-fixdate", S("Sun, 06 Nov 1994 08:49:37 GMT"), true, EXAMPLE},
    {"an RFC 850 date", S("Sunday, 06-Nov-94 08:49:37 GMT"), true, EXAMPLE},
    {"an asctime date with a one-digit day", S("Sun Nov  6 08:49:37 1994"), true, EXAMPLE},
    {"an asctime date with a two-digit day", S("Wed Nov 16 08:49:37 1994"), true,
     EXAMPLE + 10 * 86400},
    {"an asctime date with a zero-padded day (2DIGIT)", S("Sun Nov 06 08:49:37 1994"), true,
     EXAMPLE},
    {"the epoch", S("Thu, 01 Jan 1970 00:00:00 GMT"), true, 0},
    {"a date before the epoch", S("Wed, 31 Dec 1969 23:59:59 GMT"), true, -1},
    {"the last second of 9999", S("Fri, 31 Dec 9999 23:59:59 GMT"), true, 253402300799},
    {"RFC 850 year 00 is 2000", S("Saturday, 01-Jan-00 00:00:00 GMT"), true, 946684800},
    {"RFC 850 year 50 is 2050", S("Saturday, 01-Jan-50 00:00:00 GMT"), true, 2524608000},
    {"RFC 850 year 51 is 1951", S("Monday, 01-Jan-51 00:00:00 GMT"), true, -599616000},
    {"29 Feb of a leap year", S("Tue, 29 Feb 2000 00:00:00 GMT"), true, 951782400},
    {"29 Feb of another leap year", S("Thu, 29 Feb 1996 12:00:00 GMT"), true, 825595200},
    {"a leap second :60 is taken as the next minute", S("Sun, 06 Nov 1994 08:49:60 GMT"), true,
     EXAMPLE + 23},
    {"only LEN bytes are read", "Sun, 06 Nov 1994 08:49:37 GMT, junk",
     sizeof("Sun, 06 Nov 1994 08:49:37 GMT") - 1, true, EXAMPLE},

    {"an empty string is refused", S(""), false, 0},
    {"a day name that is not one is refused", S("Sux, 06 Nov 1994 08:49:37 GMT"), false, 0},
    {"a lowercase day name is refused (HTTP-date is case-sensitive)",
     S("sun, 06 Nov 1994 08:49:37 GMT"), false, 0},
    {"a long day name in an IMF-fixdate is refused", S("Sunday, 06 Nov 1994 08:49:37 GMT"), false,
     0},
    {"a short day name in an RFC 850 date is refused", S("Sun, 06-Nov-94 08:49:37 GMT"), false, 0},
    {"a long day name in an asctime date is refused", S("Sunday Nov  6 08:49:37 1994"), false, 0},
    {"a month that is not one is refused", S("Sun, 06 Nox 1994 08:49:37 GMT"), false, 0},
    {"a lowercase month is refused", S("Sun, 06 nov 1994 08:49:37 GMT"), false, 0},
    {"a long month name is refused", S("Sun, 06 November 1994 08:49:37 GMT"), false, 0},
    {"a numeric month is refused", S("Sun, 06 11 1994 08:49:37 GMT"), false, 0},
    {"a missing GMT is refused", S("Sun, 06 Nov 1994 08:49:37"), false, 0},
    {"UTC instead of GMT is refused", S("Sun, 06 Nov 1994 08:49:37 UTC"), false, 0},
    {"a numeric zone is refused", S("Sun, 06 Nov 1994 08:49:37 +0000"), false, 0},
    {"a lowercase gmt is refused", S("Sun, 06 Nov 1994 08:49:37 gmt"), false, 0},
    {"a missing GMT in RFC 850 is refused", S("Sunday, 06-Nov-94 08:49:37"), false, 0},
    {"GMT after an asctime date is refused", S("Sun Nov  6 08:49:37 1994 GMT"), false, 0},
    {"a trailing space is refused", S("Sun, 06 Nov 1994 08:49:37 GMT "), false, 0},
    {"trailing text is refused", S("Sun, 06 Nov 1994 08:49:37 GMTx"), false, 0},
    {"a trailing NUL inside LEN is refused", S("Sun, 06 Nov 1994 08:49:37 GMT\0"), false, 0},
    {"a leading space is refused", S(" Sun, 06 Nov 1994 08:49:37 GMT"), false, 0},
    {"trailing text after asctime is refused", S("Sun Nov  6 08:49:37 1994x"), false, 0},
    {"a one-digit day in an IMF-fixdate is refused", S("Sun, 6 Nov 1994 08:49:37 GMT"), false, 0},
    {"a two-digit year in an IMF-fixdate is refused", S("Sun, 06 Nov 94 08:49:37 GMT"), false, 0},
    {"a four-digit year in an RFC 850 date is refused", S("Sunday, 06-Nov-1994 08:49:37 GMT"),
     false, 0},
    {"a five-digit year is refused", S("Sun, 06 Nov 19940 08:49:37 GMT"), false, 0},
    {"a missing comma is refused", S("Sun 06 Nov 1994 08:49:37 GMT"), false, 0},
    {"two spaces between fields are refused", S("Sun,  06 Nov 1994 08:49:37 GMT"), false, 0},
    {"a one-digit hour is refused", S("Sun, 06 Nov 1994 8:49:37 GMT"), false, 0},
    {"missing seconds are refused", S("Sun, 06 Nov 1994 08:49 GMT"), false, 0},
    {"'.' between time fields is refused", S("Sun, 06 Nov 1994 08.49.37 GMT"), false, 0},
    {"day 0 is refused", S("Sun, 00 Nov 1994 08:49:37 GMT"), false, 0},
    {"day 32 is refused", S("Sun, 32 Jan 1994 08:49:37 GMT"), false, 0},
    {"31 Apr is refused", S("Sun, 31 Apr 1994 08:49:37 GMT"), false, 0},
    {"31 Jun is refused", S("Sun, 31 Jun 1994 08:49:37 GMT"), false, 0},
    {"31 Sep is refused", S("Sun, 31 Sep 1994 08:49:37 GMT"), false, 0},
    {"31 Nov is refused", S("Sun, 31 Nov 1994 08:49:37 GMT"), false, 0},
    {"30 Feb is refused", S("Sun, 30 Feb 1994 08:49:37 GMT"), false, 0},
    {"31 Feb is refused", S("Sun, 31 Feb 1994 08:49:37 GMT"), false, 0},
    {"31 Apr in RFC 850 is refused", S("Sunday, 31-Apr-94 08:49:37 GMT"), false, 0},
    {"31 Apr in asctime is refused", S("Sun Apr 31 08:49:37 1994"), false, 0},
    {"hour 24 is refused", S("Sun, 06 Nov 1994 24:00:00 GMT"), false, 0},
    {"minute 60 is refused", S("Sun, 06 Nov 1994 08:60:00 GMT"), false, 0},
    {"second 61 is refused", S("Sun, 06 Nov 1994 08:49:61 GMT"), false, 0},
    {"hour 99 is refused", S("Sun, 06 Nov 1994 99:00:00 GMT"), false, 0},
    {"29 Feb of a common year is refused", S("Wed, 29 Feb 1995 00:00:00 GMT"), false, 0},
    {"29 Feb of a century that is not a leap year is refused", S("Mon, 29 Feb 2100 00:00:00 GMT"),
     false, 0},
    {"29 Feb of a common year in asctime is refused", S("Wed Feb 29 00:00:00 1995"), false, 0},
};

static void test_httpdate_parse_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        time_t t = 12345;
        bool ok = httpdate_parse(c->s, c->len, &t);

        if (ok != c->want || t != c->t)
            fail_msg("%s: \"%.*s\" gave %d %" PRId64 ", want %d %" PRId64, c->what, (int)c->len,
                     c->s, ok, (int64_t)t, c->want, (int64_t)c->t);
    }
}

/* Input cut at every byte, or with one byte more, is refused. */
static void test_httpdate_parse_cut(void **state)
{
    static const char *const forms[] = {
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    };

    (void)state;
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        size_t n = strlen(forms[f]);
        char longer[64];
        time_t t;

        for (size_t len = 0; len < n; len++) {
            /* A copy of just LEN bytes, so reading past it is caught by ASan. */
            char *cut = malloc(len + 1);

            assert_non_null(cut);
            memcpy(cut, forms[f], len);
            if (httpdate_parse(cut, len, &t))
                fail_msg("\"%s\" cut to %zu bytes was accepted", forms[f], len);
            free(cut);
        }
        assert_true(httpdate_parse(forms[f], n, &t));
        assert_int_equal(t, EXAMPLE);
        snprintf(longer, sizeof(longer), "%s0", forms[f]);
        if (httpdate_parse(longer, n + 1, &t))
            fail_msg("\"%s\" with a byte more was accepted", forms[f]);
    }
}

/* Rewrite an IMF-fixdate as asctime ("Sun Nov  6 08:49:37 1994"). */
static void imf_to_asctime(const char *imf, char *out, size_t cap)
{
    int day = atoi(imf + 5);

    snprintf(out, cap, "%.3s %.3s %2d %.8s %.4s", imf, imf + 8, day, imf + 17, imf + 12);
}

/* Rewrite an IMF-fixdate as RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT"). */
static void imf_to_rfc850(const char *imf, char *out, size_t cap)
{
    static const char *const days[7][2] = {
        {"Sun", "Sunday"},   {"Mon", "Monday"}, {"Tue", "Tuesday"},  {"Wed", "Wednesday"},
        {"Thu", "Thursday"}, {"Fri", "Friday"}, {"Sat", "Saturday"},
    };
    const char *day = "?";

    for (size_t i = 0; i < 7; i++)
        if (strncmp(imf, days[i][0], 3) == 0)
            day = days[i][1];
    snprintf(out, cap, "%s, %.2s-%.3s-%.2s %.8s GMT", day, imf + 5, imf + 8, imf + 14, imf + 17);
}

/* format -> parse gives the same second, in all three forms. */
static void test_httpdate_round_trip(void **state)
{
    const time_t first = -2208988800;      /* 1900-01-01 */
    const time_t last = 253402300799;      /* 9999-12-31 23:59:59 */
    const time_t step = 86400 * 13 + 3607; /* walks through days, hours and seconds */
    size_t n = 0;

    (void)state;
    for (time_t t = first; t <= last; t += step, n++) {
        char imf[HTTPDATE_LEN], other[64];
        time_t got = 0;
        int year;

        if (!httpdate_format(t, imf))
            fail_msg("%" PRId64 " was not formatted", (int64_t)t);
        if (!httpdate_parse(imf, strlen(imf), &got) || got != t)
            fail_msg("\"%s\" (%" PRId64 ") parsed as %" PRId64, imf, (int64_t)t, (int64_t)got);
        imf_to_asctime(imf, other, sizeof(other));
        if (!httpdate_parse(other, strlen(other), &got) || got != t)
            fail_msg("\"%s\" (%" PRId64 ") parsed as %" PRId64, other, (int64_t)t, (int64_t)got);
        year = atoi(imf + 12);
        if (year >= 1951 && year <= 2050) {
            imf_to_rfc850(imf, other, sizeof(other));
            if (!httpdate_parse(other, strlen(other), &got) || got != t)
                fail_msg("\"%s\" (%" PRId64 ") parsed as %" PRId64, other, (int64_t)t,
                         (int64_t)got);
        }
    }
    assert_true(n > 200000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_httpdate_format_cases),
        cmocka_unit_test(test_httpdate_parse_cases),
        cmocka_unit_test(test_httpdate_parse_cut),
        cmocka_unit_test(test_httpdate_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
