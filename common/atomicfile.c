/*
 * common/atomicfile.c - temporary file, fsync, rename, fsync the directory.
 * Used for the catalog, its hash cache and the client's state files.
 */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    const char *base = fileio_split_path(path, dir, sizeof(dir));
    int fd = -1, dfd = -1, err = 0;
    bool has_tmp = false;
    int n;

    if (base == NULL)
        return -ENAMETOOLONG;
    n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
    if (n < 0 || (size_t)n >= sizeof(tmp) || *base == '\0')
        return -ENAMETOOLONG;
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    has_tmp = true;
    err = fileio_write_all(fd, data, len);
    if (err != 0)
        goto out;
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        err = -errno;
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        err = -errno;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        err = -errno;
        goto out;
    }
    has_tmp = false;
    /* Make the rename itself durable; failing here leaves the new file in place. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: the data is already safe and visible */
        close(dfd);
    }
out:
    if (fd >= 0)
        close(fd);
    if (has_tmp)
        unlink(tmp);
    return err;
}

/* A fresh hidden temporary name for NAME, created in DIRFD. Returns its fd or -errno. */
static int tmp_create_at(int dirfd, const char *name, char *tmp, size_t cap)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

    for (unsigned attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        uint64_t r = 0;
        int fd, n;

        if (getentropy(&r, sizeof(r)) != 0)
            r = (uint64_t)getpid() * 2654435761u + attempt;
        for (size_t i = 0; i < 6; i++, r /= 36)
            suffix[i] = digits[r % 36];
        suffix[6] = '\0';
        n = snprintf(tmp, cap, ".%s.%s", name, suffix);
        if (n < 0 || (size_t)n >= cap)
            return -ENAMETOOLONG;
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd >= 0 ? fd : -errno;
    }
    return -EEXIST;
}

int atomicfile_write_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
    char tmp[NAME_MAX + 1];
    int fd, err = 0;
    bool has_tmp = true;

    if (*name == '\0' || strchr(name, '/') != NULL)
        return -EINVAL;
    fd = tmp_create_at(dirfd, name, tmp, sizeof(tmp));
    if (fd < 0)
        return fd;
    err = fileio_write_all(fd, data, len);
    if (err == 0 && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
        err = -errno;
    if (close(fd) != 0 && err == 0)
        err = -errno;
    if (err == 0 && renameat(dirfd, tmp, dirfd, name) != 0)
        err = -errno;
    if (err == 0) {
        has_tmp = false;
        (void)fsync(dirfd); /* best effort, as above */
    }
    if (has_tmp)
        unlinkat(dirfd, tmp, 0);
    return err;
}
