/*
 * client/state.c - encode, decode, save and load resume state. The codec
 * is pure; the check line makes any damage (a cut write, a stray edit)
 * show as a rejected file rather than a wrong map of the download.
 */
#include "state.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "strparse.h"
#include "strview.h"

#define STATE_MAGIC    "pdm-state"
#define STATE_FILE_MAX (64u << 10)

static bool has_newline(const char *s)
{
    return strchr(s, '\n') != NULL || strchr(s, '\r') != NULL;
}

static bool ranges_valid(const struct dl_state *s)
{
    for (size_t i = 0; i < s->nmissing; i++) {
        const struct plan_range *r = &s->missing[i];

        if (r->start >= r->end || r->end > s->size)
            return false;
        if (i > 0 && r->start < s->missing[i - 1].end)
            return false;
    }
    return true;
}

/* Append with snprintf semantics; *LEN may pass CAP, which marks overflow. */
static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(*len < cap ? out + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    *len += n > 0 ? (size_t)n : 0;
}

size_t state_encode(const struct dl_state *s, char *out, size_t cap)
{
    uint8_t check[SHA256_LEN];
    char hex[SHA256_HEX_LEN + 1];
    size_t len = 0;

    if (s->url[0] == '\0' || has_newline(s->url) || has_newline(s->etag) ||
        has_newline(s->last_modified) || s->nmissing > STATE_MAX_RANGES || !ranges_valid(s))
        return 0;
    put(out, cap, &len, "%s %d\nurl %s\nsize %" PRIu64 "\n", STATE_MAGIC, STATE_VERSION, s->url,
        s->size);
    if (s->etag[0] != '\0')
        put(out, cap, &len, "etag %s\n", s->etag);
    if (s->last_modified[0] != '\0')
        put(out, cap, &len, "last-modified %s\n", s->last_modified);
    if (s->has_sha256) {
        encode_hex(s->sha256, SHA256_LEN, hex);
        put(out, cap, &len, "sha256 %s\n", hex);
    }
    for (size_t i = 0; i < s->nmissing; i++)
        put(out, cap, &len, "missing %" PRIu64 " %" PRIu64 "\n", s->missing[i].start,
            s->missing[i].end);
    if (len >= cap || sha256_buf(out, len, check) != 0)
        return 0;
    encode_hex(check, SHA256_LEN, hex);
    put(out, cap, &len, "check %s\n", hex);
    if (len >= cap) {
        out[0] = '\0';
        return 0;
    }
    return len;
}

/* Copy V into OUT (CAP bytes); false when it does not fit or holds a CR or NUL. */
static bool copy_value(char *out, size_t cap, struct strview v)
{
    if (v.len >= cap || memchr(v.p, '\r', v.len) != NULL || memchr(v.p, '\0', v.len) != NULL)
        return false;
    memcpy(out, v.p, v.len);
    out[v.len] = '\0';
    return true;
}

static enum state_result bad(struct dl_state *s, const char **why, enum state_result r,
                             const char *text)
{
    memset(s, 0, sizeof(*s));
    *why = text;
    return r;
}

/* Keys that may appear once; "missing" may repeat. */
enum {
    SEEN_URL = 1,
    SEEN_SIZE = 2,
    SEEN_ETAG = 4,
    SEEN_LAST_MODIFIED = 8,
    SEEN_SHA256 = 16,
};

/* Mark KEY seen in *SEEN; false when it was already. */
static bool once(unsigned *seen, unsigned key)
{
    if (*seen & key)
        return false;
    *seen |= key;
    return true;
}

/* One "key value" line into S. */
static bool decode_line(struct dl_state *s, struct strview key, struct strview val, unsigned *seen)
{
    if (strview_eq(key, "url"))
        return once(seen, SEEN_URL) && val.len > 0 && copy_value(s->url, sizeof(s->url), val);
    if (strview_eq(key, "size"))
        return once(seen, SEEN_SIZE) && strparse_u64(val.p, val.len, &s->size) == STRPARSE_OK;
    if (strview_eq(key, "etag"))
        return once(seen, SEEN_ETAG) && copy_value(s->etag, sizeof(s->etag), val);
    if (strview_eq(key, "last-modified"))
        return once(seen, SEEN_LAST_MODIFIED) &&
               copy_value(s->last_modified, sizeof(s->last_modified), val);
    if (strview_eq(key, "sha256")) {
        s->has_sha256 = true;
        return once(seen, SEEN_SHA256) && decode_hex(val.p, val.len, s->sha256, SHA256_LEN);
    }
    if (strview_eq(key, "missing")) {
        const char *sp = memchr(val.p, ' ', val.len);
        struct plan_range *r;

        if (sp == NULL || s->nmissing == STATE_MAX_RANGES)
            return false;
        r = &s->missing[s->nmissing++];
        return strparse_u64(val.p, (size_t)(sp - val.p), &r->start) == STRPARSE_OK &&
               strparse_u64(sp + 1, (size_t)(val.p + val.len - sp - 1), &r->end) == STRPARSE_OK;
    }
    return false;
}

enum state_result state_decode(const char *buf, size_t len, struct dl_state *s, const char **why)
{
    const char *p = buf, *end = buf + len;
    char magic[32];
    int n;
    unsigned seen = 0;
    bool has_check = false;

    memset(s, 0, sizeof(*s));
    *why = NULL;
    n = snprintf(magic, sizeof(magic), "%s %d\n", STATE_MAGIC, STATE_VERSION);
    if (len < strlen(STATE_MAGIC) + 1 || memcmp(buf, STATE_MAGIC " ", strlen(STATE_MAGIC) + 1) != 0)
        return bad(s, why, STATE_FOREIGN, "not a pdm state file");
    if (len < (size_t)n || memcmp(buf, magic, (size_t)n) != 0)
        return bad(s, why, STATE_FOREIGN, "a state file of another version");
    p += n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct strview line, key, val;
        const char *sp;

        if (nl == NULL)
            return bad(s, why, STATE_BAD, "the state file is cut short");
        line = strview_make(p, (size_t)(nl - p));
        sp = memchr(line.p, ' ', line.len);
        if (sp == NULL)
            return bad(s, why, STATE_BAD, "a malformed line in the state file");
        key = strview_make(line.p, (size_t)(sp - line.p));
        val = strview_make(sp + 1, (size_t)(line.p + line.len - sp - 1));
        if (strview_eq(key, "check")) {
            uint8_t want[SHA256_LEN], got[SHA256_LEN];

            if (!decode_hex(val.p, val.len, want, SHA256_LEN) ||
                sha256_buf(buf, (size_t)(p - buf), got) != 0 || !sha256_equal(want, got))
                return bad(s, why, STATE_BAD, "the state file's check line does not match");
            if (nl + 1 != end)
                return bad(s, why, STATE_BAD, "data after the state file's check line");
            has_check = true;
            break;
        }
        if (!decode_line(s, key, val, &seen))
            return bad(s, why, STATE_BAD, "a malformed line in the state file");
        p = nl + 1;
    }
    if (!has_check)
        return bad(s, why, STATE_BAD, "the state file has no check line");
    if (s->url[0] == '\0' || !(seen & SEEN_SIZE))
        return bad(s, why, STATE_BAD, "the state file lacks the URL or the size");
    if (!ranges_valid(s))
        return bad(s, why, STATE_BAD, "the state file's ranges are not valid");
    return STATE_OK;
}

int state_save(struct store *st, const struct dl_state *s)
{
    char *buf = malloc(STATE_FILE_MAX);
    size_t len;
    int err;

    if (buf == NULL)
        return -ENOMEM;
    len = state_encode(s, buf, STATE_FILE_MAX);
    err = len > 0 ? store_save_state(st, buf, len) : -EINVAL;
    free(buf);
    return err;
}

int state_load(struct store *st, struct dl_state *s, const char **why)
{
    char *buf = NULL;
    size_t len = 0;
    int err = store_load_state(st, STATE_FILE_MAX, &buf, &len);

    *why = NULL;
    if (err != 0) {
        if (err == -EFBIG)
            *why = "the state file is too large to be ours";
        else if (err == -EINVAL)
            *why = "the state file is not a regular file";
        return err == -EFBIG ? -EINVAL : err;
    }
    err = state_decode(buf, len, s, why) == STATE_OK ? 0 : -EINVAL;
    free(buf);
    return err;
}
