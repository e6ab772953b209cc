/*
 * common/sha256.h - SHA-256 through OpenSSL's EVP interface.
 *
 * The only file that includes <openssl/evp.h>. Contexts are per caller:
 * one context must not be shared by threads without a lock, but any number
 * of threads may hash at once with their own.
 */
#ifndef COMMON_SHA256_H
#define COMMON_SHA256_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN     32
#define SHA256_HEX_LEN 64

struct sha256;

/* A new context, ready for sha256_update(). NULL when out of memory. */
struct sha256 *sha256_new(void);

/* Start over, discarding what was hashed. Returns 0 or -ENOMEM/-EIO. */
int sha256_reset(struct sha256 *h);

/* Hash LEN more bytes. Returns 0 or -EIO. */
int sha256_update(struct sha256 *h, const void *data, size_t len);

/* Finish into OUT. The context must be reset before reuse. 0 or -EIO. */
int sha256_final(struct sha256 *h, uint8_t out[SHA256_LEN]);

/*
 * Make DST hash exactly what SRC has hashed so far (both stay usable and
 * independent afterwards), so a running hash can be finished early or
 * kept as a checkpoint to go back to. Returns 0 or -EIO.
 */
int sha256_copy(struct sha256 *dst, const struct sha256 *src);

/* Release H; NULL is fine. */
void sha256_free(struct sha256 *h);

/* One call for a buffer in memory. Returns 0 or a negative errno value. */
int sha256_buf(const void *data, size_t len, uint8_t out[SHA256_LEN]);

/*
 * Hash what FD holds from its current offset to end of file, reading
 * through the caller's BUF of BUFSIZE bytes (memory stays flat whatever the
 * file size). Stores the byte count read in *NREAD when not NULL.
 * STOP, when not NULL, is polled between reads; when it becomes true the
 * function gives up with -ECANCELED. Returns 0 or a negative errno value.
 */
int sha256_fd(int fd, void *buf, size_t bufsize, const atomic_bool *stop, uint8_t out[SHA256_LEN],
              uint64_t *nread);

/* Constant-time comparison of two digests (CRYPTO_memcmp). */
bool sha256_equal(const uint8_t a[SHA256_LEN], const uint8_t b[SHA256_LEN]);

#endif
