/*
 * fixture.h - a small hand-built report for the writers' tests: two KPIs
 * with breakdowns, trends and lists, text with Nordic and Sámi letters, a
 * formula-looking title and a reject.
 */
#ifndef KV_FIXTURE_H
#define KV_FIXTURE_H

#include "model.h"

/* Caller owns the result: report_free() then free(). */
report *fixture_report(const char *language);

#endif
