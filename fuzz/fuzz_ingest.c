/*
 * fuzz_ingest.c - libFuzzer harness for the CSV reader (src/ingest.c, with
 * libcsv compiled in so that it is instrumented too).
 *
 * Input layout: two configuration bytes, then the file's bytes.
 *
 *   byte 0  bits 0-1  encoding      auto | utf-8 | windows-1252 | utf-16
 *           bits 2-3  delimiter     auto | ';'   | ','          | tab
 *           bits 4-5  header_line   1    | 2     | 3            | 0 (= 1)
 *           bits 6-7  date pattern  yyyy-mm-dd | dd.mm.yyyy | d.m.yyyy | dd/mm/yyyy
 *   byte 1  bits 0-1  column names  canonical | arvika | nordland | troms (sv/nb, non-ASCII)
 *           bit  2    value maps on category and severity (case-folded lookups)
 *           bit  3    encoding from the second list instead:
 *                     iso-8859-1 | utf-16le | utf-16be | iso-8859-15 (by bits 0-1 of byte 0)
 *           bits 4-5  date pattern override: none | excel | yyyymmdd | m/d/yyyy
 *           bits 6-7  dataset: deviations | deviations | inquiries (date-times) |
 *                     reviews (integers, no key)
 *
 * Invariants checked on every input (any violation aborts = a finding):
 *   - the status is 0 or 65 (the file always exists), with a table exactly
 *     when it is 0 and a message when it is not;
 *   - records == accepted + rejected; the table has `accepted` rows; the
 *     reject log counts `rejected` rows and holds at least that many entries;
 *   - every reject has line >= 1 and after the header line, lines never go
 *     backwards, its file is the configured name, its value is valid UTF-8
 *     without NUL (rejects.csv must stay readable) and it has a reason;
 *   - table rows: line numbers strictly increasing and after the header;
 *     required fields present; key (id) unique; text valid UTF-8 without NUL
 *     or surrounding white space; dates valid calendar days (year 1-9999);
 *     columns the header lacks hold no values;
 *   - the detected encoding and delimiter are reported;
 *   - the same file cut into chunks of 8-71 bytes and read by 2-8 threads
 *     (KVALRAP_INGEST_CHUNK / KVALRAP_INGEST_THREADS) gives exactly the
 *     result of one sequential pass: status, message, counts, header,
 *     warnings, every reject and every cell;
 *   - no crash, no undefined behaviour, no leak (ASan/UBSan/LSan).
 *
 * Built with -DFUZZ_KNOWN_FINDINGS, the checks that open findings break are
 * relaxed (see fuzz/README.md); the default build relaxes nothing.
 */
#include "fuzz_common.h"

#include <math.h>
#include <string.h>

#include "date.h"
#include "ingest.h"
#include "schema.h"
#include "table.h"
#include "util.h"

static const char *const encodings[2][4] = {
    {NULL, "utf-8", "windows-1252", "utf-16"},
    {"iso-8859-1", "utf-16le", "utf-16be", "iso-8859-15"},
};
static const char delimiters[4] = {0, ';', ',', '\t'};
static const int header_lines[4] = {1, 2, 3, 0};
static const char *const date_patterns[4] = {"yyyy-mm-dd", "dd.mm.yyyy", "d.m.yyyy", "dd/mm/yyyy"};
static const char *const date_overrides[4] = {NULL, "excel", "yyyymmdd", "m/d/yyyy"};
static const char *const datasets[4] = {"deviations", "deviations", "inquiries", "reviews"};

/* Column names of the sample municipalities (lua/<name>.lua), by canonical field. */
typedef struct {
    const char *field, *column;
} colname;

static const colname arvika[] = {
    {"id", "Löpnr"}, {"unit", "Förvaltning/enhet"}, {"reported", "Registrerad"},
    {"due", "Sista åtgärdsdatum"}, {"closed", "Avslutad"}, {"category", "Typ"}, {NULL, NULL},
};
static const colname nordland[] = {
    {"id", "Avviksnr"}, {"unit", "Avdeling"}, {"reported", "Registrert"}, {"due", "Frist"},
    {"closed", "Lukket"}, {"category", "Kategori"}, {"severity", "Alvorlighetsgrad"}, {NULL, NULL},
};
static const colname troms[] = {
    {"id", "Avviksnr"}, {"unit", "Enhet"}, {"reported", "Meldt dato"}, {"due", "Frist"},
    {"closed", "Lukket dato"}, {"category", "Kategori"}, {"severity", "Alvorlighetsgrad"},
    {"root_cause", "Årsaksanalyse utført"}, {"gender", "KJØNN"}, {NULL, NULL},
};
static const colname *const column_sets[4] = {NULL, arvika, nordland, troms};

static const value_map category_map[] = {
    {"Avvik", "deviation"}, {"Avvikelse", "deviation"}, {"HMS", "hms"}, {"Personskade", "injury"},
    {"Informasjonssikkerhet", "infosec"}, {"ÅTGÄRD", "action"},
};
static const value_map severity_map[] = {
    {"Lav", "low"}, {"Middels", "medium"}, {"Høy", "high"}, {"Alvorlig", "serious"},
    {"Svært alvorlig", "very serious"}, {"", "empty"},
};

static bool valid_text(const char *s)
{
    size_t n = strlen(s);
    return utf8_valid_prefix(s, n) == n;
}

static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

static void check_day(int32_t day, const char *what, size_t row)
{
    FUZZ_CHECK(day != DATE_NONE, "%s absent in row %zu", what, row);
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    FUZZ_CHECK(date_valid_ymd(y, m, d), "%s in row %zu is day %d = %d-%d-%d", what, row, (int)day, y, m, d);
    FUZZ_CHECK(date_from_ymd(y, m, d) == day, "%s in row %zu does not round-trip", what, row);
}

static void check_table(const table *t, const ingest_result *res, int header_line, bool excel)
{
    const dataset_schema *ds = t->schema;
    FUZZ_CHECK(t->nrows == (size_t)res->accepted, "table rows %zu, accepted %ld", t->nrows, res->accepted);
    int key = ds->key ? schema_field_index(ds, ds->key) : -1;
    uint8_t *seen = xcalloc(t->pool.n + 1, 1);
    for (size_t r = 0; r < t->nrows; r++) {
        FUZZ_CHECK(t->line[r] > header_line, "row %zu on line %d, header on line %d", r, (int)t->line[r],
                   header_line);
        FUZZ_CHECK(r == 0 || t->line[r] > t->line[r - 1], "row %zu on line %d after line %d", r,
                   (int)t->line[r], (int)t->line[r - 1]);
        for (size_t f = 0; f < ds->nfields; f++) {
            const column *c = &t->cols[f];
            const field_schema *fs = &ds->fields[f];
            switch (fs->type) {
            case FT_TEXT: {
                uint32_t id = c->text[r];
                FUZZ_CHECK(id < t->pool.n, "text id %u past the pool (%u)", id, t->pool.n);
                FUZZ_CHECK(!fs->required || id != 0, "required %s empty in row %zu", fs->name, r);
                FUZZ_CHECK(c->mapped || id == 0, "unmapped %s has a value in row %zu", fs->name, r);
                const char *s = t->pool.strs[id];
                size_t n = strlen(s);
                FUZZ_CHECK(id == 0 || n > 0, "text id %u is empty", id);
                FUZZ_CHECK(valid_text(s), "%s of row %zu is not valid UTF-8", fs->name, r);
                FUZZ_CHECK(n == 0 || (!is_space((unsigned char)s[0]) && !is_space((unsigned char)s[n - 1])),
                           "%s of row %zu is not trimmed: \"%s\"", fs->name, r, s);
                if ((int)f == key) {
                    FUZZ_CHECK(!seen[id], "duplicate id \"%s\" accepted (row %zu)", s, r);
                    seen[id] = 1;
                }
                break;
            }
            case FT_DATE:
            case FT_DATETIME:
                FUZZ_CHECK(c->mapped || c->day[r] == DATE_NONE, "unmapped %s has a value", fs->name);
                if (fs->required || c->day[r] != DATE_NONE)
                    check_day(c->day[r], fs->name, r);
                if (fs->type == FT_DATETIME && c->day[r] != DATE_NONE) {
                    int64_t s = c->secs[r] - (int64_t)c->day[r] * 86400;
#ifdef FUZZ_KNOWN_FINDINGS
                    if (excel && s == 86400)
                        s = 0;          /* finding 1 of fuzz/README.md */
#endif
                    (void)excel;
                    FUZZ_CHECK(s >= 0 && s < 86400, "%s of row %zu: seconds %lld not within its day %d",
                               fs->name, r, (long long)c->secs[r], (int)c->day[r]);
                    FUZZ_CHECK(c->has_time[r] || s == 0, "%s of row %zu: a time without has_time", fs->name, r);
                }
                break;
            case FT_BOOL:
                FUZZ_CHECK(c->flag[r] <= 1, "%s of row %zu is %d", fs->name, r, c->flag[r]);
                break;
            case FT_INT:
                FUZZ_CHECK(c->mapped || c->num[r] == INT64_MIN, "unmapped %s has a value", fs->name);
                FUZZ_CHECK(!fs->required || c->num[r] != INT64_MIN, "required %s empty", fs->name);
                break;
            case FT_NUMBER:
                FUZZ_CHECK(!fs->required || isfinite(c->real[r]), "required %s is %g", fs->name, c->real[r]);
                FUZZ_CHECK(isnan(c->real[r]) || isfinite(c->real[r]), "%s is infinite", fs->name);
                break;
            }
        }
    }
    free(seen);
}

static void check_rejects(const reject_log *log, const char *name, int header_line, long max_line)
{
    long last = 0;
    for (size_t i = 0; i < log->n; i++) {
        const reject *rj = &log->v[i];
        FUZZ_CHECK(rj->line >= 1 && rj->line > header_line, "reject %zu on line %ld (header on %d)", i, rj->line,
                   header_line);
        FUZZ_CHECK(rj->line <= max_line, "reject %zu on line %ld of a file of at most %ld lines", i, rj->line,
                   max_line);
        FUZZ_CHECK(rj->line >= last, "reject %zu on line %ld after one on line %ld", i, rj->line, last);
        last = rj->line;
        FUZZ_CHECK(rj->file && strcmp(rj->file, name) == 0, "reject %zu names file %s", i, rj->file);
        FUZZ_CHECK(rj->field && valid_text(rj->field), "reject %zu has a bad field name", i);
        FUZZ_CHECK(rj->value && valid_text(rj->value), "reject %zu value is not valid UTF-8: %s", i, rj->value);
        FUZZ_CHECK(rj->reason && rj->reason[0] && valid_text(rj->reason), "reject %zu has no readable reason", i);
    }
}

/* ---------------------------------------------------------------- one pass vs. chunks */

typedef struct {
    arena mem;
    reject_log log;
    ingest_result res;
    int rc;
} run;

static void run_ingest(const ingest_config *cfg, run *r, const char *chunk, const char *threads)
{
    /* src/ingest.c reads these when it decides how to cut the file. */
    setenv("KVALRAP_INGEST_CHUNK", chunk, 1);
    setenv("KVALRAP_INGEST_THREADS", threads, 1);
    memset(r, 0, sizeof *r);
    r->log.mem = &r->mem;
    r->rc = ingest_file(cfg, &r->log, &r->res);
}

static void run_free(run *r)
{
    table_free(r->res.table);
    ingest_result_free(&r->res);
    reject_log_free(&r->log);
    arena_free(&r->mem);
}

static bool same_str(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

/* Reasons are compared whole; with FUZZ_KNOWN_FINDINGS the line number
 * inside "... at line N; ..." is ignored (finding 3 of fuzz/README.md). */
static bool same_reason(const char *a, const char *b)
{
#ifdef FUZZ_KNOWN_FINDINGS
    while (a && b && *a && *a == *b) {
        if (strncmp(a, "at line ", 8) == 0 && strncmp(b, "at line ", 8) == 0) {
            a += 8;
            b += 8;
            while (*a >= '0' && *a <= '9') a++;
            while (*b >= '0' && *b <= '9') b++;
            continue;
        }
        a++;
        b++;
    }
#endif
    return same_str(a, b);
}

/* The file cut into small chunks read by several threads must give exactly
 * what one sequential pass gives (src/ingest.c promises it). */
static void check_same(const run *a, const run *b, const char *how)
{
    const ingest_result *x = &a->res, *y = &b->res;
    FUZZ_CHECK(a->rc == b->rc, "%s: status %d, one pass %d (%s | %s)", how, b->rc, a->rc, y->message, x->message);
    FUZZ_CHECK(strcmp(x->message, y->message) == 0, "%s: message \"%s\", one pass \"%s\"", how, y->message,
               x->message);
    FUZZ_CHECK(x->records == y->records && x->accepted == y->accepted && x->rejected == y->rejected,
               "%s: %ld records, %ld accepted, %ld rejected; one pass %ld, %ld, %ld", how, y->records, y->accepted,
               y->rejected, x->records, x->accepted, x->rejected);
    FUZZ_CHECK(strcmp(x->encoding, y->encoding) == 0 && x->delimiter == y->delimiter, "%s: dialect differs", how);
    FUZZ_CHECK(same_str(x->warnings, y->warnings), "%s: warnings \"%s\", one pass \"%s\"", how, y->warnings,
               x->warnings);
    FUZZ_CHECK(x->nheader == y->nheader, "%s: %zu header cells, one pass %zu", how, y->nheader, x->nheader);
    for (size_t i = 0; i < x->nheader; i++)
        FUZZ_CHECK(same_str(x->header[i], y->header[i]), "%s: header cell %zu differs", how, i);
    FUZZ_CHECK(a->log.n == b->log.n && a->log.rows == b->log.rows, "%s: %zu rejects (%ld rows), one pass %zu (%ld)",
               how, b->log.n, b->log.rows, a->log.n, a->log.rows);
    for (size_t i = 0; i < a->log.n; i++) {
        const reject *p = &a->log.v[i], *q = &b->log.v[i];
        FUZZ_CHECK(p->line == q->line && same_str(p->field, q->field) && same_str(p->value, q->value) &&
                       same_reason(p->reason, q->reason),
                   "%s: reject %zu is line %ld %s \"%s\" (%s); one pass: line %ld %s \"%s\" (%s)", how, i, q->line,
                   q->field, q->value, q->reason, p->line, p->field, p->value, p->reason);
    }
    const table *s = x->table, *t = y->table;
    FUZZ_CHECK(!s == !t, "%s: table presence differs", how);
    if (!s)
        return;
    FUZZ_CHECK(s->nrows == t->nrows, "%s: %zu rows, one pass %zu", how, t->nrows, s->nrows);
    for (size_t r = 0; r < s->nrows; r++) {
        FUZZ_CHECK(s->line[r] == t->line[r], "%s: row %zu on line %d, one pass %d", how, r, (int)t->line[r],
                   (int)s->line[r]);
        for (size_t f = 0; f < s->schema->nfields; f++) {
            const column *c = &s->cols[f], *d = &t->cols[f];
            const char *name = s->schema->fields[f].name;
            FUZZ_CHECK(c->mapped == d->mapped, "%s: %s mapped differs", how, name);
            bool same = true;
            switch (s->schema->fields[f].type) {
            case FT_TEXT: same = strcmp(s->pool.strs[c->text[r]], t->pool.strs[d->text[r]]) == 0; break;
            case FT_DATE: same = c->day[r] == d->day[r]; break;
            case FT_DATETIME:
                same = c->day[r] == d->day[r] && c->secs[r] == d->secs[r] && c->has_time[r] == d->has_time[r];
                break;
            case FT_BOOL: same = c->flag[r] == d->flag[r]; break;
            case FT_INT: same = c->num[r] == d->num[r]; break;
            case FT_NUMBER: same = memcmp(&c->real[r], &d->real[r], sizeof(double)) == 0; break;
            }
            FUZZ_CHECK(same, "%s: row %zu (line %d) field %s differs from one pass", how, r, (int)s->line[r], name);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const uint8_t c0 = data[0], c1 = data[1];
    data += 2;
    size -= 2;
    const char *path = fuzz_as_file(data, size);

    const char *dataset = datasets[c1 >> 6 & 3];
    ingest_config cfg;
    ingest_config_init(&cfg, dataset, path);
    cfg.name = "fuzz.csv";
    cfg.encoding = encodings[c1 >> 3 & 1][c0 & 3];
    cfg.delimiter = delimiters[c0 >> 2 & 3];
    cfg.header_line = header_lines[c0 >> 4 & 3];
    const char *pattern = date_overrides[c1 >> 4 & 3] ? date_overrides[c1 >> 4 & 3] : date_patterns[c0 >> 6 & 3];
    FUZZ_CHECK(date_pattern_compile(pattern, &cfg.dates), "pattern %s refused", pattern);
    const dataset_schema *ds = schema_find(dataset);
    FUZZ_CHECK(ds != NULL, "no dataset %s", dataset);
    if (strcmp(dataset, "deviations") == 0) {
        const colname *set = column_sets[c1 & 3];
        for (size_t k = 0; set && set[k].field; k++) {
            int f = schema_field_index(ds, set[k].field);
            FUZZ_CHECK(f >= 0, "no field %s", set[k].field);
            cfg.columns[f] = set[k].column;
        }
        if (c1 & 4) {
            int f = schema_field_index(ds, "category");
            cfg.maps[f] = category_map;
            cfg.nmaps[f] = sizeof category_map / sizeof category_map[0];
            f = schema_field_index(ds, "severity");
            cfg.maps[f] = severity_map;
            cfg.nmaps[f] = sizeof severity_map / sizeof severity_map[0];
        }
    }
    int header_line = cfg.header_line > 0 ? cfg.header_line : 1;

    /* One sequential pass (chunks of 1 GiB), then the same file cut into
     * chunks of 8-71 bytes read by 2-8 threads. */
    run one, cut;
    run_ingest(&cfg, &one, "1073741824", "1");
    char chunk[16], threads[16];
    snprintf(chunk, sizeof chunk, "%d", 8 + (int)(size % 64));
    snprintf(threads, sizeof threads, "%d", 2 + (c0 ^ c1) % 7);
    run_ingest(&cfg, &cut, chunk, threads);

    const ingest_result *res = &one.res;
    int rc = one.rc;
    FUZZ_CHECK(rc == res->status, "returned %d, status %d", rc, res->status);
    FUZZ_CHECK(rc == 0 || rc == 65, "status %d for a file that exists: %s", rc, res->message);
    FUZZ_CHECK(res->size == size, "size %llu of a %zu-byte file", (unsigned long long)res->size, size);
    /* A physical line needs at least one byte, so a file has at most
     * size + 1 lines, whatever its encoding. */
    check_rejects(&one.log, cfg.name, header_line, (long)size + 1);
    if (rc == 0) {
        FUZZ_CHECK(res->table != NULL, "status 0 without a table");
        FUZZ_CHECK(res->records >= 0 && res->accepted >= 0 && res->rejected >= 0, "negative counts");
        FUZZ_CHECK(res->accepted + res->rejected == res->records, "accepted %ld + rejected %ld != records %ld",
                   res->accepted, res->rejected, res->records);
        FUZZ_CHECK(one.log.rows == res->rejected, "log counts %ld rejected rows, result %ld", one.log.rows,
                   res->rejected);
        FUZZ_CHECK(one.log.n >= (size_t)res->rejected, "%zu rejects for %ld rejected rows", one.log.n, res->rejected);
        FUZZ_CHECK(res->nheader >= 1 && res->header, "no header although the file was read");
        FUZZ_CHECK(res->encoding[0] != '\0', "no encoding reported");
        FUZZ_CHECK(res->delimiter == ',' || res->delimiter == ';' || res->delimiter == '\t' || res->delimiter == '|',
                   "delimiter %d", res->delimiter);
        FUZZ_CHECK(!cfg.delimiter || res->delimiter == cfg.delimiter, "configured delimiter not used");
        check_table(res->table, res, header_line, cfg.dates.excel_serial);
    } else {
        FUZZ_CHECK(res->table == NULL, "refused (%d) but a table was returned", rc);
        FUZZ_CHECK(res->message[0] != '\0', "refused (%d) without a message", rc);
    }
    char how[64];
    snprintf(how, sizeof how, "chunks of %s bytes, %s threads", chunk, threads);
    check_same(&one, &cut, how);
    run_free(&one);
    run_free(&cut);
    return 0;
}
