/*
 * common/httpdate.c - format and parse HTTP dates without the C library's
 * locale-dependent parts. Pure.
 */
#include "httpdate.h"

#include <stdio.h>
#include <string.h>

static const char *const day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const long_day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};
static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool httpdate_format(time_t t, char out[HTTPDATE_LEN])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
        out[0] = '\0';
        return false;
    }
    snprintf(out, HTTPDATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT", day_names[tm.tm_wday],
             tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    return true;
}

/* A small cursor over the input; every reader fails once past the end. */
struct cursor {
    const char *p;
    size_t len;
};

static bool cur_lit(struct cursor *c, const char *lit)
{
    size_t n = strlen(lit);

    if (c->len < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    c->len -= n;
    return true;
}

/* Exactly N digits (N <= 4). */
static bool cur_digits(struct cursor *c, size_t n, int *out)
{
    int v = 0;

    if (c->len < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9')
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    c->len -= n;
    *out = v;
    return true;
}

/* One of the names in TABLE[0..N); stores its index. */
static bool cur_name(struct cursor *c, const char *const *table, int n, int *out)
{
    for (int i = 0; i < n; i++) {
        if (cur_lit(c, table[i])) {
            *out = i;
            return true;
        }
    }
    return false;
}

static bool cur_time(struct cursor *c, struct tm *tm)
{
    return cur_digits(c, 2, &tm->tm_hour) && cur_lit(c, ":") && cur_digits(c, 2, &tm->tm_min) &&
           cur_lit(c, ":") && cur_digits(c, 2, &tm->tm_sec);
}

static bool parse_imf(struct cursor c, struct tm *tm)
{
    int wday, year;

    if (!cur_name(&c, day_names, 7, &wday) || !cur_lit(&c, ", ") ||
        !cur_digits(&c, 2, &tm->tm_mday) || !cur_lit(&c, " ") ||
        !cur_name(&c, month_names, 12, &tm->tm_mon) || !cur_lit(&c, " ") ||
        !cur_digits(&c, 4, &year) || !cur_lit(&c, " ") || !cur_time(&c, tm) ||
        !cur_lit(&c, " GMT") || c.len != 0)
        return false;
    tm->tm_year = year - 1900;
    return true;
}

static bool parse_rfc850(struct cursor c, struct tm *tm)
{
    int wday, year;

    if (!cur_name(&c, long_day_names, 7, &wday) || !cur_lit(&c, ", ") ||
        !cur_digits(&c, 2, &tm->tm_mday) || !cur_lit(&c, "-") ||
        !cur_name(&c, month_names, 12, &tm->tm_mon) || !cur_lit(&c, "-") ||
        !cur_digits(&c, 2, &year) || !cur_lit(&c, " ") || !cur_time(&c, tm) ||
        !cur_lit(&c, " GMT") || c.len != 0)
        return false;
    /* RFC 9110: a year more than 50 years ahead is in the previous century. */
    tm->tm_year = (year <= 50 ? 2000 + year : 1900 + year) - 1900;
    return true;
}

static bool parse_asctime(struct cursor c, struct tm *tm)
{
    int wday, year;

    if (!cur_name(&c, day_names, 7, &wday) || !cur_lit(&c, " ") ||
        !cur_name(&c, month_names, 12, &tm->tm_mon) || !cur_lit(&c, " "))
        return false;
    if (c.len > 0 && c.p[0] == ' ') {
        c.p++;
        c.len--;
        if (!cur_digits(&c, 1, &tm->tm_mday))
            return false;
    } else if (!cur_digits(&c, 2, &tm->tm_mday)) {
        return false;
    }
    if (!cur_lit(&c, " ") || !cur_time(&c, tm) || !cur_lit(&c, " ") || !cur_digits(&c, 4, &year) ||
        c.len != 0)
        return false;
    tm->tm_year = year - 1900;
    return true;
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static bool tm_is_valid(const struct tm *tm)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int days = mdays[tm->tm_mon] + (tm->tm_mon == 1 && is_leap(tm->tm_year + 1900) ? 1 : 0);

    return tm->tm_mday >= 1 && tm->tm_mday <= days && tm->tm_hour <= 23 && tm->tm_min <= 59 &&
           tm->tm_sec <= 60;
}

bool httpdate_parse(const char *s, size_t len, time_t *out)
{
    struct cursor c = {s, len};
    struct tm tm;

    *out = 0;
    memset(&tm, 0, sizeof(tm));
    if (!parse_imf(c, &tm) && !parse_rfc850(c, &tm) && !parse_asctime(c, &tm))
        return false;
    if (!tm_is_valid(&tm))
        return false;
    *out = timegm(&tm);
    return true;
}
