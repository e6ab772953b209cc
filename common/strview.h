/*
 * common/strview.h - borrowed views into a buffer: a pointer and a length,
 * not NUL-terminated. A view is valid only as long as the buffer it points
 * into; nothing here allocates.
 */
#ifndef COMMON_STRVIEW_H
#define COMMON_STRVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct strview {
    const char *p;
    size_t len;
};

static inline struct strview strview_make(const char *p, size_t len)
{
    struct strview v = {p, len};
    return v;
}

static inline struct strview strview_from_cstr(const char *s)
{
    return strview_make(s, strlen(s));
}

static inline char strview_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* True when V equals the NUL-terminated LIT, ignoring ASCII case. */
static inline bool strview_eq_ci(struct strview v, const char *lit)
{
    size_t n = strlen(lit);

    if (v.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strview_lower(v.p[i]) != strview_lower(lit[i]))
            return false;
    return true;
}

/* True when V equals LIT byte for byte. */
static inline bool strview_eq(struct strview v, const char *lit)
{
    size_t n = strlen(lit);

    return v.len == n && memcmp(v.p, lit, n) == 0;
}

static inline bool strview_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* V without leading and trailing spaces and tabs (HTTP's OWS). */
static inline struct strview strview_trim(struct strview v)
{
    while (v.len > 0 && strview_is_ows(v.p[0])) {
        v.p++;
        v.len--;
    }
    while (v.len > 0 && strview_is_ows(v.p[v.len - 1]))
        v.len--;
    return v;
}

/*
 * Split off the next element of an HTTP comma-separated list (RFC 9110,
 * 5.6.1): *ELEM gets the trimmed element (possibly empty), *REST what
 * follows the comma. Returns false when LIST has nothing left.
 */
static inline bool strview_next_item(struct strview *list, struct strview *elem)
{
    const char *comma;

    if (list->p == NULL)
        return false;
    comma = list->len ? memchr(list->p, ',', list->len) : NULL;
    if (comma == NULL) {
        *elem = strview_trim(*list);
        list->p = NULL;
        list->len = 0;
        return true;
    }
    *elem = strview_trim(strview_make(list->p, (size_t)(comma - list->p)));
    list->len -= (size_t)(comma - list->p) + 1;
    list->p = comma + 1;
    return true;
}

/* The value of the hex digit C (either case), or -1. */
static inline int strview_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 9110 5.6.2: tchar, a byte of a token. */
static inline bool strview_is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9110 5.6.2: a token, one or more tchar. */
static inline bool strview_is_token(struct strview v)
{
    if (v.len == 0)
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (!strview_is_tchar((unsigned char)v.p[i]))
            return false;
    return true;
}

#endif
