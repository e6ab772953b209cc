/*
 * server/sfv.h - Structured Field Values (RFC 9651), as far as uploads
 * need them: an Item (Upload-Complete: ?1, Upload-Offset: 42,
 * Upload-Length: 42) and a Dictionary (Repr-Digest: sha-256=:BASE64:,
 * Content-Digest, Upload-Limit).
 *
 * Strict, as the RFC asks of a parser: a value that does not parse as a
 * whole is invalid, and the caller ignores (or refuses) the whole field.
 * Every bare-item type is recognised (Integer, Decimal, String, Token,
 * Byte Sequence, Boolean, Date, Display String), as are parameters and
 * inner lists, so a valid field with members we do not use still parses.
 * Parameters are checked and skipped.
 *
 * Pure: no I/O, no allocation, no globals. Results are views into the
 * caller's text.
 */
#ifndef SERVER_SFV_H
#define SERVER_SFV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strview.h"

/* RFC 9651 3.3.1: at most 15 digits. */
#define SFV_INTEGER_MAX 999999999999999LL

enum sfv_type {
    SFV_INTEGER,
    SFV_DECIMAL,
    SFV_STRING,
    SFV_TOKEN,
    SFV_BYTES,
    SFV_BOOLEAN,
    SFV_DATE,
    SFV_DISPLAY,
    SFV_INNER_LIST,
};

struct sfv_item {
    enum sfv_type type;
    int64_t integer;     /* SFV_INTEGER and SFV_DATE: the value; SFV_BOOLEAN: 0 or 1 */
    struct strview text; /* the bare item as written; for SFV_BYTES only the base64
                            between the colons, for SFV_STRING what lies between the
                            quotes (escapes kept) */
};

/*
 * Parse FIELD (one field line's value) as an Item: a bare item and its
 * parameters, with leading and trailing spaces allowed. Returns true and
 * fills *OUT for a valid Item; false otherwise (*OUT unspecified).
 */
bool sfv_parse_item(struct strview field, struct sfv_item *out);

/*
 * Parse FIELD as a Dictionary and look up KEY in it (when several
 * members have that key, the last one counts, as RFC 9651 4.2.2 says).
 * Returns false when FIELD is not a valid Dictionary. Otherwise returns
 * true, with *FOUND telling whether KEY is there and *OUT its value (a
 * key without "=" is the Boolean true, with an empty TEXT; an inner list is SFV_INNER_LIST
 * with TEXT spanning the parentheses). An empty FIELD is a valid, empty
 * Dictionary.
 */
bool sfv_dict_find(struct strview field, const char *key, bool *found, struct sfv_item *out);

#endif
