/*
 * common/cliopt.h - the command-line pieces both programs share: words
 * for getopt_long()'s complaints, and bounded numeric option values.
 */
#ifndef COMMON_CLIOPT_H
#define COMMON_CLIOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Explain, into ERR (ERRLEN bytes), why getopt_long() returned C (':' for
 * a missing value, anything else for an unknown option or a value given
 * to a flag). ARG is the word it was reading (argv[optind - 1]), OPTOPT
 * getopt's optopt. Pure.
 */
void cliopt_explain(int c, int optopt, const char *arg, char *err, size_t errlen);

/*
 * Parse ARG as a whole number from MIN to MAX for the option --NAME into
 * *OUT. On failure says so in ERR and returns false. Pure.
 */
bool cliopt_number(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
                   char *err, size_t errlen);

#endif
