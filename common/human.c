/*
 * common/human.c - human-readable sizes. Pure.
 */
#include "human.h"

#include <inttypes.h>
#include <stdio.h>

void human_size(uint64_t size, char *out, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)size;
    size_t u = 0;

    /* 1023.95 and up would print as "1024.0": move to the next unit. */
    while (v >= (u == 0 ? 1024.0 : 1023.95) && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%" PRIu64 " B", size);
    else
        snprintf(out, cap, "%.1f %s", v, units[u]);
}
