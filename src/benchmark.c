/*
 * benchmark.c - the benchmark model from kpis.json files (jansson), and
 * its JSON form.
 */
#include "benchmark.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_writer.h"

void benchmark_free(benchmark *b)
{
    if (b)
        arena_free(&b->mem);
}

static maybe json_maybe(json_t *v)
{
    return json_is_number(v) ? MAYBE(json_number_value(v)) : MAYBE_NONE;
}

static kpi_status status_named(const char *s)
{
    if (!s) return STATUS_NONE;
    if (strcmp(s, "green") == 0) return STATUS_GREEN;
    if (strcmp(s, "yellow") == 0) return STATUS_YELLOW;
    if (strcmp(s, "red") == 0) return STATUS_RED;
    return STATUS_NONE;
}

static kpi_kind kind_named(const char *s)
{
    if (s && strcmp(s, "share") == 0) return KPI_SHARE;
    if (s && strcmp(s, "change") == 0) return KPI_CHANGE;
    return KPI_COUNT;
}

static kpi_direction direction_named(const char *s)
{
    if (s && strcmp(s, "at_most") == 0) return DIR_AT_MOST;
    if (s && strcmp(s, "above") == 0) return DIR_ABOVE;
    return DIR_AT_LEAST;
}

static const char *str(benchmark *b, json_t *v)
{
    return json_is_string(v) ? arena_strdup(&b->mem, json_string_value(v)) : NULL;
}

typedef struct {
    json_t *root;
    const char *path;
    const char *id;
} loaded;

static int by_id(const void *a, const void *c)
{
    return strcmp(((const loaded *)a)->id, ((const loaded *)c)->id);
}

static int kpi_cmp(const void *a, const void *c)
{
    return strcmp(*(const char *const *)a, *(const char *const *)c);
}

static json_t *find_kpi(json_t *root, const char *id)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(root, "kpis"), i, k) {
        const char *kid = json_string_value(json_object_get(k, "id"));
        if (kid && strcmp(kid, id) == 0)
            return k;
    }
    return NULL;
}

/* Open and check one file; the period must agree with the first. */
static int load_one(benchmark *b, const char *path, loaded *out, char *err, size_t errlen)
{
    json_error_t je;
    out->root = json_load_file(path, 0, &je);
    out->path = path;
    if (!out->root) {
        snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return 65;
    }
    json_t *per = json_object_get(out->root, "period");
    const char *pid = json_string_value(json_object_get(per, "id"));
    const char *as_of = json_string_value(json_object_get(out->root, "as_of"));
    out->id = json_string_value(json_object_get(out->root, "municipality"));
    period p;
    date_pattern iso;
    date_pattern_compile("yyyy-mm-dd", &iso);
    int32_t day;
    int64_t secs;
    bool has_time;
    if (!out->id || !pid || !period_parse(pid, 0, &p) || !as_of ||
        !date_parse(&iso, as_of, strlen(as_of), &day, &secs, &has_time) ||
        !json_is_array(json_object_get(out->root, "kpis"))) {
        snprintf(err, errlen, "%s: not a kvalrap kpis.json (municipality, period, as_of and kpis needed)", path);
        return 65;
    }
    if (b->nmunicipalities == 0) {
        b->period = p;
        b->as_of = day;
    } else if (strcmp(p.id, b->period.id) != 0) {
        snprintf(err, errlen, "%s: period %s, but the others are for %s", path, p.id, b->period.id);
        return 65;
    }
    b->nmunicipalities++;
    return 0;
}

static void fill_row(benchmark *b, bench_row *row, loaded *files, size_t n)
{
    row->cells = arena_alloc(&b->mem, n * sizeof *row->cells);
    bool same_target = true;
    bool first = true;
    for (size_t m = 0; m < n; m++) {
        json_t *k = find_kpi(files[m].root, row->kpi);
        if (!k) {
            row->cells[m] = (bench_cell){MAYBE_NONE, MAYBE_NONE, MAYBE_NONE, STATUS_NONE};
            continue;
        }
        row->cells[m] = (bench_cell){json_maybe(json_object_get(k, "value")),
                                     json_maybe(json_object_get(k, "numerator")),
                                     json_maybe(json_object_get(k, "denominator")),
                                     status_named(json_string_value(json_object_get(k, "status")))};
        maybe target = json_maybe(json_object_get(k, "target"));
        if (first) {
            row->title = str(b, json_object_get(k, "title"));
            row->kind = kind_named(json_string_value(json_object_get(k, "kind")));
            row->direction = direction_named(json_string_value(json_object_get(k, "direction")));
            row->target = target;
            first = false;
        } else if (target.present != row->target.present || (target.present && target.v != row->target.v)) {
            same_target = false;
        }
        size_t i;
        json_t *ref;
        json_array_foreach(json_object_get(k, "references"), i, ref) {
            if (!json_is_number(json_object_get(ref, "value")))
                continue;       /* a reference without a number compares with nothing */
            row->references = xrealloc(row->references, (row->nreferences + 1) * sizeof *row->references);
            row->references[row->nreferences++] = (bench_reference){
                b->municipalities[m].id, str(b, json_object_get(ref, "source")),
                str(b, json_object_get(ref, "period")), json_number_value(json_object_get(ref, "value"))};
        }
    }
    if (!same_target)
        row->target = MAYBE_NONE;
    /* Move the references into the arena: one owner for everything. */
    bench_reference *refs = arena_alloc(&b->mem, (row->nreferences + 1) * sizeof *refs);
    if (row->nreferences)
        memcpy(refs, row->references, row->nreferences * sizeof *refs);
    free(row->references);
    row->references = refs;
}

int benchmark_load(benchmark *b, const char *const *paths, size_t n, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    loaded *files = xcalloc(n + 1, sizeof *files);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = load_one(b, paths[i], &files[i], err, errlen);
    if (!rc) {
        qsort(files, n, sizeof *files, by_id);
        b->municipalities = arena_alloc(&b->mem, (n + 1) * sizeof *b->municipalities);
        for (size_t m = 0; m < n; m++)
            b->municipalities[m] = (bench_municipality){
                arena_strdup(&b->mem, files[m].id), str(b, json_object_get(files[m].root, "name")),
                str(b, json_object_get(files[m].root, "language"))};
        /* Every KPI id, then those that two or more municipalities have. */
        const char **ids = NULL;
        size_t nids = 0;
        for (size_t m = 0; m < n; m++) {
            size_t i;
            json_t *k;
            json_array_foreach(json_object_get(files[m].root, "kpis"), i, k) {
                ids = xrealloc(ids, (nids + 1) * sizeof *ids);
                ids[nids++] = json_string_value(json_object_get(k, "id"));
            }
        }
        qsort(ids, nids, sizeof *ids, kpi_cmp);
        b->rows = arena_alloc(&b->mem, (nids + 1) * sizeof *b->rows);
        for (size_t i = 0; i < nids;) {
            size_t j = i;
            while (j < nids && strcmp(ids[j], ids[i]) == 0)
                j++;
            if (j - i >= 2) {
                bench_row *row = &b->rows[b->nrows++];
                row->kpi = arena_strdup(&b->mem, ids[i]);
                fill_row(b, row, files, n);
            }
            i = j;
        }
        free(ids);
    }
    for (size_t i = 0; i < n; i++)
        json_decref(files[i].root);
    free(files);
    return rc;
}


char **benchmark_find(const char *out_dir, const char *period_id, size_t *n)
{
    *n = 0;
    DIR *d = opendir(out_dir);
    if (!d)
        return NULL;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || e->d_name[0] == '_')
            continue;
        size_t len = strlen(out_dir) + strlen(e->d_name) + strlen(period_id) + 20;
        char *path = xmalloc(len);
        snprintf(path, len, "%s/%s/%s/kpis.json", out_dir, e->d_name, period_id);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            v = xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof *v, str_ptr_cmp);
    return v;
}


int json_write_benchmark(const benchmark *b, FILE *f)
{
    char start[11], end[11], as_of[11];
    date_format_iso(b->period.start, start);
    date_format_iso(b->period.end, end);
    date_format_iso(b->as_of, as_of);
    fprintf(f, "{\n  \"period\": {\"id\": \"%s\", \"start\": \"%s\", \"end\": \"%s\"},\n  \"as_of\": \"%s\",\n",
            b->period.id, start, end, as_of);
    fputs("  \"municipalities\": [", f);
    for (size_t m = 0; m < b->nmunicipalities; m++) {
        fputs(m ? ", " : "", f);
        json_write_string(f, b->municipalities[m].id);
    }
    fputs("],\n  \"kpis\": [", f);
    for (size_t r = 0; r < b->nrows; r++) {
        const bench_row *row = &b->rows[r];
        fputs(r ? ",\n    {\"id\": " : "\n    {\"id\": ", f);
        json_write_string(f, row->kpi);
        fputs(", \"title\": ", f);
        json_write_string(f, row->title ? row->title : row->kpi);
        fputs(", \"target\": ", f);
        json_write_maybe(f, row->target);
        fputs(",\n     \"values\": {", f);
        for (size_t m = 0; m < b->nmunicipalities; m++) {
            fputs(m ? ", " : "", f);
            json_write_string(f, b->municipalities[m].id);
            fputs(": ", f);
            json_write_maybe(f, row->cells[m].value);
        }
        fputs("},\n     \"status\": {", f);
        for (size_t m = 0; m < b->nmunicipalities; m++) {
            fputs(m ? ", " : "", f);
            json_write_string(f, b->municipalities[m].id);
            fprintf(f, ": \"%s\"", kpi_status_name(row->cells[m].status));
        }
        fputs("},\n     \"references\": [", f);
        for (size_t i = 0; i < row->nreferences; i++) {
            const bench_reference *ref = &row->references[i];
            fputs(i ? ", {\"municipality\": " : "{\"municipality\": ", f);
            json_write_string(f, ref->municipality);
            fputs(", \"source\": ", f);
            json_write_string(f, ref->source ? ref->source : "");
            fputs(", \"period\": ", f);
            json_write_string(f, ref->period ? ref->period : "");
            fputs(", \"value\": ", f);
            json_write_maybe(f, MAYBE(ref->value));
            fputs("}", f);
        }
        fputs("]}", f);
    }
    fputs(b->nrows ? "\n  ]\n}\n" : "]\n}\n", f);
    return ferror(f) ? -1 : 0;
}
