/*
 * client/plan.h - how a file is cut into ranges and who downloads what.
 *
 * Pure arithmetic on byte ranges: no I/O, no clock (speeds and times are
 * passed in), no allocation. download.c applies the decisions.
 *
 * The rules: a file gets one connection per PLAN_MIN_CHUNK, at most as
 * many as asked (small files use fewer). The connections take pieces in
 * file order (plan_next()): each one, when it is done with a piece, takes
 * the next free one, so the written prefix of the file grows at the
 * download's full rate and the SHA-256 can follow it; each connection
 * still fetches about an equal share. Pieces are long enough that the
 * wait for each answer costs little even on a distant server, and shrink
 * towards the end so that the connections finish together
 * (plan_piece_len()). A connection that runs out of work takes over half
 * of the range that will take longest to finish (remaining bytes / that
 * connection's speed), so a slow connection is relieved before a merely
 * large one. When that range is too small to halve, and its connection is
 * far slower than the idle one, the idle connection takes the whole rest
 * of it; it does the same, even while free pieces remain, for a
 * connection so slow that it would hold up the prefix for seconds: one
 * straggler cannot hold the file at 99%, nor its hash.
 */
#ifndef CLIENT_PLAN_H
#define CLIENT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAN_MAX_CONN    16
#define PLAN_MIN_CHUNK   (1u << 20)     /* bytes of file per connection, at least */
#define PLAN_MIN_STEAL   (256u << 10)   /* smallest piece handed to another connection */
#define PLAN_PIECE_MIN   (4u << 20)     /* pieces are at least this long, but near the end */
#define PLAN_PIECE_MAX   (64u << 20)    /* ... and at most this long */
#define PLAN_PIECE_FLOOR PLAN_MIN_STEAL /* the shortest piece, near the end */
#define PLAN_PIECE_WAITS 50             /* a piece lasts at least this many waits for an answer */

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

/* What plan_piece_len() weighs. */
struct plan_piece_in {
    uint64_t free; /* bytes no connection has taken yet */
    unsigned n;    /* connections sharing them (0 is taken as 1) */
    double speed;  /* one connection's recent speed, bytes per second (0: unknown) */
    double wait;   /* seconds from a request to the first byte of its answer (0: unknown) */
};

/*
 * The length of the next piece a connection takes: long enough that the
 * wait for its answer is at most 1/PLAN_PIECE_WAITS of its transfer,
 * within [PLAN_PIECE_MIN, PLAN_PIECE_MAX]; shorter once the free bytes
 * run low (half of each connection's share of them, so that all finish
 * together), but never shorter than PLAN_PIECE_FLOOR or than the wait
 * allows; never more than IN->free. Pure.
 */
uint64_t plan_piece_len(const struct plan_piece_in *in);

/*
 * Take the next piece from the free ranges R[0..*N) (disjoint, any
 * order): the first PIECE bytes of the one that starts lowest, or all of
 * it when less than PIECE + PLAN_PIECE_FLOOR is left, into *OUT; what is
 * left stays in R (empty ranges are dropped). False when R holds no byte.
 * Pure.
 */
bool plan_take_piece(struct plan_range *r, size_t *n, uint64_t piece, struct plan_range *out);

/* What plan_next() decided for an idle connection. */
enum plan_action {
    PLAN_NOTHING, /* nothing worth taking */
    PLAN_PIECE,   /* take the piece in plan_next's *piece (removed from the free ranges) */
    PLAN_STEAL,   /* take pick.from..pick.to from slot pick.victim (see plan_pick) */
};

struct plan_next {
    enum plan_action action;
    struct plan_range piece; /* for PLAN_PIECE */
    struct plan_pick pick;   /* for PLAN_STEAL */
};

/*
 * Work for an idle connection whose own speed is IDLE_SPEED, given the
 * busy SLOTS[0..N), the free ranges FREE[0..*NFREE) and the length of a
 * piece now (plan_piece_len()). In this order: the whole rest of a
 * straggler's range (a busy connection with a known speed that needs
 * more than 2 s, and 4 times longer than the idle one would, for what it
 * has left: plan_pick()'s takeover rule); else the next piece
 * (plan_take_piece(), which updates FREE); else what plan_pick() finds.
 * Pure.
 */
struct plan_next plan_next(const struct plan_slot *slots, size_t n, double idle_speed,
                           struct plan_range *free, size_t *nfree, uint64_t piece);

/* One connection, for plan_shares(). */
struct plan_share_in {
    bool is_live;  /* it may still take work */
    uint64_t done; /* bytes it has written */
    uint64_t owed; /* bytes of its current range not written yet */
};

/*
 * What each of the N connections will have fetched by the end if the
 * FREE bytes nobody has taken yet are shared equally among the live ones
 * (the first ones get a byte more when they do not divide): OUT[i] =
 * done + owed + its part of FREE. Its bar shows done of that. Pure.
 */
void plan_shares(const struct plan_share_in *in, size_t n, uint64_t free, uint64_t *out);

/*
 * AT moved up to the next multiple of UNIT (a piece boundary), but never
 * past SIZE (the file's end, where the last, short piece ends); AT as it
 * is when UNIT is 0. With piece hashes, every range handed out starts
 * and ends on such a boundary, so each piece arrives whole on one
 * connection and is checked as it lands. Pure.
 */
uint64_t plan_align_up(uint64_t at, uint64_t unit, uint64_t size);

/* The number of bytes R[0..N) cover (the ranges must not overlap). */
uint64_t plan_ranges_total(const struct plan_range *r, size_t n);

#endif
