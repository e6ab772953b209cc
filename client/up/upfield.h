/*
 * client/up/upfield.h - the values of the resumable-upload header fields
 * (draft-ietf-httpbis-resumable-upload): Upload-Offset, Upload-Length and
 * Upload-Draft-Interop-Version (Structured Field Integers, RFC 9651),
 * Upload-Complete (a Boolean), Upload-Limit (a Dictionary), and the
 * Location of an upload resource, resolved against the request's URL.
 *
 * Pure: no I/O, no allocation. A value that is not what the draft says
 * is ignored whole (the draft: "Other values MUST cause the entire header
 * field to be ignored"), so every parser answers false and leaves its
 * output zeroed.
 */
#ifndef CLIENT_UP_UPFIELD_H
#define CLIENT_UP_UPFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest sf-integer: 15 digits. */
#define UPFIELD_INT_MAX 999999999999999ull

/*
 * A non-negative Integer Item (parameters allowed and ignored), with
 * optional spaces around it: "1048576", " 7;x=1 ". False for a negative
 * number, a Decimal, 16 digits or more, another type, or trailing bytes.
 */
bool upfield_integer(const char *v, size_t len, uint64_t *out);

/* A Boolean Item: "?1" true, "?0" false (parameters ignored). */
bool upfield_boolean(const char *v, size_t len, bool *out);

/* Upload-Limit: the members this client knows (others are ignored). */
struct upfield_limit {
    bool has_max_size;
    uint64_t max_size;
    bool has_min_size;
    uint64_t min_size;
    bool has_max_append;
    uint64_t max_append; /* max-append-size */
    bool has_min_append;
    uint64_t min_append; /* min-append-size */
    bool has_max_age;
    uint64_t max_age; /* seconds */
};

/*
 * The Dictionary of Upload-Limit: "max-size=1073741824, max-age=86400".
 * Unknown keys are skipped whatever their value; a known key whose value
 * is not a non-negative Integer makes the whole field ignored (false).
 * A key given twice keeps its last value (RFC 9651 4.2.2).
 */
bool upfield_limit(const char *v, size_t len, struct upfield_limit *out);

enum upfield_loc {
    UPFIELD_LOC_OK,
    UPFIELD_LOC_BAD,     /* not a usable URI reference (space, control byte, dot segment...) */
    UPFIELD_LOC_FOREIGN, /* an absolute URL on another origin: the token must not go there */
};

/*
 * Resolve the Location value V[0..LEN) against BASE, the absolute
 * http:// or https:// URL of the request it answered, into OUT (CAP
 * bytes). An absolute URL must have BASE's origin (scheme, host and port,
 * the default port equal to none); "/path" and "//authority/path" are
 * taken on BASE's scheme; a relative path replaces BASE's last segment.
 * A fragment is dropped. Dot segments ("." or ".." as a whole segment)
 * are refused rather than resolved. OUT is "" unless UPFIELD_LOC_OK.
 */
enum upfield_loc upfield_location(const char *base, const char *v, size_t len, char *out,
                                  size_t cap);

/*
 * The origin of URL ("http://127.0.0.1:8080/x" gives "http://127.0.0.1:8080")
 * and the path after it ("/x"; "" when none). False when URL is not an
 * absolute http:// or https:// URL with a host. ORIGIN_LEN and *PATH are
 * views into URL.
 */
bool upfield_split_url(const char *url, size_t len, size_t *origin_len, const char **path);

#endif
