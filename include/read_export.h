/*
 * read_export.h - `kvalrap read`: how one export is read with a mapping.
 */
#ifndef KV_READ_EXPORT_H
#define KV_READ_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

/* The mapping and what to print; NULL / 0 for what was not given. */
typedef struct {
    const char *config;         /* a rule file whose dataset mapping to use */
    const char *encoding, *delimiter, *date_format;
    int header_line;
    const char *const *columns; /* FIELD=HEADER */
    size_t ncolumns;
    bool summary;               /* what was detected, the rejects and the counts; no rows */
} read_options;

/* Read FILE as DATASET, mapped by o: canonical CSV on stdout (unless
 * o->summary), what was detected, the rejects and a summary on stderr.
 * Returns 0 when readable (rejected rows included), 65 when refused, 66
 * when it cannot be opened, 64/78 for a bad mapping. */
int read_export(const char *dataset, const char *file, const read_options *o);

#endif
