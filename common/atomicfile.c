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
