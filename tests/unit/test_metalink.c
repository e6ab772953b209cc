/*
 * tests/unit/test_metalink.c - client/mirror/metalink.c: Metalink 4
 * documents read into one file's name, size, hashes, pieces and URLs, and
 * the documents refused, each with the message a user would see.
 *
 * Every document is handed over in a malloc'd copy of exactly its length
 * (no NUL after it), so a read past the end is an ASan report.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/mirror/metalink.h"
#include "common/encode.h"
#include "tests/unit/tally.h"

#define XMLDECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define ROOT    "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">"
#define HEAD    XMLDECL ROOT
#define TAIL    "</metalink>"
#define HEX_LO  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX_UP  "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define HEX_A   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define HEX_63  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
#define HEX_NX  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"

/* A file element with a size and one URL, for rows about other things. */
#define FILE_OK(name) "<file name=\"" name "\"><size>10</size><url>http://h/" name "</url></file>"

/* A malloc'd copy of exactly LEN bytes. */
static char *copy_exact(const char *s, size_t len)
{
    char *p = malloc(len > 0 ? len : 1);

    assert_non_null(p);
    memcpy(p, s, len);
    return p;
}

static int parse(const char *doc, const char *want, struct metalink *m, char *why, size_t cap)
{
    size_t len = strlen(doc);
    char *buf = copy_exact(doc, len);
    int r = metalink_parse(buf, len, want, m, why, cap);

    free(buf);
    return r;
}

struct good_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *doc;
    const char *want; /* the file asked for, or NULL */
    const char *name;
    uint64_t size;
    const char *sha256; /* hex, or NULL: no whole-file hash */
    uint64_t piece_len;
    size_t npieces;
    const char *first_piece, *last_piece; /* hex, when npieces > 0 */
    const char *urls[4];                  /* in the order kept; NULL ends */
    unsigned prio[4];
    const char *loc[4];
    size_t ignored;
};

static const struct good_case good_cases[] = {
    {"a file with a size and one URL is read",
     HEAD "<file name=\"a.iso\"><size>10</size><url>http://h/a.iso</url></file>" TAIL,
     NULL,
     "a.iso",
     10,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a.iso"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"hash, pieces and prioritised URLs are read, URLs best first",
     HEAD "<file name=\"iso/d.iso\"><size>10</size><hash type=\"sha-256\">" HEX_LO "</hash>"
          "<pieces length=\"4\" type=\"sha-256\"><hash>" HEX_A "</hash><hash>" HEX_B
          "</hash><hash>" HEX_C "</hash></pieces>"
          "<url priority=\"2\" location=\"de\">https://b/d.iso</url>"
          "<url priority=\"1\" location=\"US\">https://a/d.iso</url>"
          "<url>http://c/d.iso</url><url priority=\"2\">http://d/d.iso</url></file>" TAIL,
     NULL,
     "iso/d.iso",
     10,
     HEX_LO,
     4,
     3,
     HEX_A,
     HEX_C,
     {"https://a/d.iso", "https://b/d.iso", "http://d/d.iso", "http://c/d.iso"},
     {1, 2, 2, METALINK_PRIORITY_NONE},
     {"us", "de", "", ""},
     0},
    {"uppercase hex and the hash type in any case are accepted",
     HEAD "<file name=\"a\"><size>8</size><hash type=\"SHA-256\">" HEX_UP "</hash>"
          "<pieces length=\"4\" type=\"Sha-256\"><hash>" HEX_UP "</hash><hash>" HEX_A
          "</hash></pieces><url>http://h/a</url></file>" TAIL,
     NULL,
     "a",
     8,
     HEX_LO,
     4,
     2,
     HEX_LO,
     HEX_A,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"whitespace around text (spaces, TABs, CR, LF) is trimmed",
     HEAD "\n  <file name=\"a\">\n    <size>\n\t 10 \r\n</size>\n"
          "    <hash type=\"sha-256\">\n  " HEX_LO "\n  </hash>\n"
          "    <url priority=\" 3 \">\n   http://h/a  \n</url>\n  </file>\n" TAIL "\n",
     NULL,
     "a",
     10,
     HEX_LO,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {3},
     {""},
     0},
    {"CDATA sections are text like any other",
     HEAD "<file name=\"a\"><size><![CDATA[10]]></size><hash type=\"sha-256\"><![CDATA[" HEX_LO
          "]]></hash><url><![CDATA[http://h/a?x=1&y=2]]></url></file>" TAIL,
     NULL,
     "a",
     10,
     HEX_LO,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a?x=1&y=2"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"character references in a URL are decoded",
     HEAD "<file name=\"a\"><size>1</size><url>http://h/a?x=1&amp;y=&#50;</url></file>" TAIL,
     NULL,
     "a",
     1,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a?x=1&y=2"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"without a name asked for, the first of several files is read",
     HEAD FILE_OK("one") "<file name=\"two\"><size>20</size><url>http://h/two</url></file>" TAIL,
     NULL,
     "one",
     10,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/one"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"the file asked for is found among several, others' errors unseen",
     HEAD FILE_OK("one") "<file name=\"two\"><size>20</size><url>http://h/two</url></file>"
                         "<file name=\"../bad\"><size>x</size></file>" TAIL,
     "two",
     "two",
     20,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/two"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"a prefix bound to the Metalink namespace works like the default",
     XMLDECL "<ml:metalink xmlns:ml=\"urn:ietf:params:xml:ns:metalink\"><ml:file name=\"a\">"
             "<ml:size>5</ml:size><ml:url>http://h/a</ml:url></ml:file></ml:metalink>",
     NULL,
     "a",
     5,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"ftp URLs, torrents and URLs without a host are ignored and counted",
     HEAD "<file name=\"a\"><size>5</size><url>ftp://h/a</url>"
          "<metaurl mediatype=\"torrent\">http://h/a.torrent</metaurl>"
          "<url>http:///a</url><url>http://h/a b</url><url>https://h/a</url></file>" TAIL,
     NULL,
     "a",
     5,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"https://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     3},
    {"duplicate URLs are kept once, with the first one's attributes",
     HEAD "<file name=\"a\"><size>5</size><url priority=\"7\">http://h/a</url>"
          "<url priority=\"1\">http://h/a</url><url> http://h/a </url></file>" TAIL,
     NULL,
     "a",
     5,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {7},
     {""},
     2},
    {"other hash types, sha-1 pieces and a hash without a type are ignored",
     HEAD "<file name=\"a\"><size>5</size><hash type=\"md5\">not hex at all</hash>"
          "<hash>zz</hash><pieces length=\"1\" type=\"sha-1\"><hash>nope</hash></pieces>"
          "<url>http://h/a</url></file>" TAIL,
     NULL,
     "a",
     5,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"unknown elements, other namespaces and what they hold are skipped",
     HEAD "<generator>aria2/1.36</generator><file name=\"a\"><description>x</description>"
          "<x:mirrors xmlns:x=\"urn:other\"><url>http://evil/a</url></x:mirrors>"
          "<x:url xmlns:x=\"urn:other\">http://evil/b</x:url>"
          "<size>5</size><url>http://h/a</url><!-- a comment --><?pi x?></file>" TAIL,
     NULL,
     "a",
     5,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"priorities out of 1..999999 or not numbers count as none; bad locations are dropped",
     HEAD "<file name=\"a\"><size>5</size><url priority=\"0\" location=\"deu\">http://h/0</url>"
          "<url priority=\"1000000\" location=\"d\">http://h/1</url>"
          "<url priority=\"x\" location=\"1e\">http://h/2</url>"
          "<url priority=\"999999\" location=\"Fr\">http://h/3</url></file>" TAIL,
     NULL,
     "a",
     5,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/0", "http://h/1", "http://h/2", "http://h/3"},
     {METALINK_PRIORITY_NONE, METALINK_PRIORITY_NONE, METALINK_PRIORITY_NONE, 999999},
     {"", "", "", "fr"},
     0},
    {"a size that is a multiple of the piece length has exactly size/length pieces",
     HEAD "<file name=\"a\"><size>8</size><pieces length=\"4\" type=\"sha-256\"><hash>" HEX_A
          "</hash><hash>" HEX_B "</hash></pieces><url>http://h/a</url></file>" TAIL,
     NULL,
     "a",
     8,
     NULL,
     4,
     2,
     HEX_A,
     HEX_B,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"a piece longer than the file makes one piece",
     HEAD "<file name=\"a\"><size>3</size><pieces length=\"1048576\" type=\"sha-256\"><hash>" HEX_A
          "</hash></pieces><url>http://h/a</url></file>" TAIL,
     NULL,
     "a",
     3,
     NULL,
     1048576,
     1,
     HEX_A,
     HEX_A,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"an empty file with an empty piece list is consistent",
     HEAD "<file name=\"a\"><size>0</size><pieces length=\"4\" type=\"sha-256\"></pieces>"
          "<url>http://h/a</url></file>" TAIL,
     NULL,
     "a",
     0,
     NULL,
     4,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"the largest size, INT64_MAX, is accepted",
     HEAD "<file name=\"a\"><size>9223372036854775807</size><url>http://h/a</url></file>" TAIL,
     NULL,
     "a",
     INT64_MAX,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"the same sha-256 twice is fine",
     HEAD "<file name=\"a\"><size>1</size><hash type=\"sha-256\">" HEX_LO "</hash>"
          "<hash type=\"sha-256\">" HEX_UP "</hash><url>http://h/a</url></file>" TAIL,
     NULL,
     "a",
     1,
     HEX_LO,
     0,
     0,
     NULL,
     NULL,
     {"http://h/a"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
    {"a name with spaces and UTF-8 is a valid path",
     HEAD
     "<file name=\"dir/caf\xc3\xa9 au lait.txt\"><size>1</size><url>http://h/x</url></file>" TAIL,
     NULL,
     "dir/caf\xc3\xa9 au lait.txt",
     1,
     NULL,
     0,
     0,
     NULL,
     NULL,
     {"http://h/x"},
     {METALINK_PRIORITY_NONE},
     {""},
     0},
};

static bool hex_is(const uint8_t *got, const char *hex)
{
    uint8_t want[SHA256_LEN];

    return hex != NULL && decode_hex(hex, strlen(hex), want, SHA256_LEN) &&
           memcmp(got, want, SHA256_LEN) == 0;
}

/* Compare *M with the row; report the first difference into T. */
static void check_good(struct tally *t, const struct good_case *c, const struct metalink *m)
{
    size_t n = 0;

    while (n < 4 && c->urls[n] != NULL)
        n++;
    if (strcmp(m->name, c->name) != 0 || m->size != c->size)
        row_fail(t, c->what, "name \"%s\" size %" PRIu64, m->name, m->size);
    else if (m->has_sha256 != (c->sha256 != NULL) ||
             (c->sha256 != NULL && !hex_is(m->sha256, c->sha256)))
        row_fail(t, c->what, "whole-file hash differs (has %d)", m->has_sha256);
    else if (m->piece_len != c->piece_len || m->npieces != c->npieces ||
             (m->npieces == 0) != (m->pieces == NULL))
        row_fail(t, c->what, "pieces %zu of %" PRIu64, m->npieces, m->piece_len);
    else if (c->npieces > 0 && (!hex_is(m->pieces[0], c->first_piece) ||
                                !hex_is(m->pieces[m->npieces - 1], c->last_piece)))
        row_fail(t, c->what, "piece hashes differ");
    else if (m->nurls != n || m->nurls_ignored != c->ignored)
        row_fail(t, c->what, "%zu urls, %zu ignored", m->nurls, m->nurls_ignored);
    else
        for (size_t i = 0; i < n; i++)
            if (strcmp(m->urls[i].url, c->urls[i]) != 0 || m->urls[i].priority != c->prio[i] ||
                strcmp(m->urls[i].location, c->loc[i]) != 0) {
                row_fail(t, c->what, "url %zu is \"%s\" priority %u location \"%s\"", i,
                         m->urls[i].url, m->urls[i].priority, m->urls[i].location);
                break;
            }
}

static void test_metalink_good(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(good_cases); i++) {
        const struct good_case *c = &good_cases[i];
        struct metalink m;
        char why[256] = "unset";
        int r;

        r = parse(c->doc, c->want, &m, why, sizeof(why));
        if (r != 0) {
            row_fail(&t, c->what, "refused (%d): %s", r, why);
            continue;
        }
        if (why[0] != '\0')
            row_fail(&t, c->what, "why is \"%s\" on success", why);
        check_good(&t, c, &m);
        metalink_free(&m);
        metalink_free(&m); /* a freed (zeroed) result can be freed again */
    }
    tally_end(&t, NROWS(good_cases));
}

struct bad_case {
    const char *what;
    const char *doc;
    const char *want;
    int rc;
    const char *why; /* a part of the expected message */
};

static const struct bad_case bad_cases[] = {
    {"another namespace is not Metalink 4",
     XMLDECL "<metalink xmlns=\"urn:wrong\">" FILE_OK("a") TAIL, NULL, -EINVAL,
     "not a Metalink 4 document"},
    {"no namespace at all is not Metalink 4", XMLDECL "<metalink>" FILE_OK("a") TAIL, NULL, -EINVAL,
     "not a Metalink 4 document"},
    {"another root element is not Metalink 4",
     XMLDECL "<files xmlns=\"urn:ietf:params:xml:ns:metalink\">" FILE_OK("a") "</files>", NULL,
     -EINVAL, "root element is not <metalink>"},
    {"a Metalink 3 document is refused by name",
     XMLDECL "<metalink version=\"3.0\" xmlns=\"http://www.metalinker.org/\"><files>"
             "<file name=\"a\"><size>1</size><resources><url type=\"http\">http://h/a</url>"
             "</resources></file></files></metalink>",
     NULL, -EINVAL,
     "a Metalink 3 document (namespace http://www.metalinker.org/) is not supported"},
    {"a DOCTYPE declaring an entity is refused",
     XMLDECL "<!DOCTYPE metalink [<!ENTITY x \"http://h/a\">]>" ROOT
             "<file name=\"a\"><size>1</size><url>&x;</url></file>" TAIL,
     NULL, -EINVAL, "DOCTYPE"},
    {"a DOCTYPE naming an external DTD is refused before anything is fetched",
     XMLDECL "<!DOCTYPE metalink SYSTEM \"http://127.0.0.1:1/x.dtd\">" ROOT FILE_OK("a") TAIL, NULL,
     -EINVAL, "DOCTYPE"},
    {"an external entity is refused",
     XMLDECL "<!DOCTYPE m [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" ROOT
             "<file name=\"a\"><size>1</size><url>http://h/&e;</url></file>" TAIL,
     NULL, -EINVAL, "DOCTYPE"},
    {"a billion laughs is refused at its DOCTYPE",
     XMLDECL "<!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
             "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>" ROOT
             "<file name=\"a\"><size>1</size><url>http://h/&c;</url></file>" TAIL,
     NULL, -EINVAL, "DOCTYPE"},
    {"an undeclared entity is not well-formed XML",
     HEAD "<file name=\"a\"><size>1</size><url>http://h/&x;</url></file>" TAIL, NULL, -EINVAL,
     "not well-formed XML"},
    {"a file without a size is refused", HEAD "<file name=\"a\"><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the <file> has no <size>"},
    {"a size with letters is not a number",
     HEAD "<file name=\"a\"><size>12a</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "the <size> is not a number of bytes"},
    {"an empty size is not a number",
     HEAD "<file name=\"a\"><size/><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "the <size> is not a number of bytes"},
    {"a negative size is not a number",
     HEAD "<file name=\"a\"><size>-1</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "the <size> is not a number of bytes"},
    {"a size with a space inside is not a number",
     HEAD "<file name=\"a\"><size>1 0</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "the <size> is not a number of bytes"},
    {"a size past 2^64 is too large",
     HEAD "<file name=\"a\"><size>99999999999999999999</size><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the <size> is too large"},
    {"a size of INT64_MAX + 1 is too large",
     HEAD "<file name=\"a\"><size>9223372036854775808</size><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the <size> is too large"},
    {"two sizes are refused",
     HEAD "<file name=\"a\"><size>1</size><size>1</size><url>http://h/a</url></file>" TAIL, NULL,
     -EINVAL, "two <size>"},
    {"too few piece hashes for the size are refused",
     HEAD "<file name=\"a\"><size>10</size><pieces length=\"4\" type=\"sha-256\"><hash>" HEX_A
          "</hash><hash>" HEX_B "</hash></pieces><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the <pieces> list 2 hashes of 4 bytes, but a file of 10 bytes has 3 pieces"},
    {"too many piece hashes for the size are refused",
     HEAD "<file name=\"a\"><size>4</size><pieces length=\"4\" type=\"sha-256\"><hash>" HEX_A
          "</hash><hash>" HEX_B "</hash></pieces><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "but a file of 4 bytes has 1 pieces"},
    {"a piece length of 0 is refused",
     HEAD "<file name=\"a\"><size>4</size><pieces length=\"0\" type=\"sha-256\"></pieces>"
          "<url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the <pieces> length is not a number of bytes above 0"},
    {"pieces without a length are refused",
     HEAD "<file name=\"a\"><size>4</size><pieces type=\"sha-256\"></pieces>"
          "<url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the <pieces> length is not"},
    {"two sha-256 piece lists are refused",
     HEAD "<file name=\"a\"><size>0</size><pieces length=\"4\" type=\"sha-256\"></pieces>"
          "<pieces length=\"8\" type=\"sha-256\"></pieces><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "two sha-256 <pieces>"},
    {"a whole-file hash with a non-hex digit is refused",
     HEAD "<file name=\"a\"><size>1</size><hash type=\"sha-256\">" HEX_NX
          "</hash><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the sha-256 <hash> is not 64 hex digits"},
    {"a whole-file hash of 63 digits is refused",
     HEAD "<file name=\"a\"><size>1</size><hash type=\"sha-256\">" HEX_63
          "</hash><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "the sha-256 <hash> is not 64 hex digits"},
    {"two different whole-file hashes are refused",
     HEAD "<file name=\"a\"><size>1</size><hash type=\"sha-256\">" HEX_A
          "</hash><hash type=\"sha-256\">" HEX_B "</hash><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "two different sha-256 hashes"},
    {"a piece hash that is not hex is refused, by its index",
     HEAD "<file name=\"a\"><size>8</size><pieces length=\"4\" type=\"sha-256\"><hash>" HEX_A
          "</hash><hash>" HEX_NX "</hash></pieces><url>http://h/a</url></file>" TAIL,
     NULL, -EINVAL, "piece hash 1 is not 64 hex digits"},
    {"a name going up with .. is refused",
     HEAD "<file name=\"../x\"><size>1</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "the <file> name \"../x\" is not a safe relative path"},
    {"a name with .. inside is refused",
     HEAD "<file name=\"a/../../x\"><size>1</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "is not a safe relative path"},
    {"an absolute name is refused",
     HEAD "<file name=\"/etc/passwd\"><size>1</size><url>http://h/a</url></file>" TAIL, NULL,
     -EINVAL, "is not a safe relative path"},
    {"a hidden name is refused",
     HEAD "<file name=\".bashrc\"><size>1</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "is not a safe relative path"},
    {"a name with a control character (by reference) is refused",
     HEAD "<file name=\"a&#9;b\"><size>1</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "is not a safe relative path"},
    {"a file without a name is refused",
     HEAD "<file><size>1</size><url>http://h/a</url></file>" TAIL, NULL, -EINVAL,
     "a <file> has no name attribute"},
    {"a file with only an ftp URL has no usable URL",
     HEAD "<file name=\"a\"><size>1</size><url>ftp://h/a</url></file>" TAIL, NULL, -EINVAL,
     "no http:// or https:// <url> (1 ignored)"},
    {"a file with no URL at all is refused", HEAD "<file name=\"a\"><size>1</size></file>" TAIL,
     NULL, -EINVAL, "no http:// or https:// <url> (0 ignored)"},
    {"truncated XML is not well-formed", HEAD "<file name=\"a\"><size>1</size><url>http://h/a",
     NULL, -EINVAL, "not well-formed XML"},
    {"XML cut inside a tag is not well-formed", HEAD "<file name=\"a", NULL, -EINVAL,
     "not well-formed XML"},
    {"an empty document is not well-formed", "", NULL, -EINVAL, "not well-formed XML"},
    {"junk after the root is not well-formed", HEAD FILE_OK("a") TAIL "<x/>", NULL, -EINVAL,
     "not well-formed XML"},
    {"a document with no file is refused", HEAD TAIL, NULL, -EINVAL, "the Metalink has no <file>"},
    {"a file name not in the document is refused", HEAD FILE_OK("a") TAIL, "b", -EINVAL,
     "the Metalink has no <file> named \"b\""},
    {"two files with the name asked for are refused", HEAD FILE_OK("a") FILE_OK("a") TAIL, "a",
     -EINVAL, "two <file> elements are named \"a\""},
    {"a file outside <metalink>'s own children is not read",
     HEAD "<x><file name=\"a\"><size>1</size><url>http://h/a</url></file></x>" TAIL, NULL, -EINVAL,
     "the Metalink has no <file>"},
};

static void test_metalink_bad(void **state)
{
    struct tally t = {0, NULL};
    struct metalink zero;

    (void)state;
    memset(&zero, 0, sizeof(zero));
    for (size_t i = 0; i < NROWS(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct metalink m;
        char why[256] = "";
        int r;

        memset(&m, 0x5a, sizeof(m)); /* parse must zero it */
        r = parse(c->doc, c->want, &m, why, sizeof(why));
        if (r != c->rc || strstr(why, c->why) == NULL)
            row_fail(&t, c->what, "gave %d \"%s\", want %d \"...%s...\"", r, why, c->rc, c->why);
        else if (memcmp(&m, &zero, sizeof(m)) != 0)
            row_fail(&t, c->what, "the result is not zeroed on error");
        if (r == 0)
            metalink_free(&m);
    }
    tally_end(&t, NROWS(bad_cases));
}

/* A growable string for the documents built below. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_rep(struct sbuf *b, char ch, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_add(b, &ch, 1);
}

/* Attribute values, element text and URLs each have a bound, right at it. */
static void test_metalink_bounds(void **state)
{
    struct sbuf b = {NULL, 0, 0};
    struct metalink m;
    char why[256];

    (void)state;
    /* An attribute value of METALINK_MAX_ATTR bytes passes; one more is refused. */
    sb_str(&b, HEAD "<file name=\"a\" x=\"");
    sb_rep(&b, 'v', METALINK_MAX_ATTR);
    sb_str(&b, "\"><size>1</size><url>http://h/a</url></file>" TAIL);
    assert_int_equal(parse(b.p, NULL, &m, why, sizeof(why)), 0);
    metalink_free(&m);
    b.len = 0;
    sb_str(&b, HEAD "<file name=\"a\" x=\"");
    sb_rep(&b, 'v', METALINK_MAX_ATTR + 1);
    sb_str(&b, "\"><size>1</size><url>http://h/a</url></file>" TAIL);
    assert_int_equal(parse(b.p, NULL, &m, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "an attribute value is longer than 4096 bytes"));

    /* A URL of METALINK_MAX_URL_LEN bytes is kept; one more is ignored. */
    b.len = 0;
    sb_str(&b, HEAD "<file name=\"a\"><size>1</size><url>http://h/");
    sb_rep(&b, 'u', METALINK_MAX_URL_LEN - strlen("http://h/"));
    sb_str(&b, "</url><url>http://h/");
    sb_rep(&b, 'w', METALINK_MAX_URL_LEN + 1 - strlen("http://h/"));
    sb_str(&b, "</url></file>" TAIL);
    assert_int_equal(parse(b.p, NULL, &m, why, sizeof(why)), 0);
    assert_int_equal(m.nurls, 1);
    assert_int_equal(strlen(m.urls[0].url), METALINK_MAX_URL_LEN);
    assert_int_equal(m.nurls_ignored, 1);
    metalink_free(&m);

    /* Text longer than METALINK_MAX_TEXT (whitespace counts) is refused. */
    b.len = 0;
    sb_str(&b, HEAD "<file name=\"a\"><size>1</size><url>");
    sb_rep(&b, ' ', METALINK_MAX_TEXT);
    sb_str(&b, "http://h/a</url></file>" TAIL);
    assert_int_equal(parse(b.p, NULL, &m, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "the text of an element is longer than 8192 bytes"));

    /* A document over METALINK_MAX_DOC is refused before it is parsed. */
    b.len = 0;
    sb_str(&b, HEAD FILE_OK("a") TAIL);
    sb_rep(&b, ' ', METALINK_MAX_DOC + 1 - b.len);
    assert_int_equal(parse(b.p, NULL, &m, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "larger than 8388608 bytes"));
    b.len -= 1; /* exactly at the cap it parses (trailing whitespace is allowed) */
    assert_int_equal(metalink_parse(b.p, b.len, NULL, &m, why, sizeof(why)), 0);
    metalink_free(&m);
    free(b.p);
}

/* At most METALINK_MAX_URLS distinct URLs are kept, in document order. */
static void test_metalink_url_cap(void **state)
{
    struct sbuf b = {NULL, 0, 0};
    struct metalink m;
    char why[256], url[64];

    (void)state;
    sb_str(&b, HEAD "<file name=\"a\"><size>1</size>");
    for (int i = 0; i < METALINK_MAX_URLS + 6; i++) {
        snprintf(url, sizeof(url), "<url>http://h%d/a</url>", i);
        sb_str(&b, url);
    }
    sb_str(&b, "</file>" TAIL);
    assert_int_equal(parse(b.p, NULL, &m, why, sizeof(why)), 0);
    assert_int_equal(m.nurls, METALINK_MAX_URLS);
    assert_int_equal(m.nurls_ignored, 6);
    assert_string_equal(m.urls[0].url, "http://h0/a");
    assert_string_equal(m.urls[METALINK_MAX_URLS - 1].url, "http://h63/a");
    metalink_free(&m);
    free(b.p);
}

/* Many pieces grow the array; the count check still holds at the end. */
static void test_metalink_many_pieces(void **state)
{
    struct sbuf b = {NULL, 0, 0};
    struct metalink m;
    char why[256];
    const size_t n = 1000;

    (void)state;
    sb_str(&b, HEAD "<file name=\"a\"><size>1000</size><pieces length=\"1\" type=\"sha-256\">");
    for (size_t i = 0; i < n; i++)
        sb_str(&b, i == n - 1 ? "<hash>" HEX_B "</hash>" : "<hash>" HEX_A "</hash>");
    sb_str(&b, "</pieces><url>http://h/a</url></file>" TAIL);
    assert_int_equal(parse(b.p, NULL, &m, why, sizeof(why)), 0);
    assert_int_equal(m.npieces, n);
    assert_true(hex_is(m.pieces[0], HEX_A));
    assert_true(hex_is(m.pieces[n - 1], HEX_B));
    metalink_free(&m);
    free(b.p);
}

/* A UTF-16LE document with a byte-order mark reads like its UTF-8 form. */
static void test_metalink_utf16(void **state)
{
    const char *doc = "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\"><file name=\"a\">"
                      "<size>7</size><url>http://h/a</url></file></metalink>";
    size_t n = strlen(doc), len = 2 + 2 * n;
    char *buf = malloc(len);
    struct metalink m;
    char why[256];

    (void)state;
    assert_non_null(buf);
    buf[0] = (char)0xff;
    buf[1] = (char)0xfe;
    for (size_t i = 0; i < n; i++) {
        buf[2 + 2 * i] = doc[i];
        buf[3 + 2 * i] = 0;
    }
    assert_int_equal(metalink_parse(buf, len, NULL, &m, why, sizeof(why)), 0);
    assert_string_equal(m.name, "a");
    assert_int_equal(m.size, 7);
    metalink_free(&m);
    free(buf);
}

/* WHY is cut to its capacity and always terminated; metalink_free(NULL) is fine. */
static void test_metalink_why_cap(void **state)
{
    struct metalink m;
    char why[8];

    (void)state;
    memset(why, 'Z', sizeof(why));
    assert_int_equal(parse(HEAD TAIL, NULL, &m, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "the Met");
    assert_int_equal(parse(HEAD TAIL, NULL, &m, NULL, 0), -EINVAL);
    metalink_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metalink_good),        cmocka_unit_test(test_metalink_bad),
        cmocka_unit_test(test_metalink_bounds),      cmocka_unit_test(test_metalink_url_cap),
        cmocka_unit_test(test_metalink_many_pieces), cmocka_unit_test(test_metalink_utf16),
        cmocka_unit_test(test_metalink_why_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
