/*
 * client/up/uphead.h - read the head of a response to an upload request
 * (PUT, PATCH, HEAD or DELETE), one line at a time as libcurl hands them
 * over, into a struct uphead.
 *
 * Pure: no I/O, no allocation. A status line starts a new response; what
 * a 104 (Upload Resumption Supported) interim response said is kept
 * across it (its Location, when it carries this client's draft interop
 * version, and its Upload-Offset), since the final response may never
 * arrive. Fields that do not parse are ignored, as the draft says; a
 * field given twice is ignored too (two Integers do not make one).
 */
#ifndef CLIENT_UP_UPHEAD_H
#define CLIENT_UP_UPHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "upfield.h"

/* The interop version of the draft this client implements (its appendix). */
#define UPHEAD_INTEROP_VERSION 8

#define UPHEAD_URL_MAX   4096
#define UPHEAD_FIELD_MAX 128

struct uphead {
    long status; /* of the latest response; 0 before any */
    bool has_offset;
    uint64_t offset; /* Upload-Offset */
    bool has_complete;
    bool is_complete; /* Upload-Complete */
    bool has_length;
    uint64_t length; /* Upload-Length */
    bool has_limit;
    struct upfield_limit limit;          /* Upload-Limit */
    char location[UPHEAD_URL_MAX];       /* the raw Location value; "" when none or too long */
    bool has_digest;                     /* Repr-Digest gave a SHA-256 */
    uint8_t sha256[SHA256_LEN];          /* ... of what the server stored */
    char retry_after[UPHEAD_FIELD_MAX];  /* "" when none */
    char date[UPHEAD_FIELD_MAX];         /* "" when none */
    char content_type[UPHEAD_FIELD_MAX]; /* "" when none or too long */
    bool has_interop;
    uint64_t interop; /* Upload-Draft-Interop-Version */
    unsigned seen;    /* which fields came already (internal) */

    /* Kept across responses: what the latest usable 104 said. */
    char interim_location[UPHEAD_URL_MAX]; /* "" when none */
    bool has_interim_offset;
    uint64_t interim_offset;
    const char *bad_line; /* a line that does not parse (static text), NULL when none */
};

enum uphead_line {
    UPHEAD_STATUS, /* a status line: the fields were reset */
    UPHEAD_FIELD,  /* a header field (used or ignored) */
    UPHEAD_END,    /* the blank line that ends a head */
    UPHEAD_BAD,    /* not a header line: h->bad_line says why */
};

/* Start over for a new request (everything zeroed). */
void uphead_init(struct uphead *h);

/* Read one LINE (with or without its CRLF) into *H. */
enum uphead_line uphead_parse_line(struct uphead *h, const char *line, size_t len);

#endif
