/*
 * server/listen.h - the listening socket, and socket addresses as text.
 */
#ifndef SERVER_LISTEN_H
#define SERVER_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "[ffff:...:ffff]:65535" and a NUL. */
#define LISTEN_ADDR_MAX 64

/*
 * Open a non-blocking TCP listening socket on BIND (an address or host
 * name; NULL for every interface, IPv6 and IPv4 together where the system
 * allows) and PORT (0: the kernel picks). Writes the address actually
 * bound, as "127.0.0.1:8080" or "[::1]:8080", into ADDR (LISTEN_ADDR_MAX
 * bytes). Returns the descriptor, or -1 with the reason in ERR (ERRLEN
 * bytes).
 */
int listen_open(const char *bind, uint16_t port, char *addr, char *err, size_t errlen);

/*
 * Format SA as "ADDR:PORT" ("[ADDR]:PORT" for IPv6) into OUT
 * (LISTEN_ADDR_MAX bytes). An IPv4-mapped IPv6 address is written as plain
 * IPv4, so logs show 127.0.0.1 whether the socket is dual-stack or not.
 */
void listen_format_addr(const struct sockaddr *sa, socklen_t len, char *out);

#endif
