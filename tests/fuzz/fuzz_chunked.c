/*
 * tests/fuzz/fuzz_chunked.c - server/chunked.c under libFuzzer.
 *
 * The first input byte picks the limits: even is roomy (no body limit, the
 * default extension and trailer limits), odd is small (max_body = byte / 2,
 * 8 bytes of extensions, 24 of trailers), so every limit is reached. The
 * seed corpus starts its files with 'r' (roomy) or 's' (small, a 57-byte
 * body limit). The rest of the input is a request body. It is decoded in one piece, byte by byte
 * (short inputs), and in pieces cut at points derived from the data, each piece in a malloc'd
 * buffer of exactly its size so ASan reports any over-read.
 *
 * Invariants (abort() when one breaks):
 *   - *consumed never exceeds what was given; NEED_MORE consumes it all;
 *     a DATA view is non-empty and is exactly the tail of what was
 *     consumed; other results hand out an empty view;
 *   - the bytes handed out add up to d.total, which never exceeds
 *     max_body;
 *   - an error explains itself (d.error), and DONE, BAD and TOO_LARGE
 *     stay: a later call returns the same and consumes nothing;
 *   - every way of cutting the input gives the same result, the same
 *     decoded bytes, the same end of body, the same trailers and reason;
 *   - on DONE, every trailer field has a token name and a value without
 *     CR, LF or other controls, and the body re-encoded as one chunk with
 *     those trailers decodes to the same bytes and fields.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server/chunked.h"

#define NSPLITS      4
#define BYTEWISE_MAX 256
#define TRAILER_CAP  CHUNKED_DEFAULT_MAX_TRAILER

struct outcome {
    enum chunked_result r;
    size_t end;
    uint64_t hash; /* FNV-1a of the decoded bytes */
    uint64_t len;
    char trailers[TRAILER_CAP + 64];
    size_t trailers_len;
    const char *error;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static char *copy_exact(const uint8_t *data, size_t n)
{
    char *p = malloc(n > 0 ? n : 1);

    FUZZ_CHECK(p != NULL);
    if (n > 0)
        memcpy(p, data, n);
    return p;
}

/* Decode DATA[0..SIZE) in pieces ending at CUTS[0..NCUTS) (ascending, last SIZE). */
static void decode(const struct chunked_limits *lim, const uint8_t *data, size_t size,
                   const size_t *cuts, size_t ncuts, struct outcome *o, char *trbuf)
{
    struct chunked d;
    size_t at = 0;
    uint64_t handed = 0;

    FUZZ_CHECK(ncuts > 0 && cuts[ncuts - 1] == size);
    memset(o, 0, sizeof(*o));
    o->hash = 0xcbf29ce484222325u;
    o->r = CHUNKED_NEED_MORE;
    chunked_init(&d, lim, trbuf, TRAILER_CAP);
    for (size_t k = 0; k < ncuts && o->r == CHUNKED_NEED_MORE; k++) {
        size_t n = cuts[k] - at, off = 0;
        char *piece = copy_exact(data + at, n);

        for (;;) {
            size_t used;
            struct strview v;
            enum chunked_result r = chunked_feed(&d, piece + off, n - off, &used, &v);

            FUZZ_CHECK(used <= n - off);
            if (r == CHUNKED_DATA) {
                FUZZ_CHECK(v.len > 0 && v.p >= piece + off && v.p + v.len == piece + off + used);
                o->hash = fnv(o->hash, v.p, v.len);
                handed += v.len;
            } else {
                FUZZ_CHECK(v.len == 0);
            }
            if (r == CHUNKED_NEED_MORE)
                FUZZ_CHECK(used == n - off);
            off += used;
            if (r == CHUNKED_DATA)
                continue;
            o->r = r;
            break;
        }
        at += off;
        free(piece);
    }
    o->end = at;
    o->len = handed;
    o->error = d.error;
    FUZZ_CHECK(handed == d.total);
    FUZZ_CHECK(d.total <= lim->max_body);
    if (o->r == CHUNKED_BAD || o->r == CHUNKED_TOO_LARGE)
        FUZZ_CHECK(d.error != NULL && d.error[0] != '\0');
    if (o->r != CHUNKED_NEED_MORE) {
        size_t used = 1;
        struct strview v;

        FUZZ_CHECK(chunked_feed(&d, "0\r\n\r\n", 5, &used, &v) == o->r && used == 0);
    }
    {
        size_t pos = 0;
        struct strview name, value;

        while (chunked_trailer_next(&d, &pos, &name, &value)) {
            FUZZ_CHECK(o->r == CHUNKED_DONE);
            FUZZ_CHECK(name.len > 0);
            for (size_t i = 0; i < name.len; i++)
                FUZZ_CHECK(is_tchar((unsigned char)name.p[i]));
            for (size_t i = 0; i < value.len; i++)
                FUZZ_CHECK(value.p[i] == '\t' ||
                           ((unsigned char)value.p[i] >= 0x20 && value.p[i] != 0x7f));
            FUZZ_CHECK(o->trailers_len + name.len + value.len + 2 <= sizeof(o->trailers));
            memcpy(o->trailers + o->trailers_len, name.p, name.len);
            o->trailers_len += name.len;
            o->trailers[o->trailers_len++] = ':';
            memcpy(o->trailers + o->trailers_len, value.p, value.len);
            o->trailers_len += value.len;
            o->trailers[o->trailers_len++] = '\n';
        }
    }
}

static void same(const struct outcome *a, const struct outcome *b)
{
    FUZZ_CHECK(a->r == b->r);
    FUZZ_CHECK(a->end == b->end);
    FUZZ_CHECK(a->len == b->len && a->hash == b->hash);
    FUZZ_CHECK(a->trailers_len == b->trailers_len &&
               memcmp(a->trailers, b->trailers, a->trailers_len) == 0);
    FUZZ_CHECK((a->error == NULL) == (b->error == NULL));
    if (a->error != NULL)
        FUZZ_CHECK(strcmp(a->error, b->error) == 0);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* The decoded body of DATA as one chunk plus ONE's trailers decodes to the same. */
static void check_round_trip(const struct chunked_limits *lim, const uint8_t *data,
                             const struct outcome *one, char *trbuf)
{
    static char body[1 << 20];
    static struct outcome again;
    struct chunked d;
    size_t len = 0, at = 0, end;

    if (one->len > sizeof(body) / 2)
        return;
    len += (size_t)snprintf(body, sizeof(body), "%llx\r\n", (unsigned long long)one->len);
    chunked_init(&d, lim, NULL, 0);
    /* Collect the decoded bytes again, in one piece. */
    while (at < one->end) {
        size_t used;
        struct strview v;
        enum chunked_result r = chunked_feed(&d, (const char *)data + at, one->end - at, &used, &v);

        at += used;
        if (r != CHUNKED_DATA)
            break;
        memcpy(body + len, v.p, v.len);
        len += v.len;
    }
    if (one->len == 0)
        len = 0; /* no data: the last chunk alone */
    else
        len += (size_t)snprintf(body + len, sizeof(body) - len, "\r\n");
    len += (size_t)snprintf(body + len, sizeof(body) - len, "0\r\n");
    for (size_t i = 0; i < one->trailers_len; i++) {
        if (len + 3 >= sizeof(body))
            return;
        if (one->trailers[i] == '\n') {
            body[len++] = '\r';
            body[len++] = '\n';
        } else {
            body[len++] = one->trailers[i];
        }
    }
    body[len++] = '\r';
    body[len++] = '\n';
    end = len;
    decode(lim, (const uint8_t *)body, len, &end, 1, &again, trbuf);
    FUZZ_CHECK(again.r == CHUNKED_DONE && again.end == len);
    FUZZ_CHECK(again.len == one->len && again.hash == one->hash);
    FUZZ_CHECK(again.trailers_len == one->trailers_len &&
               memcmp(again.trailers, one->trailers, one->trailers_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct outcome one, other;
    static char trbuf[TRAILER_CAP];
    static size_t cuts[BYTEWISE_MAX + 1];
    struct chunked_limits lim = {UINT64_MAX, CHUNKED_DEFAULT_MAX_EXT, CHUNKED_DEFAULT_MAX_TRAILER};
    size_t whole;

    if (size == 0)
        return 0;
    if (data[0] & 1) { /* small limits, so each is reached */
        lim.max_body = data[0] >> 1;
        lim.max_ext = 8;
        lim.max_trailer = 24;
    }
    data++;
    size--;
    whole = size;
    decode(&lim, data, size, &whole, 1, &one, trbuf);

    if (size > 0 && size <= BYTEWISE_MAX) {
        for (size_t k = 0; k < size; k++)
            cuts[k] = k + 1;
        decode(&lim, data, size, cuts, size, &other, trbuf);
        same(&one, &other);
    }
    {
        size_t n = 0;

        for (uint64_t k = 0; k < NSPLITS; k++)
            cuts[n++] = (size_t)(fnv(0xcbf29ce484222325u ^ k, data, size) % (size + 1));
        cuts[n++] = size;
        qsort(cuts, n, sizeof(cuts[0]), cmp_size);
        decode(&lim, data, size, cuts, n, &other, trbuf);
        same(&one, &other);
    }
    if (one.r == CHUNKED_DONE)
        check_round_trip(&lim, data, &one, trbuf);
    return 0;
}
