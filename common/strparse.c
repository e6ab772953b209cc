/*
 * common/strparse.c - strict decimal and size parsing. Pure: no I/O, no
 * allocation, no globals, no locale.
 */
#include "strparse.h"

#include <string.h>

enum strparse_result strparse_u64(const char *p, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    *out = 0;
    if (len == 0)
        return STRPARSE_EMPTY;
    for (size_t i = 0; i < len; i++) {
        unsigned d;

        if (p[i] < '0' || p[i] > '9')
            return STRPARSE_INVALID;
        d = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return STRPARSE_OVERFLOW;
        v = v * 10 + d;
    }
    *out = v;
    return STRPARSE_OK;
}

enum strparse_result strparse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    enum strparse_result r = strparse_u64(s, strlen(s), &v);

    *out = 0;
    if (r != STRPARSE_OK)
        return r;
    if (v > max)
        return STRPARSE_OVERFLOW;
    *out = v;
    return STRPARSE_OK;
}

enum strparse_result strparse_size(const char *s, uint64_t *out)
{
    size_t len = strlen(s);
    unsigned shift = 0;
    uint64_t v;
    enum strparse_result r;

    *out = 0;
    if (len > 0) {
        switch (s[len - 1]) {
        case 'k':
        case 'K':
            shift = 10;
            break;
        case 'm':
        case 'M':
            shift = 20;
            break;
        case 'g':
        case 'G':
            shift = 30;
            break;
        default:
            break;
        }
        if (shift != 0)
            len--;
    }
    r = strparse_u64(s, len, &v);
    if (r != STRPARSE_OK)
        return r;
    if (v > (UINT64_MAX >> shift))
        return STRPARSE_OVERFLOW;
    *out = v << shift;
    return STRPARSE_OK;
}

const char *strparse_strerror(enum strparse_result r)
{
    switch (r) {
    case STRPARSE_OK:
        return "ok";
    case STRPARSE_EMPTY:
        return "empty";
    case STRPARSE_INVALID:
        return "not a number";
    case STRPARSE_OVERFLOW:
        return "too large";
    }
    return "invalid";
}
