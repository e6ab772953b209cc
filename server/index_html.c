/*
 * server/index_html.c - render the "/" listing: one table, the root's
 * files first, then each directory under a heading row with its path,
 * depth first. Every row links the file's full path. Pure but for malloc.
 */
#include "index_html.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "encode.h"
#include "human.h"
#include "name.h"

size_t index_html_escape(const char *s, char *out, size_t cap)
{
    size_t need = 0, o = 0;
    bool fits = true;

    for (; *s != '\0'; s++) {
        const char *rep = NULL;
        char one[2] = {*s, '\0'};
        size_t n;

        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            rep = one;
            break;
        }
        n = strlen(rep);
        need += n;
        if (fits && o + n < cap) {
            memcpy(out + o, rep, n);
            o += n;
        } else {
            fits = false;
        }
    }
    if (cap > 0)
        out[o] = '\0';
    return need;
}

/* One file: its full path as a link, its size (exact in the title) and hash. */
static int add_file_row(struct dynbuf *b, const struct index_item *it)
{
    char url[3 * NAME_PATH_MAX + 1], text[6 * NAME_PATH_MAX + 1], size[32];
    char hex[SHA256_HEX_LEN + 1], tail[SHA256_HEX_LEN + 128];
    int err;

    name_encode_url_path(it->name, url, sizeof(url));
    index_html_escape(it->name, text, sizeof(text));
    human_size(it->size, size, sizeof(size));
    encode_hex(it->sha256, SHA256_LEN, hex);
    snprintf(tail, sizeof(tail),
             "</a></td><td title=\"%" PRIu64 " bytes\">%s</td><td><code>%s</code></td></tr>\n",
             it->size, size, hex);
    err = dynbuf_add_str(b, "<tr><td><a href=\"");
    if (err == 0)
        err = dynbuf_add_str(b, url);
    if (err == 0)
        err = dynbuf_add_str(b, "\">");
    if (err == 0)
        err = dynbuf_add_str(b, text);
    if (err == 0)
        err = dynbuf_add_str(b, tail);
    return err;
}

/* A heading row for the directory whose path is NAME[0..LEN), '/' included. */
static int add_dir_row(struct dynbuf *b, const char *name, size_t len)
{
    char path[NAME_PATH_MAX + 1], text[6 * NAME_PATH_MAX + 1];
    int err;

    snprintf(path, sizeof(path), "%.*s", (int)len, name);
    index_html_escape(path, text, sizeof(text));
    err = dynbuf_add_str(b, "<tr class=\"dir\"><th colspan=\"3\">");
    if (err == 0)
        err = dynbuf_add_str(b, text);
    if (err == 0)
        err = dynbuf_add_str(b, "</th></tr>\n");
    return err;
}

/* True when NAME lies directly in the directory whose path is NAME[0..PLEN). */
static bool is_direct(const char *name, size_t plen)
{
    return strchr(name + plen, '/') == NULL;
}

/*
 * ITEMS[LO..HI) share the directory prefix of PLEN bytes ("" or "iso/"):
 * its own files first, then each subdirectory under a heading. Sorted
 * bytewise, a subdirectory's items are contiguous, so one pass finds each.
 */
static int render_dir(struct dynbuf *b, const struct index_item *items, size_t lo, size_t hi,
                      size_t plen)
{
    int err = 0;

    for (size_t i = lo; i < hi && err == 0; i++)
        if (is_direct(items[i].name, plen))
            err = add_file_row(b, &items[i]);
    for (size_t i = lo; i < hi && err == 0;) {
        const char *name = items[i].name;
        size_t dlen, j;

        if (is_direct(name, plen)) {
            i++;
            continue;
        }
        dlen = (size_t)(strchr(name + plen, '/') - name) + 1; /* "iso/" */
        for (j = i + 1; j < hi && strncmp(items[j].name, name, dlen) == 0; j++)
            ;
        err = add_dir_row(b, name, dlen);
        if (err == 0)
            err = render_dir(b, items, i, j, dlen);
        i = j;
    }
    return err;
}

char *index_html_render(const struct index_item *items, size_t n, size_t *len)
{
    struct dynbuf b;
    int err;

    dynbuf_init(&b, SIZE_MAX / 2);
    err = dynbuf_add_str(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                             "<title>Files</title>\n<style>"
                             "th,td{text-align:left;padding:0 1em 0 0}"
                             "tr.dir th{padding-top:0.8em}"
                             "</style></head>\n<body>\n<h1>Files</h1>\n"
                             "<p>The catalog: <a href=\"text.txt\">text.txt</a></p>\n"
                             "<table>\n<tr><th>Name</th><th>Size</th><th>SHA-256</th></tr>\n");
    if (err == 0)
        err = render_dir(&b, items, 0, n, 0);
    if (err == 0)
        err = dynbuf_add_str(&b, "</table>\n</body></html>\n");
    if (err != 0) {
        dynbuf_free(&b);
        return NULL;
    }
    return dynbuf_take(&b, len);
}
