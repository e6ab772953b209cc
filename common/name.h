/*
 * common/name.h - what a published file may be called, and how a request
 * path becomes such a name.
 *
 * A name is one path component: not empty, at most NAME_MAX_LEN bytes,
 * valid UTF-8, no '/', no control character (C0 with TAB, CR, LF and NUL
 * among them, DEL, and C1), no leading '.' (which also rules out "." and
 * ".."), and no leading '#' (a catalog line starting with '#' is a
 * comment, so such a name could never be read back).
 *
 * A path (what the catalog lists, e.g. "iso/debian.iso") is 1 to
 * NAME_PATH_MAX_DEPTH names joined by single '/', at most NAME_PATH_MAX
 * bytes: relative, no empty component ("a//b", "/a", "a/"), and every
 * component a name, so no "." or ".." anywhere. The same rule decides
 * what the server publishes in its catalog, what it serves and what the
 * client accepts from a catalog, so a path the catalog leaves out cannot
 * be fetched either.
 *
 * Pure: no I/O, no allocation, no globals.
 */
#ifndef COMMON_NAME_H
#define COMMON_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "strview.h"

#define NAME_MAX_LEN        255
#define NAME_PATH_MAX       4095 /* bytes in a path, without the NUL */
#define NAME_PATH_MAX_DEPTH 32   /* components in a path: 31 directories and a file */

enum name_result {
    NAME_OK,
    NAME_EMPTY,
    NAME_TOO_LONG,
    NAME_HAS_SLASH,       /* more than one path component */
    NAME_DOT,             /* starts with '.': hidden, ".", ".." */
    NAME_CONTROL,         /* a control character: TAB, CR, LF, NUL, ... */
    NAME_BAD_UTF8,        /* not valid UTF-8 */
    NAME_BAD_ESCAPE,      /* a '%' not followed by two hex digits */
    NAME_COMMENT,         /* starts with '#' */
    NAME_EMPTY_COMPONENT, /* a path with an empty component: "a//b", "/a", "a/" */
    NAME_TOO_DEEP,        /* a path of more than NAME_PATH_MAX_DEPTH components */
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

/*
 * Check PATH[0..LEN) against the path rule above. Returns NAME_OK, or the
 * problem: NAME_EMPTY, NAME_TOO_LONG (more than NAME_PATH_MAX bytes, or a
 * component longer than NAME_MAX_LEN), NAME_TOO_DEEP, or the first
 * component's problem, where every problem outranks NAME_DOT: a path is
 * NAME_DOT (hidden, which the server answers like a missing file) only
 * when nothing else is wrong with it, whatever the order of its
 * components.
 */
enum name_result name_path_check(const char *path, size_t len);

/*
 * Split PATH[0..LEN) at every '/' into COMPS[0..MAX): "a//b" gives "a",
 * "", "b"; "a/" gives "a", ""; "" gives one empty component. Returns the
 * number of components, which may exceed MAX (only the first MAX are
 * stored). The views point into PATH.
 */
size_t name_path_split(const char *path, size_t len, struct strview *comps, size_t max);

/*
 * As name_from_path(), for a path: percent-decode PATH[0..LEN) once into
 * OUT (CAP bytes, NUL-terminated) and check the result with
 * name_path_check(). Decoding comes first, so "%2F" separates components
 * like '/'. OUT holds the path only when NAME_OK is returned (an empty
 * string otherwise).
 */
enum name_result name_path_from_target(const char *path, size_t len, char *out, size_t cap);

/*
 * Percent-encode PATH for a URL: each component as name_encode_path()
 * does, the '/' between components kept. Same contract as
 * name_encode_path() for CAP and the return value.
 */
size_t name_encode_url_path(const char *path, char *out, size_t cap);

/* A short reason for R, for logs and error bodies ("starts with '.'"). */
const char *name_strerror(enum name_result r);

#endif
