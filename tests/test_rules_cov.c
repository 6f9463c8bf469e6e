/*
 * test_rules_cov.c - behaviour of the faster row-set code of src/rules.c
 * (issue 8, branch coverage): long item lists (4096 rows and more, sorted
 * by a radix sort when the keys fit in 32 bits, by comparison otherwise),
 * two-level count_by over many groups (the open-addressing map and its
 * collisions: months 16 apart), except with a large right-hand side and a small left one,
 * a print line whose tab falls on a full buffer, data_dir and file names
 * at the edges, and a Lua state with room for the libraries but not for
 * the standard library.  Expected values are worked out by hand or by a
 * plain loop over the same generating formula.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpi_harness.c"
#include "rules.h"

/* A growing text buffer for generated exports. */
typedef struct {
    char *s;
    size_t n, cap;
} gen;

static void gen_add(gen *g, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(g->s ? g->s + g->n : NULL, g->s ? g->cap - g->n : 0, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (g->s && g->n + (size_t)k < g->cap) {
            g->n += (size_t)k;
            return;
        }
        g->cap = g->cap ? 2 * g->cap : 65536;
        g->s = realloc(g->s, g->cap);
        assert_non_null(g->s);
    }
}

static void iso(int32_t day, char buf[11]) { date_format_iso(day, buf); }

static const char *item_text(const kpi_result *k, size_t row, const char *col)
{
    const cell *c = kh_item(k, row, col);
    if (!c)
        fail_msg("%s: no cell %zu/%s", k->id, row, col);
    if (c->kind != CELL_TEXT)
        fail_msg("%s: cell %zu/%s is not text (kind %d)", k->id, row, col, (int)c->kind);
    return c->u.text;
}

/* The day of a date cell, or DATE_NONE for an empty one. */
static int32_t item_day(const kpi_result *k, size_t row, const char *col)
{
    const cell *c = kh_item(k, row, col);
    if (!c)
        fail_msg("%s: no cell %zu/%s", k->id, row, col);
    if (c->kind == CELL_EMPTY)
        return DATE_NONE;
    if (c->kind != CELL_DATE)
        fail_msg("%s: cell %zu/%s is not a date (kind %d)", k->id, row, col, (int)c->kind);
    return c->u.day;
}

/* ---------------------------------------------------------------- long lists */

/* 5000 deviations, ids "00001".."05000" in row order, reported on one of
 * 20 days (row i on 2026-10-01 + i % 20), closed the day after for even
 * rows and open for odd ones, due 2026-10-01 + i % 7 except every tenth
 * row (none); then "99999b" and "99999a", reported 2026-10-01, open, no
 * due.  Within a day the ids are in row order except for the last two. */
enum { LONG_N = 5000 };

static void write_long(const char *dir)
{
    gen g = {0};
    gen_add(&g, "%s", KH_DEV_HEADER);
    int32_t d0 = kh_day("2026-10-01");
    for (int i = 0; i < LONG_N; i++) {
        char rep[11], clo[11] = "", due[11] = "";
        iso(d0 + i % 20, rep);
        if (i % 2 == 0)
            iso(d0 + i % 20 + 1, clo);
        if (i % 10 != 0)
            iso(d0 + i % 7, due);
        gen_add(&g, "%05d,U%d,%s,%s,%s,HMS,1,,K,18-64,Nord\n", i + 1, i % 3, rep, due, clo);
    }
    gen_add(&g, "99999b,U0,2026-10-01,,,HMS,1,,K,18-64,Nord\n");
    gen_add(&g, "99999a,U0,2026-10-01,,,HMS,1,,K,18-64,Nord\n");
    kh_write(dir, "dev.csv", g.s);
    free(g.s);
}

#define LIST_KPI(id, rows, extra)                                                          \
    "kpi.custom { id = \"" id "\", compute = function(d, p)\n"                             \
    "  local rows = " rows "\n"                                                             \
    "  return rows, nil, { name = \"" id "\", rows = rows, columns = { \"id\", \"reported\", \"closed\", \"due\" }" \
    extra " } end }\n"

/* Every adjacent pair in (key, id) order, where key is the column's day
 * (empty first). */
static void assert_sorted_by_day(const kpi_result *k, const char *col)
{
    for (size_t i = 1; i < k->items->nrows; i++) {
        int32_t a = item_day(k, i - 1, col), b = item_day(k, i, col);
        if (a > b || (a == b && strcmp(item_text(k, i - 1, "id"), item_text(k, i, "id")) >= 0))
            fail_msg("%s: rows %zu and %zu out of order (%s %d, %s %d)", k->id, i - 1, i,
                     item_text(k, i - 1, "id"), (int)a, item_text(k, i, "id"), (int)b);
    }
}

static void test_long_list_sorted_by_date(void **state)
{
    char dir[256];
    kh_new(dir);
    write_long(dir);
    report *r = kh_run_ok(dir,
        KH_PRELUDE
        LIST_KPI("by_reported", "d.deviations", ", sort = \"reported\"")
        LIST_KPI("by_closed", "d.deviations", ", sort = \"closed\"")
        /* the same sort on few rows: the comparison sort */
        LIST_KPI("short_by_reported", "d.deviations:is(\"id\", { \"00021\", \"00002\", \"00001\", \"99999b\", \"99999a\" })",
                 ", sort = \"reported\""),
        "2026-10", NULL);
    int32_t d0 = kh_day("2026-10-01");

    const kpi_result *k = kh_kpi(r, "by_reported");
    KH_VAL(k->value, LONG_N + 2);
    assert_int_equal(k->items->nrows, LONG_N + 2);
    assert_sorted_by_day(k, "reported");
    /* 2026-10-01: rows 0, 20, ..., 4980 (250), then 99999a before 99999b. */
    assert_string_equal(item_text(k, 0, "id"), "00001");
    assert_string_equal(item_text(k, 1, "id"), "00021");
    assert_string_equal(item_text(k, 249, "id"), "04981");
    assert_string_equal(item_text(k, 250, "id"), "99999a");
    assert_string_equal(item_text(k, 251, "id"), "99999b");
    assert_int_equal(item_day(k, 251, "reported"), d0);
    /* then 2026-10-02 from row 1 on; the last row is row 4999 on 10-20 */
    assert_string_equal(item_text(k, 252, "id"), "00002");
    assert_int_equal(item_day(k, 252, "reported"), d0 + 1);
    assert_string_equal(item_text(k, LONG_N + 1, "id"), "05000");
    assert_int_equal(item_day(k, LONG_N + 1, "reported"), d0 + 19);
    /* the other columns travel with their row */
    assert_int_equal(item_day(k, 0, "closed"), d0 + 1);
    assert_int_equal(item_day(k, 0, "due"), DATE_NONE);
    assert_int_equal(item_day(k, 252, "closed"), DATE_NONE);
    assert_int_equal(item_day(k, 252, "due"), d0 + 1);

    /* By closed: the 2502 open rows first (odd rows, then 99999a, 99999b),
     * then the closed ones from 2026-10-02 (rows 0, 20, ...). */
    k = kh_kpi(r, "by_closed");
    assert_int_equal(k->items->nrows, LONG_N + 2);
    assert_sorted_by_day(k, "closed");
    assert_string_equal(item_text(k, 0, "id"), "00002");
    assert_string_equal(item_text(k, 1, "id"), "00004");
    assert_string_equal(item_text(k, 2499, "id"), "05000");
    assert_string_equal(item_text(k, 2500, "id"), "99999a");
    assert_string_equal(item_text(k, 2501, "id"), "99999b");
    assert_int_equal(item_day(k, 2501, "closed"), DATE_NONE);
    assert_string_equal(item_text(k, 2502, "id"), "00001");
    assert_int_equal(item_day(k, 2502, "closed"), d0 + 1);
    assert_string_equal(item_text(k, LONG_N + 1, "id"), "04999");   /* row 4998: 10-19 + 1 */
    assert_int_equal(item_day(k, LONG_N + 1, "closed"), d0 + 19);

    k = kh_kpi(r, "short_by_reported");
    assert_int_equal(k->items->nrows, 5);
    static const char *const want[] = {"00001", "00021", "99999a", "99999b", "00002"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(item_text(k, i, "id"), want[i]);
    *state = r;
    kh_cleanup(dir);
}

/* Sorted by days overdue: a row without a due date has no 32-bit key, so
 * the whole list takes the comparison sort; those rows come first (by id),
 * then the most overdue. */
static void test_long_list_days_overdue(void **state)
{
    char dir[256];
    kh_new(dir);
    write_long(dir);
    report *r = kh_run_ok(dir,
        KH_PRELUDE
        LIST_KPI("overdue", "d.deviations", ", days_overdue = \"due\", sort = \"days_overdue\"")
        "kpi.custom { id = \"overdue_all\", compute = function(d, p)\n"
        "  local rows = d.deviations\n"
        "  return rows, nil, { name = \"a\", rows = rows, columns = { \"id\", \"due\", \"days_overdue\" },\n"
        "    days_overdue = \"due\", sort = \"days_overdue\" } end }\n"
        "kpi.custom { id = \"overdue_due\", compute = function(d, p)\n"
        "  local rows = d.deviations:present(\"due\")\n"
        "  return rows, nil, { name = \"o\", rows = rows, columns = { \"id\", \"due\", \"days_overdue\" },\n"
        "    days_overdue = \"due\", sort = \"days_overdue\" } end }\n",
        "2026-10", NULL);
    int32_t d0 = kh_day("2026-10-01");
    const kpi_result *k = kh_kpi(r, "overdue");
    assert_int_equal(k->items->nrows, LONG_N + 2);
    /* rows 0, 10, ..., 4990 have no due (500), then 99999a, 99999b */
    assert_string_equal(item_text(k, 0, "id"), "00001");
    assert_string_equal(item_text(k, 1, "id"), "00011");
    assert_string_equal(item_text(k, 499, "id"), "04991");
    assert_string_equal(item_text(k, 500, "id"), "99999a");
    assert_string_equal(item_text(k, 501, "id"), "99999b");
    /* then due 2026-10-01 (i % 7 == 0, i % 10 != 0): row 7 first */
    assert_string_equal(item_text(k, 502, "id"), "00008");
    assert_int_equal(item_day(k, 502, "due"), d0);
    assert_int_equal(item_day(k, LONG_N + 1, "due"), d0 + 6);
    for (size_t i = 503; i < k->items->nrows; i++)
        if (item_day(k, i - 1, "due") > item_day(k, i, "due"))
            fail_msg("row %zu: due before the row above it", i);
    /* every row with a due date: the radix sort, the same order */
    const kpi_result *k2 = kh_kpi(r, "overdue_due");
    assert_int_equal(k2->items->nrows, LONG_N - 500);
    for (size_t i = 0; i < k2->items->nrows; i++)
        assert_string_equal(item_text(k2, i, "id"), item_text(k, i + 502, "id"));
    /* days_overdue = as_of - due: 2026-10-31 - 2026-10-01 = 30, down to 24 */
    const cell *c = kh_item(k2, 0, "days_overdue");
    assert_int_equal(c->kind, CELL_INT);
    assert_int_equal(c->u.i, 30);
    c = kh_item(k2, k2->items->nrows - 1, "days_overdue");
    assert_int_equal(c->kind, CELL_INT);
    assert_int_equal(c->u.i, 24);
    /* A row without a due date is not overdue: its cell is empty, not
     * as_of minus the "no date" marker. */
    const kpi_result *k3 = kh_kpi(r, "overdue_all");
    assert_string_equal(item_text(k3, 0, "id"), "00001");
    assert_int_equal(kh_item(k3, 0, "days_overdue")->kind, CELL_EMPTY);
    assert_int_equal(kh_item(k3, 502, "days_overdue")->kind, CELL_INT);
    assert_int_equal(kh_item(k3, 502, "days_overdue")->u.i, 30);
    *state = r;
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- count_by over many groups */

/* 400 deviations: unit "U00".."U39" (i % 40), category "HMS", "hms" or
 * "Miljø" (i % 3; the first two are one group), reported on the 5th of
 * month i % 30 from January 2024, closed only for i % 4 == 0 (same day). */
static void many_groups(int i, char unit[8], const char **cat, int32_t *rep)
{
    static const char *const cats[] = {"HMS", "hms", "Miljø"};
    snprintf(unit, 8, "U%02d", i % 40);
    *cat = cats[i % 3];
    *rep = date_add_months(kh_day("2024-01-05"), i % 30);
}

static void test_count_by_many_groups(void **state)
{
    char dir[256];
    kh_new(dir);
    gen g = {0};
    gen_add(&g, "%s", KH_DEV_HEADER);
    for (int i = 0; i < 400; i++) {
        char unit[8], rep[11];
        const char *cat;
        int32_t day;
        many_groups(i, unit, &cat, &day);
        iso(day, rep);
        gen_add(&g, "%d,%s,%s,,%s,%s,1,,,,\n", i + 1, unit, rep, i % 4 == 0 ? rep : "", cat);
    }
    kh_write(dir, "dev.csv", g.s);
    free(g.s);
    /* mismatches: count_by against is/between on the same rows; 0 expected */
    report *r = kh_run_ok(dir,
        KH_PRELUDE
        "local function nkeys(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end\n"
        "kpi.custom { id = \"unit_cat_bad\", compute = function(d, p)\n"
        "  local bad, c = 0, d.deviations:count_by(\"unit\", \"category\")\n"
        "  for _, u in ipairs(d.unit_set) do\n"
        "    for cat, n in pairs(c[u]) do\n"
        "      if d.deviations:is(\"unit\", u):is(\"category\", cat):count() ~= n then bad = bad + 1 end\n"
        "    end\n"
        "  end\n"
        "  return bad end }\n"
        "kpi.custom { id = \"units\", compute = function(d, p) return nkeys(d.deviations:count_by(\"unit\", \"category\")) end }\n"
        /* one group for HMS and hms, spelt as its first row (row 7: "hms") */
        "kpi.custom { id = \"u07_hms\", compute = function(d, p) local t = d.deviations:count_by(\"unit\", \"category\").U07 return (t.HMS or 0) + (t.hms or 0) end }\n"
        "kpi.custom { id = \"u07_cats\", compute = function(d, p) return nkeys(d.deviations:count_by(\"unit\", \"category\").U07) end }\n"
        "kpi.custom { id = \"hms_u07\", compute = function(d, p) return d.deviations:count_by(\"category\", \"unit\").HMS.U07 end }\n"
        "kpi.custom { id = \"cats\", compute = function(d, p) return nkeys(d.deviations:count_by(\"category\", \"unit\")) end }\n"
        "kpi.custom { id = \"months\", compute = function(d, p) return nkeys(d.deviations:count_by(\"reported\", \"unit\")) end }\n"
        "kpi.custom { id = \"m2025_03_u12\", compute = function(d, p) return d.deviations:count_by(\"reported\", \"unit\")[\"2025-03\"].U12 end }\n"
        "kpi.custom { id = \"m2025_03_units\", compute = function(d, p) return nkeys(d.deviations:count_by(\"reported\", \"unit\")[\"2025-03\"]) end }\n"
        "kpi.custom { id = \"month_unit_bad\", compute = function(d, p)\n"
        "  local bad, c = 0, d.deviations:count_by(\"reported\", \"unit\")\n"
        "  for m, per in pairs(c) do\n"
        "    local y, mo = m:match(\"^(%d+)-(%d+)$\")\n"
        "    local from = date.make(tonumber(y), tonumber(mo), 1)\n"
        "    local rows = d.deviations:between(\"reported\", from, date.add_months(from, 1) - 1)\n"
        "    for u, n in pairs(per) do if rows:is(\"unit\", u):count() ~= n then bad = bad + 1 end end\n"
        "  end\n"
        "  return bad end }\n"
        "kpi.custom { id = \"closed_months\", compute = function(d, p) return nkeys(d.deviations:count_by(\"closed\", \"unit\")) end }\n"
        "kpi.custom { id = \"closed_2024_01\", compute = function(d, p) local n = 0\n"
        "  for _, c in pairs(d.deviations:count_by(\"closed\", \"unit\")[\"2024-01\"]) do n = n + c end return n end }\n",
        "2026-10", NULL);
    /* the same counts by a plain loop */
    int u07_hms = 0, hms_u07 = 0, m_u12 = 0, closed_jan = 0, m_units = 0;
    bool unit_in_m[40] = {false};
    int32_t mar25 = kh_day("2025-03-05");
    for (int i = 0; i < 400; i++) {
        char unit[8];
        const char *cat;
        int32_t day;
        many_groups(i, unit, &cat, &day);
        bool hms = strcmp(cat, "Miljø") != 0;
        u07_hms += strcmp(unit, "U07") == 0 && hms;
        hms_u07 += strcmp(unit, "U07") == 0 && hms;
        m_u12 += day == mar25 && strcmp(unit, "U12") == 0;
        if (day == mar25)
            unit_in_m[i % 40] = true;
        closed_jan += i % 4 == 0 && i % 30 == 0;
    }
    for (int u = 0; u < 40; u++)
        m_units += unit_in_m[u];
    /* U07: rows 7, 47, ..., 387; i % 3 = 1, 2, 0, 1, 2, 0, 1, 2, 0, 1: HMS 7 */
    assert_int_equal(u07_hms, 7);
    KH_VAL(kh_kpi(r, "unit_cat_bad")->value, 0);
    KH_VAL(kh_kpi(r, "units")->value, 40);
    KH_VAL(kh_kpi(r, "u07_hms")->value, u07_hms);
    KH_VAL(kh_kpi(r, "u07_cats")->value, 2);         /* HMS and Miljø */
    KH_VAL(kh_kpi(r, "hms_u07")->value, hms_u07);
    KH_VAL(kh_kpi(r, "cats")->value, 2);
    KH_VAL(kh_kpi(r, "months")->value, 30);
    /* 2025-03 is month 14: rows 14, 44, ..., 374 (13), units 14, 4, 34, 24: U12 never */
    assert_int_equal(m_units, 4);
    assert_int_equal(m_u12, 0);
    KH_NULL(kh_kpi(r, "m2025_03_u12")->value);
    KH_VAL(kh_kpi(r, "m2025_03_units")->value, m_units);
    KH_VAL(kh_kpi(r, "month_unit_bad")->value, 0);
    /* closed: i % 4 == 0 covers every even month index (i % 30 even): 15 months */
    KH_VAL(kh_kpi(r, "closed_months")->value, 15);
    /* 2024-01: i % 30 == 0 and i % 4 == 0: i = 0, 60, 120, ..., 360 (7) */
    assert_int_equal(closed_jan, 7);
    KH_VAL(kh_kpi(r, "closed_2024_01")->value, 7);
    *state = r;
    kh_cleanup(dir);
}

/* Months 16 apart share a slot of the group map (16 slots for 3 groups):
 * the second one probes on, and each row still finds its own month. */
static void test_count_by_months_sharing_a_slot(void **state)
{
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", KH_DEV_HEADER
             "1,A,2024-01-03,,,,,,,,\n"
             "2,B,2025-05-09,,2025-05-10,,,,,,\n"
             "3,A,2024-01-31,,2024-01-31,,,,,,\n"
             "4,A,2024-03-15,,,,,,,,\n"
             "5,C,2025-05-01,,2024-01-02,,,,,,\n"
             "6,B,2024-01-10,,,,,,,,\n");
    report *r = kh_run_ok(dir,
        KH_PRELUDE
        "local function c(d) return d.deviations:count_by(\"reported\", \"unit\") end\n"
        "local function nkeys(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end\n"
        "kpi.custom { id = \"months\", compute = function(d, p) return nkeys(c(d)) end }\n"
        "kpi.custom { id = \"jan_a\", compute = function(d, p) return c(d)[\"2024-01\"].A end }\n"
        "kpi.custom { id = \"jan_b\", compute = function(d, p) return c(d)[\"2024-01\"].B end }\n"
        "kpi.custom { id = \"jan_units\", compute = function(d, p) return nkeys(c(d)[\"2024-01\"]) end }\n"
        "kpi.custom { id = \"mar_a\", compute = function(d, p) return c(d)[\"2024-03\"].A end }\n"
        "kpi.custom { id = \"mar_units\", compute = function(d, p) return nkeys(c(d)[\"2024-03\"]) end }\n"
        "kpi.custom { id = \"may_b\", compute = function(d, p) return c(d)[\"2025-05\"].B end }\n"
        "kpi.custom { id = \"may_c\", compute = function(d, p) return c(d)[\"2025-05\"].C end }\n"
        "kpi.custom { id = \"may_units\", compute = function(d, p) return nkeys(c(d)[\"2025-05\"]) end }\n"
        /* closed: 2024-01 (rows 3 and 5) and 2025-05 (row 2); open rows in no month */
        "kpi.custom { id = \"closed_jan\", compute = function(d, p)\n"
        "  local t = d.deviations:count_by(\"closed\", \"unit\")[\"2024-01\"] return t.A * 10 + t.C end }\n"
        "kpi.custom { id = \"closed_may_b\", compute = function(d, p)\n"
        "  return d.deviations:count_by(\"closed\", \"unit\")[\"2025-05\"].B end }\n"
        "kpi.custom { id = \"closed_months\", compute = function(d, p) return nkeys(d.deviations:count_by(\"closed\", \"unit\")) end }\n",
        "2026-10", NULL);
    KH_VAL(kh_kpi(r, "months")->value, 3);
    KH_VAL(kh_kpi(r, "jan_a")->value, 2);
    KH_VAL(kh_kpi(r, "jan_b")->value, 1);
    KH_VAL(kh_kpi(r, "jan_units")->value, 2);
    KH_VAL(kh_kpi(r, "mar_a")->value, 1);
    KH_VAL(kh_kpi(r, "mar_units")->value, 1);
    KH_VAL(kh_kpi(r, "may_b")->value, 1);
    KH_VAL(kh_kpi(r, "may_c")->value, 1);
    KH_VAL(kh_kpi(r, "may_units")->value, 2);
    KH_VAL(kh_kpi(r, "closed_jan")->value, 11);
    KH_VAL(kh_kpi(r, "closed_may_b")->value, 1);
    KH_VAL(kh_kpi(r, "closed_months")->value, 2);
    *state = r;
    kh_cleanup(dir);
}

/* An export with a header and no rows: count_by and the lists give nothing. */
static void test_empty_export(void **state)
{
    char dir[256];
    kh_new(dir);
    report *r = kh_run_ok(dir,
        KH_PRELUDE
        "kpi.custom { id = \"groups\", compute = function(d, p)\n"
        "  local n = 0 for _ in pairs(d.deviations:count_by(\"unit\", \"category\")) do n = n + 1 end\n"
        "  for _ in pairs(d.deviations:count_by(\"reported\", \"unit\")) do n = n + 1 end\n"
        "  return n end }\n"
        "kpi.custom { id = \"units\", compute = function(d, p) return #d.unit_set end }\n"
        "kpi.custom { id = \"list\", compute = function(d, p)\n"
        "  return d.deviations, nil, { name = \"l\", rows = d.deviations, columns = { \"id\" }, sort = \"reported\" } end }\n",
        "2026-10", NULL);
    KH_VAL(kh_kpi(r, "groups")->value, 0);
    KH_VAL(kh_kpi(r, "units")->value, 0);
    KH_VAL(kh_kpi(r, "list")->value, 0);
    assert_non_null(kh_kpi(r, "list")->items);
    assert_int_equal(kh_kpi(r, "list")->items->nrows, 0);
    *state = r;
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- except */

/* 300 deviations, ids 1..300, reported 2026-10-01 + (i - 1) % 30. */
static void test_except_large_right_side(void **state)
{
    char dir[256];
    kh_new(dir);
    gen g = {0};
    gen_add(&g, "%s", KH_DEV_HEADER);
    int32_t d0 = kh_day("2026-09-01");
    for (int i = 1; i <= 300; i++) {
        char rep[11];
        iso(d0 + (i - 1) / 10, rep);   /* ten rows a day, 2026-09-01 .. 2026-09-30 */
        gen_add(&g, "%d,A,%s,,,,,,,,\n", i, rep);
    }
    kh_write(dir, "dev.csv", g.s);
    free(g.s);
    report *r = kh_run_ok(dir,
        KH_PRELUDE
        "local function mid(d) return d.deviations:between(\"reported\", \"2026-09-11\", \"2026-09-20\") end\n"  /* rows 101-200 */
        "local function few(d, a, b) return d.deviations:between(\"reported\", a, b) end\n"
        /* small a below, inside and above the large b's span */
        "kpi.custom { id = \"below\", compute = function(d, p) return few(d, \"2026-09-01\", \"2026-09-03\"):except(mid(d)) end }\n"
        "kpi.custom { id = \"inside\", compute = function(d, p) return few(d, \"2026-09-12\", \"2026-09-14\"):except(mid(d)) end }\n"
        "kpi.custom { id = \"above\", compute = function(d, p) return few(d, \"2026-09-28\", \"2026-09-30\"):except(mid(d)) end }\n"
        "kpi.custom { id = \"across\", compute = function(d, p) return few(d, \"2026-09-10\", \"2026-09-12\"):except(mid(d)) end }\n"
        /* both large: a spans b and more */
        "kpi.custom { id = \"big\", compute = function(d, p) return d.deviations:except(mid(d)) end }\n"
        "kpi.custom { id = \"big_first\", compute = function(d, p)\n"
        "  local rest = d.deviations:except(mid(d))\n"
        "  return rest:between(\"reported\", \"2026-09-10\", \"2026-09-21\") end }\n",
        "2026-10", NULL);
    KH_VAL(kh_kpi(r, "below")->value, 30);
    KH_VAL(kh_kpi(r, "inside")->value, 0);
    KH_VAL(kh_kpi(r, "above")->value, 30);
    KH_VAL(kh_kpi(r, "across")->value, 10);    /* 09-10 stays; 09-11, 09-12 are in mid */
    KH_VAL(kh_kpi(r, "big")->value, 200);
    KH_VAL(kh_kpi(r, "big_first")->value, 20); /* 09-10 and 09-21 */
    *state = r;
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- rules_open */

/* 1000 + 1 + 23 bytes fill Lua's first buffer exactly: the next tab grows it. */
static void test_print_full_buffer(void **state)
{
    (void)state;
    char dir[256], err[1024] = "";
    rules *r = kh_open_rules(dir, KH_PRELUDE "print(string.rep(\"x\", 1000), string.rep(\"y\", 23), \"z\", 4)\n", NULL,
                             NULL, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    static kh_printed out;
    memset(&out, 0, sizeof out);
    rules_each_print(r, kh_collect, &out);
    assert_int_equal(out.n, 1);
    const char *l = out.lines[0];
    assert_int_equal(strlen(l), 1000 + 1 + 23 + 1 + 1 + 1 + 1);
    assert_int_equal(strspn(l, "x"), 1000);
    assert_int_equal(l[1000], '\t');
    assert_int_equal(strspn(l + 1001, "y"), 23);
    assert_string_equal(l + 1024, "\tz\t4");
    rules_close(r);
    kh_cleanup(dir);
}

/* An absolute data_dir is taken as it is; a two-letter folder name is not
 * ".."; an installation's data_dir "" leaves file names as given. */
static void test_data_dir_edges(void **state)
{
    (void)state;
    char dir[256], err[1024] = "";
    rules *r = kh_open_rules(dir,
                             "municipality { id = \"t\", data_dir = \"/srv/exports/t\" }\n"
                             "dataset \"deviations\" { file = \"ab/dev.csv\" }\n"
                             "dataset \"proposals\" { file = \"prop.csv\" }\n"
                             "dataset \"documents\" { file = \"x./doc.csv\" }\n",
                             NULL, NULL, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    const rules_config *c = rules_get_config(r);
    assert_string_equal(c->data_dir, "/srv/exports/t");
    assert_int_equal(c->ndatasets, 3);
    assert_string_equal(c->datasets[0].ingest.path, "/srv/exports/t/ab/dev.csv");
    rules_close(r);
    kh_cleanup(dir);

    r = kh_open_rules(dir, KH_PRELUDE, NULL, "", err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    c = rules_get_config(r);
    assert_string_equal(c->data_dir, "");
    assert_string_equal(c->datasets[0].ingest.path, "dev.csv");
    assert_string_equal(c->datasets[2].ingest.path, "doc.csv");
    rules_close(r);
    kh_cleanup(dir);
}

/* Room for a Lua state and its libraries (16 KB and more) but not for
 * compiling the standard library (it needs more than 64 KB): refused with
 * Lua's own message, no crash. */
static void test_memory_for_the_libraries_only(void **state)
{
    (void)state;
    char dir[256], err[1024] = "";
    rules_limits lim = {.max_instructions = 1000000000LL, .max_memory = (size_t)32 << 10, .max_seconds = 60};
    rules *r = kh_open_rules(dir, KH_PRELUDE, &lim, NULL, err, sizeof err);
    if (r) {
        rules_close(r);
        fail_msg("rules_open accepted a 32 KB budget");
    }
    assert_string_equal(err, "not enough memory");
    kh_cleanup(dir);
}

static void test_municipality_id_chars(void **state)
{
    (void)state;
    assert_false(municipality_id_valid("t~roms"));   /* past 'z' */
    assert_false(municipality_id_valid("t{"));
    assert_false(municipality_id_valid("a:b"));       /* past '9' */
    assert_false(municipality_id_valid("a/b"));       /* below '0' */
    assert_true(municipality_id_valid("a-9_z"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_long_list_sorted_by_date, kh_teardown),
        cmocka_unit_test_teardown(test_long_list_days_overdue, kh_teardown),
        cmocka_unit_test_teardown(test_count_by_many_groups, kh_teardown),
        cmocka_unit_test_teardown(test_count_by_months_sharing_a_slot, kh_teardown),
        cmocka_unit_test_teardown(test_empty_export, kh_teardown),
        cmocka_unit_test_teardown(test_except_large_right_side, kh_teardown),
        cmocka_unit_test_teardown(test_print_full_buffer, kh_teardown),
        cmocka_unit_test_teardown(test_data_dir_edges, kh_teardown),
        cmocka_unit_test_teardown(test_memory_for_the_libraries_only, kh_teardown),
        cmocka_unit_test(test_municipality_id_chars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
