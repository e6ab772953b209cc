/*
 * client/mirror/metalink.h - read a Metalink 4 document (RFC 5854): what
 * one file is (name, size, SHA-256, piece hashes) and where it can be
 * fetched (its <url> list).
 *
 * What is read, for the one <file> chosen (see metalink_parse()):
 *
 *     <metalink xmlns="urn:ietf:params:xml:ns:metalink">
 *       <file name="iso/debian.iso">
 *         <size>658505728</size>                        required
 *         <hash type="sha-256">3f1a...64 hex</hash>     optional
 *         <pieces length="1048576" type="sha-256">      optional
 *           <hash>...</hash> ...                        in file order
 *         </pieces>
 *         <url priority="1" location="de">https://a.example/iso/debian.iso</url>
 *         <url>http://b.example/iso/debian.iso</url>    at least one http(s)
 *       </file>
 *     </metalink>
 *
 * The rules, each refusal with a message in plain words:
 *   - The root is <metalink> in the namespace urn:ietf:params:xml:ns:metalink.
 *     A Metalink 3 document (namespace http://www.metalinker.org/) is
 *     refused by name. Elements and attributes this reader does not use
 *     (descriptions, signatures, <metaurl> torrents, other namespaces) are
 *     skipped.
 *   - A DOCTYPE is refused outright, so no entity is ever declared,
 *     expanded or fetched (RFC 5854 documents have none).
 *   - The file's name must be a relative path by common/name.h's
 *     name_path_check(): no "..", no absolute path, no hidden component.
 *     A file without a name attribute, or two files with the name asked
 *     for, make the document ambiguous: refused.
 *   - <size> is required (a file without a size cannot be split), once,
 *     decimal digits around optional whitespace, at most INT64_MAX.
 *   - <hash type="sha-256"> is 64 hex digits in either case; two that
 *     differ are refused. Hashes of other types are ignored.
 *   - <pieces type="sha-256" length="L"> must hold exactly ceil(size / L)
 *     <hash> children, each 64 hex digits; L > 0. A wrong count refuses
 *     the whole document rather than just its pieces: a document whose
 *     piece list does not match its own size is inconsistent, and
 *     downloading by it without piece checks would hide that. Pieces of
 *     other types are ignored; two sha-256 <pieces> are refused.
 *   - <url>: http:// and https:// URLs usable by input_url_ok() are kept,
 *     with whitespace around them trimmed, duplicates (byte for byte)
 *     dropped, at most METALINK_MAX_URLS; each at most METALINK_MAX_URL_LEN
 *     bytes. Other schemes, unusable or over-long URLs and those past the
 *     cap are counted in nurls_ignored, not refused. No URL kept is an
 *     error. The list is sorted by priority (1 first, RFC 5854 4.2.16.2),
 *     keeping document order among equals; a URL without a valid priority
 *     (1..999999) comes last, with METALINK_PRIORITY_NONE. A location that
 *     is not two ASCII letters is dropped; one that is is kept lowercase.
 *   - Bounds: the document at most METALINK_MAX_DOC bytes, any attribute
 *     value at most METALINK_MAX_ATTR bytes, an element's text at most
 *     METALINK_MAX_TEXT bytes, at most METALINK_MAX_PIECES pieces.
 *
 * Pure: no I/O, no globals; memory is allocated only for the result, which
 * the caller releases with metalink_free().
 */
#ifndef CLIENT_MIRROR_METALINK_H
#define CLIENT_MIRROR_METALINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define METALINK_NS            "urn:ietf:params:xml:ns:metalink"
#define METALINK3_NS           "http://www.metalinker.org/"
#define METALINK_MAX_DOC       (8u << 20) /* bytes in a document */
#define METALINK_MAX_ATTR      4096       /* bytes in one attribute value (a path fits) */
#define METALINK_MAX_TEXT      8192       /* bytes of text in one element, whitespace included */
#define METALINK_MAX_URL_LEN   2048       /* bytes in one kept URL */
#define METALINK_MAX_URLS      64         /* URLs kept for a file */
#define METALINK_MAX_PIECES    (1u << 20) /* piece hashes for a file */
#define METALINK_PRIORITY_MAX  999999u
#define METALINK_PRIORITY_NONE METALINK_PRIORITY_MAX /* no priority given: last */

/* One place the file can be fetched from. */
struct metalink_url {
    char *url;         /* owned; NUL-terminated, passes input_url_ok() */
    unsigned priority; /* 1 (preferred) .. METALINK_PRIORITY_MAX */
    char location[3];  /* ISO 3166-1 alpha-2 code in lowercase, or "" */
};

/* One file as a Metalink describes it. */
struct metalink {
    char *name;    /* owned; a valid relative path (name_path_check) */
    uint64_t size; /* bytes, at most INT64_MAX */
    bool has_sha256;
    uint8_t sha256[SHA256_LEN];    /* the whole file's, when has_sha256 */
    uint64_t piece_len;            /* 0: no piece hashes */
    size_t npieces;                /* ceil(size / piece_len) when piece_len > 0, else 0 */
    uint8_t (*pieces)[SHA256_LEN]; /* owned; npieces hashes, piece i at bytes [i*len, ...) */
    struct metalink_url *urls;     /* owned; nurls entries, best priority first */
    size_t nurls;                  /* 1 .. METALINK_MAX_URLS */
    size_t nurls_ignored;          /* <url>s not kept: other schemes, bad, duplicate, cap */
};

/*
 * Parse the Metalink 4 document BUF[0..LEN) and describe one of its files
 * in *OUT: the one named WANT_NAME (exact bytes) when WANT_NAME is not
 * NULL, otherwise the first one. BUF and WANT_NAME are borrowed.
 *
 * Returns 0 with *OUT filled (owned by the caller: metalink_free()), or
 * -EINVAL (the document is refused by the rules above) or -ENOMEM, with
 * *OUT zeroed and a one-line reason in WHY (WHYCAP bytes, NUL-terminated,
 * always written when WHYCAP > 0; "" on success).
 */
int metalink_parse(const char *buf, size_t len, const char *want_name, struct metalink *out,
                   char *why, size_t whycap);

/* Release what *M owns and zero it. NULL, or a zeroed *M, is fine. */
void metalink_free(struct metalink *m);

#endif
