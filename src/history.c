/*
 * history.c - the run history in SQLite.
 */
#include "history.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct history {
    sqlite3 *db;
    char *path;
};

static const char schema_sql[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS run ("
    "  id INTEGER PRIMARY KEY,"
    "  municipality TEXT NOT NULL,"
    "  period TEXT NOT NULL,"
    "  as_of TEXT NOT NULL,"
    "  generated TEXT NOT NULL,"
    "  kvalrap_version TEXT NOT NULL,"
    "  rule_file TEXT NOT NULL,"
    "  rule_sha256 TEXT NOT NULL,"
    "  inputs TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS run_lookup ON run(municipality, period, as_of);"
    "CREATE TABLE IF NOT EXISTS kpi_value ("
    "  run_id INTEGER NOT NULL REFERENCES run(id),"
    "  kpi TEXT NOT NULL,"
    "  title TEXT,"
    "  value REAL, numerator REAL, denominator REAL, target REAL,"
    "  status TEXT NOT NULL,"
    "  PRIMARY KEY (run_id, kpi));"
    "COMMIT;";

/* WAL lets the children of a batch read while one writes.  Turning a new
 * file to WAL takes a lock SQLite does not wait for (the busy handler is
 * not called for it), so the second of two children opening the history
 * at once is told "database is locked": it tries again, for as long as
 * the busy timeout would have waited. */
static int use_wal(sqlite3 *db)
{
    enum { TRY_MS = 10, TRIES = 3000 };
    int rc = SQLITE_OK;
    for (int i = 0; i < TRIES; i++) {
        rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        sqlite3_sleep(TRY_MS);
    }
    return rc;
}

static int fail(history *h, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
    return -1;
}

history *history_open(const char *path, char *err, size_t errlen)
{
    history *h = xcalloc(1, sizeof *h);
    h->path = xstrdup(path);
    if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fail(h, err, errlen, "cannot open the history");
        history_close(h);
        return NULL;
    }
    /* Children of one batch write side by side: wait for each other.  The
     * tables are made in a write transaction taken at once (IMMEDIATE), so
     * that two children making them never both hold a read lock and wait
     * on each other to write. */
    sqlite3_busy_timeout(h->db, 30000);
    char *msg = NULL;
    int rc = use_wal(h->db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h->db, schema_sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: not a kvalrap history: %s", path, msg ? msg : sqlite3_errmsg(h->db));
        sqlite3_free(msg);
        history_close(h);
        return NULL;
    }
    return h;
}

void history_close(history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    free(h->path);
    free(h);
}

/* The value the latest run for (municipality, kpi, period, as_of) stored. */
static bool lookup(sqlite3_stmt *st, const report *r, const char *kpi, const char *period_id, int32_t as_of,
                   maybe *out)
{
    char day[11];
    date_format_iso(as_of, day);
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, r->municipality, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, kpi, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        return false;
    *out = sqlite3_column_type(st, 0) == SQLITE_NULL ? MAYBE_NONE : MAYBE(sqlite3_column_double(st, 0));
    return true;
}

int history_apply(history *h, report *r, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT v.value FROM kpi_value v JOIN run r ON r.id = v.run_id "
        "WHERE r.municipality = ?1 AND r.period = ?2 AND r.as_of = ?3 AND v.kpi = ?4 "
        "ORDER BY r.id DESC LIMIT 1";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot read the history");
    period prev = period_previous(&r->period), ly = period_last_year(&r->period);
    for (size_t k = 0; k < r->nkpis; k++) {
        kpi_result *kr = &r->kpis[k];
        for (size_t i = 0; i < kr->nseries; i++) {
            series_point *sp = &kr->series[i];
            period m;
            period_parse(sp->month, 0, &m);
            int32_t as_of = m.end < r->as_of ? m.end : r->as_of;
            if (strcmp(m.id, r->period.id) == 0 && as_of == r->as_of)
                continue;   /* this run's own period: computed now */
            sp->from_history = lookup(st, r, kr->id, m.id, as_of, &sp->value) || sp->from_history;
        }
        kr->previous_from_history = lookup(st, r, kr->id, prev.id, prev.end, &kr->previous);
        kr->last_year_from_history = lookup(st, r, kr->id, ly.id, ly.end, &kr->last_year);
    }
    sqlite3_finalize(st);
    return 0;
}

static void bind_maybe(sqlite3_stmt *st, int i, maybe m)
{
    if (m.present)
        sqlite3_bind_double(st, i, m.v);
    else
        sqlite3_bind_null(st, i);
}

/* The inputs as a small JSON list: dataset, file, sha256, rows, rejected. */
static char *inputs_json(const report *r)
{
    strbuf b = {0};
    strbuf_addc(&b, '[');
    for (size_t i = 0; i < r->ninputs; i++) {
        const input_file *in = &r->inputs[i];
        strbuf_printf(&b, "%s{\"dataset\":\"%s\",\"file\":\"", i ? "," : "", in->dataset);
        for (const char *p = in->path; *p; p++) {
            if (*p == '"' || *p == '\\')
                strbuf_addc(&b, '\\');
            if ((unsigned char)*p >= 0x20)
                strbuf_addc(&b, *p);
        }
        strbuf_printf(&b, "\",\"sha256\":\"%s\",\"rows\":%ld,\"rejected\":%ld}", in->sha256, in->rows, in->rejected);
    }
    strbuf_addc(&b, ']');
    return b.data;
}

int history_record(history *h, const report *r, char *err, size_t errlen)
{
    char as_of[11], generated[32];
    date_format_iso(r->as_of, as_of);
    struct tm tm;
    gmtime_r(&r->generated, &tm);
    strftime(generated, sizeof generated, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *inputs = inputs_json(r);
    sqlite3_stmt *run = NULL, *val = NULL;
    int rc = -1;
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fail(h, err, errlen, "cannot write the history");
        free(inputs);
        return -1;
    }
    if (sqlite3_prepare_v2(h->db,
                           "INSERT INTO run (municipality, period, as_of, generated, kvalrap_version, rule_file, "
                           "rule_sha256, inputs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &run, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db,
                           "INSERT INTO kpi_value (run_id, kpi, title, value, numerator, denominator, target, "
                           "status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &val, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_text(run, 1, r->municipality, -1, SQLITE_STATIC);
    sqlite3_bind_text(run, 2, r->period.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(run, 3, as_of, -1, SQLITE_STATIC);
    sqlite3_bind_text(run, 4, generated, -1, SQLITE_STATIC);
    sqlite3_bind_text(run, 5, KV_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(run, 6, r->rule_file ? r->rule_file : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(run, 7, r->rule_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(run, 8, inputs, -1, SQLITE_STATIC);
    if (sqlite3_step(run) != SQLITE_DONE)
        goto done;
    sqlite3_int64 id = sqlite3_last_insert_rowid(h->db);
    for (size_t k = 0; k < r->nkpis; k++) {
        const kpi_result *kr = &r->kpis[k];
        sqlite3_reset(val);
        sqlite3_bind_int64(val, 1, id);
        sqlite3_bind_text(val, 2, kr->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(val, 3, kr->title, -1, SQLITE_STATIC);
        bind_maybe(val, 4, kr->value);
        bind_maybe(val, 5, kr->numerator);
        bind_maybe(val, 6, kr->denominator);
        bind_maybe(val, 7, kr->target);
        sqlite3_bind_text(val, 8, kpi_status_name(kr->status), -1, SQLITE_STATIC);
        if (sqlite3_step(val) != SQLITE_DONE)
            goto done;
    }
    rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
done:
    if (rc != 0) {
        fail(h, err, errlen, "cannot write the history");
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(run);
    sqlite3_finalize(val);
    free(inputs);
    return rc;
}


int history_export(history *h, const char *municipality, const char *kpi, FILE *out, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT r.id, r.municipality, r.period, r.as_of, r.generated, v.kpi, v.value, v.numerator, "
        "v.denominator, v.target, v.status, r.rule_sha256, r.kvalrap_version "
        "FROM run r JOIN kpi_value v ON v.run_id = r.id "
        "WHERE (?1 IS NULL OR r.municipality = ?1) AND (?2 IS NULL OR v.kpi = ?2) "
        "ORDER BY r.municipality, r.period, r.as_of, r.id, v.kpi";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot read the history");
    if (municipality)
        sqlite3_bind_text(st, 1, municipality, -1, SQLITE_STATIC);
    if (kpi)
        sqlite3_bind_text(st, 2, kpi, -1, SQLITE_STATIC);
    fputs("run,municipality,period,as_of,generated,kpi,value,numerator,denominator,target,status,rule_sha256,"
          "kvalrap_version\n", out);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < 13; c++) {
            if (c)
                fputc(',', out);
            if (sqlite3_column_type(st, c) == SQLITE_FLOAT) {
                char num[32];
                fmt_double(num, sqlite3_column_double(st, c));
                fputs(num, out);
            } else {
                csv_write_field(out, (const char *)sqlite3_column_text(st, c));
            }
        }
        fputc('\n', out);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(h, err, errlen, "cannot read the history");
    return ferror(out) ? -1 : 0;
}
