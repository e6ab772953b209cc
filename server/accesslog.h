/*
 * server/accesslog.h - one line per request on stdout:
 *
 *   2026-11-21T05:24:00.123Z 127.0.0.1:40112 GET /big.bin 206 1048576 bytes=0-1048575 0.012s
 *
 * start time (UTC), client, method, target, status, body bytes sent, the
 * Range header ("-" when none), duration; " aborted" is appended when the
 * client went away before the response was complete. Client-supplied
 * fields are escaped with log_quote() (controls, backslash and anything
 * that is not well-formed UTF-8 become \xHH) and spaces are dropped from
 * the Range value, so every field is one space-free token and no request
 * can send escape sequences to a terminal showing the log.
 */
#ifndef SERVER_ACCESSLOG_H
#define SERVER_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_req.h"
#include "listen.h"

struct access_entry {
    struct timespec start; /* wall clock */
    char method[24];
    char target[512];
    char range[128];
    int status;
    uint64_t bytes; /* body bytes sent */
    uint64_t duration_ns;
    bool is_aborted;
};

/* Reset E for a request that starts at START: method and target "-". */
void accesslog_begin(struct access_entry *e, struct timespec start);

/* Copy what the log needs from REQ (its buffer may be reused afterwards). */
void accesslog_set_request(struct access_entry *e, const struct http_request *req);

/* Format E for a client at PEER, without the newline, into OUT (CAP bytes). Pure. */
size_t accesslog_format(const struct access_entry *e, const char *peer, char *out, size_t cap);

#endif
