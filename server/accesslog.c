/*
 * server/accesslog.c - format access log lines. Pure.
 */
#include "accesslog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void accesslog_begin(struct access_entry *e, struct timespec start)
{
    memset(e, 0, sizeof(*e));
    e->start = start;
    snprintf(e->method, sizeof(e->method), "-");
    snprintf(e->target, sizeof(e->target), "-");
    snprintf(e->range, sizeof(e->range), "-");
}

void accesslog_set_request(struct access_entry *e, const struct http_request *req)
{
    const struct strview *range = http_request_header(req, "range");

    log_quote(req->method_name.p, req->method_name.len, e->method, sizeof(e->method));
    log_quote(req->target.p, req->target.len, e->target, sizeof(e->target));
    if (range != NULL && range->len > 0) {
        char compact[sizeof(e->range)];
        size_t n = 0;

        for (size_t i = 0; i < range->len && n < sizeof(compact); i++)
            if (range->p[i] != ' ' && range->p[i] != '\t')
                compact[n++] = range->p[i];
        log_quote(compact, n, e->range, sizeof(e->range));
    }
}

size_t accesslog_format(const struct access_entry *e, const char *peer, char *out, size_t cap)
{
    struct tm tm;
    time_t sec = e->start.tv_sec;
    int n;

    if (gmtime_r(&sec, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    n = snprintf(out, cap,
                 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s %s %d %" PRIu64 " %s %.3fs%s",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 e->start.tv_nsec / 1000000, peer, e->method, e->target, e->status, e->bytes,
                 e->range, (double)e->duration_ns / 1e9, e->is_aborted ? " aborted" : "");
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
