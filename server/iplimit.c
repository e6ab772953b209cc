/*
 * server/iplimit.c - an open-addressing table (linear probing, deletion by
 * backward shift) sized to twice the connection limit, so it is never more
 * than half full and a lookup is a probe or two. The hash is seeded at
 * start, so a client cannot pick IPv6 addresses that collide.
 */
#include "iplimit.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t hash_key(uint64_t seed, const struct iplimit_key *k)
{
    uint64_t h = seed ^ 0xcbf29ce484222325u;

    for (size_t i = 0; i < sizeof(k->b); i++) {
        h ^= k->b[i];
        h *= 0x100000001b3u;
    }
    return h ^ (h >> 29);
}

int iplimit_init(struct iplimit *l, unsigned max_conns, unsigned max_per_ip)
{
    size_t n = 16;
    int err;

    memset(l, 0, sizeof(*l));
    while (n < (size_t)max_conns * 2)
        n *= 2;
    l->slots = calloc(n, sizeof(*l->slots)); /* untouched pages cost no memory */
    if (l->slots == NULL)
        return -ENOMEM;
    l->mask = n - 1;
    l->max_per_ip = max_per_ip;
    if (getrandom(&l->seed, sizeof(l->seed), GRND_NONBLOCK) != (ssize_t)sizeof(l->seed))
        l->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15u ^ (uint64_t)getpid();
    err = pthread_mutex_init(&l->lock, NULL);
    if (err != 0) {
        free(l->slots);
        l->slots = NULL;
        return -err;
    }
    return 0;
}

void iplimit_cleanup(struct iplimit *l)
{
    if (l->slots == NULL)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->slots);
    l->slots = NULL;
}

/* The slot holding K, or the free slot where it would go; SIZE_MAX if full. Needs the lock. */
static size_t find(const struct iplimit *l, const struct iplimit_key *k)
{
    size_t i = (size_t)hash_key(l->seed, k) & l->mask;

    for (size_t probes = 0; probes <= l->mask; probes++) {
        if (l->slots[i].count == 0 || memcmp(&l->slots[i].key, k, sizeof(*k)) == 0)
            return i;
        i = (i + 1) & l->mask;
    }
    return SIZE_MAX;
}

bool iplimit_take(struct iplimit *l, const struct iplimit_key *k)
{
    bool is_taken = false;
    size_t i;

    pthread_mutex_lock(&l->lock);
    i = find(l, k);
    if (i == SIZE_MAX) {
        pthread_mutex_unlock(&l->lock);
        return false;
    }
    if (l->slots[i].count == 0) /* a new address, in the free slot the probe ended on */
        l->slots[i].key = *k;
    if (l->slots[i].count < l->max_per_ip) {
        l->slots[i].count++;
        is_taken = true;
    }
    pthread_mutex_unlock(&l->lock);
    return is_taken;
}

void iplimit_release(struct iplimit *l, const struct iplimit_key *k)
{
    size_t i, j;

    pthread_mutex_lock(&l->lock);
    i = find(l, k);
    if (i == SIZE_MAX) {
        /* Not there: nothing to give back. */
    } else if (l->slots[i].count > 1) {
        l->slots[i].count--;
    } else if (l->slots[i].count == 1) {
        /* Free slot i, then move back any later entry of the same probe run
         * that could not be found past the hole otherwise. */
        l->slots[i].count = 0;
        for (j = (i + 1) & l->mask; l->slots[j].count != 0; j = (j + 1) & l->mask) {
            size_t home = (size_t)hash_key(l->seed, &l->slots[j].key) & l->mask;

            /* Entry j stays if its home lies cyclically in (i, j]. */
            if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
                continue;
            l->slots[i] = l->slots[j];
            l->slots[j].count = 0;
            i = j;
        }
    }
    pthread_mutex_unlock(&l->lock);
}

unsigned iplimit_count(struct iplimit *l, const struct iplimit_key *k)
{
    unsigned n;
    size_t i;

    pthread_mutex_lock(&l->lock);
    i = find(l, k);
    n = i == SIZE_MAX ? 0 : l->slots[i].count;
    pthread_mutex_unlock(&l->lock);
    return n;
}

void iplimit_key_from_addr(const struct sockaddr *sa, socklen_t len, struct iplimit_key *out)
{
    memset(out, 0, sizeof(*out));
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &in->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

        memcpy(out->b, &in6->sin6_addr, 16);
    }
}
