/*
 * server/capacity.c - the connection limits and the descriptor limit they
 * come from. capacity_plan() is pure; capacity_raise_nofile() is the one
 * system call wrapper.
 */
#include "capacity.h"

#include <errno.h>
#include <stddef.h>
#include <sys/resource.h>

void capacity_plan(uint64_t nofile, unsigned want_max, unsigned want_per_ip, struct capacity *out)
{
    uint64_t usable = nofile > CAPACITY_RESERVE ? nofile - CAPACITY_RESERVE : 0;
    uint64_t fit = usable - usable / 8;

    if (fit < 1)
        fit = 1;
    if (fit > CAPACITY_MAX)
        fit = CAPACITY_MAX;
    out->file_slots = usable / 8 > UINT32_MAX ? UINT32_MAX : (unsigned)(usable / 8);
    out->is_lowered = want_max > fit;
    out->max_connections = want_max == 0 || want_max > fit ? (unsigned)fit : want_max;
    if (want_per_ip == 0)
        out->max_per_ip = out->max_connections - out->max_connections / 4;
    else
        out->max_per_ip = want_per_ip < out->max_connections ? want_per_ip : out->max_connections;
}

unsigned capacity_file_cache(unsigned file_slots, unsigned nworkers)
{
    unsigned n = file_slots / 4 / (nworkers > 0 ? nworkers : 1);

    return n < CAPACITY_FILE_CACHE_MAX ? n : CAPACITY_FILE_CACHE_MAX;
}

int capacity_raise_nofile(uint64_t *before, uint64_t *after)
{
    /* Past fs.nr_open (1048576 unless raised) setrlimit() refuses: try less. */
    static const rlim_t fallbacks[] = {1u << 20, 1u << 16};
    struct rlimit rl;

    *before = *after = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -errno;
    *before = *after = (uint64_t)rl.rlim_cur;
    if (rl.rlim_cur != rl.rlim_max) {
        struct rlimit want = {rl.rlim_max, rl.rlim_max};

        if (setrlimit(RLIMIT_NOFILE, &want) != 0) {
            for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++) {
                want.rlim_cur = fallbacks[i] < rl.rlim_max ? fallbacks[i] : rl.rlim_max;
                if (want.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == 0)
                    break;
            }
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
            *after = (uint64_t)rl.rlim_cur;
    }
    if (*after == (uint64_t)RLIM_INFINITY)
        *after = CAPACITY_MAX * 2ull; /* only a count matters; infinity is plenty */
    return 0;
}
