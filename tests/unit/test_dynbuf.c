/*
 * tests/unit/test_dynbuf.c - common/dynbuf.c (bounded growable buffer) and
 * common/cliopt.c (option messages and numbers).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cliopt.h"
#include "common/dynbuf.h"

static void test_dynbuf_grows_and_stays_terminated(void **state)
{
    struct dynbuf b;
    char big[1000];
    size_t len = 0;
    char *p;

    (void)state;
    memset(big, 'x', sizeof(big));
    dynbuf_init(&b, 5000);
    assert_int_equal(dynbuf_add_str(&b, "abc"), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(dynbuf_add(&b, big, sizeof(big)), 0);
    assert_int_equal(b.len, 4003);
    assert_int_equal(b.p[b.len], '\0');
    assert_memory_equal(b.p, "abcxxx", 6);
    p = dynbuf_take(&b, &len);
    assert_int_equal(len, 4003);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    free(p);
}

static void test_dynbuf_refuses_past_its_maximum(void **state)
{
    struct dynbuf b;

    (void)state;
    dynbuf_init(&b, 10);
    assert_int_equal(dynbuf_add(&b, "0123456789", 10), 0);
    assert_int_equal(dynbuf_add(&b, "x", 1), -E2BIG);
    assert_int_equal(b.len, 10); /* unchanged by the refusal */
    assert_string_equal(b.p, "0123456789");
    assert_int_equal(dynbuf_add(&b, "", 0), 0);
    dynbuf_free(&b);
    assert_null(b.p);
}

static void test_dynbuf_take_of_nothing_is_empty_string(void **state)
{
    struct dynbuf b;
    size_t len = 99;
    char *p;

    (void)state;
    dynbuf_init(&b, 10);
    p = dynbuf_take(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_string_equal(p, "");
    free(p);
}

struct explain_case {
    const char *what;
    int c, optopt;
    const char *arg;
    const char *want;
};

static const struct explain_case explain_cases[] = {
    {"a short option without its value", ':', 'p', "-p", "option '-p' needs a value"},
    {"a long option without its value", ':', 'p', "--port", "option '--port' needs a value"},
    {"an unknown long option", '?', 0, "--bogus", "unknown option '--bogus'"},
    {"a value given to a long flag", '?', 'q', "--quiet=yes", "option '--quiet' takes no value"},
    {"an unknown short option", '?', 'x', "-x", "unknown option '-x'"},
    {"an unknown short option in a group", '?', 'z', "-qz", "unknown option '-z'"},
};

static void test_cliopt_explain(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(explain_cases) / sizeof(explain_cases[0]); i++) {
        const struct explain_case *c = &explain_cases[i];
        char err[128];

        cliopt_explain(c->c, c->optopt, c->arg, err, sizeof(err));
        if (strcmp(err, c->want) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", c->what, err, c->want);
    }
}

static void test_cliopt_number(void **state)
{
    char err[128];
    uint64_t v = 0;

    (void)state;
    assert_true(cliopt_number("port", "8080", 0, 65535, &v, err, sizeof(err)));
    assert_int_equal(v, 8080);
    assert_true(cliopt_number("port", "65535", 0, 65535, &v, err, sizeof(err)));
    assert_false(cliopt_number("port", "65536", 0, 65535, &v, err, sizeof(err)));
    assert_string_equal(err, "--port: '65536' is not a whole number from 0 to 65535");
    assert_false(cliopt_number("jobs", "0", 1, 8, &v, err, sizeof(err)));
    assert_false(cliopt_number("jobs", "-1", 1, 8, &v, err, sizeof(err)));
    assert_false(cliopt_number("jobs", "2x", 1, 8, &v, err, sizeof(err)));
    assert_false(cliopt_number("jobs", "", 1, 8, &v, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dynbuf_grows_and_stays_terminated),
        cmocka_unit_test(test_dynbuf_refuses_past_its_maximum),
        cmocka_unit_test(test_dynbuf_take_of_nothing_is_empty_string),
        cmocka_unit_test(test_cliopt_explain),
        cmocka_unit_test(test_cliopt_number),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
