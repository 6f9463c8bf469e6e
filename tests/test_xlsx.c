/*
 * test_xlsx.c - the workbook writer, read back cell by cell.
 *
 * Each test writes the fixture report (tests/fixture.c), sometimes changed
 * to provoke a case, or a hand-built benchmark of several municipalities
 * (make_bench below), into a temporary directory and reads the workbook back
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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "benchmark.h"
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

/* Writes benchmark b in language lang to name in the temporary directory;
 * asserts success and returns the path (caller frees). */
static char *write_bench(const benchmark *b, const char *lang, const char *name)
{
    labels *l = labels_load(lang);
    assert_non_null(l);
    char *path = tmp_path(name);
    char err[512] = "";
    int rc = xlsx_write_benchmark(b, l, path, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "xlsx_write_benchmark: %s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
    labels_free(l);
    return path;
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

static unsigned rd16(const unsigned char *p);
static uint32_t rd32(const unsigned char *p);
static void verify_fails(const char *path, const char *part, const char *what);
static void verify_passes(const char *path);
static char *put_file(const char *name, const void *buf, size_t len);

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
    /* Nothing from the run history: no legend, nothing in italics there. */
    no_line_starting(d, "Sammendrag!A5=");
    no_line_starting(d, "Månedsserier!A3=");
    no_line_starting(d, "italic Sammendrag!");
    no_line_starting(d, "italic Månedsserier!");

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

/* Trend values from the run history (what an earlier run reported) are in
 * italics in the history colour, on the series sheet and in the summary's
 * previous / last-year columns, with the same number formats as computed
 * ones; a legend line above each table says so.  Absent from-history
 * points stay empty; a from-history "no value" is the dash in that style. */
static void test_history(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    r->kpis[0].series[10].from_history = true;     /* 2026-09, a share */
    r->kpis[0].series[3].from_history = true;      /* 2026-02, no value */
    r->kpis[2].series[10].from_history = true;     /* a count with decimals */
    r->kpis[0].previous_from_history = true;
    r->kpis[0].last_year_from_history = true;      /* absent: the dash */
    r->kpis[1].last_year_from_history = true;
    char *path = write_report(r, "nb", "history.xlsx");
    char *d = dump(path, false);

    const char *note = "Verdier i kursiv er hentet fra kjørehistorikken: det en tidligere rapport "
                       "viste, ikke beregnet på nytt fra dagens eksporter.";
    char want[512];
    snprintf(want, sizeof want, "Sammendrag!A5=s|General|124|%s", note);
    has_line(d, want);
    has_line(d, "italic Sammendrag!A5 color=FF2F5597");
    snprintf(want, sizeof want, "Månedsserier!A3=s|General|124|%s", note);
    has_line(d, want);
    has_line(d, "italic Månedsserier!A3 color=FF2F5597");
    /* The series: the 2026-09 points of KPIs 1 and 3, same formats. */
    assert_non_null(line_after(d, "Månedsserier!B15=n|0.0 %|0|0.7"));
    has_line(d, "italic Månedsserier!B15 color=FF2F5597");
    assert_non_null(line_after(d, "Månedsserier!D15=n|#,##0.00|0|100.1"));
    has_line(d, "italic Månedsserier!D15 color=FF2F5597");
    no_line_starting(d, "italic Månedsserier!B14 ");
    no_line_starting(d, "italic Månedsserier!B16 ");
    no_line_starting(d, "italic Månedsserier!C");
    no_line_starting(d, "italic Månedsserier!E");
    no_line_starting(d, "Månedsserier!B8=");
    assert_non_null(line_after(d, "Månedsserier!B16=n|0.0 %|0|0.8"));
    /* The summary: previous and last year by their sources. */
    has_line(d, "Sammendrag!I7=n|0.0 %|0|0.8");
    has_line(d, "italic Sammendrag!I7 color=FF2F5597");
    has_line(d, "Sammendrag!J7=s|General|1|–");
    has_line(d, "italic Sammendrag!J7 color=FF2F5597");
    has_line(d, "Sammendrag!I8=n|#,##0|0|5.0");
    no_line_starting(d, "italic Sammendrag!I8 ");
    has_line(d, "Sammendrag!J8=n|#,##0|0|2.0");
    has_line(d, "italic Sammendrag!J8 color=FF2F5597");
    no_line_starting(d, "italic Sammendrag!C");
    no_line_starting(d, "italic Sammendrag!I9 ");
    no_line_starting(d, "italic Sammendrag!J9 ");
    has_line(d, "Sammendrag!I6=s|General|25|Forrige periode (2026-09)");
    has_line(d, "charts=3");
    free(d);
    free(path);

    /* Only a series point from the history: the legend on that sheet only. */
    r->kpis[0].previous_from_history = r->kpis[0].last_year_from_history = false;
    r->kpis[1].last_year_from_history = false;
    path = write_report(r, "en", "history_en.xlsx");
    d = dump(path, false);
    has_line(d, "Monthly series!A3=s|General|110|Values in italics come from the run history: what "
                "an earlier report said, not recomputed from today's exports.");
    has_line(d, "italic Monthly series!B15 color=FF2F5597");
    no_line_starting(d, "Summary!A5=");
    no_line_starting(d, "italic Summary!");
    free(d);
    free(path);
    free_report(r);
}

/* Writes r to name with $KV_XLSX_THREADS set to threads. */
static char *write_with_threads(const report *r, const char *name, const char *threads)
{
    setenv("KV_XLSX_THREADS", threads, 1);
    char *path = write_report(r, "nb", name);
    unsetenv("KV_XLSX_THREADS");
    return path;
}

/*
 * A list of 9,000 rows (three chunks of rows as the writer deflates them)
 * read back cell by cell where it matters: text with white space at
 * either end, & < >, tab and newline, a carriage return and a literal
 * "_x0041_" (both in the shared strings, escaped as libxlsxwriter does),
 * invalid UTF-8; a date before 1900 as ISO text, Excel's first days and
 * its last; a negative number and one beyond 1e15; a row with nothing
 * (no row at all) and one with only its last cell; the rows either side
 * of a chunk's end.  The same bytes with one thread and with three.
 */
static void test_list_cells(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    item_list *il = r->kpis[1].items;
    size_t n = 9000;
    il->nrows = n;
    il->cells = arena_alloc(&r->mem, n * il->ncols * sizeof *il->cells);
    static const char *const units[] = {"Økonomi og styring", "Sámi giellaguovddáš", "Åsgård skole"};
    for (size_t i = 0; i < n; i++) {
        cell *c = il->cells + i * il->ncols;
        c[0] = (cell){.kind = CELL_TEXT, .u.text = arena_printf(&r->mem, "L-%05zu", i)};
        c[1] = (cell){.kind = CELL_TEXT, .u.text = units[i % 3]};
        c[2] = (cell){.kind = CELL_DATE, .u.day = date_from_ymd(2025, 1, 1) + (int32_t)(i % 500)};
        c[3] = (cell){.kind = CELL_DATE, .u.day = date_from_ymd(2025, 6, 1) + (int32_t)(i % 500)};
        c[4] = (cell){.kind = CELL_INT, .u.i = (int64_t)i};
    }
    cell *c = il->cells;
    c[0].u.text = " lead space";
    c[1].u.text = "a & b <c> d";
    c[2].u.day = date_from_ymd(1850, 6, 1);
    c[3].u.day = date_from_ymd(1900, 1, 1);
    c[4].u.i = -5;
    c += il->ncols;
    c[0].u.text = "tab\tin\nside ";
    c[1].u.text = "cr\rhere";
    c[2].u.day = date_from_ymd(1900, 2, 28);
    c[3].u.day = date_from_ymd(1900, 3, 1);
    c[4].u.i = (int64_t)1 << 60;
    c += il->ncols;
    c[0] = c[1] = c[2] = c[3] = c[4] = (cell){.kind = CELL_EMPTY};
    c[1] = (cell){.kind = CELL_TEXT, .u.text = ""};
    c[2] = (cell){.kind = CELL_DATE, .u.day = DATE_NONE};
    c += il->ncols;
    c[0] = c[1] = c[2] = c[3] = (cell){.kind = CELL_EMPTY};
    c[4].u.i = 7;
    c += il->ncols;
    c[0].u.text = "_x0041_ lit";
    c[1].u.text = "A\xff";
    c[2].u.day = date_from_ymd(9999, 12, 31);
    char *path = write_with_threads(r, "list_cells.xlsx", "3");
    char *one = write_with_threads(r, "list_cells1.xlsx", "1");
    same_bytes(path, one);
    char *d = dump(path, false);

    has_line(d, "Avvik over frist!A5=s|General|11| lead space");
    has_line(d, "Avvik over frist!B5=s|General|11|a & b <c> d");
    has_line(d, "Avvik over frist!C5=s|General|10|1850-06-01");
    has_line(d, "Avvik over frist!D5=d|dd.mm.yyyy|0|1900-01-01T00:00:00");
    has_line(d, "Avvik over frist!E5=n|0|0|-5.0");
    has_line(d, "Avvik over frist!A6=s|General|12|tab\\tin\\nside ");
    /* As libxlsxwriter escapes a carriage return in a shared string
     * (Excel shows the CR; openpyxl leaves this escape as it is). */
    has_line(d, "Avvik over frist!B6=s|General|13|cr_x000D_here");
    has_line(d, "Avvik over frist!C6=d|dd.mm.yyyy|0|1900-02-28T00:00:00");
    has_line(d, "Avvik over frist!D6=d|dd.mm.yyyy|0|1900-03-01T00:00:00");
    has_line(d, "Avvik over frist!E6=n|0|0|1.152921504606847e+18");
    no_line_starting(d, "Avvik over frist!A7=");
    no_line_starting(d, "Avvik over frist!B7=");
    no_line_starting(d, "Avvik over frist!C7=");
    no_line_starting(d, "Avvik over frist!E7=");
    no_line_starting(d, "Avvik over frist!A8=");
    no_line_starting(d, "Avvik over frist!D8=");
    has_line(d, "Avvik over frist!E8=n|0|0|7.0");
    has_line(d, "Avvik over frist!A9=s|General|11|_x0041_ lit");
    has_line(d, "Avvik over frist!B9=s|General|2|A\xef\xbf\xbd");
    has_line(d, "Avvik over frist!C9=d|dd.mm.yyyy|0|9999-12-31T00:00:00");
    /* Either side of the first chunk's end (4,096 rows), and the last row. */
    has_line(d, "Avvik over frist!A4100=s|General|7|L-04095");
    has_line(d, "Avvik over frist!E4100=n|0|0|4095.0");
    has_line(d, "Avvik over frist!A4101=s|General|7|L-04096");
    has_line(d, "Avvik over frist!B4101=s|General|19|Sámi giellaguovddáš");
    has_line(d, "Avvik over frist!C4101=d|dd.mm.yyyy|0|2025-04-07T00:00:00");
    has_line(d, "Avvik over frist!A9004=s|General|7|L-08999");
    has_line(d, "Avvik over frist!D9004=d|dd.mm.yyyy|0|2026-10-13T00:00:00");
    no_line_starting(d, "Avvik over frist!A9005=");
    has_line(d, "table Avvik over frist!List1=A4:E9004 autofilter=1");
    has_line(d, "freeze Avvik over frist=A5");
    /* The bad byte is counted on the data-quality sheet. */
    assert_non_null(strstr(d, "Celler med byte som ikke er gyldig UTF-8 (byte erstattet med �), antall: 1"));
    free(d);
    d = dump(path, true);
    has_line(d, "sheetxml xl/worksheets/sheet4.xml dimension=A1:E9004 rows=9003 cells=44999");
    /* A text of one cell is inline, a repeated one (the units) and one
     * with escapes are shared strings.  Inline: the ids but "_x0041_ lit"
     * (8,997), the two units of one cell and the date of 1850 as text.
     * Shared: the 8,995 repeated units, the CR, "_x0041_ lit" and the 8
     * cells of the title and header.  Only the rows libxlsxwriter writes
     * (title and header) have spans.  The table's count is the cells that
     * refer to it. */
    has_line(d, "cellkinds xl/worksheets/sheet4.xml shared=9005 inline=9000 spans=4");
    unsigned long count = 0, unique = 0, refs = 1;
    const char *sst = line_after(d, "sst ");
    assert_non_null(sst);
    assert_int_equal(sscanf(sst, "count=%lu unique=%lu refs=%lu", &count, &unique, &refs), 3);
    assert_int_equal(count, refs);
    no_line_starting(d, "badcrc");
    free(d);
    /* The number beyond 1e15 is printed by the threads: the C locale there
     * too, so a decimal comma never gets in. */
    if (setlocale(LC_ALL, "sv_SE.UTF-8")) {
        char *sv = write_with_threads(r, "list_cells_sv.xlsx", "3");
        setlocale(LC_ALL, "C");
        same_bytes(path, sv);
        free(sv);
    }
    free(one);
    free(path);
    free_report(r);
}

typedef struct {
    const report *r;
    labels *l;
    char *path;
    int rc;
} write_job;

static void *write_in_thread(void *arg)
{
    write_job *j = arg;
    char err[512];
    j->rc = xlsx_write_report(j->r, j->l, j->path, err, sizeof err);
    return NULL;
}

/* Two reports written at once from two threads (as a batch may write the
 * workbook beside the other outputs) are the bytes each gives alone. */
static void test_threads(void **state)
{
    (void)state;
    report *a = fixture_report("nb"), *b = fixture_report("sv");
    char *alone_a = write_report(a, "nb", "alone_a.xlsx");
    char *alone_b = write_report(b, "sv", "alone_b.xlsx");
    write_job j[2] = {{a, labels_load("nb"), tmp_path("both_a.xlsx"), -1},
                      {b, labels_load("sv"), tmp_path("both_b.xlsx"), -1}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, write_in_thread, &j[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(j[i].rc, 0);
        labels_free(j[i].l);
    }
    same_bytes(alone_a, j[0].path);
    same_bytes(alone_b, j[1].path);
    free(j[0].path);
    free(j[1].path);
    free(alone_a);
    free(alone_b);
    free_report(a);
    free_report(b);
}

/* A file that cannot grow past what libxlsxwriter writes (a per-file size
 * limit standing in for a full disk) fails when the lists' rows are put
 * in: -1, a message naming the file, and no file left behind. */
static void test_list_write_error(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    item_list *il = r->kpis[1].items;
    size_t n = 20000;
    il->nrows = n;
    il->cells = arena_alloc(&r->mem, n * il->ncols * sizeof *il->cells);
    for (size_t i = 0; i < n; i++) {
        cell *c = il->cells + i * il->ncols;
        c[0] = (cell){.kind = CELL_TEXT, .u.text = arena_printf(&r->mem, "E-%05zu", i)};
        c[4] = (cell){.kind = CELL_INT, .u.i = (int64_t)i};
    }
    labels *l = labels_load("nb");
    char *path = tmp_path("too_big.xlsx");
    char err[512] = "";
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = (struct rlimit){100000, old.rlim_max};
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = xlsx_write_report(r, l, path, err, sizeof err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, path));
    /* Not libxlsxwriter's message: the rows' write is what failed. */
    assert_non_null(strstr(err, ": cannot write the workbook: File too large"));
    assert_int_not_equal(access(path, F_OK), 0);
    free(path);
    labels_free(l);
    free_report(r);
}

/* The nb fixture with n rows in its overdue list: id, unit, two dates and
 * days overdue (the list of the fourth sheet). */
static report *report_with_big_list(size_t n)
{
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
    return r;
}

/* A list of 130,000 rows (or $KV_XLSX_ROWS): all written, as one table;
 * the time it takes is printed. */
static void test_big_list(void **state)
{
    (void)state;
    const char *env = getenv("KV_XLSX_ROWS");
    size_t n = env && *env ? (size_t)strtoul(env, NULL, 10) : 130000;
    report *r = report_with_big_list(n);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *path = write_report(r, "nb", "big.xlsx");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("[ INFO     ] %zu list rows written in %.2f s\n", n, secs);
    /* The check alone (part of the time above); then with four threads,
     * which inflate the list's compressed sheet in segments: the good
     * file passes, and a byte flipped three quarters into that sheet is
     * caught. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    verify_passes(path);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    printf("[ INFO     ] the %.1f MB workbook checked in %.3f s\n", (double)st.st_size / 1e6, secs);
    size_t len;
    unsigned char *buf = (unsigned char *)slurp(path, &len);
    const unsigned char *l = buf;
    while (rd32(l) == 0x04034b50 && !(rd16(l + 26) == 24 && memcmp(l + 30, "xl/worksheets/sheet4.xml", 24) == 0))
        l += 30 + rd16(l + 26) + rd16(l + 28) + rd32(l + 18);
    assert_int_equal(rd32(l), 0x04034b50);
    buf[(size_t)(l - buf) + 54 + rd16(l + 28) + rd32(l + 18) / 4 * 3] ^= 0x01;
    char *bad = put_file("big_flipped.xlsx", buf, len);
    setenv("KV_XLSX_THREADS", "4", 1);
    verify_passes(path);
    verify_fails(bad, "xl/worksheets/sheet4.xml", NULL);
    unsetenv("KV_XLSX_THREADS");
    free(bad);
    free(buf);
    char *d = dump(path, true);
    char want[96];
    snprintf(want, sizeof want, "table List1=A4:E%zu autofilter=1", n + 4);
    has_line(d, want);
    /* The list's sheet: well-formed, every row and cell, the dimension. */
    snprintf(want, sizeof want, "sheetxml xl/worksheets/sheet4.xml dimension=A1:E%zu rows=%zu cells=%zu",
             n + 4, n + 4, 5 * n + 8);
    has_line(d, want);
    no_line_starting(d, "badcrc");
    free(d);
    free(path);
    free_report(r);
}

/* ---------------------------------------------------------------- comparison */

/* Reference values on the report: a comparison sheet after the series, a
 * row per value as an Excel table; the difference in percentage points
 * for a share, as a signed number for a count; better or worse by the
 * KPI's direction when it has a target, else higher or lower. */
static void test_comparison(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    kpi_result *k = &r->kpis[0];
    k->nreferences = 2;
    k->references = arena_alloc(&r->mem, 2 * sizeof *k->references);
    k->references[0] = (reference_value){"Fylket Nordland", "2026-10", 0.9};
    k->references[1] = (reference_value){"KKiK 2025 landet", "2025", 0.8};
    k = &r->kpis[2];
    k->nreferences = 1;
    k->references = arena_alloc(&r->mem, sizeof *k->references);
    k->references[0] = (reference_value){"=Landet", "2025", 1000000.5};
    char *path = write_report(r, "nb", "comparison.xlsx");
    char *d = dump(path, false);

    has_line(d, "sheets=Sammendrag|Månedsserier|Sammenligning|Per enhet|Avvik over frist|Datakvalitet");
    has_line(d, "Sammenligning!A1=s|General|13|Sammenligning");
    has_line(d, "Sammenligning!A4=s|General|9|Indikator");
    has_line(d, "Sammenligning!F4=s|General|19|Sammenligningsverdi");
    has_line(d, "Sammenligning!A5=s|General|24|Avvik lukket innen frist");
    has_line(d, "Sammenligning!B5=s|General|25|deviations_closed_on_time");
    has_line(d, "Sammenligning!C5=n|0.0 %|0|0.87");
    has_line(d, "Sammenligning!D5=s|General|15|Fylket Nordland");
    has_line(d, "Sammenligning!E5=s|General|7|2026-10");
    has_line(d, "Sammenligning!F5=n|0.0 %|0|0.9");
    /* 0.87 - 0.9 in percentage points, without the float noise. */
    has_line(d, "Sammenligning!G5=n|+0.0\" pp\";-0.0\" pp\";0.0\" pp\"|0|-3.0");
    has_line(d, "Sammenligning!H5=s|General|9|Dårligere");
    has_line(d, "Sammenligning!G6=n|+0.0\" pp\";-0.0\" pp\";0.0\" pp\"|0|7.0");
    has_line(d, "Sammenligning!H6=s|General|5|Bedre");
    /* A count without a target: a signed difference, only higher or lower;
     * a formula-looking source stays text. */
    has_line(d, "Sammenligning!D7=s|General|7|=Landet");
    has_line(d, "Sammenligning!F7=n|#,##0.00|0|1000000.5");
    has_line(d, "Sammenligning!G7=n|+#,##0.00;-#,##0.00;0.00|0|234566.5");
    has_line(d, "Sammenligning!H7=s|General|6|Høyere");
    has_line(d, "table Sammenligning!Comparison=A4:H7 autofilter=1");
    has_line(d, "cfrule Sammenligning!H5:H7 cellIs \"Bedre\"");
    has_line(d, "cfrule Sammenligning!H5:H7 cellIs \"Dårligere\"");
    has_line(d, "freeze Sammenligning=B5");
    /* The summary keeps its layout; a value without a status shows "–". */
    has_line(d, "Sammendrag!F6=s|General|6|Status");
    has_line(d, "Sammendrag!F9=s|General|1|–");
    no_line_starting(d, "Sammendrag!L");

    free(d);
    free(path);
    free_report(r);
}

/* ---------------------------------------------------------------- benchmark */

/* The first municipalities' names: Nordic and Sámi letters, a formula-
 * looking one and one with '&'. */
static const char *const bench_names[] = {"Ås kommune", "Guovdageainnu suohkan", "=SUM(A1:A9)",
                                          "Vård & omsorg"};

/*
 * A hand-built benchmark of n municipalities, ids k000, k001, ... (names
 * as above, then "Kommune 004", ...), for 2026-10, with three shared KPIs:
 *   a_share   a share, common target at least 90 %: 100 + (37 m mod 100)
 *             of 200; k001 has no value
 *   b_count   a count, at most, no common target (each has 5): 3 m mod 17
 *   c_change  a change, above 0, that only the first 30 have:
 *             (m mod 7 - 1) / 10
 * and reference values: on a_share from k000 and k002, on b_count from
 * k000.  Strings in the benchmark's arena; free with free_bench.
 */
static benchmark *make_bench(size_t n)
{
    benchmark *b = calloc(1, sizeof *b);
    b->period = period_make(PERIOD_MONTH, 2026, 10);
    b->as_of = b->period.end;
    b->generated = 1793491200;   /* 2026-11-01T00:00:00Z */
    b->nmunicipalities = n;
    b->municipalities = arena_alloc(&b->mem, n * sizeof *b->municipalities);
    for (size_t m = 0; m < n; m++)
        b->municipalities[m] = (bench_municipality){
            arena_printf(&b->mem, "k%03zu", m),
            m < 4 ? bench_names[m] : arena_printf(&b->mem, "Kommune %03zu", m), "nb"};
    b->nrows = 3;
    b->rows = arena_alloc(&b->mem, 3 * sizeof *b->rows);

    bench_row *r = &b->rows[0];
    *r = (bench_row){.kpi = "a_share", .title = "Avvik lukket innen frist", .kind = KPI_SHARE,
                     .target = MAYBE(0.9), .direction = DIR_AT_LEAST};
    r->cells = arena_alloc(&b->mem, n * sizeof *r->cells);
    for (size_t m = 0; m < n; m++) {
        if (m == 1)
            continue;                   /* no value: all absent, no status */
        double num = 100.0 + (double)(37 * m % 100);
        maybe v = MAYBE(num / 200.0);
        r->cells[m] = (bench_cell){v, MAYBE(num), MAYBE(200),
                                   kpi_status_of(v, MAYBE(0.9), MAYBE(0.8), DIR_AT_LEAST)};
    }
    r->nreferences = n > 2 ? 2 : 1;
    r->references = arena_alloc(&b->mem, 2 * sizeof *r->references);
    r->references[0] = (bench_reference){"k000", "KKiK 2025 landet", "2025", 0.74};
    r->references[1] = (bench_reference){"k002", "Fylket Nordland", "2026-10", 0.8};

    r = &b->rows[1];
    *r = (bench_row){.kpi = "b_count", .title = "Åpne avvik over frist", .kind = KPI_COUNT,
                     .target = MAYBE_NONE, .direction = DIR_AT_MOST};
    r->cells = arena_alloc(&b->mem, n * sizeof *r->cells);
    for (size_t m = 0; m < n; m++) {
        maybe v = MAYBE((double)(3 * m % 17));
        r->cells[m] = (bench_cell){v, MAYBE_NONE, MAYBE_NONE,
                                   kpi_status_of(v, MAYBE(5), MAYBE_NONE, DIR_AT_MOST)};
    }
    r->nreferences = 1;
    r->references = arena_alloc(&b->mem, sizeof *r->references);
    r->references[0] = (bench_reference){"k000", "Landet", "2025", 4.5};

    r = &b->rows[2];
    *r = (bench_row){.kpi = "c_change", .title = "Endring i meldte avvik", .kind = KPI_CHANGE,
                     .target = MAYBE(0), .direction = DIR_ABOVE};
    r->cells = arena_alloc(&b->mem, n * sizeof *r->cells);
    for (size_t m = 0; m < n && m < 30; m++) {
        maybe v = MAYBE(((double)(m % 7) - 1.0) / 10.0);
        r->cells[m] = (bench_cell){v, MAYBE_NONE, MAYBE_NONE,
                                   kpi_status_of(v, MAYBE(0), MAYBE_NONE, DIR_ABOVE)};
    }
    return b;
}

static void free_bench(benchmark *b)
{
    benchmark_free(b);
    free(b);
}

/* Three municipalities read back: the side-by-side table (values with
 * their formats and status colours, the status texts and counts grouped
 * and hidden), the ranking with a bar chart per KPI, the reference values,
 * print set-up and properties. */
static void test_bench_cells(void **state)
{
    (void)state;
    benchmark *b = make_bench(3);
    char *path = write_bench(b, "nb", "bench3.xlsx");
    char *again = write_bench(b, "nb", "bench3b.xlsx");
    same_bytes(path, again);
    free(again);
    char *d = dump(path, false);

    has_line(d, "sheets=Side om side|Rangering|Sammenligningsverdier");
    has_line(d, "Side om side!A1=s|General|22|Kommunene side om side");
    has_line(d, "Side om side!A2=s|General|49|3 kommuner · oktober 2026 (01.10.2026–31.10.2026)");
    has_line(d, "Side om side!A3=s|General|51|Per dato 31.10.2026 · Generert 01.11.2026 00:00 UTC");
    /* Above the table: id, common target and direction per KPI. */
    has_line(d, "Side om side!C5=s|General|7|a_share");
    has_line(d, "Side om side!C6=n|0.0 %|0|0.9");
    has_line(d, "Side om side!C7=s|General|5|minst");
    has_line(d, "Side om side!D6=s|General|1|–");
    has_line(d, "Side om side!E6=n|+0.0 %;-0.0 %;0.0 %|0|0.0");
    has_line(d, "Side om side!E7=s|General|4|over");
    /* The table: values C-E, statuses F-H, the share's counts I-J. */
    has_line(d, "Side om side!A8=s|General|7|Kommune");
    has_line(d, "Side om side!C8=s|General|24|Avvik lukket innen frist");
    has_line(d, "Side om side!F8=s|General|33|Avvik lukket innen frist – Status");
    has_line(d, "Side om side!I8=s|General|33|Avvik lukket innen frist – Teller");
    has_line(d, "Side om side!J8=s|General|33|Avvik lukket innen frist – Nevner");
    no_line_starting(d, "Side om side!K");
    has_line(d, "Side om side!A9=s|General|10|Ås kommune");
    has_line(d, "Side om side!B9=s|General|4|k000");
    has_line(d, "Side om side!A11=s|General|11|=SUM(A1:A9)");
    no_line_starting(d, "Side om side!A11=f");
    has_line(d, "Side om side!C9=n|0.0 %|0|0.5");
    has_line(d, "Side om side!C10=s|General|1|–");
    has_line(d, "Side om side!C11=n|0.0 %|0|0.87");
    has_line(d, "Side om side!D11=n|#,##0|0|6.0");
    has_line(d, "Side om side!E9=n|+0.0 %;-0.0 %;0.0 %|0|-0.1");
    has_line(d, "Side om side!F9=s|General|12|Ikke oppfylt");
    has_line(d, "Side om side!F10=s|General|11|Ingen verdi");
    has_line(d, "Side om side!F11=s|General|6|Nesten");
    has_line(d, "Side om side!G9=s|General|7|Oppfylt");
    has_line(d, "Side om side!I11=n|#,##0|0|174.0");
    has_line(d, "Side om side!J11=n|#,##0|0|200.0");
    has_line(d, "Side om side!I10=s|General|1|–");
    has_line(d, "table Side om side!Benchmark=A8:J11 autofilter=1");
    has_line(d, "freeze Side om side=B9");
    /* Values coloured by the status beside them; the statuses themselves. */
    has_line(d, "cf Side om side!C9:E11=3");
    has_line(d, "cfrule Side om side!C9:E11 expression F9=\"Oppfylt\"");
    has_line(d, "cfrule Side om side!C9:E11 expression F9=\"Ikke oppfylt\"");
    has_line(d, "cf Side om side!F9:H11=4");
    has_line(d, "cols Side om side!F:J hidden=1 level=1 collapsed=0");
    has_line(d, "cols Side om side!K:K hidden=0 level=0 collapsed=1");
    /* The ranking: best first, the one without a value last, unranked. */
    has_line(d, "Rangering!A4=s|General|24|Avvik lukket innen frist");
    has_line(d, "Rangering!A5=s|General|15|Mål: minst 90\u00a0%");
    has_line(d, "Rangering!A6=s|General|5|Plass");
    has_line(d, "Rangering!A7=n|0|0|1.0");
    has_line(d, "Rangering!B7=s|General|11|=SUM(A1:A9)");
    has_line(d, "Rangering!C7=n|0.0 %|0|0.87");
    has_line(d, "Rangering!D7=s|General|6|Nesten");
    has_line(d, "Rangering!A8=n|0|0|2.0");
    has_line(d, "Rangering!B8=s|General|10|Ås kommune");
    no_line_starting(d, "Rangering!A9=");
    has_line(d, "Rangering!B9=s|General|21|Guovdageainnu suohkan");
    has_line(d, "Rangering!C9=s|General|1|–");
    /* "At most": lowest first. */
    has_line(d, "Rangering!A20=s|General|21|Åpne avvik over frist");
    has_line(d, "Rangering!A21=s|General|15|Ikke felles mål");
    has_line(d, "Rangering!B23=s|General|10|Ås kommune");
    has_line(d, "Rangering!B25=s|General|11|=SUM(A1:A9)");
    has_line(d, "Rangering!D25=s|General|12|Ikke oppfylt");
    has_line(d, "charts=3");
    has_line(d, "chart 1 type=barChart dir=bar points=2 cat=Rangering!$B$7:$B$8 val=Rangering!$C$7:$C$8");
    has_line(d, "chart 2 type=barChart dir=bar points=3 cat=Rangering!$B$23:$B$25 val=Rangering!$C$23:$C$25");
    /* The reference values, with who loaded them and the difference. */
    has_line(d, "Sammenligningsverdier!A5=s|General|24|Avvik lukket innen frist");
    has_line(d, "Sammenligningsverdier!C5=s|General|16|KKiK 2025 landet");
    has_line(d, "Sammenligningsverdier!E5=n|0.0 %|0|0.74");
    has_line(d, "Sammenligningsverdier!F5=s|General|10|Ås kommune");
    has_line(d, "Sammenligningsverdier!G5=n|0.0 %|0|0.5");
    has_line(d, "Sammenligningsverdier!H5=n|+0.0\" pp\";-0.0\" pp\";0.0\" pp\"|0|-24.0");
    has_line(d, "Sammenligningsverdier!I5=s|General|9|Dårligere");
    has_line(d, "Sammenligningsverdier!F6=s|General|11|=SUM(A1:A9)");
    has_line(d, "Sammenligningsverdier!H6=n|+0.0\" pp\";-0.0\" pp\";0.0\" pp\"|0|7.0");
    has_line(d, "Sammenligningsverdier!I6=s|General|5|Bedre");
    has_line(d, "Sammenligningsverdier!H7=n|+#,##0.00;-#,##0.00;0.00|0|-4.5");
    has_line(d, "Sammenligningsverdier!I7=s|General|6|Lavere");
    has_line(d, "table Sammenligningsverdier!References=A4:I7 autofilter=1");
    /* Print set-up and properties. */
    has_line(d, "page Side om side orientation=landscape fit=True fit_width=None fit_height=0");
    has_line(d, "header Side om side=Kommunene side om side||2026-10");
    has_line(d, "footer Rangering=&A|Side &P av &N|kvalrap " KV_VERSION);
    has_line(d, "prop title=Kommunene side om side – 2026-10");
    has_line(d, "prop creator=kvalrap");
    has_line(d, "prop created=2026-11-01T00:00:00");

    free(d);
    free(path);
    free_bench(b);
}

/* 300 municipalities: one table of 300 rows; the KPIs that more than
 * XLSX_BENCH_MAX_CHART have get no chart, and a note says so; ties share
 * a rank; twice the same bytes. */
static void test_bench_300(void **state)
{
    (void)state;
    benchmark *b = make_bench(300);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *path = write_bench(b, "nb", "bench300.xlsx");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("[ INFO     ] 300 municipalities written in %.2f s\n", secs);
    char *again = write_bench(b, "nb", "bench300b.xlsx");
    same_bytes(path, again);
    char *d = dump(path, false);

    has_line(d, "sheets=Side om side|Rangering|Sammenligningsverdier|Merknader");
    has_line(d, "table Side om side!Benchmark=A8:J308 autofilter=1");
    has_line(d, "Side om side!A308=s|General|11|Kommune 299");
    has_line(d, "Side om side!C308=n|0.0 %|0|0.815");
    has_line(d, "cf Side om side!C9:E308=3");
    /* 100 + 99 of 200 for k027, k127 and k227: all three first. */
    has_line(d, "Rangering!A7=n|0|0|1.0");
    has_line(d, "Rangering!B7=s|General|11|Kommune 027");
    has_line(d, "Rangering!A9=n|0|0|1.0");
    has_line(d, "Rangering!B9=s|General|11|Kommune 227");
    has_line(d, "Rangering!A10=n|0|0|4.0");
    const char *info = line_after(d, "Rangering!A5=s|General|");
    assert_non_null(info);
    assert_non_null(strstr(info, "Ikke diagram"));
    assert_non_null(strstr(info, "Kommuner med verdi: 299"));
    /* Only the change, which 30 have, gets its chart. */
    has_line(d, "charts=1");
    assert_non_null(strstr(d, "\nchart 1 type=barChart dir=bar points=30 "));
    assert_non_null(strstr(d, "|Avvik lukket innen frist: Ikke diagram"));
    assert_non_null(strstr(d, "|Åpne avvik over frist: Ikke diagram"));
    has_line(d, "Merknader!A4=s|General|9|Advarsler");

    free(d);
    free(again);
    free(path);
    free_bench(b);
}

/* Text from the data carried through safely: a 100,000-character title
 * cut where a cell or header must be (with a note), invalid UTF-8
 * replaced; the same bytes under a Swedish locale; English words. */
static void test_bench_text(void **state)
{
    (void)state;
    benchmark *b = make_bench(3);
    size_t n = 100000;
    char *title = arena_alloc(&b->mem, 2 * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(title + 2 * i, "å", 2);
    b->rows[0].title = title;
    b->rows[0].references[1].source = "Fylket\xff Nordland";
    b->municipalities[0].name = "Sámi giellaguovddáš _x0041_";
    char *path = write_bench(b, "nb", "bench_text.xlsx");
    char *d = dump(path, false);

    has_line(d, "sheets=Side om side|Rangering|Sammenligningsverdier|Merknader");
    const char *head = line_after(d, "Side om side!C8=s|General|150|ååå");
    assert_non_null(head);
    has_line(d, "Side om side!A9=s|General|27|Sámi giellaguovddáš _x0041_");
    assert_non_null(strstr(d, "\nRangering!A4=s|General|32767|ååå"));
    assert_non_null(strstr(d, "|Rangering!A4: teksten er lengre"));
    assert_non_null(strstr(d, "|Sammenligningsverdier!A5: teksten er lengre"));
    has_line(d, "Sammenligningsverdier!C6=s|General|16|Fylket\xef\xbf\xbd Nordland");
    assert_non_null(strstr(d, "Celler med byte som ikke er gyldig UTF-8 (byte erstattet med �), antall: 1"));
    free(d);

    if (setlocale(LC_ALL, "sv_SE.UTF-8")) {
        char *sv = write_bench(b, "nb", "bench_text_sv.xlsx");
        setlocale(LC_ALL, "C");
        same_bytes(path, sv);
        free(sv);
    }
    free(path);

    path = write_bench(b, "en", "bench_en.xlsx");
    d = dump(path, false);
    has_line(d, "sheets=Side by side|Ranking|Reference values|Notes");
    has_line(d, "Ranking!A5=s|General|21|Target: at least 90\u00a0%");
    has_line(d, "Side by side!C9=n|0.0%|0|0.5");
    free(d);
    free(path);
    free_bench(b);
}

/* No shared KPIs still makes a valid workbook that says so; a path that
 * cannot be written gives -1 and a message naming it. */
static void test_bench_edges(void **state)
{
    (void)state;
    benchmark *b = make_bench(2);
    b->nrows = 0;
    char *path = write_bench(b, "nb", "bench_empty.xlsx");
    char *d = dump(path, false);
    has_line(d, "sheets=Side om side|Sammenligningsverdier");
    has_line(d, "Side om side!A4=s|General|39|Kommunene har ingen indikatorer felles.");
    has_line(d, "table Side om side!Benchmark=A8:B10 autofilter=1");
    has_line(d, "Sammenligningsverdier!A3=s|General|51|Ingen kommune har lastet inn sammenligningsverdier.");
    has_line(d, "charts=0");
    free(d);
    free(path);

    labels *l = labels_load("nb");
    char err[512];
    path = tmp_path("no/such/dir/b.xlsx");
    assert_int_equal(xlsx_write_benchmark(b, l, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_int_not_equal(access(path, F_OK), 0);
    free(path);
    labels_free(l);
    free_bench(b);
}

/* ---------------------------------------------------------------- verify */

/* A zip archive taken apart (zip_parts) and put together again
 * (zip_build), so a test can damage one part of a written workbook and
 * keep the rest of the archive consistent. */
typedef struct {
    char name[128];
    unsigned method;                    /* 0 stored, 8 deflated */
    unsigned char *data;                /* uncompressed */
    size_t len;
    unsigned char *packed;              /* as compressed, when set: used as is */
    size_t packed_len;
    uint32_t crc;                       /* written into the headers */
} zpart;

static unsigned rd16(const unsigned char *p) { return p[0] | p[1] << 8; }
static uint32_t rd32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static void wr16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The parts of the archive in buf, inflated; their number in *n. */
static zpart *zip_parts(const unsigned char *buf, size_t len, size_t *n)
{
    size_t e = len - 22;
    assert_int_equal(rd32(buf + e), 0x06054b50);
    size_t count = rd16(buf + e + 10), at = rd32(buf + e + 16);
    zpart *ps = calloc(count, sizeof *ps);
    for (size_t i = 0; i < count; i++) {
        const unsigned char *cd = buf + at;
        assert_int_equal(rd32(cd), 0x02014b50);
        size_t nl = rd16(cd + 28);
        zpart *p = &ps[i];
        assert_true(nl < sizeof p->name);
        memcpy(p->name, cd + 46, nl);
        p->method = rd16(cd + 10);
        p->crc = rd32(cd + 16);
        size_t clen = rd32(cd + 20);
        p->len = rd32(cd + 24);
        const unsigned char *l = buf + rd32(cd + 42);
        const unsigned char *data = l + 30 + rd16(l + 26) + rd16(l + 28);
        p->data = malloc(p->len + 1);
        if (p->method == 0) {
            memcpy(p->data, data, p->len);
        } else {
            z_stream zs = {0};
            assert_int_equal(inflateInit2(&zs, -MAX_WBITS), Z_OK);
            zs.next_in = (Bytef *)data;
            zs.avail_in = (uInt)clen;
            zs.next_out = p->data;
            zs.avail_out = (uInt)p->len;
            assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
            inflateEnd(&zs);
        }
        at += 46 + nl + rd16(cd + 30) + rd16(cd + 32);
    }
    *n = count;
    return ps;
}

static void zip_parts_free(zpart *ps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ps[i].data);
        free(ps[i].packed);
    }
    free(ps);
}

/* The deflated bytes of p (caller frees), their number in *n. */
static unsigned char *zip_deflate(const zpart *p, size_t *n)
{
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, p->len) + 16;
    unsigned char *out = malloc(cap);
    zs.next_in = p->data;
    zs.avail_in = (uInt)p->len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *n = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

/* Writes the parts as a zip archive to path. */
static void zip_build(const char *path, const zpart *ps, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned char *cd = malloc(n * (46 + sizeof ps->name)), *c = cd;
    for (size_t i = 0; i < n; i++) {
        const zpart *p = &ps[i];
        size_t clen, nl = strlen(p->name);
        unsigned char *packed = p->packed;
        if (packed)
            clen = p->packed_len;
        else if (p->method == 8)
            packed = zip_deflate(p, &clen);
        else
            clen = p->len;
        unsigned char lh[30] = {0};
        wr32(lh, 0x04034b50);
        wr16(lh + 4, 20);
        wr16(lh + 8, p->method);
        wr16(lh + 12, 0x21);            /* 1980-01-01 */
        wr32(lh + 14, p->crc);
        wr32(lh + 18, (uint32_t)clen);
        wr32(lh + 22, (uint32_t)p->len);
        wr16(lh + 26, (unsigned)nl);
        memset(c, 0, 46);
        wr32(c, 0x02014b50);
        wr16(c + 4, 20);
        memcpy(c + 6, lh + 4, 26);
        wr32(c + 42, (uint32_t)ftell(f));
        memcpy(c + 46, p->name, nl);
        c += 46 + nl;
        fwrite(lh, 1, 30, f);
        fwrite(p->name, 1, nl, f);
        fwrite(packed ? packed : p->data, 1, clen, f);
        if (packed != p->packed)
            free(packed);
    }
    unsigned char end[22] = {0};
    wr32(end, 0x06054b50);
    wr16(end + 8, (unsigned)n);
    wr16(end + 10, (unsigned)n);
    wr32(end + 12, (uint32_t)(c - cd));
    wr32(end + 16, (uint32_t)ftell(f));
    fwrite(cd, 1, (size_t)(c - cd), f);
    fwrite(end, 1, 22, f);
    assert_int_equal(fclose(f), 0);
    free(cd);
}

static zpart *zip_find(zpart *ps, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ps[i].name, name) == 0)
            return &ps[i];
    fail_msg("no part %s", name);
    return NULL;
}

/* Asserts that xlsx_verify_file refuses path with a message naming it,
 * and naming part and saying what when those are given. */
static void verify_fails(const char *path, const char *part, const char *what)
{
    char err[512] = "";
    assert_int_equal(xlsx_verify_file(path, err, sizeof err), -1);
    if (strncmp(err, path, strlen(path)) != 0 || (part && !strstr(err, part)) ||
        (what && !strstr(err, what)) || strchr(err, '\n'))
        fail_msg("%s: unexpected message: %s", path, err);
}

static void verify_passes(const char *path)
{
    char err[512] = "";
    int rc = xlsx_verify_file(path, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(err, "");
}

/* Writes len bytes of buf to name in the temporary directory; the path
 * (caller frees). */
static char *put_file(const char *name, const void *buf, size_t len)
{
    char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* The check of a written workbook: a good one (a report with a list,
 * whose rows are spliced in, and a benchmark) passes; one damaged on
 * purpose fails with the damaged part named: a byte flipped inside a
 * compressed part, a part cut short or without its XML declaration (CRC
 * and sizes made to agree, as when libxlsxwriter loses a write to its
 * temporary file), compressed data cut short, a wrong CRC or size, the
 * file cut short or with bytes after it, a gap between entries. */
static void test_verify(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    char *path = write_report(r, "nb", "verify.xlsx");
    verify_passes(path);
    benchmark *b = make_bench(3);
    char *bpath = write_bench(b, "nb", "verify_bench.xlsx");
    verify_passes(bpath);
    free(bpath);
    free_bench(b);

    size_t len;
    unsigned char *buf = (unsigned char *)slurp(path, &len);

    /* A byte flipped in the middle of the list's compressed sheet (its
     * sizes and CRC untouched); and in a part libxlsxwriter wrote. */
    const char *victims[] = {"xl/worksheets/sheet4.xml", "xl/styles.xml", "[Content_Types].xml"};
    for (size_t v = 0; v < sizeof victims / sizeof *victims; v++) {
        size_t nl = strlen(victims[v]);
        unsigned char *copy = malloc(len);
        memcpy(copy, buf, len);
        const unsigned char *l = copy;
        while (rd32(l) == 0x04034b50 && !(rd16(l + 26) == nl && memcmp(l + 30, victims[v], nl) == 0))
            l += 30 + rd16(l + 26) + rd16(l + 28) + rd32(l + 18);
        assert_int_equal(rd32(l), 0x04034b50);
        size_t at = (size_t)(l - copy) + 30 + nl + rd16(l + 28) + rd32(l + 18) / 2;
        copy[at] ^= 0x10;
        char name[64];
        snprintf(name, sizeof name, "flipped%zu.xlsx", v);
        char *p = put_file(name, copy, len);
        verify_fails(p, victims[v], NULL);
        free(p);
        free(copy);
    }

    /* The file cut short, or with bytes after it. */
    char *p = put_file("cut.xlsx", buf, len - 100);
    verify_fails(p, NULL, "not a complete zip archive");
    free(p);
    unsigned char *longer = malloc(len + 10);
    memcpy(longer, buf, len);
    memset(longer + len, 'x', 10);
    p = put_file("longer.xlsx", longer, len + 10);
    verify_fails(p, NULL, NULL);
    free(p);
    free(longer);

    /* Taken apart and put together again: still good. */
    size_t n;
    zpart *ps = zip_parts(buf, len, &n);
    p = tmp_path("rebuilt.xlsx");
    zip_build(p, ps, n);
    verify_passes(p);

    /* [Content_Types].xml without its XML declaration (the fault
     * injection's find), with a CRC that agrees. */
    zpart *ct = zip_find(ps, n, "[Content_Types].xml");
    zpart keep = *ct;
    unsigned char *nl = memchr(ct->data, '\n', ct->len);
    assert_non_null(nl);
    ct->data = nl + 1;
    ct->len -= (size_t)(nl + 1 - keep.data);
    ct->crc = (uint32_t)crc32(0, ct->data, (uInt)ct->len);
    zip_build(p, ps, n);
    verify_fails(p, "[Content_Types].xml", "does not start with an XML declaration");
    *ct = keep;

    /* A sheet cut short, the CRC and sizes agreeing. */
    zpart *sh = zip_find(ps, n, "xl/worksheets/sheet1.xml");
    keep = *sh;
    sh->len /= 2;
    sh->crc = (uint32_t)crc32(0, sh->data, (uInt)sh->len);
    zip_build(p, ps, n);
    verify_fails(p, "xl/worksheets/sheet1.xml", "ends before its root element is closed");
    *sh = keep;

    /* The same sheet stored uncompressed: fine; with its last byte gone: not. */
    sh->method = 0;
    zip_build(p, ps, n);
    verify_passes(p);
    sh->len--;
    zip_build(p, ps, n);
    verify_fails(p, "xl/worksheets/sheet1.xml", "CRC-32 mismatch");
    sh->len++;
    sh->method = 8;

    /* Its compressed data cut short, the sizes in the headers agreeing. */
    sh->packed = zip_deflate(sh, &sh->packed_len);
    sh->packed_len -= 20;
    zip_build(p, ps, n);
    verify_fails(p, "xl/worksheets/sheet1.xml", "ends early");
    free(sh->packed);
    sh->packed = NULL;

    /* A wrong CRC, a wrong size. */
    zpart *st = zip_find(ps, n, "xl/styles.xml");
    st->crc ^= 1;
    zip_build(p, ps, n);
    verify_fails(p, "xl/styles.xml", "CRC-32 mismatch");
    st->crc ^= 1;
    st->packed = zip_deflate(st, &st->packed_len);
    st->len -= 1;
    zip_build(p, ps, n);
    verify_fails(p, "xl/styles.xml", "inflates to more bytes than the central directory says");
    st->len += 2;
    zip_build(p, ps, n);
    verify_fails(p, "xl/styles.xml", "inflates to fewer bytes than the central directory says");
    st->len -= 1;
    free(st->packed);
    st->packed = NULL;
    zip_build(p, ps, n);
    verify_passes(p);

    /* A gap between two entries: the bytes the directory does not account for. */
    size_t blen;
    unsigned char *rebuilt = (unsigned char *)slurp(p, &blen);
    unsigned char *gap = malloc(blen + 7);
    size_t first = 30 + rd16(rebuilt + 26) + rd16(rebuilt + 28) + rd32(rebuilt + 18);
    memcpy(gap, rebuilt, first);
    memset(gap + first, 0, 7);
    memcpy(gap + first + 7, rebuilt + first, blen - first);
    /* Every offset after the first entry moves by 7. */
    size_t e = blen + 7 - 22, at = rd32(gap + e + 16) + 7;
    wr32(gap + e + 16, (uint32_t)at);
    for (size_t i = 0; i < n; i++) {
        uint32_t off = rd32(gap + at + 42);
        if (off > 0)
            wr32(gap + at + 42, off + 7);
        at += 46 + rd16(gap + at + 28) + rd16(gap + at + 30) + rd16(gap + at + 32);
    }
    char *g = put_file("gap.xlsx", gap, blen + 7);
    verify_fails(g, ps[1].name, "gap");
    free(g);
    free(gap);
    free(rebuilt);

    /* Not a file, no file. */
    verify_fails(tmpdir, NULL, "not a regular file");
    char *none = tmp_path("none.xlsx");
    verify_fails(none, NULL, "No such file");
    free(none);
    assert_int_equal(xlsx_verify_file(p, NULL, 0), 0);

    zip_parts_free(ps, n);
    free(p);
    free(buf);
    free(path);
    free_report(r);
}

/* libxlsxwriter does not check its writes to its temporary files; the
 * writer does (it gives the library its temporary files): a part that
 * cannot be written whole fails the workbook, here a sheet of 120 kB
 * beside a per-file size limit of 100 kB that the 45 kB workbook itself
 * stays under.  -1, a message naming the file, nothing left behind; and
 * the same workbook without the limit is written, checked, in the
 * workbook's own folder (no temporary file stays there). */
static void test_tmpfile_error(void **state)
{
    (void)state;
    benchmark *b = make_bench(300);
    labels *l = labels_load("nb");
    char *dir = tmp_path("tmpfile");
    assert_int_equal(mkdir(dir, 0700), 0);
    size_t n = strlen(dir) + 16;
    char *path = malloc(n);
    snprintf(path, n, "%s/b.xlsx", dir);
    char err[512] = "";
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = (struct rlimit){100000, old.rlim_max};
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = xlsx_write_benchmark(b, l, path, err, sizeof err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(rc, -1);
    if (!strstr(err, path) || !strstr(err, "temporary file") || !strstr(err, "File too large"))
        fail_msg("unexpected message: %s", err);
    assert_int_not_equal(access(path, F_OK), 0);

    assert_int_equal(xlsx_write_benchmark(b, l, path, err, sizeof err), 0);
    verify_passes(path);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = b.xlsx", dir);
    assert_int_equal(system(cmd), 0);
    free(path);
    free(dir);
    labels_free(l);
    free_bench(b);
}

/* fwrite as the writer's code sees it (the test is linked with
 * --wrap=fwrite): the writes go through, except that once armed, the
 * first write of at least `corrupt_from` bytes reaches the file with one
 * byte changed and is reported as whole, as by a disk that goes wrong
 * without an error.  libxlsxwriter's own writes are not seen here. */
size_t __real_fwrite(const void *p, size_t size, size_t n, FILE *f);
size_t __wrap_fwrite(const void *p, size_t size, size_t n, FILE *f);
static size_t corrupt_from;             /* 0: not armed */
static int corrupted;

size_t __wrap_fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    size_t len = size * n;
    if (!corrupt_from || len < corrupt_from)
        return __real_fwrite(p, size, n, f);
    corrupt_from = 0;
    corrupted++;
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, p, len);
    copy[len / 2] ^= 0x01;
    size_t w = __real_fwrite(copy, size, n, f);
    free(copy);
    return w;
}

/* The parts of the lists are deflated by the writer itself and checked in
 * the finished file by their deflated bytes, not inflated again: a piece
 * of a list's sheet that reaches the disk with a byte changed fails the
 * workbook (-1, the sheet named, nothing left behind), and the same
 * report then writes and passes the full check. */
static void test_spliced_bytes_checked(void **state)
{
    (void)state;
    report *r = report_with_big_list(20000);
    labels *l = labels_load("nb");
    char *path = tmp_path("spliced.xlsx");
    char err[1024] = "";
    corrupted = 0;
    corrupt_from = 32 << 10;            /* a piece of the list: the other parts are smaller */
    int rc = xlsx_write_report(r, l, path, err, sizeof err);
    corrupt_from = 0;
    assert_int_equal(corrupted, 1);
    assert_int_equal(rc, -1);
    if (!strstr(err, path) || !strstr(err, "xl/worksheets/sheet4.xml: its compressed bytes are not the ones written"))
        fail_msg("unexpected message: %s", err);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(xlsx_write_report(r, l, path, err, sizeof err), 0);
    verify_passes(path);
    free(path);
    labels_free(l);
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
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_list_cells),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_list_write_error),
        cmocka_unit_test(test_big_list),
        cmocka_unit_test(test_comparison),
        cmocka_unit_test(test_bench_cells),
        cmocka_unit_test(test_bench_300),
        cmocka_unit_test(test_bench_text),
        cmocka_unit_test(test_bench_edges),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_tmpfile_error),
        cmocka_unit_test(test_spliced_bytes_checked),
    };
    return cmocka_run_group_tests_name("xlsx", tests, setup, teardown);
}
