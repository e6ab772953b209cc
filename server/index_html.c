/*
 * server/index_html.c - render the "/" listing. Pure but for malloc.
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

char *index_html_render(const struct index_item *items, size_t n, size_t *len)
{
    struct dynbuf b;
    int err;

    dynbuf_init(&b, SIZE_MAX / 2);
    err = dynbuf_add_str(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                             "<title>Files</title></head>\n<body>\n<h1>Files</h1>\n"
                             "<p>The catalog: <a href=\"text.txt\">text.txt</a></p>\n"
                             "<table>\n<tr><th>Name</th><th>Size</th><th>SHA-256</th></tr>\n");
    for (size_t i = 0; i < n && err == 0; i++) {
        char url[3 * NAME_MAX_LEN + 1], text[6 * NAME_MAX_LEN + 1], size[32];
        char hex[SHA256_HEX_LEN + 1], row[sizeof(url) + sizeof(text) + 256];
        int k;

        name_encode_path(items[i].name, url, sizeof(url));
        index_html_escape(items[i].name, text, sizeof(text));
        human_size(items[i].size, size, sizeof(size));
        encode_hex(items[i].sha256, SHA256_LEN, hex);
        k = snprintf(row, sizeof(row),
                     "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td><code>%s</code></td></tr>\n",
                     url, text, size, hex);
        if (k > 0)
            err = dynbuf_add(&b, row, (size_t)k < sizeof(row) ? (size_t)k : sizeof(row) - 1);
    }
    if (err == 0)
        err = dynbuf_add_str(&b, "</table>\n</body></html>\n");
    if (err != 0) {
        dynbuf_free(&b);
        return NULL;
    }
    return dynbuf_take(&b, len);
}
