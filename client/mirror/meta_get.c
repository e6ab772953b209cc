/*
 * client/mirror/meta_get.c - fetch a Metalink 4 document and read it
 * with metalink_parse(). No retries: the caller decides when to try again.
 */
#include "mirror/meta_get.h"

#include <stdio.h>
#include <stdlib.h>

#include "resphead.h"
#include "retry.h"

int meta_get(struct fetch *f, const char *url, struct metalink **out, bool *is_transient, char *why,
             size_t cap)
{
    struct metalink *m = calloc(1, sizeof(*m));
    struct fetch_err err;
    char *body = NULL;
    size_t len = 0;
    long status = 0;
    int rc = -1;

    *out = NULL;
    *is_transient = false;
    if (m == NULL) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    if (fetch_get(f, url, METALINK_MAX_DOC, &body, &len, &status, &err) != 0) {
        *is_transient = err.cls != RETRY_PERMANENT;
        snprintf(why, cap, "%s", err.text);
    } else if (status != 200) {
        *is_transient = retry_class_of_status(status) != RETRY_PERMANENT;
        snprintf(why, cap, "%s (HTTP %ld)", resphead_status_words(status), status);
    } else if (metalink_parse(body, len, NULL, m, why, cap) == 0) {
        rc = 0;
    }
    free(body);
    if (rc != 0) {
        free(m);
        return -1;
    }
    *out = m;
    return 0;
}

void meta_get_free(struct metalink *m)
{
    if (m == NULL)
        return;
    metalink_free(m);
    free(m);
}
