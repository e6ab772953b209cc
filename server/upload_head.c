/*
 * server/upload_head.c - upload fields and the decisions taken on them.
 *
 * The draft's rule for its own fields is "other values MUST cause the
 * entire header field to be ignored", so a malformed Upload-* field is
 * treated as absent (and a PATCH without a usable Upload-Offset is then
 * refused for lacking one). Digest fields are stricter: a client that
 * sends a digest wants it checked, so one we cannot read is a 400 rather
 * than an upload that silently goes unchecked.
 */
#include "upload_head.h"

#include <string.h>

#include "encode.h"
#include "name.h"
#include "resource.h"
#include "sfv.h"

enum digest_result digest_field_sha256(struct strview field, uint8_t out[SHA256_LEN])
{
    struct sfv_item v;
    bool found = false;
    size_t n = 0;

    if (!sfv_dict_find(field, "sha-256", &found, &v))
        return DIGEST_BAD;
    if (!found)
        return DIGEST_ABSENT;
    if (v.type != SFV_BYTES || !decode_base64(v.text.p, v.text.len, out, SHA256_LEN, &n) ||
        n != SHA256_LEN)
        return DIGEST_BAD;
    return DIGEST_OK;
}

int upload_path_check(struct strview path, char *out, size_t cap, const char **why)
{
    enum name_result nr;

    *why = NULL;
    if (cap > 0)
        out[0] = '\0';
    if (path.len < 2 || path.p[0] != '/') {
        *why = "the target must name a file";
        return 400;
    }
    nr = name_path_from_target(path.p + 1, path.len - 1, out, cap);
    if (nr == NAME_DOT) {
        *why = "hidden names (a component starting with '.') cannot be written";
        return 403;
    }
    if (nr != NAME_OK) {
        *why = name_strerror(nr);
        return 400;
    }
    if (strcmp(out, RESOURCE_CATALOG_NAME) == 0) {
        *why = "text.txt in the root is the catalog; it cannot be written";
        return 403;
    }
    return 0;
}

const char *upload_problem_uri(enum upload_problem p)
{
    switch (p) {
    case PROBLEM_NONE:
        break;
    case PROBLEM_MISMATCHING_OFFSET:
        return "https://iana.org/assignments/http-problem-types#mismatching-upload-offset";
    case PROBLEM_COMPLETED_UPLOAD:
        return "https://iana.org/assignments/http-problem-types#completed-upload";
    case PROBLEM_INCONSISTENT_LENGTH:
        return "https://iana.org/assignments/http-problem-types#inconsistent-upload-length";
    }
    return NULL;
}

/* The one line of NAME as an Item of TYPE, or false (absent, repeated, invalid). */
static bool item_field(const struct http_request *req, const char *name, enum sfv_type type,
                       struct sfv_item *out)
{
    const struct strview *v = http_request_header(req, name);

    if (v == NULL || http_request_header_count(req, name) != 1)
        return false;
    if (!sfv_parse_item(*v, out) || out->type != type)
        return false;
    return type != SFV_INTEGER || out->integer >= 0;
}

/*
 * Fold one digest field line into *HAS / DIGEST: the first sha-256 sets
 * it, a later different one is a conflict. 0 or 400.
 */
static int add_digest(struct strview value, bool *has, uint8_t digest[SHA256_LEN],
                      const char *conflict, const char **why)
{
    uint8_t d[SHA256_LEN];

    switch (digest_field_sha256(value, d)) {
    case DIGEST_ABSENT:
        return 0;
    case DIGEST_BAD:
        *why = "a malformed digest field (sha-256 must be ':' 32 bytes of base64 ':')";
        return 400;
    case DIGEST_OK:
        break;
    }
    if (*has && memcmp(digest, d, SHA256_LEN) != 0) {
        *why = conflict;
        return 400;
    }
    memcpy(digest, d, SHA256_LEN);
    *has = true;
    return 0;
}

#define REPR_CONFLICT    "two different Repr-Digest sha-256 values"
#define CONTENT_CONFLICT "two different Content-Digest sha-256 values"

/* application/partial-upload, parameters allowed, any case (RFC 9110 8.3.1). */
static bool is_partial_upload(const struct strview *ct)
{
    struct strview t;
    const char *semi;

    if (ct == NULL)
        return false;
    semi = memchr(ct->p, ';', ct->len);
    t = strview_trim(strview_make(ct->p, semi ? (size_t)(semi - ct->p) : ct->len));
    return strview_eq_ci(t, UPLOAD_PARTIAL_TYPE);
}

int upload_head_parse(const struct http_request *req, struct upload_head *out, const char **why)
{
    struct sfv_item it;
    int status;

    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (item_field(req, "upload-complete", SFV_BOOLEAN, &it)) {
        out->has_complete = true;
        out->is_complete = it.integer == 1;
    }
    if (item_field(req, "upload-offset", SFV_INTEGER, &it)) {
        out->has_offset = true;
        out->offset = (uint64_t)it.integer;
    }
    if (item_field(req, "upload-length", SFV_INTEGER, &it)) {
        out->has_length = true;
        out->length = (uint64_t)it.integer;
    }
    for (size_t i = 0; i < req->nheaders; i++) {
        const struct http_header *h = &req->headers[i];

        status = 0;
        if (strview_eq_ci(h->name, "repr-digest"))
            status =
                add_digest(h->value, &out->has_repr_digest, out->repr_digest, REPR_CONFLICT, why);
        else if (strview_eq_ci(h->name, "content-digest"))
            status = add_digest(h->value, &out->has_content_digest, out->content_digest,
                                CONTENT_CONFLICT, why);
        if (status != 0)
            return status;
    }
    out->is_partial_upload = is_partial_upload(http_request_header(req, "content-type"));
    out->is_chunked = req->is_chunked;
    out->has_body_length = !req->is_chunked;
    out->body_length = req->has_content_length ? req->content_length : 0;
    return 0;
}

int upload_trailer_digests(const struct chunked *d, struct upload_head *h, const char **why)
{
    struct strview name, value;
    size_t pos = 0;
    int status = 0;

    *why = NULL;
    while (status == 0 && chunked_trailer_next(d, &pos, &name, &value)) {
        if (strview_eq_ci(name, "repr-digest"))
            status = add_digest(value, &h->has_repr_digest, h->repr_digest, REPR_CONFLICT, why);
        else if (strview_eq_ci(name, "content-digest"))
            status =
                add_digest(value, &h->has_content_digest, h->content_digest, CONTENT_CONFLICT, why);
    }
    return status;
}

static int refuse(struct upload_plan *p, enum upload_problem problem, const char *reason,
                  const char **why, int status)
{
    p->problem = problem;
    *why = reason;
    return status;
}

#define TOO_LARGE "the upload is larger than the server accepts (--max-upload-size)"
#define LENGTHS   "the lengths given for the upload disagree"
#define PAST_END  "the body would go past the upload's length"

/*
 * Combine what the request says about the length (Upload-Length; START
 * plus Content-Length with Upload-Complete: ?1) with what is known
 * already (KNOWN, when HAS_KNOWN), then size the body. 0 or a status.
 */
static int plan_body(const struct upload_head *h, uint64_t start, bool has_known, uint64_t known,
                     uint64_t max_size, struct upload_plan *p, const char **why)
{
    bool has_implied = h->has_complete && h->is_complete && h->has_body_length;
    uint64_t implied = start + h->body_length;

    if (has_implied && implied < start) /* overflow: absurd, and larger than any limit */
        return refuse(p, PROBLEM_NONE, TOO_LARGE, why, 413);
    p->has_length = has_known;
    p->length = known;
    if (h->has_length) {
        if (p->has_length && h->length != p->length)
            return refuse(p, PROBLEM_INCONSISTENT_LENGTH, LENGTHS, why, 400);
        p->has_length = true;
        p->length = h->length;
    }
    if (has_implied) {
        if (p->has_length && implied != p->length)
            return refuse(p, PROBLEM_INCONSISTENT_LENGTH, LENGTHS, why, 400);
        p->has_length = true;
        p->length = implied;
    }
    if (p->has_length && p->length < start)
        return refuse(p, PROBLEM_INCONSISTENT_LENGTH, LENGTHS, why, 400);
    if ((p->has_length && p->length > max_size) ||
        (h->has_body_length && (h->body_length > max_size || start > max_size - h->body_length)))
        return refuse(p, PROBLEM_NONE, TOO_LARGE, why, 413);
    if (p->has_length && h->has_body_length && h->body_length > p->length - start)
        return refuse(p, PROBLEM_INCONSISTENT_LENGTH, PAST_END, why, 400);
    p->max_is_length = p->has_length;
    p->max_body = (p->has_length ? p->length : max_size) - start;
    p->must_fill = p->has_length && h->has_complete && h->is_complete;
    return 0;
}

int upload_plan_create(const struct upload_head *h, uint64_t max_size, struct upload_plan *out,
                       const char **why)
{
    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (!h->has_complete) { /* a plain PUT: the body is the file */
        struct upload_head plain = *h;

        plain.has_length = false;
        plain.is_complete = true;
        plain.has_complete = true;
        return plan_body(&plain, 0, false, 0, max_size, out, why);
    }
    return plan_body(h, 0, false, 0, max_size, out, why);
}

int upload_plan_append(const struct upload_view *u, const struct upload_head *h, uint64_t max_size,
                       struct upload_plan *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (!h->is_partial_upload)
        return refuse(out, PROBLEM_NONE, "an append needs Content-Type: " UPLOAD_PARTIAL_TYPE, why,
                      415);
    if (!h->has_complete)
        return refuse(out, PROBLEM_NONE, "an append needs a valid Upload-Complete (?0 or ?1)", why,
                      400);
    if (!h->has_offset)
        return refuse(out, PROBLEM_NONE, "an append needs a valid Upload-Offset", why, 400);
    if (u->is_complete) {
        if (h->is_chunked || h->body_length > 0)
            return refuse(out, PROBLEM_INCONSISTENT_LENGTH,
                          "the upload is complete; nothing can be appended", why, 400);
        return refuse(out, PROBLEM_COMPLETED_UPLOAD, "the upload is already complete", why, 410);
    }
    if (h->offset != u->offset)
        return refuse(out, PROBLEM_MISMATCHING_OFFSET,
                      "Upload-Offset is not the upload's offset (see the Upload-Offset sent)", why,
                      409);
    return plan_body(h, u->offset, u->has_length, u->length, max_size, out, why);
}

int upload_check_end(const struct upload_plan *p, bool is_complete, uint64_t start, uint64_t body,
                     const char **why)
{
    *why = NULL;
    if (is_complete && p->has_length && start + body != p->length) {
        *why = "the upload ended short of its length";
        return 400;
    }
    return 0;
}
