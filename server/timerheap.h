/*
 * server/timerheap.h - a binary min-heap of deadlines, one per connection.
 *
 * A node lives inside the object it times (a connection), so setting,
 * moving and removing a deadline cost O(log n) and allocate only when the
 * heap's array grows. Not thread-safe: each worker owns its heap.
 */
#ifndef SERVER_TIMERHEAP_H
#define SERVER_TIMERHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer_node {
    uint64_t when; /* deadline, in the caller's clock */
    size_t idx;    /* position in the heap; SIZE_MAX when not in it */
};

struct timerheap {
    struct timer_node **v;
    size_t n;
    size_t cap;
};

static inline void timer_node_init(struct timer_node *t)
{
    t->when = 0;
    t->idx = SIZE_MAX;
}

static inline bool timer_node_is_armed(const struct timer_node *t)
{
    return t->idx != SIZE_MAX;
}

void timerheap_init(struct timerheap *h);

/* Free the array. Nodes still in the heap are simply forgotten. */
void timerheap_cleanup(struct timerheap *h);

/* Arm T for WHEN, or move it there if armed. Returns 0 or -ENOMEM. */
int timerheap_set(struct timerheap *h, struct timer_node *t, uint64_t when);

/* Disarm T; a node that is not armed is fine. */
void timerheap_remove(struct timerheap *h, struct timer_node *t);

/* The earliest node, or NULL when the heap is empty. */
struct timer_node *timerheap_peek(const struct timerheap *h);

/* Remove and return the earliest node whose deadline is <= NOW, or NULL. */
struct timer_node *timerheap_pop_due(struct timerheap *h, uint64_t now);

#endif
