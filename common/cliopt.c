/*
 * common/cliopt.c - option-parsing messages and values. Pure.
 */
#include "cliopt.h"

#include <stdio.h>
#include <string.h>

#include "strparse.h"

void cliopt_explain(int c, int optopt, const char *arg, char *err, size_t errlen)
{
    bool is_long = strncmp(arg, "--", 2) == 0;

    if (c == ':') {
        if (!is_long && optopt > 0 && optopt < 256)
            snprintf(err, errlen, "option '-%c' needs a value", optopt);
        else
            snprintf(err, errlen, "option '%s' needs a value", arg);
    } else if (is_long && optopt != 0) { /* a known flag given "=value" */
        snprintf(err, errlen, "option '%.*s' takes no value", (int)strcspn(arg, "="), arg);
    } else if (is_long) {
        snprintf(err, errlen, "unknown option '%s'", arg);
    } else {
        snprintf(err, errlen, "unknown option '-%c'", optopt);
    }
}

bool cliopt_number(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
                   char *err, size_t errlen)
{
    if (strparse_uint(arg, max, out) == STRPARSE_OK && *out >= min)
        return true;
    snprintf(err, errlen, "--%s: '%s' is not a whole number from %llu to %llu", name, arg,
             (unsigned long long)min, (unsigned long long)max);
    return false;
}
