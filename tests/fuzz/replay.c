/*
 * tests/fuzz/replay.c - run a fuzz target over a seed corpus without
 * libFuzzer, so gcc builds (and every MODE of make test) exercise it too.
 *
 *     replay_NAME DIR_OR_FILE...
 *
 * For each argument: a directory has each regular file in it (one level,
 * in name order) handed to LLVMFuzzerTestOneInput(); a file is handed over
 * itself. Speaks TAP, one test per argument:
 *
 *     1..1
 *     ok 1 - replayed 42 inputs from tests/fuzz/corpus/range
 *
 * "not ok" when a directory cannot be read or holds no inputs. A broken
 * invariant ends the process in the target (abort() or a sanitizer), so
 * each input's name is printed as a TAP comment, flushed, before it runs:
 * the last one printed is the culprit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Largest input replayed; corpus files are meant to be small. */
#define REPLAY_MAX_INPUT (16u << 20)

/*
 * Read the regular file NAME (relative to DIRFD) into a new buffer of
 * exactly its size (owned by the caller: free()). Returns 0, 1 when NAME
 * is not a regular file (skipped), or a negative errno value.
 */
static int read_input(int dirfd, const char *name, uint8_t **out, size_t *len)
{
    int fd = -1, err = 0;
    struct stat st;
    uint8_t *buf = NULL;
    size_t size, got = 0;

    *out = NULL;
    *len = 0;
    fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        err = -errno;
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        err = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = 1;
        goto out;
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size > REPLAY_MAX_INPUT) {
        err = -EFBIG;
        goto out;
    }
    size = (size_t)st.st_size;
    /* Exactly SIZE bytes, so a sanitizer sees a read past the end. */
    buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) {
        err = -ENOMEM;
        goto out;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = -errno;
            goto out;
        }
        if (n == 0) /* the file shrank while we read it */
            break;
        got += (size_t)n;
    }
    *out = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return err;
}

/* Replay one input; NAME is how it is reported. Returns 0, 1 (skipped) or -errno. */
static int replay_one(int dirfd, const char *name, const char *shown)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int err = read_input(dirfd, name, &data, &len);

    if (err != 0)
        return err;
    printf("# %s (%zu bytes)\n", shown, len);
    fflush(stdout);
    (void)LLVMFuzzerTestOneInput(data, len); /* it aborts on a broken invariant */
    free(data);
    return 0;
}

static int skip_dots(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/*
 * Replay every regular file in directory PATH, or PATH itself when it is a
 * file. Sets *COUNT to the inputs replayed. Returns 0 or a negative errno.
 */
static int replay_path(const char *path, size_t *count, char *why, size_t whylen)
{
    struct dirent **names = NULL;
    int n, dirfd = -1, err = 0;
    struct stat st;

    *count = 0;
    if (stat(path, &st) < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        err = replay_one(AT_FDCWD, path, path);
        if (err != 0) {
            snprintf(why, whylen, "%s", err > 0 ? "not a regular file" : strerror(-err));
            return -1;
        }
        *count = 1;
        return 0;
    }
    dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    n = scandir(path, &names, skip_dots, alphasort);
    if (n < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        close(dirfd);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char shown[4096];
        int r;

        snprintf(shown, sizeof(shown), "%s/%s", path, names[i]->d_name);
        r = replay_one(dirfd, names[i]->d_name, shown);
        if (r < 0 && err == 0) {
            snprintf(why, whylen, "%s: %s", shown, strerror(-r));
            err = -1;
        }
        if (r == 0)
            (*count)++;
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    close(dirfd);
    if (err == 0 && *count == 0) {
        snprintf(why, whylen, "no inputs");
        err = -1;
    }
    return err;
}

int main(int argc, char **argv)
{
    int failed = 0;

    if (argc < 2) {
        printf("1..1\nnot ok 1 - no corpus given (usage: %s DIR_OR_FILE...)\n", argv[0]);
        return 1;
    }
    printf("1..%d\n", argc - 1);
    fflush(stdout);
    for (int i = 1; i < argc; i++) {
        char why[4200] = "";
        size_t count = 0;

        if (replay_path(argv[i], &count, why, sizeof(why)) != 0) {
            printf("not ok %d - replayed %zu inputs from %s: %s\n", i, count, argv[i], why);
            failed++;
        } else {
            printf("ok %d - replayed %zu inputs from %s\n", i, count, argv[i]);
        }
        fflush(stdout);
    }
    return failed > 0 ? 1 : 0;
}
