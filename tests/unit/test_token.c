/*
 * tests/unit/test_token.c - client/up/token.c: the bearer token from a
 * token file's content or PDM_TOKEN, and token_load()'s errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/up/token.h"
#include "tests/unit/tally.h"

struct token_case {
    const char *what;
    const char *buf;
    size_t len; /* 0: strlen(buf) */
    enum token_result want;
    const char *token; /* when TOKEN_OK */
};

static const struct token_case token_cases[] = {
    {"a bare token is taken as is", "s3cret", 0, TOKEN_OK, "s3cret"},
    {"a trailing newline is not part of the token", "s3cret\n", 0, TOKEN_OK, "s3cret"},
    {"a trailing CRLF is not part of it either", "s3cret\r\n", 0, TOKEN_OK, "s3cret"},
    {"spaces around the token go", "  s3cret \t\n", 0, TOKEN_OK, "s3cret"},
    {"leading blank lines go", "\n\n s3cret\n", 0, TOKEN_OK, "s3cret"},
    {"lines after the first are ignored", "s3cret\n# the upload token\n", 0, TOKEN_OK, "s3cret"},
    {"token68 punctuation is kept", "a-b._~+/=", 0, TOKEN_OK, "a-b._~+/="},
    {"an empty file has no token", "", 0, TOKEN_EMPTY, NULL},
    {"a file of white space has no token", " \n\t\r\n", 0, TOKEN_EMPTY, NULL},
    {"a space inside the token is refused", "s3 cret\n", 0, TOKEN_BAD, NULL},
    {"a control byte inside is refused",
     "s3\x01"
     "cret",
     0, TOKEN_BAD, NULL},
    {"a NUL inside is refused", "s3\0cret", 7, TOKEN_BAD, NULL},
    {"a bare CR inside is refused (header injection)", "s3\rX-Evil: 1", 0, TOKEN_BAD, NULL},
    {"a non-ASCII byte is refused", "s3\xc3\xa9", 0, TOKEN_BAD, NULL},
    {"a character outside token68 is refused", "s3!cret", 0, TOKEN_BAD, NULL},
    {"'=' is padding at the end only", "ab=c", 0, TOKEN_BAD, NULL},
    {"'=' padding at the end is kept", "abc==", 0, TOKEN_OK, "abc=="},
};

static void test_token_parse(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(token_cases); i++) {
        const struct token_case *c = &token_cases[i];
        char out[TOKEN_MAX + 1];
        const char *why = NULL;
        size_t len = c->len ? c->len : strlen(c->buf);
        enum token_result r = token_parse(c->buf, len, out, sizeof(out), &why);

        if (r != c->want)
            row_fail(&t, c->what, "result %d", (int)r);
        else if (r == TOKEN_OK && strcmp(out, c->token) != 0)
            row_fail(&t, c->what, "token \"%s\"", out);
        else if (r != TOKEN_OK && (why == NULL || out[0] != '\0'))
            row_fail(&t, c->what, "no reason, or a token left in OUT");
    }
    tally_end(&t, NROWS(token_cases));
}

/* A token of 1024 bytes is taken, one of 1025 is not. */
static void test_token_limit(void **state)
{
    char buf[TOKEN_MAX + 2], out[TOKEN_MAX + 1];
    const char *why;

    (void)state;
    memset(buf, 'a', sizeof(buf));
    assert_int_equal(token_parse(buf, TOKEN_MAX, out, sizeof(out), &why), TOKEN_OK);
    assert_int_equal(strlen(out), TOKEN_MAX);
    assert_int_equal(token_parse(buf, TOKEN_MAX + 1, out, sizeof(out), &why), TOKEN_TOO_BIG);
    /* OUT too small for the token: refused, never cut */
    assert_int_equal(token_parse(buf, 10, out, 10, &why), TOKEN_TOO_BIG);
}

static void test_token_load(void **state)
{
    char path[] = "/tmp/pdm-token-XXXXXX", out[TOKEN_MAX + 1], err[512];
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    /* No file, no variable: no token, no error. */
    assert_int_equal(token_load(NULL, NULL, out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "");
    /* The variable. */
    assert_int_equal(token_load(NULL, "fromenv\n", out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "fromenv");
    assert_int_equal(token_load(NULL, "two words", out, sizeof(out), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "PDM_TOKEN"));
    /* An empty file is an error that names it. */
    assert_int_equal(token_load(path, "fromenv", out, sizeof(out), err, sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "no token"));
    /* The file wins over the variable. */
    assert_true(write(fd, "fromfile\n", 9) == 9);
    assert_int_equal(token_load(path, "fromenv", out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "fromfile");
    close(fd);
    unlink(path);
    /* A missing file says so. */
    assert_int_equal(token_load(path, NULL, out, sizeof(out), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot read"));
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_parse),
        cmocka_unit_test(test_token_limit),
        cmocka_unit_test(test_token_load),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
