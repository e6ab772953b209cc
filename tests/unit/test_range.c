/*
 * tests/unit/test_range.c - common/range.c: Range (RFC 9110 14.1.2) and
 * Content-Range (14.4) parsing, one row per behaviour.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/range.h"

struct range_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *value;
    uint64_t size;
    enum range_result want;
    uint64_t first, last;
};

static const struct range_case cases[] = {
    {"a closed range is taken as is", "bytes=0-99", 1000, RANGE_OK, 0, 99},
    {"a one-byte range at the start", "bytes=0-0", 1000, RANGE_OK, 0, 0},
    {"the last byte alone", "bytes=999-999", 1000, RANGE_OK, 999, 999},
    {"an open range runs to the end", "bytes=900-", 1000, RANGE_OK, 900, 999},
    {"an open range from 0 is the whole file", "bytes=0-", 1000, RANGE_OK, 0, 999},
    {"a last byte past the end is clamped", "bytes=10-5000", 1000, RANGE_OK, 10, 999},
    {"a last byte of UINT64_MAX is clamped", "bytes=10-18446744073709551615", 1000, RANGE_OK, 10,
     999},
    {"a suffix selects the last N bytes", "bytes=-100", 1000, RANGE_OK, 900, 999},
    {"a suffix of exactly the size selects all", "bytes=-1000", 1000, RANGE_OK, 0, 999},
    {"a suffix longer than the file selects all of it", "bytes=-5000", 1000, RANGE_OK, 0, 999},
    {"the unit is case-insensitive", "Bytes=1-2", 1000, RANGE_OK, 1, 2},
    {"spaces around the value are allowed", "  bytes=1-2  ", 1000, RANGE_OK, 1, 2},
    {"a first byte at the size is unsatisfiable", "bytes=1000-", 1000, RANGE_UNSATISFIABLE, 0, 0},
    {"a first byte past the size is unsatisfiable", "bytes=2000-3000", 1000, RANGE_UNSATISFIABLE, 0,
     0},
    {"a zero-length suffix is unsatisfiable", "bytes=-0", 1000, RANGE_UNSATISFIABLE, 0, 0},
    {"any range of an empty file but a suffix is unsatisfiable", "bytes=0-", 0, RANGE_UNSATISFIABLE,
     0, 0},
    {"a suffix of an empty file selects the whole (empty) file", "bytes=-5", 0, RANGE_IGNORE, 0, 0},
    {"last before first is malformed", "bytes=5-4", 1000, RANGE_IGNORE, 0, 0},
    {"another unit is ignored", "items=0-1", 1000, RANGE_IGNORE, 0, 0},
    {"no '=' is malformed", "bytes 0-1", 1000, RANGE_IGNORE, 0, 0},
    {"an empty set is malformed", "bytes=", 1000, RANGE_IGNORE, 0, 0},
    {"a spec without '-' is malformed", "bytes=5", 1000, RANGE_IGNORE, 0, 0},
    {"a lone '-' is malformed", "bytes=-", 1000, RANGE_IGNORE, 0, 0},
    {"a sign is malformed", "bytes=+1-2", 1000, RANGE_IGNORE, 0, 0},
    {"a negative suffix is malformed", "bytes=--1", 1000, RANGE_IGNORE, 0, 0},
    {"letters in a position are malformed", "bytes=a-b", 1000, RANGE_IGNORE, 0, 0},
    {"space inside a spec is malformed", "bytes=1 -2", 1000, RANGE_IGNORE, 0, 0},
    {"an overflow is malformed", "bytes=0-99999999999999999999", 1000, RANGE_IGNORE, 0, 0},
    {"an overflowing first position is malformed", "bytes=99999999999999999999-", 1000,
     RANGE_IGNORE, 0, 0},
    {"an overflowing suffix is malformed", "bytes=-99999999999999999999", 1000, RANGE_IGNORE, 0, 0},
    {"two ranges are not a single range", "bytes=0-1,5-6", 1000, RANGE_IGNORE, 0, 0},
};

static void test_range_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct range_case *c = &cases[i];
        struct byte_range got;
        enum range_result r = range_parse(c->value, strlen(c->value), c->size, &got);

        if (r != c->want || got.first != c->first || got.last != c->last)
            fail_msg("%s: \"%s\" (size %" PRIu64 ") gave %d [%" PRIu64 ", %" PRIu64 "]", c->what,
                     c->value, c->size, (int)r, got.first, got.last);
    }
}

struct set_case {
    const char *what;
    const char *value;
    uint64_t size;
    size_t max;
    enum range_result want;
    size_t n;
    struct byte_range parts[4];
};

static const struct set_case set_cases[] = {
    {"two ranges are kept in order", "bytes=0-1,5-6", 100, 16, RANGE_OK, 2, {{0, 1}, {5, 6}}},
    {"order as asked, not sorted", "bytes=50-60,0-1", 100, 16, RANGE_OK, 2, {{50, 60}, {0, 1}}},
    {"spaces around commas are allowed", "bytes=0-1 , 5-6", 100, 16, RANGE_OK, 2, {{0, 1}, {5, 6}}},
    {"empty list elements are ignored", "bytes=0-1,,5-6,", 100, 16, RANGE_OK, 2, {{0, 1}, {5, 6}}},
    {"unsatisfiable parts are dropped",
     "bytes=0-1,500-600,-2",
     100,
     16,
     RANGE_OK,
     2,
     {{0, 1}, {98, 99}}},
    {"all parts unsatisfiable is unsatisfiable",
     "bytes=500-600,700-",
     100,
     16,
     RANGE_UNSATISFIABLE,
     0,
     {{0, 0}}},
    {"one malformed part spoils the set", "bytes=0-1,x", 100, 16, RANGE_IGNORE, 0, {{0, 0}}},
    {"more parts than allowed are ignored", "bytes=0-1,2-3,4-5", 100, 2, RANGE_IGNORE, 0, {{0, 0}}},
    {"exactly the maximum is fine", "bytes=0-1,2-3", 100, 2, RANGE_OK, 2, {{0, 1}, {2, 3}}},
    {"overlapping parts are returned untouched",
     "bytes=0-10,5-20",
     100,
     16,
     RANGE_OK,
     2,
     {{0, 10}, {5, 20}}},
};

static void test_range_set_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
        const struct set_case *c = &set_cases[i];
        struct byte_range got[RANGE_MAX_PARTS];
        size_t n = 99;
        enum range_result r = range_parse_set(c->value, strlen(c->value), c->size, got, c->max, &n);

        if (r != c->want || n != c->n)
            fail_msg("%s: \"%s\" gave %d with %zu parts", c->what, c->value, (int)r, n);
        for (size_t k = 0; k < n; k++)
            if (got[k].first != c->parts[k].first || got[k].last != c->parts[k].last)
                fail_msg("%s: part %zu is [%" PRIu64 ", %" PRIu64 "]", c->what, k, got[k].first,
                         got[k].last);
    }
}

static void test_range_ascending(void **state)
{
    const struct byte_range ok[] = {{0, 1}, {2, 3}, {10, 20}};
    const struct byte_range overlap[] = {{0, 5}, {5, 6}};
    const struct byte_range backwards[] = {{10, 20}, {0, 1}};

    (void)state;
    assert_true(range_set_is_ascending(ok, 3));
    assert_true(range_set_is_ascending(ok, 1));
    assert_false(range_set_is_ascending(overlap, 2));
    assert_false(range_set_is_ascending(backwards, 2));
}

struct cr_case {
    const char *what;
    const char *value;
    bool want;
    bool is_unsatisfied, has_size;
    uint64_t first, last, size;
};

static const struct cr_case cr_cases[] = {
    {"a full Content-Range", "bytes 0-99/1000", true, false, true, 0, 99, 1000},
    {"the last byte", "bytes 999-999/1000", true, false, true, 999, 999, 1000},
    {"an unknown size", "bytes 0-99/*", true, false, false, 0, 99, 0},
    {"a 416 form", "bytes */1000", true, true, true, 0, 0, 1000},
    {"the unit is case-insensitive", "BYTES 1-2/3", true, false, true, 1, 2, 3},
    {"a last byte at the size is invalid", "bytes 0-1000/1000", false, false, false, 0, 0, 0},
    {"last before first is invalid", "bytes 5-4/1000", false, false, false, 0, 0, 0},
    {"a 416 form without a size is invalid", "bytes */*", false, false, false, 0, 0, 0},
    {"another unit is invalid", "items 0-1/2", false, false, false, 0, 0, 0},
    {"a missing slash is invalid", "bytes 0-1", false, false, false, 0, 0, 0},
    {"junk after the size is invalid", "bytes 0-1/2x", false, false, false, 0, 0, 0},
    {"an overflowing size is invalid", "bytes 0-1/99999999999999999999", false, false, false, 0, 0,
     0},
};

static void test_content_range_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cr_cases) / sizeof(cr_cases[0]); i++) {
        const struct cr_case *c = &cr_cases[i];
        struct content_range cr;
        bool got = range_parse_content_range(c->value, strlen(c->value), &cr);

        if (got != c->want || cr.is_unsatisfied != c->is_unsatisfied ||
            cr.has_size != c->has_size || cr.range.first != c->first || cr.range.last != c->last ||
            cr.size != c->size)
            fail_msg("%s: \"%s\" gave %d (unsatisfied %d, has_size %d, %" PRIu64 "-%" PRIu64
                     "/%" PRIu64 ")",
                     c->what, c->value, got, cr.is_unsatisfied, cr.has_size, cr.range.first,
                     cr.range.last, cr.size);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_cases),
        cmocka_unit_test(test_range_set_cases),
        cmocka_unit_test(test_range_ascending),
        cmocka_unit_test(test_content_range_cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
