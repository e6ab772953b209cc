/*
 * server/pieces.h - a file's piece hashes: the SHA-256 of each fixed-size
 * piece, computed by the scan in the same read as the whole-file hash and
 * published in Metalink documents (<pieces>), so a client can verify a
 * download piece by piece.
 *
 * The piece size is a function of the file size alone (pieces_size_for()):
 * the smallest power of two of at least 256 KiB that gives at most 4096
 * pieces. The last piece may be shorter; an empty file has no piece. A
 * block of piece hashes is immutable once computed and shared by
 * reference between snapshots (atomic count), like the snapshot itself.
 */
#ifndef SERVER_PIECES_H
#define SERVER_PIECES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define PIECES_MIN_SIZE  (256u << 10)
#define PIECES_MAX_COUNT 4096u

struct pieces {
    atomic_uint refs;
    uint64_t piece_size; /* pieces_size_for() of the file's size */
    size_t n;            /* pieces_count() of it */
    uint8_t hash[][SHA256_LEN];
};

/* The piece size for a file of SIZE bytes. Pure. */
uint64_t pieces_size_for(uint64_t size);

/* How many pieces of PIECE_SIZE (> 0) bytes a file of SIZE bytes has. Pure. */
uint64_t pieces_count(uint64_t size, uint64_t piece_size);

/*
 * A block for a file of SIZE bytes with its piece size and count set and
 * the hashes zeroed, holding one reference; NULL when out of memory.
 */
struct pieces *pieces_new(uint64_t size);

/* Another reference to P (NULL gives NULL). */
struct pieces *pieces_ref(struct pieces *p);

/* Drop a reference; the last one frees. NULL is fine. */
void pieces_unref(struct pieces *p);

/* True when A and B hold the same hashes, or are both NULL. Pure. */
bool pieces_equal(const struct pieces *a, const struct pieces *b);

#endif
