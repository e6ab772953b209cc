/*
 * server/upload_meta.h - the small text file that describes a resumable
 * upload on disk (ROOT/.pdm-uploads/ID.meta), so that an upload survives
 * a server restart:
 *
 *     pdm-upload 1
 *     path<TAB>iso/debian 12.iso
 *     length<TAB>658505728
 *     repr-digest<TAB>3f1a...64 hex digits...
 *     complete<TAB>658505728
 *
 * "path" is required; the others appear when known: the length the
 * client announced, the SHA-256 it announced (Repr-Digest), and, once the
 * upload was completed and moved to its name, its final size. Each line
 * at most once, in any order, each ending in LF. The offset of an
 * incomplete upload is not written: it is the size of ID.data. Times are
 * not written either: the files' modification times say when the upload
 * was last active.
 *
 * Pure. The file is ours, but it is read back from disk: the parser is
 * strict and the path must pass name_path_check().
 */
#ifndef SERVER_UPLOAD_META_H
#define SERVER_UPLOAD_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "sha256.h"

#define UPLOAD_META_MAGIC "pdm-upload 1\n"
/* The longest file upload_meta_format() writes. */
#define UPLOAD_META_MAX   (sizeof(UPLOAD_META_MAGIC) + NAME_PATH_MAX + 3 * 32 + SHA256_HEX_LEN + 64)

struct upload_meta {
    char path[NAME_PATH_MAX + 1]; /* the destination, relative to the root */
    bool has_length;
    uint64_t length;
    bool has_digest;
    uint8_t digest[SHA256_LEN];
    bool is_complete;
    uint64_t size; /* when complete: the size of the file it became */
};

/*
 * Write M into OUT (CAP bytes, at least UPLOAD_META_MAX), NUL-terminated.
 * Returns the length, or 0 when M's path is not a valid path.
 */
size_t upload_meta_format(const struct upload_meta *m, char *out, size_t cap);

/*
 * Parse BUF[0..LEN) into *OUT. Returns false for anything but the format
 * above: a missing magic line or path, an unknown or repeated key, a
 * number that is not decimal or overflows, a digest that is not 64 hex
 * digits, a path that fails name_path_check(), a last line without LF.
 */
bool upload_meta_parse(const char *buf, size_t len, struct upload_meta *out);

#endif
