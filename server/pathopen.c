/*
 * server/pathopen.c - open a validated path beneath a directory, never
 * through a symbolic link.
 *
 * The openat2() route is tried first; ENOSYS (no such system call) is
 * remembered so that later calls go straight to the walk, and EPERM (what
 * some seccomp filters answer for calls they do not know) falls back for
 * this call only, as the walk then gives the real answer.
 */
#include "pathopen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "name.h"

static atomic_bool has_no_openat2; /* set once ENOSYS is seen */

static int open_openat2(int dirfd, const char *path, int flags)
{
#ifdef SYS_openat2
    struct open_how how;
    long fd;

    memset(&how, 0, sizeof(how));
    how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : (int)fd;
#else
    (void)dirfd;
    (void)path;
    (void)flags;
    return -ENOSYS;
#endif
}

/* Copy the view V into BUF (NAME_MAX_LEN + 1 bytes) as a C string. */
static const char *component(struct strview v, char *buf)
{
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    return buf;
}

static int open_walk(int dirfd, const char *path, int flags)
{
    struct strview comps[NAME_PATH_MAX_DEPTH];
    char buf[NAME_MAX_LEN + 1];
    size_t n = name_path_split(path, strlen(path), comps, NAME_PATH_MAX_DEPTH);
    int cur = dirfd, fd;

    if (n > NAME_PATH_MAX_DEPTH)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < n; i++) {
        if (comps[i].len == 0 || comps[i].len > NAME_MAX_LEN) {
            fd = -EINVAL; /* not a validated path */
        } else if (i + 1 < n) {
            /* O_PATH needs only search permission, as a path lookup does. */
            fd = openat(cur, component(comps[i], buf),
                        O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            fd = fd < 0 ? -errno : fd;
        } else {
            fd = openat(cur, component(comps[i], buf), flags | O_NOFOLLOW | O_CLOEXEC);
            fd = fd < 0 ? -errno : fd;
        }
        if (cur != dirfd)
            close(cur);
        if (fd < 0 || i + 1 == n)
            return fd;
        cur = fd;
    }
    return -EINVAL; /* no component at all */
}

int pathopen(int dirfd, const char *path, int flags, enum pathopen_how how)
{
    int fd;

    if (how == PATHOPEN_WALK)
        return open_walk(dirfd, path, flags);
    if (how == PATHOPEN_AUTO && atomic_load_explicit(&has_no_openat2, memory_order_relaxed))
        return open_walk(dirfd, path, flags);
    fd = open_openat2(dirfd, path, flags);
    if (fd == -ENOSYS)
        atomic_store_explicit(&has_no_openat2, true, memory_order_relaxed);
    if (how == PATHOPEN_AUTO && (fd == -ENOSYS || fd == -EPERM))
        return open_walk(dirfd, path, flags);
    return fd;
}
