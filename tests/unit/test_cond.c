/*
 * tests/unit/test_cond.c - server/cond.c: entity-tag lists, the RFC 9110
 * 13.2.2 evaluation order of the preconditions, If-Range, and when a
 * Last-Modified date is a strong validator. Requests are
 * real ones, parsed by http_parse_request from literal text.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/cond.h"
#include "server/http_req.h"

/* The representation every row is evaluated against. */
#define ETAG        "\"5f3-2710-abc\""
/* Sun, 06 Nov 1994 08:49:37 GMT */
#define MTIME       ((time_t)784111777)
#define DATE_AT     "Sun, 06 Nov 1994 08:49:37 GMT"
#define DATE_BEFORE "Sun, 06 Nov 1994 08:49:36 GMT"
#define DATE_AFTER  "Sun, 06 Nov 1994 08:49:38 GMT"
/* Wed, 21 Oct 2015 07:28:00 GMT: a date that starts with a 'W'. */
#define WED_MTIME   ((time_t)1445412480)

/* Parse the head "METHOD / HTTP/1.1", Host, then HEADERS (CRLF-terminated lines). */
static bool parse_with(const char *method, const char *headers, char *buf, size_t cap,
                       struct http_request *req)
{
    size_t scanned = 0;
    int n = snprintf(buf, cap, "%s /f HTTP/1.1\r\nHost: h\r\n%s\r\n", method, headers);

    if (n < 0 || (size_t)n >= cap)
        return false;
    return http_parse_request(buf, (size_t)n, &scanned, req) == HTTP_PARSE_OK;
}

/* S with CR and LF spelled out, for messages. */
static const char *show(const char *s, char *out, size_t cap)
{
    size_t o = 0;

    for (; *s != '\0' && o + 3 < cap; s++) {
        if (*s == '\r' || *s == '\n') {
            out[o++] = '\\';
            out[o++] = *s == '\r' ? 'r' : 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------ */

struct list_case {
    const char *what;
    const char *list;
    const char *etag;
    bool is_weak_compare;
    bool want;
};

static const struct list_case list_cases[] = {
    {"\"*\" matches any tag, strongly", "*", "\"x\"", false, true},
    {"\"*\" matches any tag, weakly", "*", "\"x\"", true, true},
    {"\"*\" with spaces around matches", "  *\t", "\"x\"", false, true},
    {"an identical strong tag matches strongly", "\"abc\"", "\"abc\"", false, true},
    {"an identical strong tag matches weakly", "\"abc\"", "\"abc\"", true, true},
    {"a different tag does not match", "\"abd\"", "\"abc\"", true, false},
    {"tags are compared with case", "\"ABC\"", "\"abc\"", true, false},
    {"a tag that extends ours does not match", "\"abcd\"", "\"abc\"", true, false},
    {"a tag that is a prefix of ours does not match", "\"ab\"", "\"abc\"", true, false},
    {"a weak tag never matches strongly", "W/\"abc\"", "\"abc\"", false, false},
    {"a weak tag matches weakly", "W/\"abc\"", "\"abc\"", true, true},
    {"a later tag in a list matches", "\"x\", \"abc\"", "\"abc\"", false, true},
    {"a list without spaces matches", "\"x\",\"y\",\"abc\"", "\"abc\"", false, true},
    {"a list with tabs and several spaces matches", "\"x\" ,\t \"abc\" ", "\"abc\"", false, true},
    {"a list with empty elements matches", ", ,\"x\",,\"abc\",", "\"abc\"", false, true},
    {"the first tag of a list matches", "\"abc\", \"x\"", "\"abc\"", false, true},
    {"a list without ours does not match", "\"x\", \"y\"", "\"abc\"", true, false},
    {"a weak tag in a list does not match strongly", "\"x\", W/\"abc\"", "\"abc\"", false, false},
    {"a weak tag in a list matches weakly", "\"x\", W/\"abc\"", "\"abc\"", true, true},
    {"a strong tag after a weak one matches strongly", "W/\"abc\", \"abc\"", "\"abc\"", false,
     true},
    {"a comma inside a tag is part of the tag", "\"x\", \"a,b\"", "\"a,b\"", false, true},
    {"a tag with a comma is not split into two", "\"a,b\"", "\"a\"", true, false},
    {"half of a tag with a comma does not match", "\"a,b\"", "\"b\"", true, false},
    {"an empty tag matches an empty tag", "\"\"", "\"\"", false, true},
    {"an empty list matches nothing", "", "\"abc\"", true, false},
    {"a list of spaces matches nothing", "   ", "\"abc\"", true, false},
    {"an unquoted tag is malformed", "abc", "\"abc\"", true, false},
    {"an unterminated tag is malformed", "\"abc", "\"abc\"", true, false},
    {"W/ without quotes is malformed", "W/abc", "\"abc\"", true, false},
    {"a lowercase w/ is not a weak prefix", "w/\"abc\"", "\"abc\"", true, false},
    {"a malformed tag ends the list", "junk, \"abc\"", "\"abc\"", true, false},
    {"\"*\" inside a list is not the wildcard", "\"x\", *", "\"abc\"", true, false},
    {"a lone quote is malformed", "\"", "\"abc\"", true, false},
};

static void test_etag_list_match(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(list_cases); i++) {
        const struct list_case *c = &list_cases[i];
        bool got = cond_etag_list_match(strview_from_cstr(c->list), c->etag, c->is_weak_compare);

        if (got != c->want)
            row_fail(&t, c->what, "list '%s', etag '%s', %s comparison gave %d", c->list, c->etag,
                     c->is_weak_compare ? "weak" : "strong", got);
    }
    tally_end(&t, NROWS(list_cases));
}

/* A list that is a view into a longer buffer: only LEN bytes count. */
static void test_etag_list_match_view(void **state)
{
    static const char buf[] = "\"ab\"c\"";

    (void)state;
    /* The view "\"ab\"" ends before the rest of the buffer. */
    assert_true(cond_etag_list_match(strview_make(buf, 4), "\"ab\"", false));
    /* The view "\"ab" is unterminated even though the buffer goes on. */
    assert_false(cond_etag_list_match(strview_make(buf, 3), "\"ab\"", true));
    assert_false(cond_etag_list_match(strview_make(buf, 3), "\"ab\"c\"", true));
}

/* ------------------------------------------------------------------ */

struct eval_case {
    const char *what;
    const char *method;
    const char *headers; /* CRLF-terminated header lines */
    enum cond_result want;
};

static const struct eval_case eval_cases[] = {
    {"no precondition proceeds", "GET", "", COND_PROCEED},
    {"unrelated headers proceed", "GET", "Accept: */*\r\nRange: bytes=0-1\r\n", COND_PROCEED},

    /* Step 1: If-Match. */
    {"a matching If-Match proceeds", "GET", "If-Match: " ETAG "\r\n", COND_PROCEED},
    {"If-Match: * proceeds", "PUT", "If-Match: *\r\n", COND_PROCEED},
    {"If-Match with ours in a list proceeds", "GET", "If-Match: \"x\", " ETAG "\r\n", COND_PROCEED},
    {"a failing If-Match is 412", "GET", "If-Match: \"other\"\r\n", COND_PRECONDITION_FAILED},
    {"a failing If-Match is 412 for HEAD", "HEAD", "If-Match: \"other\"\r\n",
     COND_PRECONDITION_FAILED},
    {"a failing If-Match is 412 for PUT", "PUT", "If-Match: \"other\"\r\n",
     COND_PRECONDITION_FAILED},
    {"If-Match compares strongly: our tag sent weak is 412", "GET", "If-Match: W/" ETAG "\r\n",
     COND_PRECONDITION_FAILED},
    {"a malformed If-Match is 412", "GET", "If-Match: nonsense\r\n", COND_PRECONDITION_FAILED},

    /* Step 2: If-Unmodified-Since, only without If-Match. */
    {"If-Unmodified-Since earlier than the mtime is 412", "GET",
     "If-Unmodified-Since: " DATE_BEFORE "\r\n", COND_PRECONDITION_FAILED},
    {"If-Unmodified-Since equal to the mtime proceeds", "GET",
     "If-Unmodified-Since: " DATE_AT "\r\n", COND_PROCEED},
    {"If-Unmodified-Since after the mtime proceeds", "GET",
     "If-Unmodified-Since: " DATE_AFTER "\r\n", COND_PROCEED},
    {"If-Unmodified-Since applies to PUT as well", "PUT",
     "If-Unmodified-Since: " DATE_BEFORE "\r\n", COND_PRECONDITION_FAILED},
    {"a malformed If-Unmodified-Since is ignored", "GET", "If-Unmodified-Since: yesterday\r\n",
     COND_PROCEED},
    {"If-Unmodified-Since in RFC 850 form is read", "GET",
     "If-Unmodified-Since: Sunday, 06-Nov-94 08:49:36 GMT\r\n", COND_PRECONDITION_FAILED},
    {"If-Unmodified-Since in asctime form is read", "GET",
     "If-Unmodified-Since: Sun Nov  6 08:49:36 1994\r\n", COND_PRECONDITION_FAILED},
    {"If-Unmodified-Since is ignored when If-Match is present", "GET",
     "If-Match: " ETAG "\r\nIf-Unmodified-Since: " DATE_BEFORE "\r\n", COND_PROCEED},

    /* Step 3: If-None-Match. */
    {"a matching If-None-Match is 304 for GET", "GET", "If-None-Match: " ETAG "\r\n",
     COND_NOT_MODIFIED},
    {"a matching If-None-Match is 304 for HEAD", "HEAD", "If-None-Match: " ETAG "\r\n",
     COND_NOT_MODIFIED},
    {"a matching If-None-Match is 412 for PUT", "PUT", "If-None-Match: " ETAG "\r\n",
     COND_PRECONDITION_FAILED},
    {"a matching If-None-Match is 412 for DELETE", "DELETE", "If-None-Match: " ETAG "\r\n",
     COND_PRECONDITION_FAILED},
    {"a matching If-None-Match is 412 for POST", "POST", "If-None-Match: " ETAG "\r\n",
     COND_PRECONDITION_FAILED},
    {"If-None-Match: * is 304 for GET", "GET", "If-None-Match: *\r\n", COND_NOT_MODIFIED},
    {"If-None-Match: * is 412 for PUT", "PUT", "If-None-Match: *\r\n", COND_PRECONDITION_FAILED},
    {"If-None-Match compares weakly: our tag sent weak is 304", "GET",
     "If-None-Match: W/" ETAG "\r\n", COND_NOT_MODIFIED},
    {"If-None-Match with ours in a list is 304", "GET", "If-None-Match: \"a\", \"b\", " ETAG "\r\n",
     COND_NOT_MODIFIED},
    {"If-None-Match without ours proceeds", "GET", "If-None-Match: \"a\", \"b\"\r\n", COND_PROCEED},
    {"header names are matched in any case", "GET", "if-none-match: " ETAG "\r\n",
     COND_NOT_MODIFIED},

    /* Step 4: If-Modified-Since, GET and HEAD only, only without If-None-Match. */
    {"If-Modified-Since equal to the mtime is 304", "GET", "If-Modified-Since: " DATE_AT "\r\n",
     COND_NOT_MODIFIED},
    {"If-Modified-Since after the mtime is 304", "GET", "If-Modified-Since: " DATE_AFTER "\r\n",
     COND_NOT_MODIFIED},
    {"If-Modified-Since after the mtime is 304 for HEAD", "HEAD",
     "If-Modified-Since: " DATE_AFTER "\r\n", COND_NOT_MODIFIED},
    {"If-Modified-Since before the mtime proceeds", "GET", "If-Modified-Since: " DATE_BEFORE "\r\n",
     COND_PROCEED},
    {"a malformed If-Modified-Since is ignored", "GET", "If-Modified-Since: not a date\r\n",
     COND_PROCEED},
    {"an If-Modified-Since with a bad day of month is ignored", "GET",
     "If-Modified-Since: Sun, 36 Nov 1994 08:49:37 GMT\r\n", COND_PROCEED},
    {"an If-Modified-Since in another zone is ignored", "GET",
     "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 UTC\r\n", COND_PROCEED},
    {"If-Modified-Since is ignored for PUT", "PUT", "If-Modified-Since: " DATE_AFTER "\r\n",
     COND_PROCEED},
    {"If-Modified-Since in asctime form is read", "GET",
     "If-Modified-Since: Sun Nov  6 08:49:37 1994\r\n", COND_NOT_MODIFIED},

    /* The order between the steps. */
    {"If-None-Match takes precedence: no match, If-Modified-Since ignored", "GET",
     "If-None-Match: \"other\"\r\nIf-Modified-Since: " DATE_AFTER "\r\n", COND_PROCEED},
    {"If-None-Match takes precedence: a match is 304 whatever If-Modified-Since says", "GET",
     "If-Modified-Since: " DATE_BEFORE "\r\nIf-None-Match: " ETAG "\r\n", COND_NOT_MODIFIED},
    {"a failing If-Match is 412 even when If-None-Match would be 304", "GET",
     "If-Match: \"other\"\r\nIf-None-Match: " ETAG "\r\n", COND_PRECONDITION_FAILED},
    {"a failing If-Unmodified-Since is 412 even when If-None-Match would be 304", "GET",
     "If-None-Match: " ETAG "\r\nIf-Unmodified-Since: " DATE_BEFORE "\r\n",
     COND_PRECONDITION_FAILED},
    {"a failing If-Unmodified-Since is 412 even when If-Modified-Since would be 304", "GET",
     "If-Modified-Since: " DATE_AFTER "\r\nIf-Unmodified-Since: " DATE_BEFORE "\r\n",
     COND_PRECONDITION_FAILED},
    {"passing If-Match then a matching If-None-Match is 304", "GET",
     "If-Match: *\r\nIf-None-Match: " ETAG "\r\n", COND_NOT_MODIFIED},
};

static void test_cond_evaluate(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(eval_cases); i++) {
        const struct eval_case *c = &eval_cases[i];
        struct http_request req;
        char buf[1024], shown[1024];
        enum cond_result got;

        if (!parse_with(c->method, c->headers, buf, sizeof(buf), &req)) {
            row_fail(&t, c->what, "the request does not parse");
            continue;
        }
        got = cond_evaluate(&req, ETAG, MTIME);
        if (got != c->want)
            row_fail(&t, c->what, "%s with \"%s\" gave %d, want %d", c->method,
                     show(c->headers, shown, sizeof(shown)), (int)got, (int)c->want);
    }
    tally_end(&t, NROWS(eval_cases));
}

/* ------------------------------------------------------------------ */

struct if_range_case {
    const char *what;
    const char *headers;
    time_t mtime;
    time_t now; /* the response's Date */
    bool want;
};

/* Long after the modification: any date that matches is strong. */
#define LATER ((time_t)1700000000)

static const struct if_range_case if_range_cases[] = {
    {"without If-Range a Range may be honoured", "Range: bytes=0-1\r\n", MTIME, LATER, true},
    {"without If-Range a young file's Range may be honoured too", "Range: bytes=0-1\r\n", MTIME,
     MTIME, true},
    {"a matching strong tag allows the range", "If-Range: " ETAG "\r\n", MTIME, LATER, true},
    {"a different tag forbids the range", "If-Range: \"other\"\r\n", MTIME, LATER, false},
    {"our tag sent weak never allows the range", "If-Range: W/" ETAG "\r\n", MTIME, LATER, false},
    {"a tag followed by junk forbids the range", "If-Range: " ETAG " x\r\n", MTIME, LATER, false},
    {"a list of tags forbids the range", "If-Range: " ETAG ", \"other\"\r\n", MTIME, LATER, false},
    {"an unterminated tag forbids the range", "If-Range: \"5f3-2710-abc\r\n", MTIME, LATER, false},
    {"a date equal to an old mtime allows the range", "If-Range: " DATE_AT "\r\n", MTIME, LATER,
     true},
    {"a date before the mtime forbids the range", "If-Range: " DATE_BEFORE "\r\n", MTIME, LATER,
     false},
    {"a date after the mtime forbids the range", "If-Range: " DATE_AFTER "\r\n", MTIME, LATER,
     false},
    {"an equal date in asctime form allows the range", "If-Range: Sun Nov  6 08:49:37 1994\r\n",
     MTIME, LATER, true},
    {"an equal date on a Wednesday allows the range", "If-Range: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
     WED_MTIME, LATER, true},
    {"an equal RFC 850 date on a Wednesday allows the range",
     "If-Range: Wednesday, 21-Oct-15 07:28:00 GMT\r\n", WED_MTIME, LATER, true},
    {"an equal asctime date on a Wednesday allows the range",
     "If-Range: Wed Oct 21 07:28:00 2015\r\n", WED_MTIME, LATER, true},
    {"a different Wednesday date forbids the range", "If-Range: Wed, 21 Oct 2015 07:28:01 GMT\r\n",
     WED_MTIME, LATER, false},
    {"garbage forbids the range", "If-Range: tomorrow\r\n", MTIME, LATER, false},
    {"a garbage word starting with W forbids the range", "If-Range: Whatever\r\n", MTIME, LATER,
     false},
    {"an empty If-Range forbids the range", "If-Range:\r\n", MTIME, LATER, false},

    /* RFC 9110 13.1.5 and 8.8.2.2: only a strong date can match. */
    {"an equal date in the Date's own second forbids the range (a second version may share it)",
     "If-Range: " DATE_AT "\r\n", MTIME, MTIME, false},
    {"an equal date one second before the Date allows the range", "If-Range: " DATE_AT "\r\n",
     MTIME, MTIME + 1, true},
    {"an mtime in the future (clock skew) forbids the range", "If-Range: " DATE_AT "\r\n", MTIME,
     MTIME - 10, false},
    {"a matching strong tag allows the range even in the Date's own second",
     "If-Range: " ETAG "\r\n", MTIME, MTIME, true},
};

static void test_cond_if_range(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(if_range_cases); i++) {
        const struct if_range_case *c = &if_range_cases[i];
        struct http_request req;
        char buf[1024], shown[1024];
        bool got;

        if (!parse_with("GET", c->headers, buf, sizeof(buf), &req)) {
            row_fail(&t, c->what, "the request does not parse");
            continue;
        }
        got = cond_if_range_allows(&req, ETAG, c->mtime, c->now);
        if (got != c->want)
            row_fail(&t, c->what, "\"%s\" (mtime %lld, now %lld) gave %d",
                     show(c->headers, shown, sizeof(shown)), (long long)c->mtime, (long long)c->now,
                     got);
    }
    tally_end(&t, NROWS(if_range_cases));
}

struct strong_case {
    const char *what;
    time_t mtime;
    time_t now;
    bool want;
};

static const struct strong_case strong_cases[] = {
    {"a Last-Modified in the Date's own second is weak", 1000, 1000, false},
    {"a Last-Modified one second before the Date is strong", 1000, 1001, true},
    {"a year-old Last-Modified is strong", 1000, 1000 + 365 * 86400, true},
    {"a Last-Modified after the Date (clock skew) is weak", 1000, 999, false},
    {"a Last-Modified before 1970 is strong now", -86400, 1700000000, true},
};

static void test_cond_date_is_strong(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(strong_cases); i++) {
        const struct strong_case *c = &strong_cases[i];
        bool got = cond_date_is_strong(c->mtime, c->now);

        if (got != c->want)
            row_fail(&t, c->what, "mtime %lld, now %lld gave %d", (long long)c->mtime,
                     (long long)c->now, got);
    }
    tally_end(&t, NROWS(strong_cases));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etag_list_match),     cmocka_unit_test(test_etag_list_match_view),
        cmocka_unit_test(test_cond_evaluate),       cmocka_unit_test(test_cond_if_range),
        cmocka_unit_test(test_cond_date_is_strong),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
