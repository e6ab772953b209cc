/*
 * client/retry.c - failure classes and waits between attempts. Pure.
 */
#include "retry.h"

#include "httpdate.h"
#include "strparse.h"
#include "strview.h"

enum retry_class retry_class_of_status(long status)
{
    if (status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599))
        return RETRY_TRANSIENT;
    return RETRY_PERMANENT;
}

uint64_t retry_backoff_ms(unsigned failures, uint64_t max_ms, double rand01)
{
    uint64_t wait = RETRY_BASE_MS;

    for (unsigned i = 1; i < failures && wait < max_ms; i++)
        wait *= 2;
    if (wait > max_ms)
        wait = max_ms;
    if (rand01 < 0 || rand01 >= 1)
        rand01 = 0;
    return wait / 2 + (uint64_t)((double)(wait - wait / 2) * rand01);
}

bool retry_after_ms(const char *v, size_t len, const char *date, size_t dlen, time_t now,
                    uint64_t max_ms, uint64_t *out)
{
    struct strview s = strview_trim(strview_make(v, len));
    uint64_t secs;
    time_t when, base = now;

    *out = 0;
    if (s.len == 0)
        return false;
    switch (strparse_u64(s.p, s.len, &secs)) {
    case STRPARSE_OK:
        *out = secs > max_ms / 1000u ? max_ms : secs * 1000u;
        return true;
    case STRPARSE_OVERFLOW: /* more seconds than fit: as long as allowed */
        *out = max_ms;
        return true;
    case STRPARSE_EMPTY:
    case STRPARSE_INVALID:
        break;
    }
    if (!httpdate_parse(s.p, s.len, &when))
        return false;
    if (date != NULL) {
        struct strview d = strview_trim(strview_make(date, dlen));
        time_t server_now;

        if (httpdate_parse(d.p, d.len, &server_now))
            base = server_now;
    }
    if (when <= base)
        return true;
    secs = (uint64_t)(when - base);
    *out = secs > max_ms / 1000u ? max_ms : secs * 1000u;
    return true;
}
