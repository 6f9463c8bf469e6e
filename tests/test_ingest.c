/*
 * test_ingest.c - reading exports by the reading rules of spec §1:
 * delimiters, encodings, line ends and physical line numbers, headers,
 * typed values, rejected rows and refused files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "kpi_harness.c"
#include "ingest.h"

/* ---------------------------------------------------------------- helpers */

typedef struct {
    char dir[256], path[256];
    arena mem;
    reject_log log;
    ingest_config cfg;
    ingest_result res;
    int rc;
} reader_t;

/* Readers not yet freed, for the teardown after a failed test. */
static reader_t *live[8];

/* Write the export (n bytes, or strlen when n is (size_t)-1) and set up a
 * default configuration for the dataset. */
static reader_t *rd_new(const char *dataset, const void *bytes, size_t n)
{
    reader_t *g = calloc(1, sizeof *g);
    assert_non_null(g);
    kh_mkdtemp(g->dir);
    kh_write_n(g->dir, "export.csv", bytes, n);
    kh_path(g->path, g->dir, "export.csv");
    ingest_config_init(&g->cfg, dataset, g->path);
    g->cfg.name = "export.csv";
    g->log.mem = &g->mem;
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (!live[i]) {
            live[i] = g;
            break;
        }
    return g;
}

static void rd_column(reader_t *g, const char *field, const char *header)
{
    int f = schema_field_index(schema_find(g->cfg.dataset), field);
    assert_true(f >= 0);
    g->cfg.columns[f] = header;
}

static void rd_dates(reader_t *g, const char *pattern)
{
    assert_true(date_pattern_compile(pattern, &g->cfg.dates));
}

static int rd_run(reader_t *g)
{
    g->rc = ingest_file(&g->cfg, &g->log, &g->res);
    return g->rc;
}

/* Run and insist the file is read. */
static const table *rd_ok(reader_t *g)
{
    if (rd_run(g) != 0)
        fail_msg("refused (%d): %s", g->rc, g->res.message);
    assert_non_null(g->res.table);
    return g->res.table;
}

static void rd_free(reader_t *g)
{
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (live[i] == g)
            live[i] = NULL;
    if (g->res.table)
        table_free(g->res.table);
    ingest_result_free(&g->res);
    reject_log_free(&g->log);
    arena_free(&g->mem);
    kh_cleanup(g->dir);
    free(g);
}

static int teardown(void **state)
{
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (live[i])
            rd_free(live[i]);
    return kh_teardown(state);
}

static const char *text(const reader_t *g, size_t row, const char *field)
{
    const table *t = g->res.table;
    int c = table_col(t, field);
    assert_true(c >= 0);
    assert_true(row < t->nrows);
    return table_text(t, c, row);
}

static int32_t day_of(const reader_t *g, size_t row, const char *field)
{
    const table *t = g->res.table;
    int c = table_col(t, field);
    assert_true(c >= 0);
    assert_true(row < t->nrows);
    return t->cols[c].day[row];
}

/* Reject i: its line, field, and a piece of its reason (NULL: any). */
static void reject_is(const reader_t *g, size_t i, long line, const char *field, const char *reason)
{
    if (i >= g->log.n)
        fail_msg("reject %zu missing (%zu rejects)", i, g->log.n);
    const reject *r = &g->log.v[i];
    if (r->line != line || strcmp(r->field, field) != 0 || (reason && !strstr(r->reason, reason)))
        fail_msg("reject %zu is line %ld field \"%s\" reason \"%s\"; expected line %ld field \"%s\" reason ~ \"%s\"",
                 i, r->line, r->field, r->reason, line, field, reason ? reason : "");
    assert_string_equal(r->file, "export.csv");
}

/* UTF-8 (BMP only) to UTF-16 with a byte-order mark, little or big endian. */
static char *utf16(const char *s, size_t *n, bool big)
{
    size_t len = strlen(s);
    char *out = malloc(2 * len + 2);
    assert_non_null(out);
    size_t k = 0;
    out[k++] = (char)(big ? 0xFE : 0xFF);
    out[k++] = (char)(big ? 0xFF : 0xFE);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        if (u[i] < 0x80) { cp = u[i]; i += 1; }
        else if (u[i] < 0xE0) { cp = (u[i] & 0x1Fu) << 6 | (u[i + 1] & 0x3Fu); i += 2; }
        else { cp = (u[i] & 0x0Fu) << 12 | (u[i + 1] & 0x3Fu) << 6 | (u[i + 2] & 0x3Fu); i += 3; }
        out[k++] = (char)(big ? cp >> 8 : cp & 0xFF);
        out[k++] = (char)(big ? cp & 0xFF : cp >> 8);
    }
    *n = k;
    return out;
}

/* ---------------------------------------------------------------- delimiters */

static void test_delimiter_detection(void **state)
{
    (void)state;
    static const struct { char d; const char *file; } cases[] = {
        {';', "id;unit;reported\n1;\"A, B\";2026-10-01\n2;C;2026-10-02\n"},
        {',', "id,unit,reported\n1,\"A, B\",2026-10-01\n2,C,2026-10-02\n"},
        {'\t', "id\tunit\treported\n1\t\"A, B\"\t2026-10-01\n2\tC\t2026-10-02\n"},
    };
    for (size_t i = 0; i < 3; i++) {
        reader_t *g = rd_new("deviations", cases[i].file, (size_t)-1);
        rd_ok(g);
        assert_int_equal(g->res.delimiter, cases[i].d);
        assert_true(g->res.detected_delimiter);
        assert_int_equal(g->res.table->nrows, 2);
        assert_string_equal(text(g, 0, "unit"), "A, B");   /* a quoted delimiter stays */
        assert_string_equal(text(g, 1, "unit"), "C");
        assert_int_equal(day_of(g, 1, "reported"), kh_day("2026-10-02"));
        assert_int_equal(g->log.n, 0);
        rd_free(g);
    }
    /* configured: no detection */
    reader_t *g = rd_new("deviations", "id;unit;reported\n1;A,B;2026-10-01\n", (size_t)-1);
    g->cfg.delimiter = ';';
    rd_ok(g);
    assert_false(g->res.detected_delimiter);
    assert_string_equal(text(g, 0, "unit"), "A,B");
    rd_free(g);
}

/* ---------------------------------------------------------------- encodings */

static void test_utf8_bom(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations", "\xEF\xBB\xBFid;unit;reported\r\n1;\xC3\x98st;2026-10-01\r\n", (size_t)-1);
    rd_ok(g);                           /* "id" matched although the BOM precedes it */
    assert_string_equal(g->res.encoding, "utf-8");
    assert_string_equal(g->res.header[0], "id");
    assert_string_equal(text(g, 0, "id"), "1");
    assert_string_equal(text(g, 0, "unit"), "\xC3\x98st");
    rd_free(g);
}

static const char cp1252_file[] =
    "Nr;Omr\xE5" "de;Registrert\n"       /* Område */
    "1;\xD8konomi;2026-10-01\n"          /* Økonomi */
    "2;Bod\xF8;2026-10-02\n"             /* Bodø */
    "3;\x80-enhet;2026-10-03\n";         /* € */

static void check_cp1252(reader_t *g)
{
    rd_column(g, "id", "Nr");
    rd_column(g, "unit", "Omr\xC3\xA5" "de");   /* configured in UTF-8 */
    rd_column(g, "reported", "Registrert");
    rd_ok(g);
    assert_string_equal(g->res.encoding, "windows-1252");
    assert_int_equal(g->res.table->nrows, 3);
    assert_string_equal(text(g, 0, "unit"), "\xC3\x98konomi");
    assert_string_equal(text(g, 1, "unit"), "Bod\xC3\xB8");
    assert_string_equal(text(g, 2, "unit"), "\xE2\x82\xAC-enhet");
    assert_string_equal(g->res.header[1], "Omr\xC3\xA5" "de");
    assert_int_equal(g->log.n, 0);
}

static void test_windows1252_configured(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations", cp1252_file, (size_t)-1);
    g->cfg.encoding = "windows-1252";
    check_cp1252(g);
    assert_false(g->res.detected_encoding);
    rd_free(g);
    g = rd_new("deviations", cp1252_file, (size_t)-1);
    g->cfg.encoding = "cp1252";         /* an alias */
    check_cp1252(g);
    rd_free(g);
}

static void test_windows1252_detected(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations", cp1252_file, (size_t)-1);
    check_cp1252(g);                    /* encoding NULL: detect */
    assert_true(g->res.detected_encoding);
    rd_free(g);
    g = rd_new("deviations", cp1252_file, (size_t)-1);
    g->cfg.encoding = "auto";
    check_cp1252(g);
    assert_true(g->res.detected_encoding);
    rd_free(g);
}

static void test_utf16le_bom_tabs(void **state)
{
    (void)state;
    size_t n;
    char *bytes = utf16("id\tunit\treported\r\n1\t\xC3\x98st\t2026-10-01\r\n2\tVest\t2026-10-02\r\n3\tNord\tbad\r\n", &n, false);
    reader_t *g = rd_new("deviations", bytes, n);
    free(bytes);
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-16le");
    assert_int_equal(g->res.delimiter, '\t');
    assert_int_equal(g->res.table->nrows, 2);
    assert_string_equal(text(g, 0, "unit"), "\xC3\x98st");
    assert_string_equal(text(g, 1, "unit"), "Vest");
    assert_int_equal(g->res.table->line[0], 2);
    assert_int_equal(g->res.table->line[1], 3);
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 4, "reported", "not a valid date");
    rd_free(g);
}

static void test_utf16be_bom(void **state)
{
    (void)state;
    size_t n;
    char *bytes = utf16("id;unit;reported\n1;\xC3\x98st;2026-10-01\n", &n, true);
    reader_t *g = rd_new("deviations", bytes, n);
    free(bytes);
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-16be");
    assert_int_equal(g->res.table->nrows, 1);
    assert_string_equal(text(g, 0, "unit"), "\xC3\x98st");
    rd_free(g);
}

/* A UTF-8 file (valid Ø in most rows) with one damaged byte: detection
 * should keep it UTF-8, reject the damaged row with a hint, and read the
 * other rows as they are (not as Windows-1252 mojibake). */
static void test_utf8_detected_with_one_bad_byte(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id;unit;reported\n"
                         "1;\xC3\x98konomi;2026-10-01\n"
                         "2;Bod\xC3\xB8;2026-10-02\n"
                         "3;Bod\xF8;2026-10-03\n"        /* one Windows-1252 byte */
                         "4;Sk\xC3\xA5nland;2026-10-04\n",
                         (size_t)-1);
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-8");
    assert_int_equal(g->res.table->nrows, 3);
    assert_string_equal(text(g, 0, "unit"), "\xC3\x98konomi");
    assert_string_equal(text(g, 1, "unit"), "Bod\xC3\xB8");
    assert_string_equal(text(g, 2, "unit"), "Sk\xC3\xA5nland");
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 4, "unit", "windows-1252");
    rd_free(g);
}

/* Bytes Windows-1252 leaves undefined (0x81) reject their row. */
static void test_windows1252_undefined_byte(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations", "id;unit;reported\n1;A\x81;2026-10-01\n2;\xD8st;2026-10-02\n", (size_t)-1);
    g->cfg.encoding = "windows-1252";
    rd_ok(g);
    assert_int_equal(g->res.table->nrows, 1);
    assert_string_equal(text(g, 0, "unit"), "\xC3\x98st");
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 2, "unit", "encoding");
    rd_free(g);
}

/* ---------------------------------------------------------------- line ends and line numbers */

static void check_lines(const char *file)
{
    reader_t *g = rd_new("deviations", file, (size_t)-1);
    rd_ok(g);
    assert_int_equal(g->res.table->nrows, 2);
    assert_string_equal(text(g, 0, "id"), "1");
    assert_int_equal(g->res.table->line[0], 2);
    assert_string_equal(text(g, 1, "id"), "3");
    assert_string_equal(text(g, 1, "unit"), "C");       /* no CR left in the last field before it */
    assert_int_equal(g->res.table->line[1], 4);
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 3, "reported", NULL);
    assert_string_equal(g->log.v[0].value, "bad");
    assert_int_equal(g->res.records, 3);
    assert_int_equal(g->res.accepted, 2);
    assert_int_equal(g->res.rejected, 1);
    rd_free(g);
}

static void test_crlf_line_numbers(void **state)
{
    (void)state;
    check_lines("id,reported,unit\r\n1,2026-10-01,A\r\n2,bad,B\r\n3,2026-10-03,C\r\n");
}

static void test_cr_only_line_numbers(void **state)
{
    (void)state;
    check_lines("id,reported,unit\r1,2026-10-01,A\r2,bad,B\r3,2026-10-03,C\r");
}

static void test_lf_no_final_newline(void **state)
{
    (void)state;
    check_lines("id,reported,unit\n1,2026-10-01,A\n2,bad,B\n3,2026-10-03,C");
}

static void test_quoted_field_over_lines(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,category\n"
                         "1,A,2026-10-01,\"two\nlines\"\n"      /* lines 2-3 */
                         "2,A,bad,x\n"                          /* line 4 */
                         "3,A,2026-10-03,\"a\r\nb, \"\"c\"\"\"\n"   /* lines 5-6, CRLF inside */
                         "4,A,x,y\n"                            /* line 7 */
                         "5,A,2026-10-05,z\n",                  /* line 8 */
                         (size_t)-1);
    rd_ok(g);
    const table *t = g->res.table;
    assert_int_equal(t->nrows, 3);
    assert_string_equal(text(g, 0, "category"), "two\nlines");
    assert_int_equal(t->line[0], 2);
    assert_string_equal(text(g, 1, "category"), "a\r\nb, \"c\"");
    assert_int_equal(t->line[1], 5);
    assert_int_equal(t->line[2], 8);
    assert_int_equal(g->log.n, 2);
    reject_is(g, 0, 4, "reported", NULL);
    reject_is(g, 1, 7, "reported", NULL);
    rd_free(g);

    /* the same with CR-only line ends */
    g = rd_new("deviations", "id,unit,reported,category\r1,A,2026-10-01,\"two\rlines\"\r2,A,bad,x\r", (size_t)-1);
    rd_ok(g);
    assert_int_equal(g->res.table->line[0], 2);
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 4, "reported", NULL);
    rd_free(g);
}

/* ---------------------------------------------------------------- headers */

static void test_header_line_title_rows(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "Avviksrapport, Nordland, 2026\n"   /* commas in the title rows */
                         "Uttrekk: 22.11.2026\n"
                         "id;unit;reported\n"
                         "1;A;01.10.2026\n"
                         "2;A;31.04.2026\n",
                         (size_t)-1);
    g->cfg.header_line = 3;
    rd_dates(g, "dd.mm.yyyy");
    rd_ok(g);
    assert_int_equal(g->res.delimiter, ';');   /* detected on the header line */
    assert_int_equal(g->res.table->nrows, 1);
    assert_int_equal(g->res.table->line[0], 4);
    assert_int_equal(day_of(g, 0, "reported"), kh_day("2026-10-01"));
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 5, "reported", "not a valid date");
    assert_string_equal(g->log.v[0].value, "31.04.2026");
    rd_free(g);
}

static void test_header_trim_and_case(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "  ID ;Enhet  ; REPORTED ;\xC3\x85RSAK\n"   /* ÅRSAK */
                         "1;A;2026-10-01;ja\n",
                         (size_t)-1);
    rd_column(g, "unit", " enhet ");
    rd_column(g, "root_cause", "\xC3\xA5rsak");                    /* årsak */
    const table *t = rd_ok(g);
    assert_string_equal(text(g, 0, "id"), "1");
    assert_string_equal(text(g, 0, "unit"), "A");
    assert_true(t->cols[table_col(t, "root_cause")].mapped);
    assert_int_equal(t->cols[table_col(t, "root_cause")].flag[0], 1);
    assert_false(t->cols[table_col(t, "due")].mapped);
    rd_free(g);
}

/* ---------------------------------------------------------------- rows */

static void test_short_rows_padded(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,due,closed,category\n"
                         "1,A,2026-10-01\n"
                         "2,B,2026-10-02,2026-10-05\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    assert_int_equal(day_of(g, 0, "due"), DATE_NONE);
    assert_int_equal(day_of(g, 0, "closed"), DATE_NONE);
    assert_string_equal(text(g, 0, "category"), "");
    assert_int_equal(day_of(g, 1, "due"), kh_day("2026-10-05"));
    assert_int_equal(day_of(g, 1, "closed"), DATE_NONE);
    assert_int_equal(g->log.n, 0);
    rd_free(g);
}

static void test_past_last_column(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported\n"
                         "1,A,2026-10-01,,\n"        /* empty fields past the end: ignored */
                         "2,A,2026-10-02,extra\n"    /* a value past the end: rejected */
                         "3,A,2026-10-03, \n",       /* whitespace only: empty */
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(text(g, 0, "id"), "1");
    assert_string_equal(text(g, 1, "id"), "3");
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 3, "", "past the header");
    assert_string_equal(g->log.v[0].value, "extra");
    rd_free(g);
}

static void test_blank_rows_skipped(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported\n"   /* 1 */
                         "\n"                   /* 2 */
                         "1,A,2026-10-01\n"     /* 3 */
                         ",,\n"                 /* 4 */
                         " , , \n"              /* 5 */
                         "\"\",,\"\"\n"         /* 6 */
                         "2,A,2026-10-02\n"     /* 7 */
                         "\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    assert_int_equal(t->line[0], 3);
    assert_int_equal(t->line[1], 7);
    assert_int_equal(g->log.n, 0);
    assert_int_equal(g->res.records, 2);
    assert_int_equal(g->res.rejected, 0);
    rd_free(g);
}

static void test_required_empty(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported\n"
                         "1,,2026-10-01\n"
                         ",A,2026-10-02\n"
                         "3,A,\n"
                         "4,  ,2026-10-04\n",   /* whitespace is empty */
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 0);
    assert_int_equal(g->log.n, 4);
    reject_is(g, 0, 2, "unit", "required");
    reject_is(g, 1, 3, "id", "required");
    reject_is(g, 2, 4, "reported", "required");
    reject_is(g, 3, 5, "unit", "required");
    assert_int_equal(g->log.rows, 4);
    rd_free(g);
}

static void test_duplicate_id(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported\n"
                         "1,A,2026-10-01\n"
                         " 1 ,B,2026-10-02\n"   /* the same id after trimming: rejected */
                         "2,A,bad\n"            /* rejected for its date */
                         "2,C,2026-10-04\n",    /* the first accepted 2 */
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(text(g, 0, "unit"), "A");
    assert_string_equal(text(g, 1, "unit"), "C");
    assert_int_equal(t->line[1], 5);
    assert_int_equal(g->log.n, 2);
    reject_is(g, 0, 3, "id", "duplicate");
    assert_string_equal(g->log.v[0].value, "1");
    reject_is(g, 1, 4, "reported", NULL);
    rd_free(g);
}

static void test_bool_values(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,root_cause\n"
                         "1,A,2026-10-01,maybe\n"
                         "2,A,2026-10-01,JA\n"
                         "3,A,2026-10-01,x\n"
                         "4,A,2026-10-01,\n"
                         "5,A,2026-10-01,Nej\n"
                         "6,A,2026-10-01,nei\n"
                         "7,A,2026-10-01,yes\n"
                         "8,A,2026-10-01,No\n"
                         "9,A,2026-10-01,TRUE\n"
                         "10,A,2026-10-01,false\n"
                         "11,A,2026-10-01,1\n"
                         "12,A,2026-10-01,0\n"
                         "13,A,2026-10-01,X\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 2, "root_cause", NULL);
    assert_string_equal(g->log.v[0].value, "maybe");
    static const int want[] = {1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1};   /* ids 2..13 */
    assert_int_equal(t->nrows, 12);
    const uint8_t *flag = t->cols[table_col(t, "root_cause")].flag;
    for (size_t i = 0; i < 12; i++)
        if (flag[i] != want[i])
            fail_msg("id %zu: root_cause %d, expected %d", i + 2, flag[i], want[i]);
    rd_free(g);
}

static void test_integers(void **state)
{
    (void)state;
    reader_t *g = rd_new("reviews",
                         "unit,date,improvement_goals\n"
                         "A,2026-03-01,2\n"
                         "B,2026-03-01,two\n"
                         "C,2026-03-01,\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    int c = table_col(t, "improvement_goals");
    assert_int_equal(t->cols[c].num[0], 2);
    assert_true(t->cols[c].num[1] == INT64_MIN);   /* absent */
    reject_is(g, 0, 3, "improvement_goals", NULL);
    rd_free(g);
}

static void test_datetimes(void **state)
{
    (void)state;
    reader_t *g = rd_new("inquiries",
                         "id;received;answered\n"
                         "1;01.10.2026 08:00;03.10.2026T08:00:30\n"
                         "2;01.10.2026;\n"
                         "3;01.10.2026 24:00;\n",
                         (size_t)-1);
    rd_dates(g, "dd.mm.yyyy");
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    int rc = table_col(t, "received"), ac = table_col(t, "answered");
    int32_t d1 = kh_day("2026-10-01"), d3 = kh_day("2026-10-03");
    assert_int_equal(t->cols[rc].day[0], d1);
    assert_true(t->cols[rc].has_time[0]);
    assert_true(t->cols[rc].secs[0] == (int64_t)d1 * 86400 + 8 * 3600);
    assert_true(t->cols[ac].secs[0] == (int64_t)d3 * 86400 + 8 * 3600 + 30);
    assert_false(t->cols[rc].has_time[1]);
    assert_int_equal(t->cols[ac].day[1], DATE_NONE);
    reject_is(g, 0, 4, "received", NULL);
    rd_free(g);
}

static void test_values_trimmed_and_literal_quotes(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,category\n"
                         "1,  A  ,2026-10-01,\"  HMS  \"\n"
                         "2,A \"B\",2026-10-02,5\" pipe\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(text(g, 0, "unit"), "A");
    assert_string_equal(text(g, 0, "category"), "HMS");
    assert_string_equal(text(g, 1, "unit"), "A \"B\"");     /* a quote inside an unquoted field is kept */
    assert_string_equal(text(g, 1, "category"), "5\" pipe");
    assert_int_equal(g->log.n, 0);
    rd_free(g);
}

/* ---------------------------------------------------------------- damage */

static void test_open_quote_at_end(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,category\n"
                         "1,A,2026-10-01,ok\n"
                         "2,A,2026-10-02,\"open\n"
                         "3,A,2026-10-03,x\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 1);
    assert_string_equal(text(g, 0, "id"), "1");
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 3, "", "quote");
    assert_int_equal(g->res.rejected, 1);
    rd_free(g);

    /* on the last line, without a newline */
    g = rd_new("deviations", "id,unit,reported\n1,A,2026-10-01\n2,\"A,2026-10-02", (size_t)-1);
    t = rd_ok(g);
    assert_int_equal(t->nrows, 1);
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 3, "", "quote");
    rd_free(g);
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char file[] = "id,unit,reported\n1,A\0B,2026-10-01\n2,A,2026-10-02\n";
    reader_t *g = rd_new("deviations", file, sizeof file - 1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 1);
    assert_string_equal(text(g, 0, "id"), "2");
    assert_int_equal(t->line[0], 3);
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 2, "unit", "NUL");
    assert_string_equal(g->log.v[0].value, "A\\0B");
    rd_free(g);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations", "id,unit,reported\n1,\xD8st,2026-10-01\n2,A,2026-10-02\n", (size_t)-1);
    g->cfg.encoding = "utf-8";
    const table *t = rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-8");
    assert_int_equal(t->nrows, 1);
    assert_string_equal(text(g, 0, "id"), "2");
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 2, "unit", "windows-1252");
    assert_string_equal(g->log.v[0].value, "\\xD8st");
    rd_free(g);
}

/* ---------------------------------------------------------------- refused files */

static void refused(const char *dataset, const void *bytes, size_t n, int status, const char *msg)
{
    reader_t *g = rd_new(dataset, bytes, n);
    if (rd_run(g) != status)
        fail_msg("status %d, expected %d (%s)", g->rc, status, g->res.message);
    assert_null(g->res.table);
    assert_non_null(strstr(g->res.message, "export.csv"));
    if (!strstr(g->res.message, msg))
        fail_msg("message \"%s\" lacks \"%s\"", g->res.message, msg);
    rd_free(g);
}

static void test_refused_files(void **state)
{
    (void)state;
    /* cannot be opened */
    reader_t *g = rd_new("deviations", "", 0);
    kh_path(g->path, g->dir, "missing.csv");
    g->cfg.path = g->path;
    assert_int_equal(rd_run(g), 66);
    assert_null(g->res.table);
    assert_non_null(strstr(g->res.message, "export.csv"));
    rd_free(g);
    /* empty, no header */
    refused("deviations", "", 0, 65, "empty");
    refused("deviations", "\xEF\xBB\xBF", 3, 65, "empty");
    refused("deviations", "\n\n\r\n", (size_t)-1, 65, "empty");
    /* a required column missing */
    refused("deviations", "id,unit\n1,A\n", (size_t)-1, 65, "reported");
    refused("documents", "id,unit,revised\n1,A,2026-01-01\n", (size_t)-1, 65, "title");
    /* a mapped column twice, also after trimming and ignoring case */
    refused("deviations", "id,unit,reported, UNIT\n1,A,2026-10-01,B\n", (size_t)-1, 65, "twice");
    /* a header_line past the end */
    g = rd_new("deviations", "id,unit,reported\n", (size_t)-1);
    g->cfg.header_line = 5;
    assert_int_equal(rd_run(g), 65);
    rd_free(g);
}

static void test_not_refused(void **state)
{
    (void)state;
    /* an unmapped column twice is no problem */
    reader_t *g = rd_new("deviations", "id,unit,reported,note,note\n1,A,2026-10-01,a,b\n", (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 1);
    rd_free(g);
    /* a configured optional column missing: a warning, the field empty */
    g = rd_new("deviations", "id,unit,reported\n1,A,2026-10-01\n", (size_t)-1);
    rd_column(g, "due", "Frist");
    t = rd_ok(g);
    assert_int_equal(t->nrows, 1);
    assert_non_null(g->res.warnings);
    assert_non_null(strstr(g->res.warnings, "Frist"));
    assert_int_equal(day_of(g, 0, "due"), DATE_NONE);
    rd_free(g);
    /* header only: read, no rows */
    g = rd_new("deviations", "id,unit,reported\n", (size_t)-1);
    t = rd_ok(g);
    assert_int_equal(t->nrows, 0);
    rd_free(g);
}

/* ---------------------------------------------------------------- values */

static void test_long_field(void **state)
{
    (void)state;
    size_t big = 100000;
    strbuf b = {0};
    strbuf_adds(&b, "id,unit,reported,category\n1,A,2026-10-01,");
    for (size_t i = 0; i < big; i++)
        strbuf_addc(&b, (char)('a' + i % 26));
    strbuf_adds(&b, "\n2,A,2026-10-02,\"");
    for (size_t i = 0; i < big; i++)
        strbuf_addc(&b, i % 1000 == 999 ? '\n' : ',');
    strbuf_adds(&b, "x\"\n3,A,2026-10-03,short\n");
    reader_t *g = rd_new("deviations", b.data, b.len);
    strbuf_free(&b);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 3);
    const char *s = text(g, 0, "category");
    assert_int_equal(strlen(s), big);
    assert_int_equal(s[0], 'a');
    assert_int_equal(s[big - 1], 'a' + (big - 1) % 26);
    assert_int_equal(strlen(text(g, 1, "category")), big + 1);
    assert_int_equal(t->line[2], 104);           /* record 2 starts on line 3 and holds 100 newlines */
    rd_free(g);
}

static void test_value_maps(void **state)
{
    (void)state;
    static const value_map status_map[] = {
        {"Gjennomf\xC3\xB8rt", "implemented"},
        {"Avvist", "rejected"},
    };
    reader_t *g = rd_new("proposals",
                         "id,unit,submitted,status\n"
                         "1,A,2026-10-01,GJENNOMF\xC3\x98RT\n"   /* Ø folded to ø */
                         "2,A,2026-10-01,avvist\n"
                         "3,A,2026-10-01,ny\n"
                         "4,A,2026-10-01, Gjennomf\xC3\xB8rt \n"
                         "5,A,2026-10-01,\n",
                         (size_t)-1);
    int f = schema_field_index(schema_find("proposals"), "status");
    g->cfg.maps[f] = status_map;
    g->cfg.nmaps[f] = 2;
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 5);
    assert_string_equal(text(g, 0, "status"), "implemented");
    assert_string_equal(text(g, 1, "status"), "rejected");
    assert_string_equal(text(g, 2, "status"), "ny");
    assert_string_equal(text(g, 3, "status"), "implemented");
    assert_string_equal(text(g, 4, "status"), "");
    rd_free(g);
}

static void test_counts_distinct_rows(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,due\n"
                         "1,,bad,worse\n"        /* three problems, one row */
                         "2,A,2026-10-02,\n",
                         (size_t)-1);
    rd_ok(g);
    assert_int_equal(g->log.n, 3);
    reject_is(g, 0, 2, "unit", "required");
    reject_is(g, 1, 2, "reported", NULL);
    reject_is(g, 2, 2, "due", NULL);
    assert_int_equal(g->log.rows, 1);
    assert_int_equal(g->res.records, 2);
    assert_int_equal(g->res.accepted, 1);
    assert_int_equal(g->res.rejected, 1);
    rd_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_delimiter_detection, teardown),
        cmocka_unit_test_teardown(test_utf8_bom, teardown),
        cmocka_unit_test_teardown(test_windows1252_configured, teardown),
        cmocka_unit_test_teardown(test_windows1252_detected, teardown),
        cmocka_unit_test_teardown(test_utf16le_bom_tabs, teardown),
        cmocka_unit_test_teardown(test_utf16be_bom, teardown),
        cmocka_unit_test_teardown(test_utf8_detected_with_one_bad_byte, teardown),
        cmocka_unit_test_teardown(test_windows1252_undefined_byte, teardown),
        cmocka_unit_test_teardown(test_crlf_line_numbers, teardown),
        cmocka_unit_test_teardown(test_cr_only_line_numbers, teardown),
        cmocka_unit_test_teardown(test_lf_no_final_newline, teardown),
        cmocka_unit_test_teardown(test_quoted_field_over_lines, teardown),
        cmocka_unit_test_teardown(test_header_line_title_rows, teardown),
        cmocka_unit_test_teardown(test_header_trim_and_case, teardown),
        cmocka_unit_test_teardown(test_short_rows_padded, teardown),
        cmocka_unit_test_teardown(test_past_last_column, teardown),
        cmocka_unit_test_teardown(test_blank_rows_skipped, teardown),
        cmocka_unit_test_teardown(test_required_empty, teardown),
        cmocka_unit_test_teardown(test_duplicate_id, teardown),
        cmocka_unit_test_teardown(test_bool_values, teardown),
        cmocka_unit_test_teardown(test_integers, teardown),
        cmocka_unit_test_teardown(test_datetimes, teardown),
        cmocka_unit_test_teardown(test_values_trimmed_and_literal_quotes, teardown),
        cmocka_unit_test_teardown(test_open_quote_at_end, teardown),
        cmocka_unit_test_teardown(test_nul_byte, teardown),
        cmocka_unit_test_teardown(test_invalid_utf8, teardown),
        cmocka_unit_test_teardown(test_refused_files, teardown),
        cmocka_unit_test_teardown(test_not_refused, teardown),
        cmocka_unit_test_teardown(test_long_field, teardown),
        cmocka_unit_test_teardown(test_value_maps, teardown),
        cmocka_unit_test_teardown(test_counts_distinct_rows, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
