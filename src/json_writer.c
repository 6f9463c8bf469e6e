/*
 * json_writer.c - kpis.json.  Numbers at full precision (the shortest text
 * that reads back as the same double), keys in a fixed order, two-space
 * indentation, so two runs give the same bytes.
 *
 * The text is put together in a buffer of our own and handed to stdio in
 * large blocks: the lists of a large report are hundreds of thousands of
 * rows, and a stdio call per key, value and separator cost more than the
 * rest of the writer together.
 */
#include "json_writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the buffer */

typedef struct {
    FILE *f;
    char *buf;
    size_t len, cap;
} jbuf;

static void jb_flush(jbuf *b)
{
    if (b->len)
        fwrite(b->buf, 1, b->len, b->f);   /* a failure shows in ferror(f) */
    b->len = 0;
}

/* Room for n more bytes (n <= b->cap). */
static inline void jb_need(jbuf *b, size_t n)
{
    if (b->cap - b->len < n)
        jb_flush(b);
}

static void jb_add(jbuf *b, const void *s, size_t n)
{
    if (b->cap - b->len < n) {
        jb_flush(b);
        if (n > b->cap) {
            fwrite(s, 1, n, b->f);
            return;
        }
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static inline void jb_puts(jbuf *b, const char *s) { jb_add(b, s, strlen(s)); }

/* A string literal's bytes without the terminating NUL. */
#define JB_LIT(b, lit) jb_add((b), (lit), sizeof(lit) - 1)

static inline void jb_char(jbuf *b, char ch)
{
    jb_need(b, 1);
    b->buf[b->len++] = ch;
}

/* Bytes that need an escape in a JSON string: controls, '"' and '\\'. */
static const unsigned char jb_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

static void jb_string(jbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    jb_char(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        /* Copy the run of bytes that need no escape in one go. */
        const unsigned char *run = p;
        while (!jb_special[*p])
            p++;
        if (p > run)
            jb_add(b, run, (size_t)(p - run));
        if (!*p)
            break;
        char e[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (*p) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[*p >> 4];
            e[5] = hex[*p & 15];
            n = 6;
        }
        jb_add(b, e, n);
        p++;
    }
    jb_char(b, '"');
}

static void jb_maybe(jbuf *b, maybe m)
{
    if (!m.present || !isfinite(m.v)) {     /* JSON has no inf or NaN */
        JB_LIT(b, "null");
        return;
    }
    char buf[32];
    fmt_double(buf, m.v);
    jb_puts(b, buf);
}

/* A whole number without printf: the lists carry one per row. */
static void jb_uint(jbuf *b, unsigned long long u, bool minus)
{
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (minus)
        *--p = '-';
    jb_add(b, p, (size_t)(buf + sizeof buf - p));
}

static void jb_int(jbuf *b, long long v)
{
    jb_uint(b, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0);
}

/* A date as a JSON string.  The lists' dates repeat (a few thousand days
 * for a hundred thousand rows), so the text of recent days is kept. */
typedef struct {
    int32_t day[64];
    char text[64][12];
    bool used[64];
} jb_dates;

static void jb_date(jbuf *b, jb_dates *memo, int32_t day)
{
    unsigned slot = (unsigned)day & 63u;
    if (!memo->used[slot] || memo->day[slot] != day) {
        char buf[11];
        date_format_iso(day, buf);
        memo->text[slot][0] = '"';
        memcpy(memo->text[slot] + 1, buf, 10);
        memo->text[slot][11] = '"';
        memo->day[slot] = day;
        memo->used[slot] = true;
    }
    jb_add(b, memo->text[slot], 12);
}

/* ------------------------------------------------------------ public helpers */

void json_write_string(FILE *f, const char *s)
{
    char buf[512];
    jbuf b = {f, buf, 0, sizeof buf};
    jb_string(&b, s);
    jb_flush(&b);
}

void json_write_maybe(FILE *f, maybe m)
{
    char buf[64];
    jbuf b = {f, buf, 0, sizeof buf};
    jb_maybe(&b, m);
    jb_flush(&b);
}

/* ------------------------------------------------------------ the report */

static void write_breakdowns(jbuf *b, const kpi_result *k)
{
    jb_char(b, '{');
    for (size_t i = 0; i < k->nbreakdowns; i++) {
        const breakdown *bd = &k->breakdowns[i];
        if (i)
            JB_LIT(b, ",\n        ");
        else
            JB_LIT(b, "\n        ");
        jb_string(b, bd->dimension);
        JB_LIT(b, ": {");
        for (size_t j = 0; j < bd->n; j++) {
            if (j)
                JB_LIT(b, ", ");
            jb_string(b, *bd->entries[j].key ? bd->entries[j].key : "unknown");
            JB_LIT(b, ": ");
            jb_maybe(b, bd->entries[j].value);
        }
        jb_char(b, '}');
    }
    if (k->nbreakdowns)
        JB_LIT(b, "\n      }");
    else
        jb_char(b, '}');
}

static void write_series(jbuf *b, const kpi_result *k)
{
    jb_char(b, '[');
    for (size_t i = 0; i < k->nseries; i++) {
        if (i)
            JB_LIT(b, ",\n        ");
        else
            JB_LIT(b, "\n        ");
        JB_LIT(b, "{\"month\": \"");
        jb_puts(b, k->series[i].month);
        JB_LIT(b, "\", \"value\": ");
        jb_maybe(b, k->series[i].value);
        if (k->series[i].from_history)
            JB_LIT(b, ", \"source\": \"history\"}");
        else
            jb_char(b, '}');
    }
    if (k->nseries)
        JB_LIT(b, "\n      ]");
    else
        jb_char(b, ']');
}

static void write_items(jbuf *b, const item_list *l)
{
    /* Each column's key as it appears before its value, made once:
     * `"id": ` for the first, `, "unit": ` for the others. */
    size_t nc = l->ncols, room = 0;
    for (size_t c = 0; c < nc; c++)
        room += 6 * strlen(l->columns[c]) + 8;    /* every byte escaped at worst */
    char **keys = xmalloc((nc ? nc : 1) * sizeof *keys);
    size_t *klen = xmalloc((nc ? nc : 1) * sizeof *klen);
    jbuf kb = {NULL, xmalloc(room ? room : 1), 0, room};
    for (size_t c = 0; c < nc; c++) {
        size_t at = kb.len;
        if (c)
            JB_LIT(&kb, ", ");
        jb_string(&kb, l->columns[c]);
        JB_LIT(&kb, ": ");
        keys[c] = kb.buf + at;
        klen[c] = kb.len - at;
    }

    jb_dates memo;
    memset(memo.used, 0, sizeof memo.used);
    jb_char(b, '[');
    const cell *cells = l->cells;
    for (size_t i = 0; i < l->nrows; i++) {
        if (i)
            JB_LIT(b, ",\n        {");
        else
            JB_LIT(b, "\n        {");
        for (size_t c = 0; c < nc; c++) {
            const cell *cl = &cells[i * nc + c];
            jb_add(b, keys[c], klen[c]);
            switch (cl->kind) {
            case CELL_EMPTY: JB_LIT(b, "null"); break;
            case CELL_TEXT: jb_string(b, cl->u.text); break;
            case CELL_DATE: jb_date(b, &memo, cl->u.day); break;
            case CELL_INT: jb_int(b, (long long)cl->u.i); break;
            }
        }
        jb_char(b, '}');
    }
    if (l->nrows)
        JB_LIT(b, "\n      ]");
    else
        jb_char(b, ']');

    free(kb.buf);
    free(keys);
    free(klen);
}

static void write_kpi(jbuf *b, const kpi_result *k)
{
    JB_LIT(b, "    {\n      \"id\": ");
    jb_string(b, k->id);
    JB_LIT(b, ",\n      \"title\": ");
    jb_string(b, k->title);
    JB_LIT(b, ",\n      \"kind\": \"");
    jb_puts(b, kpi_kind_name(k->kind));
    JB_LIT(b, "\",\n      \"value\": ");
    jb_maybe(b, k->value);
    JB_LIT(b, ",\n      \"numerator\": ");
    jb_maybe(b, k->numerator);
    JB_LIT(b, ",\n      \"denominator\": ");
    jb_maybe(b, k->denominator);
    JB_LIT(b, ",\n      \"target\": ");
    jb_maybe(b, k->target);
    JB_LIT(b, ",\n      \"direction\": \"");
    jb_puts(b, kpi_direction_name(k->direction));
    JB_LIT(b, "\",\n      \"status\": \"");
    jb_puts(b, kpi_status_name(k->status));
    jb_char(b, '"');
    if (k->warning.present) {
        JB_LIT(b, ",\n      \"warning\": ");
        jb_maybe(b, k->warning);
    }
    if (k->params_json) {
        JB_LIT(b, ",\n      \"params\": ");
        jb_puts(b, k->params_json);
    }
    JB_LIT(b, ",\n      \"breakdown\": ");
    write_breakdowns(b, k);
    JB_LIT(b, ",\n      \"previous\": ");
    jb_maybe(b, k->previous);
    JB_LIT(b, ",\n      \"last_year\": ");
    jb_maybe(b, k->last_year);
    JB_LIT(b, ",\n      \"trend_periods\": {\"previous\": \"");
    jb_puts(b, k->previous_id);
    JB_LIT(b, "\", \"last_year\": \"");
    jb_puts(b, k->last_year_id);
    JB_LIT(b, "\"}");
    if (k->previous_from_history || k->last_year_from_history) {
        JB_LIT(b, ",\n      \"trend_sources\": {\"previous\": \"");
        jb_puts(b, k->previous_from_history ? "history" : "computed");
        JB_LIT(b, "\", \"last_year\": \"");
        jb_puts(b, k->last_year_from_history ? "history" : "computed");
        JB_LIT(b, "\"}");
    }
    JB_LIT(b, ",\n      \"series\": ");
    write_series(b, k);
    if (k->nreferences) {
        JB_LIT(b, ",\n      \"references\": [");
        for (size_t i = 0; i < k->nreferences; i++) {
            if (i)
                JB_LIT(b, ",\n        {\"source\": ");
            else
                JB_LIT(b, "\n        {\"source\": ");
            jb_string(b, k->references[i].source);
            JB_LIT(b, ", \"period\": ");
            jb_string(b, k->references[i].period);
            JB_LIT(b, ", \"value\": ");
            jb_maybe(b, MAYBE(k->references[i].value));
            jb_char(b, '}');
        }
        JB_LIT(b, "\n      ]");
    }
    if (k->items) {
        JB_LIT(b, ",\n      \"items\": ");
        write_items(b, k->items);
    }
    JB_LIT(b, "\n    }");
}

#define JB_CAP ((size_t)1 << 18)

int json_write_report(const report *r, FILE *f)
{
    jbuf b = {f, xmalloc(JB_CAP), 0, JB_CAP};
    char start[11], end[11], as_of[11];
    date_format_iso(r->period.start, start);
    date_format_iso(r->period.end, end);
    date_format_iso(r->as_of, as_of);
    JB_LIT(&b, "{\n  \"municipality\": ");
    jb_string(&b, r->municipality);
    JB_LIT(&b, ",\n  \"name\": ");
    jb_string(&b, r->name);
    JB_LIT(&b, ",\n  \"language\": ");
    jb_string(&b, r->language ? r->language : "en");
    JB_LIT(&b, ",\n  \"period\": {\"id\": \"");
    jb_puts(&b, r->period.id);
    JB_LIT(&b, "\", \"start\": \"");
    jb_puts(&b, start);
    JB_LIT(&b, "\", \"end\": \"");
    jb_puts(&b, end);
    JB_LIT(&b, "\"},\n  \"as_of\": \"");
    jb_puts(&b, as_of);
    JB_LIT(&b, "\",\n  \"kpis\": [\n");
    for (size_t i = 0; i < r->nkpis; i++) {
        write_kpi(&b, &r->kpis[i]);
        if (i + 1 < r->nkpis)
            JB_LIT(&b, ",\n");
        else
            jb_char(&b, '\n');
    }
    JB_LIT(&b, "  ],\n  \"rejected_rows\": ");
    jb_int(&b, (long long)r->rejected_rows);
    JB_LIT(&b, ",\n  \"inputs\": [");
    for (size_t i = 0; i < r->ninputs; i++) {
        const input_file *in = &r->inputs[i];
        if (i)
            JB_LIT(&b, ",\n    {\"dataset\": ");
        else
            JB_LIT(&b, "\n    {\"dataset\": ");
        jb_string(&b, in->dataset);
        JB_LIT(&b, ", \"file\": ");
        jb_string(&b, in->path);
        JB_LIT(&b, ", \"encoding\": \"");
        jb_puts(&b, in->encoding);
        JB_LIT(&b, "\", \"delimiter\": \"");
        jb_puts(&b, in->delimiter_name);
        JB_LIT(&b, "\", \"bytes\": ");
        jb_uint(&b, (unsigned long long)in->size, false);
        JB_LIT(&b, ", \"rows\": ");
        jb_int(&b, (long long)in->rows);
        JB_LIT(&b, ", \"accepted\": ");
        jb_int(&b, (long long)in->accepted);
        JB_LIT(&b, ", \"rejected\": ");
        jb_int(&b, (long long)in->rejected);
        JB_LIT(&b, ", \"sha256\": \"");
        jb_puts(&b, in->sha256);
        JB_LIT(&b, "\"}");
    }
    if (r->ninputs)
        JB_LIT(&b, "\n  ],\n  \"rule_file\": ");
    else
        JB_LIT(&b, "],\n  \"rule_file\": ");
    jb_string(&b, r->rule_file ? r->rule_file : "");
    JB_LIT(&b, ",\n  \"rule_sha256\": \"");
    jb_puts(&b, r->rule_sha256);
    JB_LIT(&b, "\",\n  \"kvalrap_version\": \"");
    jb_puts(&b, KV_VERSION);
    JB_LIT(&b, "\"\n}\n");
    jb_flush(&b);
    free(b.buf);
    return ferror(f) ? -1 : 0;
}
