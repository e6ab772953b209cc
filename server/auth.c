/*
 * server/auth.c - bearer token check.
 *
 * The guess is located in the header (its position and length leak
 * nothing about the token), then compared with CRYPTO_memcmp over
 * TOKEN_LEN bytes: against the token itself when its length differs, so
 * that the work done is the same either way and the result is decided
 * only afterwards.
 */
#include "auth.h"

#include <openssl/crypto.h>

/* RFC 9110 11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool is_token68(struct strview v)
{
    size_t i = 0;

    while (i < v.len) {
        char c = v.p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'))
            break;
        i++;
    }
    if (i == 0)
        return false;
    while (i < v.len && v.p[i] == '=')
        i++;
    return i == v.len;
}

enum auth_result auth_check(const struct strview *values, size_t nvalues, const char *token,
                            size_t token_len)
{
    struct strview v, guess;
    size_t i = 0;
    bool is_same_len;
    int diff;

    if (nvalues == 0)
        return AUTH_MISSING;
    if (nvalues > 1)
        return AUTH_MALFORMED;
    v = values[0];
    if (v.len < 7 || !strview_eq_ci(strview_make(v.p, 6), "bearer") || v.p[6] != ' ')
        return AUTH_MALFORMED;
    i = 6;
    while (i < v.len && v.p[i] == ' ')
        i++;
    guess = strview_make(v.p + i, v.len - i);
    if (!is_token68(guess))
        return AUTH_MALFORMED;
    is_same_len = guess.len == token_len;
    diff = CRYPTO_memcmp(is_same_len ? guess.p : token, token, token_len);
    return is_same_len && diff == 0 ? AUTH_OK : AUTH_WRONG;
}

bool auth_token_is_valid(const char *token, size_t len)
{
    return is_token68(strview_make(token, len));
}

const char *auth_strerror(enum auth_result r)
{
    switch (r) {
    case AUTH_OK:
        return "authorized";
    case AUTH_MISSING:
        return "no Authorization header";
    case AUTH_MALFORMED:
        return "an Authorization header that is not one bearer token";
    case AUTH_WRONG:
        return "a wrong token";
    }
    return "refused";
}
