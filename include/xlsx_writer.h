/*
 * xlsx_writer.h - the report, and the benchmark of several municipalities,
 * as Excel workbooks (libxlsxwriter).
 *
 * One call writes the whole report workbook: a summary sheet with status
 * colours, trend columns and a chart per KPI; the monthly series; the
 * comparison with reference values (when the KPIs have any); a sheet per
 * breakdown dimension; each KPI list as an Excel table; and a data-quality
 * sheet with the input files, the rejected rows and the warnings.  Trend
 * values that come from the run history (series_point.from_history,
 * kpi_result.previous_from_history / last_year_from_history) are in
 * italics and another colour, with a legend line above the table saying so.
 *
 * Another writes the benchmark workbook: the municipalities side by side
 * (a row each, a column per shared KPI, coloured by status), a ranking per
 * KPI with a bar chart, and the reference values the municipalities loaded.
 *
 * Text from the data is always written as text (never a formula), invalid
 * UTF-8 is replaced, and text longer than a cell holds is cut with a warning
 * on the data-quality sheet.  The same report gives a byte-identical file
 * whatever the process locale: the creation date is r->generated.
 */
#ifndef KV_XLSX_WRITER_H
#define KV_XLSX_WRITER_H

#include <stddef.h>

#include "benchmark.h"
#include "labels.h"
#include "model.h"

/* Excel's limits: characters (UTF-16 units) in a cell, and in a sheet name. */
#define XLSX_MAX_CELL_CHARS 32767
#define XLSX_MAX_SHEET_NAME 31

/*
 * Write the report as an .xlsx workbook to path, in the words of l.
 * Returns 0, or -1 with a message in err (errlen bytes; err may be NULL).
 * A failure while building leaves path untouched; a failure while writing
 * removes what was written there, if it is a regular file.  Writing fails
 * when any write fails, libxlsxwriter's writes to its temporary files
 * included (which it does not check itself; they are made in the folder
 * of path, unlinked at once), and when the finished file does not pass
 * xlsx_verify_file (below).  path must be a regular file (libxlsxwriter
 * seeks in it, and the writer reads it back).
 *
 * The writer replaces libxlsxwriter's lxw_tmpfile() (utility.h) with its
 * own, which notes failed writes; a program linking this file gets that
 * one for all its workbooks.
 *
 * libxlsxwriter writes everything but the rows of the KPI lists; those are
 * put into their sheets' XML afterwards, straight from the report, and
 * deflated in chunks by up to four threads (the cores online, or
 * $KV_XLSX_THREADS; the bytes do not depend on how many).  A list of
 * 130,000 rows of five columns takes about 20 MB and a third of a second
 * of CPU.  The call may run in a thread of its own beside the other
 * writers, and beside another workbook (it works under the C locale in its
 * threads, whatever the process has set, and the workbooks take turns in
 * libxlsxwriter's final write, which calls gmtime(): meanwhile no other
 * thread should call gmtime() or localtime() without _r).
 */
int xlsx_write_report(const report *r, const labels *l, const char *path, char *err, size_t errlen);

/* Municipalities with a value that a benchmark chart shows at most: a KPI
 * that more have gets its ranking without a chart (and a note saying so). */
#define XLSX_BENCH_MAX_CHART 40

/*
 * The benchmark workbook of several municipalities, in the words of l:
 *   side by side   a row per municipality, a column per shared KPI (values
 *                  coloured by status), the common target above; the
 *                  status texts, numerators and denominators in grouped
 *                  columns to the right; one Excel table, frozen panes
 *   ranking        per KPI the municipalities best first (by the KPI's
 *                  direction), with a bar chart coloured by status when at
 *                  most XLSX_BENCH_MAX_CHART have a value
 *   references     each reference value with the municipality that loaded
 *                  it, that municipality's value and the difference
 *   notes          the writer's warnings (cut text, charts left out), if any
 * The creation date is b->generated; the same robustness as the report
 * workbook (text as text, UTF-8 cleaned, valid sheet names, C locale,
 * the written zip verified).  0, or -1 with err.
 */
int xlsx_write_benchmark(const benchmark *b, const labels *l, const char *path, char *err, size_t errlen);

/*
 * Checks the workbook at path as the writers check what they wrote: a
 * regular file holding one whole zip archive (the end record at the end,
 * the central directory just before it, the entries one after the other,
 * each local header agreeing with the directory), every entry inflating
 * to the size and CRC-32 the directory gives, and every XML part (.xml,
 * .rels) starting with its XML declaration and ending with its root
 * element's end tag.  0, or -1 with "path: what is wrong" in err (errlen
 * bytes; err may be NULL), naming the part when one is at fault.  About
 * 0.01 s per MB of workbook.
 */
int xlsx_verify_file(const char *path, char *err, size_t errlen);

#endif
