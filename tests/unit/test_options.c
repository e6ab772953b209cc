/*
 * tests/unit/test_options.c - client/options.c: the command line into a
 * struct client_opts, and the CA settings taken from the environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/options.h"
#include "tests/unit/tally.h"

#define MAX_ARGS 12

struct opt_case {
    const char *what;
    const char *argv[MAX_ARGS]; /* after the program name; NULL ends it */
    enum client_options_result want;
    /* checked when OK: */
    unsigned retries, retry_max_wait, stall, connect;
    const char *cacert, *capath;
    bool is_insecure, is_once;
};

#define DEF CLIENT_RETRIES, CLIENT_RETRY_MAX_WAIT, CLIENT_STALL_TIMEOUT, CLIENT_CONNECT_TIMEOUT

static const struct opt_case opt_cases[] = {
    {"no option gives the documented defaults",
     {NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_RETRIES,
     CLIENT_RETRY_MAX_WAIT,
     CLIENT_STALL_TIMEOUT,
     CLIENT_CONNECT_TIMEOUT,
     NULL,
     NULL,
     false,
     false},
    {"--retries sets the retries",
     {"--retries", "2", NULL},
     CLIENT_OPTIONS_OK,
     2,
     CLIENT_RETRY_MAX_WAIT,
     CLIENT_STALL_TIMEOUT,
     CLIENT_CONNECT_TIMEOUT,
     NULL,
     NULL,
     false,
     false},
    {"--retries 0 means no retry at all",
     {"--retries=0", NULL},
     CLIENT_OPTIONS_OK,
     0,
     CLIENT_RETRY_MAX_WAIT,
     CLIENT_STALL_TIMEOUT,
     CLIENT_CONNECT_TIMEOUT,
     NULL,
     NULL,
     false,
     false},
    {"--retries over 100 is a usage error",
     {"--retries", "101", NULL},
     CLIENT_OPTIONS_USAGE,
     DEF,
     NULL,
     NULL,
     false,
     false},
    {"--retries that is not a number is a usage error",
     {"--retries", "many", NULL},
     CLIENT_OPTIONS_USAGE,
     DEF,
     NULL,
     NULL,
     false,
     false},
    {"--retry-max-wait sets the longest wait",
     {"get", "x", "--retry-max-wait", "3", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_RETRIES,
     3,
     CLIENT_STALL_TIMEOUT,
     CLIENT_CONNECT_TIMEOUT,
     NULL,
     NULL,
     false,
     false},
    {"--stall-timeout sets the stall limit",
     {"--stall-timeout", "2", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_RETRIES,
     CLIENT_RETRY_MAX_WAIT,
     2,
     CLIENT_CONNECT_TIMEOUT,
     NULL,
     NULL,
     false,
     false},
    {"--stall-timeout 0 is a usage error",
     {"--stall-timeout", "0", NULL},
     CLIENT_OPTIONS_USAGE,
     DEF,
     NULL,
     NULL,
     false,
     false},
    {"--connect-timeout sets the connection limit",
     {"--connect-timeout", "7", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_RETRIES,
     CLIENT_RETRY_MAX_WAIT,
     CLIENT_STALL_TIMEOUT,
     7,
     NULL,
     NULL,
     false,
     false},
    {"--cacert and --capath are kept",
     {"--cacert", "ca.pem", "--capath", "certs", NULL},
     CLIENT_OPTIONS_OK,
     DEF,
     "ca.pem",
     "certs",
     false,
     false},
    {"an empty --cacert is a usage error",
     {"--cacert", "", NULL},
     CLIENT_OPTIONS_USAGE,
     DEF,
     NULL,
     NULL,
     false,
     false},
    {"--fsync asks for durable files",
     {"--fsync", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_RETRIES,
     CLIENT_RETRY_MAX_WAIT,
     CLIENT_STALL_TIMEOUT,
     CLIENT_CONNECT_TIMEOUT,
     NULL,
     NULL,
     false,
     false},
    {"-k turns verification off", {"-k", NULL}, CLIENT_OPTIONS_OK, DEF, NULL, NULL, true, false},
    {"--insecure turns verification off",
     {"list", "--insecure", NULL},
     CLIENT_OPTIONS_OK,
     DEF,
     NULL,
     NULL,
     true,
     false},
    {"--input - reads standard input once",
     {"--input", "-", NULL},
     CLIENT_OPTIONS_OK,
     DEF,
     NULL,
     NULL,
     false,
     true},
    {"--input FILE keeps watching",
     {"--input", "q.txt", NULL},
     CLIENT_OPTIONS_OK,
     DEF,
     NULL,
     NULL,
     false,
     false},
    {"--input - is not for get",
     {"get", "x", "--input", "-", NULL},
     CLIENT_OPTIONS_USAGE,
     DEF,
     NULL,
     NULL,
     false,
     false},
};

static void test_options_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(opt_cases); i++) {
        const struct opt_case *c = &opt_cases[i];
        char *argv[MAX_ARGS + 2];
        int argc = 0;
        struct client_opts o;
        char err[256];
        enum client_options_result r;

        argv[argc++] = (char *)"client";
        for (size_t k = 0; c->argv[k] != NULL; k++)
            argv[argc++] = (char *)c->argv[k];
        argv[argc] = NULL;
        r = client_options_parse(argc, argv, &o, err, sizeof(err));
        if (r != c->want) {
            row_fail(&t, c->what, "result %d (%s)", (int)r, err);
            continue;
        }
        if (r == CLIENT_OPTIONS_USAGE && err[0] == '\0')
            row_fail(&t, c->what, "a usage error without a reason");
        if (r != CLIENT_OPTIONS_OK)
            continue;
        if (o.policy.retries != c->retries || o.policy.retry_max_wait != c->retry_max_wait ||
            o.policy.stall_secs != c->stall || o.net.connect_secs != c->connect)
            row_fail(&t, c->what, "policy %u %u %u %u", o.policy.retries, o.policy.retry_max_wait,
                     o.policy.stall_secs, o.net.connect_secs);
        else if ((c->cacert == NULL) != (o.net.cacert == NULL) ||
                 (c->cacert && strcmp(c->cacert, o.net.cacert) != 0) ||
                 (c->capath == NULL) != (o.net.capath == NULL) ||
                 (c->capath && strcmp(c->capath, o.net.capath) != 0))
            row_fail(&t, c->what, "CA settings %s %s", o.net.cacert ? o.net.cacert : "-",
                     o.net.capath ? o.net.capath : "-");
        else if (o.net.is_insecure != c->is_insecure || o.is_once != c->is_once)
            row_fail(&t, c->what, "insecure %d once %d", o.net.is_insecure, o.is_once);
    }
    tally_end(&t, NROWS(opt_cases));
}

/* The upload commands: put, rm, shell, and --token-file. */
struct cmd_case {
    const char *what;
    const char *argv[MAX_ARGS]; /* after the program name; NULL ends it */
    enum client_options_result want;
    enum client_cmd cmd;                      /* checked when OK */
    const char *source, *remote, *token_file; /* checked when OK; NULL: must be NULL */
};

static const struct cmd_case cmd_cases[] = {
    {"put FILE stores it under its base name",
     {"put", "dir/big.iso", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_PUT,
     "dir/big.iso",
     "big.iso",
     NULL},
    {"put FILE PATH stores it under PATH, subdirectories allowed",
     {"put", "big.iso", "iso/new name.iso", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_PUT,
     "big.iso",
     "iso/new name.iso",
     NULL},
    {"put - PATH reads standard input",
     {"put", "-", "stream.bin", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_PUT,
     "-",
     "stream.bin",
     NULL},
    {"options may come after put's operands",
     {"put", "a.txt", "--token-file", "tok", "--retries", "1", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_PUT,
     "a.txt",
     "a.txt",
     "tok"},
    {"options may come before put",
     {"--token-file=tok", "put", "a.txt", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_PUT,
     "a.txt",
     "a.txt",
     "tok"},
    {"put - without a PATH is a usage error",
     {"put", "-", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"put without a FILE is a usage error",
     {"put", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"put with three operands is a usage error",
     {"put", "a", "b", "c", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"put of a FILE ending in / needs a PATH",
     {"put", "dir/", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"put to a PATH with a .. component is a usage error",
     {"put", "a.txt", "x/../a.txt", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"put to an absolute PATH is a usage error",
     {"put", "a.txt", "/etc/passwd", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"put to a hidden name is a usage error",
     {"put", ".secret", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"rm PATH deletes PATH",
     {"rm", "iso/old.iso", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_RM,
     NULL,
     "iso/old.iso",
     NULL},
    {"rm without a PATH is a usage error", {"rm", NULL}, CLIENT_OPTIONS_USAGE, 0, NULL, NULL, NULL},
    {"rm with two PATHs is a usage error",
     {"rm", "a", "b", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"rm of a path with an empty component is a usage error",
     {"rm", "a//b", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"shell takes no operand",
     {"shell", "--token-file", "t", NULL},
     CLIENT_OPTIONS_OK,
     CLIENT_SHELL,
     NULL,
     NULL,
     "t"},
    {"shell with an operand is a usage error",
     {"shell", "x", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"--token-file is not for get",
     {"get", "x", "--token-file", "t", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"--token-file with an empty name is a usage error",
     {"rm", "x", "--token-file=", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"there is no --token option (ps would show the token)",
     {"rm", "x", "--token", "s3", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"--once is for watching, not for put",
     {"put", "a", "--once", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
    {"an unknown command names the commands",
     {"upload", "a", NULL},
     CLIENT_OPTIONS_USAGE,
     0,
     NULL,
     NULL,
     NULL},
};

static bool same_str(const char *want, const char *got)
{
    return (want == NULL && got == NULL) || (want != NULL && got != NULL && strcmp(want, got) == 0);
}

static void test_options_commands(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(cmd_cases); i++) {
        const struct cmd_case *c = &cmd_cases[i];
        char *argv[MAX_ARGS + 2];
        int argc = 0;
        struct client_opts o;
        char err[256];
        enum client_options_result r;

        argv[argc++] = (char *)"client";
        for (size_t k = 0; c->argv[k] != NULL; k++)
            argv[argc++] = (char *)c->argv[k];
        argv[argc] = NULL;
        r = client_options_parse(argc, argv, &o, err, sizeof(err));
        if (r != c->want) {
            row_fail(&t, c->what, "result %d (%s)", (int)r, err);
            continue;
        }
        if (r == CLIENT_OPTIONS_USAGE && err[0] == '\0')
            row_fail(&t, c->what, "a usage error without a reason");
        if (r != CLIENT_OPTIONS_OK)
            continue;
        if (o.cmd != c->cmd || !same_str(c->source, o.source) || !same_str(c->remote, o.remote) ||
            !same_str(c->token_file, o.token_file))
            row_fail(&t, c->what, "cmd %d source %s remote %s token-file %s", (int)o.cmd,
                     o.source ? o.source : "-", o.remote ? o.remote : "-",
                     o.token_file ? o.token_file : "-");
    }
    tally_end(&t, NROWS(cmd_cases));
}

/* A fake environment for client_options_env(). */
static const char *const *fake_env;

static const char *fake_get(const char *name)
{
    for (size_t i = 0; fake_env[i] != NULL; i += 2)
        if (strcmp(fake_env[i], name) == 0)
            return fake_env[i + 1];
    return NULL;
}

static void test_options_env(void **state)
{
    static const char *const none[] = {NULL};
    static const char *const bundle[] = {
        "CURL_CA_BUNDLE", "a.pem", "SSL_CERT_FILE", "b.pem", "SSL_CERT_DIR", "certs", NULL};
    static const char *const file_only[] = {"SSL_CERT_FILE", "b.pem", NULL};
    static const char *const empty[] = {"CURL_CA_BUNDLE", "", "SSL_CERT_FILE", "b.pem", NULL};
    struct client_opts o;

    (void)state;
    client_options_defaults(&o);
    fake_env = none;
    client_options_env(&o, fake_get);
    assert_null(o.net.cacert);
    assert_null(o.net.capath);

    /* CURL_CA_BUNDLE wins over SSL_CERT_FILE, as with curl. */
    fake_env = bundle;
    client_options_env(&o, fake_get);
    assert_string_equal(o.net.cacert, "a.pem");
    assert_string_equal(o.net.capath, "certs");

    client_options_defaults(&o);
    fake_env = file_only;
    client_options_env(&o, fake_get);
    assert_string_equal(o.net.cacert, "b.pem");

    /* An empty variable is as good as none. */
    client_options_defaults(&o);
    fake_env = empty;
    client_options_env(&o, fake_get);
    assert_string_equal(o.net.cacert, "b.pem");

    /* PDM_FSYNC=1 makes --fsync the default; anything else does not. */
    {
        static const char *const fsync_on[] = {"PDM_FSYNC", "1", NULL};
        static const char *const fsync_other[] = {"PDM_FSYNC", "yes", NULL};

        client_options_defaults(&o);
        fake_env = fsync_other;
        client_options_env(&o, fake_get);
        assert_false(o.is_durable);
        fake_env = fsync_on;
        client_options_env(&o, fake_get);
        assert_true(o.is_durable);
    }

    /* The command line wins over the environment. */
    client_options_defaults(&o);
    o.net.cacert = "cli.pem";
    fake_env = bundle;
    client_options_env(&o, fake_get);
    assert_string_equal(o.net.cacert, "cli.pem");
}

/* PDM_TOKEN is taken; an empty one counts as unset. */
static void test_options_token_env(void **state)
{
    static const char *const set[] = {"PDM_TOKEN", "s3cret", NULL};
    static const char *const empty[] = {"PDM_TOKEN", "", NULL};
    static const char *const none[] = {NULL};
    struct client_opts o;

    (void)state;
    client_options_defaults(&o);
    fake_env = set;
    client_options_env(&o, fake_get);
    assert_non_null(o.token_env);
    assert_string_equal(o.token_env, "s3cret");
    client_options_defaults(&o);
    fake_env = empty;
    client_options_env(&o, fake_get);
    assert_null(o.token_env);
    client_options_defaults(&o);
    fake_env = none;
    client_options_env(&o, fake_get);
    assert_null(o.token_env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_cases),
        cmocka_unit_test(test_options_env),
        cmocka_unit_test(test_options_commands),
        cmocka_unit_test(test_options_token_env),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
