/*
 * server/hashcache.h - the hash cache beside the catalog (".text.txt.cache"):
 * for each published file, the identity its SHA-256 and piece hashes were
 * computed for (inode, size, modification and change time:
 * server/fileid.h), so a restart reads no file whose identity is
 * unchanged.
 *
 *     # pdm hash cache v3
 *     INODE<TAB>SIZE<TAB>MTIME_SEC<TAB>MTIME_NSEC<TAB>CTIME_SEC<TAB>CTIME_NSEC<TAB>SHA256<TAB>
 *         PIECE_SIZE<TAB>PIECES<TAB>NAME            (one line)
 *
 * PIECE_SIZE is pieces_size_for(SIZE) (server/pieces.h) and PIECES the
 * piece hashes in order, as one field of 64 lowercase hex digits per
 * piece without separators (empty for an empty file): at most 4096
 * pieces, so at most 256 KiB of hex on a line. NAME is a path
 * (common/name.h): "iso/debian.iso". A cache is only ever a hint: a line
 * that does not parse, or whose piece size or count does not follow from
 * its size, is skipped, and a file whose identity differs is hashed
 * again. An entry without piece hashes (an upload's, until a scan reads
 * the file) is not written. Version 1 had no change time, so it could
 * vouch for bytes an mtime-preserving edit had replaced; version 2 had no
 * piece hashes. A cache of another version (any other header) is ignored
 * and every file hashed again, once.
 */
#ifndef SERVER_HASHCACHE_H
#define SERVER_HASHCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

#define HASHCACHE_HEADER "# pdm hash cache v3\n"

/* The largest cache file read (a huge tree with 4096 pieces per file). */
#define HASHCACHE_MAX (1ull << 30)

/*
 * Write the cache line for E (LF included) into OUT (CAP bytes, NUL added).
 * Returns its length, or 0 when it does not fit, the name is invalid or
 * E has no piece hashes. hashcache_line_max(E) bytes are always enough.
 */
size_t hashcache_format_line(char *out, size_t cap, const struct snap_entry *e);

/* The room hashcache_format_line() may need for E, its NUL included. Pure. */
size_t hashcache_line_max(const struct snap_entry *e);

/*
 * Parse one line (without its LF) into *E, whose name and piece hashes
 * are new (owned by the caller: free() and pieces_unref()). Returns false, with *E zeroed, for a
 * comment or a malformed line, and when out of memory.
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
