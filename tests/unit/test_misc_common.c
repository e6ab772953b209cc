/*
 * tests/unit/test_misc_common.c - the small helpers in common/: human_size()
 * (human.h), log_quote() (log.h), sha256_copy() (sha256.h) and atomic file
 * replacement (atomicfile.h, run in a fresh mkdtemp directory per test).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/atomicfile.h"
#include "common/fileio.h"
#include "common/human.h"
#include "common/log.h"
#include "common/sha256.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

struct human_case {
    const char *what; /* the behaviour, stated as a fact */
    uint64_t size;
    size_t cap;
    const char *want;
};

static const struct human_case human_cases[] = {
    {"zero is 0 B", 0, 32, "0 B"},
    {"one byte is 1 B", 1, 32, "1 B"},
    {"1023 bytes stay in bytes", 1023, 32, "1023 B"},
    {"1024 bytes are 1.0 KiB", 1024, 32, "1.0 KiB"},
    {"1536 bytes are 1.5 KiB", 1536, 32, "1.5 KiB"},
    {"1 MiB is 1.0 MiB", 1048576, 32, "1.0 MiB"},
    {"300 MiB is 300.0 MiB", 314572800, 32, "300.0 MiB"},
    {"1 GiB is 1.0 GiB", 1073741824, 32, "1.0 GiB"},
    {"1 TiB is 1.0 TiB", 1099511627776, 32, "1.0 TiB"},
    {"1 PiB is 1.0 PiB", 1125899906842624, 32, "1.0 PiB"},
    {"1 EiB is 1.0 EiB", 1152921504606846976, 32, "1.0 EiB"},
    {"EiB is the largest unit", UINT64_MAX, 32, "16.0 EiB"},
    {"a result that exactly fits CAP is whole", 1536, 8, "1.5 KiB"},
    {"a tiny CAP cuts and stays NUL-terminated", 1536, 4, "1.5"},
    {"bytes cut to fit CAP", 1023, 5, "1023"},
    {"CAP 2 holds one character", 1048576, 2, "1"},
    {"CAP 1 holds only the NUL", 1048576, 1, ""},
};

static void test_human_size_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(human_cases) / sizeof(human_cases[0]); i++) {
        const struct human_case *c = &human_cases[i];
        char out[40];

        memset(out, 'X', sizeof(out));
        human_size(c->size, out, c->cap);
        if (memchr(out, '\0', c->cap) == NULL || strcmp(out, c->want) != 0 || out[c->cap] != 'X')
            fail_msg("%s: %" PRIu64 " (cap %zu) gave \"%.*s\", want \"%s\"", c->what, c->size,
                     c->cap, (int)c->cap, out, c->want);
    }
}

/* CAP 0 writes nothing. */
static void test_human_size_cap_zero(void **state)
{
    char out[4] = "XYZ";

    (void)state;
    human_size(1536, out, 0);
    assert_string_equal(out, "XYZ");
}

struct quote_case {
    const char *what;
    const char *s;
    size_t len;
    size_t cap;
    const char *want;
};

static const struct quote_case quote_cases[] = {
    {"plain text is copied", S("GET /notes.txt"), 64, "GET /notes.txt"},
    {"an empty input gives an empty string", S(""), 64, ""},
    {"printable ASCII is copied", S(" !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~"), 64,
     " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~"},
    {"a TAB is \\x09", S("a\tb"), 64, "a\\x09b"},
    {"a CR is \\x0d", S("a\rb"), 64, "a\\x0db"},
    {"an LF is \\x0a", S("a\nb"), 64, "a\\x0ab"},
    {"a NUL inside LEN is \\x00", S("a\0b"), 64, "a\\x00b"},
    {"0x01 is \\x01", S("\x01"), 64, "\\x01"},
    {"ESC is \\x1b", S("\x1b[2J"), 64, "\\x1b[2J"},
    {"0x1f is \\x1f", S("\x1f"), 64, "\\x1f"},
    {"DEL is \\x7f", S("\x7f"), 64, "\\x7f"},
    {"a backslash is \\x5c", S("a\\b"), 64, "a\\x5cb"},
    {"a literal \"\\x0a\" cannot pass for an escape", S("\\x0a"), 64, "\\x5cx0a"},
    {"a forged log line stays on one line", S("x HTTP/1.1\r\n127.0.0.1 GET /admin"), 64,
     "x HTTP/1.1\\x0d\\x0a127.0.0.1 GET /admin"},
    {"UTF-8 is kept", S("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac"), 64,
     "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac"},
    {"only LEN bytes are read", "abc\ndef", 3, 64, "abc"},

    /* UTF-8: well-formed characters stay, every byte of a broken one is escaped. */
    {"the smallest 2-byte character is kept", S("\xc2\xa0"), 64, "\xc2\xa0"},
    {"the largest 2-byte character is kept", S("\xdf\xbf"), 64, "\xdf\xbf"},
    {"the smallest 3-byte character is kept", S("\xe0\xa0\x80"), 64, "\xe0\xa0\x80"},
    {"the last character before the surrogates is kept", S("\xed\x9f\xbf"), 64, "\xed\x9f\xbf"},
    {"the first character after the surrogates is kept", S("\xee\x80\x80"), 64, "\xee\x80\x80"},
    {"U+FFFF is kept", S("\xef\xbf\xbf"), 64, "\xef\xbf\xbf"},
    {"the smallest 4-byte character is kept", S("\xf0\x90\x80\x80"), 64, "\xf0\x90\x80\x80"},
    {"U+10FFFF is kept", S("\xf4\x8f\xbf\xbf"), 64, "\xf4\x8f\xbf\xbf"},
    {"a C1 control (U+009B, CSI) is escaped",
     S("\xc2\x9b"
       "31m"),
     64, "\\xc2\\x9b31m"},
    {"U+0080 is escaped", S("\xc2\x80"), 64, "\\xc2\\x80"},
    {"U+009F is escaped", S("\xc2\x9f"), 64, "\\xc2\\x9f"},
    {"a lone continuation byte is escaped",
     S("a\x80"
       "b"),
     64, "a\\x80b"},
    {"a lone lead byte is escaped",
     S("a\xc3"
       "b"),
     64, "a\\xc3b"},
    {"a lead byte at the end is escaped", S("a\xc3"), 64, "a\\xc3"},
    {"a truncated 3-byte character is escaped byte by byte",
     S("\xe6\x97"
       "x"),
     64, "\\xe6\\x97x"},
    {"a truncated 4-byte character at the end is escaped", S("\xf0\x9f\x98"), 64,
     "\\xf0\\x9f\\x98"},
    {"the byte that breaks a sequence starts afresh", S("\xe6\xc3\xa9"), 64, "\\xe6\xc3\xa9"},
    {"an overlong 2-byte form (C0 AF) is escaped", S("\xc0\xaf"), 64, "\\xc0\\xaf"},
    {"an overlong 2-byte form (C1 BF) is escaped", S("\xc1\xbf"), 64, "\\xc1\\xbf"},
    {"an overlong 3-byte form (E0 80 AF) is escaped", S("\xe0\x80\xaf"), 64, "\\xe0\\x80\\xaf"},
    {"an overlong 4-byte form (F0 80 80 AF) is escaped", S("\xf0\x80\x80\xaf"), 64,
     "\\xf0\\x80\\x80\\xaf"},
    {"a UTF-16 surrogate (ED A0 80) is escaped", S("\xed\xa0\x80"), 64, "\\xed\\xa0\\x80"},
    {"a code point past U+10FFFF is escaped", S("\xf4\x90\x80\x80"), 64, "\\xf4\\x90\\x80\\x80"},
    {"F5 is never a lead byte", S("\xf5\x80\x80\x80"), 64, "\\xf5\\x80\\x80\\x80"},
    {"FF is escaped", S("\xff"), 64, "\\xff"},
    {"ISO-8859-1 text is escaped, not passed on", S("caf\xe9"), 64, "caf\\xe9"},
    {"a character is never split by a cut", S("ab\xc3\xa9"), 4, "ab"},
    {"a character that exactly fits is whole", S("ab\xc3\xa9"), 5, "ab\xc3\xa9"},
    {"a 4-byte character is never split", S("a\xf0\x9f\x98\x80"), 5, "a"},
    {"a broken sequence is escaped whole or not at all", S("a\xe6\x97"), 8, "a"},

    {"text is cut to fit CAP", S("abcdef"), 4, "abc"},
    {"text that exactly fits CAP is whole", S("abc"), 4, "abc"},
    {"an escape that exactly fits CAP is whole", S("\t"), 5, "\\x09"},
    {"an escape that does not fit is left out whole", S("\t"), 4, ""},
    {"an escape is never split", S("ab\t"), 6, "ab"},
    {"an escape is never split (2)", S("ab\tc"), 5, "ab"},
    {"nothing follows an escape that did not fit", S("ab\tc"), 6, "ab"},
    {"an escape followed by text, cut after the escape", S("\tabc"), 6, "\\x09a"},
    {"CAP 1 holds only the NUL", S("abc"), 1, ""},
};

static void test_log_quote_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
        const struct quote_case *c = &quote_cases[i];
        char out[80];
        const char *ret;

        memset(out, 'X', sizeof(out));
        ret = log_quote(c->s, c->len, out, c->cap);
        if (ret != out || memchr(out, '\0', c->cap) == NULL || strcmp(out, c->want) != 0 ||
            out[c->cap] != 'X')
            fail_msg("%s: cap %zu gave \"%.*s\", want \"%s\"", c->what, c->cap, (int)c->cap, out,
                     c->want);
    }
}

/* CAP 0 writes nothing and still returns OUT. */
static void test_log_quote_cap_zero(void **state)
{
    char out[4] = "XYZ";

    (void)state;
    assert_ptr_equal(log_quote("a\n", 2, out, 0), out);
    assert_string_equal(out, "XYZ");
}

/*
 * Every byte value alone comes out as itself (printable ASCII) or as \xHH
 * (controls, DEL, backslash, and every byte >= 0x80, which alone is never
 * a whole UTF-8 character), and never as a line break.
 */
static void test_log_quote_every_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char in = (char)b, out[8], esc[8];
        bool is_escaped = b < 0x20 || b >= 0x7f || b == '\\';

        log_quote(&in, 1, out, sizeof(out));
        snprintf(esc, sizeof(esc), "\\x%02x", b);
        if (is_escaped ? strcmp(out, esc) != 0 : (strlen(out) != 1 || out[0] != in))
            fail_msg("byte 0x%02x gave \"%s\"", b, out);
        if (strpbrk(out, "\r\n") != NULL)
            fail_msg("byte 0x%02x gave a line break", b);
    }
}

/* --- atomicfile: each test gets a fresh directory, removed afterwards. */

struct tmpdir {
    char path[64];
};

static int tmpdir_setup(void **state)
{
    struct tmpdir *d = malloc(sizeof(*d));

    if (d == NULL)
        return -1;
    snprintf(d->path, sizeof(d->path), "/tmp/test_misc_common.XXXXXX");
    if (mkdtemp(d->path) == NULL) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

/* Remove DIR and everything in it (files and directories). */
static int remove_tree(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    int err = 0;

    if (dp == NULL)
        return -errno;
    while ((de = readdir(dp)) != NULL) {
        char p[PATH_MAX];
        struct stat st;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
            continue;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            err = remove_tree(p) != 0 ? -1 : err;
        else if (unlink(p) != 0)
            err = -errno;
    }
    closedir(dp);
    if (rmdir(dir) != 0)
        err = -errno;
    return err;
}

static int tmpdir_teardown(void **state)
{
    struct tmpdir *d = *state;
    int err = remove_tree(d->path);

    free(d);
    return err == 0 ? 0 : -1;
}

/* DIR/NAME into BUF. */
static const char *join(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= cap)
        fail_msg("path %s/%s is too long", dir, name);
    return buf;
}

/* How many entries in DIR start with '.' (other than "." and ".."). */
static int count_hidden(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    int n = 0;

    assert_non_null(dp);
    while ((de = readdir(dp)) != NULL)
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(dp);
    return n;
}

static void test_atomicfile_write_read(void **state)
{
    const struct tmpdir *d = *state;
    static const char data[] = "# name\tsize\tsha256\nline two\n";
    char path[PATH_MAX], *buf = NULL;
    size_t len = 99;
    struct stat st;

    join(path, sizeof(path), d->path, "text.txt");
    assert_int_equal(atomicfile_write(path, data, sizeof(data) - 1, 0640), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_size, sizeof(data) - 1);

    assert_int_equal(fileio_read(path, 1 << 20, &buf, &len), 0);
    assert_non_null(buf);
    assert_int_equal(len, sizeof(data) - 1);
    assert_memory_equal(buf, data, sizeof(data) - 1);
    assert_int_equal(buf[len], '\0');
    free(buf);
    assert_int_equal(count_hidden(d->path), 0);
}

static void test_atomicfile_binary(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], *buf = NULL, data[70000];
    size_t len = 0;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 7 + i / 256);
    join(path, sizeof(path), d->path, "blob");
    assert_int_equal(atomicfile_write(path, data, sizeof(data), 0600), 0);
    assert_int_equal(fileio_read(path, 2 * sizeof(data), &buf, &len), 0);
    assert_int_equal(len, sizeof(data));
    assert_memory_equal(buf, data, sizeof(data));
    free(buf);
}

static void test_atomicfile_replace(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], *buf = NULL;
    size_t len = 0;
    struct stat st;

    join(path, sizeof(path), d->path, "state");
    assert_int_equal(atomicfile_write(path, "a much longer old version\n", 26, 0600), 0);
    assert_int_equal(atomicfile_write(path, "new\n", 4, 0644), 0);
    assert_int_equal(fileio_read(path, 4096, &buf, &len), 0);
    assert_int_equal(len, 4);
    assert_string_equal(buf, "new\n");
    free(buf);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(count_hidden(d->path), 0);
}

/* atomicfile_write_at(): written in the directory, a link at the name replaced, not followed. */
static void test_atomicfile_write_at(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], target[PATH_MAX], *buf = NULL;
    size_t len = 0;
    struct stat st;
    int dfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    assert_true(dfd >= 0);
    assert_int_equal(atomicfile_write_at(dfd, "a.meta4", "first\n", 6, 0644), 0);
    assert_int_equal(atomicfile_write_at(dfd, "a.meta4", "second\n", 7, 0640), 0);
    join(path, sizeof(path), d->path, "a.meta4");
    assert_int_equal(fileio_read(path, 4096, &buf, &len), 0);
    assert_string_equal(buf, "second\n");
    free(buf);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* A symbolic link at the name: replaced by the file, its target untouched. */
    join(target, sizeof(target), d->path, "target");
    assert_int_equal(atomicfile_write(target, "keep\n", 5, 0644), 0);
    join(path, sizeof(path), d->path, "link");
    assert_int_equal(symlink("target", path), 0);
    assert_int_equal(atomicfile_write_at(dfd, "link", "new\n", 4, 0644), 0);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(fileio_read(target, 4096, &buf, &len), 0);
    assert_string_equal(buf, "keep\n");
    free(buf);
    /* A name with a '/' or no name is refused; a directory at the name fails the rename. */
    assert_int_equal(atomicfile_write_at(dfd, "x/y", "z", 1, 0644), -EINVAL);
    assert_int_equal(atomicfile_write_at(dfd, "", "z", 1, 0644), -EINVAL);
    join(path, sizeof(path), d->path, "dir");
    assert_int_equal(mkdir(path, 0755), 0);
    assert_true(atomicfile_write_at(dfd, "dir", "z", 1, 0644) < 0);
    assert_int_equal(count_hidden(d->path), 0); /* no temporary file is left */
    close(dfd);
}

static void test_atomicfile_empty(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], *buf = NULL;
    size_t len = 99;

    join(path, sizeof(path), d->path, "empty");
    assert_int_equal(atomicfile_write(path, "", 0, 0600), 0);
    assert_int_equal(fileio_read(path, 4096, &buf, &len), 0);
    assert_non_null(buf);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    free(buf);
}

struct read_max_case {
    const char *what;
    size_t size; /* bytes in the file */
    size_t max;
    int want; /* 0 or a negative errno value */
};

static const struct read_max_case read_max_cases[] = {
    {"a file one byte over MAX is too big", 10, 9, -EFBIG},
    {"a file far over MAX is too big", 10, 1, -EFBIG},
    {"any data is too big for MAX 0", 10, 0, -EFBIG},
    {"a file one byte under MAX is read", 10, 11, 0},
    {"a file well under MAX is read", 10, 4096, 0},
    {"an empty file is read with room to spare", 0, 1, 0},
    {"a file of exactly MAX bytes is read", 10, 10, 0},
    {"a file of exactly MAX bytes is read (64 KiB)", 65536, 65536, 0},
    {"an empty file is read with MAX 0", 0, 0, 0},
};

static void test_atomicfile_read_max_cases(void **state)
{
    const struct tmpdir *d = *state;
    static char data[65536];

    memset(data, 'm', sizeof(data));
    for (size_t i = 0; i < sizeof(read_max_cases) / sizeof(read_max_cases[0]); i++) {
        const struct read_max_case *c = &read_max_cases[i];
        char path[PATH_MAX], name[32], *buf = (char *)data;
        size_t len = 99;
        int err;

        snprintf(name, sizeof(name), "file%zu", i);
        join(path, sizeof(path), d->path, name);
        assert_int_equal(atomicfile_write(path, data, c->size, 0600), 0);
        err = fileio_read(path, c->max, &buf, &len);
        if (err != c->want || (err == 0 && (buf == NULL || len != c->size || buf[len] != '\0')) ||
            (err != 0 && (buf != NULL || len != 0)))
            fail_msg("%s: %zu bytes with max %zu gave %d (%zu bytes), want %d", c->what, c->size,
                     c->max, err, len, c->want);
        if (err == 0)
            free(buf);
    }
}

static void test_atomicfile_read_missing(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], *buf = (char *)path;
    size_t len = 99;

    join(path, sizeof(path), d->path, "nothing-here");
    assert_int_equal(fileio_read(path, 4096, &buf, &len), -ENOENT);
    assert_null(buf);
    assert_int_equal(len, 0);
}

/* A missing directory: a negative errno, no file, no temporary file. */
static void test_atomicfile_missing_dir(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX];
    struct stat st;

    join(path, sizeof(path), d->path, "no/such/dir/file");
    assert_int_equal(atomicfile_write(path, "x", 1, 0600), -ENOENT);
    assert_int_equal(count_hidden(d->path), 0);
    join(path, sizeof(path), d->path, "no");
    assert_int_equal(stat(path, &st), -1);
}

/* The rename fails (a directory holds the name): the temporary file goes. */
static void test_atomicfile_rename_fails(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], inner[PATH_MAX];
    struct stat st;
    int err;

    join(path, sizeof(path), d->path, "taken");
    assert_int_equal(mkdir(path, 0700), 0);
    join(inner, sizeof(inner), path, "keep");
    assert_int_equal(atomicfile_write(inner, "k", 1, 0600), 0);

    err = atomicfile_write(path, "x", 1, 0600);
    if (err >= 0)
        fail_msg("writing over a directory gave %d", err);
    assert_int_equal(count_hidden(d->path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(stat(inner, &st), 0);
}

/* A path that names a directory, not a file, is refused and creates nothing. */
static void test_atomicfile_no_base_name(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX];
    int err;

    snprintf(path, sizeof(path), "%s/", d->path);
    err = atomicfile_write(path, "x", 1, 0600);
    if (err >= 0)
        fail_msg("writing to \"%s\" gave %d", path, err);
    assert_int_equal(count_hidden(d->path), 0);
}

/* A path without a '/' is relative to the current directory. */
static void test_atomicfile_relative(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], *buf = NULL;
    size_t len = 0;
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int err;

    assert_true(cwd >= 0);
    assert_int_equal(chdir(d->path), 0);
    err = atomicfile_write("relative.txt", "rel", 3, 0600);
    assert_int_equal(fchdir(cwd), 0);
    close(cwd);
    assert_int_equal(err, 0);
    join(path, sizeof(path), d->path, "relative.txt");
    assert_int_equal(fileio_read(path, 16, &buf, &len), 0);
    assert_string_equal(buf, "rel");
    free(buf);
    assert_int_equal(count_hidden(d->path), 0);
}

static void test_fileio_write_all(void **state)
{
    const struct tmpdir *d = *state;
    char path[PATH_MAX], *buf = NULL, data[100000];
    size_t len = 0;
    int fd;

    memset(data, 'w', sizeof(data));
    join(path, sizeof(path), d->path, "all");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(fileio_write_all(fd, data, sizeof(data)), 0);
    assert_int_equal(fileio_write_all(fd, data, 0), 0);
    close(fd);
    assert_int_equal(fileio_read(path, 2 * sizeof(data), &buf, &len), 0);
    assert_int_equal(len, sizeof(data));
    assert_memory_equal(buf, data, sizeof(data));
    free(buf);

    /* Errors come back as negative errno values. */
    assert_int_equal(fileio_write_all(-1, data, 1), -EBADF);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(fileio_write_all(fd, data, 1), -EBADF);
    close(fd);
}

#define TMPDIR_TEST(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, tmpdir_teardown)

struct split_case {
    const char *what;
    const char *path;
    size_t cap;
    const char *dir; /* NULL: does not fit */
    const char *base;
};

static const struct split_case split_cases[] = {
    {"a bare name is in the current directory", "text.txt", 64, ".", "text.txt"},
    {"a relative path splits at its last slash", "a/b/text.txt", 64, "a/b", "text.txt"},
    {"a file in the root has the directory /", "/text.txt", 64, "/", "text.txt"},
    {"a trailing slash leaves an empty name", "data/", 64, "data", ""},
    {"a directory that fits exactly is kept", "abc/x", 4, "abc", "x"},
    {"a directory one byte too long does not fit", "abcd/x", 4, NULL, NULL},
};

static void test_fileio_split_path(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
        const struct split_case *c = &split_cases[i];
        char dir[64];
        const char *base = fileio_split_path(c->path, dir, c->cap);

        if (c->dir == NULL ? base != NULL
                           : base == NULL || strcmp(dir, c->dir) != 0 || strcmp(base, c->base) != 0)
            fail_msg("%s: \"%s\" gave dir \"%s\", base \"%s\"", c->what, c->path, base ? dir : "-",
                     base ? base : "(null)");
    }
}

/* ================================================================== */
/* common/sha256: copies of a running hash                                               */
/* ================================================================== */

static void test_sha256_copy(void **state)
{
    struct sha256 *a = sha256_new(), *b = sha256_new();
    uint8_t da[SHA256_LEN], db[SHA256_LEN], want[SHA256_LEN];

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(sha256_update(a, "hel", 3), 0);
    assert_int_equal(sha256_copy(b, a), 0);
    /* Both go on independently from the same state. */
    assert_int_equal(sha256_update(a, "lo", 2), 0);
    assert_int_equal(sha256_update(b, "p", 1), 0);
    assert_int_equal(sha256_final(a, da), 0);
    assert_int_equal(sha256_final(b, db), 0);
    assert_int_equal(sha256_buf("hello", 5, want), 0);
    assert_memory_equal(da, want, SHA256_LEN);
    assert_int_equal(sha256_buf("help", 4, want), 0);
    assert_memory_equal(db, want, SHA256_LEN);
    sha256_free(a);
    sha256_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_copy),         cmocka_unit_test(test_human_size_cases),
        cmocka_unit_test(test_human_size_cap_zero), cmocka_unit_test(test_log_quote_cases),
        cmocka_unit_test(test_log_quote_cap_zero),  cmocka_unit_test(test_log_quote_every_byte),
        TMPDIR_TEST(test_atomicfile_write_read),    cmocka_unit_test(test_fileio_split_path),
        TMPDIR_TEST(test_atomicfile_binary),        TMPDIR_TEST(test_atomicfile_replace),
        TMPDIR_TEST(test_atomicfile_empty),         TMPDIR_TEST(test_atomicfile_read_max_cases),
        TMPDIR_TEST(test_atomicfile_read_missing),  TMPDIR_TEST(test_atomicfile_missing_dir),
        TMPDIR_TEST(test_atomicfile_rename_fails),  TMPDIR_TEST(test_atomicfile_no_base_name),
        TMPDIR_TEST(test_atomicfile_relative),      TMPDIR_TEST(test_fileio_write_all),
        TMPDIR_TEST(test_atomicfile_write_at),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
