/*
 * pdf_writer.h - the report as an A4 PDF for the council's meeting papers
 * (libharu).
 *
 * Page 1 carries the cover block (municipality, title, period, as-of and
 * generation dates) and the executive summary; then one section per KPI
 * (key figures, the twelve-month series against the target, breakdowns as
 * bars), the lists, the data-quality section and the provenance appendix.
 * Every page has "page x of y"; every section has a bookmark.  A KPI with
 * reference values (county, KKiK, national) gets a comparison table with
 * bars, and the summary names them.
 *
 * Trend values that came from the run history (what an earlier report
 * said, not recomputed from today's exports) are marked: hatched bars in
 * the twelve-month chart with a legend line under it, a dagger on the
 * previous-period and last-year values with a footnote, and the
 * provenance appendix says how many there are.
 *
 * The benchmark of several municipalities is its own document: a cover
 * naming them, an overview, the KPIs side by side (municipality columns up
 * to six, else municipality rows with the KPIs split over parts), a bar
 * chart per shared KPI with the reference values as lettered lines, and an
 * appendix listing every reference value with its source and the
 * municipality that loaded it.
 *
 * The words come from the labels (reports/common.* and reports/pdf.*); the
 * text is set in DejaVu Sans, embedded, so every letter of the data (Nordic
 * and Sámi alike) shows and can be searched.  The same report gives the same
 * bytes: the document dates come from r->generated, never from the clock.
 */
#ifndef KV_PDF_WRITER_H
#define KV_PDF_WRITER_H

#include <stddef.h>

#include "benchmark.h"
#include "labels.h"
#include "model.h"

/* Where the DejaVu TrueType fonts are; override with -DPDF_FONT_DIR=... */
#ifndef PDF_FONT_DIR
#define PDF_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#endif

/*
 * Write the report as an A4 PDF to path.  Each list (and the rejects) shows
 * at most list_limit rows, then says how many more there are; a negative
 * list_limit shows every row.  The file is written, flushed, synced and its
 * size checked against what libharu produced; on any failure the partial
 * file is removed.  Returns 0, or -1 with a message in err (errlen bytes).
 */
int pdf_write_report(const report *r, const labels *l, const char *path, int list_limit,
                     char *err, size_t errlen);

/* Open the next document ahead of time (the fonts are most of the cost of
 * a small report): a batch calls it before it forks the municipalities'
 * children, so that each child inherits an opened document instead of
 * opening its own.  The next pdf_write_report or pdf_write_benchmark of
 * each process uses it.  Without it each opens its own; a failure here is
 * left for that one to report.  pdf_prepared_free releases an unused one. */
void pdf_prepare(void);
void pdf_prepared_free(void);

/* pdf_prepare on a thread of its own, when no document is prepared: one
 * municipality's run calls it once the exports are read, so the fonts are
 * opened on the core the rules leave idle instead of before the reading.
 * The next pdf_write_report (or pdf_prepared_free) waits for it, and so
 * does a fork: no child is forked while the thread is inside libharu. */
void pdf_prepare_beside(void);

/* The end of a run that may have called pdf_prepare_beside: waits for the
 * preparation and frees its document if no report took it (a run that
 * failed).  A document inherited from a batch's parent is left alone. */
void pdf_prepare_done(void);

/* The benchmark report of several municipalities as an A4 PDF: the same
 * fonts, bookmarks, "x of y", metadata, checked write and reproducible
 * bytes (dates from b->generated).  0, or -1 with err. */
int pdf_write_benchmark(const benchmark *b, const labels *l, const char *path, char *err,
                        size_t errlen);

#endif
