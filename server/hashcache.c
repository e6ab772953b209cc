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

#define HASHCACHE_FIELDS 10

/* A line without its name and pieces: seven numbers and a hash, nine separators, an LF. */
#define HASHCACHE_LINE_FIXED (7 * 20 + SHA256_HEX_LEN + 9 + 1)

size_t hashcache_line_max(const struct snap_entry *e)
{
    size_t np = e->pieces != NULL ? e->pieces->n : 0;

    return HASHCACHE_LINE_FIXED + np * SHA256_HEX_LEN + strlen(e->name) + 1;
}

/* Whether P is the right piece block for a file of SIZE bytes. */
static bool pieces_fit(const struct pieces *p, uint64_t size)
{
    return p != NULL && p->piece_size == pieces_size_for(size) &&
           p->n == pieces_count(size, p->piece_size);
}

size_t hashcache_format_line(char *out, size_t cap, const struct snap_entry *e)
{
    char hex[SHA256_HEX_LEN + 1];
    size_t o;
    int n;

    if (cap > 0)
        out[0] = '\0';
    if (name_path_check(e->name, strlen(e->name)) != NAME_OK || e->id.mtime_sec < 0 ||
        e->id.mtime_nsec < 0 || e->id.mtime_nsec >= 1000000000 || e->id.ctime_sec < 0 ||
        e->id.ctime_nsec < 0 || e->id.ctime_nsec >= 1000000000 ||
        !pieces_fit(e->pieces, e->id.size))
        return 0;
    encode_hex(e->sha256, SHA256_LEN, hex);
    n = snprintf(out, cap,
                 "%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64
                 "\t%s\t%" PRIu64 "\t",
                 e->id.ino, e->id.size, e->id.mtime_sec, e->id.mtime_nsec, e->id.ctime_sec,
                 e->id.ctime_nsec, hex, e->pieces->piece_size);
    if (n < 0 || (size_t)n >= cap)
        goto too_small;
    o = (size_t)n;
    if (cap - o <= e->pieces->n * SHA256_HEX_LEN)
        goto too_small;
    encode_hex(&e->pieces->hash[0][0], e->pieces->n * SHA256_LEN, out + o);
    o += e->pieces->n * SHA256_HEX_LEN;
    n = snprintf(out + o, cap - o, "\t%s\n", e->name);
    if (n < 0 || (size_t)n >= cap - o)
        goto too_small;
    return o + (size_t)n;
too_small:
    if (cap > 0)
        out[0] = '\0';
    return 0;
}

/* A time as two fields, seconds and nanoseconds; false when malformed. */
static bool parse_time(struct strview sec_f, struct strview nsec_f, int64_t *sec, int64_t *nsec)
{
    uint64_t s, ns;

    if (strparse_u64(sec_f.p, sec_f.len, &s) != STRPARSE_OK ||
        strparse_u64(nsec_f.p, nsec_f.len, &ns) != STRPARSE_OK || s > INT64_MAX || ns >= 1000000000)
        return false;
    *sec = (int64_t)s;
    *nsec = (int64_t)ns;
    return true;
}

/* The piece hashes of a file of SIZE bytes from the PIECE_SIZE and PIECES fields, or NULL. */
static struct pieces *parse_pieces(struct strview size_f, struct strview hex, uint64_t size)
{
    struct pieces *p;
    uint64_t ps;

    if (strparse_u64(size_f.p, size_f.len, &ps) != STRPARSE_OK || ps != pieces_size_for(size) ||
        hex.len != pieces_count(size, ps) * SHA256_HEX_LEN)
        return NULL;
    p = pieces_new(size);
    if (p != NULL && p->n > 0 && !decode_hex(hex.p, hex.len, &p->hash[0][0], p->n * SHA256_LEN)) {
        pieces_unref(p);
        p = NULL;
    }
    return p;
}

bool hashcache_parse_line(const char *line, size_t len, struct snap_entry *e)
{
    struct strview f[HASHCACHE_FIELDS];
    size_t nf = 0, start = 0;
    const struct strview *name = &f[HASHCACHE_FIELDS - 1];

    memset(e, 0, sizeof(*e));
    if (len == 0 || line[0] == '#')
        return false;
    /* The name is the last field and may hold anything but a TAB: no split after it. */
    for (size_t i = 0; i <= len && nf < HASHCACHE_FIELDS; i++) {
        if (i == len || (line[i] == '\t' && nf < HASHCACHE_FIELDS - 1)) {
            f[nf++] = strview_make(line + start, i - start);
            start = i + 1;
        }
    }
    if (nf != HASHCACHE_FIELDS || strparse_u64(f[0].p, f[0].len, &e->id.ino) != STRPARSE_OK ||
        strparse_u64(f[1].p, f[1].len, &e->id.size) != STRPARSE_OK ||
        !parse_time(f[2], f[3], &e->id.mtime_sec, &e->id.mtime_nsec) ||
        !parse_time(f[4], f[5], &e->id.ctime_sec, &e->id.ctime_nsec) ||
        !decode_hex(f[6].p, f[6].len, e->sha256, SHA256_LEN) ||
        name_path_check(name->p, name->len) != NAME_OK)
        goto bad;
    e->pieces = parse_pieces(f[7], f[8], e->id.size);
    if (e->pieces == NULL)
        goto bad;
    e->name = strndup(name->p, name->len);
    if (e->name == NULL)
        goto bad;
    return true;
bad:
    pieces_unref(e->pieces);
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
                    pieces_unref(e.pieces);
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
    size_t cap = sizeof(HASHCACHE_HEADER) + 1;
    char *buf;
    size_t o;

    for (size_t i = 0; i < n; i++)
        cap += hashcache_line_max(&entries[i]);
    buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    o = (size_t)snprintf(buf, cap, "%s", HASHCACHE_HEADER);
    for (size_t i = 0; i < n; i++)
        o += hashcache_format_line(buf + o, cap - o, &entries[i]);
    *len = o;
    return buf;
}
