/*
 * server/filesend.c - sendfile with identity checks and a held-back tail
 * (see filesend.h for the why).
 *
 * Why the drain: sendfile to a TCP socket queues references to the page
 * cache, not copies. A writer that changes those pages in place after the
 * last check would change bytes still queued. So the tail waits until
 * SIOCOUTQNSD says every byte sendfile queued has been sent; only then is
 * it read, checked and sent (as copies). Waiting for the peer's
 * acknowledgement too (SIOCOUTQ) would also cover a retransmission of
 * such a page, but costs up to a delayed-ACK timeout (40 ms on Linux) per
 * response: 48 ms per request for 20 KB files when measured, against
 * nothing for the send queue. The remaining window is documented in
 * docs/PROTOCOL.md.
 */
#include "filesend.h"

#include <errno.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void filesend_init(struct filesend *fs, int fd, const struct file_id *id)
{
    memset(fs, 0, sizeof(*fs));
    fs->fd = fd;
    fs->id = *id;
}

void filesend_cleanup(struct filesend *fs)
{
    free(fs->tail);
    fs->tail = NULL;
    fs->tail_len = 0;
}

/* FILESEND_CHANGED when the open file no longer has fs->id, else FILESEND_SENT. */
static enum filesend_result check(struct filesend *fs, int *err)
{
    struct stat st;
    struct file_id now;

    if (fstat(fs->fd, &st) != 0) {
        *err = -errno;
        return FILESEND_ERROR;
    }
    file_id_from_stat(&st, &now);
    fs->what = file_id_diff(&fs->id, &now);
    return fs->what != NULL ? FILESEND_CHANGED : FILESEND_SENT;
}

/* Read N bytes at AT into a new fs->tail, then check that the file is still fs->id. */
static enum filesend_result read_tail(struct filesend *fs, uint64_t at, size_t n, int *err)
{
    size_t got = 0;

    fs->tail = malloc(n > 0 ? n : 1);
    if (fs->tail == NULL) {
        *err = -ENOMEM;
        return FILESEND_ERROR;
    }
    while (got < n) {
        ssize_t r = pread(fs->fd, fs->tail + got, n - got, (off_t)(at + got));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *err = -errno;
            filesend_cleanup(fs);
            return FILESEND_ERROR;
        }
        if (r == 0) { /* shorter than promised */
            fs->what = "size";
            filesend_cleanup(fs);
            return FILESEND_CHANGED;
        }
        got += (size_t)r;
    }
    /* After the read: unchanged now means unchanged when the bytes were read. */
    if (check(fs, err) != FILESEND_SENT) {
        filesend_cleanup(fs);
        return fs->what != NULL ? FILESEND_CHANGED : FILESEND_ERROR;
    }
    fs->tail_len = n;
    return FILESEND_SENT;
}

/* Wait for the socket to send what sendfile queued, then read and check the tail: N bytes at AT. */
static enum filesend_result load_tail(struct filesend *fs, int sock, uint64_t at, size_t n,
                                      int *err)
{
    int outq = 0;

    if (fs->has_sendfiled) {
        /* TCP: bytes not yet sent. Another socket (AF_UNIX in the tests):
         * bytes its peer has not read. */
        if (ioctl(sock, SIOCOUTQNSD, &outq) != 0 &&
            (errno == EINVAL || errno == ENOTTY || errno == EOPNOTSUPP))
            if (ioctl(sock, SIOCOUTQ, &outq) != 0)
                outq = -1;
        if (outq < 0) {
            *err = -errno;
            return FILESEND_ERROR;
        }
        if (outq > 0) {
            fs->outq = (uint64_t)outq;
            return FILESEND_DRAIN;
        }
    }
    return read_tail(fs, at, n, err);
}

uint64_t filesend_tail_len(uint64_t len)
{
    return len < FILESEND_TAIL_MAX ? len : FILESEND_TAIL_MAX;
}

enum filesend_result filesend_preload(struct filesend *fs, uint64_t off, uint64_t len, int *err)
{
    *err = 0;
    if (fs->tail != NULL)
        return FILESEND_SENT;
    if (fs->has_sendfiled || len > FILESEND_TAIL_MAX)
        return FILESEND_AGAIN;
    return read_tail(fs, off, (size_t)len, err);
}

const char *filesend_held(const struct filesend *fs, uint64_t len, uint64_t done, size_t *n)
{
    uint64_t bulk = len - filesend_tail_len(len);

    *n = 0;
    if (fs->tail == NULL || done < bulk || done > len)
        return NULL;
    *n = (size_t)(len - done);
    return fs->tail + (done - bulk);
}

enum filesend_result filesend_step(struct filesend *fs, int sock, uint64_t off, uint64_t len,
                                   uint64_t done, bool is_last, bool more, uint64_t want,
                                   size_t *sent, int *err)
{
    uint64_t tail = is_last ? filesend_tail_len(len) : 0;
    uint64_t bulk = len - tail;
    ssize_t n;

    *sent = 0;
    *err = 0;
    if (want > (1u << 30))
        want = 1u << 30;
    if (done < bulk) {
        off_t at = (off_t)(off + done);
        enum filesend_result r;

        if (want > bulk - done)
            want = bulk - done;
        /* A change while we waited (for the socket, the rate limit): stop
         * before any new byte goes out, not one call later. */
        r = check(fs, err);
        if (r != FILESEND_SENT)
            return r;
        do
            n = sendfile(sock, fs->fd, &at, (size_t)want);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
            return FILESEND_AGAIN;
        if (n < 0) {
            *err = -errno;
            return FILESEND_ERROR;
        }
        if (n > 0)
            fs->has_sendfiled = true;
        if (n == 0) { /* end of file before the promised end */
            fs->what = "size";
            return FILESEND_CHANGED;
        }
        *sent = (size_t)n;
        return check(fs, err);
    }
    if (fs->tail == NULL) {
        enum filesend_result r = load_tail(fs, sock, off + bulk, (size_t)tail, err);

        if (r != FILESEND_SENT)
            return r;
    }
    if (want > tail - (done - bulk))
        want = tail - (done - bulk);
    do
        n = send(sock, fs->tail + (done - bulk), (size_t)want,
                 MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return FILESEND_AGAIN;
    if (n <= 0) {
        *err = n < 0 ? -errno : -EIO;
        return FILESEND_ERROR;
    }
    *sent = (size_t)n;
    return FILESEND_SENT;
}
