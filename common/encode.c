/*
 * common/encode.c - hex and base64 encoding. Pure: no I/O, no allocation.
 */
#include "encode.h"

#include "strview.h"

static const char hex_digits[] = "0123456789abcdef";
static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void encode_hex(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_digits[in[i] >> 4];
        out[2 * i + 1] = hex_digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool decode_hex(const char *in, size_t len, uint8_t *out, size_t n)
{
    if (len != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = strview_hex_digit((unsigned char)in[2 * i]);
        int lo = strview_hex_digit((unsigned char)in[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void encode_base64(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    size_t i = 0;

    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool decode_base64(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
    size_t o = 0;

    *outlen = 0;
    if (len % 4 != 0)
        return false;
    for (size_t i = 0; i < len; i += 4) {
        bool is_last = i + 4 == len;
        int v[4];
        size_t pad = 0;
        uint32_t bits;

        for (int k = 0; k < 4; k++) {
            char c = in[i + (size_t)k];

            if (c == '=' && is_last && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad > 0) /* data after padding */
                return false;
            v[k] = b64_value(c);
            if (v[k] < 0)
                return false;
        }
        bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        /* Canonical form only: the bits a padded group drops must be zero. */
        if ((pad == 1 && (bits & 0xff) != 0) || (pad == 2 && (bits & 0xffff) != 0))
            return false;
        if (o + 3 - pad > cap)
            return false;
        out[o++] = (uint8_t)(bits >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(bits >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)bits;
    }
    *outlen = o;
    return true;
}
