/*
 * client/plan.h - how a file is cut into ranges and who downloads what.
 *
 * Pure arithmetic on byte ranges: no I/O, no clock (speeds and times are
 * passed in), no allocation. download.c applies the decisions.
 *
 * The rules: a file starts as equal chunks, one per connection, but never
 * chunks smaller than PLAN_MIN_CHUNK (small files use fewer connections).
 * A connection that runs out of work takes over half of the range that
 * will take longest to finish (remaining bytes / that connection's speed),
 * so a slow connection is relieved before a merely large one. When that
 * range is too small to halve, and its connection is far slower than the
 * idle one, the idle connection takes the whole rest of it: one straggler
 * cannot hold the file at 99%.
 */
#ifndef CLIENT_PLAN_H
#define CLIENT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAN_MAX_CONN  16
#define PLAN_MIN_CHUNK (1u << 20)   /* smallest first chunk worth a connection */
#define PLAN_MIN_STEAL (256u << 10) /* smallest piece handed to another connection */

/* Bytes [start, end). */
struct plan_range {
    uint64_t start;
    uint64_t end;
};

static inline uint64_t plan_range_len(const struct plan_range *r)
{
    return r->end - r->start;
}

/* How many connections a file of SIZE bytes deserves, at most WANT (>= 1). */
unsigned plan_connections(uint64_t size, unsigned want);

/*
 * Cut [0, SIZE) into N equal chunks (the first ones a byte longer when
 * SIZE is not a multiple of N) into OUT[0..N). N must be >= 1.
 */
void plan_split(uint64_t size, unsigned n, struct plan_range *out);

/* One connection's work as the planner sees it. */
struct plan_slot {
    bool is_busy; /* downloading [pos, end) */
    uint64_t pos; /* next byte it will write */
    uint64_t end; /* one past its last byte */
    double speed; /* its recent speed, bytes per second (0: unknown) */
};

struct plan_pick {
    bool has_work;    /* false: nothing worth taking */
    size_t victim;    /* the slot that gives up [from, to) */
    uint64_t from;    /* the victim's new end, and the taker's start */
    uint64_t to;      /* the taker's end (the victim's old end) */
    bool is_takeover; /* the victim gives up all it had left */
};

/*
 * Choose work for an idle connection among SLOTS[0..N), given the speed
 * the idle connection itself last managed (IDLE_SPEED, 0 when unknown).
 * Pure.
 */
struct plan_pick plan_pick(const struct plan_slot *slots, size_t n, double idle_speed);

/* The number of bytes R[0..N) cover (the ranges must not overlap). */
uint64_t plan_ranges_total(const struct plan_range *r, size_t n);

#endif
