/*
 * common/fileio.c - complete reads and writes.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The loop both writers share; IS_AT: pwrite at OFFSET, else write. */
static int write_loop(int fd, const char *p, size_t len, bool is_at, uint64_t offset)
{
    while (len > 0) {
        ssize_t n = is_at ? pwrite(fd, p, len, (off_t)offset) : write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int fileio_write_all(int fd, const void *buf, size_t len)
{
    return write_loop(fd, buf, len, false, 0);
}

int fileio_pwrite_all(int fd, const void *buf, size_t len, uint64_t offset)
{
    return write_loop(fd, buf, len, true, offset);
}

int fileio_read(const char *path, size_t max, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return -errno;
    err = fileio_read_fd(fd, max, out, len);
    close(fd);
    return err;
}

int fileio_read_fd(int fd, size_t max, char **out, size_t *len)
{
    struct stat st;
    char *buf = NULL;
    size_t have = 0, cap;
    int err = 0;

    *out = NULL;
    *len = 0;
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
    return err;
}

const char *fileio_split_path(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    int n;

    if (slash == NULL)
        n = snprintf(dir, cap, ".");
    else if (slash == path)
        n = snprintf(dir, cap, "/");
    else
        n = snprintf(dir, cap, "%.*s", (int)(slash - path), path);
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    return slash ? slash + 1 : path;
}
