/*
 * server/sfv.c - a strict Structured Field Values parser (RFC 9651,
 * section 4.2), written from the grammar: a cursor over the caller's
 * text and one function per rule. Nothing is allocated; an Item or a
 * Dictionary member is handed back as a view.
 */
#include "sfv.h"

#include <string.h>

struct cur {
    const char *p;
    size_t len;
    size_t i;
};

static bool at_end(const struct cur *c)
{
    return c->i >= c->len;
}

static char peek(const struct cur *c)
{
    return at_end(c) ? '\0' : c->p[c->i];
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_lcalpha(char ch)
{
    return ch >= 'a' && ch <= 'z';
}

static bool is_alpha(char ch)
{
    return is_lcalpha(ch) || (ch >= 'A' && ch <= 'Z');
}

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(char ch)
{
    return is_alpha(ch) || is_digit(ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static void skip_sp(struct cur *c)
{
    while (peek(c) == ' ')
        c->i++;
}

static void skip_ows(struct cur *c)
{
    while (peek(c) == ' ' || peek(c) == '\t')
        c->i++;
}

/* 4.2.4: sf-integer and sf-decimal. */
static bool parse_number(struct cur *c, struct sfv_item *out)
{
    size_t start = c->i, digits = 0, frac = 0;
    bool is_neg = false, is_dec = false;
    int64_t v = 0;

    if (peek(c) == '-') {
        is_neg = true;
        c->i++;
    }
    if (!is_digit(peek(c)))
        return false;
    while (!at_end(c)) {
        char ch = peek(c);

        if (is_digit(ch)) {
            if (is_dec) {
                if (++frac > 3)
                    return false;
            } else {
                if (++digits > 15)
                    return false;
                v = v * 10 + (ch - '0');
            }
        } else if (ch == '.' && !is_dec) {
            if (digits > 12)
                return false;
            is_dec = true;
        } else {
            break;
        }
        c->i++;
    }
    if (is_dec && frac == 0)
        return false;
    out->type = is_dec ? SFV_DECIMAL : SFV_INTEGER;
    out->integer = is_dec ? 0 : (is_neg ? -v : v);
    out->text = strview_make(c->p + start, c->i - start);
    return true;
}

/* 4.2.5: sf-string, the cursor on the opening quote. */
static bool parse_string(struct cur *c, struct sfv_item *out)
{
    size_t start = ++c->i;

    while (!at_end(c)) {
        char ch = c->p[c->i];

        if (ch == '\\') {
            c->i++;
            if (peek(c) != '"' && peek(c) != '\\')
                return false;
        } else if (ch == '"') {
            out->type = SFV_STRING;
            out->text = strview_make(c->p + start, c->i - start);
            c->i++;
            return true;
        } else if ((unsigned char)ch < 0x20 || (unsigned char)ch > 0x7e) {
            return false;
        }
        c->i++;
    }
    return false;
}

/* 4.2.6: sf-token. */
static bool parse_token(struct cur *c, struct sfv_item *out)
{
    size_t start = c->i;

    if (!is_alpha(peek(c)) && peek(c) != '*')
        return false;
    c->i++;
    while (!at_end(c) && (is_tchar(peek(c)) || peek(c) == ':' || peek(c) == '/'))
        c->i++;
    out->type = SFV_TOKEN;
    out->text = strview_make(c->p + start, c->i - start);
    return true;
}

/* 4.2.7: sf-binary, the cursor on the opening colon. Base64 is checked by the user. */
static bool parse_bytes(struct cur *c, struct sfv_item *out)
{
    size_t start = ++c->i;

    while (!at_end(c)) {
        char ch = c->p[c->i];

        if (ch == ':') {
            out->type = SFV_BYTES;
            out->text = strview_make(c->p + start, c->i - start);
            c->i++;
            return true;
        }
        if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '/' && ch != '=')
            return false;
        c->i++;
    }
    return false;
}

static int hexval(char ch)
{
    if (is_digit(ch))
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1; /* uppercase is not allowed in a Display String */
}

/*
 * 4.2.10: sf-displaystring, the cursor on '%' (followed by '"'). The
 * %-escaped bytes must form valid UTF-8: checked as they are decoded.
 */
static bool parse_display(struct cur *c, struct sfv_item *out)
{
    size_t start = c->i;
    unsigned need = 0; /* continuation bytes still expected */
    unsigned min = 0;  /* the smallest code point the sequence may encode */
    uint32_t cp = 0;

    c->i += 2;
    while (!at_end(c)) {
        char ch = c->p[c->i];
        unsigned b;

        if (ch == '"') {
            if (need != 0)
                return false;
            c->i++;
            out->type = SFV_DISPLAY;
            out->text = strview_make(c->p + start, c->i - start);
            return true;
        }
        if ((unsigned char)ch < 0x20 || (unsigned char)ch > 0x7e)
            return false;
        if (ch != '%') {
            if (need != 0)
                return false;
            c->i++;
            continue;
        }
        if (c->i + 2 >= c->len || hexval(c->p[c->i + 1]) < 0 || hexval(c->p[c->i + 2]) < 0)
            return false;
        b = (unsigned)(hexval(c->p[c->i + 1]) * 16 + hexval(c->p[c->i + 2]));
        c->i += 3;
        if (need > 0) {
            if ((b & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (b & 0x3f);
            if (--need == 0 && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
                return false;
        } else if (b < 0x80) {
            continue;
        } else if ((b & 0xe0) == 0xc0) {
            need = 1, min = 0x80, cp = b & 0x1f;
        } else if ((b & 0xf0) == 0xe0) {
            need = 2, min = 0x800, cp = b & 0x0f;
        } else if ((b & 0xf8) == 0xf0) {
            need = 3, min = 0x10000, cp = b & 0x07;
        } else {
            return false;
        }
    }
    return false;
}

/* 4.2.3.1: bare-item. */
static bool parse_bare_item(struct cur *c, struct sfv_item *out)
{
    char ch = peek(c);

    memset(out, 0, sizeof(*out));
    if (ch == '-' || is_digit(ch))
        return parse_number(c, out);
    if (ch == '"')
        return parse_string(c, out);
    if (ch == '*' || is_alpha(ch))
        return parse_token(c, out);
    if (ch == ':')
        return parse_bytes(c, out);
    if (ch == '?') {
        size_t start = c->i;

        c->i++;
        if (peek(c) != '0' && peek(c) != '1')
            return false;
        out->type = SFV_BOOLEAN;
        out->integer = peek(c) == '1';
        c->i++;
        out->text = strview_make(c->p + start, 2);
        return true;
    }
    if (ch == '@') {
        size_t start = c->i;

        c->i++;
        if (!parse_number(c, out) || out->type != SFV_INTEGER)
            return false;
        out->type = SFV_DATE;
        out->text = strview_make(c->p + start, c->i - start);
        return true;
    }
    if (ch == '%' && c->i + 1 < c->len && c->p[c->i + 1] == '"')
        return parse_display(c, out);
    return false;
}

/* 4.2.3.3: key. */
static bool parse_key(struct cur *c, struct strview *key)
{
    size_t start = c->i;

    if (!is_lcalpha(peek(c)) && peek(c) != '*')
        return false;
    c->i++;
    while (!at_end(c)) {
        char ch = peek(c);

        if (!is_lcalpha(ch) && !is_digit(ch) && ch != '_' && ch != '-' && ch != '.' && ch != '*')
            break;
        c->i++;
    }
    *key = strview_make(c->p + start, c->i - start);
    return true;
}

/* 4.2.3.2: parameters, checked and dropped. */
static bool parse_params(struct cur *c)
{
    while (peek(c) == ';') {
        struct strview key;
        struct sfv_item v;

        c->i++;
        skip_sp(c);
        if (!parse_key(c, &key))
            return false;
        if (peek(c) == '=') {
            c->i++;
            if (!parse_bare_item(c, &v))
                return false;
        }
    }
    return true;
}

/* 4.2.3: sf-item. */
static bool parse_item(struct cur *c, struct sfv_item *out)
{
    return parse_bare_item(c, out) && parse_params(c);
}

/* 4.2.1.2: inner-list, the cursor on '('. */
static bool parse_inner_list(struct cur *c, struct sfv_item *out)
{
    size_t start = c->i++;

    for (;;) {
        struct sfv_item member;

        skip_sp(c);
        if (peek(c) == ')') {
            c->i++;
            memset(out, 0, sizeof(*out));
            out->type = SFV_INNER_LIST;
            out->text = strview_make(c->p + start, c->i - start);
            return parse_params(c);
        }
        if (!parse_item(c, &member))
            return false;
        if (peek(c) != ' ' && peek(c) != ')')
            return false;
    }
}

bool sfv_parse_item(struct strview field, struct sfv_item *out)
{
    struct cur c = {field.p, field.len, 0};

    skip_sp(&c);
    if (!parse_item(&c, out))
        return false;
    skip_sp(&c);
    return at_end(&c);
}

bool sfv_dict_find(struct strview field, const char *key, bool *found, struct sfv_item *out)
{
    struct cur c = {field.p, field.len, 0};

    *found = false;
    memset(out, 0, sizeof(*out));
    skip_sp(&c);
    while (!at_end(&c)) {
        struct strview k;
        struct sfv_item v;

        if (!parse_key(&c, &k))
            return false;
        if (peek(&c) == '=') {
            c.i++;
            if (peek(&c) == '(') {
                if (!parse_inner_list(&c, &v))
                    return false;
            } else if (!parse_item(&c, &v)) {
                return false;
            }
        } else {
            memset(&v, 0, sizeof(v));
            v.type = SFV_BOOLEAN;
            v.integer = 1;
            v.text = strview_make(k.p + k.len, 0); /* nothing is written */
            if (!parse_params(&c))
                return false;
        }
        if (strview_eq(k, key)) {
            *found = true;
            *out = v;
        }
        skip_ows(&c);
        if (at_end(&c))
            return true;
        if (peek(&c) != ',')
            return false;
        c.i++;
        skip_ows(&c);
        if (at_end(&c))
            return false; /* a trailing comma */
    }
    return true;
}
