/*
 * tests/unit/test_encode.c - common/encode.c: hex and padded base64
 * (RFC 4648), encoders and strict decoders.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/encode.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

struct hex_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *in;   /* bytes */
    size_t n;
    const char *want;
};

static const struct hex_case hex_cases[] = {
    {"no bytes give an empty string", S(""), ""},
    {"a NUL byte is 00", S("\0"), "00"},
    {"0xff is ff, lowercase", S("\xff"), "ff"},
    {"high and low nibbles are in order", S("\x12\xab"), "12ab"},
    {"ASCII text is encoded byte by byte", S("foo"), "666f6f"},
    {"every digit appears", S("\x01\x23\x45\x67\x89\xab\xcd\xef"), "0123456789abcdef"},
};

static void test_encode_hex_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hex_cases) / sizeof(hex_cases[0]); i++) {
        const struct hex_case *c = &hex_cases[i];
        char out[64];

        memset(out, 'X', sizeof(out));
        encode_hex((const uint8_t *)c->in, c->n, out);
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: gave \"%.20s\", want \"%s\"", c->what, out, c->want);
    }
}

struct unhex_case {
    const char *what;
    const char *in;
    size_t n; /* bytes wanted */
    bool want;
    const char *bytes; /* N bytes when WANT */
};

static const struct unhex_case unhex_cases[] = {
    {"lowercase hex decodes", "12abef", 3, true, "\x12\xab\xef"},
    {"uppercase hex decodes", "12ABEF", 3, true, "\x12\xab\xef"},
    {"mixed case decodes", "aBcD", 2, true, "\xab\xcd"},
    {"every digit decodes", "0123456789abcdef", 8, true, "\x01\x23\x45\x67\x89\xab\xcd\xef"},
    {"00 is a NUL byte", "00ff", 2, true, "\x00\xff"},
    {"nothing decodes to nothing", "", 0, true, ""},
    {"too few digits are refused", "12ab", 3, false, NULL},
    {"too many digits are refused", "12abef00", 3, false, NULL},
    {"an odd number of digits is refused", "12a", 2, false, NULL},
    {"digits for zero bytes are refused", "12", 0, false, NULL},
    {"a 'g' is refused", "1g", 1, false, NULL},
    {"a 'G' is refused", "G1", 1, false, NULL},
    {"a space is refused", "1 ", 1, false, NULL},
    {"a '0x' prefix is refused", "0x12", 2, false, NULL},
    {"a sign is refused", "+1", 1, false, NULL},
    {"a byte just below '0' is refused", "/0", 1, false, NULL},
    {"a byte just above '9' is refused", ":0", 1, false, NULL},
    {"a byte just below 'a' is refused", "`0", 1, false, NULL},
    {"a byte just above 'f' is refused", "0g", 1, false, NULL},
    {"a byte just below 'A' is refused", "@0", 1, false, NULL},
    {"a byte just above 'F' is refused", "0G", 1, false, NULL},
    {"a bad digit at the end is refused", "00000z", 3, false, NULL},
};

static void test_decode_hex_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(unhex_cases) / sizeof(unhex_cases[0]); i++) {
        const struct unhex_case *c = &unhex_cases[i];
        uint8_t out[16];
        bool ok = decode_hex(c->in, strlen(c->in), out, c->n);

        if (ok != c->want || (ok && memcmp(out, c->bytes, c->n) != 0))
            fail_msg("%s: \"%s\" (n %zu) gave %d", c->what, c->in, c->n, ok);
    }
}

/* Every byte value survives encode_hex -> decode_hex. */
static void test_hex_round_trip(void **state)
{
    uint8_t in[256], back[256];
    char hex[513];

    (void)state;
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)i;
    encode_hex(in, sizeof(in), hex);
    assert_int_equal(strlen(hex), 512);
    assert_true(decode_hex(hex, strlen(hex), back, sizeof(back)));
    assert_memory_equal(in, back, sizeof(in));
}

struct b64_case {
    const char *what;
    const char *in;
    size_t n;
    const char *want;
};

static const struct b64_case b64_cases[] = {
    {"RFC 4648: \"\" is \"\"", S(""), ""},
    {"RFC 4648: \"f\" is \"Zg==\"", S("f"), "Zg=="},
    {"RFC 4648: \"fo\" is \"Zm8=\"", S("fo"), "Zm8="},
    {"RFC 4648: \"foo\" is \"Zm9v\"", S("foo"), "Zm9v"},
    {"RFC 4648: \"foob\" is \"Zm9vYg==\"", S("foob"), "Zm9vYg=="},
    {"RFC 4648: \"fooba\" is \"Zm9vYmE=\"", S("fooba"), "Zm9vYmE="},
    {"RFC 4648: \"foobar\" is \"Zm9vYmFy\"", S("foobar"), "Zm9vYmFy"},
    {"a NUL byte is AA==", S("\0"), "AA=="},
    {"three NUL bytes are AAAA", S("\0\0\0"), "AAAA"},
    {"all ones use '/'", S("\xff\xff\xff"), "////"},
    {"62 and 63 are '+' and '/'", S("\xfb\xff"), "+/8="},
    {"the top bit of each byte is kept", S("\x80\x80"), "gIA="},
};

static void test_encode_base64_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
        const struct b64_case *c = &b64_cases[i];
        char out[64];

        memset(out, 'X', sizeof(out));
        encode_base64((const uint8_t *)c->in, c->n, out);
        if (strcmp(out, c->want) != 0 || strlen(out) != encode_base64_len(c->n))
            fail_msg("%s: gave \"%.20s\"", c->what, out);
    }
}

/* The same vectors, decoded. */
static void test_decode_base64_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
        const struct b64_case *c = &b64_cases[i];
        uint8_t out[64];
        size_t outlen = 99;
        bool ok = decode_base64(c->want, strlen(c->want), out, sizeof(out), &outlen);

        if (!ok || outlen != c->n || memcmp(out, c->in, c->n) != 0)
            fail_msg("%s (decoding): gave %d with %zu bytes", c->what, ok, outlen);
    }
}

struct unb64_case {
    const char *what;
    const char *in;
    size_t cap;
    bool want;
    const char *bytes; /* when WANT */
    size_t n;
};

static const struct unb64_case unb64_cases[] = {
    {"a result that exactly fits CAP decodes", "Zm9v", 3, true, S("foo")},
    {"one padding '=' needs two bytes of room", "Zm8=", 2, true, S("fo")},
    {"two padding '=' need one byte of room", "Zg==", 1, true, S("f")},
    {"nothing decodes into CAP 0", "", 0, true, S("")},
    {"a result one byte too big for CAP is refused", "Zm9v", 2, false, NULL, 0},
    {"a padded result too big for CAP is refused", "Zm8=", 1, false, NULL, 0},
    {"a second group too big for CAP is refused", "Zm9vYg==", 3, false, NULL, 0},
    {"any data into CAP 0 is refused", "Zg==", 0, false, NULL, 0},

    {"missing padding (2 chars) is refused", "Zg", 64, false, NULL, 0},
    {"missing padding (3 chars) is refused", "Zm8", 64, false, NULL, 0},
    {"half the padding is refused", "Zg=", 64, false, NULL, 0},
    {"a lone '=' is refused", "=", 64, false, NULL, 0},
    {"a group of padding only is refused", "====", 64, false, NULL, 0},
    {"three padding characters are refused", "Z===", 64, false, NULL, 0},
    {"a length of 5 is refused", "Zm9vY", 64, false, NULL, 0},
    {"padding in a middle group is refused", "Zg==Zg==", 64, false, NULL, 0},
    {"one padding in a middle group is refused", "Zm8=Zm9v", 64, false, NULL, 0},
    {"data after padding in the last group is refused", "Zm=v", 64, false, NULL, 0},
    {"'=' in the second place is refused", "Z=9v", 64, false, NULL, 0},
    {"a space is refused", "Zm9 ", 64, false, NULL, 0},
    {"an LF is refused", "Zm9v\nZm9v", 64, false, NULL, 0},
    {"the URL-safe '-' is refused", "-_8=", 64, false, NULL, 0},
    {"the URL-safe '_' is refused", "__8=", 64, false, NULL, 0},
    {"a non-ASCII byte is refused", "Zm9\xc3", 64, false, NULL, 0},
    {"a '*' is refused", "Zm*v", 64, false, NULL, 0},
    {"non-canonical trailing bits with \"==\" are refused (Zh==)", "Zh==", 64, false, NULL, 0},
    {"non-canonical trailing bits with \"==\" are refused (Zv==)", "Zv==", 64, false, NULL, 0},
    {"non-canonical trailing bits with \"=\" are refused (Zm9=)", "Zm9=", 64, false, NULL, 0},
    {"non-canonical trailing bits with \"=\" are refused (Zm+=)", "Zm+=", 64, false, NULL, 0},
};

static void test_decode_base64_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(unb64_cases) / sizeof(unb64_cases[0]); i++) {
        const struct unb64_case *c = &unb64_cases[i];
        uint8_t out[64];
        size_t outlen = 99;
        bool ok = decode_base64(c->in, strlen(c->in), out, c->cap, &outlen);

        if (ok != c->want || (ok && (outlen != c->n || memcmp(out, c->bytes, c->n) != 0)))
            fail_msg("%s: \"%s\" (cap %zu) gave %d with %zu bytes", c->what, c->in, c->cap, ok,
                     outlen);
    }
}

/* Decoding stops at LEN: a valid prefix decodes, what follows is ignored. */
static void test_decode_base64_len(void **state)
{
    uint8_t out[8];
    size_t outlen = 0;

    (void)state;
    assert_true(decode_base64("Zm9v!!!!", 4, out, sizeof(out), &outlen));
    assert_int_equal(outlen, 3);
    assert_memory_equal(out, "foo", 3);
    assert_false(decode_base64("Zm9v", 3, out, sizeof(out), &outlen));
}

struct len_case {
    const char *what;
    size_t n;
    size_t want;
};

static const struct len_case len_cases[] = {
    {"0 bytes need 0 characters", 0, 0},
    {"1 byte needs 4", 1, 4},
    {"2 bytes need 4", 2, 4},
    {"3 bytes need 4", 3, 4},
    {"4 bytes need 8", 4, 8},
    {"a SHA-256 digest (32 bytes) needs 44", 32, 44},
    {"48 bytes need 64", 48, 64},
};

static void test_encode_base64_len_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
        const struct len_case *c = &len_cases[i];
        size_t got = encode_base64_len(c->n);

        if (got != c->want)
            fail_msg("%s: gave %zu", c->what, got);
    }
}

/* Every length from 0 to 64, with every byte value, survives base64. */
static void test_base64_round_trip(void **state)
{
    uint8_t in[64], back[64];
    char enc[128];

    (void)state;
    for (size_t n = 0; n <= sizeof(in); n++) {
        size_t outlen = 0;

        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)(i * 97 + n * 31 + 255);
        memset(enc, 'X', sizeof(enc));
        encode_base64(in, n, enc);
        if (strlen(enc) != encode_base64_len(n))
            fail_msg("round trip: %zu bytes encoded to %zu characters", n, strlen(enc));
        if (!decode_base64(enc, strlen(enc), back, n, &outlen) || outlen != n ||
            memcmp(in, back, n) != 0)
            fail_msg("round trip: %zu bytes as \"%s\" did not decode into exactly %zu bytes", n,
                     enc, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_hex_cases),
        cmocka_unit_test(test_decode_hex_cases),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_encode_base64_cases),
        cmocka_unit_test(test_decode_base64_vectors),
        cmocka_unit_test(test_decode_base64_cases),
        cmocka_unit_test(test_decode_base64_len),
        cmocka_unit_test(test_encode_base64_len_cases),
        cmocka_unit_test(test_base64_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
