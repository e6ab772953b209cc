/*
 * server/listen.c - resolve, bind and listen; format addresses.
 */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LISTEN_BACKLOG 4096

void listen_format_addr(const struct sockaddr *sa, socklen_t len, char *out)
{
    char host[INET6_ADDRSTRLEN];

    (void)len;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(out, LISTEN_ADDR_MAX, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host, sizeof(host));
            snprintf(out, LISTEN_ADDR_MAX, "%s:%u", host, ntohs(in6->sin6_port));
        } else {
            inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
            snprintf(out, LISTEN_ADDR_MAX, "[%s]:%u", host, ntohs(in6->sin6_port));
        }
    } else {
        snprintf(out, LISTEN_ADDR_MAX, "unknown");
    }
}

/* Socket, options, bind and listen for one address. -1 with errno set. */
static int open_one(const struct sockaddr *sa, socklen_t len, bool is_dual_stack)
{
    int one = 1, zero = 0;
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int saved;

    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        goto fail;
    if (sa->sa_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, is_dual_stack ? &zero : &one, sizeof(int)) != 0)
        goto fail;
    if (bind(fd, sa, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0)
        goto fail;
    return fd;
fail:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

static int finish(int fd, char *addr)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        snprintf(addr, LISTEN_ADDR_MAX, "unknown");
    else
        listen_format_addr((struct sockaddr *)&ss, len, addr);
    return fd;
}

int listen_open(const char *bind, uint16_t port, char *addr, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char service[8];
    int fd = -1, rc, saved = 0;

    snprintf(service, sizeof(service), "%u", port);
    if (bind == NULL) {
        struct sockaddr_in6 any6;
        struct sockaddr_in any4;

        memset(&any6, 0, sizeof(any6));
        any6.sin6_family = AF_INET6;
        any6.sin6_addr = in6addr_any;
        any6.sin6_port = htons(port);
        fd = open_one((struct sockaddr *)&any6, sizeof(any6), true);
        if (fd >= 0)
            return finish(fd, addr);
        saved = errno;
        if (saved != EAFNOSUPPORT && saved != EADDRNOTAVAIL) {
            snprintf(err, errlen, "cannot listen on port %u: %s", port, strerror(saved));
            return -1;
        }
        memset(&any4, 0, sizeof(any4));
        any4.sin_family = AF_INET;
        any4.sin_addr.s_addr = htonl(INADDR_ANY);
        any4.sin_port = htons(port);
        fd = open_one((struct sockaddr *)&any4, sizeof(any4), false);
        if (fd >= 0)
            return finish(fd, addr);
        snprintf(err, errlen, "cannot listen on port %u: %s", port, strerror(errno));
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(bind, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve --bind '%s': %s", bind, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = open_one(ai->ai_addr, ai->ai_addrlen, false);
        if (fd >= 0)
            break;
        saved = errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s port %u: %s", bind, port, strerror(saved));
        return -1;
    }
    return finish(fd, addr);
}
