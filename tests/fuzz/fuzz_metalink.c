/*
 * tests/fuzz/fuzz_metalink.c - client/mirror/metalink.c under libFuzzer:
 * a Metalink 4 document as any server or mirror may send it.
 *
 * Input layout: the whole input is the document, in a malloc'd copy of
 * exactly its length. It is parsed for the first file, then for the file
 * named "a", then again for the name the first parse found.
 *
 * Invariants (abort() when one breaks; leaks are LeakSanitizer's):
 *   - the result is 0 with WHY empty, or -EINVAL/-ENOMEM with WHY not
 *     empty and *OUT all zero;
 *   - on success: the name passes name_path_check; the size is at most
 *     INT64_MAX; pieces exist exactly when piece_len > 0 and there are
 *     ceil(size / piece_len) of them, at most METALINK_MAX_PIECES; 1 to
 *     METALINK_MAX_URLS URLs, each passing input_url_ok, at most
 *     METALINK_MAX_URL_LEN bytes, no two equal, priorities in
 *     1..METALINK_PRIORITY_MAX and not decreasing; a location is "" or
 *     two lowercase letters; a name asked for is the name given;
 *   - the same document gives the same answer twice (no hidden state),
 *     and asking for the first parse's name gives the same file, unless
 *     two files share that name (then that is the refusal).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/input.h"
#include "client/mirror/metalink.h"
#include "common/name.h"
#include "fuzz.h"

static char *copy_exact(const uint8_t *data, size_t n)
{
    char *p = malloc(n ? n : 1);

    FUZZ_CHECK(p != NULL);
    if (n > 0)
        memcpy(p, data, n);
    return p;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static void check_urls(const struct metalink *m)
{
    FUZZ_CHECK(m->nurls >= 1 && m->nurls <= METALINK_MAX_URLS && m->urls != NULL);
    for (size_t i = 0; i < m->nurls; i++) {
        const struct metalink_url *u = &m->urls[i];
        size_t len = strlen(u->url);
        size_t ll = strlen(u->location);

        FUZZ_CHECK(len <= METALINK_MAX_URL_LEN && input_url_ok(u->url, len));
        FUZZ_CHECK(u->priority >= 1 && u->priority <= METALINK_PRIORITY_MAX);
        FUZZ_CHECK(i == 0 || m->urls[i - 1].priority <= u->priority);
        FUZZ_CHECK(ll == 0 || (ll == 2 && u->location[0] >= 'a' && u->location[0] <= 'z' &&
                               u->location[1] >= 'a' && u->location[1] <= 'z'));
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(m->urls[j].url, u->url) != 0);
    }
}

static void check_result(int r, const struct metalink *m, const char *why, const char *want)
{
    if (r != 0) {
        FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(why[0] != '\0');
        FUZZ_CHECK(all_zero(m, sizeof(*m)));
        return;
    }
    FUZZ_CHECK(why[0] == '\0');
    FUZZ_CHECK(m->name != NULL && name_path_check(m->name, strlen(m->name)) == NAME_OK);
    FUZZ_CHECK(want == NULL || strcmp(m->name, want) == 0);
    FUZZ_CHECK(m->size <= INT64_MAX);
    if (m->piece_len == 0) {
        FUZZ_CHECK(m->npieces == 0 && m->pieces == NULL);
    } else {
        uint64_t n = m->size / m->piece_len + (m->size % m->piece_len != 0);

        FUZZ_CHECK(m->npieces == n && m->npieces <= METALINK_MAX_PIECES);
        FUZZ_CHECK((m->npieces == 0) == (m->pieces == NULL));
    }
    FUZZ_CHECK(m->has_sha256 || all_zero(m->sha256, sizeof(m->sha256)));
    check_urls(m);
}

static bool same(const struct metalink *a, const struct metalink *b)
{
    if (strcmp(a->name, b->name) != 0 || a->size != b->size || a->has_sha256 != b->has_sha256 ||
        memcmp(a->sha256, b->sha256, SHA256_LEN) != 0 || a->piece_len != b->piece_len ||
        a->npieces != b->npieces || a->nurls != b->nurls || a->nurls_ignored != b->nurls_ignored)
        return false;
    if (a->npieces > 0 && memcmp(a->pieces, b->pieces, a->npieces * SHA256_LEN) != 0)
        return false;
    for (size_t i = 0; i < a->nurls; i++)
        if (strcmp(a->urls[i].url, b->urls[i].url) != 0 ||
            a->urls[i].priority != b->urls[i].priority ||
            strcmp(a->urls[i].location, b->urls[i].location) != 0)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *doc = copy_exact(data, size);
    struct metalink m, again, named;
    char why[256], why2[256];
    int r, r2;

    r = metalink_parse(doc, size, NULL, &m, why, sizeof(why));
    check_result(r, &m, why, NULL);
    r2 = metalink_parse(doc, size, NULL, &again, why2, sizeof(why2));
    check_result(r2, &again, why2, NULL);
    FUZZ_CHECK(r == r2 && strcmp(why, why2) == 0);
    FUZZ_CHECK(r != 0 || same(&m, &again));
    metalink_free(&again);

    r2 = metalink_parse(doc, size, "a", &named, why2, sizeof(why2));
    check_result(r2, &named, why2, "a");
    metalink_free(&named);

    if (r == 0) {
        r2 = metalink_parse(doc, size, m.name, &named, why2, sizeof(why2));
        check_result(r2, &named, why2, m.name);
        FUZZ_CHECK(r2 == 0 ? same(&m, &named)
                           : r2 == -ENOMEM || strstr(why2, "two <file> elements") != NULL);
        metalink_free(&named);
    }
    metalink_free(&m);
    free(doc);
    return 0;
}
