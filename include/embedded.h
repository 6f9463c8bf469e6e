/*
 * embedded.h - data files compiled into the binary (see tools/embed.sh):
 * the label texts of reports/ and the Lua standard library of lua/lib/.
 */
#ifndef KV_EMBEDDED_H
#define KV_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *name;   /* path in the source tree: "reports/common.nb" */
    const char *data;   /* NUL-terminated */
    size_t len;
} embedded_file;

extern const embedded_file embedded_files[];   /* ends with a NULL name */

const embedded_file *embedded_find(const char *name);

#endif
