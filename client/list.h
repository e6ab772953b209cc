/*
 * client/list.h - "client list": the server's catalog as a table.
 */
#ifndef CLIENT_LIST_H
#define CLIENT_LIST_H

#include <stdio.h>

#include "catalog.h"

/* Print C as a table to OUT: name, human size, short hash; then a total. */
void list_print(const struct catalog *c, FILE *out);

/* Fetch SERVER/text.txt and print it. Returns the exit status (0 or 1). */
int list_run(const char *server, FILE *out, FILE *err);

#endif
