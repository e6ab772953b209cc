/*
 * server/upload_file.h - the file-system side of uploads and deletes:
 * reach (and create) a destination directory beneath the root without
 * following a symbolic link, make a hidden temporary file beside the
 * destination, and move a finished file into place (or remove one) in
 * step with the catalog.
 *
 * Every path given here passed name_path_check(); every directory is
 * reached one component at a time from the root's descriptor with
 * O_NOFOLLOW, and every later operation is relative to the directory's
 * descriptor, so a component swapped for a link at any moment is refused,
 * never followed, and nothing outside the root is touched.
 */
#ifndef SERVER_UPLOAD_FILE_H
#define SERVER_UPLOAD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fileid.h"
#include "sha256.h"
#include "snapshot.h"

/* Temporary files of plain uploads: DIR/.pdm-upload.<16 hex digits>. */
#define UPLOAD_TMP_PREFIX   ".pdm-upload."
#define UPLOAD_TMP_NAME_MAX (sizeof(UPLOAD_TMP_PREFIX) + 16)
#define UPLOAD_DIR_MODE     0755
#define UPLOAD_FILE_MODE    0644

/* Write 2 * NBYTES random lowercase hex digits and a NUL (getrandom). 0 or -errno. */
int upload_random_hex(char *out, size_t nbytes);

/*
 * Open the directory that holds PATH, beneath ROOTFD: each directory
 * component with O_DIRECTORY | O_NOFOLLOW, created (UPLOAD_DIR_MODE) when
 * missing and CREATE is set. *BASE points at PATH's last component.
 * Returns the directory's descriptor (owned by the caller), or -ENOENT
 * (missing and not CREATE), -ELOOP (a component is a symbolic link),
 * -ENOTDIR (a component is something else than a directory), or another
 * negative errno value.
 */
int upload_open_parent(int rootfd, const char *path, bool create, const char **base);

enum upload_target {
    TARGET_ABSENT,
    TARGET_FILE,
    TARGET_DIR,
    TARGET_LINK,
    TARGET_OTHER, /* a FIFO, a socket, a device */
};

/* What BASE in DIRFD is now, without following a link. 0 or -errno. */
int upload_target_kind(int dirfd, const char *base, enum upload_target *out);

/*
 * Create a new, empty temporary file in DIRFD (UPLOAD_FILE_MODE, O_EXCL,
 * O_NOFOLLOW) and write its name into NAME. Returns a read-write
 * descriptor (owned by the caller, who unlinks NAME if the upload fails)
 * or a negative errno value.
 */
int upload_tmp_create(int dirfd, char name[UPLOAD_TMP_NAME_MAX]);

/*
 * The HTTP status for a file-system error ERR (a positive errno value),
 * with a reason: 507 for a full disk or a file-size limit (ENOSPC,
 * EDQUOT, EFBIG), 403 for what may not be written (EACCES, EPERM, EROFS,
 * ELOOP), 409 for a directory where a file must go or a file where a
 * directory must be (EISDIR, ENOTDIR, ENOTEMPTY, EEXIST), 404 for ENOENT,
 * 503 for a lack of descriptors or memory, else 500.
 */
int upload_errno_status(int err, const char **why);

/*
 * Move the finished file SRC (in SRCDIR; open as FD, its SHA-256 SHA)
 * to BASE in DIRFD, which is PATH relative to the root, and publish it
 * in ST's catalog, all under ST's edit lock, so that two uploads to one
 * name are listed in the order they took it. *IS_NEW tells whether the
 * name was free (201) or a file was replaced (204); *ID is the identity
 * the catalog records, *GEN the catalog generation that lists it (for
 * catwriter_sync(); 0 when the catalog could not be updated). Returns 0 or a negative errno value
 * (then SRC is left where it was; -EISDIR when BASE is a directory). Blocks on the disk (a rename):
 * a disk thread's work.
 */
int upload_publish(struct catalog_store *st, int fd, int srcdir, const char *src, int dirfd,
                   const char *base, const char *path, const uint8_t sha[SHA256_LEN], bool *is_new,
                   struct file_id *id, uint64_t *gen);

/*
 * Remove the file BASE in DIRFD (PATH in the catalog) and drop it from
 * ST's catalog, under ST's edit lock; *GEN as for upload_publish().
 * Returns 0, -ENOENT when there was none, -EISDIR for a directory, or
 * another negative errno value.
 */
int upload_unpublish(struct catalog_store *st, int dirfd, const char *base, const char *path,
                     uint64_t *gen);

#endif
