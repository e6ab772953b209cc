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
    pthread_cond_init(&p->taken, NULL);
    snprintf(p->v.server, sizeof(p->v.server), "%s", server);
    p->next_seq = 1;
    p->entries_gen = p->log_gen = 1; /* a zeroed view has neither yet */
}

void progress_cleanup(struct progress *p)
{
    free(p->v.entries);
    p->v.entries = NULL;
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    pthread_cond_destroy(&p->taken);
}

/* Copy a result line or a notice: its text as long as it is, not the whole buffer. */
static void copy_event(struct progress_event *to, const struct progress_event *from)
{
    to->seq = from->seq;
    to->state = from->state;
    memcpy(to->text, from->text, strnlen(from->text, sizeof(to->text) - 1) + 1);
    to->text[sizeof(to->text) - 1] = '\0';
}

static void copy_note(struct progress_note *to, const struct progress_note *from)
{
    to->seq = from->seq;
    to->is_error = from->is_error;
    memcpy(to->text, from->text, strnlen(from->text, sizeof(to->text) - 1) + 1);
    to->text[sizeof(to->text) - 1] = '\0';
}

/* The log (message, notices, result lines) into OUT, oldest first. Lock held. */
static void copy_log(const struct progress *p, struct progress_view *out)
{
    memcpy(out->message, p->v.message, strnlen(p->v.message, sizeof(out->message) - 1) + 1);
    out->message[sizeof(out->message) - 1] = '\0';
    out->is_error = p->v.is_error;
    out->nnotes = p->v.nnotes;
    for (size_t i = 0; i < p->v.nnotes; i++)
        copy_note(&out->notes[i], &p->notes[(p->notes_first + i) % PROGRESS_MAX_NOTES]);
    out->nevents = p->v.nevents;
    for (size_t i = 0; i < p->v.nevents; i++)
        copy_event(&out->events[i], &p->events[(p->events_first + i) % PROGRESS_MAX_EVENTS]);
    out->log_gen = p->log_gen;
}

int progress_copy(struct progress *p, struct progress_view *out, bool want_entries)
{
    int err = 0;

    pthread_mutex_lock(&p->lock);
    memcpy(out->server, p->v.server, sizeof(out->server));
    out->nfiles = p->v.nfiles;
    memcpy(out->files, p->v.files, p->v.nfiles * sizeof(out->files[0]));
    out->is_finished = p->v.is_finished;
    if (out->log_gen != p->log_gen) {
        copy_log(p, out);
        if (p->seen_seq + 1 < p->next_seq) {
            p->seen_seq = p->next_seq - 1;
            pthread_cond_broadcast(&p->taken);
        }
    }
    if (!want_entries) {
        out->nentries = 0;
    } else if (out->entries_gen != p->entries_gen) {
        struct progress_entry *keep = out->entries;

        if (p->v.nentries > 0) {
            keep = realloc(out->entries, p->v.nentries * sizeof(*keep));
            if (keep == NULL)
                err = -ENOMEM;
        }
        if (err == 0) {
            out->entries = keep;
            out->nentries = p->v.nentries;
            if (p->v.nentries > 0)
                memcpy(out->entries, p->v.entries, p->v.nentries * sizeof(*keep));
            out->entries_gen = p->entries_gen;
        }
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
    p->entries_gen++;
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
        p->entries_gen++;
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

/*
 * Before pushing into a ring of CAP holding N whose oldest line is OLDEST:
 * wait (a second at most) while that line would be lost unseen. Lock held.
 */
static void make_room(struct progress *p, size_t n, size_t cap, uint64_t oldest)
{
    struct timespec until;

    if (n < cap || oldest <= p->seen_seq || p->v.is_finished)
        return;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_cond_broadcast(&p->cond); /* look now */
    while (oldest > p->seen_seq)
        if (pthread_cond_timedwait(&p->taken, &p->lock, &until) != 0)
            break; /* nobody copies: the oldest line goes */
}

/* After a push into a ring of CAP: wake the UI once half of it is new to it. Lock held. */
static void nudge(struct progress *p, size_t cap)
{
    if (p->next_seq - 1 - p->seen_seq >= cap / 2)
        pthread_cond_broadcast(&p->cond);
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
    make_room(p, p->v.nnotes, PROGRESS_MAX_NOTES, p->notes[p->notes_first].seq);
    memcpy(p->v.message, note.text, sizeof(note.text));
    p->v.is_error = is_error;
    note.seq = p->next_seq++;
    if (p->v.nnotes == PROGRESS_MAX_NOTES) { /* the oldest goes */
        p->notes_first = (p->notes_first + 1) % PROGRESS_MAX_NOTES;
        p->v.nnotes--;
    }
    copy_note(&p->notes[(p->notes_first + p->v.nnotes++) % PROGRESS_MAX_NOTES], &note);
    p->log_gen++;
    nudge(p, PROGRESS_MAX_NOTES);
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
    make_room(p, p->v.nevents, PROGRESS_MAX_EVENTS, p->events[p->events_first].seq);
    ev.seq = p->next_seq++;
    if (p->v.nevents == PROGRESS_MAX_EVENTS) { /* the oldest goes */
        p->events_first = (p->events_first + 1) % PROGRESS_MAX_EVENTS;
        p->v.nevents--;
    }
    copy_event(&p->events[(p->events_first + p->v.nevents++) % PROGRESS_MAX_EVENTS], &ev);
    p->log_gen++;
    nudge(p, PROGRESS_MAX_NOTES);
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
