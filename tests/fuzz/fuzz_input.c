/*
 * tests/fuzz/fuzz_input.c - client/input.c under libFuzzer: the lines of
 * input.txt, as a person (or a script) may write them.
 *
 * Input layout: the input is split at '\n'; each line (without its LF)
 * is handed over in a malloc'd copy of exactly its length.
 *
 * Invariants (abort() when one breaks):
 *   - input_parse_sources: INPUT_BAD gives a reason and a zeroed result,
 *     INPUT_SKIP no reason and a zeroed result; an entry for a name has no
 *     URL, is no Metalink and passes name_path_check; an entry for URLs
 *     has 1 to INPUT_MAX_URLS of them, each a view into the line passing
 *     input_url_ok, no two equal, the first one the entry's text; a
 *     Metalink entry has exactly one URL and input_url_is_metalink says so;
 *   - input_parse_line gives the same answer and entry for a line of one
 *     source, and INPUT_BAD for a line of several;
 *   - input_url_filename of a URL entry, when it gives a name, gives a
 *     NUL-terminated valid name within the buffer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/input.h"
#include "common/name.h"
#include "fuzz.h"

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static bool inside(struct strview v, const char *line, size_t len)
{
    return v.p >= line && v.p + v.len <= line + len;
}

static void check_urls(const struct input_sources *s, const char *line, size_t len)
{
    FUZZ_CHECK(s->nurls >= 1 && s->nurls <= INPUT_MAX_URLS);
    FUZZ_CHECK(s->entry.text.p == s->urls[0].p && s->entry.text.len == s->urls[0].len);
    for (size_t i = 0; i < s->nurls; i++) {
        struct strview u = s->urls[i];

        FUZZ_CHECK(inside(u, line, len) && input_url_ok(u.p, u.len));
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(s->urls[j].len != u.len || memcmp(s->urls[j].p, u.p, u.len) != 0);
    }
    FUZZ_CHECK(!s->is_metalink ||
               (s->nurls == 1 && input_url_is_metalink(s->urls[0].p, s->urls[0].len)));
}

static void check_line(const char *line, size_t len)
{
    struct input_sources s;
    struct input_entry e;
    const char *why = NULL, *why2 = NULL;
    enum input_result r = input_parse_sources(line, len, &s, &why);
    enum input_result r2 = input_parse_line(line, len, &e, &why2);
    char name[NAME_MAX_LEN + 1];

    FUZZ_CHECK(r == INPUT_ENTRY || r == INPUT_SKIP || r == INPUT_BAD);
    if (r != INPUT_ENTRY) {
        FUZZ_CHECK(all_zero(&s, sizeof(s)));
        FUZZ_CHECK(r == INPUT_SKIP ? why == NULL : why != NULL && why[0] != '\0');
    } else if (s.entry.kind == INPUT_NAME) {
        FUZZ_CHECK(why == NULL && s.nurls == 0 && !s.is_metalink);
        FUZZ_CHECK(inside(s.entry.text, line, len));
        FUZZ_CHECK(name_path_check(s.entry.text.p, s.entry.text.len) == NAME_OK);
    } else {
        FUZZ_CHECK(why == NULL && s.entry.kind == INPUT_URL);
        check_urls(&s, line, len);
        if (input_url_filename(s.urls[0].p, s.urls[0].len, name, sizeof(name)))
            FUZZ_CHECK(memchr(name, '\0', sizeof(name)) != NULL &&
                       name_check(name, strlen(name)) == NAME_OK);
    }
    if (r == INPUT_ENTRY && s.nurls > 1) {
        FUZZ_CHECK(r2 == INPUT_BAD && all_zero(&e, sizeof(e)));
    } else {
        FUZZ_CHECK(r2 == r && memcmp(&e, &s.entry, sizeof(e)) == 0);
        FUZZ_CHECK(why == why2 || (why != NULL && why2 != NULL && strcmp(why, why2) == 0));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start = 0;

    while (start <= size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl != NULL ? (size_t)(nl - data) : size;
        size_t n = end - start;
        char *line = malloc(n ? n : 1);

        FUZZ_CHECK(line != NULL);
        if (n > 0)
            memcpy(line, data + start, n);
        check_line(line, n);
        free(line);
        if (nl == NULL)
            break;
        start = end + 1;
    }
    return 0;
}
