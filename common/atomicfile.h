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

/*
 * As atomicfile_write(), for the file NAME (one component, no '/') in the
 * directory DIRFD: the temporary file ".NAME.XXXXXX" is created there with
 * O_EXCL and the rename stays within DIRFD, so nothing on the way is
 * looked up again by path (no symbolic link can redirect it), and a link
 * at NAME is replaced, not followed.
 */
int atomicfile_write_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

#endif
