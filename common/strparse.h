/*
 * common/strparse.h - strict number parsing for headers and options.
 *
 * Pure. Unlike strtoull(), nothing here accepts a sign, leading spaces, a
 * base prefix or trailing junk, and overflow is an error, not a clamp.
 */
#ifndef COMMON_STRPARSE_H
#define COMMON_STRPARSE_H

#include <stddef.h>
#include <stdint.h>

enum strparse_result {
    STRPARSE_OK,
    STRPARSE_EMPTY,    /* no digits at all */
    STRPARSE_INVALID,  /* something other than what the format allows */
    STRPARSE_OVERFLOW, /* digits, but more than fits (or more than the maximum) */
};

/* Parse P[0..LEN) as decimal digits only. *OUT is 0 unless STRPARSE_OK. */
enum strparse_result strparse_u64(const char *p, size_t len, uint64_t *out);

/*
 * Parse a NUL-terminated decimal number no larger than MAX (for options:
 * "--port 8080"). *OUT is 0 unless STRPARSE_OK.
 */
enum strparse_result strparse_uint(const char *s, uint64_t max, uint64_t *out);

/*
 * Parse a byte count or rate with an optional binary suffix, the way nginx
 * reads limit_rate: "512", "512k", "20M", "1g" (k = 1024, m = 1024^2,
 * g = 1024^3; either case). *OUT is 0 unless STRPARSE_OK.
 */
enum strparse_result strparse_size(const char *s, uint64_t *out);

/* A short description of R for error messages ("not a number"). */
const char *strparse_strerror(enum strparse_result r);

#endif
