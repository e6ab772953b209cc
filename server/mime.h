/*
 * server/mime.h - a Content-Type for a file name, from its extension.
 */
#ifndef SERVER_MIME_H
#define SERVER_MIME_H

/*
 * The media type for the extension (any case) of NAME's last path
 * component, or "application/octet-stream" when it is unknown. The result
 * is static.
 */
const char *mime_type(const char *name);

#endif
