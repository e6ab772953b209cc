/*
 * common/encode.h - hex and base64 (RFC 4648, with padding), as used by the
 * catalog (lowercase hex SHA-256) and by digest headers (base64 SHA-256).
 *
 * Pure. Encoders NUL-terminate their output; decoders are strict (no
 * whitespace, no missing padding, no stray characters).
 */
#ifndef COMMON_ENCODE_H
#define COMMON_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters encode_base64() writes for N bytes, without the NUL. */
static inline size_t encode_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* Write 2*N lowercase hex digits and a NUL to OUT. */
void encode_hex(const uint8_t *in, size_t n, char *out);

/*
 * Decode exactly 2*N hex digits (either case) from IN into OUT[0..N).
 * Returns false, with OUT unspecified, when IN is not exactly that.
 */
bool decode_hex(const char *in, size_t len, uint8_t *out, size_t n);

/* Write encode_base64_len(N) characters and a NUL to OUT. */
void encode_base64(const uint8_t *in, size_t n, char *out);

/*
 * Decode padded base64 IN[0..LEN) into OUT, which holds CAP bytes. Stores
 * the decoded length in *OUTLEN. Returns false for malformed input or
 * when the result would not fit.
 */
bool decode_base64(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);

#endif
