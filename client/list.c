/*
 * client/list.c - fetch the catalog and show it.
 */
#include "list.h"

#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "fetch.h"
#include "human.h"
#include "log.h"

#define LIST_CATALOG_MAX (64u << 20)

void list_print(const struct catalog *c, FILE *out)
{
    size_t width = 4;
    uint64_t total = 0;

    for (size_t i = 0; i < c->n; i++) {
        size_t w = strlen(c->entries[i].name);

        if (w > width)
            width = w;
    }
    if (width > 60)
        width = 60;
    fprintf(out, "%-*s  %10s  %s\n", (int)width, "NAME", "SIZE", "SHA-256");
    for (size_t i = 0; i < c->n; i++) {
        const struct catalog_entry *e = &c->entries[i];
        char size[32], hex[SHA256_HEX_LEN + 1], name[4 * 255 + 1];

        human_size(e->size, size, sizeof(size));
        encode_hex(e->sha256, SHA256_LEN, hex);
        log_quote(e->name, strlen(e->name), name, sizeof(name));
        fprintf(out, "%-*s  %10s  %.12s\n", (int)width, name, size, hex);
        total += e->size;
    }
    {
        char ts[32];

        human_size(total, ts, sizeof(ts));
        fprintf(out, "%zu file%s, %s\n", c->n, c->n == 1 ? "" : "s", ts);
    }
}

int list_run(const char *server, FILE *out, FILE *err)
{
    struct fetch *f = fetch_new();
    char url[8192], errbuf[FETCH_ERR_MAX];
    char *body = NULL;
    size_t len = 0, bad_line = 0, n = strlen(server);
    long status = 0;
    struct catalog c;
    int rc = 1;

    while (n > 0 && server[n - 1] == '/')
        n--;
    snprintf(url, sizeof(url), "%.*s/text.txt", (int)n, server);
    if (f == NULL) {
        fprintf(err, "client: out of memory\n");
        return 1;
    }
    if (fetch_get(f, url, LIST_CATALOG_MAX, &body, &len, &status, errbuf) != 0) {
        fprintf(err, "client: cannot fetch the catalog %s: %s\n", url, errbuf);
        goto out;
    }
    if (status != 200) {
        fprintf(err, "client: cannot fetch the catalog %s: the server answered HTTP %ld\n", url,
                status);
        goto out;
    }
    if (catalog_parse(body, len, &c, &bad_line) != 0) {
        fprintf(err, "client: the catalog %s is not valid (line %zu)\n", url, bad_line);
        goto out;
    }
    list_print(&c, out);
    catalog_free(&c);
    rc = 0;
out:
    free(body);
    fetch_free(f);
    return rc;
}
