/*
 * common/catalog.h - the catalog format, text.txt (see README.md):
 *
 *     # name<TAB>size<TAB>sha256
 *     notes on it.txt<TAB>1204<TAB>0be1...64 lowercase hex digits
 *
 * One file per line, three fields separated by one TAB, '#' starts a
 * comment line, blank lines are ignored. Names follow common/name.h.
 *
 * Both programs use this: the server formats lines, the client parses the
 * server's catalog. Formatting and parsing are pure; catalog_parse()
 * allocates the entry table it returns.
 */
#ifndef COMMON_CATALOG_H
#define COMMON_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "strview.h"

/* The first line the server writes. */
#define CATALOG_HEADER "# name\tsize\tsha256\n"

/* Longest line: a name, two TABs, 20 digits, 64 hex digits, a newline. */
#define CATALOG_LINE_MAX (255 + 1 + 20 + 1 + SHA256_HEX_LEN + 1)

enum catalog_line_result {
    CATALOG_LINE_ENTRY, /* a file: name, size and hash are set */
    CATALOG_LINE_SKIP,  /* blank or a comment */
    CATALOG_LINE_BAD,   /* anything else */
};

/*
 * Parse one line, LINE[0..LEN) without its LF (a trailing CR is allowed
 * and dropped). On CATALOG_LINE_ENTRY, *NAME views into LINE and *SIZE and
 * SHA are set; otherwise they are zeroed.
 */
enum catalog_line_result catalog_parse_line(const char *line, size_t len, struct strview *name,
                                            uint64_t *size, uint8_t sha[SHA256_LEN]);

/*
 * Write one line, LF included, for NAME into OUT (CAP bytes, NUL added).
 * Returns the length without the NUL, or 0 when NAME is not a valid name
 * or the line does not fit.
 */
size_t catalog_format_line(char *out, size_t cap, const char *name, uint64_t size,
                           const uint8_t sha[SHA256_LEN]);

struct catalog_entry {
    char *name; /* owned by the catalog */
    uint64_t size;
    uint8_t sha256[SHA256_LEN];
    size_t line; /* 1-based line it was read from */
};

/* A parsed catalog: entries sorted by name (bytewise), names unique. */
struct catalog {
    struct catalog_entry *entries;
    size_t n;
};

/*
 * Parse a whole catalog held in BUF[0..LEN). On success fills *OUT (owned
 * by the caller: catalog_free()) and returns 0. A malformed line or a name
 * listed twice gives -EINVAL with its 1-based line number in *BAD_LINE;
 * -ENOMEM when out of memory. *OUT is empty on failure.
 */
int catalog_parse(const char *buf, size_t len, struct catalog *out, size_t *bad_line);

/* The entry called NAME, or NULL. The pointer is valid until catalog_free(). */
const struct catalog_entry *catalog_find(const struct catalog *c, const char *name);

/* Release what catalog_parse() allocated; an empty catalog is fine. */
void catalog_free(struct catalog *c);

#endif
