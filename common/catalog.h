/*
 * common/catalog.h - the catalog format, text.txt (see README.md):
 *
 *     # name<TAB>size<TAB>sha256
 *     notes on it.txt<TAB>1204<TAB>0be1...64 lowercase hex digits
 *     iso/debian.iso<TAB>658505728<TAB>3f1a...
 *
 * One file per line, three fields separated by one TAB, '#' starts a
 * comment line, blank lines are ignored. A name is a relative path that
 * passes name_path_check() (common/name.h): "iso/debian.iso" is taken,
 * "../x", "/abs", "a//b" and "a/./b" are malformed lines.
 *
 * Both programs use this: the server formats lines, the client parses the
 * server's catalog. Formatting and parsing are pure; catalog_parse()
 * allocates the entry table it returns.
 */
#ifndef COMMON_CATALOG_H
#define COMMON_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "sha256.h"
#include "strview.h"

/* The first line the server writes. */
#define CATALOG_HEADER "# name\tsize\tsha256\n"

/* A line without its name: two TABs, at most 20 digits, 64 hex digits, a newline. */
#define CATALOG_LINE_FIXED (1 + 20 + 1 + SHA256_HEX_LEN + 1)

/* Longest line: the longest path and the rest. */
#define CATALOG_LINE_MAX (NAME_PATH_MAX + CATALOG_LINE_FIXED)

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
