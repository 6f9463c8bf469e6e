/*
 * read_export.c - `kvalrap read DATASET FILE`.
 */
#include "read_export.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "ingest.h"
#include "rules.h"


/* The canonical CSV is built in a buffer handed to stdio 64 KiB at a
 * time: a million rows of eleven fields are too many stdio calls. */
enum { OUT_CHUNK = 1 << 16 };

static void out_flush(strbuf *o)
{
    if (o->len)
        fwrite(o->data, 1, o->len, stdout);   /* a failure shows in ferror(stdout) */
    strbuf_reset(o);
}

static void print_value(strbuf *o, const table *t, size_t f, size_t r)
{
    const column *c = &t->cols[f];
    char buf[40];
    switch (c->schema->type) {
    case FT_TEXT: csv_field_append(o, t->pool.strs[c->text[r]]); break;
    case FT_DATE:
        if (c->day[r] != DATE_NONE) {
            date_format_iso(c->day[r], buf);
            strbuf_add(o, buf, 10);
        }
        break;
    case FT_DATETIME:
        if (c->day[r] != DATE_NONE) {
            date_format_iso(c->day[r], buf);
            strbuf_add(o, buf, 10);
            if (c->has_time[r]) {
                long s = (long)(c->secs[r] - (int64_t)c->day[r] * 86400);
                int n = snprintf(buf, sizeof buf, " %02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
                strbuf_add(o, buf, (size_t)n);
            }
        }
        break;
    case FT_BOOL: strbuf_adds(o, c->flag[r] ? "true" : "false"); break;
    case FT_INT:
        if (c->num[r] != INT64_MIN) {
            int n = snprintf(buf, sizeof buf, "%lld", (long long)c->num[r]);
            strbuf_add(o, buf, (size_t)n);
        }
        break;
    case FT_NUMBER:
        if (!isnan(c->real[r])) {
            char num[32];
            fmt_double(num, c->real[r]);
            strbuf_adds(o, num);
        }
        break;
    }
}

/* Apply --column FIELD=HEADER options over the config. */
static int apply_columns(ingest_config *cfg, const dataset_schema *ds, const char *const *columns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(columns[i], '=');
        char field[64];
        snprintf(field, sizeof field, "%.*s", (int)(eq - columns[i]), columns[i]);
        int f = schema_field_index(ds, field);
        if (f < 0) {
            fprintf(stderr, "kvalrap: --column: %s has no field '%s'\n", ds->name, field);
            return KV_USAGE;
        }
        cfg->columns[f] = eq + 1;
    }
    return 0;
}

/* The rows as canonical CSV on stdout. */
static int print_rows(const dataset_schema *ds, const table *t)
{
    for (size_t f = 0; f < ds->nfields; f++)
        printf("%s%s", f ? "," : "", ds->fields[f].name);
    putchar('\n');
    strbuf o = {0};
    for (size_t row = 0; row < t->nrows; row++) {
        for (size_t f = 0; f < ds->nfields; f++) {
            if (f)
                strbuf_addc(&o, ',');
            print_value(&o, t, f, row);
        }
        strbuf_addc(&o, '\n');
        if (o.len >= OUT_CHUNK)
            out_flush(&o);
    }
    out_flush(&o);
    strbuf_free(&o);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kvalrap: read: cannot write the rows to standard output: %s\n", strerror(errno));
        return KV_IOERR;
    }
    return 0;
}

/* The command line's options over the mapping: 0, or KV_USAGE with the
 * option and its value named. */
static int apply_options(ingest_config *cfg, const dataset_schema *ds, const read_options *o)
{
    int rc = apply_columns(cfg, ds, o->columns, o->ncolumns);
    if (!rc && o->encoding) {
        if (!encoding_canonical(o->encoding)) {
            fprintf(stderr, "kvalrap: --encoding: unsupported '%s'\n", o->encoding);
            rc = KV_USAGE;
        }
        cfg->encoding = o->encoding;
    }
    if (!rc && o->delimiter && !delimiter_parse(o->delimiter, &cfg->delimiter)) {
        fprintf(stderr, "kvalrap: --delimiter: unsupported '%s' (, ; tab)\n", o->delimiter);
        rc = KV_USAGE;
    }
    if (!rc && o->date_format && !date_pattern_compile(o->date_format, &cfg->dates)) {
        fprintf(stderr, "kvalrap: --date-format: bad pattern '%s'\n", o->date_format);
        rc = KV_USAGE;
    }
    if (o->header_line)
        cfg->header_line = o->header_line;
    return rc;
}

int read_export(const char *dataset, const char *file, const read_options *o)
{
    const dataset_schema *ds = schema_find(dataset);
    if (!ds) {
        fprintf(stderr, "kvalrap: read: unknown dataset '%s' (deviations, proposals, documents, inquiries, "
                        "training, reviews, units)\n", dataset);
        return KV_USAGE;
    }
    ingest_config cfg;
    ingest_config_init(&cfg, dataset, file);
    rules *r = NULL;
    if (o->config) {
        char err[1024];
        r = rules_open(o->config, &rules_default_limits, NULL, err, sizeof err);
        if (!r) {
            fprintf(stderr, "kvalrap: %s\n", err);
            return KV_CONFIG;
        }
        const rules_config *rc = rules_get_config(r);
        for (size_t i = 0; i < rc->ndatasets; i++)
            if (strcmp(rc->datasets[i].dataset, dataset) == 0)
                cfg = rc->datasets[i].ingest;
        cfg.path = cfg.name = file;
    }
    int rc = apply_options(&cfg, ds, o);
    cfg.hash = HASH_NONE;       /* read shows no hash: the core is the parsers' */
    if (rc) {
        rules_close(r);
        return rc;
    }
    arena mem = {0};
    reject_log log = {.mem = &mem};
    ingest_result res;
    rc = ingest_file(&cfg, &log, &res);
    if (rc) {
        fprintf(stderr, "kvalrap: %s\n", res.message);
        /* The header as read helps to write the mapping. */
        if (res.nheader) {
            fprintf(stderr, "header:");
            for (size_t i = 0; i < res.nheader; i++)
                fprintf(stderr, "%s%s", i ? " | " : " ", res.header[i]);
            fputc('\n', stderr);
        }
    } else {
        fprintf(stderr, "encoding: %s%s\ndelimiter: %s%s\nheader:", res.encoding,
                res.detected_encoding ? " (detected)" : "", delimiter_name(res.delimiter),
                res.detected_delimiter ? " (detected)" : "");
        for (size_t i = 0; i < res.nheader; i++)
            fprintf(stderr, "%s%s", i ? " | " : " ", res.header[i]);
        fputc('\n', stderr);
        for (size_t f = 0; f < ds->nfields; f++)
            fprintf(stderr, "  %-18s <- %s\n", ds->fields[f].name,
                    res.table->cols[f].mapped ? (cfg.columns[f] ? cfg.columns[f] : ds->fields[f].name) : "(absent)");
        if (res.warnings)
            fprintf(stderr, "warning: %s\n", res.warnings);
        if (!o->summary)
            rc = print_rows(ds, res.table);
        for (size_t i = 0; i < log.n; i++)
            fprintf(stderr, "%s:%ld: %s%s%s (value \"%s\")\n", log.v[i].file, log.v[i].line, log.v[i].field,
                    log.v[i].field[0] ? ": " : "", log.v[i].reason, log.v[i].value);
        fprintf(stderr, "%s: %ld records, %ld accepted, %ld rejected\n", file, res.records, res.accepted,
                res.rejected);
        table_free(res.table);
    }
    ingest_result_free(&res);
    reject_log_free(&log);
    arena_free(&mem);
    rules_close(r);
    return rc;
}
