/*
 * client/up/upstate.c - encode, decode, save and load upload state. The
 * codec is pure; the check line makes any damage show as a rejected file.
 */
#include "upstate.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "encode.h"
#include "fileio.h"
#include "strparse.h"

#define UPSTATE_MAGIC "pdm-upload"

/* A string that can sit on one line of the file. */
static bool is_line(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool is_http_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append with snprintf semantics; *LEN may pass CAP, which marks overflow. */
static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(*len < cap ? out + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    *len += n > 0 ? (size_t)n : 0;
}

size_t upstate_encode(const struct upstate *s, char *out, size_t cap)
{
    uint8_t check[SHA256_LEN];
    char hex[SHA256_HEX_LEN + 1];
    size_t len = 0;

    if (!is_line(s->server) || !is_line(s->path) || !is_line(s->url) || !is_http_url(s->url) ||
        !is_http_url(s->server) || s->mtime_nsec >= 1000000000u || s->mtime_sec < 0)
        return 0;
    encode_hex(s->sha256, SHA256_LEN, hex);
    put(out, cap, &len,
        "%s %d\nserver %s\npath %s\nurl %s\nsize %" PRIu64 "\nmtime %" PRId64 ".%09" PRIu32
        "\ndevice %" PRIu64 "\ninode %" PRIu64 "\nsha256 %s\n",
        UPSTATE_MAGIC, UPSTATE_VERSION, s->server, s->path, s->url, s->size, s->mtime_sec,
        s->mtime_nsec, s->device, s->inode, hex);
    if (len >= cap || sha256_buf(out, len, check) != 0)
        return 0;
    encode_hex(check, SHA256_LEN, hex);
    put(out, cap, &len, "check %s\n", hex);
    return len < cap ? len : 0;
}

/* The next line of BUF as KEY and VALUE; false at the end or on a line without "KEY ". */
struct cursor {
    const char *p, *end;
};

static bool next_line(struct cursor *c, const char *key, const char **value, size_t *vlen)
{
    const char *nl;
    size_t klen = strlen(key);

    if (c->p >= c->end)
        return false;
    nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (nl == NULL)
        return false; /* a cut file: the last line has no newline */
    if ((size_t)(nl - c->p) < klen + 1 || memcmp(c->p, key, klen) != 0 || c->p[klen] != ' ')
        return false;
    *value = c->p + klen + 1;
    *vlen = (size_t)(nl - *value);
    c->p = nl + 1;
    return true;
}

static bool take_string(struct cursor *c, const char *key, char *out, size_t cap)
{
    const char *v;
    size_t n;

    if (!next_line(c, key, &v, &n) || n == 0 || n >= cap)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return is_line(out);
}

/* One spelling per number: no leading zero (but "0" itself). */
static bool is_canonical(const char *v, size_t n)
{
    return n > 0 && (v[0] != '0' || n == 1);
}

static bool take_u64(struct cursor *c, const char *key, uint64_t *out)
{
    const char *v;
    size_t n;

    return next_line(c, key, &v, &n) && is_canonical(v, n) &&
           strparse_u64(v, n, out) == STRPARSE_OK;
}

/* SHA256_HEX_LEN lowercase hex digits, as upstate_encode() writes them. */
static bool take_hex(struct cursor *c, const char *key, uint8_t out[SHA256_LEN])
{
    const char *v;
    size_t n;

    if (!next_line(c, key, &v, &n) || n != SHA256_HEX_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
            return false;
    return decode_hex(v, n, out, SHA256_LEN);
}

static bool take_mtime(struct cursor *c, struct upstate *s)
{
    const char *v, *dot;
    size_t n;
    uint64_t sec, nsec;

    if (!next_line(c, "mtime", &v, &n))
        return false;
    dot = memchr(v, '.', n);
    if (dot == NULL || (size_t)(v + n - dot - 1) != 9 || !is_canonical(v, (size_t)(dot - v)) ||
        strparse_u64(v, (size_t)(dot - v), &sec) != STRPARSE_OK || sec > INT64_MAX ||
        strparse_u64(dot + 1, 9, &nsec) != STRPARSE_OK)
        return false;
    s->mtime_sec = (int64_t)sec;
    s->mtime_nsec = (uint32_t)nsec;
    return true;
}

enum upstate_result upstate_decode(const char *buf, size_t len, struct upstate *s, const char **why)
{
    struct cursor c = {buf, buf + len};
    const char *v, *body_end;
    size_t n;
    uint64_t version;
    uint8_t want[SHA256_LEN], got[SHA256_LEN];

    memset(s, 0, sizeof(*s));
    *why = NULL;
    if (len < sizeof(UPSTATE_MAGIC) || memcmp(buf, UPSTATE_MAGIC " ", sizeof(UPSTATE_MAGIC)) != 0) {
        *why = "not an upload state file";
        return UPSTATE_FOREIGN;
    }
    if (!next_line(&c, UPSTATE_MAGIC, &v, &n) || strparse_u64(v, n, &version) != STRPARSE_OK) {
        *why = "a malformed first line";
        return UPSTATE_BAD;
    }
    if (version != UPSTATE_VERSION) {
        *why = "another version of the upload state format";
        return UPSTATE_FOREIGN;
    }
    if (!take_string(&c, "server", s->server, sizeof(s->server)) ||
        !take_string(&c, "path", s->path, sizeof(s->path)) ||
        !take_string(&c, "url", s->url, sizeof(s->url)) || !take_u64(&c, "size", &s->size) ||
        !take_mtime(&c, s) || !take_u64(&c, "device", &s->device) ||
        !take_u64(&c, "inode", &s->inode) || !take_hex(&c, "sha256", s->sha256) ||
        !is_http_url(s->url) || !is_http_url(s->server)) {
        *why = "a missing or malformed line";
        goto bad;
    }
    body_end = c.p;
    if (!take_hex(&c, "check", want)) {
        *why = "no check line";
        goto bad;
    }
    if (c.p != c.end) {
        *why = "bytes after the check line";
        goto bad;
    }
    if (sha256_buf(buf, (size_t)(body_end - buf), got) != 0 || !sha256_equal(want, got)) {
        *why = "the check line does not match (the file was damaged or edited)";
        goto bad;
    }
    return UPSTATE_OK;
bad:
    memset(s, 0, sizeof(*s));
    return UPSTATE_BAD;
}

int upstate_name(const char *server, const char *path, uint64_t device, uint64_t inode, char *out,
                 size_t cap)
{
    char key[UPSTATE_URL_MAX + UPSTATE_PATH_MAX + 64];
    uint8_t h[SHA256_LEN];
    char hex[SHA256_HEX_LEN + 1];
    int n = snprintf(key, sizeof(key), "%s\n%s\n%" PRIu64 ":%" PRIu64, server, path, device, inode);

    if (n < 0 || (size_t)n >= sizeof(key) || sha256_buf(key, (size_t)n, h) != 0)
        return -EIO;
    encode_hex(h, SHA256_LEN, hex);
    n = snprintf(out, cap, "%s.state", hex);
    return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

bool upstate_dir(const char *xdg_state, const char *home, char *out, size_t cap)
{
    int n;

    if (xdg_state != NULL && xdg_state[0] == '/')
        n = snprintf(out, cap, "%s/pdm/uploads", xdg_state);
    else if (home != NULL && home[0] == '/')
        n = snprintf(out, cap, "%s/.local/state/pdm/uploads", home);
    else
        return false;
    return n > 0 && (size_t)n < cap;
}

/* mkdir -p DIR, the directories it creates private to the user. */
static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);

    if (len >= sizeof(path))
        return -ENAMETOOLONG;
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -errno;
        path[i] = dir[i];
    }
    return 0;
}

int upstate_claim(struct upstate_file *f, const char *dir, const char *name)
{
    size_t nlen = strlen(name);
    int err;

    f->lock_fd = -1;
    if (nlen < 6 || strcmp(name + nlen - 6, ".state") != 0)
        return -EINVAL;
    if (snprintf(f->path, sizeof(f->path), "%s/%s", dir, name) >= (int)sizeof(f->path) ||
        snprintf(f->lock_path, sizeof(f->lock_path), "%s/%.*s.lock", dir, (int)(nlen - 6), name) >=
            (int)sizeof(f->lock_path))
        return -ENAMETOOLONG;
    err = make_dirs(dir);
    if (err != 0)
        return err;
    for (int tries = 0; tries < 8; tries++) {
        struct stat a, b;
        int fd = open(f->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            err = errno == EWOULDBLOCK ? -EBUSY : -errno;
            close(fd);
            return err;
        }
        /* The holder before us may have removed the lock file as it
         * finished: then ours is stale, and another may have a new one. */
        if (fstat(fd, &a) == 0 && stat(f->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
            f->lock_fd = fd;
            return 0;
        }
        close(fd);
    }
    return -EBUSY;
}

int upstate_load(const struct upstate_file *f, struct upstate *s, const char **why)
{
    char *buf = NULL;
    size_t len = 0;
    int err = fileio_read(f->path, UPSTATE_FILE_MAX, &buf, &len);

    *why = NULL;
    memset(s, 0, sizeof(*s));
    if (err == -EFBIG) {
        *why = "larger than any upload state";
        return -EINVAL;
    }
    if (err != 0)
        return err;
    err = upstate_decode(buf, len, s, why) == UPSTATE_OK ? 0 : -EINVAL;
    free(buf);
    return err;
}

int upstate_save(const struct upstate_file *f, const struct upstate *s)
{
    char *buf = malloc(UPSTATE_FILE_MAX);
    size_t len;
    int err;

    if (buf == NULL)
        return -ENOMEM;
    len = upstate_encode(s, buf, UPSTATE_FILE_MAX);
    err = len == 0 ? -EINVAL : atomicfile_write(f->path, buf, len, 0600);
    free(buf);
    return err;
}

void upstate_remove(const struct upstate_file *f)
{
    (void)unlink(f->path); /* gone already is as good */
}

void upstate_release(struct upstate_file *f, bool is_done)
{
    if (f->lock_fd < 0)
        return;
    if (is_done)
        (void)unlink(f->lock_path); /* while still holding it: see upstate_claim() */
    close(f->lock_fd);
    f->lock_fd = -1;
}
