/*
 * tests/fuzz/fuzz_link.c - client/resphead.c's Link parser under
 * libFuzzer: a Link field value as any server may send it.
 *
 * Input layout: the whole input is the value, in a malloc'd copy of
 * exactly its length. It is parsed into a zeroed struct fetch_links, the
 * describedby target found is resolved against a fixed base URL, and the
 * value is parsed again on top of the first result.
 *
 * Invariants (abort() when one breaks):
 *   - describedby is NUL-terminated inside its array, and holds no space,
 *     control byte or DEL;
 *   - nduplicate is at most the number of '<' in the input (each link
 *     opens with one);
 *   - the same value gives the same answer twice (no hidden state): the
 *     second parse on top of the first doubles nduplicate (up to its
 *     cap) and keeps describedby;
 *   - a resolved target is an http:// or https:// URL that fits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/resphead.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = malloc(size ? size : 1);
    struct fetch_links a, b;
    unsigned opens = 0;
    bool ok_a, ok_b;
    size_t len;
    char url[2 * FETCH_LINK_MAX];

    FUZZ_CHECK(v != NULL);
    if (size > 0)
        memcpy(v, data, size);
    for (size_t i = 0; i < size; i++)
        opens += v[i] == '<';
    memset(&a, 0, sizeof(a));
    ok_a = resphead_parse_link(v, size, &a);
    len = strnlen(a.describedby, sizeof(a.describedby));
    FUZZ_CHECK(len < sizeof(a.describedby));
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)a.describedby[i] > 0x20 &&
                   (unsigned char)a.describedby[i] != 0x7f);
    FUZZ_CHECK(a.nduplicate <= opens);

    b = a;
    ok_b = resphead_parse_link(v, size, &b);
    FUZZ_CHECK(ok_a == ok_b);
    FUZZ_CHECK(b.nduplicate == 2 * a.nduplicate);
    FUZZ_CHECK(strcmp(a.describedby, b.describedby) == 0);

    if (len > 0 && resphead_link_resolve("http://127.0.0.1:1/d/f", a.describedby, url, sizeof(url)))
        FUZZ_CHECK(strlen(url) < sizeof(url) &&
                   (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0));
    free(v);
    return 0;
}
