/*
 * server/scanhash.c - the scan's hashing pool.
 *
 * DESIGN. One scan, one pool: scanhash_run() sorts the jobs largest
 * first, starts up to NTHREADS - 1 threads and works beside them. Every
 * thread takes the next job from one shared atomic index, so a thread
 * that finishes early simply takes more; ordering largest first keeps
 * one big file from starting last and leaving the other cores idle at
 * the end. A file is never split: its SHA-256 is one sequential pass.
 * Each thread owns its buffers and its SHA-256 contexts; a job is written
 * only by the thread that took it, and read by the caller only after
 * every thread is joined, so nothing else is shared between them.
 *
 * Piece hashes come from the same read as the file's SHA-256, at no cost
 * in wall time: a thread that meets a file of more than one piece starts
 * its own piece thread (once; it lives until the pool is done) and hands
 * it each block through a ring of SCANHASH_RING blocks (a mutex and a
 * condition variable: struct lane), so one large file is hashed twice
 * over on two cores in the time of one pass. A file of one piece takes
 * the file's hash as its piece; an empty file has none.
 */
#include "scanhash.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "human.h"
#include "log.h"
#include "pathopen.h"
#include "pieces.h"

#define SCANHASH_BLOCK    (512u << 10)  /* one read */
#define SCANHASH_RING     4             /* blocks between a reader and its piece thread */
#define SCANHASH_BIG_FILE (64ull << 20) /* announce hashing of files this large */

struct pool {
    int rootfd;
    struct scanhash_job *jobs;
    size_t n;
    atomic_size_t next; /* the next job to take: the only field the hashing threads share */
    const atomic_bool *stop;
    bool is_verbose;
};

/* The piece hashes of one file, fed its bytes in order. */
struct piecer {
    struct pieces *p; /* borrowed from the job */
    struct sha256 *h;
    uint64_t in_piece; /* bytes of piece IDX hashed so far */
    size_t idx;
    int err;
};

enum slot_kind {
    SLOT_DATA,  /* LEN bytes of the file, in order */
    SLOT_END,   /* the file ended: finish its pieces */
    SLOT_ABORT, /* the reader gave up on the file */
    SLOT_QUIT,  /* no more files: the piece thread returns */
};

/*
 * A reader's piece thread and the ring of blocks between them. Slot I is
 * written by the reader before HEAD passes it and read by the piece
 * thread before TAIL passes it; PC is set up by the reader only while the
 * piece thread has finished every file it was given (NDONE == files).
 */
struct lane {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* HEAD, TAIL or NDONE moved */
    size_t head, tail;   /* guarded by lock */
    size_t ndone;        /* guarded by lock: files finished (END or ABORT taken) */
    int result;          /* guarded by lock: the last finished file's piece verdict */
    size_t len[SCANHASH_RING];
    enum slot_kind kind[SCANHASH_RING];
    unsigned char *buf; /* SCANHASH_RING blocks */
    struct piecer pc;
    pthread_t thread;
    bool has_thread;
};

/* One hashing thread's own things. */
struct hasher {
    struct sha256 *whole;
    struct lane lane;
    size_t nfiles; /* files handed to the piece thread */
};

unsigned scanhash_threads_for(long ncpu)
{
    if (ncpu < 1)
        return 1;
    return ncpu > SCANHASH_MAX_THREADS ? SCANHASH_MAX_THREADS : (unsigned)ncpu;
}

static bool is_stopped(const struct pool *p)
{
    return p->stop != NULL && atomic_load(p->stop);
}

static void piecer_start(struct piecer *pc, struct pieces *p)
{
    pc->p = p;
    pc->in_piece = 0;
    pc->idx = 0;
    pc->err = sha256_reset(pc->h);
}

static void piecer_feed(struct piecer *pc, const unsigned char *d, size_t len)
{
    while (len > 0 && pc->err == 0) {
        uint64_t room = pc->p->piece_size - pc->in_piece;
        size_t take = len < room ? len : (size_t)room;

        if (pc->idx >= pc->p->n) {
            pc->err = -EAGAIN; /* longer than its size: the reader sees it too */
            return;
        }
        pc->err = sha256_update(pc->h, d, take);
        pc->in_piece += take;
        d += take;
        len -= take;
        if (pc->err == 0 && pc->in_piece == pc->p->piece_size) {
            pc->err = sha256_final(pc->h, pc->p->hash[pc->idx++]);
            pc->in_piece = 0;
            if (pc->err == 0)
                pc->err = sha256_reset(pc->h);
        }
    }
}

static int piecer_end(struct piecer *pc)
{
    if (pc->err == 0 && pc->in_piece > 0) {
        pc->err = sha256_final(pc->h, pc->p->hash[pc->idx++]);
        pc->in_piece = 0;
    }
    if (pc->err == 0 && pc->idx != pc->p->n)
        pc->err = -EAGAIN; /* shorter than its size */
    return pc->err;
}

static void *piece_main(void *arg)
{
    struct lane *l = arg;

    for (;;) {
        size_t slot;
        enum slot_kind kind;
        int result = 0;

        pthread_mutex_lock(&l->lock);
        while (l->head == l->tail)
            pthread_cond_wait(&l->cond, &l->lock);
        slot = l->tail % SCANHASH_RING;
        kind = l->kind[slot];
        pthread_mutex_unlock(&l->lock);
        if (kind == SLOT_DATA)
            piecer_feed(&l->pc, l->buf + slot * SCANHASH_BLOCK, l->len[slot]);
        else if (kind == SLOT_END)
            result = piecer_end(&l->pc);
        else
            result = -ECANCELED;
        pthread_mutex_lock(&l->lock);
        l->tail++;
        if (kind != SLOT_DATA) {
            l->ndone++;
            l->result = result;
        }
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
        if (kind == SLOT_QUIT)
            return NULL;
    }
}

/* The next free block of the ring (the reader's). */
static unsigned char *lane_slot(struct lane *l)
{
    size_t slot;

    pthread_mutex_lock(&l->lock);
    while (l->head - l->tail == SCANHASH_RING)
        pthread_cond_wait(&l->cond, &l->lock);
    slot = l->head % SCANHASH_RING;
    pthread_mutex_unlock(&l->lock);
    return l->buf + slot * SCANHASH_BLOCK;
}

/* Hand the block lane_slot() gave over to the piece thread. */
static void lane_push(struct lane *l, enum slot_kind kind, size_t len)
{
    pthread_mutex_lock(&l->lock);
    l->kind[l->head % SCANHASH_RING] = kind;
    l->len[l->head % SCANHASH_RING] = len;
    l->head++;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

/* Wait until the piece thread has finished NFILES files; its last verdict. */
static int lane_wait(struct lane *l, size_t nfiles)
{
    int result;

    pthread_mutex_lock(&l->lock);
    while (l->ndone != nfiles)
        pthread_cond_wait(&l->cond, &l->lock);
    result = l->result;
    pthread_mutex_unlock(&l->lock);
    return result;
}

static int hasher_init(struct hasher *hs)
{
    memset(hs, 0, sizeof(*hs));
    hs->whole = sha256_new();
    hs->lane.pc.h = sha256_new();
    hs->lane.buf = malloc((size_t)SCANHASH_RING * SCANHASH_BLOCK);
    pthread_mutex_init(&hs->lane.lock, NULL);
    pthread_cond_init(&hs->lane.cond, NULL);
    return hs->whole && hs->lane.pc.h && hs->lane.buf ? 0 : -ENOMEM;
}

static void hasher_cleanup(struct hasher *hs)
{
    struct lane *l = &hs->lane;

    if (l->has_thread) {
        lane_slot(l);
        lane_push(l, SLOT_QUIT, 0);
        pthread_join(l->thread, NULL);
    }
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l->buf);
    sha256_free(l->pc.h);
    sha256_free(hs->whole);
}

/* The piece thread, started when a file first has more than one piece. */
static bool lane_ensure(struct lane *l)
{
    if (!l->has_thread)
        l->has_thread = pthread_create(&l->thread, NULL, piece_main, l) == 0;
    return l->has_thread;
}

/*
 * Read FD to its end once: the whole-file hash here, the piece hashes
 * into J->pieces on the piece thread (or here, when it cannot start).
 */
static int hash_fd(const struct pool *p, struct hasher *hs, int fd, struct scanhash_job *j,
                   uint64_t *nread)
{
    struct lane *l = &hs->lane;
    bool has_pieces = j->pieces->n > 1, is_lane = has_pieces && lane_ensure(l);
    int err = sha256_reset(hs->whole), perr = 0;

    if (has_pieces)
        piecer_start(&l->pc, j->pieces); /* the piece thread is idle */
    while (err == 0) {
        unsigned char *b = is_lane ? lane_slot(l) : l->buf;
        ssize_t n;

        if (is_stopped(p)) {
            err = -ECANCELED;
            break;
        }
        n = read(fd, b, SCANHASH_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = -errno;
        if (n <= 0)
            break;
        err = sha256_update(hs->whole, b, (size_t)n);
        *nread += (uint64_t)n;
        if (is_lane)
            lane_push(l, SLOT_DATA, (size_t)n);
        else if (has_pieces)
            piecer_feed(&l->pc, b, (size_t)n);
    }
    if (err == 0)
        err = sha256_final(hs->whole, j->sha256);
    if (is_lane) {
        lane_slot(l);
        lane_push(l, err == 0 ? SLOT_END : SLOT_ABORT, 0);
        perr = lane_wait(l, ++hs->nfiles);
    } else if (has_pieces && err == 0) {
        perr = piecer_end(&l->pc);
    }
    if (err == 0 && j->pieces->n == 1)
        memcpy(j->pieces->hash[0], j->sha256, SHA256_LEN); /* one piece: the file */
    return err != 0 ? err : perr;
}

/* Hash one job's file into the job. */
static void hash_job(const struct pool *p, struct hasher *hs, struct scanhash_job *j)
{
    struct stat before, after;
    struct file_id id_before;
    uint64_t nread = 0;
    int fd, err;

    fd = pathopen(p->rootfd, j->name, O_RDONLY | O_NONBLOCK | O_NOCTTY, PATHOPEN_AUTO);
    if (fd < 0) {
        j->err = fd;
        return;
    }
    if (fstat(fd, &before) != 0) {
        err = -errno;
        goto out;
    }
    if (!S_ISREG(before.st_mode)) {
        err = -EINVAL;
        goto out;
    }
    if (p->is_verbose && (uint64_t)before.st_size >= SCANHASH_BIG_FILE) {
        char hsz[32];

        human_size((uint64_t)before.st_size, hsz, sizeof(hsz));
        log_out("catalog: hashing %s (%s)", j->name, hsz);
    }
    j->pieces = pieces_new((uint64_t)before.st_size);
    if (j->pieces == NULL) {
        err = -ENOMEM;
        goto out;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* only a hint */
    err = hash_fd(p, hs, fd, j, &nread);
    if (err != 0 && err != -EAGAIN)
        goto out;
    if (fstat(fd, &after) != 0) {
        err = -errno;
        goto out;
    }
    /* Any change while reading, an mtime-preserving one too (ctime), voids the hash. */
    file_id_from_stat(&before, &id_before);
    file_id_from_stat(&after, &j->id);
    if (!file_id_equal(&id_before, &j->id) || nread != j->id.size)
        err = -EAGAIN;
out:
    close(fd);
    if (err != 0) {
        pieces_unref(j->pieces);
        j->pieces = NULL;
    }
    j->err = err;
}

/* Take jobs until there are none left. */
static void work(struct pool *p, struct hasher *hs)
{
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);

        if (i >= p->n)
            return;
        if (is_stopped(p))
            p->jobs[i].err = -ECANCELED;
        else
            hash_job(p, hs, &p->jobs[i]);
    }
}

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    struct hasher hs;

    /* Without its own buffers a thread takes nothing: the others do the work. */
    if (hasher_init(&hs) == 0)
        work(p, &hs);
    hasher_cleanup(&hs);
    return NULL;
}

static int job_cmp(const void *a, const void *b)
{
    const struct scanhash_job *x = a, *y = b;

    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

int scanhash_run(int rootfd, struct scanhash_job *jobs, size_t n, unsigned nthreads,
                 const atomic_bool *stop, bool is_verbose)
{
    pthread_t threads[SCANHASH_MAX_THREADS];
    struct pool p = {rootfd, jobs, n, 0, stop, is_verbose};
    unsigned started = 0, want;
    struct hasher hs;
    sigset_t all, old;

    for (size_t i = 0; i < n; i++) {
        jobs[i].err = -ECANCELED;
        jobs[i].pieces = NULL;
    }
    if (n == 0)
        return 0;
    if (hasher_init(&hs) != 0) {
        hasher_cleanup(&hs);
        return -ENOMEM;
    }
    if (n > 1)
        qsort(jobs, n, sizeof(jobs[0]), job_cmp);
    want = nthreads > SCANHASH_MAX_THREADS ? SCANHASH_MAX_THREADS : nthreads;
    if ((size_t)want > n)
        want = (unsigned)n;
    /* The helpers (and their piece threads) take no signals: those go to
     * the caller's thread, as before (the caller's own piece thread
     * inherits the caller's mask). */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 1; i < want; i++) {
        if (pthread_create(&threads[started], NULL, worker_main, &p) != 0)
            break;
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    work(&p, &hs);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    hasher_cleanup(&hs);
    return 0;
}
