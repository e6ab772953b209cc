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
