/*
 * tests/unit/test_meta4.c - server/meta4.c: the Metalink 4 document of a
 * file, byte for byte (escaping of every special character, URLs joined
 * and percent-encoded, pieces present only when there are some), the
 * documents it refuses to write, the base URL check and the ".meta4"
 * companion rule. tests/e2e/server_metalink_test.py parses the documents
 * with an XML parser and hands them to aria2c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "server/meta4.h"

#define HEX0 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX1 "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
#define HEX2 "02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021"

#define HEAD                                                                                       \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                 \
    "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">\n"
#define TAIL "  </file>\n</metalink>\n"

struct render_case {
    const char *what;
    const char *name;
    uint64_t size;
    int npieces; /* -1: no piece block at all */
    struct meta4_url urls[3];
    size_t nurls;
    const char *want; /* NULL: refused */
};

static const struct render_case render_cases[] = {
    {"a file of one piece lists its size, hash, piece and URL",
     "a.bin",
     10,
     1,
     {{"http://127.0.0.1:8080", 0}},
     1,
     HEAD "  <file name=\"a.bin\">\n"
          "    <size>10</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <pieces length=\"262144\" type=\"sha-256\">\n"
          "      <hash>" HEX0 "</hash>\n"
          "    </pieces>\n"
          "    <url>http://127.0.0.1:8080/a.bin</url>\n" TAIL},
    {"every mirror gets a URL, in order, a trailing '/' not doubled, priorities when set",
     "a.bin",
     10,
     1,
     {{"http://here:8080/", 1}, {"https://m1.example/pub", 2}, {"HTTP://m2/x/y/", 0}},
     3,
     HEAD "  <file name=\"a.bin\">\n"
          "    <size>10</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <pieces length=\"262144\" type=\"sha-256\">\n"
          "      <hash>" HEX0 "</hash>\n"
          "    </pieces>\n"
          "    <url priority=\"1\">http://here:8080/a.bin</url>\n"
          "    <url priority=\"2\">https://m1.example/pub/a.bin</url>\n"
          "    <url>HTTP://m2/x/y/a.bin</url>\n" TAIL},
    {"the name is XML-escaped and the URL percent-encoded",
     "a&b <c> \"d\" 'e'.txt",
     3,
     1,
     {{"http://h", 0}},
     1,
     HEAD "  <file name=\"a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;.txt\">\n"
          "    <size>3</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <pieces length=\"262144\" type=\"sha-256\">\n"
          "      <hash>" HEX0 "</hash>\n"
          "    </pieces>\n"
          "    <url>http://h/a%26b%20%3Cc%3E%20%22d%22%20%27e%27.txt</url>\n" TAIL},
    {"a path keeps its '/' in the name and in the URL; UTF-8 passes as is in the name",
     "iso/caf\xc3\xa9 1.iso",
     5,
     1,
     {{"http://h/mirror", 0}},
     1,
     HEAD "  <file name=\"iso/caf\xc3\xa9 1.iso\">\n"
          "    <size>5</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <pieces length=\"262144\" type=\"sha-256\">\n"
          "      <hash>" HEX0 "</hash>\n"
          "    </pieces>\n"
          "    <url>http://h/mirror/iso/caf%C3%A9%201.iso</url>\n" TAIL},
    {"pieces are listed in order",
     "p",
     600000,
     3,
     {{"http://h", 0}},
     1,
     HEAD "  <file name=\"p\">\n"
          "    <size>600000</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <pieces length=\"262144\" type=\"sha-256\">\n"
          "      <hash>" HEX0 "</hash>\n"
          "      <hash>" HEX1 "</hash>\n"
          "      <hash>" HEX2 "</hash>\n"
          "    </pieces>\n"
          "    <url>http://h/p</url>\n" TAIL},
    {"an empty file has no pieces",
     "e",
     0,
     0,
     {{"http://h", 0}},
     1,
     HEAD "  <file name=\"e\">\n"
          "    <size>0</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <url>http://h/e</url>\n" TAIL},
    {"without a piece block there are no pieces",
     "n",
     10,
     -1,
     {{"http://h", 0}},
     1,
     HEAD "  <file name=\"n\">\n"
          "    <size>10</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <url>http://h/n</url>\n" TAIL},
    {"an ampersand in a base URL is escaped",
     "x",
     0,
     0,
     {{"http://h/a&b", 0}},
     1,
     HEAD "  <file name=\"x\">\n"
          "    <size>0</size>\n"
          "    <hash type=\"sha-256\">" HEX0 "</hash>\n"
          "    <url>http://h/a&amp;b/x</url>\n" TAIL},
    {"a document without URLs is refused", "a", 1, 1, {{NULL, 0}}, 0, NULL},
    {"U+FFFF cannot be carried by XML: refused", "a\xef\xbf\xbf", 1, 1, {{"http://h", 0}}, 1, NULL},
    {"U+FFFE cannot be carried by XML: refused",
     "d/\xef\xbf\xbe.txt",
     1,
     1,
     {{"http://h", 0}},
     1,
     NULL},
};

static void test_render(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(render_cases); i++) {
        const struct render_case *c = &render_cases[i];
        struct pieces *p = NULL;
        uint8_t sha[SHA256_LEN];
        size_t len = 99;
        char *doc;

        for (unsigned k = 0; k < SHA256_LEN; k++)
            sha[k] = (uint8_t)k;
        if (c->npieces >= 0) {
            p = pieces_new(c->size);
            assert_non_null(p);
            assert_int_equal(p->n, (size_t)c->npieces);
            for (size_t n = 0; n < p->n; n++)
                for (unsigned k = 0; k < SHA256_LEN; k++)
                    p->hash[n][k] = (uint8_t)(k + n);
        }
        doc = meta4_render(c->name, c->size, sha, p, c->urls, c->nurls, &len);
        if (c->want == NULL && doc != NULL)
            row_fail(&t, c->what, "rendered \"%s\"", doc);
        else if (c->want != NULL && doc == NULL)
            row_fail(&t, c->what, "refused");
        else if (c->want != NULL && (len != strlen(c->want) || strcmp(doc, c->want) != 0))
            row_fail(&t, c->what, "rendered (%zu bytes):\n%s", len, doc);
        free(doc);
        pieces_unref(p);
    }
    tally_end(&t, NROWS(render_cases));
}

/* A file of 4096 pieces: every one listed, and the document stays under 1 MiB. */
static void test_render_most_pieces(void **state)
{
    struct pieces *p = pieces_new(1ull << 30);
    struct meta4_url urls[META4_MAX_URLS + 1];
    uint8_t sha[SHA256_LEN] = {0};
    size_t len = 0, count = 0;
    char *doc;

    (void)state;
    assert_non_null(p);
    for (size_t i = 0; i <= META4_MAX_URLS; i++) {
        urls[i].base = "http://a-long-mirror-host-name.example/some/path";
        urls[i].priority = 0;
    }
    doc = meta4_render("big", 1ull << 30, sha, p, urls, META4_MAX_URLS, &len);
    assert_non_null(doc);
    assert_true(len < (1u << 20));
    for (const char *q = doc; (q = strstr(q, "<hash>")) != NULL; q++)
        count++;
    assert_int_equal(count, 4096);
    free(doc);
    assert_null(meta4_render("big", 1ull << 30, sha, p, urls, META4_MAX_URLS + 1, &len));
    pieces_unref(p);
}

struct url_case {
    const char *what;
    const char *url;
    bool is_ok;
};

static const struct url_case url_cases[] = {
    {"an http URL with a port is a base", "http://127.0.0.1:8080", true},
    {"an https URL with a path is a base", "https://mirror.example/pub/pdm/", true},
    {"the scheme may be upper case", "HTTPS://m.example", true},
    {"an IPv6 literal is a base", "http://[::1]:8080/x", true},
    {"a percent-encoded path is a base", "http://h/a%20b", true},
    {"ftp is refused", "ftp://h/x", false},
    {"a relative path is refused", "/pub/x", false},
    {"a scheme alone is refused", "http://", false},
    {"a missing host is refused", "http:///x", false},
    {"an empty string is refused", "", false},
    {"a space is refused", "http://h/a b", false},
    {"a quote is refused", "http://h/a\"b", false},
    {"'<' is refused", "http://h/<x>", false},
    {"a control character is refused", "http://h/\tx", false},
    {"a non-ASCII byte is refused", "http://h/caf\xc3\xa9", false},
    {"a query is refused", "http://h/x?a=1", false},
    {"a fragment is refused", "http://h/x#top", false},
};

static void test_base_url_check(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(url_cases); i++) {
        const struct url_case *c = &url_cases[i];
        const char *why = meta4_base_url_check(c->url);

        if ((why == NULL) != c->is_ok)
            row_fail(&t, c->what, "\"%s\": %s", c->url, why ? why : "accepted");
    }
    tally_end(&t, NROWS(url_cases));
}

static void test_base_url_too_long(void **state)
{
    char url[META4_URL_MAX + 2];

    (void)state;
    memset(url, 'a', sizeof(url));
    memcpy(url, "http://", 7);
    url[META4_URL_MAX] = '\0';
    assert_null(meta4_base_url_check(url));
    url[META4_URL_MAX] = 'a';
    url[META4_URL_MAX + 1] = '\0';
    assert_non_null(meta4_base_url_check(url));
}

struct stem_case {
    const char *what;
    const char *base;
    size_t want;
};

static const struct stem_case stem_cases[] = {
    {"a file's Metalink has the file's name as its stem", "debian.iso.meta4", 10},
    {"a one-letter stem counts", "a.meta4", 1},
    {"the suffix alone has no stem", ".meta4", 0},
    {"another suffix is no Metalink", "a.meta", 0},
    {"the suffix in the middle does not count", "a.meta4.txt", 0},
    {"the suffix is case-sensitive", "a.META4", 0},
    {"a plain name is no Metalink", "a", 0},
    {"an empty name is no Metalink", "", 0},
};

static void test_stem_len(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(stem_cases); i++) {
        const struct stem_case *c = &stem_cases[i];
        size_t got = meta4_stem_len(c->base);

        if (got != c->want)
            row_fail(&t, c->what, "\"%s\" gave %zu", c->base, got);
    }
    tally_end(&t, NROWS(stem_cases));
}

/* --- meta4_accept_prefers() ------------------------------------------------------------ */

struct accept_case {
    const char *what;
    const char *value;
    const char *file_type;
    bool want;
};

#define BIN "application/octet-stream"

static const struct accept_case accept_cases[] = {
    {"the type alone", "application/metalink4+xml", BIN, true},
    {"any case", "Application/Metalink4+XML", BIN, true},
    {"with spaces around it", "  application/metalink4+xml  ", BIN, true},
    {"others the file is not", "text/html, application/metalink4+xml", BIN, true},
    {"above every type", "application/metalink4+xml, */*;q=0.9", BIN, true},
    {"with q=0.5 and spaces, the rest lower", "application/metalink4+xml ; q=0.5, */*;q=0.4", BIN,
     true},
    {"with q=0.001, the file not at all", "application/metalink4+xml;q=0.001", BIN, true},
    {"Q in capitals", "application/metalink4+xml;Q=0.9, */*;q=0.1", BIN, true},
    {"a parameter before q", "application/metalink4+xml;v=4;q=0.8, */*;q=0.5", BIN, true},
    {"application/* above every type", "application/*;q=0.8, */*;q=0.1", BIN, false},
    {"the file's own type more specific than application/*", "application/*, text/plain;q=0.5",
     "text/plain; charset=utf-8", true},
    {"aria2c's default: every type and the Metalink, both q=1",
     "*/*,application/metalink4+xml,application/metalink+xml", BIN, false},
    {"curl's default: every type", "*/*", BIN, false},
    {"every type of application", "application/*", BIN, false},
    {"the file's type named, equal q", "application/metalink4+xml, application/octet-stream", BIN,
     false},
    {"the file's type higher", "application/metalink4+xml;q=0.5, application/octet-stream", BIN,
     false},
    {"q=0 refuses it", "application/metalink4+xml;q=0", BIN, false},
    {"q=0.000 refuses it", "application/metalink4+xml;q=0.000", BIN, false},
    {"q=0. is 0", "application/metalink4+xml;q=0.", BIN, false},
    {"q=1.000 is 1", "application/metalink4+xml;q=1.000, */*;q=0.999", BIN, true},
    {"q=1.5 is malformed: 0", "application/metalink4+xml;q=1.5", BIN, false},
    {"a malformed q (empty) counts as 0", "application/metalink4+xml;q=", BIN, false},
    {"a malformed q (letters) counts as 0", "application/metalink4+xml;q=0.5x", BIN, false},
    {"a malformed q (four decimals) counts as 0", "application/metalink4+xml;q=0.0001", BIN, false},
    {"the best of two entries for it", "application/metalink4+xml;q=0, application/metalink4+xml",
     BIN, true},
    {"Metalink 3 is another type", "application/metalink+xml", BIN, false},
    {"a longer type is another type", "application/metalink4+xmlx", BIN, false},
    {"a prefix is another type", "application/metalink4", BIN, false},
    {"an empty value", "", BIN, false},
    {"only commas", ",,,", BIN, false},
    {"a semicolon alone", ";q=1", BIN, false},
    {"a slash and a star alone", "/*", BIN, false},
};

static void test_accept_prefers(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(accept_cases); i++) {
        const struct accept_case *c = &accept_cases[i];
        size_t n = strlen(c->value);
        char *exact = malloc(n > 0 ? n : 1); /* exactly its length: ASan sees an over-read */
        bool got;

        assert_non_null(exact);
        memcpy(exact, c->value, n);
        got = meta4_accept_prefers(exact, n, c->file_type);
        free(exact);
        if (got != c->want)
            row_fail(&t, c->what, "\"%s\" for %s gave %d", c->value, c->file_type, got);
    }
    tally_end(&t, NROWS(accept_cases));
}

/* --- meta4_file_headers() --------------------------------------------------------------- */

static void test_file_headers(void **state)
{
    static const char *const mirrors[] = {"http://a.test/m/", "https://b.test:8443"};
    char out[META4_LINKS_MAX];
    size_t n;

    (void)state;
    n = meta4_file_headers("sub/a&b c.txt", mirrors, 2, out, sizeof(out));
    assert_string_equal(out, "Link: <http://a.test/m/sub/a%26b%20c.txt>; rel=duplicate\r\n"
                             "Link: <https://b.test:8443/sub/a%26b%20c.txt>; rel=duplicate\r\n"
                             "Link: </sub/a%26b%20c.txt.meta4>; rel=describedby; "
                             "type=\"application/metalink4+xml\"\r\n"
                             "Vary: Accept\r\n");
    assert_int_equal(n, strlen(out));

    /* No mirrors: only the Metalink and Vary. */
    n = meta4_file_headers("x.iso", NULL, 0, out, sizeof(out));
    assert_string_equal(out, "Link: </x.iso.meta4>; rel=describedby; "
                             "type=\"application/metalink4+xml\"\r\nVary: Accept\r\n");
    assert_int_equal(n, strlen(out));
}

static void test_file_headers_cap(void **state)
{
    static char long_mirror[400];
    const char *mirrors[8];
    char out[META4_LINKS_MAX];
    const char *last;
    size_t n, links = 0;

    (void)state;
    memcpy(long_mirror, "http://", 7);
    memset(long_mirror + 7, 'h', sizeof(long_mirror) - 8);
    for (size_t i = 0; i < 8; i++)
        mirrors[i] = long_mirror;
    /* 8 x 400 bytes do not fit in 1 KiB: as many as fit, then always the Metalink. */
    n = meta4_file_headers("f.bin", mirrors, 8, out, sizeof(out));
    assert_true(n > 0 && n < sizeof(out));
    assert_int_equal(n, strlen(out));
    for (const char *p = out; (p = strstr(p, "rel=duplicate")) != NULL; p++)
        links++;
    assert_int_equal(links, 2);
    last = strstr(out, "Link: </f.bin.meta4>; rel=describedby");
    assert_non_null(last);
    assert_string_equal(out + n - strlen("Vary: Accept\r\n"), "Vary: Accept\r\n");

    /* Not even the describedby line fits: nothing. */
    assert_int_equal(meta4_file_headers("f.bin", mirrors, 8, out, 40), 0);
    assert_string_equal(out, "");
    assert_int_equal(meta4_file_headers("f.bin", mirrors, 0, out, 0), 0);
}

/* --- meta4_self_url() ------------------------------------------------------------------- */

struct self_case {
    const char *what;
    const char *host;
    const char *local;
    const char *want; /* "" for none */
};

static const struct self_case self_cases[] = {
    {"a Host with its port", "127.0.0.1:8080", "127.0.0.1:8080", "http://127.0.0.1:8080"},
    {"a Host without a port gets the local one", "127.0.0.1", "127.0.0.1:8080",
     "http://127.0.0.1:8080"},
    {"a name without a port", "files.test", "10.0.0.1:8443", "http://files.test:8443"},
    {"no port needed on 80", "files.test", "10.0.0.1:80", "http://files.test"},
    {"a Host's own port wins", "files.test:9000", "10.0.0.1:80", "http://files.test:9000"},
    {"an IPv6 Host with a port", "[::1]:8080", "[::1]:8080", "http://[::1]:8080"},
    {"an IPv6 Host without one", "[::1]", "[::1]:8080", "http://[::1]:8080"},
    {"an IPv6 literal's last group is no port", "[2001:db8::1]", "[2001:db8::1]:81",
     "http://[2001:db8::1]:81"},
    {"no Host: the local address", "", "127.0.0.2:3000", "http://127.0.0.2:3000"},
    {"an empty port is no port", "host:", "127.0.0.1:8080", "http://host:8080"},
};

static void test_self_url(void **state)
{
    struct tally t = {0, NULL};
    char out[128];

    (void)state;
    for (size_t i = 0; i < NROWS(self_cases); i++) {
        const struct self_case *c = &self_cases[i];
        size_t n = meta4_self_url(strview_from_cstr(c->host), c->local, out, sizeof(out));

        if (strcmp(out, c->want) != 0 || n != strlen(c->want))
            row_fail(&t, c->what, "\"%s\" on %s gave \"%s\" (%zu)", c->host, c->local, out, n);
    }
    tally_end(&t, NROWS(self_cases));
    /* Too long for OUT: nothing. */
    assert_int_equal(
        meta4_self_url(strview_from_cstr("a-rather-long-host.test"), "1.2.3.4:5", out, 10), 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),         cmocka_unit_test(test_render_most_pieces),
        cmocka_unit_test(test_base_url_check), cmocka_unit_test(test_base_url_too_long),
        cmocka_unit_test(test_stem_len),       cmocka_unit_test(test_accept_prefers),
        cmocka_unit_test(test_file_headers),   cmocka_unit_test(test_file_headers_cap),
        cmocka_unit_test(test_self_url),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
