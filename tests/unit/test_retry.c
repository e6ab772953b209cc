/*
 * tests/unit/test_retry.c - client/retry.c (failure classes of HTTP
 * statuses, the waits between attempts, Retry-After) and fetch.c's
 * classes of libcurl results, one row per behaviour.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "client/fetch.h"
#include "client/retry.h"
#include "tests/unit/tally.h"

/* ---- retry_class_of_status ---- */

struct status_case {
    const char *what;
    long status;
    enum retry_class want;
};

static const struct status_case status_cases[] = {
    {"404 cannot succeed by asking again", 404, RETRY_PERMANENT},
    {"403 is permanent", 403, RETRY_PERMANENT},
    {"401 is permanent", 401, RETRY_PERMANENT},
    {"400 is permanent", 400, RETRY_PERMANENT},
    {"410 is permanent", 410, RETRY_PERMANENT},
    {"416 is permanent", 416, RETRY_PERMANENT},
    {"408 (request timeout) is transient", 408, RETRY_TRANSIENT},
    {"425 (too early) is transient", 425, RETRY_TRANSIENT},
    {"429 (too many requests) is transient", 429, RETRY_TRANSIENT},
    {"500 is transient", 500, RETRY_TRANSIENT},
    {"502 is transient", 502, RETRY_TRANSIENT},
    {"503 is transient", 503, RETRY_TRANSIENT},
    {"504 is transient", 504, RETRY_TRANSIENT},
    {"599, the last 5xx, is transient", 599, RETRY_TRANSIENT},
    {"600 is not a 5xx", 600, RETRY_PERMANENT},
    {"an unexpected 3xx is permanent", 300, RETRY_PERMANENT},
    {"an unexpected 1xx is permanent", 101, RETRY_PERMANENT},
    {"an unexpected 2xx is permanent", 204, RETRY_PERMANENT},
};

static void test_retry_class_of_status(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(status_cases); i++) {
        const struct status_case *c = &status_cases[i];
        enum retry_class got = retry_class_of_status(c->status);

        if (got != c->want)
            row_fail(&t, c->what, "status %ld gave class %d", c->status, (int)got);
    }
    tally_end(&t, NROWS(status_cases));
}

/* ---- retry_backoff_ms ---- */

struct backoff_case {
    const char *what;
    unsigned failures;
    uint64_t max_ms;
    double rand01;
    uint64_t want;
};

static const struct backoff_case backoff_cases[] = {
    {"the first wait is half of a second at the lowest jitter", 1, 10000, 0.0, 500},
    {"the first wait approaches a second at the highest jitter", 1, 10000, 0.999, 999},
    {"the second wait doubles", 2, 10000, 0.0, 1000},
    {"the third wait doubles again", 3, 10000, 0.5, 3000},
    {"the fourth wait is 8 s before jitter", 4, 10000, 0.0, 4000},
    {"waits stop growing at the maximum", 5, 10000, 0.0, 5000},
    {"far past the maximum it stays there", 60, 10000, 0.999, 9995},
    {"a huge failure count does not overflow", 4000000000u, 30000, 0.0, 15000},
    {"a maximum of 0 means no wait", 3, 0, 0.7, 0},
    {"a maximum below a second caps the first wait", 1, 300, 0.0, 150},
    {"a random number outside [0, 1) counts as 0", 1, 10000, 1.5, 500},
    {"a negative random number counts as 0", 2, 10000, -0.2, 1000},
    {"no failure yet gets the first wait", 0, 10000, 0.0, 500},
};

static void test_retry_backoff(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(backoff_cases); i++) {
        const struct backoff_case *c = &backoff_cases[i];
        uint64_t got = retry_backoff_ms(c->failures, c->max_ms, c->rand01);

        if (got != c->want)
            row_fail(&t, c->what, "got %" PRIu64 " ms, want %" PRIu64, got, c->want);
    }
    tally_end(&t, NROWS(backoff_cases));
}

/* Whatever the jitter, a wait stays within [half, whole] of its step. */
static void test_retry_backoff_bounds(void **state)
{
    (void)state;
    for (unsigned f = 1; f <= 8; f++) {
        uint64_t step = 1000ull << (f - 1);

        if (step > 10000)
            step = 10000;
        for (int k = 0; k < 100; k++) {
            uint64_t got = retry_backoff_ms(f, 10000, k / 100.0);

            assert_true(got >= step / 2);
            assert_true(got <= step);
        }
    }
}

/* ---- retry_after_ms ---- */

#define NOW 1796119200 /* Tue, 01 Dec 2026 10:00:00 GMT */

struct after_case {
    const char *what;
    const char *value;
    const char *date; /* NULL: no Date header */
    uint64_t max_ms;
    bool want_ok;
    uint64_t want_ms;
};

static const struct after_case after_cases[] = {
    {"delay-seconds ask for that many seconds", "3", NULL, 10000, true, 3000},
    {"spaces around delay-seconds are fine", "  3 ", NULL, 10000, true, 3000},
    {"zero seconds ask for no wait", "0", NULL, 10000, true, 0},
    {"more seconds than allowed are capped", "3600", NULL, 10000, true, 10000},
    {"an overflowing number is capped, not refused", "99999999999999999999999", NULL, 10000, true,
     10000},
    {"a date ahead of now asks for the difference", "Tue, 01 Dec 2026 10:00:05 GMT", NULL, 10000,
     true, 5000},
    {"a date is measured from the response's Date", "Tue, 01 Dec 2026 09:00:04 GMT",
     "Tue, 01 Dec 2026 09:00:00 GMT", 10000, true, 4000},
    {"a date in the past asks for no wait", "Tue, 01 Dec 2026 09:59:00 GMT", NULL, 10000, true, 0},
    {"a far date is capped", "Wed, 02 Dec 2026 10:00:00 GMT", NULL, 10000, true, 10000},
    {"an unparsable Date falls back to our clock", "Tue, 01 Dec 2026 10:00:02 GMT", "yesterday",
     10000, true, 2000},
    {"an RFC 850 date is a date too", "Tuesday, 01-Dec-26 10:00:03 GMT", NULL, 10000, true, 3000},
    {"a negative number is not a Retry-After", "-5", NULL, 10000, false, 0},
    {"a fraction is not a Retry-After", "1.5", NULL, 10000, false, 0},
    {"words are not a Retry-After", "soon", NULL, 10000, false, 0},
    {"an empty value is not a Retry-After", "", NULL, 10000, false, 0},
};

static void test_retry_after(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(after_cases); i++) {
        const struct after_case *c = &after_cases[i];
        uint64_t got = 12345;
        bool ok = retry_after_ms(c->value, strlen(c->value), c->date, c->date ? strlen(c->date) : 0,
                                 NOW, c->max_ms, &got);

        if (ok != c->want_ok || (ok && got != c->want_ms))
            row_fail(&t, c->what, "gave %d, %" PRIu64 " ms", ok, got);
        else if (!ok && got != 0)
            row_fail(&t, c->what, "a refused value left %" PRIu64 " ms", got);
    }
    tally_end(&t, NROWS(after_cases));
}

/* ---- fetch_class_of ---- */

struct curl_case {
    const char *what;
    CURLcode code;
    const char *text;
    enum retry_class want;
};

static const struct curl_case curl_cases[] = {
    {"connection refused is transient", CURLE_COULDNT_CONNECT, "Connection refused",
     RETRY_TRANSIENT},
    {"a timeout is transient", CURLE_OPERATION_TIMEDOUT, "Operation too slow", RETRY_TRANSIENT},
    {"a short body is transient", CURLE_PARTIAL_FILE, "", RETRY_TRANSIENT},
    {"a reset while receiving is transient", CURLE_RECV_ERROR, "Connection reset by peer",
     RETRY_TRANSIENT},
    {"an empty reply is transient", CURLE_GOT_NOTHING, "", RETRY_TRANSIENT},
    {"a name that does not resolve is transient", CURLE_COULDNT_RESOLVE_HOST, "", RETRY_TRANSIENT},
    {"an unsupported scheme is permanent", CURLE_UNSUPPORTED_PROTOCOL,
     "Protocol \"ftp\" not supported or disabled in libcurl", RETRY_PERMANENT},
    {"a reply that is not HTTP is a protocol violation", CURLE_UNSUPPORTED_PROTOCOL,
     "Received HTTP/0.9 when not allowed", RETRY_PROTOCOL},
    {"a redirect loop is permanent", CURLE_TOO_MANY_REDIRECTS, "", RETRY_PERMANENT},
    {"a malformed reply is a protocol violation", CURLE_WEIRD_SERVER_REPLY, "Header without colon",
     RETRY_PROTOCOL},
    {"a refused certificate is permanent", CURLE_PEER_FAILED_VERIFICATION,
     "SSL certificate problem: unable to get local issuer certificate", RETRY_PERMANENT},
    {"an unreadable CA file is permanent", CURLE_SSL_CACERT_BADFILE, "", RETRY_PERMANENT},
    {"a handshake with a plain-HTTP server is permanent", CURLE_SSL_CONNECT_ERROR,
     "error:0A00010B:SSL routines::wrong version number", RETRY_PERMANENT},
    {"a handshake cut by a reset is transient", CURLE_SSL_CONNECT_ERROR,
     "OpenSSL SSL_connect: Connection reset by peer in connection to 127.0.0.1:1", RETRY_TRANSIENT},
    {"a handshake cut by the peer closing is transient", CURLE_SSL_CONNECT_ERROR,
     "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:1", RETRY_TRANSIENT},
    {"headers over libcurl's limit are a protocol violation", CURLE_RECV_ERROR,
     "Too large response headers: 307200 > 307200", RETRY_PROTOCOL},
    {"one header over libcurl's limit is a protocol violation", CURLE_OUT_OF_MEMORY,
     "Rejected 102401 bytes header (max is 102400)!", RETRY_PROTOCOL},
    {"running out of memory is permanent", CURLE_OUT_OF_MEMORY, "", RETRY_PERMANENT},
    {"an unknown code is permanent", CURLE_LOGIN_DENIED, "", RETRY_PERMANENT},
};

static void test_fetch_class_of(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(curl_cases); i++) {
        const struct curl_case *c = &curl_cases[i];
        enum retry_class got = fetch_class_of((long)c->code, c->text);

        if (got != c->want)
            row_fail(&t, c->what, "code %d gave class %d", (int)c->code, (int)got);
    }
    tally_end(&t, NROWS(curl_cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_class_of_status), cmocka_unit_test(test_retry_backoff),
        cmocka_unit_test(test_retry_backoff_bounds),  cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_fetch_class_of),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
