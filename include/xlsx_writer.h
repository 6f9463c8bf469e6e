/*
 * xlsx_writer.h - the report as an Excel workbook (libxlsxwriter).
 *
 * One call writes the whole workbook: a summary sheet with status colours,
 * trend columns and a chart per KPI; the monthly series; a sheet per
 * breakdown dimension; each KPI list as an Excel table; and a data-quality
 * sheet with the input files, the rejected rows and the warnings.
 *
 * Text from the data is always written as text (never a formula), invalid
 * UTF-8 is replaced, and text longer than a cell holds is cut with a warning
 * on the data-quality sheet.  The same report gives a byte-identical file
 * whatever the process locale: the creation date is r->generated.
 */
#ifndef KV_XLSX_WRITER_H
#define KV_XLSX_WRITER_H

#include <stddef.h>

#include "labels.h"
#include "model.h"

/* Excel's limits: characters (UTF-16 units) in a cell, and in a sheet name. */
#define XLSX_MAX_CELL_CHARS 32767
#define XLSX_MAX_SHEET_NAME 31

/*
 * Write the report as an .xlsx workbook to path, in the words of l.
 * Returns 0, or -1 with a message in err (errlen bytes; err may be NULL).
 * A failure while building leaves path untouched; a failure while writing
 * (including a file that turns out truncated, as on a full disk) removes
 * what was written there, if it is a regular file.
 *
 * The whole workbook is built in memory before it is written (tables need
 * libxlsxwriter's full mode, not constant_memory): about 100 MB for a list
 * of 130,000 rows of five columns, written in about two seconds.
 */
int xlsx_write_report(const report *r, const labels *l, const char *path, char *err, size_t errlen);

#endif
