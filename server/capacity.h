/*
 * server/capacity.h - how many connections the server takes, in all and
 * from one address, sized from the descriptor limit.
 */
#ifndef SERVER_CAPACITY_H
#define SERVER_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

/* Descriptors kept for the server itself: listening socket, epoll, pipes, scans. */
#define CAPACITY_RESERVE 64
/* The most connections there can be, automatic or asked for. */
#define CAPACITY_MAX     1000000u

/* The most open files one worker keeps cached (fcache.h). */
#define CAPACITY_FILE_CACHE_MAX 256

struct capacity {
    unsigned max_connections;
    unsigned max_per_ip;
    unsigned file_slots; /* the descriptors left for files being sent (and cached) */
    bool is_lowered;     /* the number asked for did not fit the descriptor limit */
};

/*
 * Plan for a descriptor limit of NOFILE. An idle connection holds one
 * descriptor and a download two (its socket and its file), so after
 * CAPACITY_RESERVE one descriptor in eight is left for files being sent
 * and the rest are connections. WANT_MAX (0: as many as fit) is lowered
 * to that if it is larger; WANT_PER_IP (0: three quarters of the
 * connections, so one address never takes every slot) is lowered to the
 * connections if larger. Both results are at least 1. Pure.
 */
void capacity_plan(uint64_t nofile, unsigned want_max, unsigned want_per_ip, struct capacity *out);

/*
 * How many open files each of NWORKERS workers may keep in its cache: a
 * quarter of FILE_SLOTS shared among them, at most
 * CAPACITY_FILE_CACHE_MAX each (0 when that leaves none). Pure.
 */
unsigned capacity_file_cache(unsigned file_slots, unsigned nworkers);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit (or as close to it as the
 * kernel's fs.nr_open allows). *BEFORE and *AFTER get the soft limit
 * before and after. Returns 0, or a negative errno value when the limit
 * cannot even be read (then both are 0).
 */
int capacity_raise_nofile(uint64_t *before, uint64_t *after);

#endif
