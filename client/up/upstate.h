/*
 * client/up/upstate.h - the small file that lets a killed "put FILE"
 * resume: which local file goes where, and the upload resource the
 * server made for it. Saved before the first byte of data is sent, so a
 * rerun asks the server (HEAD) how much arrived and sends only the rest;
 * removed once the upload is complete or refused.
 *
 *     pdm-upload 1
 *     server http://127.0.0.1:8080
 *     path iso/big file.iso
 *     url http://127.0.0.1:8080/.uploads/0123456789abcdef0123456789abcdef
 *     size 1073741824
 *     mtime 1764567890.123456789
 *     device 2049
 *     inode 1234567
 *     sha256 44c7...64 hex digits
 *     check 1f0e...64 hex digits (SHA-256 of every line above)
 *
 * They live in ${XDG_STATE_HOME:-$HOME/.local/state}/pdm/uploads/, one
 * per (server, path, local file) under a name made from their hash, with
 * a lock file beside each, held while a client works on that upload.
 * A file that does not decode is rejected whole: resuming the wrong
 * upload would splice two files.
 */
#ifndef CLIENT_UP_UPSTATE_H
#define CLIENT_UP_UPSTATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define UPSTATE_VERSION  1
#define UPSTATE_URL_MAX  4096
#define UPSTATE_PATH_MAX 4096
#define UPSTATE_FILE_MAX (32u << 10)

struct upstate {
    char server[UPSTATE_URL_MAX]; /* the --server URL, without trailing slashes */
    char path[UPSTATE_PATH_MAX];  /* where the file goes on the server */
    char url[UPSTATE_URL_MAX];    /* the upload resource */
    uint64_t size;                /* the local file: size, modification time, identity */
    int64_t mtime_sec;
    uint32_t mtime_nsec; /* < 1000000000 */
    uint64_t device;
    uint64_t inode;
    uint8_t sha256[SHA256_LEN]; /* of the whole file */
};

enum upstate_result {
    UPSTATE_OK,
    UPSTATE_BAD,     /* malformed, or the check line does not match */
    UPSTATE_FOREIGN, /* another program's file, or another version of ours */
};

/*
 * Encode S into OUT (CAP bytes). Returns the length, or 0 when it does
 * not fit or S cannot be written (an empty or multi-line string, a URL
 * that is not http:// or https://, nanoseconds out of range). Pure.
 */
size_t upstate_encode(const struct upstate *s, char *out, size_t cap);

/*
 * Decode BUF[0..LEN) into *S (zeroed first; left zeroed unless
 * UPSTATE_OK). *WHY explains another result (static text). Pure.
 */
enum upstate_result upstate_decode(const char *buf, size_t len, struct upstate *s,
                                   const char **why);

/*
 * The state file's name for an upload of the local file (DEVICE, INODE)
 * to PATH on SERVER: 64 hex digits of their SHA-256, then ".state".
 * Writes NAME_MAX + 1 bytes at most into OUT. Pure. 0 or -EIO (hashing).
 */
int upstate_name(const char *server, const char *path, uint64_t device, uint64_t inode, char *out,
                 size_t cap);

/*
 * The directory of upload states: $XDG_STATE_HOME/pdm/uploads when
 * XDG_STATE (its value, may be NULL) is an absolute path, else
 * $HOME/.local/state/pdm/uploads (HOME may be NULL). Pure. False when
 * neither gives one or it does not fit CAP.
 */
bool upstate_dir(const char *xdg_state, const char *home, char *out, size_t cap);

/* One upload's files on disk, locked while a client works on it. */
struct upstate_file {
    char path[PATH_MAX];      /* DIR/NAME.state */
    char lock_path[PATH_MAX]; /* DIR/NAME.lock */
    int lock_fd;              /* -1 when not held */
};

/*
 * Create DIR (and its parents, mode 0700) when missing, and take the lock
 * of the state NAME in it. Returns 0; -EBUSY when another process holds
 * it (another client is sending this very file there); or another
 * negative errno value. On success F holds the lock: release it with
 * upstate_release().
 */
int upstate_claim(struct upstate_file *f, const char *dir, const char *name);

/* Read the state into *S. 0, -ENOENT when there is none, -EINVAL when it
 * is rejected (*WHY says why), or another negative errno value. */
int upstate_load(const struct upstate_file *f, struct upstate *s, const char **why);

/* Write S atomically (fsync'ed: it is written once per upload). 0 or -errno. */
int upstate_save(const struct upstate_file *f, const struct upstate *s);

/* Remove the state file (the lock is kept). */
void upstate_remove(const struct upstate_file *f);

/* Release the lock; with IS_DONE also remove the lock file. NULL-safe fields. */
void upstate_release(struct upstate_file *f, bool is_done);

#endif
