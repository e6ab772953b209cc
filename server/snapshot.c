/*
 * server/snapshot.c - build, share and retire catalog snapshots.
 *
 * A snapshot is never modified after snapshot_new() returns; the only
 * shared mutable things are its reference count (atomic) and the store's
 * current pointer (guarded by the store's lock, held for a pointer copy).
 */
#include "snapshot.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "encode.h"
#include "index_html.h"

void snap_entries_free(struct snap_entry *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(entries[i].name);
        pieces_unref(entries[i].pieces);
    }
    free(entries);
}

static int entry_cmp(const void *a, const void *b)
{
    const struct snap_entry *x = a, *y = b;

    return strcmp(x->name, y->name);
}

/* The catalog text: the header line, then one line per entry. */
static char *render_text(const struct snap_entry *e, size_t n, size_t *len)
{
    size_t cap = sizeof(CATALOG_HEADER) + 1;
    char *text;
    size_t o;

    /* Sized by the names themselves: a path may be 4 KiB, most are short. */
    for (size_t i = 0; i < n; i++)
        cap += strlen(e[i].name) + CATALOG_LINE_FIXED;
    text = malloc(cap);
    if (text == NULL)
        return NULL;
    o = (size_t)snprintf(text, cap, "%s", CATALOG_HEADER);
    for (size_t i = 0; i < n; i++)
        o += catalog_format_line(text + o, cap - o, e[i].name, e[i].id.size, e[i].sha256);
    *len = o;
    return text;
}

static char *render_html(const struct snap_entry *e, size_t n, size_t *len)
{
    struct index_item *items = calloc(n ? n : 1, sizeof(*items));
    char *html;

    if (items == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        items[i].name = e[i].name;
        items[i].size = e[i].id.size;
        items[i].sha256 = e[i].sha256;
    }
    html = index_html_render(items, n, len);
    free(items);
    return html;
}

/* A strong ETag for bytes in memory: a prefix of their SHA-256. */
static void memory_etag(const char *p, size_t len, char out[RESP_ETAG_MAX], uint8_t *sha)
{
    uint8_t digest[SHA256_LEN];
    char hex[2 * 16 + 1];

    if (sha256_buf(p, len, digest) != 0)
        memset(digest, 0, sizeof(digest));
    if (sha != NULL)
        memcpy(sha, digest, SHA256_LEN);
    encode_hex(digest, 16, hex);
    snprintf(out, RESP_ETAG_MAX, "\"%s\"", hex);
}

struct snapshot *snapshot_new(struct snap_entry *entries, size_t n, const struct snapshot *prev,
                              time_t now)
{
    struct snapshot *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        snap_entries_free(entries, n);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    if (n > 1)
        qsort(entries, n, sizeof(entries[0]), entry_cmp);
    s->entries = entries;
    s->n = n;
    s->text = render_text(entries, n, &s->text_len);
    s->html = render_html(entries, n, &s->html_len);
    if (s->text == NULL || s->html == NULL) {
        snapshot_unref(s);
        return NULL;
    }
    memory_etag(s->text, s->text_len, s->text_etag, s->text_sha256);
    memory_etag(s->html, s->html_len, s->html_etag, NULL);
    s->mtime = now;
    if (prev != NULL && prev->text_len == s->text_len &&
        memcmp(prev->text, s->text, s->text_len) == 0)
        s->mtime = prev->mtime;
    return s;
}

const struct snap_entry *snapshot_find(const struct snapshot *s, const char *name)
{
    struct snap_entry key;

    if (s->n == 0)
        return NULL;
    memset(&key, 0, sizeof(key));
    key.name = (char *)name;
    return bsearch(&key, s->entries, s->n, sizeof(s->entries[0]), entry_cmp);
}

bool snapshot_same_entries(const struct snapshot *a, const struct snap_entry *entries, size_t n)
{
    if (a->n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct snap_entry *x = &a->entries[i], *y = &entries[i];

        if (strcmp(x->name, y->name) != 0 || !file_id_equal(&x->id, &y->id) ||
            memcmp(x->sha256, y->sha256, SHA256_LEN) != 0 || !pieces_equal(x->pieces, y->pieces))
            return false;
    }
    return true;
}

struct snapshot *snapshot_ref(struct snapshot *s)
{
    atomic_fetch_add(&s->refs, 1);
    return s;
}

void snapshot_unref(struct snapshot *s)
{
    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    snap_entries_free(s->entries, s->n);
    free(s->text);
    free(s->html);
    free(s);
}

/* Copy E into OUT, with a copy of NAME. False when out of memory. */
static bool entry_copy(struct snap_entry *out, const struct snap_entry *e, const char *name)
{
    *out = *e;
    out->name = strdup(name);
    if (out->name == NULL)
        return false;
    out->pieces = pieces_ref(e->pieces);
    return true;
}

struct snap_entry *snapshot_edit(const struct snapshot *s, const char *name,
                                 const struct snap_entry *e, size_t *n)
{
    struct snap_entry *v = malloc((s->n + 1) * sizeof(*v));
    size_t o = 0;
    bool is_placed = e == NULL;

    *n = 0;
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i <= s->n; i++) {
        int cmp = i < s->n ? strcmp(s->entries[i].name, name) : 1;

        if (cmp > 0 && !is_placed) {
            if (!entry_copy(&v[o], e, name))
                goto oom;
            o++;
            is_placed = true;
        }
        if (i == s->n)
            break;
        if (cmp == 0) {
            if (e != NULL && !is_placed) {
                if (!entry_copy(&v[o], e, name))
                    goto oom;
                o++;
                is_placed = true;
            }
            continue;
        }
        if (!entry_copy(&v[o], &s->entries[i], s->entries[i].name))
            goto oom;
        o++;
    }
    *n = o;
    return v;
oom:
    snap_entries_free(v, o);
    return NULL;
}

static bool entry_same(const struct snap_entry *a, const struct snap_entry *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return file_id_equal(&a->id, &b->id) && memcmp(a->sha256, b->sha256, SHA256_LEN) == 0;
}

/* The entry called NAME in V[0..N) (sorted), or NULL. */
static const struct snap_entry *entry_find(const struct snap_entry *v, size_t n, const char *name)
{
    struct snap_entry key;

    if (n == 0)
        return NULL;
    memset(&key, 0, sizeof(key));
    key.name = (char *)name;
    return bsearch(&key, v, n, sizeof(v[0]), entry_cmp);
}

/*
 * Add what NAME is in the merge to V (room is there): CUR's entry when
 * BASE and CUR differ on it, else SCANNED's. False when out of memory.
 */
static bool merge_one(const struct snapshot *base, const struct snapshot *cur,
                      const struct snap_entry *scanned, size_t nscanned, const char *name,
                      struct snap_entry *v, size_t *o)
{
    const struct snap_entry *b = entry_find(base->entries, base->n, name);
    const struct snap_entry *c = entry_find(cur->entries, cur->n, name);
    const struct snap_entry *pick = entry_same(b, c) ? entry_find(scanned, nscanned, name) : c;

    if (pick == NULL)
        return true;
    if (!entry_copy(&v[*o], pick, name))
        return false;
    (*o)++;
    return true;
}

struct snap_entry *snapshot_merge(const struct snapshot *base, const struct snapshot *cur,
                                  const struct snap_entry *scanned, size_t nscanned, size_t *n)
{
    size_t cap = nscanned + cur->n + 1, o = 0, i = 0, j = 0;
    struct snap_entry *v = malloc(cap * sizeof(*v));

    *n = 0;
    if (v == NULL)
        return NULL;
    /* Walk the union of the names of SCANNED and CUR in order (a name only
     * BASE has is either in neither, or was removed by an edit). */
    while (i < nscanned || j < cur->n) {
        int cmp = i == nscanned ? 1
                  : j == cur->n ? -1
                                : strcmp(scanned[i].name, cur->entries[j].name);
        const char *name = cmp <= 0 ? scanned[i].name : cur->entries[j].name;

        if (!merge_one(base, cur, scanned, nscanned, name, v, &o)) {
            snap_entries_free(v, o);
            return NULL;
        }
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            j++;
    }
    *n = o;
    return v;
}

void catalog_store_init(struct catalog_store *st, struct snapshot *first)
{
    pthread_mutex_init(&st->lock, NULL);
    pthread_mutex_init(&st->edit_lock, NULL);
    atomic_init(&st->gen, 1);
    first->gen = 1;
    st->cur = first;
}

void catalog_store_cleanup(struct catalog_store *st)
{
    snapshot_unref(st->cur);
    st->cur = NULL;
    pthread_mutex_destroy(&st->lock);
    pthread_mutex_destroy(&st->edit_lock);
}

struct snapshot *catalog_store_get(struct catalog_store *st)
{
    struct snapshot *s;

    pthread_mutex_lock(&st->lock);
    s = snapshot_ref(st->cur);
    pthread_mutex_unlock(&st->lock);
    return s;
}

uint64_t catalog_store_gen(struct catalog_store *st)
{
    return atomic_load(&st->gen);
}

uint64_t catalog_store_publish(struct catalog_store *st, struct snapshot *s)
{
    struct snapshot *old;
    uint64_t gen;

    pthread_mutex_lock(&st->lock);
    gen = atomic_fetch_add(&st->gen, 1) + 1;
    s->gen = gen; /* before anyone else can see S */
    old = st->cur;
    st->cur = s;
    pthread_mutex_unlock(&st->lock);
    snapshot_unref(old);
    return gen;
}
