/*
 * client/store.h - the files of a download on disk: the hidden partial
 * file (".NAME.part") that chunks are written into at their offsets, its
 * state file (".NAME.part.state"), and the final name, which a file takes
 * only once verified, and never by overwriting another file.
 */
#ifndef CLIENT_STORE_H
#define CLIENT_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

struct store_paths {
    char final[PATH_MAX]; /* where the verified file goes */
    char part[PATH_MAX];  /* DIR/.NAME.part */
    char state[PATH_MAX]; /* DIR/.NAME.part.state */
    char dir[PATH_MAX];   /* DIR, for fsync after the rename */
};

/* Derive the partial and state paths from FINAL. 0 or -ENAMETOOLONG. */
int store_paths_init(struct store_paths *p, const char *final);

/*
 * Create (or truncate) the partial file and reserve SIZE bytes for it
 * (posix_fallocate, so a full disk is found now, not halfway). A size of
 * UINT64_MAX means unknown: nothing is reserved. Returns the descriptor,
 * or a negative errno value (-ENOSPC for a full disk).
 */
int store_create_part(const char *path, uint64_t size);

/* Open an existing partial file of exactly SIZE bytes. fd or -errno. */
int store_open_part(const char *path, uint64_t size);

/*
 * Give the verified partial file its final name: fsync it, rename it
 * without ever replacing an existing file (RENAME_NOREPLACE, or link()
 * where that is unsupported), fsync the directory. Returns 0, -EEXIST when
 * the final name is taken, or another negative errno value.
 */
int store_commit(const struct store_paths *p, int fd);

/*
 * SHA-256 of the file at PATH, streaming through a fixed buffer. 0,
 * -ENOENT when there is no such file, or another negative errno value.
 */
int store_hash_file(const char *path, uint8_t out[SHA256_LEN], uint64_t *size);

/* Remove the partial and state files; missing ones are fine. */
void store_discard(const struct store_paths *p);

#endif
