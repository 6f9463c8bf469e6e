/*
 * rules.h - a municipality's rule file: a sandboxed Lua 5.4 state that
 * declares the municipality, its exports and its KPIs, then computes the
 * KPIs over the tables with the C primitives of table.h.
 *
 * The sandbox has only base, table, string, math and utf8 (no io, os,
 * package, debug, load, loadfile, dofile, string.dump, collectgarbage);
 * chunks are text only; undeclared globals are errors; an instruction
 * budget, a wall-clock budget and a memory cap stop runaway scripts, and
 * the batch runs each municipality in a child process with rlimits on top.
 */
#ifndef KV_RULES_H
#define KV_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "labels.h"
#include "model.h"
#include "table.h"

typedef struct {
    long long max_instructions;     /* Lua VM instructions per call into the rules */
    size_t max_memory;              /* bytes the Lua state may hold */
    double max_seconds;             /* wall clock per call into the rules */
} rules_limits;

extern const rules_limits rules_default_limits;

typedef struct {
    const char *dataset;
    ingest_config ingest;           /* path resolved against data_dir */
} rules_dataset;

typedef enum { REF_CSV, REF_KOLADA } reference_format;

/* A file of reference values: county, KKiK or national averages per KPI. */
typedef struct {
    reference_format format;
    ingest_config ingest;           /* CSV: read as dataset "references"; path for both */
    size_t nkpis, nsources;
    const value_map *kpis;          /* Kolada KPI id -> kvalrap KPI id */
    const value_map *sources;       /* Kolada municipality code -> source name */
    double scale;                   /* Kolada: multiply (percent -> share: 0.01) */
    const char *gender;             /* Kolada: which series, "T" for all */
} rules_reference;

typedef struct {
    const char *id, *name, *language, *title;
    const char *data_dir;           /* resolved against the rule file's folder */
    int list_limit;
    size_t ndatasets;
    rules_dataset *datasets;
    size_t nkpis;
    const char **kpi_ids;           /* in declaration order */
    size_t nreferences;
    rules_reference *references;
} rules_config;

typedef struct rules rules;

/* A municipality id is 1-64 of [a-z0-9_-], starting with a letter or digit:
 * it names a folder. */
bool municipality_id_valid(const char *id);

/* Load and run the rule file.  NULL on failure with "file:line: message"
 * in err.  The config is read once the file has run.  data_dir, when not
 * NULL, replaces the rule file's own data_dir (an installation's layout). */
rules *rules_open(const char *path, const rules_limits *limits, const char *data_dir, char *err, size_t errlen);
const rules_config *rules_get_config(const rules *r);

/* Compute every KPI for period p at as_of into out->kpis.  tables[i] is the
 * table of schema_datasets[i], or NULL when not configured.  What the
 * evaluation builds in the tables (the zones of date columns) is given
 * back before it returns (table_drop_indexes), and the state's garbage collected.  0 on
 * success, -1 with a message in err. */
int rules_evaluate(rules *r, table *const *tables, const period *p, int32_t as_of,
                   const labels *l, report *out, char *err, size_t errlen);

/* The lines the rule file printed (at most 100), oldest first. */
void rules_each_print(rules *r, void (*fn)(const char *line, void *ctx), void *ctx);

void rules_close(rules *r);

#endif
