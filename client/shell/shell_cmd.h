/*
 * client/shell/shell_cmd.h - one line of the interactive shell into a
 * command and its arguments.
 *
 *     HELP | LIST | UPLOAD path [name] | DOWNLOAD name | DELETE name | LOGOUT
 *
 * Commands are case-insensitive. Arguments are separated by spaces or
 * tabs; a quoted one may hold them: "my file.txt" (backslash escapes " and
 * \ inside) or 'my file.txt' (taken as written); outside quotes a
 * backslash keeps the next character as it is. Parts of one argument
 * join as in sh: a"b c" is `ab c`. A line that is blank, or whose first
 * word starts with #, is no command.
 */
#ifndef CLIENT_SHELL_SHELL_CMD_H
#define CLIENT_SHELL_SHELL_CMD_H

#include <stdbool.h>
#include <stddef.h>

#define SHELL_LINE_MAX 8192 /* bytes of one line */
#define SHELL_MAX_ARGS 2

enum shell_verb {
    SHELL_NONE, /* a blank line or a comment */
    SHELL_HELP,
    SHELL_LIST,
    SHELL_UPLOAD,   /* args[0]: the local file; args[1]: the name on the server, when given */
    SHELL_DOWNLOAD, /* args[0]: the catalog name or URL */
    SHELL_DELETE,   /* args[0]: the name on the server */
    SHELL_LOGOUT,
};

struct shell_cmd {
    enum shell_verb verb;
    size_t nargs;
    const char *args[SHELL_MAX_ARGS]; /* point into buf */
    char buf[SHELL_LINE_MAX + 8];
};

enum shell_parse {
    SHELL_PARSE_OK,
    SHELL_PARSE_ERROR, /* ERR says what is wrong, for the user */
};

/*
 * Parse LINE[0..LEN) (no newline) into *OUT (reset first). On
 * SHELL_PARSE_ERROR, ERR (ERRLEN bytes) explains it in plain words: an
 * unknown command, a missing or extra argument, an unterminated quote, a
 * trailing backslash, a NUL byte, a line over SHELL_LINE_MAX. Pure.
 */
enum shell_parse shell_cmd_parse(const char *line, size_t len, struct shell_cmd *out, char *err,
                                 size_t errlen);

/* The command's name as the help writes it ("UPLOAD"); "" for SHELL_NONE. */
const char *shell_cmd_name(enum shell_verb verb);

/* The text HELP prints (static). */
const char *shell_cmd_help(void);

#endif
