/*
 * tests/fuzz/fuzz_range.c - common/range.c under libFuzzer.
 *
 * Input layout: bytes 0..7 are the representation size (little-endian; a
 * shorter input is zero-padded), byte 8 picks the caller's room for parts
 * (MAX, 0..RANGE_MAX_PARTS+1), and the rest is a Range header value, tried
 * against that size and against its low byte alone (small sizes reach the
 * clamping edges sooner). Everything after the size is also read as a
 * Content-Range value, so a Content-Range seed is 8 size bytes followed by
 * "bytes ...", its 'b' doubling as the room byte. Each value is handed over
 * in a malloc'd copy of exactly its length, and OUT has MAX slots plus a
 * guard slot that must come back untouched.
 *
 * Invariants (abort() when one breaks):
 *   - range_parse_set: every part has first <= last < size, n <= max,
 *     n > 0 exactly when RANGE_OK, and nothing is written past OUT[max);
 *     less room only ever turns a result into RANGE_IGNORE;
 *   - range_parse agrees with range_parse_set(max 1), and zeroes *out
 *     unless RANGE_OK;
 *   - range_parse_content_range: first <= last, last < size when has_size,
 *     an unsatisfied range has a size, *out is zeroed on failure, and the
 *     value it describes formats and parses back to itself.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/range.h"
#include "fuzz.h"

/* A malloc'd copy of exactly N bytes. */
static char *copy_exact(const uint8_t *data, size_t n)
{
    char *p = malloc(n);

    if (p == NULL && n == 0)
        p = malloc(1);
    FUZZ_CHECK(p != NULL);
    if (n > 0)
        memcpy(p, data, n);
    return p;
}

static void check_parts(const struct byte_range *out, size_t n, uint64_t size)
{
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(out[i].first <= out[i].last);
        FUZZ_CHECK(out[i].last < size);
        FUZZ_CHECK(range_length(&out[i]) >= 1 && range_length(&out[i]) <= size);
    }
}

/* Parse VALUE with room for MAX parts into an array of exactly MAX. */
static enum range_result parse_set(const char *value, size_t len, uint64_t size, size_t max,
                                   struct byte_range *copy_out, size_t *n)
{
    /* One guard slot after MAX, filled with a pattern that must survive. */
    struct byte_range *out = malloc((max + 1) * sizeof(*out));
    enum range_result r;

    FUZZ_CHECK(out != NULL);
    memset(out, 0xa5, (max + 1) * sizeof(*out));
    *n = 12345;
    r = range_parse_set(value, len, size, out, max, n);
    FUZZ_CHECK(r == RANGE_OK || r == RANGE_IGNORE || r == RANGE_UNSATISFIABLE);
    FUZZ_CHECK(*n <= max);
    FUZZ_CHECK((r == RANGE_OK) == (*n > 0));
    for (size_t i = 0; i < sizeof(*out); i++)
        FUZZ_CHECK(((const unsigned char *)&out[max])[i] == 0xa5);
    check_parts(out, *n, size);
    if (*n > 1)
        (void)range_set_is_ascending(out, *n); /* any answer; must not crash */
    memcpy(copy_out, out, *n * sizeof(*out));
    free(out);
    return r;
}

static void fuzz_range(const char *value, size_t len, uint64_t size, size_t max)
{
    struct byte_range big[RANGE_MAX_PARTS + 1], mine[RANGE_MAX_PARTS + 2], one1, single;
    size_t nbig, nmine, none;
    enum range_result rbig, rmine, r1, rone;

    /* As the server calls it. */
    rbig = parse_set(value, len, size, RANGE_MAX_PARTS, big, &nbig);
    /* With the room the input asks for. */
    rmine = parse_set(value, len, size, max, mine, &nmine);
    if (max <= RANGE_MAX_PARTS && rmine != RANGE_IGNORE) {
        /* Less room can only turn a result into RANGE_IGNORE. */
        FUZZ_CHECK(rmine == rbig && nmine == nbig);
        FUZZ_CHECK(memcmp(mine, big, nbig * sizeof(big[0])) == 0);
    }

    /* range_parse is range_parse_set with room for one part. */
    r1 = parse_set(value, len, size, 1, &one1, &none);
    memset(&single, 0x5a, sizeof(single));
    rone = range_parse(value, len, size, &single);
    FUZZ_CHECK(rone == r1);
    if (rone == RANGE_OK) {
        FUZZ_CHECK(none == 1 && single.first == one1.first && single.last == one1.last);
        FUZZ_CHECK(rbig == RANGE_OK && nbig >= 1);
    } else {
        FUZZ_CHECK(single.first == 0 && single.last == 0);
    }
    if (rbig == RANGE_IGNORE)
        FUZZ_CHECK(rone == RANGE_IGNORE);
}

static bool is_zeroed(const struct content_range *cr)
{
    return !cr->is_unsatisfied && !cr->has_size && cr->size == 0 && cr->range.first == 0 &&
           cr->range.last == 0;
}

static void fuzz_content_range(const char *value, size_t len)
{
    struct content_range cr, again;
    char text[128];
    int n;

    memset(&cr, 0x5a, sizeof(cr));
    if (!range_parse_content_range(value, len, &cr)) {
        FUZZ_CHECK(is_zeroed(&cr));
        return;
    }
    if (cr.is_unsatisfied) {
        FUZZ_CHECK(cr.has_size);
        FUZZ_CHECK(cr.range.first == 0 && cr.range.last == 0);
        n = snprintf(text, sizeof(text), "bytes */%" PRIu64, cr.size);
    } else {
        FUZZ_CHECK(cr.range.first <= cr.range.last);
        if (cr.has_size) {
            FUZZ_CHECK(cr.range.last < cr.size);
            n = snprintf(text, sizeof(text), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
                         cr.range.first, cr.range.last, cr.size);
        } else {
            FUZZ_CHECK(cr.size == 0);
            n = snprintf(text, sizeof(text), "bytes %" PRIu64 "-%" PRIu64 "/*", cr.range.first,
                         cr.range.last);
        }
    }
    /* What it describes, written canonically, reads back the same. */
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof(text));
    FUZZ_CHECK(range_parse_content_range(text, (size_t)n, &again));
    FUZZ_CHECK(again.is_unsatisfied == cr.is_unsatisfied && again.has_size == cr.has_size &&
               again.size == cr.size && again.range.first == cr.range.first &&
               again.range.last == cr.range.last);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t rep_size = 0;
    size_t max = 0, head = size < 8 ? size : 8;
    char *value;

    for (size_t i = 0; i < head; i++)
        rep_size |= (uint64_t)data[i] << (8 * i);
    if (size > 8)
        max = data[8] % (RANGE_MAX_PARTS + 2);

    /* The Range value: everything after the size and the room byte. */
    value = copy_exact(data + (size > 9 ? 9 : size), size > 9 ? size - 9 : 0);
    fuzz_range(value, size > 9 ? size - 9 : 0, rep_size, max);
    /* Small sizes find the clamping edges sooner: try the low byte alone. */
    fuzz_range(value, size > 9 ? size - 9 : 0, rep_size & 0xff, max);
    free(value);

    /* The Content-Range value: everything after the size. */
    value = copy_exact(data + head, size - head);
    fuzz_content_range(value, size - head);
    free(value);
    return 0;
}
