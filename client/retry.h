/*
 * client/retry.h - the pure half of the retry policy: which failures are
 * worth another attempt, and how long to wait before it.
 *
 * Pure: no I/O, no clock (the caller passes the time), no randomness (the
 * caller passes a number in [0, 1)). The download engine (download.c)
 * applies the policy; fetch.c classifies libcurl's errors into the same
 * classes.
 */
#ifndef CLIENT_RETRY_H
#define CLIENT_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* How a failed attempt is treated. */
enum retry_class {
    RETRY_TRANSIENT, /* the network or an overloaded server: retry with backoff */
    RETRY_PROTOCOL,  /* the server broke the protocol: one more try on a new connection */
    RETRY_PERMANENT, /* cannot succeed by trying again: fail at once */
};

/* The first wait, doubled after each failure in a row up to the maximum. */
#define RETRY_BASE_MS 1000u

/*
 * The class of an HTTP status that is not the answer we asked for: 408,
 * 425, 429 and 5xx are transient; everything else (other 4xx, unexpected
 * 1xx/2xx/3xx) is permanent.
 */
enum retry_class retry_class_of_status(long status);

/*
 * The wait before the next attempt after FAILURES (>= 1) failures in a
 * row: RETRY_BASE_MS doubled per failure, capped at MAX_MS, with "equal
 * jitter" (half of it fixed, the other half scaled by RAND01 in [0, 1)),
 * so connections that failed together do not come back together.
 */
uint64_t retry_backoff_ms(unsigned failures, uint64_t max_ms, double rand01);

/*
 * The wait a Retry-After value V[0..LEN) asks for, in milliseconds, capped
 * at MAX_MS: delay-seconds, or an HTTP-date. A date is taken relative to
 * the response's Date header (DATE[0..DLEN), when it parses) so that the
 * two clocks need not agree, else relative to NOW. A date in the past
 * asks for no wait. False when V is neither form.
 */
bool retry_after_ms(const char *v, size_t len, const char *date, size_t dlen, time_t now,
                    uint64_t max_ms, uint64_t *out);

#endif
