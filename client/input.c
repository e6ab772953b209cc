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

bool input_url_is_metalink(const char *url, size_t len)
{
    const char *end = url + len, *q, *host, *slash;

    if (!input_is_url(url, len))
        return false;
    q = memchr(url, '?', len);
    if (q != NULL)
        end = q;
    q = memchr(url, '#', (size_t)(end - url));
    if (q != NULL)
        end = q;
    host = (const char *)memchr(url, ':', len) + 3; /* past "://": input_is_url() saw it */
    slash = end > host ? memchr(host, '/', (size_t)(end - host)) : NULL;
    return slash != NULL && end - slash > 6 && strview_eq_ci(strview_make(end - 6, 6), ".meta4");
}

/* The next TAB-separated field of *REST (untrimmed); false when none is left. */
static bool next_field(struct strview *rest, struct strview *field)
{
    const char *tab;

    if (rest->p == NULL)
        return false;
    tab = memchr(rest->p, '\t', rest->len);
    if (tab == NULL) {
        *field = *rest;
        rest->p = NULL;
        rest->len = 0;
        return true;
    }
    *field = strview_make(rest->p, (size_t)(tab - rest->p));
    rest->len -= field->len + 1;
    rest->p = tab + 1;
    return true;
}

/* One URL alone on its line (before any TAB hash): "URL" or "URL HASH". */
static enum input_result one_url(struct strview v, struct input_sources *out, const char **why)
{
    struct input_entry *e = &out->entry;

    v = strview_trim(v);
    if (!e->has_sha256) { /* "URL HASH" with spaces */
        const char *sp = memchr(v.p, ' ', v.len);

        if (sp != NULL) {
            struct strview hash = strview_trim(strview_make(sp, (size_t)(v.p + v.len - sp)));

            if (!is_hex64(hash)) {
                *why = "a URL cannot contain spaces (write them as %20)";
                return INPUT_BAD;
            }
            decode_hex(hash.p, hash.len, e->sha256, SHA256_LEN);
            e->has_sha256 = true;
            v.len = (size_t)(sp - v.p);
        }
    }
    if (!input_url_ok(v.p, v.len)) {
        *why = "not a usable URL";
        return INPUT_BAD;
    }
    e->kind = INPUT_URL;
    e->text = v;
    out->urls[0] = v;
    out->nurls = 1;
    out->is_metalink = input_url_is_metalink(v.p, v.len);
    return INPUT_ENTRY;
}

/* Several TAB-separated URLs (the hash, if any, already taken off). */
static enum input_result many_urls(struct strview fields, struct input_sources *out,
                                   const char **why)
{
    struct strview f;

    while (next_field(&fields, &f)) {
        f = strview_trim(f);
        if (!input_is_url(f.p, f.len)) {
            *why = "each TAB-separated field must be an http:// or https:// URL, or a last "
                   "SHA-256 (64 hex digits)";
            return INPUT_BAD;
        }
        if (memchr(f.p, ' ', f.len) != NULL) {
            *why = "a URL cannot contain spaces (write them as %20)";
            return INPUT_BAD;
        }
        if (!input_url_ok(f.p, f.len)) {
            *why = "not a usable URL";
            return INPUT_BAD;
        }
        if (input_url_is_metalink(f.p, f.len)) {
            *why = "a Metalink (.meta4) URL must be alone on its line";
            return INPUT_BAD;
        }
        for (size_t i = 0; i < out->nurls; i++)
            if (out->urls[i].len == f.len && memcmp(out->urls[i].p, f.p, f.len) == 0) {
                *why = "the same URL is given twice on the line";
                return INPUT_BAD;
            }
        if (out->nurls == INPUT_MAX_URLS) {
            *why = "more than 16 URLs on one line";
            return INPUT_BAD;
        }
        out->urls[out->nurls++] = f;
    }
    out->entry.kind = INPUT_URL;
    out->entry.text = out->urls[0];
    return INPUT_ENTRY;
}

/*
 * Take a SHA-256 off the end of V when its last TAB field is one. Sets
 * *NFIELDS to the fields left. False (with *WHY) when a name line has a
 * TAB field that is not a hash.
 */
static bool take_hash(struct strview *v, struct input_sources *out, size_t *nfields,
                      const char **why)
{
    struct strview rest = *v, f, last = *v;
    size_t n = 0;

    while (next_field(&rest, &f)) {
        last = f;
        n++;
    }
    *nfields = n;
    if (n < 2)
        return true;
    f = strview_trim(last);
    if (decode_hex(f.p, f.len, out->entry.sha256, SHA256_LEN)) {
        out->entry.has_sha256 = true;
        v->len = (size_t)(last.p - 1 - v->p); /* up to the TAB before the hash */
        *nfields = n - 1;
        return true;
    }
    memset(out->entry.sha256, 0, SHA256_LEN);
    f = strview_trim(strview_make(v->p, (size_t)((const char *)memchr(v->p, '\t', v->len) - v->p)));
    if (input_is_url(f.p, f.len))
        return true; /* several URLs; many_urls() judges the fields */
    *why = "what follows the TAB is not a SHA-256 (64 hex digits)";
    return false;
}

enum input_result input_parse_sources(const char *line, size_t len, struct input_sources *out,
                                      const char **why)
{
    struct strview v = strview_make(line, len);
    enum input_result r = INPUT_BAD;
    size_t nfields;

    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (v.len > 0 && v.p[v.len - 1] == '\r')
        v.len--;
    if (strview_trim(v).len == 0 || v.p[0] == '#')
        return INPUT_SKIP;
    if (!take_hash(&v, out, &nfields, why))
        goto bad;
    if (nfields > 1) {
        r = many_urls(v, out, why);
    } else if (input_is_url(strview_trim(v).p, strview_trim(v).len)) {
        r = one_url(v, out, why);
    } else if (input_has_scheme(v.p, v.len)) {
        *why = "only http:// and https:// URLs can be downloaded";
    } else if (name_path_check(v.p, v.len) != NAME_OK) {
        *why = name_strerror(name_path_check(v.p, v.len));
    } else {
        out->entry.kind = INPUT_NAME;
        out->entry.text = v;
        r = INPUT_ENTRY;
    }
    if (r == INPUT_ENTRY)
        return r;
bad:
    memset(out, 0, sizeof(*out));
    if (*why == NULL)
        *why = "not a usable line";
    return INPUT_BAD;
}

enum input_result input_parse_line(const char *line, size_t len, struct input_entry *out,
                                   const char **why)
{
    struct input_sources s;
    enum input_result r = input_parse_sources(line, len, &s, why);

    /* Until the download engine takes several sources, such a line is refused as before. */
    if (r == INPUT_ENTRY && s.nurls > 1) {
        memset(out, 0, sizeof(*out));
        *why = "what follows the TAB is not a SHA-256 (64 hex digits)";
        return INPUT_BAD;
    }
    *out = s.entry;
    return r;
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
