/*
 * client/up/uphead.c - upload response heads, line by line. Pure.
 */
#include "uphead.h"

#include <string.h>

#include "encode.h"
#include "strparse.h"
#include "strview.h"

/* Bits of uphead.seen: a Structured Field that came once already. */
enum {
    SEEN_OFFSET = 1u << 0,
    SEEN_COMPLETE = 1u << 1,
    SEEN_LENGTH = 1u << 2,
    SEEN_LIMIT = 1u << 3,
    SEEN_INTEROP = 1u << 4,
    SEEN_LOCATION = 1u << 5,
};

void uphead_init(struct uphead *h)
{
    memset(h, 0, sizeof(*h));
}

/* Reset the fields of one response, keeping what a 104 said. */
static void reset_response(struct uphead *h)
{
    char loc[UPHEAD_URL_MAX];
    bool has_off = h->has_interim_offset;
    uint64_t off = h->interim_offset;

    memcpy(loc, h->interim_location, sizeof(loc));
    memset(h, 0, sizeof(*h));
    memcpy(h->interim_location, loc, sizeof(loc));
    h->has_interim_offset = has_off;
    h->interim_offset = off;
}

static void copy_field(char *out, size_t cap, struct strview v)
{
    if (v.len >= cap) {
        out[0] = '\0';
        return;
    }
    memcpy(out, v.p, v.len);
    out[v.len] = '\0';
}

/* RFC 9110 5.1: a field name is a token. */
static bool is_token(struct strview v)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    if (v.len == 0)
        return false;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c != '\0' && strchr(extra, c) != NULL)))
            return false;
    }
    return true;
}

/* A "sha-256=:BASE64:" member of a Repr-Digest list. */
static bool repr_digest(struct strview v, uint8_t out[SHA256_LEN])
{
    struct strview list = v, item;

    while (strview_next_item(&list, &item)) {
        const char *eq = memchr(item.p, '=', item.len);
        struct strview key, val;
        uint8_t buf[SHA256_LEN + 3];
        size_t n;

        if (eq == NULL)
            continue;
        key = strview_trim(strview_make(item.p, (size_t)(eq - item.p)));
        val = strview_trim(strview_make(eq + 1, (size_t)(item.p + item.len - eq - 1)));
        if (!strview_eq_ci(key, "sha-256") || val.len < 2 || val.p[0] != ':' ||
            val.p[val.len - 1] != ':')
            continue;
        if (decode_base64(val.p + 1, val.len - 2, buf, sizeof(buf), &n) && n == SHA256_LEN) {
            memcpy(out, buf, SHA256_LEN);
            return true;
        }
    }
    return false;
}

/* A Structured Field seen for the second time is ignored from then on. */
static bool first_time(struct uphead *h, unsigned bit, bool *has)
{
    if (h->seen & bit) {
        *has = false;
        return false;
    }
    h->seen |= bit;
    return true;
}

static void sf_field(struct uphead *h, struct strview name, struct strview value)
{
    if (strview_eq_ci(name, "upload-offset")) {
        if (first_time(h, SEEN_OFFSET, &h->has_offset))
            h->has_offset = upfield_integer(value.p, value.len, &h->offset);
        if (!h->has_offset)
            h->offset = 0;
    } else if (strview_eq_ci(name, "upload-complete")) {
        if (first_time(h, SEEN_COMPLETE, &h->has_complete))
            h->has_complete = upfield_boolean(value.p, value.len, &h->is_complete);
        if (!h->has_complete)
            h->is_complete = false;
    } else if (strview_eq_ci(name, "upload-length")) {
        if (first_time(h, SEEN_LENGTH, &h->has_length))
            h->has_length = upfield_integer(value.p, value.len, &h->length);
        if (!h->has_length)
            h->length = 0;
    } else if (strview_eq_ci(name, "upload-limit")) {
        /* A Dictionary may be split over lines, but a server that does so
         * gains nothing; one line is the only form taken. */
        if (first_time(h, SEEN_LIMIT, &h->has_limit))
            h->has_limit = upfield_limit(value.p, value.len, &h->limit);
        if (!h->has_limit)
            memset(&h->limit, 0, sizeof(h->limit));
    } else if (strview_eq_ci(name, "upload-draft-interop-version")) {
        if (first_time(h, SEEN_INTEROP, &h->has_interop))
            h->has_interop = upfield_integer(value.p, value.len, &h->interop);
        if (!h->has_interop)
            h->interop = 0;
    }
}

/* The blank line: a 104 with the right interop version is remembered. */
static void end_of_head(struct uphead *h)
{
    if (h->status != 104 || !h->has_interop || h->interop != UPHEAD_INTEROP_VERSION)
        return;
    if (h->location[0] != '\0')
        memcpy(h->interim_location, h->location, sizeof(h->location));
    if (h->has_offset) {
        h->has_interim_offset = true;
        h->interim_offset = h->offset;
    }
}

enum uphead_line uphead_parse_line(struct uphead *h, const char *line, size_t len)
{
    struct strview l = strview_make(line, len), name, value;
    const char *colon;

    while (l.len > 0 && (l.p[l.len - 1] == '\n' || l.p[l.len - 1] == '\r'))
        l.len--;
    if (l.len == 0) {
        end_of_head(h);
        return UPHEAD_END;
    }
    if (l.len >= 5 && memcmp(l.p, "HTTP/", 5) == 0) {
        const char *sp = memchr(l.p, ' ', l.len);
        uint64_t status;

        reset_response(h);
        /* RFC 9112 4: exactly three digits, then a space or the end. */
        if (sp == NULL || (size_t)(l.p + l.len - sp) < 4 ||
            strparse_u64(sp + 1, 3, &status) != STRPARSE_OK || status < 100 ||
            ((size_t)(l.p + l.len - sp) > 4 && sp[4] != ' ')) {
            h->bad_line = "a malformed status line";
            return UPHEAD_BAD;
        }
        h->status = (long)status;
        return UPHEAD_STATUS;
    }
    if (l.p[0] == ' ' || l.p[0] == '\t')
        return UPHEAD_FIELD; /* obs-fold: nothing we read folds */
    colon = memchr(l.p, ':', l.len);
    if (colon == NULL || !is_token(strview_make(l.p, (size_t)(colon - l.p)))) {
        h->bad_line = colon == NULL ? "a header line without a colon"
                                    : "a header line with a malformed field name";
        return UPHEAD_BAD;
    }
    name = strview_make(l.p, (size_t)(colon - l.p));
    value = strview_trim(strview_make(colon + 1, (size_t)(l.p + l.len - colon - 1)));
    if (strview_eq_ci(name, "location")) {
        if (h->seen & SEEN_LOCATION)
            h->location[0] = '\0'; /* two Locations: neither is taken */
        else
            copy_field(h->location, sizeof(h->location), value);
        h->seen |= SEEN_LOCATION;
    } else if (strview_eq_ci(name, "repr-digest")) {
        if (!h->has_digest)
            h->has_digest = repr_digest(value, h->sha256);
    } else if (strview_eq_ci(name, "retry-after")) {
        copy_field(h->retry_after, sizeof(h->retry_after), value);
    } else if (strview_eq_ci(name, "date")) {
        copy_field(h->date, sizeof(h->date), value);
    } else if (strview_eq_ci(name, "content-type")) {
        copy_field(h->content_type, sizeof(h->content_type), value);
    } else {
        sf_field(h, name, value);
    }
    return UPHEAD_FIELD;
}
