/*
 * client/store.h - the files of one download on disk: the hidden partial
 * file (".NAME.part") that chunks are written into at their offsets, its
 * state file (".NAME.part.state"), and the final name, which a file takes
 * only once verified, and never by replacing another file.
 *
 * Everything is reached relative to one open directory descriptor. The
 * download directory itself is the user's choice and is opened as given;
 * every component below it that comes from a name (a catalog path such as
 * "iso/debian.iso") is created or opened with O_NOFOLLOW, one at a time,
 * so whatever the server says, nothing outside the download directory can
 * be written. The partial file is locked (flock) for as long as the
 * download owns it, so two client processes never share one.
 */
#ifndef CLIENT_STORE_H
#define CLIENT_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define STORE_NAME_MAX 255 /* bytes in one file name (NAME_MAX on Linux filesystems) */

struct store {
    int dirfd;                      /* the directory the file goes into; -1 when closed */
    int part_fd;                    /* the locked partial file; -1 until claimed */
    char name[STORE_NAME_MAX + 1];  /* the final name inside dirfd */
    char part[STORE_NAME_MAX + 1];  /* the partial file's name */
    char state[STORE_NAME_MAX + 1]; /* the state file's name */
    char state_tmp[STORE_NAME_MAX + 1];
    bool has_state;          /* a state file (or its temporary) may exist: false once a load found
                              * none, true again once one is written */
    uint64_t part_size;      /* the partial file's size when claimed or last reset */
    char dir_path[PATH_MAX]; /* for messages: the directory as a path */
    char final_path[PATH_MAX];
    char part_path[PATH_MAX];
    char state_path[PATH_MAX];
};

/*
 * The partial, state and temporary-state names for the final name NAME
 * (each STORE_NAME_MAX + 1 bytes). ".NAME.part" and so on when they fit
 * in a file name; for a name too long for that, a shortened stem (its
 * first bytes, cut at a character boundary, then '~' and 16 hex digits of
 * its SHA-256) that is the same at every run, so resuming still works.
 * Pure. False when NAME is empty or longer than STORE_NAME_MAX.
 */
bool store_names(const char *name, char *part, char *state, char *tmp);

/*
 * Open the place for RELPATH under DIR: DIR as given (following
 * symlinks: it is the user's), then each directory component of RELPATH,
 * created when missing (mode 0755), opened without following symlinks.
 * Each component must be a valid name (common/name.h). Returns 0, or a
 * negative errno value with WHY (CAP bytes) saying what went wrong in
 * plain words (-ELOOP: a component is a symlink; -ENOTDIR: it is not a
 * directory; -ENAMETOOLONG: a component is longer than STORE_NAME_MAX).
 * On success, S owns a directory descriptor: release it with
 * store_close().
 */
int store_open(struct store *s, const char *dir, const char *relpath, char *why, size_t cap);

/* What the final name holds now. */
enum store_final {
    STORE_FINAL_NONE,  /* nothing: the name is free */
    STORE_FINAL_FILE,  /* a regular file: *SHA and *SIZE describe it */
    STORE_FINAL_OTHER, /* a symlink, a directory or another kind of file */
};

/*
 * Look at the final name without following a symlink; hash it when it is
 * a regular file. Returns 0 with *KIND set, or a negative errno value
 * (the file cannot be read).
 */
int store_check_final(struct store *s, enum store_final *kind, uint8_t sha[SHA256_LEN],
                      uint64_t *size);

/*
 * Open (creating it when missing, never truncating) and lock the partial
 * file, and keep it open as s->part_fd. Returns 0, -EBUSY when another
 * process holds the lock, -ELOOP when the name is a symlink (not
 * followed), or another negative errno value.
 */
int store_claim(struct store *s);

/* The partial file's size now. 0 or a negative errno value. */
int store_part_size(const struct store *s, uint64_t *size);

/*
 * Empty the partial file and reserve SIZE bytes for it (posix_fallocate,
 * so a full disk shows now, not halfway; UINT64_MAX: unknown, nothing
 * reserved). A file under STORE_RESERVE_MIN is not reserved: its first
 * write finds a full disk at once anyway, and it grows to its size as it
 * is written. The state file is removed. 0, -ENOSPC, -EFBIG or -errno.
 */
int store_reset_part(struct store *s, uint64_t size);

#define STORE_RESERVE_MIN (1u << 20)

/*
 * Give the verified partial file its final name: rename it without ever
 * replacing anything (RENAME_NOREPLACE, or link() where that is
 * unsupported) and remove the state file. IS_DURABLE: fsync the file
 * before and the directory after, so the name and the bytes survive a
 * power loss; otherwise a process kill is the most they survive (the page
 * cache keeps them). Returns 0, -EEXIST when the final name is taken, or
 * another negative errno value.
 */
int store_commit(struct store *s, bool is_durable);

/* Write the state file atomically (a temporary, then rename): no fsync,
 * since a process kill cannot lose what is in the page cache, and after a
 * power loss the SHA-256 check catches any hole. 0 or -errno. */
int store_save_state(struct store *s, const void *buf, size_t len);

/* Read the state file (at most MAX bytes) into a new buffer (free()).
 * 0, -ENOENT (then S knows there is none, and store_drop_state() has
 * nothing to remove until one is saved), -EFBIG or another negative
 * errno value. */
int store_load_state(struct store *s, size_t max, char **buf, size_t *len);

/* Remove the partial and state files (the lock is still held). */
void store_discard(struct store *s);

/* Remove the state file only (no system call when there is none to remove). */
void store_drop_state(struct store *s);

/* Release the partial file (and its lock) and the directory. NULL-safe fields. */
void store_close(struct store *s);

#endif
