/*
 * server/fileid.c - compare file identities. Pure.
 */
#include "fileid.h"

#include <string.h>

void fileid_from_stat(const struct stat *st, struct fileid *out)
{
    memset(out, 0, sizeof(*out));
    out->dev = (uint64_t)st->st_dev;
    out->ino = (uint64_t)st->st_ino;
    out->size = (uint64_t)st->st_size;
    out->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    out->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
    out->ctime_sec = (int64_t)st->st_ctim.tv_sec;
    out->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

const char *fileid_diff(const struct fileid *a, const struct fileid *b)
{
    if (a->dev != b->dev || a->ino != b->ino)
        return "inode";
    if (a->size != b->size)
        return "size";
    if (a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec)
        return "modification time";
    if (a->ctime_sec != b->ctime_sec || a->ctime_nsec != b->ctime_nsec)
        return "change time";
    return NULL;
}
