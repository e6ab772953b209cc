/*
 * client/shell/shell_cmd.c - the shell's command line parser. Pure.
 */
#include "shell_cmd.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct verb_info {
    const char *name;
    enum shell_verb verb;
    size_t min_args, max_args;
    const char *usage;
};

static const struct verb_info verbs[] = {
    {"HELP", SHELL_HELP, 0, 0, "HELP"},
    {"LIST", SHELL_LIST, 0, 0, "LIST"},
    {"UPLOAD", SHELL_UPLOAD, 1, 2, "UPLOAD path [name]"},
    {"DOWNLOAD", SHELL_DOWNLOAD, 1, 1, "DOWNLOAD name"},
    {"DELETE", SHELL_DELETE, 1, 1, "DELETE name"},
    {"LOGOUT", SHELL_LOGOUT, 0, 0, "LOGOUT"},
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

const char *shell_cmd_name(enum shell_verb verb)
{
    for (size_t i = 0; i < NVERBS; i++)
        if (verbs[i].verb == verb)
            return verbs[i].name;
    return "";
}

const char *shell_cmd_help(void)
{
    return "Commands (case does not matter; quote names with spaces: \"my file.txt\"):\n"
           "  HELP                 this list\n"
           "  LIST                 the files on the server: name, size, SHA-256\n"
           "  UPLOAD path [name]   send the local file PATH, as NAME (default: its base name)\n"
           "  DOWNLOAD name        fetch NAME (a catalog name or a URL) into the download\n"
           "                       directory over several connections, SHA-256 checked\n"
           "  DELETE name          delete NAME on the server\n"
           "  LOGOUT               end the session (so does Ctrl-D)\n"
           "Ctrl-C stops the command in progress (a download or an upload resumes when\n"
           "run again), not the session.\n";
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * The next word of LINE from *I into OUT at *AT (NUL-terminated). Returns
 * 1 for a word, 0 at the end of the line, -1 on error (ERR set).
 */
static int next_word(const char *line, size_t len, size_t *i, char *out, size_t *at, char *err,
                     size_t errlen)
{
    size_t p = *i;

    while (p < len && is_blank(line[p]))
        p++;
    if (p == len) {
        *i = p;
        return 0;
    }
    while (p < len && !is_blank(line[p])) {
        char c = line[p];

        if (c == '\'') {
            const char *close = memchr(line + p + 1, '\'', len - p - 1);

            if (close == NULL) {
                snprintf(err, errlen, "unterminated ' quote");
                return -1;
            }
            memcpy(out + *at, line + p + 1, (size_t)(close - line - p - 1));
            *at += (size_t)(close - line - p - 1);
            p = (size_t)(close - line) + 1;
        } else if (c == '"') {
            p++;
            for (;;) {
                if (p == len) {
                    snprintf(err, errlen, "unterminated \" quote");
                    return -1;
                }
                if (line[p] == '"') {
                    p++;
                    break;
                }
                if (line[p] == '\\' && p + 1 < len && (line[p + 1] == '"' || line[p + 1] == '\\'))
                    p++;
                out[(*at)++] = line[p++];
            }
        } else if (c == '\\') {
            if (p + 1 == len) {
                snprintf(err, errlen, "a backslash at the end of the line escapes nothing");
                return -1;
            }
            out[(*at)++] = line[p + 1];
            p += 2;
        } else {
            out[(*at)++] = c;
            p++;
        }
    }
    out[(*at)++] = '\0';
    *i = p;
    return 1;
}

enum shell_parse shell_cmd_parse(const char *line, size_t len, struct shell_cmd *out, char *err,
                                 size_t errlen)
{
    const char *words[SHELL_MAX_ARGS + 1];
    size_t nwords = 0, i = 0, at = 0;
    const struct verb_info *v = NULL;
    int r;

    memset(out, 0, sizeof(*out));
    if (errlen > 0)
        err[0] = '\0';
    if (len > SHELL_LINE_MAX) {
        snprintf(err, errlen, "the line is longer than %d bytes", SHELL_LINE_MAX);
        return SHELL_PARSE_ERROR;
    }
    if (memchr(line, '\0', len) != NULL) {
        snprintf(err, errlen, "the line holds a NUL byte");
        return SHELL_PARSE_ERROR;
    }
    while (i < len && is_blank(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return SHELL_PARSE_OK; /* SHELL_NONE */
    for (;;) {
        size_t start = at;

        r = next_word(line, len, &i, out->buf, &at, err, errlen);
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        if (nwords == SHELL_MAX_ARGS + 1) {
            nwords++; /* one too many: counted, not kept */
            break;
        }
        words[nwords++] = out->buf + start;
    }
    for (size_t k = 0; k < NVERBS; k++)
        if (strcasecmp(words[0], verbs[k].name) == 0)
            v = &verbs[k];
    if (v == NULL) {
        char shown[64];

        snprintf(shown, sizeof(shown), "%.40s%s", words[0], strlen(words[0]) > 40 ? "..." : "");
        snprintf(err, errlen,
                 "unknown command '%s' (commands: HELP, LIST, UPLOAD, DOWNLOAD, DELETE, "
                 "LOGOUT)",
                 shown);
        goto fail;
    }
    if (nwords - 1 < v->min_args) {
        snprintf(err, errlen, "%s needs %s: %s", v->name,
                 v->verb == SHELL_UPLOAD ? "the local file to send" : "a name", v->usage);
        goto fail;
    }
    if (nwords - 1 > v->max_args) {
        if (v->max_args == 0)
            snprintf(err, errlen, "%s takes no argument", v->name);
        else
            snprintf(err, errlen, "too many arguments: %s (quote a name with spaces: \"my file\")",
                     v->usage);
        goto fail;
    }
    out->verb = v->verb;
    out->nargs = nwords - 1;
    for (size_t k = 0; k < out->nargs; k++)
        out->args[k] = words[k + 1];
    return SHELL_PARSE_OK;
fail:
    memset(out, 0, sizeof(*out));
    return SHELL_PARSE_ERROR;
}
