/*
 * client/progress.c - the shared picture of the queue and the downloads.
 * Every function takes p->lock for a short copy and nothing else.
 */
#include "progress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *progress_state_name(enum entry_state state)
{
    switch (state) {
    case ENTRY_WAITING:
        return "waiting";
    case ENTRY_MISSING:
        return "not in catalog";
    case ENTRY_NO_CATALOG:
        return "no catalog";
    case ENTRY_ACTIVE:
        return "downloading";
    case ENTRY_VERIFYING:
        return "verifying";
    case ENTRY_VERIFIED:
        return "verified";
    case ENTRY_PRESENT:
        return "already here";
    case ENTRY_UNVERIFIED:
        return "done, unverified";
    case ENTRY_FAILED:
        return "failed";
    }
    return "?";
}

bool progress_state_is_final(enum entry_state state)
{
    return state == ENTRY_VERIFIED || state == ENTRY_PRESENT || state == ENTRY_UNVERIFIED ||
           state == ENTRY_FAILED;
}

void progress_init(struct progress *p, const char *server)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    snprintf(p->v.server, sizeof(p->v.server), "%s", server);
    p->next_seq = 1;
}

void progress_cleanup(struct progress *p)
{
    free(p->v.entries);
    p->v.entries = NULL;
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
}

int progress_copy(struct progress *p, struct progress_view *out)
{
    struct progress_entry *keep = out->entries;
    int err = 0;

    pthread_mutex_lock(&p->lock);
    if (p->v.nentries > 0) {
        keep = realloc(out->entries, p->v.nentries * sizeof(*keep));
        if (keep == NULL) {
            keep = out->entries;
            err = -ENOMEM;
        }
    }
    if (err == 0) {
        *out = p->v;
        out->entries = keep;
        if (p->v.nentries > 0)
            memcpy(out->entries, p->v.entries, p->v.nentries * sizeof(*keep));
    }
    pthread_mutex_unlock(&p->lock);
    return err;
}

void progress_view_free(struct progress_view *v)
{
    free(v->entries);
    v->entries = NULL;
    v->nentries = 0;
}

int progress_set_queue(struct progress *p, const char *const *labels, size_t n)
{
    struct progress_entry *v = calloc(n ? n : 1, sizeof(*v));

    if (v == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        snprintf(v[i].label, sizeof(v[i].label), "%s", labels[i]);
        v[i].state = ENTRY_WAITING;
        for (size_t k = 0; k < p->v.nentries; k++) {
            if (strcmp(p->v.entries[k].label, v[i].label) == 0) {
                v[i] = p->v.entries[k];
                break;
            }
        }
    }
    free(p->v.entries);
    p->v.entries = v;
    p->v.nentries = n;
    pthread_mutex_unlock(&p->lock);
    return 0;
}

void progress_set_entry(struct progress *p, size_t i, enum entry_state state, bool has_size,
                        uint64_t size, const char *reason)
{
    pthread_mutex_lock(&p->lock);
    if (i < p->v.nentries) {
        struct progress_entry *e = &p->v.entries[i];

        e->state = state;
        if (has_size) {
            e->has_size = true;
            e->size = size;
        }
        snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
    }
    pthread_mutex_unlock(&p->lock);
}

void progress_set_file(struct progress *p, size_t k, const struct progress_file *f)
{
    if (k >= PROGRESS_MAX_FILES)
        return;
    pthread_mutex_lock(&p->lock);
    if (f != NULL) {
        p->v.files[k] = *f;
        if (p->v.nfiles < k + 1)
            p->v.nfiles = k + 1;
    } else {
        memset(&p->v.files[k], 0, sizeof(p->v.files[k]));
        while (p->v.nfiles > 0 && p->v.files[p->v.nfiles - 1].name[0] == '\0')
            p->v.nfiles--;
    }
    pthread_mutex_unlock(&p->lock);
}

void progress_message(struct progress *p, bool is_error, const char *fmt, ...)
{
    struct progress_note note;
    va_list ap;

    note.is_error = is_error;
    va_start(ap, fmt);
    vsnprintf(note.text, sizeof(note.text), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&p->lock);
    memcpy(p->v.message, note.text, sizeof(note.text));
    p->v.is_error = is_error;
    note.seq = p->next_seq++;
    if (p->v.nnotes == PROGRESS_MAX_NOTES) {
        memmove(&p->v.notes[0], &p->v.notes[1], (PROGRESS_MAX_NOTES - 1) * sizeof(p->v.notes[0]));
        p->v.nnotes--;
    }
    p->v.notes[p->v.nnotes++] = note;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void progress_event(struct progress *p, enum entry_state state, const char *fmt, ...)
{
    struct progress_event ev;
    va_list ap;

    ev.state = state;
    va_start(ap, fmt);
    vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&p->lock);
    ev.seq = p->next_seq++;
    if (p->v.nevents == PROGRESS_MAX_EVENTS) {
        memmove(&p->v.events[0], &p->v.events[1],
                (PROGRESS_MAX_EVENTS - 1) * sizeof(p->v.events[0]));
        p->v.nevents--;
    }
    p->v.events[p->v.nevents++] = ev;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void progress_finish(struct progress *p)
{
    pthread_mutex_lock(&p->lock);
    p->v.is_finished = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

bool progress_wait(struct progress *p, int timeout_ms)
{
    struct timespec until;
    bool is_finished;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    if (!p->v.is_finished)
        pthread_cond_timedwait(&p->cond, &p->lock, &until);
    is_finished = p->v.is_finished;
    pthread_mutex_unlock(&p->lock);
    return is_finished;
}
