/*
 * client/mirror/sources.h - which source (mirror) the next idle
 * connection of a file uses, and when a source is given up.
 *
 * Pure: no clock, no I/O, no allocation. The caller (the download engine)
 * keeps one struct source_stat per source, updates it as transfers end,
 * and asks sources_pick() each time a connection needs work; it applies
 * sources_verdict() after each piece and each failure.
 *
 * The rules, like aria2's adaptive selector but deterministic:
 *   - A source can take a connection unless it is dropped, has a verdict
 *     other than SOURCE_OK, waits for a retry (RETRY_AT_MS after NOW_MS),
 *     or already has CAP connections; and none is handed out once the
 *     file's connections reach the total cap.
 *   - Exploration first: a usable source never measured (speed 0) and not
 *     in use is tried with one connection, the first such in index order
 *     (give sources in preference order, e.g. Metalink priority), so its
 *     speed becomes known before more is bet on it.
 *   - Then the fastest: the usable source whose connections recently
 *     managed the most bytes per second each gets the connection; ties go
 *     to the one with fewer connections, then the lower index. A fast
 *     source thus gathers connections up to its cap; once it saturates,
 *     its per-connection speed falls and the next source wins, so the
 *     spread follows measured throughput.
 *   - A source still unmeasured but in use waits for its measurement;
 *     only when no measured source can take the connection do such
 *     sources get it, the one with the fewest connections first (at the
 *     start, before anything is measured, connections spread evenly).
 *   - Verdicts: SOURCES_MAX_FAILURES failures in a row drop a source. A
 *     source that sent a bad piece (one that failed its hash) is dropped
 *     at once while another source is fine (usable, no bad piece): the
 *     good copy can come from there. When no other source is fine, a
 *     source is dropped only at SOURCES_MAX_BAD_PIECES bad pieces, so a
 *     single transient corruption does not end the only source, and
 *     sources all disagreeing with the hashes do end the download.
 */
#ifndef CLIENT_MIRROR_SOURCES_H
#define CLIENT_MIRROR_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOURCES_NONE           SIZE_MAX /* sources_pick(): no source should get it */
#define SOURCES_MAX_FAILURES   3        /* failures in a row that drop a source */
#define SOURCES_MAX_BAD_PIECES 3        /* bad pieces that drop even the last good source */

/* What the engine knows about one source. */
struct source_stat {
    double speed;         /* bytes/s one of its connections recently managed; 0: unmeasured */
    unsigned conns;       /* connections using it now */
    unsigned cap;         /* most connections it may have at once (0: none) */
    bool is_dropped;      /* given up: never chosen again */
    unsigned bad_pieces;  /* pieces from it that failed their hash */
    unsigned failures;    /* failed transfers in a row (the caller resets it on success) */
    uint64_t retry_at_ms; /* not chosen before this time (0: no wait) */
};

enum source_verdict {
    SOURCE_OK,
    SOURCE_DROPPED,    /* is_dropped was already set */
    SOURCE_BAD_PIECES, /* it sends data that does not match the hashes */
    SOURCE_FAILING,    /* SOURCES_MAX_FAILURES failures in a row */
};

/*
 * Judge source I of S[0..N) by the rules above. The caller sets
 * is_dropped when the answer is not SOURCE_OK and names the source and
 * sources_verdict_str() in its report. Pure.
 */
enum source_verdict sources_verdict(const struct source_stat *s, size_t n, size_t i);

/* A few words for V, for reports ("sent pieces that fail their hash"). */
const char *sources_verdict_str(enum source_verdict v);

/*
 * The source the next idle connection should use among S[0..N) at time
 * NOW_MS (the caller's monotonic clock, the same one as retry_at_ms),
 * with at most TOTAL_CAP connections for the file; SOURCES_NONE when no
 * source should get one (all dropped, failing, waiting or full, or the
 * total cap reached). Sets *IS_EXPLORE (when not NULL) when the pick is a
 * first try of an unmeasured source. Pure.
 */
size_t sources_pick(const struct source_stat *s, size_t n, unsigned total_cap, uint64_t now_ms,
                    bool *is_explore);

#endif
