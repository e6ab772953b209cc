/*
 * server/ratelimit.h - a per-response byte budget, like nginx's limit_rate:
 * RATE bytes per second on average, with a small initial burst so a
 * response starts at once.
 *
 * Pure: the clock is passed in (nanoseconds, any monotonic origin).
 */
#ifndef SERVER_RATELIMIT_H
#define SERVER_RATELIMIT_H

#include <stdint.h>

/* Rates above this (16 GiB/s) are treated as no limit at all. */
#define RATELIMIT_MAX (16ull << 30)

struct ratelimit {
    uint64_t rate;     /* bytes per second; 0 means unlimited */
    uint64_t start_ns; /* when the response started */
    uint64_t sent;     /* bytes sent since then */
};

/* Begin a budget of RATE bytes per second at NOW_NS (RATE 0: unlimited). */
void ratelimit_start(struct ratelimit *rl, uint64_t rate, uint64_t now_ns);

/* Bytes that may be sent at NOW_NS; UINT64_MAX when unlimited. */
uint64_t ratelimit_allowance(const struct ratelimit *rl, uint64_t now_ns);

/* Record N bytes as sent. */
void ratelimit_consume(struct ratelimit *rl, uint64_t n);

/*
 * Nanoseconds to wait from NOW_NS until a worthwhile amount (a twentieth
 * of a second's worth, at most 64 KiB) may be sent; 0 when it may now.
 */
uint64_t ratelimit_wait_ns(const struct ratelimit *rl, uint64_t now_ns);

/*
 * The deadline of a transfer that must keep a minimum pace: START_NS plus
 * GRACE_NS plus one second for every MIN_RATE bytes of the DONE received
 * so far (MIN_RATE 0: no pace, just the grace). A trickle barely moves
 * it; a transfer at MIN_RATE or faster never reaches it. Saturates at
 * UINT64_MAX.
 */
uint64_t ratelimit_min_deadline(uint64_t start_ns, uint64_t grace_ns, uint64_t done,
                                uint64_t min_rate);

/*
 * The pace of an upload body, which has no total time limit: it must
 * bring at least MIN_RATE * WINDOW_NS / 1e9 bytes (one byte at the very
 * least) in every window of WINDOW_NS. *MARK_NS and *MARK_BYTES are the
 * start of the current window (set them to the body's start and 0). When
 * DONE bytes have arrived by NOW_NS and the window's quota is reached, a
 * new window starts at NOW_NS. Returns the deadline: the end of the
 * current window (saturating at UINT64_MAX). A body at MIN_RATE or faster
 * never reaches it however long it runs; a trickle, or a stall after a
 * fast start, reaches it within WINDOW_NS.
 */
uint64_t ratelimit_window_deadline(uint64_t *mark_ns, uint64_t *mark_bytes, uint64_t now_ns,
                                   uint64_t done, uint64_t window_ns, uint64_t min_rate);

#endif
