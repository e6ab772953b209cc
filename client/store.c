/*
 * client/store.c - partial files, the final rename, hashing what is on disk.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#define STORE_HASH_BUF (1u << 20)

int store_paths_init(struct store_paths *p, const char *final)
{
    const char *base;
    int n;

    memset(p, 0, sizeof(*p));
    base = fileio_split_path(final, p->dir, sizeof(p->dir));
    if (base == NULL)
        return -ENAMETOOLONG;
    if (*base == '\0')
        return -EINVAL;
    n = snprintf(p->final, sizeof(p->final), "%s", final);
    if (n < 0 || (size_t)n >= sizeof(p->final))
        return -ENAMETOOLONG;
    n = snprintf(p->part, sizeof(p->part), "%s/.%s.part", p->dir, base);
    if (n < 0 || (size_t)n >= sizeof(p->part))
        return -ENAMETOOLONG;
    n = snprintf(p->state, sizeof(p->state), "%s.state", p->part);
    if (n < 0 || (size_t)n >= sizeof(p->state))
        return -ENAMETOOLONG;
    return 0;
}

int store_create_part(const char *path, uint64_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    int err;

    if (fd < 0)
        return -errno;
    if (size != UINT64_MAX && size > 0) {
        if ((uint64_t)(off_t)size != size) {
            close(fd);
            return -EFBIG;
        }
        err = posix_fallocate(fd, 0, (off_t)size);
        /* Filesystems without fallocate still get the size, just not reserved. */
        if (err == EOPNOTSUPP || err == EINVAL)
            err = ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
        if (err != 0) {
            close(fd);
            unlink(path);
            return -err;
        }
    }
    return fd;
}

int store_open_part(const char *path, uint64_t size)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

int store_commit(const struct store_paths *p, int fd)
{
    int dfd;

    if (fsync(fd) != 0)
        return -errno;
    if (renameat2(AT_FDCWD, p->part, AT_FDCWD, p->final, RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST)
            return -EEXIST;
        if (errno != EINVAL && errno != ENOSYS)
            return -errno;
        /* No RENAME_NOREPLACE here: link() refuses an existing name too. */
        if (link(p->part, p->final) != 0)
            return -errno;
        unlink(p->part);
    }
    dfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: the file itself is already durable */
        close(dfd);
    }
    return 0;
}

int store_hash_file(const char *path, uint8_t out[SHA256_LEN], uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    void *buf;
    int err;

    if (fd < 0)
        return -errno;
    buf = malloc(STORE_HASH_BUF);
    if (buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    err = sha256_fd(fd, buf, STORE_HASH_BUF, NULL, out, size);
    free(buf);
    close(fd);
    return err;
}

void store_discard(const struct store_paths *p)
{
    unlink(p->part);
    unlink(p->state);
}
