/*
 * client/input.h - the lines of input.txt, the download queue a person edits.
 *
 * A line is either a catalog name, taken whole (spaces allowed), or an
 * http:// or https:// URL. Either may be followed by a TAB and the
 * file's SHA-256 (64 hex digits); a URL may also be followed by spaces and
 * the hash. Blank lines and lines starting with '#' are ignored. A CR
 * before the LF is dropped.
 *
 *     big.iso
 *     notes on it.txt
 *     https://example.org/file.tar.gz	9f2c...64 hex digits
 */
#ifndef CLIENT_INPUT_H
#define CLIENT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "sha256.h"
#include "strview.h"

enum input_kind {
    INPUT_NAME, /* a name to look up in the server's catalog */
    INPUT_URL,  /* a URL to fetch as is */
};

enum input_result {
    INPUT_ENTRY, /* *OUT holds an entry */
    INPUT_SKIP,  /* blank or a comment */
    INPUT_BAD,   /* not a usable line; *WHY says why */
};

struct input_entry {
    enum input_kind kind;
    struct strview text; /* the name or URL: a view into the line */
    bool has_sha256;
    uint8_t sha256[SHA256_LEN];
};

/*
 * Parse LINE[0..LEN) (without its LF). Names must be valid file names
 * (common/name.h), URLs must have a host. Pure; *OUT is zeroed unless
 * INPUT_ENTRY, *WHY is static text for INPUT_BAD and NULL otherwise.
 */
enum input_result input_parse_line(const char *line, size_t len, struct input_entry *out,
                                   const char **why);

/* True when S[0..LEN) starts with http:// or https:// (any case). */
bool input_is_url(const char *s, size_t len);

/*
 * True when S[0..LEN) is a URL the client can fetch: input_is_url(), a
 * host that is not empty, and no space, control byte or DEL anywhere.
 * Pure; the same rule for queue lines and for URLs found elsewhere (a
 * Metalink's <url> list).
 */
bool input_url_ok(const char *s, size_t len);

/* True when S[0..LEN) starts with any URL scheme and "://" ("ftp://..."). */
bool input_has_scheme(const char *s, size_t len);

/*
 * The file name a URL downloads to: the last path segment, percent-decoded
 * and checked as a name; "index.html" when the path ends in '/'. Writes
 * into OUT (CAP bytes). Returns false when no valid name results. Pure.
 */
bool input_url_filename(const char *url, size_t len, char *out, size_t cap);

#endif
