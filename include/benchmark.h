/*
 * benchmark.h - several municipalities side by side: the KPIs they share
 * and the reference values they loaded, read back from their kpis.json.
 *
 * Built from the written kpis.json files (not from the processes that
 * computed them), so a sharded run merges into exactly what one run gives.
 */
#ifndef KV_BENCHMARK_H
#define KV_BENCHMARK_H

#include <stddef.h>
#include <stdio.h>

#include "labels.h"
#include "model.h"

typedef struct {
    maybe value, numerator, denominator;
    kpi_status status;
} bench_cell;

typedef struct {
    const char *municipality;   /* whose rule file loaded it */
    const char *source, *period;
    double value;
} bench_reference;

typedef struct {
    const char *kpi;            /* the KPI id */
    const char *title;          /* the first municipality's title */
    kpi_kind kind;
    maybe target;               /* when every municipality has the same target */
    kpi_direction direction;
    bench_cell *cells;          /* one per municipality, in benchmark order */
    size_t nreferences;
    bench_reference *references;
} bench_row;

typedef struct {
    const char *id, *name, *language;
} bench_municipality;

typedef struct {
    arena mem;
    period period;
    int32_t as_of;
    time_t generated;
    size_t nmunicipalities;
    bench_municipality *municipalities;   /* sorted by id */
    size_t nrows;
    bench_row *rows;            /* KPIs that two or more municipalities have, by id */
} benchmark;

/* Read the kpis.json files (all for the same period).  0, or 65 with a
 * message naming the file. */
int benchmark_load(benchmark *b, const char *const *paths, size_t n, char *err, size_t errlen);
/* Every "<out>/<id>/<period>/kpis.json" under out for the period. */
char **benchmark_find(const char *out_dir, const char *period_id, size_t *n);
void benchmark_free(benchmark *b);

int json_write_benchmark(const benchmark *b, FILE *f);

#endif
