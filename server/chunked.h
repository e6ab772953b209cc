/*
 * server/chunked.h - decode a request body sent with Transfer-Encoding:
 * chunked (RFC 9112, 7.1), incrementally and strictly.
 *
 * Pure and non-allocating: the caller owns the state, feeds it whatever
 * bytes it has (any split, one byte at a time or all at once), and gets
 * back how many it consumed and the decoded data as views into its own
 * input, one contiguous view per call, ready for a sink (discarded today;
 * written to a file by the upload code). Trailer fields are validated and,
 * when the caller lends a buffer, kept for it to read once the body is
 * done (an upload's Content-Digest trailer, for one).
 *
 *     struct chunked d;
 *     chunked_init(&d, &limits, trailers, sizeof(trailers));
 *     while (len > 0) {
 *         r = chunked_feed(&d, in, len, &used, &data);
 *         in += used, len -= used;
 *         if (r == CHUNKED_DATA) sink(data.p, data.len);
 *         else if (r != CHUNKED_NEED_MORE) break;   (done, or an error)
 *     }
 */
#ifndef SERVER_CHUNKED_H
#define SERVER_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strview.h"

/* Hex digits of one chunk size, leading zeros included: 16 fill a uint64_t. */
#define CHUNKED_MAX_SIZE_DIGITS 16

/* Defaults for struct chunked_limits. */
#define CHUNKED_DEFAULT_MAX_EXT     1024 /* bytes of extensions on one chunk line */
#define CHUNKED_DEFAULT_MAX_TRAILER 8192 /* bytes of the trailer section */

struct chunked_limits {
    uint64_t max_body;  /* decoded data bytes allowed; UINT64_MAX: no limit */
    size_t max_ext;     /* bytes after a chunk size up to its CRLF (";a=b;c") */
    size_t max_trailer; /* bytes of the trailer section, CRLFs included */
};

enum chunked_result {
    CHUNKED_NEED_MORE, /* every byte given was consumed; the body goes on */
    CHUNKED_DATA,      /* *DATA holds decoded body bytes, a view into the input */
    CHUNKED_DONE,      /* the body is complete: last chunk, trailers, final CRLF */
    CHUNKED_BAD,       /* malformed (400); the reason is in d->error */
    CHUNKED_TOO_LARGE, /* more data than limits.max_body (413); d->error says so */
};

/* The decoder's state. Fields are private except where marked. */
struct chunked {
    struct chunked_limits lim;
    int state;
    uint64_t left;     /* data bytes of the current chunk still to come */
    unsigned digits;   /* hex digits of the chunk size so far */
    size_t ext_len;    /* bytes of extensions on this chunk line so far */
    size_t tr_len;     /* bytes of the trailer section so far */
    char *tr_buf;      /* the caller's buffer for trailer fields, or NULL */
    size_t tr_cap;     /* its size */
    size_t tr_stored;  /* bytes kept in it */
    uint64_t total;    /* public: decoded data bytes so far */
    const char *error; /* public: why, after CHUNKED_BAD or CHUNKED_TOO_LARGE */
};

/*
 * Start decoding a body with the limits LIM (copied). TRAILERS, when not
 * NULL, is a buffer of CAP bytes (borrowed until the decoder is no longer
 * used) in which the trailer fields are kept for chunked_trailer_next();
 * a trailer section that does not fit in it is CHUNKED_BAD, whatever
 * LIM->max_trailer says. With TRAILERS NULL, trailers are checked and
 * dropped.
 */
void chunked_init(struct chunked *d, const struct chunked_limits *lim, char *trailers, size_t cap);

/*
 * Decode from IN[0..LEN). Sets *CONSUMED to the bytes of IN that were
 * used (the caller continues at IN + *CONSUMED) and returns:
 *   CHUNKED_DATA: *DATA is the next piece of decoded body, a view into IN
 *     ending at IN + *CONSUMED; call again for the rest;
 *   CHUNKED_NEED_MORE: *CONSUMED == LEN; call again when more arrives;
 *   CHUNKED_DONE: the body ended at IN + *CONSUMED; what follows is the
 *     next request's;
 *   CHUNKED_BAD, CHUNKED_TOO_LARGE: the body cannot be decoded.
 * Once DONE or an error has been returned, every later call returns it
 * again and consumes nothing. *DATA is empty unless CHUNKED_DATA.
 */
enum chunked_result chunked_feed(struct chunked *d, const char *in, size_t len, size_t *consumed,
                                 struct strview *data);

/*
 * The trailer fields kept (see chunked_init), one per call: set *POS to 0
 * for the first; returns false when there are no more. NAME and VALUE are
 * views into the caller's trailer buffer; VALUE without leading and
 * trailing whitespace. Always false until chunked_feed() has returned
 * CHUNKED_DONE: fields of a body that failed or has not ended are not
 * handed out.
 */
bool chunked_trailer_next(const struct chunked *d, size_t *pos, struct strview *name,
                          struct strview *value);

/* The first kept trailer field called NAME (any case) into *VALUE; false if none. */
bool chunked_trailer_find(const struct chunked *d, const char *name, struct strview *value);

#endif
