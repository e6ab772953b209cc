/*
 * client/up/upfield.c - Structured Field values (RFC 9651) as the upload
 * header fields use them, and Location resolution. Pure.
 *
 * The parser follows RFC 9651 section 4.2 closely enough to skip any
 * well-formed value (strings, tokens, byte sequences, dates, display
 * strings, inner lists, parameters) and refuse a malformed one, but keeps
 * only what the upload fields need: integers and booleans.
 */
#include "upfield.h"

#include <string.h>
#include <strings.h>

enum sf_type {
    SF_INTEGER,
    SF_DECIMAL,
    SF_STRING,
    SF_TOKEN,
    SF_BYTES,
    SF_BOOLEAN,
    SF_DATE,
    SF_DISPLAY,
    SF_INNER_LIST,
};

struct sf {
    const char *p;
    size_t len;
    size_t i;
};

struct sf_value {
    enum sf_type type;
    bool is_negative;
    uint64_t integer; /* SF_INTEGER: the magnitude; SF_BOOLEAN: 0 or 1 */
};

static bool at_end(const struct sf *s)
{
    return s->i >= s->len;
}

static char peek(const struct sf *s)
{
    return at_end(s) ? '\0' : s->p[s->i];
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_lcalpha(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_alpha(char c)
{
    return is_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
    return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void skip_sp(struct sf *s)
{
    while (peek(s) == ' ')
        s->i++;
}

static void skip_ows(struct sf *s)
{
    while (peek(s) == ' ' || peek(s) == '\t')
        s->i++;
}

/* RFC 9651 4.2.4: an Integer or a Decimal. */
static bool parse_number(struct sf *s, struct sf_value *v)
{
    size_t digits = 0, frac = 0;
    bool is_decimal = false;

    v->is_negative = false;
    v->integer = 0;
    if (peek(s) == '-') {
        v->is_negative = true;
        s->i++;
    }
    if (!is_digit(peek(s)))
        return false;
    while (!at_end(s)) {
        char c = peek(s);

        if (is_digit(c)) {
            if (is_decimal) {
                if (++frac > 3)
                    return false;
            } else {
                if (++digits > 15)
                    return false;
                v->integer = v->integer * 10 + (uint64_t)(c - '0');
            }
        } else if (c == '.' && !is_decimal) {
            if (digits > 12)
                return false;
            is_decimal = true;
        } else {
            break;
        }
        s->i++;
    }
    if (is_decimal && frac == 0)
        return false;
    v->type = is_decimal ? SF_DECIMAL : SF_INTEGER;
    return true;
}

/* RFC 9651 4.2.5: a String. */
static bool parse_string(struct sf *s)
{
    s->i++; /* the opening DQUOTE */
    while (!at_end(s)) {
        char c = peek(s);

        s->i++;
        if (c == '\\') {
            c = peek(s);
            if (c != '"' && c != '\\')
                return false;
            s->i++;
        } else if (c == '"') {
            return true;
        } else if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e) {
            return false;
        }
    }
    return false;
}

/* RFC 9651 4.2.10: a Display String, %"..." with %xx escapes. */
static bool parse_display(struct sf *s)
{
    s->i++; /* '%' */
    if (peek(s) != '"')
        return false;
    s->i++;
    while (!at_end(s)) {
        char c = peek(s);

        s->i++;
        if (c == '"')
            return true;
        if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
            return false;
        if (c == '%') {
            for (int k = 0; k < 2; k++) {
                char h = peek(s);

                if (!is_digit(h) && !(h >= 'a' && h <= 'f'))
                    return false;
                s->i++;
            }
        }
    }
    return false;
}

/* RFC 9651 4.2.7: a Byte Sequence. */
static bool parse_bytes(struct sf *s)
{
    s->i++; /* ':' */
    while (!at_end(s)) {
        char c = peek(s);

        s->i++;
        if (c == ':')
            return true;
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/' && c != '=')
            return false;
    }
    return false;
}

static bool parse_bare_item(struct sf *s, struct sf_value *v)
{
    char c = peek(s);

    memset(v, 0, sizeof(*v));
    if (c == '-' || is_digit(c))
        return parse_number(s, v);
    if (c == '"') {
        v->type = SF_STRING;
        return parse_string(s);
    }
    if (c == '*' || is_alpha(c)) {
        v->type = SF_TOKEN;
        while (!at_end(s) && (is_tchar(peek(s)) || peek(s) == ':' || peek(s) == '/'))
            s->i++;
        return true;
    }
    if (c == ':') {
        v->type = SF_BYTES;
        return parse_bytes(s);
    }
    if (c == '?') {
        s->i++;
        c = peek(s);
        if (c != '0' && c != '1')
            return false;
        s->i++;
        v->type = SF_BOOLEAN;
        v->integer = c == '1';
        return true;
    }
    if (c == '@') {
        s->i++;
        if (!parse_number(s, v) || v->type != SF_INTEGER)
            return false;
        v->type = SF_DATE;
        return true;
    }
    if (c == '%') {
        v->type = SF_DISPLAY;
        return parse_display(s);
    }
    return false;
}

/* RFC 9651 4.2.3.3: a key. Sets *KEY to a view of it. */
static bool parse_key(struct sf *s, const char **key, size_t *klen)
{
    size_t start = s->i;

    if (!is_lcalpha(peek(s)) && peek(s) != '*')
        return false;
    while (!at_end(s)) {
        char c = peek(s);

        if (!is_lcalpha(c) && !is_digit(c) && c != '_' && c != '-' && c != '.' && c != '*')
            break;
        s->i++;
    }
    *key = s->p + start;
    *klen = s->i - start;
    return true;
}

/* RFC 9651 4.2.3.2: parameters, skipped. */
static bool parse_parameters(struct sf *s)
{
    while (peek(s) == ';') {
        const char *key;
        size_t klen;
        struct sf_value v;

        s->i++;
        skip_sp(s);
        if (!parse_key(s, &key, &klen))
            return false;
        if (peek(s) == '=') {
            s->i++;
            if (!parse_bare_item(s, &v))
                return false;
        }
    }
    return true;
}

static bool parse_item(struct sf *s, struct sf_value *v)
{
    return parse_bare_item(s, v) && parse_parameters(s);
}

/* RFC 9651 4.2.1.2: an Inner List, skipped. */
static bool parse_inner_list(struct sf *s, struct sf_value *v)
{
    s->i++; /* '(' */
    memset(v, 0, sizeof(*v));
    v->type = SF_INNER_LIST;
    for (;;) {
        struct sf_value item;

        skip_sp(s);
        if (peek(s) == ')') {
            s->i++;
            return parse_parameters(s);
        }
        if (!parse_item(s, &item))
            return false;
        if (peek(s) != ' ' && peek(s) != ')')
            return false;
    }
}

/* A whole field that must be one Item. */
static bool parse_field_item(const char *p, size_t len, struct sf_value *v)
{
    struct sf s = {p, len, 0};

    skip_sp(&s);
    if (!parse_item(&s, v))
        return false;
    skip_sp(&s);
    return at_end(&s);
}

bool upfield_integer(const char *v, size_t len, uint64_t *out)
{
    struct sf_value val;

    *out = 0;
    if (!parse_field_item(v, len, &val) || val.type != SF_INTEGER || val.is_negative)
        return false;
    *out = val.integer;
    return true;
}

bool upfield_boolean(const char *v, size_t len, bool *out)
{
    struct sf_value val;

    *out = false;
    if (!parse_field_item(v, len, &val) || val.type != SF_BOOLEAN)
        return false;
    *out = val.integer == 1;
    return true;
}

/* Store a known Upload-Limit member; false when its value has the wrong type. */
static bool limit_member(struct upfield_limit *l, const char *key, size_t klen,
                         const struct sf_value *v)
{
    static const char *const names[] = {"max-size", "min-size", "max-append-size",
                                        "min-append-size", "max-age"};
    bool *has[] = {&l->has_max_size, &l->has_min_size, &l->has_max_append, &l->has_min_append,
                   &l->has_max_age};
    uint64_t *val[] = {&l->max_size, &l->min_size, &l->max_append, &l->min_append, &l->max_age};

    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (strlen(names[k]) != klen || memcmp(names[k], key, klen) != 0)
            continue;
        if (v->type != SF_INTEGER || v->is_negative)
            return false;
        *has[k] = true;
        *val[k] = v->integer;
        return true;
    }
    return true; /* an unknown key: ignored */
}

bool upfield_limit(const char *v, size_t len, struct upfield_limit *out)
{
    struct sf s = {v, len, 0};

    memset(out, 0, sizeof(*out));
    skip_sp(&s);
    if (at_end(&s))
        return true; /* an empty Dictionary */
    for (;;) {
        const char *key;
        size_t klen;
        struct sf_value val;

        if (!parse_key(&s, &key, &klen))
            goto bad;
        if (peek(&s) == '=') {
            s.i++;
            if (peek(&s) == '(') {
                if (!parse_inner_list(&s, &val))
                    goto bad;
            } else if (!parse_item(&s, &val)) {
                goto bad;
            }
        } else {
            memset(&val, 0, sizeof(val));
            val.type = SF_BOOLEAN; /* a bare key is true */
            val.integer = 1;
            if (!parse_parameters(&s))
                goto bad;
        }
        if (!limit_member(out, key, klen, &val))
            goto bad;
        skip_ows(&s);
        if (at_end(&s))
            return true;
        if (peek(&s) != ',')
            goto bad;
        s.i++;
        skip_ows(&s);
        if (at_end(&s))
            goto bad; /* a trailing comma */
    }
bad:
    memset(out, 0, sizeof(*out));
    return false;
}

/* The length of a scheme "http" or "https" followed by "://", else 0. */
static size_t scheme_len(const char *url, size_t len)
{
    if (len >= 7 && strncasecmp(url, "http://", 7) == 0)
        return 4;
    if (len >= 8 && strncasecmp(url, "https://", 8) == 0)
        return 5;
    return 0;
}

bool upfield_split_url(const char *url, size_t len, size_t *origin_len, const char **path)
{
    size_t sl = scheme_len(url, len), i;

    *origin_len = 0;
    *path = url + len;
    if (sl == 0)
        return false;
    i = sl + 3;
    while (i < len && url[i] != '/' && url[i] != '?' && url[i] != '#')
        i++;
    if (i == sl + 3)
        return false; /* no host */
    *origin_len = i;
    *path = url + i;
    return true;
}

/* Origins A and B are the same: scheme and host case-insensitively, the port exactly
 * (a default port the same as none). */
static bool same_origin(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t sa = scheme_len(a, alen), sb = scheme_len(b, blen);
    const char *ha = a + sa + 3, *hb = b + sb + 3;
    size_t hla = alen - sa - 3, hlb = blen - sb - 3;
    const char *defport = sa == 4 ? ":80" : ":443";
    size_t dl = strlen(defport);

    if (sa != sb || strncasecmp(a, b, sa) != 0)
        return false;
    /* user info in an authority: never ours */
    if (memchr(ha, '@', hla) != NULL || memchr(hb, '@', hlb) != NULL)
        return false;
    if (hla > dl && memcmp(ha + hla - dl, defport, dl) == 0 && memchr(hb, ':', hlb) == NULL &&
        hb[0] != '[')
        hla -= dl;
    if (hlb > dl && memcmp(hb + hlb - dl, defport, dl) == 0 && memchr(ha, ':', hla) == NULL &&
        ha[0] != '[')
        hlb -= dl;
    return hla == hlb && strncasecmp(ha, hb, hla) == 0;
}

/* A path with "." or ".." as a whole segment. */
static bool has_dot_segment(const char *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t j = i;

        while (j < len && p[j] != '/' && p[j] != '?')
            j++;
        if ((j - i == 1 && p[i] == '.') || (j - i == 2 && p[i] == '.' && p[i + 1] == '.'))
            return true;
        if (j < len && p[j] == '?')
            return false; /* the query is not a path */
        i = j + 1;
    }
    return false;
}

/* Append N bytes of S at *AT in OUT (CAP); false when they do not fit. */
static bool put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
    if (n >= cap - *at)
        return false;
    memcpy(out + *at, s, n);
    *at += n;
    out[*at] = '\0';
    return true;
}

enum upfield_loc upfield_location(const char *base, const char *v, size_t len, char *out,
                                  size_t cap)
{
    size_t blen = strlen(base), borigin, at = 0, start = 0, end = len;
    const char *bpath, *hash;
    enum upfield_loc r = UPFIELD_LOC_BAD;

    if (cap == 0)
        return UPFIELD_LOC_BAD;
    out[0] = '\0';
    if (!upfield_split_url(base, blen, &borigin, &bpath))
        return UPFIELD_LOC_BAD;
    while (start < end && (v[start] == ' ' || v[start] == '\t'))
        start++;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
        end--;
    hash = memchr(v + start, '#', end - start);
    if (hash != NULL)
        end = (size_t)(hash - v);
    if (end == start)
        return UPFIELD_LOC_BAD;
    for (size_t i = start; i < end; i++)
        if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e || v[i] == '\\')
            return UPFIELD_LOC_BAD;
    v += start;
    len = end - start;
    if (scheme_len(v, len) > 0) {
        size_t olen;
        const char *path;

        if (!upfield_split_url(v, len, &olen, &path))
            return UPFIELD_LOC_BAD;
        if (!same_origin(base, borigin, v, olen))
            return UPFIELD_LOC_FOREIGN;
        if (has_dot_segment(path, len - olen))
            return UPFIELD_LOC_BAD;
        r = put(out, cap, &at, base, borigin) && put(out, cap, &at, path, len - olen)
                ? UPFIELD_LOC_OK
                : UPFIELD_LOC_BAD;
    } else if (len >= 2 && v[0] == '/' && v[1] == '/') {
        size_t sl = scheme_len(base, blen), olen;
        const char *path;
        char abs[8192];

        /* "//host/path": BASE's scheme with the given authority */
        if (sl + 1 + len >= sizeof(abs))
            return UPFIELD_LOC_BAD;
        memcpy(abs, base, sl + 1);
        memcpy(abs + sl + 1, v, len);
        abs[sl + 1 + len] = '\0';
        if (!upfield_split_url(abs, sl + 1 + len, &olen, &path))
            return UPFIELD_LOC_BAD;
        if (!same_origin(base, borigin, abs, olen))
            return UPFIELD_LOC_FOREIGN;
        if (has_dot_segment(path, sl + 1 + len - olen))
            return UPFIELD_LOC_BAD;
        r = put(out, cap, &at, base, borigin) && put(out, cap, &at, path, sl + 1 + len - olen)
                ? UPFIELD_LOC_OK
                : UPFIELD_LOC_BAD;
    } else if (v[0] == '/') {
        if (has_dot_segment(v, len))
            return UPFIELD_LOC_BAD;
        r = put(out, cap, &at, base, borigin) && put(out, cap, &at, v, len) ? UPFIELD_LOC_OK
                                                                            : UPFIELD_LOC_BAD;
    } else {
        /* A relative path: BASE's path up to its last '/', then V. */
        size_t plen = strcspn(bpath, "?#");
        size_t keep = plen;
        const char *colon = memchr(v, ':', len);
        const char *slash = memchr(v, '/', len);

        /* "mailto:x", "ftp:/x": another scheme (a colon before any slash) */
        if (colon != NULL && (slash == NULL || colon < slash))
            return UPFIELD_LOC_BAD;
        if (has_dot_segment(v, len))
            return UPFIELD_LOC_BAD;
        while (keep > 0 && bpath[keep - 1] != '/')
            keep--;
        if (v[0] == '?')
            keep = plen; /* only the query changes */
        r = put(out, cap, &at, base, borigin) &&
                    (keep > 0 ? put(out, cap, &at, bpath, keep) : put(out, cap, &at, "/", 1)) &&
                    put(out, cap, &at, v, len)
                ? UPFIELD_LOC_OK
                : UPFIELD_LOC_BAD;
    }
    if (r != UPFIELD_LOC_OK)
        out[0] = '\0';
    return r;
}
