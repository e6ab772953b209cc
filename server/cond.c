/*
 * server/cond.c - evaluate conditional request headers. Pure.
 */
#include "cond.h"

#include <string.h>

#include "httpdate.h"

/*
 * Read one entity-tag from *L (after skipping spaces and commas): sets
 * *IS_WEAK and *OPAQUE (the tag with its quotes). Returns false at the end
 * of the list or on a malformed tag (which ends the list).
 */
static bool next_etag(struct strview *l, bool *is_weak, struct strview *opaque)
{
    const char *close;

    while (l->len > 0 && (l->p[0] == ' ' || l->p[0] == '\t' || l->p[0] == ',')) {
        l->p++;
        l->len--;
    }
    if (l->len == 0)
        return false;
    *is_weak = false;
    if (l->len >= 2 && l->p[0] == 'W' && l->p[1] == '/') {
        *is_weak = true;
        l->p += 2;
        l->len -= 2;
    }
    if (l->len < 2 || l->p[0] != '"')
        return false;
    close = memchr(l->p + 1, '"', l->len - 1);
    if (close == NULL)
        return false;
    *opaque = strview_make(l->p, (size_t)(close + 1 - l->p));
    l->len -= opaque->len;
    l->p += opaque->len;
    return true;
}

bool cond_etag_list_match(struct strview list, const char *etag, bool is_weak_compare)
{
    struct strview v = strview_trim(list), opaque;
    bool is_weak;

    if (strview_eq(v, "*"))
        return true;
    while (next_etag(&v, &is_weak, &opaque)) {
        if (is_weak && !is_weak_compare)
            continue;
        if (strview_eq(opaque, etag))
            return true;
    }
    return false;
}

/* Parse header NAME of REQ as a date; false when absent or malformed. */
static bool header_date(const struct http_request *req, const char *name, time_t *t)
{
    const struct strview *v = http_request_header(req, name);

    return v != NULL && httpdate_parse(v->p, v->len, t);
}

enum cond_result cond_evaluate(const struct http_request *req, const char *etag, time_t mtime)
{
    bool is_read = req->method == HTTP_METHOD_GET || req->method == HTTP_METHOD_HEAD;
    const struct strview *im = http_request_header(req, "if-match");
    const struct strview *inm = http_request_header(req, "if-none-match");
    time_t t;

    if (im != NULL) {
        if (!cond_etag_list_match(*im, etag, false))
            return COND_PRECONDITION_FAILED;
    } else if (header_date(req, "if-unmodified-since", &t) && mtime > t) {
        return COND_PRECONDITION_FAILED;
    }
    if (inm != NULL) {
        if (cond_etag_list_match(*inm, etag, true))
            return is_read ? COND_NOT_MODIFIED : COND_PRECONDITION_FAILED;
    } else if (is_read && header_date(req, "if-modified-since", &t) && mtime <= t) {
        return COND_NOT_MODIFIED;
    }
    return COND_PROCEED;
}

bool cond_date_is_strong(time_t mtime, time_t now)
{
    return mtime < now;
}

bool cond_if_range_allows(const struct http_request *req, const char *etag, time_t mtime,
                          time_t now)
{
    const struct strview *ir = http_request_header(req, "if-range");
    struct strview v, opaque;
    bool is_weak;
    time_t t;

    if (ir == NULL)
        return true;
    v = *ir;
    /* RFC 9110 13.1.5: an entity tag starts with DQUOTE or W/DQUOTE; anything else is a date. */
    if ((v.len > 0 && v.p[0] == '"') ||
        (v.len > 2 && v.p[0] == 'W' && v.p[1] == '/' && v.p[2] == '"')) {
        if (!next_etag(&v, &is_weak, &opaque) || is_weak || strview_trim(v).len != 0)
            return false;
        return strview_eq(opaque, etag);
    }
    return httpdate_parse(v.p, v.len, &t) && t == mtime && cond_date_is_strong(mtime, now);
}
