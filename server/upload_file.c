/*
 * server/upload_file.c - directories, temporary files and publication.
 */
#include "upload_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "encode.h"
#include "log.h"
#include "name.h"

int upload_random_hex(char *out, size_t nbytes)
{
    uint8_t buf[32];
    size_t got = 0;

    if (nbytes > sizeof(buf))
        return -EINVAL;
    while (got < nbytes) {
        ssize_t n = getrandom(buf + got, nbytes - got, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        got += (size_t)n;
    }
    encode_hex(buf, nbytes, out);
    return 0;
}

/* Why openat(O_DIRECTORY | O_NOFOLLOW) of NAME in DIRFD failed with ERR: a link is -ELOOP. */
static int classify(int dirfd, const char *name, int err)
{
    struct stat st;

    if (err != ENOTDIR && err != ELOOP)
        return -err;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return -ELOOP;
    return -ENOTDIR;
}

int upload_open_parent(int rootfd, const char *path, bool create, const char **base)
{
    struct strview comps[NAME_PATH_MAX_DEPTH];
    char buf[NAME_MAX_LEN + 1];
    size_t n = name_path_split(path, strlen(path), comps, NAME_PATH_MAX_DEPTH);
    int cur;

    *base = path;
    if (n == 0 || n > NAME_PATH_MAX_DEPTH)
        return -EINVAL;
    *base = comps[n - 1].p;
    cur = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return -errno;
    for (size_t i = 0; i + 1 < n; i++) {
        int fd;

        if (comps[i].len == 0 || comps[i].len > NAME_MAX_LEN) {
            close(cur);
            return -EINVAL;
        }
        memcpy(buf, comps[i].p, comps[i].len);
        buf[comps[i].len] = '\0';
        fd = openat(cur, buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
            /* EEXIST: made by someone else meanwhile; the open below judges it. */
            if (mkdirat(cur, buf, UPLOAD_DIR_MODE) != 0 && errno != EEXIST) {
                fd = -errno;
                close(cur);
                return fd;
            }
            fd = openat(cur, buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
            fd = classify(cur, buf, errno);
        close(cur);
        if (fd < 0)
            return fd;
        cur = fd;
    }
    return cur;
}

int upload_target_kind(int dirfd, const char *base, enum upload_target *out)
{
    struct stat st;

    *out = TARGET_ABSENT;
    if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -errno;
    if (S_ISREG(st.st_mode))
        *out = TARGET_FILE;
    else if (S_ISDIR(st.st_mode))
        *out = TARGET_DIR;
    else if (S_ISLNK(st.st_mode))
        *out = TARGET_LINK;
    else
        *out = TARGET_OTHER;
    return 0;
}

int upload_tmp_create(int dirfd, char name[UPLOAD_TMP_NAME_MAX])
{
    for (int tries = 0; tries < 8; tries++) {
        char hex[17];
        int fd, err = upload_random_hex(hex, 8);

        if (err != 0)
            return err;
        snprintf(name, UPLOAD_TMP_NAME_MAX, "%s%s", UPLOAD_TMP_PREFIX, hex);
        fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    UPLOAD_FILE_MODE);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return -errno;
    }
    return -EEXIST;
}

int upload_errno_status(int err, const char **why)
{
    switch (err) {
    case ENOSPC:
    case EDQUOT:
        *why = "no space left on the server's disk";
        return 507;
    case EFBIG:
        *why = "the file is larger than the server may store";
        return 507;
    case EACCES:
    case EPERM:
    case EROFS:
        *why = "the server may not write there";
        return 403;
    case ELOOP:
        *why = "the path goes through a symbolic link, which is never followed";
        return 403;
    case EISDIR:
    case ENOTEMPTY:
    case EEXIST:
        *why = "a directory has that name";
        return 409;
    case ENOTDIR:
        *why = "a component of the path is a file, not a directory";
        return 409;
    case ENOENT:
        *why = "no such file";
        return 404;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
        *why = "the server is out of resources; try again";
        return 503;
    default:
        *why = "the server could not write the file";
        return 500;
    }
}

/*
 * Publish the current catalog with PATH set to E, or without it (E NULL).
 * Edit lock held. Returns the new generation, or 0 when out of memory.
 */
static uint64_t catalog_set(struct catalog_store *st, const char *path, const struct snap_entry *e)
{
    struct snapshot *cur = catalog_store_get(st), *next = NULL;
    struct snap_entry *v;
    size_t n = 0;

    v = snapshot_edit(cur, path, e, &n);
    if (v != NULL)
        next = snapshot_new(v, n, cur, time(NULL));
    snapshot_unref(cur);
    return next != NULL ? catalog_store_publish(st, next) : 0;
}

int upload_publish(struct catalog_store *st, int fd, int srcdir, const char *src, int dirfd,
                   const char *base, const char *path, const uint8_t sha[SHA256_LEN], bool *is_new,
                   struct file_id *id, uint64_t *gen)
{
    struct snap_entry e;
    struct stat fst;
    int err = 0;

    *gen = 0;
    pthread_mutex_lock(&st->edit_lock);
    *is_new = true;
    if (renameat2(srcdir, src, dirfd, base, RENAME_NOREPLACE) != 0) {
        err = errno;
        if (err == EEXIST || err == EINVAL || err == ENOSYS) {
            /* Taken (or a file system without RENAME_NOREPLACE): replace. */
            struct stat old;

            *is_new = err != EEXIST && fstatat(dirfd, base, &old, AT_SYMLINK_NOFOLLOW) != 0;
            err = renameat(srcdir, src, dirfd, base) != 0 ? errno : 0;
        }
    }
    if (err != 0)
        goto out;
    /* The identity after the rename (which changed its ctime) is the one
     * the catalog and every later fstat of the file see. */
    if (fstat(fd, &fst) != 0) {
        err = errno;
        goto out;
    }
    memset(&e, 0, sizeof(e));
    file_id_from_stat(&fst, &e.id);
    memcpy(e.sha256, sha, SHA256_LEN);
    *id = e.id;
    *gen = catalog_set(st, path, &e);
    if (*gen == 0) /* the file is in place all the same: the upload succeeded */
        log_warnx("catalog: out of memory; %s is listed at the next rescan", path);
out:
    pthread_mutex_unlock(&st->edit_lock);
    return -err;
}

int upload_unpublish(struct catalog_store *st, int dirfd, const char *base, const char *path,
                     uint64_t *gen)
{
    int err = 0;

    *gen = 0;
    pthread_mutex_lock(&st->edit_lock);
    if (unlinkat(dirfd, base, 0) != 0)
        err = errno;
    else if ((*gen = catalog_set(st, path, NULL)) == 0)
        log_warnx("catalog: out of memory; %s leaves the catalog at the next rescan", path);
    pthread_mutex_unlock(&st->edit_lock);
    return -err;
}
