/*
 * client/mirror/metalink.c - Metalink 4 (RFC 5854) through expat. Pure.
 *
 * expat reports elements as "NAMESPACE<sep>LOCAL" (XML_ParserCreateNS),
 * so a prefix bound to the Metalink namespace and the default namespace
 * are the same thing, as XML Namespaces requires. The handlers keep a
 * small stack of what each open element is to this reader; everything
 * not on the path metalink > file > (size | hash | pieces > hash | url) is
 * skipped. The first error stops the parser and its message wins.
 */
#include "mirror/metalink.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "input.h"
#include "name.h"
#include "strparse.h"

/* Separates the namespace from the local name; never in either. */
#define NS_SEP '\n'

/* Open elements whose kind is remembered; deeper ones are all ELEM_OTHER. */
#define STACK_DEPTH 8

enum elem {
    ELEM_OTHER,      /* skipped, with everything in it */
    ELEM_METALINK,   /* the root */
    ELEM_FILE,       /* the chosen <file> */
    ELEM_SIZE,       /* its <size> */
    ELEM_HASH,       /* its <hash type="sha-256"> */
    ELEM_PIECES,     /* its <pieces type="sha-256"> */
    ELEM_PIECE_HASH, /* a <hash> in those pieces */
    ELEM_URL,        /* its <url> */
};

struct ml_ctx {
    XML_Parser xp;
    const char *want; /* borrowed; NULL: the first file */
    struct metalink *out;
    char *why;
    size_t whycap;
    int err; /* 0, -EINVAL or -ENOMEM: the first error */
    size_t depth;
    enum elem stack[STACK_DEPTH];
    bool has_file; /* a <file> was chosen */
    bool has_size;
    bool has_pieces; /* a sha-256 <pieces> was seen */
    size_t pieces_cap;
    unsigned url_priority; /* of the <url> being read */
    char url_location[3];
    char text[METALINK_MAX_TEXT]; /* of the element being read */
    size_t textlen;
};

/* Record the first error, with its message, and stop the parser. */
static void fail(struct ml_ctx *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct ml_ctx *c, int err, const char *fmt, ...)
{
    va_list ap;

    if (c->err != 0)
        return;
    c->err = err;
    if (c->whycap > 0) {
        va_start(ap, fmt);
        vsnprintf(c->why, c->whycap, fmt, ap);
        va_end(ap);
    }
    if (c->xp != NULL)
        XML_StopParser(c->xp, XML_FALSE);
}

static bool is_xml_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The element's text without the XML whitespace around it. */
static const char *trimmed_text(struct ml_ctx *c, size_t *len)
{
    size_t a = 0, b = c->textlen;

    while (a < b && is_xml_space(c->text[a]))
        a++;
    while (b > a && is_xml_space(c->text[b - 1]))
        b--;
    *len = b - a;
    return c->text + a;
}

/* Split expat's "NS\nLOCAL" (or "LOCAL") into its namespace and local name. */
static const char *split_name(const XML_Char *name, size_t *nslen)
{
    const char *sep = strrchr(name, NS_SEP);

    if (sep == NULL) {
        *nslen = 0;
        return name;
    }
    *nslen = (size_t)(sep - name);
    return sep + 1;
}

static bool ns_is(const char *name, size_t nslen, const char *ns)
{
    return nslen == strlen(ns) && memcmp(name, ns, nslen) == 0;
}

/* The value of the unqualified attribute ATTR, or NULL. */
static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static bool eq_ci(const char *s, const char *lit)
{
    return s != NULL && strview_eq_ci(strview_from_cstr(s), lit);
}

/* Parse a decimal attribute VALUE into *OUT (at most MAX); false when it is not one. */
static bool attr_number(const char *value, uint64_t max, uint64_t *out)
{
    struct strview v = strview_trim(strview_from_cstr(value));

    return strparse_u64(v.p, v.len, out) == STRPARSE_OK && *out <= max;
}

/* The root: <metalink> in the Metalink 4 namespace, nothing else. */
static enum elem start_root(struct ml_ctx *c, const char *name, size_t nslen, const char *local)
{
    if (ns_is(name, nslen, METALINK3_NS)) {
        fail(c, -EINVAL,
             "a Metalink 3 document (namespace " METALINK3_NS ") is not supported; "
             "only Metalink 4 (RFC 5854)");
        return ELEM_OTHER;
    }
    if (!ns_is(name, nslen, METALINK_NS) || strcmp(local, "metalink") != 0) {
        fail(c, -EINVAL,
             "not a Metalink 4 document: the root element is not <metalink> in "
             "namespace " METALINK_NS);
        return ELEM_OTHER;
    }
    return ELEM_METALINK;
}

/* A <file>: the chosen one (ELEM_FILE), or one to skip. */
static enum elem start_file(struct ml_ctx *c, const XML_Char **atts)
{
    const char *name = attr(atts, "name");
    enum name_result r;

    if (name == NULL) {
        fail(c, -EINVAL, "a <file> has no name attribute");
        return ELEM_OTHER;
    }
    if (c->want != NULL ? strcmp(name, c->want) != 0 : c->has_file)
        return ELEM_OTHER;
    if (c->has_file) {
        fail(c, -EINVAL, "two <file> elements are named \"%.200s\"", c->want);
        return ELEM_OTHER;
    }
    r = name_path_check(name, strlen(name));
    if (r != NAME_OK) {
        fail(c, -EINVAL, "the <file> name \"%.200s\" is not a safe relative path (%s)", name,
             name_strerror(r));
        return ELEM_OTHER;
    }
    c->out->name = strdup(name);
    if (c->out->name == NULL) {
        fail(c, -ENOMEM, "out of memory");
        return ELEM_OTHER;
    }
    c->has_file = true;
    return ELEM_FILE;
}

/* A <pieces> of the chosen file. */
static enum elem start_pieces(struct ml_ctx *c, const XML_Char **atts)
{
    const char *len = attr(atts, "length");
    uint64_t n;

    if (!eq_ci(attr(atts, "type"), "sha-256"))
        return ELEM_OTHER;
    if (c->has_pieces) {
        fail(c, -EINVAL, "the <file> has two sha-256 <pieces>");
        return ELEM_OTHER;
    }
    if (len == NULL || !attr_number(len, INT64_MAX, &n) || n == 0) {
        fail(c, -EINVAL, "the <pieces> length is not a number of bytes above 0");
        return ELEM_OTHER;
    }
    c->has_pieces = true;
    c->out->piece_len = n;
    return ELEM_PIECES;
}

/* A <url> of the chosen file: remember its attributes until its text ends. */
static enum elem start_url(struct ml_ctx *c, const XML_Char **atts)
{
    const char *prio = attr(atts, "priority");
    const char *loc = attr(atts, "location");
    uint64_t n;

    c->url_priority = METALINK_PRIORITY_NONE;
    if (prio != NULL && attr_number(prio, METALINK_PRIORITY_MAX, &n) && n >= 1)
        c->url_priority = (unsigned)n;
    c->url_location[0] = '\0';
    if (loc != NULL && strlen(loc) == 2 && ((loc[0] | 0x20) >= 'a' && (loc[0] | 0x20) <= 'z') &&
        ((loc[1] | 0x20) >= 'a' && (loc[1] | 0x20) <= 'z')) {
        c->url_location[0] = (char)(loc[0] | 0x20);
        c->url_location[1] = (char)(loc[1] | 0x20);
        c->url_location[2] = '\0';
    }
    return ELEM_URL;
}

/* What a Metalink-namespace element LOCAL under PARENT is to this reader. */
static enum elem classify(struct ml_ctx *c, enum elem parent, const char *local,
                          const XML_Char **atts)
{
    if (parent == ELEM_METALINK && strcmp(local, "file") == 0)
        return start_file(c, atts);
    if (parent == ELEM_PIECES && strcmp(local, "hash") == 0)
        return ELEM_PIECE_HASH;
    if (parent != ELEM_FILE)
        return ELEM_OTHER;
    if (strcmp(local, "size") == 0)
        return ELEM_SIZE;
    if (strcmp(local, "hash") == 0)
        return eq_ci(attr(atts, "type"), "sha-256") ? ELEM_HASH : ELEM_OTHER;
    if (strcmp(local, "pieces") == 0)
        return start_pieces(c, atts);
    if (strcmp(local, "url") == 0)
        return start_url(c, atts);
    return ELEM_OTHER;
}

/* The elements whose text is read (none of them has such an element inside). */
static bool is_text_elem(enum elem kind)
{
    return kind == ELEM_SIZE || kind == ELEM_HASH || kind == ELEM_PIECE_HASH || kind == ELEM_URL;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct ml_ctx *c = ud;
    enum elem parent =
        c->depth > 0 && c->depth <= STACK_DEPTH ? c->stack[c->depth - 1] : ELEM_OTHER;
    enum elem kind = ELEM_OTHER;
    size_t nslen;
    const char *local = split_name(name, &nslen);

    if (c->err != 0)
        return;
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strlen(atts[i + 1]) > METALINK_MAX_ATTR) {
            fail(c, -EINVAL, "an attribute value is longer than %u bytes", METALINK_MAX_ATTR);
            return;
        }
    if (c->depth == 0)
        kind = start_root(c, name, nslen, local);
    else if (parent != ELEM_OTHER && ns_is(name, nslen, METALINK_NS))
        kind = classify(c, parent, local, atts);
    if (c->depth < STACK_DEPTH)
        c->stack[c->depth] = kind;
    c->depth++;
    if (is_text_elem(kind))
        c->textlen = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct ml_ctx *c = ud;
    enum elem kind;

    if (c->err != 0 || c->depth == 0 || c->depth > STACK_DEPTH || len <= 0)
        return;
    kind = c->stack[c->depth - 1];
    if (!is_text_elem(kind))
        return;
    if ((size_t)len > sizeof(c->text) - c->textlen) {
        fail(c, -EINVAL, "the text of an element is longer than %u bytes", METALINK_MAX_TEXT);
        return;
    }
    memcpy(c->text + c->textlen, s, (size_t)len);
    c->textlen += (size_t)len;
}

static void end_size(struct ml_ctx *c)
{
    size_t len;
    const char *t = trimmed_text(c, &len);
    uint64_t n;
    enum strparse_result r;

    if (c->has_size) {
        fail(c, -EINVAL, "the <file> has two <size> elements");
        return;
    }
    r = strparse_u64(t, len, &n);
    if (r == STRPARSE_OVERFLOW || (r == STRPARSE_OK && n > INT64_MAX)) {
        fail(c, -EINVAL, "the <size> is too large");
        return;
    }
    if (r != STRPARSE_OK) {
        fail(c, -EINVAL, "the <size> is not a number of bytes");
        return;
    }
    c->has_size = true;
    c->out->size = n;
}

static void end_hash(struct ml_ctx *c)
{
    size_t len;
    const char *t = trimmed_text(c, &len);
    uint8_t h[SHA256_LEN];

    if (!decode_hex(t, len, h, SHA256_LEN)) {
        fail(c, -EINVAL, "the sha-256 <hash> is not 64 hex digits");
        return;
    }
    if (c->out->has_sha256 && memcmp(h, c->out->sha256, SHA256_LEN) != 0) {
        fail(c, -EINVAL, "the <file> has two different sha-256 hashes");
        return;
    }
    memcpy(c->out->sha256, h, SHA256_LEN);
    c->out->has_sha256 = true;
}

static void end_piece_hash(struct ml_ctx *c)
{
    struct metalink *m = c->out;
    size_t len;
    const char *t = trimmed_text(c, &len);

    if (m->npieces >= METALINK_MAX_PIECES) {
        fail(c, -EINVAL, "the <pieces> list more than %u hashes", METALINK_MAX_PIECES);
        return;
    }
    if (m->npieces == c->pieces_cap) {
        size_t cap = c->pieces_cap ? c->pieces_cap * 2 : 64;
        void *p = realloc(m->pieces, cap * SHA256_LEN);

        if (p == NULL) {
            fail(c, -ENOMEM, "out of memory");
            return;
        }
        m->pieces = p;
        c->pieces_cap = cap;
    }
    if (!decode_hex(t, len, m->pieces[m->npieces], SHA256_LEN)) {
        fail(c, -EINVAL, "piece hash %zu is not 64 hex digits", m->npieces);
        return;
    }
    m->npieces++;
}

/* Keep the URL just read, unless it is unusable, a duplicate or past the cap. */
static void end_url(struct ml_ctx *c)
{
    struct metalink *m = c->out;
    struct metalink_url *u;
    size_t len;
    const char *t = trimmed_text(c, &len);

    if (len > METALINK_MAX_URL_LEN || !input_url_ok(t, len) || memchr(t, '\0', len) != NULL ||
        m->nurls == METALINK_MAX_URLS) {
        m->nurls_ignored++;
        return;
    }
    for (size_t i = 0; i < m->nurls; i++)
        if (strlen(m->urls[i].url) == len && memcmp(m->urls[i].url, t, len) == 0) {
            m->nurls_ignored++;
            return;
        }
    if (m->urls == NULL) {
        m->urls = calloc(METALINK_MAX_URLS, sizeof(*m->urls));
        if (m->urls == NULL) {
            fail(c, -ENOMEM, "out of memory");
            return;
        }
    }
    u = &m->urls[m->nurls];
    u->url = strndup(t, len);
    if (u->url == NULL) {
        fail(c, -ENOMEM, "out of memory");
        return;
    }
    u->priority = c->url_priority;
    memcpy(u->location, c->url_location, sizeof(u->location));
    m->nurls++;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct ml_ctx *c = ud;
    enum elem kind;

    (void)name;
    if (c->err != 0 || c->depth == 0)
        return;
    c->depth--;
    kind = c->depth < STACK_DEPTH ? c->stack[c->depth] : ELEM_OTHER;
    if (kind == ELEM_SIZE)
        end_size(c);
    else if (kind == ELEM_HASH)
        end_hash(c);
    else if (kind == ELEM_PIECE_HASH)
        end_piece_hash(c);
    else if (kind == ELEM_URL)
        end_url(c);
    c->textlen = 0;
}

/* No DOCTYPE: no entity can be declared, so none is expanded or fetched. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail(ud, -EINVAL, "the document has a DOCTYPE (refused: a Metalink needs no DTD or entities)");
}

/* Belt and braces: an entity declaration outside a DOCTYPE cannot parse anyway. */
static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    fail(ud, -EINVAL, "the document declares an entity (refused)");
}

/* Stable insertion sort by priority: at most METALINK_MAX_URLS entries. */
static void sort_urls(struct metalink *m)
{
    for (size_t i = 1; i < m->nurls; i++) {
        struct metalink_url u = m->urls[i];
        size_t j = i;

        while (j > 0 && m->urls[j - 1].priority > u.priority) {
            m->urls[j] = m->urls[j - 1];
            j--;
        }
        m->urls[j] = u;
    }
}

/* The checks that need the whole chosen <file>. */
static void check_file(struct ml_ctx *c)
{
    struct metalink *m = c->out;

    if (!c->has_file) {
        if (c->want != NULL)
            fail(c, -EINVAL, "the Metalink has no <file> named \"%.200s\"", c->want);
        else
            fail(c, -EINVAL, "the Metalink has no <file>");
        return;
    }
    if (!c->has_size) {
        fail(c, -EINVAL, "the <file> has no <size>");
        return;
    }
    if (c->has_pieces) {
        uint64_t want = m->size / m->piece_len + (m->size % m->piece_len != 0);

        if (want != m->npieces) {
            fail(c, -EINVAL,
                 "the <pieces> list %zu hashes of %llu bytes, but a file of %llu bytes has "
                 "%llu pieces",
                 m->npieces, (unsigned long long)m->piece_len, (unsigned long long)m->size,
                 (unsigned long long)want);
            return;
        }
    }
    if (m->nurls == 0) {
        fail(c, -EINVAL, "the <file> has no http:// or https:// <url> (%zu ignored)",
             m->nurls_ignored);
        return;
    }
    sort_urls(m);
}

/* Run expat over the document; errors go to C. */
static void run_parser(struct ml_ctx *c, const char *buf, size_t len)
{
    c->xp = XML_ParserCreateNS(NULL, NS_SEP);
    if (c->xp == NULL) {
        fail(c, -ENOMEM, "out of memory");
        return;
    }
    XML_SetUserData(c->xp, c);
    XML_SetElementHandler(c->xp, on_start, on_end);
    XML_SetCharacterDataHandler(c->xp, on_text);
    XML_SetStartDoctypeDeclHandler(c->xp, on_doctype);
    XML_SetEntityDeclHandler(c->xp, on_entity);
    XML_SetParamEntityParsing(c->xp, XML_PARAM_ENTITY_PARSING_NEVER);
    if (XML_Parse(c->xp, buf, (int)len, XML_TRUE) == XML_STATUS_ERROR && c->err == 0) {
        enum XML_Error e = XML_GetErrorCode(c->xp);

        if (e == XML_ERROR_NO_MEMORY)
            fail(c, -ENOMEM, "out of memory");
        else
            fail(c, -EINVAL, "not well-formed XML (line %lu, column %lu: %s)",
                 (unsigned long)XML_GetCurrentLineNumber(c->xp),
                 (unsigned long)XML_GetCurrentColumnNumber(c->xp) + 1, XML_ErrorString(e));
    }
    XML_ParserFree(c->xp);
    c->xp = NULL;
}

int metalink_parse(const char *buf, size_t len, const char *want_name, struct metalink *out,
                   char *why, size_t whycap)
{
    struct ml_ctx *c;
    int err;

    memset(out, 0, sizeof(*out));
    if (whycap > 0)
        why[0] = '\0';
    /* The context holds the text buffer: on the heap, not the caller's stack. */
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        if (whycap > 0)
            snprintf(why, whycap, "out of memory");
        return -ENOMEM;
    }
    c->want = want_name;
    c->out = out;
    c->why = why;
    c->whycap = whycap;
    if (len > METALINK_MAX_DOC)
        fail(c, -EINVAL, "the document is larger than %u bytes", METALINK_MAX_DOC);
    else
        run_parser(c, buf, len);
    if (c->err == 0)
        check_file(c);
    err = c->err;
    free(c);
    if (err != 0)
        metalink_free(out);
    return err;
}

void metalink_free(struct metalink *m)
{
    if (m == NULL)
        return;
    free(m->name);
    free(m->pieces);
    for (size_t i = 0; i < m->nurls; i++)
        free(m->urls[i].url);
    free(m->urls);
    memset(m, 0, sizeof(*m));
}
