/*
 * client/dl_finish.c - the end of a download: the hash check, and the
 * final name, which a file takes only once verified and never by
 * replacing another file; and what an existing final name means before
 * anything is fetched.
 */
#include <errno.h>
#include <string.h>

#include "dl.h"
#include "encode.h"

/* Is the final name already taken? Sets *IS_DECIDED and, when it is, the result. */
void dl_check_existing(struct dl *d, bool *is_decided)
{
    uint8_t have[SHA256_LEN];
    uint64_t size = 0;
    enum store_final kind;
    int err = store_check_final(&d->store, &kind, have, &size);

    *is_decided = true;
    d->res->status = DL_FAILED;
    if (err != 0) {
        dl_failf(d, "%s exists but cannot be read: %s", d->store.final_path, strerror(-err));
        return;
    }
    switch (kind) {
    case STORE_FINAL_NONE:
        *is_decided = false;
        return;
    case STORE_FINAL_OTHER:
        dl_failf(d,
                 "%s exists and is not a regular file (a symlink, a directory...); not replaced, "
                 "and symlinks are not followed",
                 d->store.final_path);
        return;
    case STORE_FINAL_FILE:
        break;
    }
    d->res->size = size;
    memcpy(d->res->sha256, have, SHA256_LEN);
    if (!d->req->has_sha256) {
        d->res->status = DL_PRESENT;
        dl_failf(d, "%s already exists (no published hash to check it against)",
                 d->store.final_path);
    } else if (sha256_equal(have, d->req->sha256)) {
        d->res->status = DL_PRESENT;
    } else {
        dl_failf(d, "%s exists and differs from the expected file; not overwritten",
                 d->store.final_path);
    }
}

/*
 * Hash check and rename. Returns true when the download must be fetched
 * again from scratch: bytes taken over from an earlier run did not add up
 * to the right file (a state file that lied, a hole left by a power loss).
 */
bool dl_finish(struct dl *d)
{
    const uint8_t *want = NULL;
    char got_hex[SHA256_HEX_LEN + 1], want_hex[SHA256_HEX_LEN + 1];
    uint8_t got[SHA256_LEN];
    int err;

    d->res->status = DL_FAILED;
    err = hasher_finish(&d->hasher, d->size, got);
    if (err != 0) {
        dl_failf(d, "cannot read back %s to verify it: %s", d->store.part_path, strerror(-err));
        store_discard(&d->store);
        return false;
    }
    memcpy(d->res->sha256, got, SHA256_LEN);
    d->res->size = d->size;
    if (d->req->has_sha256)
        want = d->req->sha256;
    else if (d->meta != NULL && d->meta->has_sha256)
        want = d->meta->sha256;
    else if (d->has_remote_digest)
        want = d->remote_digest;
    encode_hex(got, SHA256_LEN, got_hex);
    if (want != NULL && !sha256_equal(want, got) && d->is_multi && d->piece_len == 0 &&
        !d->is_one_source) {
        d->is_one_source = true;
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true,
                             "%s: the file put together from %zu sources does not match its "
                             "SHA-256 (one of them sent other bytes, and without piece hashes "
                             "nothing tells which); fetching it all again from %s alone",
                             d->req->label, d->nsrc, d->src[0].host);
        return true;
    }
    if (want != NULL && !sha256_equal(want, got) && d->resumed > 0 && !d->is_fresh) {
        d->is_fresh = true;
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true,
                             "%s: the resumed download does not match its SHA-256 (the partial "
                             "file or its state was damaged); fetching it all again",
                             d->req->label);
        return true;
    }
    if (want != NULL && !sha256_equal(want, got)) {
        encode_hex(want, SHA256_LEN, want_hex);
        dl_failf(d,
                 "SHA-256 mismatch: expected %s, got %s; the download was deleted, "
                 "%s was not touched",
                 want_hex, got_hex, d->store.final_path);
        store_discard(&d->store);
        return false;
    }
    err = store_commit(&d->store, d->req->is_durable);
    if (err == -EEXIST) {
        bool is_decided;

        dl_check_existing(d, &is_decided);
        if (d->res->status == DL_PRESENT) {
            store_discard(&d->store);
            return false;
        }
        d->res->status = DL_FAILED;
        d->res->reason[0] = '\0'; /* a more precise message than check_existing()'s */
        dl_failf(d,
                 "%s appeared meanwhile and is not this file; not replaced (the download is "
                 "kept as %s)",
                 d->store.final_path, d->store.part_path);
        store_drop_state(&d->store);
        return false;
    }
    if (err != 0) {
        dl_failf(d, "cannot move it to %s: %s", d->store.final_path, strerror(-err));
        return false;
    }
    d->res->status = want != NULL ? DL_VERIFIED : DL_UNVERIFIED;
    if (want == NULL)
        dl_failf(d, "no SHA-256 was published for it: sha256 %s", got_hex);
    return false;
}
