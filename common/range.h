/*
 * common/range.h - HTTP byte ranges (RFC 9110, 14.1 and 14.4): the Range
 * request header for the server, Content-Range for the client.
 */
#ifndef COMMON_RANGE_H
#define COMMON_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a Range header asks for, once resolved against the file's size. */
enum range_result {
    RANGE_OK,            /* out[] holds at least one satisfiable range */
    RANGE_IGNORE,        /* malformed, another unit, or too many parts: send 200 */
    RANGE_UNSATISFIABLE, /* well formed, but nothing of it lies in the file: 416 */
};

/* Most ranges one request may ask for; more and the header is ignored. */
#define RANGE_MAX_PARTS 16

struct byte_range {
    uint64_t first; /* inclusive */
    uint64_t last;  /* inclusive; last < size whenever RANGE_OK */
};

/*
 * Parse VALUE[0..LEN), the text after "Range:", for a representation of
 * SIZE bytes. Accepts "bytes=A-B", "bytes=A-" and "bytes=-N" (any case for
 * the unit), and lists of them. A last byte past the end is clamped to
 * SIZE - 1; a suffix longer than the file selects the whole file. Parts
 * that lie wholly outside the file are dropped; the others are stored in
 * OUT[0..*N) in the order asked, untouched (not sorted, not merged).
 *
 * RANGE_IGNORE for any malformed part, for an unknown unit, for more than
 * MAX parts, and for a suffix on an empty file (RFC 9110: it selects the
 * whole, empty, representation). *N is 0 unless RANGE_OK.
 * VALUE is borrowed: nothing keeps a pointer into it after the call.
 */
enum range_result range_parse_set(const char *value, size_t len, uint64_t size,
                                  struct byte_range *out, size_t max, size_t *n);

/*
 * The single-range form: as range_parse_set() with room for one part, so a
 * list of several parts is RANGE_IGNORE. *OUT is zeroed unless RANGE_OK.
 */
enum range_result range_parse(const char *value, size_t len, uint64_t size, struct byte_range *out);

/* True when R[0..N) are in ascending order and none overlaps another. */
bool range_set_is_ascending(const struct byte_range *r, size_t n);

/* The number of bytes R covers. */
static inline uint64_t range_length(const struct byte_range *r)
{
    return r->last - r->first + 1;
}

/* A parsed Content-Range response header. */
struct content_range {
    bool is_unsatisfied; /* "bytes *" + "/SIZE" (416): no range; has_size is true */
    struct byte_range range;
    bool has_size; /* false when the size is "*" (unknown) */
    uint64_t size;
};

/*
 * Parse a Content-Range value: "bytes A-B/SIZE", or "bytes A-B/" followed
 * by "*" when the size is unknown, or "bytes " "*" "/SIZE" for a 416.
 * Requires A <= B and, with a size, B < SIZE. Returns false for anything
 * else; *OUT is zeroed unless true.
 */
bool range_parse_content_range(const char *value, size_t len, struct content_range *out);

#endif
