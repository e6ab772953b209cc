/*
 * common/name.c - name validation and percent-coding of request paths.
 *
 * Pure. Decoding happens exactly once: "%252e" becomes the literal name
 * "%2e", which is looked up as such and never decoded again. A path is
 * decoded whole and then split, so "%2F" is a separator; since no
 * component may be empty, ".", ".." or hidden, no spelling of a path can
 * climb out of the root.
 */
#include "name.h"

#include <stdint.h>

/* Length of the valid UTF-8 sequence at P (at most LEN bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *p, size_t len)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t cp, min;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

enum name_result name_check(const char *name, size_t len)
{
    const unsigned char *p = (const unsigned char *)name;

    if (len == 0)
        return NAME_EMPTY;
    if (len > NAME_MAX_LEN)
        return NAME_TOO_LONG;
    for (size_t i = 0; i < len;) {
        size_t n;

        if (p[i] == '/')
            return NAME_HAS_SLASH;
        if (p[i] < 0x20 || p[i] == 0x7f)
            return NAME_CONTROL;
        n = utf8_seq_len(p + i, len - i);
        if (n == 0)
            return NAME_BAD_UTF8;
        /* U+0080..U+009F, the C1 controls, are control characters too. */
        if (n == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f)
            return NAME_CONTROL;
        i += n;
    }
    /* Checked last, so "../x" reads as a path (400), ".x" as hidden (404). */
    if (p[0] == '.')
        return NAME_DOT;
    if (p[0] == '#')
        return NAME_COMMENT;
    return NAME_OK;
}

/*
 * Percent-decode PATH[0..LEN) once into OUT (CAP bytes, NUL added): the
 * decoded length in *N and NAME_OK, or NAME_BAD_ESCAPE / NAME_TOO_LONG.
 */
static enum name_result percent_decode(const char *path, size_t len, char *out, size_t cap,
                                       size_t *n)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c = path[i];

        if (c == '%') {
            if (len - i < 3 || strview_hex_digit((unsigned char)path[i + 1]) < 0 ||
                strview_hex_digit((unsigned char)path[i + 2]) < 0)
                return NAME_BAD_ESCAPE;
            c = (char)(strview_hex_digit((unsigned char)path[i + 1]) << 4 |
                       strview_hex_digit((unsigned char)path[i + 2]));
            i += 2;
        }
        if (o + 1 >= cap)
            return NAME_TOO_LONG;
        out[o++] = c;
    }
    out[o] = '\0';
    *n = o;
    return NAME_OK;
}

/* Decode with percent_decode(), then judge with CHECK; OUT is "" unless NAME_OK. */
static enum name_result decode_and_check(const char *path, size_t len, char *out, size_t cap,
                                         enum name_result (*check)(const char *, size_t))
{
    size_t n = 0;
    enum name_result r;

    if (cap == 0)
        return NAME_TOO_LONG;
    out[0] = '\0';
    r = percent_decode(path, len, out, cap, &n);
    if (r == NAME_OK)
        r = check(out, n);
    if (r != NAME_OK)
        out[0] = '\0';
    return r;
}

enum name_result name_from_path(const char *path, size_t len, char *out, size_t cap)
{
    return decode_and_check(path, len, out, cap, name_check);
}

size_t name_path_split(const char *path, size_t len, struct strview *comps, size_t max)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i == len || path[i] == '/') {
            if (n < max)
                comps[n] = strview_make(path + start, i - start);
            n++;
            start = i + 1;
        }
    }
    return n;
}

_Static_assert(NAME_PATH_MAX_DEPTH == 32, "name_strerror() names the depth limit");

enum name_result name_path_check(const char *path, size_t len)
{
    struct strview comps[NAME_PATH_MAX_DEPTH];
    enum name_result hidden = NAME_OK;
    size_t n;

    if (len == 0)
        return NAME_EMPTY;
    if (len > NAME_PATH_MAX)
        return NAME_TOO_LONG;
    n = name_path_split(path, len, comps, NAME_PATH_MAX_DEPTH);
    if (n > NAME_PATH_MAX_DEPTH)
        return NAME_TOO_DEEP;
    for (size_t i = 0; i < n; i++) {
        enum name_result r =
            comps[i].len == 0 ? NAME_EMPTY_COMPONENT : name_check(comps[i].p, comps[i].len);

        if (r == NAME_DOT)
            hidden = NAME_DOT;
        else if (r != NAME_OK)
            return r;
    }
    return hidden;
}

enum name_result name_path_from_target(const char *path, size_t len, char *out, size_t cap)
{
    return decode_and_check(path, len, out, cap, name_path_check);
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Percent-encode NAME; with KEEP_SLASH, '/' is written as is. See name_encode_path(). */
static size_t encode(const char *name, bool keep_slash, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t need = 0;  /* the full encoding's length */
    size_t o = 0;     /* what fits in OUT */
    bool fits = true; /* stop writing at the first piece that does not fit */

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        char piece[3] = {(char)*p, 0, 0};
        size_t n = 1;

        if (!is_unreserved(*p) && !(keep_slash && *p == '/')) {
            piece[0] = '%';
            piece[1] = hex[*p >> 4];
            piece[2] = hex[*p & 15];
            n = 3;
        }
        need += n;
        if (fits && o + n < cap) {
            for (size_t k = 0; k < n; k++)
                out[o++] = piece[k];
        } else {
            fits = false;
        }
    }
    if (cap > 0)
        out[o] = '\0';
    return need;
}

size_t name_encode_path(const char *name, char *out, size_t cap)
{
    return encode(name, false, out, cap);
}

size_t name_encode_url_path(const char *path, char *out, size_t cap)
{
    return encode(path, true, out, cap);
}

const char *name_strerror(enum name_result r)
{
    switch (r) {
    case NAME_OK:
        return "ok";
    case NAME_EMPTY:
        return "empty name";
    case NAME_TOO_LONG:
        return "name too long";
    case NAME_HAS_SLASH:
        return "name contains '/'";
    case NAME_DOT:
        return "name starts with '.'";
    case NAME_CONTROL:
        return "name contains a control character (TAB, CR, LF, NUL, ...)";
    case NAME_BAD_UTF8:
        return "name is not valid UTF-8";
    case NAME_BAD_ESCAPE:
        return "bad percent-escape in path";
    case NAME_COMMENT:
        return "name starts with '#' (the catalog would read it as a comment)";
    case NAME_EMPTY_COMPONENT:
        return "empty path component ('//', or a leading or trailing '/')";
    case NAME_TOO_DEEP:
        return "path nested too deep (more than 32 components)";
    }
    return "invalid name";
}
