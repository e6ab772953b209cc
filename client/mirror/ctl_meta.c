/*
 * client/mirror/ctl_meta.c - the queue's side of mirrors: the URLs of a
 * line with several sources, the Metalink of a ".meta4" line (read once,
 * before the entry is scheduled, since it names the file), and what a
 * job's download request gets from them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mirror/meta_get.h"

/* IT's URLs from the line's views. 0 or -ENOMEM. */
int ctl_item_urls(struct item *it, const struct input_sources *src)
{
    size_t n = src->nurls;

    if (n == 0)
        return 0;
    it->urls = calloc(n, sizeof(*it->urls));
    if (it->urls == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        it->urls[i] = strndup(src->urls[i].p, src->urls[i].len);
        if (it->urls[i] == NULL)
            return -ENOMEM;
        it->nurls++;
    }
    return 0;
}

void ctl_resolve_metalinks(struct controller *c)
{
    bool is_single = c->opts->cmd == CLIENT_GET || c->opts->is_once;

    for (size_t i = 0; i < c->nitems && !ctl_is_stopping(c); i++) {
        struct item *it = &c->items[i];
        char why[PROGRESS_REASON_MAX - 96], reason[PROGRESS_REASON_MAX];
        struct metalink *m = NULL;
        bool is_transient = false;
        char *url;
        int rc;

        if (!it->is_metalink || it->meta != NULL || it->state != ENTRY_WAITING ||
            ctl_is_running(c, it->label))
            continue;
        url = strdup(it->label);
        if (url == NULL)
            continue;
        pthread_mutex_unlock(&c->lock);
        rc = meta_get(c->fetch, url, &m, &is_transient, why, sizeof(why));
        pthread_mutex_lock(&c->lock);
        free(url);
        it = &c->items[i];
        if (rc == 0 && it->has_sha256 && m->has_sha256 && !sha256_equal(it->sha256, m->sha256)) {
            snprintf(why, sizeof(why), "the SHA-256 on the line is not the Metalink's");
            meta_get_free(m);
            rc = -1;
            is_transient = false;
        }
        if (rc == 0) {
            it->meta = m;
            it->has_size = true;
            it->size = m->size;
            ctl_set_state(c, it, ENTRY_WAITING, NULL);
            continue;
        }
        snprintf(reason, sizeof(reason), "cannot use the Metalink: %s%s", why,
                 is_transient && !is_single ? "; trying again at the next poll" : "");
        if (is_transient && !is_single) {
            ctl_set_state(c, it, ENTRY_WAITING, reason);
        } else {
            ctl_set_state(c, it, ENTRY_FAILED, reason);
            progress_event(c->progress, ENTRY_FAILED, "%s: FAILED: %s", it->label, reason);
        }
    }
}

/* J's other sources, size and hashes from IT's line or Metalink. */
void ctl_job_sources(const struct item *it, struct job *j)
{
    const struct metalink *m = it->meta;
    size_t n = 0;

    /* A catalog name or a lone URL: its first answer may name mirrors (RFC 6249). */
    j->req.is_discovering = m == NULL && (it->kind == INPUT_NAME || it->nurls <= 1);
    if (m == NULL) {
        for (size_t i = 1; i < it->nurls && n < METALINK_MAX_URLS; i++)
            j->mirrors[n++] = it->urls[i];
    } else {
        for (size_t i = 1; i < m->nurls && n < METALINK_MAX_URLS; i++)
            j->mirrors[n++] = m->urls[i].url;
        j->req.has_size = true;
        j->req.size = m->size;
        if (!j->req.has_sha256 && m->has_sha256) {
            j->req.has_sha256 = true;
            memcpy(j->req.sha256, m->sha256, SHA256_LEN);
        }
        j->req.piece_len = m->piece_len;
        j->req.npieces = m->npieces;
        j->req.pieces = (const uint8_t(*)[SHA256_LEN])m->pieces;
    }
    j->req.mirrors = j->mirrors;
    j->req.nmirrors = n;
}
