/*
 * common/catalog.c - parse and format text.txt, the catalog. The line
 * functions are pure; catalog_parse() only allocates its result.
 */
#include "catalog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "strparse.h"

enum catalog_line_result catalog_parse_line(const char *line, size_t len, struct strview *name,
                                            uint64_t *size, uint8_t sha[SHA256_LEN])
{
    const char *tab1, *tab2;

    *name = strview_make(line, 0);
    *size = 0;
    memset(sha, 0, SHA256_LEN);
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0 || line[0] == '#')
        return CATALOG_LINE_SKIP;
    tab1 = memchr(line, '\t', len);
    if (tab1 == NULL)
        goto bad;
    tab2 = memchr(tab1 + 1, '\t', len - (size_t)(tab1 + 1 - line));
    if (tab2 == NULL)
        goto bad;
    if (name_path_check(line, (size_t)(tab1 - line)) != NAME_OK)
        goto bad;
    if (strparse_u64(tab1 + 1, (size_t)(tab2 - tab1 - 1), size) != STRPARSE_OK)
        goto bad;
    /* Lowercase only, as the format says: uppercase hex is a foreign writer. */
    for (const char *p = tab2 + 1; p < line + len; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            goto bad;
    if (!decode_hex(tab2 + 1, len - (size_t)(tab2 + 1 - line), sha, SHA256_LEN))
        goto bad;
    *name = strview_make(line, (size_t)(tab1 - line));
    return CATALOG_LINE_ENTRY;
bad:
    *size = 0;
    memset(sha, 0, SHA256_LEN);
    return CATALOG_LINE_BAD;
}

size_t catalog_format_line(char *out, size_t cap, const char *name, uint64_t size,
                           const uint8_t sha[SHA256_LEN])
{
    char hex[SHA256_HEX_LEN + 1];
    int n;

    if (cap > 0)
        out[0] = '\0';
    if (name_path_check(name, strlen(name)) != NAME_OK)
        return 0;
    encode_hex(sha, SHA256_LEN, hex);
    n = snprintf(out, cap, "%s\t%" PRIu64 "\t%s\n", name, size, hex);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct catalog_entry *x = a, *y = b;

    return strcmp(x->name, y->name);
}

int catalog_parse(const char *buf, size_t len, struct catalog *out, size_t *bad_line)
{
    struct catalog c = {NULL, 0};
    size_t cap = 0, lineno = 0;
    const char *p = buf, *end = buf + len;
    int err = 0;

    *bad_line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t linelen = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct strview name;
        uint64_t size;
        uint8_t sha[SHA256_LEN];
        enum catalog_line_result r = catalog_parse_line(p, linelen, &name, &size, sha);

        lineno++;
        p += linelen + (nl ? 1 : 0);
        if (r == CATALOG_LINE_SKIP)
            continue;
        if (r == CATALOG_LINE_BAD) {
            *bad_line = lineno;
            err = -EINVAL;
            goto fail;
        }
        if (c.n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct catalog_entry *v = realloc(c.entries, ncap * sizeof(*v));

            if (v == NULL) {
                err = -ENOMEM;
                goto fail;
            }
            c.entries = v;
            cap = ncap;
        }
        c.entries[c.n].name = strndup(name.p, name.len);
        if (c.entries[c.n].name == NULL) {
            err = -ENOMEM;
            goto fail;
        }
        c.entries[c.n].size = size;
        c.entries[c.n].line = lineno;
        memcpy(c.entries[c.n].sha256, sha, SHA256_LEN);
        c.n++;
    }
    if (c.n > 0)
        qsort(c.entries, c.n, sizeof(c.entries[0]), entry_cmp);
    for (size_t i = 1; i < c.n; i++) {
        if (strcmp(c.entries[i - 1].name, c.entries[i].name) == 0) {
            /* Blame the later of the two lines. */
            size_t l1 = c.entries[i - 1].line, l2 = c.entries[i].line;

            *bad_line = l1 > l2 ? l1 : l2;
            err = -EINVAL;
            goto fail;
        }
    }
    *out = c;
    return 0;
fail:
    catalog_free(&c);
    out->entries = NULL;
    out->n = 0;
    return err;
}

const struct catalog_entry *catalog_find(const struct catalog *c, const char *name)
{
    struct catalog_entry key;

    if (c->n == 0)
        return NULL;
    key.name = (char *)name;
    return bsearch(&key, c->entries, c->n, sizeof(c->entries[0]), entry_cmp);
}

void catalog_free(struct catalog *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->entries[i].name);
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
}
