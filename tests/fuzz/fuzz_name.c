/*
 * tests/fuzz/fuzz_name.c - common/name.c under libFuzzer: the input is a
 * request path (without its leading '/'), decoded with name_from_path()
 * as the server does, and also checked raw with name_check(). Inputs and
 * outputs live in malloc'd buffers of exactly their size, so ASan sees a
 * read or a write past either.
 *
 * Invariants (abort() when one breaks):
 *   - on NAME_OK the output is NUL-terminated within CAP, at most
 *     NAME_MAX_LEN bytes, holds no '/' and no control character (C0, DEL
 *     or C1), does not start with '.' or '#', is valid UTF-8 (checked here independently), and
 *     name_encode_path() of it is plain unreserved characters and %XX that
 *     decode back to the same bytes; a short encode buffer gets a prefix of
 *     the full encoding, never half an escape;
 *   - otherwise the output is the empty string;
 *   - a smaller CAP only ever turns NAME_OK into a failure;
 *   - without '%' in the path, decoding changes nothing: name_from_path
 *     answers as name_check does on the raw bytes;
 *   - as a path (name_path_from_target, name_path_check): on NAME_OK the
 *     output is at most NAME_PATH_MAX bytes of 1 to NAME_PATH_MAX_DEPTH
 *     components, each a valid name by the checks above (so no empty,
 *     "." or ".." component and no leading '/'), and name_encode_url_path()
 *     of it decodes back to the same path; otherwise the output is empty;
 *     a valid name is a valid path with the same bytes; and without a '/'
 *     a path is judged exactly as a name.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/name.h"
#include "fuzz.h"

/* A malloc'd buffer of exactly N bytes (at least one, to hold a NUL). */
static char *alloc_exact(size_t n)
{
    char *p = malloc(n > 0 ? n : 1);

    FUZZ_CHECK(p != NULL);
    return p;
}

/* Valid UTF-8, written independently of name.c: shortest forms, no surrogates. */
static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            n = 2;
            cp = c & 0x1fu;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            cp = c & 0x0fu;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
            return false; /* overlong */
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static bool is_upper_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Encode NAME, check the encoding's shape, decode it back. */
static void check_encoding(const char *name, size_t name_len, size_t short_cap)
{
    char none = 'x';
    size_t need = name_encode_path(name, &none, 0), got, o;
    char *enc = alloc_exact(need + 1), *part, *back;

    FUZZ_CHECK(none == 'x'); /* room for nothing: nothing written */

    FUZZ_CHECK(need >= name_len && need <= 3 * name_len);
    got = name_encode_path(name, enc, need + 1);
    FUZZ_CHECK(got == need && enc[need] == '\0' && strlen(enc) == need);
    for (size_t i = 0; i < need; i++) {
        unsigned char c = (unsigned char)enc[i];

        if (c == '%') {
            FUZZ_CHECK(i + 2 < need && is_upper_hex((unsigned char)enc[i + 1]) &&
                       is_upper_hex((unsigned char)enc[i + 2]));
            i += 2;
        } else {
            FUZZ_CHECK(is_unreserved(c));
        }
    }

    /* Decoding the encoding gives the name back, byte for byte. */
    back = alloc_exact(NAME_MAX_LEN + 1);
    FUZZ_CHECK(name_from_path(enc, need, back, NAME_MAX_LEN + 1) == NAME_OK);
    FUZZ_CHECK(strlen(back) == name_len && memcmp(back, name, name_len) == 0);
    free(back);

    /* Too small a buffer: a NUL-terminated prefix, cut between pieces. */
    if (short_cap > need)
        short_cap = need;
    part = alloc_exact(short_cap);
    got = name_encode_path(name, part, short_cap);
    FUZZ_CHECK(got == need);
    if (short_cap > 0) {
        o = strlen(part);
        FUZZ_CHECK(o < short_cap && memcmp(part, enc, o) == 0);
        FUZZ_CHECK(o == need || enc[o] == '%' || is_unreserved((unsigned char)enc[o]));
        /* Not mid-escape: the cut is not one or two bytes after a '%'. */
        FUZZ_CHECK(!(o >= 1 && part[o - 1] == '%') && !(o >= 2 && part[o - 2] == '%'));
        /* As much as fits: the next piece would not have. */
        if (o < need)
            FUZZ_CHECK(o + (enc[o] == '%' ? 3 : 1) >= short_cap);
    }
    free(part);
    free(enc);
}

/* What every NAME_OK output must be. */
static void check_name(const char *out, size_t cap, size_t short_cap)
{
    size_t len = strnlen(out, cap);

    FUZZ_CHECK(len < cap);
    FUZZ_CHECK(len >= 1 && len <= NAME_MAX_LEN);
    FUZZ_CHECK(out[0] != '.' && out[0] != '#');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out[i];

        FUZZ_CHECK(c != '/' && c >= 0x20 && c != 0x7f);
        /* Nor a C1 control, U+0080..U+009F (UTF-8 C2 80..C2 9F). */
        if (c == 0xc2 && i + 1 < len)
            FUZZ_CHECK((unsigned char)out[i + 1] > 0x9f);
    }
    FUZZ_CHECK(utf8_valid((const unsigned char *)out, len));
    FUZZ_CHECK(name_check(out, len) == NAME_OK);
    check_encoding(out, len, short_cap);
}

/* A result name.h defines: each has its own text (name.c's -Wswitch sees to that). */
static bool is_result(enum name_result r)
{
    const char *why = name_strerror(r);

    return why != NULL && strcmp(why, "invalid name") != 0;
}

/* What every NAME_OK path must be: LEN bytes of valid names joined by '/'. */
static void check_path(const char *path, size_t len)
{
    size_t start = 0, ncomp = 0;
    char *enc, *back, none = 'x';
    size_t need;

    FUZZ_CHECK(len >= 1 && len <= NAME_PATH_MAX && strlen(path) == len);
    FUZZ_CHECK(name_path_check(path, len) == NAME_OK);
    for (size_t i = 0; i <= len; i++) {
        if (i == len || path[i] == '/') {
            size_t clen = i - start;
            char *comp = alloc_exact(clen + 1);

            memcpy(comp, path + start, clen);
            comp[clen] = '\0';
            check_name(comp, clen + 1, clen / 2); /* non-empty, no '.' start, UTF-8, ... */
            free(comp);
            ncomp++;
            start = i + 1;
        }
    }
    FUZZ_CHECK(ncomp >= 1 && ncomp <= NAME_PATH_MAX_DEPTH);

    /* Encoded for a URL and decoded as the server does: the same path. */
    need = name_encode_url_path(path, &none, 0);
    FUZZ_CHECK(none == 'x' && need >= len && need <= 3 * len);
    enc = alloc_exact(need + 1);
    FUZZ_CHECK(name_encode_url_path(path, enc, need + 1) == need && strlen(enc) == need);
    back = alloc_exact(NAME_PATH_MAX + 1);
    FUZZ_CHECK(name_path_from_target(enc, need, back, NAME_PATH_MAX + 1) == NAME_OK);
    FUZZ_CHECK(strcmp(back, path) == 0);
    free(back);
    free(enc);
}

static void fuzz_path(const char *path, size_t size, enum name_result name_r, const char *name_out)
{
    const size_t cap = NAME_PATH_MAX + 1; /* as server/resource.c calls it */
    char *out = alloc_exact(cap);
    enum name_result r, rraw;

    memset(out, 0x5a, cap);
    r = name_path_from_target(path, size, out, cap);
    FUZZ_CHECK(is_result(r));
    if (r == NAME_OK)
        check_path(out, strlen(out));
    else
        FUZZ_CHECK(out[0] == '\0');
    /* A name is a path, byte for byte. */
    if (name_r == NAME_OK)
        FUZZ_CHECK(r == NAME_OK && strcmp(out, name_out) == 0);

    rraw = name_path_check(path, size);
    FUZZ_CHECK(is_result(rraw) && rraw != NAME_BAD_ESCAPE && rraw != NAME_HAS_SLASH);
    if (rraw == NAME_OK) {
        char *copy = alloc_exact(size + 1);

        memcpy(copy, path, size);
        copy[size] = '\0';
        check_path(copy, size);
        free(copy);
    }
    /* One component: the path rule is the name rule. */
    if (size == 0 || memchr(path, '/', size) == NULL)
        FUZZ_CHECK(rraw == name_check(path, size));
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = alloc_exact(size);
    const size_t cap = NAME_MAX_LEN + 1; /* as server/resource.c calls it */
    size_t small_cap = size > 0 ? data[0] % (cap + 8) : 0;
    char *out = alloc_exact(cap), *small = alloc_exact(small_cap);
    enum name_result r, rsmall, rraw;

    if (size > 0)
        memcpy(path, data, size);

    memset(out, 0x5a, cap);
    r = name_from_path(path, size, out, cap);
    FUZZ_CHECK(is_result(r));
    if (r == NAME_OK)
        check_name(out, cap, small_cap);
    else
        FUZZ_CHECK(out[0] == '\0');

    /* A smaller buffer: never OK where the full one failed, same name when OK. */
    rsmall = name_from_path(path, size, small, small_cap);
    FUZZ_CHECK(is_result(rsmall));
    if (rsmall == NAME_OK) {
        FUZZ_CHECK(r == NAME_OK && strlen(small) < small_cap && strcmp(small, out) == 0);
    } else {
        if (small_cap > 0)
            FUZZ_CHECK(small[0] == '\0');
        if (r == NAME_OK)
            FUZZ_CHECK(strlen(out) + 1 > small_cap && rsmall == NAME_TOO_LONG);
    }

    /* The raw bytes as a name. */
    rraw = name_check(path, size);
    FUZZ_CHECK(is_result(rraw) && rraw != NAME_BAD_ESCAPE);
    if (rraw == NAME_OK) {
        char *copy = alloc_exact(size + 1);

        memcpy(copy, path, size);
        copy[size] = '\0';
        check_name(copy, size + 1, small_cap);
        free(copy);
    }
    if (size == 0 || memchr(path, '%', size) == NULL)
        FUZZ_CHECK(r == rraw);

    fuzz_path(path, size, r, out);

    free(small);
    free(out);
    free(path);
    return 0;
}
