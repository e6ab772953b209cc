/*
 * client/mirror/dl_sources.c - the sources (mirrors) of one download:
 * which ones there are, which one each connection uses, when one is given
 * up, and a Metalink found through a Link header.
 *
 * The download engine (download.c, dl_slot.c) calls these under d->lock,
 * but for dl_sources_discover(), which fetches (lock not held). The
 * choice itself is client/mirror/sources.c's, pure. Several sources are
 * used only when something holds them to one file: a SHA-256 (the
 * catalog's, the input line's, the Metalink's or the first answer's
 * Repr-Digest) or piece hashes; a mirror's copy must also have the
 * file's size and keep its own validator across its answers. Without
 * such a hash the first source alone is used, since nothing could tell
 * two mirrors' versions apart.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"
#include "human.h"
#include "mirror/meta_get.h"
#include "mirror/metalink.h"

/* "host:port" of URL, for messages and the display. */
static void host_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    size_t n;

    p = p ? p + 3 : url;
    n = strcspn(p, "/?#");
    snprintf(out, cap, "%.*s", (int)n, p);
}

/* Add URL unless it is there already. Lock held (or no slot runs yet). */
static void add_source(struct dl *d, const char *url)
{
    struct dl_source *src;

    if (d->nsrc == DL_MAX_SOURCES)
        return;
    for (size_t i = 0; i < d->nsrc; i++)
        if (strcmp(d->src[i].url, url) == 0)
            return;
    src = &d->src[d->nsrc++];
    memset(src, 0, sizeof(*src));
    src->url = url;
    host_of(url, src->host, sizeof(src->host));
}

void dl_sources_init(struct dl *d)
{
    d->nsrc = 0;
    add_source(d, d->req->url);
    for (size_t i = 0; i < d->req->nmirrors && !d->is_one_source; i++)
        add_source(d, d->req->mirrors[i]);
    if (d->req->piece_len > 0 && d->req->has_size && d->req->npieces > 0) {
        d->piece_len = d->req->piece_len;
        d->npieces = d->req->npieces;
        d->pieces = d->req->pieces;
    }
}

/* Is there a SHA-256 for the whole file? Lock held. */
static bool has_file_hash(const struct dl *d)
{
    return d->req->has_sha256 || d->has_remote_digest || (d->meta != NULL && d->meta->has_sha256);
}

unsigned dl_sources_conns(struct dl *d)
{
    unsigned per = d->req->connections ? d->req->connections : 1, total;

    d->is_multi = d->nsrc > 1 && (has_file_hash(d) || d->piece_len > 0);
    if (d->nsrc > 1 && !d->is_multi && d->req->progress != NULL)
        progress_message(d->req->progress, false,
                         "%s: no SHA-256 is known to hold the other %zu sources to; using %s only",
                         d->req->label, d->nsrc - 1, d->src[0].host);
    if (!d->is_multi)
        return per;
    for (size_t i = 0; i < d->nsrc; i++)
        d->src[i].st.cap = per;
    total = per * (unsigned)d->nsrc;
    return total > PLAN_MAX_CONN ? PLAN_MAX_CONN : total;
}

/* A copy of every source's stat, with the connections counted from the busy slots but S. */
static void snapshot(const struct dl *d, const struct slot *s, struct source_stat *st)
{
    for (size_t i = 0; i < d->nsrc; i++) {
        st[i] = d->src[i].st;
        st[i].conns = 0;
    }
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        const struct slot *o = &d->slots[i];

        if (o != s && o->is_busy && o->src < d->nsrc)
            st[o->src].conns++;
    }
}

bool dl_sources_pick(struct dl *d, struct slot *s, uint64_t now)
{
    struct source_stat st[DL_MAX_SOURCES];
    unsigned total = d->nconn;
    size_t pick;

    if (!d->is_multi) {
        s->src = 0;
        return true;
    }
    snapshot(d, s, st);
    pick = sources_pick(st, d->nsrc, total, now / 1000000u, NULL);
    if (pick == SOURCES_NONE)
        return false;
    s->src = (unsigned)pick;
    return true;
}

bool dl_sources_judge(struct dl *d, unsigned i, const char *why)
{
    struct source_stat st[DL_MAX_SOURCES];
    struct dl_source *src = &d->src[i];
    enum source_verdict v;

    if (!d->is_multi)
        return false;
    if (src->st.is_dropped) /* said once already */
        return true;
    snapshot(d, NULL, st);
    v = sources_verdict(st, d->nsrc, i);
    if (v == SOURCE_OK)
        return false;
    src->st.is_dropped = true;
    if (v == SOURCE_BAD_PIECES)
        snprintf(src->why, sizeof(src->why), "sent %u bad piece%s", src->st.bad_pieces,
                 src->st.bad_pieces == 1 ? "" : "s");
    else if (why != NULL)
        snprintf(src->why, sizeof(src->why), "%s", why);
    else
        snprintf(src->why, sizeof(src->why), "%s", sources_verdict_str(v));
    if (d->req->progress != NULL)
        progress_message(d->req->progress, true, "%s: dropped %s: %s%s", d->req->label, src->url,
                         src->why, dl_sources_left(d) ? "; the other sources carry on" : "");
    return true;
}

bool dl_sources_left(const struct dl *d)
{
    for (size_t i = 0; i < d->nsrc; i++)
        if (!d->src[i].st.is_dropped)
            return true;
    return false;
}

void dl_sources_speeds(struct dl *d)
{
    double sum[DL_MAX_SOURCES] = {0};
    unsigned n[DL_MAX_SOURCES] = {0};

    if (!d->is_multi)
        return;
    for (unsigned i = 0; i < PLAN_MAX_CONN; i++) {
        const struct slot *s = &d->slots[i];

        if (s->is_busy && s->speed > 0 && s->src < d->nsrc) {
            sum[s->src] += s->speed;
            n[s->src]++;
        }
    }
    /* A source with no busy connection keeps its last measurement. */
    for (size_t i = 0; i < d->nsrc; i++)
        if (n[i] > 0)
            d->src[i].st.speed = sum[i] / n[i];
}

void dl_sources_summary(const struct dl *d, char *out, size_t cap)
{
    size_t at = 0;

    out[0] = '\0';
    if (!d->is_multi)
        return;
    for (size_t i = 0; i < d->nsrc && at < cap; i++) {
        const struct dl_source *src = &d->src[i];
        char hs[32];
        int n;

        human_size(src->bytes, hs, sizeof(hs));
        n = snprintf(out + at, cap - at, "%s%s %s", i == 0 ? "from " : ", ", src->host, hs);
        if (n > 0 && d->piece_len > 0 && at + (size_t)n < cap)
            n += snprintf(out + at + n, cap - at - (size_t)n, " (%u pieces)", src->pieces);
        if (n < 0)
            return;
        at += (size_t)n;
    }
    if (d->bad_pieces > 0 && at < cap) {
        int n = snprintf(out + at, cap - at, "; %u bad piece%s fetched again", d->bad_pieces,
                         d->bad_pieces == 1 ? "" : "s");

        if (n < 0)
            return;
        at += (size_t)n;
    }
    for (size_t i = 0; i < d->nsrc && at < cap; i++) {
        const struct dl_source *src = &d->src[i];
        int n;

        if (!src->st.is_dropped)
            continue;
        n = snprintf(out + at, cap - at, "; dropped %s: %s", src->url, src->why);
        if (n < 0)
            return;
        at += (size_t)n;
    }
}

/* Does M describe the file being downloaded? NULL, or why not. Lock held. */
static const char *meta_refusal(const struct dl *d, const struct metalink *m)
{
    if (!d->is_size_known || m->size != d->size)
        return "its size is not the file's";
    if (m->has_sha256 && d->req->has_sha256 && !sha256_equal(m->sha256, d->req->sha256))
        return "its SHA-256 is not the expected one";
    if (m->has_sha256 && d->has_remote_digest && !sha256_equal(m->sha256, d->remote_digest))
        return "its SHA-256 is not the server's Repr-Digest";
    return NULL;
}

void dl_sources_discover(struct dl *d)
{
    struct fetch *f = fetch_new(d->req->net);
    struct metalink *m = NULL;
    const char *refusal;
    char why[FETCH_ERR_MAX];
    bool is_transient;
    int rc = -1;

    if (f != NULL)
        rc = meta_get(f, d->meta_url, &m, &is_transient, why, sizeof(why));
    else
        snprintf(why, sizeof(why), "out of memory");
    fetch_free(f);
    if (rc != 0) {
        if (d->req->progress != NULL)
            progress_message(d->req->progress, false,
                             "%s: cannot use the Metalink %s: %s; fetching from %s only",
                             d->req->label, d->meta_url, why, d->src[0].host);
        return;
    }
    pthread_mutex_lock(&d->lock);
    refusal = meta_refusal(d, m);
    if (refusal == NULL) {
        d->meta = m;
        for (size_t i = 0; i < m->nurls; i++)
            add_source(d, m->urls[i].url);
        if (m->piece_len > 0 && m->npieces > 0) {
            d->piece_len = m->piece_len;
            d->npieces = m->npieces;
            d->pieces = (const uint8_t(*)[SHA256_LEN])m->pieces;
        }
    }
    pthread_mutex_unlock(&d->lock);
    if (refusal != NULL) {
        if (d->req->progress != NULL)
            progress_message(d->req->progress, true,
                             "%s: the Metalink %s does not describe this file (%s); fetching "
                             "from %s only",
                             d->req->label, d->meta_url, refusal, d->src[0].host);
        meta_get_free(m);
    }
}

void dl_sources_free(struct dl *d)
{
    meta_get_free(d->meta);
    d->meta = NULL;
}
