/*
 * server/scanhash.c - the scan's hashing pool.
 *
 * DESIGN. One scan, one pool: scanhash_run() sorts the jobs largest
 * first, starts up to NTHREADS - 1 threads and works beside them. Every
 * thread takes the next job from one shared atomic index, so a thread
 * that finishes early simply takes more; ordering largest first keeps
 * one big file from starting last and leaving the other cores idle at
 * the end. A file is never split: its SHA-256 is one sequential pass.
 * Each thread owns its buffer and its SHA-256 context; a job is written
 * only by the thread that took it, and read by the caller only after
 * every thread is joined, so nothing else is shared.
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

#define SCANHASH_BUF_SIZE (1u << 20)
#define SCANHASH_BIG_FILE (64ull << 20) /* announce hashing of files this large */

struct pool {
    int rootfd;
    struct scanhash_job *jobs;
    size_t n;
    atomic_size_t next; /* the next job to take: the only shared mutable field */
    const atomic_bool *stop;
    bool is_verbose;
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

/* Read FD to its end into H through BUF. Returns 0 or a negative errno. */
static int hash_fd(const struct pool *p, int fd, void *buf, struct sha256 *h, uint64_t *nread)
{
    for (;;) {
        ssize_t n;
        int err;

        if (is_stopped(p))
            return -ECANCELED;
        n = read(fd, buf, SCANHASH_BUF_SIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        err = sha256_update(h, buf, (size_t)n);
        if (err != 0)
            return err;
        *nread += (uint64_t)n;
    }
}

/* Hash one job's file into the job. */
static void hash_job(const struct pool *p, struct scanhash_job *j, void *buf, struct sha256 *h)
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
        char hs[32];

        human_size((uint64_t)before.st_size, hs, sizeof(hs));
        log_out("catalog: hashing %s (%s)", j->name, hs);
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* only a hint */
    err = sha256_reset(h);
    if (err == 0)
        err = hash_fd(p, fd, buf, h, &nread);
    if (err == 0)
        err = sha256_final(h, j->sha256);
    if (err != 0)
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
    j->err = err;
}

/* Take jobs until there are none left. */
static void work(struct pool *p, void *buf, struct sha256 *h)
{
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);

        if (i >= p->n)
            return;
        if (is_stopped(p))
            p->jobs[i].err = -ECANCELED;
        else
            hash_job(p, &p->jobs[i], buf, h);
    }
}

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    void *buf = malloc(SCANHASH_BUF_SIZE);
    struct sha256 *h = sha256_new();

    /* Without its own buffer a thread takes nothing: the others do the work. */
    if (buf != NULL && h != NULL)
        work(p, buf, h);
    sha256_free(h);
    free(buf);
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
    void *buf = NULL;
    struct sha256 *h = NULL;
    sigset_t all, old;

    for (size_t i = 0; i < n; i++)
        jobs[i].err = -ECANCELED;
    if (n == 0)
        return 0;
    buf = malloc(SCANHASH_BUF_SIZE);
    h = sha256_new();
    if (buf == NULL || h == NULL) {
        free(buf);
        sha256_free(h);
        return -ENOMEM;
    }
    if (n > 1)
        qsort(jobs, n, sizeof(jobs[0]), job_cmp);
    want = nthreads > SCANHASH_MAX_THREADS ? SCANHASH_MAX_THREADS : nthreads;
    if ((size_t)want > n)
        want = (unsigned)n;
    /* The helpers take no signals: the server receives them in one place. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 1; i < want; i++) {
        if (pthread_create(&threads[started], NULL, worker_main, &p) != 0)
            break;
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    work(&p, buf, h);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    sha256_free(h);
    free(buf);
    return 0;
}
