/*
 * server/pathopen.h - open a path beneath a directory without following a
 * symbolic link at any depth and without ever leaving that directory.
 *
 * With openat2(2) (Linux 5.6) this is one system call with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; without it (an older kernel, or
 * a sandbox that filters the call) it is one openat(2) per component,
 * each relative to its parent's descriptor, directories with O_DIRECTORY
 * and every component with O_NOFOLLOW. Both give the same answers, and a
 * directory swapped for a symbolic link between two lookups is refused,
 * not followed.
 */
#ifndef SERVER_PATHOPEN_H
#define SERVER_PATHOPEN_H

enum pathopen_how {
    PATHOPEN_AUTO,    /* openat2() when the kernel has it, else the walk */
    PATHOPEN_WALK,    /* one openat() per component */
    PATHOPEN_OPENAT2, /* openat2() only: -ENOSYS when there is none (for tests) */
};

/*
 * Open PATH, a path that passed name_path_check() (relative, no empty,
 * "." or ".." component), beneath DIRFD with FLAGS (O_RDONLY and the
 * like; O_NOFOLLOW and O_CLOEXEC are added). Returns a descriptor, owned
 * by the caller, or a negative errno value: -ENOENT when a component is
 * missing, -ENOTDIR when a directory component is not a directory,
 * -ELOOP (or -ENOTDIR for a directory component) when a component is a
 * symbolic link, -EACCES, -EMFILE, ... Thread-safe; touches nothing but
 * the file system.
 */
int pathopen(int dirfd, const char *path, int flags, enum pathopen_how how);

#endif
