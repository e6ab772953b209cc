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

int atomicfile_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Split PATH into its directory (into DIR) and base name (returned). */
static const char *split_path(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL) {
        snprintf(dir, cap, ".");
        return path;
    }
    if (slash == path)
        snprintf(dir, cap, "/");
    else
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
    return slash + 1;
}

int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    const char *base = split_path(path, dir, sizeof(dir));
    int fd = -1, dfd = -1, err = 0;
    bool has_tmp = false;
    int n;

    n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
    if (n < 0 || (size_t)n >= sizeof(tmp) || *base == '\0')
        return -ENAMETOOLONG;
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    has_tmp = true;
    err = atomicfile_write_all(fd, data, len);
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

int atomicfile_read(const char *path, size_t max, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    size_t have = 0, cap;
    int err = 0;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) != 0) {
        err = -errno;
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        err = -EFBIG;
        goto out;
    }
    if (max > SIZE_MAX - 2)
        max = SIZE_MAX - 2;
    cap = (size_t)st.st_size + 2; /* the NUL, and one byte to notice growth */
    buf = malloc(cap);
    if (buf == NULL) {
        err = -ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n;

        if (have + 1 == cap) { /* full: the file grew since fstat */
            size_t ncap = cap > (max + 2) / 2 ? max + 2 : cap * 2;
            char *nb = realloc(buf, ncap);

            if (nb == NULL) {
                err = -ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        n = read(fd, buf + have, cap - 1 - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = -errno;
            goto out;
        }
        if (n == 0)
            break;
        have += (size_t)n;
        if (have > max) {
            err = -EFBIG;
            goto out;
        }
    }
    buf[have] = '\0';
    *out = buf;
    *len = have;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return err;
}
