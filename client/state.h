/*
 * client/state.h - the small file beside a partial download that lets a
 * killed client resume: what is being downloaded (URL, size, validator,
 * expected hash) and which byte ranges are still missing.
 *
 *     pdm-state 1
 *     url http://127.0.0.1:8080/big.iso
 *     size 314572800
 *     etag "5100f8-12c00000-18e9f93ff58349af"
 *     last-modified Sat, 21 Nov 2026 05:46:19 GMT
 *     sha256 44c7...64 hex digits
 *     missing 1048576 78643200
 *     missing 157286400 314572800
 *     check 1f0e...64 hex digits (SHA-256 of every line above)
 *
 * Written atomically (store.c: a temporary, then rename) and never ahead of the data:
 * a range is left out of "missing" only after its bytes were written.
 * A file with another version, a bad check line, or anything malformed is
 * rejected whole: resuming from a wrong map would assemble a wrong file.
 */
#ifndef CLIENT_STATE_H
#define CLIENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "sha256.h"
#include "store.h"

#define STATE_VERSION       1
#define STATE_MAX_RANGES    256
#define STATE_URL_MAX       4096
#define STATE_VALIDATOR_MAX 256

struct dl_state {
    char url[STATE_URL_MAX];
    uint64_t size;
    char etag[STATE_VALIDATOR_MAX];          /* "" when the server sent none */
    char last_modified[STATE_VALIDATOR_MAX]; /* "" when the server sent none */
    bool has_sha256;
    uint8_t sha256[SHA256_LEN];
    size_t nmissing;
    struct plan_range missing[STATE_MAX_RANGES]; /* sorted, disjoint, inside [0, size) */
};

enum state_result {
    STATE_OK,
    STATE_BAD,     /* malformed, or the check line does not match */
    STATE_FOREIGN, /* another program's file, or another version of ours */
};

/*
 * Encode S into OUT (CAP bytes). Returns the length, or 0 when it does not
 * fit or S is not valid (ranges unsorted, overlapping or outside the
 * size; a URL or validator with a newline). Pure.
 */
size_t state_encode(const struct dl_state *s, char *out, size_t cap);

/*
 * Decode BUF[0..LEN) into *S (zeroed first). Pure. *WHY explains a
 * STATE_BAD or STATE_FOREIGN result (static text).
 */
enum state_result state_decode(const char *buf, size_t len, struct dl_state *s, const char **why);

/* Write S as the state file of the download in ST, atomically. 0 or -errno. */
int state_save(struct store *st, const struct dl_state *s);

/*
 * Read the state file of the download in ST into *S. 0, -ENOENT when there
 * is none, -EINVAL when it is rejected (with the reason in *WHY), or
 * another negative errno value.
 */
int state_load(struct store *st, struct dl_state *s, const char **why);

#endif
