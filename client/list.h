/*
 * client/list.h - "client list": the server's catalog as a table.
 */
#ifndef CLIENT_LIST_H
#define CLIENT_LIST_H

#include <stdio.h>

#include "catalog.h"
#include "download.h"
#include "retry.h"

/* Print C as a table to OUT: name, human size, short hash; then a total. */
void list_print(const struct catalog *c, FILE *out);

struct fetch;
struct fetch_config;

/*
 * Fetch BASE/text.txt (BASE: the server URL, trailing slashes ignored)
 * with F and parse it into *OUT (release with catalog_free()). Returns 0,
 * or -EIO with ERR (CAP bytes) saying why in plain words (the network, an
 * HTTP status, a catalog that does not parse) and *CLS whether trying
 * again may help.
 */
int list_fetch_catalog(struct fetch *f, const char *base, struct catalog *out, char *err,
                       size_t cap, enum retry_class *cls);

/*
 * The same, for a single pass ("get", "list", --once): transient failures
 * are retried as POLICY says (waits doubling from 1 s with jitter, up to
 * its maximum), each retry announced through NOTE(ARG, text) when NOTE is
 * not NULL; STOP (may be NULL) ends the waiting early.
 */
int list_fetch_catalog_retrying(struct fetch *f, const char *base, const struct dl_policy *policy,
                                const atomic_bool *stop, void (*note)(void *arg, const char *text),
                                void *arg, struct catalog *out, char *err, size_t cap);

/* Fetch SERVER/text.txt and print it. Returns the exit status (0 or 1). */
int list_run(const char *server, const struct fetch_config *net, const struct dl_policy *policy,
             FILE *out, FILE *err);

#endif
