/*
 * server/auth.h - the bearer token that uploads and deletes need
 * (RFC 6750 2.1: "Authorization: Bearer TOKEN").
 *
 * Pure: the token is compared in constant time with CRYPTO_memcmp over
 * the length of the real token, so neither the time taken nor anything
 * else tells a caller how much of a guess was right; a guess of another
 * length is compared too (against the token itself) and then refused, so
 * a prefix or an extension of the token never passes.
 */
#ifndef SERVER_AUTH_H
#define SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "strview.h"

enum auth_result {
    AUTH_OK,
    AUTH_MISSING,   /* no Authorization header: 401 */
    AUTH_MALFORMED, /* not "Bearer" and a token68, or several headers: 401 */
    AUTH_WRONG,     /* a bearer token, not ours: 401 */
};

/*
 * Judge the NVALUES Authorization header values VALUES (0 when there is
 * none) against TOKEN (TOKEN_LEN bytes, not empty). The scheme is
 * case-insensitive ("bearer" is fine), followed by one or more spaces and
 * a token68 (RFC 9110 11.2: letters, digits, "-._~+/" and trailing "=").
 */
enum auth_result auth_check(const struct strview *values, size_t nvalues, const char *token,
                            size_t token_len);

/*
 * True when TOKEN[0..LEN) can be sent as a bearer token at all (a
 * token68): the server refuses to start with a token no client could
 * send.
 */
bool auth_token_is_valid(const char *token, size_t len);

/* A short reason for R, for the log ("wrong token"); never the token itself. */
const char *auth_strerror(enum auth_result r);

#endif
