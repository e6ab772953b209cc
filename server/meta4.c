/*
 * server/meta4.c - render Metalink 4 documents. Pure but for malloc.
 *
 * The layout follows RFC 5854 section 4: one <metalink> in the
 * urn:ietf:params:xml:ns:metalink namespace, one <file> with <size>,
 * <hash type="sha-256">, <pieces length=... type="sha-256"> and one <url>
 * per source. Written by hand (it is a fixed shape), with every value
 * escaped; readers parse it with a real XML parser.
 */
#include "meta4.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dynbuf.h"
#include "encode.h"
#include "name.h"
#include "strview.h"

/* A document has at most 4096 piece lines of under 100 bytes, and the URLs. */
#define META4_MAX_DOC (1u << 20)

const char *meta4_base_url_check(const char *url)
{
    size_t n = strlen(url), skip;
    const char *auth;

    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return "not an http:// or https:// URL";
    if (n > META4_URL_MAX)
        return "longer than 2048 bytes";
    auth = url + skip;
    if (*auth == '\0' || *auth == '/')
        return "no host after the scheme";
    for (const char *p = url; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if (c <= 0x20 || c >= 0x7f)
            return "it holds a space, a control character or a non-ASCII byte "
                   "(percent-encode it)";
        if (c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`')
            return "it holds a quote, '<', '>' or a backslash (percent-encode it)";
        if (c == '?' || c == '#')
            return "a base URL has no query or fragment";
    }
    return NULL;
}

size_t meta4_stem_len(const char *base)
{
    size_t n = strlen(base), sl = strlen(META4_SUFFIX);

    if (n <= sl || memcmp(base + n - sl, META4_SUFFIX, sl) != 0)
        return 0;
    return n - sl;
}

/* Append S with the five XML special characters escaped. */
static int add_escaped(struct dynbuf *b, const char *s)
{
    int err = 0;

    while (*s != '\0' && err == 0) {
        size_t run = strcspn(s, "&<>\"'");
        const char *rep = NULL;

        err = dynbuf_add(b, s, run);
        s += run;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            continue; /* the end */
        }
        if (err == 0)
            err = dynbuf_add_str(b, rep);
        s++;
    }
    return err;
}

/* True when S holds U+FFFE or U+FFFF, which XML 1.0 has no place for. */
static bool has_xml_nonchar(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
            return true;
    return false;
}

static int add_fmt(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add_fmt(struct dynbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return -EINVAL;
    return dynbuf_add(b, tmp, (size_t)n);
}

/* One <url> element: BASE joined with the encoded path ENC. */
static int add_url(struct dynbuf *b, const struct meta4_url *u, const char *enc)
{
    size_t bl = strlen(u->base);
    int err;

    err = u->priority > 0 ? add_fmt(b, "    <url priority=\"%u\">", u->priority)
                          : dynbuf_add_str(b, "    <url>");
    if (err == 0)
        err = add_escaped(b, u->base);
    if (err == 0 && (bl == 0 || u->base[bl - 1] != '/'))
        err = dynbuf_add_str(b, "/");
    if (err == 0)
        err = add_escaped(b, enc);
    if (err == 0)
        err = dynbuf_add_str(b, "</url>\n");
    return err;
}

static int add_pieces(struct dynbuf *b, const struct pieces *p)
{
    char hex[SHA256_HEX_LEN + 1];
    int err = add_fmt(b, "    <pieces length=\"%" PRIu64 "\" type=\"sha-256\">\n", p->piece_size);

    for (size_t i = 0; i < p->n && err == 0; i++) {
        encode_hex(p->hash[i], SHA256_LEN, hex);
        err = add_fmt(b, "      <hash>%s</hash>\n", hex);
    }
    if (err == 0)
        err = dynbuf_add_str(b, "    </pieces>\n");
    return err;
}

char *meta4_render(const char *name, uint64_t size, const uint8_t sha256[SHA256_LEN],
                   const struct pieces *pieces, const struct meta4_url *urls, size_t nurls,
                   size_t *len)
{
    char hex[SHA256_HEX_LEN + 1];
    struct dynbuf b;
    char *enc = NULL;
    size_t need;
    int err;

    *len = 0;
    if (nurls == 0 || nurls > META4_MAX_URLS || has_xml_nonchar(name))
        return NULL;
    need = name_encode_url_path(name, NULL, 0) + 1;
    enc = malloc(need);
    if (enc == NULL)
        return NULL;
    name_encode_url_path(name, enc, need);
    dynbuf_init(&b, META4_MAX_DOC);
    encode_hex(sha256, SHA256_LEN, hex);
    err = dynbuf_add_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">\n"
                             "  <file name=\"");
    if (err == 0)
        err = add_escaped(&b, name);
    if (err == 0)
        err = add_fmt(&b,
                      "\">\n    <size>%" PRIu64 "</size>\n"
                      "    <hash type=\"sha-256\">%s</hash>\n",
                      size, hex);
    if (err == 0 && pieces != NULL && pieces->n > 0)
        err = add_pieces(&b, pieces);
    for (size_t i = 0; i < nurls && err == 0; i++)
        err = add_url(&b, &urls[i], enc);
    if (err == 0)
        err = dynbuf_add_str(&b, "  </file>\n</metalink>\n");
    free(enc);
    if (err != 0) {
        dynbuf_free(&b);
        return NULL;
    }
    return dynbuf_take(&b, len);
}

size_t meta4_file_headers(const char *name, const char *const *mirrors, size_t n, char *out,
                          size_t cap)
{
    static const char described[] = "Link: </%s.meta4>; rel=describedby; "
                                    "type=\"" META4_MEDIA_TYPE "\"\r\nVary: Accept\r\n";
    size_t need = name_encode_url_path(name, NULL, 0) + 1, len = 0, tail;
    char *enc;
    int w;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    enc = malloc(need);
    if (enc == NULL)
        return 0;
    name_encode_url_path(name, enc, need);
    /* The describedby line and Vary always go in: room for them first. */
    tail = sizeof(described) - 3 + strlen(enc);
    for (size_t i = 0; i < n && tail < cap; i++) {
        size_t bl = strlen(mirrors[i]);
        const char *sep = bl > 0 && mirrors[i][bl - 1] == '/' ? "" : "/";

        w = snprintf(out + len, cap - len, "Link: <%s%s%s>; rel=duplicate\r\n", mirrors[i], sep,
                     enc);
        if (w < 0 || (size_t)w >= cap - len - tail) {
            out[len] = '\0'; /* this one does not fit: the document lists them all */
            break;
        }
        len += (size_t)w;
    }
    w = snprintf(out + len, cap - len, described, enc);
    free(enc);
    if (w < 0 || (size_t)w >= cap - len) {
        out[0] = '\0';
        return 0;
    }
    return len + (size_t)w;
}

/*
 * A q value (RFC 9110 12.4.2: "0" or "1", or either with a point and up
 * to three digits, "1" only with zeros) in thousandths; 0 when malformed.
 */
static unsigned qvalue_milli(struct strview qv)
{
    unsigned v = 0, scale = 100;

    if (qv.len == 0 || (qv.p[0] != '0' && qv.p[0] != '1'))
        return 0;
    if (qv.len > 1 && (qv.p[1] != '.' || qv.len > 5))
        return 0;
    for (size_t i = 2; i < qv.len; i++, scale /= 10) {
        if (qv.p[i] < '0' || qv.p[i] > '9' || (qv.p[0] == '1' && qv.p[i] != '0'))
            return 0;
        v += (unsigned)(qv.p[i] - '0') * scale;
    }
    return qv.p[0] == '1' ? 1000 : v;
}

/* How closely media range R names TYPE (its parameters left out): 3 the same type, 2 its major
 * type with a star for the subtype, 1 the range of every type, 0 none. */
static int range_match(struct strview r, struct strview type)
{
    const char *slash = memchr(type.p, '/', type.len);
    size_t major = slash != NULL ? (size_t)(slash - type.p) : type.len;

    if (r.len == type.len && r.len > 0) {
        bool same = true;

        for (size_t i = 0; i < r.len && same; i++)
            same = strview_lower(r.p[i]) == strview_lower(type.p[i]);
        if (same)
            return 3;
    }
    if (r.len == major + 2 && r.p[major] == '/' && r.p[major + 1] == '*') {
        bool same = true;

        for (size_t i = 0; i < major && same; i++)
            same = strview_lower(r.p[i]) == strview_lower(type.p[i]);
        if (same)
            return 2;
    }
    return strview_eq(r, "*/*") ? 1 : 0;
}

/* The q (thousandths) VALUE gives TYPE: that of its most specific matching range, 0 with none. */
static unsigned accept_quality(struct strview value, struct strview type)
{
    struct strview list = value, elem;
    unsigned best_q = 0;
    int best = 0;

    while (strview_next_item(&list, &elem)) {
        const char *semi = memchr(elem.p, ';', elem.len);
        struct strview range =
            strview_trim(strview_make(elem.p, semi ? (size_t)(semi - elem.p) : elem.len));
        int m = range_match(range, type);
        unsigned q = 1000;

        while (semi != NULL) {
            const char *start = semi + 1, *end = elem.p + elem.len;
            struct strview param;

            semi = memchr(start, ';', (size_t)(end - start));
            param = strview_trim(strview_make(start, (size_t)((semi ? semi : end) - start)));
            if (param.len >= 2 && strview_lower(param.p[0]) == 'q' && param.p[1] == '=') {
                q = qvalue_milli(strview_make(param.p + 2, param.len - 2));
                break; /* what follows q is an accept-ext, not a media type parameter */
            }
        }
        if (m > best || (m == best && m > 0 && q > best_q)) {
            best = m;
            best_q = q;
        }
    }
    return best > 0 ? best_q : 0;
}

bool meta4_accept_prefers(const char *value, size_t len, const char *file_type)
{
    struct strview v = strview_make(value, len);
    const char *semi = strchr(file_type, ';');
    struct strview ft = strview_trim(
        strview_make(file_type, semi ? (size_t)(semi - file_type) : strlen(file_type)));

    return accept_quality(v, strview_from_cstr(META4_MEDIA_TYPE)) > accept_quality(v, ft);
}

/* Whether HOST (uri-host [":" port]) ends in ":" and digits after any "]" of an IPv6 literal. */
static bool host_has_port(struct strview host)
{
    size_t i = host.len;

    while (i > 0 && host.p[i - 1] >= '0' && host.p[i - 1] <= '9')
        i--;
    return i > 0 && i < host.len && host.p[i - 1] == ':' &&
           (host.p[0] != '[' || memchr(host.p, ']', i - 1) != NULL);
}

size_t meta4_self_url(struct strview host, const char *local_addr, char *out, size_t cap)
{
    const char *colon = strrchr(local_addr, ':');
    const char *port = colon != NULL ? colon + 1 : "80";
    int n;

    if (host.len > 0 && host.p[host.len - 1] == ':') /* an empty port: the scheme's */
        host.len--;
    if (host.len == 0)
        n = snprintf(out, cap, "http://%s", local_addr);
    else if (host_has_port(host) || strcmp(port, "80") == 0)
        n = snprintf(out, cap, "http://%.*s", (int)host.len, host.p);
    else
        n = snprintf(out, cap, "http://%.*s:%s", (int)host.len, host.p, port);
    if (n < 0 || (size_t)n >= cap || meta4_base_url_check(out) != NULL) {
        if (cap > 0)
            out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}
