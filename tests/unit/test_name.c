/*
 * tests/unit/test_name.c - common/name.c: what a published file may be
 * called (name_check) and where it may sit in the tree (name_path_check,
 * name_path_split), how a request path becomes a name or a path
 * (name_from_path, name_path_from_target), and how either becomes part
 * of a URL (name_encode_path, name_encode_url_path).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/tally.h"

#include "common/name.h"

/* A string literal and its length, so rows can hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

struct check_case {
    const char *what; /* the behaviour, stated as a fact */
    const char *name;
    size_t len;
    enum name_result want;
};

static const struct check_case check_cases[] = {
    {"a plain name is valid", S("notes.txt"), NAME_OK},
    {"a one-byte name is valid", S("a"), NAME_OK},
    {"spaces are allowed anywhere", S(" notes on it.txt "), NAME_OK},
    {"punctuation other than '/' is allowed", S("a-b_c~d+e=f,g;h@i#j%k&l!m'n(o)p"), NAME_OK},
    {"a '.' after the first byte is allowed", S("archive.tar.gz"), NAME_OK},
    {"a trailing '.' is allowed", S("x."), NAME_OK},
    {"a two-byte UTF-8 character is valid", S("caf\xc3\xa9.txt"), NAME_OK},
    {"a three-byte UTF-8 character is valid", S("\xe2\x82\xac 100.txt"), NAME_OK},
    {"CJK text is valid", S("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.pdf"), NAME_OK},
    {"a four-byte UTF-8 character is valid", S("\xf0\x9f\x98\x80.png"), NAME_OK},
    {"U+10FFFF, the last code point, is valid", S("\xf4\x8f\xbf\xbf"), NAME_OK},
    {"U+FFFD is valid", S("\xef\xbf\xbd"), NAME_OK},
    {"U+D7FF, just below the surrogates, is valid", S("\xed\x9f\xbf"), NAME_OK},
    {"U+E000, just above the surrogates, is valid", S("\xee\x80\x80"), NAME_OK},
    {"only LEN bytes are checked", "ok\n", 2, NAME_OK},

    {"an empty name is refused", S(""), NAME_EMPTY},
    {"an empty view of a longer string is refused", "abc", 0, NAME_EMPTY},

    {"a '/' inside is refused", S("a/b"), NAME_HAS_SLASH},
    {"a lone '/' is refused", S("/"), NAME_HAS_SLASH},
    {"a leading '/' is refused", S("/etc"), NAME_HAS_SLASH},
    {"a trailing '/' is refused", S("dir/"), NAME_HAS_SLASH},
    {"a '..' path reads as a path, not a hidden name", S("../etc/passwd"), NAME_HAS_SLASH},

    {"a leading '.' is refused", S(".hidden"), NAME_DOT},
    {"\".\" is refused", S("."), NAME_DOT},
    {"\"..\" is refused", S(".."), NAME_DOT},
    {"\"...\" is refused", S("..."), NAME_DOT},

    {"a TAB is refused", S("a\tb"), NAME_CONTROL},
    {"a CR is refused", S("a\rb"), NAME_CONTROL},
    {"an LF is refused", S("a\nb"), NAME_CONTROL},
    {"a NUL inside is refused", S("a\0b"), NAME_CONTROL},
    {"a NUL at the end is refused", S("ab\0"), NAME_CONTROL},
    {"a C1 control (NEL, U+0085) is refused",
     S("a\xc2\x85"
       "b"),
     NAME_CONTROL},
    {"a C1 control (CSI, U+009B) is refused", S("\xc2\x9b[2J"), NAME_CONTROL},
    {"U+00A0, just past C1, is allowed",
     S("a\xc2\xa0"
       "b"),
     NAME_OK},
    {"a leading '#' is refused (a catalog comment)", S("#notes.txt"), NAME_COMMENT},
    {"a '#' after the first byte is allowed", S("notes#1.txt"), NAME_OK},
    {"a NUL alone is refused", S("\0"), NAME_CONTROL},
    {"0x01 is refused", S("a\x01"), NAME_CONTROL},
    {"ESC (0x1b) is refused", S("\x1b[31mred"), NAME_CONTROL},
    {"0x1f, the last C0 control, is refused", S("a\x1f"), NAME_CONTROL},
    {"DEL (0x7f) is refused", S("a\x7f"), NAME_CONTROL},
    {"a control character before a '.' start still counts", S(".\t"), NAME_CONTROL},

    {"a lone continuation byte is refused", S("a\x80z"), NAME_BAD_UTF8},
    {"a continuation byte at the start is refused", S("\xbf"), NAME_BAD_UTF8},
    {"the overlong '/' C0 AF is refused", S("\xc0\xaf"), NAME_BAD_UTF8},
    {"the overlong NUL C0 80 is refused", S("\xc0\x80"), NAME_BAD_UTF8},
    {"the overlong C1 BF is refused", S("\xc1\xbf"), NAME_BAD_UTF8},
    {"the overlong '/' E0 80 AF is refused", S("\xe0\x80\xaf"), NAME_BAD_UTF8},
    {"the overlong U+07FF E0 9F BF is refused", S("\xe0\x9f\xbf"), NAME_BAD_UTF8},
    {"the overlong '/' F0 80 80 AF is refused", S("\xf0\x80\x80\xaf"), NAME_BAD_UTF8},
    {"the overlong U+FFFF F0 8F BF BF is refused", S("\xf0\x8f\xbf\xbf"), NAME_BAD_UTF8},
    {"the first surrogate ED A0 80 is refused", S("\xed\xa0\x80"), NAME_BAD_UTF8},
    {"the last surrogate ED BF BF is refused", S("\xed\xbf\xbf"), NAME_BAD_UTF8},
    {"U+110000 (F4 90 80 80) is refused", S("\xf4\x90\x80\x80"), NAME_BAD_UTF8},
    {"a lead byte F5 is refused", S("\xf5\x80\x80\x80"), NAME_BAD_UTF8},
    {"a byte FF is refused", S("a\xff"), NAME_BAD_UTF8},
    {"a byte FE is refused", S("\xfe"), NAME_BAD_UTF8},
    {"a two-byte sequence cut at the end is refused", S("caf\xc3"), NAME_BAD_UTF8},
    {"a three-byte sequence cut at the end is refused", S("\xe2\x82"), NAME_BAD_UTF8},
    {"a four-byte sequence cut at the end is refused", S("\xf0\x9f\x98"), NAME_BAD_UTF8},
    {"a sequence cut by LEN is refused", "\xc3\xa9", 1, NAME_BAD_UTF8},
    {"a sequence cut by ASCII is refused", S("\xe2\x82x"), NAME_BAD_UTF8},
    {"a sequence cut by a new lead byte is refused", S("\xe2\xc3\xa9"), NAME_BAD_UTF8},
    {"a lead byte after '.' is still bad UTF-8", S(".\xff"), NAME_BAD_UTF8},
};

static void test_name_check_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
        const struct check_case *c = &check_cases[i];
        enum name_result r = name_check(c->name, c->len);

        if (r != c->want)
            fail_msg("%s: row %zu gave %d (%s), want %d", c->what, i, (int)r, name_strerror(r),
                     (int)c->want);
    }
}

struct length_case {
    const char *what;
    const char *unit; /* repeated COUNT times */
    size_t count;
    const char *tail; /* then appended once */
    enum name_result want;
};

static const struct length_case length_cases[] = {
    {"254 bytes are fine", "a", 254, "", NAME_OK},
    {"255 bytes, the maximum, are fine", "a", 255, "", NAME_OK},
    {"256 bytes are too long", "a", 256, "", NAME_TOO_LONG},
    {"far too long is too long", "a", 4096, "", NAME_TOO_LONG},
    {"85 three-byte characters (255 bytes) are fine", "\xe2\x82\xac", 85, "", NAME_OK},
    {"86 three-byte characters (258 bytes) are too long", "\xe2\x82\xac", 86, "", NAME_TOO_LONG},
    {"the limit counts bytes, not characters", "a", 254, "\xc3\xa9", NAME_TOO_LONG},
};

static void test_name_check_lengths(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
        const struct length_case *c = &length_cases[i];
        char buf[8192];
        size_t len = 0, ulen = strlen(c->unit);
        enum name_result r;

        for (size_t k = 0; k < c->count; k++, len += ulen)
            memcpy(buf + len, c->unit, ulen);
        memcpy(buf + len, c->tail, strlen(c->tail));
        len += strlen(c->tail);
        r = name_check(buf, len);
        if (r != c->want)
            fail_msg("%s: %zu bytes gave %d, want %d", c->what, len, (int)r, (int)c->want);
    }
}

struct path_case {
    const char *what;
    const char *path;
    size_t len;
    size_t cap;
    enum name_result want;
    const char *out; /* OUT after the call; "" whenever WANT is not NAME_OK */
};

static const struct path_case path_cases[] = {
    {"a plain path is the name", S("notes.txt"), 256, NAME_OK, "notes.txt"},
    {"%20 decodes to a space", S("notes%20on%20it.txt"), 256, NAME_OK, "notes on it.txt"},
    {"a raw space is kept", S("a b"), 256, NAME_OK, "a b"},
    {"'+' is not a space in a path", S("a+b"), 256, NAME_OK, "a+b"},
    {"uppercase hex decodes", S("%41%42%43"), 256, NAME_OK, "ABC"},
    {"lowercase hex decodes", S("%c3%a9t%c3%a9"), 256, NAME_OK, "\xc3\xa9t\xc3\xa9"},
    {"mixed-case hex decodes", S("%C3%a9"), 256, NAME_OK, "\xc3\xa9"},
    {"raw UTF-8 passes through", S("\xc3\xa9t\xc3\xa9"), 256, NAME_OK, "\xc3\xa9t\xc3\xa9"},
    {"an escape at the very end decodes", S("x%7E"), 256, NAME_OK, "x~"},
    {"decoding happens once: %252e is the literal \"%2e\"", S("%252e"), 256, NAME_OK, "%2e"},
    {"decoding happens once: %2525 is the literal \"%25\"", S("%2525"), 256, NAME_OK, "%25"},
    {"%25 alone is a literal '%'", S("100%25"), 256, NAME_OK, "100%"},
    {"an encoded '.' in the middle is fine", S("a%2Etxt"), 256, NAME_OK, "a.txt"},
    {"only LEN bytes are read", "abc?query", 3, 256, NAME_OK, "abc"},
    {"a name that just fits CAP is fine", S("abc"), 4, NAME_OK, "abc"},
    {"a decoded name that just fits CAP is fine", S("%41%42%43"), 4, NAME_OK, "ABC"},

    {"an empty path is an empty name", S(""), 256, NAME_EMPTY, ""},
    {"%2e%2e is \"..\" and refused", S("%2e%2e"), 256, NAME_DOT, ""},
    {"%2E%2E (uppercase) is \"..\" and refused", S("%2E%2E"), 256, NAME_DOT, ""},
    {"%2e is \".\" and refused", S("%2e"), 256, NAME_DOT, ""},
    {"a half-encoded \"..\" is refused", S(".%2e"), 256, NAME_DOT, ""},
    {"an encoded leading '.' is hidden", S("%2ehtpasswd"), 256, NAME_DOT, ""},
    {"a raw leading '.' is hidden", S(".env"), 256, NAME_DOT, ""},
    {"%2f is a slash and refused", S("a%2fb"), 256, NAME_HAS_SLASH, ""},
    {"%2F is a slash and refused", S("a%2Fb"), 256, NAME_HAS_SLASH, ""},
    {"an encoded traversal is refused", S("%2e%2e%2fetc%2fpasswd"), 256, NAME_HAS_SLASH, ""},
    {"a raw ../etc/passwd is refused", S("../etc/passwd"), 256, NAME_HAS_SLASH, ""},
    {"a raw slash is refused", S("a/b"), 256, NAME_HAS_SLASH, ""},
    {"%00 is a NUL and refused", S("a%00b"), 256, NAME_CONTROL, ""},
    {"%00 at the end is refused", S("a.txt%00"), 256, NAME_CONTROL, ""},
    {"%0a is an LF and refused", S("a%0ab"), 256, NAME_CONTROL, ""},
    {"%0D is a CR and refused", S("a%0Db"), 256, NAME_CONTROL, ""},
    {"%09 is a TAB and refused", S("a%09b"), 256, NAME_CONTROL, ""},
    {"%7f is DEL and refused", S("a%7f"), 256, NAME_CONTROL, ""},
    {"a raw TAB is refused", S("a\tb"), 256, NAME_CONTROL, ""},
    {"an encoded lone continuation byte is bad UTF-8", S("%80"), 256, NAME_BAD_UTF8, ""},
    {"an encoded overlong '/' is bad UTF-8", S("%c0%af"), 256, NAME_BAD_UTF8, ""},
    {"an encoded surrogate is bad UTF-8", S("%ED%A0%80"), 256, NAME_BAD_UTF8, ""},
    {"an encoded cut sequence is bad UTF-8", S("%e2%82"), 256, NAME_BAD_UTF8, ""},
    {"a name longer than CAP allows is too long", S("abcd"), 4, NAME_TOO_LONG, ""},
    {"a decoded name longer than CAP allows is too long", S("%41%42%43%44"), 4, NAME_TOO_LONG, ""},
    {"CAP 1 holds only the empty name", S("a"), 1, NAME_TOO_LONG, ""},

    {"a lone '%' is a bad escape", S("%"), 256, NAME_BAD_ESCAPE, ""},
    {"'%' and one digit is a bad escape", S("%4"), 256, NAME_BAD_ESCAPE, ""},
    {"'%zz' is a bad escape", S("%zz"), 256, NAME_BAD_ESCAPE, ""},
    {"'%g0' is a bad escape", S("%g0"), 256, NAME_BAD_ESCAPE, ""},
    {"'%0g' is a bad escape", S("%0g"), 256, NAME_BAD_ESCAPE, ""},
    {"'%%' is a bad escape", S("%%41"), 256, NAME_BAD_ESCAPE, ""},
    {"a sign is not a hex digit", S("%-1"), 256, NAME_BAD_ESCAPE, ""},
    {"an escape cut by LEN is a bad escape", "%41", 2, 256, NAME_BAD_ESCAPE, ""},
    {"OUT is empty after a bad escape that follows text", S("ab%zz"), 256, NAME_BAD_ESCAPE, ""},
    {"OUT is empty after a '%' at the end", S("notes%"), 256, NAME_BAD_ESCAPE, ""},
    {"OUT is empty after a cut escape at the end", S("notes%4"), 256, NAME_BAD_ESCAPE, ""},
};

static void test_name_from_path_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
        const struct path_case *c = &path_cases[i];
        char out[300];
        enum name_result r;

        memset(out, 'X', sizeof(out));
        out[sizeof(out) - 1] = '\0';
        r = name_from_path(c->path, c->len, out, c->cap);
        if (r != c->want || strcmp(out, c->out) != 0)
            fail_msg("%s: \"%.*s\" (cap %zu) gave %d \"%.40s\", want %d \"%s\"", c->what,
                     (int)c->len, c->path, c->cap, (int)r, out, (int)c->want, c->out);
    }
}

/* CAP 0: nothing may be written, not even the NUL. */
static void test_name_from_path_cap_zero(void **state)
{
    char out[4] = "XYZ";

    (void)state;
    assert_int_equal(name_from_path("a", 1, out, 0), NAME_TOO_LONG);
    assert_string_equal(out, "XYZ");
}

struct long_path_case {
    const char *what;
    const char *unit; /* the path is UNIT repeated COUNT times */
    size_t count;
    enum name_result want;
    size_t out_len; /* strlen(OUT) after the call */
};

static const struct long_path_case long_path_cases[] = {
    {"255 raw bytes make a valid name", "a", 255, NAME_OK, 255},
    {"256 raw bytes make a name that is too long", "a", 256, NAME_TOO_LONG, 0},
    {"255 escapes (765 bytes of path) decode to a valid 255-byte name", "%41", 255, NAME_OK, 255},
    {"256 escapes decode to a name that is too long", "%41", 256, NAME_TOO_LONG, 0},
    {"85 encoded euro signs are a 255-byte name", "%E2%82%AC", 85, NAME_OK, 255},
    {"86 encoded euro signs are too long", "%E2%82%AC", 86, NAME_TOO_LONG, 0},
};

static void test_name_from_path_lengths(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(long_path_cases) / sizeof(long_path_cases[0]); i++) {
        const struct long_path_case *c = &long_path_cases[i];
        char path[4096], out[1024];
        size_t len = 0, ulen = strlen(c->unit);
        enum name_result r;

        for (size_t k = 0; k < c->count; k++, len += ulen)
            memcpy(path + len, c->unit, ulen);
        memset(out, 'X', sizeof(out));
        out[sizeof(out) - 1] = '\0';
        r = name_from_path(path, len, out, sizeof(out));
        if (r != c->want || strlen(out) != c->out_len)
            fail_msg("%s: gave %d with a %zu-byte OUT, want %d and %zu", c->what, (int)r,
                     strlen(out), (int)c->want, c->out_len);
    }
}

struct encode_case {
    const char *what;
    const char *name;
    const char *want;
};

static const struct encode_case encode_cases[] = {
    {"letters and digits are kept", "abcXYZ019", "abcXYZ019"},
    {"the unreserved marks - . _ ~ are kept", "a-b.c_d~e", "a-b.c_d~e"},
    {"a space is %20", "notes on it.txt", "notes%20on%20it.txt"},
    {"'%' is %25", "100%", "100%25"},
    {"'/' is %2F", "a/b", "a%2Fb"},
    {"'+' is %2B", "a+b", "a%2Bb"},
    {"'?' and '#' are escaped", "a?b#c", "a%3Fb%23c"},
    {"sub-delims are escaped", "!$&'()*,;=", "%21%24%26%27%28%29%2A%2C%3B%3D"},
    {"':' and '@' are escaped", "a:b@c", "a%3Ab%40c"},
    {"'\"', '<', '>', '\\' and '`' are escaped", "\"<>\\`", "%22%3C%3E%5C%60"},
    {"UTF-8 bytes are %XX in uppercase", "caf\xc3\xa9", "caf%C3%A9"},
    {"a four-byte character is four escapes", "\xf0\x9f\x98\x80", "%F0%9F%98%80"},
    {"control bytes are escaped", "\t\x7f", "%09%7F"},
    {"the empty name encodes to nothing", "", ""},
};

static void test_name_encode_path_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(encode_cases) / sizeof(encode_cases[0]); i++) {
        const struct encode_case *c = &encode_cases[i];
        char out[128];
        size_t n = name_encode_path(c->name, out, sizeof(out));

        if (n != strlen(c->want) || strcmp(out, c->want) != 0)
            fail_msg("%s: \"%s\" gave %zu \"%s\", want \"%s\"", c->what, c->name, n, out, c->want);
    }
}

struct encode_cap_case {
    const char *what;
    const char *name;
    size_t cap;
    size_t want_ret; /* always the full length */
    const char *out; /* what fits, NUL-terminated, escapes never split */
};

static const struct encode_cap_case encode_cap_cases[] = {
    {"CAP one past the length holds it all", "a b", 6, 5, "a%20b"},
    {"CAP equal to the length drops the last piece", "a b", 5, 5, "a%20"},
    {"an escape that does not fit is left out whole", "a b", 4, 5, "a"},
    {"an escape that does not fit is left out whole (2)", "a b", 3, 5, "a"},
    {"nothing after the first piece that does not fit", "ab c", 4, 6, "ab"},
    {"CAP 1 holds only the NUL", "abc", 1, 3, ""},
    {"a plain name one byte too long for CAP", "abcd", 4, 4, "abc"},
    {"the empty name with CAP 1", "", 1, 0, ""},
};

static void test_name_encode_path_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(encode_cap_cases) / sizeof(encode_cap_cases[0]); i++) {
        const struct encode_cap_case *c = &encode_cap_cases[i];
        char out[32];
        size_t n;

        memset(out, 'X', sizeof(out));
        n = name_encode_path(c->name, out, c->cap);
        if (n != c->want_ret || memchr(out, '\0', c->cap) == NULL || strcmp(out, c->out) != 0 ||
            out[c->cap] != 'X')
            fail_msg("%s: \"%s\" (cap %zu) gave %zu \"%.*s\", want %zu \"%s\"", c->what, c->name,
                     c->cap, n, (int)c->cap, out, c->want_ret, c->out);
    }
}

/* CAP 0: only the length is computed; OUT is not touched. */
static void test_name_encode_path_cap_zero(void **state)
{
    char out[4] = "XYZ";

    (void)state;
    assert_int_equal(name_encode_path("a b", out, 0), 5);
    assert_string_equal(out, "XYZ");
}

static const char *const round_trip_names[] = {
    "notes.txt",
    "notes on it.txt",
    " leading and trailing ",
    "100%",
    "%2e",
    "%252e",
    "a+b=c&d",
    "tag#hash?query",
    "back\\slash \"quoted\"",
    "caf\xc3\xa9 cr\xc3\xa8me.txt",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe6\x96\x87\xe6\x9b\xb8.pdf",
    "\xf0\x9f\x98\x80 smile.png",
    "x.",
    "~",
};

static void check_round_trip(const char *name)
{
    char enc[NAME_MAX_LEN * 3 + 1], dec[NAME_MAX_LEN + 1];
    size_t n = name_encode_path(name, enc, sizeof(enc));
    enum name_result r;

    if (n >= sizeof(enc))
        fail_msg("round trip: \"%s\" needs %zu bytes encoded", name, n);
    r = name_from_path(enc, n, dec, sizeof(dec));
    if (r != NAME_OK || strcmp(dec, name) != 0)
        fail_msg("round trip: \"%s\" encoded as \"%s\" decoded to %d \"%s\"", name, enc, (int)r,
                 dec);
}

static void test_name_round_trip(void **state)
{
    char longest[NAME_MAX_LEN + 1];

    (void)state;
    for (size_t i = 0; i < sizeof(round_trip_names) / sizeof(round_trip_names[0]); i++)
        check_round_trip(round_trip_names[i]);

    /* The longest name whose encoding is longest: 85 euro signs, 765 bytes encoded. */
    for (size_t k = 0; k < 85; k++)
        memcpy(longest + 3 * k, "\xe2\x82\xac", 3);
    longest[255] = '\0';
    check_round_trip(longest);
    memset(longest, ' ', NAME_MAX_LEN);
    check_round_trip(longest);
}

/* ------------------------------------------------------------------ */
/* paths                                                                */
/* ------------------------------------------------------------------ */

static const struct check_case path_check_cases[] = {
    {"a plain name is a path", S("notes.txt"), NAME_OK},
    {"a file in a directory is a path", S("iso/debian.iso"), NAME_OK},
    {"a deep path is a path", S("a/b/c/d/e.txt"), NAME_OK},
    {"spaces and UTF-8 in every component are fine", S("a b/caf\xc3\xa9/\xe6\x97\xa5 x.txt"),
     NAME_OK},
    {"a '.' inside components is fine", S("v1.0/notes.tar.gz"), NAME_OK},
    {"a '#' after a component's first byte is fine", S("a#1/b#2"), NAME_OK},
    {"text.txt below the root is an ordinary path", S("iso/text.txt"), NAME_OK},
    {"a backslash is an ordinary byte", S("a\\b/c"), NAME_OK},
    {"only LEN bytes are checked", "a/b/", 3, NAME_OK},

    {"an empty path is refused", S(""), NAME_EMPTY},
    {"a lone '/' is an empty component", S("/"), NAME_EMPTY_COMPONENT},
    {"an absolute path is refused", S("/etc/passwd"), NAME_EMPTY_COMPONENT},
    {"a trailing '/' is refused", S("dir/"), NAME_EMPTY_COMPONENT},
    {"a double '/' is refused", S("a//b"), NAME_EMPTY_COMPONENT},
    {"three slashes are refused", S("///"), NAME_EMPTY_COMPONENT},

    {"'..' first is hidden (the server says 404)", S("../x"), NAME_DOT},
    {"'..' inside is hidden", S("a/../b"), NAME_DOT},
    {"'..' last is hidden", S("a/.."), NAME_DOT},
    {"'.' inside is hidden", S("a/./b"), NAME_DOT},
    {"'.' first is hidden", S("./a"), NAME_DOT},
    {"a hidden directory is hidden", S("a/.git/config"), NAME_DOT},
    {"a hidden file in a directory is hidden", S("iso/.env"), NAME_DOT},
    {"a lone '..' is hidden, as name_check says", S(".."), NAME_DOT},

    {"a leading '#' in any component is refused", S("a/#b"), NAME_COMMENT},
    {"a control character in a directory is refused", S("a\x1b[2J/b"), NAME_CONTROL},
    {"a TAB in the file name is refused", S("dir/a\tb"), NAME_CONTROL},
    {"a NUL in a path is refused", S("a\0/b"), NAME_CONTROL},
    {"a C1 control in a path is refused", S("a/\xc2\x85"), NAME_CONTROL},
    {"bad UTF-8 in a directory is refused", S("\xff/b"), NAME_BAD_UTF8},
    {"a UTF-8 sequence cut by a '/' is refused", S("caf\xc3/\xa9"), NAME_BAD_UTF8},
    {"an overlong '/' is not a separator but bad UTF-8",
     S("a\xc0\xaf..\xc0\xaf"
       "b"),
     NAME_BAD_UTF8},

    {"any other problem outranks a hidden component before it", S("../a//b"), NAME_EMPTY_COMPONENT},
    {"any other problem outranks a hidden component after it", S("a\tb/.x"), NAME_CONTROL},
    {"the first non-hidden problem is the one told", S(".a/b\x01/c//d"), NAME_CONTROL},
};

static void test_name_path_check_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(path_check_cases); i++) {
        const struct check_case *c = &path_check_cases[i];
        enum name_result r = name_path_check(c->name, c->len);

        if (r != c->want)
            row_fail(&t, c->what, "gave %d (%s), want %d", (int)r, name_strerror(r), (int)c->want);
    }
    tally_end(&t, NROWS(path_check_cases));
}

/* Paths of COUNT components of LEN bytes each: the limits on bytes and depth. */
struct path_length_case {
    const char *what;
    size_t count;
    size_t len;
    size_t extra; /* bytes added to the last component */
    enum name_result want;
};

static const struct path_length_case path_length_cases[] = {
    {"32 components are fine", 32, 1, 0, NAME_OK},
    {"33 components are too deep", 33, 1, 0, NAME_TOO_DEEP},
    {"100 components are too deep", 100, 1, 0, NAME_TOO_DEEP},
    {"16 components of 255 bytes (4095 bytes) are fine", 16, 255, 0, NAME_OK},
    {"one byte more than NAME_PATH_MAX is too long", 16, 255, 1, NAME_TOO_LONG},
    {"a 256-byte component is too long", 2, 255, 1, NAME_TOO_LONG},
};

static void test_name_path_check_lengths(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(path_length_cases); i++) {
        const struct path_length_case *c = &path_length_cases[i];
        static char buf[8192];
        size_t len = 0;
        enum name_result r;

        for (size_t k = 0; k < c->count; k++) {
            if (k > 0)
                buf[len++] = '/';
            memset(buf + len, 'a', c->len);
            len += c->len;
        }
        memset(buf + len, 'b', c->extra);
        len += c->extra;
        r = name_path_check(buf, len);
        if (r != c->want)
            row_fail(&t, c->what, "%zu bytes gave %d, want %d", len, (int)r, (int)c->want);
    }
    tally_end(&t, NROWS(path_length_cases));
}

struct split_case {
    const char *what;
    const char *path;
    size_t max;
    size_t want_n;
    const char *comps[5]; /* the first min(want_n, max) components */
};

static const struct split_case split_cases[] = {
    {"a name is one component", "a.txt", 4, 1, {"a.txt"}},
    {"a path splits at each '/'", "iso/old/x.iso", 4, 3, {"iso", "old", "x.iso"}},
    {"the empty path is one empty component", "", 4, 1, {""}},
    {"a lone '/' is two empty components", "/", 4, 2, {"", ""}},
    {"a leading '/' gives an empty first component", "/etc", 4, 2, {"", "etc"}},
    {"a trailing '/' gives an empty last component", "dir/", 4, 2, {"dir", ""}},
    {"a double '/' gives an empty middle component", "a//b", 4, 3, {"a", "", "b"}},
    {"more components than MAX are counted, the first MAX kept", "a/b/c/d/e/f", 2, 6, {"a", "b"}},
    {"MAX 0 only counts", "a/b", 0, 2, {NULL}},
};

static void test_name_path_split_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(split_cases); i++) {
        const struct split_case *c = &split_cases[i];
        struct strview comps[5];
        size_t n = name_path_split(c->path, strlen(c->path), comps, c->max);

        if (n != c->want_n) {
            row_fail(&t, c->what, "\"%s\" gave %zu components", c->path, n);
            continue;
        }
        for (size_t k = 0; k < n && k < c->max; k++)
            if (!strview_eq(comps[k], c->comps[k])) {
                row_fail(&t, c->what, "component %zu is \"%.*s\"", k, (int)comps[k].len,
                         comps[k].p);
                break;
            }
    }
    tally_end(&t, NROWS(split_cases));
}

static const struct path_case target_cases[] = {
    {"a nested path is decoded whole", S("iso/debian.iso"), 4096, NAME_OK, "iso/debian.iso"},
    {"each component is decoded", S("a%20b/caf%C3%A9.txt"), 4096, NAME_OK, "a b/caf\xc3\xa9.txt"},
    {"%2F separates components like '/'", S("iso%2Fdebian.iso"), 4096, NAME_OK, "iso/debian.iso"},
    {"decoding happens once: %252F is a literal \"%2F\" in one name", S("a%252Fb"), 4096, NAME_OK,
     "a%2Fb"},
    {"a plain name is still a path", S("notes.txt"), 4096, NAME_OK, "notes.txt"},

    {"an encoded traversal is hidden", S("%2e%2e%2fetc%2fpasswd"), 4096, NAME_DOT, ""},
    {"a raw traversal in the middle is hidden", S("iso/../../etc/passwd"), 4096, NAME_DOT, ""},
    {"an encoded '.' component is hidden", S("a/%2e/b"), 4096, NAME_DOT, ""},
    {"an encoded slash making '//' is an empty component", S("a%2F%2Fb"), 4096,
     NAME_EMPTY_COMPONENT, ""},
    {"a leading encoded slash is an empty component", S("%2Fetc/passwd"), 4096,
     NAME_EMPTY_COMPONENT, ""},
    {"a trailing slash is an empty component", S("iso/"), 4096, NAME_EMPTY_COMPONENT, ""},
    {"%00 in a directory is refused", S("a%00/b"), 4096, NAME_CONTROL, ""},
    {"a bad escape anywhere is refused", S("iso/%zz"), 4096, NAME_BAD_ESCAPE, ""},
    {"a path longer than CAP allows is too long", S("a/b/c"), 5, NAME_TOO_LONG, ""},
    {"a path that just fits CAP is fine", S("a/b/c"), 6, NAME_OK, "a/b/c"},
};

static void test_name_path_from_target_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(target_cases); i++) {
        const struct path_case *c = &target_cases[i];
        static char out[4096];
        enum name_result r;

        memset(out, 'X', sizeof(out));
        out[sizeof(out) - 1] = '\0';
        r = name_path_from_target(c->path, c->len, out, c->cap);
        if (r != c->want || strcmp(out, c->out) != 0)
            row_fail(&t, c->what, "gave %d \"%.40s\", want %d \"%s\"", (int)r, out, (int)c->want,
                     c->out);
    }
    tally_end(&t, NROWS(target_cases));
}

static const struct encode_case url_encode_cases[] = {
    {"a plain path is kept", "iso/debian.iso", "iso/debian.iso"},
    {"'/' between components is kept, the rest as name_encode_path does", "a b/c&d/<e>.txt",
     "a%20b/c%26d/%3Ce%3E.txt"},
    {"UTF-8 in a directory is escaped", "caf\xc3\xa9/\xe6\x97\xa5", "caf%C3%A9/%E6%97%A5"},
    {"'%' and '?' are escaped in every component", "100%/a?b", "100%25/a%3Fb"},
    {"a one-component path is what name_encode_path gives", "a b", "a%20b"},
    {"the empty path encodes to nothing", "", ""},
};

static void test_name_encode_url_path_cases(void **state)
{
    struct tally t = {0, NULL};
    char small[4] = "XYZ";

    (void)state;
    for (size_t i = 0; i < NROWS(url_encode_cases); i++) {
        const struct encode_case *c = &url_encode_cases[i];
        char out[128];
        size_t n = name_encode_url_path(c->name, out, sizeof(out));

        if (n != strlen(c->want) || strcmp(out, c->want) != 0)
            row_fail(&t, c->what, "\"%s\" gave %zu \"%s\", want \"%s\"", c->name, n, out, c->want);
    }
    tally_end(&t, NROWS(url_encode_cases));
    /* The same CAP contract as name_encode_path(): an escape is never split. */
    assert_int_equal(name_encode_url_path("a/ b", small, 4), 6);
    assert_string_equal(small, "a/");
    assert_int_equal(name_encode_url_path("a/ b", small, 0), 6);
    assert_string_equal(small, "a/");
}

/* Every valid path survives encoding for a URL and decoding by the server. */
static void test_name_url_path_round_trip(void **state)
{
    static const char *const paths[] = {
        "iso/debian.iso",
        "a b/c d/e f.txt",
        "100%/%2e/%252F",
        "caf\xc3\xa9 cr\xc3\xa8me/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80.png",
        "a&b/<c>/\"d\"/'e'",
        "x./y~/z-_",
    };

    (void)state;
    for (size_t i = 0; i < NROWS(paths); i++) {
        char enc[1024], dec[1024];
        size_t n = name_encode_url_path(paths[i], enc, sizeof(enc));
        enum name_result r;

        assert_int_equal(name_path_check(paths[i], strlen(paths[i])), NAME_OK);
        assert_true(n < sizeof(enc));
        r = name_path_from_target(enc, n, dec, sizeof(dec));
        if (r != NAME_OK || strcmp(dec, paths[i]) != 0)
            fail_msg("\"%s\" encoded as \"%s\" decoded to %d \"%s\"", paths[i], enc, (int)r, dec);
    }
}

static void test_name_strerror(void **state)
{
    static const enum name_result all[] = {
        NAME_OK,      NAME_EMPTY,           NAME_TOO_LONG, NAME_HAS_SLASH,
        NAME_DOT,     NAME_CONTROL,         NAME_BAD_UTF8, NAME_BAD_ESCAPE,
        NAME_COMMENT, NAME_EMPTY_COMPONENT, NAME_TOO_DEEP,
    };
    const size_t n = sizeof(all) / sizeof(all[0]);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const char *s = name_strerror(all[i]);

        if (s == NULL || s[0] == '\0')
            fail_msg("name_strerror(%d) gave no text", (int)all[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(s, name_strerror(all[k])) == 0)
                fail_msg("name_strerror(%d) and (%d) both say \"%s\"", (int)all[k], (int)all[i], s);
    }
    assert_non_null(name_strerror((enum name_result)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_check_cases),
        cmocka_unit_test(test_name_check_lengths),
        cmocka_unit_test(test_name_from_path_cases),
        cmocka_unit_test(test_name_from_path_cap_zero),
        cmocka_unit_test(test_name_from_path_lengths),
        cmocka_unit_test(test_name_encode_path_cases),
        cmocka_unit_test(test_name_encode_path_cap),
        cmocka_unit_test(test_name_encode_path_cap_zero),
        cmocka_unit_test(test_name_round_trip),
        cmocka_unit_test(test_name_path_check_cases),
        cmocka_unit_test(test_name_path_check_lengths),
        cmocka_unit_test(test_name_path_split_cases),
        cmocka_unit_test(test_name_path_from_target_cases),
        cmocka_unit_test(test_name_encode_url_path_cases),
        cmocka_unit_test(test_name_url_path_round_trip),
        cmocka_unit_test(test_name_strerror),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
