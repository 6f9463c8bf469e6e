/*
 * test_rules.c - the row-set primitives and the rule-file API through
 * small Lua cases whose numbers are worked out by hand: union and except,
 * compare with an offset, count_by over two fields, distinct, statuses of
 * each direction, and the errors an analyst sees (with file:line).
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kpi_harness.c"

/* Six deviations: units A and B, dates in October 2026. */
static const char dev_rows[] = KH_DEV_HEADER
    "1,A,2026-10-01,2026-10-05,2026-10-04,HMS,1,,K,0-17,Nord\n"
    "2,A,2026-10-02,2026-10-05,2026-10-09,HMS,1,,M,18-64,Nord\n"
    "3,B,2026-10-03,2026-10-10,,Miljø,2,,K,65+,Sør\n"
    "4,B,2026-10-04,2026-10-06,2026-10-06,miljø,2,,,,\n"
    "5,B,2026-09-30,2026-10-01,2026-10-02,HMS,3,,K,0-17,Sør\n"
    "6,A,2026-10-31,,,HMS,1,,M,18-64,Nord\n";

static report *run(const char *dir, const char *kpis)
{
    char script[4096];
    snprintf(script, sizeof script, "%s%s", KH_PRELUDE, kpis);
    return kh_run_ok(dir, script, "2026-10", NULL);
}

/* union and except keep row order and drop duplicates. */
static void test_union_except(void **state)
{
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", dev_rows);
    report *r = run(dir,
        "kpi.custom { id = \"u\", compute = function(d, p)\n"
        "  local a = d.deviations:is(\"unit\", \"A\")\n"             /* 1, 2, 6 */
        "  local hms = d.deviations:is(\"category\", \"hms\")\n"      /* 1, 2, 5, 6 */
        "  return a:union(hms) end }\n"                               /* 1, 2, 5, 6 -> 4 */
        "kpi.custom { id = \"e\", compute = function(d, p)\n"
        "  return d.deviations:except(d.deviations:is(\"unit\", \"A\")) end }\n");   /* 3, 4, 5 */
    KH_VAL(kh_kpi(r, "u")->value, 4);
    KH_VAL(kh_kpi(r, "e")->value, 3);
    *state = r;
    kh_cleanup(dir);
}

/* compare with a day offset: closed within 2 days of reported. */
static void test_compare_offset(void **state)
{
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", dev_rows);
    report *r = run(dir,
        "kpi.custom { id = \"fast\", kind = \"share\", compute = function(d, p)\n"
        "  local closed = d.deviations:present(\"closed\")\n"        /* 1, 2, 4, 5 */
        "  return closed:compare(\"closed\", \"<=\", \"reported\", 2), closed end }\n");
    /* 1: 10-04 <= 10-03? no.  2: 10-09 <= 10-04? no.  4: 10-06 <= 10-06 yes.  5: 10-02 <= 10-02 yes. */
    const kpi_result *k = kh_kpi(r, "fast");
    KH_VAL(k->numerator, 2);
    KH_VAL(k->denominator, 4);
    KH_VAL(k->value, 0.5);
    *state = r;
    kh_cleanup(dir);
}

/* count_by over a folded field merges spellings; over two fields nests. */
static void test_count_by(void **state)
{
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", dev_rows);
    report *r = run(dir,
        "kpi.custom { id = \"miljo\", compute = function(d, p)\n"
        "  return d.deviations:count_by(\"category\")[\"Miljø\"] end }\n"   /* 3 and 4: Miljø, miljø */
        "kpi.custom { id = \"b_oct\", compute = function(d, p)\n"
        "  return d.deviations:count_by(\"unit\", \"reported\")[\"B\"][\"2026-10\"] end }\n"   /* 3, 4 */
        "kpi.custom { id = \"units\", compute = function(d, p)\n"
        "  local n = 0 for _ in pairs(d.deviations:distinct(\"unit\")) do n = n + 1 end return n end }\n");
    KH_VAL(kh_kpi(r, "miljo")->value, 2);
    KH_VAL(kh_kpi(r, "b_oct")->value, 2);
    KH_VAL(kh_kpi(r, "units")->value, 2);
    *state = r;
    kh_cleanup(dir);
}

/* Statuses of each direction, with and without a warning threshold. */
static void test_directions(void **state)
{
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", dev_rows);
    report *r = run(dir,
        /* deviations reported in October: 1, 2, 3, 4, 6 = 5 */
        "kpi.deviations_reported { id = \"most_red\", target = 4, direction = \"at_most\" }\n"
        "kpi.deviations_reported { id = \"most_yellow\", target = 4, direction = \"at_most\", warning = 5 }\n"
        "kpi.deviations_reported { id = \"most_green\", target = 5, direction = \"at_most\" }\n"
        "kpi.deviations_reported { id = \"above_red\", target = 5, direction = \"above\" }\n"
        "kpi.deviations_reported { id = \"above_green\", target = 4, direction = \"above\" }\n"
        "kpi.deviations_reported { id = \"none\", target = false }\n");
    assert_int_equal(kh_kpi(r, "most_red")->status, STATUS_RED);
    assert_int_equal(kh_kpi(r, "most_yellow")->status, STATUS_YELLOW);
    assert_int_equal(kh_kpi(r, "most_green")->status, STATUS_GREEN);
    assert_int_equal(kh_kpi(r, "above_red")->status, STATUS_RED);     /* 5 > 5 is false */
    assert_int_equal(kh_kpi(r, "above_green")->status, STATUS_GREEN);
    assert_int_equal(kh_kpi(r, "none")->status, STATUS_NONE);
    KH_NULL(kh_kpi(r, "none")->target);
    *state = r;
    kh_cleanup(dir);
}

/* An analyst's mistakes: the message names the rule file's line and suggests. */
static void expect_error(const char *kpis, int want_status, const char *want_text)
{
    char dir[256], script[4096];
    kh_new(dir);
    kh_write(dir, "dev.csv", dev_rows);
    snprintf(script, sizeof script, "%s%s", KH_PRELUDE, kpis);
    const char *text = kh_run_fail(dir, script, want_status);
    if (!strstr(text, want_text))
        fail_msg("stderr lacks \"%s\": %s", want_text, text);
    kh_cleanup(dir);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("kpi.custom { id = \"x\", compute = function(d, p) return d.deviations:is(\"unti\", \"A\") end }\n",
                 78, "rules.lua:5: deviations has no field 'unti' (did you mean 'unit'?)");
    expect_error("kpi.custom { id = \"x\", compute = function(d, p) return d.deviatons end }\n",
                 78, "data.deviatons: no such dataset (did you mean 'deviations'?)");
    expect_error("kpi.custom { id = \"x\", compute = function(d, p) return \"many\" end }\n",
                 78, "compute returned a string as its first value");
    expect_error("kpi.custom { id = \"x\", compute = function(d, p) return d.deviations:between(\"category\", 1, 2) end }\n",
                 78, "between: field 'category' is text, not a date or a number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_union_except, kh_teardown),
        cmocka_unit_test_teardown(test_compare_offset, kh_teardown),
        cmocka_unit_test_teardown(test_count_by, kh_teardown),
        cmocka_unit_test_teardown(test_directions, kh_teardown),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
