/*
 * common/name.h - what a published file may be called, and how a request
 * path becomes such a name.
 *
 * A name is one path component: not empty, at most NAME_MAX_LEN bytes,
 * valid UTF-8, no '/', no control character (C0 with TAB, CR, LF and NUL
 * among them, DEL, and C1), no leading '.' (which also rules out "." and
 * ".."), and no leading '#' (a catalog line starting with '#' is a
 * comment, so such a name could never be read back). The same
 * rule decides what the server publishes in its catalog and what it
 * serves, so a name the catalog leaves out cannot be fetched either.
 *
 * Pure: no I/O, no allocation, no globals.
 */
#ifndef COMMON_NAME_H
#define COMMON_NAME_H

#include <stddef.h>

#define NAME_MAX_LEN 255

enum name_result {
    NAME_OK,
    NAME_EMPTY,
    NAME_TOO_LONG,
    NAME_HAS_SLASH,  /* more than one path component */
    NAME_DOT,        /* starts with '.': hidden, ".", ".." */
    NAME_CONTROL,    /* a control character: TAB, CR, LF, NUL, ... */
    NAME_BAD_UTF8,   /* not valid UTF-8 */
    NAME_BAD_ESCAPE, /* a '%' not followed by two hex digits */
    NAME_COMMENT,    /* starts with '#' */
};

/* Check NAME[0..LEN) against the rule above. */
enum name_result name_check(const char *name, size_t len);

/*
 * Turn the path of a request target (the part before any '?', without the
 * leading '/') into a name: percent-decode it once into OUT, which holds
 * CAP bytes, NUL-terminate it, and check it with name_check(). OUT holds
 * the name only when NAME_OK is returned (an empty string otherwise).
 */
enum name_result name_from_path(const char *path, size_t len, char *out, size_t cap);

/*
 * Percent-encode NAME for use as a URL path segment: everything but
 * RFC 3986 unreserved characters is written as %XX. Writes at most CAP
 * bytes including the NUL; returns the length the full encoding needs
 * (without the NUL), so a result >= CAP means OUT was too small.
 */
size_t name_encode_path(const char *name, char *out, size_t cap);

/* A short reason for R, for logs and error bodies ("starts with '.'"). */
const char *name_strerror(enum name_result r);

#endif
