/*
 * server/timerheap.c - an intrusive binary min-heap keyed by deadline.
 */
#include "timerheap.h"

#include <errno.h>
#include <stdlib.h>

void timerheap_init(struct timerheap *h)
{
    h->v = NULL;
    h->n = 0;
    h->cap = 0;
}

void timerheap_cleanup(struct timerheap *h)
{
    for (size_t i = 0; i < h->n; i++)
        h->v[i]->idx = SIZE_MAX;
    free(h->v);
    timerheap_init(h);
}

static void place(struct timerheap *h, size_t i, struct timer_node *t)
{
    h->v[i] = t;
    t->idx = i;
}

static void sift_up(struct timerheap *h, size_t i)
{
    struct timer_node *t = h->v[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (h->v[parent]->when <= t->when)
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(struct timerheap *h, size_t i)
{
    struct timer_node *t = h->v[i];

    for (;;) {
        size_t child = 2 * i + 1;

        if (child >= h->n)
            break;
        if (child + 1 < h->n && h->v[child + 1]->when < h->v[child]->when)
            child++;
        if (t->when <= h->v[child]->when)
            break;
        place(h, i, h->v[child]);
        i = child;
    }
    place(h, i, t);
}

int timerheap_set(struct timerheap *h, struct timer_node *t, uint64_t when)
{
    if (timer_node_is_armed(t)) {
        uint64_t old = t->when;

        t->when = when;
        if (when < old)
            sift_up(h, t->idx);
        else
            sift_down(h, t->idx);
        return 0;
    }
    if (h->n == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 64;
        struct timer_node **v = realloc(h->v, ncap * sizeof(*v));

        if (v == NULL)
            return -ENOMEM;
        h->v = v;
        h->cap = ncap;
    }
    t->when = when;
    place(h, h->n++, t);
    sift_up(h, t->idx);
    return 0;
}

void timerheap_remove(struct timerheap *h, struct timer_node *t)
{
    size_t i = t->idx;
    struct timer_node *last;

    if (!timer_node_is_armed(t))
        return;
    t->idx = SIZE_MAX;
    last = h->v[--h->n];
    if (i == h->n)
        return;
    place(h, i, last);
    if (i > 0 && h->v[(i - 1) / 2]->when > last->when)
        sift_up(h, i);
    else
        sift_down(h, i);
}

struct timer_node *timerheap_peek(const struct timerheap *h)
{
    return h->n > 0 ? h->v[0] : NULL;
}

struct timer_node *timerheap_pop_due(struct timerheap *h, uint64_t now)
{
    struct timer_node *t = timerheap_peek(h);

    if (t == NULL || t->when > now)
        return NULL;
    timerheap_remove(h, t);
    return t;
}
