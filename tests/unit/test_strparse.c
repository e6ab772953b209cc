/*
 * tests/unit/test_strparse.c - common/strparse.c: strict decimal numbers,
 * numbers with a maximum, and sizes with a binary suffix.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/strparse.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

struct u64_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *p;
    size_t len;
    enum strparse_result want;
    uint64_t value;
};

static const struct u64_case u64_cases[] = {
    {"zero is a number", S("0"), STRPARSE_OK, 0},
    {"one digit is a number", S("7"), STRPARSE_OK, 7},
    {"several digits are a number", S("1234567890"), STRPARSE_OK, 1234567890},
    {"leading zeros are decimal, not octal", S("0010"), STRPARSE_OK, 10},
    {"many leading zeros do not overflow", S("000000000000000000000000000001"), STRPARSE_OK, 1},
    {"UINT32_MAX + 1 fits", S("4294967296"), STRPARSE_OK, 4294967296u},
    {"UINT64_MAX - 1 fits", S("18446744073709551614"), STRPARSE_OK, UINT64_MAX - 1},
    {"UINT64_MAX fits", S("18446744073709551615"), STRPARSE_OK, UINT64_MAX},
    {"only LEN bytes are read", "12abc", 2, STRPARSE_OK, 12},
    {"a prefix of a longer number is read", "18446744073709551615", 3, STRPARSE_OK, 184},

    {"UINT64_MAX + 1 overflows", S("18446744073709551616"), STRPARSE_OVERFLOW, 0},
    {"UINT64_MAX + 5 overflows", S("18446744073709551620"), STRPARSE_OVERFLOW, 0},
    {"21 digits overflow", S("100000000000000000000"), STRPARSE_OVERFLOW, 0},
    {"ten times UINT64_MAX overflows", S("184467440737095516150"), STRPARSE_OVERFLOW, 0},
    {"a huge number overflows", S("99999999999999999999999999999999"), STRPARSE_OVERFLOW, 0},

    {"no digits is empty", S(""), STRPARSE_EMPTY, 0},
    {"LEN 0 is empty whatever follows", "123", 0, STRPARSE_EMPTY, 0},

    {"a '+' sign is invalid", S("+1"), STRPARSE_INVALID, 0},
    {"a '-' sign is invalid", S("-1"), STRPARSE_INVALID, 0},
    {"'-0' is invalid", S("-0"), STRPARSE_INVALID, 0},
    {"a leading space is invalid", S(" 1"), STRPARSE_INVALID, 0},
    {"a trailing space is invalid", S("1 "), STRPARSE_INVALID, 0},
    {"a leading TAB is invalid", S("\t1"), STRPARSE_INVALID, 0},
    {"a trailing LF is invalid", S("1\n"), STRPARSE_INVALID, 0},
    {"a hex prefix is invalid", S("0x10"), STRPARSE_INVALID, 0},
    {"hex digits are invalid", S("ff"), STRPARSE_INVALID, 0},
    {"a decimal point is invalid", S("1.5"), STRPARSE_INVALID, 0},
    {"an exponent is invalid", S("1e3"), STRPARSE_INVALID, 0},
    {"a digit separator is invalid", S("1,000"), STRPARSE_INVALID, 0},
    {"an underscore is invalid", S("1_000"), STRPARSE_INVALID, 0},
    {"a suffix is invalid", S("1k"), STRPARSE_INVALID, 0},
    {"a NUL inside LEN is invalid", S("1\0002"), STRPARSE_INVALID, 0},
    {"a lone space is invalid", S(" "), STRPARSE_INVALID, 0},
    {"a non-ASCII digit is invalid", S("\xd9\xa1"), STRPARSE_INVALID, 0},
    {"a byte just below '0' is invalid", S("/"), STRPARSE_INVALID, 0},
    {"a byte just above '9' is invalid", S(":"), STRPARSE_INVALID, 0},
};

static void test_strparse_u64_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(u64_cases) / sizeof(u64_cases[0]); i++) {
        const struct u64_case *c = &u64_cases[i];
        uint64_t v = 12345;
        enum strparse_result r = strparse_u64(c->p, c->len, &v);

        if (r != c->want || v != c->value)
            fail_msg("%s: \"%.*s\" gave %d %" PRIu64 ", want %d %" PRIu64, c->what, (int)c->len,
                     c->p, (int)r, v, (int)c->want, c->value);
    }
}

struct uint_case {
    const char *what;
    const char *s;
    uint64_t max;
    enum strparse_result want;
    uint64_t value;
};

static const struct uint_case uint_cases[] = {
    {"a port is a number", "8080", 65535, STRPARSE_OK, 8080},
    {"the maximum itself is allowed", "65535", 65535, STRPARSE_OK, 65535},
    {"zero is allowed", "0", 65535, STRPARSE_OK, 0},
    {"one past the maximum is too large", "65536", 65535, STRPARSE_OVERFLOW, 0},
    {"far past the maximum is too large", "99999999", 65535, STRPARSE_OVERFLOW, 0},
    {"a maximum of 0 allows only 0", "0", 0, STRPARSE_OK, 0},
    {"a maximum of 0 refuses 1", "1", 0, STRPARSE_OVERFLOW, 0},
    {"a maximum of UINT64_MAX allows UINT64_MAX", "18446744073709551615", UINT64_MAX, STRPARSE_OK,
     UINT64_MAX},
    {"past UINT64_MAX overflows whatever the maximum", "18446744073709551616", UINT64_MAX,
     STRPARSE_OVERFLOW, 0},
    {"an empty string is empty", "", 65535, STRPARSE_EMPTY, 0},
    {"a sign is invalid", "+80", 65535, STRPARSE_INVALID, 0},
    {"a negative number is invalid", "-1", 65535, STRPARSE_INVALID, 0},
    {"trailing junk is invalid", "80x", 65535, STRPARSE_INVALID, 0},
    {"a trailing space is invalid", "80 ", 65535, STRPARSE_INVALID, 0},
    {"a leading space is invalid", " 80", 65535, STRPARSE_INVALID, 0},
    {"junk is invalid even past the maximum", "99999x", 65535, STRPARSE_INVALID, 0},
};

static void test_strparse_uint_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]); i++) {
        const struct uint_case *c = &uint_cases[i];
        uint64_t v = 12345;
        enum strparse_result r = strparse_uint(c->s, c->max, &v);

        if (r != c->want || v != c->value)
            fail_msg("%s: \"%s\" (max %" PRIu64 ") gave %d %" PRIu64, c->what, c->s, c->max, (int)r,
                     v);
    }
}

struct size_case {
    const char *what;
    const char *s;
    enum strparse_result want;
    uint64_t value;
};

static const struct size_case size_cases[] = {
    {"a plain number is bytes", "512", STRPARSE_OK, 512},
    {"zero is zero bytes", "0", STRPARSE_OK, 0},
    {"zero with a suffix is zero", "0G", STRPARSE_OK, 0},
    {"k is 1024", "512k", STRPARSE_OK, 512 * 1024},
    {"K is 1024 too", "512K", STRPARSE_OK, 512 * 1024},
    {"m is 1024^2", "20m", STRPARSE_OK, 20 * 1048576},
    {"M is 1024^2 too", "20M", STRPARSE_OK, 20 * 1048576},
    {"g is 1024^3", "1g", STRPARSE_OK, 1073741824},
    {"G is 1024^3 too", "1G", STRPARSE_OK, 1073741824},
    {"1k is exactly 1024", "1k", STRPARSE_OK, 1024},
    {"UINT64_MAX bytes without a suffix fit", "18446744073709551615", STRPARSE_OK, UINT64_MAX},
    {"the largest count of G that fits", "17179869183G", STRPARSE_OK, 17179869183ull << 30},
    {"the largest count of k that fits", "18014398509481983k", STRPARSE_OK,
     18014398509481983ull << 10},

    {"2^34 G is 2^64 bytes and overflows", "17179869184G", STRPARSE_OVERFLOW, 0},
    {"2^44 M is 2^64 bytes and overflows", "17592186044416M", STRPARSE_OVERFLOW, 0},
    {"2^54 k is 2^64 bytes and overflows", "18014398509481984k", STRPARSE_OVERFLOW, 0},
    {"past UINT64_MAX without a suffix overflows", "18446744073709551616", STRPARSE_OVERFLOW, 0},
    {"past UINT64_MAX with a suffix overflows", "18446744073709551616k", STRPARSE_OVERFLOW, 0},

    {"an empty string is empty", "", STRPARSE_EMPTY, 0},
    {"a suffix alone is empty", "k", STRPARSE_EMPTY, 0},
    {"an uppercase suffix alone is empty", "M", STRPARSE_EMPTY, 0},

    {"a fraction is invalid", "1.5M", STRPARSE_INVALID, 0},
    {"T is not a suffix", "10T", STRPARSE_INVALID, 0},
    {"b is not a suffix", "10b", STRPARSE_INVALID, 0},
    {"two suffixes are invalid", "1kk", STRPARSE_INVALID, 0},
    {"'KB' is invalid", "1KB", STRPARSE_INVALID, 0},
    {"'KiB' is invalid", "1KiB", STRPARSE_INVALID, 0},
    {"a suffix before the number is invalid", "k1", STRPARSE_INVALID, 0},
    {"a space before the suffix is invalid", "1 k", STRPARSE_INVALID, 0},
    {"a trailing space is invalid", "1k ", STRPARSE_INVALID, 0},
    {"a leading space is invalid", " 1k", STRPARSE_INVALID, 0},
    {"a sign is invalid", "+1k", STRPARSE_INVALID, 0},
    {"a negative size is invalid", "-1k", STRPARSE_INVALID, 0},
    {"a hex size is invalid", "0x10", STRPARSE_INVALID, 0},
};

static void test_strparse_size_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
        const struct size_case *c = &size_cases[i];
        uint64_t v = 12345;
        enum strparse_result r = strparse_size(c->s, &v);

        if (r != c->want || v != c->value)
            fail_msg("%s: \"%s\" gave %d %" PRIu64 ", want %d %" PRIu64, c->what, c->s, (int)r, v,
                     (int)c->want, c->value);
    }
}

static void test_strparse_strerror(void **state)
{
    static const enum strparse_result all[] = {
        STRPARSE_OK,
        STRPARSE_EMPTY,
        STRPARSE_INVALID,
        STRPARSE_OVERFLOW,
    };
    const size_t n = sizeof(all) / sizeof(all[0]);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const char *s = strparse_strerror(all[i]);

        if (s == NULL || s[0] == '\0')
            fail_msg("strparse_strerror(%d) gave no text", (int)all[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(s, strparse_strerror(all[k])) == 0)
                fail_msg("strparse_strerror(%d) and (%d) both say \"%s\"", (int)all[k], (int)all[i],
                         s);
    }
    assert_non_null(strparse_strerror((enum strparse_result)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strparse_u64_cases),
        cmocka_unit_test(test_strparse_uint_cases),
        cmocka_unit_test(test_strparse_size_cases),
        cmocka_unit_test(test_strparse_strerror),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
