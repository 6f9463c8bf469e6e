/*
 * test_pdf.c - the PDF writer, read back the way a reader and an auditor
 * would: the text through pdftotext, the fonts through pdffonts, the
 * structure through qpdf --check, and the bytes of two runs compared.
 */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchmark.h"
#include "fixture.h"
#include "labels.h"
#include "pdf_writer.h"

/* ------------------------------------------------------------ helpers */

/* A fresh temporary directory per test; removed with its files after. */
typedef struct {
    char dir[64];
} tmpdir;

static int setup_dir(void **state)
{
    tmpdir *t = calloc(1, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/kvalrap-pdf-XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int teardown_dir(void **state)
{
    tmpdir *t = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    int rc = system(cmd);
    free(t);
    return rc == 0 ? 0 : -1;
}

/* path = dir/name */
static void path_in(const tmpdir *t, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", t->dir, name);
}

/* Run a shell command and return its standard output (malloc'd); the exit
 * status in *status. */
static char *run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    int rc = pclose(p);
    if (status)
        *status = rc;
    return buf;
}

/* pdftotext -layout of a file. */
static char *pdf_text(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' - 2>/dev/null", path);
    int st;
    char *out = run(cmd, &st);
    assert_int_equal(st, 0);
    return out;
}

/* text with every run of white space made one space (in place): for
 * sentences that wrap. */
static char *squash(char *text)
{
    char *o = text;
    for (const char *p = text; *p; p++) {
        bool space = *p == ' ' || *p == '\n' || *p == '\f' || *p == '\t';
        if (space && (o == text || o[-1] == ' '))
            continue;
        *o++ = space ? ' ' : *p;
    }
    *o = '\0';
    return text;
}

/* The page count that pdfinfo reports. */
static int pdf_pages(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null | sed -n 's/^Pages: *//p'", path);
    char *out = run(cmd, NULL);
    int n = atoi(out);
    free(out);
    return n;
}

/* Write the report with the labels of its language; assert success. */
static void write_ok(report *r, const char *path, int limit)
{
    labels *l = labels_load(r->language);
    assert_non_null(l);
    char err[512] = "";
    int rc = pdf_write_report(r, l, path, limit, err, sizeof err);
    if (rc != 0)
        fail_msg("pdf_write_report: %s", err);
    labels_free(l);
}

static void free_report(report *r)
{
    report_free(r);
    free(r);
}

/* Whole file into memory; *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Count the occurrences of needle in hay. */
static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ------------------------------------------------------------ a bigger report */

/* A copy of s repeated to n bytes, in the arena a. */
static char *repeat_in(arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t k = strlen(s);
    for (size_t i = 0; i < n; i++)
        out[i] = s[i % k];
    out[n] = '\0';
    return out;
}

/* A copy of s repeated to n bytes (ASCII s), in the report's arena. */
static char *repeat(report *r, const char *s, size_t n)
{
    char *out = arena_alloc(&r->mem, n + 1);
    size_t k = strlen(s);
    for (size_t i = 0; i < n; i++)
        out[i] = s[i % k];
    out[n] = '\0';
    return out;
}

/* A breakdown with n entries keyed by keys[] (or "Enhet %02zu ..."). */
static breakdown make_breakdown(report *r, const char *dim, size_t n, const char *const *keys,
                                double scale)
{
    breakdown b = {.dimension = dim, .n = n};
    b.entries = arena_alloc(&r->mem, n * sizeof *b.entries);
    for (size_t i = 0; i < n; i++) {
        b.entries[i].key =
            keys ? keys[i] : arena_printf(&r->mem, "Enhet %02zu Čáhcesuolu Ŧeknihkka", i);
        b.entries[i].value = MAYBE(scale * (double)((i * 37) % 11) / 10.0 - (scale < 0 ? 0.3 : 0));
    }
    return b;
}

/*
 * The fixture plus what real data brings: a 100,000-character title, a
 * KPI_CHANGE with negative values and the deviation breakdowns (gender, age
 * group with 0-17, area, category), 40 units, a 500-row list, 300 rejects,
 * invalid UTF-8, an emoji and warnings.
 */
static report *big_report(const char *lang)
{
    report *r = fixture_report(lang);
    r->title = repeat(r, "Kvalitetsrapport for Ŋuorra-Đavvi ", 100000);
    kpi_result *old = r->kpis;
    size_t n = r->nkpis;
    r->kpis = arena_alloc(&r->mem, (n + 3) * sizeof *r->kpis);
    memcpy(r->kpis, old, n * sizeof *old);

    kpi_result *k = &r->kpis[n];
    k->id = "deviations_reported_change";
    k->title = "Endring i meldte avvik fra i fjor";
    k->definition =
        repeat(r, "Meldte avvik i perioden delt på samme tall i fjor, minus én. ", 3000);
    k->kind = KPI_CHANGE;
    k->value = MAYBE(-0.125);
    k->target = MAYBE(0);
    k->direction = DIR_ABOVE;
    k->status = kpi_status_of(k->value, k->target, k->warning, k->direction);
    k->previous = MAYBE(0.05);
    k->last_year = MAYBE(-0.2);
    strcpy(k->previous_id, "2026-09");
    strcpy(k->last_year_id, "2025-10");
    k->nseries = 12;
    k->series = arena_alloc(&r->mem, 12 * sizeof *k->series);
    for (int i = 0; i < 12; i++) {
        period m = period_month_of(date_add_months(r->as_of, i - 11));
        memcpy(k->series[i].month, m.id, 8);
        k->series[i].value = MAYBE(0.1 * (i % 5) - 0.25);
        k->series[i].from_history = i >= 2 && i <= 4;   /* hatched, below zero too */
    }
    static const char *const gender[] = {"K", "M", ""};
    static const char *const age[] = {"0-17", "18-64", "65+", ""};
    static const char *const cat[] = {"HMS", "Kvalitet", "Miljø", "Personskade",
                                      "Informasjonssikkerhet"};
    k->nbreakdowns = 5;
    k->breakdowns = arena_alloc(&r->mem, 5 * sizeof *k->breakdowns);
    k->breakdowns[0] = make_breakdown(r, "unit", 40, NULL, 1);
    k->breakdowns[1] = make_breakdown(r, "gender", 3, gender, 1);
    k->breakdowns[2] = make_breakdown(r, "age_group", 4, age, 1);
    static const char *const area[] = {"Nord", "Sør", "Áltá"};
    k->breakdowns[3] = make_breakdown(r, "area", 3, area, 1);
    k->breakdowns[4] = make_breakdown(r, "category", 5, cat, 1);

    k = &r->kpis[n + 1];
    k->id = "documents_revised_within";
    k->title = repeat(r, "Dokumenter revidert innen to år med en svært lang tittel ", 400);
    k->definition = "Ikke arkiverte dokumenter: andel revidert de siste 2 år.\n"
                    "Tom dato teller som ikke revidert.";
    k->kind = KPI_SHARE;
    k->value = MAYBE(0.95);
    k->numerator = MAYBE(95);
    k->denominator = MAYBE(100);
    k->target = MAYBE(1);
    k->warning = MAYBE(0.9);
    k->direction = DIR_AT_LEAST;
    k->status = kpi_status_of(k->value, k->target, k->warning, k->direction);
    k->params_json = "{\"years\":2}";
    strcpy(k->previous_id, "2026-09");
    strcpy(k->last_year_id, "2025-10");
    static const char *const cols[] = {"id", "title", "unit", "owner", "revised"};
    item_list *l = arena_alloc(&r->mem, sizeof *l);
    l->name = "documents_not_revised";
    l->ncols = 5;
    l->columns = (const char **)cols;
    l->nrows = 500;
    l->cells = arena_alloc(&r->mem, 500 * 5 * sizeof *l->cells);
    for (size_t i = 0; i < 500; i++) {
        cell *c = l->cells + 5 * i;
        c[0] = (cell){.kind = CELL_TEXT, .u.text = arena_printf(&r->mem, "DOK-%04zu", i)};
        const char *bad = "Rutine for Ŋ-avdelingen \xff\xfe bad bytes \xf0\x9f\x98\x80";
        c[1] = (cell){.kind = CELL_TEXT,
                      .u.text = i == 0 ? repeat(r, "Rutine for håndtering av avvik ", 20000) : bad};
        c[2] = (cell){.kind = CELL_TEXT, .u.text = "Sámi giellaguovddáš"};
        c[3] = (cell){.kind = i % 2 ? CELL_EMPTY : CELL_TEXT, .u.text = "Đavvi Žaŋŋa"};
        c[4] = (cell){.kind = i % 3 ? CELL_DATE : CELL_EMPTY, .u.day = date_from_ymd(2023, 1, 1)};
    }
    k->items = l;

    k = &r->kpis[n + 2];
    k->id = "empty_share";
    k->title = "Andel uten data";
    k->kind = KPI_SHARE;
    k->value = k->numerator = k->denominator = MAYBE_NONE;
    k->status = STATUS_NONE;
    r->nkpis = n + 3;

    /* numbers no report should hold must not break the charts or labels */
    r->kpis[2].value = MAYBE(1e300);
    r->kpis[2].series[5].value = MAYBE(INFINITY);
    r->kpis[2].series[6].value = MAYBE(-1e300);
    r->kpis[2].series[7].value = MAYBE(NAN);
    r->kpis[2].series[6].from_history = true;
    r->kpis[2].series[7].from_history = true;

    r->nrejects = 300;
    r->rejects = arena_alloc(&r->mem, 300 * sizeof *r->rejects);
    for (size_t i = 0; i < 300; i++)
        r->rejects[i] = (reject){"samples/nordland/a/very/long/path/to/the/export/avvik.csv",
                                 (long)i + 2, i % 2 ? "" : "reported",
                                 repeat(r, "31.04.2024 ", 500), "not a date"};
    r->nwarnings = 2;
    r->warnings = arena_alloc(&r->mem, 2 * sizeof *r->warnings);
    r->warnings[0] = "A title was cut at 32,767 characters in the workbook.";
    r->warnings[1] = repeat(r, "Long warning ", 2000);
    return r;
}

/* ------------------------------------------------------------ benchmarks */

/* Five real names first (Nordic and Sámi letters), then made-up ones. */
static const char *const bench_names[] = {"Arvika kommun", "Guovdageainnu suohkan",
                                          "Huddinge kommun", "Nordland fylkeskommune",
                                          "Norrtälje kommun"};

/*
 * A benchmark of n municipalities built by hand, as benchmark_load leaves
 * it (arena strings, ids sorted): six shared KPIs of every kind, cells
 * without a value, no common target on one row, reference values loaded
 * by several municipalities (one the same from two, merged in the charts).
 */
static benchmark *make_benchmark(size_t n)
{
    benchmark *b = calloc(1, sizeof *b);
    b->period = period_make(PERIOD_MONTH, 2026, 10);
    b->as_of = b->period.end;
    b->generated = 1793491200;   /* 2026-11-01T00:00:00Z */
    b->nmunicipalities = n;
    b->municipalities = arena_alloc(&b->mem, n * sizeof *b->municipalities);
    for (size_t m = 0; m < n; m++)
        b->municipalities[m] = (bench_municipality){
            arena_printf(&b->mem, "m%03zu", m),
            m < 5 ? arena_strdup(&b->mem, bench_names[m])
                  : arena_printf(&b->mem, "Kommune %03zu Čáhcesuolu", m),
            m % 2 ? "sv" : "nb"};
    static const struct {
        const char *id, *title;
        kpi_kind kind;
        kpi_direction dir;
        double target;              /* NAN: none in common */
    } kpis[] = {
        {"deviations_closed_on_time", "Avvikelser åtgärdade i tid", KPI_SHARE, DIR_AT_LEAST, 1},
        {"deviations_open_overdue", "Öppna avvikelser efter sista åtgärdsdatum", KPI_COUNT,
         DIR_AT_MOST, 0},
        {"deviations_reported_change", "Förändring i rapporterade avvikelser", KPI_CHANGE,
         DIR_ABOVE, 0},
        {"documents_revised_within", "Styrdokument fastställda de senaste 2 åren", KPI_SHARE,
         DIR_AT_LEAST, NAN},
        {"proposals_submitted", "Inlämnade förbättringsförslag", KPI_COUNT, DIR_AT_LEAST, NAN},
        {"training_leaders_quality", "Ledere med opplæring i kvalitetssystemet", KPI_SHARE,
         DIR_AT_LEAST, 1},
    };
    b->nrows = sizeof kpis / sizeof kpis[0];
    b->rows = arena_alloc(&b->mem, b->nrows * sizeof *b->rows);
    for (size_t i = 0; i < b->nrows; i++) {
        bench_row *row = &b->rows[i];
        row->kpi = kpis[i].id;
        row->title = arena_strdup(&b->mem, kpis[i].title);
        row->kind = kpis[i].kind;
        row->direction = kpis[i].dir;
        row->target = isnan(kpis[i].target) ? MAYBE_NONE : MAYBE(kpis[i].target);
        row->cells = arena_alloc(&b->mem, n * sizeof *row->cells);
        for (size_t m = 0; m < n; m++) {
            bench_cell *x = &row->cells[m];
            double f = (double)((m * 37 + i * 11) % 23) / 22.0;
            if ((m + i) % 7 == 3) {
                *x = (bench_cell){MAYBE_NONE, MAYBE_NONE, MAYBE_NONE, STATUS_NONE};
                continue;
            }
            switch (row->kind) {
            case KPI_SHARE:
                x->denominator = MAYBE(20 + m % 9);
                x->numerator = MAYBE(round(x->denominator.v * (0.4 + 0.6 * f)));
                x->value = MAYBE(x->numerator.v / x->denominator.v);
                break;
            case KPI_COUNT: x->value = MAYBE(round(40 * f)); break;
            case KPI_CHANGE: x->value = MAYBE(f - 0.4); break;
            }
            maybe warn = row->kind == KPI_SHARE ? MAYBE(0.9) : MAYBE_NONE;
            x->status = kpi_status_of(x->value, row->target, warn, row->direction);
        }
    }
    /* references: on the first row from three municipalities (one value
     * loaded twice), one on the change row */
    bench_row *row = &b->rows[0];
    row->nreferences = 4;
    row->references = arena_alloc(&b->mem, 4 * sizeof *row->references);
    row->references[0] = (bench_reference){"m000", "KKiK 2025 riket", "2025", 0.74};
    row->references[1] = (bench_reference){"m000", "Länet Värmland", "2026-10", 0.71};
    row->references[2] = (bench_reference){"m002", "Stockholms län", "2026-H8", 0.81};
    row->references[3] = (bench_reference){"m001", "KKiK 2025 riket", "2025", 0.74};
    row = &b->rows[2];
    row->nreferences = 1;
    row->references = arena_alloc(&b->mem, sizeof *row->references);
    row->references[0] = (bench_reference){"m002", "Stockholms län", "2025", 0.05};
    return b;
}

static void free_benchmark(benchmark *b)
{
    benchmark_free(b);
    free(b);
}

/* Write the benchmark with the labels of lang; assert success. */
static void write_bench_ok(const benchmark *b, const char *lang, const char *path)
{
    labels *l = labels_load(lang);
    assert_non_null(l);
    char err[512] = "";
    if (pdf_write_benchmark(b, l, path, err, sizeof err) != 0)
        fail_msg("pdf_write_benchmark: %s", err);
    labels_free(l);
}

/* qpdf --check passes, both fonts are embedded, poppler reads the text
 * without complaint (a valid ToUnicode CMap). */
static void assert_sound_pdf(const char *path)
{
    char cmd[512];
    int st;
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null 2>&1", path);
    free(run(cmd, &st));
    assert_int_equal(st, 0);
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>/dev/null | tail -n +3", path);
    char *fonts = run(cmd, NULL);
    assert_int_equal(count_of(fonts, "\n"), 2);
    for (char *line = strtok(fonts, "\n"); line; line = strtok(NULL, "\n")) {
        char name[128], type[32], type2[32], enc[32], emb[8];
        assert_int_equal(sscanf(line, "%127s %31s %31s %31s %7s", name, type, type2, enc, emb), 5);
        assert_string_equal(emb, "yes");
    }
    free(fonts);
    snprintf(cmd, sizeof cmd, "pdftotext '%s' /dev/null 2>&1", path);
    char *warnings = run(cmd, NULL);
    assert_string_equal(warnings, "");
    free(warnings);
}

/* Every page says "<word> x <of> y". */
static void assert_page_numbers(const char *path, const char *text, const char *word,
                                const char *of)
{
    int pages = pdf_pages(path);
    assert_true(pages >= 1);
    for (int p = 1; p <= pages; p++) {
        char s[64];
        snprintf(s, sizeof s, "%s %d %s %d", word, p, of, pages);
        if (!strstr(text, s))
            fail_msg("missing footer: %s", s);
    }
}

/* ------------------------------------------------------------ tests */

/* Unit names (Nordic and Sámi letters), KPI titles and page numbers come
 * out of pdftotext exactly. */
static void test_text_exact(void **state)
{
    char path[128];
    path_in(*state, "nb.pdf", path, sizeof path);
    report *r = fixture_report("nb");
    write_ok(r, path, 50);
    char *text = pdf_text(path);
    static const char *const want[] = {
        "Økonomi og styring", "Sámi giellaguovddáš", "Åsgård skole", "Vård & omsorg",
        "Ŋuorra-Đavvi", "Avvik lukket innen frist", "Åpne avvik over frist",
        "Forbedringsforslag", "Nordland fylkeskommune", "Kvalitetsrapport", "Oktober 2026",
        "31.10.2026", "=HYPERLINK(\"http://x\")", "mål: minst 100 %; gult fra 90 %",
        "Sammendrag", "Datakvalitet", "Kildegrunnlag", "samples/nordland/avvik.csv",
        "SHA-256 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "SHA-256 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "kvalrap 0.1.0", "not a date of the form dd.mm.yyyy", "Dager over frist",
        "01.11.2026 00:00 UTC",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("missing from the PDF text: %s", want[i]);
    int pages = pdf_pages(path);
    assert_true(pages >= 4);
    for (int p = 1; p <= pages; p++) {
        char s[32];
        snprintf(s, sizeof s, "Side %d av %d", p, pages);
        if (!strstr(text, s))
            fail_msg("missing footer: %s", s);
    }
    free(text);
    /* a valid ToUnicode CMap: poppler reads the text without complaint */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdftotext '%s' /dev/null 2>&1", path);
    char *warnings = run(cmd, NULL);
    assert_string_equal(warnings, "");
    free(warnings);
    free_report(r);
}

/* Fonts are embedded, the file is structurally sound, the info is set. */
static void test_fonts_structure_info(void **state)
{
    char path[128], cmd[512];
    path_in(*state, "nb.pdf", path, sizeof path);
    report *r = fixture_report("nb");
    write_ok(r, path, 50);
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>/dev/null | tail -n +3", path);
    char *fonts = run(cmd, NULL);
    assert_int_equal(count_of(fonts, "\n"), 2);
    assert_non_null(strstr(fonts, "DejaVuSans-Bold"));
    for (char *line = strtok(fonts, "\n"); line; line = strtok(NULL, "\n")) {
        char name[128], type[32], type2[32], enc[32], emb[8];
        assert_int_equal(sscanf(line, "%127s %31s %31s %31s %7s", name, type, type2, enc, emb), 5);
        assert_string_equal(emb, "yes");
    }
    free(fonts);
    int st;
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null 2>&1", path);
    free(run(cmd, &st));
    assert_int_equal(st, 0);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", path);
    char *info = run(cmd, NULL);
    assert_non_null(strstr(info, "Author:          Nordland fylkeskommune"));
    assert_non_null(strstr(info, "Creator:         kvalrap 0.1.0"));
    assert_non_null(strstr(info, "Title:           Kvalitetsrapport"));
    assert_non_null(strstr(info, "Keywords:"));
    assert_non_null(strstr(info, "Subject:"));
    assert_non_null(strstr(info, "Page size:       595.276 x 841.89 pts (A4)"));
    assert_non_null(strstr(info, "CreationDate:    Sun Nov  1 00:00:00 2026 UTC"));
    free(info);
    free_report(r);
}

/* Bookmarks: one per section, per KPI and per list, titles in UTF-8. */
static void test_outline(void **state)
{
    char path[128], cmd[512];
    path_in(*state, "nb.pdf", path, sizeof path);
    report *r = fixture_report("nb");
    write_ok(r, path, 50);
    snprintf(cmd, sizeof cmd, "qpdf --json --json-key=outlines '%s' 2>/dev/null | grep '\"title\"'",
             path);
    char *titles = run(cmd, NULL);
    static const char *const want[] = {"Sammendrag", "Indikatorene", "Avvik lukket innen frist",
                                       "Forbedringsforslag", "Lister", "Datakvalitet",
                                       "Vedlegg: Kildegrunnlag"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char s[128];
        snprintf(s, sizeof s, "\"title\": \"%s\"", want[i]);
        if (!strstr(titles, s))
            fail_msg("missing bookmark: %s", want[i]);
    }
    /* the KPI and its list both have one */
    assert_int_equal(count_of(titles, "\"title\": \"Åpne avvik over frist\""), 2);
    assert_int_equal(count_of(titles, "\n"), 9);
    free(titles);
    free_report(r);
}

/* The same report twice gives the same bytes. */
static void test_reproducible(void **state)
{
    char a[128], b[128];
    path_in(*state, "a.pdf", a, sizeof a);
    path_in(*state, "b.pdf", b, sizeof b);
    report *r = big_report("nb");
    write_ok(r, a, 50);
    write_ok(r, b, 50);
    size_t na, nb;
    char *da = slurp(a, &na), *db = slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
    free_report(r);
}

/* Swedish and English words, and their page footers. */
static void test_languages(void **state)
{
    static const struct {
        const char *lang, *page, *word;
    } cases[] = {{"sv", "Sida 1 av", "Sammanfattning"}, {"en", "Page 1 of", "Summary"}};
    for (size_t i = 0; i < 2; i++) {
        char path[128];
        path_in(*state, "lang.pdf", path, sizeof path);
        report *r = fixture_report(cases[i].lang);
        write_ok(r, path, 50);
        char *text = pdf_text(path);
        assert_non_null(strstr(text, cases[i].page));
        assert_non_null(strstr(text, cases[i].word));
        assert_non_null(strstr(text, "Ŋuorra-Đavvi"));
        free(text);
        free_report(r);
    }
}

/* Every kind of period reads as people say it, in each language. */
static void test_period_words(void **state)
{
    static const struct {
        const char *lang;
        period_kind kind;
        int index;
        const char *want;
    } cases[] = {
        {"nb", PERIOD_H8, 0, "Januar–august 2026"},
        {"sv", PERIOD_H8, 0, "Januari–augusti 2026"},
        {"nb", PERIOD_QUARTER, 3, "3. kvartal 2026"},
        {"en", PERIOD_QUARTER, 3, "Q3 2026"},
        {"sv", PERIOD_TERTIAL, 1, "Tertial 1 2026 (januari–april)"},
        {"nb", PERIOD_YEAR, 0, "Status for hver indikator i 2026."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[128];
        path_in(*state, "period.pdf", path, sizeof path);
        report *r = fixture_report(cases[i].lang);
        r->period = period_make(cases[i].kind, 2026, cases[i].index);
        r->as_of = r->period.end;
        write_ok(r, path, 50);
        char *text = pdf_text(path);
        if (!strstr(text, cases[i].want))
            fail_msg("missing period words: %s", cases[i].want);
        assert_non_null(strstr(text, r->period.id));
        free(text);
        free_report(r);
    }
}

/* Lists stop at list_limit rows and say how many more there are. */
static void test_list_limit(void **state)
{
    char path[128];
    path_in(*state, "big.pdf", path, sizeof path);
    report *r = big_report("nb");
    write_ok(r, path, 50);
    char *text = pdf_text(path);
    assert_non_null(strstr(text, "DOK-0049"));
    assert_null(strstr(text, "DOK-0050"));
    assert_non_null(strstr(text, "450 til er ikke vist her; arbeidsboken og kpis.json"));
    assert_non_null(strstr(text, "inneholder alle 500."));
    assert_non_null(strstr(text, "250 til er ikke vist her; rejects.csv"));
    /* the header row repeats on the pages the list flows over */
    assert_true(count_of(text, "Revidert") >= 2);
    free(text);
    free_report(r);
}

/* Long and odd text never breaks the writer and never floods the page:
 * a 100,000-character title, bad bytes, an emoji, 40 units, breakdowns. */
static void test_hostile_text(void **state)
{
    char path[128], cmd[512];
    path_in(*state, "big.pdf", path, sizeof path);
    report *r = big_report("nb");
    write_ok(r, path, -1);
    int st;
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null 2>&1", path);
    free(run(cmd, &st));
    assert_int_equal(st, 0);
    char *text = pdf_text(path);
    assert_true(strlen(text) < 2000000);
    assert_non_null(strstr(text, "\u2026"));                 /* cut with an ellipsis */
    assert_non_null(strstr(text, "DOK-0499"));                /* no limit: every row */
    assert_non_null(strstr(text, "Enhet 39 Čáhcesuolu"));
    assert_non_null(strstr(text, "Barn og unge (0–17 år) er uthevet."));
    assert_non_null(strstr(text, "Kvinner"));
    assert_non_null(strstr(text, "Fordelt på aldersgruppe"));
    assert_non_null(strstr(text, "Fordelt på kategori"));
    assert_non_null(strstr(text, "Informasjonssikkerhet"));
    assert_non_null(strstr(text, "−12,5 %"));
    assert_non_null(strstr(text, "{\"years\":2}"));
    assert_non_null(strstr(text, "\u22651"));                /* ≥1 000 000 000 000 000 */
    assert_non_null(strstr(text, "Skraverte søyler"));       /* history bars, absurd ones too */
    free(text);
    free_report(r);
}

/* Reference values of a KPI: named in the summary, compared in a table
 * with bars in the KPI's section (source, period, value, difference). */
static void test_references(void **state)
{
    char path[128];
    path_in(*state, "refs.pdf", path, sizeof path);
    report *r = fixture_report("nb");
    kpi_result *k = &r->kpis[0];    /* 87 %, target at least 100 % */
    k->nreferences = 3;
    k->references = arena_alloc(&r->mem, 3 * sizeof *k->references);
    k->references[0] = (reference_value){"KOSTRA landet", "2025", 0.74};
    k->references[1] = (reference_value){"Nordland fylke (Ŋuorra)", "2026-H8", 0.91};
    k->references[2] = (reference_value){"Kommunegruppe 11", "2026-10", 0.87};
    write_ok(r, path, 50);
    assert_sound_pdf(path);
    char *text = pdf_text(path);
    static const char *const want[] = {
        "finnes for 1 av de 3 indikatorene",                /* the summary says so */
        "3 sammenligningsverdier:", "74,0 %–91,0 %",         /* under the KPI's title */
        "Sammenligning", "Kilde", "Forskjell",                /* the section's table */
        "KOSTRA landet", "Nordland fylke (Ŋuorra)", "Kommunegruppe 11", "2026-H8",
        "+13,0 pp", "−4,0 pp", "±0,0 pp",                     /* 87 % minus each */
        "minus sammenligningsverdien",
    };
    squash(text);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("missing from the PDF text: %s", want[i]);
    free(text);
    free_report(r);

    /* one reference reads as itself in the summary; English words */
    r = fixture_report("en");
    k = &r->kpis[1];
    k->nreferences = 1;
    k->references = arena_alloc(&r->mem, sizeof *k->references);
    k->references[0] = (reference_value){"National average", "2025", 12};
    write_ok(r, path, 50);
    text = pdf_text(path);
    assert_non_null(strstr(text, "Compared with: National"));   /* wraps in its cell */
    assert_non_null(strstr(text, "average 12"));
    assert_non_null(strstr(squash(text), "exist for 1 of the 3 indicators"));
    assert_non_null(strstr(text, "Comparison"));
    free(text);
    free_report(r);
}

/* Clipping paths ("W" then "n" on the next line) in the uncompressed
 * content streams: only the hatched bars of history values and their
 * legend swatches clip. */
static size_t count_clips(const tmpdir *t, const char *path)
{
    char qdf[160], cmd[512];
    path_in(t, "qdf.pdf", qdf, sizeof qdf);
    snprintf(cmd, sizeof cmd,
             "qpdf --qdf --object-streams=disable '%s' '%s' >/dev/null 2>&1; "
             "awk 'p == \"W\" && $0 == \"n\" { n++ } { p = $0 } END { print n + 0 }' '%s'",
             path, qdf, qdf);
    char *out = run(cmd, NULL);
    size_t n = (size_t)strtoul(out, NULL, 10);
    free(out);
    return n;
}

/* The fixture with values from the run history: five series points (one
 * of them a month without a value) over two KPIs, the previous period of
 * the first KPI, the last year of the second. */
static report *history_report(const char *lang)
{
    report *r = fixture_report(lang);
    kpi_result *k = r->kpis;
    k[0].series[3].from_history = true;     /* no value: "–" */
    k[0].series[8].from_history = true;
    k[0].series[9].from_history = true;
    k[0].series[10].from_history = true;
    k[1].series[0].from_history = true;
    k[0].previous_from_history = true;      /* 80,0 % */
    k[1].last_year_from_history = true;     /* 2 */
    return r;
}

/* Values from the run history are marked: hatched bars with a legend line
 * under each chart that has them, a dagger on the previous-period and
 * last-year values with a footnote under the summary and the tiles, and
 * the provenance appendix counts them.  A report without them has none of
 * this and says that no value came from a run history. */
static void test_history(void **state)
{
    char path[128], again[128];
    path_in(*state, "hist.pdf", path, sizeof path);
    path_in(*state, "hist2.pdf", again, sizeof again);
    report *r = history_report("nb");
    write_ok(r, path, 50);
    assert_sound_pdf(path);
    char *text = squash(pdf_text(path));
    static const char *const legend =
        "Skraverte søyler er det rapporten viste den gang, fra kjøringshistorikken; de andre er "
        "beregnet fra dagens eksportfiler.";
    static const char *const footnote =
        "\u2020 Det rapporten for den perioden viste den gang, fra kjøringshistorikken; ikke "
        "beregnet på nytt fra dagens eksportfiler.";
    assert_int_equal(count_of(text, legend), 2);            /* the two charts with them */
    assert_int_equal(count_of(text, footnote), 1 + 2);      /* summary, two KPIs' tiles */
    assert_non_null(strstr(text, "fra 80,0 %\u2020"));      /* summary: previous of KPI 1 */
    assert_non_null(strstr(text, "fra 2\u2020"));           /* summary: last year of KPI 2 */
    assert_null(strstr(text, "fra 5\u2020"));               /* KPI 2's previous is computed */
    assert_non_null(strstr(text, "80,0 % \u2020"));         /* the tile, a raised dagger */
    assert_non_null(strstr(text, "Kjøringshistorikk Brukt: 5 av de 36 punktene i "
                                 "tolvmånedersdiagrammene og 2 av de 6 verdiene"));
    assert_null(strstr(text, "Ingen verdier er hentet fra en kjøringshistorikk"));
    free(text);
    /* a hatched bar per history point with a value, a swatch per legend */
    assert_int_equal(count_clips(*state, path), 4 + 2);
    /* the same bytes every time */
    write_ok(r, again, 50);
    size_t na, nb;
    char *da = slurp(path, &na), *db = slurp(again, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
    free_report(r);

    /* only history in the summary columns: no chart legend, the footnote */
    r = fixture_report("nb");
    r->kpis[2].previous_from_history = true;
    write_ok(r, path, 50);
    text = squash(pdf_text(path));
    assert_null(strstr(text, "Skraverte søyler"));
    assert_int_equal(count_of(text, footnote), 1 + 1);
    assert_non_null(strstr(text, "Brukt: 0 av de 36 punktene"));
    free(text);
    assert_int_equal(count_clips(*state, path), 0);
    free_report(r);

    /* no history: none of the marks, and the appendix says so */
    r = fixture_report("nb");
    write_ok(r, path, 50);
    text = squash(pdf_text(path));
    assert_null(strstr(text, "kjøringshistorikken"));
    assert_null(strstr(text, "\u2020"));
    assert_non_null(strstr(text, "Kjøringshistorikk Ingen verdier er hentet fra en "
                                 "kjøringshistorikk: alle er beregnet fra eksportfilene"));
    free(text);
    assert_int_equal(count_clips(*state, path), 0);
    free_report(r);

    /* the words in English and Swedish */
    static const struct {
        const char *lang, *legend, *footnote, *prov, *none;
    } langs[] = {
        {"en", "Hatched bars are what the report said at the time, from the run history",
         "\u2020 What the report for that period said at the time, from the run history",
         "Run history Used: 5 of the 36 points in the twelve-month charts and 2 of the 6",
         "Run history No value comes from a run history"},
        {"sv", "Skrafferade staplar är det som rapporten visade då, från körningshistoriken",
         "\u2020 Det som rapporten för den perioden visade då, från körningshistoriken",
         "Körningshistorik Använd: 5 av de 36 punkterna i tolvmånadersdiagrammen och 2 av de 6",
         "Körningshistorik Inga värden kommer från en körningshistorik"},
    };
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        r = history_report(langs[i].lang);
        write_ok(r, path, 50);
        text = squash(pdf_text(path));
        if (!strstr(text, langs[i].legend) || !strstr(text, langs[i].footnote) ||
            !strstr(text, langs[i].prov))
            fail_msg("%s: history words missing", langs[i].lang);
        free(text);
        free_report(r);
        r = fixture_report(langs[i].lang);
        write_ok(r, path, 50);
        text = squash(pdf_text(path));
        if (strstr(text, langs[i].legend) || strstr(text, "\u2020") ||
            !strstr(text, langs[i].none))
            fail_msg("%s: history words in a report without history", langs[i].lang);
        free(text);
        free_report(r);
    }
}

/* Three municipalities: columns side by side; names, KPI titles, the
 * references with their source and who loaded them; sound, searchable. */
static void test_benchmark_small(void **state)
{
    char path[128], cmd[512];
    path_in(*state, "bench3.pdf", path, sizeof path);
    benchmark *b = make_benchmark(3);
    write_bench_ok(b, "sv", path);
    assert_sound_pdf(path);
    char *text = pdf_text(path);
    static const char *const want[] = {
        "Jämförelse mellan kommuner", "3 kommuner sida vid sida", "Oktober 2026",
        "2026-10-31", "2026-11-01 00:00 UTC", "Arvika kommun", "Guovdageainnu suohkan",
        "Huddinge kommun", "Avvikelser åtgärdade i tid",
        "Öppna avvikelser efter sista åtgärdsdatum", "Förändring i rapporterade avvikelser",
        "Styrdokument fastställda de senaste 2 åren", "Inlämnade förbättringsförslag",
        "Ledere med opplæring i kvalitetssystemet", "Översikt", "Sida vid sida",
        "Nyckeltalen i diagram", "Bilaga: Jämförelsevärden och källor", "KKiK 2025 riket",
        "Länet Värmland", "Stockholms län", "2026-H8", "Inläst av", "mål: minst 100 %",
        "inget gemensamt mål", "Arvika kommun, Guovdageainnu suohkan",   /* merged */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("missing from the PDF text: %s", want[i]);
    assert_page_numbers(path, text, "Sida", "av");
    free(text);

    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", path);
    char *info = run(cmd, NULL);
    assert_non_null(strstr(info, "Title:           Jämförelse mellan kommuner – oktober 2026"));
    assert_non_null(
        strstr(info, "Author:          Arvika kommun, Guovdageainnu suohkan, Huddinge kommun"));
    assert_non_null(strstr(info, "Creator:         kvalrap 0.1.0"));
    assert_non_null(strstr(info, "Subject:"));
    assert_non_null(strstr(info, "Keywords:"));
    assert_non_null(strstr(info, "Page size:       595.276 x 841.89 pts (A4)"));
    assert_non_null(strstr(info, "CreationDate:    Sun Nov  1 00:00:00 2026 UTC"));
    free(info);

    snprintf(cmd, sizeof cmd, "qpdf --json --json-key=outlines '%s' 2>/dev/null | grep '\"title\"'",
             path);
    char *titles = run(cmd, NULL);
    static const char *const marks[] = {"Kommunerna i jämförelsen", "Översikt", "Sida vid sida",
                                        "Nyckeltalen i diagram", "1. Avvikelser åtgärdade i tid",
                                        "6. Ledere med opplæring i kvalitetssystemet",
                                        "Bilaga: Jämförelsevärden och källor"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        char s[160];
        snprintf(s, sizeof s, "\"title\": \"%s\"", marks[i]);
        if (!strstr(titles, s))
            fail_msg("missing bookmark: %s", marks[i]);
    }
    assert_int_equal(count_of(titles, "\n"), 5 + 6);
    free(titles);
    free_benchmark(b);
}

/* Forty municipalities: a municipality per row, the KPIs split into parts,
 * charts flowing over pages; every name and title is there, in nb. */
static void test_benchmark_many(void **state)
{
    char path[128];
    path_in(*state, "bench40.pdf", path, sizeof path);
    benchmark *b = make_benchmark(40);
    write_bench_ok(b, "nb", path);
    assert_sound_pdf(path);
    char *text = pdf_text(path);
    for (size_t m = 0; m < 40; m++) {
        const char *name = b->municipalities[m].name;
        /* in the list, both parts of the table and all six charts */
        if (count_of(text, name) < 1 + 2 + 6)
            fail_msg("%s shows %zu times", name, count_of(text, name));
    }
    for (size_t i = 0; i < b->nrows; i++)
        if (!strstr(text, b->rows[i].title))
            fail_msg("missing KPI title: %s", b->rows[i].title);
    assert_non_null(strstr(text, "Sammenligning mellom kommuner"));
    assert_non_null(strstr(text, "Del 1 av 2: indikator 1–3"));
    assert_non_null(strstr(text, "Del 2 av 2: indikator 4–6"));
    assert_non_null(strstr(text, "(forts.)"));
    assert_non_null(strstr(text, "Lastet inn av"));
    assert_page_numbers(path, text, "Side", "av");
    free(text);
    free_benchmark(b);
}

/* The same benchmark twice gives the same bytes; English words. */
static void test_benchmark_reproducible(void **state)
{
    char a[128], c[128];
    path_in(*state, "a.pdf", a, sizeof a);
    path_in(*state, "c.pdf", c, sizeof c);
    benchmark *b = make_benchmark(40);
    write_bench_ok(b, "en", a);
    write_bench_ok(b, "en", c);
    size_t na, nc;
    char *da = slurp(a, &na), *dc = slurp(c, &nc);
    assert_int_equal(na, nc);
    assert_memory_equal(da, dc, na);
    free(da);
    free(dc);
    char *text = pdf_text(a);
    assert_non_null(strstr(text, "Benchmark of municipalities"));
    assert_non_null(strstr(text, "Reference values and their sources"));
    assert_page_numbers(a, text, "Page", "of");
    free(text);
    free_benchmark(b);
}

/* Hostile benchmarks: 300 municipalities with long names, no shared KPIs,
 * absurd numbers and no references; sound PDFs all the same. */
static void test_benchmark_hostile(void **state)
{
    char path[128];
    path_in(*state, "hostile.pdf", path, sizeof path);
    benchmark *b = make_benchmark(300);
    b->municipalities[7].name = repeat_in(&b->mem, "Lang kommunenavn Ŋ \xff ", 20000);
    b->rows[1].cells[3].value = MAYBE(1e300);
    b->rows[2].cells[4].value = MAYBE(NAN);
    b->rows[0].references[1].value = INFINITY;
    b->rows[0].references[2].source = "";
    write_bench_ok(b, "nb", path);
    assert_sound_pdf(path);
    char *text = pdf_text(path);
    assert_non_null(strstr(text, "Kommune 299 Čáhcesuolu"));
    assert_non_null(strstr(text, "\u2026"));
    assert_true(strlen(text) < 3000000);
    free(text);
    free_benchmark(b);

    b = make_benchmark(2);
    b->nrows = 0;
    write_bench_ok(b, "sv", path);
    assert_sound_pdf(path);
    text = pdf_text(path);
    assert_non_null(strstr(text, "Kommunerna har inga nyckeltal gemensamt"));
    assert_non_null(strstr(text, "Ingen av kommunerna har läst in jämförelsevärden"));
    free(text);
    free_benchmark(b);
}

/* Failures come back as -1 with a message, and leave no file behind. */
static void test_errors(void **state)
{
    (void)state;
    report *r = fixture_report("nb");
    labels *l = labels_load("nb");
    char err[512] = "";
    assert_int_equal(pdf_write_report(r, l, "/nonexistent-dir/x.pdf", 50, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x.pdf"));
    err[0] = '\0';
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(pdf_write_report(r, l, "/dev/full", 50, err, sizeof err), -1);
        assert_non_null(strstr(err, "/dev/full"));
        struct stat sb;
        assert_int_equal(stat("/dev/full", &sb), 0);   /* a device is never removed */
    }
    assert_int_equal(pdf_write_report(NULL, l, "x.pdf", 50, err, sizeof err), -1);

    benchmark *b = make_benchmark(3);
    err[0] = '\0';
    assert_int_equal(pdf_write_benchmark(b, l, "/nonexistent-dir/b.pdf", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/b.pdf"));
    assert_int_equal(access("/nonexistent-dir/b.pdf", F_OK), -1);
    assert_int_equal(pdf_write_benchmark(NULL, l, "b.pdf", err, sizeof err), -1);
    b->nmunicipalities = 0;
    assert_int_equal(pdf_write_benchmark(b, l, "b.pdf", err, sizeof err), -1);
    assert_int_equal(access("b.pdf", F_OK), -1);
    free_benchmark(b);
    labels_free(l);
    free_report(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_exact, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_fonts_structure_info, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_outline, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_reproducible, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_languages, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_period_words, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_list_limit, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_hostile_text, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_references, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_history, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_benchmark_small, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_benchmark_many, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_benchmark_reproducible, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_benchmark_hostile, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_errors, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests_name("pdf", tests, NULL, NULL);
}
