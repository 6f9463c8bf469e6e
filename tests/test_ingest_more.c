/*
 * test_ingest_more.c - more of the reading rules, through ingest_file()
 * only (issue 8, branch coverage of src/ingest.c): UTF-16 without a BOM,
 * a BOM that contradicts the configured encoding, ISO-8859-15, exports
 * that are a pipe or a directory, the number forms of integers and
 * decimals, and the parallel reading of a large file (small chunks, 2 to 4
 * threads) giving exactly the rows and rejects of one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

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

static reader_t *live[8];

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

static int rd_run(reader_t *g)
{
    g->rc = ingest_file(&g->cfg, &g->log, &g->res);
    return g->rc;
}

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

static void reject_is(const reader_t *g, size_t i, long line, const char *field, const char *value,
                      const char *reason)
{
    if (i >= g->log.n)
        fail_msg("reject %zu missing (%zu rejects)", i, g->log.n);
    const reject *r = &g->log.v[i];
    if (r->line != line || strcmp(r->field, field) != 0 || strcmp(r->value, value) != 0 ||
        strcmp(r->reason, reason) != 0)
        fail_msg("reject %zu is line %ld field \"%s\" value \"%s\" reason \"%s\"; expected line %ld field \"%s\" "
                 "value \"%s\" reason \"%s\"",
                 i, r->line, r->field, r->value, r->reason, line, field, value, reason);
}

/* ASCII/Latin-1/BMP UTF-8 to UTF-16 without a byte-order mark. */
static char *utf16_nobom(const char *s, size_t *n, bool big)
{
    size_t len = strlen(s);
    char *out = malloc(2 * len + 2);
    assert_non_null(out);
    size_t k = 0;
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

static const char small_dev[] = "id,unit,reported\n1,Ærø,2026-10-01\n2,Bø,2026-10-02\n";

/* ---------------------------------------------------------------- encodings */

static void test_utf16_without_bom(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++) {
        size_t n;
        char *bytes = utf16_nobom(small_dev, &n, big);
        reader_t *g = rd_new("deviations", bytes, n);
        free(bytes);
        const table *t = rd_ok(g);
        assert_string_equal(g->res.encoding, big ? "utf-16be" : "utf-16le");
        assert_true(g->res.detected_encoding);
        assert_int_equal(t->nrows, 2);
        assert_string_equal(text(g, 0, "unit"), "Ærø");
        assert_string_equal(text(g, 1, "unit"), "Bø");
        assert_int_equal(g->log.n, 0);
        rd_free(g);
    }
    /* Configured "utf-16", no BOM: the NUL bytes tell the byte order. */
    size_t n;
    char *bytes = utf16_nobom(small_dev, &n, true);
    reader_t *g = rd_new("deviations", bytes, n);
    free(bytes);
    g->cfg.encoding = "utf-16";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-16be");
    assert_false(g->res.detected_encoding);
    assert_string_equal(text(g, 0, "unit"), "Ærø");
    rd_free(g);
    /* ... and when they cannot (U+0100 has a NUL low byte): little-endian. */
    bytes = utf16_nobom("id,unit,reported\n1,\xC4\x80sa,2026-10-01\n", &n, false);
    g = rd_new("deviations", bytes, n);
    free(bytes);
    g->cfg.encoding = "UTF-16";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-16le");
    assert_string_equal(text(g, 0, "unit"), "\xC4\x80sa");
    rd_free(g);
}

static void test_bom_contradicts_configuration(void **state)
{
    (void)state;
    /* A UTF-8 BOM although windows-1252 is configured: read as UTF-8, with a warning. */
    char buf[256];
    snprintf(buf, sizeof buf, "\xEF\xBB\xBF%s", small_dev);
    reader_t *g = rd_new("deviations", buf, (size_t)-1);
    g->cfg.encoding = "cp1252";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-8");
    assert_string_equal(text(g, 0, "unit"), "Ærø");
    assert_non_null(g->res.warnings);
    assert_non_null(strstr(g->res.warnings, "the file starts with a utf-8 byte-order mark although windows-1252 "
                                            "is configured; read as utf-8"));
    rd_free(g);
    /* A UTF-16LE BOM although utf-8 is configured. */
    size_t n;
    char *body = utf16_nobom(small_dev, &n, false);
    char *bytes = malloc(n + 2);
    assert_non_null(bytes);
    bytes[0] = (char)0xFF;
    bytes[1] = (char)0xFE;
    memcpy(bytes + 2, body, n);
    g = rd_new("deviations", bytes, n + 2);
    g->cfg.encoding = "utf-8";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-16le");
    assert_string_equal(text(g, 1, "unit"), "Bø");
    assert_non_null(g->res.warnings);
    assert_non_null(strstr(g->res.warnings, "the file starts with a utf-16le byte-order mark although utf-8 "
                                            "is configured; read as utf-16le"));
    rd_free(g);
    /* The same BOM with "utf-16" configured agrees: no warning. */
    g = rd_new("deviations", bytes, n + 2);
    g->cfg.encoding = "utf-16";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "utf-16le");
    assert_null(g->res.warnings);
    rd_free(g);
    free(bytes);
    free(body);
}

static void test_iso_8859_15_and_1(void **state)
{
    (void)state;
    /* 0xA4 is the euro sign in ISO-8859-15, the currency sign in -1; 0xBD is oe / one half. */
    static const char latin[] = "id,unit,reported,category\n1,\xA4,2026-10-01,\xBD\n";
    reader_t *g = rd_new("deviations", latin, (size_t)-1);
    g->cfg.encoding = "latin9";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "iso-8859-15");
    assert_string_equal(text(g, 0, "unit"), "\xE2\x82\xAC");   /* € */
    assert_string_equal(text(g, 0, "category"), "\xC5\x93");   /* œ */
    rd_free(g);
    g = rd_new("deviations", latin, (size_t)-1);
    g->cfg.encoding = "iso-8859-1";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "iso-8859-1");
    assert_string_equal(text(g, 0, "unit"), "\xC2\xA4");       /* ¤ */
    assert_string_equal(text(g, 0, "category"), "\xC2\xBD");   /* ½ */
    rd_free(g);
    /* an unsupported name is refused before the file is read */
    g = rd_new("deviations", latin, (size_t)-1);
    g->cfg.encoding = "ebcdic";
    assert_int_equal(rd_run(g), 65);
    assert_null(g->res.table);
    assert_string_equal(g->res.message,
                        "export.csv: unsupported encoding \"ebcdic\" (use utf-8, utf-16, windows-1252 or iso-8859-1)");
    rd_free(g);
}

/* ---------------------------------------------------------------- not a regular file */

typedef struct {
    const char *path;
    const char *data;
    size_t len;
} fifo_writer;

static void *write_fifo(void *arg)
{
    fifo_writer *w = arg;
    int fd = open(w->path, O_WRONLY);
    if (fd < 0)
        return NULL;
    size_t off = 0;
    while (off < w->len) {
        ssize_t k = write(fd, w->data + off, w->len - off > 5000 ? 5000 : w->len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    close(fd);
    return NULL;
}

/* A named pipe: read with read() in pieces, not mapped; the rows as from a file. */
static void test_fifo(void **state)
{
    (void)state;
    strbuf b = {0};
    strbuf_adds(&b, "id,unit,reported,category\n");
    for (int i = 1; i <= 3000; i++)
        strbuf_printf(&b, "%d,Enhet %d,2026-10-%02d,%s\n", i, i % 7, 1 + i % 28, i == 2999 ? "\"a\nb\"" : "HMS");
    strbuf_adds(&b, "3001,X,2026-13-01,HMS\n");
    reader_t *g = rd_new("deviations", "", 0);
    kh_path(g->path, g->dir, "pipe.csv");
    assert_int_equal(mkfifo(g->path, 0600), 0);
    fifo_writer w = {g->path, b.data, b.len};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, write_fifo, &w), 0);
    const table *t = rd_ok(g);
    pthread_join(th, NULL);
    assert_int_equal(t->nrows, 3000);
    assert_string_equal(text(g, 0, "unit"), "Enhet 1");
    assert_string_equal(text(g, 2998, "category"), "a\nb");
    assert_int_equal(g->res.size, b.len);
    assert_int_equal(g->log.n, 1);
    reject_is(g, 0, 3003, "reported", "2026-13-01", "not a valid date of the form yyyy-mm-dd");
    rd_free(g);
    strbuf_free(&b);
    /* An empty pipe is an empty export. */
    g = rd_new("deviations", "", 0);
    kh_path(g->path, g->dir, "pipe.csv");
    assert_int_equal(mkfifo(g->path, 0600), 0);
    w = (fifo_writer){g->path, "", 0};
    assert_int_equal(pthread_create(&th, NULL, write_fifo, &w), 0);
    assert_int_equal(rd_run(g), 65);
    pthread_join(th, NULL);
    assert_string_equal(g->res.message, "export.csv: the file is empty (no header line)");
    rd_free(g);
}

/* An anonymous pipe named through /proc/self/fd, as /dev/stdin would be. */
static void test_proc_fd_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    static const char data[] = "id;unit;reported\n7;Nord;01.10.2026\n";
    assert_int_equal(write(fds[1], data, sizeof data - 1), (ssize_t)(sizeof data - 1));
    close(fds[1]);
    reader_t *g = rd_new("deviations", "", 0);
    snprintf(g->path, sizeof g->path, "/proc/self/fd/%d", fds[0]);
    assert_true(date_pattern_compile("dd.mm.yyyy", &g->cfg.dates));
    const table *t = rd_ok(g);
    close(fds[0]);
    assert_int_equal(t->nrows, 1);
    assert_int_equal(g->res.delimiter, ';');
    assert_string_equal(text(g, 0, "unit"), "Nord");
    assert_int_equal(t->cols[table_col(t, "reported")].day[0], kh_day("2026-10-01"));
    rd_free(g);
}

static void test_directory_as_export(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations", "", 0);
    snprintf(g->path, sizeof g->path, "%s", g->dir);
    assert_int_equal(rd_run(g), 66);
    assert_null(g->res.table);
    assert_string_equal(g->res.message, "export.csv: cannot open: Is a directory");
    rd_free(g);
    /* and a file that is not there */
    g = rd_new("deviations", "", 0);
    kh_path(g->path, g->dir, "nosuch.csv");
    assert_int_equal(rd_run(g), 66);
    assert_string_equal(g->res.message, "export.csv: cannot open: No such file or directory");
    rd_free(g);
}

/* ---------------------------------------------------------------- numbers */

static void test_number_forms(void **state)
{
    (void)state;
    reader_t *g = rd_new("references",
                         "kpi;source;period;value\n"
                         "k;a;2026;+1\n"          /* 2 */
                         "k;b;2026;1 234,5\n"     /* 3 */
                         "k;c;2026;-0,25\n"       /* 4 */
                         "k;d;2026;,5\n"          /* 5 */
                         "k;e;2026;12 345 678\n"  /* 6 */
                         "k;f;2026;1.2.3\n"       /* 7: rejected */
                         "k;g;2026;1e5\n"         /* 8: rejected */
                         "k;h;2026;-\n"           /* 9: rejected */
                         "k;i;2026;+-1\n"         /* 10: rejected */
                         "k;j;2026;1,5 0\n"       /* 11: rejected, a space after the decimal comma */
                         "k;k;2026;0.1234567890123456789012345678901234567890123456789012345678901234\n"  /* 12 */
                         "k;l;2026;7\n",          /* 13 */
                         (size_t)-1);
    const table *t = rd_ok(g);
    const double *v = t->cols[table_col(t, "value")].real;
    assert_int_equal(t->nrows, 6);
    assert_true(v[0] == 1.0);
    assert_true(v[1] == 1234.5);
    assert_true(v[2] == -0.25);
    assert_true(v[3] == 0.5);
    assert_true(v[4] == 12345678.0);
    assert_true(v[5] == 7.0);
    assert_string_equal(text(g, 5, "source"), "l");
    static const char *const bad[] = {"1.2.3", "1e5", "-", "+-1", "1,5 0",
                                      "0.1234567890123456789012345678901234567890123456789012345678901234"};
    assert_int_equal(g->log.n, 6);
    for (size_t i = 0; i < 6; i++)
        reject_is(g, i, (long)(7 + i), "value", bad[i], "not a number (digits with a decimal point or comma)");
    rd_free(g);
}

/* Dates are remembered per column by a hash of their text: 3000 rows of
 * 500 distinct dates in a scrambled order, in two patterns' worth of
 * lengths, with impossible dates between them, each read as itself. */
static void test_many_dates_remembered(void **state)
{
    (void)state;
    strbuf b = {0};
    strbuf_adds(&b, "id;unit;reported;due\n");
    int32_t want_rep[3000], want_due[3000];
    size_t nrows = 0, line = 1;
    long bad_lines[3000];
    size_t nbad = 0;
    for (int i = 0; i < 3000; i++) {
        int k = (i * 7919) % 500, y = 2024 + k % 3, m = 1 + k % 12, d = 1 + k % 28;
        int k2 = (i * 104729) % 500, d2 = 1 + k2 % 28;
        line++;
        if (i % 97 == 5) {          /* the 30th of February: never remembered as a date */
            strbuf_printf(&b, "%d;E;30.02.%04d;%02d.%02d.%04d\n", i, y, d2, m, y);
            bad_lines[nbad++] = (long)line;
            continue;
        }
        strbuf_printf(&b, "%d;E;%02d.%02d.%04d;%02d.%02d.%04d\n", i, d, m, y, d2, m, y);
        want_rep[nrows] = date_from_ymd(y, m, d);
        want_due[nrows++] = date_from_ymd(y, m, d2);
    }
    reader_t *g = rd_new("deviations", b.data, b.len);
    assert_true(date_pattern_compile("dd.mm.yyyy", &g->cfg.dates));
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, nrows);
    const int32_t *rep = t->cols[table_col(t, "reported")].day, *due = t->cols[table_col(t, "due")].day;
    for (size_t r = 0; r < nrows; r++) {
        assert_int_equal(rep[r], want_rep[r]);
        assert_int_equal(due[r], want_due[r]);
    }
    assert_int_equal(g->log.n, nbad);
    for (size_t i = 0; i < nbad; i++) {
        assert_int_equal(g->log.v[i].line, bad_lines[i]);
        assert_string_equal(g->log.v[i].field, "reported");
    }
    rd_free(g);
    strbuf_free(&b);
}

/* The words of a yes/no field in any case, and near misses rejected. */
static void test_boolean_words(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,root_cause\n"
                         "1,E,2026-10-01,JA\n" "2,E,2026-10-01,Yes\n" "3,E,2026-10-01,tRUE\n"
                         "4,E,2026-10-01,1\n" "5,E,2026-10-01,X\n" "6,E,2026-10-01,Nei\n"
                         "7,E,2026-10-01,NEJ\n" "8,E,2026-10-01,no\n" "9,E,2026-10-01,False\n"
                         "10,E,2026-10-01,0\n" "11,E,2026-10-01,\n"
                         "12,E,2026-10-01,jaa\n" "13,E,2026-10-01,j\n" "14,E,2026-10-01,falsey\n"
                         "15,E,2026-10-01,2\n" "16,E,2026-10-01,n\xc3\xa6i\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    const uint8_t *v = t->cols[table_col(t, "root_cause")].flag;
    static const uint8_t want[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    assert_int_equal(t->nrows, 11);
    for (size_t r = 0; r < 11; r++)
        assert_int_equal(v[r], want[r]);
    assert_int_equal(g->log.n, 5);
    static const char *const bad[] = {"jaa", "j", "falsey", "2", "n\xc3\xa6i"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(g->log.v[i].line, (long)(13 + i));
        assert_string_equal(g->log.v[i].value, bad[i]);
        assert_string_equal(g->log.v[i].field, "root_cause");
    }
    rd_free(g);
}

static void test_integer_forms(void **state)
{
    (void)state;
    reader_t *g = rd_new("reviews",
                         "unit,date,improvement_goals\n"
                         "A,2026-03-01,+3\n"                     /* 2 */
                         "B,2026-03-01,-2\n"                     /* 3 */
                         "C,2026-03-01,922337203685477579\n"     /* 4 */
                         "D,2026-03-01,+\n"                      /* 5: rejected */
                         "E,2026-03-01,-\n"                      /* 6: rejected */
                         "F,2026-03-01,99999999999999999999\n"   /* 7: rejected, too large */
                         "G,2026-03-01,1.5\n"                    /* 8: rejected */
                         "H,2026-03-01,1 000\n",                 /* 9: rejected */
                         (size_t)-1);
    const table *t = rd_ok(g);
    const int64_t *num = t->cols[table_col(t, "improvement_goals")].num;
    assert_int_equal(t->nrows, 3);
    assert_int_equal(num[0], 3);
    assert_int_equal(num[1], -2);
    assert_int_equal(num[2], 922337203685477579LL);
    static const char *const bad[] = {"+", "-", "99999999999999999999", "1.5", "1 000"};
    assert_int_equal(g->log.n, 5);
    for (size_t i = 0; i < 5; i++)
        reject_is(g, i, (long)(5 + i), "improvement_goals", bad[i], "not a whole number");
    rd_free(g);
}

/* ---------------------------------------------------------------- odds and ends */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(delimiter_name(','), "comma");
    assert_string_equal(delimiter_name(';'), "semicolon");
    assert_string_equal(delimiter_name('\t'), "tab");
    assert_string_equal(delimiter_name('|'), "pipe");
    assert_string_equal(delimiter_name(':'), "?");
    char d = 'x';
    assert_true(delimiter_parse("PIPE", &d));
    assert_int_equal(d, '|');
    assert_true(delimiter_parse("\\t", &d));
    assert_int_equal(d, '\t');
    assert_true(delimiter_parse("auto", &d));
    assert_int_equal(d, 0);
    assert_false(delimiter_parse(":", &d));
    assert_string_equal(encoding_canonical("Latin-1"), "iso-8859-1");
    assert_string_equal(encoding_canonical("UTF8"), "utf-8");
    assert_null(encoding_canonical("koi8-r"));
    assert_null(encoding_canonical(NULL));
}

/* Two warnings: one per line, in the order they arose. */
static void test_two_warnings(void **state)
{
    (void)state;
    char buf[256];
    snprintf(buf, sizeof buf, "\xEF\xBB\xBF%s", small_dev);
    reader_t *g = rd_new("deviations", buf, (size_t)-1);
    g->cfg.encoding = "windows-1252";
    int f = schema_field_index(schema_find("deviations"), "due");
    g->cfg.columns[f] = "Frist";
    rd_ok(g);
    assert_string_equal(g->res.warnings,
                        "the file starts with a utf-8 byte-order mark although windows-1252 is configured; read as utf-8\n"
                        "export.csv: the header lacks column \"Frist\" (field due); the field is empty");
    rd_free(g);
}

/* windows-1252 text that grows threefold in UTF-8 (the euro sign). */
static void test_conversion_grows(void **state)
{
    (void)state;
    strbuf b = {0}, want = {0};
    strbuf_adds(&b, "id,unit,reported\n1,");
    for (int i = 0; i < 500; i++) {
        strbuf_addc(&b, (char)0x80);
        strbuf_adds(&want, "\xE2\x82\xAC");
    }
    strbuf_adds(&b, ",2026-10-01\n");
    reader_t *g = rd_new("deviations", b.data, b.len);
    g->cfg.encoding = "windows-1252";
    rd_ok(g);
    assert_string_equal(g->res.encoding, "windows-1252");
    assert_string_equal(text(g, 0, "unit"), want.data);
    rd_free(g);
    strbuf_free(&b);
    strbuf_free(&want);
}

/* Files of a byte-order mark only, or less than one. */
static void test_tiny_files(void **state)
{
    (void)state;
    static const struct { const char *bytes; size_t n; const char *enc; } empty[] = {
        {"\xFF\xFE", 2, "utf-16le"}, {"\xFE\xFF", 2, "utf-16be"}, {"\xEF\xBB\xBF", 3, "utf-8"}, {"\n", 1, "utf-8"},
    };
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        reader_t *g = rd_new("deviations", empty[i].bytes, empty[i].n);
        assert_int_equal(rd_run(g), 65);
        assert_string_equal(g->res.message, "export.csv: the file is empty (no header line)");
        assert_string_equal(g->res.encoding, empty[i].enc);
        rd_free(g);
    }
    /* Half a UTF-8 BOM is no BOM: two windows-1252 letters, no columns. */
    reader_t *g = rd_new("deviations", "\xEF\xBB", 2);
    assert_int_equal(rd_run(g), 65);
    assert_string_equal(g->res.encoding, "windows-1252");
    assert_null(g->res.table);
    rd_free(g);
}

/* CR line ends up to the very last byte; values trimmed of every kind of
 * white space (\v, \f, \r, \t included), quoted or not. */
static void test_cr_end_and_white_space(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,category\r"
                         "1,\v A\f,2026-10-01,\" \tHMS\r\"\r"
                         "2,\fB \v,2026-10-02,\t\r",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(text(g, 0, "unit"), "A");
    assert_string_equal(text(g, 0, "category"), "HMS");
    assert_string_equal(text(g, 1, "unit"), "B");
    assert_string_equal(text(g, 1, "category"), "");
    assert_int_equal(t->line[1], 4);     /* the CR inside the quotes ends physical line 2 */
    assert_int_equal(g->log.n, 0);
    rd_free(g);
}

/* A line without quotes is read where it lies (on_field's in-place path),
 * a line with one through libcsv's copy: both give the same values, with
 * the blanks libcsv skips and the white space kvalrap trims, long fields,
 * empty ones, a trailing delimiter, CRLF and LF; a tab as the delimiter is
 * no blank. */
static void test_fields_read_in_place(void **state)
{
    (void)state;
#ifdef KV_CHECK_FIELDS
    size_t in_place = atomic_load(&ingest_fields_in_place);
#endif
    reader_t *g = rd_new("deviations",
                         "id,area,reported,category,unit\r\n"
                         "1,  \t\xc3\x85sen sykehjem avdeling nord \t ,2026-10-01,\tHMS,U\n"
                         "2,\"B\xc3\xb8\",2026-10-02,  ,U\r\n"
                         "3,,2026-10-03,x,U,\n"
                         "4, a  b ,2026-10-04,\v y\v,U\r\n"
                         "5,\"c, d\",2026-10-05,Tilsyn med private barnehager i kommunen,U\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(g->log.n, 0);
    assert_int_equal(t->nrows, 5);
    static const char *const area[] = {"\xc3\x85sen sykehjem avdeling nord", "B\xc3\xb8", "", "a  b", "c, d"};
    static const char *const category[] = {"HMS", "", "x", "y", "Tilsyn med private barnehager i kommunen"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(text(g, i, "area"), area[i]);
        assert_string_equal(text(g, i, "category"), category[i]);
        assert_string_equal(text(g, i, "unit"), "U");
    }
    rd_free(g);

    g = rd_new("deviations", "id\tarea\treported\tcategory\tunit\n6\t \xc3\x85s \t2026-10-06\t\tU\n7\t\t2026-10-07\t y \tU\n",
               (size_t)-1);
    t = rd_ok(g);
    assert_int_equal(g->log.n, 0);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(text(g, 0, "area"), "\xc3\x85s");
    assert_string_equal(text(g, 0, "category"), "");
    assert_string_equal(text(g, 1, "area"), "");
    assert_string_equal(text(g, 1, "category"), "y");
    rd_free(g);
#ifdef KV_CHECK_FIELDS
    /* The checking build counts the fields read in place: the lines
     * without quotes (3 of the first file and 3 of the second, 5 fields
     * each, and the headers) went that way. */
    assert_true(atomic_load(&ingest_fields_in_place) - in_place >= 30);
#endif
}

/* A row of deviations is typed a type at a time (take_row_fast); a row
 * with a problem is typed again field by field, so that its rejects come
 * in the order of the fields, and the rows around it are whole.  Each kind
 * of problem also comes alone in a row. */
static void test_typed_rows_and_their_rejects(void **state)
{
    (void)state;
    reader_t *g = rd_new("deviations",
                         "id,unit,reported,root_cause,due\n"
                         "1,A,2026-10-01,Ja,\n"
                         "2,,2026-02-31,kanskje,2026-13-01\n"
                         "3,B,2026-10-03,NEI,2026-11-01\n"
                         ",C,2026-10-04,x,\n"
                         "4,D,2026-02-30,ja,\n"
                         "5,,2026-10-05,ja,\n",
                         (size_t)-1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 2);
    int rc = table_col(t, "root_cause"), due = table_col(t, "due"), rep = table_col(t, "reported");
    assert_int_equal(t->cols[rc].flag[0], 1);
    assert_int_equal(t->cols[rc].flag[1], 0);
    assert_int_equal(t->cols[due].day[0], DATE_NONE);
    assert_int_equal(t->cols[due].day[1], date_from_ymd(2026, 11, 1));
    assert_int_equal(t->cols[rep].day[1], date_from_ymd(2026, 10, 3));
    assert_string_equal(text(g, 1, "unit"), "B");
    const char *empty = "required field is empty", *date = "not a valid date of the form yyyy-mm-dd";
    assert_int_equal(g->log.n, 7);
    reject_is(g, 0, 3, "unit", "", empty);
    reject_is(g, 1, 3, "reported", "2026-02-31", date);
    reject_is(g, 2, 3, "due", "2026-13-01", date);
    reject_is(g, 3, 3, "root_cause", "kanskje", "not a yes/no value (ja, nei, nej, yes, no, true, false, 1, 0, x)");
    reject_is(g, 4, 5, "id", "", empty);
    reject_is(g, 5, 6, "reported", "2026-02-30", date);
    reject_is(g, 6, 7, "unit", "", empty);
    rd_free(g);
}

/* The fingerprint of the bytes read, small (hashed inline) or large
 * (hashed on a thread beside the parsing): SHA-256 in hex. */
static void sha_hex(const char *data, size_t n, char hex[65])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, n, (const uint8_t *)data);
    sha256_digest(&c, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void test_fingerprint(void **state)
{
    (void)state;
    char want[65];
    reader_t *g = rd_new("deviations", small_dev, (size_t)-1);
    rd_ok(g);
    sha_hex(small_dev, strlen(small_dev), want);
    assert_string_equal(g->res.sha256, want);
    rd_free(g);
    strbuf b = {0};
    strbuf_adds(&b, "id,unit,reported\n");
    for (int i = 1; i <= 60000; i++)
        strbuf_printf(&b, "%d,Enhet %d,2026-10-%02d\n", i, i % 11, 1 + i % 28);
    assert_true(b.len > (1u << 20));
    g = rd_new("deviations", b.data, b.len);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 60000);
    sha_hex(b.data, b.len, want);
    assert_string_equal(g->res.sha256, want);
    assert_int_equal(g->res.size, b.len);
    rd_free(g);
    strbuf_free(&b);
}

/* With HASH_AFTER the hash runs once the reading is done and is there
 * after ingest_hash_wait, for a small file (hashed in the caller) and a
 * large one (on a thread); freeing the result without waiting also works. */
static void test_fingerprint_later(void **state)
{
    (void)state;
    char want[65];
    strbuf b = {0};
    strbuf_adds(&b, "id,unit,reported\n");
    for (int i = 1; i <= 60000; i++)
        strbuf_printf(&b, "%d,Enhet %d,2026-10-%02d\n", i, i % 11, 1 + i % 28);
    const struct { const char *text; size_t n; } files[] = {{small_dev, strlen(small_dev)}, {b.data, b.len}};
    for (size_t k = 0; k < 2; k++) {
        reader_t *g = rd_new("deviations", files[k].text, files[k].n);
        g->cfg.hash = HASH_AFTER;
        rd_ok(g);
        assert_non_null(g->res.hash);
        ingest_hash_wait(&g->res);
        assert_null(g->res.hash);
        sha_hex(files[k].text, files[k].n, want);
        assert_string_equal(g->res.sha256, want);
        rd_free(g);
        g = rd_new("deviations", files[k].text, files[k].n);
        g->cfg.hash = HASH_AFTER;
        rd_ok(g);
        rd_free(g);             /* waits for the hash: no leak, no thread left */
    }
    strbuf_free(&b);
}

/* The text is checked for bad bytes a window of about INGEST_STEP at a time.  A
 * bad byte on the line that runs past a window's nominal end, and one in
 * a quoted field that began in a clean window and goes on into the next,
 * are both found: their records are rejected, the rest read. */
static void test_bad_bytes_across_check_windows(void **state)
{
    (void)state;
    const size_t step = INGEST_STEP;
    strbuf b = {0};
    strbuf_adds(&b, "id,unit,reported\n");
    size_t base = b.len;
    int id = 0;
    while (b.len < base + step - 100)
        { id++; strbuf_printf(&b, "%d,Enhet %d,2026-10-05\n", id, id % 7); }
    int first = ++id;           /* its line crosses base + step: the window ends at its LF */
    strbuf_printf(&b, "%d,Enhet ", first);
    while (b.len < base + step + 5)
        strbuf_addc(&b, 'x');
    strbuf_adds(&b, "\xff,2026-10-05\n");
    size_t second_window = b.len;
    while (b.len < second_window + step - 100)
        { id++; strbuf_printf(&b, "%d,Enhet %d,2026-10-05\n", id, id % 7); }
    int second = ++id;          /* a quoted field over lines, past the next window's start */
    strbuf_printf(&b, "%d,\"Enhet\n", second);
    while (b.len < second_window + step + 300)
        strbuf_adds(&b, "mer tekst\n");
    strbuf_adds(&b, "\xff\",2026-10-05\n");
    for (int i = 0; i < 1000; i++)
        { id++; strbuf_printf(&b, "%d,Enhet %d,2026-10-05\n", id, id % 7); }
    setenv("KVALRAP_INGEST_THREADS", "1", 1);
    reader_t *g = rd_new("deviations", b.data, b.len);
    g->cfg.encoding = "utf-8";  /* not detected as windows-1252 for its 0xFF */
    const table *t = rd_ok(g);
    unsetenv("KVALRAP_INGEST_THREADS");
    assert_int_equal(t->nrows, (size_t)id - 2);
    assert_int_equal(g->log.n, 2);
    char want[32];
    assert_int_equal(g->log.v[0].line, first + 1);
    assert_string_equal(g->log.v[0].field, "unit");
    assert_non_null(strstr(g->log.v[0].reason, "invalid UTF-8"));
    assert_int_equal(g->log.v[1].line, second + 1);
    assert_string_equal(g->log.v[1].field, "unit");
    assert_non_null(strstr(g->log.v[1].reason, "invalid UTF-8"));
    snprintf(want, sizeof want, "%d", first + 1);       /* the rejected rows are not there */
    assert_string_equal(table_text(t, 0, (size_t)first - 1), want);
    snprintf(want, sizeof want, "%d", second + 1);
    assert_string_equal(table_text(t, 0, (size_t)second - 2), want);
    rd_free(g);
    strbuf_free(&b);
}

/* ---------------------------------------------------------------- parallel reading */

/* A deviations export of n rows with quoted fields over lines, commas in
 * quotes, bad dates, empty required fields and repeated ids. */
static void make_export(strbuf *b, int n)
{
    strbuf_adds(b, "id,unit,reported,due,closed,category,severity,root_cause,gender\n");
    for (int i = 1; i <= n; i++) {
        int id = i % 97 == 0 ? i - 1 : i;          /* a repeated id now and then */
        const char *cat = i % 13 == 0 ? "\"Miljø,\nytre\"" : i % 5 == 0 ? "\"HMS \"\"x\"\"\"" : "HMS";
        const char *rep = i % 41 == 0 ? "2026-02-30" : "2026-10-05";
        char unit[32] = "";                         /* required: empty is a reject */
        if (i % 59)
            snprintf(unit, sizeof unit, "Enhet %d", i % 9);
        const char *rc = i % 31 == 0 ? "kanskje" : i % 2 ? "ja" : "nei";
        strbuf_printf(b, "%d,%s,%s,2026-10-%02d,,%s,%d,%s,%s\n", id, unit, rep, 1 + i % 28, cat, i % 4, rc,
                      i % 3 ? "K" : "M");
    }
}

typedef struct {
    size_t nrows, nrejects;
    char *dump;         /* every row and reject as text */
} outcome;

static outcome read_with(const char *dir, const char *threads, const char *chunk)
{
    if (threads)
        setenv("KVALRAP_INGEST_THREADS", threads, 1);
    else
        unsetenv("KVALRAP_INGEST_THREADS");
    if (chunk)
        setenv("KVALRAP_INGEST_CHUNK", chunk, 1);
    else
        unsetenv("KVALRAP_INGEST_CHUNK");
    char path[256];
    arena mem = {0};
    reject_log log = {.mem = &mem};
    ingest_config cfg;
    ingest_config_init(&cfg, "deviations", kh_path(path, dir, "big.csv"));
    cfg.name = "big.csv";
    ingest_result res;
    int rc = ingest_file(&cfg, &log, &res);
    unsetenv("KVALRAP_INGEST_THREADS");
    unsetenv("KVALRAP_INGEST_CHUNK");
    if (rc != 0)
        fail_msg("refused (%d): %s", rc, res.message);
    const table *t = res.table;
    strbuf b = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        strbuf_printf(&b, "%d:", t->line[r]);
        for (size_t f = 0; f < t->schema->nfields; f++) {
            const column *c = &t->cols[f];
            switch (c->schema->type) {
            case FT_TEXT: strbuf_printf(&b, "|%s", table_text(t, (int)f, r)); break;
            case FT_DATE:
            case FT_DATETIME: strbuf_printf(&b, "|%d", (int)c->day[r]); break;
            case FT_BOOL: strbuf_printf(&b, "|%d", c->flag[r]); break;
            case FT_INT: strbuf_printf(&b, "|%lld", (long long)c->num[r]); break;
            case FT_NUMBER: strbuf_printf(&b, "|%g", c->real[r]); break;
            }
        }
        strbuf_addc(&b, '\n');
    }
    for (size_t i = 0; i < log.n; i++)
        strbuf_printf(&b, "R %s:%ld|%s|%s|%s\n", log.v[i].file, log.v[i].line, log.v[i].field, log.v[i].value,
                      log.v[i].reason);
    outcome o = {t->nrows, log.n, xstrdup(b.data ? b.data : "")};
    strbuf_free(&b);
    table_free(res.table);
    ingest_result_free(&res);
    reject_log_free(&log);
    arena_free(&mem);
    return o;
}

/* o read exactly as `one` did (rows, rejects, every value); o's dump is freed. */
static void assert_same_outcome(outcome *o, const outcome *one, const char *what)
{
    if (o->nrows != one->nrows || o->nrejects != one->nrejects || strcmp(o->dump, one->dump) != 0)
        fail_msg("%s: %zu rows %zu rejects, one thread: %zu rows %zu rejects", what, o->nrows, o->nrejects,
                 one->nrows, one->nrejects);
    free(o->dump);
}

static void test_parallel_same_as_one_thread(void **state)
{
    (void)state;
    char dir[256];
    kh_mkdtemp(dir);
    strbuf b = {0};
    make_export(&b, 4000);
    kh_write_n(dir, "big.csv", b.data, b.len);
    strbuf_free(&b);
    outcome one = read_with(dir, "1", "1000");
    /* Rows 41k have a bad date, 59k no unit, 31k a bad yes/no: 287 rows,
     * 293 rejects (one per bad field).  Rows 97k repeat the id of the row
     * before: 35 of them are dropped (the other 6 pairs have a rejected
     * row).  4000 - 287 - 35 = 3678 rows, 293 + 35 = 328 rejects. */
    assert_int_equal(one.nrows, 3678);
    assert_int_equal(one.nrejects, 328);
    size_t dups = 0;
    for (const char *p = one.dump; (p = strstr(p, "|duplicate id: an earlier row of this file has it\n")); p++)
        dups++;
    assert_int_equal(dups, 35);
    static const char *const threads[] = {"2", "3", "4", "8", "64", "", "0", NULL};
    static const char *const chunks[] = {"1000", "333", "4096", "1"};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++)
        for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
            outcome o = read_with(dir, threads[i], chunks[k]);
            char what[64];
            snprintf(what, sizeof what, "threads %s chunk %s", threads[i] ? threads[i] : "(unset)", chunks[k]);
            assert_same_outcome(&o, &one, what);
        }
    /* And the default chunk size (4 MB: one chunk here). */
    outcome d = read_with(dir, "4", NULL);
    assert_same_outcome(&d, &one, "threads 4, default chunk");
    free(one.dump);
    kh_cleanup(dir);
}

/* A chunk of a parallel read has room for as many rows as it has LFs
 * (and two).  A file with CR-only line ends in places has more records
 * than that: the chunk that holds them fills its room and the reading goes
 * on in one pass from where the last good reader stopped -- main's own
 * first chunk, the last chunk, or a middle one after a chunk already
 * placed.  The rows and rejects must be those of one thread. */
static void test_parallel_chunk_full(void **state)
{
    (void)state;
    enum { PART = 480000, LONG = 4000 };
    static const struct { int parts; const char *dense; } cases[] = {
        {2, "10"}, {2, "01"}, {3, "001"}, {3, "010"}, {3, "111"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char dir[256];
        kh_mkdtemp(dir);
        strbuf b = {0};
        strbuf_adds(&b, "id,unit,reported,note\n");
        int id = 0;
        for (int part = 0; part < cases[c].parts; part++) {
            size_t start = b.len;
            bool dense = cases[c].dense[part] == '1';
            while (b.len < start + PART) {
                size_t at = b.len - start;
                id++;
                if (dense && at > 30000 && at < 130000) {
                    /* CR-only line ends; a bad date now and then: rejects from the block too */
                    strbuf_printf(&b, "%d,Enhet 2,2026-10-%s,\r", id, id % 101 ? "05" : "32");
                    continue;
                }
                size_t line = b.len;
                strbuf_printf(&b, "%d,Enhet 1,2026-10-05,", id);
                while (b.len < line + LONG - 1)
                    strbuf_addc(&b, 'x');
                strbuf_addc(&b, '\n');
            }
        }
        kh_write_n(dir, "big.csv", b.data, b.len);
        strbuf_free(&b);
        char chunk[32];
        snprintf(chunk, sizeof chunk, "%d", PART - 1000);
        outcome one = read_with(dir, "1", chunk), two = read_with(dir, "2", chunk);
        assert_true(one.nrows > (size_t)(cases[c].parts * PART / LONG));
        if (strchr(cases[c].dense, '1'))
            assert_true(one.nrejects > 0);
        char what[64];
        snprintf(what, sizeof what, "parts %d dense %s", cases[c].parts, cases[c].dense);
        assert_same_outcome(&two, &one, what);
        free(one.dump);
        kh_cleanup(dir);
    }
}

/* Ids go into the pool unhashed; a lookup still finds them, an id that is
 * also another column's text shares that text's pool id, and a repeated id
 * is rejected on its own line with the first one kept. */
static void test_ids_in_the_pool(void **state)
{
    (void)state;
    static const char csv[] =
        "id,unit,reported\n"
        "A-1,Bø,2026-10-01\n"
        "Bø,Ærø,2026-10-02\n"
        "A-3,Bø,2026-10-31x\n"     /* rejected for its date: A-3 stays free */
        "A-3,Ærø,2026-10-03\n"
        "A-1,Ærø,2026-10-04\n";    /* a repeat of line 2 */
    reader_t *g = rd_new("deviations", csv, sizeof csv - 1);
    const table *t = rd_ok(g);
    assert_int_equal(t->nrows, 3);
    int id = table_col(t, "id"), unit = table_col(t, "unit");
    assert_string_equal(text(g, 0, "id"), "A-1");
    assert_string_equal(text(g, 1, "id"), "Bø");
    assert_string_equal(text(g, 2, "id"), "A-3");
    assert_int_equal(t->line[2], 5);
    /* "Bø" is the unit of row 0 and the id of row 1: one pool id. */
    assert_int_equal(t->cols[id].text[1], t->cols[unit].text[0]);
    assert_int_equal(strpool_find(&t->pool, "A-3", 3), t->cols[id].text[2]);
    assert_int_equal(strpool_find(&t->pool, "A-1", 3), t->cols[id].text[0]);
    assert_int_equal(strpool_find(&t->pool, "A-2", 3), 0);
    assert_int_equal(g->log.n, 2);
    reject_is(g, 0, 4, "reported", "2026-10-31x", "not a valid date of the form yyyy-mm-dd");
    reject_is(g, 1, 6, "id", "A-1", "duplicate id: an earlier row of this file has it");
    assert_int_equal(g->res.accepted, 3);
    assert_int_equal(g->res.rejected, 2);
}

/* The same over 80,000 rows, where the ids are hashed by two threads:
 * repeats in either half and across them are rejected at their own
 * lines, and ids that are also units share the units' pool ids. */
static void test_ids_in_the_pool_large(void **state)
{
    (void)state;
    enum { N = 80000 };
    strbuf b = {0};
    strbuf_adds(&b, "id,unit,reported\n");
    for (int i = 1; i <= N; i++) {
        if (i == 10 || i == 50000)
            strbuf_printf(&b, "Enhet %d,Enhet %d,2026-10-01\n", i % 7, i % 5);   /* an id that is a unit */
        else if (i % 10007 == 0)
            strbuf_printf(&b, "%d,Enhet 1,2026-10-01\n", i - 1);    /* repeats the row before */
        else
            strbuf_printf(&b, "%d,Enhet %d,2026-10-01\n", i, i % 5);
    }
    setenv("KVALRAP_INGEST_THREADS", "1", 1);
    reader_t *g = rd_new("deviations", b.data, b.len);
    const table *t = rd_ok(g);
    unsetenv("KVALRAP_INGEST_THREADS");
    int repeats = N / 10007;
    assert_int_equal(t->nrows, N - repeats);
    assert_int_equal((long)g->log.n, repeats);
    for (int k = 1; k <= repeats; k++) {
        char want[16];
        snprintf(want, sizeof want, "%d", 10007 * k - 1);
        reject_is(g, (size_t)k - 1, 10007L * k + 1, "id", want, "duplicate id: an earlier row of this file has it");
    }
    int id = table_col(t, "id"), unit = table_col(t, "unit");
    assert_string_equal(text(g, 9, "id"), "Enhet 3");
    assert_int_equal(t->cols[id].text[9], t->cols[unit].text[2]);     /* row 3 has unit "Enhet 3" */
    size_t r50000 = 50000 - 1 - 4;             /* four repeats before it were dropped */
    assert_string_equal(text(g, r50000, "id"), "Enhet 6");
    assert_int_equal(t->cols[id].text[r50000], strpool_find(&t->pool, "Enhet 6", 7));
    assert_int_not_equal(t->cols[id].text[r50000 + 1], strpool_find(&t->pool, "Enhet 6", 7));
    rd_free(g);
    strbuf_free(&b);
}

/* Numbered ids are checked chunk by chunk as a parallel read moves each
 * chunk into place: ids that fall, then jump far below the span seen so
 * far and rise again move the bits; every repeat of an earlier row's id
 * is rejected on its own line, with one thread or many. */
static void test_numbered_ids_in_chunks(void **state)
{
    (void)state;
    enum { N = 30000 };
    char dir[256];
    kh_mkdtemp(dir);
    strbuf b = {0};
    strbuf_adds(&b, "id,unit,reported\n");
    for (int i = 0; i < N; i++) {
        long id = i < 20000 ? 100000 - i : i;   /* falling, then from 20000 up: below all before */
        if (i % 1000 == 999)
            id = i < 20000 ? 100000 - (i - 500) : i - 500;  /* the id of the row 500 before */
        strbuf_printf(&b, "%ld,Enhet %d,2026-10-05\n", id, i % 7);
    }
    kh_write_n(dir, "big.csv", b.data, b.len);
    strbuf_free(&b);
    outcome one = read_with(dir, "1", NULL), many = read_with(dir, "4", "20000");
    assert_int_equal(one.nrejects, N / 1000);
    assert_int_equal(one.nrows, N - N / 1000);
    /* The first repeat: data row 1000, file line 1001 (the header is line 1). */
    assert_non_null(strstr(one.dump, "R big.csv:1001|id|99501|duplicate id: an earlier row of this file has it\n"));
    assert_non_null(strstr(one.dump, "R big.csv:30001|id|29499|duplicate id"));
    assert_same_outcome(&many, &one, "4 threads");
    free(one.dump);
    kh_cleanup(dir);
}

/* Ids that are numbers take a bitmap of their span instead of a hash:
 * the same rows kept, the same rejects, and an id equal to another
 * column's text sharing its pool id, whether the ids are plain numbers
 * (the bitmap), spread too far, written with a leading zero, or equal to
 * more texts than the bitmap's search takes (the hash). */
static void test_numbered_ids(void **state)
{
    (void)state;
    static const char *const variants[] = {
        "",             /* plain numbers near each other: the bitmap */
        "1000000000000000,Enhet 1,2026-10-01\n",    /* one far away: the hash */
        "007,Enhet 1,2026-10-01\n",                 /* a leading zero: the hash */
        "900,1,2026-10-01\n901,2,2026-10-01\n902,3,2026-10-01\n903,4,2026-10-01\n904,5,2026-10-01\n"
        "905,6,2026-10-01\n906,7,2026-10-01\n907,8,2026-10-01\n908,9,2026-10-01\n",   /* nine twins: the hash */
    };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        strbuf b = {0};
        strbuf_adds(&b, "id,unit,reported\n");
        for (int i = 1; i <= 200; i++)
            strbuf_printf(&b, "%d,%s,2026-10-01\n", i % 50 == 0 ? i - 7 : i, i == 3 ? "12" : "Enhet 1");
        strbuf_adds(&b, "1,Enhet 1,2026-10-01\n");     /* the first again, at the end */
        strbuf_adds(&b, variants[v]);
        reader_t *g = rd_new("deviations", b.data, b.len);
        const table *t = rd_ok(g);
        assert_int_equal(g->log.n, 5);
        for (size_t k = 0; k < 4; k++) {
            char want[8];
            snprintf(want, sizeof want, "%zu", 50 * (k + 1) - 7);
            reject_is(g, k, (long)(50 * (k + 1) + 1), "id", want, "duplicate id: an earlier row of this file has it");
        }
        reject_is(g, 4, 202, "id", "1", "duplicate id: an earlier row of this file has it");
        int id = table_col(t, "id"), unit = table_col(t, "unit");
        assert_string_equal(text(g, 11, "id"), "12");
        assert_int_equal(t->cols[id].text[11], t->cols[unit].text[2]);    /* "12" is also row 3's unit */
        assert_int_equal(t->cols[id].text[0], strpool_find(&t->pool, "1", 1));
        static const size_t rows[] = {196, 197, 197, 205};
        assert_int_equal(t->nrows, rows[v]);
        rd_free(g);
        strbuf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ids_in_the_pool, teardown),
        cmocka_unit_test_teardown(test_parallel_chunk_full, teardown),
        cmocka_unit_test_teardown(test_ids_in_the_pool_large, teardown),
        cmocka_unit_test_teardown(test_numbered_ids, teardown),
        cmocka_unit_test_teardown(test_numbered_ids_in_chunks, teardown),
        cmocka_unit_test_teardown(test_utf16_without_bom, teardown),
        cmocka_unit_test_teardown(test_bom_contradicts_configuration, teardown),
        cmocka_unit_test_teardown(test_iso_8859_15_and_1, teardown),
        cmocka_unit_test_teardown(test_fifo, teardown),
        cmocka_unit_test_teardown(test_proc_fd_pipe, teardown),
        cmocka_unit_test_teardown(test_directory_as_export, teardown),
        cmocka_unit_test_teardown(test_number_forms, teardown),
        cmocka_unit_test_teardown(test_many_dates_remembered, teardown),
        cmocka_unit_test_teardown(test_boolean_words, teardown),
        cmocka_unit_test_teardown(test_integer_forms, teardown),
        cmocka_unit_test(test_names),
        cmocka_unit_test_teardown(test_two_warnings, teardown),
        cmocka_unit_test_teardown(test_conversion_grows, teardown),
        cmocka_unit_test_teardown(test_tiny_files, teardown),
        cmocka_unit_test_teardown(test_cr_end_and_white_space, teardown),
        cmocka_unit_test_teardown(test_fields_read_in_place, teardown),
        cmocka_unit_test_teardown(test_typed_rows_and_their_rejects, teardown),
        cmocka_unit_test_teardown(test_fingerprint, teardown),
        cmocka_unit_test_teardown(test_fingerprint_later, teardown),
        cmocka_unit_test_teardown(test_bad_bytes_across_check_windows, teardown),
        cmocka_unit_test_teardown(test_parallel_same_as_one_thread, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
