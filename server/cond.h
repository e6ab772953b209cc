/*
 * server/cond.h - conditional requests (RFC 9110, 13): If-Match,
 * If-None-Match, If-Modified-Since, If-Unmodified-Since and If-Range,
 * evaluated against a representation's strong ETag and modification time.
 */
#ifndef SERVER_COND_H
#define SERVER_COND_H

#include <stdbool.h>
#include <time.h>

#include "http_req.h"

enum cond_result {
    COND_PROCEED,             /* no condition stops the request */
    COND_NOT_MODIFIED,        /* 304 */
    COND_PRECONDITION_FAILED, /* 412 */
};

/*
 * Evaluate the preconditions of REQ in the order RFC 9110 13.2.2 gives,
 * for a representation whose strong ETag (quotes included) is ETAG and
 * whose Last-Modified is MTIME. A matching If-None-Match gives 304 for GET
 * and HEAD, 412 for other methods; If-Modified-Since applies to GET and
 * HEAD only. Malformed dates are ignored, as the RFC says. Pure.
 */
enum cond_result cond_evaluate(const struct http_request *req, const char *etag, time_t mtime);

/*
 * True when a Last-Modified of MTIME is a strong validator in a response
 * whose Date is NOW (RFC 9110 8.8.2.2): the Date is at least one second
 * after it. Within the second of MTIME a second version can still be
 * written with the same Last-Modified, so a date that young cannot tell
 * the two apart; once that second is over, any later write gets a later
 * date. Pure.
 */
bool cond_date_is_strong(time_t mtime, time_t now);

/*
 * True when a Range may be honoured: there is no If-Range, or its entity
 * tag matches ETAG by strong comparison, or its date equals MTIME exactly
 * and is a strong validator at NOW (cond_date_is_strong(), RFC 9110
 * 13.1.5). A weak tag, a weak date or a malformed value never matches
 * (send the whole file).
 */
bool cond_if_range_allows(const struct http_request *req, const char *etag, time_t mtime,
                          time_t now);

/*
 * True when the entity-tag list LIST ("*" or a comma-separated list of
 * "tag" and W/"tag") holds ETAG. With IS_WEAK_COMPARE, W/ is ignored;
 * otherwise only strong tags can match.
 */
bool cond_etag_list_match(struct strview list, const char *etag, bool is_weak_compare);

#endif
