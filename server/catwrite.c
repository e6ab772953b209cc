/*
 * server/catwrite.c - the catalog files on disk.
 */
#include "catwrite.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "hashcache.h"
#include "log.h"

void catwriter_init(struct catwriter *w, const char *catalog_path, const char *cache_path,
                    struct catalog_store *store)
{
    w->catalog_path = catalog_path;
    w->cache_path = cache_path;
    w->store = store;
    w->written_gen = 0;
    pthread_mutex_init(&w->lock, NULL);
}

void catwriter_cleanup(struct catwriter *w)
{
    pthread_mutex_destroy(&w->lock);
}

int catwriter_write(const char *catalog_path, const char *cache_path, const struct snapshot *s)
{
    char *cache;
    size_t cache_len = 0;
    int err = atomicfile_write(catalog_path, s->text, s->text_len, 0644), cerr;

    if (err != 0)
        log_warnx("catalog: cannot write %s: %s; serving the new catalog from memory", catalog_path,
                  strerror(-err));
    cache = hashcache_render(s->entries, s->n, &cache_len);
    cerr = cache ? atomicfile_write(cache_path, cache, cache_len, 0644) : -ENOMEM;
    if (cerr != 0)
        log_warnx("catalog: cannot write the hash cache %s: %s", cache_path, strerror(-cerr));
    free(cache);
    return err;
}

int catwriter_sync(struct catwriter *w, uint64_t gen)
{
    struct snapshot *s;
    int err = 0;

    pthread_mutex_lock(&w->lock);
    if (w->written_gen < gen) {
        s = catalog_store_get(w->store);
        err = catwriter_write(w->catalog_path, w->cache_path, s);
        w->written_gen = s->gen;
        snapshot_unref(s);
    }
    pthread_mutex_unlock(&w->lock);
    return err;
}
