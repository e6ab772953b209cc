/*
 * tools/mksample.c - write SIZE bytes of deterministic sample data to
 * stdout: "mksample SIZE SEED [text]". The same arguments give the same
 * bytes on every machine, so sample files (and their hashes) are
 * reproducible without committing large blobs. Binary data is a
 * xorshift64* stream; "text" gives readable numbered lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static int put(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const words[] = {"chunk", "range", "byte",   "server", "client",
                                        "file",  "hash",  "verify", "queue",  "catalog"};
    static char buf[1 << 16];
    uint64_t size, seed, state, line = 1;
    int is_text;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: mksample SIZE SEED [text]\n");
        return 2;
    }
    size = strtoull(argv[1], NULL, 10);
    seed = strtoull(argv[2], NULL, 10);
    is_text = argc == 4 && strcmp(argv[3], "text") == 0;
    state = seed * 0x9e3779b97f4a7c15ull + 1;
    while (size > 0) {
        size_t n = 0;

        if (is_text) {
            while (n + 128 < sizeof(buf)) {
                int k = snprintf(buf + n, sizeof(buf) - n, "%06" PRIu64 " the %s %s %s\n", line++,
                                 words[next(&state) % 10], words[next(&state) % 10],
                                 words[next(&state) % 10]);
                n += (size_t)k;
            }
        } else {
            for (; n + 8 <= sizeof(buf); n += 8) {
                uint64_t v = next(&state);

                memcpy(buf + n, &v, 8);
            }
        }
        if (n > size)
            n = (size_t)size;
        if (put(buf, n) != 0) {
            perror("mksample");
            return 1;
        }
        size -= n;
    }
    return 0;
}
