/*
 * tests/fuzz/fuzz_upstate.c - client/up/upstate.c's decoder under
 * libFuzzer: a state file is read back from the disk, where anything may
 * have happened to it.
 *
 * Input: the whole input is a state file (in a malloc'd copy of exactly
 * its length).
 *
 * Invariants (abort() when one breaks):
 *   - anything but UPSTATE_OK leaves the struct zeroed and gives a reason;
 *   - what decodes encodes again, to exactly the input (the format has one
 *     spelling per state), and decodes to the same struct.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/up/upstate.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    struct upstate *s = malloc(sizeof(*s)), *again = malloc(sizeof(*again)), zero;
    char *enc = malloc(UPSTATE_FILE_MAX);
    const char *why = NULL;
    enum upstate_result r;
    size_t n;

    FUZZ_CHECK(buf != NULL && s != NULL && again != NULL && enc != NULL);
    if (size > 0)
        memcpy(buf, data, size);
    r = upstate_decode(buf, size, s, &why);
    FUZZ_CHECK(r == UPSTATE_OK || r == UPSTATE_BAD || r == UPSTATE_FOREIGN);
    memset(&zero, 0, sizeof(zero));
    if (r != UPSTATE_OK) {
        FUZZ_CHECK(why != NULL);
        FUZZ_CHECK(memcmp(s, &zero, sizeof(zero)) == 0);
    } else {
        n = upstate_encode(s, enc, UPSTATE_FILE_MAX);
        FUZZ_CHECK(n == size && memcmp(enc, buf, size) == 0);
        FUZZ_CHECK(upstate_decode(enc, n, again, &why) == UPSTATE_OK);
        FUZZ_CHECK(memcmp(s, again, sizeof(*s)) == 0);
    }
    free(enc);
    free(again);
    free(s);
    free(buf);
    return 0;
}
