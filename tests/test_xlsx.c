/*
 * test_xlsx.c - the workbook writer, read back cell by cell.
 *
 * Each test writes the fixture report (tests/fixture.c), sometimes changed
 * to provoke a case, into a temporary directory and reads the workbook back
 * through tests/xlsx_cells.py (openpyxl), which prints one fact per line:
 * "Sheet!A1=TYPE|FORMAT|LENGTH|VALUE", "table ...", "freeze ...", ...  The
 * tests look for whole lines, so a failure shows exactly which fact is off.
 *
 * Environment: KV_PYTHON the interpreter with openpyxl (default: Debian's
 * /usr/bin/python3), KV_XLSX_ROWS the size of the big list (130000),
 * KV_KEEP keeps the temporary directory for a look at the workbooks.
 */
#include "testutil.h"

#include <libgen.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "labels.h"
#include "xlsx_writer.h"

static char tmpdir[64];

/* ---------------------------------------------------------------- helpers */

/* The interpreter for xlsx_cells.py: $KV_PYTHON, else Debian's python3
 * (which has python3-openpyxl even when another python3 is first on PATH). */
static const char *python(void)
{
    const char *p = getenv("KV_PYTHON");
    if (p && *p)
        return p;
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* Path of a file in the temporary directory (static buffer per call site
 * is not enough, so the caller gets a malloc'd string). */
static char *tmp_path(const char *name)
{
    size_t n = strlen(tmpdir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", tmpdir, name);
    return p;
}

/* Writes r in language lang to name in the temporary directory; asserts
 * success and returns the path (caller frees). */
static char *write_report(const report *r, const char *lang, const char *name)
{
    labels *l = labels_load(lang);
    assert_non_null(l);
    char *path = tmp_path(name);
    char err[512] = "";
    int rc = xlsx_write_report(r, l, path, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "xlsx_write_report: %s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
    labels_free(l);
    return path;
}

/* The output of xlsx_cells.py on path (with --meta when meta), with a
 * newline in front so every line can be searched as "\nLINE\n". */
static char *dump(const char *path, bool meta)
{
    char script[512], cmd[1536];
    snprintf(script, sizeof script, "%s", __FILE__);
    snprintf(cmd, sizeof cmd, "'%s' '%s/xlsx_cells.py' %s'%s'", python(), dirname(script),
             meta ? "--meta " : "", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 1;
    char *out = malloc(cap);
    out[0] = '\n';
    size_t got;
    while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 4096)
            out = realloc(out, cap *= 2);
    }
    out[len] = '\0';
    int status = pclose(p);
    if (status != 0)
        fprintf(stderr, "%s: exit status %d\n", cmd, status);
    assert_int_equal(status, 0);
    return out;
}

/* Asserts that the dump has exactly this line. */
static void has_line(const char *d, const char *line)
{
    size_t n = strlen(line);
    char *want = malloc(n + 3);
    snprintf(want, n + 3, "\n%s\n", line);
    if (!strstr(d, want))
        fail_msg("no line: %s", line);
    free(want);
}

/* Asserts that no line of the dump starts with prefix. */
static void no_line_starting(const char *d, const char *prefix)
{
    size_t n = strlen(prefix);
    char *want = malloc(n + 2);
    snprintf(want, n + 2, "\n%s", prefix);
    if (strstr(d, want))
        fail_msg("unexpected line: %s...", prefix);
    free(want);
}

/* The rest of the line that starts with prefix (static buffer), or NULL. */
static const char *line_after(const char *d, const char *prefix)
{
    static char buf[1 << 18];
    size_t n = strlen(prefix);
    char *want = malloc(n + 2);
    snprintf(want, n + 2, "\n%s", prefix);
    const char *p = strstr(d, want);
    free(want);
    if (!p)
        return NULL;
    p += n + 1;
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    len = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

/* The whole content of a file (caller frees), its size in *n. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* Asserts that two files hold the same bytes. */
static void same_bytes(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    assert_true(na > 0);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    free(x);
    free(y);
}

/* A string of n copies of the UTF-8 character ch, in the report's arena. */
static char *repeat(report *r, const char *ch, size_t n)
{
    size_t len = strlen(ch);
    char *s = arena_alloc(&r->mem, n * len + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, ch, len);
    return s;
}

static void free_report(report *r)
{
    report_free(r);
    free(r);
}

/* ---------------------------------------------------------------- tests */

/* The nb fixture read back: sheet names, text as text (a formula-looking id
 * too), Sámi names, numbers as numbers with percent and integer formats,
 * real dates, the list as a table, print set-up, properties, charts. */
static void test_cells(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    char *path = write_report(r, "nb", "cells.xlsx");
    char *d = dump(path, false);

    has_line(d, "sheets=Sammendrag|Månedsserier|Per enhet|Avvik over frist|Datakvalitet");
    /* A formula-looking id stays a string. */
    has_line(d, "Avvik over frist!A5=s|General|22|=HYPERLINK(\"http://x\")");
    no_line_starting(d, "Avvik over frist!A5=f");
    /* Nordic and Sámi letters exactly. */
    has_line(d, "Per enhet!A7=s|General|19|Sámi giellaguovddáš");
    has_line(d, "Per enhet!A10=s|General|12|Ŋuorra-Đavvi");
    has_line(d, "Avvik over frist!B5=s|General|18|Økonomi og styring");
    has_line(d, "Per enhet!A9=s|General|13|Vård & omsorg");
    /* The share 0.87 is a number with a percent format; counts integers. */
    has_line(d, "Sammendrag!C7=n|0.0 %|0|0.87");
    has_line(d, "Sammendrag!E7=n|0.0 %|0|1.0");
    has_line(d, "Sammendrag!G7=n|#,##0|0|87.0");
    has_line(d, "Sammendrag!H7=n|#,##0|0|100.0");
    has_line(d, "Sammendrag!C9=n|#,##0|0|1234567.0");
    has_line(d, "Sammendrag!F7=s|General|12|Ikke oppfylt");
    has_line(d, "Sammendrag!I7=n|0.0 %|0|0.8");
    has_line(d, "Sammendrag!J7=s|General|1|–");
    has_line(d, "Sammendrag!I6=s|General|25|Forrige periode (2026-09)");
    has_line(d, "Per enhet!B6=n|0.0 %|0|0.6");
    /* Dates are real dates; an empty date leaves the cell empty. */
    has_line(d, "Avvik over frist!D5=d|dd.mm.yyyy|0|2026-09-01T00:00:00");
    has_line(d, "Avvik over frist!C5=d|dd.mm.yyyy|0|2026-01-29T00:00:00");
    no_line_starting(d, "Avvik over frist!D7=");
    has_line(d, "Avvik over frist!E5=n|0|0|60.0");
    has_line(d, "Sammendrag!B3=d|dd.mm.yyyy|0|2026-10-31T00:00:00");
    /* Tables, frozen headers, status colours. */
    has_line(d, "table Avvik over frist!List1=A4:E7 autofilter=1");
    has_line(d, "Avvik over frist!A4=s|General|3|Nr.");
    has_line(d, "freeze Avvik over frist=A5");
    has_line(d, "freeze Sammendrag=B7");
    has_line(d, "cf Sammendrag!F7:F9=4");
    has_line(d, "table Datakvalitet!Rejects=A17:E18 autofilter=1");
    has_line(d, "Datakvalitet!D18=s|General|10|31.04.2024");
    has_line(d, "Datakvalitet!B18=n|0|0|17.0");
    has_line(d, "Datakvalitet!A5=s|General|16|Ingen advarsler.");
    /* Print set-up and document properties. */
    has_line(d, "page Sammendrag orientation=landscape fit=True fit_width=None fit_height=0");
    has_line(d, "header Sammendrag=Nordland fylkeskommune||Kvalitetsrapport 2026-10");
    has_line(d, "footer Avvik over frist=&A|Side &P av &N|kvalrap " KV_VERSION);
    has_line(d, "prop creator=Nordland fylkeskommune");
    has_line(d, "prop created=2026-11-01T00:00:00");
    /* The series: a row per month, a column per KPI, then the targets;
     * a missing month is an empty cell (a gap in the chart). */
    has_line(d, "Månedsserier!A5=s|General|7|2025-11");
    has_line(d, "Månedsserier!A16=s|General|7|2026-10");
    has_line(d, "Månedsserier!B4=s|General|24|Avvik lukket innen frist");
    has_line(d, "Månedsserier!B5=n|0.0 %|0|0.7");
    no_line_starting(d, "Månedsserier!B8=");
    has_line(d, "Månedsserier!D16=n|#,##0.00|0|100.11");
    has_line(d, "Månedsserier!E4=s|General|29|Mål: Avvik lukket innen frist");
    has_line(d, "Månedsserier!E16=n|0.0 %|0|1.0");
    has_line(d, "Månedsserier!F16=n|#,##0.00|0|0.0");
    no_line_starting(d, "Månedsserier!G");
    has_line(d, "charts=3");

    free(d);
    free(path);
    free_report(r);
}

/* The same report written twice gives the same bytes. */
static void test_byte_identical(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    char *a = write_report(r, "nb", "same1.xlsx");
    char *b = write_report(r, "nb", "same2.xlsx");
    same_bytes(a, b);
    free(a);
    free(b);
    free_report(r);
}

/* Under a Swedish locale (decimal comma) the file is still the same bytes:
 * libxlsxwriter would otherwise write "0,87".  Skipped where the locale is
 * not installed. */
static void test_swedish_locale(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    char *a = write_report(r, "nb", "locale_c.xlsx");
    if (!setlocale(LC_ALL, "sv_SE.UTF-8")) {
        free(a);
        free_report(r);
        skip();
    }
    char *b = write_report(r, "nb", "locale_sv.xlsx");
    setlocale(LC_ALL, "C");
    same_bytes(a, b);
    free(a);
    free(b);
    free_report(r);
}

/* Long text is cut at 32,767 characters (never inside a character) with a
 * warning on the data-quality sheet; invalid UTF-8 and U+FFFE become U+FFFD;
 * a literal "_x0041_" stays as written. */
static void test_text_limits(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    r->kpis[0].title = repeat(r, "å", 100000);
    cell *c = r->kpis[1].items->cells;
    c[5].u.text = "A\xff\xfe-2\xef\xbf\xbe";
    c[10].u.text = "_x0041_ lit";
    r->rejects[0].value = repeat(r, "\xf0\x9f\x98\x80", 40000);   /* U+1F600, two UTF-16 units */
    r->kpis[1].definition = repeat(r, "d", 32767);   /* fits exactly */
    r->kpis[2].definition = repeat(r, "e", 32768);   /* one too many */
    char *path = write_report(r, "nb", "limits.xlsx");
    char *d = dump(path, false);

    const char *v = line_after(d, "Sammendrag!A7=");
    assert_non_null(v);
    assert_memory_equal(v, "s|General|32767|ååå", strlen("s|General|32767|ååå"));
    has_line(d, "Avvik over frist!A6=s|General|6|A\xef\xbf\xbd\xef\xbf\xbd-2\xef\xbf\xbd");
    has_line(d, "Avvik over frist!A7=s|General|11|_x0041_ lit");
    assert_non_null(strstr(d, "\nSammendrag!K8=s|General|32767|ddd"));
    assert_non_null(strstr(d, "\nSammendrag!K9=s|General|32767|eee"));
    assert_non_null(strstr(d, "|Sammendrag!K9: teksten er lengre"));
    assert_null(strstr(d, "|Sammendrag!K8: teksten"));
    /* 16,383 emoji are 32,766 UTF-16 units; the next would not fit. */
    const char *warn = strstr(d, "|Sammendrag!A7: teksten er lengre enn de 32 767 tegnene");
    assert_non_null(warn);
    assert_memory_equal(strstr(warn, "Lengde i tegn: "), "Lengde i tegn: 100000\n", 22);
    assert_non_null(strstr(d, "|samples/nordland/avvik.csv:17: teksten er lengre"));
    assert_non_null(strstr(d, "|Per enhet!B4: teksten er lengre"));
    assert_non_null(strstr(d, "Celler med byte som ikke er gyldig UTF-8"));
    assert_non_null(strstr(d, "|16383|\xf0\x9f\x98\x80"));

    free(d);
    free(path);
    free_report(r);
}

/* A list whose name has characters a sheet name may not hold, and is too
 * long, and two lists that want the same name: all sheet names valid,
 * at most 31 characters, unique. */
static void test_sheet_names(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    kpi_result *k = arena_alloc(&r->mem, 4 * sizeof *k);
    memcpy(k, r->kpis, 3 * sizeof *k);
    r->kpis = k;
    r->nkpis = 4;
    item_list *dup = arena_alloc(&r->mem, sizeof *dup);
    *dup = *k[1].items;
    k[2].items = dup;
    k[3] = k[2];
    k[3].id = "odd";
    item_list *odd = arena_alloc(&r->mem, sizeof *odd);
    *odd = *k[1].items;
    odd->name = "'bad[name]:*?/\\ and far too long for any sheet name at all";
    odd->nrows = 0;
    k[3].items = odd;
    char *path = write_report(r, "nb", "names.xlsx");
    char *d = dump(path, true);

    const char *sheets = line_after(d, "sheets=");
    assert_non_null(sheets);
    has_line(d, "sheets=Sammendrag|Månedsserier|Per enhet|Avvik over frist|Avvik over frist (2)|"
                "’bad-name------ and far too lon|Datakvalitet");
    char *copy = strdup(sheets), *save = NULL;
    for (char *s = strtok_r(copy, "|", &save); s; s = strtok_r(NULL, "|", &save)) {
        size_t chars = 0;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            chars += (*p & 0xC0) != 0x80;
        assert_true(chars >= 1 && chars <= 31);
        assert_null(strpbrk(s, "[]:*?/\\"));
    }
    free(copy);
    free(d);
    free(path);
    free_report(r);
}

/* A breakdown with an empty key shows it as "unknown", last; a dimension of
 * its own gets its own sheet. */
static void test_breakdown_unknown(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    kpi_result *k = &r->kpis[0];
    breakdown *b = arena_alloc(&r->mem, 2 * sizeof *b);
    b[0] = k->breakdowns[0];
    b[1] = (breakdown){.dimension = "gender", .n = 3};
    b[1].entries = arena_alloc(&r->mem, 3 * sizeof *b[1].entries);
    const char *keys[] = {"K", "M", ""};
    for (int i = 0; i < 3; i++)
        b[1].entries[i] = (breakdown_entry){keys[i], MAYBE(0.5 + 0.1 * i), MAYBE(5 + i), MAYBE(10)};
    k->breakdowns = b;
    k->nbreakdowns = 2;
    char *path = write_report(r, "nb", "unknown.xlsx");
    char *d = dump(path, false);

    has_line(d, "sheets=Sammendrag|Månedsserier|Per enhet|Per kjønn|Avvik over frist|Datakvalitet");
    has_line(d, "Per kjønn!A5=s|General|5|Kjønn");
    has_line(d, "Per kjønn!A6=s|General|1|K");
    has_line(d, "Per kjønn!A8=s|General|6|Ukjent");
    has_line(d, "Per kjønn!B8=n|0.0 %|0|0.7");
    has_line(d, "Per kjønn!D8=n|#,##0|0|10.0");

    free(d);
    free(path);
    free_report(r);
}

/* Swedish and English: their own sheet names and formats. */
static void test_languages(void **state)
{
    (void)state;
    report *r = fixture_report("sv");
    char *path = write_report(r, "sv", "sv.xlsx");
    char *d = dump(path, false);
    has_line(d, "sheets=Sammanfattning|Månadsserier|Per enhet|Avvikelser efter tidsfrist|Datakvalitet");
    has_line(d, "Avvikelser efter tidsfrist!D5=d|yyyy-mm-dd|0|2026-09-01T00:00:00");
    has_line(d, "Sammanfattning!C7=n|0.0 %|0|0.87");
    free(d);
    free(path);

    path = write_report(r, "en", "en.xlsx");
    d = dump(path, false);
    has_line(d, "sheets=Summary|Monthly series|By unit|Overdue deviations|Data quality");
    has_line(d, "Summary!C7=n|0.0%|0|0.87");
    has_line(d, "Summary!F7=s|General|7|Not met");
    free(d);
    free(path);
    free_report(r);
}

/* A report with nothing in it still makes a valid workbook; a '&' in the
 * municipality's name is shown as itself in the page header, not taken
 * for a header code. */
static void test_empty_report(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    r->nkpis = 0;
    r->ninputs = 0;
    r->nrejects = 0;
    r->name = "Ås & Vestby";
    r->title = NULL;
    r->rule_file = NULL;
    char *path = write_report(r, "nb", "empty.xlsx");
    char *d = dump(path, false);
    has_line(d, "sheets=Sammendrag|Månedsserier|Datakvalitet");
    has_line(d, "Sammendrag!A7=s|General|30|Ingen indikatorer er beregnet.");
    has_line(d, "header Sammendrag=Ås && Vestby||Kvalitetsrapport 2026-10");
    has_line(d, "Datakvalitet!A5=s|General|16|Ingen advarsler.");
    has_line(d, "charts=0");
    free(d);
    free(path);
    free_report(r);
}

/* A path that cannot be written gives -1, a message naming it, and no file;
 * a full device (/dev/full, where there is one) is caught by the check of
 * the written file and is left in place. */
static void test_errors(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    labels *l = labels_load("nb");
    char err[512];
    char *path = tmp_path("no/such/dir/x.xlsx");
    assert_int_equal(xlsx_write_report(r, l, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(xlsx_write_report(r, l, path, NULL, 0), -1);
    free(path);

    struct stat st;
    if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode) && access("/dev/full", W_OK) == 0) {
        assert_int_equal(xlsx_write_report(r, l, "/dev/full", err, sizeof err), -1);
        assert_non_null(strstr(err, "/dev/full"));
        assert_int_equal(stat("/dev/full", &st), 0);
        assert_true(S_ISCHR(st.st_mode));
    }
    labels_free(l);
    free_report(r);
}

/* A list of 130,000 rows (or $KV_XLSX_ROWS): all written, as one table;
 * the time it takes is printed. */
static void test_big_list(void **state)
{
    (void)state;
    const char *env = getenv("KV_XLSX_ROWS");
    size_t n = env && *env ? (size_t)strtoul(env, NULL, 10) : 130000;
    report *r = fixture_report("nb");
    item_list *il = r->kpis[1].items;
    il->nrows = n;
    il->cells = arena_alloc(&r->mem, n * il->ncols * sizeof *il->cells);
    static const char *const units[] = {"Økonomi og styring", "Sámi giellaguovddáš", "Åsgård skole"};
    for (size_t i = 0; i < n; i++) {
        cell *c = il->cells + i * il->ncols;
        c[0] = (cell){.kind = CELL_TEXT, .u.text = arena_printf(&r->mem, "D-%06zu", i)};
        c[1] = (cell){.kind = CELL_TEXT, .u.text = units[i % 3]};
        c[2] = (cell){.kind = CELL_DATE, .u.day = date_from_ymd(2024, 1, 1) + (int32_t)(i % 900)};
        c[3] = (cell){.kind = CELL_DATE, .u.day = date_from_ymd(2024, 2, 1) + (int32_t)(i % 900)};
        c[4] = (cell){.kind = CELL_INT, .u.i = (int64_t)(i % 1000)};
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *path = write_report(r, "nb", "big.xlsx");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("[ INFO     ] %zu list rows written in %.2f s\n", n, secs);
    char *d = dump(path, true);
    char want[96];
    snprintf(want, sizeof want, "table List1=A4:E%zu autofilter=1", n + 4);
    has_line(d, want);
    free(d);
    free(path);
    free_report(r);
}

/* ---------------------------------------------------------------- main */

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kvalrap-xlsx-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return getenv("KV_KEEP") ? 0 : system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_byte_identical),
        cmocka_unit_test(test_swedish_locale),
        cmocka_unit_test(test_text_limits),
        cmocka_unit_test(test_sheet_names),
        cmocka_unit_test(test_breakdown_unknown),
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_empty_report),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_big_list),
    };
    return cmocka_run_group_tests_name("xlsx", tests, setup, teardown);
}
