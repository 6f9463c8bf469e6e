/*
 * batch.h - the pipeline for one municipality (rules -> ingest -> KPIs ->
 * writers) and the batch over many, each in its own child process.
 *
 * Exit statuses follow sysexits.h: 0 success, 64 usage, 65 a refused
 * export, 66 an export that cannot be opened, 70 an internal error, a crash
 * or a timeout, 73 a report that cannot be created, 74 an I/O error,
 * 71 out of memory, 75 another run holds the lock, 78 a broken rule file, 128 + N stopped
 * by signal N.
 */
#ifndef KV_BATCH_H
#define KV_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "rules.h"

enum {
    KV_OK = 0,
    KV_USAGE = 64,
    KV_DATAERR = 65,
    KV_NOINPUT = 66,
    KV_SOFTWARE = 70,
    KV_CANTCREAT = 73,
    KV_IOERR = 74,
    KV_TEMPFAIL = 75,
    KV_CONFIG = 78,
};

typedef struct {
    period period;
    int32_t as_of;
    const char *out_dir;            /* reports go to <out_dir>/<id>/<period>/ */
    const char *language;           /* NULL: the municipality's own */
    bool verbose;
    int jobs;                       /* child processes at once */
    unsigned timeout;               /* seconds per municipality, 0 = none */
    size_t max_memory;              /* address space per municipality, 0 = none */
    bool progress;                  /* "n of m done" on a terminal */
    const char *log_path;           /* a line per municipality, or NULL */
    const char *history_path;       /* SQLite history of every run, or NULL */
    const char *data_dir;           /* replaces the rule file's data_dir, or NULL */
    bool use_syslog;
    rules_limits limits;
} run_options;

/* What runs in each child: one municipality's rule file. */
typedef int (*batch_fn)(const char *rule_path, const run_options *o);

/* One municipality of a batch: its rule file, and where its exports are
 * when the installation says so (NULL: the rule file's data_dir). */
typedef struct {
    const char *rules;
    const char *data_dir;
} batch_item;

/* Run one municipality in this process; returns its exit status and has
 * printed any error as "kvalrap: FILE: message" on stderr. */
int batch_municipality(const char *rule_path, const run_options *o);

/* Run each rule file in a child process, o->jobs at a time, each bounded
 * by o->timeout and o->max_memory.  Returns 0 when all succeeded, else the
 * status of the first (in the given order) that failed; 128 + signal when
 * stopped by SIGTERM or SIGINT. */
int batch_run(const batch_item *items, size_t n, const run_options *o);
int batch_run_each(batch_fn fn, const batch_item *items, size_t n, const run_options *o);

/* Take the run lock `name` of out_dir (created if missing).  0 with *fd
 * held for the life of the process, or 75 when another run holds it.
 * Shards of one batch lock separately: they write disjoint folders. */
int batch_lock(const char *out_dir, const char *name, int *fd);

/* Load a rule file and its exports, report every problem found and the
 * KPIs it would compute, write nothing.  Returns an exit status. */
int batch_check(const char *rule_path, const run_options *o);

/* The benchmark report of every municipality with a kpis.json for period
 * p under the given output folders, written to o->out_dir/_benchmark/<p>/.
 * Fewer than two is an error when required (merge), else nothing (a run
 * whose other municipalities failed).  Returns an exit status. */
int batch_benchmark(const char *const *out_dirs, size_t ndirs, const period *p, const run_options *o,
                    bool required);

/* Compute one municipality's report without writing anything (for tests
 * and tools).  NULL with *status set on failure; the caller frees the
 * result with report_free() and free(). */
report *batch_compute(const char *rule_path, const run_options *o, int *status);

#endif
