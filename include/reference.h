/*
 * reference.h - reference values to compare a municipality with: a CSV of
 * county / KKiK / national figures per KPI, or a saved Kolada API v3 data
 * answer ({"values":[{"kpi","municipality","period","values":[{"gender","value"}]}]}).
 */
#ifndef KV_REFERENCE_H
#define KV_REFERENCE_H

#include "ingest.h"
#include "model.h"
#include "rules.h"

typedef struct {
    const char *kpi, *source, *period;  /* in the list's arena */
    double value;
} ref_row;

typedef struct {
    arena *mem;
    ref_row *v;
    size_t n, cap;
} ref_list;

/* Read one reference file into refs (strings in refs->mem); rejected CSV
 * rows go to log.  0, or an exit status with a message in err. */
int reference_load(const rules_reference *ref, reject_log *log, ref_list *refs, input_file *info,
                   char *err, size_t errlen);

/* Give each KPI of r, per source, the value for r's period or else the
 * latest one before it. */
void reference_attach(report *r, const ref_list *refs);

void ref_list_free(ref_list *refs);   /* frees v, not the arena */

#endif
