/*
 * tests/fuzz/fuzz.h - the libFuzzer entry point every fuzz_<parser>.c
 * defines. libFuzzer calls it when built with clang -fsanitize=fuzzer;
 * tests/fuzz/replay.c calls it on each file of a seed corpus otherwise,
 * so a gcc build runs the same checks in make test.
 *
 * A target returns 0, and stops the process with FUZZ_CHECK() when an
 * invariant breaks: the message names the line, abort() makes libFuzzer
 * save the input and makes the replay fail.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline _Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

/* Stop with a message naming COND when it is false. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))

#endif
