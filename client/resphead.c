/*
 * client/resphead.c - response header lines into struct fetch_info. Pure.
 */
#include "resphead.h"

#include <stdio.h>
#include <string.h>

#include "encode.h"
#include "strparse.h"
#include "strview.h"

bool resphead_is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
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
            ((size_t)(l.p + l.len - sp) > 4 && sp[4] != ' '))
            return RESPHEAD_BAD;
        info->status = (long)status;
        return RESPHEAD_STATUS;
    }
    colon = memchr(l.p, ':', l.len);
    if (colon == NULL)
        return RESPHEAD_BAD;
    name = strview_make(l.p, (size_t)(colon - l.p));
    value = strview_trim(strview_make(colon + 1, (size_t)(l.p + l.len - colon - 1)));
    if (strview_eq_ci(name, "content-range")) {
        info->has_content_range =
            range_parse_content_range(value.p, value.len, &info->content_range);
    } else if (strview_eq_ci(name, "content-length")) {
        info->has_length = strparse_u64(value.p, value.len, &info->length) == STRPARSE_OK;
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
    }
    return RESPHEAD_FIELD;
}
