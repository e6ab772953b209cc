/*
 * common/dynbuf.c - a bounded growable buffer.
 */
#include "dynbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void dynbuf_init(struct dynbuf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int dynbuf_add(struct dynbuf *b, const void *p, size_t n)
{
    if (n > b->max - b->len)
        return -E2BIG;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        char *np;

        while (ncap < b->len + n + 1)
            ncap = ncap > b->max / 2 ? b->max + 1 : ncap * 2;
        np = realloc(b->p, ncap);
        if (np == NULL)
            return -ENOMEM;
        b->p = np;
        b->cap = ncap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int dynbuf_add_str(struct dynbuf *b, const char *s)
{
    return dynbuf_add(b, s, strlen(s));
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
    char *p = b->p;

    *len = b->len;
    if (p == NULL)
        p = calloc(1, 1);
    dynbuf_init(b, b->max);
    return p;
}

void dynbuf_free(struct dynbuf *b)
{
    free(b->p);
    dynbuf_init(b, b->max);
}
