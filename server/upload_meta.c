/*
 * server/upload_meta.c - encode and parse an upload's description.
 */
#include "upload_meta.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "encode.h"
#include "strparse.h"

size_t upload_meta_format(const struct upload_meta *m, char *out, size_t cap)
{
    size_t plen = strlen(m->path);
    char hex[SHA256_HEX_LEN + 1];
    int n;

    if (cap < UPLOAD_META_MAX || name_path_check(m->path, plen) != NAME_OK)
        return 0;
    n = snprintf(out, cap, "%spath\t%s\n", UPLOAD_META_MAGIC, m->path);
    if (m->has_length)
        n += snprintf(out + n, cap - (size_t)n, "length\t%" PRIu64 "\n", m->length);
    if (m->has_digest) {
        encode_hex(m->digest, SHA256_LEN, hex);
        n += snprintf(out + n, cap - (size_t)n, "repr-digest\t%s\n", hex);
    }
    if (m->is_complete)
        n += snprintf(out + n, cap - (size_t)n, "complete\t%" PRIu64 "\n", m->size);
    return (size_t)n;
}

enum { K_PATH = 1, K_LENGTH = 2, K_DIGEST = 4, K_COMPLETE = 8 };

static bool number(struct strview v, uint64_t *out)
{
    return strparse_u64(v.p, v.len, out) == STRPARSE_OK;
}

/* One "key<TAB>value" line; SEEN collects the keys met so far. */
static bool parse_line(struct strview line, struct upload_meta *m, unsigned *seen)
{
    const char *tab = memchr(line.p, '\t', line.len);
    struct strview key, value;
    unsigned k;

    if (tab == NULL)
        return false;
    key = strview_make(line.p, (size_t)(tab - line.p));
    value = strview_make(tab + 1, line.len - key.len - 1);
    if (strview_eq(key, "path"))
        k = K_PATH;
    else if (strview_eq(key, "length"))
        k = K_LENGTH;
    else if (strview_eq(key, "repr-digest"))
        k = K_DIGEST;
    else if (strview_eq(key, "complete"))
        k = K_COMPLETE;
    else
        return false;
    if (*seen & k)
        return false;
    *seen |= k;
    switch (k) {
    case K_PATH:
        if (value.len > NAME_PATH_MAX || name_path_check(value.p, value.len) != NAME_OK)
            return false;
        memcpy(m->path, value.p, value.len);
        m->path[value.len] = '\0';
        return true;
    case K_LENGTH:
        m->has_length = true;
        return number(value, &m->length);
    case K_DIGEST:
        m->has_digest = true;
        return decode_hex(value.p, value.len, m->digest, SHA256_LEN);
    default:
        m->is_complete = true;
        return number(value, &m->size);
    }
}

bool upload_meta_parse(const char *buf, size_t len, struct upload_meta *out)
{
    size_t magic = sizeof(UPLOAD_META_MAGIC) - 1, at;
    unsigned seen = 0;

    memset(out, 0, sizeof(*out));
    if (len < magic || memcmp(buf, UPLOAD_META_MAGIC, magic) != 0)
        return false;
    for (at = magic; at < len;) {
        const char *nl = memchr(buf + at, '\n', len - at);

        if (nl == NULL)
            return false;
        if (!parse_line(strview_make(buf + at, (size_t)(nl - buf) - at), out, &seen))
            return false;
        at = (size_t)(nl - buf) + 1;
    }
    return (seen & K_PATH) != 0;
}
