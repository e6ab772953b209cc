/*
 * common/range.c - parse Range and Content-Range header values (RFC 9110,
 * 14.1.2 and 14.4) against a known representation size.
 *
 * Pure: no I/O, no allocation, no globals. What a result means on the wire
 * (206, multipart 206, 416, or ignore and send 200) is decided in
 * server/respond.c.
 */
#include "range.h"

#include <string.h>

#include "strparse.h"
#include "strview.h"

/* Empty list elements are legal ("bytes=0-1,,5-6"); tolerate a few. */
#define RANGE_MAX_EMPTY_ITEMS 16

/* One range-spec before it meets the size. */
struct range_spec {
    bool is_suffix;
    uint64_t first; /* for a suffix: its length */
    bool has_last;
    uint64_t last;
};

static bool spec_parse(struct strview v, struct range_spec *s)
{
    const char *dash = memchr(v.p, '-', v.len);
    size_t before, after;

    memset(s, 0, sizeof(*s));
    if (dash == NULL)
        return false;
    before = (size_t)(dash - v.p);
    after = v.len - before - 1;
    if (before == 0) {
        s->is_suffix = true;
        return strparse_u64(dash + 1, after, &s->first) == STRPARSE_OK;
    }
    if (strparse_u64(v.p, before, &s->first) != STRPARSE_OK)
        return false;
    if (after == 0)
        return true;
    s->has_last = true;
    if (strparse_u64(dash + 1, after, &s->last) != STRPARSE_OK)
        return false;
    return s->last >= s->first;
}

/* Resolve S against SIZE. False when it selects nothing in the file. */
static bool spec_resolve(const struct range_spec *s, uint64_t size, struct byte_range *r)
{
    if (s->is_suffix) {
        if (s->first == 0 || size == 0)
            return false;
        r->first = s->first >= size ? 0 : size - s->first;
        r->last = size - 1;
        return true;
    }
    if (s->first >= size)
        return false;
    r->first = s->first;
    r->last = (!s->has_last || s->last >= size) ? size - 1 : s->last;
    return true;
}

enum range_result range_parse_set(const char *value, size_t len, uint64_t size,
                                  struct byte_range *out, size_t max, size_t *n)
{
    struct strview v = strview_trim(strview_make(value, len));
    const char *eq = memchr(v.p, '=', v.len);
    struct strview list, item;
    size_t nspecs = 0, nempty = 0, nout = 0;
    bool has_empty_suffix = false;

    *n = 0;
    if (eq == NULL || !strview_eq_ci(strview_make(v.p, (size_t)(eq - v.p)), "bytes"))
        return RANGE_IGNORE;
    list = strview_make(eq + 1, v.len - (size_t)(eq - v.p) - 1);
    while (strview_next_item(&list, &item)) {
        struct range_spec spec;
        struct byte_range r;

        if (item.len == 0) {
            if (++nempty > RANGE_MAX_EMPTY_ITEMS)
                return RANGE_IGNORE;
            continue;
        }
        if (++nspecs > max || !spec_parse(item, &spec))
            return RANGE_IGNORE;
        if (spec.is_suffix && spec.first > 0 && size == 0)
            has_empty_suffix = true;
        if (spec_resolve(&spec, size, &r))
            out[nout++] = r;
    }
    if (nspecs == 0 || has_empty_suffix)
        return RANGE_IGNORE;
    if (nout == 0)
        return RANGE_UNSATISFIABLE;
    *n = nout;
    return RANGE_OK;
}

enum range_result range_parse(const char *value, size_t len, uint64_t size, struct byte_range *out)
{
    size_t n;
    enum range_result r = range_parse_set(value, len, size, out, 1, &n);

    if (r != RANGE_OK)
        memset(out, 0, sizeof(*out));
    return r;
}

bool range_set_is_ascending(const struct byte_range *r, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (r[i].first <= r[i - 1].last)
            return false;
    return true;
}

/* Parse "A-B" into R, requiring A <= B. */
static bool content_range_pair(struct strview v, struct byte_range *r)
{
    const char *dash = memchr(v.p, '-', v.len);

    if (dash == NULL)
        return false;
    if (strparse_u64(v.p, (size_t)(dash - v.p), &r->first) != STRPARSE_OK)
        return false;
    if (strparse_u64(dash + 1, v.len - (size_t)(dash - v.p) - 1, &r->last) != STRPARSE_OK)
        return false;
    return r->first <= r->last;
}

bool range_parse_content_range(const char *value, size_t len, struct content_range *out)
{
    struct strview v = strview_trim(strview_make(value, len));
    const char *slash;
    struct strview resp, complete;

    memset(out, 0, sizeof(*out));
    if (v.len < 6 || !strview_eq_ci(strview_make(v.p, 6), "bytes "))
        goto bad;
    v.p += 6;
    v.len -= 6;
    slash = memchr(v.p, '/', v.len);
    if (slash == NULL)
        goto bad;
    resp = strview_make(v.p, (size_t)(slash - v.p));
    complete = strview_make(slash + 1, v.len - resp.len - 1);
    if (strview_eq(complete, "*")) {
        out->has_size = false;
    } else {
        if (strparse_u64(complete.p, complete.len, &out->size) != STRPARSE_OK)
            goto bad;
        out->has_size = true;
    }
    if (strview_eq(resp, "*")) {
        if (!out->has_size)
            goto bad;
        out->is_unsatisfied = true;
        return true;
    }
    if (!content_range_pair(resp, &out->range))
        goto bad;
    if (out->has_size && out->range.last >= out->size)
        goto bad;
    return true;
bad:
    memset(out, 0, sizeof(*out));
    return false;
}
