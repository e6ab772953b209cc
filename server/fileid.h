/*
 * server/fileid.h - a file's identity: which file (device, inode) and which
 * version of it (size, modification and change times). Two fstat()s of
 * one open file that give the same identity saw the same bytes, as far as
 * the kernel's timestamps can tell (see docs/PROTOCOL.md for the limits).
 */
#ifndef SERVER_FILEID_H
#define SERVER_FILEID_H

#include <stdint.h>
#include <sys/stat.h>

struct fileid {
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec;
    int64_t ctime_sec, ctime_nsec;
};

/* The identity in ST. Pure. */
void fileid_from_stat(const struct stat *st, struct fileid *out);

/*
 * The first part of the identity in which A and B differ ("inode",
 * "size", "modification time", "change time"), or NULL when they are the
 * same. Pure; the text is static.
 */
const char *fileid_diff(const struct fileid *a, const struct fileid *b);

#endif
