/*
 * client/input.c - parse input.txt lines. Pure.
 */
#include "input.h"

#include <string.h>

#include "encode.h"
#include "name.h"

bool input_is_url(const char *s, size_t len)
{
    struct strview v = strview_make(s, len);

    return (len > 7 && strview_eq_ci(strview_make(v.p, 7), "http://")) ||
           (len > 8 && strview_eq_ci(strview_make(v.p, 8), "https://"));
}

bool input_has_scheme(const char *s, size_t len)
{
    size_t i = 0;

    /* RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    while (i < len &&
           (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
            (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))))
        i++;
    return i > 0 && len - i >= 3 && memcmp(s + i, "://", 3) == 0;
}

static bool is_hex64(struct strview v)
{
    uint8_t tmp[SHA256_LEN];

    return decode_hex(v.p, v.len, tmp, SHA256_LEN);
}

/* The URL's host part is not empty and the URL has no space or control byte. */
static bool url_is_sane(struct strview u)
{
    size_t skip = (u.p[4] == ':') ? 7 : 8; /* "http://" or "https://" */
    size_t i;

    for (i = 0; i < u.len; i++)
        if ((unsigned char)u.p[i] <= 0x20 || u.p[i] == 0x7f)
            return false;
    return u.len > skip && u.p[skip] != '/' && u.p[skip] != '?' && u.p[skip] != '#';
}

bool input_url_ok(const char *s, size_t len)
{
    return input_is_url(s, len) && url_is_sane(strview_make(s, len));
}

enum input_result input_parse_line(const char *line, size_t len, struct input_entry *out,
                                   const char **why)
{
    struct strview v = strview_make(line, len);
    const char *tab;

    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (v.len > 0 && v.p[v.len - 1] == '\r')
        v.len--;
    if (strview_trim(v).len == 0 || v.p[0] == '#')
        return INPUT_SKIP;
    /* An optional hash after a TAB (a TAB cannot be part of a name). */
    tab = memchr(v.p, '\t', v.len);
    if (tab != NULL) {
        struct strview hash = strview_trim(strview_make(tab + 1, (size_t)(v.p + v.len - tab - 1)));

        if (!decode_hex(hash.p, hash.len, out->sha256, SHA256_LEN)) {
            *why = "what follows the TAB is not a SHA-256 (64 hex digits)";
            goto bad;
        }
        out->has_sha256 = true;
        v.len = (size_t)(tab - v.p);
    }
    if (input_is_url(strview_trim(v).p, strview_trim(v).len)) {
        v = strview_trim(v);
        if (!out->has_sha256) { /* "URL HASH" with spaces */
            const char *sp = memchr(v.p, ' ', v.len);

            if (sp != NULL) {
                struct strview hash = strview_trim(strview_make(sp, (size_t)(v.p + v.len - sp)));

                if (!is_hex64(hash)) {
                    *why = "a URL cannot contain spaces (write them as %20)";
                    goto bad;
                }
                decode_hex(hash.p, hash.len, out->sha256, SHA256_LEN);
                out->has_sha256 = true;
                v.len = (size_t)(sp - v.p);
            }
        }
        if (!input_url_ok(v.p, v.len)) {
            *why = "not a usable URL";
            goto bad;
        }
        out->kind = INPUT_URL;
        out->text = v;
        return INPUT_ENTRY;
    }
    if (input_has_scheme(v.p, v.len)) {
        *why = "only http:// and https:// URLs can be downloaded";
        goto bad;
    }
    if (name_path_check(v.p, v.len) != NAME_OK) {
        *why = name_strerror(name_path_check(v.p, v.len));
        goto bad;
    }
    out->kind = INPUT_NAME;
    out->text = v;
    return INPUT_ENTRY;
bad:
    memset(out, 0, sizeof(*out));
    if (*why == NULL)
        *why = "not a usable line";
    return INPUT_BAD;
}

bool input_url_filename(const char *url, size_t len, char *out, size_t cap)
{
    const char *end = url + len, *p, *slash;
    const char *q;

    if (cap > 0)
        out[0] = '\0';
    q = memchr(url, '?', len);
    if (q != NULL)
        end = q;
    q = memchr(url, '#', (size_t)(end - url));
    if (q != NULL)
        end = q;
    p = memchr(url, ':', (size_t)(end - url));
    if (p == NULL || end - p < 3)
        return false;
    p += 3; /* past "://" */
    slash = memchr(p, '/', (size_t)(end - p));
    if (slash == NULL || slash + 1 == end) {
        if (cap < sizeof("index.html"))
            return false;
        memcpy(out, "index.html", sizeof("index.html"));
        return true;
    }
    for (const char *s = slash; s < end; s++)
        if (*s == '/')
            slash = s;
    if (slash + 1 == end) {
        if (cap < sizeof("index.html"))
            return false;
        memcpy(out, "index.html", sizeof("index.html"));
        return true;
    }
    return name_from_path(slash + 1, (size_t)(end - slash - 1), out, cap) == NAME_OK;
}
