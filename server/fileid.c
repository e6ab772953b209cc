/*
 * server/fileid.c - build and compare file identities. Pure.
 */
#include "fileid.h"

#include <string.h>

void file_id_from_stat(const struct stat *st, struct file_id *id)
{
    memset(id, 0, sizeof(*id));
    id->ino = (uint64_t)st->st_ino;
    id->size = (uint64_t)st->st_size;
    id->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    id->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
    id->ctime_sec = (int64_t)st->st_ctim.tv_sec;
    id->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

const char *file_id_diff(const struct file_id *a, const struct file_id *b)
{
    if (a->ino != b->ino)
        return "inode";
    if (a->size != b->size)
        return "size";
    if (a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec)
        return "modification time";
    if (a->ctime_sec != b->ctime_sec || a->ctime_nsec != b->ctime_nsec)
        return "change time";
    return NULL;
}

bool file_id_equal(const struct file_id *a, const struct file_id *b)
{
    return file_id_diff(a, b) == NULL;
}
