/*
 * server/scanhash.h - hash the files a scan found new or changed, on
 * every core.
 *
 * The walk (scan.c) decides what needs hashing and hands over a list of
 * jobs; scanhash_run() hashes them with a small pool of threads and fills
 * in each job's result. It publishes nothing and logs nothing but the
 * optional "hashing NAME (SIZE)" progress line: the scanner turns the
 * results into catalog entries, warnings and the scan's verdict.
 */
#ifndef SERVER_SCANHASH_H
#define SERVER_SCANHASH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fileid.h"
#include "pieces.h"
#include "sha256.h"

/* The most hashing threads one scan starts, whatever the core count. */
#define SCANHASH_MAX_THREADS 8

/* One file to hash. */
struct scanhash_job {
    char *name;    /* its path beneath the root (name_path_check() passed); owned by the job */
    uint64_t size; /* the size the walk saw: the largest files are hashed first */
    /* Set by scanhash_run(): */
    int err;           /* 0; -EAGAIN: it changed while read; -ECANCELED; or open's/read's errno */
    struct file_id id; /* when err == 0: the identity the hash is true for */
    uint8_t sha256[SHA256_LEN];
    struct pieces *pieces; /* when err == 0: its piece hashes, one reference owned by the job */
};

/*
 * Hash JOBS[0..N) (reordered: largest first) beneath ROOTFD with up to
 * NTHREADS threads (the caller's thread among them; 0 or 1: the caller
 * alone), each reading through its own buffers, computing each file's
 * SHA-256 and its piece hashes (pieces.h) from the same read. A file is opened with
 * pathopen() (no symbolic link at any depth, nothing outside ROOTFD) and
 * its identity taken by fstat() before and after the read: a file whose
 * identity changed, or that did not hold as many bytes as its size,
 * gets -EAGAIN and no hash. STOP is polled between reads; once it is
 * true every unfinished job gets -ECANCELED. With IS_VERBOSE, a line is
 * logged before each file of 64 MiB or more.
 *
 * Returns 0 when every job has its result, or -ENOMEM when not even the
 * caller's buffer could be had (no job is then meaningful). Threads that
 * cannot be started only make it slower. All threads are joined before
 * it returns.
 */
int scanhash_run(int rootfd, struct scanhash_job *jobs, size_t n, unsigned nthreads,
                 const atomic_bool *stop, bool is_verbose);

/* The thread count for a machine with NCPU online cores (at least 1). Pure. */
unsigned scanhash_threads_for(long ncpu);

#endif
