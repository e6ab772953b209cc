/*
 * common/fileio.h - whole reads and writes: the loops around read(2),
 * write(2) and pwrite(2) that short transfers and EINTR call for.
 */
#ifndef COMMON_FILEIO_H
#define COMMON_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Write all of BUF to FD. 0 or a negative errno value. */
int fileio_write_all(int fd, const void *buf, size_t len);

/* Write all of BUF to FD at OFFSET (the file offset is untouched). 0 or -errno. */
int fileio_pwrite_all(int fd, const void *buf, size_t len, uint64_t offset);

/*
 * Read the whole of PATH, at most MAX bytes, into a new NUL-terminated
 * buffer (*OUT, owned by the caller: free()) and its length into *LEN.
 * Returns 0, -EFBIG when the file is larger than MAX, or another negative
 * errno value.
 */
int fileio_read(const char *path, size_t max, char **out, size_t *len);

/* The same from an open descriptor FD (borrowed: left open), read to its end. */
int fileio_read_fd(int fd, size_t max, char **out, size_t *len);

/*
 * Split PATH into its directory, written to DIR (CAP bytes: "." for a bare
 * name, "/" for a file in the root), and its last component, returned as
 * a pointer into PATH (empty when PATH ends in '/'). NULL when the
 * directory does not fit in DIR. Pure.
 */
const char *fileio_split_path(const char *path, char *dir, size_t cap);

#endif
