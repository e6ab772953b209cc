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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_cases),
        cmocka_unit_test(test_options_env),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
