/*
 * server/upload_head.h - what an upload request's head says, and the
 * decisions that follow from it before any body byte is read: the
 * fields of the Resumable Uploads draft (Upload-Complete, Upload-Offset,
 * Upload-Length), the digests (Repr-Digest, Content-Digest, RFC 9530),
 * Content-Type on an append, and the limits.
 *
 * Pure: no I/O, no allocation, no clock. Every function that can refuse
 * returns 0 or the HTTP status of the refusal, with a reason (static
 * text) and, where the draft names one, a problem type.
 */
#ifndef SERVER_UPLOAD_HEAD_H
#define SERVER_UPLOAD_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chunked.h"
#include "http_req.h"
#include "sha256.h"
#include "strview.h"

/* The media type of an append (draft section "Media Type"). */
#define UPLOAD_PARTIAL_TYPE "application/partial-upload"

enum digest_result {
    DIGEST_ABSENT, /* no such field, or one without a sha-256 member (nothing to check) */
    DIGEST_OK,     /* a sha-256 member: *OUT holds it */
    DIGEST_BAD,    /* not a Dictionary, or a sha-256 member that is not 32 bytes of base64 */
};

/*
 * The sha-256 member of a Repr-Digest or Content-Digest field value
 * (RFC 9530: a Dictionary of Byte Sequences, "sha-256=:BASE64:"), into
 * OUT. Other algorithms are allowed and ignored.
 */
enum digest_result digest_field_sha256(struct strview field, uint8_t out[SHA256_LEN]);

/*
 * The file a PUT or DELETE of PATH writes ("/iso/a%20b.iso", the path of
 * the request target): PATH without its '/', percent-decoded once into
 * OUT (CAP bytes, NUL-terminated) and checked. Returns 0; 400 when it is
 * not a valid path (name_path_check(): "..", empty components, controls,
 * bad UTF-8, a leading '#', the root itself); 403 when it is one that may
 * not be written: a hidden component (".git", ".pdm-uploads") or the
 * catalog's name in the root. *WHY says which.
 */
int upload_path_check(struct strview path, char *out, size_t cap, const char **why);

/* The problem types of the draft, sent as application/problem+json. */
enum upload_problem {
    PROBLEM_NONE,
    PROBLEM_MISMATCHING_OFFSET,  /* 409 */
    PROBLEM_COMPLETED_UPLOAD,    /* 400 / 410 */
    PROBLEM_INCONSISTENT_LENGTH, /* 400 */
};

/* The problem type's URI, or NULL for PROBLEM_NONE. */
const char *upload_problem_uri(enum upload_problem p);

/* What the head of a PUT or PATCH says about the upload. */
struct upload_head {
    bool has_complete; /* a valid Upload-Complete (others are ignored, as the draft says) */
    bool is_complete;
    bool has_offset; /* a valid Upload-Offset */
    uint64_t offset;
    bool has_length; /* a valid Upload-Length */
    uint64_t length;
    bool has_repr_digest; /* Repr-Digest with sha-256 */
    uint8_t repr_digest[SHA256_LEN];
    bool has_content_digest; /* Content-Digest with sha-256 */
    uint8_t content_digest[SHA256_LEN];
    bool is_partial_upload; /* Content-Type: application/partial-upload */
    bool has_body_length;   /* the body's size is known from Content-Length */
    uint64_t body_length;
    bool is_chunked; /* Transfer-Encoding: chunked */
};

/*
 * Read the upload fields of REQ into *OUT. An Upload-Complete,
 * Upload-Offset or Upload-Length that is not a valid Item of its type (a
 * Boolean; an Integer of 0 or more), or that comes on more than one line,
 * is ignored, as the draft requires. A digest field that is malformed, or
 * two lines of one digest field with different sha-256 values, is 400.
 * Returns 0 or 400 with *WHY.
 */
int upload_head_parse(const struct http_request *req, struct upload_head *out, const char **why);

/*
 * The digest fields among the trailer fields of a chunked body D (which
 * has ended): a Repr-Digest or Content-Digest trailer sets or must agree
 * with what *H holds from the head. Returns 0 or 400 with *WHY.
 */
int upload_trailer_digests(const struct chunked *d, struct upload_head *h, const char **why);

/* A plan for the body of an upload request, decided from its head. */
struct upload_plan {
    bool has_length; /* the length of the whole upload is known (now) */
    uint64_t length;
    uint64_t max_body;           /* the most body bytes the request may carry */
    bool max_is_length;          /* max_body comes from the length (more is 400), not from
                                    MAX_SIZE (more is 413) */
    bool must_fill;              /* with Upload-Complete: ?1 and a known length, the body must
                                    bring the upload to exactly that length */
    enum upload_problem problem; /* of a refusal */
};

/*
 * A PUT that creates a file: plain (no Upload-Complete) or a resumable
 * upload. MAX_SIZE is --max-upload-size. The length is Upload-Length,
 * or Content-Length with Upload-Complete: ?1; both, different, are 400
 * (inconsistent length); a length or a Content-Length over MAX_SIZE is
 * 413; a Content-Length past a known length is 400.
 */
int upload_plan_create(const struct upload_head *h, uint64_t max_size, struct upload_plan *out,
                       const char **why);

/* The state of an upload resource, as the append decision sees it. */
struct upload_view {
    bool is_complete;
    uint64_t offset;
    bool has_length;
    uint64_t length;
};

/*
 * A PATCH to upload resource U. In order: 415 without Content-Type
 * application/partial-upload; 400 without a valid Upload-Complete or
 * Upload-Offset; for a completed upload, 400 (inconsistent length) for
 * a body, 410 (completed upload) for none; 409 (mismatching offset) when
 * Upload-Offset is not U's offset; 400 (inconsistent length) when the
 * lengths the request and U indicate disagree, or the body would pass
 * the length; 413 when the length or the offset plus Content-Length
 * passes MAX_SIZE.
 */
int upload_plan_append(const struct upload_view *u, const struct upload_head *h, uint64_t max_size,
                       struct upload_plan *out, const char **why);

/*
 * The body of a request planned as P ended after BODY bytes, taking the
 * upload from START to START + BODY. With IS_COMPLETE (Upload-Complete:
 * ?1) and a known length, the upload must now have exactly that length:
 * 400 (inconsistent length) when it is short. Returns 0 or 400.
 */
int upload_check_end(const struct upload_plan *p, bool is_complete, uint64_t start, uint64_t body,
                     const char **why);

#endif
