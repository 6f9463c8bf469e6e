/*
 * kpi_harness.h - small helpers for tests that run the whole pipeline on
 * hand-made data: a fresh temporary folder, files written into it from
 * strings, batch_compute on a rule file there, lookups in the report, and
 * removal of the folder.
 *
 * The Makefile links a test with fixture.c only, so a test that uses these
 * helpers does #include "kpi_harness.c".
 */
#ifndef KV_KPI_HARNESS_H
#define KV_KPI_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "batch.h"
#include "model.h"
#include "rules.h"

/* The municipality and the three required datasets (dev.csv, prop.csv,
 * doc.csv, canonical headers, ISO dates), for the start of a rule file. */
#define KH_MUNI "municipality { id = \"t\", name = \"Test\" }\n"
#define KH_DEV "dataset \"deviations\" { file = \"dev.csv\" }\n"
#define KH_PROP "dataset \"proposals\" { file = \"prop.csv\" }\n"
#define KH_DOC "dataset \"documents\" { file = \"doc.csv\" }\n"
#define KH_PRELUDE KH_MUNI KH_DEV KH_PROP KH_DOC

#define KH_DEV_HEADER "id,unit,reported,due,closed,category,severity,root_cause,gender,age_group,area\n"
#define KH_PROP_HEADER "id,unit,submitted,status,decided\n"
#define KH_DOC_HEADER "id,title,unit,owner,revised,status\n"

/* A fresh folder under $TMPDIR (or /tmp) holding header-only dev.csv,
 * prop.csv and doc.csv; aborts the test when it cannot be made.  dir must
 * hold 256 bytes. */
void kh_new(char *dir);
/* Only the folder, nothing in it. */
void kh_mkdtemp(char *dir);
/* Write dir/name (replacing it): n bytes, or strlen(text) when n is (size_t)-1. */
void kh_write_n(const char *dir, const char *name, const void *text, size_t n);
void kh_write(const char *dir, const char *name, const char *text);
/* "dir/name" into buf (256 bytes); returns buf. */
char *kh_path(char *buf, const char *dir, const char *name);

/* Write dir/rules.lua and run batch_compute on it for the period ("2026-10",
 * "2026-Q4", ...) at as_of ("yyyy-mm-dd", NULL for the period's end).
 * *status gets the exit status; NULL on failure.  Free with kh_free. */
report *kh_run(const char *dir, const char *script, const char *period, const char *as_of, int *status);
/* kh_run that asserts success. */
report *kh_run_ok(const char *dir, const char *script, const char *period, const char *as_of);
void kh_free(report *r);
/* Run script (in dir, with its data) that must fail with want_status: what
 * kvalrap wrote to fd 2, in a static buffer. */
const char *kh_run_fail(const char *dir, const char *script, int want_status);
/* Write script to rules.lua of a new folder dir and open it with rules_open. */
rules *kh_open_rules(char *dir, const char *script, const rules_limits *lim, const char *data_dir, char *err,
                     size_t errlen);
/* What a rule file printed: rules_each_print(r, kh_collect, &printed). */
typedef struct {
    size_t n;
    char lines[120][2100];
} kh_printed;
void kh_collect(const char *line, void *ctx);
/* Remove the folder and everything in it (one level of subfolders). */
void kh_cleanup(const char *dir);
/* A cmocka teardown: frees the reports (of kh_run_ok) and removes the
 * folders a failed test left behind. */
int kh_teardown(void **state);

/* Lookups; NULL when absent. */
const kpi_result *kh_kpi(const report *r, const char *id);
const breakdown *kh_breakdown(const kpi_result *k, const char *dimension);
const breakdown_entry *kh_entry(const kpi_result *k, const char *dimension, const char *key);
const series_point *kh_series(const kpi_result *k, const char *month);
/* Column index of an item list, or -1. */
int kh_item_col(const kpi_result *k, const char *colname);
const cell *kh_item(const kpi_result *k, size_t row, const char *colname);
/* A maybe that must hold x (to 1e-12), or be absent, with a useful message. */
#define KH_VAL(m, x) kh_assert_maybe((m), true, (double)(x), #m, __FILE__, __LINE__)
#define KH_NULL(m) kh_assert_maybe((m), false, 0.0, #m, __FILE__, __LINE__)
void kh_assert_maybe(maybe m, bool present, double x, const char *what, const char *file, int line);

/* Day number of "yyyy-mm-dd"; aborts the test when it is not a date. */
int32_t kh_day(const char *iso);

#endif
