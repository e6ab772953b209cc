/*
 * server/mime.c - a small extension table. A download server mostly sends
 * application/octet-stream; the table only spares browsers from saving a
 * text file or a picture they could have shown. Pure.
 */
#include "mime.h"

#include <strings.h>
#include <string.h>

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"webp", "image/webp"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tgz", "application/gzip"},
    {"xz", "application/x-xz"},
    {"bz2", "application/x-bzip2"},
    {"zst", "application/zstd"},
    {"tar", "application/x-tar"},
    {"iso", "application/x-iso9660-image"},
};

const char *mime_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash != NULL ? slash + 1 : name;
    const char *dot = strrchr(base, '.');

    if (dot != NULL && dot != base) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    }
    return "application/octet-stream";
}
