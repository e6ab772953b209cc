/*
 * client/up/token.h - the bearer token for uploads and deletes: read from
 * --token-file FILE or the environment (PDM_TOKEN), never from the
 * command line, where ps would show it.
 */
#ifndef CLIENT_UP_TOKEN_H
#define CLIENT_UP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_MAX      1024 /* bytes of a token */
#define TOKEN_FILE_MAX 4096 /* bytes read from a token file at most */

enum token_result {
    TOKEN_OK,
    TOKEN_EMPTY,   /* nothing but white space */
    TOKEN_BAD,     /* a byte that cannot go in an Authorization header (*WHY says which) */
    TOKEN_TOO_BIG, /* longer than TOKEN_MAX */
};

/*
 * The token in BUF[0..LEN), the content of a token file or a variable:
 * its first line, without the white space around it (so "s3cret\n" and
 * "s3cret\r\n" are "s3cret"). Lines after the first are ignored, so a
 * file may carry a comment below the token. The token must be a bearer
 * token (RFC 6750 b64token: letters, digits, "-._~+/", then "="
 * padding): anything else could not be sent in the header, or the
 * server would not take it. Copies it into
 * OUT (CAP bytes, NUL-terminated) on TOKEN_OK; OUT is "" otherwise. *WHY
 * (static text) explains a result other than TOKEN_OK. Pure.
 */
enum token_result token_parse(const char *buf, size_t len, char *out, size_t cap, const char **why);

/*
 * The token to send: from the file PATH when it is not NULL, else from
 * ENV_VALUE (PDM_TOKEN's value, may be NULL). Writes it to OUT (CAP bytes,
 * at least TOKEN_MAX + 1); OUT is "" when neither gives one (the request
 * then goes without credentials and the server says what it thinks).
 * Returns 0, or -1 with ERR (ERRLEN bytes) saying in plain words what is
 * wrong with the file or the variable (unreadable, empty, a bad byte).
 */
int token_load(const char *path, const char *env_value, char *out, size_t cap, char *err,
               size_t errlen);

#endif
