/*
 * tests/fuzz/fuzz_upfield.c - client/up/upfield.c and uphead.c under
 * libFuzzer: the values of the resumable-upload fields and whole response
 * heads, as a server (any server) may send them.
 *
 * Input layout: the whole input is tried as each field value (in a
 * malloc'd copy of exactly its length); then it is split at '\n' into
 * lines fed to one uphead, each line in a copy of its own.
 *
 * Invariants (abort() when one breaks):
 *   - a parser that says false leaves its output zeroed; an Integer is at
 *     most UPFIELD_INT_MAX; a limit's members are set only with a value;
 *   - the same value gives the same answer twice (no hidden state);
 *   - a resolved Location is "" unless OK, and when OK it starts with the
 *     base's origin, holds no byte outside 0x21..0x7e, and resolving it
 *     again gives itself;
 *   - uphead never reports a status outside 100..999, keeps its strings
 *     NUL-terminated within their arrays, and a has_* flag is false
 *     whenever its value is not.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/up/upfield.h"
#include "client/up/uphead.h"
#include "fuzz.h"

#define BASE "http://127.0.0.1:8080/dir/file.bin"

static char *copy_exact(const uint8_t *data, size_t n)
{
    char *p = malloc(n ? n : 1);

    FUZZ_CHECK(p != NULL);
    if (n > 0)
        memcpy(p, data, n);
    return p;
}

static bool limit_zero(const struct upfield_limit *l)
{
    struct upfield_limit z;

    memset(&z, 0, sizeof(z));
    return memcmp(l, &z, sizeof(z)) == 0;
}

static void check_values(const char *v, size_t n)
{
    uint64_t i1, i2;
    bool b1, b2, ok1, ok2;
    struct upfield_limit l1, l2;
    char out[512], again[512];
    enum upfield_loc r;
    size_t olen;
    const char *path;

    ok1 = upfield_integer(v, n, &i1);
    ok2 = upfield_integer(v, n, &i2);
    FUZZ_CHECK(ok1 == ok2 && i1 == i2);
    FUZZ_CHECK(ok1 || i1 == 0);
    FUZZ_CHECK(i1 <= UPFIELD_INT_MAX);

    ok1 = upfield_boolean(v, n, &b1);
    ok2 = upfield_boolean(v, n, &b2);
    FUZZ_CHECK(ok1 == ok2 && b1 == b2);
    FUZZ_CHECK(ok1 || !b1);

    ok1 = upfield_limit(v, n, &l1);
    ok2 = upfield_limit(v, n, &l2);
    FUZZ_CHECK(ok1 == ok2 && memcmp(&l1, &l2, sizeof(l1)) == 0);
    FUZZ_CHECK(ok1 || limit_zero(&l1));
    FUZZ_CHECK(l1.has_max_size || l1.max_size == 0);
    FUZZ_CHECK(l1.has_max_age || l1.max_age == 0);
    FUZZ_CHECK(l1.max_size <= UPFIELD_INT_MAX && l1.max_append <= UPFIELD_INT_MAX);

    r = upfield_location(BASE, v, n, out, sizeof(out));
    FUZZ_CHECK(r == UPFIELD_LOC_OK || r == UPFIELD_LOC_BAD || r == UPFIELD_LOC_FOREIGN);
    FUZZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL);
    if (r != UPFIELD_LOC_OK) {
        FUZZ_CHECK(out[0] == '\0');
        return;
    }
    FUZZ_CHECK(strncmp(out, "http://127.0.0.1:8080", 21) == 0);
    for (const char *p = out; *p != '\0'; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x21 && (unsigned char)*p <= 0x7e);
    FUZZ_CHECK(upfield_split_url(out, strlen(out), &olen, &path));
    FUZZ_CHECK(olen == 21);
    FUZZ_CHECK(upfield_location(BASE, out, strlen(out), again, sizeof(again)) == UPFIELD_LOC_OK);
    FUZZ_CHECK(strcmp(out, again) == 0);
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_head(const struct uphead *h)
{
    FUZZ_CHECK(h->status == 0 || (h->status >= 100 && h->status <= 999));
    FUZZ_CHECK(h->has_offset || h->offset == 0);
    FUZZ_CHECK(h->has_length || h->length == 0);
    FUZZ_CHECK(h->has_complete || !h->is_complete);
    FUZZ_CHECK(h->has_interop || h->interop == 0);
    FUZZ_CHECK(h->has_limit || limit_zero(&h->limit));
    FUZZ_CHECK(terminated(h->location, sizeof(h->location)));
    FUZZ_CHECK(terminated(h->interim_location, sizeof(h->interim_location)));
    FUZZ_CHECK(terminated(h->retry_after, sizeof(h->retry_after)));
    FUZZ_CHECK(terminated(h->date, sizeof(h->date)));
    FUZZ_CHECK(terminated(h->content_type, sizeof(h->content_type)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = copy_exact(data, size);
    struct uphead *h = malloc(sizeof(*h));
    size_t start = 0;

    FUZZ_CHECK(h != NULL);
    check_values(v, size);
    free(v);
    uphead_init(h);
    while (start <= size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl != NULL ? (size_t)(nl - data) + 1 : size;
        char *line = copy_exact(data + start, end - start);
        enum uphead_line r = uphead_parse_line(h, line, end - start);

        FUZZ_CHECK(r == UPHEAD_STATUS || r == UPHEAD_FIELD || r == UPHEAD_END || r == UPHEAD_BAD);
        FUZZ_CHECK(r != UPHEAD_BAD || h->bad_line != NULL);
        check_head(h);
        free(line);
        if (nl == NULL)
            break;
        start = end;
    }
    free(h);
    return 0;
}
