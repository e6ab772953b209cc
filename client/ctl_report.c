/*
 * client/ctl_report.c - the result line of a finished download, and the
 * state its queue entry ends in.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "encode.h"
#include "human.h"
#include "ui_model.h"

/* The result line of a finished download. */
void ctl_report(struct controller *c, struct item *it, const struct dl_result *r)
{
    char size[32], took[32], speed[32], hex[SHA256_HEX_LEN + 1], notes[64 + 520] = "";
    const char *tls = c->opts->net.is_insecure && strncasecmp(it->label, "http://", 7) != 0
                          ? "  (--insecure: the server's certificate was not checked)"
                          : "";

    human_size(r->size, size, sizeof(size));
    ui_format_duration(r->seconds, took, sizeof(took));
    ui_format_speed(r->seconds > 0 ? (double)r->fetched / r->seconds : 0, speed, sizeof(speed));
    encode_hex(r->sha256, SHA256_LEN, hex);
    if (r->resumed > 0) {
        char rs[32];

        human_size(r->resumed, rs, sizeof(rs));
        snprintf(notes, sizeof(notes), "  (resumed: %s were already here)", rs);
    }
    if (r->sources[0] != '\0') /* several sources: what each gave, who was dropped */
        snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "  (%s)", r->sources);
    it->has_size = it->has_size || r->status != DL_FAILED;
    if (r->status != DL_FAILED)
        it->size = r->size;
    if (r->status == DL_PRESENT && r->reason[0] != '\0' && it->was_blocked) {
        /* The file is there because another entry just wrote it, and no
         * hash says whether it is this one's: that is a conflict, not a success. */
        char why[PROGRESS_REASON_MAX];

        snprintf(why, sizeof(why),
                 "another entry of the queue (%s) goes to the same file, which it "
                 "wrote; with no hash to tell whether it is this file too, it is not replaced",
                 it->blocked_by);
        ctl_set_state(c, it, ENTRY_FAILED, why);
        progress_event(c->progress, ENTRY_FAILED, "%s: FAILED: %s", it->label, why);
        return;
    }
    switch (r->status) {
    case DL_VERIFIED:
        ctl_set_state(c, it, ENTRY_VERIFIED, NULL);
        progress_event(c->progress, ENTRY_VERIFIED, "%s  %s  %s  %s  sha256 ok%s%s", it->label,
                       size, took, speed, notes, tls);
        break;
    case DL_PRESENT:
        ctl_set_state(c, it, ENTRY_PRESENT, r->reason[0] ? r->reason : NULL);
        progress_event(c->progress, ENTRY_PRESENT, "%s  %s  already in %s, %s", it->label, size,
                       c->opts->output ? c->opts->output : c->opts->dir,
                       r->reason[0] ? "not checked (no hash known)" : "sha256 ok");
        break;
    case DL_UNVERIFIED:
        ctl_set_state(c, it, ENTRY_UNVERIFIED, "no SHA-256 published to check against");
        progress_event(c->progress, ENTRY_UNVERIFIED,
                       "%s  %s  %s  %s  not verified: no SHA-256 was published (sha256 %s)%s%s",
                       it->label, size, took, speed, hex, notes, tls);
        break;
    case DL_FAILED:
        ctl_set_state(c, it, ENTRY_FAILED, r->reason);
        progress_event(c->progress, ENTRY_FAILED, "%s: FAILED: %s%s%s%s", it->label, r->reason,
                       r->sources[0] ? "  (" : "", r->sources, r->sources[0] ? ")" : "");
        break;
    case DL_STOPPED:
        ctl_set_state(c, it, ENTRY_WAITING, "stopped; resumes next time");
        break;
    }
}
