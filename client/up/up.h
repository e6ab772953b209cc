/*
 * client/up/up.h - the inside of one upload, shared by upload.c (plain
 * and streamed uploads, deletes, retries, progress) and upload_resume.c
 * (the resumable flow). Not a public interface.
 */
#ifndef CLIENT_UP_UP_H
#define CLIENT_UP_UP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "send.h"
#include "sha256.h"
#include "upload.h"
#include "verdict.h"

#define UP_URL_MAX    8192
#define UP_TEXT_MAX   1024
#define UP_READ_BUF   (1u << 20)
#define UP_ANSWER_MIN 60 /* seconds the answer may take after the last byte */

struct up {
    const struct upload_ctx *c;
    struct send *send;
    const char *remote;
    const char *label; /* the local side, for messages */
    char url[UP_URL_MAX];
    char host[256]; /* "127.0.0.1:8080" */

    /* What is sent. */
    int fd;
    bool is_stream;
    struct stat st;
    uint64_t size;
    uint8_t sha256[SHA256_LEN];
    char digest[80]; /* "sha-256=:BASE64:" */

    /* The body of the request in flight: bytes [body_start, body_end) of the file. */
    uint64_t body_start, body_end, body_pos;
    int body_err; /* a read error (-errno) or -ESTALE (the file shrank) */
    struct sha256 *stream_hash;
    bool is_stream_done;
    char trailer[128];

    /* Progress. */
    uint64_t started_ns;
    uint64_t done;    /* bytes the server has (or is being sent) */
    uint64_t resumed; /* bytes the server had before this run */
    uint64_t wire;    /* body bytes sent in this run, over every attempt */
    uint64_t last_publish_ns, mark_ns, mark_done;
    double speed;
    enum slot_state slot;
    unsigned attempt;
    bool is_hashing;
    uint64_t hashed;

    /* Retries. */
    unsigned failures;       /* in a row, without progress */
    unsigned proto_failures; /* of those, protocol violations */
    uint64_t rng;
};

/* Monotonic nanoseconds. */
uint64_t up_now_ns(void);

/* True once the caller asked to stop. */
bool up_is_stopping(const struct up *u);

/* Show U's progress now (throttled unless FORCE). */
void up_publish(struct up *u, bool force);

/* send_run() with U's body reading from the file at [START, END). */
void up_body_file(struct up *u, struct send_body *b, uint64_t start, uint64_t end);

/* The on_tick of every request: progress, and the stop flag. */
bool up_on_tick(void *arg, uint64_t sent);

/*
 * After a failed attempt (WHY, of class CLS; IS_STALL: it waited already;
 * HEAD: the answer, when there was one, for Retry-After): wait before
 * the next one and return true, or return false when it is time to give
 * up (permanent, out of retries, stopping). NEXT says what comes next
 * ("resuming", "trying again").
 */
bool up_retry(struct up *u, enum retry_class cls, bool is_stall, const char *why,
              const struct uphead *head, const char *next);

/* The server has made progress: failures in a row start again from 0. */
void up_progress_made(struct up *u);

/* A result line: success (WORDS, STATUS, whether the server's digest
 * confirmed ours) or failure (WHY). Returns the exit status: 0 or 1. */
int up_succeeded(struct up *u, const char *words, long status, const struct uphead *head);
int up_failed(struct up *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The words of a failed answer, with the server's own explanation appended
 * when its body is short text: into OUT (CAP). */
void up_answer_words(const struct verdict *v, long status, const struct send_res *res, char *out,
                     size_t cap);

/* upload_resume.c: the resumable flow for a regular file of UPLOAD_RESUMABLE_MIN or more. */
int up_resumable(struct up *u);

/* upload.c: one PUT of the whole file (also the fallback of a server without resumable uploads). */
int up_plain(struct up *u);

#endif
