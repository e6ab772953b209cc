/*
 * server/meta4.h - Metalink 4 documents (RFC 5854) for published files:
 * what a client such as aria2c needs to fetch one file from several
 * servers at once and verify it piece by piece.
 *
 * Pure functions: the document is rendered from a catalog entry's facts
 * and a list of base URLs (this server's public URL and each --mirror,
 * all holding the same tree); serving it (GET /PATH.meta4) or writing it
 * beside the file (--write-catalog-only) is the caller's business. Every
 * attribute and text is XML-escaped; a name XML cannot carry is refused.
 */
#ifndef SERVER_META4_H
#define SERVER_META4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pieces.h"
#include "sha256.h"
#include "strview.h"

#define META4_SUFFIX     ".meta4"
#define META4_MEDIA_TYPE "application/metalink4+xml"
#define META4_MAX_URLS   32 /* base URLs one document lists */
#define META4_URL_MAX    2048
#define META4_LINKS_MAX  1024 /* bytes of Link and Vary headers a file's response carries */

/* One place the tree is served from. */
struct meta4_url {
    const char *base;  /* an absolute http:// or https:// URL: meta4_base_url_check() passed */
    unsigned priority; /* RFC 5854 4.2.16.2: 1 (most preferred) to 999999; 0: no attribute */
};

/*
 * Check URL as a base URL: "http://" or "https://" (either case), a
 * non-empty authority, an optional path, at most META4_URL_MAX bytes, no
 * query or fragment, and only printable ASCII without spaces, quotes,
 * '<', '>' or a backslash. Returns NULL when it is fine, else a short
 * reason (static text) for the user. Pure.
 */
const char *meta4_base_url_check(const char *url);

/*
 * Render the document for the file NAME (a catalog path that passed
 * name_path_check(): "iso/debian.iso", given as <file name=...>) of SIZE
 * bytes with the whole-file SHA256 and PIECES (NULL: no <pieces>; an
 * empty file has none either), with one <url> per URLS[i]: its base, one
 * '/' unless it ends in one, and NAME percent-encoded component by
 * component. Returns a new NUL-terminated buffer (owned by the caller:
 * free()) and its length in *LEN; NULL when out of memory, when NURLS is
 * 0 or above META4_MAX_URLS, or when NAME holds a character XML 1.0
 * cannot carry (U+FFFE, U+FFFF). Pure but for malloc.
 */
char *meta4_render(const char *name, uint64_t size, const uint8_t sha256[SHA256_LEN],
                   const struct pieces *pieces, const struct meta4_url *urls, size_t nurls,
                   size_t *len);

/*
 * When BASE (one path component) is "STEM.meta4" with a non-empty STEM,
 * the length of STEM; else 0. The scan leaves such a file out of the
 * catalog when a regular file STEM sits beside it: it is that file's
 * Metalink (written by --write-catalog-only), not content. Pure.
 */
size_t meta4_stem_len(const char *base);

/*
 * The headers a response for the published file NAME carries (RFC 6249):
 * "Link: <MIRROR/PATH>; rel=duplicate" for each of MIRRORS[0..N) (base
 * URLs that passed meta4_base_url_check()) while they fit, then always
 * "Link: </PATH.meta4>; rel=describedby; type=\"application/metalink4+xml\""
 * and "Vary: Accept" (the same URL gives the Metalink to a client that
 * asks for it), PATH percent-encoded and each line ending in CRLF, into
 * OUT (CAP bytes, NUL added). Mirrors that do not fit are left out (the
 * document lists them all). Returns the length, or 0 (OUT empty) when
 * not even the last two lines fit or memory ran out. Pure but for malloc.
 */
size_t meta4_file_headers(const char *name, const char *const *mirrors, size_t n, char *out,
                          size_t cap);

/*
 * Whether an Accept header's value VALUE[0..LEN) prefers a Metalink to
 * the file itself, of media type FILE_TYPE (its parameters are ignored):
 * the q of the most specific range that matches application/metalink4+xml
 * (the type itself, then "application/" plus a star, then the range of
 * every type: star, slash, star; in any case) is above the q of the most
 * specific range that matches FILE_TYPE (none: 0). So
 * "application/metalink4+xml" alone, or with a lower q for the others,
 * asks for the Metalink, while aria2c's default Accept (every type, then
 * application/metalink4+xml, both q=1) and curl's (every type) get the
 * file: aria2c would otherwise save the document under the file's name.
 * A malformed q counts as 0. Pure.
 */
bool meta4_accept_prefers(const char *value, size_t len, const char *file_type);

/*
 * This server's base URL as a client reached it, into OUT (CAP bytes):
 * "http://" and HOST (the request's Host value, checked by the parser),
 * with the port of LOCAL_ADDR (the address the connection came in on,
 * "127.0.0.1:8080" or "[::1]:8080") added when HOST names none and that
 * port is not 80 (wget2 1.99 sends "Host: 127.0.0.1" to port 8080); with
 * an empty HOST, LOCAL_ADDR itself. Returns the length, or 0 (OUT empty)
 * when it does not fit or is no base URL meta4_base_url_check() takes.
 * Pure.
 */
size_t meta4_self_url(struct strview host, const char *local_addr, char *out, size_t cap);

#endif
