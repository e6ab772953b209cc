/*
 * server/fcache.c - the open-file cache of one worker (see fcache.h for
 * the rule that keeps it true).
 *
 * A hash table of names, chained, and a list in order of use; an entry
 * is one allocation (the entry, its directories, its name). A hit costs
 * one fstatat() per component of the name; a miss is pathopen() and
 * fstat(), as resource.c did before, plus one fstatat() per directory of
 * a nested name, and the read of a small settled file's bytes.
 */
#include "fcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "pathopen.h"

int fcache_init(struct fcache *fc, size_t max, size_t max_bytes)
{
    size_t nb = 16;

    memset(fc, 0, sizeof(*fc));
    while (nb < 2 * max)
        nb *= 2;
    fc->table = calloc(nb, sizeof(fc->table[0]));
    if (fc->table == NULL)
        return -ENOMEM;
    fc->nbuckets = nb;
    fc->max = max;
    fc->max_bytes = max_bytes;
    return 0;
}

static void entry_free(struct fcache_entry *e)
{
    if (e->fd >= 0)
        close(e->fd);
    free(e->bytes);
    free(e->links);
    free(e);
}

void fcache_release(struct fcache_entry *e)
{
    if (e == NULL)
        return;
    if (--e->refs == 0)
        entry_free(e);
}

/* Take E out of the table and the list; responses that hold it keep it. */
static void unlist(struct fcache *fc, struct fcache_entry *e)
{
    struct fcache_entry **pp = &fc->table[e->hash & (fc->nbuckets - 1)];

    while (*pp != e)
        pp = &(*pp)->hash_next;
    *pp = e->hash_next;
    if (e->lru_prev != NULL)
        e->lru_prev->lru_next = e->lru_next;
    else
        fc->lru_head = e->lru_next;
    if (e->lru_next != NULL)
        e->lru_next->lru_prev = e->lru_prev;
    else
        fc->lru_tail = e->lru_prev;
    e->hash_next = e->lru_prev = e->lru_next = NULL;
    e->is_listed = false;
    fc->n--;
    fc->bytes -= e->nbytes;
    e->nbytes = 0;
    fcache_release(e); /* the cache's reference */
}

void fcache_cleanup(struct fcache *fc)
{
    while (fc->lru_head != NULL)
        unlist(fc, fc->lru_head);
    free(fc->table);
    fc->table = NULL;
}

/* Close what no response holds: the descriptors ran out. */
static void trim(struct fcache *fc)
{
    struct fcache_entry *e = fc->lru_head;

    while (e != NULL) {
        struct fcache_entry *next = e->lru_next;

        if (e->refs == 1)
            unlist(fc, e);
        e = next;
    }
}

static void lru_push_front(struct fcache *fc, struct fcache_entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = fc->lru_head;
    if (fc->lru_head != NULL)
        fc->lru_head->lru_prev = e;
    else
        fc->lru_tail = e;
    fc->lru_head = e;
}

static void lru_touch(struct fcache *fc, struct fcache_entry *e)
{
    if (fc->lru_head == e)
        return;
    e->lru_prev->lru_next = e->lru_next; /* not the head, so it has a prev */
    if (e->lru_next != NULL)
        e->lru_next->lru_prev = e->lru_prev;
    else
        fc->lru_tail = e->lru_prev;
    lru_push_front(fc, e);
}

/* FNV-1a. */
static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static struct fcache_entry *find(const struct fcache *fc, const char *name, uint32_t h)
{
    for (struct fcache_entry *e = fc->table[h & (fc->nbuckets - 1)]; e != NULL; e = e->hash_next)
        if (e->hash == h && strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

const char *fcache_judge(const struct fcache_key *key, const struct stat *seen, size_t nseen)
{
    const struct stat *f;
    struct file_id id;

    if (nseen < key->ndirs + 1)
        return "a component of the name is gone";
    for (size_t i = 0; i < key->ndirs; i++)
        if (!S_ISDIR(seen[i].st_mode) || (uint64_t)seen[i].st_dev != key->dirs[i].dev ||
            (uint64_t)seen[i].st_ino != key->dirs[i].ino)
            return "a directory on the path is not the one the file was opened through";
    f = &seen[key->ndirs];
    file_id_from_stat(f, &id);
    if (!S_ISREG(f->st_mode) || (uint64_t)f->st_dev != key->dev || id.ino != key->id.ino)
        return "the name is not the file that was opened";
    if (!file_id_equal(&id, &key->id))
        return "the file changed";
    return NULL;
}

bool fcache_may_keep_bytes(const struct file_id *id, struct timespec now)
{
    int64_t now_ns, ctime_ns;

    if (id->size > FCACHE_BYTES_MAX || now.tv_sec < 0 || id->ctime_sec < 0)
        return false;
    /* Seconds are compared first, so nothing overflows for any time stamp. */
    if (id->ctime_sec > (int64_t)now.tv_sec)
        return false;
    if ((int64_t)now.tv_sec - id->ctime_sec > 10)
        return true;
    now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    ctime_ns = id->ctime_sec * 1000000000 + id->ctime_nsec;
    return now_ns - ctime_ns >= (int64_t)FCACHE_SETTLE_NS;
}

/*
 * fstatat() NAME's first NLEVELS - 1 directory prefixes and then NAME
 * itself beneath ROOTFD, without following a final symbolic link, into
 * SEEN. Returns how many were found: it stops at the first that fails.
 */
static size_t look(int rootfd, const char *name, size_t nlevels, struct stat *seen)
{
    char buf[NAME_PATH_MAX + 1];
    size_t len = strlen(name), found = 0;

    if (nlevels > 1) {
        if (len > NAME_PATH_MAX)
            return 0;
        memcpy(buf, name, len + 1);
        for (size_t i = 0; i < len && found + 1 < nlevels; i++) {
            if (buf[i] != '/')
                continue;
            buf[i] = '\0';
            if (fstatat(rootfd, buf, &seen[found], AT_SYMLINK_NOFOLLOW) != 0)
                return found;
            buf[i] = '/';
            found++;
        }
        if (found + 1 != nlevels)
            return found;
    }
    if (fstatat(rootfd, name, &seen[found], AT_SYMLINK_NOFOLLOW) != 0)
        return found;
    return found + 1;
}

/* Read E's whole file into memory, if it may and the budget allows, then check it is unchanged. */
static void keep_bytes(struct fcache *fc, struct fcache_entry *e, struct timespec now)
{
    size_t size = (size_t)e->key.id.size, got = 0;
    struct stat st;
    struct file_id id;
    char *b;

    if (!e->is_listed || !fcache_may_keep_bytes(&e->key.id, now) ||
        fc->bytes + size > fc->max_bytes)
        return;
    b = malloc(size > 0 ? size : 1);
    if (b == NULL)
        return;
    while (got < size) {
        ssize_t r = pread(e->fd, b + got, size - got, (off_t)got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    /* After the read, as filesend.c does: unchanged now means unchanged when read. */
    if (got != size || fstat(e->fd, &st) != 0) {
        free(b);
        return;
    }
    file_id_from_stat(&st, &id);
    if (!file_id_equal(&id, &e->key.id)) {
        free(b);
        return;
    }
    e->bytes = b;
    e->nbytes = size;
    fc->bytes += size;
}

static size_t count_dirs(const char *name)
{
    size_t n = 0;

    for (const char *p = name; *p != '\0'; p++)
        n += *p == '/';
    return n;
}

/*
 * A new entry for FD (taken: closed on failure), the open file NAME with
 * status ST, holding one reference. Its directories are looked at now:
 * *IS_CACHEABLE is false when one of them is not a directory (swapped
 * during the open: serve the file this once, cache nothing). NULL when
 * out of memory.
 */
static struct fcache_entry *entry_new(int rootfd, const char *name, int fd, const struct stat *st,
                                      bool *is_cacheable)
{
    size_t ndirs = count_dirs(name), len = strlen(name);
    struct fcache_entry *e = calloc(1, sizeof(*e) + ndirs * sizeof(struct fcache_dir) + len + 1);
    struct stat seen[NAME_PATH_MAX_DEPTH];
    struct fcache_dir *dirs;

    *is_cacheable = false;
    if (e == NULL) {
        close(fd);
        return NULL;
    }
    dirs = (struct fcache_dir *)(e + 1);
    e->fd = fd;
    e->refs = 1;
    e->name = memcpy((char *)(dirs + ndirs), name, len + 1);
    e->key.dirs = dirs;
    e->key.ndirs = ndirs;
    e->key.dev = (uint64_t)st->st_dev;
    file_id_from_stat(st, &e->key.id);
    if (ndirs + 1 > NAME_PATH_MAX_DEPTH || look(rootfd, name, ndirs + 1, seen) < ndirs)
        return e;
    for (size_t i = 0; i < ndirs; i++) {
        if (!S_ISDIR(seen[i].st_mode))
            return e;
        dirs[i].dev = (uint64_t)seen[i].st_dev;
        dirs[i].ino = (uint64_t)seen[i].st_ino;
    }
    *is_cacheable = true;
    return e;
}

/* Add E to the table, making room; it gets the cache's reference. */
static void list(struct fcache *fc, struct fcache_entry *e, uint32_t h)
{
    size_t b = h & (fc->nbuckets - 1);

    if (fc->n == fc->max)
        unlist(fc, fc->lru_tail);
    e->hash = h;
    e->hash_next = fc->table[b];
    fc->table[b] = e;
    lru_push_front(fc, e);
    e->is_listed = true;
    e->refs++;
    fc->n++;
}

void fcache_expire(struct fcache *fc, uint64_t now)
{
    /* The list is in order of use: the idle ones are at its tail. */
    while (fc->lru_tail != NULL && fc->lru_tail->last_used <= now &&
           now - fc->lru_tail->last_used >= FCACHE_INACTIVE_NS)
        unlist(fc, fc->lru_tail);
}

uint64_t fcache_next_expiry(const struct fcache *fc)
{
    if (fc->lru_tail == NULL)
        return UINT64_MAX;
    return fc->lru_tail->last_used + FCACHE_INACTIVE_NS + FCACHE_EXPIRE_SLACK_NS;
}

int fcache_open(struct fcache *fc, int rootfd, const char *name, uint64_t now,
                struct timespec now_real, struct fcache_entry **out)
{
    uint32_t h = name_hash(name);
    struct fcache_entry *e = fc->max > 0 ? find(fc, name, h) : NULL;
    struct stat seen[NAME_PATH_MAX_DEPTH], st;
    bool is_cacheable;
    int fd;

    *out = NULL;
    if (e != NULL) {
        size_t nlevels = e->key.ndirs + 1;

        if (fcache_judge(&e->key, seen, look(rootfd, name, nlevels, seen)) == NULL) {
            lru_touch(fc, e);
            e->last_used = now;
            if (e->bytes == NULL)
                keep_bytes(fc, e, now_real);
            e->refs++;
            *out = e;
            return 0;
        }
        unlist(fc, e);
    }
    fd = pathopen(rootfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY, PATHOPEN_AUTO);
    if (fd == -EMFILE || fd == -ENFILE) {
        trim(fc);
        fd = pathopen(rootfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY, PATHOPEN_AUTO);
    }
    if (fd < 0)
        return fd;
    if (fstat(fd, &st) != 0)
        st.st_mode = 0;
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return S_ISDIR(st.st_mode) ? -EISDIR : -ENXIO;
    }
    e = entry_new(rootfd, name, fd, &st, &is_cacheable);
    if (e == NULL)
        return -ENOMEM;
    e->last_used = now;
    if (is_cacheable && fc->max > 0) {
        list(fc, e, h);
        keep_bytes(fc, e, now_real);
    }
    *out = e;
    return 0;
}
