/*
 * server/hashcache.h - the hash cache beside the catalog (".text.txt.cache"):
 * for each published file, the identity its SHA-256 was computed for
 * (inode, size, modification and change time: server/fileid.h), so a
 * restart reads no file whose identity is unchanged.
 *
 *     # pdm hash cache v2
 *     INODE<TAB>SIZE<TAB>MTIME_SEC<TAB>MTIME_NSEC<TAB>CTIME_SEC<TAB>CTIME_NSEC<TAB>SHA256<TAB>NAME
 *
 * NAME is a path (common/name.h): "iso/debian.iso". A cache is only ever
 * a hint: a line that does not parse is skipped, and a
 * file whose identity differs is hashed again. Version 1 had no change
 * time, so it could vouch for bytes an mtime-preserving edit had replaced:
 * a v1 cache (any other header) is ignored and every file hashed again.
 */
#ifndef SERVER_HASHCACHE_H
#define SERVER_HASHCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

#define HASHCACHE_HEADER "# pdm hash cache v2\n"

/*
 * Write the cache line for E (LF included) into OUT (CAP bytes, NUL added).
 * Returns its length, or 0 when it does not fit or the name is invalid.
 */
size_t hashcache_format_line(char *out, size_t cap, const struct snap_entry *e);

/*
 * Parse one line (without its LF) into *E, whose name is a new string
 * (owned by the caller). Returns false, with *E zeroed, for a comment or a
 * malformed line, and when out of memory.
 */
bool hashcache_parse_line(const char *line, size_t len, struct snap_entry *e);

/*
 * Parse a whole cache. Returns the entries sorted by name (owned by the
 * caller: snap_entries_free()) and their count in *N. A buffer that does
 * not start with HASHCACHE_HEADER (another version) gives no entries.
 * Returns NULL with *N == 0 when there is nothing or memory ran out.
 */
struct snap_entry *hashcache_parse(const char *buf, size_t len, size_t *n);

/*
 * Render ENTRIES[0..N) as a cache file. Returns a new buffer (owned by the
 * caller: free()) and its length in *LEN, or NULL when out of memory.
 */
char *hashcache_render(const struct snap_entry *entries, size_t n, size_t *len);

#endif
