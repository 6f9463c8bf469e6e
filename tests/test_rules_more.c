/*
 * test_rules_more.c - the rest of the rule-file API (issue 8, branch
 * coverage of src/rules.c): row sets on dates, date-times, numbers and
 * booleans; grouping by month then by text; lists of every column type;
 * the date and period functions and their refusals; print; the budgets
 * (instructions, memory, swallowed memory errors); error objects that are
 * not strings; file names that climb out of data_dir; references; and the
 * municipality id check.  Every number is worked out by hand.
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpi_harness.c"
#include "rules.h"

/* Six deviations: units A and B, dates in October 2026 (row 5: September). */
static const char dev_rows[] = KH_DEV_HEADER
    "1,A,2026-10-01,2026-10-05,2026-10-04,HMS,1,ja,K,0-17,Nord\n"
    "2,A,2026-10-02,2026-10-05,2026-10-09,HMS,1,,M,18-64,Nord\n"
    "3,B,2026-10-03,2026-10-10,,Miljø,2,,K,65+,Sør\n"
    "4,B,2026-10-04,2026-10-06,2026-10-06,miljø,2,,,,\n"
    "5,B,2026-09-30,2026-10-01,2026-10-02,HMS,3,,K,0-17,Sør\n"
    "6,A,2026-10-31,,,HMS,1,,M,18-64,Nord\n";

/* A document without a unit: it adds nothing to data.unit_set. */
static const char doc_rows[] = KH_DOC_HEADER "d1,Rutine,,Ola,2025-01-01,active\n";

static const char inq_rows[] = "id,unit,received,answered,channel,gender\n"
                               "q1,A,2026-10-01 08:30,2026-10-02 08:00,web,K\n"
                               "q2,B,2026-10-05 10:00,,phone,M\n"
                               "q3,A,2026-09-28 12:00,2026-09-29 12:00,web,\n";

static const char rev_rows[] = "unit,date,level,improvement_goals\n"
                               "B,2026-04-01,unit,\n"
                               "A,2026-03-01,unit,2\n";

static const char tr_rows[] = "person,unit,role,course,completed\n"
                              "p2,A,nurse,Fire,2026-10-03\n"
                              "p1,B,nurse,Fire,\n";

#define MORE_DATASETS                                                   \
    "dataset \"inquiries\" { file = \"inq.csv\" }\n"                    \
    "dataset \"reviews\" { file = \"rev.csv\" }\n"                      \
    "dataset \"training\" { file = \"tr.csv\" }\n"

static void write_data(const char *dir)
{
    kh_write(dir, "dev.csv", dev_rows);
    kh_write(dir, "doc.csv", doc_rows);
    kh_write(dir, "inq.csv", inq_rows);
    kh_write(dir, "rev.csv", rev_rows);
    kh_write(dir, "tr.csv", tr_rows);
}

static report *run(const char *dir, const char *kpis)
{
    static char script[16384];
    snprintf(script, sizeof script, "%s%s%s", KH_PRELUDE, MORE_DATASETS, kpis);
    return kh_run_ok(dir, script, "2026-10", NULL);
}

/* Run a rule file that must fail; returns what kvalrap wrote to fd 2. */
static const char *run_fail(const char *kpis, int want_status)
{
    char dir[256], script[8192];
    kh_new(dir);
    write_data(dir);
    snprintf(script, sizeof script, "%s%s%s", KH_PRELUDE, MORE_DATASETS, kpis);
    const char *text = kh_run_fail(dir, script, want_status);
    kh_cleanup(dir);
    return text;
}

#define EXPECT_ERROR(kpis, text)                                                   \
    do {                                                                           \
        const char *got_ = run_fail(kpis, 78);                                     \
        if (!strstr(got_, text))                                                   \
            fail_msg("stderr lacks \"%s\": %s", text, got_);                      \
    } while (0)

/* A custom count KPI whose compute body is `body` (a Lua expression). */
#define CUSTOM(id, expr) "kpi.custom { id = \"" id "\", compute = function(d, p) return " expr " end }\n"

/* ---------------------------------------------------------------- row sets */

/* A row set kept by a finalizer that runs when the state closes, after
 * the tables are freed: using it is an error the state swallows, not a
 * read of freed memory (the suite runs under AddressSanitizer too).  The
 * same row set used during the evaluation counts as usual. */
static void test_row_set_after_the_evaluation(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    write_data(dir);
    report *r = run(dir,
        "local keep = {}\n"
        "kpi.custom { id = \"kept\", compute = function(d, p)\n"
        "  keep.rows = d.deviations\n"
        "  keep.probe = setmetatable({}, {__gc = function() keep.n = keep.rows:is(\"unit\", \"A\"):count() end})\n"
        "  return keep.rows:is(\"unit\", \"A\")\n"
        "end }\n");
    assert_true(kh_kpi(r, "kept")->value.present);
    assert_true(kh_kpi(r, "kept")->value.v > 0);
    kh_free(r);
}

/* between with "yyyy-mm-dd" strings; union and except in every order. */
static void test_between_strings_union_except(void **state)
{
    char dir[256];
    kh_new(dir);
    write_data(dir);
    report *r = run(dir,
        CUSTOM("window", "d.deviations:between(\"reported\", \"2026-10-02\", \"2026-10-04\")")      /* 2, 3, 4 */
        CUSTOM("from_only", "d.deviations:between(\"reported\", \"2026-10-04\")")                   /* 4, 6 */
        "local function ab(d) return d.deviations:is(\"unit\", \"A\"), d.deviations:is(\"unit\", \"B\") end\n"
        CUSTOM("a_or_b", "(function() local a, b = ab(d) return b:union(a) end)()")                /* 6 */
        CUSTOM("a_minus_b", "(function() local a, b = ab(d) return a:except(b) end)()")            /* 1, 2, 6 */
        CUSTOM("b_minus_a", "(function() local a, b = ab(d) return b:except(a) end)()")            /* 3, 4, 5 */
        CUSTOM("a_or_a", "(function() local a = ab(d) return a:union(a) end)()")                  /* 3 */
        CUSTOM("all_minus_all", "d.deviations:except(d.deviations)")                              /* 0 */
        CUSTOM("all_minus_a", "d.deviations:except((ab(d)))")                                     /* 3, 4, 5 */
        CUSTOM("none", "d.deviations:is(\"unit\", {})"));                                          /* 0 */
    KH_VAL(kh_kpi(r, "window")->value, 3);
    KH_VAL(kh_kpi(r, "from_only")->value, 2);
    KH_VAL(kh_kpi(r, "a_or_b")->value, 6);
    KH_VAL(kh_kpi(r, "a_minus_b")->value, 3);
    KH_VAL(kh_kpi(r, "b_minus_a")->value, 3);
    KH_VAL(kh_kpi(r, "a_or_a")->value, 3);
    KH_VAL(kh_kpi(r, "all_minus_all")->value, 0);
    KH_VAL(kh_kpi(r, "all_minus_a")->value, 3);
    KH_VAL(kh_kpi(r, "none")->value, 0);
    *state = r;
    kh_cleanup(dir);
}

/* count_by a date, then by text: months first, units within each month
 * (this once put every row under no month at all). */
static void test_count_by_month_then_text(void **state)
{
    char dir[256];
    kh_new(dir);
    write_data(dir);
    report *r = run(dir,
        CUSTOM("oct_a", "d.deviations:count_by(\"reported\", \"unit\")[\"2026-10\"][\"A\"]")       /* 1, 2, 6 */
        CUSTOM("oct_b", "d.deviations:count_by(\"reported\", \"unit\")[\"2026-10\"][\"B\"]")       /* 3, 4 */
        CUSTOM("sep_b", "d.deviations:count_by(\"reported\", \"unit\")[\"2026-09\"][\"B\"]")       /* 5 */
        CUSTOM("sep_a", "d.deviations:count_by(\"reported\", \"unit\")[\"2026-09\"][\"A\"] or 0")
        CUSTOM("closed_months", "(function() local n = 0 for _ in pairs(d.deviations:count_by(\"closed\", \"unit\")) do n = n + 1 end return n end)()")
        CUSTOM("closed_oct_a", "d.deviations:count_by(\"closed\", \"unit\")[\"2026-10\"][\"A\"]")  /* 1, 2 */
        CUSTOM("b_miljo", "d.deviations:count_by(\"unit\", \"category\")[\"B\"][\"Miljø\"]")      /* 3, 4 */
        CUSTOM("miljo_b", "d.deviations:count_by(\"category\", \"unit\")[\"Miljø\"][\"B\"]")      /* 3, 4 */
        CUSTOM("inq_oct", "d.inquiries:count_by(\"received\")[\"2026-10\"]")                      /* q1, q2 */
        CUSTOM("inq_sep_a", "d.inquiries:count_by(\"received\", \"unit\")[\"2026-09\"][\"A\"]")   /* q3 */
        CUSTOM("genders", "(function() local n = 0 for k in pairs(d.deviations:distinct(\"gender\")) do n = n + 1 end return n end)()")
        CUSTOM("units", "#d.unit_set"));
    KH_VAL(kh_kpi(r, "oct_a")->value, 3);
    KH_VAL(kh_kpi(r, "oct_b")->value, 2);
    KH_VAL(kh_kpi(r, "sep_b")->value, 1);
    KH_VAL(kh_kpi(r, "sep_a")->value, 0);
    KH_VAL(kh_kpi(r, "closed_months")->value, 1);   /* closed: all in October; 3 and 6 are open */
    KH_VAL(kh_kpi(r, "closed_oct_a")->value, 2);
    KH_VAL(kh_kpi(r, "b_miljo")->value, 2);
    KH_VAL(kh_kpi(r, "miljo_b")->value, 2);
    KH_VAL(kh_kpi(r, "inq_oct")->value, 2);
    KH_VAL(kh_kpi(r, "inq_sep_a")->value, 1);
    KH_VAL(kh_kpi(r, "genders")->value, 2);         /* K and M: the empty one is left out */
    KH_VAL(kh_kpi(r, "units")->value, 2);           /* A and B; the document has no unit */
    *state = r;
    kh_cleanup(dir);
}

/* compare on date-times with a day offset; booleans with is and is_not. */
static void test_datetime_and_boolean(void **state)
{
    char dir[256];
    kh_new(dir);
    write_data(dir);
    report *r = run(dir,
        /* q1: 10-02 <= 10-01 + 1; q3: 09-29 <= 09-28 + 1; q2 has no answer */
        CUSTOM("fast", "d.inquiries:present(\"answered\"):compare(\"answered\", \"<=\", \"received\", 1)")
        CUSTOM("same_day", "d.inquiries:present(\"answered\"):compare(\"answered\", \"<=\", \"received\")")
        CUSTOM("rc", "d.deviations:is(\"root_cause\", true)")           /* 1 */
        CUSTOM("no_rc", "d.deviations:is_not(\"root_cause\", true)")    /* the other 5 */
        CUSTOM("goals", "d.reviews:between(\"improvement_goals\", 1, nil)"));  /* A: 2 */
    KH_VAL(kh_kpi(r, "fast")->value, 2);
    KH_VAL(kh_kpi(r, "same_day")->value, 0);
    KH_VAL(kh_kpi(r, "rc")->value, 1);
    KH_VAL(kh_kpi(r, "no_rc")->value, 5);
    KH_VAL(kh_kpi(r, "goals")->value, 1);
    *state = r;
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- lists */

static const cell *item(const kpi_result *k, size_t row, const char *col)
{
    assert_non_null(k->items);
    assert_true(row < k->items->nrows);
    const cell *c = kh_item(k, row, col);
    if (!c)
        fail_msg("no column %s in the list of %s", col, k->id);
    return c;
}

static void assert_text(const cell *c, const char *want)
{
    assert_int_equal(c->kind, CELL_TEXT);
    assert_string_equal(c->u.text, want);
}

static void assert_int_cell(const cell *c, int64_t want)
{
    assert_int_equal(c->kind, CELL_INT);
    assert_int_equal(c->u.i, want);
}

/* Lists of integers, booleans, date-times; sorted by a date (absent first),
 * by a text column (then by id), without an id column. */
static void test_lists_of_every_type(void **state)
{
    char dir[256];
    kh_new(dir);
    write_data(dir);
    report *r = run(dir,
        "kpi.custom { id = \"rev\", compute = function(d, p)\n"
        "  return d.reviews, nil, { name = \"reviews\", rows = d.reviews,\n"
        "    columns = { \"unit\", \"date\", \"improvement_goals\" }, sort = \"date\" } end }\n"
        "kpi.custom { id = \"dev\", compute = function(d, p)\n"
        "  return d.deviations, nil, { name = \"devs\", rows = d.deviations:is(\"unit\", \"A\"),\n"
        "    columns = { \"id\", \"root_cause\", \"days_overdue\", \"nosuch\", 5 }, sort = \"unit\" } end }\n"
        "kpi.custom { id = \"inq\", compute = function(d, p)\n"
        "  return d.inquiries, nil, { name = \"inq\", rows = d.inquiries,\n"
        "    columns = { \"id\", \"received\", \"answered\" } } end }\n"
        "kpi.custom { id = \"tr\", compute = function(d, p)\n"
        "  return d.training, nil, { name = \"tr\", rows = d.training,\n"
        "    columns = { \"person\", \"completed\" }, sort = \"completed\" } end }\n"
        "kpi.custom { id = \"norows\", compute = function(d, p)\n"
        "  return 1, nil, { name = \"x\", rows = 5, columns = { \"id\" } } end }\n"
        "kpi.custom { id = \"noitems\", compute = function(d, p) return 1, nil, 7 end }\n");
    /* reviews by date: A (2026-03-01, 2 goals), then B (no goals). */
    const kpi_result *k = kh_kpi(r, "rev");
    assert_int_equal(k->items->nrows, 2);
    assert_text(item(k, 0, "unit"), "A");
    assert_int_equal(item(k, 0, "date")->kind, CELL_DATE);
    assert_int_equal(item(k, 0, "date")->u.day, kh_day("2026-03-01"));
    assert_int_cell(item(k, 0, "improvement_goals"), 2);
    assert_text(item(k, 1, "unit"), "B");
    assert_int_equal(item(k, 1, "improvement_goals")->kind, CELL_EMPTY);
    /* deviations of A sorted "by" a text column: by id; a boolean is 0 or 1;
     * days_overdue without a due field, an unknown column and a number as
     * column name stay empty. */
    k = kh_kpi(r, "dev");
    assert_int_equal(k->items->nrows, 3);
    assert_int_equal(k->items->ncols, 5);
    assert_string_equal(k->items->columns[4], "5");
    assert_text(item(k, 0, "id"), "1");
    assert_text(item(k, 1, "id"), "2");
    assert_text(item(k, 2, "id"), "6");
    assert_int_cell(item(k, 0, "root_cause"), 1);
    assert_int_cell(item(k, 1, "root_cause"), 0);
    assert_int_equal(item(k, 0, "days_overdue")->kind, CELL_EMPTY);
    assert_int_equal(item(k, 0, "nosuch")->kind, CELL_EMPTY);
    assert_int_equal(item(k, 0, "5")->kind, CELL_EMPTY);
    /* date-times list as their day; no sort: by id. */
    k = kh_kpi(r, "inq");
    assert_int_equal(k->items->nrows, 3);
    assert_text(item(k, 0, "id"), "q1");
    assert_text(item(k, 2, "id"), "q3");
    assert_int_equal(item(k, 0, "received")->kind, CELL_DATE);
    assert_int_equal(item(k, 0, "received")->u.day, kh_day("2026-10-01"));
    assert_int_equal(item(k, 1, "answered")->kind, CELL_EMPTY);
    /* training has no id: sorted by completion, never first. */
    k = kh_kpi(r, "tr");
    assert_int_equal(k->items->nrows, 2);
    assert_text(item(k, 0, "person"), "p1");
    assert_int_equal(item(k, 0, "completed")->kind, CELL_EMPTY);
    assert_text(item(k, 1, "person"), "p2");
    assert_int_equal(item(k, 1, "completed")->u.day, kh_day("2026-10-03"));
    /* items that are not a list of rows: no list. */
    assert_null(kh_kpi(r, "norows")->items);
    assert_null(kh_kpi(r, "noitems")->items);
    *state = r;
    kh_cleanup(dir);
}

/* Values that are not finite are absent; a custom breakdown's key that is
 * not a string is the empty key; parameters with quotes, backslashes and
 * control characters are escaped in params_json. */
static void test_results_odd_values(void **state)
{
    char dir[256];
    kh_new(dir);
    write_data(dir);
    report *r = run(dir,
        CUSTOM("nan", "0/0")
        CUSTOM("inf", "math.huge")
        "kpi.custom { id = \"numkey\", kind = \"share\", compute = function(d, p)\n"
        "  return 1, 2, nil, { unit = { [7] = { 1, 4 }, A = { 3, 4 } } } end }\n"
        "kpi.root_cause_serious_injury { categories = { \"a\\\"b\\\\c\\n\" }, severities = \"x\" }\n");
    KH_NULL(kh_kpi(r, "nan")->value);
    KH_NULL(kh_kpi(r, "inf")->value);
    const kpi_result *k = kh_kpi(r, "numkey");
    KH_VAL(k->value, 0.5);
    const breakdown_entry *e = kh_entry(k, "unit", "");
    assert_non_null(e);
    KH_VAL(e->numerator, 1);
    KH_VAL(e->denominator, 4);
    KH_VAL(e->value, 0.25);
    KH_VAL(kh_entry(k, "unit", "A")->value, 0.75);
    /* The empty key sorts last. */
    assert_string_equal(kh_breakdown(k, "unit")->entries[1].key, "");
    k = kh_kpi(r, "root_cause_serious_injury");
    assert_non_null(k->params_json);
    assert_string_equal(k->params_json, "{\"categories\":[\"a\\\"b\\\\c\\u000a\"],\"severities\":[\"x\"]}");
    *state = r;
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- dates and periods */

static void test_dates_and_periods(void **state)
{
    char dir[256];
    kh_new(dir);
    write_data(dir);
    report *r = run(dir,
        CUSTOM("unparsed", "date.parse(\"31.10.2026\") == nil and 1 or 0")
        CUSTOM("parsed", "date.parse(\"31.10.2026\", \"dd.mm.yyyy\") - date.make(2026, 10, 31)")
        CUSTOM("leap", "date.format(date.years_before(date.make(2024, 2, 29), 1)) == \"2023-02-28\" and 1 or 0")
        CUSTOM("ymd", "(function() local y, m, dd = date.ymd(date.make(2024, 2, 29)) return y * 10000 + m * 100 + dd end)()")
        CUSTOM("first_day", "date.format(date.make(1, 1, 1)) == \"0001-01-01\" and 1 or 0")
        CUSTOM("last_day", "date.format(date.add_months(date.make(9999, 11, 30), 1)) == \"9999-12-30\" and 1 or 0")
        /* a period whose as_of was removed ends its series on the last day */
        CUSTOM("series_end", "(function() local q = period(\"2026-10\") q.as_of = nil "
                             "return q:series()[12].as_of - date.make(2026, 10, 31) end)()")
        CUSTOM("h8_prev", "(function() local q = period(\"2026-H8\") return q:previous().year end)()")
        CUSTOM("q_months", "#period(\"2026-Q2\"):months()")
        CUSTOM("t_last_year", "period(\"2026-T3\"):last_year().index * 10000 + period(\"2026-T3\"):last_year().year"));
    KH_VAL(kh_kpi(r, "unparsed")->value, 1);
    KH_VAL(kh_kpi(r, "parsed")->value, 0);
    KH_VAL(kh_kpi(r, "leap")->value, 1);
    KH_VAL(kh_kpi(r, "ymd")->value, 20240229);
    KH_VAL(kh_kpi(r, "first_day")->value, 1);
    KH_VAL(kh_kpi(r, "last_day")->value, 1);
    KH_VAL(kh_kpi(r, "series_end")->value, 0);
    KH_VAL(kh_kpi(r, "h8_prev")->value, 2025);
    KH_VAL(kh_kpi(r, "q_months")->value, 3);
    KH_VAL(kh_kpi(r, "t_last_year")->value, 32025);
    *state = r;
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- an analyst's mistakes */

static void test_row_set_errors(void **state)
{
    (void)state;
    /* Far from every field, and longer than edit_distance measures: no suggestion. */
    const char *t = run_fail(CUSTOM("x", "d.deviations:is(\"zzzzzz\", \"A\")"), 78);
    if (!strstr(t, "deviations has no field 'zzzzzz'\n"))
        fail_msg("%s", t);
    t = run_fail(CUSTOM("x", "d.deviations:is(string.rep(\"x\", 70), \"A\")"), 78);
    if (!strstr(t, "deviations has no field 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n"))
        fail_msg("%s", t);
    EXPECT_ERROR(CUSTOM("x", "d.deviations:between(\"reported\", \"2026-13-01\")"),
                 "rules.lua:8: bad date \"2026-13-01\" (expected yyyy-mm-dd)");
    EXPECT_ERROR(CUSTOM("x", "d.deviations:is(\"reported\", \"2026-10-01\")"),
                 "rules.lua:8: is: field 'reported' is a date; use between");
    EXPECT_ERROR(CUSTOM("x", "d.deviations:compare(\"unit\", \"<\", \"reported\")"),
                 "rules.lua:8: compare: field 'unit' is text, not a date");
    EXPECT_ERROR(CUSTOM("x", "d.deviations:compare(\"reported\", \"<\", \"root_cause\")"),
                 "rules.lua:8: compare: field 'root_cause' is boolean, not a date");
    EXPECT_ERROR(CUSTOM("x", "d.deviations:union(d.proposals)"),
                 "rules.lua:8: union: the two row sets come from different datasets");
    EXPECT_ERROR(CUSTOM("x", "d.documents:except(d.deviations)"),
                 "rules.lua:8: except: the two row sets come from different datasets");
    EXPECT_ERROR(CUSTOM("x", "d.deviations:count_by(\"root_cause\")"),
                 "rules.lua:8: count_by: field 'root_cause' is a boolean; group by text or dates");
    EXPECT_ERROR(CUSTOM("x", "d.reviews:count_by(\"unit\", \"improvement_goals\")"),
                 "rules.lua:8: count_by: field 'improvement_goals' is a integer; group by text or dates");
    EXPECT_ERROR(CUSTOM("x", "d.deviations:distinct(\"reported\")"),
                 "rules.lua:8: distinct: field 'reported' is not text");
    /* A list column that is not a name (this once crashed kvalrap). */
    EXPECT_ERROR("kpi.custom { id = \"x\", compute = function(d, p)\n"
                 "  return d.deviations, nil, { name = \"l\", rows = d.deviations, columns = { \"id\", {} } } end }\n",
                 "rules.lua: list \"l\": column 2 is a table, not a field name");
    EXPECT_ERROR("kpi.custom { id = \"x\", compute = function(d, p)\n"
                 "  return d.deviations, nil, { rows = d.deviations, columns = { true } } end }\n",
                 "rules.lua: list \"\": column 1 is a boolean, not a field name");
}

static void test_date_errors(void **state)
{
    (void)state;
    EXPECT_ERROR(CUSTOM("x", "date.format(-800000)"),
                 "rules.lua:8: bad argument #1 to 'format' (not a day number of the years 1 to 9999)");
    EXPECT_ERROR(CUSTOM("x", "date.ymd(3000000)"),
                 "rules.lua:8: bad argument #1 to 'ymd' (not a day number of the years 1 to 9999)");
    EXPECT_ERROR(CUSTOM("x", "date.parse(\"2026-10-01\", \"qq\")"), "rules.lua:8: bad date pattern \"qq\"");
    EXPECT_ERROR(CUSTOM("x", "date.make(2026, 2, 29)"), "rules.lua:8: no such date: 2026-2-29");
    static const char *const shifts[] = {
        CUSTOM("x", "date.add_months(date.make(9999, 12, 1), 1)"),
        CUSTOM("x", "date.add_months(date.make(2026, 1, 1), 200000)"),
        CUSTOM("x", "date.add_months(date.make(2026, 1, 1), -200000)"),
        CUSTOM("x", "date.add_months(date.make(1, 1, 1), -1)"),
        CUSTOM("x", "date.years_before(date.make(2026, 1, 1), 2026)"),
    };
    for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++)
        EXPECT_ERROR(shifts[i], "rules.lua:8: the date would fall outside the years 1 to 9999");
    EXPECT_ERROR(CUSTOM("x", "period(\"2026-13\")"),
                 "rules.lua:8: bad period \"2026-13\" (2026-10, 2026-Q3, 2026-T1, 2026-H8 or 2026)");
    /* Period tables a script changed: refused by the period methods. */
    EXPECT_ERROR(CUSTOM("x", "(function() local q = period(\"2026-10\") q.year = 1 return #q:months() end)()"),
                 "rules.lua:8: not a period: month 1 index 10");
    EXPECT_ERROR(CUSTOM("x", "(function() local q = period(\"2026-10\") q.year = 9999 return #q:months() end)()"),
                 "rules.lua:8: not a period: month 9999 index 10");
    EXPECT_ERROR(CUSTOM("x", "(function() local q = period(\"2026-10\") q.index = 13 return #q:months() end)()"),
                 "rules.lua:8: not a period: month 2026 index 13");
    EXPECT_ERROR(CUSTOM("x", "(function() local q = period(\"2026-Q1\") q.index = 0 return #q:months() end)()"),
                 "rules.lua:8: not a period: quarter 2026 index 0");
    EXPECT_ERROR(CUSTOM("x", "(function() local q = period(\"2026-H8\") q.index = 1 return #q:months() end)()"),
                 "rules.lua:8: not a period: H8 2026 index 1");
    EXPECT_ERROR(CUSTOM("x", "(function() local q = period(\"2026\") q.kind = \"week\" return #q:months() end)()"),
                 "(invalid option 'week')");
    EXPECT_ERROR(CUSTOM("x", "(function() local q = period(\"2026\") q.as_of = 10^9 // 1 return #q:series() end)()"),
                 "not a day number of the years 1 to 9999");
}

/* Errors raised by the standard library with no frame of the rule file on
 * the stack: the message names the rule file instead of a line. */
static void test_errors_without_a_line(void **state)
{
    (void)state;
    const char *t = run_fail("kpi.custom { id = \"x\", compute = municipality }\n", 78);
    if (!strstr(t, "rules.lua: municipality: declared twice") || strstr(t, "rules.lua:8"))
        fail_msg("%s", t);
    /* Through pcall (a C frame between): the rule file's line still. */
    EXPECT_ERROR("local ok, e = pcall(kpi.custom, 5)\nerror(e, 0)\n",
                 "rules.lua:8: kpi.custom: expects a table { id = ..., compute = function ... }");
    /* An error object that is not a string is never converted with __tostring. */
    EXPECT_ERROR("error(setmetatable({}, { __tostring = function() return \"sneaky\" end }))\n",
                 "rules.lua: (error object is a table value)");
    EXPECT_ERROR("error(42)\n", "(error object is a number value)");
}

/* ---------------------------------------------------------------- rules_open directly */

/* err must be "<dir>/rules.lua<rest>". */
static void assert_err(const char *dir, const char *err, const char *rest)
{
    char want[1024];
    snprintf(want, sizeof want, "%s/rules.lua%s", dir, rest);
    assert_string_equal(err, want);
}

static void open_fail(const char *script, const rules_limits *lim, const char *rest)
{
    char dir[256], err[1024] = "";
    rules *r = kh_open_rules(dir, script, lim, NULL, err, sizeof err);
    if (r) {
        rules_close(r);
        fail_msg("rules_open accepted: %s", script);
    }
    assert_err(dir, err, rest);
    kh_cleanup(dir);
}

/* print is kept (at most 100 lines, 1000 bytes a value) for --verbose. */
static void test_print(void **state)
{
    (void)state;
    char dir[256], err[1024] = "";
    rules *r = kh_open_rules(dir,
                             KH_PRELUDE "print(string.rep(\"x\", 2000))\n"
                                        "print(\"a\", 1, 2.5, true, nil, {})\n"
                                        "print()\n"
                                        "for i = 1, 150 do print(i) end\n",
                             NULL, NULL, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    static kh_printed out;
    memset(&out, 0, sizeof out);
    rules_each_print(r, kh_collect, &out);
    char (*lines)[sizeof out.lines[0]] = out.lines;
    assert_int_equal(out.n, 100);   /* 100 lines kept, the rest dropped */
    assert_int_equal(strlen(lines[0]), 1000);
    assert_int_equal(strspn(lines[0], "x"), 1000);
    assert_string_equal(lines[1], "a\t1\t2.5\tboolean\tnil\ttable");
    assert_string_equal(lines[2], "");
    assert_string_equal(lines[3], "1");
    assert_string_equal(lines[99], "97");
    rules_close(r);
    kh_cleanup(dir);
}

/* The budgets: instructions, memory (also when a script swallows the
 * error with pcall), and a state too small to be made. */
static void test_budgets(void **state)
{
    (void)state;
    rules_limits insn = {.max_instructions = 5000000, .max_memory = (size_t)1 << 28, .max_seconds = 600};
    open_fail(KH_PRELUDE "local n = 0\nwhile true do n = n + 1 end\n", &insn,
              ":6: instruction limit exceeded (the rules were stopped)");
    rules_limits mem = {.max_instructions = 1000000000LL, .max_memory = (size_t)16 << 20, .max_seconds = 600};
    /* Not caught: Lua's memory error; no position, no traceback. */
    char dir[256], err[1024] = "";
    rules *r = kh_open_rules(dir, KH_PRELUDE "local t = {}\nfor i = 1, 1e8 do t[i] = i end\n", &mem, NULL, err,
                             sizeof err);
    assert_null(r);
    assert_string_equal(err, "memory limit exceeded (the rules were stopped)");
    kh_cleanup(dir);
    /* Caught, then another error: still the memory limit. */
    r = kh_open_rules(dir,
                      KH_PRELUDE "pcall(function() local t = {} for i = 1, 1e8 do t[i] = i end end)\n"
                                 "error(\"boom\")\n",
                      &mem, NULL, err, sizeof err);
    assert_null(r);
    assert_string_equal(err, "memory limit exceeded (the rules were stopped)");
    kh_cleanup(dir);
    /* Caught, then running on: the hook stops it, naming the line. */
    r = kh_open_rules(dir,
                      KH_PRELUDE "pcall(function() local t = {} for i = 1, 1e8 do t[i] = i end end)\n"
                                 "local n = 0\nwhile true do n = n + 1 end\n",
                      &mem, NULL, err, sizeof err);
    assert_null(r);
    assert_err(dir, err, ":7: memory limit exceeded (the rules were stopped)");
    kh_cleanup(dir);
    /* Too little memory for a Lua state at all. */
    rules_limits tiny = {.max_instructions = 1000, .max_memory = 64, .max_seconds = 1};
    open_fail(KH_PRELUDE, &tiny, ": cannot create a Lua state within the rule files' memory limit of 64 bytes");
}

/* What rules_open refuses in the declarations. */
static void test_declaration_errors(void **state)
{
    (void)state;
    open_fail(KH_DEV, NULL, ": no municipality { id = ..., name = ... } is declared");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"\" }\n", NULL,
              ": dataset \"deviations\": file \"\" is empty");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"/etc/passwd\" }\n", NULL,
              ": dataset \"deviations\": file \"/etc/passwd\" is an absolute path; give it relative to data_dir");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"../dev.csv\" }\n", NULL,
              ": dataset \"deviations\": file \"../dev.csv\" climbs out of data_dir with \"..\"");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"a/../../dev.csv\" }\n", NULL,
              ": dataset \"deviations\": file \"a/../../dev.csv\" climbs out of data_dir with \"..\"");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"a/..\" }\n", NULL,
              ": dataset \"deviations\": file \"a/..\" climbs out of data_dir with \"..\"");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"d.csv\", encoding = \"ebcdic\" }\n", NULL,
              ":2: dataset \"deviations\": unsupported encoding \"ebcdic\" "
              "(use utf-8, utf-16, windows-1252, iso-8859-1 or auto)");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"d.csv\", delimiter = \"!\" }\n", NULL,
              ":2: dataset \"deviations\": unsupported delimiter \"!\" (use \",\", \";\", \"\\t\" or \"auto\")");
    open_fail(KH_MUNI "dataset \"deviations\" { file = \"d.csv\", date_format = \"yyyy\" }\n", NULL,
              ":2: dataset \"deviations\": bad date_format \"yyyy\" "
              "(e.g. \"dd.mm.yyyy\", \"yyyy-mm-dd\", \"d.m.yyyy\", \"excel\")");
    open_fail(KH_MUNI "reference { file = \"r.csv\", delimiter = \"::\" }\n", NULL,
              ":2: reference: unsupported delimiter \"::\" (use \",\", \";\", \"\\t\" or \"auto\")");
    /* No position for an error object that is not a string (the batch adds
     * the rule file's name). */
    char dir[256], err[1024] = "";
    rules *r = kh_open_rules(dir, KH_MUNI "error({})\n", NULL, NULL, err, sizeof err);
    assert_null(r);
    assert_string_equal(err, "(error object is a table value)");
    kh_cleanup(dir);
}

/* File names below data_dir, a data_dir given by the installation, and a
 * rule file named relative to the working folder. */
static void test_paths(void **state)
{
    (void)state;
    char dir[256], err[1024] = "", want[512];
    rules *r = kh_open_rules(dir,
                             KH_MUNI "dataset \"deviations\" { file = \"sub/./dev.csv\", values = { unit = {} } }\n"
                                     "dataset \"proposals\" { file = \"..prop.csv\" }\n"
                                     "dataset \"documents\" { file = \".d/doc.csv\" }\n",
                             NULL, NULL, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    const rules_config *c = rules_get_config(r);
    assert_int_equal(c->ndatasets, 3);
    assert_string_equal(c->data_dir, dir);
    snprintf(want, sizeof want, "%s/sub/dev.csv", dir);
    assert_string_equal(c->datasets[0].ingest.path, want);
    assert_int_equal(c->datasets[0].ingest.nmaps[1], 0);       /* unit: an empty mapping */
    snprintf(want, sizeof want, "%s/..prop.csv", dir);
    assert_string_equal(c->datasets[1].ingest.path, want);
    snprintf(want, sizeof want, "%s/.d/doc.csv", dir);
    assert_string_equal(c->datasets[2].ingest.path, want);
    rules_close(r);
    kh_cleanup(dir);

    r = kh_open_rules(dir, KH_PRELUDE, NULL, "/srv/kvalrap/data", err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    c = rules_get_config(r);
    assert_string_equal(c->data_dir, "/srv/kvalrap/data");
    assert_string_equal(c->datasets[0].ingest.path, "/srv/kvalrap/data/dev.csv");
    rules_close(r);

    /* "rules.lua" in the working folder: data_dir ".", paths as given. */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    r = rules_open("rules.lua", NULL, NULL, err, sizeof err);
    assert_int_equal(chdir(cwd), 0);
    if (!r)
        fail_msg("%s", err);
    c = rules_get_config(r);
    assert_string_equal(c->data_dir, ".");
    assert_string_equal(c->datasets[0].ingest.path, "dev.csv");
    rules_close(r);
    kh_cleanup(dir);
}

/* Reference files: Kolada JSON (by name or format) with a scale, and CSV. */
static void test_references(void **state)
{
    (void)state;
    char dir[256], err[1024] = "", want[512];
    rules *r = kh_open_rules(dir,
                             KH_PRELUDE
                             "reference { file = \"kolada.json\", kpis = { U1 = \"deviations_reported\" },\n"
                             "  sources = { [\"0001\"] = \"Riket\", [\"1880\"] = \"Örebro\" }, scale = 0.01 }\n"
                             "reference { file = \"kkik.csv\", delimiter = \";\" }\n",
                             NULL, NULL, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    const rules_config *c = rules_get_config(r);
    assert_int_equal(c->nreferences, 2);
    assert_int_equal(c->references[0].format, REF_KOLADA);
    assert_true(c->references[0].scale == 0.01);
    assert_int_equal(c->references[0].nkpis, 1);
    assert_string_equal(c->references[0].kpis[0].from, "U1");
    assert_string_equal(c->references[0].kpis[0].to, "deviations_reported");
    assert_int_equal(c->references[0].nsources, 2);
    assert_string_equal(c->references[0].gender, "T");
    snprintf(want, sizeof want, "%s/kolada.json", dir);
    assert_string_equal(c->references[0].ingest.path, want);
    assert_int_equal(c->references[1].format, REF_CSV);
    assert_true(c->references[1].scale == 1.0);
    assert_int_equal(c->references[1].ingest.delimiter, ';');
    assert_int_equal(c->references[1].nkpis, 0);
    rules_close(r);
    kh_cleanup(dir);
}

static void test_municipality_id_valid(void **state)
{
    (void)state;
    char long_id[70];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    assert_false(municipality_id_valid(NULL));
    assert_false(municipality_id_valid(""));
    assert_false(municipality_id_valid(long_id));
    long_id[64] = '\0';
    assert_true(municipality_id_valid(long_id));
    assert_false(municipality_id_valid("Troms"));
    assert_false(municipality_id_valid("-troms"));
    assert_false(municipality_id_valid("_troms"));
    assert_false(municipality_id_valid("~troms"));
    assert_false(municipality_id_valid("tr oms"));
    assert_false(municipality_id_valid("tr.oms"));
    assert_false(municipality_id_valid("trOms"));
    assert_false(municipality_id_valid("troms/x"));
    assert_true(municipality_id_valid("0-troms_9"));
    assert_true(municipality_id_valid("z"));
    assert_true(municipality_id_valid("9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_between_strings_union_except, kh_teardown),
        cmocka_unit_test_teardown(test_count_by_month_then_text, kh_teardown),
        cmocka_unit_test_teardown(test_datetime_and_boolean, kh_teardown),
        cmocka_unit_test_teardown(test_lists_of_every_type, kh_teardown),
        cmocka_unit_test_teardown(test_results_odd_values, kh_teardown),
        cmocka_unit_test_teardown(test_dates_and_periods, kh_teardown),
        cmocka_unit_test_teardown(test_row_set_errors, kh_teardown),
        cmocka_unit_test_teardown(test_date_errors, kh_teardown),
        cmocka_unit_test_teardown(test_errors_without_a_line, kh_teardown),
        cmocka_unit_test_teardown(test_print, kh_teardown),
        cmocka_unit_test_teardown(test_budgets, kh_teardown),
        cmocka_unit_test_teardown(test_declaration_errors, kh_teardown),
        cmocka_unit_test_teardown(test_row_set_after_the_evaluation, kh_teardown),
        cmocka_unit_test_teardown(test_paths, kh_teardown),
        cmocka_unit_test_teardown(test_references, kh_teardown),
        cmocka_unit_test(test_municipality_id_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
