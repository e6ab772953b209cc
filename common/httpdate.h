/*
 * common/httpdate.h - HTTP dates (RFC 9110, 5.6.7): IMF-fixdate out,
 * all three historical forms in.
 *
 * Pure and locale-free: day and month names come from tables here, not
 * from strftime(), and time zones are always GMT.
 */
#ifndef COMMON_HTTPDATE_H
#define COMMON_HTTPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" plus the NUL. */
#define HTTPDATE_LEN 30

/* Write T as an IMF-fixdate into OUT. Returns false for a year past 9999. */
bool httpdate_format(time_t t, char out[HTTPDATE_LEN]);

/*
 * Parse S[0..LEN) as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), an
 * RFC 850 date ("Sunday, 06-Nov-94 08:49:37 GMT") or an asctime() date
 * ("Sun Nov  6 08:49:37 1994"). Two-digit years are read as the nearest
 * century not more than 50 years ahead of 2000 (RFC 9110's rule, fixed to
 * a reference year so the function stays pure). Returns false for
 * anything else; *OUT is 0 then.
 */
bool httpdate_parse(const char *s, size_t len, time_t *out);

#endif
