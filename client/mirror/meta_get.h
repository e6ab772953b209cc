/*
 * client/mirror/meta_get.h - fetch a Metalink 4 document and read it.
 *
 * The I/O around metalink_parse(): one GET on the caller's handle, the
 * body bounded by METALINK_MAX_DOC, a 200 required.
 */
#ifndef CLIENT_MIRROR_META_GET_H
#define CLIENT_MIRROR_META_GET_H

#include <stdbool.h>
#include <stddef.h>

#include "fetch.h"
#include "mirror/metalink.h"

/*
 * GET the Metalink at URL on F (the caller's, borrowed) and parse its
 * first file. Returns 0 with *OUT set (owned by the caller:
 * meta_get_free()), or -1 with WHY (CAP bytes) saying why in plain words
 * and *IS_TRANSIENT telling whether trying again later may work (network
 * trouble, a 5xx) or not (404, a document that does not parse).
 */
int meta_get(struct fetch *f, const char *url, struct metalink **out, bool *is_transient, char *why,
             size_t cap);

/* Release M (from meta_get()); NULL is fine. */
void meta_get_free(struct metalink *m);

#endif
