/*
 * client/resphead.h - read the header lines of an HTTP response into a
 * struct fetch_info, one line at a time, as libcurl hands them over.
 *
 * Pure: no I/O, no allocation. A status line starts a new response (a
 * redirect, a 100 Continue), so only the last response's fields remain.
 */
#ifndef CLIENT_RESPHEAD_H
#define CLIENT_RESPHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"

enum resphead_line {
    RESPHEAD_STATUS, /* a status line: *INFO was reset and has the status */
    RESPHEAD_FIELD,  /* a header field (used or ignored) */
    RESPHEAD_END,    /* the blank line that ends a head */
    RESPHEAD_BAD,    /* not a header line */
};

/* Read one LINE (with or without its CRLF) into *INFO. */
enum resphead_line resphead_parse_line(struct fetch_info *info, const char *line, size_t len);

/* Plain words for an HTTP STATUS that is not the answer asked for
 * ("not found on the server"); static text. */
const char *resphead_status_words(long status);

/* True when STATUS is a redirect libcurl follows (301, 302, 303, 307, 308). */
bool resphead_is_redirect(long status);

/*
 * A SHA-256 from a Repr-Digest value ("sha-256=:BASE64:", other algorithms
 * in the list skipped) or from an RFC 3230 Digest value ("SHA-256=BASE64").
 */
bool resphead_repr_digest(const char *v, size_t len, uint8_t out[SHA256_LEN]);
bool resphead_digest(const char *v, size_t len, uint8_t out[SHA256_LEN]);

/*
 * Add what one Link field value V[0..LEN) says to *LINKS (a response may
 * have several Link fields: *LINKS is not reset). RFC 8288: a list of
 * link-values "<URI-Reference>" followed by ";"-separated parameters
 * (token or quoted-string values), separated by commas; commas inside
 * the <...> or a quoted string do not separate. Only a link's first rel
 * counts; it is a space-separated list of relation types, compared in
 * any case. Each link whose rel holds "duplicate" counts in nduplicate;
 * the first whose rel holds "describedby" and whose type is
 * "application/metalink4+xml" (any case) fills describedby, unless its
 * target is empty, holds a space, a control byte or DEL, or does not fit.
 * Returns false when the value is malformed; the links before the bad
 * one are kept. Pure.
 */
bool resphead_parse_link(const char *v, size_t len, struct fetch_links *links);

/*
 * Resolve REF, a Link target, against BASE, the URL of the request that
 * got it, into OUT (CAP bytes): an absolute http:// or https:// REF as it
 * is; "//host/p" with BASE's scheme; "/p" with BASE's scheme and
 * authority; another relative REF against BASE's directory (no dot
 * segments are removed: servers see them as sent). False when REF has
 * another scheme, BASE is not http(s), or the result does not fit. Pure.
 */
bool resphead_link_resolve(const char *base, const char *ref, char *out, size_t cap);

#endif
