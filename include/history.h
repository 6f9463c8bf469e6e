/*
 * history.h - what every run reported, kept in one SQLite file.
 *
 * Each run stores its KPI values with the period, as_of, the input and
 * rule-file checksums.  Trends then show what the reports said at the time
 * where the history has it - documents revised is a snapshot that today's
 * exports cannot recompute for last year - and say which points came from
 * the history.
 */
#ifndef KV_HISTORY_H
#define KV_HISTORY_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

typedef struct history history;

/* Open (creating the file and its tables if needed).  NULL with err. */
history *history_open(const char *path, char *err, size_t errlen);
void history_close(history *h);

/* Replace trend points (series, previous, last year) of r's KPIs by the
 * values earlier runs stored for that period and as_of, and mark them.
 * The report's own period is always the freshly computed value. */
int history_apply(history *h, report *r, char *err, size_t errlen);

/* Store r's KPI values as one run. */
int history_record(history *h, const report *r, char *err, size_t errlen);

/* kvalrap history: the stored values as CSV (one line per run and KPI),
 * optionally only one municipality's and/or one KPI's. */
int history_export(history *h, const char *municipality, const char *kpi, FILE *out, char *err, size_t errlen);

#endif
