/*
 * server/iplimit.h - connections per client address, so that one address
 * cannot take every slot (--max-connections-per-ip).
 *
 * A hash table of address -> open connections, guarded by a mutex: the
 * acceptor takes a slot before handing a connection over, and the worker
 * that owns the connection gives it back when it closes. An address is
 * in the table only while it has connections.
 */
#ifndef SERVER_IPLIMIT_H
#define SERVER_IPLIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A client address: IPv6, or IPv4 as an IPv4-mapped IPv6 address. */
struct iplimit_key {
    uint8_t b[16];
};

struct iplimit_slot {
    struct iplimit_key key;
    unsigned count; /* 0: the slot is free */
};

struct iplimit {
    pthread_mutex_t lock;
    struct iplimit_slot *slots; /* guarded by lock */
    size_t mask;                /* slots - 1 (a power of two) */
    uint64_t seed;              /* for the hash: addresses cannot be chosen to collide */
    unsigned max_per_ip;
};

/*
 * Prepare L for at most MAX_CONNS connections in all and MAX_PER_IP from
 * one address. Returns 0 or a negative errno value.
 */
int iplimit_init(struct iplimit *l, unsigned max_conns, unsigned max_per_ip);

void iplimit_cleanup(struct iplimit *l);

/*
 * Count one more connection from K, unless K already has MAX_PER_IP:
 * then return false and count nothing. Also false when the table is full
 * (more distinct addresses than iplimit_init() was told of connections,
 * which the global limit prevents). Thread-safe.
 */
bool iplimit_take(struct iplimit *l, const struct iplimit_key *k);

/* Count one connection from K fewer (one that iplimit_take() counted). Thread-safe. */
void iplimit_release(struct iplimit *l, const struct iplimit_key *k);

/* Connections counted for K now. Thread-safe. */
unsigned iplimit_count(struct iplimit *l, const struct iplimit_key *k);

/*
 * The key of the peer address SA (LEN bytes): IPv4 and IPv4-mapped IPv6
 * give the same key. Any other family gives the all-zero key. Pure.
 */
void iplimit_key_from_addr(const struct sockaddr *sa, socklen_t len, struct iplimit_key *out);

#endif
