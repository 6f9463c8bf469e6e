/*
 * fuzz_benchmark.c - libFuzzer harness for benchmark_load (src/benchmark.c):
 * its own lean JSON scanner of kpis.json, and jansson for what the scanner
 * does not accept.
 *
 * The input is one municipality's kpis.json.  benchmark_load gets three
 * files: the input, a fixed valid kpis.json of period 2026-10 (municipality
 * "m-fixed", sharing some KPI ids with the samples), and the input again, so
 * that every KPI of the input with an id is a row (a row needs two
 * municipalities having it) and the fixed one gives rows cells without the
 * KPI and targets that differ.
 *
 * The load is done twice: as the program does it (scanner, jansson when the
 * scanner refuses) and with jansson alone, through the fuzz-only hook
 * benchmark_fuzz_jansson_only() that src/benchmark.c defines under
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (fuzz/fuzz.mk defines it).
 *
 * Invariants:
 *   - the status is 0 or 65, with a non-empty message when it is 65;
 *   - on 0: three municipalities sorted by id, each with an id; the period
 *     is 2026-10 (the fixed file's); rows strictly sorted by KPI id, each
 *     with one cell per municipality, statuses, kinds and directions within
 *     their enums; every string (ids, names, languages, titles, sources,
 *     periods) a valid C string of valid UTF-8; every number present is
 *     finite; references name one of the municipalities;
 *   - differential: the two loads give the same status, the same message
 *     and the same benchmark (every string, every number bit for bit, and
 *     byte for byte the same json_write_benchmark output);
 *   - no crash, no undefined behaviour, no leak.
 */
#include "fuzz_common.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "benchmark.h"
#include "util.h"

/* src/benchmark.c, fuzz builds only: true = jansson alone, no scanner. */
extern void benchmark_fuzz_jansson_only(bool on);

static const char fixed_json[] =
    "{\n"
    "  \"municipality\": \"m-fixed\",\n"
    "  \"name\": \"Fixed kommun\",\n"
    "  \"language\": \"sv\",\n"
    "  \"period\": {\"id\": \"2026-10\", \"start\": \"2026-10-01\", \"end\": \"2026-10-31\"},\n"
    "  \"as_of\": \"2026-10-31\",\n"
    "  \"kpis\": [\n"
    "    {\"id\": \"deviations_closed_on_time\", \"title\": \"Avvikelser \\u00e5tg\\u00e4rdade i tid\",\n"
    "     \"kind\": \"share\", \"value\": 0.5, \"numerator\": 1, \"denominator\": 2, \"target\": 0.9,\n"
    "     \"direction\": \"at_least\", \"status\": \"red\",\n"
    "     \"references\": [{\"source\": \"Riket\", \"period\": \"2025\", \"value\": 0.74},\n"
    "                    {\"source\": \"no value\", \"period\": \"2025\", \"value\": null}]},\n"
    "    {\"id\": \"deviations_reported\", \"title\": \"Rapporterade avvikelser\", \"kind\": \"count\",\n"
    "     \"value\": 12, \"numerator\": null, \"denominator\": null, \"target\": null,\n"
    "     \"direction\": \"at_least\", \"status\": \"none\", \"references\": []},\n"
    "    {\"id\": \"deviations_open_overdue\", \"kind\": \"count\", \"value\": 0, \"target\": 0,\n"
    "     \"direction\": \"at_most\", \"status\": \"green\"},\n"
    "    {\"id\": \"documents_revised_within\", \"kind\": \"share\", \"value\": null, \"target\": 1,\n"
    "     \"direction\": \"at_least\", \"status\": \"yellow\"}\n"
    "  ]\n"
    "}\n";

/* The fixed file, written once to a memfd of its own. */
static const char *fixed_path(void)
{
    static char path[64];
    if (!path[0]) {
        int fd = memfd_create("kvalrap-fuzz-fixed", 0);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        size_t n = sizeof fixed_json - 1;
        if (write(fd, fixed_json, n) != (ssize_t)n) {
            perror("write");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    return path;
}

static bool text_ok(const char *s) { return s && utf8_valid_prefix(s, strlen(s)) == strlen(s); }
static bool opt_text_ok(const char *s) { return !s || text_ok(s); }
static bool same_text(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }
static bool same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }
static bool same_maybe(maybe a, maybe b) { return a.present == b.present && (!a.present || same_double(a.v, b.v)); }
static bool maybe_ok(maybe m) { return !m.present || isfinite(m.v); }
static const char *show(const char *s) { return s ? s : "(null)"; }

static void check_loaded(const benchmark *b, size_t n)
{
    FUZZ_CHECK(b->nmunicipalities == n, "%zu municipalities from %zu files", b->nmunicipalities, n);
    FUZZ_CHECK(strcmp(b->period.id, "2026-10") == 0, "period %s, the fixed file's is 2026-10", b->period.id);
    bool fixed = false;
    for (size_t m = 0; m < n; m++) {
        const bench_municipality *mu = &b->municipalities[m];
        FUZZ_CHECK(text_ok(mu->id), "municipality %zu: id not a valid string", m);
        FUZZ_CHECK(opt_text_ok(mu->name) && opt_text_ok(mu->language), "municipality %zu (%s): bad name or language",
                   m, mu->id);
        FUZZ_CHECK(m == 0 || strcmp(b->municipalities[m - 1].id, mu->id) <= 0, "municipalities not sorted: %s, %s",
                   b->municipalities[m - 1].id, mu->id);
        fixed |= strcmp(mu->id, "m-fixed") == 0;
    }
    FUZZ_CHECK(fixed, "the fixed file's municipality is missing");
    for (size_t r = 0; r < b->nrows; r++) {
        const bench_row *row = &b->rows[r];
        FUZZ_CHECK(text_ok(row->kpi), "row %zu: KPI id not a valid string", r);
        FUZZ_CHECK(r == 0 || strcmp(b->rows[r - 1].kpi, row->kpi) < 0, "rows not strictly sorted: %s, %s",
                   b->rows[r - 1].kpi, row->kpi);
        FUZZ_CHECK(opt_text_ok(row->title), "row %s: title not valid", row->kpi);
        FUZZ_CHECK(row->kind >= KPI_COUNT && row->kind <= KPI_CHANGE, "row %s: kind %d", row->kpi, (int)row->kind);
        FUZZ_CHECK(row->direction >= DIR_AT_LEAST && row->direction <= DIR_ABOVE, "row %s: direction %d", row->kpi,
                   (int)row->direction);
        FUZZ_CHECK(maybe_ok(row->target), "row %s: target %g", row->kpi, row->target.v);
        for (size_t m = 0; m < n; m++) {
            const bench_cell *c = &row->cells[m];
            FUZZ_CHECK(maybe_ok(c->value) && maybe_ok(c->numerator) && maybe_ok(c->denominator),
                       "row %s, municipality %zu: %g %g %g", row->kpi, m, c->value.v, c->numerator.v,
                       c->denominator.v);
            FUZZ_CHECK(c->status >= STATUS_NONE && c->status <= STATUS_RED, "row %s: status %d", row->kpi,
                       (int)c->status);
        }
        for (size_t i = 0; i < row->nreferences; i++) {
            const bench_reference *ref = &row->references[i];
            bool ours = false;
            for (size_t m = 0; m < n; m++)
                ours |= ref->municipality == b->municipalities[m].id;
            FUZZ_CHECK(ours, "row %s, reference %zu: municipality %s is not one of them", row->kpi, i,
                       show(ref->municipality));
            FUZZ_CHECK(opt_text_ok(ref->source) && opt_text_ok(ref->period), "row %s, reference %zu: bad text",
                       row->kpi, i);
            FUZZ_CHECK(isfinite(ref->value), "row %s, reference %zu: value %g", row->kpi, i, ref->value);
        }
    }
}

/* a: scanner first (as the program runs); j: jansson alone. */
static void check_same(const benchmark *a, const benchmark *j, size_t n)
{
    FUZZ_CHECK(strcmp(a->period.id, j->period.id) == 0 && a->period.start == j->period.start &&
                   a->period.end == j->period.end && a->as_of == j->as_of,
               "period %s / as_of %d, jansson %s / %d", a->period.id, (int)a->as_of, j->period.id, (int)j->as_of);
    for (size_t m = 0; m < n; m++) {
        const bench_municipality *x = &a->municipalities[m], *y = &j->municipalities[m];
        FUZZ_CHECK(same_text(x->id, y->id) && same_text(x->name, y->name) && same_text(x->language, y->language),
                   "municipality %zu: scanner %s / %s / %s, jansson %s / %s / %s", m, show(x->id), show(x->name),
                   show(x->language), show(y->id), show(y->name), show(y->language));
    }
    FUZZ_CHECK(a->nrows == j->nrows, "scanner %zu rows, jansson %zu", a->nrows, j->nrows);
    for (size_t r = 0; r < a->nrows; r++) {
        const bench_row *x = &a->rows[r], *y = &j->rows[r];
        FUZZ_CHECK(same_text(x->kpi, y->kpi), "row %zu: scanner %s, jansson %s", r, x->kpi, y->kpi);
        FUZZ_CHECK(same_text(x->title, y->title), "row %s: title scanner \"%s\", jansson \"%s\"", x->kpi,
                   show(x->title), show(y->title));
        FUZZ_CHECK(x->kind == y->kind && x->direction == y->direction && same_maybe(x->target, y->target),
                   "row %s: kind %d/%d direction %d/%d target %d:%.17g / %d:%.17g", x->kpi, (int)x->kind,
                   (int)y->kind, (int)x->direction, (int)y->direction, x->target.present, x->target.v,
                   y->target.present, y->target.v);
        for (size_t m = 0; m < n; m++) {
            const bench_cell *c = &x->cells[m], *d = &y->cells[m];
            FUZZ_CHECK(same_maybe(c->value, d->value) && same_maybe(c->numerator, d->numerator) &&
                           same_maybe(c->denominator, d->denominator) && c->status == d->status,
                       "row %s, municipality %zu: scanner %d:%.17g %d:%.17g %d:%.17g %d, "
                       "jansson %d:%.17g %d:%.17g %d:%.17g %d",
                       x->kpi, m, c->value.present, c->value.v, c->numerator.present, c->numerator.v,
                       c->denominator.present, c->denominator.v, (int)c->status, d->value.present, d->value.v,
                       d->numerator.present, d->numerator.v, d->denominator.present, d->denominator.v,
                       (int)d->status);
        }
        FUZZ_CHECK(x->nreferences == y->nreferences, "row %s: scanner %zu references, jansson %zu", x->kpi,
                   x->nreferences, y->nreferences);
        for (size_t i = 0; i < x->nreferences; i++) {
            const bench_reference *p = &x->references[i], *q = &y->references[i];
            FUZZ_CHECK(same_text(p->municipality, q->municipality) && same_text(p->source, q->source) &&
                           same_text(p->period, q->period) && same_double(p->value, q->value),
                       "row %s, reference %zu: scanner %s %s %s %.17g, jansson %s %s %s %.17g", x->kpi, i,
                       show(p->municipality), show(p->source), show(p->period), p->value, show(q->municipality),
                       show(q->source), show(q->period), q->value);
        }
    }
}

/* json_write_benchmark's output, malloc'd (*len bytes). */
static char *written(const benchmark *b, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        abort();
    int rc = json_write_benchmark(b, f);
    FUZZ_CHECK(rc == 0, "json_write_benchmark: %d", rc);
    fclose(f);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_as_file(data, size);
    const char *paths[] = {path, fixed_path(), path};
    size_t n = sizeof paths / sizeof paths[0];

    benchmark a, j;
    char erra[600] = "", errj[600] = "";
    benchmark_fuzz_jansson_only(false);
    int rca = benchmark_load(&a, paths, n, erra, sizeof erra);
    benchmark_fuzz_jansson_only(true);
    int rcj = benchmark_load(&j, paths, n, errj, sizeof errj);
    benchmark_fuzz_jansson_only(false);

    FUZZ_CHECK(rca == 0 || rca == 65, "status %d: %s", rca, erra);
    FUZZ_CHECK(rca == 0 || erra[0] != '\0', "refused without a message");
    FUZZ_CHECK(rca == rcj && strcmp(erra, errj) == 0, "scanner: %d \"%s\"; jansson alone: %d \"%s\"", rca, erra,
               rcj, errj);
    if (rca == 0) {
        check_loaded(&a, n);
        check_loaded(&j, n);
        check_same(&a, &j, n);
        size_t la, lj;
        char *wa = written(&a, &la), *wj = written(&j, &lj);
        FUZZ_CHECK(la == lj && memcmp(wa, wj, la) == 0, "benchmark.json differs (%zu / %zu bytes):\n%s\n---\n%s", la,
                   lj, wa, wj);
        FUZZ_CHECK(text_ok(wa), "benchmark.json is not valid UTF-8");
        free(wa);
        free(wj);
    }
    benchmark_free(&a);
    benchmark_free(&j);
    return 0;
}
