/*
 * server/fileid.h - a file's identity: what must stay the same for bytes
 * read at two moments to be bytes of one version of the file.
 *
 * Inode, size, modification time and change time. The change time is
 * what catches an edit that puts the old modification time back (cp -p,
 * touch -r, rsync -t): the kernel sets ctime on every write and on every
 * utimensat(), and no system call can set it to an older value. The
 * catalog hash, the hash cache, the strong ETag, the "is this digest
 * still true" check and the checks while a file is sent (filesend.c) all
 * use this one definition; docs/PROTOCOL.md says what timestamps cannot
 * tell apart.
 */
#ifndef SERVER_FILEID_H
#define SERVER_FILEID_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct file_id {
    uint64_t ino;
    uint64_t size;
    int64_t mtime_sec;
    int64_t mtime_nsec; /* 0..999999999 */
    int64_t ctime_sec;
    int64_t ctime_nsec; /* 0..999999999 */
};

/* The identity of the file ST describes (from fstat() or fstatat()). Pure. */
void file_id_from_stat(const struct stat *st, struct file_id *id);

/* True when A and B are the same version of a file. Pure. */
bool file_id_equal(const struct file_id *a, const struct file_id *b);

/*
 * The first part of the identity in which A and B differ ("inode",
 * "size", "modification time", "change time"), or NULL when they are the
 * same. Pure; the text is static.
 */
const char *file_id_diff(const struct file_id *a, const struct file_id *b);

#endif
