/*
 * common/atomicfile.h - replace a small file so that readers see either the
 * old contents or the new, never a mix, even after a crash.
 */
#ifndef COMMON_ATOMICFILE_H
#define COMMON_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write DATA[0..LEN) to PATH: into a hidden temporary file beside it
 * (".NAME.XXXXXX"), fsync, set MODE, rename over PATH, fsync the directory.
 * Returns 0, or a negative errno value with PATH untouched and the
 * temporary file removed (a full disk gives -ENOSPC). Logs nothing.
 */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode);

/* Write all of BUF to FD, retrying short writes and EINTR. 0 or -errno. */
int atomicfile_write_all(int fd, const void *buf, size_t len);

/*
 * Read the whole of PATH, at most MAX bytes, into a new NUL-terminated
 * buffer (*OUT, owned by the caller: free()) and its length into *LEN.
 * Returns 0, -EFBIG when the file is larger than MAX, or another negative
 * errno value.
 */
int atomicfile_read(const char *path, size_t max, char **out, size_t *len);

#endif
