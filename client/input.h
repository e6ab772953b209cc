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
 *
 * input_parse_sources() also reads the forms of a file with several
 * sources (input_parse_line() still refuses them, as it always has, until
 * the download engine takes several sources):
 *
 *     https://a.example/f.iso	https://b.example/f.iso	9f2c...64 hex digits
 *         several URLs of the same file (mirrors), separated by TABs, up
 *         to INPUT_MAX_URLS, each trimmed of spaces, no URL twice (byte
 *         for byte); a last field of 64 hex digits is the file's SHA-256. The file's name comes
 * from the first URL. Any other field (a name, words, a second hash) makes the line bad.
 *     https://example.org/f.iso.meta4
 *         one URL whose path ends in ".meta4" (any case, before any '?'
 *         or '#'): a Metalink 4 document to fetch, which then describes
 *         the file and its sources (is_metalink). It may carry a hash as
 *         any URL does: that hash is the file's, not the document's. A
 *         Metalink URL among several URLs makes the line bad.
 *     a catalog name, with or without its hash: exactly as above.
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

/* The most URLs one input line may name. */
#define INPUT_MAX_URLS 16

/* An input line with all the sources it names. */
struct input_sources {
    struct input_entry entry;            /* kind, hash, and text: the name or the first URL */
    size_t nurls;                        /* INPUT_URL: 1..INPUT_MAX_URLS; INPUT_NAME: 0 */
    struct strview urls[INPUT_MAX_URLS]; /* views into the line, in line order */
    bool is_metalink;                    /* the one URL names a Metalink document (".meta4") */
};

/*
 * Parse LINE[0..LEN) (without its LF) in every form above, several URLs
 * and Metalink URLs included. Pure; *OUT is zeroed unless INPUT_ENTRY;
 * its views point into LINE. *WHY is static text for INPUT_BAD and NULL
 * otherwise. A line with one URL or a name gives the same entry as
 * input_parse_line().
 */
enum input_result input_parse_sources(const char *line, size_t len, struct input_sources *out,
                                      const char **why);

/*
 * Parse LINE[0..LEN) (without its LF) as a one-source line: a name or one
 * URL, each with an optional hash; a line with several URLs is INPUT_BAD.
 * A ".meta4" URL is a plain URL here. Names must be valid file names
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

/*
 * True when URL[0..LEN) is an http(s) URL whose path (before any '?' or
 * '#') ends in ".meta4", in any case: a Metalink document. Pure.
 */
bool input_url_is_metalink(const char *url, size_t len);

/* True when S[0..LEN) starts with any URL scheme and "://" ("ftp://..."). */
bool input_has_scheme(const char *s, size_t len);

/*
 * The file name a URL downloads to: the last path segment, percent-decoded
 * and checked as a name; "index.html" when the path ends in '/'. Writes
 * into OUT (CAP bytes). Returns false when no valid name results. Pure.
 */
bool input_url_filename(const char *url, size_t len, char *out, size_t cap);

#endif
