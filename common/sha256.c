/*
 * common/sha256.c - SHA-256 with OpenSSL libcrypto (EVP), streaming in
 * caller-provided fixed buffers. Keeps OpenSSL out of every other file.
 */
#include "sha256.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <unistd.h>

struct sha256 {
    EVP_MD_CTX *ctx;
};

struct sha256 *sha256_new(void)
{
    struct sha256 *h = OPENSSL_zalloc(sizeof(*h));

    if (h == NULL)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL || sha256_reset(h) != 0) {
        sha256_free(h);
        return NULL;
    }
    return h;
}

int sha256_reset(struct sha256 *h)
{
    return EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
}

int sha256_update(struct sha256 *h, const void *data, size_t len)
{
    return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : -EIO;
}

int sha256_final(struct sha256 *h, uint8_t out[SHA256_LEN])
{
    unsigned int n = 0;

    if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != SHA256_LEN)
        return -EIO;
    return 0;
}

int sha256_copy(struct sha256 *dst, const struct sha256 *src)
{
    return EVP_MD_CTX_copy_ex(dst->ctx, src->ctx) == 1 ? 0 : -EIO;
}

void sha256_free(struct sha256 *h)
{
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->ctx);
    OPENSSL_free(h);
}

int sha256_buf(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
    unsigned int n = 0;

    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != SHA256_LEN)
        return -EIO;
    return 0;
}

int sha256_fd(int fd, void *buf, size_t bufsize, const atomic_bool *stop, uint8_t out[SHA256_LEN],
              uint64_t *nread)
{
    struct sha256 *h = sha256_new();
    uint64_t total = 0;
    int err = 0;

    if (nread != NULL)
        *nread = 0;
    if (h == NULL)
        return -ENOMEM;
    for (;;) {
        ssize_t n;

        if (stop != NULL && atomic_load(stop)) {
            err = -ECANCELED;
            goto out;
        }
        n = read(fd, buf, bufsize);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = -errno;
            goto out;
        }
        if (n == 0)
            break;
        err = sha256_update(h, buf, (size_t)n);
        if (err != 0)
            goto out;
        total += (uint64_t)n;
    }
    err = sha256_final(h, out);
    if (err == 0 && nread != NULL)
        *nread = total;
out:
    sha256_free(h);
    return err;
}

bool sha256_equal(const uint8_t a[SHA256_LEN], const uint8_t b[SHA256_LEN])
{
    return CRYPTO_memcmp(a, b, SHA256_LEN) == 0;
}
