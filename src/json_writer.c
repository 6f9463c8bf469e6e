/*
 * json_writer.c - kpis.json.  Numbers at full precision (the shortest text
 * that reads back as the same double), keys in a fixed order, two-space
 * indentation, so two runs give the same bytes.
 */
#include "json_writer.h"

#include <math.h>
#include <string.h>

void json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        /* Copy the run of characters that need no escape in one call: the
         * lists of a large report are hundreds of thousands of strings. */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), f);
        if (!*p)
            break;
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default: fprintf(f, "\\u%04x", *p);
        }
        p++;
    }
    fputc('"', f);
}

void json_write_maybe(FILE *f, maybe m)
{
    if (!m.present || !isfinite(m.v)) {     /* JSON has no inf or NaN */
        fputs("null", f);
        return;
    }
    char buf[32];
    fmt_double(buf, m.v);
    fputs(buf, f);
}

static void write_date(FILE *f, int32_t day)
{
    char buf[13];
    buf[0] = '"';
    date_format_iso(day, buf + 1);
    buf[11] = '"';
    fwrite(buf, 1, 12, f);
}

/* A whole number without printf: the lists carry one per row. */
static void write_int(FILE *f, long long v)
{
    char buf[24];
    char *p = buf + sizeof buf;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    fwrite(p, 1, (size_t)(buf + sizeof buf - p), f);
}

static void write_breakdowns(FILE *f, const kpi_result *k)
{
    fputs("{", f);
    for (size_t i = 0; i < k->nbreakdowns; i++) {
        const breakdown *b = &k->breakdowns[i];
        fputs(i ? ",\n        " : "\n        ", f);
        json_write_string(f, b->dimension);
        fputs(": {", f);
        for (size_t j = 0; j < b->n; j++) {
            fputs(j ? ", " : "", f);
            json_write_string(f, *b->entries[j].key ? b->entries[j].key : "unknown");
            fputs(": ", f);
            json_write_maybe(f, b->entries[j].value);
        }
        fputs("}", f);
    }
    fputs(k->nbreakdowns ? "\n      }" : "}", f);
}

static void write_series(FILE *f, const kpi_result *k)
{
    fputs("[", f);
    for (size_t i = 0; i < k->nseries; i++) {
        fprintf(f, "%s{\"month\": \"%s\", \"value\": ", i ? ",\n        " : "\n        ", k->series[i].month);
        json_write_maybe(f, k->series[i].value);
        fputs(k->series[i].from_history ? ", \"source\": \"history\"}" : "}", f);
    }
    fputs(k->nseries ? "\n      ]" : "]", f);
}

static void write_cell(FILE *f, const cell *c)
{
    switch (c->kind) {
    case CELL_EMPTY: fputs("null", f); break;
    case CELL_TEXT: json_write_string(f, c->u.text); break;
    case CELL_DATE: write_date(f, c->u.day); break;
    case CELL_INT: write_int(f, (long long)c->u.i); break;
    }
}

static void write_items(FILE *f, const item_list *l)
{
    fputs("[", f);
    for (size_t i = 0; i < l->nrows; i++) {
        fputs(i ? ",\n        {" : "\n        {", f);
        for (size_t c = 0; c < l->ncols; c++) {
            fputs(c ? ", " : "", f);
            json_write_string(f, l->columns[c]);
            fputs(": ", f);
            write_cell(f, &l->cells[i * l->ncols + c]);
        }
        fputs("}", f);
    }
    fputs(l->nrows ? "\n      ]" : "]", f);
}

static void write_kpi(FILE *f, const kpi_result *k)
{
    fputs("    {\n      \"id\": ", f);
    json_write_string(f, k->id);
    fputs(",\n      \"title\": ", f);
    json_write_string(f, k->title);
    fprintf(f, ",\n      \"kind\": \"%s\",\n      \"value\": ", kpi_kind_name(k->kind));
    json_write_maybe(f, k->value);
    fputs(",\n      \"numerator\": ", f);
    json_write_maybe(f, k->numerator);
    fputs(",\n      \"denominator\": ", f);
    json_write_maybe(f, k->denominator);
    fputs(",\n      \"target\": ", f);
    json_write_maybe(f, k->target);
    fprintf(f, ",\n      \"direction\": \"%s\",\n      \"status\": \"%s\"", kpi_direction_name(k->direction),
            kpi_status_name(k->status));
    if (k->warning.present) {
        fputs(",\n      \"warning\": ", f);
        json_write_maybe(f, k->warning);
    }
    if (k->params_json)
        fprintf(f, ",\n      \"params\": %s", k->params_json);
    fputs(",\n      \"breakdown\": ", f);
    write_breakdowns(f, k);
    fputs(",\n      \"previous\": ", f);
    json_write_maybe(f, k->previous);
    fputs(",\n      \"last_year\": ", f);
    json_write_maybe(f, k->last_year);
    fprintf(f, ",\n      \"trend_periods\": {\"previous\": \"%s\", \"last_year\": \"%s\"}", k->previous_id,
            k->last_year_id);
    if (k->previous_from_history || k->last_year_from_history)
        fprintf(f, ",\n      \"trend_sources\": {\"previous\": \"%s\", \"last_year\": \"%s\"}",
                k->previous_from_history ? "history" : "computed",
                k->last_year_from_history ? "history" : "computed");
    fputs(",\n      \"series\": ", f);
    write_series(f, k);
    if (k->nreferences) {
        fputs(",\n      \"references\": [", f);
        for (size_t i = 0; i < k->nreferences; i++) {
            fputs(i ? ",\n        {\"source\": " : "\n        {\"source\": ", f);
            json_write_string(f, k->references[i].source);
            fputs(", \"period\": ", f);
            json_write_string(f, k->references[i].period);
            fputs(", \"value\": ", f);
            json_write_maybe(f, MAYBE(k->references[i].value));
            fputs("}", f);
        }
        fputs("\n      ]", f);
    }
    if (k->items) {
        fputs(",\n      \"items\": ", f);
        write_items(f, k->items);
    }
    fputs("\n    }", f);
}

int json_write_report(const report *r, FILE *f)
{
    char start[11], end[11], as_of[11];
    date_format_iso(r->period.start, start);
    date_format_iso(r->period.end, end);
    date_format_iso(r->as_of, as_of);
    fputs("{\n  \"municipality\": ", f);
    json_write_string(f, r->municipality);
    fputs(",\n  \"name\": ", f);
    json_write_string(f, r->name);
    fputs(",\n  \"language\": ", f);
    json_write_string(f, r->language ? r->language : "en");
    fprintf(f, ",\n  \"period\": {\"id\": \"%s\", \"start\": \"%s\", \"end\": \"%s\"},\n", r->period.id, start, end);
    fprintf(f, "  \"as_of\": \"%s\",\n  \"kpis\": [\n", as_of);
    for (size_t i = 0; i < r->nkpis; i++) {
        write_kpi(f, &r->kpis[i]);
        fputs(i + 1 < r->nkpis ? ",\n" : "\n", f);
    }
    fprintf(f, "  ],\n  \"rejected_rows\": %ld,\n  \"inputs\": [", r->rejected_rows);
    for (size_t i = 0; i < r->ninputs; i++) {
        const input_file *in = &r->inputs[i];
        fputs(i ? ",\n    {\"dataset\": " : "\n    {\"dataset\": ", f);
        json_write_string(f, in->dataset);
        fputs(", \"file\": ", f);
        json_write_string(f, in->path);
        fprintf(f, ", \"encoding\": \"%s\", \"delimiter\": \"%s\", \"bytes\": %llu, \"rows\": %ld, "
                   "\"accepted\": %ld, \"rejected\": %ld, \"sha256\": \"%s\"}",
                in->encoding, in->delimiter_name, (unsigned long long)in->size, in->rows, in->accepted,
                in->rejected, in->sha256);
    }
    fputs(r->ninputs ? "\n  ],\n  \"rule_file\": " : "],\n  \"rule_file\": ", f);
    json_write_string(f, r->rule_file ? r->rule_file : "");
    fprintf(f, ",\n  \"rule_sha256\": \"%s\",\n  \"kvalrap_version\": \"%s\"\n}\n", r->rule_sha256, KV_VERSION);
    return ferror(f) ? -1 : 0;
}
