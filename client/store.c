/*
 * client/store.c - partial files, their locks and state files, the final
 * rename, all relative to one directory descriptor.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encode.h"
#include "fileio.h"
#include "name.h"

#define STORE_HASH_BUF    (1u << 20)
#define STORE_STEM_MAX    200 /* bytes of a long name kept in its partial file's name */
#define STORE_CLAIM_TRIES 8

/* ".STEM.part", ".STEM.part.state", ".STEM.part.state.new" */
static bool names_from_stem(const char *stem, size_t len, char *part, char *state, char *tmp)
{
    int n = snprintf(part, STORE_NAME_MAX + 1, ".%.*s.part", (int)len, stem);

    if (n < 0 || n > STORE_NAME_MAX)
        return false;
    n = snprintf(state, STORE_NAME_MAX + 1, "%s.state", part);
    if (n < 0 || n > STORE_NAME_MAX)
        return false;
    n = snprintf(tmp, STORE_NAME_MAX + 1, "%s.new", state);
    return n >= 0 && n <= STORE_NAME_MAX;
}

bool store_names(const char *name, char *part, char *state, char *tmp)
{
    size_t len = strlen(name), keep;
    uint8_t sha[SHA256_LEN];
    char hex[SHA256_HEX_LEN + 1], stem[STORE_STEM_MAX + 1 + 16 + 1];

    if (len == 0 || len > STORE_NAME_MAX)
        return false;
    if (names_from_stem(name, len, part, state, tmp))
        return true;
    /* Too long with the additions: a stem that is the same at every run. */
    keep = STORE_STEM_MAX;
    while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
        keep--; /* do not cut a UTF-8 sequence */
    if (sha256_buf(name, len, sha) != 0)
        return false;
    encode_hex(sha, SHA256_LEN, hex);
    snprintf(stem, sizeof(stem), "%.*s~%.16s", (int)keep, name, hex);
    return names_from_stem(stem, strlen(stem), part, state, tmp);
}

/* PATH of NAME inside DIR, for messages ("" when it does not fit). */
static void join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = strcmp(dir, ".") == 0 ? snprintf(out, cap, "%s", name)
                                  : snprintf(out, cap, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= cap)
        snprintf(out, cap, "%s", name);
}

/* Open (creating it when missing) the directory NAME inside FD, never through a symlink. */
static int open_subdir(int fd, const char *name)
{
    int sub;

    if (mkdirat(fd, name, 0755) != 0 && errno != EEXIST)
        return -errno;
    sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0)
        return sub;
    if (errno == ENOTDIR) { /* ELOOP for a symlink on Linux; ENOTDIR for one elsewhere */
        struct stat st;

        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            return -ELOOP;
    }
    return -errno;
}

/* Check RELPATH whole before anything is created. 0 or -errno with WHY. */
static int check_relpath(const char *relpath, char *why, size_t cap)
{
    enum name_result nr = name_path_check(relpath, strlen(relpath));

    if (nr == NAME_OK)
        return 0;
    if (nr == NAME_TOO_LONG) {
        snprintf(why, cap, "the name is too long (a file name holds at most %d bytes, a path %d)",
                 NAME_MAX_LEN, NAME_PATH_MAX);
        return -ENAMETOOLONG;
    }
    snprintf(why, cap, "'%s' is not a safe file name: %s", relpath, name_strerror(nr));
    return -EINVAL;
}

int store_open(struct store *s, const char *dir, const char *relpath, char *why, size_t cap)
{
    const char *p = relpath, *slash;
    int fd, err;

    memset(s, 0, sizeof(*s));
    s->dirfd = -1;
    s->part_fd = -1;
    s->has_state = true; /* not looked yet */
    why[0] = '\0';
    err = check_relpath(relpath, why, cap);
    if (err != 0)
        return err;
    snprintf(s->dir_path, sizeof(s->dir_path), "%s", dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        err = -errno;
        snprintf(why, cap, "cannot open the directory %s: %s", dir, strerror(-err));
        return err;
    }
    while ((slash = strchr(p, '/')) != NULL) {
        char comp[STORE_NAME_MAX + 1], where[PATH_MAX];
        int sub;

        memcpy(comp, p, (size_t)(slash - p));
        comp[slash - p] = '\0';
        join(where, sizeof(where), s->dir_path, comp);
        sub = open_subdir(fd, comp);
        if (sub < 0) {
            if (sub == -ELOOP)
                snprintf(why, cap, "%s is a symlink; not followed", where);
            else if (sub == -ENOTDIR || sub == -EEXIST)
                snprintf(why, cap, "%s exists and is not a directory", where);
            else
                snprintf(why, cap, "cannot create the directory %s: %s", where, strerror(-sub));
            close(fd);
            return sub;
        }
        close(fd);
        fd = sub;
        memcpy(s->dir_path, where, sizeof(where));
        p = slash + 1;
    }
    snprintf(s->name, sizeof(s->name), "%s", p);
    if (!store_names(s->name, s->part, s->state, s->state_tmp)) {
        snprintf(why, cap, "the name is longer than %d bytes, the limit of a file name",
                 STORE_NAME_MAX);
        close(fd);
        return -ENAMETOOLONG;
    }
    s->dirfd = fd;
    join(s->final_path, sizeof(s->final_path), s->dir_path, s->name);
    join(s->part_path, sizeof(s->part_path), s->dir_path, s->part);
    join(s->state_path, sizeof(s->state_path), s->dir_path, s->state);
    return 0;
}

int store_check_final(struct store *s, enum store_final *kind, uint8_t sha[SHA256_LEN],
                      uint64_t *size)
{
    struct stat st;
    void *buf;
    int fd, err;

    *kind = STORE_FINAL_NONE;
    *size = 0;
    if (fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISREG(st.st_mode)) {
        *kind = STORE_FINAL_OTHER;
        return 0;
    }
    fd = openat(s->dirfd, s->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0; /* gone meanwhile */
        if (errno == ELOOP) {
            *kind = STORE_FINAL_OTHER;
            return 0;
        }
        return -errno;
    }
    buf = malloc(STORE_HASH_BUF);
    if (buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    err = sha256_fd(fd, buf, STORE_HASH_BUF, NULL, sha, size);
    free(buf);
    close(fd);
    if (err == 0)
        *kind = STORE_FINAL_FILE;
    return err;
}

int store_claim(struct store *s)
{
    for (int i = 0; i < STORE_CLAIM_TRIES; i++) {
        struct stat have, now;
        int fd = openat(s->dirfd, s->part, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

            close(fd);
            return err;
        }
        /*
         * The name may have moved on while we waited for the lock: the
         * other owner renamed it into place or removed it. Only a lock on
         * the file the name still refers to counts.
         */
        if (fstat(fd, &have) == 0 && fstatat(s->dirfd, s->part, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
            have.st_ino == now.st_ino && have.st_dev == now.st_dev) {
            if (!S_ISREG(have.st_mode)) {
                close(fd);
                return -EINVAL;
            }
            s->part_fd = fd;
            s->part_size = (uint64_t)have.st_size;
            return 0;
        }
        close(fd);
    }
    return -EBUSY;
}

int store_part_size(const struct store *s, uint64_t *size)
{
    struct stat st;

    if (fstat(s->part_fd, &st) != 0)
        return -errno;
    *size = (uint64_t)st.st_size;
    return 0;
}

int store_reset_part(struct store *s, uint64_t size)
{
    int err;

    store_drop_state(s);
    if (s->part_size != 0 && ftruncate(s->part_fd, 0) != 0)
        return -errno;
    s->part_size = 0;
    if (size == UINT64_MAX || size < STORE_RESERVE_MIN)
        return 0;
    if ((uint64_t)(off_t)size != size || (off_t)size < 0)
        return -EFBIG;
    err = posix_fallocate(s->part_fd, 0, (off_t)size);
    /* Filesystems without fallocate still get the size, just not reserved. */
    if (err == EOPNOTSUPP || err == EINVAL)
        err = ftruncate(s->part_fd, (off_t)size) == 0 ? 0 : errno;
    if (err != 0) {
        int rc = ftruncate(s->part_fd, 0); /* give back what was reserved */

        (void)rc; /* the error that matters is ERR */
        return -err;
    }
    s->part_size = size;
    return 0;
}

int store_commit(struct store *s, bool is_durable)
{
    if (is_durable && fsync(s->part_fd) != 0)
        return -errno;
    if (renameat2(s->dirfd, s->part, s->dirfd, s->name, RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST)
            return -EEXIST;
        if (errno != EINVAL && errno != ENOSYS)
            return -errno;
        /* No RENAME_NOREPLACE here: link() refuses an existing name too. */
        if (linkat(s->dirfd, s->part, s->dirfd, s->name, 0) != 0)
            return -errno;
        (void)unlinkat(s->dirfd, s->part, 0);
    }
    store_drop_state(s);
    /* Best effort: the file has its name already, and the bytes are on
     * disk; a failure here cannot be undone by failing the download. */
    if (is_durable)
        (void)fsync(s->dirfd);
    return 0;
}

int store_save_state(struct store *s, const void *buf, size_t len)
{
    int fd, err;

    s->has_state = true; /* from here on a temporary, then the state, may be there */
    fd =
        openat(s->dirfd, s->state_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    err = fileio_write_all(fd, buf, len);
    if (close(fd) != 0 && err == 0)
        err = -errno;
    if (err == 0 && renameat(s->dirfd, s->state_tmp, s->dirfd, s->state) != 0)
        err = -errno;
    if (err != 0)
        (void)unlinkat(s->dirfd, s->state_tmp, 0);
    return err;
}

int store_load_state(struct store *s, size_t max, char **buf, size_t *len)
{
    int fd = openat(s->dirfd, s->state, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    int err;

    *buf = NULL;
    *len = 0;
    if (fd < 0 && errno == ENOENT) {
        /*
         * Nothing to remove later either. (A temporary is left only by a
         * kill between its write and its rename; the next save of this
         * file replaces it, and it is never read.)
         */
        s->has_state = false;
        return -ENOENT;
    }
    if (fd < 0)
        return errno == ELOOP ? -EINVAL : -errno;
    err = fstat(fd, &st) != 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
    if (err == 0)
        err = fileio_read_fd(fd, max, buf, len);
    close(fd);
    return err;
}

void store_drop_state(struct store *s)
{
    if (s->dirfd >= 0 && s->has_state) {
        (void)unlinkat(s->dirfd, s->state, 0);
        (void)unlinkat(s->dirfd, s->state_tmp, 0);
        s->has_state = false;
    }
}

void store_discard(struct store *s)
{
    if (s->dirfd < 0)
        return;
    store_drop_state(s);
    if (s->part_fd >= 0)
        (void)unlinkat(s->dirfd, s->part, 0);
}

void store_close(struct store *s)
{
    if (s->part_fd >= 0)
        close(s->part_fd);
    if (s->dirfd >= 0)
        close(s->dirfd);
    s->part_fd = -1;
    s->dirfd = -1;
}
