/*
 * server/index_html.h - the page a browser sees at "/": every published
 * file of the tree as a link, with its size and SHA-256, grouped under a
 * heading per directory.
 */
#ifndef SERVER_INDEX_HTML_H
#define SERVER_INDEX_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

struct index_item {
    const char *name; /* a path: "iso/debian.iso" */
    uint64_t size;
    const uint8_t *sha256;
};

/*
 * Render ITEMS[0..N), sorted by name (strcmp), as a small HTML page: a
 * table with the root's files first, then for each directory, depth
 * first, a heading row with its path ("iso/") and its files. Every row
 * shows a file's full path, HTML-escaped, linked by the path
 * percent-encoded component by component (name_encode_url_path()), its
 * size (exact in the cell's title) and its SHA-256. Returns a new
 * NUL-terminated buffer (owned by the caller: free()) with its length in
 * *LEN, or NULL when out of memory.
 */
char *index_html_render(const struct index_item *items, size_t n, size_t *len);

/*
 * Escape S for HTML text and attributes into OUT (CAP bytes, NUL added).
 * Returns the length the full escape needs, as snprintf() does.
 */
size_t index_html_escape(const char *s, char *out, size_t cap);

#endif
