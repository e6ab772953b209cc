/*
 * server/hashcache.c - encode and decode the hash cache. Pure but for
 * malloc.
 */
#include "hashcache.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "name.h"
#include "strparse.h"

/* Longest line: five numbers and a hash, six separators, a name. */
#define HASHCACHE_LINE_MAX (5 * 21 + SHA256_HEX_LEN + 6 + NAME_MAX_LEN + 2)

size_t hashcache_format_line(char *out, size_t cap, const struct snap_entry *e)
{
    char hex[SHA256_HEX_LEN + 1];
    int n;

    if (cap > 0)
        out[0] = '\0';
    if (name_check(e->name, strlen(e->name)) != NAME_OK || e->mtime_sec < 0 || e->mtime_nsec < 0)
        return 0;
    encode_hex(e->sha256, SHA256_LEN, hex);
    n = snprintf(out, cap, "%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64 "\t%s\t%s\n", e->ino,
                 e->size, e->mtime_sec, e->mtime_nsec, hex, e->name);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

bool hashcache_parse_line(const char *line, size_t len, struct snap_entry *e)
{
    struct strview f[6];
    size_t nf = 0, start = 0;
    uint64_t sec, nsec;

    memset(e, 0, sizeof(*e));
    if (len == 0 || line[0] == '#')
        return false;
    for (size_t i = 0; i <= len && nf < 6; i++) {
        if (i == len || (line[i] == '\t' && nf < 5)) {
            f[nf++] = strview_make(line + start, i - start);
            start = i + 1;
        }
    }
    if (nf != 6 || strparse_u64(f[0].p, f[0].len, &e->ino) != STRPARSE_OK ||
        strparse_u64(f[1].p, f[1].len, &e->size) != STRPARSE_OK ||
        strparse_u64(f[2].p, f[2].len, &sec) != STRPARSE_OK ||
        strparse_u64(f[3].p, f[3].len, &nsec) != STRPARSE_OK || sec > INT64_MAX ||
        nsec >= 1000000000 || !decode_hex(f[4].p, f[4].len, e->sha256, SHA256_LEN) ||
        name_check(f[5].p, f[5].len) != NAME_OK)
        goto bad;
    e->mtime_sec = (int64_t)sec;
    e->mtime_nsec = (int64_t)nsec;
    e->name = strndup(f[5].p, f[5].len);
    if (e->name == NULL)
        goto bad;
    return true;
bad:
    memset(e, 0, sizeof(*e));
    return false;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct snap_entry *x = a, *y = b;

    return strcmp(x->name, y->name);
}

struct snap_entry *hashcache_parse(const char *buf, size_t len, size_t *n)
{
    size_t hl = strlen(HASHCACHE_HEADER), cap = 0, count = 0;
    struct snap_entry *v = NULL;
    const char *p = buf + hl, *end = buf + len;

    *n = 0;
    if (len < hl || memcmp(buf, HASHCACHE_HEADER, hl) != 0)
        return NULL;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t linelen = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct snap_entry e;

        if (nl != NULL && hashcache_parse_line(p, linelen, &e)) {
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                struct snap_entry *nv = realloc(v, ncap * sizeof(*nv));

                if (nv == NULL) {
                    free(e.name);
                    snap_entries_free(v, count);
                    return NULL;
                }
                v = nv;
                cap = ncap;
            }
            v[count++] = e;
        }
        p += linelen + 1;
    }
    if (count > 1)
        qsort(v, count, sizeof(v[0]), entry_cmp);
    *n = count;
    return v;
}

char *hashcache_render(const struct snap_entry *entries, size_t n, size_t *len)
{
    size_t cap = sizeof(HASHCACHE_HEADER) + n * HASHCACHE_LINE_MAX + 1;
    char *buf = malloc(cap);
    size_t o;

    if (buf == NULL)
        return NULL;
    o = (size_t)snprintf(buf, cap, "%s", HASHCACHE_HEADER);
    for (size_t i = 0; i < n; i++)
        o += hashcache_format_line(buf + o, cap - o, &entries[i]);
    *len = o;
    return buf;
}
