/*
 * tests/unit/test_shell_cmd.c - client/shell/shell_cmd.c: shell lines into
 * commands and arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/shell/shell_cmd.h"
#include "tests/unit/tally.h"

struct cmd_case {
    const char *what;
    const char *line;
    enum shell_parse want;
    enum shell_verb verb;
    size_t nargs;
    const char *a0, *a1;
    const char *err; /* a part of the error, for SHELL_PARSE_ERROR */
};

static const struct cmd_case cmd_cases[] = {
    {"HELP", "HELP", SHELL_PARSE_OK, SHELL_HELP, 0, NULL, NULL, NULL},
    {"commands are case-insensitive", "lIsT", SHELL_PARSE_OK, SHELL_LIST, 0, NULL, NULL, NULL},
    {"spaces around are ignored", "  \tlogout  ", SHELL_PARSE_OK, SHELL_LOGOUT, 0, NULL, NULL,
     NULL},
    {"UPLOAD takes a path", "upload /tmp/a.txt", SHELL_PARSE_OK, SHELL_UPLOAD, 1, "/tmp/a.txt",
     NULL, NULL},
    {"UPLOAD takes a path and a name", "UPLOAD a.txt dir/b.txt", SHELL_PARSE_OK, SHELL_UPLOAD, 2,
     "a.txt", "dir/b.txt", NULL},
    {"double quotes hold spaces", "DOWNLOAD \"notes on it.txt\"", SHELL_PARSE_OK, SHELL_DOWNLOAD, 1,
     "notes on it.txt", NULL, NULL},
    {"single quotes hold spaces", "delete 'my file'", SHELL_PARSE_OK, SHELL_DELETE, 1, "my file",
     NULL, NULL},
    {"a backslash escapes a space", "DELETE my\\ file", SHELL_PARSE_OK, SHELL_DELETE, 1, "my file",
     NULL, NULL},
    {"escapes inside double quotes", "DELETE \"a \\\"q\\\" \\\\ b\"", SHELL_PARSE_OK, SHELL_DELETE,
     1, "a \"q\" \\ b", NULL, NULL},
    {"a backslash before another letter in double quotes stays", "DELETE \"a\\nb\"", SHELL_PARSE_OK,
     SHELL_DELETE, 1, "a\\nb", NULL, NULL},
    {"single quotes take backslashes as written", "DELETE 'a\\b'", SHELL_PARSE_OK, SHELL_DELETE, 1,
     "a\\b", NULL, NULL},
    {"quoted parts join as in sh", "DELETE dir/\"my file\".txt", SHELL_PARSE_OK, SHELL_DELETE, 1,
     "dir/my file.txt", NULL, NULL},
    {"an empty quoted argument is an argument", "DELETE \"\"", SHELL_PARSE_OK, SHELL_DELETE, 1, "",
     NULL, NULL},
    {"a blank line is no command", "   ", SHELL_PARSE_OK, SHELL_NONE, 0, NULL, NULL, NULL},
    {"an empty line is no command", "", SHELL_PARSE_OK, SHELL_NONE, 0, NULL, NULL, NULL},
    {"a comment is no command", "  # LIST", SHELL_PARSE_OK, SHELL_NONE, 0, NULL, NULL, NULL},
    {"an unknown command is an error naming the commands", "QUIT", SHELL_PARSE_ERROR, SHELL_NONE, 0,
     NULL, NULL, "unknown command 'QUIT' (commands: HELP"},
    {"a command must be the whole word", "LISTS", SHELL_PARSE_ERROR, SHELL_NONE, 0, NULL, NULL,
     "unknown command"},
    {"UPLOAD without a path says what it needs", "UPLOAD", SHELL_PARSE_ERROR, SHELL_NONE, 0, NULL,
     NULL, "UPLOAD needs the local file to send: UPLOAD path [name]"},
    {"DOWNLOAD without a name says so", "download", SHELL_PARSE_ERROR, SHELL_NONE, 0, NULL, NULL,
     "DOWNLOAD needs a name"},
    {"DELETE without a name says so", "DELETE  ", SHELL_PARSE_ERROR, SHELL_NONE, 0, NULL, NULL,
     "DELETE needs a name"},
    {"DOWNLOAD with two names hints at quoting", "DOWNLOAD my file", SHELL_PARSE_ERROR, SHELL_NONE,
     0, NULL, NULL, "quote a name with spaces"},
    {"UPLOAD with three words is too many", "UPLOAD a b c", SHELL_PARSE_ERROR, SHELL_NONE, 0, NULL,
     NULL, "too many arguments"},
    {"LIST takes no argument", "LIST x", SHELL_PARSE_ERROR, SHELL_NONE, 0, NULL, NULL,
     "LIST takes no argument"},
    {"an unterminated double quote is an error", "DELETE \"a b", SHELL_PARSE_ERROR, SHELL_NONE, 0,
     NULL, NULL, "unterminated \" quote"},
    {"an unterminated single quote is an error", "DELETE 'a b", SHELL_PARSE_ERROR, SHELL_NONE, 0,
     NULL, NULL, "unterminated ' quote"},
    {"a trailing backslash is an error", "DELETE a\\", SHELL_PARSE_ERROR, SHELL_NONE, 0, NULL, NULL,
     "backslash"},
    {"a quoted command is still a command", "\"HELP\"", SHELL_PARSE_OK, SHELL_HELP, 0, NULL, NULL,
     NULL},
};

static void test_shell_cmd_cases(void **state)
{
    struct tally t = {0, NULL};

    (void)state;
    for (size_t i = 0; i < NROWS(cmd_cases); i++) {
        const struct cmd_case *c = &cmd_cases[i];
        size_t n = strlen(c->line);
        char *copy = malloc(n ? n : 1), err[512];
        struct shell_cmd *cmd = malloc(sizeof(*cmd));
        enum shell_parse r;

        memcpy(copy, c->line, n); /* no NUL after it: a read past the end shows under ASan */
        r = shell_cmd_parse(copy, n, cmd, err, sizeof(err));
        if (r != c->want) {
            row_fail(&t, c->what, "result %d (%s)", (int)r, err);
        } else if (r == SHELL_PARSE_ERROR) {
            if (strstr(err, c->err) == NULL || cmd->verb != SHELL_NONE)
                row_fail(&t, c->what, "error \"%s\"", err);
        } else if (cmd->verb != c->verb || cmd->nargs != c->nargs ||
                   (c->a0 && strcmp(cmd->args[0], c->a0) != 0) ||
                   (c->a1 && strcmp(cmd->args[1], c->a1) != 0)) {
            row_fail(&t, c->what, "verb %d nargs %zu a0 \"%s\" a1 \"%s\"", (int)cmd->verb,
                     cmd->nargs, cmd->nargs > 0 ? cmd->args[0] : "-",
                     cmd->nargs > 1 ? cmd->args[1] : "-");
        }
        free(cmd);
        free(copy);
    }
    tally_end(&t, NROWS(cmd_cases));
}

static void test_shell_cmd_limits(void **state)
{
    struct shell_cmd *cmd = malloc(sizeof(*cmd));
    char *line = malloc(SHELL_LINE_MAX + 1), err[256];

    (void)state;
    /* A NUL byte inside a line is refused. */
    assert_int_equal(shell_cmd_parse("LIST\0x", 6, cmd, err, sizeof(err)), SHELL_PARSE_ERROR);
    assert_non_null(strstr(err, "NUL"));
    /* The longest line parses; one byte more is refused. */
    memset(line, 'a', SHELL_LINE_MAX + 1);
    memcpy(line, "DELETE ", 7);
    assert_int_equal(shell_cmd_parse(line, SHELL_LINE_MAX, cmd, err, sizeof(err)), SHELL_PARSE_OK);
    assert_int_equal(strlen(cmd->args[0]), SHELL_LINE_MAX - 7);
    assert_int_equal(shell_cmd_parse(line, SHELL_LINE_MAX + 1, cmd, err, sizeof(err)),
                     SHELL_PARSE_ERROR);
    /* As many words as fit in a line: counted, never overflowing the buffer. */
    for (size_t i = 0; i < SHELL_LINE_MAX; i += 2)
        memcpy(line + i, "a ", 2);
    memcpy(line, "UPLOAD ", 7);
    assert_int_equal(shell_cmd_parse(line, SHELL_LINE_MAX, cmd, err, sizeof(err)),
                     SHELL_PARSE_ERROR);
    assert_string_equal(shell_cmd_name(SHELL_DOWNLOAD), "DOWNLOAD");
    assert_non_null(strstr(shell_cmd_help(), "LOGOUT"));
    free(line);
    free(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shell_cmd_cases),
        cmocka_unit_test(test_shell_cmd_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
