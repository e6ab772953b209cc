/*
 * client/up/token.c - find the bearer token: token_parse() is pure,
 * token_load() reads the file around it.
 */
#include "token.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* RFC 6750 b64token (RFC 9110 token68): ALPHA DIGIT - . _ ~ + /, then '=' padding. */
static bool is_token68(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

enum token_result token_parse(const char *buf, size_t len, char *out, size_t cap, const char **why)
{
    size_t start = 0, end;
    const char *nl;

    if (cap > 0)
        out[0] = '\0';
    *why = NULL;
    /* Leading blank lines and spaces go; the token is the first line with text. */
    while (start < len && is_space(buf[start]))
        start++;
    nl = memchr(buf + start, '\n', len - start);
    end = nl != NULL ? (size_t)(nl - buf) : len;
    while (end > start && is_space(buf[end - 1]))
        end--;
    if (end == start) {
        *why = "it holds no token (it is empty or only white space)";
        return TOKEN_EMPTY;
    }
    for (size_t i = start, eq = end; i < end; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c == ' ' || c == '\t') {
            *why = "the token has a space in it (a token is one word)";
            return TOKEN_BAD;
        }
        if (c < 0x21 || c > 0x7e) {
            *why = "the token has a control character or a non-ASCII byte in it";
            return TOKEN_BAD;
        }
        if (c == '=' && eq == end)
            eq = i;
        if (!is_token68(c) || (c != '=' && eq < i)) {
            *why = "the token has a character a bearer token cannot hold (RFC 6750: letters, "
                   "digits, - . _ ~ + / and '=' at the end only)";
            return TOKEN_BAD;
        }
    }
    if (end - start > TOKEN_MAX || end - start >= cap) {
        *why = "the token is longer than 1024 bytes";
        return TOKEN_TOO_BIG;
    }
    memcpy(out, buf + start, end - start);
    out[end - start] = '\0';
    return TOKEN_OK;
}

int token_load(const char *path, const char *env_value, char *out, size_t cap, char *err,
               size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    const char *why;
    int rc;

    if (cap > 0)
        out[0] = '\0';
    if (path == NULL) {
        if (env_value == NULL)
            return 0;
        if (token_parse(env_value, strlen(env_value), out, cap, &why) != TOKEN_OK) {
            snprintf(err, errlen, "the variable PDM_TOKEN cannot be used: %s", why);
            return -1;
        }
        return 0;
    }
    rc = fileio_read(path, TOKEN_FILE_MAX, &buf, &len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read the token file %s: %s", path,
                 rc == -EFBIG ? "it is larger than 4 KiB; is it the right file?" : strerror(-rc));
        return -1;
    }
    rc = token_parse(buf, len, out, cap, &why) == TOKEN_OK ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "the token file %s cannot be used: %s", path, why);
    /* The token's bytes do not outlive their use. */
    memset(buf, 0, len);
    free(buf);
    return rc;
}
