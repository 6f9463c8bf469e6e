/*
 * read_export.h - `kvalrap read`: how one export is read with a mapping.
 */
#ifndef KV_READ_EXPORT_H
#define KV_READ_EXPORT_H

#include <stddef.h>

/* Read FILE as DATASET, mapped by the rule file `config` (may be NULL) and
 * the explicit options (NULL / 0 when not given); canonical CSV on stdout,
 * what was detected, the rejects and a summary on stderr.  Returns 0 when
 * readable (rejected rows included), 65 when refused, 66 when it cannot
 * be opened, 64/78 for a bad mapping. */
int read_export(const char *dataset, const char *file, const char *config, const char *encoding,
                const char *delimiter, const char *date_format, int header_line,
                const char *const *columns, size_t ncolumns);

#endif
