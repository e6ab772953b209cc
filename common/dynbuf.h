/*
 * common/dynbuf.h - a growable byte buffer with a ceiling, in the manner
 * of curl's dynbuf: every buffer that grows says how far it may grow.
 */
#ifndef COMMON_DYNBUF_H
#define COMMON_DYNBUF_H

#include <stddef.h>

struct dynbuf {
    char *p;    /* NUL-terminated once anything was added; NULL before */
    size_t len; /* bytes held, without the NUL */
    size_t cap;
    size_t max; /* the most it may hold */
};

/* An empty buffer that may hold up to MAX bytes. */
void dynbuf_init(struct dynbuf *b, size_t max);

/* Append N bytes. 0, -E2BIG past the maximum, or -ENOMEM (B unchanged). */
int dynbuf_add(struct dynbuf *b, const void *p, size_t n);

/* Append a NUL-terminated string. */
int dynbuf_add_str(struct dynbuf *b, const char *s);

/*
 * Hand the contents over: a NUL-terminated buffer (owned by the caller:
 * free(); "" when nothing was added) and its length in *LEN. NULL when
 * out of memory. B is empty afterwards.
 */
char *dynbuf_take(struct dynbuf *b, size_t *len);

/* Release the contents; B is empty afterwards. */
void dynbuf_free(struct dynbuf *b);

#endif
