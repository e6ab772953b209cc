/*
 * server/uploads.c - the registry of resumable uploads, and their files.
 *
 * ID.meta is replaced atomically (ID.meta.tmp, then rename) but without
 * fsync: an upload survives the server being killed or restarted (the
 * page cache keeps what was written), and a power cut can at worst lose
 * an unfinished upload, never damage a file that was published (that
 * path fsyncs; see upload_conn.c).
 */
#include "uploads.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "upload_file.h"

#define HASH_BUF (1u << 20)

/* Claims are numbered across every upload, so one never comes back. */
static atomic_uint_fast64_t next_claim = 1;

void upload_data_name(const struct upload *u, char out[UPLOAD_FILE_NAME_MAX])
{
    snprintf(out, UPLOAD_FILE_NAME_MAX, "%s.data", u->id);
}

static void meta_name(const char *id, char out[UPLOAD_FILE_NAME_MAX], bool is_tmp)
{
    snprintf(out, UPLOAD_FILE_NAME_MAX, "%s.meta%s", id, is_tmp ? ".tmp" : "");
}

int64_t upload_max_age(const struct uploads *r, int64_t active, time_t now)
{
    int64_t left = active + (int64_t)r->expiry_secs - (int64_t)now;

    return left > 0 ? left : 0;
}

static bool is_id(const char *s, size_t len)
{
    if (len != UPLOAD_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Write M as ID's description: ID.meta.tmp, then rename. 0 or -errno. */
static int meta_write(struct uploads *r, const char *id, const struct upload_meta *m)
{
    char text[UPLOAD_META_MAX], tmp[UPLOAD_FILE_NAME_MAX], name[UPLOAD_FILE_NAME_MAX];
    size_t len = upload_meta_format(m, text, sizeof(text));
    int fd, err;

    if (len == 0)
        return -EINVAL;
    meta_name(id, tmp, true);
    meta_name(id, name, false);
    fd = openat(r->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    err = fileio_write_all(fd, text, len);
    if (close(fd) != 0 && err == 0)
        err = -errno;
    if (err == 0 && renameat(r->dirfd, tmp, r->dirfd, name) != 0)
        err = -errno;
    if (err != 0)
        unlinkat(r->dirfd, tmp, 0);
    return err;
}

static struct upload *upload_alloc(const char *id)
{
    struct upload *u = calloc(1, sizeof(*u));

    if (u == NULL)
        return NULL;
    memcpy(u->id, id, UPLOAD_ID_LEN);
    u->id[UPLOAD_ID_LEN] = '\0';
    atomic_init(&u->refs, 1);
    pthread_mutex_init(&u->lock, NULL);
    return u;
}

void upload_unref(struct upload *u)
{
    if (u == NULL || atomic_fetch_sub(&u->refs, 1) != 1)
        return;
    sha256_free(u->hash);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

/* Add U to the table (which takes U's first reference). Registry lock held. */
static int table_add(struct uploads *r, struct upload *u)
{
    struct upload **v;

    if (r->n == UPLOADS_MAX)
        return -EAGAIN;
    v = realloc(r->v, (r->n + 1) * sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    r->v = v;
    r->v[r->n++] = u;
    return 0;
}

/* Take U out of the table; true when it was there. Registry lock held. */
static bool table_drop(struct uploads *r, struct upload *u)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i] == u) {
            r->v[i] = r->v[--r->n];
            return true;
        }
    }
    return false;
}

static void remove_files(struct uploads *r, const char *id)
{
    char name[UPLOAD_FILE_NAME_MAX];

    snprintf(name, sizeof(name), "%s.data", id);
    unlinkat(r->dirfd, name, 0);
    meta_name(id, name, false);
    unlinkat(r->dirfd, name, 0);
}

/*
 * Load the upload ID (its ID.meta exists) into the table, or remove its
 * files when it is broken or expired. Returns the bytes hashed.
 */
static uint64_t load_one(struct uploads *r, const char *id, time_t now, void *buf)
{
    char name[UPLOAD_FILE_NAME_MAX], *text = NULL;
    struct upload *u = NULL;
    struct stat mst, dst;
    size_t len = 0;
    const char *why = NULL;
    int fd = -1, err;

    meta_name(id, name, false);
    fd = openat(r->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &mst) != 0 || fileio_read_fd(fd, UPLOAD_META_MAX, &text, &len) != 0) {
        why = "its description cannot be read";
        goto drop;
    }
    close(fd);
    fd = -1;
    u = upload_alloc(id);
    if (u == NULL) {
        why = "out of memory";
        goto drop;
    }
    if (!upload_meta_parse(text, len, &u->meta)) {
        why = "its description is malformed";
        goto drop;
    }
    u->active = mst.st_mtim.tv_sec;
    if (u->meta.is_complete) {
        u->state = UPLOAD_COMPLETE;
        u->offset = u->meta.size;
    } else {
        snprintf(name, sizeof(name), "%s.data", id);
        fd = openat(r->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &dst) != 0 || !S_ISREG(dst.st_mode)) {
            why = "its data is missing";
            goto drop;
        }
        if (dst.st_mtim.tv_sec > u->active)
            u->active = dst.st_mtim.tv_sec;
        u->state = UPLOAD_ACTIVE;
    }
    if (upload_max_age(r, u->active, now) == 0) {
        why = "it expired";
        goto drop;
    }
    if (u->state == UPLOAD_ACTIVE) {
        /* The hash state did not survive the restart: read the data once,
         * into a hash that then goes on with the next append. */
        u->hash = sha256_new();
        err = u->hash == NULL ? -ENOMEM : 0;
        while (err == 0) {
            ssize_t n = read(fd, buf, HASH_BUF);

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                err = n < 0 ? -errno : 0;
                break;
            }
            err = sha256_update(u->hash, buf, (size_t)n);
            u->offset += (uint64_t)n;
        }
        if (err != 0) {
            why = "its data cannot be read";
            goto drop;
        }
    }
    if (fd >= 0)
        close(fd);
    free(text);
    pthread_mutex_lock(&r->lock);
    err = table_add(r, u);
    pthread_mutex_unlock(&r->lock);
    if (err != 0) {
        upload_unref(u);
        log_warnx("uploads: cannot keep %s: %s", id, strerror(-err));
    }
    return u->state == UPLOAD_ACTIVE ? u->offset : 0;
drop:
    if (fd >= 0)
        close(fd);
    free(text);
    log_out("uploads: removing upload %s: %s", id, why);
    remove_files(r, id);
    upload_unref(u);
    return 0;
}

/* A name in .pdm-uploads that is not an upload's description: whose is it? */
static bool has_meta(struct uploads *r, const char *id)
{
    char name[UPLOAD_FILE_NAME_MAX];
    struct stat st;

    meta_name(id, name, false);
    return fstatat(r->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int load_all(struct uploads *r, time_t now)
{
    int dfd = openat(r->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
    void *buf = malloc(HASH_BUF);
    uint64_t hashed = 0;
    struct dirent *d;

    if (dir == NULL || buf == NULL) {
        int err = dir == NULL ? -errno : -ENOMEM;

        if (dir != NULL)
            closedir(dir);
        else if (dfd >= 0)
            close(dfd);
        free(buf);
        return err;
    }
    while ((d = readdir(dir)) != NULL) {
        size_t len = strlen(d->d_name);
        char id[UPLOAD_ID_LEN + 1];

        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        if (len > UPLOAD_ID_LEN && is_id(d->d_name, UPLOAD_ID_LEN)) {
            memcpy(id, d->d_name, UPLOAD_ID_LEN);
            id[UPLOAD_ID_LEN] = '\0';
            if (strcmp(d->d_name + UPLOAD_ID_LEN, ".meta") == 0) {
                hashed += load_one(r, id, now, buf);
                continue;
            }
            if (strcmp(d->d_name + UPLOAD_ID_LEN, ".data") == 0 && has_meta(r, id))
                continue; /* load_one() takes it with its description */
        }
        /* A leftover: a data file whose description is gone, a .tmp of a
         * description being written when the server stopped, or junk. */
        if (unlinkat(r->dirfd, d->d_name, 0) == 0)
            log_out("uploads: removed %s/%s, left over by an earlier run", UPLOADS_DIR, d->d_name);
    }
    closedir(dir);
    free(buf);
    if (r->n > 0)
        log_out("uploads: %zu upload%s kept from an earlier run (%" PRIu64 " bytes hashed again)",
                r->n, r->n == 1 ? "" : "s", hashed);
    return 0;
}

int uploads_init(struct uploads *r, int rootfd, unsigned expiry_secs, time_t now)
{
    int err;

    memset(r, 0, sizeof(*r));
    r->expiry_secs = expiry_secs;
    pthread_mutex_init(&r->lock, NULL);
    if (mkdirat(rootfd, UPLOADS_DIR, 0700) != 0 && errno != EEXIST) {
        err = -errno;
        goto fail;
    }
    r->dirfd = openat(rootfd, UPLOADS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (r->dirfd < 0) {
        err = errno == ENOTDIR ? -ELOOP : -errno;
        goto fail;
    }
    err = load_all(r, now);
    if (err == 0)
        return 0;
    close(r->dirfd);
fail:
    r->dirfd = -1;
    pthread_mutex_destroy(&r->lock);
    return err;
}

void uploads_cleanup(struct uploads *r)
{
    for (size_t i = 0; i < r->n; i++)
        upload_unref(r->v[i]);
    free(r->v);
    r->v = NULL;
    r->n = 0;
    if (r->dirfd >= 0)
        close(r->dirfd);
    r->dirfd = -1;
    pthread_mutex_destroy(&r->lock);
}

struct upload *uploads_create(struct uploads *r, const struct upload_meta *m, time_t now,
                              uint64_t *claim, int *fd, int *err)
{
    char id[UPLOAD_ID_LEN + 1], name[UPLOAD_FILE_NAME_MAX];
    struct upload *u = NULL;

    *fd = -1;
    *err = upload_random_hex(id, UPLOAD_ID_BYTES);
    if (*err != 0)
        return NULL;
    u = upload_alloc(id);
    if (u == NULL || (u->hash = sha256_new()) == NULL) {
        *err = -ENOMEM;
        goto fail;
    }
    u->meta = *m;
    u->meta.is_complete = false;
    u->state = UPLOAD_ACTIVE;
    u->active = now;
    u->owner = atomic_fetch_add(&next_claim, 1);
    upload_data_name(u, name);
    /* The mode the file will be published with, as a plain PUT's; the
     * directory (0700) keeps it private until then. */
    *fd = openat(r->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 UPLOAD_FILE_MODE);
    if (*fd < 0) {
        *err = -errno;
        goto fail;
    }
    *err = meta_write(r, id, &u->meta);
    if (*err != 0)
        goto fail_files;
    pthread_mutex_lock(&r->lock);
    *err = table_add(r, u);
    pthread_mutex_unlock(&r->lock);
    if (*err != 0)
        goto fail_files;
    *claim = u->owner;
    atomic_fetch_add(&u->refs, 1);
    return u;
fail_files:
    close(*fd);
    *fd = -1;
    remove_files(r, id);
fail:
    upload_unref(u);
    return NULL;
}

/* Past its expiry, and no request holds it. U's lock held. */
static bool is_expired(const struct uploads *r, const struct upload *u, time_t now)
{
    return u->owner == 0 && (u->state == UPLOAD_ACTIVE || u->state == UPLOAD_COMPLETE) &&
           upload_max_age(r, u->active, now) == 0;
}

struct upload *uploads_find(struct uploads *r, struct strview id, time_t now)
{
    struct upload *u = NULL;
    bool is_old;

    if (!is_id(id.p, id.len))
        return NULL;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n; i++) {
        if (memcmp(r->v[i]->id, id.p, UPLOAD_ID_LEN) == 0) {
            u = r->v[i];
            atomic_fetch_add(&u->refs, 1);
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    if (u == NULL)
        return NULL;
    pthread_mutex_lock(&u->lock);
    is_old = is_expired(r, u, now) || u->state == UPLOAD_GONE;
    pthread_mutex_unlock(&u->lock);
    if (is_old) {
        uploads_remove(r, u);
        upload_unref(u);
        return NULL;
    }
    return u;
}

uint64_t upload_claim(struct upload *u, time_t now)
{
    uint64_t claim = atomic_fetch_add(&next_claim, 1);

    pthread_mutex_lock(&u->lock);
    u->owner = claim;
    u->active = now;
    pthread_mutex_unlock(&u->lock);
    return claim;
}

void upload_release(struct upload *u, uint64_t claim)
{
    pthread_mutex_lock(&u->lock);
    if (u->owner == claim)
        u->owner = 0;
    pthread_mutex_unlock(&u->lock);
}

void upload_snapshot(struct upload *u, struct upload_view *view, enum upload_state *state,
                     struct upload_meta *meta, int64_t *active)
{
    pthread_mutex_lock(&u->lock);
    view->is_complete = u->state == UPLOAD_COMPLETE || u->state == UPLOAD_COMMITTING;
    view->offset = u->offset;
    view->has_length = u->meta.has_length;
    view->length = u->meta.length;
    if (state != NULL)
        *state = u->state;
    if (meta != NULL)
        *meta = u->meta;
    if (active != NULL)
        *active = u->active;
    pthread_mutex_unlock(&u->lock);
}

int upload_open_data(struct uploads *r, struct upload *u)
{
    char name[UPLOAD_FILE_NAME_MAX];
    int fd;

    upload_data_name(u, name);
    fd = openat(r->dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int upload_append(struct upload *u, uint64_t claim, int fd, const void *data, size_t len,
                  struct sha256 *extra)
{
    int err;

    pthread_mutex_lock(&u->lock);
    if (u->owner != claim || u->state != UPLOAD_ACTIVE) {
        pthread_mutex_unlock(&u->lock);
        return -ESTALE;
    }
    err = fileio_pwrite_all(fd, data, len, u->offset);
    if (err != 0) {
        /* A short write may have left bytes past the offset: the size of
         * ID.data is the offset after a restart, so cut them off. */
        (void)!ftruncate(fd, (off_t)u->offset);
    } else {
        err = sha256_update(u->hash, data, len);
        if (err == 0 && extra != NULL)
            err = sha256_update(extra, data, len);
        if (err == 0)
            u->offset += len;
    }
    pthread_mutex_unlock(&u->lock);
    return err;
}

int upload_hash_copy(struct upload *u, uint64_t claim, struct sha256 *out)
{
    int err = -ESTALE;

    pthread_mutex_lock(&u->lock);
    if (u->owner == claim && u->hash != NULL)
        err = sha256_copy(out, u->hash);
    pthread_mutex_unlock(&u->lock);
    return err;
}

int upload_rollback(struct upload *u, uint64_t claim, int fd, uint64_t start,
                    const struct sha256 *checkpoint)
{
    int err = -ESTALE;

    pthread_mutex_lock(&u->lock);
    if (u->owner == claim && u->state == UPLOAD_ACTIVE) {
        err = ftruncate(fd, (off_t)start) != 0 ? -errno : sha256_copy(u->hash, checkpoint);
        if (err == 0)
            u->offset = start;
    }
    pthread_mutex_unlock(&u->lock);
    return err;
}

int upload_learn(struct uploads *r, struct upload *u, uint64_t claim, bool has_length,
                 uint64_t length, const uint8_t *digest)
{
    struct upload_meta m;
    bool is_changed = false;

    pthread_mutex_lock(&u->lock);
    if (u->owner != claim) {
        pthread_mutex_unlock(&u->lock);
        return -ESTALE;
    }
    if (has_length && !u->meta.has_length) {
        u->meta.has_length = true;
        u->meta.length = length;
        is_changed = true;
    }
    if (digest != NULL && !u->meta.has_digest) {
        u->meta.has_digest = true;
        memcpy(u->meta.digest, digest, SHA256_LEN);
        is_changed = true;
    }
    m = u->meta;
    pthread_mutex_unlock(&u->lock);
    return is_changed ? meta_write(r, u->id, &m) : 0;
}

int upload_begin_commit(struct upload *u, uint64_t claim, uint8_t sha[SHA256_LEN])
{
    struct sha256 *copy = sha256_new();
    int err = -ESTALE;

    if (copy == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&u->lock);
    if (u->owner == claim && u->state == UPLOAD_ACTIVE) {
        /* A copy: should the commit fail, the upload goes on hashing. */
        err = sha256_copy(copy, u->hash);
        if (err == 0)
            err = sha256_final(copy, sha);
        if (err == 0)
            u->state = UPLOAD_COMMITTING;
    }
    pthread_mutex_unlock(&u->lock);
    sha256_free(copy);
    return err;
}

void uploads_end_commit(struct uploads *r, struct upload *u, bool ok, uint64_t size)
{
    struct upload_meta m;

    pthread_mutex_lock(&u->lock);
    if (u->state != UPLOAD_COMMITTING) {
        pthread_mutex_unlock(&u->lock);
        return;
    }
    if (!ok) {
        u->state = UPLOAD_ACTIVE;
        pthread_mutex_unlock(&u->lock);
        return;
    }
    u->state = UPLOAD_COMPLETE;
    u->meta.is_complete = true;
    u->meta.size = size;
    u->offset = size;
    u->active = time(NULL);
    sha256_free(u->hash);
    u->hash = NULL;
    m = u->meta;
    pthread_mutex_unlock(&u->lock);
    if (meta_write(r, u->id, &m) != 0)
        log_warnx("uploads: cannot record that upload %s completed", u->id);
}

void uploads_remove(struct uploads *r, struct upload *u)
{
    bool was_listed;

    pthread_mutex_lock(&u->lock);
    u->state = UPLOAD_GONE;
    u->owner = 0;
    pthread_mutex_unlock(&u->lock);
    pthread_mutex_lock(&r->lock);
    was_listed = table_drop(r, u);
    pthread_mutex_unlock(&r->lock);
    if (!was_listed)
        return; /* someone else removed it */
    remove_files(r, u->id);
    upload_unref(u); /* the table's reference */
}

void uploads_sweep(struct uploads *r, time_t now)
{
    for (;;) {
        struct upload *u = NULL;

        pthread_mutex_lock(&r->lock);
        for (size_t i = 0; i < r->n && u == NULL; i++) {
            struct upload *c = r->v[i];

            /* Busy (an append is writing): it is not idle, so not expired;
             * and the table's lock is not held while a write goes on. */
            if (pthread_mutex_trylock(&c->lock) != 0)
                continue;
            if (is_expired(r, c, now)) {
                u = c;
                atomic_fetch_add(&u->refs, 1);
            }
            pthread_mutex_unlock(&c->lock);
        }
        pthread_mutex_unlock(&r->lock);
        if (u == NULL)
            return;
        log_out("uploads: upload %s to %s expired", u->id, u->meta.path);
        uploads_remove(r, u);
        upload_unref(u);
    }
}
