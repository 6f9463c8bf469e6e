/*
 * model.h - the writer-neutral report of one municipality for one period.
 *
 * The rules stage fills it; the writers (json, xlsx, pdf) read it through a
 * const pointer.  Every string and array hangs off the report's arena, so
 * report_free releases the lot.
 */
#ifndef KV_MODEL_H
#define KV_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "date.h"
#include "util.h"

/* A number that may be absent (JSON null, an empty cell, "–" in the PDF). */
typedef struct {
    bool present;
    double v;
} maybe;

#define MAYBE_NONE ((maybe){false, 0.0})
#define MAYBE(x) ((maybe){true, (double)(x)})

typedef enum { KPI_COUNT, KPI_SHARE, KPI_CHANGE } kpi_kind;
typedef enum { DIR_AT_LEAST, DIR_AT_MOST, DIR_ABOVE } kpi_direction;
typedef enum { STATUS_NONE, STATUS_GREEN, STATUS_YELLOW, STATUS_RED } kpi_status;

const char *kpi_direction_name(kpi_direction d);   /* "at_least", ... */
const char *kpi_status_name(kpi_status s);         /* "green", ... */
const char *kpi_kind_name(kpi_kind k);             /* "count", ... */
kpi_status kpi_status_of(maybe value, maybe target, maybe warning, kpi_direction d);

typedef struct {
    const char *key;            /* "" = empty value in the data ("unknown") */
    maybe value, numerator, denominator;
} breakdown_entry;

typedef struct {
    const char *dimension;      /* canonical field: "unit", "gender", ... */
    size_t n;
    breakdown_entry *entries;   /* sorted by key, "" last */
} breakdown;

typedef struct {
    char month[8];              /* "2026-10" */
    maybe value;
    bool from_history;          /* what an earlier run reported, not recomputed */
} series_point;

typedef enum { CELL_EMPTY, CELL_TEXT, CELL_DATE, CELL_INT } cell_kind;

typedef struct {
    cell_kind kind;
    union {
        const char *text;
        int32_t day;
        int64_t i;
    } u;
} cell;

/* A list that a KPI carries: overdue deviations, documents not revised. */
typedef struct {
    const char *name;           /* "overdue_deviations", "documents_not_revised" */
    size_t ncols;
    const char **columns;       /* canonical names: "id", "unit", "due", "days_overdue" */
    size_t nrows;
    cell *cells;                /* nrows * ncols, row-major, already sorted */
} item_list;

/* A value to compare with: a county, KKiK or national figure. */
typedef struct {
    const char *source;         /* "Länet Värmland", "KKiK 2025 riket" */
    const char *period;         /* as the source gives it: "2025", "2026-H8" */
    double value;
} reference_value;

typedef struct {
    const char *id, *title;
    const char *definition;     /* how it is counted, in words (the language of the report) */
    kpi_kind kind;
    maybe value, numerator, denominator;
    maybe target, warning;
    kpi_direction direction;
    kpi_status status;
    const char *params_json;    /* NULL or a JSON object text: {"years":2} */
    size_t nbreakdowns;
    breakdown *breakdowns;
    maybe previous, last_year;
    bool previous_from_history, last_year_from_history;
    char previous_id[16], last_year_id[16];
    size_t nseries;
    series_point *series;       /* oldest first */
    item_list *items;           /* NULL when the KPI has no list */
    size_t nreferences;
    reference_value *references;    /* per source, the value for this period or the latest before */
} kpi_result;

typedef struct {
    const char *dataset;        /* "deviations" */
    const char *path;           /* as configured, for the reader */
    const char *encoding, *delimiter_name;
    uint64_t size;
    long rows;                  /* data records read, accepted or not */
    long accepted, rejected;
    char sha256[65];
} input_file;

typedef struct {
    const char *file;
    long line;
    const char *field;          /* canonical name, "" for the whole row */
    const char *value;
    const char *reason;
} reject;

typedef struct {
    arena mem;
    const char *municipality, *name, *language, *title;
    period period;
    int32_t as_of;
    time_t generated;           /* SOURCE_DATE_EPOCH or now */
    const char *rule_file;
    char rule_sha256[65];
    size_t nkpis;
    kpi_result *kpis;
    size_t ninputs;
    input_file *inputs;
    size_t nrejects;
    reject *rejects;
    long rejected_rows;         /* distinct rows */
    size_t nwarnings;
    const char **warnings;      /* things the reader should know (cut text, ...) */
} report;

void report_free(report *r);

#endif
