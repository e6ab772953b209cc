/*
 * tests/unit/test_verdict.c - client/up/verdict.c: what each answer to an
 * upload or a delete means, and whether it is retried.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/up/verdict.h"
#include "tests/unit/tally.h"

struct verdict_case {
    const char *what;
    enum verdict_op op;
    long status;
    bool is_success;
    enum retry_class cls; /* for failures */
    const char *words;    /* a part of the words */
};

static const struct verdict_case verdict_cases[] = {
    {"201 to a PUT is a new file", VERDICT_PUT, 201, true, RETRY_PERMANENT, "created"},
    {"204 to a PUT replaced a file", VERDICT_PUT, 204, true, RETRY_PERMANENT, "replaced"},
    {"200 to a PUT replaced a file too", VERDICT_PUT, 200, true, RETRY_PERMANENT, "replaced"},
    {"400 to a PUT is a digest mismatch", VERDICT_PUT, 400, false, RETRY_PERMANENT,
     "digest mismatch"},
    {"400 to a PUT stored nothing", VERDICT_PUT, 400, false, RETRY_PERMANENT, "nothing was stored"},
    {"401 is the token, and says how to give one", VERDICT_PUT, 401, false, RETRY_PERMANENT,
     "--token-file FILE or PDM_TOKEN"},
    {"403 is a path that may not be written", VERDICT_PUT, 403, false, RETRY_PERMANENT,
     "does not allow writing"},
    {"405 is a read-only server", VERDICT_PUT, 405, false, RETRY_PERMANENT, "read-only"},
    {"413 is too large", VERDICT_PUT, 413, false, RETRY_PERMANENT, "too large"},
    {"507 is a full disk, not retried", VERDICT_PUT, 507, false, RETRY_PERMANENT, "disk is full"},
    {"503 is retried", VERDICT_PUT, 503, false, RETRY_TRANSIENT, "unavailable"},
    {"408 is retried", VERDICT_PUT, 408, false, RETRY_TRANSIENT, "timed out"},
    {"a redirect is not followed for an upload", VERDICT_PUT, 307, false, RETRY_PERMANENT,
     "not redirected"},
    {"201 creates the upload resource", VERDICT_CREATE, 201, true, RETRY_PERMANENT,
     "upload resource"},
    {"204 to a PATCH is accepted", VERDICT_APPEND, 204, true, RETRY_PERMANENT, "accepted"},
    {"404 to a PATCH is an upload that is gone", VERDICT_APPEND, 404, false, RETRY_PERMANENT,
     "no longer has this upload"},
    {"404 to a HEAD of the upload is gone too", VERDICT_OFFSET, 404, false, RETRY_PERMANENT,
     "expired"},
    {"409 is a conflict", VERDICT_APPEND, 409, false, RETRY_PERMANENT, "conflict"},
    {"204 to a DELETE deleted it", VERDICT_DELETE, 204, true, RETRY_PERMANENT, "deleted"},
    {"404 to a DELETE deleted nothing", VERDICT_DELETE, 404, false, RETRY_PERMANENT,
     "nothing was deleted"},
    {"401 to a DELETE is the token", VERDICT_DELETE, 401, false, RETRY_PERMANENT, "token"},
    {"403 to a DELETE is a path that may not be deleted", VERDICT_DELETE, 403, false,
     RETRY_PERMANENT, "does not allow deleting"},
    {"405 to a DELETE is a read-only server", VERDICT_DELETE, 405, false, RETRY_PERMANENT,
     "read-only"},
    {"201 to a DELETE is not a success", VERDICT_DELETE, 201, false, RETRY_PERMANENT, "unexpected"},
    {"an unknown status is an unexpected answer", VERDICT_PUT, 299, false, RETRY_PERMANENT,
     "unexpected"},
};

static void test_verdict_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(verdict_cases); i++) {
        const struct verdict_case *c = &verdict_cases[i];
        struct verdict v;

        verdict_of(c->op, c->status, &v);
        if (v.is_success != c->is_success)
            row_fail(&t, c->what, "success %d", v.is_success);
        else if (!v.is_success && v.cls != c->cls)
            row_fail(&t, c->what, "class %d", (int)v.cls);
        else if (v.words == NULL || strstr(v.words, c->words) == NULL)
            row_fail(&t, c->what, "words \"%s\"", v.words ? v.words : "(null)");
    }
    tally_end(&t, NROWS(verdict_cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
