/*
 * tests/unit/test_upfield.c - client/up/upfield.c and uphead.c: the
 * Structured Field values of the resumable-upload fields, Location
 * resolution, and upload response heads line by line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/up/upfield.h"
#include "client/up/uphead.h"
#include "tests/unit/tally.h"

struct int_case {
    const char *what;
    const char *v;
    bool ok;
    uint64_t want;
};

static const struct int_case int_cases[] = {
    {"a plain integer", "1048576", true, 1048576},
    {"zero", "0", true, 0},
    {"spaces around it are allowed", "  42 ", true, 42},
    {"parameters are ignored", "42;unit=bytes;x", true, 42},
    {"the largest sf-integer, 15 digits", "999999999999999", true, 999999999999999ull},
    {"16 digits is not an sf-integer", "1000000000000000", false, 0},
    {"a negative offset is ignored", "-1", false, 0},
    {"a decimal is another type", "1.5", false, 0},
    {"a string is another type", "\"42\"", false, 0},
    {"a token is another type", "abc", false, 0},
    {"a boolean is another type", "?1", false, 0},
    {"two integers are a list, not an item", "1, 2", false, 0},
    {"an empty value is nothing", "", false, 0},
    {"a tab is not SF white space", "\t42", false, 0},
    {"a trailing garbage byte spoils it", "42x", false, 0},
    {"a plus sign is not part of an integer", "+42", false, 0},
    {"a bad parameter spoils it", "42;Unit=1", false, 0},
};

static void test_upfield_integer(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(int_cases); i++) {
        const struct int_case *c = &int_cases[i];
        size_t n = strlen(c->v);
        char *copy = malloc(n + 1); /* exactly the value: a read past it shows under ASan */
        uint64_t got = 12345;
        bool ok;

        memcpy(copy, c->v, n);
        ok = upfield_integer(copy, n, &got);
        if (ok != c->ok || got != c->want)
            row_fail(&t, c->what, "ok %d value %llu", ok, (unsigned long long)got);
        free(copy);
    }
    tally_end(&t, NROWS(int_cases));
}

struct bool_case {
    const char *what;
    const char *v;
    bool ok, want;
};

static const struct bool_case bool_cases[] = {
    {"?1 is true", "?1", true, true},
    {"?0 is false", "?0", true, false},
    {"parameters are ignored", "?1;a=2", true, true},
    {"spaces around are allowed", " ?0 ", true, false},
    {"?2 is not a boolean", "?2", false, false},
    {"a bare 1 is an integer, not a boolean", "1", false, false},
    {"true is a token, not a boolean", "true", false, false},
    {"a lone ? is nothing", "?", false, false},
    {"?10 has a trailing byte", "?10", false, false},
};

static void test_upfield_boolean(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(bool_cases); i++) {
        const struct bool_case *c = &bool_cases[i];
        bool got = true, ok = upfield_boolean(c->v, strlen(c->v), &got);

        if (ok != c->ok || got != c->want)
            row_fail(&t, c->what, "ok %d value %d", ok, got);
    }
    tally_end(&t, NROWS(bool_cases));
}

struct limit_case {
    const char *what;
    const char *v;
    bool ok;
    bool has_max_size;
    uint64_t max_size;
    bool has_max_append;
    uint64_t max_append;
    bool has_max_age;
    uint64_t max_age;
};

static const struct limit_case limit_cases[] = {
    {"max-size and max-age", "max-size=1073741824, max-age=86400", true, true, 1073741824, false, 0,
     true, 86400},
    {"max-append-size", "max-append-size=1048576", true, false, 0, true, 1048576, false, 0},
    {"an unknown key is ignored, whatever its value", "x-foo=\"bar\", max-age=5, y=(1 2);p", true,
     false, 0, false, 0, true, 5},
    {"a bare unknown key is ignored", "future, max-size=10", true, true, 10, false, 0, false, 0},
    {"the last of two equal keys wins", "max-age=1, max-age=2", true, false, 0, false, 0, true, 2},
    {"tabs around the comma are allowed", "max-age=1\t,\tmax-size=2", true, true, 2, false, 0, true,
     1},
    {"an empty field is an empty dictionary", "", true, false, 0, false, 0, false, 0},
    {"a known key with a string value voids the field", "max-size=\"10\", max-age=5", false, false,
     0, false, 0, false, 0},
    {"a known key without a value (true) voids the field", "max-size", false, false, 0, false, 0,
     false, 0},
    {"a negative size voids the field", "max-size=-1", false, false, 0, false, 0, false, 0},
    {"a decimal voids the field", "max-age=1.5", false, false, 0, false, 0, false, 0},
    {"a trailing comma is malformed", "max-age=1,", false, false, 0, false, 0, false, 0},
    {"an upper-case key is malformed", "Max-Age=1", false, false, 0, false, 0, false, 0},
    {"a missing comma is malformed", "max-age=1 max-size=2", false, false, 0, false, 0, false, 0},
};

static void test_upfield_limit(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(limit_cases); i++) {
        const struct limit_case *c = &limit_cases[i];
        struct upfield_limit l;
        bool ok = upfield_limit(c->v, strlen(c->v), &l);

        if (ok != c->ok || l.has_max_size != c->has_max_size || l.max_size != c->max_size ||
            l.has_max_append != c->has_max_append || l.max_append != c->max_append ||
            l.has_max_age != c->has_max_age || l.max_age != c->max_age)
            row_fail(&t, c->what, "ok %d size %d/%llu append %d/%llu age %d/%llu", ok,
                     l.has_max_size, (unsigned long long)l.max_size, l.has_max_append,
                     (unsigned long long)l.max_append, l.has_max_age,
                     (unsigned long long)l.max_age);
    }
    tally_end(&t, NROWS(limit_cases));
}

struct loc_case {
    const char *what;
    const char *base, *v;
    enum upfield_loc want;
    const char *url;
};

#define B "http://127.0.0.1:8080/dir/big%20file.iso"

static const struct loc_case loc_cases[] = {
    {"an absolute path is on the request's origin", B, "/.uploads/0123abcd", UPFIELD_LOC_OK,
     "http://127.0.0.1:8080/.uploads/0123abcd"},
    {"an absolute URL on the same origin is taken", B, "http://127.0.0.1:8080/.uploads/x",
     UPFIELD_LOC_OK, "http://127.0.0.1:8080/.uploads/x"},
    {"the scheme and host compare without case", B, "HTTP://127.0.0.1:8080/u", UPFIELD_LOC_OK,
     "http://127.0.0.1:8080/u"},
    {"another port is another origin", B, "http://127.0.0.1:8081/u", UPFIELD_LOC_FOREIGN, ""},
    {"another host is another origin", B, "http://evil.example/u", UPFIELD_LOC_FOREIGN, ""},
    {"https is another origin than http", B, "https://127.0.0.1:8080/u", UPFIELD_LOC_FOREIGN, ""},
    {"user info is never the same origin", B, "http://u@127.0.0.1:8080/u", UPFIELD_LOC_FOREIGN, ""},
    {"a scheme-relative reference takes the base's scheme", B, "//127.0.0.1:8080/u", UPFIELD_LOC_OK,
     "http://127.0.0.1:8080/u"},
    {"a scheme-relative reference to another host is foreign", B, "//evil.example/u",
     UPFIELD_LOC_FOREIGN, ""},
    {"the default port equals no port", "http://h/a", "http://h:80/u", UPFIELD_LOC_OK,
     "http://h/u"},
    {"a relative path replaces the last segment", B, "up/7", UPFIELD_LOC_OK,
     "http://127.0.0.1:8080/dir/up/7"},
    {"a fragment is dropped", B, "/u/1#frag", UPFIELD_LOC_OK, "http://127.0.0.1:8080/u/1"},
    {"a query is kept", B, "/u?id=1", UPFIELD_LOC_OK, "http://127.0.0.1:8080/u?id=1"},
    {"surrounding spaces are trimmed", B, "  /u ", UPFIELD_LOC_OK, "http://127.0.0.1:8080/u"},
    {"a dot-dot segment is refused", B, "/a/../u", UPFIELD_LOC_BAD, ""},
    {"a dot segment is refused", B, "./u", UPFIELD_LOC_BAD, ""},
    {"a hidden name is not a dot segment", B, "/.uploads/1", UPFIELD_LOC_OK,
     "http://127.0.0.1:8080/.uploads/1"},
    {"a space inside is refused", B, "/a b", UPFIELD_LOC_BAD, ""},
    {"a control byte is refused", B, "/a\rb", UPFIELD_LOC_BAD, ""},
    {"another scheme is refused", B, "ftp://127.0.0.1/u", UPFIELD_LOC_BAD, ""},
    {"an empty value is refused", B, "", UPFIELD_LOC_BAD, ""},
    {"a base that is not http(s) resolves nothing", "ftp://h/x", "/u", UPFIELD_LOC_BAD, ""},
};

static void test_upfield_location(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(loc_cases); i++) {
        const struct loc_case *c = &loc_cases[i];
        char out[256];
        enum upfield_loc r = upfield_location(c->base, c->v, strlen(c->v), out, sizeof(out));

        if (r != c->want || strcmp(out, c->url) != 0)
            row_fail(&t, c->what, "result %d url \"%s\"", (int)r, out);
    }
    tally_end(&t, NROWS(loc_cases));
}

/* A resolved URL that does not fit is refused, not cut. */
static void test_upfield_location_room(void **state)
{
    char out[30];

    (void)state;
    assert_int_equal(upfield_location(B, "/.uploads/0123456789", 20, out, sizeof(out)),
                     UPFIELD_LOC_BAD);
    assert_string_equal(out, "");
}

/* Feed LINES (NULL-terminated) to a fresh uphead. */
static void feed(struct uphead *h, const char *const *lines)
{
    uphead_init(h);
    for (size_t i = 0; lines[i] != NULL; i++)
        (void)uphead_parse_line(h, lines[i], strlen(lines[i]));
}

static void test_uphead_creation(void **state)
{
    static const char *const lines[] = {
        "HTTP/1.1 104 Upload Resumption Supported\r\n",
        "Upload-Draft-Interop-Version: 8\r\n",
        "Location: /.uploads/abc\r\n",
        "Upload-Limit: max-size=100, max-age=60\r\n",
        "\r\n",
        "HTTP/1.1 201 Created\r\n",
        "Location: /.uploads/abc\r\n",
        "Upload-Offset: 0\r\n",
        "Upload-Limit: max-size=100, max-age=60\r\n",
        "Repr-Digest: sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\r\n",
        "\r\n",
        NULL,
    };
    struct uphead h;

    (void)state;
    feed(&h, lines);
    assert_int_equal(h.status, 201);
    assert_string_equal(h.location, "/.uploads/abc");
    assert_string_equal(h.interim_location, "/.uploads/abc");
    assert_true(h.has_offset);
    assert_int_equal(h.offset, 0);
    assert_true(h.has_limit && h.limit.has_max_size && h.limit.max_size == 100);
    assert_true(h.has_digest);
    assert_int_equal(h.sha256[0], 0xe3); /* the SHA-256 of nothing */
    assert_null(h.bad_line);
}

static void test_uphead_rules(void **state)
{
    static const char *const no_interop[] = {"HTTP/1.1 104 Upload Resumption Supported\r\n",
                                             "Location: /.uploads/abc\r\n",
                                             "\r\n",
                                             "HTTP/1.1 500 Internal Server Error\r\n",
                                             "\r\n",
                                             NULL};
    static const char *const other_interop[] = {"HTTP/1.1 104 Upload Resumption Supported\r\n",
                                                "Upload-Draft-Interop-Version: 7\r\n",
                                                "Location: /.uploads/abc\r\n", "\r\n", NULL};
    static const char *const twice[] = {"HTTP/1.1 204 No Content\r\n",
                                        "Upload-Offset: 10\r\n",
                                        "Upload-Offset: 20\r\n",
                                        "Upload-Complete: ?0\r\n",
                                        "\r\n",
                                        NULL};
    static const char *const bad_offset[] = {
        "HTTP/1.1 204 No Content\r\n", "Upload-Offset: 10.0\r\n", "upload-complete: ?1\r\n", NULL};
    static const char *const bad_status[] = {"HTTP/1.1 20 OK\r\n", NULL};
    static const char *const no_colon[] = {"HTTP/1.1 200 OK\r\n", "garbage\r\n", NULL};
    struct uphead h;

    (void)state;
    /* A 104 without the interop version is ignored, as the draft says. */
    feed(&h, no_interop);
    assert_int_equal(h.status, 500);
    assert_string_equal(h.interim_location, "");
    feed(&h, other_interop);
    assert_string_equal(h.interim_location, "");
    /* A field given twice is ignored. */
    feed(&h, twice);
    assert_false(h.has_offset);
    assert_true(h.has_complete);
    assert_false(h.is_complete);
    /* A malformed value is ignored; names are case-insensitive. */
    feed(&h, bad_offset);
    assert_false(h.has_offset);
    assert_true(h.has_complete && h.is_complete);
    feed(&h, bad_status);
    assert_non_null(h.bad_line);
    feed(&h, no_colon);
    assert_non_null(h.bad_line);
}

/* Every split of a head into its lines gives the same result; and each line
 * cut short at every byte never reads past it (ASan). */
static void test_uphead_cut_lines(void **state)
{
    static const char *const lines[] = {"HTTP/1.1 409 Conflict\r\n", "Upload-Offset: 123\r\n",
                                        "Upload-Limit: max-size=9, max-age=1\r\n",
                                        "Location: /.uploads/a\r\n", NULL};
    struct uphead h;

    (void)state;
    for (size_t i = 0; lines[i] != NULL; i++) {
        size_t n = strlen(lines[i]);

        for (size_t k = 0; k <= n; k++) {
            char *copy = malloc(k ? k : 1);

            memcpy(copy, lines[i], k);
            uphead_init(&h);
            (void)uphead_parse_line(&h, copy, k);
            free(copy);
        }
    }
    feed(&h, lines);
    assert_int_equal(h.status, 409);
    assert_true(h.has_offset && h.offset == 123);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upfield_integer),       cmocka_unit_test(test_upfield_boolean),
        cmocka_unit_test(test_upfield_limit),         cmocka_unit_test(test_upfield_location),
        cmocka_unit_test(test_upfield_location_room), cmocka_unit_test(test_uphead_creation),
        cmocka_unit_test(test_uphead_rules),          cmocka_unit_test(test_uphead_cut_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
