/*
 * server/pieces.c - the piece size rule and shared blocks of piece hashes.
 */
#include "pieces.h"

#include <stdlib.h>
#include <string.h>

uint64_t pieces_size_for(uint64_t size)
{
    uint64_t p = PIECES_MIN_SIZE;

    /* Compared as size / p so nothing overflows near 2^64. */
    while (pieces_count(size, p) > PIECES_MAX_COUNT)
        p <<= 1;
    return p;
}

uint64_t pieces_count(uint64_t size, uint64_t piece_size)
{
    return size / piece_size + (size % piece_size != 0);
}

struct pieces *pieces_new(uint64_t size)
{
    uint64_t ps = pieces_size_for(size);
    size_t n = (size_t)pieces_count(size, ps);
    struct pieces *p = calloc(1, sizeof(*p) + n * SHA256_LEN);

    if (p == NULL)
        return NULL;
    atomic_init(&p->refs, 1);
    p->piece_size = ps;
    p->n = n;
    return p;
}

struct pieces *pieces_ref(struct pieces *p)
{
    if (p != NULL)
        atomic_fetch_add(&p->refs, 1);
    return p;
}

void pieces_unref(struct pieces *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
        free(p);
}

bool pieces_equal(const struct pieces *a, const struct pieces *b)
{
    if (a == b)
        return true; /* shared by reference: the common case of a rescan */
    if (a == NULL || b == NULL)
        return false;
    return a->piece_size == b->piece_size && a->n == b->n &&
           memcmp(a->hash, b->hash, a->n * SHA256_LEN) == 0;
}
