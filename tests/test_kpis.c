/*
 * test_kpis.c - every KPI of spec §3, computed end to end (rule file ->
 * ingest -> Lua rules -> report) on small hand-made data at the edges:
 * due dates, period edges, 29 February, as_of before the period's end,
 * empty denominators, statuses.  Each expected number is worked out by hand
 * from the spec in the comment beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "kpi_harness.c"

/* ---------------------------------------------------------------- helpers */

static const kpi_result *need(const report *r, const char *id)
{
    const kpi_result *k = kh_kpi(r, id);
    if (!k)
        fail_msg("no KPI \"%s\" in the report", id);
    return k;
}

static const breakdown_entry *entry(const kpi_result *k, const char *dim, const char *key)
{
    const breakdown_entry *e = kh_entry(k, dim, key);
    if (!e)
        fail_msg("KPI %s: no breakdown entry %s=\"%s\"", k->id, dim, key);
    return e;
}

static maybe series_value(const kpi_result *k, const char *month)
{
    const series_point *p = kh_series(k, month);
    if (!p)
        fail_msg("KPI %s: no series point %s", k->id, month);
    return p->value;
}

static void item_text(const kpi_result *k, size_t row, const char *col, const char *want)
{
    const cell *c = kh_item(k, row, col);
    assert_non_null(c);
    if (!want) {
        assert_int_equal(c->kind, CELL_EMPTY);
        return;
    }
    assert_int_equal(c->kind, CELL_TEXT);
    assert_string_equal(c->u.text, want);
}

static void item_date(const kpi_result *k, size_t row, const char *col, const char *want)
{
    const cell *c = kh_item(k, row, col);
    assert_non_null(c);
    if (!want) {
        assert_int_equal(c->kind, CELL_EMPTY);
        return;
    }
    assert_int_equal(c->kind, CELL_DATE);
    char buf[11];
    date_format_iso(c->u.day, buf);
    assert_string_equal(buf, want);
}

static void item_int(const kpi_result *k, size_t row, const char *col, long long want)
{
    const cell *c = kh_item(k, row, col);
    assert_non_null(c);
    assert_int_equal(c->kind, CELL_INT);
    assert_int_equal(c->u.i, want);
}

/* A share KPI's value, numerator and denominator at once. */
#define SHARE(k, v, n, d) do { KH_VAL((k)->value, v); KH_VAL((k)->numerator, n); KH_VAL((k)->denominator, d); } while (0)
/* A count: value, and numerator and denominator null. */
#define COUNT(k, v) do { KH_VAL((k)->value, v); KH_NULL((k)->numerator); KH_NULL((k)->denominator); } while (0)

/* ---------------------------------------------------------------- a clean run */

/* A run in which no row is rejected: the most common case.  In a child, so
 * that a sanitizer abort (UBSan: memcpy from a NULL reject list) fails this
 * test only. */
static void test_clean_run_without_rejects(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", KH_DEV_HEADER "x1,A,2026-10-01,,,,,,,,\n");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int status = -1;
        report *r = kh_run(dir, KH_PRELUDE "kpi.deviations_reported {}\n", "2026-10", NULL, &status);
        int ok = r && status == 0 && r->nrejects == 0 && r->rejected_rows == 0 && r->nkpis == 1 &&
                 r->kpis[0].value.present && r->kpis[0].value.v == 1;
        fflush(NULL);
        _exit(ok ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    kh_cleanup(dir);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---------------------------------------------------------------- deviations_reported */

static const char *dev_edges =
    KH_DEV_HEADER
    "d1,A,2026-09-30,,,HMS,,,K,,\n"        /* day before the period */
    "d2,A,2026-10-01,,,HMS,,,K,0-17,\n"    /* first day */
    "d3,B,2026-10-31,,,Kvalitet,,,,65+,Nord\n"   /* last day */
    "d4,B,2026-11-01,,,HMS,,,M,,\n"        /* day after */
    "d5,A,2025-10-15,,,HMS,,,,,\n";        /* same month last year */

static void test_reported_period_edges(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", dev_edges);
    report *r = kh_run_ok(dir, KH_PRELUDE "kpi.deviations_reported {}\n", "2026-10", NULL);
    assert_string_equal(r->period.id, "2026-10");
    assert_int_equal(r->as_of, kh_day("2026-10-31"));   /* as_of defaults to the period's last day */
    const kpi_result *k = need(r, "deviations_reported");
    assert_int_equal(k->kind, KPI_COUNT);
    COUNT(k, 2);                        /* d2 (first day) + d3 (last day); not d1, d4 */
    KH_NULL(k->target);                 /* plain count: no target */
    assert_int_equal(k->status, STATUS_NONE);
    KH_VAL(k->previous, 1);             /* 2026-09: d1 */
    KH_VAL(k->last_year, 1);            /* 2025-10: d5 */
    assert_string_equal(k->previous_id, "2026-09");
    assert_string_equal(k->last_year_id, "2025-10");
    /* breakdowns: unit, and each deviation dimension, "" = unknown */
    KH_VAL(entry(k, "unit", "A")->value, 1);          /* d2 */
    KH_VAL(entry(k, "unit", "B")->value, 1);          /* d3 */
    KH_VAL(entry(k, "category", "HMS")->value, 1);    /* d2 */
    KH_VAL(entry(k, "category", "Kvalitet")->value, 1);   /* d3 */
    KH_VAL(entry(k, "gender", "K")->value, 1);        /* d2 */
    KH_VAL(entry(k, "gender", "")->value, 1);         /* d3: empty gender */
    KH_VAL(entry(k, "age_group", "0-17")->value, 1);
    KH_VAL(entry(k, "age_group", "65+")->value, 1);
    KH_VAL(entry(k, "area", "Nord")->value, 1);
    KH_VAL(entry(k, "area", "")->value, 1);
    assert_null(kh_entry(k, "gender", "M"));          /* d4 is outside the period */
    /* the empty key sorts last */
    const breakdown *g = kh_breakdown(k, "gender");
    assert_string_equal(g->entries[g->n - 1].key, "");
    /* series: the twelve months up to as_of, oldest first */
    assert_int_equal(k->nseries, 12);
    assert_string_equal(k->series[0].month, "2025-11");
    assert_string_equal(k->series[11].month, "2026-10");
    KH_VAL(series_value(k, "2025-11"), 0);
    KH_VAL(series_value(k, "2026-09"), 1);  /* d1 */
    KH_VAL(series_value(k, "2026-10"), 2);  /* d2, d3 */
    assert_int_equal(r->rejected_rows, 0);
    kh_free(r);

    /* as_of before the period's end: period KPIs still count the whole
     * period, d3 on 2026-10-31 included. */
    r = kh_run_ok(dir, KH_PRELUDE "kpi.deviations_reported {}\n", "2026-10", "2026-10-15");
    assert_int_equal(r->as_of, kh_day("2026-10-15"));
    k = need(r, "deviations_reported");
    COUNT(k, 2);
    KH_VAL(series_value(k, "2026-10"), 2);
    assert_string_equal(k->series[11].month, "2026-10");
    kh_free(r);
    kh_cleanup(dir);
}

/* 29 February: reported on the leap day, and last year's February. */
static void test_reported_leap_day(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv",
             KH_DEV_HEADER
             "l1,A,2028-02-29,,,,,,,,\n"   /* last day of February 2028 */
             "l2,A,2028-02-01,,,,,,,,\n"   /* first day */
             "l3,A,2028-03-01,,,,,,,,\n"   /* day after */
             "l4,A,2027-02-28,,,,,,,,\n"   /* last year's February, last day */
             "l5,A,2027-03-01,,,,,,,,\n"
             "l6,A,2028-01-31,,,,,,,,\n");
    report *r = kh_run_ok(dir, KH_PRELUDE "kpi.deviations_reported {}\nkpi.deviations_reported_change {}\n",
                          "2028-02", NULL);
    assert_int_equal(r->period.end, kh_day("2028-02-29"));
    assert_int_equal(r->as_of, kh_day("2028-02-29"));
    const kpi_result *k = need(r, "deviations_reported");
    COUNT(k, 2);                    /* l1, l2 */
    KH_VAL(k->previous, 1);         /* 2028-01: l6 */
    KH_VAL(k->last_year, 1);        /* 2027-02: l4 */
    assert_string_equal(k->last_year_id, "2027-02");
    k = need(r, "deviations_reported_change");
    assert_int_equal(k->kind, KPI_CHANGE);
    SHARE(k, 1.0, 2, 1);            /* 2 / 1 - 1 = 1; numerator this year, denominator last year */
    KH_VAL(k->target, 0);           /* default target 0, above */
    assert_int_equal(k->direction, DIR_ABOVE);
    assert_int_equal(k->status, STATUS_GREEN);   /* 1 > 0 */
    KH_NULL(k->previous);           /* 2028-01 (1) against 2027-01 (0): none */
    KH_NULL(k->last_year);          /* 2027-02 (1) against 2026-02 (0): none */
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- deviations_reported_change */

static void test_change_last_year_zero(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv",
             KH_DEV_HEADER
             "c1,A,2026-10-01,,,,,,,,\n"
             "c2,A,2026-10-31,,,,,,,,\n"
             "c3,A,2025-11-01,,,,,,,,\n");   /* not in 2025-10 */
    report *r = kh_run_ok(dir, KH_PRELUDE "kpi.deviations_reported_change {}\n", "2026-10", NULL);
    const kpi_result *k = need(r, "deviations_reported_change");
    KH_NULL(k->value);                  /* last year's count is 0: none */
    KH_VAL(k->numerator, 2);            /* c1, c2 */
    KH_VAL(k->denominator, 0);          /* 2025-10: nothing */
    assert_int_equal(k->status, STATUS_NONE);
    kh_free(r);
    kh_cleanup(dir);
}

static void test_change_statuses(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv",
             KH_DEV_HEADER
             "a,A,2026-10-15,,,,,,,,\n"     /* 2026-10: 1 */
             "b,A,2025-10-01,,,,,,,,\n"     /* 2025-10: 2 */
             "c,A,2025-10-31,,,,,,,,\n"
             "d,A,2026-09-01,,,,,,,,\n"     /* 2026-09: 2 */
             "e,A,2026-09-30,,,,,,,,\n"
             "f,A,2025-09-10,,,,,,,,\n"     /* 2025-09: 2 */
             "g,A,2025-09-11,,,,,,,,\n");
    const char *script = KH_PRELUDE
        "kpi.deviations_reported_change {}\n"
        "kpi.deviations_reported_change { id = \"chg_warn\", warning = -0.5 }\n"
        "kpi.deviations_reported_change { id = \"chg_warn2\", warning = -0.4 }\n";
    report *r = kh_run_ok(dir, script, "2026-10", NULL);
    const kpi_result *k = need(r, "deviations_reported_change");
    SHARE(k, -0.5, 1, 2);                       /* 1 / 2 - 1 */
    assert_int_equal(k->status, STATUS_RED);    /* not above 0, no warning */
    KH_VAL(k->previous, 0);                     /* 2026-09 (2) / 2025-09 (2) - 1 */
    KH_NULL(k->last_year);                      /* 2025-10 (2) / 2024-10 (0): none */
    k = need(r, "chg_warn");
    KH_VAL(k->warning, -0.5);
    assert_int_equal(k->status, STATUS_YELLOW); /* -0.5 on the warning threshold */
    k = need(r, "chg_warn2");
    assert_int_equal(k->status, STATUS_RED);    /* -0.5 below -0.4 */
    kh_free(r);

    r = kh_run_ok(dir, script, "2026-09", NULL);
    k = need(r, "deviations_reported_change");
    SHARE(k, 0.0, 2, 2);                        /* 2 / 2 - 1 = 0 */
    assert_int_equal(k->status, STATUS_RED);    /* 0 is not above 0 */
    assert_int_equal(need(r, "chg_warn")->status, STATUS_YELLOW);   /* 0 >= -0.5 */
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- deviations_closed_on_time */

static void test_closed_on_time(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv",
             KH_DEV_HEADER
             "c1,A,2026-09-01,2026-10-10,2026-10-10,,,,,,\n"   /* closed on the due date: on time */
             "c2,A,2026-09-01,2026-10-10,2026-10-11,,,,,,\n"   /* the day after: late */
             "c3,B,2026-10-01,,2026-10-05,,,,,,\n"             /* no due: left out */
             "c4,B,2026-10-01,2026-10-31,2026-11-01,,,,,,\n"   /* closed after the period: left out */
             "c5,B,2026-09-01,2026-09-30,2026-09-30,,,,,,\n"   /* closed in September */
             "c6,B,2026-10-01,2026-10-31,2026-10-01,,,,,,\n"   /* closed on the first day, on time */
             "c7,A,2026-10-20,2026-10-25,2026-10-31,,,,,,\n"); /* closed on the last day, late */
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "kpi.deviations_closed_on_time {}\n"
                          "kpi.deviations_closed_on_time { id = \"closed_warn\", warning = 0.5 }\n"
                          "kpi.deviations_closed_on_time { id = \"closed_warn_hi\", warning = 0.6 }\n",
                          "2026-10", NULL);
    const kpi_result *k = need(r, "deviations_closed_on_time");
    assert_int_equal(k->kind, KPI_SHARE);
    SHARE(k, 0.5, 2, 4);                /* {c1, c6} of {c1, c2, c6, c7} */
    KH_VAL(k->target, 1.0);
    assert_int_equal(k->direction, DIR_AT_LEAST);
    assert_int_equal(k->status, STATUS_RED);
    const breakdown_entry *e = entry(k, "unit", "A");
    KH_VAL(e->value, 1.0 / 3);          /* c1 of c1, c2, c7 */
    KH_VAL(e->numerator, 1);
    KH_VAL(e->denominator, 3);
    e = entry(k, "unit", "B");
    KH_VAL(e->value, 1.0);              /* c6 of c6 */
    KH_VAL(e->numerator, 1);
    KH_VAL(e->denominator, 1);
    KH_VAL(k->previous, 1.0);           /* 2026-09: c5 closed on its due date */
    KH_NULL(k->last_year);              /* 2025-10: nothing closed, empty denominator */
    KH_VAL(series_value(k, "2026-09"), 1.0);
    KH_NULL(series_value(k, "2026-08"));
    KH_VAL(series_value(k, "2026-10"), 0.5);
    assert_int_equal(need(r, "closed_warn")->status, STATUS_YELLOW);     /* 0.5 >= 0.5 */
    assert_int_equal(need(r, "closed_warn_hi")->status, STATUS_RED);     /* 0.5 < 0.6 */
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- deviations_open_overdue */

static const char *dev_overdue =
    KH_DEV_HEADER
    "o1,A,2026-09-01,2026-10-19,,,,,,,\n"            /* due the day before as_of: 1 day overdue */
    "o2,A,2026-09-01,2026-10-20,,,,,,,\n"            /* due == as_of: not overdue */
    "o3,B,2026-09-01,2026-10-01,2026-10-25,,,,,,\n"  /* closed after as_of: open, 19 days */
    "o4,B,2026-09-01,2026-10-01,2026-10-20,,,,,,\n"  /* closed on as_of: closed */
    "o5,B,2026-10-21,2026-10-15,,,,,,,\n"            /* reported after as_of */
    "o6,A,2026-08-01,,,,,,,,\n"                      /* no due */
    "o7,A,2026-08-01,2026-08-31,,,,,,,\n";           /* 31 Aug -> 20 Oct: 30 + 20 = 50 days */

static void test_open_overdue(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", dev_overdue);
    const char *script = KH_PRELUDE
        "kpi.deviations_open_overdue {}\n"
        "kpi.deviations_open_overdue { id = \"overdue_warn\", warning = 3 }\n"
        "kpi.deviations_open_overdue { id = \"overdue_warn2\", warning = 2 }\n";
    report *r = kh_run_ok(dir, script, "2026-10", "2026-10-20");
    const kpi_result *k = need(r, "deviations_open_overdue");
    COUNT(k, 3);                        /* o1, o3, o7 */
    KH_VAL(k->target, 0);
    assert_int_equal(k->direction, DIR_AT_MOST);
    assert_int_equal(k->status, STATUS_RED);
    KH_VAL(entry(k, "unit", "A")->value, 2);   /* o1, o7 */
    KH_VAL(entry(k, "unit", "B")->value, 1);   /* o3 */
    /* the list, most overdue first */
    assert_non_null(k->items);
    assert_string_equal(k->items->name, "overdue_deviations");
    assert_int_equal(k->items->nrows, 3);
    item_text(k, 0, "id", "o7");
    item_text(k, 0, "unit", "A");
    item_date(k, 0, "reported", "2026-08-01");
    item_date(k, 0, "due", "2026-08-31");
    item_int(k, 0, "days_overdue", 50);        /* 2026-10-20 - 2026-08-31 */
    item_text(k, 1, "id", "o3");
    item_text(k, 1, "unit", "B");
    item_date(k, 1, "due", "2026-10-01");
    item_int(k, 1, "days_overdue", 19);        /* 2026-10-20 - 2026-10-01 */
    item_text(k, 2, "id", "o1");
    item_int(k, 2, "days_overdue", 1);         /* 2026-10-20 - 2026-10-19 */
    /* trends: each period at its own last day */
    KH_VAL(k->previous, 1);             /* as_of 2026-09-30: only o7 (due 08-31) */
    KH_VAL(k->last_year, 0);            /* as_of 2025-10-31: nothing reported yet */
    KH_VAL(series_value(k, "2026-10"), 3);   /* as_of's month uses as_of itself */
    KH_VAL(series_value(k, "2026-09"), 1);
    KH_VAL(series_value(k, "2026-08"), 0);   /* as_of 08-31: o7 due 08-31 is not yet overdue */
    assert_int_equal(need(r, "overdue_warn")->status, STATUS_YELLOW);   /* 3 <= 3 */
    assert_int_equal(need(r, "overdue_warn2")->status, STATUS_RED);     /* 3 > 2 */
    kh_free(r);

    /* August at its end: nothing overdue, 0 meets the target 0. */
    r = kh_run_ok(dir, script, "2026-08", NULL);
    k = need(r, "deviations_open_overdue");
    COUNT(k, 0);
    assert_int_equal(k->status, STATUS_GREEN);
    assert_int_equal(k->items->nrows, 0);
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- root_cause_serious_injury */

static void test_root_cause(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv",
             KH_DEV_HEADER
             "r1,A,2026-10-01,,,PERSONSKADE,alvorlig,ja,,,\n"           /* serious, done */
             "r2,A,2026-10-02,,,personskade,SV\xC3\x86RT ALVORLIG,nei,,,\n"   /* serious (Æ folded), not done */
             "r3,B,2026-10-03,,,Personskada,Allvarlig,x,,,\n"           /* serious, done */
             "r4,B,2026-10-04,,,Personskade,Lav,ja,,,\n"                /* severity not serious */
             "r5,A,2026-10-05,,,HMS,Alvorlig,ja,,,\n"                   /* category not serious */
             "r6,A,2026-10-06,,,Personskade,Alvorlig,,,,\n"             /* serious, empty = false */
             "r7,A,2026-11-01,,,Personskade,Alvorlig,ja,,,\n"           /* after the period */
             "r8,B,2026-10-31,,,Personskade,Mycket allvarlig,1,,,\n");  /* serious, done */
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "kpi.root_cause_serious_injury {}\n"
                          "kpi.root_cause_serious_injury { id = \"rc_hms\", categories = { \"hms\" }, "
                          "severities = \"ALVORLIG\" }\n",
                          "2026-10", NULL);
    const kpi_result *k = need(r, "root_cause_serious_injury");
    SHARE(k, 0.6, 3, 5);                /* {r1, r3, r8} of {r1, r2, r3, r6, r8} */
    KH_VAL(k->target, 1.0);
    assert_int_equal(k->status, STATUS_RED);
    const breakdown_entry *e = entry(k, "unit", "A");
    KH_VAL(e->numerator, 1);            /* r1 */
    KH_VAL(e->denominator, 3);          /* r1, r2, r6 */
    KH_VAL(e->value, 1.0 / 3);
    e = entry(k, "unit", "B");
    KH_VAL(e->numerator, 2);            /* r3, r8 */
    KH_VAL(e->denominator, 2);
    k = need(r, "rc_hms");
    SHARE(k, 1.0, 1, 1);                /* r5: HMS and Alvorlig, matched ignoring case */
    assert_int_equal(k->status, STATUS_GREEN);
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- proposals */

static void test_proposals_counts(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "prop.csv",
             KH_PROP_HEADER
             "p1,A,2026-09-30,implemented,2026-10-01\n"   /* submitted in Q3, implemented on Q4's first day */
             "p2,A,2026-10-01,Implemented,2026-12-31\n"   /* first day; implemented on the last day */
             "p3,B,2026-12-31,rejected,2026-12-31\n"      /* last day; rejected */
             "p4,B,2027-01-01,implemented,2027-01-02\n"   /* after the period */
             "p5,B,2026-11-20,implemented,2027-01-01\n"   /* after as_of, in the period; decided after it */
             "p6,A,2025-11-01,implemented,2025-11-02\n"   /* last year's Q4 */
             "p7,A,2026-08-15,new,\n"                     /* Q3 */
             "p8,B,2026-10-10,GJENNOMF\xC3\x98RT,2026-10-15\n");   /* mapped to implemented */
    const char *script = KH_MUNI KH_DEV KH_DOC
        "dataset \"proposals\" { file = \"prop.csv\", values = { status = { [\"Gjennomf\xC3\xb8rt\"] = \"implemented\" } } }\n"
        "kpi.proposals_submitted {}\n"
        "kpi.proposals_implemented {}\n";
    report *r = kh_run_ok(dir, script, "2026-Q4", "2026-11-15");
    const kpi_result *k = need(r, "proposals_submitted");
    COUNT(k, 4);                        /* p2, p3, p5, p8 */
    assert_int_equal(k->status, STATUS_NONE);
    KH_VAL(k->previous, 2);             /* 2026-Q3: p1, p7 */
    KH_VAL(k->last_year, 1);            /* 2025-Q4: p6 */
    assert_string_equal(k->previous_id, "2026-Q3");
    assert_string_equal(k->last_year_id, "2025-Q4");
    KH_VAL(entry(k, "unit", "A")->value, 1);   /* p2 */
    KH_VAL(entry(k, "unit", "B")->value, 3);   /* p3, p5, p8 */
    /* series: twelve months up to as_of's month, November */
    assert_int_equal(k->nseries, 12);
    assert_string_equal(k->series[0].month, "2025-12");
    assert_string_equal(k->series[11].month, "2026-11");
    assert_null(kh_series(k, "2026-12"));
    KH_VAL(series_value(k, "2025-12"), 0);
    KH_VAL(series_value(k, "2026-08"), 1);   /* p7 */
    KH_VAL(series_value(k, "2026-09"), 1);   /* p1 */
    KH_VAL(series_value(k, "2026-10"), 2);   /* p2, p8 */
    KH_VAL(series_value(k, "2026-11"), 1);   /* p5 */

    k = need(r, "proposals_implemented");
    COUNT(k, 3);                        /* p1 (10-01), p2 (12-31), p8 (mapped, 10-15) */
    KH_VAL(k->previous, 0);             /* nothing implemented in Q3 */
    KH_VAL(k->last_year, 1);            /* p6 */
    KH_VAL(series_value(k, "2026-10"), 2);   /* p1, p8 */
    KH_VAL(series_value(k, "2026-11"), 0);
    kh_free(r);
    kh_cleanup(dir);
}

/* Unit set from the union of the datasets; 29 February in a leap quarter. */
static void test_proposals_per_unit_month_union(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "prop.csv",
             KH_PROP_HEADER
             "a1,A,2028-01-01,,\n"   /* A: Jan 2, Feb 1, Mar 3 */
             "a2,A,2028-01-31,,\n"
             "a3,A,2028-02-29,,\n"
             "a4,A,2028-03-01,,\n"
             "a5,A,2028-03-15,,\n"
             "a6,A,2028-03-31,,\n"
             "b1,B,2027-12-31,,\n"   /* B: Dec 2027 1, Feb 2, Apr 1 */
             "b2,B,2028-02-01,,\n"
             "b3,B,2028-02-29,,\n"
             "b4,B,2028-04-01,,\n");
    kh_write(dir, "dev.csv", KH_DEV_HEADER
             "x1,C,2027-06-01,,,,,,,,\n"     /* C only in deviations */
             "x2,R,2027-02-30,,,,,,,,\n");   /* rejected: R is not a unit of the set */
    kh_write(dir, "doc.csv", KH_DOC_HEADER "y1,Doc,D,,,\n");                /* D only in documents */
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "kpi.proposals_per_unit_month { threshold = 2 }\n"
                          "kpi.proposals_per_unit_month { id = \"ppum1\", threshold = 1 }\n"
                          "kpi.proposals_per_unit_month { id = \"ppum0\", threshold = 0 }\n"
                          "kpi.proposals_per_unit_month { id = \"ppum5\" }\n",
                          "2028-Q1", NULL);
    /* unit set {A, B, C, D} x months {Jan, Feb, Mar} = 12 pairs */
    const kpi_result *k = need(r, "proposals_per_unit_month");
    SHARE(k, 0.25, 3, 12);              /* A Jan (2), A Mar (3), B Feb (2) reach 2 */
    KH_VAL(k->target, 1.0);
    assert_int_equal(k->status, STATUS_RED);
    const breakdown_entry *e = entry(k, "unit", "A");
    KH_VAL(e->numerator, 2);
    KH_VAL(e->denominator, 3);
    KH_VAL(e->value, 2.0 / 3);
    e = entry(k, "unit", "B");
    KH_VAL(e->numerator, 1);
    KH_VAL(e->denominator, 3);
    e = entry(k, "unit", "C");
    KH_VAL(e->numerator, 0);            /* a unit with no proposals at all */
    KH_VAL(e->denominator, 3);
    KH_VAL(e->value, 0);
    e = entry(k, "unit", "D");
    KH_VAL(e->value, 0);
    KH_VAL(k->previous, 0);             /* 2027-Q4: B has 1 in December, below 2; 0 / 12 */
    KH_VAL(k->last_year, 0);            /* 2027-Q1: nothing; 0 / 12 */
    SHARE(need(r, "ppum1"), 1.0 / 3, 4, 12);   /* A Jan, Feb, Mar + B Feb */
    k = need(r, "ppum0");
    SHARE(k, 1.0, 12, 12);              /* a count of 0 is at least 0 */
    assert_int_equal(k->status, STATUS_GREEN);
    SHARE(need(r, "ppum5"), 0.0, 0, 12);   /* default threshold 5: nobody */
    assert_null(kh_entry(k, "unit", "R"));
    assert_int_equal(r->rejected_rows, 1);
    kh_free(r);
    kh_cleanup(dir);
}

/* Unit set from the units register: units without proposals count, units
 * outside the register do not. */
static void test_proposals_per_unit_month_register(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "units.csv", "unit,parent,level\nA,,\nB,,\nE,,\n");
    kh_write(dir, "prop.csv",
             KH_PROP_HEADER
             "a1,A,2028-02-01,,\n"   /* A: 5 in February 2028, with the 29th */
             "a2,A,2028-02-10,,\n"
             "a3,A,2028-02-20,,\n"
             "a4,A,2028-02-28,,\n"
             "a5,A,2028-02-29,,\n"
             "a6,A,2028-03-01,,\n"   /* March: outside */
             "b1,B,2028-02-01,,\n"   /* B: 4 */
             "b2,B,2028-02-02,,\n"
             "b3,B,2028-02-03,,\n"
             "b4,B,2028-02-04,,\n"
             "z1,Z,2028-02-01,,\n"   /* Z: 7, not in the register */
             "z2,Z,2028-02-02,,\n"
             "z3,Z,2028-02-03,,\n"
             "z4,Z,2028-02-04,,\n"
             "z5,Z,2028-02-05,,\n"
             "z6,Z,2028-02-06,,\n"
             "z7,Z,2028-02-07,,\n");
    kh_write(dir, "dev.csv", KH_DEV_HEADER "x1,C,2028-02-01,,,,,,,,\n");
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "dataset \"units\" { file = \"units.csv\" }\n"
                          "kpi.proposals_per_unit_month {}\n",
                          "2028-02", NULL);
    const kpi_result *k = need(r, "proposals_per_unit_month");
    SHARE(k, 1.0 / 3, 1, 3);            /* {A, B, E} x {Feb}: only A reaches 5 */
    assert_int_equal(k->status, STATUS_RED);
    KH_VAL(entry(k, "unit", "A")->value, 1.0);
    KH_VAL(entry(k, "unit", "B")->value, 0.0);   /* 4 < 5 */
    const breakdown_entry *e = entry(k, "unit", "E");
    KH_VAL(e->numerator, 0);            /* in the register, no proposals */
    KH_VAL(e->denominator, 1);
    assert_null(kh_entry(k, "unit", "Z"));   /* not in the register */
    assert_null(kh_entry(k, "unit", "C"));
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- documents_revised_within */

static const char *docs_leap =
    KH_DOC_HEADER
    "doc1,Rutine 1,A,Kari,2026-02-28,published\n"   /* exactly on the 2-year cutoff */
    "doc2,Rutine 2,A,Ola,2026-02-27,published\n"    /* the day before it */
    "doc3,Rutine 3,B,,,draft\n"                     /* never revised */
    "doc4,Gammel,B,,2020-01-01,archived\n"          /* archived: left out */
    "doc5,Eldre,B,,2020-01-01,ARCHIVED\n"           /* archived, any case */
    "doc6,Ny,B,Per,2027-01-10,\n"                   /* no status: not archived */
    "doc7,,B,,2026-02-30,published\n";              /* empty title and impossible date: rejected */

static void test_documents_leap_day(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "doc.csv", docs_leap);
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "kpi.documents_revised_within { years = 2 }\n"
                          "kpi.documents_revised_within { id = \"docs3\", years = 3 }\n",
                          "2028-02", "2028-02-29");
    /* as_of 2028-02-29, 2 years before: 2026-02-28 */
    const kpi_result *k = need(r, "documents_revised_within");
    SHARE(k, 0.5, 2, 4);                /* {doc1, doc6} of {doc1, doc2, doc3, doc6} */
    assert_int_equal(k->status, STATUS_RED);
    assert_non_null(k->params_json);
    assert_non_null(strstr(k->params_json, "\"years\":2"));
    const breakdown_entry *e = entry(k, "unit", "A");
    KH_VAL(e->numerator, 1);            /* doc1 */
    KH_VAL(e->denominator, 2);          /* doc1, doc2 */
    e = entry(k, "unit", "B");
    KH_VAL(e->numerator, 1);            /* doc6 */
    KH_VAL(e->denominator, 2);          /* doc3, doc6 */
    /* the documents not revised, never-revised first, then oldest */
    assert_non_null(k->items);
    assert_string_equal(k->items->name, "documents_not_revised");
    assert_int_equal(k->items->nrows, 2);
    item_text(k, 0, "id", "doc3");
    item_text(k, 0, "title", "Rutine 3");
    item_text(k, 0, "unit", "B");
    item_text(k, 0, "owner", NULL);
    item_date(k, 0, "revised", NULL);
    item_text(k, 1, "id", "doc2");
    item_text(k, 1, "owner", "Ola");
    item_date(k, 1, "revised", "2026-02-27");
    KH_VAL(k->previous, 0.75);          /* as_of 2028-01-31, cutoff 2026-01-31: doc1, doc2, doc6 */
    KH_VAL(k->last_year, 0.75);         /* as_of 2027-02-28, cutoff 2025-02-28: doc1, doc2, doc6 */
    KH_VAL(series_value(k, "2028-02"), 0.5);
    /* 3 years: cutoff 2025-02-28, doc2 is now within */
    SHARE(need(r, "docs3"), 0.75, 3, 4);
    /* doc7: one row rejected for two problems */
    assert_int_equal(r->rejected_rows, 1);
    assert_int_equal(r->nrejects, 2);
    assert_int_equal(r->rejects[0].line, 8);
    assert_string_equal(r->rejects[0].field, "title");
    assert_int_equal(r->rejects[1].line, 8);
    assert_string_equal(r->rejects[1].field, "revised");
    assert_string_equal(r->rejects[1].value, "2026-02-30");
    kh_free(r);
    kh_cleanup(dir);
}

/* as_of earlier than the period's end decides what is revised; period
 * KPIs still count the whole period. */
static void test_as_of_before_period_end(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "doc.csv", docs_leap);
    kh_write(dir, "dev.csv",
             KH_DEV_HEADER
             "e1,A,2028-01-01,,,,,,,,\n"
             "e2,A,2028-03-31,,,,,,,,\n"    /* after as_of, in the quarter */
             "e3,A,2028-04-01,,,,,,,,\n");
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "kpi.documents_revised_within { years = 2 }\n"
                          "kpi.deviations_reported {}\n",
                          "2028-Q1", "2028-02-29");
    /* cutoff from as_of (2026-02-28), not from the period's end (that would
     * be 2026-03-31 and give 1 / 4) */
    SHARE(need(r, "documents_revised_within"), 0.5, 2, 4);
    const kpi_result *k = need(r, "deviations_reported");
    COUNT(k, 2);                        /* e1, e2 */
    /* the series ends at as_of's month */
    assert_string_equal(k->series[11].month, "2028-02");
    assert_string_equal(k->series[0].month, "2027-03");
    KH_VAL(series_value(k, "2028-01"), 1);
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- inquiries_answered_within */

static void test_inquiries_datetimes(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "inq.csv",
             "id,unit,received,answered\n"
             "q1,A,2026-10-01 08:00,2026-10-03 08:00\n"    /* exactly 48 h: in time */
             "q2,A,2026-10-01 08:00,2026-10-03 08:01\n"    /* 48 h + 1 min: late */
             "q3,B,2026-10-30 12:00,\n"                    /* deadline 11-01 12:00, after as_of: pending */
             "q4,B,2026-10-05 09:00,\n"                    /* deadline 10-07 09:00 passed: late */
             "q5,B,2026-10-29 23:59,\n"                    /* deadline 10-31 23:59, before the end of as_of: late */
             "q6,A,2026-09-30 10:00,2026-09-30 11:00\n"    /* September */
             "q7,A,2026-10-31 23:00,2026-11-01 01:00\n"    /* last day, answered 2 h later: in time */
             "q8,A,2026-10-10,2026-10-12 18:00\n"          /* plain received date: 10-12 <= 10-10 + 2: in time */
             "q9,A,2026-10-10 10:00,2026-10-13\n"          /* plain answered date: 10-13 > 10-12: late */
             "q10,A,2026-10-15T10:00:00,2026-10-17T09:59:59\n");   /* 47:59:59: in time */
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "dataset \"inquiries\" { file = \"inq.csv\" }\n"
                          "kpi.inquiries_answered_within { days = 2 }\n",
                          "2026-10", NULL);
    assert_int_equal(r->rejected_rows, 0);
    const kpi_result *k = need(r, "inquiries_answered_within");
    SHARE(k, 0.5, 4, 8);                /* {q1, q7, q8, q10} of {q1, q2, q4, q5, q7, q8, q9, q10} */
    assert_int_equal(k->status, STATUS_RED);
    const breakdown_entry *e = entry(k, "unit", "A");
    KH_VAL(e->numerator, 4);            /* q1, q7, q8, q10 */
    KH_VAL(e->denominator, 6);          /* + q2, q9 */
    KH_VAL(e->value, 4.0 / 6);
    e = entry(k, "unit", "B");
    KH_VAL(e->numerator, 0);
    KH_VAL(e->denominator, 2);          /* q4, q5; q3 is pending */
    KH_VAL(k->previous, 1.0);           /* September: q6 */
    KH_NULL(k->last_year);              /* 2025-10: none */
    kh_free(r);
    kh_cleanup(dir);
}

static void test_inquiries_dates(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "inq.csv",
             "id;unit;received;answered\n"
             "a1;A;01.10.2026;03.10.2026\n"   /* + 2 days: in time */
             "a2;A;01.10.2026;04.10.2026\n"   /* + 3 days: late */
             "a3;A;19.10.2026;\n"             /* deadline 21.10 after as_of: pending */
             "a4;A;18.10.2026;\n"             /* deadline 20.10 = as_of: passed, late */
             "a5;A;25.10.2026;\n"             /* after as_of, deadline 27.10: pending */
             "a6;A;25.10.2026;26.10.2026\n"); /* answered: counted, in time */
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "dataset \"inquiries\" { file = \"inq.csv\", date_format = \"dd.mm.yyyy\" }\n"
                          "kpi.inquiries_answered_within {}\n"
                          "kpi.inquiries_answered_within { id = \"inq1\", days = 1 }\n",
                          "2026-10", "2026-10-20");
    const kpi_result *k = need(r, "inquiries_answered_within");
    SHARE(k, 0.5, 2, 4);                /* {a1, a6} of {a1, a2, a4, a6}; default N = 2 */
    KH_VAL(series_value(k, "2026-10"), 0.5);
    /* N = 1: a1 late (03.10 > 02.10), a3 deadline 20.10 not after as_of: late,
     * a5 pending; in time only a6 */
    SHARE(need(r, "inq1"), 0.2, 1, 5);
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- training_completed */

static void test_training(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "training.csv",
             "person,unit,role,course,completed\n"
             "Ann,A,leader,Kvalitetsledelse,2023-12-31\n"
             "Bo,A,leader,KVALITETSLEDELSE,2024-01-01\n"
             "Cy,B,employee,kvalitetsledelse,\n"
             "Di,B,Leader,Kvalitetsledelse,2026-10-31\n"
             "Ed,B,leader,Avvikshandtering,2022-06-01\n"
             "Fa,A,employee,Kvalitetsledelse,2026-11-01\n");
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "dataset \"training\" { file = \"training.csv\" }\n"
                          "kpi.training_completed { course = \"kvalitetsledelse\" }\n"
                          "kpi.training_completed { course = \"Kvalitetsledelse\", role = \"leader\", "
                          "deadline = \"2023-12-31\" }\n"
                          "kpi.training_completed { course = \"Avvikshandtering\", role = \"LEADER\" }\n"
                          "kpi.training_completed { course = \"Ukjent\" }\n",
                          "2026-10", NULL);
    /* course only, deadline as_of 2026-10-31: Ann, Bo, Di of Ann, Bo, Cy, Di, Fa */
    const kpi_result *k = need(r, "training_completed_kvalitetsledelse");
    SHARE(k, 0.6, 3, 5);
    assert_int_equal(k->status, STATUS_RED);
    const breakdown_entry *e = entry(k, "unit", "A");
    KH_VAL(e->numerator, 2);            /* Ann, Bo */
    KH_VAL(e->denominator, 3);          /* Ann, Bo, Fa */
    e = entry(k, "unit", "B");
    KH_VAL(e->numerator, 1);            /* Di */
    KH_VAL(e->denominator, 2);          /* Cy, Di */
    KH_VAL(k->previous, 0.4);           /* as_of 2026-09-30: Ann, Bo */
    /* course and role (Leader matched ignoring case), deadline 2023-12-31:
     * Ann of Ann, Bo, Di */
    SHARE(need(r, "training_completed_kvalitetsledelse_leader"), 1.0 / 3, 1, 3);
    k = need(r, "training_completed_avvikshandtering_leader");
    SHARE(k, 1.0, 1, 1);                /* Ed */
    assert_int_equal(k->status, STATUS_GREEN);
    k = need(r, "training_completed_ukjent");
    KH_NULL(k->value);                  /* nobody assigned: no value */
    KH_VAL(k->denominator, 0);
    assert_int_equal(k->status, STATUS_NONE);
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- management_reviews */

static void test_management_reviews(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "units.csv", "unit,parent,level\nA,,\nB,,\nC,,\nD,,\n");
    kh_write(dir, "reviews.csv",
             "unit,date,level,improvement_goals\n"
             "A,2026-03-01,,2\n"
             "A,2026-04-01,,5\n"
             "B,2026-12-31,,3\n"     /* after the period, in its end's calendar year */
             "C,2026-05-01,,1\n"     /* too few goals for 2 */
             "C,2025-12-31,,5\n"     /* last year */
             "D,2026-02-01,,\n"      /* no goals given */
             "E,2026-01-01,,9\n");   /* not in the unit set */
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "dataset \"units\" { file = \"units.csv\" }\n"
                          "dataset \"reviews\" { file = \"reviews.csv\" }\n"
                          "kpi.management_reviews { min_goals = 2 }\n"
                          "kpi.management_reviews { id = \"mr1\" }\n",
                          "2026-H8", NULL);
    const kpi_result *k = need(r, "management_reviews");
    SHARE(k, 0.5, 2, 4);                /* A, B of A, B, C, D */
    assert_int_equal(k->status, STATUS_RED);
    KH_VAL(entry(k, "unit", "A")->value, 1);
    KH_VAL(entry(k, "unit", "B")->value, 1);
    KH_VAL(entry(k, "unit", "C")->value, 0);
    const breakdown_entry *e = entry(k, "unit", "D");
    KH_VAL(e->numerator, 0);
    KH_VAL(e->denominator, 1);
    assert_null(kh_entry(k, "unit", "E"));
    /* H8 has no previous period of its own: both trends are last year's H8 */
    assert_string_equal(k->previous_id, "2025-H8");
    assert_string_equal(k->last_year_id, "2025-H8");
    KH_VAL(k->previous, 0.25);          /* calendar year 2025: C (5 goals) */
    KH_VAL(k->last_year, 0.25);
    KH_VAL(series_value(k, "2025-12"), 0.25);   /* a 2025 month: year 2025 */
    KH_VAL(series_value(k, "2026-01"), 0.5);
    /* default min_goals 1: C's review with 1 goal counts, D's without goals not */
    SHARE(need(r, "mr1"), 0.75, 3, 4);
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- statuses and custom KPIs */

static void test_statuses(void **state)
{
    (void)state;
    /* the rule itself */
    maybe none = MAYBE_NONE;
    assert_int_equal(kpi_status_of(MAYBE(1.0), MAYBE(1.0), none, DIR_AT_LEAST), STATUS_GREEN);
    assert_int_equal(kpi_status_of(MAYBE(0.8), MAYBE(1.0), MAYBE(0.8), DIR_AT_LEAST), STATUS_YELLOW);
    assert_int_equal(kpi_status_of(MAYBE(0.79), MAYBE(1.0), MAYBE(0.8), DIR_AT_LEAST), STATUS_RED);
    assert_int_equal(kpi_status_of(MAYBE(0.99), MAYBE(1.0), none, DIR_AT_LEAST), STATUS_RED);
    assert_int_equal(kpi_status_of(MAYBE(0), MAYBE(0), none, DIR_AT_MOST), STATUS_GREEN);
    assert_int_equal(kpi_status_of(MAYBE(2), MAYBE(0), MAYBE(2), DIR_AT_MOST), STATUS_YELLOW);
    assert_int_equal(kpi_status_of(MAYBE(3), MAYBE(0), MAYBE(2), DIR_AT_MOST), STATUS_RED);
    assert_int_equal(kpi_status_of(MAYBE(0.01), MAYBE(0), none, DIR_ABOVE), STATUS_GREEN);
    assert_int_equal(kpi_status_of(MAYBE(0), MAYBE(0), none, DIR_ABOVE), STATUS_RED);
    assert_int_equal(kpi_status_of(MAYBE(-0.1), MAYBE(0), MAYBE(-0.1), DIR_ABOVE), STATUS_YELLOW);
    assert_int_equal(kpi_status_of(MAYBE(-0.2), MAYBE(0), MAYBE(-0.1), DIR_ABOVE), STATUS_RED);
    assert_int_equal(kpi_status_of(none, MAYBE(1), none, DIR_AT_LEAST), STATUS_NONE);
    assert_int_equal(kpi_status_of(MAYBE(5), none, none, DIR_AT_LEAST), STATUS_NONE);

    /* the same through rule files: custom KPIs returning fixed numbers */
    char dir[256];
    kh_new(dir);
    report *r = kh_run_ok(dir, KH_PRELUDE
        "kpi.custom { id = \"least_green\", kind = \"share\", compute = function(d, p) return 2, 2 end }\n"
        "kpi.custom { id = \"least_yellow\", kind = \"share\", warning = 0.5, compute = function(d, p) return 1, 2 end }\n"
        "kpi.custom { id = \"least_red\", kind = \"share\", warning = 0.6, compute = function(d, p) return 1, 2 end }\n"
        "kpi.custom { id = \"most_green\", target = 0, direction = \"at_most\", compute = function(d, p) return 0 end }\n"
        "kpi.custom { id = \"most_yellow\", target = 0, warning = 2, direction = \"at_most\", compute = function(d, p) return 2 end }\n"
        "kpi.custom { id = \"most_red\", target = 0, warning = 2, direction = \"at_most\", compute = function(d, p) return 3 end }\n"
        "kpi.custom { id = \"above_green\", kind = \"change\", target = 0, direction = \"above\", compute = function(d, p) return 3, 2 end }\n"
        "kpi.custom { id = \"above_equal\", kind = \"change\", target = 0, direction = \"above\", compute = function(d, p) return 2, 2 end }\n"
        "kpi.custom { id = \"above_yellow\", kind = \"change\", target = 0, warning = -0.5, direction = \"above\", compute = function(d, p) return 1, 2 end }\n"
        "kpi.custom { id = \"above_red\", kind = \"change\", target = 0, warning = -0.4, direction = \"above\", compute = function(d, p) return 1, 2 end }\n"
        "kpi.custom { id = \"no_target\", compute = function(d, p) return 5 end }\n"
        "kpi.custom { id = \"no_value\", kind = \"share\", compute = function(d, p) return 0, 0 end }\n",
        "2026-10", NULL);
    static const struct { const char *id; kpi_status s; double v; } want[] = {
        {"least_green", STATUS_GREEN, 1.0},     /* 2/2 >= 1 (share target 1.0 by default) */
        {"least_yellow", STATUS_YELLOW, 0.5},   /* 0.5 on the warning 0.5 */
        {"least_red", STATUS_RED, 0.5},         /* 0.5 below the warning 0.6 */
        {"most_green", STATUS_GREEN, 0},        /* 0 <= 0 */
        {"most_yellow", STATUS_YELLOW, 2},      /* 2 > 0, 2 <= warning 2 */
        {"most_red", STATUS_RED, 3},            /* 3 > warning 2 */
        {"above_green", STATUS_GREEN, 0.5},     /* 3/2 - 1 > 0 */
        {"above_equal", STATUS_RED, 0.0},       /* 2/2 - 1 = 0, not above */
        {"above_yellow", STATUS_YELLOW, -0.5},  /* 1/2 - 1 = -0.5 >= -0.5 */
        {"above_red", STATUS_RED, -0.5},        /* -0.5 < -0.4 */
        {"no_target", STATUS_NONE, 5},          /* count without target */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const kpi_result *k = need(r, want[i].id);
        KH_VAL(k->value, want[i].v);
        if (k->status != want[i].s)
            fail_msg("%s: status %s, expected %s", want[i].id, kpi_status_name(k->status),
                     kpi_status_name(want[i].s));
    }
    const kpi_result *k = need(r, "no_value");
    KH_NULL(k->value);                  /* empty denominator */
    KH_VAL(k->target, 1.0);
    assert_int_equal(k->status, STATUS_NONE);
    kh_free(r);
    kh_cleanup(dir);
}

static void test_custom_kpi(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv",
             KH_DEV_HEADER
             "h1,A,2026-10-01,,,HMS,,,,,\n"
             "h2,A,2026-10-02,,,Kvalitet,,,,,\n"
             "h3,B,2026-10-31,,,hms,,,,,\n"
             "h4,B,2026-09-03,,,HMS,,,,,\n");
    report *r = kh_run_ok(dir, KH_PRELUDE
                          "kpi.custom { id = \"hms_share\", title = \"HMS share\", kind = \"share\", breakdown = { \"unit\" },\n"
                          "  compute = function(d, p)\n"
                          "    local r = d.deviations:between(\"reported\", p.start, p[\"end\"])\n"
                          "    return r:is(\"category\", \"HMS\"), r\n"
                          "  end }\n",
                          "2026-10", NULL);
    const kpi_result *k = need(r, "hms_share");
    assert_string_equal(k->title, "HMS share");
    assert_int_equal(k->kind, KPI_SHARE);
    SHARE(k, 2.0 / 3, 2, 3);            /* h1, h3 (hms, ignoring case) of h1, h2, h3 */
    KH_VAL(k->target, 1.0);             /* a share's default target */
    assert_int_equal(k->status, STATUS_RED);
    assert_int_equal(k->nbreakdowns, 1);   /* only the breakdown asked for */
    KH_VAL(entry(k, "unit", "A")->value, 0.5);   /* h1 of h1, h2 */
    KH_VAL(entry(k, "unit", "B")->value, 1.0);   /* h3 of h3 */
    KH_VAL(k->previous, 1.0);           /* September: h4 of h4 */
    KH_NULL(k->last_year);              /* 2025-10: 0 / 0 */
    kh_free(r);
    kh_cleanup(dir);
}

/* ---------------------------------------------------------------- the report */

/* batch_compute hands the report to the caller: every string in it must
 * live as long as the report (model.h: "Every string and array hangs off
 * the report's arena").  Run in a child, so that a use after free under
 * AddressSanitizer fails this test only; without ASan the freed memory is
 * reused and overwritten first. */
static void test_report_outlives_rules(void **state)
{
    (void)state;
    char dir[256];
    kh_new(dir);
    kh_write(dir, "dev.csv", KH_DEV_HEADER "x1,A,2026-10-01,,,,,,,,\nx2,,2026-10-01,,,,,,,,\n");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        report *r = kh_run_ok(dir, KH_PRELUDE "kpi.deviations_reported {}\n", "2026-10", NULL);
        /* reuse the memory the run freed */
        for (int i = 0; i < 64; i++)
            memset(malloc(64 * 1024 + 32), 'Z', 64 * 1024 + 32);
        for (int i = 0; i < 4000; i++) {
            size_t n = 16 + (size_t)(i % 64) * 8;
            memset(malloc(n), 'Z', n);
        }
        int bad = 0;
        if (!r->municipality || strcmp(r->municipality, "t") != 0) {
            fprintf(stderr, "report.municipality does not outlive batch_compute\n");
            bad = 1;
        }
        if (!r->name || strcmp(r->name, "Test") != 0) {
            fprintf(stderr, "report.name does not outlive batch_compute\n");
            bad = 1;
        }
        if (!r->language || strcmp(r->language, "en") != 0) {
            fprintf(stderr, "report.language does not outlive batch_compute\n");
            bad = 1;
        }
        if (!r->title || strncmp(r->title, "ZZZZ", 4) == 0) {
            fprintf(stderr, "report.title does not outlive batch_compute\n");
            bad = 1;
        }
        if (r->nrejects != 1 || !strstr(r->rejects[0].file, "dev.csv")) {
            fprintf(stderr, "report.rejects[0].file does not outlive batch_compute\n");
            bad = 1;
        }
        fflush(NULL);
        _exit(bad);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    kh_cleanup(dir);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_clean_run_without_rejects, kh_teardown),
        cmocka_unit_test_teardown(test_reported_period_edges, kh_teardown),
        cmocka_unit_test_teardown(test_reported_leap_day, kh_teardown),
        cmocka_unit_test_teardown(test_change_last_year_zero, kh_teardown),
        cmocka_unit_test_teardown(test_change_statuses, kh_teardown),
        cmocka_unit_test_teardown(test_closed_on_time, kh_teardown),
        cmocka_unit_test_teardown(test_open_overdue, kh_teardown),
        cmocka_unit_test_teardown(test_root_cause, kh_teardown),
        cmocka_unit_test_teardown(test_proposals_counts, kh_teardown),
        cmocka_unit_test_teardown(test_proposals_per_unit_month_union, kh_teardown),
        cmocka_unit_test_teardown(test_proposals_per_unit_month_register, kh_teardown),
        cmocka_unit_test_teardown(test_documents_leap_day, kh_teardown),
        cmocka_unit_test_teardown(test_as_of_before_period_end, kh_teardown),
        cmocka_unit_test_teardown(test_inquiries_datetimes, kh_teardown),
        cmocka_unit_test_teardown(test_inquiries_dates, kh_teardown),
        cmocka_unit_test_teardown(test_training, kh_teardown),
        cmocka_unit_test_teardown(test_management_reviews, kh_teardown),
        cmocka_unit_test_teardown(test_statuses, kh_teardown),
        cmocka_unit_test_teardown(test_custom_kpi, kh_teardown),
        cmocka_unit_test_teardown(test_report_outlives_rules, kh_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
