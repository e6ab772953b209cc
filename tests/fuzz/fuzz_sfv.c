/*
 * tests/fuzz/fuzz_sfv.c - the parsers of upload fields under libFuzzer:
 * server/sfv.c (Structured Field Items and Dictionaries), the digest
 * fields and the bearer check of server/upload_head.c and server/auth.c,
 * and an upload's description (server/upload_meta.c).
 *
 * The whole input is each parser's input, in a malloc'd buffer of exactly
 * its size so ASan reports any over-read. Invariants (abort() when one
 * breaks):
 *   - a parsed Item or Dictionary member is a view inside the input; an
 *     Integer or Date is within 15 digits; a Boolean is 0 or 1;
 *   - a valid Item stays valid, with the same value, followed by spaces
 *     or (its trailing spaces dropped) by a parameter;
 *   - a valid non-empty Dictionary followed by ", zz=7" stays valid,
 *     finds zz as the Integer 7 and every other key as before; a
 *     Dictionary and the same text before a trailing comma never both
 *     parse;
 *   - a digest that parses re-encodes to a field that gives it back;
 *   - the bearer check passes only for "Bearer", spaces and the token;
 *   - a description that parses formats back to one that parses the same;
 *   - a path an upload may write passes name_path_check(), has no hidden
 *     component and is not the catalog; a refusal gives a reason.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/encode.h"
#include "fuzz.h"
#include "server/auth.h"
#include "server/sfv.h"
#include "server/upload_head.h"
#include "server/upload_meta.h"

#define TAIL_MAX 64

static const char *keys[] = {"sha-256", "a", "max-size", "max-age", "zz", "*"};

static bool inside(struct strview v, const char *p, size_t n)
{
    return v.len == 0 || (v.p >= p && v.p + v.len <= p + n);
}

static void check_item(const struct sfv_item *it, const char *p, size_t n)
{
    FUZZ_CHECK(inside(it->text, p, n));
    if (it->type == SFV_INTEGER || it->type == SFV_DATE)
        FUZZ_CHECK(it->integer >= -SFV_INTEGER_MAX && it->integer <= SFV_INTEGER_MAX);
    if (it->type == SFV_BOOLEAN)
        FUZZ_CHECK(it->integer == 0 || it->integer == 1);
}

static bool same_item(const struct sfv_item *a, const struct sfv_item *b)
{
    return a->type == b->type && a->integer == b->integer && a->text.len == b->text.len &&
           memcmp(a->text.p, b->text.p, a->text.len) == 0;
}

/* P[0..N) followed by TAIL, in an exact buffer (owned by the caller). */
static char *with_tail(const char *p, size_t n, const char *tail, size_t *len)
{
    size_t t = strlen(tail);
    char *b = malloc(n + t > 0 ? n + t : 1);

    FUZZ_CHECK(b != NULL);
    memcpy(b, p, n);
    memcpy(b + n, tail, t);
    *len = n + t;
    return b;
}

static void fuzz_item(const char *p, size_t n)
{
    static const char *tails[] = {"  ", ";a", ";k=?0;b=\"x\""};
    struct sfv_item it, again;

    if (!sfv_parse_item(strview_make(p, n), &it))
        return;
    check_item(&it, p, n);
    for (size_t k = 0; k < sizeof(tails) / sizeof(tails[0]); k++) {
        size_t len, m = n;
        char *b;

        while (k > 0 && m > 0 && p[m - 1] == ' ') /* a parameter follows the item directly */
            m--;
        b = with_tail(p, m, tails[k], &len);

        FUZZ_CHECK(sfv_parse_item(strview_make(b, len), &again));
        /* The views differ (another buffer); compare by offset and content. */
        FUZZ_CHECK(again.type == it.type && again.integer == it.integer &&
                   again.text.len == it.text.len &&
                   memcmp(again.text.p, it.text.p, it.text.len) == 0);
        free(b);
    }
}

static void fuzz_dict(const char *p, size_t n)
{
    struct sfv_item it[sizeof(keys) / sizeof(keys[0])], v;
    bool found[sizeof(keys) / sizeof(keys[0])], f;
    bool valid = true, is_empty = true;
    size_t len;
    char *b;

    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        bool ok = sfv_dict_find(strview_make(p, n), keys[k], &found[k], &it[k]);

        FUZZ_CHECK(k == 0 || ok == valid);
        valid = ok;
        if (ok && found[k])
            check_item(&it[k], p, n);
    }
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ')
            is_empty = false;
    b = with_tail(p, n, ",", &len);
    FUZZ_CHECK(!(valid && sfv_dict_find(strview_make(b, len), "a", &f, &v)));
    free(b);
    if (!valid || is_empty)
        return;
    b = with_tail(p, n, ", zz=7", &len);
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        FUZZ_CHECK(sfv_dict_find(strview_make(b, len), keys[k], &f, &v));
        if (strcmp(keys[k], "zz") == 0) {
            FUZZ_CHECK(f && v.type == SFV_INTEGER && v.integer == 7);
            continue;
        }
        FUZZ_CHECK(f == found[k]);
        if (f) {
            struct sfv_item shifted = it[k];

            shifted.text.p = b + (it[k].text.p - p);
            FUZZ_CHECK(same_item(&shifted, &v) || it[k].text.len == 0);
        }
    }
    free(b);
}

static void fuzz_digest(const char *p, size_t n)
{
    uint8_t d[SHA256_LEN], again[SHA256_LEN];
    char field[16 + 64];
    char b64[encode_base64_len(SHA256_LEN) + 1];

    if (digest_field_sha256(strview_make(p, n), d) != DIGEST_OK)
        return;
    encode_base64(d, SHA256_LEN, b64);
    snprintf(field, sizeof(field), "sha-256=:%s:", b64);
    FUZZ_CHECK(digest_field_sha256(strview_from_cstr(field), again) == DIGEST_OK);
    FUZZ_CHECK(memcmp(d, again, SHA256_LEN) == 0);
}

static void fuzz_auth(const char *p, size_t n)
{
    static const char token[] = "t0k3n";
    struct strview v = strview_make(p, n);
    size_t i = 6;

    if (auth_check(&v, 1, token, sizeof(token) - 1) != AUTH_OK)
        return;
    FUZZ_CHECK(n > 6 && strview_eq_ci(strview_make(p, 6), "bearer"));
    while (i < n && p[i] == ' ')
        i++;
    FUZZ_CHECK(i > 6 && n - i == sizeof(token) - 1 && memcmp(p + i, token, n - i) == 0);
}

static void fuzz_meta(const char *p, size_t n)
{
    static char buf[UPLOAD_META_MAX];
    struct upload_meta m, back;
    size_t len;

    if (!upload_meta_parse(p, n, &m))
        return;
    FUZZ_CHECK(name_path_check(m.path, strlen(m.path)) == NAME_OK);
    len = upload_meta_format(&m, buf, sizeof(buf));
    FUZZ_CHECK(len > 0);
    FUZZ_CHECK(upload_meta_parse(buf, len, &back));
    FUZZ_CHECK(strcmp(m.path, back.path) == 0 && m.has_length == back.has_length &&
               m.length == back.length && m.has_digest == back.has_digest &&
               memcmp(m.digest, back.digest, SHA256_LEN) == 0 &&
               m.is_complete == back.is_complete && m.size == back.size);
}

static void fuzz_path(const char *p, size_t n)
{
    static char out[NAME_PATH_MAX + 1];
    const char *why = NULL;
    int status = upload_path_check(strview_make(p, n), out, sizeof(out), &why);
    size_t len = strlen(out);

    if (status != 0) {
        FUZZ_CHECK((status == 400 || status == 403) && why != NULL);
        return;
    }
    FUZZ_CHECK(name_path_check(out, len) == NAME_OK && strcmp(out, "text.txt") != 0);
    FUZZ_CHECK(out[0] != '.' && strstr(out, "/.") == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = malloc(size > 0 ? size : 1);

    FUZZ_CHECK(p != NULL);
    if (size > 0)
        memcpy(p, data, size);
    fuzz_item(p, size);
    fuzz_dict(p, size);
    fuzz_digest(p, size);
    fuzz_auth(p, size);
    fuzz_meta(p, size);
    fuzz_path(p, size);
    free(p);
    return 0;
}
