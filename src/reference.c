/*
 * reference.c - reference values from CSV (via ingest) or Kolada JSON (via
 * jansson), matched to the report's KPIs and period.
 */
#include "reference.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void add_row(ref_list *refs, const char *kpi, const char *source, const char *per, double value)
{
    if (refs->n == refs->cap) {
        refs->cap = refs->cap ? refs->cap * 2 : 32;
        refs->v = xrealloc(refs->v, refs->cap * sizeof *refs->v);
    }
    refs->v[refs->n++] = (ref_row){arena_strdup(refs->mem, kpi), arena_strdup(refs->mem, source),
                                   arena_strdup(refs->mem, per), value};
}

void ref_list_free(ref_list *refs)
{
    free(refs->v);
    refs->v = NULL;
    refs->n = refs->cap = 0;
}

static int load_csv(const rules_reference *ref, reject_log *log, ref_list *refs, input_file *info, char *err,
                    size_t errlen)
{
    ingest_result res;
    int rc = ingest_file(&ref->ingest, log, &res);
    if (rc) {
        snprintf(err, errlen, "%s", res.message);
        ingest_result_free(&res);
        return rc;
    }
    const table *t = res.table;
    int kpi = table_col(t, "kpi"), src = table_col(t, "source"), per = table_col(t, "period"),
        val = table_col(t, "value");
    for (size_t r = 0; r < t->nrows; r++)
        add_row(refs, table_text(t, kpi, r), table_text(t, src, r), table_text(t, per, r), t->cols[val].real[r]);
    info->encoding = arena_strdup(refs->mem, res.encoding);
    info->delimiter_name = delimiter_name(res.delimiter);
    info->rows = res.records;
    info->accepted = res.accepted;
    info->rejected = res.rejected;
    info->size = res.size;
    memcpy(info->sha256, res.sha256, sizeof info->sha256);   /* of the bytes read */
    table_free(res.table);
    ingest_result_free(&res);
    return 0;
}

static const char *lookup(const value_map *m, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(m[i].from, key) == 0)
            return m[i].to;
    return NULL;
}

/* One entry of "values": its KPI, municipality and period, and the value
 * of the wanted gender series. */
static void add_kolada_entry(const rules_reference *ref, json_t *e, ref_list *refs, long *rows)
{
    const char *kpi = json_string_value(json_object_get(e, "kpi"));
    const char *muni = json_string_value(json_object_get(e, "municipality"));
    json_t *when = json_object_get(e, "period");
    const char *ours = kpi ? lookup(ref->kpis, ref->nkpis, kpi) : NULL;
    if (!ours || !muni)
        return;
    char per[32];
    if (json_is_integer(when))
        snprintf(per, sizeof per, "%lld", (long long)json_integer_value(when));
    else if (json_is_string(when))
        snprintf(per, sizeof per, "%s", json_string_value(when));
    else
        return;
    const char *source = lookup(ref->sources, ref->nsources, muni);
    char fallback[64];
    if (!source) {
        snprintf(fallback, sizeof fallback, "Kolada %s", muni);
        source = fallback;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(e, "values"), i, v) {
        const char *gender = json_string_value(json_object_get(v, "gender"));
        json_t *value = json_object_get(v, "value");
        if (gender && strcmp(gender, ref->gender ? ref->gender : "T") == 0 && json_is_number(value)) {
            /* Percent to share: round off the binary noise of x * 0.01. */
            double scaled = round(json_number_value(value) * ref->scale * 1e12) / 1e12;
            if (isfinite(scaled)) {     /* 1e300 * 1e12 is not a value to compare with */
                add_row(refs, ours, source, per, scaled);
                (*rows)++;
            }
        }
    }
}

static int load_kolada(const rules_reference *ref, ref_list *refs, input_file *info, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(ref->ingest.path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        bool missing = je.line < 0 && errno == ENOENT;
        snprintf(err, errlen, "%s:%d: %s", ref->ingest.name, je.line, je.text);
        return missing ? 66 : 65;
    }
    json_t *values = json_object_get(root, "values");
    if (!json_is_array(values)) {
        snprintf(err, errlen, "%s: not a Kolada data answer (no \"values\" list)", ref->ingest.name);
        json_decref(root);
        return 65;
    }
    size_t i;
    json_t *e;
    long rows = 0;
    json_array_foreach(values, i, e)
        add_kolada_entry(ref, e, refs, &rows);
    json_decref(root);
    info->encoding = "utf-8";
    info->delimiter_name = "json";
    info->rows = info->accepted = rows;
    struct stat st;
    info->size = stat(ref->ingest.path, &st) == 0 ? (uint64_t)st.st_size : 0;
    if (!sha256_file(ref->ingest.path, info->sha256))
        snprintf(info->sha256, sizeof info->sha256, "unreadable");
    return 0;
}

int reference_load(const rules_reference *ref, reject_log *log, ref_list *refs, input_file *info,
                   char *err, size_t errlen)
{
    info->dataset = "references";
    info->path = arena_strdup(refs->mem, ref->ingest.name);
    if (ref->format == REF_KOLADA)
        return load_kolada(ref, refs, info, err, errlen);
    return load_csv(ref, log, refs, info, err, errlen);
}

/* The last day of a period text, or DATE_NONE when it is not one. */
static int32_t period_end_of(const char *text)
{
    period p;
    return period_parse(text, 0, &p) && strchr("0123456789", text[0]) ? p.end : DATE_NONE;
}

void reference_attach(report *r, const ref_list *refs)
{
    for (size_t k = 0; k < r->nkpis; k++) {
        kpi_result *kr = &r->kpis[k];
        /* Per source keep the best row: the report's own period, else the latest before its end. */
        size_t *best = xcalloc(refs->n + 1, sizeof *best);
        size_t nbest = 0;
        for (size_t i = 0; i < refs->n; i++) {
            const ref_row *row = &refs->v[i];
            int32_t end = period_end_of(row->period);
            if (strcmp(row->kpi, kr->id) != 0 || end == DATE_NONE || end > r->period.end)
                continue;
            size_t j = 0;
            while (j < nbest && strcmp(refs->v[best[j]].source, row->source) != 0)
                j++;
            if (j == nbest) {
                best[nbest++] = i;
                continue;
            }
            const ref_row *cur = &refs->v[best[j]];
            bool exact = strcmp(row->period, r->period.id) == 0;
            bool cur_exact = strcmp(cur->period, r->period.id) == 0;
            if (exact || (!cur_exact && end > period_end_of(cur->period)))
                best[j] = i;
        }
        kr->nreferences = nbest;
        kr->references = arena_alloc(&r->mem, (nbest + 1) * sizeof *kr->references);
        for (size_t j = 0; j < nbest; j++) {
            const ref_row *row = &refs->v[best[j]];
            kr->references[j] = (reference_value){arena_strdup(&r->mem, row->source),
                                                  arena_strdup(&r->mem, row->period), row->value};
        }
        free(best);
    }
}
