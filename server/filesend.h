/*
 * server/filesend.h - send a file's bytes so that a response never
 * completes with bytes that may mix two versions of the file.
 *
 * The bulk goes out with sendfile(2), and before and after every call the
 * open file is fstat()ed and its identity compared with the one the
 * response head was built from. The last bytes of the response's last
 * file segment (FILESEND_TAIL_MAX at most, the whole segment when it is
 * that small) are held back: once every byte given to sendfile has been
 * sent (SIOCOUTQNSD is 0, so no page still waiting in the send queue can
 * change under it), they are read into memory, the identity is checked
 * one last time, and only then are they sent, as copies. A change at any
 * point ends the transfer short: the client sees a body shorter than
 * Content-Length, never a complete mixed one.
 */
#ifndef SERVER_FILESEND_H
#define SERVER_FILESEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fileid.h"

/* Bytes held back at the end and sent from memory after the last check. */
#define FILESEND_TAIL_MAX (16u << 10)

struct filesend {
    int fd;             /* the open file (borrowed) */
    struct file_id id;  /* what the response head describes */
    bool has_sendfiled; /* some bytes went out by sendfile (so the tail waits for a drain) */
    char *tail;         /* the held-back bytes once read and checked; NULL before */
    size_t tail_len;
    uint64_t outq;    /* bytes still queued in the socket at the last FILESEND_DRAIN */
    const char *what; /* after FILESEND_CHANGED: what changed ("size", ...) */
};

enum filesend_result {
    FILESEND_SENT,    /* *SENT bytes went out (at least 1) */
    FILESEND_AGAIN,   /* the socket is full: wait until it is writable */
    FILESEND_DRAIN,   /* wait until the socket has sent what is queued (fs->outq), then retry */
    FILESEND_CHANGED, /* the file is not the version the response describes (fs->what) */
    FILESEND_ERROR,   /* the socket or the file failed: the negative errno value in *ERR */
};

/* Start sending from the open file FD (borrowed), whose identity was ID. */
void filesend_init(struct filesend *fs, int fd, const struct file_id *id);

/* Free the held-back bytes. Safe to call more than once. */
void filesend_cleanup(struct filesend *fs);

/*
 * Send at most WANT (>= 1) of the file bytes [OFF + DONE, OFF + LEN) on
 * the non-blocking socket SOCK. IS_LAST says this is the response's last
 * file segment, whose tail is held back as described above; MORE asks
 * for MSG_MORE on bytes sent from memory (more segments follow).
 */
enum filesend_result filesend_step(struct filesend *fs, int sock, uint64_t off, uint64_t len,
                                   uint64_t done, bool is_last, bool more, uint64_t want,
                                   size_t *sent, int *err);

/* How many bytes at the end of the last file segment, of LEN bytes, are held back. Pure. */
uint64_t filesend_tail_len(uint64_t len);

/*
 * Read and check the held-back bytes of the response's last file segment
 * [OFF, OFF + LEN) now, before any byte of it has gone out, so that they
 * can be sent in one system call with what precedes them. Possible only
 * while nothing went out by sendfile (no send queue to wait for) and
 * when the whole segment is held back (LEN <= FILESEND_TAIL_MAX); the
 * same check as in filesend_step() then follows the read. Returns
 * FILESEND_SENT when the bytes are in memory (filesend_held()),
 * FILESEND_AGAIN when they cannot be read early (filesend_step() reads
 * them in its time), FILESEND_CHANGED (fs->what) or FILESEND_ERROR
 * (*ERR).
 */
enum filesend_result filesend_preload(struct filesend *fs, uint64_t off, uint64_t len, int *err);

/*
 * The bytes of the last file segment (LEN bytes) from DONE on, when they
 * are held back, read and checked: a pointer into fs->tail, with their
 * count in *N. NULL (and *N == 0) when they are not in memory yet, or
 * DONE has not reached the held-back part.
 */
const char *filesend_held(const struct filesend *fs, uint64_t len, uint64_t done, size_t *n);

#endif
