/*
 * server/chunked.c - the chunked transfer coding (RFC 9112, 7.1), one byte
 * at a time except for chunk data, which is handed out as views.
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size   = 1*HEXDIG          last-chunk = 1*("0") [ chunk-ext ] CRLF
 *   chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 *   trailer-section = *( field-line CRLF )
 *
 * Strict where leniency lets two parsers disagree about where a body ends
 * (the request smuggling class): CRLF only, never a bare LF or CR;
 * whitespace only where BWS allows it; no obs-fold in trailers; a size
 * of more than CHUNKED_MAX_SIZE_DIGITS digits is refused before any
 * arithmetic could overflow. Extensions are checked and ignored (RFC 9112
 * 7.1.1 says to ignore the ones we do not know, which is all of them).
 *
 * Pure: no I/O, no allocation, no globals.
 */
#include "chunked.h"

#include <string.h>

#include "strview.h"

enum {
    ST_SIZE_FIRST,   /* the first hex digit of a chunk size */
    ST_SIZE,         /* more digits, ';', BWS or CR */
    ST_SIZE_BWS,     /* whitespace after the size: only ';' may follow */
    ST_EXT_NAME_BWS, /* after ';': whitespace, then a name */
    ST_EXT_NAME,     /* in a name */
    ST_EXT_NAME_END, /* whitespace after a name: '=' or ';' */
    ST_EXT_VAL_BWS,  /* after '=': whitespace, then a token or a quoted string */
    ST_EXT_TOKEN,    /* in a token value */
    ST_EXT_QUOTED,   /* in a quoted string */
    ST_EXT_QPAIR,    /* after a backslash in a quoted string */
    ST_EXT_QEND,     /* right after a quoted string: ';', BWS or CR */
    ST_EXT_VAL_END,  /* after a value: whitespace, ';' or CR */
    ST_LINE_LF,      /* the LF ending a chunk line */
    ST_DATA,         /* chunk data */
    ST_DATA_CR,      /* the CR after chunk data */
    ST_DATA_LF,      /* the LF after chunk data */
    ST_TR_START,     /* the start of a trailer line, or the final CR */
    ST_TR_NAME,      /* in a trailer field name */
    ST_TR_VALUE,     /* in a trailer field value */
    ST_TR_LF,        /* the LF ending a trailer line */
    ST_FINAL_LF,     /* the LF of the final CRLF */
    ST_DONE,
    ST_BAD,
    ST_TOO_LARGE,
};

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.4: qdtext. */
static bool is_qdtext(unsigned char c)
{
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
           (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

/* A byte of a field value: HTAB, SP, VCHAR, obs-text. */
static bool is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

void chunked_init(struct chunked *d, const struct chunked_limits *lim, char *trailers, size_t cap)
{
    memset(d, 0, sizeof(*d));
    d->lim = *lim;
    d->state = ST_SIZE_FIRST;
    d->tr_buf = trailers;
    d->tr_cap = trailers != NULL ? cap : 0;
}

static enum chunked_result bad(struct chunked *d, const char *why)
{
    d->state = ST_BAD;
    d->error = why;
    return CHUNKED_BAD;
}

/* Add hex digit V to the chunk size, within the digit and body limits. */
static enum chunked_result size_digit(struct chunked *d, int v)
{
    if (++d->digits > CHUNKED_MAX_SIZE_DIGITS)
        return bad(d, "chunk size has too many digits");
    d->left = d->left * 16 + (uint64_t)v; /* 16 digits cannot overflow */
    if (d->left > d->lim.max_body - d->total) {
        d->state = ST_TOO_LARGE;
        d->error = "request body too large";
        return CHUNKED_TOO_LARGE;
    }
    return CHUNKED_NEED_MORE;
}

/* One byte of a chunk line after its size (extensions, BWS, the CR). */
static enum chunked_result ext_byte(struct chunked *d, unsigned char c)
{
    if (c == '\n')
        return bad(d, "bare LF in a chunk line");
    if (c == '\r') {
        switch (d->state) {
        case ST_SIZE:
        case ST_EXT_NAME:
        case ST_EXT_TOKEN:
        case ST_EXT_QEND:
            d->state = ST_LINE_LF;
            return CHUNKED_NEED_MORE;
        default:
            return bad(d, "malformed chunk extension");
        }
    }
    if (++d->ext_len > d->lim.max_ext)
        return bad(d, "chunk extensions too long");
    switch (d->state) {
    case ST_SIZE:
        if (c == ';')
            d->state = ST_EXT_NAME_BWS;
        else if (is_ws(c))
            d->state = ST_SIZE_BWS;
        else
            return bad(d, "invalid character in chunk size");
        return CHUNKED_NEED_MORE;
    case ST_SIZE_BWS:
    case ST_EXT_VAL_END:
    case ST_EXT_QEND:
        if (c == ';')
            d->state = ST_EXT_NAME_BWS;
        else if (is_ws(c))
            d->state = d->state == ST_SIZE_BWS ? ST_SIZE_BWS : ST_EXT_VAL_END;
        else
            return bad(d, "malformed chunk extension");
        return CHUNKED_NEED_MORE;
    case ST_EXT_NAME_BWS:
        if (strview_is_tchar(c))
            d->state = ST_EXT_NAME;
        else if (!is_ws(c))
            return bad(d, "malformed chunk extension name");
        return CHUNKED_NEED_MORE;
    case ST_EXT_NAME:
    case ST_EXT_NAME_END:
        if (c == '=')
            d->state = ST_EXT_VAL_BWS;
        else if (c == ';')
            d->state = ST_EXT_NAME_BWS;
        else if (is_ws(c))
            d->state = ST_EXT_NAME_END;
        else if (d->state != ST_EXT_NAME || !strview_is_tchar(c))
            return bad(d, "malformed chunk extension name");
        return CHUNKED_NEED_MORE;
    case ST_EXT_VAL_BWS:
        if (c == '"')
            d->state = ST_EXT_QUOTED;
        else if (strview_is_tchar(c))
            d->state = ST_EXT_TOKEN;
        else if (!is_ws(c))
            return bad(d, "malformed chunk extension value");
        return CHUNKED_NEED_MORE;
    case ST_EXT_TOKEN:
        if (c == ';')
            d->state = ST_EXT_NAME_BWS;
        else if (is_ws(c))
            d->state = ST_EXT_VAL_END;
        else if (!strview_is_tchar(c))
            return bad(d, "malformed chunk extension value");
        return CHUNKED_NEED_MORE;
    case ST_EXT_QUOTED:
        if (c == '"')
            d->state = ST_EXT_QEND;
        else if (c == '\\')
            d->state = ST_EXT_QPAIR;
        else if (!is_qdtext(c))
            return bad(d, "invalid character in a quoted chunk extension");
        return CHUNKED_NEED_MORE;
    case ST_EXT_QPAIR:
        if (c != '\t' && (c < 0x20 || c == 0x7f))
            return bad(d, "invalid character in a quoted chunk extension");
        d->state = ST_EXT_QUOTED;
        return CHUNKED_NEED_MORE;
    default:
        return bad(d, "malformed chunk extension");
    }
}

/* Keep byte C of a trailer field for the caller, when it lent a buffer. */
static bool keep(struct chunked *d, char c)
{
    if (d->tr_buf == NULL)
        return true;
    if (d->tr_stored == d->tr_cap)
        return false;
    d->tr_buf[d->tr_stored++] = c;
    return true;
}

/* One byte of the trailer section. */
static enum chunked_result trailer_byte(struct chunked *d, unsigned char c)
{
    if (++d->tr_len > d->lim.max_trailer)
        return bad(d, "trailer section too large");
    switch (d->state) {
    case ST_TR_START:
        if (c == '\r')
            d->state = ST_FINAL_LF;
        else if (is_ws(c))
            return bad(d, "obsolete line folding in the trailer section");
        else if (!strview_is_tchar(c))
            return bad(d, "malformed trailer field name");
        else
            d->state = ST_TR_NAME;
        break;
    case ST_TR_NAME:
        if (c == ':')
            d->state = ST_TR_VALUE;
        else if (!strview_is_tchar(c))
            return bad(d, "malformed trailer field name");
        break;
    case ST_TR_VALUE:
        if (c == '\r') {
            d->state = ST_TR_LF;
            return CHUNKED_NEED_MORE;
        }
        if (!is_value_char(c))
            return bad(d, "control character in a trailer field value");
        break;
    case ST_TR_LF:
        if (c != '\n')
            return bad(d, "bare CR in the trailer section");
        d->state = ST_TR_START;
        return keep(d, '\n') ? CHUNKED_NEED_MORE : bad(d, "trailer section too large");
    case ST_FINAL_LF:
        if (c != '\n')
            return bad(d, "bare CR at the end of the chunked body");
        d->state = ST_DONE;
        return CHUNKED_DONE;
    default:
        return bad(d, "malformed trailer section");
    }
    if (d->state == ST_TR_NAME || d->state == ST_TR_VALUE)
        if (!keep(d, (char)c))
            return bad(d, "trailer section too large");
    return CHUNKED_NEED_MORE;
}

/* The result a finished decoder keeps giving. */
static enum chunked_result final_result(const struct chunked *d)
{
    switch (d->state) {
    case ST_DONE:
        return CHUNKED_DONE;
    case ST_TOO_LARGE:
        return CHUNKED_TOO_LARGE;
    default:
        return CHUNKED_BAD;
    }
}

enum chunked_result chunked_feed(struct chunked *d, const char *in, size_t len, size_t *consumed,
                                 struct strview *data)
{
    size_t i = 0;

    *consumed = 0;
    *data = strview_make(in, 0);
    if (d->state == ST_DONE || d->state == ST_BAD || d->state == ST_TOO_LARGE)
        return final_result(d);
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        enum chunked_result r = CHUNKED_NEED_MORE;
        int v;

        if (d->state == ST_DATA) {
            size_t n = d->left < len - i ? (size_t)d->left : len - i;

            *data = strview_make(in + i, n);
            d->left -= n;
            d->total += n;
            if (d->left == 0)
                d->state = ST_DATA_CR;
            *consumed = i + n;
            return CHUNKED_DATA;
        }
        i++;
        switch (d->state) {
        case ST_SIZE_FIRST:
        case ST_SIZE:
            v = strview_hex_digit(c);
            if (v >= 0) {
                d->state = ST_SIZE;
                r = size_digit(d, v);
            } else if (d->state == ST_SIZE_FIRST) {
                r = bad(d, c == '\n' || c == '\r' ? "missing chunk size"
                                                  : "chunk size is not a hex number");
            } else {
                r = ext_byte(d, c);
            }
            break;
        case ST_LINE_LF:
            if (c != '\n') {
                r = bad(d, "bare CR in a chunk line");
            } else {
                d->state = d->left > 0 ? ST_DATA : ST_TR_START;
                d->digits = 0;
                d->ext_len = 0;
            }
            break;
        case ST_DATA_CR:
            if (c != '\r')
                r = bad(d, "chunk data longer than its size");
            else
                d->state = ST_DATA_LF;
            break;
        case ST_DATA_LF:
            if (c != '\n')
                r = bad(d, "chunk data not followed by CRLF");
            else
                d->state = ST_SIZE_FIRST;
            break;
        case ST_TR_START:
        case ST_TR_NAME:
        case ST_TR_VALUE:
        case ST_TR_LF:
        case ST_FINAL_LF:
            r = trailer_byte(d, c);
            break;
        default:
            r = ext_byte(d, c);
            break;
        }
        if (r != CHUNKED_NEED_MORE) {
            *consumed = i;
            return r;
        }
    }
    *consumed = len;
    return CHUNKED_NEED_MORE;
}

bool chunked_trailer_next(const struct chunked *d, size_t *pos, struct strview *name,
                          struct strview *value)
{
    const char *line, *nl, *colon;

    *name = *value = strview_make(NULL, 0);
    if (d->state != ST_DONE || d->tr_buf == NULL || *pos >= d->tr_stored)
        return false;
    line = d->tr_buf + *pos;
    nl = memchr(line, '\n', d->tr_stored - *pos);
    colon = nl != NULL ? memchr(line, ':', (size_t)(nl - line)) : NULL;
    if (colon == NULL) /* cannot happen: every kept line was checked */
        return false;
    *name = strview_make(line, (size_t)(colon - line));
    *value = strview_trim(strview_make(colon + 1, (size_t)(nl - colon - 1)));
    *pos = (size_t)(nl + 1 - d->tr_buf);
    return true;
}

bool chunked_trailer_find(const struct chunked *d, const char *name, struct strview *value)
{
    struct strview n, v;
    size_t pos = 0;

    *value = strview_make(NULL, 0);
    while (chunked_trailer_next(d, &pos, &n, &v)) {
        if (strview_eq_ci(n, name)) {
            *value = v;
            return true;
        }
    }
    return false;
}
