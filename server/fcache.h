/*
 * server/fcache.h - a worker's cache of open published files, so that a
 * file asked for again costs one fstatat() per component of its name
 * instead of an open, an fstat and a close (like nginx's open_file_cache,
 * but never stale).
 *
 * An entry keeps the file open, with what it was when opened: its device
 * and identity (server/fileid.h), and the device and inode of every
 * directory on its path. It is used only after a fresh look at the name,
 * fstatat(AT_SYMLINK_NOFOLLOW) of each directory prefix and of the whole
 * path beneath the root, finds exactly that again (fcache_judge()): the
 * same directories, and the same regular file in the same version. So a
 * rewrite in place, an edit that puts the old mtime back (its ctime
 * moved), a rename over the file or of the file, a delete, a chmod, and a
 * directory swapped for another or for a symbolic link are all seen at
 * the start of the request, as an open would see them; the entry is then
 * dropped and the name opened again with pathopen(). The checks while a
 * file is sent (filesend.c) are unchanged.
 *
 * A small file (at most FCACHE_BYTES_MAX) whose last change is at least
 * FCACHE_SETTLE_NS old also keeps its bytes, read and then checked as
 * filesend.c checks a tail: later writes move its ctime past any value
 * the coarse file-system clock could have given the version read, so an
 * unchanged identity means unchanged bytes, and its responses go out
 * from memory with no read. (A younger file could be rewritten within
 * the same clock tick without a visible change; it is read afresh for
 * every response, as before.)
 *
 * The representation a response describes (ETag, Last-Modified, type,
 * digest) is kept in the entry too, built once per version by
 * resource.c; rep_gen says which catalog snapshot decided the digest.
 *
 * One cache per worker thread, touched only by that thread: no locks.
 * Responses hold a reference to the entry they send from, so an entry
 * dropped from the cache (stale, least recently used, or unused for
 * FCACHE_INACTIVE_NS) closes its file only when its last response is
 * done. Its size is bounded by entries (from the descriptor limit:
 * capacity_file_cache()) and by bytes.
 */
#ifndef SERVER_FCACHE_H
#define SERVER_FCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "fileid.h"
#include "filesend.h"
#include "respond.h"

/* Files at most this large keep their bytes (the size filesend.c holds back, reads and checks). */
#define FCACHE_BYTES_MAX       FILESEND_TAIL_MAX
/* ... once their last change is this old: longer than any file system's timestamp granularity. */
#define FCACHE_SETTLE_NS       (2ull * 1000000000u)
/* Bytes of small files one worker keeps. */
#define FCACHE_BYTES_BUDGET    (1u << 20)
/* An entry no request found for this long is dropped, so a deleted file's space is not held
 * for longer (nginx's open_file_cache "inactive"). */
#define FCACHE_INACTIVE_NS     (10ull * 1000000000u)
/* Entries that fall idle within this much of each other are dropped in one wake-up. */
#define FCACHE_EXPIRE_SLACK_NS (1000000000u)

/* A directory on a cached name's path, as it was when the file was opened. */
struct fcache_dir {
    uint64_t dev;
    uint64_t ino;
};

/* What a cached name stood for when it was opened. */
struct fcache_key {
    const struct fcache_dir *dirs; /* each directory prefix, outermost first */
    size_t ndirs;                  /* the name's components less one */
    uint64_t dev;                  /* the file's device */
    struct file_id id;             /* and its identity */
};

struct fcache_entry {
    /* The worker's: linkage (fcache.c). */
    struct fcache_entry *hash_next;
    struct fcache_entry *lru_prev, *lru_next;
    uint32_t hash;
    bool is_listed;     /* still found by name; else only responses hold it */
    unsigned refs;      /* the cache's (while listed) and one per response */
    size_t nbytes;      /* bytes counted against the budget (0: none kept) */
    uint64_t last_used; /* monotonic ns of the last fcache_open() that returned it */

    int fd; /* the open file (owned by the entry) */
    struct fcache_key key;
    char *bytes;      /* the whole file, read and checked; NULL when not kept */
    struct repr rep;  /* what responses describe (resource.c); is_file, mem unused */
    uint64_t rep_gen; /* the snapshot generation rep's digest was decided with; 0: none yet */
    char *links;      /* rep.links once the catalog vouched for this version (resource.c; owned) */
    const char *name; /* the published path, stored after the entry */
};

struct fcache {
    struct fcache_entry **table;              /* hash buckets, chained */
    size_t nbuckets;                          /* a power of two */
    struct fcache_entry *lru_head, *lru_tail; /* most recently used first */
    size_t n, max;           /* entries listed; at most MAX (0: the cache is off) */
    size_t bytes, max_bytes; /* bytes kept; at most MAX_BYTES */
};

/*
 * Prepare FC for at most MAX entries (0 turns caching off: every lookup
 * opens, and its entry is dropped when released) and MAX_BYTES bytes of
 * small files. Returns 0 or -ENOMEM.
 */
int fcache_init(struct fcache *fc, size_t max, size_t max_bytes);

/*
 * Drop every entry. Entries that responses still hold are freed when
 * those release them.
 */
void fcache_cleanup(struct fcache *fc);

/*
 * The file published as NAME (a path that passed name_path_check()),
 * beneath ROOTFD: a cached entry that fcache_judge() finds still true,
 * or the file opened now with pathopen() (and cached, when it is a
 * regular file). NOW is the monotonic clock in ns (worker_now()), for
 * fcache_expire(); NOW_REAL the wall clock, for fcache_may_keep_bytes().
 * Returns 0 with a reference in *OUT (give it back with
 * fcache_release()); -EISDIR for a directory, -ENXIO for anything else
 * that is not a regular file, or pathopen()'s negative errno value
 * (-ENOENT, -ELOOP, -EACCES, -EMFILE, ...). On -EMFILE/-ENFILE the
 * entries no response holds are closed and the open is tried once more.
 */
int fcache_open(struct fcache *fc, int rootfd, const char *name, uint64_t now,
                struct timespec now_real, struct fcache_entry **out);

/*
 * Drop the entries no fcache_open() returned for FCACHE_INACTIVE_NS
 * before NOW (monotonic ns); responses that hold one keep it until they
 * are done.
 */
void fcache_expire(struct fcache *fc, uint64_t now);

/*
 * When fcache_expire() next has something to drop (monotonic ns, with
 * FCACHE_EXPIRE_SLACK_NS added so that entries gone idle close together
 * go in one call), or UINT64_MAX when the cache is empty.
 */
uint64_t fcache_next_expiry(const struct fcache *fc);

/* Give back a reference from fcache_open(). NULL is fine. */
void fcache_release(struct fcache_entry *e);

/*
 * Whether the cached KEY still stands for the name: SEEN[0..KEY->ndirs)
 * is what fstatat(AT_SYMLINK_NOFOLLOW) found for each directory prefix,
 * SEEN[KEY->ndirs] for the whole name; NSEEN is how many of them were
 * found (a lookup that failed ends the list). Returns NULL when all of
 * them were found, every directory is the same directory (a directory,
 * same device and inode) and the file the same regular file in the same
 * version (same device, file_id_equal()); else what differs, in words.
 * Pure.
 */
const char *fcache_judge(const struct fcache_key *key, const struct stat *seen, size_t nseen);

/*
 * Whether a file of identity ID may keep its bytes in memory at NOW
 * (wall clock): at most FCACHE_BYTES_MAX bytes, and its change time at
 * least FCACHE_SETTLE_NS before NOW (a change time in the future never
 * is). Pure.
 */
bool fcache_may_keep_bytes(const struct file_id *id, struct timespec now);

#endif
