/*
 * tests/fuzz/fuzz_catalog.c - common/catalog.c (text.txt) and
 * server/hashcache.c (.text.txt.cache) under libFuzzer. Both read the same
 * input, handed over in a malloc'd copy of exactly its length.
 *
 * Invariants (abort() when one breaks):
 *   - catalog_parse: on success every name passes name_path_check, names are
 *     sorted bytewise and unique, each entry's line number is a line of
 *     the input, catalog_find finds each entry, and formatting every entry
 *     with catalog_format_line then parsing the concatenation gives the
 *     same entries; on failure the catalog is empty and -EINVAL names a
 *     line of the input;
 *   - hashcache_parse: entries sorted, every name valid, both times'
 *     nanoseconds below a second, and rendering them with hashcache_render then parsing
 *     gives the same entries.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/catalog.h"
#include "common/name.h"
#include "fuzz.h"
#include "server/hashcache.h"
#include "server/snapshot.h"

/* A malloc'd copy of exactly N bytes. */
static char *copy_exact(const uint8_t *data, size_t n)
{
    char *p = malloc(n);

    if (p == NULL && n == 0)
        p = malloc(1);
    FUZZ_CHECK(p != NULL);
    if (n > 0)
        memcpy(p, data, n);
    return p;
}

/* Lines in BUF[0..LEN): LF-terminated ones, plus an unterminated tail. */
static size_t count_lines(const char *buf, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n')
            n++;
    if (len > 0 && buf[len - 1] != '\n')
        n++;
    return n;
}

static bool same_entries(const struct catalog *a, const struct catalog *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->entries[i].name, b->entries[i].name) != 0 ||
            a->entries[i].size != b->entries[i].size ||
            memcmp(a->entries[i].sha256, b->entries[i].sha256, SHA256_LEN) != 0)
            return false;
    return true;
}

/* Format every entry of C (after the header line), parse it, compare. */
static void check_catalog_round_trip(const struct catalog *c)
{
    size_t cap = sizeof(CATALOG_HEADER) + c->n * (CATALOG_LINE_MAX + 1), len;
    char *text = malloc(cap);
    struct catalog again = {NULL, 0};
    size_t bad = 0;

    FUZZ_CHECK(text != NULL);
    memcpy(text, CATALOG_HEADER, sizeof(CATALOG_HEADER) - 1);
    len = sizeof(CATALOG_HEADER) - 1;
    for (size_t i = 0; i < c->n; i++) {
        size_t n = catalog_format_line(text + len, cap - len, c->entries[i].name,
                                       c->entries[i].size, c->entries[i].sha256);

        /* A parsed entry always formats, and within CATALOG_LINE_MAX. */
        FUZZ_CHECK(n > 0 && n <= CATALOG_LINE_MAX && text[len + n - 1] == '\n');
        len += n;
    }
    FUZZ_CHECK(catalog_parse(text, len, &again, &bad) == 0);
    FUZZ_CHECK(bad == 0);
    FUZZ_CHECK(same_entries(c, &again));
    catalog_free(&again);
    free(text);
}

static void fuzz_catalog(const char *buf, size_t len)
{
    struct catalog c;
    size_t bad = 12345, nlines = count_lines(buf, len);
    int err;

    memset(&c, 0x5a, sizeof(c));
    err = catalog_parse(buf, len, &c, &bad);
    if (err != 0) {
        FUZZ_CHECK(err == -EINVAL || err == -ENOMEM);
        FUZZ_CHECK(c.entries == NULL && c.n == 0);
        if (err == -EINVAL)
            FUZZ_CHECK(bad >= 1 && bad <= nlines);
        catalog_free(&c); /* an empty catalog is fine */
        return;
    }
    FUZZ_CHECK(bad == 0);
    FUZZ_CHECK(c.n == 0 || c.entries != NULL);
    for (size_t i = 0; i < c.n; i++) {
        const struct catalog_entry *e = &c.entries[i];

        FUZZ_CHECK(e->name != NULL);
        FUZZ_CHECK(name_path_check(e->name, strlen(e->name)) == NAME_OK);
        FUZZ_CHECK(e->line >= 1 && e->line <= nlines);
        if (i > 0)
            FUZZ_CHECK(strcmp(c.entries[i - 1].name, e->name) < 0);
        FUZZ_CHECK(catalog_find(&c, e->name) == e);
    }
    check_catalog_round_trip(&c);
    catalog_free(&c);
    FUZZ_CHECK(c.entries == NULL && c.n == 0);
}

/* Order snap entries by every field, so two arrays of them compare. */
static int entry_cmp_full(const void *a, const void *b)
{
    const struct snap_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    c = memcmp(&x->id, &y->id, sizeof(x->id)); /* struct file_id has no padding */
    if (c != 0)
        return c;
    c = memcmp(x->sha256, y->sha256, SHA256_LEN);
    if (c != 0)
        return c;
    /* Every parsed entry has its pieces, sized by the rule for its size. */
    return memcmp(x->pieces->hash, y->pieces->hash, x->pieces->n * SHA256_LEN);
}

static void fuzz_hashcache(const char *buf, size_t len)
{
    size_t n = 12345, n2 = 12345, text_len = 0;
    struct snap_entry *v = hashcache_parse(buf, len, &n), *again;
    char *text;

    FUZZ_CHECK(v != NULL || n == 0);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(v[i].name != NULL);
        FUZZ_CHECK(name_path_check(v[i].name, strlen(v[i].name)) == NAME_OK);
        FUZZ_CHECK(v[i].id.mtime_sec >= 0 && v[i].id.mtime_nsec >= 0 &&
                   v[i].id.mtime_nsec < 1000000000);
        FUZZ_CHECK(v[i].id.ctime_sec >= 0 && v[i].id.ctime_nsec >= 0 &&
                   v[i].id.ctime_nsec < 1000000000);
        FUZZ_CHECK(v[i].pieces != NULL &&
                   v[i].pieces->piece_size == pieces_size_for(v[i].id.size) &&
                   v[i].pieces->n == pieces_count(v[i].id.size, v[i].pieces->piece_size));
        if (i > 0)
            FUZZ_CHECK(strcmp(v[i - 1].name, v[i].name) <= 0);
    }
    /* Render and read back: the same entries, in the same order. */
    text = hashcache_render(v, n, &text_len);
    FUZZ_CHECK(text != NULL);
    FUZZ_CHECK(text_len >= strlen(HASHCACHE_HEADER) &&
               memcmp(text, HASHCACHE_HEADER, strlen(HASHCACHE_HEADER)) == 0);
    again = hashcache_parse(text, text_len, &n2);
    FUZZ_CHECK(n2 == n && (again != NULL || n == 0));
    /* Equal names may come back in another order (qsort is not stable): compare fully sorted. */
    if (n > 1) {
        qsort(v, n, sizeof(v[0]), entry_cmp_full);
        qsort(again, n, sizeof(again[0]), entry_cmp_full);
    }
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(entry_cmp_full(&v[i], &again[i]) == 0);
    snap_entries_free(again, n2);
    free(text);
    snap_entries_free(v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = copy_exact(data, size);

    fuzz_catalog(buf, size);
    fuzz_hashcache(buf, size);
    free(buf);
    return 0;
}
