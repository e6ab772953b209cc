/*
 * client/list.c - fetch the catalog and show it.
 */
#include "list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "encode.h"
#include "fetch.h"
#include "human.h"
#include "log.h"
#include "resphead.h"

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

int list_fetch_catalog(struct fetch *f, const char *base, struct catalog *out, char *err,
                       size_t cap, enum retry_class *cls)
{
    char url[8192];
    struct fetch_err ferr;
    char *body = NULL;
    size_t len = 0, bad_line = 0, n = strlen(base);
    long status = 0;
    int rc = -EIO;

    memset(out, 0, sizeof(*out));
    *cls = RETRY_PERMANENT;
    while (n > 0 && base[n - 1] == '/')
        n--;
    snprintf(url, sizeof(url), "%.*s/text.txt", (int)n, base);
    if (fetch_get(f, url, LIST_CATALOG_MAX, &body, &len, &status, &ferr) != 0) {
        snprintf(err, cap, "cannot fetch the catalog %s: %s", url, ferr.text);
        *cls = ferr.cls;
        return -EIO;
    }
    if (status != 200) {
        snprintf(err, cap, "cannot fetch the catalog %s: %s (HTTP %ld)%s", url,
                 resphead_status_words(status), status,
                 status == 404 || status == 410 ? "; is --server right?" : "");
        *cls = retry_class_of_status(status);
    } else if (catalog_parse(body, len, out, &bad_line) != 0) {
        snprintf(err, cap, "the catalog %s is not valid (line %zu)", url, bad_line);
    } else {
        rc = 0;
    }
    free(body);
    return rc;
}

/* Sleep MS milliseconds, in short steps so that STOP is seen. */
static void nap(uint64_t ms, const atomic_bool *stop)
{
    while (ms > 0 && !(stop != NULL && atomic_load(stop))) {
        uint64_t step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};

        nanosleep(&ts, NULL);
        ms -= step;
    }
}

int list_fetch_catalog_retrying(struct fetch *f, const char *base, const struct dl_policy *policy,
                                const atomic_bool *stop, void (*note)(void *arg, const char *text),
                                void *arg, struct catalog *out, char *err, size_t cap)
{
    struct timespec now;
    uint64_t rng;

    clock_gettime(CLOCK_MONOTONIC, &now);
    rng = (uint64_t)now.tv_nsec * 2654435761u + 1;
    for (unsigned failures = 1;; failures++) {
        enum retry_class cls;
        uint64_t wait;
        char text[1024];

        if (list_fetch_catalog(f, base, out, err, cap, &cls) == 0)
            return 0;
        if (cls == RETRY_PERMANENT || failures > policy->retries ||
            (stop != NULL && atomic_load(stop)))
            return -EIO;
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        wait = cls == RETRY_PROTOCOL ? 0
                                     : retry_backoff_ms(failures, policy->retry_max_wait * 1000ull,
                                                        (double)(rng >> 11) / 9007199254740992.0);
        if (note != NULL) {
            snprintf(text, sizeof(text), "%s; retrying in %.1f s (retry %u of %u)", err,
                     (double)wait / 1000.0, failures, policy->retries);
            note(arg, text);
        }
        nap(wait, stop);
    }
}

int list_run(const char *server, const struct fetch_config *net, const struct dl_policy *policy,
             FILE *out, FILE *err)
{
    struct fetch *f = fetch_new(net);
    char why[1024];
    struct catalog c;

    if (f == NULL) {
        fprintf(err, "client: out of memory\n");
        return 1;
    }
    if (list_fetch_catalog_retrying(f, server, policy, NULL, NULL, NULL, &c, why, sizeof(why)) !=
        0) {
        fprintf(err, "client: %s\n", why);
        fetch_free(f);
        return 1;
    }
    list_print(&c, out);
    catalog_free(&c);
    fetch_free(f);
    return 0;
}
