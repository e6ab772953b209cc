/*
 * client/resphead.c - response header lines into struct fetch_info. Pure.
 */
#include "resphead.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "encode.h"
#include "strparse.h"
#include "strview.h"

bool resphead_is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Plain words for an HTTP status that is not the answer asked for. */
const char *resphead_status_words(long status)
{
    switch (status) {
    case 400:
        return "the server refused the request as malformed";
    case 401:
        return "the server wants credentials";
    case 403:
        return "the server refuses access";
    case 404:
    case 410:
        return "not found on the server";
    case 407:
        return "the proxy wants credentials";
    case 408:
        return "the server timed out waiting for the request";
    case 429:
        return "the server says too many requests";
    case 500:
        return "the server had an internal error";
    case 502:
    case 504:
        return "a gateway in front of the server failed";
    case 503:
        return "the server is unavailable";
    default:
        return status >= 300 && status < 400 ? "an unexpected redirect or redirect without a target"
                                             : "an unexpected answer";
    }
}

/* Copy V into OUT (CAP bytes) when it fits, else leave OUT empty. */
static void copy_field(char *out, size_t cap, struct strview v)
{
    if (v.len >= cap) {
        out[0] = '\0';
        return;
    }
    memcpy(out, v.p, v.len);
    out[v.len] = '\0';
}

static bool sha_from_base64(struct strview b64, uint8_t out[SHA256_LEN])
{
    uint8_t buf[SHA256_LEN + 3];
    size_t n;

    if (!decode_base64(b64.p, b64.len, buf, sizeof(buf), &n) || n != SHA256_LEN)
        return false;
    memcpy(out, buf, SHA256_LEN);
    return true;
}

bool resphead_repr_digest(const char *v, size_t len, uint8_t out[SHA256_LEN])
{
    struct strview list = strview_make(v, len), item;

    while (strview_next_item(&list, &item)) {
        const char *eq = memchr(item.p, '=', item.len);
        struct strview key, val;

        if (eq == NULL)
            continue;
        key = strview_trim(strview_make(item.p, (size_t)(eq - item.p)));
        val = strview_trim(strview_make(eq + 1, (size_t)(item.p + item.len - eq - 1)));
        if (!strview_eq_ci(key, "sha-256") || val.len < 2 || val.p[0] != ':' ||
            val.p[val.len - 1] != ':')
            continue;
        if (sha_from_base64(strview_make(val.p + 1, val.len - 2), out))
            return true;
    }
    return false;
}

bool resphead_digest(const char *v, size_t len, uint8_t out[SHA256_LEN])
{
    struct strview list = strview_make(v, len), item;

    while (strview_next_item(&list, &item)) {
        const char *eq = memchr(item.p, '=', item.len);

        if (eq == NULL)
            continue;
        if (!strview_eq_ci(strview_trim(strview_make(item.p, (size_t)(eq - item.p))), "sha-256"))
            continue;
        if (sha_from_base64(
                strview_trim(strview_make(eq + 1, (size_t)(item.p + item.len - eq - 1))), out))
            return true;
    }
    return false;
}

/* Keep a coding list V unless it says only "identity". */
static void copy_coding(char *out, size_t cap, struct strview v)
{
    struct strview list = v, item;
    bool is_identity = true;

    while (strview_next_item(&list, &item))
        if (item.len > 0 && !strview_eq_ci(item, "identity"))
            is_identity = false;
    if (is_identity) {
        out[0] = '\0';
        return;
    }
    copy_field(out, cap, v);
    if (out[0] == '\0')
        snprintf(out, cap, "?");
}

/* Transfer-Encoding: libcurl decodes chunked; any other coding would reach us encoded. */
static bool is_chunked_only(struct strview v)
{
    struct strview list = v, item;
    bool has_item = false;

    while (strview_next_item(&list, &item)) {
        if (!strview_eq_ci(item, "chunked"))
            return false;
        has_item = true;
    }
    return has_item;
}

/* A cursor over a Link value. */
struct link_cursor {
    const char *p;
    size_t len, i;
};

static void link_ows(struct link_cursor *c)
{
    while (c->i < c->len && strview_is_ows(c->p[c->i]))
        c->i++;
}

/* A token at the cursor (may be empty). */
static struct strview link_token(struct link_cursor *c)
{
    size_t start = c->i;

    while (c->i < c->len && strview_is_tchar((unsigned char)c->p[c->i]))
        c->i++;
    return strview_make(c->p + start, c->i - start);
}

/* A parameter's value after "=": a token or the inside of a quoted string. */
static bool link_value(struct link_cursor *c, struct strview *out)
{
    size_t start;

    if (c->i < c->len && c->p[c->i] == '"') {
        start = ++c->i;
        while (c->i < c->len && c->p[c->i] != '"') {
            if (c->p[c->i] == '\\' && ++c->i == c->len)
                return false;
            c->i++;
        }
        if (c->i == c->len)
            return false;
        *out = strview_make(c->p + start, c->i - start);
        c->i++;
        return true;
    }
    *out = link_token(c);
    return out->len > 0;
}

/* Does the space-separated relation list REL hold WORD (any case)? */
static bool rel_has(struct strview rel, const char *word)
{
    size_t i = 0;

    while (i < rel.len) {
        size_t start;

        while (i < rel.len && (rel.p[i] == ' ' || rel.p[i] == '\t'))
            i++;
        start = i;
        while (i < rel.len && rel.p[i] != ' ' && rel.p[i] != '\t')
            i++;
        if (i > start && strview_eq_ci(strview_make(rel.p + start, i - start), word))
            return true;
    }
    return false;
}

static bool is_usable_target(struct strview t)
{
    if (t.len == 0 || t.len >= FETCH_LINK_MAX)
        return false;
    for (size_t i = 0; i < t.len; i++)
        if ((unsigned char)t.p[i] <= 0x20 || (unsigned char)t.p[i] == 0x7f)
            return false;
    return true;
}

/* One link-value's parameters, after its <target>: up to a ',' or the end. */
static bool link_params(struct link_cursor *c, struct strview *rel, bool *has_rel,
                        struct strview *type, bool *has_type)
{
    for (;;) {
        struct strview name, value = strview_make("", 0);

        link_ows(c);
        if (c->i == c->len || c->p[c->i] == ',')
            return true;
        if (c->p[c->i] != ';')
            return false;
        c->i++;
        link_ows(c);
        name = link_token(c);
        if (name.len == 0)
            return false;
        link_ows(c);
        if (c->i < c->len && c->p[c->i] == '=') {
            c->i++;
            link_ows(c);
            if (!link_value(c, &value))
                return false;
        }
        if (strview_eq_ci(name, "rel") && !*has_rel) {
            *rel = value;
            *has_rel = true;
        } else if (strview_eq_ci(name, "type") && !*has_type) {
            *type = value;
            *has_type = true;
        }
    }
}

bool resphead_parse_link(const char *v, size_t len, struct fetch_links *links)
{
    struct link_cursor c = {v, len, 0};

    for (;;) {
        struct strview target, rel = strview_make("", 0), type = strview_make("", 0);
        bool has_rel = false, has_type = false;
        size_t start;

        while (c.i < c.len && (strview_is_ows(v[c.i]) || v[c.i] == ','))
            c.i++;
        if (c.i == c.len)
            return true;
        if (v[c.i] != '<')
            return false;
        start = ++c.i;
        while (c.i < c.len && v[c.i] != '>')
            c.i++;
        if (c.i == c.len)
            return false;
        target = strview_make(v + start, c.i - start);
        c.i++;
        if (!link_params(&c, &rel, &has_rel, &type, &has_type))
            return false;
        if (!has_rel)
            continue;
        if (rel_has(rel, "duplicate") && links->nduplicate < UINT_MAX)
            links->nduplicate++;
        if (rel_has(rel, "describedby") && has_type &&
            strview_eq_ci(type, "application/metalink4+xml") && links->describedby[0] == '\0' &&
            is_usable_target(target)) {
            memcpy(links->describedby, target.p, target.len);
            links->describedby[target.len] = '\0';
        }
    }
}

/* The length of URL's "scheme://authority", or 0 when it is not http(s). */
static size_t origin_len(const char *url)
{
    size_t n;

    if (strncasecmp(url, "http://", 7) == 0)
        n = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        n = 8;
    else
        return 0;
    return n + strcspn(url + n, "/?#");
}

bool resphead_link_resolve(const char *base, const char *ref, char *out, size_t cap)
{
    size_t origin = origin_len(base), colon = strcspn(ref, ":/?#"), keep;
    int n;

    if (cap > 0)
        out[0] = '\0';
    if (origin == 0 || ref[0] == '\0')
        return false;
    if (ref[colon] == ':') { /* a scheme of its own */
        if (origin_len(ref) == 0)
            return false;
        n = snprintf(out, cap, "%s", ref);
    } else if (ref[0] == '/' && ref[1] == '/') {
        n = snprintf(out, cap, "%.*s%s", (int)(strchr(base, ':') - base + 1), base, ref);
    } else if (ref[0] == '/') {
        n = snprintf(out, cap, "%.*s%s", (int)origin, base, ref);
    } else {
        keep = origin + strcspn(base + origin, "?#");
        while (keep > origin && base[keep - 1] != '/')
            keep--;
        if (keep == origin) /* "http://host" has the directory "/" */
            n = snprintf(out, cap, "%.*s/%s", (int)origin, base, ref);
        else
            n = snprintf(out, cap, "%.*s%s", (int)keep, base, ref);
    }
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return false;
    }
    return true;
}

enum resphead_line resphead_parse_line(struct fetch_info *info, const char *line, size_t len)
{
    struct strview l = strview_make(line, len), name, value;
    const char *colon;

    while (l.len > 0 && (l.p[l.len - 1] == '\n' || l.p[l.len - 1] == '\r'))
        l.len--;
    if (l.len == 0)
        return RESPHEAD_END;
    if (l.len >= 5 && memcmp(l.p, "HTTP/", 5) == 0) {
        const char *sp = memchr(l.p, ' ', l.len);
        uint64_t status;

        memset(info, 0, sizeof(*info));
        /* RFC 9112 4: exactly three digits, then a space or the end. */
        if (sp == NULL || (size_t)(l.p + l.len - sp) < 4 ||
            strparse_u64(sp + 1, 3, &status) != STRPARSE_OK ||
            ((size_t)(l.p + l.len - sp) > 4 && sp[4] != ' ')) {
            info->bad_line = "a malformed status line";
            return RESPHEAD_BAD;
        }
        info->status = (long)status;
        return RESPHEAD_STATUS;
    }
    /* RFC 9112 5.2: a user agent replaces obs-fold with a space; nothing we read folds. */
    if (l.p[0] == ' ' || l.p[0] == '\t')
        return RESPHEAD_FIELD;
    colon = memchr(l.p, ':', l.len);
    if (colon == NULL || !strview_is_token(strview_make(l.p, (size_t)(colon - l.p)))) {
        info->bad_line = colon == NULL ? "a header line without a colon"
                                       : "a header line with a malformed field name";
        return RESPHEAD_BAD;
    }
    name = strview_make(l.p, (size_t)(colon - l.p));
    value = strview_trim(strview_make(colon + 1, (size_t)(l.p + l.len - colon - 1)));
    if (strview_eq_ci(name, "content-range")) {
        info->has_content_range =
            range_parse_content_range(value.p, value.len, &info->content_range);
    } else if (strview_eq_ci(name, "content-length")) {
        uint64_t n;

        if (strparse_u64(value.p, value.len, &n) != STRPARSE_OK ||
            (info->has_length && info->length != n)) {
            info->bad_line = "a malformed or contradictory Content-Length";
            info->has_length = false;
            return RESPHEAD_BAD;
        }
        info->has_length = true;
        info->length = n;
    } else if (strview_eq_ci(name, "etag")) {
        /* A weak tag cannot be used with If-Range: keep strong ones only. */
        if (value.len >= 2 && value.p[0] == '"')
            copy_field(info->etag, sizeof(info->etag), value);
    } else if (strview_eq_ci(name, "last-modified")) {
        copy_field(info->last_modified, sizeof(info->last_modified), value);
    } else if (strview_eq_ci(name, "repr-digest")) {
        if (resphead_repr_digest(value.p, value.len, info->sha256))
            info->has_digest = true;
    } else if (strview_eq_ci(name, "digest")) {
        if (!info->has_digest && resphead_digest(value.p, value.len, info->sha256))
            info->has_digest = true;
    } else if (strview_eq_ci(name, "content-encoding")) {
        copy_coding(info->content_encoding, sizeof(info->content_encoding), value);
    } else if (strview_eq_ci(name, "transfer-encoding")) {
        if (!is_chunked_only(value)) {
            info->bad_line = "a transfer coding other than chunked";
            return RESPHEAD_BAD;
        }
    } else if (strview_eq_ci(name, "retry-after")) {
        copy_field(info->retry_after, sizeof(info->retry_after), value);
    } else if (strview_eq_ci(name, "date")) {
        copy_field(info->date, sizeof(info->date), value);
    } else if (strview_eq_ci(name, "link")) {
        /* A bad Link costs only its mirrors: the file is still the file. */
        (void)resphead_parse_link(value.p, value.len, &info->links);
    }
    return RESPHEAD_FIELD;
}
